#!/usr/bin/env bash
# Builds the playground and serves it at http://127.0.0.1:8080 (the embedded
# Falco example opens by default). Installs the missing web tools first
# (scripts/setup-web.sh). Everything then runs in the browser; the server
# only hands out the static files. Stop with Ctrl+C.
# Usage: scripts/playground.sh [--build-only]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-web.sh
export PATH="$PWD/e2e/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ "${1:-}" = "--build-only" ]; then
  trunk build --release
  echo "built dist/: serve it with any static file server, e.g."
  echo "  python3 -m http.server -d dist 8080   then open http://127.0.0.1:8080/"
  exit 0
fi
echo "serving the playground at http://127.0.0.1:8080/"
exec trunk serve --release --address 127.0.0.1 --port 8080
