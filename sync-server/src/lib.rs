//! FoodPatrol sync server: the central risk database behind the inspectors' devices.
//!
//! Devices push automerge changes and photos when they are online; the server checks who wrote
//! each change, merges, recomputes each record's outcome with the versioned rules, and projects
//! the documents into relational tables (shops, inspections, answers, tasks) that reports query.
//!
//! The binary (`src/main.rs`) only parses arguments; everything else is in this library, so tests
//! start the real server on 127.0.0.1:0 with [`serve`].

pub mod api;
pub mod auth;
pub mod district;
pub mod error;
pub mod honour_roll;
pub mod kpi;
pub mod owner;
pub mod pdf;
pub mod photos;
pub mod print;
pub mod projection;
pub mod public;
pub mod qr;
pub mod qr_api;
pub mod risk;
pub mod seed;
pub mod store;
pub mod supervision;
pub mod sync;
pub mod web;
pub mod web_owner;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use chrono_tz::Tz;
use foodpatrol_shared::rules::RuleBook;

use crate::error::AppError;
use crate::photos::{BlobStore, LocalBlobStore};
use crate::store::Store;
use crate::store::sqlite::SqliteStore;

/// The district's time zone unless configured otherwise.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn BlobStore>,
    pub rules: Arc<RuleBook>,
    /// Report dates are local dates in this zone.
    pub time_zone: Tz,
    /// A real argon2 hash checked for unknown usernames, so sign-in takes the same time either way.
    pub dummy_password_hash: String,
    uploads: Arc<Mutex<HashSet<String>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

/// Marks a photo upload as in progress until dropped.
#[derive(Debug)]
pub struct UploadGuard {
    hash: String,
    uploads: Arc<Mutex<HashSet<String>>>,
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        self.uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.hash);
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, blobs: Arc<dyn BlobStore>, rules: RuleBook, time_zone: Tz) -> AppState {
        AppState {
            store,
            blobs,
            rules: Arc::new(rules),
            time_zone,
            dummy_password_hash: auth::hash_password("not-a-real-password"),
            uploads: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Returns today's date in the district's time zone, by the server's clock.
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now().with_timezone(&self.time_zone).date_naive()
    }

    /// Claims a photo for upload; a second concurrent upload of the same photo gets 409.
    pub fn begin_upload(&self, hash: &str) -> Result<UploadGuard, AppError> {
        let mut uploads = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        if !uploads.insert(hash.to_owned()) {
            return Err(AppError::Conflict {
                code: "upload_in_progress",
                message: format!(
                    "照片 {hash} 正在由另一请求上传，请稍后续传 (another upload of this photo is running)"
                ),
            });
        }
        Ok(UploadGuard {
            hash: hash.to_owned(),
            uploads: self.uploads.clone(),
        })
    }
}

/// Where the embedded server keeps its data.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn database(&self) -> PathBuf {
        self.root.join("foodpatrol.sqlite")
    }

    pub fn photos(&self) -> PathBuf {
        self.root.join("photos")
    }
}

/// A failure to start the server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data folder {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Blobs(#[from] photos::BlobError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens the embedded default: SQLite and photo files under `data_dir`.
pub fn open_embedded(data_dir: &Path, time_zone: Tz) -> Result<AppState, StartError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StartError::DataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    let dir = DataDir {
        root: data_dir.to_owned(),
    };
    let store = SqliteStore::open(&dir.database())?;
    let blobs = LocalBlobStore::open(&dir.photos())?;
    Ok(AppState::new(
        Arc::new(store),
        Arc::new(blobs),
        RuleBook::builtin(),
        time_zone,
    ))
}

/// A running server; dropping the handle does not stop it, [`RunningServer::shutdown`] does.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Starts serving on `addr` (use port 0 for any free port) in the background.
pub async fn serve(state: AppState, addr: SocketAddr) -> Result<RunningServer, StartError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = api::router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    tracing::info!(%addr, "sync server listening");
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        task,
    })
}
