//! Unit tests: one or more per rule of rules.md §1.2/§1.3 and per error
//! code. Expected values were checked against Wazuh 4.11.1's os_xml.

use super::*;

fn file() -> Arc<str> {
    Arc::from("t.xml")
}

fn ok(text: &str) -> Vec<Element> {
    match parse(&file(), text) {
        Ok(v) => v,
        Err(d) => panic!("unexpected error {d}: {:?}", d.wazuh),
    }
}

fn err(text: &str) -> Diagnostic {
    match parse(&file(), text) {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(d) => d,
    }
}

fn wazuh(d: &Diagnostic) -> &str {
    d.wazuh.as_deref().unwrap_or("")
}

// R1.2.1: no entity decoding, no CDATA.
#[test]
fn entities_stay_literal() {
    let r = ok("<a>&lt;&amp;&#x41;</a>");
    assert_eq!(r[0].content, "&lt;&amp;&#x41;");
}

#[test]
fn cdata_is_a_comment() {
    let r = ok("<a>x<![CDATA[ignored-->y</a>");
    assert_eq!(r[0].content, "xy");
    let d = err("<a><![CDATA[x]]></a>");
    assert_eq!(d.code, "X004");
}

// R1.2.2: backslash before `<`.
#[test]
fn escaped_lt_keeps_both_bytes() {
    let r = ok(r"<a>x\<y</a>");
    assert_eq!(r[0].content, r"x\<y");
    // Even number: not escaped, `<b/>` is a child.
    let r = ok(r"<a>x\\<b/>z</a>");
    assert_eq!(r[0].children.len(), 1);
    assert_eq!(r[0].content, "z");
}

#[test]
fn odd_backslashes_before_closing_tag() {
    // tables/patterns case 612: `abc\\\` then `</field>`.
    let d = err("<rule>\n<field>abc\\\\\\</field>\n</rule>");
    assert_eq!(d.code, "X002");
    assert!(wazuh(&d).contains("XMLERR: Element 'field' not closed. (line 3)."));
}

#[test]
fn escape_does_not_protect_comment() {
    // tables/patterns case 860: `(?\<!a)b`.
    let d = err("<rule>\n<field>(?\\<!a)b</field>\n</rule>\n");
    assert_eq!(d.code, "X004");
    assert!(wazuh(&d).contains("Comment not closed. (line 4)."));
    assert_eq!(
        (d.span.as_ref().unwrap().line, d.span.unwrap().column),
        (2, 11)
    );
}

#[test]
fn parity_survives_a_comment() {
    // The `<` after `\<!--x-->` is still escaped (os_xml keeps the flag).
    let r = ok(r"<a>\<!--x--><b/>c</a>");
    assert!(r[0].children.is_empty());
    assert_eq!(r[0].content, r"\<b/>c");
}

// R1.2.3: comments anywhere, content joined.
#[test]
fn comments_are_removed_and_content_joined() {
    let r = ok("<!-- head --><a>ab<!--x-->cd<!x!>e</a>");
    assert_eq!(r[0].content, "abcde");
    let r = ok("<ru<!--c-->le>x</ru<!-- -->le>");
    assert_eq!(r[0].name, "rule");
}

#[test]
fn comment_ends_at_first_terminator() {
    let r = ok("<a>1<!-- a --> b -->2</a>");
    assert_eq!(r[0].content, "1 b -->2");
    // `<!-->` is a complete comment.
    assert_eq!(ok("<a>1<!-->2</a>")[0].content, "12");
}

// R1.2.4: no prolog / doctype.
#[test]
fn prolog_is_an_error() {
    let d = err("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>");
    assert_eq!(d.code, "X007");
    assert!(wazuh(&d).contains("Bad attribute closing for 'encoding'='UTF-8'."));
    let d = err("<?xml?>\n<a/>");
    assert_eq!(d.code, "X007");
    assert!(wazuh(&d).contains("End of file and some elements were not closed."));
}

#[test]
fn doctype_is_an_unterminated_comment() {
    assert_eq!(err("<!DOCTYPE x>\n<a/>").code, "X004");
    assert_eq!(ok("<!DOCTYPE x>\n<a/><!-- -->").len(), 0);
}

// R1.2.5: content not trimmed.
#[test]
fn content_is_not_trimmed() {
    let r = ok("<match>\n  foo\n</match>");
    assert_eq!(r[0].content, "\n  foo\n");
}

// R1.2.6: mixed content.
#[test]
fn parent_content_is_text_after_last_child() {
    let r = ok("<a>one<b>x</b>two<c/>three</a>");
    assert_eq!(r[0].content, "three");
    assert_eq!(r[0].children[0].content, "x");
    let r = ok("<a>one<b>x</b></a>");
    assert_eq!(r[0].content, "");
}

#[test]
fn slash_after_attributes_leaves_gt_as_text() {
    // os_xml stops at the `/` of `<c x="1"/>`: the `>` is parent text.
    let r = ok("<a><c x=\"1\"/>\n</a>");
    assert_eq!(r[0].content, ">\n");
    assert_eq!(r[0].children[0].content, "");
}

// R1.2.7: attributes.
#[test]
fn attributes_single_and_double_quotes() {
    let r = ok("<rule id=\"1\" level='3' x= \"a/b<c\">t</rule>");
    let a = &r[0].attributes;
    assert_eq!(a.len(), 3);
    assert_eq!((a[0].name.as_str(), a[0].value.as_str()), ("id", "1"));
    assert_eq!(a[1].value, "3");
    assert_eq!(a[2].value, "a/b<c");
    assert_eq!(r[0].attr("level").unwrap().value, "3");
    assert!(r[0].attr("LEVEL").is_none());
    assert_eq!(r[0].attr_ci("LEVEL").unwrap().value, "3");
    assert_eq!(a[0].span.column, 7);
}

#[test]
fn attribute_syntax_errors() {
    for (text, wz) in [
        ("<a id =\"1\"/>", "Attribute 'id' has no value."),
        ("<a id>x</a>", "Attribute 'id' has no value."),
        ("<a id=1>x</a>", "Attribute 'id' not followed by a \" or '."),
        ("<a id=\"1>\">x</a>", "Attribute 'id' not closed."),
        (
            "<a id=\"1\"x=\"2\">x</a>",
            "Bad attribute closing for 'id'='1'.",
        ),
        ("<a id=\"1", "End of file while reading an attribute."),
    ] {
        let d = err(text);
        assert_eq!(d.code, "X005", "{text}");
        assert!(wazuh(&d).contains(wz), "{text}: {}", wazuh(&d));
    }
}

#[test]
fn duplicate_attribute() {
    let d = err("<a x=\"1\" x=\"2\"/>");
    assert_eq!(d.code, "X006");
    assert_eq!(d.span.unwrap().column, 10);
    // Case-sensitive: `X` and `x` are different attributes.
    assert_eq!(ok("<a x=\"1\" X=\"2\"/>")[0].attributes.len(), 2);
}

// R1.2.8: closing tags.
#[test]
fn closing_tag_must_match_exactly() {
    for text in ["<rule>x</rule >", "<rule>x</Rule>", "<a><b>x</a>"] {
        let d = err(text);
        assert_eq!(d.code, "X002", "{text}");
    }
    assert!(wazuh(&err("<rule>x</Rule>")).contains("Element 'rule' not closed."));
}

#[test]
fn self_closing_forms() {
    let r = ok("<a/><b /><c x='1' />");
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|e| e.content.is_empty()));
    assert_eq!(r[1].name, "b");
    assert_eq!(r[2].attributes[0].value, "1");
}

#[test]
fn unclosed_element() {
    let d = err("<group>\n<rule id=\"1\">\n");
    assert_eq!(d.code, "X001");
    let s = d.span.clone().unwrap();
    assert_eq!((s.line, s.column), (2, 1));
    assert!(wazuh(&d).contains("End of file and some elements were not closed. (line 3)."));
}

#[test]
fn closing_without_open() {
    let d = err("<a/>\n</a>");
    assert_eq!(d.code, "X003");
    assert!(wazuh(&d).contains("XMLERR: Element not opened. (line 2)."));
}

// R1.2.9: limits.
#[test]
fn content_limit() {
    let at = |n: usize| format!("<a>{}</a>", "x".repeat(n));
    assert_eq!(ok(&at(20479))[0].content.len(), 20479);
    let d = err(&at(20480));
    assert_eq!(d.code, "X008");
    assert!(wazuh(&d).contains("String overflow."));
    let name = "n".repeat(20480);
    assert_eq!(err(&format!("<{name}/>")).code, "X008");
}

#[test]
fn attribute_limit() {
    let v = "v".repeat(20479);
    assert_eq!(ok(&format!("<a k=\"{v}\"/>"))[0].attributes[0].value, v);
    let d = err(&format!("<a k=\"{v}v\"/>"));
    assert_eq!(d.code, "X008");
    assert!(wazuh(&d).contains("Overflow attempt at attribute 'k'."));
}

#[test]
fn depth_limit() {
    let nest = |d: usize| format!("{}{}", "<a>".repeat(d), "</a>".repeat(d));
    assert!(parse(&file(), &nest(1024)).is_ok());
    let d = err(&nest(1025));
    assert_eq!(d.code, "X009");
    assert!(wazuh(&d).contains("Max recursion level reached"));
}

// R1.2.10: root text ignored, several roots.
#[test]
fn root_text_ignored_and_multiple_roots() {
    let r = ok("junk <a>1</a> more > junk\n<b>2</b>");
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].content, "2");
    assert!(ok("").is_empty());
}

#[test]
fn spans_point_into_original_text() {
    let text = "<!-- c -->\n<group name=\"g\">\n  <rule>x<!--y-->z</rule>\n</group>";
    let r = ok(text);
    let rule = &r[0].children[0];
    assert_eq!((rule.span.line, rule.span.column), (3, 3));
    assert_eq!(&text[rule.span.start..rule.span.end], "<rule>");
    assert_eq!(
        &text[rule.content_span.start..rule.content_span.end],
        "x<!--y-->z"
    );
    let a = &r[0].attributes[0];
    assert_eq!(&text[a.span.start..a.span.end], "name=\"g\"");
}

// §1.3 variables.
#[test]
fn variables_substitute_in_content_and_attributes() {
    // FREQ is defined after the rule: unknown at that point (R1.3.2).
    let d = err("<var name=\"BAD\">error|failed</var>\
         <rule id=\"1\" frequency=\"$FREQ\"><match>$bad</match></rule>\
         <var name=\"FREQ\">8</var>");
    assert_eq!(d.code, "X011");
    assert!(d.message.contains("frequency"));
}

#[test]
fn variables_in_document_order() {
    let text = "<var name=\"BAD\">error|failed</var><var name=\"F\">8</var>\
                <rule id=\"1\" frequency=\"$F.\"><match>$bad|x</match></rule>";
    let r = ok(text);
    assert_eq!(r.len(), 1, "var elements are removed");
    assert_eq!(r[0].attributes[1].value, "8.");
    assert_eq!(r[0].children[0].content, "error|failed|x");
}

#[test]
fn short_strings_and_placeholders_are_left_alone() {
    let r = ok("<var name=\"A\">x</var><a>$A</a><b>$(srcip) $</b><c>a$|$</c>");
    assert_eq!(
        r[0].content, "$A",
        "strings of 2 bytes are never substituted"
    );
    assert_eq!(r[1].content, "$(srcip) $");
    assert_eq!(r[2].content, "a$|$");
}

#[test]
fn unknown_variable_only_after_a_definition() {
    assert_eq!(ok("<a>cost $5</a>")[0].content, "cost $5");
    let d = err("<var name=\"A\">x</var>\n<a>cost $5</a>");
    assert_eq!(d.code, "X011");
    assert!(wazuh(&d)
        .contains("(1227): Error applying XML variables 't.xml': XMLERR: Unknown variable: '5'."));
    let s = d.span.clone().unwrap();
    assert_eq!((s.line, s.column, s.end - s.start), (2, 9, 2));
    // `)`, `/`, `:` do not end a name.
    let d = err("<var name=\"A\">x</var><a>foo$)</a>");
    assert!(d.message.contains("`$)`"));
}

#[test]
fn values_are_not_resubstituted_and_first_definition_wins() {
    let r =
        ok("<var name=\"A\">$B</var><var name=\"B\">b</var><var name=\"a\">2</var><x>[$A|]</x>");
    assert_eq!(r[0].content, "[$B|]");
}

#[test]
fn splice_quirk_r1_3_6() {
    let r = ok("<var name=\"V\">VARVAL</var>\
                <d>a $(srcip) b $V c</d><e>a $V b $(srcip) c</e>");
    assert_eq!(r[0].content, "a $(sVARVAL c");
    assert_eq!(r[1].content, "a VARVAL b $(srcip) c");
}

#[test]
fn var_definition_errors() {
    let d = err("<var x=\"1\">v</var>");
    assert_eq!(d.code, "X010");
    assert!(wazuh(&d).contains("Only \"name\" is allowed"));
    let d = err("<var>v</var>");
    assert_eq!(d.code, "X010");
    assert!(wazuh(&d).contains("No value set for variable."));
    let long = "N".repeat(256);
    let d = err(&format!("<var name=\"{long}\">v</var>"));
    assert_eq!(d.code, "X010");
    assert!(wazuh(&d).contains("Invalid variable name size."));
    // Case-insensitive element and attribute names.
    assert_eq!(ok("<VAR NAME=\"X\">v</VAR><a>$x.!</a>")[0].content, "v.!");
    // Without its own attribute, a var takes the next `name` attribute.
    let r = ok("<var>v</var><group name=\"g\">$g.</group>");
    assert_eq!(r[0].content, "v.");
}

#[test]
fn variable_reference_too_long() {
    let long = "V".repeat(256);
    let d = err(&format!("<var name=\"V\">x</var><a>${long}</a>"));
    assert_eq!(d.code, "X012");
}

#[test]
fn nul_truncates_like_a_c_string() {
    let r = ok("<a>x\0y</a>");
    assert_eq!(r[0].content, "x");
}

/// Small deterministic generator (xorshift), no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn never_panics_on_prefixes_and_noise() {
    let sample = "<var name=\"V\">a|b</var>\n<!-- c -->\n<group name=\"g,\">\n  \
                  <rule id=\"1\" level='3'>\n    <match>x\\<y $V</match>\n    \
                  <field name=\"f\" type=\"pcre2\">é\\\\</field>\n    <x/><y a='1' />\n  \
                  </rule>\n</group>\n";
    for end in 0..=sample.len() {
        if sample.is_char_boundary(end) {
            let _ = parse(&file(), &sample[..end]);
        }
    }
    let alphabet: &[&str] = &[
        "<", ">", "/", "!", "-", "=", "\"", "'", " ", "\n", "\\", "$", "(", "a", "var", "name",
        "<!--", "-->", "é", "\0", "?",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let len = (rng.next() % 60) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
            .collect();
        if let Err(d) = parse(&file(), &s) {
            let sp = d.span.expect("errors carry a span");
            assert!(sp.start <= sp.end && sp.end <= s.len());
        }
    }
}
