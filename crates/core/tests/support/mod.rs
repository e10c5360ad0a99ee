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
                .split(|c| c == ',' || c == ' ')
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
