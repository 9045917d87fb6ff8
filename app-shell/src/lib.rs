//! FoodPatrol inspector app (食安巡查): the Tauri 2 shell around the device core.
//!
//! The Yew UI (`app-ui/`) talks to the shell only through the commands of `docs/APP-COMMANDS.md`
//! ([`commands`]). Each one is a thin wrapper over [`foodpatrol_device::Device`], which keeps every record
//! in SQLite and syncs it. Besides the commands, the shell serves stored photos over the `photo` URI
//! scheme ([`photos`]), reads shop QR codes from photos on desktops ([`qr`]), and syncs in the background
//! ([`autosync`]).
//!
//! [`run_app`] takes the Tauri builder as an argument, so tests build the same app on
//! `tauri::test::mock_builder()` without a window or a display.

pub mod autosync;
pub mod commands;
pub mod error;
pub mod photos;
pub mod qr;
pub mod state;

use std::sync::Arc;

use tauri::{App, Builder, Context, Manager, Runtime};

pub use error::{CommandError, CommandResult};
pub use state::{AppState, Settings, StartError};

/// Log filter when `RUST_LOG` is unset. The device core logs every failed sync attempt at info level,
/// which while offline would be one line per automatic sync; [`autosync`] logs state changes instead.
const DEFAULT_LOG_FILTER: &str = "info,foodpatrol_device::sync_client=warn";

/// Starts the app on the platform's webview and runs it until the last window closes.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    init_tracing();
    let app = match run_app(tauri::Builder::default(), Settings::from_env()) {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "the app could not start");
            std::process::exit(1);
        }
    };
    app.run(|_, _| {});
}

/// Builds the app with the configuration and UI bundle embedded at compile time.
pub fn run_app<R: Runtime>(builder: Builder<R>, settings: Settings) -> Result<App<R>, StartError> {
    build_app(builder, settings, tauri::generate_context!())
}

/// Builds the app: registers the commands and the `photo` scheme, opens the device store and, if
/// `settings.auto_sync`, starts the background sync. The store opens before any window exists, so the
/// first command already finds it.
pub fn build_app<R: Runtime>(
    builder: Builder<R>,
    settings: Settings,
    context: Context<R>,
) -> Result<App<R>, StartError> {
    let builder = builder
        .invoke_handler(commands::handler())
        .register_asynchronous_uri_scheme_protocol(photos::SCHEME, photos::handle);
    // On phones the barcode scanner plugin reads shop codes with the camera; desktops use `shop_from_qr`.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    let app = builder.build(context)?;

    let state = AppState::open(app.handle(), &settings)?;
    if settings.auto_sync {
        autosync::start(
            app.handle().clone(),
            Arc::clone(&state.device),
            Arc::clone(&state.sync),
        );
    }
    app.manage(state);
    Ok(app)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    // Fails only if a subscriber is already installed, which is then the one to keep.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
