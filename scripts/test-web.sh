#!/usr/bin/env bash
# Browser tests of the playground:
#   1. wasm-bindgen-test tests of crates/web in headless Chromium;
#   2. a release build with Trunk, its bundle size (wasm + js, gzip -9);
#   3. the end-to-end test of the built site (e2e/playground.test.mjs).
# Installs missing tools first (scripts/setup-web.sh).
# Usage: scripts/test-web.sh    (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "web tools (installs only what is missing)"
scripts/setup-web.sh
export PATH="$PWD/e2e/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step "wasm-bindgen-test: crates/web in headless Chromium"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p rulelab-web --target wasm32-unknown-unknown

step "trunk build (release) and bundle size"
trunk build --release
size=$(cat dist/*.wasm dist/*.js | gzip -9 | wc -c)
printf 'bundle: %s bytes gzip -9 (wasm + js; limit 1048576)\n' "$size"
if [ "$size" -gt 1048576 ]; then
  echo "error: the bundle is over 1 MB" >&2
  exit 1
fi

step "end-to-end: the built playground in headless Chromium"
node e2e/playground.test.mjs
