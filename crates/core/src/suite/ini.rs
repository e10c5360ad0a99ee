//! The `.ini` reader of Wazuh's test harness (rules.md §9.2).
//!
//! `runtests.py` reads test files with Python's `configparser.RawConfigParser`
//! and a dict type that *extends* a list on a repeated key, which is how a
//! section lists several log lines for one logtest session. This module
//! reproduces the Python 3 reader (R9.2.1) line by line, keeping the line of
//! every value so failures can point at the test:
//!
//! * a line whose stripped form starts with `#` or `;` is a comment (no
//!   inline comments);
//! * `[name]` opens a section: the name is everything between the first `[`
//!   and the last `]`; a repeated name continues the earlier section (in its
//!   original place);
//! * `key = value` / `key : value` splits at the first `=` or `:`; the key is
//!   stripped and lower-cased, the value stripped; a repeated key appends;
//! * a line indented deeper than the option line before it continues that
//!   option's value; a blank line appends an empty line; trailing empty lines
//!   are dropped at the end;
//! * `[DEFAULT]` holds options every section inherits.
//!
//! Where Python raises (a line before any section, a line that is neither a
//! section, an option nor a continuation, an option with no name) rulelab
//! returns a diagnostic with the file, line and column: runtests.py would
//! stop with a traceback on such a file.

use crate::diagnostic::{Diagnostic, Span};
use std::sync::Arc;

/// One value line and the 1-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLine {
    pub text: String,
    pub line: u32,
}

/// One option (key) of a section with all its value lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniOption {
    /// Lower-cased key, e.g. `log 1 pass`.
    pub key: String,
    /// Line of the first occurrence of the key.
    pub line: u32,
    pub values: Vec<ValueLine>,
}

impl IniOption {
    /// The value as Python returns it: lines joined by `\n`.
    pub fn joined(&self) -> String {
        let mut out = String::new();
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&v.text);
        }
        out
    }
}

/// One section, with the `[DEFAULT]` options merged in (Python's `items()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    pub name: String,
    pub line: u32,
    pub options: Vec<IniOption>,
}

impl IniSection {
    pub fn get(&self, key: &str) -> Option<&IniOption> {
        self.options.iter().find(|o| o.key == key)
    }
}

fn error(file: &Arc<str>, text: &str, code: &'static str, at: usize, msg: String) -> Diagnostic {
    Diagnostic::error(code, msg).with_span(Span::at(file, text, at, at))
}

/// Splits `text` into (byte offset, line without its end) with Python's
/// universal newlines (`\n`, `\r\n`, `\r`).
fn lines(text: &str) -> Vec<(usize, &str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push((start, &text[start..i]));
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push((start, &text[start..i]));
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        out.push((start, &text[start..]));
    }
    out
}

/// Parses a test file. `file` names it in diagnostics (codes T001-T003,
/// docs/codes/tests.md).
pub fn parse(file: &Arc<str>, text: &str) -> Result<Vec<IniSection>, Diagnostic> {
    let mut sections: Vec<IniSection> = Vec::new();
    let mut defaults: Vec<IniOption> = Vec::new();
    // Current section: None before any header, Some(None) = DEFAULT.
    let mut current: Option<Option<usize>> = None;
    // Index of the current option in the current section, if any.
    let mut option: Option<usize> = None;
    let mut indent_level = usize::MAX;

    for (lineno, (offset, line)) in lines(text).into_iter().enumerate() {
        let lineno = lineno as u32 + 1;
        let value = line.trim();
        let is_comment = value.starts_with('#') || value.starts_with(';');
        if value.is_empty() || is_comment {
            // A blank (not comment) line inside a value appends an empty line.
            if !is_comment {
                if let (Some(sec), Some(o)) = (current, option) {
                    let opts = match sec {
                        Some(s) => &mut sections[s].options,
                        None => &mut defaults,
                    };
                    opts[o].values.push(ValueLine {
                        text: String::new(),
                        line: lineno,
                    });
                }
            }
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if let (Some(sec), Some(o), true) = (current, option, indent > indent_level) {
            let opts = match sec {
                Some(s) => &mut sections[s].options,
                None => &mut defaults,
            };
            opts[o].values.push(ValueLine {
                text: value.to_string(),
                line: lineno,
            });
            continue;
        }
        indent_level = indent;
        let at = offset + indent;
        // Section header: `\[(?P<header>.+)\]` matched at the start.
        if let Some(rest) = value.strip_prefix('[') {
            if let Some(close) = rest.rfind(']').filter(|&c| c > 0) {
                let name = &rest[..close];
                if name == "DEFAULT" {
                    current = Some(None);
                } else {
                    let idx = match sections.iter().position(|s| s.name == name) {
                        Some(i) => i,
                        None => {
                            sections.push(IniSection {
                                name: name.to_string(),
                                line: lineno,
                                options: Vec::new(),
                            });
                            sections.len() - 1
                        }
                    };
                    current = Some(Some(idx));
                }
                option = None;
                continue;
            }
        }
        let Some(sec) = current else {
            return Err(error(
                file,
                text,
                "T001",
                at,
                "a line before the first [section] header".into(),
            )
            .with_help("start the file with a section such as `[my test]`")
            .with_wazuh("runtests.py stops: MissingSectionHeaderError"));
        };
        // Option: the key is everything before the first `=` or `:`.
        let Some(sep) = value.find(['=', ':']) else {
            return Err(error(
                file,
                text,
                "T002",
                at,
                format!("`{value}` is neither a [section], an option (`key = value`) nor an indented continuation"),
            )
            .with_help("write `log 1 pass = <log line>`, or indent the line to continue the value above")
            .with_wazuh("runtests.py stops: ParsingError"));
        };
        let key = value[..sep].trim_end().to_lowercase();
        if key.is_empty() {
            return Err(
                error(file, text, "T003", at, "an option without a name".into())
                    .with_wazuh("runtests.py stops: ParsingError"),
            );
        }
        let val = value[sep + 1..].trim().to_string();
        let opts = match sec {
            Some(s) => &mut sections[s].options,
            None => &mut defaults,
        };
        let vl = ValueLine {
            text: val,
            line: lineno,
        };
        match opts.iter().position(|o| o.key == key) {
            // The harness' MultiOrderedDict extends on a repeated key.
            Some(i) => {
                opts[i].values.push(vl);
                option = Some(i);
            }
            None => {
                opts.push(IniOption {
                    key,
                    line: lineno,
                    values: vec![vl],
                });
                option = Some(opts.len() - 1);
            }
        }
    }

    // Values are finalised: trailing empty lines dropped.
    let trim = |o: &mut IniOption| {
        while o.values.last().is_some_and(|v| v.text.is_empty()) {
            o.values.pop();
        }
    };
    defaults.iter_mut().for_each(trim);
    for s in &mut sections {
        s.options.iter_mut().for_each(trim);
        // items(): DEFAULT options first, overridden by the section's own.
        if !defaults.is_empty() {
            let mut merged = defaults.clone();
            for o in std::mem::take(&mut s.options) {
                match merged.iter().position(|d| d.key == o.key) {
                    Some(i) => merged[i] = o,
                    None => merged.push(o),
                }
            }
            s.options = merged;
        }
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<IniSection>, Diagnostic> {
        parse(&Arc::from("t.ini"), text)
    }
    fn values(s: &IniSection, key: &str) -> Vec<String> {
        s.get(key)
            .map(|o| o.values.iter().map(|v| v.text.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn repeated_keys_append_and_first_separator_splits() {
        let s = p("; c\n[a]\nlog 1 pass = x: y\nlog 1 pass = z\nrule = 1\nalert = \ndecoder = d\n  cont\n\n").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(values(&s[0], "log 1 pass"), ["x: y", "z"]);
        assert_eq!(s[0].get("log 1 pass").unwrap().line, 3);
        assert_eq!(s[0].get("alert").unwrap().joined(), "");
        assert_eq!(values(&s[0], "decoder"), ["d", "cont"]);
    }

    #[test]
    fn colon_before_equals_is_the_separator() {
        let s = p("[a]\nLog 1 Pass: a = b\n").unwrap();
        assert_eq!(values(&s[0], "log 1 pass"), ["a = b"]);
    }

    #[test]
    fn repeated_section_continues_in_place() {
        let s = p("[a]\nrule = 1\n[b]\nrule = 2\n[a]\nrule = 3\n").unwrap();
        assert_eq!(
            s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(s[0].get("rule").unwrap().joined(), "1\n3");
    }

    #[test]
    fn blank_lines_inside_values_and_comments() {
        let s = p("[a]\nlog 1 pass = x\n\n# note\n  y\n\n\nrule = 1\n").unwrap();
        assert_eq!(values(&s[0], "log 1 pass"), ["x", "", "y"]);
    }

    #[test]
    fn header_takes_up_to_the_last_bracket() {
        let s = p("[a [b]] trailing\nrule = 1\n").unwrap();
        assert_eq!(s[0].name, "a [b]");
    }

    #[test]
    fn continuation_is_relative_to_the_option_indent() {
        // An indented option line is not a continuation of the previous one
        // unless it is indented deeper than that option.
        let s = p("[a]\n  rule = 1\n  alert = 2\n    more\n").unwrap();
        assert_eq!(values(&s[0], "rule"), ["1"]);
        assert_eq!(values(&s[0], "alert"), ["2", "more"]);
    }

    #[test]
    fn crlf_and_cr_line_ends() {
        let s = p("[a]\r\nrule = 1\r\nalert = 2\rdecoder = x\r\n").unwrap();
        assert_eq!(values(&s[0], "alert"), ["2"]);
        assert_eq!(values(&s[0], "decoder"), ["x"]);
    }

    #[test]
    fn default_section_is_inherited() {
        let s = p("[DEFAULT]\ndecoder = sshd\n[a]\nrule = 1\n[b]\ndecoder = json\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].get("decoder").unwrap().joined(), "sshd");
        assert_eq!(s[1].get("decoder").unwrap().joined(), "json");
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = p("rule = 1\n").unwrap_err();
        assert_eq!(e.code, "T001");
        assert_eq!(e.span.as_ref().map(|s| s.line), Some(1));
        let e = p("[a]\nrule = 1\njust words\n").unwrap_err();
        assert_eq!(e.code, "T002");
        assert_eq!(e.span.as_ref().map(|s| (s.line, s.column)), Some((3, 1)));
        let e = p("[a]\n= 1\n").unwrap_err();
        assert_eq!(e.code, "T003");
    }
}
