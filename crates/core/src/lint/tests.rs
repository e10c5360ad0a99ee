use super::*;
use crate::defaults;
use crate::session::Source;

fn lint_rules(rules: &str) -> Vec<Diagnostic> {
    let mut s = Sources {
        decoders: defaults::decoder_sources(),
        rules: defaults::rule_sources(),
        lists: vec![],
    };
    s.rules.push(Source::new("local_rules.xml", rules));
    lint(&s, &|f| f == "local_rules.xml", &LintOptions::default())
}

fn codes(d: &[Diagnostic]) -> Vec<(&'static str, u32)> {
    d.iter()
        .map(|d| (d.code, d.span.as_ref().map_or(0, |s| s.line)))
        .collect()
}

#[test]
fn the_embedded_falco_rules_show_the_integrations_two_habits() {
    // The documented integration quotes its descriptions and matches
    // "Informational" with the pattern "Info": both are reported.
    let s = defaults::falco_example();
    let d = lint(
        &s,
        &|f| f.ends_with("falco_rules.xml"),
        &LintOptions::default(),
    );
    let count = |c: &str| d.iter().filter(|d| d.code == c).count();
    assert_eq!((count("L006"), count("L021"), d.len()), (7, 1, 8), "{d:#?}");
}

#[test]
fn custom_range_and_repeated_elements() {
    let d = lint_rules(
        "<group name=\"t,\">\n<rule id=\"50\" level=\"3\">\n<match>a</match>\n<match>b</match>\n<decoded_as>json</decoded_as>\n<decoded_as>json</decoded_as>\n<description>x</description>\n</rule>\n</group>\n",
    );
    assert_eq!(codes(&d), [("L001", 2), ("L002", 4), ("L003", 5)]);
    let l002 = d.iter().find(|d| d.code == "L002").unwrap();
    assert_eq!(l002.related[0].span.line, 3);
}

#[test]
fn patterns_with_empty_alternatives_or_spaces() {
    let d = lint_rules(
        "<group name=\"t,\">\n<rule id=\"100001\" level=\"3\">\n<match>a|</match>\n<regex>\tx</regex>\n<if_group> g</if_group>\n<description>x</description>\n</rule>\n</group>\n",
    );
    // R038: Wazuh drops the rule, its if_group names no group.
    assert_eq!(
        codes(&d),
        [("R038", 2), ("L004", 3), ("L005", 4), ("L005", 5)]
    );
    // Wazuh's idioms: a split alternation, a space kept at the end of a
    // match, a description split at a space, an empty presence test.
    let d = lint_rules(
        "<group name=\"t,\">\n<rule id=\"100001\" level=\"3\">\n<match>^a|^b|</match>\n<match>^c</match>\n<user />\n<url>login </url>\n<description>long text </description>\n<description>continued</description>\n</rule>\n</group>\n",
    );
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn rules_that_can_never_be_the_result() {
    let d = lint_rules(
        r#"<group name="t,">
<rule id="100001" level="3" noalert="1"><decoded_as>json</decoded_as><description>x</description></rule>
<rule id="100002" level="0" frequency="3" timeframe="60"><if_matched_sid>100001</if_matched_sid><description>x</description></rule>
<rule id="100003" level="0"><decoded_as>json</decoded_as><description>parent</description></rule>
<rule id="100004" level="0"><if_sid>100003</if_sid><description>catch-all</description></rule>
<rule id="100005" level="5"><if_sid>100003</if_sid><match>x</match><description>never tried</description></rule>
</group>"#,
    );
    let c = codes(&d);
    assert!(c.contains(&("L011", 3)), "{c:?}");
    assert!(c.contains(&("L013", 6)), "{c:?}");
    let l013 = d.iter().find(|d| d.code == "L013").unwrap();
    assert_eq!(l013.related[0].span.line, 5);
}

#[test]
fn noalert_without_children() {
    let d = lint_rules(
        r#"<group name="t,"><rule id="100001" level="3" noalert="1"><decoded_as>json</decoded_as><description>x</description></rule></group>"#,
    );
    assert_eq!(codes(&d), [("L010", 1)]);
}

#[test]
fn placeholders_no_decoder_sets() {
    let mut s = Sources {
        decoders: vec![Source::new(
            "d.xml",
            r#"<decoder name="app"><prematch>^app </prematch><regex>user=(\S+) ip=(\S+)</regex><order>account, srcip</order></decoder>"#,
        )],
        rules: defaults::rule_sources(),
        lists: vec![],
    };
    s.rules.push(Source::new(
        "local_rules.xml",
        r#"<group name="t,"><rule id="100001" level="3"><decoded_as>app</decoded_as><description>$(Account) from $(srcip) $(dstuser) $(acount) on $(hostname)</description></rule></group>"#,
    ));
    let d = lint(&s, &|f| f == "local_rules.xml", &LintOptions::default());
    let msgs: Vec<&str> = d
        .iter()
        .filter(|d| d.code == "L012")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].contains("$(dstuser)") && msgs[1].contains("$(acount)"));
    // A JSON decoder can set any name: nothing to say.
    assert!(lint_rules(r#"<group name="t,"><rule id="100001" level="3"><decoded_as>json</decoded_as><description>$(anything)</description></rule></group>"#).is_empty());
}

#[test]
fn falco_ladder_checks() {
    let d = lint_rules(
        r#"<group name="falco,">
<rule id="100600" level="0"><decoded_as>json</decoded_as><field name="output_fields.wazuh_integration">falco</field><description>base</description></rule>
<rule id="100601" level="4"><if_sid>100600</if_sid><field name="priority">Info</field><description>info</description></rule>
<rule id="100602" level="12"><if_sid>100600</if_sid><field name="priority">^Critical$</field><description>crit</description></rule>
</group>"#,
    );
    let missing: Vec<String> = d
        .iter()
        .filter(|d| d.code == "L020")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(missing
        .iter()
        .all(|m| !m.contains("Debug") && !m.contains("Critical") && !m.contains("Informational")));
    let sub: Vec<&Diagnostic> = d.iter().filter(|d| d.code == "L021").collect();
    assert_eq!(sub.len(), 1);
    assert!(sub[0].message.contains("'Info'") && sub[0].message.contains("Informational"));
}

#[test]
fn duplicates_point_at_both_places() {
    let d = lint_rules(
        "<group name=\"t,\">\n<rule id=\"100001\" level=\"3\"><match>a</match><description>x</description></rule>\n<rule id=\"100001\" level=\"3\"><match>b</match><description>y</description></rule>\n</group>",
    );
    let dup = d.iter().find(|d| d.code == "R030").expect("7612");
    assert_eq!(dup.span.as_ref().unwrap().line, 3);
    assert_eq!(dup.related[0].span.line, 2);
}

#[test]
fn context_files_are_not_reported() {
    let mut s = defaults::falco_example();
    s.rules.push(Source::new("local_rules.xml", r#"<group name="t,"><rule id="100001" level="3"><match>a</match><description>x</description></rule></group>"#));
    let d = lint(&s, &|f| f == "local_rules.xml", &LintOptions::default());
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn stock_file_names() {
    assert!(is_stock_rule_file("ruleset/rules/0095-sshd_rules.xml"));
    assert!(!is_stock_rule_file("etc/rules/local_rules.xml"));
    assert!(!is_stock_rule_file("12-x.xml"));
}

#[test]
fn a_comment_on_the_line_before_silences_a_code() {
    let rules = "<group name=\"t,\">\n<!-- rulelab: ignore L006, L001 -->\n<rule id=\"50\" level=\"3\"><decoded_as>json</decoded_as><description>\"q\"</description></rule>\n<!-- rulelab: ignore L001 -->\n<rule id=\"51\" level=\"3\"><decoded_as>json</decoded_as><description>\"q\"</description></rule>\n</group>";
    let d = lint_rules(rules);
    assert_eq!(codes(&d), [("L006", 5)]);
    assert!(suppresses("  <!-- rulelab: ignore l006 -->", "L006"));
    assert!(!suppresses("<!-- ignore L006 -->", "L006"));
}

#[test]
fn decoders_never_reached() {
    let s = Sources {
        decoders: vec![Source::new(
            "local_decoder.xml",
            "<decoder name=\"app-all\">\n  <program_name>^app$</program_name>\n</decoder>\n<decoder name=\"app-late\">\n  <program_name>^app$</program_name>\n  <prematch>^x</prematch>\n</decoder>\n<decoder name=\"p\">\n  <prematch>^P </prematch>\n</decoder>\n<decoder name=\"c1\">\n  <parent>p</parent>\n  <regex>(\\d+)</regex>\n  <order>n</order>\n</decoder>\n<decoder name=\"c2\">\n  <parent>p</parent>\n  <prematch>y</prematch>\n</decoder>\n",
        )],
        rules: defaults::rule_sources(),
        lists: vec![],
    };
    let d = lint(&s, &|f| f == "local_decoder.xml", &LintOptions::default());
    let got: Vec<(&str, u32, &str)> = d
        .iter()
        .map(|d| (d.code, d.span.as_ref().unwrap().line, d.message.as_str()))
        .collect();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.iter().all(|g| g.0 == "L030"));
    assert!(got[0].2.contains("'app-late'") && got[0].2.contains("'app-all'") && got[0].1 == 4);
    assert!(got[1].2.contains("'c2'") && got[1].2.contains("'c1'") && got[1].1 == 16);
}
