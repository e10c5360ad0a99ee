#!/usr/bin/env bash
# Workload W4 of issue 8: the engine in wasm in headless Chromium on W1 and
# W2, next to the native bench on the same inputs (events/s, the ratio, and
# equal alert counts). A benchmark, not a test.
#   1. the release CLI (cargo build --release): the native numbers and the
#      inputs (rulelab bench --write-inputs, into a temporary folder);
#   2. the release playground (trunk build --release into dist/), which
#      exports rulelabBench to page JS (crates/web/src/bench.rs);
#   3. e2e/bench-wasm.mjs: both benches, then the table.
# Needs the reference data (../shared or $RULELAB_SHARED). Installs missing
# web tools first (scripts/setup-web.sh).
# Usage: scripts/bench-wasm.sh [--w1 N] [--w2 N] [--runs R] [--only w1|w2]
#                              [--format text|markdown|json]
#   (defaults: --w1 50000 --w2 20000 --runs 3; set SKIP_BUILD=1 to reuse
#    target/release/rulelab and dist/ as they are)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SKIP_BUILD:-}" ]; then
  scripts/setup-web.sh >&2
  export PATH="$PWD/e2e/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  # Build both from the same sources, so native and wasm run the same engine.
  cargo build --release -p rulelab >&2
  trunk build --release >&2
fi
exec node e2e/bench-wasm.mjs "$@"
