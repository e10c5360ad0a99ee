//! CLI integration tests: one binary, a small harness, one module per
//! subcommand.

mod validate;

use assert_cmd::Command;

/// The `rulelab` binary under test.
pub fn rulelab() -> Command {
    Command::cargo_bin("rulelab").expect("binary built")
}

/// `../shared` next to the checkout, if present.
pub fn shared_dir() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.join("spec").is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared (Wazuh 4.11.1 reference data) is absent");
        None
    }
}
