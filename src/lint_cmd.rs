//! `rulelab lint`: Wazuh's load diagnostics and rulelab's own checks for
//! rule, decoder and list files, in formats for people and for CI.

use crate::load::{self, read_text};
use crate::{LintArgs, LintFormat};
use rulelab_core::classify::{self, SourceKind, DEFAULT_RULE_EXCLUDES};
use rulelab_core::lint::{lint, LintOptions};
use rulelab_core::{defaults, Diagnostic, Severity, Source, Sources};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Files below `dir` (sorted), recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: cannot list: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Whether `dir` has the layout of a Wazuh ruleset (rules/ and decoders/).
fn is_ruleset_root(dir: &Path) -> bool {
    dir.join("rules").is_dir() && dir.join("decoders").is_dir()
}

/// Adds the files named by one PATH to `sources`; returns their names.
pub(crate) fn add_path(path: &Path, sources: &mut Sources) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    if path.is_dir() && is_ruleset_root(path) {
        // A whole ruleset, loaded as Wazuh's default configuration does.
        let args = crate::RulesetArgs {
            ruleset: Some(path.to_path_buf()),
            rules: vec![],
            decoders: vec![],
            lists: vec![],
            no_builtin: true,
        };
        let s = load::sources(&args)?;
        for src in s.decoders.iter().chain(&s.rules).chain(&s.lists) {
            names.push(src.name.clone());
        }
        sources.decoders.extend(s.decoders);
        sources.rules.extend(s.rules);
        sources.lists.extend(s.lists);
        return Ok(names);
    }
    let files = if path.is_dir() {
        let mut v = Vec::new();
        walk(path, &mut v)?;
        v
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(format!("{}: no such file or directory", path.display()));
    };
    let explicit = path.is_file();
    for f in files {
        let text = read_text(&f)?;
        let name = f.display().to_string();
        let base = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match classify::classify(&name, &text) {
            // Wazuh's default configuration leaves 0215-policy_rules.xml out.
            Some(SourceKind::Rules)
                if !explicit && DEFAULT_RULE_EXCLUDES.contains(&base.as_str()) => {}
            Some(SourceKind::Rules) => {
                sources.rules.push(Source::new(name.clone(), text));
                names.push(name);
            }
            Some(SourceKind::Decoders) => {
                sources.decoders.push(Source::new(name.clone(), text));
                names.push(name);
            }
            Some(SourceKind::List) => {
                sources
                    .lists
                    .push(Source::new(classify::list_name(&name), text));
            }
            None if explicit => {
                return Err(format!("{name}: not a rule, decoder or list file"));
            }
            None => {}
        }
    }
    Ok(names)
}

/// `rulelab.toml`: `[lint]` with `select`/`ignore` (codes or prefixes such
/// as `L0`) and `custom-range = [first, last]`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    lint: LintConfig,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LintConfig {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    custom_range: Option<[u32; 2]>,
}

/// The `rulelab.toml` in the first path's folder or the nearest parent.
fn find_config(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = paths.first()?;
    let abs = fs::canonicalize(first).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join("rulelab.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

fn read_config(path: &Path) -> Result<LintConfig, String> {
    let text = read_text(path)?;
    toml::from_str::<ConfigFile>(&text)
        .map(|c| c.lint)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    }
}

pub fn run(args: &LintArgs) -> Result<ExitCode, String> {
    if args.paths.is_empty() {
        return Err("no files to lint (PATHS)".into());
    }
    // Context: the given ruleset, else rulelab's built-in decoders and
    // templates (so local rules that use `json` or a category load).
    let whole_ruleset = args.paths.iter().any(|p| p.is_dir() && is_ruleset_root(p));
    let mut sources = if args.ruleset.ruleset.is_some()
        || !args.ruleset.rules.is_empty()
        || !args.ruleset.decoders.is_empty()
        || !args.ruleset.lists.is_empty()
    {
        load::sources(&args.ruleset)?
    } else if args.ruleset.no_builtin || whole_ruleset {
        // A whole ruleset brings its own json decoder and templates.
        Sources::default()
    } else {
        Sources {
            decoders: defaults::decoder_sources(),
            rules: defaults::rule_sources(),
            lists: vec![],
        }
    };
    let mut linted: HashSet<String> = HashSet::new();
    for p in &args.paths {
        for name in add_path(p, &mut sources)? {
            linted.insert(name);
        }
    }
    // A linted file that is also part of the context is loaded once.
    let dedup = |v: &mut Vec<Source>| {
        let mut seen = HashSet::new();
        v.retain(|s| seen.insert(s.name.clone()));
    };
    dedup(&mut sources.decoders);
    dedup(&mut sources.rules);
    dedup(&mut sources.lists);

    let config = match args.config.clone().or_else(|| find_config(&args.paths)) {
        Some(p) => read_config(&p)?,
        None => LintConfig::default(),
    };
    let mut options = LintOptions::default();
    if let Some([a, b]) = config.custom_range {
        options.custom_range = a..=b;
    }
    let matches = |list: &[String], code: &str| list.iter().any(|p| code.starts_with(p.as_str()));
    let findings: Vec<Diagnostic> = lint(&sources, &|f| linted.contains(f), &options)
        .into_iter()
        .filter(|d| config.select.is_empty() || matches(&config.select, d.code))
        .filter(|d| !matches(&config.ignore, d.code))
        .collect();
    let texts: BTreeMap<&str, &str> = sources
        .decoders
        .iter()
        .chain(&sources.rules)
        .map(|s| (s.name.as_str(), s.text.as_str()))
        .collect();

    let mut out = String::new();
    match args.format {
        LintFormat::Human => {
            let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for d in &findings {
                human(d, &texts, color, &mut out);
            }
            summary(&findings, &mut out);
        }
        LintFormat::Json => {
            out = serde_json::to_string_pretty(&serde_json::json!({ "diagnostics": findings }))
                .unwrap_or_default();
            out.push('\n');
        }
        LintFormat::Github => {
            for d in &findings {
                github(d, &mut out);
            }
        }
        LintFormat::Sarif => {
            out = serde_json::to_string_pretty(&sarif(&findings)).unwrap_or_default();
            out.push('\n');
        }
    }
    let stdout = io::stdout();
    let mut w = stdout.lock();
    w.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
    if args.statistics {
        // With a machine format the table goes to stderr, keeping stdout valid.
        let mut table = String::new();
        statistics(&findings, &mut table);
        if args.format == LintFormat::Human {
            w.write_all(table.as_bytes()).map_err(|e| e.to_string())?;
        } else {
            eprint!("{table}");
        }
    }
    let fail = severity_rank(args.fail_level.severity());
    Ok(
        if findings.iter().any(|d| severity_rank(d.severity) >= fail) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// rustc-style: header, `-->` place, the line with the span underlined,
/// related places, help and what Wazuh does.
fn human(d: &Diagnostic, texts: &BTreeMap<&str, &str>, color: bool, out: &mut String) {
    use std::fmt::Write as _;
    let paint = |c: &str, s: &str| {
        if color {
            format!("{c}{s}{RESET}")
        } else {
            s.to_string()
        }
    };
    let sev = match d.severity {
        Severity::Error => paint(RED, "error"),
        Severity::Warning => paint(YELLOW, "warning"),
        Severity::Info => paint(BLUE, "info"),
    };
    let _ = writeln!(
        out,
        "{sev}{}: {}",
        paint(BOLD, &format!("[{}]", d.code)),
        paint(BOLD, &d.message)
    );
    let snippet = |span: &rulelab_core::Span, label: &str, out: &mut String| {
        let _ = writeln!(out, "  {} {span}", paint(BLUE, "-->"));
        let Some(line) = texts
            .get(&*span.file)
            .and_then(|t| t.lines().nth(span.line.saturating_sub(1) as usize))
        else {
            return;
        };
        let num = span.line.to_string();
        let pad = " ".repeat(num.len());
        let col = (span.column.saturating_sub(1) as usize).min(line.len());
        let width = span
            .end
            .saturating_sub(span.start)
            .clamp(1, line.len().saturating_sub(col).max(1));
        let _ = writeln!(out, "{pad} {}", paint(BLUE, "|"));
        let _ = writeln!(out, "{} {} {line}", paint(BLUE, &num), paint(BLUE, "|"));
        let marks = format!("{}{}", " ".repeat(col), "^".repeat(width));
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            paint(BLUE, "|"),
            paint(
                if d.severity == Severity::Error {
                    RED
                } else {
                    YELLOW
                },
                &marks
            ),
            if label.is_empty() {
                String::new()
            } else {
                format!(" {label}")
            }
        );
    };
    if let Some(span) = &d.span {
        snippet(span, "", out);
    }
    for r in &d.related {
        let _ = writeln!(out, "  {}: {}", paint(BOLD, "note"), r.message);
        snippet(&r.span, "", out);
    }
    if let Some(h) = &d.help {
        let _ = writeln!(out, "  = {}: {h}", paint(BOLD, "help"));
    }
    if let Some(w) = &d.wazuh {
        let _ = writeln!(out, "  = {}: {w}", paint(BOLD, "wazuh"));
    }
    out.push('\n');
}

fn counts(findings: &[Diagnostic]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|d| d.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

fn summary(findings: &[Diagnostic], out: &mut String) {
    use std::fmt::Write as _;
    let (e, w, i) = counts(findings);
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    } else {
        let _ = writeln!(
            out,
            "Found {} finding(s): {e} error(s), {w} warning(s), {i} info.",
            findings.len()
        );
    }
}

fn statistics(findings: &[Diagnostic], out: &mut String) {
    use std::fmt::Write as _;
    let mut by: BTreeMap<&str, (usize, Severity, &str)> = BTreeMap::new();
    for d in findings {
        let e = by
            .entry(d.code)
            .or_insert((0, d.severity, d.message.as_str()));
        e.0 += 1;
    }
    for (code, (n, sev, msg)) in by {
        let _ = writeln!(out, "{n:>6}  {code}  {sev:<7}  e.g. {msg}");
    }
}

/// GitHub workflow commands: one annotation per finding.
fn github(d: &Diagnostic, out: &mut String) {
    use std::fmt::Write as _;
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    // Workflow-command escaping: % \r \n in the message, also , : in properties.
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    let mut msg = d.message.clone();
    if let Some(h) = &d.help {
        msg.push_str(&format!("\nhelp: {h}"));
    }
    match &d.span {
        Some(s) => {
            let _ = writeln!(
                out,
                "::{kind} file={},line={},col={},title={}::{}",
                prop(&s.file),
                s.line,
                s.column,
                prop(d.code),
                esc(&msg)
            );
        }
        None => {
            let _ = writeln!(out, "::{kind} title={}::{}", prop(d.code), esc(&msg));
        }
    }
}

/// SARIF's name of a severity.
fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0, one run, one reporting descriptor per code used.
pub fn sarif(findings: &[Diagnostic]) -> serde_json::Value {
    use serde_json::json;
    let mut rules: BTreeMap<&str, &Diagnostic> = BTreeMap::new();
    for d in findings {
        rules.entry(d.code).or_insert(d);
    }
    let codes: Vec<&str> = rules.keys().copied().collect();
    let location = |s: &rulelab_core::Span| {
        json!({ "physicalLocation": {
            "artifactLocation": { "uri": s.file.replace('\\', "/") },
            "region": { "startLine": s.line.max(1), "startColumn": s.column.max(1) }
        } })
    };
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|d| {
            let mut r = json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": { "text": match &d.help { Some(h) => format!("{} (help: {h})", d.message), None => d.message.clone() } },
            });
            if let Some(s) = &d.span {
                r["locations"] = json!([location(s)]);
            }
            if !d.related.is_empty() {
                r["relatedLocations"] = json!(d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, rel)| {
                        let mut l = location(&rel.span);
                        l["id"] = json!(i);
                        l["message"] = json!({ "text": rel.message });
                        l
                    })
                    .collect::<Vec<_>>());
            }
            r
        })
        .collect();
    let descriptors: Vec<serde_json::Value> = rules
        .iter()
        .map(|(code, d)| {
            json!({
                "id": code,
                "shortDescription": { "text": d.message },
                "helpUri": format!("https://github.com/rulelab/rulelab/blob/main/docs/codes/{}.md", code_page(code)),
                "defaultConfiguration": { "level": sarif_level(d.severity) },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rulelab",
                "informationUri": "https://github.com/rulelab/rulelab",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            } },
            "results": results,
        }],
    })
}

/// The docs/codes page of a code family.
fn code_page(code: &str) -> &'static str {
    match code.as_bytes().first() {
        Some(b'X') => "xml",
        Some(b'D') => "decoders",
        Some(b'R') => "rules",
        Some(b'T') => "tests",
        _ => "lint",
    }
}
