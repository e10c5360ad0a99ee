//! CLI integration tests: one binary, a small harness, one module per
//! subcommand.

mod explain;
mod falco;
mod lint;
mod test_cmd;
mod validate;

use assert_cmd::Command;

/// The `rulelab` binary under test.
pub fn rulelab() -> Command {
    Command::cargo_bin("rulelab").expect("binary built")
}

/// Runs `rulelab` with `args`, requires success, returns stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = rulelab()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}

/// Standard output of a finished command, whatever its exit status.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The reference folder: `RULELAB_SHARED`, else `../shared` next to the
/// checkout, if present.
pub fn shared_dir() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("RULELAB_SHARED") {
        let p = std::path::PathBuf::from(p);
        if p.join("spec").is_dir() {
            return Some(p);
        }
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.join("spec").is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared (Wazuh 4.11.1 reference data) is absent");
        None
    }
}
