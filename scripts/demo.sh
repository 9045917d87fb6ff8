#!/usr/bin/env bash
# Runs the end-to-end demo on the embedded default (SQLite and local files in ./demo-data).
# Extra arguments go to the demo, for example: scripts/demo.sh --data /tmp/foodpatrol-demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --release --locked -p xtask -- demo "$@"
