//! Build script: generates the `allow-<command>` permission of every app command and checks that the
//! UI bundle exists, because `tauri::generate_context!` embeds `app-ui/dist` at compile time.

use std::path::Path;

include!("src/commands/names.rs");

const UI_DIST: &str = "../app-ui/dist";

fn main() {
    println!("cargo:rerun-if-changed={UI_DIST}");
    if !Path::new(UI_DIST).join("index.html").is_file() {
        panic!(
            "app-ui/dist/index.html is missing, and the shell embeds app-ui/dist at compile time. \
             Run scripts/build-app.sh to build the UI, or, to compile only the shell, create \
             app-ui/dist/index.html with any placeholder content (app-ui/dist is git-ignored)."
        );
    }

    let manifest = tauri_build::AppManifest::new().commands(COMMAND_NAMES);
    let attributes = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
