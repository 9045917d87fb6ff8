//! Mirrors of the types the shell serializes that live only in the device crate.
//!
//! The UI cannot depend on `foodpatrol-device` (it pulls in rusqlite and tokio), so these structs
//! repeat its serde shape field by field. Types that `foodpatrol-shared` defines (`Inspection`,
//! `ChecklistTemplate`, `Evaluation`, `SubmitProblem`, `Shop`, ...) are used as they are. Keep
//! field names in step with `app-shell/device/src/{device.rs,sync_client.rs}` and
//! `docs/APP-COMMANDS.md`: a renamed field there makes the matching command fail to decode here.

use foodpatrol_shared::checklist::ChecklistTemplate;
use foodpatrol_shared::ids::{DeviceId, InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{Hazard, Inspection, InspectionKind, InspectorRef, SubmitProblem};
use foodpatrol_shared::outcome::Evaluation;
use foodpatrol_shared::protocol::RejectedDoc;
use foodpatrol_shared::role::Role;
use foodpatrol_shared::shop::Shop;
use serde::{Deserialize, Serialize};

/// `session_get` / `session_sign_in`: who this device is signed in as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IdentityView {
    pub(crate) server_url: String,
    pub(crate) device_id: DeviceId,
    pub(crate) user_id: UserId,
    pub(crate) display_name: String,
    pub(crate) role: Role,
    pub(crate) time_zone: String,
    /// False after the server revoked the device's token: sign in again.
    pub(crate) signed_in: bool,
}

/// `tasks_today`: one planned visit with this device's latest record of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TaskView {
    pub(crate) assignment_id: String,
    pub(crate) shop: Shop,
    /// Due date, `YYYY-MM-DD`.
    pub(crate) due: String,
    pub(crate) kind: InspectionKind,
    pub(crate) inspectors: Vec<InspectorRef>,
    pub(crate) inspection_id: Option<InspectionId>,
    pub(crate) submitted: bool,
}

/// The device's live outcome preview (`Preview` in the device crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Preview {
    pub(crate) evaluation: Evaluation,
    /// The reason in one Chinese sentence.
    pub(crate) reason_zh: String,
    pub(crate) hazards: Vec<Hazard>,
    pub(crate) problems: Vec<SubmitProblem>,
    pub(crate) answered: usize,
    pub(crate) total: usize,
}

/// `inspection_get`: a record with everything needed to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct InspectionView {
    pub(crate) inspection: Inspection,
    pub(crate) template: ChecklistTemplate,
    pub(crate) shop: Shop,
    pub(crate) preview: Preview,
}

/// `inspections_list`: one record stored on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct InspectionSummary {
    pub(crate) id: InspectionId,
    pub(crate) shop_id: ShopId,
    pub(crate) started_at_ms: i64,
    pub(crate) submitted: bool,
    /// `Outcome::as_str` of a submitted record.
    pub(crate) outcome: Option<String>,
}

/// A stored photo (evidence or signature) as the device processed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PhotoSummary {
    /// SHA-256 hex of the processed image; the `photo://` URL names it.
    pub(crate) hash: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// `sync_now`: what one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyncReport {
    pub(crate) document_round_trips: u32,
    pub(crate) photo_round_trips: u32,
    pub(crate) pushed_docs: usize,
    pub(crate) new_changes_acked: u32,
    pub(crate) updated_docs: usize,
    pub(crate) photos_uploaded: usize,
    pub(crate) photo_bytes_sent: u64,
    pub(crate) body_bytes_sent: u64,
    pub(crate) body_bytes_received: u64,
    pub(crate) change_bytes_sent: u64,
    pub(crate) rejected: Vec<RejectedDoc>,
    pub(crate) skew_ms: i64,
    pub(crate) skew_flagged: bool,
}

/// The device's sync bookkeeping (`SyncStatus` in the device crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyncStatus {
    pub(crate) pending_docs: usize,
    pub(crate) pending_photos: usize,
    pub(crate) rejected: Vec<RejectedDoc>,
    pub(crate) last_attempt_ms: Option<i64>,
    pub(crate) last_success_ms: Option<i64>,
    /// Chinese message of the last failed sync, `None` after a successful one.
    pub(crate) last_error: Option<String>,
    pub(crate) skew_ms: Option<i64>,
    pub(crate) skew_flagged: bool,
    pub(crate) cursor: u64,
}

/// `sync_status`: the bookkeeping plus what the shell is doing right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SyncStatusView {
    pub(crate) status: SyncStatus,
    pub(crate) syncing: bool,
    pub(crate) online: bool,
}

/// Stage of a running sync, as the `sync-progress` event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SyncPhase {
    Documents,
    Photos,
    Done,
    Error,
}

/// Payload of the `sync-progress` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SyncProgress {
    pub(crate) phase: SyncPhase,
    pub(crate) done: u64,
    pub(crate) total: u64,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// `app_info` (optional; an older shell may lack it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AppInfo {
    pub(crate) version: String,
    pub(crate) default_server_url: String,
    pub(crate) data_dir: String,
    /// The shell has the camera barcode scanner plugin (Android and iOS builds).
    #[serde(default)]
    pub(crate) camera_scanner: bool,
}
