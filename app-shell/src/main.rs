//! Desktop entry point of the inspector app; everything happens in the library.

// Without this, a release build on Windows opens a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    foodpatrol_app::run();
}
