//! The device core: everything an inspector's app does, without a window.
//!
//! Every method that changes a record makes exactly one automerge change and commits it to SQLite
//! before it returns, so a record survives the app being killed at any point. Reads come from an
//! in-memory cache of the documents, which is rebuilt from SQLite when the app starts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::{ActorId, Automerge};
use chrono::NaiveDate;
use foodpatrol_shared::checklist::{Answer, ChecklistTemplate, ItemVerdict};
use foodpatrol_shared::crdt;
use foodpatrol_shared::crdt::inspection_doc::{self, NewInspection};
use foodpatrol_shared::crdt::task_docs;
use foodpatrol_shared::ids::{DeviceId, DocId, InspectionId, ShopId, TaskId, UserId};
use foodpatrol_shared::inspection::{
    Hazard, Inspection, InspectionKind, InspectorRef, Signature, SubmitProblem,
};
use foodpatrol_shared::outcome::Evaluation;
use foodpatrol_shared::protocol::{Assignment, DocKind};
use foodpatrol_shared::rectification::{
    RectificationMode, RectificationOrder, ResponseRound, Review, ReviewDecision, TaskState, Tier,
};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::rules::RuleBook;
use foodpatrol_shared::shop::Shop;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::clock::{Clock, SystemClock};
use crate::error::{DeviceError, DeviceResult};
use crate::photo::{self, ProcessedPhoto};
use crate::store;

/// The account this device is signed in as, and its registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub server_url: String,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub display_name: String,
    pub role: Role,
    /// `None` after the server rejected the token: sign in again.
    #[serde(skip_serializing)]
    pub token: Option<String>,
    pub time_zone: String,
}

impl Identity {
    pub fn inspector_ref(&self) -> InspectorRef {
        InspectorRef {
            user_id: self.user_id,
            name: self.display_name.clone(),
        }
    }
}

/// Live preview of an inspection being scored: outcome, reason, hazards and what blocks submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub evaluation: Evaluation,
    /// The reason in one Chinese sentence.
    pub reason_zh: String,
    pub hazards: Vec<Hazard>,
    pub problems: Vec<SubmitProblem>,
    pub answered: usize,
    pub total: usize,
}

/// One line of the inspection list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionSummary {
    pub id: InspectionId,
    pub shop_id: ShopId,
    pub started_at_ms: i64,
    pub submitted: bool,
    pub outcome: Option<String>,
}

/// A stored photo's summary, as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoSummary {
    pub hash: String,
    pub width: u32,
    pub height: u32,
}

/// A task whose owner submitted proof that waits for this inspector's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProofToReview {
    pub task_id: TaskId,
    pub round: u32,
    pub proof: ResponseRound,
}

/// The core of one device.
pub struct Device {
    conn: Mutex<Connection>,
    docs: Mutex<HashMap<DocId, Automerge>>,
    pub(crate) rules: RuleBook,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: reqwest::Client,
    path: PathBuf,
    /// Random part of this session's automerge actor, new every time the store is opened.
    session: [u8; 8],
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Device {
    /// Opens the device store at `path` with the system clock.
    pub fn open(path: &Path) -> DeviceResult<Device> {
        Device::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Opens the device store with a given clock (tests, the demo, a device in another zone).
    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> DeviceResult<Device> {
        let conn = store::open(path)?;
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| DeviceError::Storage(format!("HTTP client: {e}")))?;
        Ok(Device {
            conn: Mutex::new(conn),
            docs: Mutex::new(HashMap::new()),
            rules: RuleBook::builtin(),
            clock,
            http,
            path: path.to_owned(),
            session: uuid::Uuid::new_v4().as_bytes()[..8]
                .try_into()
                .expect("8 of 16 bytes"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// Returns the automerge actor this session writes with (see [`crdt::session_actor`]).
    pub fn actor(&self, identity: &Identity) -> ActorId {
        crdt::session_actor(identity.device_id, self.session)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        lock(&self.conn)
    }

    pub(crate) fn docs(&self) -> MutexGuard<'_, HashMap<DocId, Automerge>> {
        lock(&self.docs)
    }

    // ---- identity ----

    pub fn identity(&self) -> DeviceResult<Option<Identity>> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT server_url, device_id, user_id, display_name, role, token, time_zone FROM identity WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((server_url, device_id, user_id, display_name, role, token, time_zone)) = row else {
            return Ok(None);
        };
        Ok(Some(Identity {
            server_url,
            device_id: device_id
                .parse()
                .map_err(|_| DeviceError::Corrupt(format!("device id {device_id:?}")))?,
            user_id: user_id
                .parse()
                .map_err(|_| DeviceError::Corrupt(format!("user id {user_id:?}")))?,
            display_name,
            role: Role::parse(&role).ok_or_else(|| DeviceError::Corrupt(format!("role {role:?}")))?,
            token,
            time_zone,
        }))
    }

    /// Returns the signed-in identity or [`DeviceError::NotSignedIn`].
    pub fn require_identity(&self) -> DeviceResult<Identity> {
        self.identity()?.ok_or(DeviceError::NotSignedIn)
    }

    pub(crate) fn save_identity(&self, identity: &Identity) -> DeviceResult<()> {
        let current = self.identity()?;
        if let Some(current) = &current
            && current.user_id != identity.user_id
            && !store::outbox(&self.conn())?.is_empty()
        {
            return Err(DeviceError::Invalid(format!(
                "本机还有 {} 的记录未同步，请先同步后再换人登录 (sync the previous user's records first)",
                current.display_name
            )));
        }
        self.conn().execute(
            "INSERT INTO identity (id, server_url, device_id, user_id, display_name, role, token, time_zone, registered_at_ms)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET server_url = excluded.server_url, device_id = excluded.device_id,
                 user_id = excluded.user_id, display_name = excluded.display_name, role = excluded.role,
                 token = excluded.token, time_zone = excluded.time_zone, registered_at_ms = excluded.registered_at_ms",
            params![
                identity.server_url,
                identity.device_id.to_string(),
                identity.user_id.to_string(),
                identity.display_name,
                identity.role.as_str(),
                identity.token,
                identity.time_zone,
                self.now_ms()
            ],
        )?;
        // Documents in memory carry the old actor; reload them with the new one when next used.
        self.docs().clear();
        Ok(())
    }

    pub(crate) fn forget_token(&self) -> DeviceResult<()> {
        self.conn()
            .execute("UPDATE identity SET token = NULL WHERE id = 1", [])?;
        Ok(())
    }

    // ---- reference data ----

    pub fn shop(&self, id: ShopId) -> DeviceResult<Shop> {
        let record: Option<String> = self
            .conn()
            .query_row("SELECT record FROM shops WHERE id = ?1", [id.to_string()], |r| {
                r.get(0)
            })
            .optional()?;
        let record = record.ok_or_else(|| DeviceError::NotFound {
            what: "店铺",
            id: id.to_string(),
        })?;
        serde_json::from_str(&record).map_err(|e| DeviceError::Corrupt(format!("shop {id}: {e}")))
    }

    /// Finds shops whose name, address or licence number contains `query`.
    pub fn search_shops(&self, query: &str, limit: usize) -> DeviceResult<Vec<Shop>> {
        let pattern = format!("%{}%", query.trim().replace('%', "\\%").replace('_', "\\_"));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT record FROM shops WHERE name LIKE ?1 ESCAPE '\\' OR address LIKE ?1 ESCAPE '\\'
             OR licence_no LIKE ?1 ESCAPE '\\' ORDER BY name LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![pattern, limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|r| serde_json::from_str(&r?).map_err(|e| DeviceError::Corrupt(format!("shop: {e}"))))
            .collect()
    }

    /// Lists this inspector's planned visits, earliest due first.
    pub fn assignments(&self) -> DeviceResult<Vec<Assignment>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT record FROM assignments ORDER BY due, id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| serde_json::from_str(&r?).map_err(|e| DeviceError::Corrupt(format!("assignment: {e}"))))
            .collect()
    }

    pub fn colleagues(&self) -> DeviceResult<Vec<InspectorRef>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT user_id, name FROM colleagues ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (id, name) = r?;
            Ok(InspectorRef {
                user_id: id
                    .parse()
                    .map_err(|_| DeviceError::Corrupt(format!("user id {id:?}")))?,
                name,
            })
        })
        .collect()
    }

    // ---- documents ----

    /// Runs `f` on a cached document (loading it if needed).
    pub(crate) fn with_doc<T>(
        &self,
        id: DocId,
        f: impl FnOnce(&Automerge) -> DeviceResult<T>,
    ) -> DeviceResult<T> {
        let mut docs = self.docs();
        let doc = self.cached(&mut docs, id)?;
        f(doc)
    }

    fn cached<'a>(
        &self,
        docs: &'a mut HashMap<DocId, Automerge>,
        id: DocId,
    ) -> DeviceResult<&'a mut Automerge> {
        if let std::collections::hash_map::Entry::Vacant(slot) = docs.entry(id) {
            let identity = self.identity()?;
            let (_, mut doc) = store::load_doc(&self.conn(), id)?.ok_or_else(|| DeviceError::NotFound {
                what: "记录",
                id: id.to_string(),
            })?;
            if let Some(identity) = identity {
                doc.set_actor(self.actor(&identity));
            }
            slot.insert(doc);
        }
        Ok(docs.get_mut(&id).expect("inserted above"))
    }

    /// Applies one user action to a document and makes it durable before returning.
    ///
    /// `extra` runs inside the same SQLite transaction (storing a photo with the change that
    /// refers to it). If the commit fails, the cached document is dropped so that the next read
    /// reloads the durable state, and the action reports the error.
    pub(crate) fn edit(
        &self,
        id: DocId,
        kind: DocKind,
        create: Option<Automerge>,
        f: impl FnOnce(&mut Automerge) -> DeviceResult<()>,
        extra: impl FnOnce(&rusqlite::Transaction<'_>) -> DeviceResult<()>,
    ) -> DeviceResult<()> {
        let mut docs = self.docs();
        let (before, doc) = match create {
            Some(new_doc) => {
                if docs.contains_key(&id) || store::load_doc(&self.conn(), id)?.is_some() {
                    return Err(DeviceError::Invalid(format!(
                        "记录 {id} 已存在 (document exists)"
                    )));
                }
                docs.insert(id, new_doc);
                (Vec::new(), docs.get_mut(&id).expect("inserted above"))
            }
            None => {
                let doc = self.cached(&mut docs, id)?;
                (doc.get_heads(), doc)
            }
        };
        if let Err(e) = f(doc) {
            // A failed action may have committed nothing or part of a transaction: reload from disk.
            docs.remove(&id);
            return Err(e);
        }
        let changes = doc.get_changes(&before);
        let now = self.clock.now_ms();
        let result = (|| {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            store::append_changes(&tx, id, kind, &changes, now)?;
            extra(&tx)?;
            store::compact_if_long(&tx, id, doc)?;
            tx.commit()?;
            Ok(())
        })();
        if result.is_err() {
            docs.remove(&id);
        }
        result
    }

    fn template_for(&self, inspection: &Inspection) -> DeviceResult<&ChecklistTemplate> {
        Ok(self.rules.template(&inspection.template)?)
    }

    // ---- inspections ----

    /// Starts a visit to a shop with a second inspector; returns the new record's id.
    pub fn start_inspection(
        &self,
        shop_id: ShopId,
        kind: InspectionKind,
        partner: Option<InspectorRef>,
    ) -> DeviceResult<InspectionId> {
        let identity = self.require_identity()?;
        if identity.role != Role::Inspector {
            return Err(DeviceError::Invalid(
                "只有检查人员可以开始检查 (only inspectors start inspections)".into(),
            ));
        }
        let shop = self.shop(shop_id)?;
        let template = self
            .rules
            .latest_template_for(&shop.business_type)
            .ok_or_else(|| {
                DeviceError::Invalid(format!(
                    "没有适用于业态 {} 的检查表 (no checklist for this business type)",
                    shop.business_type
                ))
            })?;
        let mut inspectors = vec![identity.inspector_ref()];
        if let Some(partner) = partner.filter(|p| p.user_id != identity.user_id) {
            inspectors.push(partner);
        }
        let id = InspectionId::new_v7();
        let started_at_ms = self.clock.now_ms();
        let new = NewInspection {
            shop_id,
            template: template.reference(),
            kind,
            inspectors,
            started_at_ms,
            utc_offset_min: self.clock.utc_offset_min(),
        };
        let doc = inspection_doc::create(id, self.actor(&identity), &new)?;
        self.edit(
            id.into(),
            DocKind::Inspection,
            Some(doc),
            |_| Ok(()),
            |tx| {
                tx.execute(
                "INSERT INTO inspection_index (id, shop_id, started_at_ms, submitted) VALUES (?1, ?2, ?3, 0)",
                params![id.to_string(), shop_id.to_string(), started_at_ms],
            )?;
                Ok(())
            },
        )?;
        tracing::info!(inspection_id = %id, %shop_id, "inspection started");
        Ok(id)
    }

    pub fn inspection(&self, id: InspectionId) -> DeviceResult<Inspection> {
        self.with_doc(id.into(), |doc| Ok(inspection_doc::read(doc)?))
    }

    fn check_item(&self, id: InspectionId, item_id: &str) -> DeviceResult<()> {
        let reference = self.with_doc(id.into(), |doc| Ok(inspection_doc::template_of(doc)?))?;
        let template = self.rules.template(&reference)?;
        if template.item(item_id).is_none() {
            return Err(DeviceError::Invalid(format!(
                "检查项 {item_id} 不在检查表 {}@{} 中 (unknown item)",
                template.id, template.version
            )));
        }
        Ok(())
    }

    /// Records a tap on 是 / 否 / 合理缺项. Durable when it returns.
    pub fn answer(&self, id: InspectionId, item_id: &str, answer: Answer) -> DeviceResult<()> {
        self.check_item(id, item_id)?;
        let identity = self.require_identity()?;
        let at = self.clock.now_ms();
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| {
                Ok(inspection_doc::set_answer(
                    doc,
                    item_id,
                    answer,
                    identity.user_id,
                    at,
                )?)
            },
            |_| Ok(()),
        )
    }

    /// Records the remark (备注) of an item.
    pub fn set_remark(&self, id: InspectionId, item_id: &str, remark: &str) -> DeviceResult<()> {
        if remark.chars().count() > 500 {
            return Err(DeviceError::Invalid("备注最多 500 字 (remark too long)".into()));
        }
        let identity = self.require_identity()?;
        let at = self.clock.now_ms();
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| {
                Ok(inspection_doc::set_remark(
                    doc,
                    item_id,
                    remark,
                    identity.user_id,
                    at,
                )?)
            },
            |_| Ok(()),
        )
    }

    /// Processes a photo (upright, resized, content-addressed), stores it, and attaches it to an item.
    pub fn attach_photo(&self, id: InspectionId, item_id: &str, bytes: &[u8]) -> DeviceResult<PhotoSummary> {
        let processed = photo::process_photo(bytes)?;
        let summary = PhotoSummary {
            hash: processed.hash.clone(),
            width: processed.width,
            height: processed.height,
        };
        let hash = processed.hash.clone();
        let now = self.clock.now_ms();
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::add_photo(doc, item_id, &hash)?),
            |tx| store_photo(tx, &processed, now),
        )?;
        Ok(summary)
    }

    pub fn remove_photo(&self, id: InspectionId, item_id: &str, hash: &str) -> DeviceResult<()> {
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::remove_photo(doc, item_id, hash)?),
            |_| Ok(()),
        )
    }

    pub fn add_inspector(&self, id: InspectionId, inspector: &InspectorRef) -> DeviceResult<()> {
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::add_inspector(doc, inspector)?),
            |_| Ok(()),
        )
    }

    /// Orders rectification of a failed item: on the spot (with the measure) or by a deadline.
    pub fn order_rectification(
        &self,
        id: InspectionId,
        item_id: &str,
        mode: RectificationMode,
        tier: Tier,
    ) -> DeviceResult<()> {
        let identity = self.require_identity()?;
        let inspection = self.inspection(id)?;
        let template = self.template_for(&inspection)?;
        let item = template
            .item(item_id)
            .ok_or_else(|| DeviceError::Invalid(format!("检查项 {item_id} 不在检查表中")))?;
        match inspection.answer(item_id).map(|a| item.verdict(a)) {
            Some(ItemVerdict::Failed) => {}
            _ => {
                return Err(DeviceError::Invalid(format!(
                    "{item_id} 未判为不符合，无需整改 (item has not failed)"
                )));
            }
        }
        match &mode {
            RectificationMode::OnSpot { measure } if measure.trim().is_empty() => {
                return Err(DeviceError::Invalid(
                    "现场整改须填写整改措施 (describe the measure taken)".into(),
                ));
            }
            RectificationMode::Deadline { due, .. } if due_before_today(*due, self.clock.as_ref()) => {
                return Err(DeviceError::Invalid(format!(
                    "整改期限 {due} 早于今天 (deadline is in the past)"
                )));
            }
            _ => {}
        }
        let order = RectificationOrder {
            mode,
            tier,
            ordered_by: identity.user_id,
            ordered_at_ms: self.clock.now_ms(),
        };
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::set_rectification(doc, item_id, &order)?),
            |_| Ok(()),
        )
    }

    /// Records the signature of the shop's person in charge, from the canvas as PNG.
    pub fn sign(&self, id: InspectionId, signer_name: &str, png: &[u8]) -> DeviceResult<PhotoSummary> {
        if signer_name.trim().is_empty() {
            return Err(DeviceError::Invalid(
                "请填写签字人姓名 (signer name is required)".into(),
            ));
        }
        let processed = photo::process_photo(png)?;
        let summary = PhotoSummary {
            hash: processed.hash.clone(),
            width: processed.width,
            height: processed.height,
        };
        let signature = Signature::Signed {
            signer_name: signer_name.trim().to_owned(),
            image: processed.hash.clone(),
            at_ms: self.clock.now_ms(),
        };
        let now = self.clock.now_ms();
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::set_signature(doc, &signature)?),
            |tx| store_photo(tx, &processed, now),
        )?;
        Ok(summary)
    }

    /// Records that the shop refused to sign, with the reason and a witness.
    pub fn refuse_signature(&self, id: InspectionId, reason: &str, witness: &str) -> DeviceResult<()> {
        if reason.trim().is_empty() || witness.trim().is_empty() {
            return Err(DeviceError::Invalid(
                "拒签须记录原因和见证人 (reason and witness are required)".into(),
            ));
        }
        let signature = Signature::Refused {
            reason: reason.trim().to_owned(),
            witness: witness.trim().to_owned(),
            at_ms: self.clock.now_ms(),
        };
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| Ok(inspection_doc::set_signature(doc, &signature)?),
            |_| Ok(()),
        )
    }

    /// Computes the live outcome preview with its reason, hazards and what blocks submission.
    pub fn preview(&self, id: InspectionId) -> DeviceResult<Preview> {
        let inspection = self.inspection(id)?;
        let template = self.template_for(&inspection)?;
        let evaluation = inspection.evaluate(&self.rules)?;
        Ok(Preview {
            reason_zh: evaluation.reason_zh(),
            hazards: inspection.hazards(template),
            problems: inspection.submit_problems(template),
            answered: template
                .items
                .iter()
                .filter(|i| inspection.answers.contains_key(&i.id))
                .count(),
            total: template.items.len(),
            evaluation,
        })
    }

    /// Seals the record for sync after checking it is complete; returns the outcome shown.
    pub fn submit(&self, id: InspectionId) -> DeviceResult<Evaluation> {
        let identity = self.require_identity()?;
        let preview = self.preview(id)?;
        if !preview.problems.is_empty() {
            return Err(DeviceError::NotReady {
                problems: preview.problems,
            });
        }
        let outcome = preview.evaluation.outcome;
        let at = self.clock.now_ms();
        self.edit(
            id.into(),
            DocKind::Inspection,
            None,
            |doc| {
                inspection_doc::submit(doc, identity.user_id, at, outcome)?;
                Ok(())
            },
            |tx| {
                tx.execute(
                    "UPDATE inspection_index SET submitted = 1, outcome = ?2 WHERE id = ?1",
                    params![id.to_string(), outcome.as_str()],
                )?;
                Ok(())
            },
        )?;
        tracing::info!(inspection_id = %id, outcome = outcome.as_str(), "inspection submitted");
        Ok(preview.evaluation)
    }

    /// Lists inspections on this device, newest first.
    pub fn inspections(&self) -> DeviceResult<Vec<InspectionSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, shop_id, started_at_ms, submitted, outcome FROM inspection_index ORDER BY started_at_ms DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (id, shop, started_at_ms, submitted, outcome) = row?;
            Ok(InspectionSummary {
                id: id
                    .parse()
                    .map_err(|_| DeviceError::Corrupt(format!("inspection id {id:?}")))?,
                shop_id: shop
                    .parse()
                    .map_err(|_| DeviceError::Corrupt(format!("shop id {shop:?}")))?,
                started_at_ms,
                submitted,
                outcome,
            })
        })
        .collect()
    }

    /// Returns a stored photo: the full JPEG and the thumbnail.
    pub fn photo(&self, hash: &str) -> DeviceResult<(Vec<u8>, Vec<u8>)> {
        self.conn()
            .query_row(
                "SELECT jpeg, thumbnail FROM photos WHERE hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| DeviceError::NotFound {
                what: "照片",
                id: hash.to_owned(),
            })
    }

    // ---- rectification review ----

    /// Lists owners' proof that waits for a decision, from the response documents synced here.
    pub fn proof_to_review(&self) -> DeviceResult<Vec<ProofToReview>> {
        let ids: Vec<DocId> = store::all_docs(&self.conn())?
            .into_iter()
            .filter(|(_, kind)| *kind == DocKind::RectificationResponse)
            .map(|(id, _)| id)
            .collect();
        let mut out = Vec::new();
        for id in ids {
            let (task, rounds) = self.with_doc(id, |doc| {
                Ok((task_docs::task_of(doc)?, task_docs::read_rounds(doc)?))
            })?;
            let Some(latest) = rounds.last().cloned() else {
                continue;
            };
            let round = (rounds.len() - 1) as u32;
            let decided = self.reviews_of(task)?.iter().any(|r| r.round == round);
            if !decided {
                out.push(ProofToReview {
                    task_id: task,
                    round,
                    proof: latest,
                });
            }
        }
        Ok(out)
    }

    fn reviews_of(&self, task: TaskId) -> DeviceResult<Vec<Review>> {
        match self.with_doc(task.review_doc(), |doc| Ok(task_docs::read_reviews(doc)?)) {
            Ok(reviews) => Ok(reviews),
            Err(DeviceError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Returns a task's state from the rounds and reviews synced to this device.
    pub fn task_state(&self, task: TaskId, mode: &RectificationMode) -> DeviceResult<TaskState> {
        let rounds = match self.with_doc(task.response_doc(), |doc| Ok(task_docs::read_rounds(doc)?)) {
            Ok(rounds) => rounds,
            Err(DeviceError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(foodpatrol_shared::rectification::derive_task_state(
            mode,
            &rounds,
            &self.reviews_of(task)?,
        ))
    }

    /// Verifies or returns the owner's latest proof of a task (复查). Durable when it returns.
    pub fn review_task(&self, task: TaskId, decision: ReviewDecision, remark: &str) -> DeviceResult<()> {
        let identity = self.require_identity()?;
        if identity.role != Role::Inspector {
            return Err(DeviceError::Invalid(
                "只有检查人员可以复查整改 (only inspectors review)".into(),
            ));
        }
        let rounds = self
            .with_doc(task.response_doc(), |doc| Ok(task_docs::read_rounds(doc)?))
            .map_err(|e| match e {
                DeviceError::NotFound { .. } => {
                    DeviceError::Invalid("经营者尚未提交整改材料 (no proof submitted yet)".into())
                }
                other => other,
            })?;
        let round = rounds
            .len()
            .checked_sub(1)
            .ok_or_else(|| DeviceError::Invalid("经营者尚未提交整改材料".into()))? as u32;
        if decision == ReviewDecision::Returned && remark.trim().is_empty() {
            return Err(DeviceError::Invalid(
                "退回整改须说明原因 (say why the proof is returned)".into(),
            ));
        }
        let review = Review {
            round,
            decision,
            remark: remark.trim().to_owned(),
            by: identity.user_id,
            at_ms: self.clock.now_ms(),
        };
        let doc_id = task.review_doc();
        let exists = self.with_doc(doc_id, |_| Ok(())).is_ok();
        let create = if exists {
            None
        } else {
            Some(task_docs::create_review(task, self.actor(&identity))?)
        };
        self.edit(
            doc_id,
            DocKind::RectificationReview,
            create,
            |doc| Ok(task_docs::add_review(doc, &review)?),
            |_| Ok(()),
        )?;
        tracing::info!(%task, round, ?decision, "task reviewed");
        Ok(())
    }
}

fn due_before_today(due: NaiveDate, clock: &dyn Clock) -> bool {
    let local_ms = clock.now_ms() + i64::from(clock.utc_offset_min()) * 60_000;
    chrono::DateTime::from_timestamp_millis(local_ms).is_some_and(|t| due < t.date_naive())
}

fn store_photo(tx: &rusqlite::Transaction<'_>, photo: &ProcessedPhoto, now_ms: i64) -> DeviceResult<()> {
    tx.execute(
        "INSERT INTO photos (hash, jpeg, thumbnail, width, height, meta, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(hash) DO NOTHING",
        params![
            photo.hash,
            photo.jpeg,
            photo.thumbnail,
            photo.width,
            photo.height,
            serde_json::to_string(&photo.meta).expect("photo metadata serializes"),
            now_ms
        ],
    )?;
    Ok(())
}
