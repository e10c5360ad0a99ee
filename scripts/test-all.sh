#!/usr/bin/env bash
# Runs every test of rulelab. Idempotent: installs only what is missing.
# Usage: scripts/test-all.sh        (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: wasm32-unknown-unknown target"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

step "web and test tools (scripts/setup-web.sh installs only what is missing)"
scripts/setup-web.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (workspace: unit, integration, oracle and upstream suites)"
if [ ! -d ../shared ] && [ -z "${RULELAB_SHARED:-}" ]; then
  echo "note: ../shared (Wazuh 4.11.1 reference data) is absent: conformance tests will print SKIPPED"
fi
cargo test --workspace

step "rulelab test: the project's Falco suite"
cargo run --quiet -- test tests/falco

step "rulelab test: Wazuh 4.11.1's own suite (ruleset/testing/tests)"
wazuh="${RULELAB_SHARED:-../shared}/wazuh-4.11.1"
if [ -d "$wazuh/testing/tests" ]; then
  cargo run --quiet -- test --ruleset "$wazuh" --wazuh-harness | tail -n 3
else
  echo "SKIPPED: $wazuh is absent (Wazuh 4.11.1 reference data); the upstream suite did not run"
fi

step "rulelab-core builds for wasm32-unknown-unknown"
cargo build -p rulelab-core --target wasm32-unknown-unknown

step "rulelab-web: clippy for wasm32-unknown-unknown (the browser tests only build there)"
cargo clippy -p rulelab-web --target wasm32-unknown-unknown --all-targets -- -D warnings

step "the playground in the browser (scripts/test-web.sh)"
scripts/test-web.sh

step "all tests passed"
