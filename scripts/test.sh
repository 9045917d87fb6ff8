#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the browser (wasm32) builds, all tests, and the
# inspector app's end-to-end test in a real window.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --app

echo "== rustfmt"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked -p foodpatrol-ui --target wasm32-unknown-unknown -- -D warnings

echo "== wasm32 builds (shared crate and UI)"
cargo build --locked -p foodpatrol-shared --target wasm32-unknown-unknown
cargo build --locked -p foodpatrol-ui --target wasm32-unknown-unknown

echo "== tests"
cargo test --locked --no-fail-fast

echo "== inspector app in a real window (Xvfb, tauri-driver)"
bash scripts/e2e.sh

echo "== inspector app shell (commands over IPC against a real server)"
cargo test --locked -p foodpatrol-app
