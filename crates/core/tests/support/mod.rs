//! Shared helpers for the core's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The reference material folder `shared/` (spec, stock ruleset, oracle).
/// `RULELAB_SHARED` overrides; otherwise the first ancestor of this crate
/// that has a `shared/spec` child (the checkout's sibling `../shared`).
/// Returns None, after saying so on stderr, when it is absent: tests that
/// need it then skip with a clear message instead of failing obscurely.
pub fn shared_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("RULELAB_SHARED") {
        let p = PathBuf::from(p);
        if p.join("spec").is_dir() {
            return Some(p);
        }
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared");
        if candidate.join("spec").is_dir() {
            return Some(candidate);
        }
        if !dir.pop() {
            break;
        }
    }
    eprintln!(
        "SKIPPED: the reference folder ../shared (Wazuh 4.11.1 ruleset and oracle) is absent; \
         set RULELAB_SHARED to run this test"
    );
    None
}

/// Decodes the C-style escapes of the oracle TSV cells listed in the `esc`
/// column (`\\` `\t` `\n` `\r` `\xNN`), see oracle/tables/README.md.
pub fn unescape_c(cell: &str) -> Vec<u8> {
    let b = cell.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'\\' => {
                    out.push(b'\\');
                    i += 2;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                }
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 4;
                        }
                        Err(_) => {
                            out.push(b'\\');
                            i += 1;
                        }
                    }
                }
                _ => {
                    out.push(b'\\');
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Reads a TSV table of oracle/tables: header names and rows, cells of the
/// `esc` columns unescaped (lossily as UTF-8).
pub fn read_tsv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("read tsv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split('\t')
        .map(str::to_string)
        .collect();
    let esc_col = header.iter().position(|h| h == "esc");
    let mut rows = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let mut cells: Vec<String> = line.split('\t').map(str::to_string).collect();
        cells.resize(header.len(), String::new());
        if let Some(ec) = esc_col {
            let escaped: Vec<String> = cells[ec]
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            for name in escaped {
                if let Some(ci) = header.iter().position(|h| *h == name) {
                    cells[ci] = String::from_utf8_lossy(&unescape_c(&cells[ci])).into_owned();
                }
            }
        }
        rows.push(cells);
    }
    (header, rows)
}

/// The stock Wazuh 4.11.1 ruleset as Wazuh's default configuration loads it
/// (rules.md R1.1.5): every decoder, every rule file but
/// 0215-policy_rules.xml, and the three default lists registered under
/// etc/lists/. `patch` edits a rule file's text before loading.
pub fn stock_sources(
    shared: &std::path::Path,
    patch: &dyn Fn(&str, String) -> String,
) -> rulelab_core::Sources {
    use rulelab_core::{Source, Sources};
    let root = shared.join("wazuh-4.11.1");
    let mut s = Sources::default();
    let read_dir = |d: &std::path::Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .expect("read dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        v.sort();
        v
    };
    for p in read_dir(&root.join("decoders")) {
        s.decoders.push(Source::new(
            p.display().to_string(),
            std::fs::read_to_string(&p).expect("read"),
        ));
    }
    for p in read_dir(&root.join("rules")) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == "0215-policy_rules.xml" {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("read");
        s.rules
            .push(Source::new(p.display().to_string(), patch(&name, text)));
    }
    for (name, rel) in [
        ("etc/lists/audit-keys", "audit-keys"),
        ("etc/lists/amazon/aws-eventnames", "amazon/aws-eventnames"),
        ("etc/lists/security-eventchannel", "security-eventchannel"),
    ] {
        let text = std::fs::read_to_string(root.join("lists").join(rel)).expect("read list");
        s.lists.push(Source::new(name, text));
    }
    s
}

/// Loads sources, printing diagnostics, and panics with them if the ruleset
/// does not load.
pub fn load(sources: &rulelab_core::Sources) -> rulelab_core::Ruleset {
    let loaded = rulelab_core::Ruleset::load(sources);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    match loaded.ruleset {
        Some(r) => r,
        None => panic!("ruleset does not load:\n{}", errors.join("\n")),
    }
}

/// The final rule's id, level and description as strings, empty when no
/// rule was reported (how runtests and the oracle tables compare them).
pub fn rule_strings(v: &rulelab_core::Verdict) -> [String; 3] {
    match &v.rule {
        Some(r) => [r.id.to_string(), r.level.to_string(), r.description.clone()],
        None => [String::new(), String::new(), String::new()],
    }
}
