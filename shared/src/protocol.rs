//! The device ↔ server protocol: request and response bodies, shared by both ends.
//!
//! Sync is one round trip for any number of documents: `POST /v1/sync` with a CBOR
//! [`SyncRequest`] carrying, per document, the automerge changes the server has not acknowledged,
//! and the feed cursor the device has applied. The [`SyncResponse`] acknowledges each document with
//! the server's heads, returns the changes other writers made (to documents this account may
//! read) since the cursor, the reference data the device needs offline, and the photos the server
//! still lacks. Everything is idempotent: a retried request merges nothing new and returns the same
//! updates.
//!
//! Photos travel separately and are content-addressed: `PUT /v1/photos/{sha256}` with
//! `Upload-Offset` to resume after a cut; the server verifies the hash before keeping the bytes.
//!
//! Bodies are CBOR (binary change bytes stay binary, so bytes on the wire stay close to the
//! payload); error bodies are JSON [`ApiError`] so that any client can read them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::ids::{DeviceId, DocId, ShopId, UserId};
use crate::inspection::{InspectionKind, InspectorRef};
use crate::role::Role;
use crate::shop::Shop;

/// Version of this protocol. A server rejects a request of any other version with `unsupported_protocol`.
pub const PROTOCOL_VERSION: u32 = 1;
/// Maximum size of a sync request body. A device splits its outbox into batches under this size.
pub const MAX_SYNC_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Maximum size of one photo (processed photos are far smaller; this bounds a bad upload).
pub const MAX_PHOTO_BYTES: u64 = 20 * 1024 * 1024;
/// Media type of sync bodies.
pub const CBOR_MEDIA_TYPE: &str = "application/cbor";
/// Header that names the first byte of an upload body within the photo, and the bytes the server has.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// Header that names the full size of a photo being uploaded.
pub const UPLOAD_LENGTH_HEADER: &str = "upload-length";

/// The kinds of automerge document. Each has exactly one writer role. Serialized: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 检查记录: answers, photos, hazards, orders and signature. Written by inspectors.
    Inspection,
    /// 整改回复: the owner's proof rounds for one task. Written by the shop's owner.
    RectificationResponse,
    /// 整改复查: the inspector's decisions on the proof. Written by inspectors.
    RectificationReview,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [
        DocKind::Inspection,
        DocKind::RectificationResponse,
        DocKind::RectificationReview,
    ];

    /// Returns the only role allowed to change documents of this kind.
    pub fn writer_role(&self) -> Role {
        match self {
            DocKind::Inspection | DocKind::RectificationReview => Role::Inspector,
            DocKind::RectificationResponse => Role::Owner,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DocKind::Inspection => "inspection",
            DocKind::RectificationResponse => "rectification_response",
            DocKind::RectificationReview => "rectification_review",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|kind| kind.as_str() == s)
    }
}

/// `POST /v1/devices/register`: sign in on a device (needs the network once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    /// A name the user recognises, such as "张三的 Pad".
    pub device_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub display_name: String,
    pub role: Role,
    /// Bearer token for every later request. Shown once; the server keeps only its hash.
    pub token: String,
    pub server_now_ms: i64,
    /// The district's time zone, such as `Asia/Shanghai`.
    pub time_zone: String,
}

/// Changes to one document that the server has not acknowledged yet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocPush {
    pub doc_id: DocId,
    pub kind: DocKind,
    /// Raw automerge changes, each as `Change::raw_bytes`, that the server has not acknowledged.
    pub changes: Vec<ByteBuf>,
    /// The device's heads of this document (hex change hashes), so the server can return what the
    /// device lacks.
    pub heads: Vec<String>,
}

/// `POST /v1/sync` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncRequest {
    pub protocol: u32,
    /// Device clock when the request was made, ms since the Unix epoch; the server measures skew with it.
    pub device_now_ms: i64,
    /// Feed position the device has fully applied; 0 on a new device.
    pub cursor: u64,
    pub docs: Vec<DocPush>,
}

/// The server's acknowledgement of one pushed document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocAck {
    pub doc_id: DocId,
    /// Heads of the server's copy after the merge, hex change hashes.
    pub heads: Vec<String>,
    /// Changes the device did not send: 0 when nothing was new to the server.
    pub new_changes: u32,
}

/// Changes to one document made by other writers since the request's cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocUpdate {
    pub doc_id: DocId,
    pub kind: DocKind,
    pub changes: Vec<ByteBuf>,
    /// Heads of the server's copy, hex change hashes.
    pub heads: Vec<String>,
}

/// Upload state of a photo on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoStatus {
    pub hash: String,
    /// Bytes the server holds of an unfinished upload; resume from here.
    pub received_bytes: u64,
}

/// A planned visit (检查任务) assigned to a pair of inspectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: uuid::Uuid,
    pub shop_id: ShopId,
    pub inspectors: Vec<InspectorRef>,
    pub kind: InspectionKind,
    pub due: NaiveDate,
    pub note: String,
}

/// Data the device needs offline, sent when it changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReferenceData {
    pub shops: Vec<Shop>,
    pub assignments: Vec<Assignment>,
    /// Other inspectors of the office, to add as the second inspector offline.
    pub colleagues: Vec<InspectorRef>,
}

/// `POST /v1/sync` response body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncResponse {
    pub server_now_ms: i64,
    /// `device_now_ms - server_now_ms` as measured by this request.
    pub skew_ms: i64,
    /// True when the skew is large enough to show on reports and on the device.
    pub skew_flagged: bool,
    /// New feed position: send it as `cursor` once this response is applied.
    pub cursor: u64,
    pub acks: Vec<DocAck>,
    pub updates: Vec<DocUpdate>,
    pub reference: ReferenceData,
    /// Photos referenced by this account's documents that the server does not hold completely.
    pub missing_photos: Vec<PhotoStatus>,
    /// True when more updates wait than fit in one response; sync again with the new cursor.
    pub more: bool,
}

/// One document the server would not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedDoc {
    pub doc_id: DocId,
    /// Stable code such as `wrong_role`, `unknown_actor`, `invalid_document`.
    pub code: String,
    pub message: String,
}

/// Body of every error response: a stable code, a message for people (Chinese first), and the
/// documents at fault when a sync was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<RejectedDoc>,
}

/// `GET /v1/owner/tasks` entry: a rectification task as its shop's owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerTask {
    pub task_id: crate::ids::TaskId,
    pub inspection_id: crate::ids::InspectionId,
    pub item_id: String,
    pub item_text: String,
    pub key: bool,
    pub remark: String,
    pub photos: Vec<String>,
    pub tier: crate::rectification::Tier,
    pub mode: crate::rectification::RectificationMode,
    pub state: crate::rectification::TaskState,
    pub overdue: bool,
    /// Proof rounds submitted so far, oldest first.
    pub rounds: Vec<crate::rectification::ResponseRound>,
    pub last_review_remark: Option<String>,
}

/// `POST /v1/owner/tasks/{task_id}/proof` body: one round of proof, photos uploaded beforehand.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProofRequest {
    pub note: String,
    pub photos: Vec<String>,
}

/// One row of the daily report (协管日报): one inspector on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyReportRow {
    pub date: NaiveDate,
    pub inspector_id: UserId,
    pub inspector_name: String,
    pub office: String,
    pub inspections: u32,
    pub shops: u32,
    pub compliant: u32,
    pub basically_compliant: u32,
    pub non_compliant: u32,
    /// Failed items found (hazards).
    pub hazards: u32,
    pub tasks_fixed_on_spot: u32,
    pub tasks_with_deadline: u32,
    pub tasks_verified: u32,
    /// Records whose device clock was flagged as skewed.
    pub skew_flagged: u32,
    /// Records where the server's outcome differs from the device's.
    pub outcome_disagreements: u32,
}

/// `GET /v1/reports/daily?date=YYYY-MM-DD` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyReport {
    pub date: NaiveDate,
    pub time_zone: String,
    pub rows: Vec<DailyReportRow>,
}
