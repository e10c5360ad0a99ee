//! `rulelab test`: run `.ini` test files (Wazuh's runtests.py format) against
//! a ruleset and report per file, per failure, and coverage.

use crate::clock;
use crate::load;
use crate::output::print_diagnostic;
use crate::report;
use crate::TestArgs;
use indicatif::{ProgressBar, ProgressStyle};
use rulelab_core::suite::{self, harness, CaseOutcome, Coverage, RunOptions, TestFile};
use rulelab_core::{Diagnostic, Ruleset, SessionOptions, Severity, Sources};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One test file after running it.
pub struct FileRun {
    /// The path as given or found.
    pub path: String,
    /// The parsed file, or why it could not be read or parsed.
    pub file: Result<TestFile, Diagnostic>,
    /// One outcome per case, in file order (sections, then keys).
    pub outcomes: Vec<CaseOutcome>,
}

impl FileRun {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

/// Everything the reports need.
pub struct SuiteRun<'r> {
    pub ruleset: &'r Ruleset,
    pub files: Vec<FileRun>,
    pub coverage: Coverage,
    /// Warnings raised while loading the ruleset.
    pub load_warnings: usize,
}

impl SuiteRun<'_> {
    pub fn totals(&self) -> (usize, usize) {
        let passed = self.files.iter().map(FileRun::passed).sum();
        let failed = self.files.iter().map(FileRun::failed).sum();
        (passed, failed)
    }
    pub fn file_errors(&self) -> usize {
        self.files.iter().filter(|f| f.file.is_err()).count()
    }
}

/// The `.ini` files named by `paths`: files as given, folders' `*.ini`
/// (sorted; `*geoip.ini` only with `geoip`, as runtests does, R9.1.3).
fn test_files(paths: &[PathBuf], geoip: bool) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries =
                fs::read_dir(p).map_err(|e| format!("{}: cannot list: {e}", p.display()))?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    f.is_file()
                        && name.ends_with(".ini")
                        && (geoip || harness::is_default_test_file(&name))
                })
                .collect();
            found.sort();
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

/// The sources of the ruleset arguments, plus runtests.py's extras when
/// `--wazuh-harness` is given (rules.md §9.1).
fn sources(args: &TestArgs) -> Result<Sources, String> {
    let mut s = load::sources(&args.ruleset)?;
    if !args.wazuh_harness {
        return Ok(s);
    }
    let testing = harness_dir(args)?;
    // R9.1.2: rule 60000 switched to `decoded_as json`.
    if let Some(src) = s.rules.iter_mut().find(|r| {
        Path::new(&r.name)
            .file_name()
            .is_some_and(|n| n == harness::WINDOWS_BASE_RULES)
    }) {
        if let Some(patched) = harness::patch_windows_eventchannel(&src.text) {
            src.text = patched;
        }
    }
    // R9.1.1: the test rules and decoders as local files.
    let dir = testing.join("ruleset");
    let entries = fs::read_dir(&dir).map_err(|e| format!("{}: cannot list: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    for p in files {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if harness::is_extra_rules_file(&name) {
            s.rules.push(rulelab_core::Source::new(
                p.display().to_string(),
                load::read_text(&p)?,
            ));
        } else if harness::is_extra_decoders_file(&name) {
            s.decoders.push(rulelab_core::Source::new(
                p.display().to_string(),
                load::read_text(&p)?,
            ));
        }
    }
    Ok(s)
}

/// `<ruleset>/testing`, the layout of Wazuh's source tree (`ruleset/testing`).
fn harness_dir(args: &TestArgs) -> Result<PathBuf, String> {
    let Some(root) = &args.ruleset.ruleset else {
        return Err("--wazuh-harness needs --ruleset DIR (it uses DIR/testing/ruleset and, with no PATHS, DIR/testing/tests)".into());
    };
    let dir = root.join("testing");
    if dir.join("ruleset").is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{}: no testing/ruleset folder (Wazuh's source tree has ruleset/testing next to ruleset/rules)",
            root.display()
        ))
    }
}

pub fn run(args: &TestArgs) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        if !args.wazuh_harness {
            return Err(
                "no test files given (PATHS), and no --wazuh-harness to run Wazuh's own suite"
                    .into(),
            );
        }
        vec![harness_dir(args)?.join("tests")]
    } else {
        args.paths.clone()
    };
    let files = test_files(&paths, args.geoip)?;
    let sources = sources(args)?;
    let loaded = Ruleset::load(&sources);
    let stderr = io::stderr();
    let mut err = stderr.lock();
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    for d in &loaded.diagnostics {
        if d.is_error() || args.show_warnings {
            let _ = print_diagnostic(d, &sources, &mut err);
        }
    }
    let Some(ruleset) = loaded.ruleset else {
        let _ = writeln!(
            err,
            "error: the ruleset does not load ({errors} error(s)); Wazuh would refuse it too"
        );
        return Ok(ExitCode::from(2));
    };
    if warnings > 0 && !args.show_warnings {
        let _ = writeln!(
            err,
            "note: the ruleset loaded with {warnings} warning(s) (Wazuh logs them too); --show-warnings lists them"
        );
    }
    drop(err);

    // Parse every file first so the progress bar knows the total.
    let mut runs: Vec<FileRun> = files
        .iter()
        .map(|p| {
            let path = p.display().to_string();
            let file = load::read_text(p)
                .map_err(|e| Diagnostic::error("T000", e))
                .and_then(|text| TestFile::parse(&path, &text));
            FileRun {
                path,
                file,
                outcomes: Vec::new(),
            }
        })
        .collect();
    let total: usize = runs
        .iter()
        .filter_map(|r| r.file.as_ref().ok())
        .map(TestFile::case_count)
        .sum();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = RunOptions {
        session: SessionOptions {
            manager_name: args.manager_name.clone().unwrap_or_else(load::manager_name),
        },
        location: args.location.clone(),
        now: match &args.now {
            Some(t) => clock::parse(t)?,
            None => clock::system(),
        },
    };
    let mut coverage = Coverage::new(&ruleset);
    for run in &mut runs {
        let Ok(file) = &run.file else { continue };
        bar.set_message(run.path.clone());
        for section in &file.sections {
            for case in &section.cases {
                run.outcomes.push(suite::run_case(
                    &ruleset,
                    section,
                    case,
                    &options,
                    Some(&mut coverage),
                ));
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();

    let result = SuiteRun {
        ruleset: &ruleset,
        files: runs,
        coverage,
        load_warnings: warnings,
    };
    let text = report::render(&result, args);
    match &args.output {
        Some(path) => fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?,
        None => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| e.to_string())?;
        }
    }
    // Unreadable or malformed test files are bad input; print them where a
    // human sees them whatever the format.
    if result.file_errors() > 0 {
        let stderr = io::stderr();
        let mut err = stderr.lock();
        for f in &result.files {
            if let Err(d) = &f.file {
                let _ = print_diagnostic(d, &Sources::default(), &mut err);
            }
        }
        return Ok(ExitCode::from(2));
    }
    let (_, failed) = result.totals();
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
