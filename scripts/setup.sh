#!/usr/bin/env bash
# Installs what FoodPatrol's build, demo and tests need on Debian or Ubuntu. Safe to run again:
# it installs only what is missing. With --app it also installs what the inspector app's build and
# its window test need (WebKitGTK, a virtual display, WebDriver, a CJK font, wasm-bindgen, tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/.."
with_app=0
[ "${1:-}" = "--app" ] && with_app=1

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

packages=()
command -v cc >/dev/null 2>&1 || packages+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
command -v git >/dev/null 2>&1 || packages+=(git)
command -v curl >/dev/null 2>&1 || packages+=(curl)
# The QR sheet and result-record tests read the server's PDFs with pdftotext and pdftoppm. poppler-data
# maps the PDFs' non-embedded Chinese font (STSong-Light) to an installed one.
for package in poppler-utils poppler-data; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || packages+=("$package")
done
# The inspector app (Tauri 2): WebKitGTK and friends, and for its window test a virtual display,
# the WebKit WebDriver and a CJK font so Chinese text renders.
# The web pages' browser test (scripts/web-e2e.sh): Debian's Chromium, driven by playwright-core on Node.js.
app_packages=(libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev \
  libssl-dev file webkit2gtk-driver xvfb xauth fonts-noto-cjk chromium)
if [ "$with_app" = 1 ] && ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
if [ "$with_app" = 1 ]; then
  for package in "${app_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || packages+=("$package")
  done
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "setup: installing ${packages[*]}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing. Install Rust 1.89 or newer with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# The shared crate and the Yew UI are also built for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy

[ "$with_app" = 1 ] || exit 0

# Tools the inspector app's build and window test run: wasm-bindgen at the version in Cargo.lock,
# and tauri-driver.
wasm_bindgen=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen" ]; then
  echo "setup: installing wasm-bindgen-cli $wasm_bindgen"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen"
fi
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --version 2.1.0

# The browser test's Node packages (playwright-core, fflate) at the versions in package-lock.json.
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/fflate ]; then
  echo "setup: installing the Node packages of package-lock.json"
  npm ci --no-audit --no-fund
fi
