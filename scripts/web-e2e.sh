#!/usr/bin/env bash
# Browser end-to-end test (tests/web/portal.spec.mjs): Playwright drives headless Chromium against
# the real sync server on 127.0.0.1.
#
#   scripts/web-e2e.sh               every step: owner portal, inspector review, console, QR page
#   scripts/web-e2e.sh --only owner  the owner portal and the inspector's review only
#
# Steps: build the server and xtask, and prepare a fresh demo data folder with an open
# rectification task (`xtask demo --stop-before-proof`). Then serve it on the address the demo's
# devices are signed in to, wait for /healthz, run the test with node and stop the server.
# Needs node 20+, `npm ci` (playwright-core, fflate), Chromium (`apt-get install chromium`) and, for
# readable screenshots, fonts-noto-cjk. Set CHROMIUM to use another browser binary.
# Screenshots: target/web-screenshots/*.png. Set FOODPATROL_WEB_KEEP=1 to keep the data folder.
# Set FOODPATROL_SERVER_BIN and FOODPATROL_XTASK_BIN to test prebuilt binaries without cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

only=all
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:-}; shift 2 || { echo "web-e2e: --only needs owner or all" >&2; exit 2; } ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "web-e2e: unknown option $1 (try --only owner)" >&2; exit 2 ;;
  esac
done
case "$only" in
  all|owner) ;;
  *) echo "web-e2e: --only $only is not a step group; use owner or all" >&2; exit 2 ;;
esac

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "web-e2e: $chromium is missing; install it with: apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
for tool in node curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "web-e2e: $tool is missing; see the header of scripts/web-e2e.sh" >&2
    exit 1
  fi
done
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/fflate ]; then
  echo "web-e2e: node packages are missing; run: npm ci" >&2
  exit 1
fi

work=$(mktemp -d)
data="$work/data"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${FOODPATROL_WEB_KEEP:-0}" = 1 ]; then
    echo "web-e2e: kept the data folder and logs in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

if [ -n "${FOODPATROL_SERVER_BIN:-}" ] && [ -n "${FOODPATROL_XTASK_BIN:-}" ]; then
  server_bin=$FOODPATROL_SERVER_BIN
  xtask_bin=$FOODPATROL_XTASK_BIN
else
  cargo build --locked -p foodpatrol-server -p xtask
  target=${CARGO_TARGET_DIR:-$root/target}
  case "$target" in /*) ;; *) target="$root/$target" ;; esac
  server_bin="$target/debug/foodpatrol-server"
  xtask_bin="$target/debug/xtask"
fi

echo "web-e2e: preparing the demo data in $data"
if ! "$xtask_bin" demo --data "$data" --stop-before-proof >"$work/demo.log" 2>&1; then
  echo "web-e2e: the demo failed; its output:" >&2
  tail -n 40 "$work/demo.log" >&2
  exit 1
fi
addr=$(cat "$data/server-address")
base="http://$addr"

# The demo's devices are signed in to this address, so the server must listen there again.
"$server_bin" --data "$data/server" serve --listen "$addr" >"$work/server.log" 2>&1 &
server_pid=$!
# Poll /healthz until the server answers; stop early if it exited (for example, the port is taken).
ready=0
for _ in $(seq 1 300); do
  if curl -fsS --max-time 1 "$base/healthz" >/dev/null 2>&1; then
    ready=1
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ "$ready" != 1 ]; then
  echo "web-e2e: the server did not become ready on $base; its log:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi
echo "web-e2e: server ready on $base"

status=0
FOODPATROL_WEB_URL="$base" FOODPATROL_DATA_DIR="$data" FOODPATROL_XTASK="$xtask_bin" \
  FOODPATROL_WEB_ONLY="$only" CHROMIUM="$chromium" \
  node --test --test-reporter=spec tests/web/portal.spec.mjs || status=$?
if [ "$status" != 0 ]; then
  echo "web-e2e: the browser test failed; the server log ends with:" >&2
  tail -n 30 "$work/server.log" >&2
fi
echo "web-e2e: screenshots in $root/target/web-screenshots"
exit "$status"
