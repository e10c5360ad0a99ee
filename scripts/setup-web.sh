#!/usr/bin/env bash
# Installs what the playground build and its browser tests need, skipping
# whatever is already there (idempotent; CI runs it on every build):
#   - the wasm32-unknown-unknown target
#   - trunk 0.21.14 (0.22 needs a newer rustc)
#   - wasm-bindgen-cli 0.2.130, equal to the wasm-bindgen crate (not --locked:
#     its lock file names a crate version crates.io no longer has)
#   - Debian's chromium and chromium-driver (never a downloaded browser)
#   - e2e/node_modules: playwright-core (drives /usr/bin/chromium), npm's
#     binaryen 132 (wasm-opt; Debian's binaryen is too old for current rustc)
#     and @microsoft/jest-sarif (the SARIF 2.1.0 schema for the lint tests)
# Usage: scripts/setup-web.sh    then: export PATH="$PWD/e2e/node_modules/.bin:$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '  setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if trunk --version 2>/dev/null | grep -q '0\.21\.14'; then
  say "trunk 0.21.14 present"
else
  cargo install trunk --version 0.21.14 --locked
fi
if wasm-bindgen --version 2>/dev/null | grep -q '0\.2\.130'; then
  say "wasm-bindgen-cli 0.2.130 present"
else
  cargo install wasm-bindgen-cli --version 0.2.130
fi
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  say "chromium and chromedriver present"
else
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver
fi
if [ -x e2e/node_modules/.bin/wasm-opt ] && [ -d e2e/node_modules/playwright-core ] \
  && [ -d e2e/node_modules/@microsoft/jest-sarif ]; then
  say "e2e/node_modules present"
else
  (cd e2e && npm ci --no-audit --no-fund)
fi
