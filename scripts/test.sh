#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the browser (wasm32) builds, all tests, the inspector
# app's end-to-end test in a real window, and the web pages' test in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --app

# Test output is also collected here, so the run can end with one total over every test binary.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_tests() {
  "$@" 2>&1 | tee -a "$log"
}

echo "== rustfmt"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked -p foodpatrol-ui --target wasm32-unknown-unknown -- -D warnings

echo "== wasm32 builds (shared crate and UI)"
cargo build --locked -p foodpatrol-shared --target wasm32-unknown-unknown
cargo build --locked -p foodpatrol-ui --target wasm32-unknown-unknown

echo "== tests"
run_tests cargo test --locked --no-fail-fast

echo "== inspector app in a real window (Xvfb, tauri-driver)"
run_tests bash scripts/e2e.sh

echo "== inspector app shell (commands over IPC against a real server)"
run_tests cargo test --locked -p foodpatrol-app

echo "== web pages in headless Chromium (owner portal, console, QR page)"
run_tests bash scripts/web-e2e.sh

# Cargo prints "test result: ok. N passed; M failed"; node's spec reporter ends with "ℹ pass N" and "ℹ fail M".
cargo_passed=$(grep -o 'test result: [a-zA-Z]*\. [0-9]* passed' "$log" | awk '{total += $4} END {print total + 0}')
cargo_failed=$(grep -o '[0-9]* failed;' "$log" | awk '{total += $1} END {print total + 0}')
node_passed=$(grep -o '^ℹ pass [0-9]*' "$log" | awk '{total += $3} END {print total + 0}')
node_failed=$(grep -o '^ℹ fail [0-9]*' "$log" | awk '{total += $3} END {print total + 0}')
passed=$((cargo_passed + node_passed))
failed=$((cargo_failed + node_failed))
echo
echo "Tests: $passed passed, $failed failed"
