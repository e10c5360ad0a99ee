//! `rulelab`: test Wazuh 4.11 decoders and rules offline.

// Diagnostics are the error type, as in the core; boxing them buys nothing.
#![allow(clippy::result_large_err)]

mod bench_cmd;
mod clock;
mod falco_cmd;
mod heap;
mod lint_cmd;
mod load;
mod output;
mod report;
mod suite;

use clap::{Parser, Subcommand, ValueEnum};

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rulelab",
    version,
    about = "Which Wazuh rule fires for this log? Answered offline, like wazuh-logtest (Wazuh 4.11.1)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode events and match them against rules, printing what
    /// wazuh-logtest would print. With no ruleset arguments, runs the embedded
    /// Falco example; with no events, reads the example's events (or stdin
    /// when a ruleset is given).
    Validate(ValidateArgs),
    /// Run test files in Wazuh's `.ini` format (ruleset/testing/tests) against
    /// a ruleset, as Wazuh's runtests.py does with a live manager. Exit
    /// status: 0 all passed, 1 a test failed, 2 bad input.
    Test(TestArgs),
    /// Lint rule, decoder and list files: every error, dropped rule and
    /// warning of Wazuh's loader, plus checks for mistakes Wazuh accepts.
    /// Exit status: 0 clean, 1 findings at or above --fail-level, 2 bad input.
    Lint(LintArgs),
    /// The Falco integration: write its files from one mapping, or check
    /// which rule and level each Falco priority reaches in a ruleset.
    #[command(subcommand)]
    Falco(FalcoCommand),
    /// Measure the performance workloads (single-threaded events/s,
    /// ruleset compile time and heap) on inputs generated from the
    /// reference data; see docs/performance.md.
    Bench(BenchArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    Text,
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The reference data folder (wazuh-4.11.1/, corpus/falco/); default
    /// $RULELAB_SHARED or ../shared.
    #[arg(long, value_name = "DIR")]
    pub shared: Option<PathBuf>,
    /// Events per workload.
    #[arg(long, default_value_t = 200_000)]
    pub events: usize,
    /// Compile runs of W3 (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub compile_runs: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: BenchFormat,
    /// Run only these workloads (repeatable: w1, w2, w3), e.g. to profile one.
    #[arg(long, value_name = "W")]
    pub only: Vec<String>,
    /// Also write the W1 and W2 inputs (ruleset sources, location, the N
    /// event lines) to DIR/w1.json and DIR/w2.json, for the wasm bench
    /// (scripts/bench-wasm.sh). They hold the reference data: keep DIR
    /// outside the repository.
    #[arg(long, value_name = "DIR")]
    pub write_inputs: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum FalcoCommand {
    /// Write the integration: Wazuh rules (and a decoder for syslog), the
    /// agent's <localfile> block and Falco's config fragment, from the
    /// default mapping, a --from file and flags; then verify them (they
    /// load, lint clean, and each priority reaches its rule).
    Init(FalcoInitArgs),
    /// Report which rule and level each Falco priority reaches in a
    /// ruleset, over the JSON and syslog transports, and which priorities
    /// raise no alert.
    Check(FalcoCheckArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FalcoTransportArg {
    /// Falco's file_output, read by the agent with log_format json.
    Json,
    /// Falco's syslog_output (program name falco), read from the syslog file.
    Syslog,
}

#[derive(clap::Args)]
pub struct FalcoInitArgs {
    /// A mapping file (TOML): base_id, groups, levels, description, field,
    /// value, transport, path, no_full_log, [[override]]. Flags override it.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Where to write the files.
    #[arg(long, short = 'o', value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Print the files instead of writing them.
    #[arg(long)]
    pub stdout: bool,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// The level-0 base rule's id (default 100600); priority rules follow it.
    #[arg(long, value_name = "ID")]
    pub base_id: Option<u32>,
    /// A group of every rule (repeatable; default falco).
    #[arg(long, value_name = "NAME")]
    pub group: Vec<String>,
    /// A priority's level, or `none` for no rule, e.g. `Debug=3` (repeatable).
    /// Default ladder: 16/14/12/10/8/6/4 from Emergency to Informational, Debug none.
    #[arg(long, value_name = "PRIORITY=LEVEL")]
    pub level: Vec<String>,
    /// The priority rules' description (default: the integration's
    /// `"Falco Alert - " $(output)`).
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// The extra field that marks Falco's alerts (default wazuh_integration).
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    /// Its value (default falco).
    #[arg(long, value_name = "VALUE")]
    pub value: Option<String>,
    /// How alerts reach the agent (default json).
    #[arg(long, value_enum)]
    pub transport: Option<FalcoTransportArg>,
    /// The file the agent reads (default /var/log/falco_events.json, or
    /// /var/log/syslog for syslog).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Keep full_log in the alerts (the integration sets no_full_log).
    #[arg(long)]
    pub full_log: bool,
    /// A Falco rule with its own Wazuh rule and level, e.g.
    /// "Terminal shell in container=10" (repeatable).
    #[arg(long = "override", value_name = "RULE=LEVEL")]
    pub r#override: Vec<String>,
}

#[derive(clap::Args)]
pub struct FalcoCheckArgs {
    /// Rule, decoder and list files or folders to check (sorted by kind as
    /// `rulelab lint` does), on rulelab's built-in decoders unless --ruleset
    /// or --no-builtin is given. With no PATHS and no ruleset options, the
    /// embedded Falco example is checked.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub ruleset: RulesetArgs,
    /// The extra field that marks Falco's alerts.
    #[arg(long, default_value = "wazuh_integration", value_name = "NAME")]
    pub field: String,
    /// Its value.
    #[arg(long, default_value = "falco", value_name = "VALUE")]
    pub value: String,
    /// Check one transport only (default: both).
    #[arg(long, value_enum)]
    pub transport: Option<FalcoTransportArg>,
    /// One JSON document instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// rustc-style messages with the source line underlined.
    Human,
    /// One JSON document with every diagnostic.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
    Info,
}

impl FailLevel {
    pub fn severity(self) -> rulelab_core::Severity {
        match self {
            FailLevel::Error => rulelab_core::Severity::Error,
            FailLevel::Warning => rulelab_core::Severity::Warning,
            FailLevel::Info => rulelab_core::Severity::Info,
        }
    }
}

#[derive(clap::Args)]
pub struct LintArgs {
    /// Files or folders to lint (rules, decoders, lists; a folder with rules/
    /// and decoders/ is read as a Wazuh ruleset).
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Context: a ruleset (and files) loaded with the linted files so that
    /// references into it resolve; its own findings are not reported.
    #[command(flatten)]
    pub ruleset: RulesetArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: LintFormat,
    /// Also print the number of findings per code.
    #[arg(long)]
    pub statistics: bool,
    /// Exit with status 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_level: FailLevel,
    /// A rulelab.toml to use (default: the nearest one above the first path).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Per file passed/failed, every failure, then totals and coverage.
    Text,
    /// One JSON document with every case.
    Json,
    /// JUnit XML for CI (one testsuite per file, one testcase per log key).
    Junit,
    /// Markdown tables (the conformance report, docs/conformance.md).
    Markdown,
}

#[derive(clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub ruleset: RulesetArgs,
    /// `.ini` files or folders of them (folders skip `*geoip.ini` unless
    /// --geoip). With --wazuh-harness and no PATHS: DIR/testing/tests of --ruleset DIR.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
    /// Install the extras of Wazuh's runtests.py, as it does on a manager:
    /// DIR/testing/ruleset/test_*rules.xml and test_*decoders.xml (DIR from
    /// --ruleset) load as local files, and rule 60000 is switched to
    /// `decoded_as json` for the Windows eventchannel tests.
    #[arg(long)]
    pub wazuh_harness: bool,
    /// Also run `*geoip.ini` files found in folders (runtests --geoip).
    #[arg(long)]
    pub geoip: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TestFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List the rules and decoders no test reached.
    #[arg(long)]
    pub list_uncovered: bool,
    /// Print every warning of the ruleset load (by default only a count).
    #[arg(long)]
    pub show_warnings: bool,
    /// The location of the events (wazuh-logtest uses stdin).
    #[arg(long, default_value = "stdin")]
    pub location: String,
    /// Host name used for lines without a syslog host (default: this machine's).
    #[arg(long, value_name = "NAME")]
    pub manager_name: Option<String>,
    /// Evaluate as if it were this UTC time (e.g. 2026-11-28T09:30:00Z) instead
    /// of the system clock: makes `<time>`, `<weekday>` and timeframes reproducible.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The standalone wazuh-logtest layout, then a summary.
    Text,
    /// One JSON document with every verdict and the summary.
    Json,
    /// One JSON verdict per line.
    Ndjson,
}

#[derive(clap::Args)]
pub struct RulesetArgs {
    /// A Wazuh ruleset root holding rules/, decoders/ and lists/ (e.g.
    /// /var/ossec/ruleset). Like Wazuh's default configuration,
    /// rules/0215-policy_rules.xml is excluded.
    #[arg(long, value_name = "DIR")]
    pub ruleset: Option<PathBuf>,
    /// A rules file or folder (its *.xml files), e.g. /var/ossec/etc/rules.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// A decoders file or folder, e.g. /var/ossec/etc/decoders.
    #[arg(long = "decoders", value_name = "PATH")]
    pub decoders: Vec<PathBuf>,
    /// A CDB list file or folder; a file is registered as etc/lists/NAME
    /// (the path a rule's <list> names).
    #[arg(long = "lists", value_name = "PATH")]
    pub lists: Vec<PathBuf>,
    /// Do not load rulelab's built-in decoders (loaded unless --ruleset is given).
    #[arg(long)]
    pub no_builtin: bool,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub ruleset: RulesetArgs,
    /// Event files, one log per line; `-` is stdin.
    #[arg(value_name = "EVENTS")]
    pub events: Vec<PathBuf>,
    /// The location of the events (wazuh-logtest -l).
    #[arg(long, default_value = "stdin")]
    pub location: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Host name used for lines without a syslog host (default: this machine's).
    #[arg(long, value_name = "NAME")]
    pub manager_name: Option<String>,
    /// Omit the summary after the events (text format).
    #[arg(long)]
    pub no_summary: bool,
    /// Evaluate as if it were this UTC time (e.g. 2026-11-28T09:30:00Z) instead
    /// of the system clock: makes `<time>`, `<weekday>` and timeframes reproducible.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Show how each event was evaluated: pre-decoding, every decoder tried
    /// and why, every rule tried with the first condition that failed. In
    /// text, a tree replaces the logtest layout; JSON gets an "explain" key.
    #[arg(long)]
    pub explain: bool,
    /// Say why rule ID did not fire for each event: its chain of parents and
    /// the first gate that stopped the event. Repeatable.
    #[arg(long, value_name = "ID")]
    pub explain_rule: Vec<u32>,
    /// Evaluate on N threads (0: one per core), keeping the output order.
    /// Only when no loaded rule or decoder links events (frequency,
    /// if_matched_*, ignore, check_diff, if_fts, accumulate); otherwise
    /// one thread, with a note on stderr saying why.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1)]
    pub jobs: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => match output::validate(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Lint(args) => match lint_cmd::run(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Falco(FalcoCommand::Init(args)) => match falco_cmd::init(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Falco(FalcoCommand::Check(args)) => match falco_cmd::check_cmd(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Bench(args) => match bench_cmd::run(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Test(args) => match suite::run(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
