//! Background sync, and the one lock that keeps two syncs from running at once.
//!
//! The shell syncs on its own at start, then every [`AUTO_SYNC_INTERVAL`] while documents or photos wait
//! for upload, and right away when [`SyncCoordinator::wake`] is called (after a sign-in). The UI's
//! `sync_now` goes through the same [`SyncCoordinator`], so a manual sync waits for a running automatic
//! one instead of overlapping it. Every sync reports progress to the UI as `sync-progress` events.
//!
//! Being offline is the normal state of a device in the field: the failed attempt is recorded, nothing is
//! lost, and the log gets one line when the state changes (online → offline and back), not one per attempt.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use foodpatrol_device::sync_client::{SyncPhase, SyncProgress, SyncReport};
use foodpatrol_device::{Device, DeviceError, DeviceResult};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::Notify;

/// Time between automatic syncs while anything waits for upload.
pub const AUTO_SYNC_INTERVAL: Duration = Duration::from_secs(30);
/// Name of the event that carries [`SyncProgressEvent`]s to the UI.
pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

/// Payload of the `sync-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncProgressEvent {
    pub phase: EventPhase,
    /// During `documents` and `photos`: items handled so far. At `done`: documents pushed plus photos
    /// uploaded. At `error`: 0.
    pub done: usize,
    /// During `documents` and `photos`: items in the phase. At `done`: equal to `done`. At `error`: 0.
    pub total: usize,
    /// At `error`: the reason, Chinese first, ready to show.
    pub message: Option<String>,
}

/// Stage of a sync, as the UI's progress display names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPhase {
    Documents,
    Photos,
    Done,
    Error,
}

impl From<SyncProgress> for SyncProgressEvent {
    fn from(progress: SyncProgress) -> SyncProgressEvent {
        SyncProgressEvent {
            phase: match progress.phase {
                SyncPhase::Documents => EventPhase::Documents,
                SyncPhase::Photos => EventPhase::Photos,
            },
            done: progress.done,
            total: progress.total,
            message: None,
        }
    }
}

impl SyncProgressEvent {
    /// Builds the event that ends a sync, from its result.
    pub fn finished(result: &DeviceResult<SyncReport>) -> SyncProgressEvent {
        match result {
            Ok(report) => {
                let handled = report.pushed_docs + report.photos_uploaded;
                SyncProgressEvent {
                    phase: EventPhase::Done,
                    done: handled,
                    total: handled,
                    message: None,
                }
            }
            Err(error) => SyncProgressEvent {
                phase: EventPhase::Error,
                done: 0,
                total: 0,
                message: Some(error.to_string()),
            },
        }
    }
}

/// The outcome class of the last sync, so that the log records changes and not repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Health {
    Synced,
    Offline,
    NotSignedIn,
    SignedOut,
    Failed { code: String },
}

/// Serializes syncs and remembers what the last one found.
#[derive(Debug)]
pub struct SyncCoordinator {
    running: tokio::sync::Mutex<()>,
    syncing: AtomicBool,
    /// False after a sync could not reach the server, true after one got a response.
    online: AtomicBool,
    wake: Notify,
    health: Mutex<Option<Health>>,
}

impl Default for SyncCoordinator {
    fn default() -> Self {
        SyncCoordinator::new()
    }
}

impl SyncCoordinator {
    pub fn new() -> SyncCoordinator {
        SyncCoordinator {
            running: tokio::sync::Mutex::new(()),
            syncing: AtomicBool::new(false),
            online: AtomicBool::new(true),
            wake: Notify::new(),
            health: Mutex::new(None),
        }
    }

    /// Returns whether a sync is running now.
    pub fn is_syncing(&self) -> bool {
        self.syncing.load(Ordering::SeqCst)
    }

    /// Returns whether the last sync reached the server; true before the first sync.
    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::SeqCst)
    }

    /// Asks the background loop to sync now, even with nothing to upload (to fetch new assignments).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs one sync, after any sync already running has finished.
    pub async fn sync(
        &self,
        device: &Device,
        emit: &(dyn Fn(SyncProgressEvent) + Send + Sync),
    ) -> DeviceResult<SyncReport> {
        let _running = self.running.lock().await;
        self.sync_locked(device, emit).await
    }

    /// Runs one sync unless one is running already; returns `None` when it skipped.
    pub async fn sync_if_idle(
        &self,
        device: &Device,
        emit: &(dyn Fn(SyncProgressEvent) + Send + Sync),
    ) -> Option<DeviceResult<SyncReport>> {
        let _running = self.running.try_lock().ok()?;
        Some(self.sync_locked(device, emit).await)
    }

    /// Syncs. The caller must hold the `running` lock.
    async fn sync_locked(
        &self,
        device: &Device,
        emit: &(dyn Fn(SyncProgressEvent) + Send + Sync),
    ) -> DeviceResult<SyncReport> {
        let _syncing = FlagGuard::raise(&self.syncing);
        let result = device
            .sync_with_progress(&|progress| emit(SyncProgressEvent::from(progress)))
            .await;
        self.record(&result);
        emit(SyncProgressEvent::finished(&result));
        result
    }

    /// Updates the online flag and logs when the outcome class changes.
    fn record(&self, result: &DeviceResult<SyncReport>) {
        let health = match result {
            Ok(_) => Health::Synced,
            Err(DeviceError::Offline(_)) => Health::Offline,
            Err(DeviceError::NotSignedIn) => Health::NotSignedIn,
            Err(DeviceError::SignedOut) => Health::SignedOut,
            Err(error) => Health::Failed {
                code: error.code().to_owned(),
            },
        };
        match result {
            Ok(_) | Err(DeviceError::SignedOut | DeviceError::Server { .. }) => {
                self.online.store(true, Ordering::SeqCst);
            }
            Err(DeviceError::Offline(_)) => self.online.store(false, Ordering::SeqCst),
            // Failures before or after the network (storage, not signed in) do not show whether the server is reachable.
            Err(_) => {}
        }
        if let Ok(report) = result {
            tracing::debug!(
                pushed_docs = report.pushed_docs,
                updated_docs = report.updated_docs,
                photos_uploaded = report.photos_uploaded,
                rejected = report.rejected.len(),
                "sync completed"
            );
        }

        let mut last = self
            .health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.as_ref() == Some(&health) {
            return;
        }
        match &health {
            Health::Synced => tracing::info!("sync succeeded; the server is reachable"),
            Health::Offline => {
                tracing::info!("server unreachable; records stay queued on this device until the next sync");
            }
            Health::NotSignedIn => tracing::debug!("sync skipped: this device is not signed in"),
            Health::SignedOut => tracing::warn!("the server rejected this device's token; sign in again"),
            Health::Failed { code } => tracing::warn!(code, "sync failed; will retry"),
        }
        *last = Some(health);
    }
}

/// Sets an [`AtomicBool`] for as long as it lives, also when the sync future is dropped midway.
struct FlagGuard<'a>(&'a AtomicBool);

impl<'a> FlagGuard<'a> {
    fn raise(flag: &'a AtomicBool) -> FlagGuard<'a> {
        flag.store(true, Ordering::SeqCst);
        FlagGuard(flag)
    }
}

impl Drop for FlagGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Sends a progress event to every window; a failed send only loses a progress update.
pub fn emit_progress<R: Runtime>(app: &AppHandle<R>, event: SyncProgressEvent) {
    if let Err(error) = app.emit(SYNC_PROGRESS_EVENT, event) {
        tracing::debug!(%error, "could not emit a sync-progress event");
    }
}

/// Starts the background sync loop on Tauri's async runtime; it runs until the app exits.
pub fn start<R: Runtime>(app: AppHandle<R>, device: Arc<Device>, coordinator: Arc<SyncCoordinator>) {
    tauri::async_runtime::spawn(async move {
        let emit = move |event: SyncProgressEvent| emit_progress(&app, event);
        let mut ticker = tokio::time::interval(AUTO_SYNC_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick completes at once: that is the sync at start, made even with nothing pending.
        let mut at_start = true;
        loop {
            let forced = tokio::select! {
                _ = ticker.tick() => std::mem::take(&mut at_start),
                () = coordinator.wake.notified() => true,
            };
            if !wants_sync(&device, forced) {
                continue;
            }
            if coordinator.sync_if_idle(&device, &emit).await.is_none() {
                tracing::debug!("a sync is already running; skipped this automatic one");
            }
        }
    });
}

/// Decides whether the loop syncs now: only when signed in with a valid token, and, unless `forced`,
/// only when documents or photos wait for upload.
fn wants_sync(device: &Device, forced: bool) -> bool {
    match device.identity() {
        Ok(Some(identity)) if identity.token.is_some() => {}
        Ok(_) => return false,
        Err(error) => {
            tracing::debug!(
                code = error.code(),
                "cannot read the identity; skipped automatic sync"
            );
            return false;
        }
    }
    if forced {
        return true;
    }
    match device.sync_status() {
        Ok(status) => status.pending_docs + status.pending_photos > 0,
        Err(error) => {
            tracing::debug!(
                code = error.code(),
                "cannot read the sync status; skipped automatic sync"
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> (tempfile::TempDir, Device) {
        let dir = tempfile::tempdir().unwrap();
        let device = Device::open(&dir.path().join("device.sqlite")).unwrap();
        (dir, device)
    }

    #[test]
    fn progress_event_serializes_for_the_ui() {
        let event = SyncProgressEvent::from(SyncProgress {
            phase: SyncPhase::Photos,
            done: 2,
            total: 5,
        });

        assert_eq!(
            serde_json::to_value(event).unwrap(),
            serde_json::json!({ "phase": "photos", "done": 2, "total": 5, "message": null })
        );
    }

    #[test]
    fn finished_event_counts_documents_and_photos() {
        let report = SyncReport {
            pushed_docs: 3,
            photos_uploaded: 2,
            ..SyncReport::default()
        };

        let event = SyncProgressEvent::finished(&Ok(report));

        assert_eq!(event.phase, EventPhase::Done);
        assert_eq!((event.done, event.total), (5, 5));
    }

    #[test]
    fn offline_marks_coordinator_offline() {
        let coordinator = SyncCoordinator::new();

        coordinator.record(&Err(DeviceError::Offline("connection refused".into())));

        assert!(!coordinator.is_online());
        coordinator.record(&Ok(SyncReport::default()));
        assert!(coordinator.is_online());
    }

    #[test]
    fn unsigned_device_is_not_synced_automatically() {
        let (_dir, device) = device();

        assert!(!wants_sync(&device, true));
        assert!(!wants_sync(&device, false));
    }

    #[tokio::test]
    async fn sync_without_sign_in_emits_error() {
        let (_dir, device) = device();
        let coordinator = SyncCoordinator::new();
        let events = Mutex::new(Vec::new());

        let result = coordinator
            .sync(&device, &|event| events.lock().unwrap().push(event))
            .await;

        assert_eq!(result.unwrap_err().code(), "not_signed_in");
        let events = events.into_inner().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].phase, EventPhase::Error);
        assert!(events[0].message.as_deref().unwrap().starts_with("设备尚未登录"));
        assert!(!coordinator.is_syncing());
        assert!(
            coordinator.is_online(),
            "a sync that never reached the network says nothing about it"
        );
    }

    #[tokio::test]
    async fn second_sync_is_skipped_while_one_runs() {
        let (_dir, device) = device();
        let coordinator = SyncCoordinator::new();
        let running_guard = coordinator.running.lock().await;

        let skipped = coordinator.sync_if_idle(&device, &|_| {}).await;

        assert!(skipped.is_none());
        drop(running_guard);
        assert!(coordinator.sync_if_idle(&device, &|_| {}).await.is_some());
    }
}
