//! The storage interface of the central database.
//!
//! The server's logic (authorisation, automerge merges, projections, reports) lives above this trait;
//! a backend only persists and queries. The embedded default is [`sqlite::SqliteStore`] (one file,
//! WAL); a PostgreSQL backend implements the same trait and runs the same test suite.
//!
//! Concurrency is optimistic: [`Store::load_docs`] returns each document with its version, the merge
//! happens in memory, and [`Store::commit_sync`] writes only if every document read is still at the
//! version read, else it returns [`StoreError::Conflict`] and the caller merges again. Automerge
//! merges are deterministic and idempotent, so a retry is always safe.

pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use foodpatrol_shared::ids::{DeviceId, DocId, InspectionId, ShopId, TaskId, UserId};
use foodpatrol_shared::inspection::{InspectorRef, Signature};
use foodpatrol_shared::protocol::{Assignment, DailyReportRow, DocKind, OwnerTask, ReferenceData};
use foodpatrol_shared::rectification::{RectificationMode, ResponseRound, Review, TaskState, Tier};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::shop::Shop;
use thiserror::Error;

use crate::risk::records::{
    DrawRecord, GradeRecord, InspectionSummary, PlannedVisitRecord, RecusalRecord, RiskEventRecord,
    StoredLevel,
};
pub use crate::supervision::{
    AssignmentFact, InspectionDetail, InspectionFact, InspectorFact, NewWebSession, ShopFact, TaskFact,
    WebSession,
};

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A document changed between read and commit; merge again.
    #[error("document {doc_id} changed concurrently; retry the merge")]
    Conflict { doc_id: DocId },
    #[error("{what} already exists: {value}")]
    Duplicate { what: &'static str, value: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// An account.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The 市场监管所 an inspector or supervisor belongs to.
    pub office: Option<String>,
    /// The shop an owner account speaks for.
    pub shop_id: Option<ShopId>,
}

/// An account to create or update (seeding, admin).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub record: UserRecord,
    pub phone: Option<String>,
    pub password_hash: String,
}

/// A registered device of a user.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRecord {
    pub id: DeviceId,
    pub user_id: UserId,
    pub name: String,
    pub revoked: bool,
}

/// A stored document and the version it was read at.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub id: DocId,
    pub kind: DocKind,
    pub bytes: Vec<u8>,
    pub version: u64,
}

/// One mark of a projected inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub item_id: String,
    pub answer: String,
    pub verdict: String,
    pub key: bool,
    pub remark: String,
    pub photos: Vec<String>,
    pub answered_by: UserId,
    /// JSON of the clashing marks, when two devices disagreed.
    pub conflict: Option<String>,
}

/// A rectification task as projected from the three documents behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub id: TaskId,
    pub item_id: String,
    pub item_text: String,
    pub key: bool,
    pub remark: String,
    pub photos: Vec<String>,
    pub mode: RectificationMode,
    pub tier: Tier,
    pub state: TaskState,
    pub rounds: Vec<ResponseRound>,
    pub reviews: Vec<Review>,
    pub closed_at_ms: Option<i64>,
}

/// The result fields of a submitted record.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub submitted_at_ms: i64,
    pub outcome: String,
    pub band: String,
    pub rule_id: String,
    pub rule_version: u32,
    pub device_outcome: String,
    pub disagrees: bool,
    pub signature: Option<Signature>,
}

/// The relational view of one inspection document.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRow {
    pub id: InspectionId,
    pub shop_id: ShopId,
    pub template_id: String,
    pub template_version: u32,
    pub kind: String,
    pub device_started_at_ms: i64,
    pub device_utc_offset_min: i32,
    /// Server-clock estimate of when the visit started; kept from the first delivery.
    pub recorded_at: DateTime<Utc>,
    /// The district's local date of `recorded_at`; kept from the first delivery.
    pub report_date: NaiveDate,
    pub skew_ms: i64,
    pub skew_flagged: bool,
    pub received_at: DateTime<Utc>,
    pub key_failed: u32,
    pub general_failed: u32,
    pub general_pass_permille: u32,
    pub conflicts: u32,
    pub edited_outside_seal: Vec<String>,
    pub inspectors: Vec<InspectorRef>,
    pub answers: Vec<AnswerRow>,
    /// Present once the record is submitted.
    pub result: Option<ResultRow>,
    pub tasks: Vec<TaskRow>,
}

/// The projection rows a document write changes.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // One per written document; boxing the task row buys nothing.
pub enum Projection {
    Inspection(Box<InspectionRow>),
    /// A response or review changed a task's state.
    Task(TaskRow),
    /// The document projects nothing yet (a response to a task not yet synced cannot exist).
    Nothing,
}

/// One document to write.
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub id: DocId,
    pub kind: DocKind,
    /// Version read, or `None` for a document new to the server.
    pub expected_version: Option<u64>,
    /// The whole merged document (`Automerge::save`).
    pub bytes: Vec<u8>,
    pub heads: Vec<String>,
    /// Accounts that may read the document; added, never removed, here.
    pub audience: Vec<UserId>,
    /// Content addresses the document refers to.
    pub photos: Vec<String>,
    pub projection: Projection,
}

/// Everything one sync writes, atomically.
#[derive(Debug, Clone)]
pub struct SyncCommit {
    pub device_id: DeviceId,
    pub skew_ms: i64,
    pub writes: Vec<DocWrite>,
    /// Documents read (not written) to compute the projections, at the versions read.
    pub reads: Vec<(DocId, Option<u64>)>,
}

/// A document in an account's feed after a cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub doc_id: DocId,
    pub kind: DocKind,
    /// Heads the account's devices had at the cursor, or `None` when they had nothing of it.
    pub heads_at_cursor: Option<Vec<String>>,
    pub seq: u64,
}

/// One page of an account's feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    /// The feed position this page is complete up to: the next cursor.
    pub complete_to: u64,
    /// True when more entries wait after this page.
    pub more: bool,
}

/// A task with what validating a response or review needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub row: TaskRow,
    pub inspection_id: InspectionId,
    pub shop_id: ShopId,
    pub inspectors: Vec<UserId>,
}

/// A completely received photo.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRecord {
    pub hash: String,
    pub size: u64,
    pub media_type: String,
    pub uploaded_by: DeviceId,
    pub uploaded_at: DateTime<Utc>,
}

/// A 市场监管所 and the street it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeRecord {
    pub name: String,
    pub street: String,
}

/// Row counts, for the demo and for tests that prove nothing was duplicated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub shops: u64,
    pub docs: u64,
    pub inspections: u64,
    pub answers: u64,
    pub tasks: u64,
    pub photos: u64,
}

// ---- 一户一码 (QR codes), public shop page, 红黑榜 and result records ----

/// An HMAC-SHA256 key that signs shop QR codes. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct QrKey {
    pub key_id: u16,
    pub secret: [u8; 32],
}

impl std::fmt::Debug for QrKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The latest risk grade (风险等级) of a shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeFact {
    pub year: i32,
    /// 'A' (lowest risk) to 'D' (highest).
    pub level: char,
}

/// The result of one submitted inspection, as the public page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicResult {
    pub report_date: NaiveDate,
    /// Outcome code (`compliant`, `basically_compliant`, `non_compliant`).
    pub outcome: String,
}

/// What the public shop page and the 红黑榜 rules read about one shop.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopStatusFacts {
    pub shop: Shop,
    pub grade: Option<GradeFact>,
    /// Submitted inspections, newest first, at most the number requested.
    pub recent: Vec<PublicResult>,
    /// Deadline tasks still waiting for the owner after their due date.
    pub overdue_tasks: u32,
    /// Tasks waiting for the owner or for the inspector's review.
    pub open_tasks: u32,
}

/// One inspection with everything its result record (结果记录表) prints.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionRecord {
    pub id: InspectionId,
    pub shop: Shop,
    pub template_id: String,
    pub template_version: u32,
    pub kind: String,
    /// `draft` or `submitted`.
    pub status: String,
    pub report_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub inspector_names: Vec<String>,
    pub answers: Vec<AnswerRow>,
    pub outcome: Option<String>,
    pub signature: Option<Signature>,
    pub tasks: Vec<TaskRow>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- accounts and devices ----
    async fn upsert_user(&self, user: NewUser) -> StoreResult<()>;
    /// Returns the account and its password hash.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(UserRecord, String)>>;
    async fn users_by_ids(&self, ids: &[UserId]) -> StoreResult<Vec<UserRecord>>;
    async fn insert_device(&self, device: &DeviceRecord, token_hash: &[u8; 32]) -> StoreResult<()>;
    /// Returns the device and its account for a token hash; revoked devices are not returned.
    async fn device_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<(DeviceRecord, UserRecord)>>;
    /// Returns devices (with their accounts) by id; used to map automerge actors to writers.
    async fn devices_by_ids(&self, ids: &[DeviceId]) -> StoreResult<Vec<(DeviceRecord, UserRecord)>>;
    async fn touch_device(&self, id: DeviceId, at: DateTime<Utc>, skew_ms: i64) -> StoreResult<()>;

    // ---- the district register ----
    async fn upsert_offices(&self, offices: &[OfficeRecord]) -> StoreResult<()>;
    async fn upsert_shops(&self, shops: &[Shop]) -> StoreResult<()>;
    async fn shops_by_ids(&self, ids: &[ShopId]) -> StoreResult<Vec<Shop>>;
    async fn upsert_assignments(&self, assignments: &[Assignment]) -> StoreResult<()>;
    /// Returns what changed for this account since the cursor: its assignments, their shops, colleagues.
    async fn reference_since(&self, user: &UserRecord, cursor: u64) -> StoreResult<ReferenceData>;

    // ---- documents and the feed ----
    async fn load_docs(&self, ids: &[DocId]) -> StoreResult<Vec<StoredDoc>>;
    /// Writes a sync atomically. Returns the feed position after it.
    async fn commit_sync(&self, commit: SyncCommit) -> StoreResult<u64>;
    /// Returns up to `limit` documents the account may read that changed after `cursor`, oldest
    /// change first.
    async fn feed(&self, user: UserId, cursor: u64, limit: usize) -> StoreResult<FeedPage>;
    async fn task(&self, id: TaskId) -> StoreResult<Option<TaskInfo>>;
    /// Returns the owner accounts of a shop.
    async fn owners_of_shop(&self, shop: ShopId) -> StoreResult<Vec<UserId>>;

    // ---- photos ----
    async fn photo(&self, hash: &str) -> StoreResult<Option<PhotoRecord>>;
    async fn insert_photo(&self, photo: &PhotoRecord) -> StoreResult<()>;
    /// Returns the hashes among `hashes` that are not completely stored.
    async fn missing_photos(&self, hashes: &[String]) -> StoreResult<Vec<String>>;
    /// True when a photo belongs to a task or response of this shop (what an owner may see).
    async fn photo_visible_to_shop(&self, hash: &str, shop: ShopId) -> StoreResult<bool>;

    // ---- reports ----
    async fn owner_tasks(&self, shop: ShopId, today: NaiveDate) -> StoreResult<Vec<OwnerTask>>;
    async fn daily_report(&self, date: NaiveDate) -> StoreResult<Vec<DailyReportRow>>;
    async fn counts(&self) -> StoreResult<Counts>;

    // ---- supervisor console (监管端): browser sessions and report queries ----
    /// Stores a console session under the SHA-256 of its cookie token, and drops expired sessions.
    async fn insert_web_session(&self, session: &NewWebSession) -> StoreResult<()>;
    /// Returns the unexpired session of a token hash with its account.
    async fn web_session(&self, token_hash: &[u8; 32], now: DateTime<Utc>)
    -> StoreResult<Option<WebSession>>;
    async fn delete_web_session(&self, token_hash: &[u8; 32]) -> StoreResult<()>;
    async fn offices(&self) -> StoreResult<Vec<OfficeRecord>>;
    /// Returns the submitted inspections whose report date is in `from..=to`.
    async fn inspection_facts(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<InspectionFact>>;
    /// Returns every rectification task with its shop, inspection date and inspectors.
    async fn task_facts(&self) -> StoreResult<Vec<TaskFact>>;
    /// Returns every shop of the register with its latest risk grade, if any.
    async fn shop_facts(&self) -> StoreResult<Vec<ShopFact>>;
    /// Returns the planned visits due in `from..=to`.
    async fn assignment_facts(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<AssignmentFact>>;
    async fn inspection_detail(&self, id: InspectionId) -> StoreResult<Option<InspectionDetail>>;

    // ---- 一户一码 (QR codes), public shop page, 红黑榜 and result records ----
    /// Returns the newest unretired QR signing key, storing `fresh_secret` as key 1 when none exists.
    async fn qr_signing_key(&self, fresh_secret: [u8; 32]) -> StoreResult<QrKey>;
    /// Returns a QR signing key by id, retired or not.
    async fn qr_key(&self, key_id: u16) -> StoreResult<Option<QrKey>>;
    /// Returns a shop's current QR code generation: 1 until its code is first revoked.
    async fn qr_generation(&self, shop: ShopId) -> StoreResult<u32>;
    /// Raises a shop's QR code generation, which revokes every earlier code, and returns the new one.
    async fn revoke_qr(&self, shop: ShopId, by: UserId, at: DateTime<Utc>) -> StoreResult<u32>;
    async fn qr_setting(&self, name: &str) -> StoreResult<Option<String>>;
    async fn set_qr_setting(&self, name: &str, value: &str) -> StoreResult<()>;
    /// Returns the shops of a street (街道), ordered by licence number.
    async fn shops_in_street(&self, street: &str) -> StoreResult<Vec<Shop>>;
    /// Returns the public-status facts of the given shops, in the order given; unknown ids are skipped.
    async fn shop_status_facts(
        &self,
        shops: &[ShopId],
        recent: usize,
        today: NaiveDate,
    ) -> StoreResult<Vec<ShopStatusFacts>>;
    async fn inspection_record(&self, id: InspectionId) -> StoreResult<Option<InspectionRecord>>;
    /// Returns the streets (街道) that have shops, in sort order.
    async fn streets(&self) -> StoreResult<Vec<String>>;

    // ---- risk grading, the annual plan and 双随机 draws (risk) ----
    /// Returns every shop of the register.
    async fn all_shops(&self) -> StoreResult<Vec<Shop>>;
    /// Returns the submitted inspections with a report date in `from..=to`.
    async fn inspection_summaries(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<InspectionSummary>>;
    /// Returns each shop's latest full-checklist (non-flight) submitted inspection date before `before`.
    async fn last_full_inspections(&self, before: NaiveDate) -> StoreResult<Vec<(ShopId, NaiveDate)>>;
    /// Stores events; an id already stored is kept as it is. Returns the number of new rows.
    async fn insert_risk_events(&self, events: &[RiskEventRecord]) -> StoreResult<usize>;
    /// Returns the events that occurred in `from..=to`.
    async fn risk_events(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<RiskEventRecord>>;
    /// Replaces the grades of the given shops for their year, atomically.
    async fn write_risk_grades(&self, grades: &[GradeRecord]) -> StoreResult<()>;
    /// Returns the stored level of every graded shop for a year.
    async fn risk_levels(&self, year: i32) -> StoreResult<Vec<StoredLevel>>;
    /// Returns every inspector account.
    async fn inspectors(&self) -> StoreResult<Vec<UserRecord>>;
    /// Stores recusals; an existing pair keeps its row and gets the new reason.
    async fn upsert_recusals(&self, recusals: &[RecusalRecord]) -> StoreResult<()>;
    async fn recusals(&self) -> StoreResult<Vec<RecusalRecord>>;
    /// Writes assignments and what made them, atomically.
    async fn write_planned_visits(
        &self,
        assignments: &[Assignment],
        visits: &[PlannedVisitRecord],
    ) -> StoreResult<()>;
    async fn planned_visits(&self, year: i32) -> StoreResult<Vec<PlannedVisitRecord>>;
    /// Stores a draw; returns false and stores nothing when its id exists.
    async fn insert_draw(&self, draw: &DrawRecord) -> StoreResult<bool>;
    async fn draw(&self, id: uuid::Uuid) -> StoreResult<Option<DrawRecord>>;
    /// Returns every draw, newest first.
    async fn draws(&self) -> StoreResult<Vec<DrawRecord>>;
}
