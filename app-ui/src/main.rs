//! FoodPatrol inspector app UI (食安巡查), a Yew single-page app compiled to wasm32.
//!
//! It runs inside the Tauri shell's window and talks to the device core only through the commands
//! in `docs/APP-COMMANDS.md` (see [`services`]). In a plain browser it shows the sign-in screen
//! with a notice, or sample data with `?demo`.

mod app;
mod components;
mod demo_data;
mod i18n;
mod screens;
mod services;
mod web;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
