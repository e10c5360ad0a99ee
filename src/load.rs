//! Reading ruleset files from disk into `Sources` (the core does no I/O).

use crate::RulesetArgs;
use rulelab_core::{defaults, Source, Sources};
use std::fs;
use std::path::{Path, PathBuf};

use rulelab_core::classify::DEFAULT_RULE_EXCLUDES;

pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    // Wazuh works on bytes; rulelab keeps text, converting invalid UTF-8 lossily.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn xml_files(path: &Path, excludes: &[&str]) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let mut out = Vec::new();
        let entries =
            fs::read_dir(path).map_err(|e| format!("{}: cannot list: {e}", path.display()))?;
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // Wazuh's default pattern `.xml$` (case-insensitive), non-recursive.
            if p.is_file()
                && name.to_ascii_lowercase().ends_with(".xml")
                && !excludes.contains(&name.as_str())
            {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    } else if path.is_file() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(format!("{}: no such file or directory", path.display()))
    }
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: cannot list: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            list_files(root, &p, out)?;
        } else if p.extension().is_none_or(|e| e != "cdb") {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((format!("etc/lists/{rel}"), p));
        }
    }
    Ok(())
}

fn add_lists(path: &Path, sources: &mut Sources) -> Result<(), String> {
    let mut files = Vec::new();
    if path.is_dir() {
        list_files(path, path, &mut files)?;
    } else if path.is_file() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((format!("etc/lists/{name}"), path.to_path_buf()));
    } else {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    for (name, p) in files {
        sources.lists.push(Source::new(name, read_text(&p)?));
    }
    Ok(())
}

/// Whether any ruleset argument was given.
pub fn has_ruleset(args: &RulesetArgs) -> bool {
    args.ruleset.is_some()
        || !args.rules.is_empty()
        || !args.decoders.is_empty()
        || !args.lists.is_empty()
}

/// Collects the sources named by the arguments, or the embedded example.
pub fn sources(args: &RulesetArgs) -> Result<Sources, String> {
    if !has_ruleset(args) {
        return Ok(defaults::falco_example());
    }
    let mut s = Sources::default();
    if args.ruleset.is_none() && !args.no_builtin {
        s.decoders.extend(defaults::decoder_sources());
        s.rules.extend(defaults::rule_sources());
    }
    if let Some(root) = &args.ruleset {
        for p in xml_files(&root.join("decoders"), &[])? {
            s.decoders
                .push(Source::new(p.display().to_string(), read_text(&p)?));
        }
        for p in xml_files(&root.join("rules"), &DEFAULT_RULE_EXCLUDES)? {
            s.rules
                .push(Source::new(p.display().to_string(), read_text(&p)?));
        }
        let lists = root.join("lists");
        if lists.is_dir() {
            add_lists(&lists, &mut s)?;
        }
    }
    for d in &args.decoders {
        for p in xml_files(d, &[])? {
            s.decoders
                .push(Source::new(p.display().to_string(), read_text(&p)?));
        }
    }
    for r in &args.rules {
        for p in xml_files(r, &[])? {
            s.rules
                .push(Source::new(p.display().to_string(), read_text(&p)?));
        }
    }
    for l in &args.lists {
        add_lists(l, &mut s)?;
    }
    Ok(s)
}

/// The manager's short host name (decoding.md R4.7.2: cut at the first `.`).
pub fn manager_name() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "rulelab".to_string());
    let name = raw.trim().split('.').next().unwrap_or("").to_string();
    if name.is_empty() {
        "rulelab".to_string()
    } else {
        name
    }
}
