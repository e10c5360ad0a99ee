//! Unit tests of the decoder module: one per element/validation rule and the
//! worked examples of decoding.md §5.10.
//!
//! The XML here is read by a tiny test-only reader (well-formed snippets, no
//! comments or entities) so that these tests do not depend on the XML module.

use super::*;
use crate::diagnostic::Severity;
use crate::diagnostic::Span;
use crate::event::Predecoded;
use crate::xml::{Attribute, Element};

fn parse(text: &str) -> Vec<Element> {
    let file: Arc<str> = Arc::from("t.xml");
    let b = text.as_bytes();
    let mut pos = 0;
    let mut roots = Vec::new();
    loop {
        while pos < b.len() && b[pos] != b'<' {
            pos += 1;
        }
        if pos >= b.len() {
            break;
        }
        roots.push(element(&file, text, &mut pos));
    }
    roots
}

fn element(file: &Arc<str>, text: &str, pos: &mut usize) -> Element {
    let b = text.as_bytes();
    let start = *pos;
    *pos += 1;
    let ns = *pos;
    while !matches!(b[*pos], b' ' | b'>' | b'/') {
        *pos += 1;
    }
    let name = text[ns..*pos].to_string();
    let mut attributes = Vec::new();
    loop {
        while b[*pos] == b' ' {
            *pos += 1;
        }
        if b[*pos] == b'>' || b[*pos] == b'/' {
            break;
        }
        let an = *pos;
        while b[*pos] != b'=' {
            *pos += 1;
        }
        let aname = text[an..*pos].to_string();
        *pos += 2;
        let av = *pos;
        while b[*pos] != b'"' {
            *pos += 1;
        }
        attributes.push(Attribute {
            name: aname,
            value: text[av..*pos].to_string(),
            span: Span::at(file, text, an, *pos),
        });
        *pos += 1;
    }
    let span = Span::at(file, text, start, *pos);
    if b[*pos] == b'/' {
        *pos += 2;
        return Element {
            name,
            attributes,
            content: String::new(),
            children: Vec::new(),
            span: span.clone(),
            content_span: span,
        };
    }
    *pos += 1;
    let mut children = Vec::new();
    let mut cstart = *pos;
    loop {
        if b[*pos] == b'<' && b[*pos + 1] == b'/' {
            let content = text[cstart..*pos].to_string();
            let content_span = Span::at(file, text, cstart, *pos);
            while b[*pos] != b'>' {
                *pos += 1;
            }
            *pos += 1;
            return Element {
                name,
                attributes,
                content,
                children,
                span,
                content_span,
            };
        }
        if b[*pos] == b'<' {
            children.push(element(file, text, pos));
            cstart = *pos;
            continue;
        }
        *pos += 1;
    }
}

/// Two never-matching decoders in a first file, so that both top-level lists
/// are non-empty as with the stock ruleset (otherwise Wazuh fails to assign
/// ids, D030).
const FILLER: &str = r#"<decoder name="~nopn"><prematch>^~never</prematch></decoder>
<decoder name="~pn"><program_name>^~never$</program_name></decoder>"#;

fn set(xml: &str) -> (DecoderSet, Vec<Diagnostic>) {
    DecoderSet::load(&[
        DecoderFile {
            file: Arc::from("filler.xml"),
            roots: parse(FILLER),
        },
        DecoderFile {
            file: Arc::from("t.xml"),
            roots: parse(xml),
        },
    ])
}

fn set_alone(xml: &str) -> (DecoderSet, Vec<Diagnostic>) {
    DecoderSet::load(&[DecoderFile {
        file: Arc::from("t.xml"),
        roots: parse(xml),
    }])
}

fn ok(xml: &str) -> DecoderSet {
    let (s, d) = set(xml);
    assert!(d.iter().all(|d| !d.is_error()), "{d:#?}");
    s
}

fn err(xml: &str) -> Diagnostic {
    let (_, d) = set(xml);
    d.into_iter()
        .find(|d| d.is_error())
        .expect("an error diagnostic")
}

fn ev(log: &str) -> Event {
    Event::new(Predecoded {
        full_log: log.into(),
        log: log.into(),
        hostname: "vm".into(),
        location: "stdin".into(),
        agent_id: "000".into(),
        ..Predecoded::default()
    })
}

fn ev_prog(full: &str, prog: &str, log: &str) -> Event {
    let mut e = ev(full);
    e.pre.program_name = Some(prog.into());
    e.pre.log = log.into();
    e
}

fn fields(e: &Event) -> Vec<(&str, &str)> {
    e.fields().iter().collect()
}

fn decode(s: &DecoderSet, e: &mut Event) -> Option<String> {
    s.decode(e).map(|m| m.top_name)
}

// ---- §5.10 worked examples ------------------------------------------------

#[test]
fn example_a_parent_with_program_name_children_with_prematch() {
    let s = ok(
        r#"<decoder name="sshd"><program_name>^sshd</program_name></decoder>
<decoder name="sshd-success"><parent>sshd</parent><prematch>^Accepted</prematch>
<regex offset="after_prematch">^ \S+ for (\S+) from (\S+) port (\S+)</regex>
<order>user, srcip, srcport</order></decoder>"#,
    );
    let mut e = ev_prog(
        "Dec 10 01:02:02 host sshd[1234]: Accepted password for root from 1.2.3.4 port 22 ssh2",
        "sshd",
        "Accepted password for root from 1.2.3.4 port 22 ssh2",
    );
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.name, "sshd");
    assert_eq!(m.parent.as_deref(), Some("sshd"));
    assert_eq!(
        fields(&e),
        vec![("dstuser", "root"), ("srcip", "1.2.3.4"), ("srcport", "22")]
    );
}

#[test]
fn example_b_concatenated_prematch() {
    let s = ok(
        r#"<decoder name="netscreenfw"><program_name/><prematch>^NetScreen device_id</prematch></decoder>
<decoder name="netscreenfw-critical"><parent>netscreenfw</parent>
<prematch offset="after_parent">system-critical-\.+ from |</prematch>
<prematch>system-alert-\.+ from |</prematch>
<prematch>system-emergency-\.+ From </prematch>
<type>firewall</type></decoder>"#,
    );
    let log = "NetScreen device_id=ssg5  [Root]system-emergency-00005: SYN flood! From 1.2.3.4:1 to 2.3.4.5:80";
    let mut e = ev_prog("x", "ssg5", log);
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.top_name, "netscreenfw");
    assert_eq!(m.kind, "firewall");
}

#[test]
fn example_c_multi_regex_group_after_regex() {
    let s = ok(
        r#"<decoder name="kernel"><program_name>^kernel</program_name></decoder>
<decoder name="iptables-1"><parent>kernel</parent><type>firewall</type>
<prematch>^[\d+.\d+] \S+ IN=</prematch>
<regex>^[\d+.\d+] (\S+) \.+ SRC=(\S+) DST=(\S+) \.+ </regex>
<regex>PROTO=(\w+) </regex>
<order>action,srcip,dstip,protocol</order></decoder>
<decoder name="iptables-1"><parent>kernel</parent>
<regex offset="after_regex">^SPT=(\d+) DPT=(\d+) </regex>
<order>srcport,dstport</order></decoder>"#,
    );
    let log = "[12.5] DROP IN=eth0 OUT= MAC=00 SRC=1.2.3.4 DST=5.6.7.8 LEN=40 PROTO=TCP SPT=1234 DPT=80 WINDOW=0";
    let mut e = ev_prog("x", "kernel", log);
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.name, "kernel");
    assert_eq!(m.kind, "firewall");
    assert_eq!(
        fields(&e),
        vec![
            ("action", "DROP"),
            ("srcip", "1.2.3.4"),
            ("dstip", "5.6.7.8"),
            ("protocol", "TCP"),
            ("srcport", "1234"),
            ("dstport", "80")
        ]
    );
}

const P_K: &str = r#"<decoder name="P"><program_name>^foo$</program_name></decoder>
<decoder name="K2"><parent>P</parent><prematch>^login </prematch><regex>user=(\S+)</regex><order>user</order></decoder>
<decoder name="K"><parent>P</parent><use_own_name>true</use_own_name><type>ids</type>
<regex>x=(\d+)</regex><order>x</order></decoder>"#;

#[test]
fn example_d_prematch_less_child_reports_parent() {
    let s = ok(P_K);
    let mut e = ev_prog("Dec 1 00:00:00 h foo: x=5", "foo", "x=5");
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.name, "P");
    assert_eq!(m.kind, "syslog");
    assert_eq!(m.id, s.id_of("P").unwrap());
    assert_eq!(fields(&e), vec![("x", "5")]);
}

#[test]
fn example_e_regex_failure_keeps_decoder() {
    let s = ok(P_K);
    let mut e = ev_prog("Dec 1 00:00:00 h foo: login failed", "foo", "login failed");
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.name, "P");
    assert_eq!(m.parent.as_deref(), Some("P"));
    assert!(e.fields().is_empty());
}

// ---- evaluation ------------------------------------------------------------

#[test]
fn pn_and_nopn_lists() {
    let s = ok(r#"<decoder name="a"><prematch>^A</prematch></decoder>
<decoder name="b"><program_name>prog</program_name></decoder>"#);
    assert_eq!(decode(&s, &mut ev("A x")), Some("a".into()));
    // A program name (even empty) selects PN only: no fallback.
    assert_eq!(decode(&s, &mut ev_prog("x", "other", "A x")), None);
    assert_eq!(decode(&s, &mut ev_prog("x", "", "A x")), None);
    assert_eq!(
        decode(&s, &mut ev_prog("x", "prog", "A x")),
        Some("b".into())
    );
}

#[test]
fn first_top_level_wins_without_backtracking() {
    let s = ok(
        r#"<decoder name="one"><prematch>^DK </prematch><regex offset="after_prematch">^(\d+)$</regex><order>num</order></decoder>
<decoder name="two"><prematch>^DK </prematch><regex offset="after_prematch">^(\w+)$</regex><order>w</order></decoder>"#,
    );
    let mut e = ev("DK abc");
    assert_eq!(decode(&s, &mut e), Some("one".into()));
    assert!(e.fields().is_empty());
}

#[test]
fn parent_regex_ignored_when_it_has_children() {
    let s = ok(
        r#"<decoder name="dl"><prematch>^DL </prematch><regex offset="after_prematch">^(\S+)</regex><order>pf</order></decoder>
<decoder name="dl-child"><parent>dl</parent><prematch offset="after_parent">^c </prematch><regex offset="after_prematch">(\S+)$</regex><order>cf</order></decoder>"#,
    );
    let mut e = ev("DL c x y");
    assert_eq!(decode(&s, &mut e), Some("dl".into()));
    assert_eq!(fields(&e), vec![("cf", "y")]);
    let mut e = ev("DL z");
    assert_eq!(decode(&s, &mut e), Some("dl".into()));
    assert!(e.fields().is_empty());
}

#[test]
fn sibling_group_runs_all_members_and_skips_as_a_group() {
    let s = ok(r#"<decoder name="db"><prematch>^DB </prematch></decoder>
<decoder name="db-kv"><parent>db</parent><regex>user=(\S+)</regex><order>user</order></decoder>
<decoder name="db-kv"><parent>db</parent><regex>src=(\S+)</regex><order>srcip</order></decoder>
<decoder name="db-kv"><parent>db</parent><regex offset="after_regex">^ port=(\d+)</regex><order>srcport</order></decoder>
<decoder name="db-kv"><parent>db</parent><regex>action=(\S+)</regex><order>action</order></decoder>"#);
    let mut e = ev("DB user=bob src=1.2.3.4 port=22 action=allow");
    s.decode(&mut e);
    assert_eq!(
        fields(&e),
        // OS_Regex's end after `src=(\S+)` is just after `src=1` (oracle
        // tables/decoders cases 12, 76), so the after_regex member fails.
        vec![
            ("dstuser", "bob"),
            ("srcip", "1.2.3.4"),
            ("action", "allow")
        ]
    );
    let mut e = ev("DB src=1.2.3.4 x port=22");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("srcip", "1.2.3.4")]);
}

#[test]
fn group_by_name_not_adjacency() {
    // R5.5.6: A1 A2 B A3 — the chain goes A1 → A2 → B, A3 is unreachable.
    let s = ok(r#"<decoder name="p"><prematch>^P </prematch></decoder>
<decoder name="a"><parent>p</parent><regex>a=(\S+)</regex><order>a1</order></decoder>
<decoder name="a"><parent>p</parent><regex>b=(\S+)</regex><order>a2</order></decoder>
<decoder name="b"><parent>p</parent><regex>c=(\S+)</regex><order>b</order></decoder>
<decoder name="a"><parent>p</parent><regex>d=(\S+)</regex><order>a3</order></decoder>"#);
    let mut e = ev("P a=1 b=2 c=3 d=4");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("a1", "1"), ("a2", "2"), ("b", "3")]);
}

#[test]
fn prematch_less_child_first_shadows_later_children() {
    let s = ok(r#"<decoder name="dm"><prematch>^DM </prematch></decoder>
<decoder name="dm-nopre"><parent>dm</parent><regex>^DM (\d+)</regex><order>n</order></decoder>
<decoder name="dm-pre"><parent>dm</parent><prematch offset="after_parent">^x </prematch><regex offset="after_prematch">^(\S+)</regex><order>x</order></decoder>"#);
    let mut e = ev("DM x val");
    assert_eq!(decode(&s, &mut e), Some("dm".into()));
    assert!(e.fields().is_empty());
}

#[test]
fn failed_child_with_continue_skips_its_group() {
    let s = ok(r#"<decoder name="p"><prematch>^P </prematch></decoder>
<decoder name="g"><parent>p</parent><prematch>^P g </prematch><regex>(\S+)$</regex><order>g1</order></decoder>
<decoder name="g"><parent>p</parent><regex>(\S+)$</regex><order>g2</order></decoder>
<decoder name="h"><parent>p</parent><regex>^P (\S+)</regex><order>h</order></decoder>"#);
    let mut e = ev("P z");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("h", "z")]);
}

#[test]
fn use_own_name_ids() {
    let s = ok(r#"<decoder name="dd"><prematch>^DD </prematch></decoder>
<decoder name="dd-own"><parent>dd</parent><use_own_name>true</use_own_name><prematch offset="after_parent">^own </prematch></decoder>
<decoder name="dd-yes"><parent>dd</parent><use_own_name>yes</use_own_name><prematch offset="after_parent">^yes </prematch></decoder>"#);
    let mut e = ev("DD own v");
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.top_name, "dd");
    assert_eq!(m.name, "dd-own");
    assert_eq!(m.id, s.id_of("dd-own").unwrap());
    let m = s.decode(&mut ev("DD yes v")).unwrap();
    assert_eq!(m.name, "dd");
    assert_eq!(m.id, s.id_of("dd").unwrap());
    // Children's own names are in the store (decoded_as loads) but rank.
    assert!(s.id_of("dd-yes").is_some());
}

#[test]
fn name_store_has_internal_names_and_sorted_ranks() {
    let s = ok(r#"<decoder name="zz"><prematch>^Z</prematch></decoder>
<decoder name="aa"><program_name>a</program_name></decoder>"#);
    let mut names: Vec<&str> = INTERNAL_DECODER_NAMES.to_vec();
    names.push("~nopn");
    names.push("~pn");
    names.push("zz");
    names.push("aa");
    names.sort();
    for (i, n) in names.iter().enumerate() {
        assert_eq!(s.id_of(n), Some(i as u32 + 1), "{n}");
    }
    assert_eq!(s.id_of("nope"), None);
    let m = s.decode(&mut ev("Z")).unwrap();
    assert_eq!(m.id, s.id_of("zz").unwrap());
}

#[test]
fn captures_static_dynamic_and_empty() {
    let s = ok(r#"<decoder name="dc"><prematch>^DC </prematch>
<regex offset="after_prematch">^(\S*) (\S*) (\S+) (\S+) (\S+)</regex>
<order> spaced name , user,Srcip,srcip, hostname</order></decoder>"#);
    let mut e = ev("DC  b c d e f");
    s.decode(&mut e);
    assert_eq!(
        fields(&e),
        vec![
            ("spaced", ""),
            ("dstuser", "b"),
            ("Srcip", "c"),
            ("srcip", "d"),
            ("hostname", "e")
        ]
    );
    assert_eq!(e.get_static(StaticField::DstUser), Some("b"));
}

#[test]
fn dynamic_field_limit_checked_per_regex() {
    let names: Vec<String> = (0..200).map(|i| format!("f{i}")).collect();
    let groups = "(\\w) ".repeat(200);
    let xml = format!(
        r#"<decoder name="p"><prematch>^P </prematch></decoder>
<decoder name="c"><parent>p</parent><regex>^P {groups}</regex><order>{}</order></decoder>
<decoder name="c"><parent>p</parent><regex>^P {groups}</regex><order>{}</order></decoder>"#,
        names.join(","),
        names.join(",")
    );
    let s = ok(&xml);
    let mut e = ev(&format!("P {}", "a ".repeat(200)));
    s.decode(&mut e);
    // The second regex sees 200 < 256 dynamic fields and assigns all of its.
    assert_eq!(e.dynamic_len(), 400);
    let xml3 = format!(
        "{xml}\n<decoder name=\"c\"><parent>p</parent><regex>^P (\\w)</regex><order>late</order></decoder>"
    );
    let s = ok(&xml3);
    let mut e = ev(&format!("P {}", "a ".repeat(200)));
    s.decode(&mut e);
    assert_eq!(e.dynamic_len(), 400);
    assert!(e.get_dynamic("late").is_none());
}

#[test]
fn end_index_minus_one() {
    // Q3: OS_Regex `\d*` on a header-less line leaves an empty text.
    let s = ok(r#"<decoder name="p"><prematch>\d*</prematch></decoder>
<decoder name="c"><parent>p</parent><prematch offset="after_parent">^x</prematch></decoder>"#);
    let m = s.decode(&mut ev("xyz")).unwrap();
    assert_eq!(m.name, "p");
    assert!(m.parent.is_none());
    // After `prog: msg` the byte before log is a space: the whole log.
    let s = ok(
        r#"<decoder name="p"><program_name>prog</program_name><prematch>\d*</prematch></decoder>
<decoder name="c"><parent>p</parent><use_own_name>true</use_own_name><prematch offset="after_parent">^x</prematch></decoder>"#,
    );
    let m = s
        .decode(&mut ev_prog("Dec 10 01:02:02 h prog: xyz", "prog", "xyz"))
        .unwrap();
    assert_eq!(m.name, "c");
    let m = s
        .decode(&mut ev_prog("Dec 10 01:02:02 h prog:xyz", "prog", "xyz"))
        .unwrap();
    assert_eq!(m.name, "p");
}

#[test]
fn regex_offsets() {
    let s = ok(r#"<decoder name="da"><prematch>^DA </prematch></decoder>
<decoder name="da-two"><parent>da</parent><prematch>two </prematch><regex offset="after_parent">^(\S+) (\S+)</regex><order>first, second</order></decoder>
<decoder name="da-three"><parent>da</parent><prematch offset="after_parent">^three</prematch><regex>^(\S+) (\S+)</regex><order>w1, w2</order></decoder>
<decoder name="da-four"><parent>da</parent><prematch offset="after_parent">^four </prematch><regex offset="after_prematch">(\d+)</regex><order>num</order></decoder>"#);
    let mut e = ev("DA xx two a b");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("first", "xx"), ("second", "two")]);
    let mut e = ev("DA three x y");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("w1", "DA"), ("w2", "three")]);
    let mut e = ev("DA four abc 42 7");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("num", "42")]);
}

#[test]
fn top_level_after_prematch_becomes_after_parent() {
    let s = ok(
        r#"<decoder name="t"><prematch>^T </prematch><regex offset="after_prematch">^(\S+)</regex><order>w</order></decoder>"#,
    );
    let mut e = ev("T word");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("w", "word")]);
}

#[test]
fn accumulator_fills_missing_fields() {
    let s = ok(
        r#"<decoder name="acc"><prematch>^ACC </prematch><accumulate/>
<regex offset="after_prematch">^id=(\S+) user=(\S*) </regex><order>id, user</order></decoder>"#,
    );
    let mut st = DecoderState::new();
    st.now = 1000;
    let mut e = ev("ACC id=7 user=bob ");
    s.decode_with(&mut e, &mut st);
    let mut e = ev("ACC id=7 user= ");
    s.decode_with(&mut e, &mut st);
    assert_eq!(e.get_static(StaticField::DstUser), Some("bob"));
    // Not printed as an assignment.
    assert_eq!(fields(&e), vec![("id", "7"), ("dstuser", "")]);
    st.now = 1200;
    let mut e = ev("ACC id=7 user= ");
    s.decode_with(&mut e, &mut st);
    assert_eq!(e.get_static(StaticField::DstUser), Some(""));
}

// ---- load-time elements and validation -------------------------------------

#[test]
fn repetition_concatenates_and_last_type_wins() {
    let s = ok(r#"<decoder name="x"><prematch>^X </prematch>
<regex offset="after_prematch" type="pcre2">^(a</regex><regex>\w+)</regex><order>w</order></decoder>"#);
    // `^(a\w+)` as OS_Regex (last occurrence has no type → osregex).
    let mut e = ev("X abc");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("w", "abc")]);
}

#[test]
fn type_attribute_warnings() {
    let (s, d) = set(
        r#"<decoder name="xp"><prematch type="osmatch">^XP</prematch><regex>^(\S+)</regex><order>a</order></decoder>"#,
    );
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "D003");
    assert!(d[0].wazuh.as_deref().unwrap().contains(
        "(7601): Invalid value for attribute 'type' in 'prematch' option (decoder `xp`)"
    ));
    let mut e = ev("XP abc");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("a", "XP")]);
}

#[test]
fn json_option_warnings() {
    let (_, d) = set(
        r#"<decoder name="j"><prematch>^J</prematch><plugin_decoder>JSON_Decoder</plugin_decoder>
<json_null_field>empty</json_null_field><json_array_structure>bogus</json_array_structure></decoder>"#,
    );
    let codes: Vec<_> = d.iter().map(|d| (d.code, d.severity)).collect();
    assert_eq!(
        codes,
        vec![("D013", Severity::Warning), ("D024", Severity::Warning)]
    );
}

#[test]
fn size_limit_drops_element() {
    let long = "a".repeat(1024);
    let d = err(&format!(
        r#"<decoder name="x"><prematch>{long}</prematch></decoder>"#
    ));
    assert_eq!(d.code, "D002");
    let (_, d) = set(&format!(
        r#"<decoder name="x"><prematch>{}</prematch></decoder>"#,
        "a".repeat(1023)
    ));
    assert!(d.is_empty());
    // Concatenation must stay ≤ 1023 bytes.
    let (_, d) = set(&format!(
        r#"<decoder name="x"><prematch>{}</prematch><prematch>b</prematch></decoder>"#,
        "a".repeat(1023)
    ));
    assert_eq!(d[0].code, "D002");
    // ... and the element is then absent → V1.
    assert_eq!(d[1].code, "D019");
}

fn err_code(xml: &str) -> &'static str {
    err(xml).code
}

#[test]
fn validation_errors() {
    assert_eq!(
        err_code(r#"<group name="x"><prematch>a</prematch></group>"#),
        "D004"
    );
    assert_eq!(
        err_code(r#"<decoder id="x"><prematch>a</prematch></decoder>"#),
        "D005"
    );
    assert_eq!(
        err_code(r#"<decoder name="x" foo="y"><prematch>a</prematch></decoder>"#),
        "D005"
    );
    assert!(
        set(r#"<decoder NAME="x" Status="y"><prematch>a</prematch></decoder>"#)
            .1
            .is_empty()
    );
    assert_eq!(err_code(r#"<decoder name="x"/>"#), "D006");
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><regex offset="after_parent">(a)</regex><regex offset="after_parent">b</regex><order>a</order></decoder>"#
        ),
        "D008"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><plugin_decoder>YAML_Decoder</plugin_decoder></decoder>"#
        ),
        "D011"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><plugin_decoder offset="bad">JSON_Decoder</plugin_decoder></decoder>"#
        ),
        "D012"
    );
    assert_eq!(
        err_code(r#"<decoder name="x"><prematch>a</prematch><type>Syslog</type></decoder>"#),
        "D014"
    );
    assert_eq!(
        err_code(r#"<decoder name="x"><prematch>a</prematch><Type>syslog</Type></decoder>"#),
        "D018"
    );
    let many = vec!["f"; 257].join(",");
    assert_eq!(
        err_code(&format!(
            r#"<decoder name="x"><prematch>a</prematch><regex>(a)</regex><order>{many}</order></decoder>"#
        )),
        "D015"
    );
    let d = err(
        r#"<decoder name="xk"><prematch>a</prematch><regex>(a)</regex><order>a,,b</order></decoder>"#,
    );
    assert_eq!(d.code, "D016");
    assert!(d
        .wazuh
        .unwrap()
        .contains("decode-xml: Wrong field '' in the order of decoder 'xk'"));
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><regex>(a)</regex><order>a</order><fts>nosuch</fts></decoder>"#
        ),
        "D017"
    );
    // fts dynamic names are looked up only up to the first static order name.
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><regex>(a)(b)</regex><order>srcip,dyn</order><fts>dyn</fts></decoder>"#
        ),
        "D017"
    );
    ok(
        r#"<decoder name="x"><prematch>a</prematch><regex>(a)(b)</regex><order>dyn,srcip</order><fts>DYN,location</fts></decoder>"#,
    );
    // A dynamic fts name before any order is silently ignored (fts stays unset).
    ok(r#"<decoder name="x"><prematch>a</prematch><fts>dyn</fts></decoder>"#);
    assert_eq!(
        err_code(r#"<decoder name="xe"><regex>(a)</regex><order>a</order></decoder>"#),
        "D019"
    );
    assert_eq!(
        err_code(r#"<decoder name="xf"><prematch>a</prematch><regex>(a)</regex></decoder>"#),
        "D020"
    );
    assert_eq!(
        err_code(r#"<decoder name="xg"><prematch>a</prematch><order>a</order></decoder>"#),
        "D020"
    );
    assert_eq!(
        err_code(r#"<decoder name="x"><prematch>a</prematch><fts>srcip</fts></decoder>"#),
        "D020"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="xc"><prematch>a</prematch><regex offset="after_parent">(a)</regex><order>a</order></decoder>"#
        ),
        "D021"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="x"><prematch>a</prematch><regex offset="after_regex">(a)</regex><order>a</order></decoder>"#
        ),
        "D021"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="xo"><prematch>a</prematch><plugin_decoder offset="after_parent">JSON_Decoder</plugin_decoder></decoder>"#
        ),
        "D021"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="x"><program_name>a</program_name><plugin_decoder offset="after_prematch">JSON_Decoder</plugin_decoder></decoder>"#
        ),
        "D021"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="xn"><prematch>a</prematch><regex>^(\S+)\x</regex><order>a</order></decoder>"#
        ),
        "D022"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="xh"><prematch>a</prematch><plugin_decoder>JSON_Decoder</plugin_decoder><regex>(a)</regex><order>a</order></decoder>"#
        ),
        "D023"
    );
    assert_eq!(
        err_code(
            r#"<decoder name="x"><parent>nosuchparent</parent><regex>(a)</regex><order>a</order></decoder>"#
        ),
        "D025"
    );
}

const PARENT: &str = r#"<decoder name="p"><prematch>^P</prematch></decoder>
"#;

#[test]
fn child_list_errors() {
    let d = err(&format!(
        r#"{PARENT}<decoder name="xd-c"><parent>p</parent><prematch offset="after_prematch">a</prematch></decoder>"#
    ));
    assert_eq!(d.code, "D021");
    let d = err(&format!(
        r#"{PARENT}<decoder name="xb-c"><parent>p</parent><prematch>a</prematch><regex>(a)</regex><order>a</order></decoder>
<decoder name="xb-c"><parent>p</parent><prematch>b</prematch><regex>(b)</regex><order>b</order></decoder>"#
    ));
    assert_eq!(d.code, "D026");
    assert!(d.wazuh.unwrap().contains(
        "ERROR: (2102): Duplicated decoder with prematch: 'xb-c'. | ERROR: (2105): Error loading decoder options. | ERROR: (2106): Error adding decoder plugin."
    ));
    let d = err(&format!(
        r#"{PARENT}<decoder name="c"><parent>p</parent><regex>(a)</regex><order>a</order></decoder>
<decoder name="c"><parent>p</parent><regex>(b)</regex><order>b</order><fts>srcip</fts></decoder>"#
    ));
    assert_eq!(d.code, "D027");
    let d = err(&format!(
        r#"{PARENT}<decoder name="c"><parent>p</parent><prematch>a</prematch></decoder>
<decoder name="c"><parent>p</parent><regex>(b)</regex><order>b</order></decoder>"#
    ));
    assert_eq!(d.code, "D028");
    let d = err(&format!(
        r#"{PARENT}<decoder name="xa-c"><parent>p</parent><regex offset="after_regex">(b)</regex><order>b</order></decoder>"#
    ));
    assert_eq!(d.code, "D029");
    assert!(d
        .wazuh
        .unwrap()
        .contains("(2120): Invalid offset value: 'xa-c'"));
}

#[test]
fn duplicate_top_level_names_both_work() {
    let s = ok(
        r#"<decoder name="xs"><prematch>^XS1 </prematch><regex offset="after_prematch">(\S+)</regex><order>a</order></decoder>
<decoder name="xs"><prematch>^XS2 </prematch><regex offset="after_prematch">(\S+)</regex><order>b</order></decoder>"#,
    );
    let mut e = ev("XS2 two");
    assert_eq!(decode(&s, &mut e), Some("xs".into()));
    assert_eq!(fields(&e), vec![("b", "two")]);
}

#[test]
fn first_fatal_error_ends_the_file() {
    let (s, d) = set(r#"<decoder name="a"><prematch>^A</prematch></decoder>
<decoder name="bad"><foo/></decoder>
<decoder name="c"><prematch>^C</prematch></decoder>"#);
    assert_eq!(d.iter().filter(|d| d.is_error()).count(), 1);
    assert_eq!(s.len(), 3);
}

#[test]
fn invalid_offsets_are_warnings_or_errors() {
    let (_, d) = set(
        r#"<decoder name="x"><prematch>^X</prematch><regex offset="nope">(a)</regex><order>a</order></decoder>"#,
    );
    assert_eq!((d[0].code, d[0].severity), ("D007", Severity::Warning));
    let (s, d) = set(r#"<decoder name="x"><prematch offset="nope">^X</prematch></decoder>"#);
    assert_eq!((d[0].code, d[0].severity), ("D009", Severity::Error));
    assert_eq!(s.len(), 3);
}

#[test]
fn empty_files() {
    let (_, d) = DecoderSet::load(&[DecoderFile {
        file: Arc::from("etc/decoders/empty.xml"),
        roots: Vec::new(),
    }]);
    assert_eq!(d[0].code, "D001");
    let (_, d) = DecoderSet::load(&[DecoderFile {
        file: Arc::from("etc/decoders/local_decoder.xml"),
        roots: Vec::new(),
    }]);
    assert!(d.is_empty());
}

#[test]
fn empty_pn_list_warns_and_ids_follow_wazuh() {
    let (s, d) = set_alone(r#"<decoder name="z"><prematch>^Z</prematch></decoder>"#);
    assert_eq!(d[0].code, "D030");
    // NOPN processed first, so its ids are set.
    assert_eq!(s.decode(&mut ev("Z")).unwrap().id, s.id_of("z").unwrap());
    let (s, d) = set_alone(r#"<decoder name="z"><program_name>z</program_name></decoder>"#);
    assert_eq!(d[0].code, "D030");
    assert_eq!(s.decode(&mut ev_prog("x", "z", "x")).unwrap().id, 0);
}

#[test]
fn child_of_several_same_named_parents() {
    let s = ok(r#"<decoder name="p"><prematch>^P1</prematch></decoder>
<decoder name="p"><program_name>prog</program_name></decoder>
<decoder name="c"><parent>p</parent><regex>(\d+)</regex><order>n</order></decoder>"#);
    let mut e = ev("P1 5");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("n", "1")]);
    let mut e = ev_prog("x", "prog", "a 7");
    s.decode(&mut e);
    assert_eq!(fields(&e), vec![("n", "7")]);
}

#[test]
fn no_panic_on_odd_input() {
    let s = ok(
        r#"<decoder name="p"><prematch>\d*</prematch><regex>(\S*)</regex><order>a</order></decoder>"#,
    );
    for log in ["", "\0", "é", "a\0b", "1"] {
        let mut e = ev(log);
        e.pre.full_log = String::new();
        s.decode(&mut e);
    }
}

// ---- other plugins (§6.7) ----------------------------------------------------

fn plugin_set(name: &str) -> DecoderSet {
    ok(&format!(
        r#"<decoder name="p"><prematch>^</prematch><plugin_decoder>{name}</plugin_decoder></decoder>"#
    ))
}

#[test]
fn pf_plugin() {
    let s = plugin_set("PF_Decoder");
    let mut e = ev("Mar 30 15:54:22.171929 rule 3/(match) pass out on xl0: 192.168.2.10.1514 > 192.168.2.20.53: udp 42");
    s.decode(&mut e);
    assert_eq!(e.get_static(StaticField::Action), Some("pass"));
    assert_eq!(e.get_static(StaticField::SrcIp), Some("192.168.2.10"));
    assert_eq!(e.get_static(StaticField::SrcPort), Some("1514"));
    assert_eq!(e.get_static(StaticField::DstIp), Some("192.168.2.20"));
    assert_eq!(e.get_static(StaticField::DstPort), Some("53"));
    assert_eq!(e.get_static(StaticField::Protocol), Some("UDP"));
    // Set silently: nothing printed in phase 2.
    assert!(e.fields().is_empty());
}

#[test]
fn symantec_ws_plugin() {
    let s = plugin_set("SymantecWS_Decoder");
    let mut e = ev("20070101,1200,3=1234567890,10=bob,11=1.2.3.4,60=http://x/y,10=eve");
    s.decode(&mut e);
    assert_eq!(e.get_static(StaticField::DstUser), Some("bob"));
    assert_eq!(e.get_static(StaticField::SrcIp), Some("1.2.3.4"));
    assert_eq!(e.get_static(StaticField::Url), Some("http://x/y"));
    assert_eq!(e.get_static(StaticField::Id), Some("3=1234567"));
}

#[test]
fn sonicwall_plugin() {
    let s = plugin_set("SonicWall_Decoder");
    let mut e = ev(
        r#"id=firewall sn=000SERIAL time="2007-01-03 14:48:06" fw=1.1.1.1 pri=6 c=262144 m=98 msg="Connection Opened" n=23419 src=2.2.2.2:36701:WAN dst=1.1.1.1:50000:WAN proto=tcp/50000"#,
    );
    s.decode(&mut e);
    assert_eq!(e.get_static(StaticField::Status), Some("6"));
    assert_eq!(e.get_static(StaticField::Id), Some("98"));
    assert_eq!(e.get_static(StaticField::SrcIp), Some("2.2.2.2"));
    assert_eq!(e.get_static(StaticField::SrcPort), Some("36701"));
    assert_eq!(e.get_static(StaticField::DstIp), Some("1.1.1.1"));
    assert_eq!(e.get_static(StaticField::DstPort), Some("50000"));
    assert_eq!(e.get_static(StaticField::Protocol), Some("tcp"));
    assert_eq!(e.get_static(StaticField::Action), Some("pass"));
    // The plugin turns the decoder's type into firewall (§6.7).
    let mut e = ev(
        r#"id=firewall pri=6 c=262144 m=98 msg="x" src=2.2.2.2:1:WAN dst=1.1.1.1:2:WAN proto=tcp/2"#,
    );
    assert_eq!(
        s.decode(&mut e).map(|m| m.kind),
        Some("firewall".to_string())
    );
}

#[test]
fn sonicwall_type_change_outlives_the_event_in_a_session() {
    let s = plugin_set("SonicWall_Decoder");
    let mut state = DecoderState::new();
    let ids = ev(r#"pri=1 c=32 m=82 msg="IDS" src=2.2.2.2:1:WAN dst=1.1.1.1:2:WAN "#);
    let plain = ev(r#"pri=1 c=1 m=5 msg="other" src=2.2.2.2:1:WAN dst=1.1.1.1:2:WAN "#);
    let kind =
        |e: &Event, state: &mut DecoderState| s.decode_with(&mut e.clone(), state).map(|m| m.kind);
    assert_eq!(kind(&plain, &mut state), Some("syslog".to_string()));
    assert_eq!(kind(&ids, &mut state), Some("ids".to_string()));
    // Wazuh wrote the type into the shared decoder: it stays.
    assert_eq!(kind(&plain, &mut state), Some("ids".to_string()));
    // Without session state only the event itself is affected.
    assert_eq!(
        s.decode(&mut plain.clone()).map(|m| m.kind),
        Some("syslog".to_string())
    );
}

#[test]
fn ossec_alert_plugin_rewrites_the_event_and_names_the_rule() {
    let s = plugin_set("OSSECAlert_Decoder");
    let mut e = ev("Alert Level: 10; Rule: 5712 - SSHD brute force; Location: (web1) 10.0.0.5->/var/log/secure; srcip: 1.2.3.4; user: root;  sshd[1]: Failed password for root");
    e.pre.hostname = "mgr".into();
    e.pre.location = "stdin".into();
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.kind, OSSEC_ALERT_KIND);
    assert_eq!(e.forwarded_rule.as_deref(), Some("5712"));
    assert_eq!(
        e.pre.location,
        "mgr->stdin|(web1) 10.0.0.5->/var/log/secure"
    );
    assert_eq!(e.pre.hostname, e.pre.location);
    assert_eq!(e.pre.log, "sshd[1]: Failed password for root");
    assert_eq!(e.pre.full_log, e.pre.log);
    assert_eq!(e.get_static(StaticField::SrcIp), Some("1.2.3.4"));
    assert_eq!(e.get_static(StaticField::DstUser), Some("root"));
    assert!(e.fields().is_empty(), "set silently");

    // Not an alert line: only the type changes.
    let mut e = ev("something else");
    let m = s.decode(&mut e).unwrap();
    assert_eq!(m.kind, OSSEC_ALERT_KIND);
    assert_eq!(e.forwarded_rule, None);
    assert_eq!(e.pre.log, "something else");

    // No `Location:` item: no rule, nothing rewritten.
    let mut e = ev("ossec: Alert Level: 3; Rule: 1002 - x; Where: y; rest");
    s.decode(&mut e);
    assert_eq!(e.forwarded_rule, None);
    assert_eq!(
        e.pre.log,
        "ossec: Alert Level: 3; Rule: 1002 - x; Where: y; rest"
    );

    // An item without its `;` stops after the location was rewritten.
    let mut e = ev("Alert Level: 3; Rule: 1002 - x; Location: l; srcip: 1.2.3.4");
    e.pre.hostname = "h".into();
    e.pre.location = "stdin".into();
    s.decode(&mut e);
    assert_eq!(e.forwarded_rule, None);
    assert_eq!(e.pre.location, "h->stdin|l");
}

#[test]
fn json_plugin_maps_static_and_dynamic_keys() {
    let s = ok(
        r#"<decoder name="j"><prematch>^J </prematch><plugin_decoder offset="after_prematch">JSON_Decoder</plugin_decoder></decoder>"#,
    );
    let mut e =
        ev(r#"J {"srcip":"1.2.3.4","user":"bob","systemname":"s","system_name":"t","a":{"b":1}}"#);
    s.decode(&mut e);
    assert_eq!(
        fields(&e),
        vec![
            ("srcip", "1.2.3.4"),
            ("user", "bob"),
            ("systemname", "s"),
            ("system_name", "t"),
            ("a.b", "1")
        ]
    );
    assert_eq!(e.get_static(StaticField::SystemName), Some("s"));
    assert_eq!(e.get_static(StaticField::DstUser), None);
}
