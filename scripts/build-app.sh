#!/usr/bin/env bash
# Builds the inspector desktop app with the UI embedded: the Yew UI for wasm32, its JS glue
# (wasm-bindgen), then the Tauri shell with the `custom-protocol` feature.
# Output: target/release/foodpatrol-app. Needs the Tauri system libraries (see docs/MOBILE.md)
# and wasm-bindgen-cli at the version of the wasm-bindgen crate in Cargo.lock.
#
# With --ui-only it stops after writing app-ui/dist, for the Tauri CLI's mobile builds
# (`npx tauri android build` compiles the shell itself).
set -euo pipefail
cd "$(dirname "$0")/.."

ui_only=false
case "${1:-}" in
  --ui-only) ui_only=true ;;
  "") ;;
  *)
    echo "usage: scripts/build-app.sh [--ui-only]" >&2
    exit 2
    ;;
esac

dist=app-ui/dist

for file in app-ui/index.html app-ui/styles.css; do
  if [ ! -f "$file" ]; then
    echo "build-app: $file is missing; the UI's page and stylesheet must exist before the app can be built." >&2
    exit 1
  fi
done

wanted=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if ! command -v wasm-bindgen >/dev/null 2>&1; then
  echo "build-app: wasm-bindgen is missing. Install it with: cargo install wasm-bindgen-cli --version $wanted" >&2
  exit 1
fi
installed=$(wasm-bindgen --version | awk '{print $2}')
if [ "$installed" != "$wanted" ]; then
  echo "build-app: wasm-bindgen $installed is installed, but Cargo.lock uses $wanted; the two must match." >&2
  echo "build-app: run: cargo install wasm-bindgen-cli --version $wanted" >&2
  exit 1
fi

echo "== UI (wasm32)"
cargo build --locked --release -p foodpatrol-ui --target wasm32-unknown-unknown

# Cargo names the module after the target: foodpatrol-ui.wasm for the UI's binary target,
# foodpatrol_ui.wasm if the UI becomes a cdylib library.
wasm=
for candidate in target/wasm32-unknown-unknown/release/foodpatrol-ui.wasm \
  target/wasm32-unknown-unknown/release/foodpatrol_ui.wasm; do
  if [ -f "$candidate" ] && { [ -z "$wasm" ] || [ "$candidate" -nt "$wasm" ]; }; then
    wasm=$candidate
  fi
done
if [ -z "$wasm" ]; then
  echo "build-app: the UI build wrote no foodpatrol-ui.wasm or foodpatrol_ui.wasm under target/wasm32-unknown-unknown/release" >&2
  exit 1
fi

# Write into a staging folder first, so a failed step leaves the previous app-ui/dist in place.
echo "== UI glue (wasm-bindgen $installed) from $wasm into $dist"
staging=target/app-ui-dist
rm -rf "$staging"
mkdir -p "$staging"
wasm-bindgen --target web --no-typescript --out-dir "$staging" --out-name foodpatrol_ui "$wasm"
cp app-ui/index.html app-ui/styles.css "$staging"/
rm -rf "$dist"
mv "$staging" "$dist"
if [ "$ui_only" = true ]; then
  echo "build-app: wrote $dist"
  exit 0
fi

echo "== shell (Tauri, UI embedded)"
cargo build --locked --release -p foodpatrol-app --features custom-protocol

echo "build-app: built target/release/foodpatrol-app"
