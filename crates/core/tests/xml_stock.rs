//! Every stock Wazuh 4.11.1 rule and decoder file, and the testing ruleset,
//! must parse without error (the real Wazuh loads them all).

mod support;

use rulelab_core::xml;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            xml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "xml") {
            out.push(p);
        }
    }
}

#[test]
fn every_stock_file_parses() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let base = shared.join("wazuh-4.11.1");
    let mut files = Vec::new();
    for sub in ["rules", "decoders", "testing/ruleset"] {
        xml_files(&base.join(sub), &mut files);
    }
    files.sort();
    assert!(files.len() > 250, "only {} stock files found", files.len());
    let mut failures = Vec::new();
    let mut elements = 0usize;
    for f in &files {
        let bytes = std::fs::read(f).expect("readable stock file");
        let text = String::from_utf8_lossy(&bytes);
        let name: Arc<str> = Arc::from(f.display().to_string());
        match xml::parse(&name, &text) {
            Ok(roots) => {
                if roots.is_empty() {
                    failures.push(format!("{}: no root element", f.display()));
                }
                elements += roots.len();
            }
            Err(d) => failures.push(format!("{d} ({:?})", d.wazuh)),
        }
    }
    eprintln!(
        "parsed {} stock files, {elements} root elements",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stock_rules_with_variables_substitute() {
    let Some(shared) = support::shared_dir() else {
        return;
    };
    let path = shared.join("wazuh-4.11.1/rules/0275-squid_rules.xml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: {} absent", path.display());
        return;
    };
    let name: Arc<str> = Arc::from("0275-squid_rules.xml");
    let roots = xml::parse(&name, &text).expect("parses");
    // No `var` element survives and no `$NAME` of a defined variable is left.
    fn walk(e: &xml::Element, seen: &mut usize) {
        assert!(!e.is("var"));
        *seen += 1;
        for c in &e.children {
            walk(c, seen);
        }
    }
    let mut seen = 0;
    for r in &roots {
        walk(r, &mut seen);
    }
    assert!(seen > 10);
}
