//! State of the running shell: the open device store, the sync coordinator and the start-up settings,
//! shared by every command through Tauri's managed state.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use foodpatrol_device::{Device, DeviceError};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};

use crate::autosync::SyncCoordinator;

/// Environment variable that overrides the folder of the device store (tests, several profiles on one desktop).
pub const DATA_DIR_ENV: &str = "FOODPATROL_DATA_DIR";
/// Environment variable that overrides the sign-in screen's default server URL.
pub const SERVER_URL_ENV: &str = "FOODPATROL_SERVER_URL";
/// The sign-in screen's default server when [`SERVER_URL_ENV`] is unset: a sync server on this machine.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";
/// File name of the device store inside the data folder.
pub const DEVICE_FILE: &str = "device.sqlite";

/// Start-up settings, read once from the environment by [`Settings::from_env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Folder of the device store; `None` uses the platform's app data folder.
    pub data_dir: Option<PathBuf>,
    pub default_server_url: String,
    /// Whether to start the background sync loop; tests switch it off to stay deterministic.
    pub auto_sync: bool,
}

impl Settings {
    /// Reads [`DATA_DIR_ENV`] and [`SERVER_URL_ENV`]; empty values count as unset.
    pub fn from_env() -> Settings {
        let non_empty = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        Settings {
            data_dir: non_empty(DATA_DIR_ENV).map(PathBuf::from),
            default_server_url: non_empty(SERVER_URL_ENV).unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned()),
            auto_sync: true,
        }
    }
}

/// Result of the `app_info` command, for the sign-in and about screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    pub version: String,
    pub default_server_url: String,
    /// Folder that contains the device store, for support staff who need to copy it.
    pub data_dir: PathBuf,
    /// Whether the barcode scanner plugin is registered (mobile builds), so the UI opens the camera
    /// scanner instead of asking for a photo.
    pub camera_scanner: bool,
}

/// State shared by every command.
#[derive(Debug)]
pub struct AppState {
    pub device: Arc<Device>,
    pub sync: Arc<SyncCoordinator>,
    pub info: AppInfo,
}

/// Start-up failure of the app.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot find the app data folder: {0}")]
    DataDir(#[source] tauri::Error),
    #[error("cannot create the data folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the device store {path}: {source}")]
    OpenStore {
        path: PathBuf,
        #[source]
        source: DeviceError,
    },
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
}

impl AppState {
    /// Opens the device store in the configured folder (created if missing).
    pub fn open<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<AppState, StartError> {
        let data_dir = match &settings.data_dir {
            Some(dir) => dir.clone(),
            None => app.path().app_data_dir().map_err(StartError::DataDir)?,
        };
        let device = open_device(&data_dir)?;
        tracing::info!(data_dir = %data_dir.display(), "device store open");
        Ok(AppState {
            device: Arc::new(device),
            sync: Arc::new(SyncCoordinator::new()),
            info: AppInfo {
                version: app.package_info().version.to_string(),
                default_server_url: settings.default_server_url.clone(),
                data_dir,
                camera_scanner: cfg!(mobile),
            },
        })
    }
}

/// Opens `<data_dir>/device.sqlite`, creating the folder first.
pub fn open_device(data_dir: &Path) -> Result<Device, StartError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StartError::CreateDir {
        path: data_dir.to_owned(),
        source,
    })?;
    let path = data_dir.join(DEVICE_FILE);
    Device::open(&path).map_err(|source| StartError::OpenStore { path, source })
}
