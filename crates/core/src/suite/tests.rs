use super::*;
use crate::defaults;
use crate::session::{Ruleset, Source, Sources};

fn expected(rule: &str, alert: &str, decoder: &str) -> Expected {
    Expected {
        rule: rule.into(),
        alert: alert.into(),
        decoder: decoder.into(),
    }
}
fn actual(rule: &str, alert: &str, decoder: &str) -> Actual {
    Actual {
        rule: rule.into(),
        alert: alert.into(),
        decoder: decoder.into(),
        description: String::new(),
    }
}

#[test]
fn pass_and_fail_follow_logtest_exit_code() {
    let e = expected("5716", "5", "sshd");
    assert!(verdict_passes(&e, &actual("5716", "5", "sshd"), false));
    assert!(!verdict_passes(&e, &actual("5716", "5", "sshd"), true));
    for a in [
        actual("5715", "5", "sshd"),
        actual("5716", "3", "sshd"),
        actual("5716", "5", "json"),
        actual("", "", ""),
    ] {
        assert!(!verdict_passes(&e, &a, false), "{a:?}");
        assert!(verdict_passes(&e, &a, true), "{a:?}");
    }
    // R9.2.4: an empty expectation never passes a normal test and always
    // passes a negated one, even when the result is also empty.
    let empty = expected("", "", "");
    assert!(!verdict_passes(&empty, &actual("", "", ""), false));
    assert!(verdict_passes(&empty, &actual("", "", ""), true));
    let partly = expected("1", "", "json");
    assert!(verdict_passes(&partly, &actual("1", "", "json"), true));
    // Repeated expectation keys are joined and never equal a result.
    let joined = expected("1\n1", "3", "json");
    assert!(!verdict_passes(&joined, &actual("1", "3", "json"), false));
}

#[test]
fn sections_become_cases() {
    let t = TestFile::parse(
        "t.ini",
        "[s]\nlog 1 pass = a\nlog 1 pass = b\nlog 2 fail = c\nlog 3 = d\nrule = 1\nalert = 2\ndecoder = x\n",
    )
    .unwrap();
    assert_eq!(t.case_count(), 3);
    let s = &t.sections[0];
    assert_eq!(s.expected, expected("1", "2", "x"));
    assert_eq!(s.cases[0].logs, ["a", "b"]);
    assert!(!s.cases[0].negated);
    assert!(s.cases[1].negated);
    // Neither pass nor fail: a normal test.
    assert!(!s.cases[2].negated);
    assert_eq!(s.cases[1].line, 4);
}

#[test]
fn a_section_without_an_expectation_is_an_error() {
    let e = TestFile::parse(
        "t.ini",
        "[a]\nlog 1 pass = x\nrule = 1\nalert = 1\n\n[b]\nrule = 1\n",
    )
    .unwrap_err();
    assert_eq!(e.code, "T004");
    assert!(e.message.contains("[a]") && e.message.contains("decoder"));
    assert_eq!(e.span.as_ref().map(|s| s.line), Some(1));
}

fn falco() -> Ruleset {
    Ruleset::load(&defaults::falco_example())
        .ruleset
        .expect("the embedded example loads")
}

#[test]
fn cases_run_in_their_own_session_and_last_event_decides() {
    let ruleset = falco();
    let line = defaults::FALCO_EVENTS.lines().next().unwrap();
    let text = format!(
        "[falco]\nlog 1 pass = not json at all\nlog 1 pass = {line}\nlog 2 fail = {line}\nrule = 100602\nalert = 6\ndecoder = json\n"
    );
    let t = TestFile::parse("falco.ini", &text).unwrap();
    let s = &t.sections[0];
    let opts = RunOptions::default();
    let first = run_case(&ruleset, s, &s.cases[0], &opts, None);
    assert_eq!(first.events, 2);
    assert_eq!(first.actual.rule, "100602");
    assert!(first.actual.description.contains("Falco Alert - "));
    assert!(first.passed, "{first:?}");
    let second = run_case(&ruleset, s, &s.cases[1], &opts, None);
    assert!(!second.passed, "a fail case with the matching result fails");
}

#[test]
fn frequency_needs_the_lines_of_one_key() {
    let rules = r#"<group name="t,">
  <rule id="100001" level="3">
    <decoded_as>json</decoded_as>
    <field name="k">x</field>
    <description>one</description>
  </rule>
  <rule id="100002" level="9" frequency="3" timeframe="60">
    <if_matched_sid>100001</if_matched_sid>
    <description>three</description>
  </rule>
</group>"#;
    let mut sources = Sources::default();
    sources.decoders.extend(defaults::decoder_sources());
    sources.rules.extend(defaults::rule_sources());
    sources.rules.push(Source::new("local_rules.xml", rules));
    let ruleset = Ruleset::load(&sources).ruleset.unwrap();
    let text = "[freq]\nlog 1 pass = {\"k\":\"x\"}\nlog 1 pass = {\"k\":\"x\"}\nlog 1 pass = {\"k\":\"x\"}\n\
                log 2 pass = {\"k\":\"x\"}\nlog 3 pass = {\"k\":\"x\"}\nlog 4 pass = {\"k\":\"x\"}\n\
                rule = 100002\nalert = 9\ndecoder = json\n";
    let t = TestFile::parse("f.ini", text).unwrap();
    let s = &t.sections[0];
    let mut cov = Coverage::new(&ruleset);
    let results: Vec<bool> = s
        .cases
        .iter()
        .map(|c| run_case(&ruleset, s, c, &RunOptions::default(), Some(&mut cov)).passed)
        .collect();
    assert_eq!(results, [true, false, false, false]);

    let rules = cov.rules(&ruleset);
    let hits = |id: &str| rules.iter().find(|r| r.name == id).map(|r| r.hits);
    assert_eq!(hits("100001"), Some(6), "every event satisfied the parent");
    assert_eq!(hits("100002"), Some(1));
    let decoders = cov.decoders(&ruleset);
    let json = decoders.iter().find(|d| d.name == "json").unwrap();
    assert_eq!(json.hits, 6);
    assert!(
        decoders.iter().any(|d| d.hits == 0),
        "the falco-syslog decoders are not hit"
    );
    let (r, d) = cov.counts(&ruleset);
    assert!(r.covered >= 2 && r.covered < r.total, "{r:?}");
    assert!(d.covered >= 1 && d.covered < d.total, "{d:?}");
}

#[test]
fn failure_reasons_name_the_first_difference() {
    let e = expected("5716", "5", "sshd");
    let r = |a: Actual, neg| failure_reason(&e, &a, neg);
    assert_eq!(r(actual("", "", ""), false), "no decoder matched the log");
    assert_eq!(
        r(actual("1", "0", "json"), false),
        "decoded by `json`, expected `sshd`"
    );
    assert_eq!(
        r(actual("", "", "sshd"), false),
        "no rule matched, expected rule 5716"
    );
    assert_eq!(
        r(actual("5715", "3", "sshd"), false),
        "rule 5715 matched, expected rule 5716"
    );
    assert_eq!(
        r(actual("5716", "3", "sshd"), false),
        "level 3, expected level 5"
    );
    assert!(r(actual("5716", "5", "sshd"), true).contains("`fail` test"));
    assert!(failure_reason(&expected("", "5", "x"), &actual("", "", ""), false).contains("empty"));
    assert!(
        failure_reason(&expected("1\n1", "5", "x"), &actual("", "", ""), false)
            .contains("several lines")
    );
}
