#!/usr/bin/env bash
# Runs the end-to-end window test (app-shell/tests/window.rs): builds the release app with the UI
# embedded, starts an Xvfb display and tauri-driver on free local ports, runs the ignored test and
# stops what it started on exit. With --bench it runs the window benchmark (app-shell/benches/ui.rs)
# in the same set-up instead of the test.
# Needs xvfb, webkit2gtk-driver (WebKitWebDriver), tauri-driver (`cargo install tauri-driver --locked`)
# and fonts-noto-cjk. Set FOODPATROL_E2E_SKIP_BUILD=1 to reuse an existing target/release/foodpatrol-app.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=test
case "${1:-}" in
  --bench) mode=bench ;;
  "") ;;
  *)
    echo "usage: scripts/e2e.sh [--bench]" >&2
    exit 2
    ;;
esac

for tool in Xvfb tauri-driver WebKitWebDriver curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "e2e: $tool is missing; see the header of scripts/e2e.sh for what to install." >&2
    exit 1
  fi
done

if [ "${FOODPATROL_E2E_SKIP_BUILD:-0}" != 1 ]; then
  scripts/build-app.sh
fi
app="$root/target/release/foodpatrol-app"
if [ ! -x "$app" ]; then
  echo "e2e: $app is missing; run scripts/build-app.sh first." >&2
  exit 1
fi

pids=()
work=$(mktemp -d)
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display number itself and writes it to the -displayfd pipe once it accepts clients.
mkfifo "$work/display"
Xvfb -displayfd 3 -screen 0 1280x1400x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
pids+=($!)
display=
read -r -t 15 display <"$work/display" || true
if [ -z "$display" ]; then
  echo "e2e: Xvfb did not report a display within 15 s; its log:" >&2
  cat "$work/xvfb.log" >&2
  exit 1
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
native_port=$(free_port)

# tauri-driver starts WebKitWebDriver, which starts the app with this environment: the app's
# device store goes to a fresh folder that the test can also read.
data_dir="$work/app-data"
mkdir -p "$data_dir"
DISPLAY=":$display" FOODPATROL_DATA_DIR="$data_dir" \
  tauri-driver --port "$port" --native-port "$native_port" >"$work/tauri-driver.log" 2>&1 &
pids+=($!)
driver="http://127.0.0.1:$port"
# curl retries once a second until tauri-driver and its WebKitWebDriver respond, for at most 15 s.
if ! curl -fsS --retry 15 --retry-all-errors --retry-delay 1 --retry-max-time 15 "$driver/status" >/dev/null; then
  echo "e2e: tauri-driver did not respond on $driver/status within 15 s; its log:" >&2
  cat "$work/tauri-driver.log" >&2
  exit 1
fi

status=0
if [ "$mode" = bench ]; then
  FOODPATROL_E2E_DRIVER="$driver" FOODPATROL_E2E_APP="$app" FOODPATROL_E2E_DATA_DIR="$data_dir" \
    cargo bench --locked -p foodpatrol-app --bench ui || status=$?
else
  FOODPATROL_E2E_DRIVER="$driver" FOODPATROL_E2E_APP="$app" FOODPATROL_E2E_DATA_DIR="$data_dir" \
    cargo test --locked -p foodpatrol-app --test window -- --ignored --nocapture || status=$?
fi
if [ "$status" != 0 ]; then
  echo "e2e: the window $mode failed; tauri-driver log:" >&2
  tail -n 50 "$work/tauri-driver.log" >&2
fi
exit "$status"
