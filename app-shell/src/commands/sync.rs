//! Sync commands: a manual sync (the "同步" button, or the browser's `online` event) and the sync screen's
//! status. Both share the background sync's coordinator, so two syncs never overlap.

use foodpatrol_device::sync_client::{SyncReport, SyncStatus};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::autosync::emit_progress;
use crate::error::CommandResult;
use crate::state::AppState;

/// Data of the sync screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatusView {
    pub status: SyncStatus,
    /// Whether a sync (manual or automatic) is running now.
    pub syncing: bool,
    /// Whether the last sync reached the server; true before the first attempt.
    pub online: bool,
}

/// Syncs now, after any running sync has finished, and emits `sync-progress` events on the way.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CommandResult<SyncReport> {
    let emit = |event| emit_progress(&app, event);
    Ok(state.sync.sync(&state.device, &emit).await?)
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncStatusView> {
    Ok(SyncStatusView {
        status: state.device.sync_status()?,
        syncing: state.sync.is_syncing(),
        online: state.sync.is_online(),
    })
}
