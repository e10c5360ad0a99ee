//! A throwaway harness (the real runner is `rulelab test`): replays some of
//! Wazuh's own `.ini` suites the way runtests.py does (rules.md §9) and
//! requires every case to pass.

mod support;

use rulelab_core::{predecode, Ruleset, Session, SessionOptions, Source};

/// rules.md R9.1.2: rule 60000 gets `decoded_as json` instead of its
/// decoder and category.
fn patch_60000(name: &str, text: String) -> String {
    if name != "0575-win-base_rules.xml" {
        return text;
    }
    let Some(start) = text.find("<rule id=\"60000\"") else {
        return text;
    };
    let end = start + text[start..].find("</rule>").unwrap_or(0);
    let body = &text[start..end];
    let mut patched = String::new();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with("<category>") || t.starts_with("<decoded_as>") {
            continue;
        }
        patched.push_str(line);
        patched.push('\n');
        if t.starts_with("<rule id=\"60000\"") {
            patched.push_str("    <decoded_as>json</decoded_as>\n");
        }
    }
    format!("{}{}{}", &text[..start], patched, &text[end..])
}

fn harness_ruleset(shared: &std::path::Path) -> Ruleset {
    let mut sources = support::stock_sources(shared, &patch_60000);
    let dir = shared.join("wazuh-4.11.1/testing/ruleset");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("testing/ruleset")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        let text = std::fs::read_to_string(dir.join(&n)).expect("read");
        if n.starts_with("test_") && n.ends_with("rules.xml") {
            sources
                .rules
                .push(Source::new(format!("etc/rules/{n}"), text));
        } else if n.starts_with("test_") && n.ends_with("decoders.xml") {
            sources
                .decoders
                .push(Source::new(format!("etc/decoders/{n}"), text));
        }
    }
    support::load(&sources)
}

/// Runs one .ini file; returns (passed, failures).
fn run_ini(ruleset: &Ruleset, text: &str) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut failures = Vec::new();
    for (name, keys) in support::parse_ini(text) {
        let get = |k: &str| {
            keys.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.join("\n"))
        };
        let expected = [
            get("rule").unwrap_or_default(),
            get("alert").unwrap_or_default(),
            get("decoder").unwrap_or_default(),
        ];
        for (key, lines) in keys.iter().filter(|(k, _)| k.starts_with("log ")) {
            let mut session = Session::new(ruleset, SessionOptions::default());
            let mut result = [String::new(), String::new(), String::new()];
            for line in lines.iter().filter(|l| !l.is_empty()) {
                for event in predecode::frame_line(line) {
                    let v = session.evaluate(event, "stdin");
                    let [id, level, _] = support::rule_strings(&v);
                    result = [
                        id,
                        level,
                        v.decoder
                            .as_ref()
                            .map(|d| d.name.clone())
                            .unwrap_or_default(),
                    ];
                }
            }
            // rules.md R9.2.4 with R8.3.3.
            let ok = result == expected && expected.iter().all(|e| !e.is_empty());
            let negated = key.ends_with("fail");
            if ok != negated {
                passed += 1;
            } else {
                failures.push(format!(
                    "[{name}] {key}: expected {expected:?}, got {result:?}\n    {}",
                    lines.last().map(String::as_str).unwrap_or("")
                ));
            }
        }
    }
    (passed, failures)
}

#[test]
fn ini_parser_follows_configparser() {
    let s = support::parse_ini("; c\n[a]\nlog 1 pass = x: y\nlog 1 pass = z\nrule = 1\nalert = \ndecoder = d\n  cont\n\n[a]\nlog 2 fail = w\n");
    assert_eq!(s.len(), 1);
    let keys = &s[0].1;
    assert_eq!(
        keys[0],
        (
            "log 1 pass".to_string(),
            vec!["x: y".to_string(), "z".to_string()]
        )
    );
    assert_eq!(keys[2].1.join("\n"), "");
    assert_eq!(keys[3].1, vec!["d".to_string(), "cont".to_string()]);
    assert_eq!(keys[4].0, "log 2 fail");
}

#[test]
fn upstream_suites_of_issue_2_pass() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let ruleset = harness_ruleset(&shared);
    let mut report = Vec::new();
    let mut all_failures = Vec::new();
    let mut files: Vec<String> = std::fs::read_dir(shared.join("wazuh-4.11.1/testing/tests")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".ini") && !n.ends_with("geoip.ini")).collect();
    files.sort();
    for file in files.iter().map(String::as_str) {
        let text = std::fs::read_to_string(shared.join("wazuh-4.11.1/testing/tests").join(file))
            .expect("ini");
        let (passed, failures) = run_ini(&ruleset, &text);
        report.push(format!("{file}: {passed}/{}", passed + failures.len()));
        all_failures.extend(failures.into_iter().map(|f| format!("{file} {f}")));
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        all_failures.is_empty(),
        "{}\n{} failing:\n{}",
        report.join("\n"),
        all_failures.len(),
        all_failures.join("\n")
    );
}
