//! The sync service: checks who wrote each pushed change, merges, projects, and returns what
//! the device lacks — all documents in one round trip.
//!
//! A request is accepted or rejected whole. Every new change must be authored by the calling
//! device: its automerge actor starts with the device id (see `crdt::session_actor`). The caller's
//! role must be the writer role of the document's kind. The only other author allowed is a
//! document's deterministic skeleton. A request with any refused document stores nothing and names
//! each refused document, so the device can set those aside and sync the rest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use chrono::Utc;
use foodpatrol_shared::crdt::{self, DocError, inspection_doc, task_docs};
use foodpatrol_shared::ids::{DocId, TaskId, UserId};
use foodpatrol_shared::inspection::Inspection;
use foodpatrol_shared::protocol::{
    DocAck, DocKind, DocUpdate, PROTOCOL_VERSION, PhotoStatus, RejectedDoc, SyncRequest, SyncResponse,
};
use foodpatrol_shared::rectification::{ResponseRound, Review};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::time::SKEW_FLAG_MS;
use serde_bytes::ByteBuf;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::projection::{self, InspectionInput, TaskProgressSource};
use crate::store::{DocWrite, Projection, StoreError, SyncCommit, TaskInfo};

/// Maximum documents in one request; a device splits a larger outbox into batches.
pub const MAX_DOCS_PER_REQUEST: usize = 1_000;
/// Maximum documents returned from the feed in one response; `more` asks the device to continue.
pub const FEED_LIMIT: usize = 500;
const MAX_MERGE_ATTEMPTS: usize = 8;

fn reject(doc_id: DocId, code: &str, message: impl Into<String>) -> RejectedDoc {
    RejectedDoc {
        doc_id,
        code: code.to_owned(),
        message: message.into(),
    }
}

/// A pushed document, its changes decoded.
struct Push {
    doc_id: DocId,
    kind: DocKind,
    changes: Vec<Change>,
    device_heads: Vec<ChangeHash>,
}

/// A document after merging a push, ready to write.
struct Merged {
    doc: Automerge,
    expected_version: Option<u64>,
    new_changes: u32,
    /// Content addresses the merged document refers to, filled in when its meaning is read.
    photo_refs: Vec<String>,
}

/// Documents read to compute task projections: merged in-request copies first, then stored ones.
#[derive(Default)]
struct Related {
    rounds: HashMap<TaskId, Vec<ResponseRound>>,
    reviews: HashMap<TaskId, Vec<Review>>,
}

impl TaskProgressSource for Related {
    fn rounds(&self, task: TaskId) -> Vec<ResponseRound> {
        self.rounds.get(&task).cloned().unwrap_or_default()
    }

    fn reviews(&self, task: TaskId) -> Vec<Review> {
        self.reviews.get(&task).cloned().unwrap_or_default()
    }
}

fn decode_pushes(request: &SyncRequest) -> Result<Vec<Push>, AppError> {
    let mut seen = BTreeSet::new();
    let mut pushes = Vec::with_capacity(request.docs.len());
    let mut rejected = Vec::new();
    for doc in &request.docs {
        if !seen.insert(doc.doc_id) {
            return Err(AppError::bad_request(
                "duplicate_document",
                format!(
                    "请求中文档 {} 出现两次 (document listed twice; merge its changes into one entry)",
                    doc.doc_id
                ),
            ));
        }
        let mut changes = Vec::with_capacity(doc.changes.len());
        for (index, bytes) in doc.changes.iter().enumerate() {
            match Change::from_bytes(bytes.to_vec()) {
                Ok(change) => changes.push(change),
                Err(e) => {
                    rejected.push(reject(
                        doc.doc_id,
                        "invalid_change",
                        format!("第 {index} 个变更无法解码 (change {index} is not an automerge change: {e})"),
                    ));
                    break;
                }
            }
        }
        let device_heads = match crdt::heads_from_hex(&doc.heads) {
            Ok(heads) => heads,
            Err(e) => {
                rejected.push(reject(doc.doc_id, "invalid_heads", e.to_string()));
                Vec::new()
            }
        };
        pushes.push(Push {
            doc_id: doc.doc_id,
            kind: doc.kind,
            changes,
            device_heads,
        });
    }
    if !rejected.is_empty() {
        return Err(AppError::SyncRejected {
            forbidden: false,
            rejected,
        });
    }
    Ok(pushes)
}

/// Merges one push into the stored copy after checking every new change's author.
fn merge_push(
    caller: &Caller,
    push: &Push,
    stored: Option<(&[u8], DocKind, u64)>,
) -> Result<Merged, RejectedDoc> {
    let (mut doc, expected_version) = match stored {
        Some((bytes, kind, version)) => {
            if kind != push.kind {
                return Err(reject(
                    push.doc_id,
                    "kind_mismatch",
                    format!(
                        "文档类型不符：服务器上是 {}，请求中是 {} (stored kind differs)",
                        kind.as_str(),
                        push.kind.as_str()
                    ),
                ));
            }
            let doc = Automerge::load(bytes)
                .map_err(|e| reject(push.doc_id, "stored_document_unreadable", e.to_string()))?;
            (doc, Some(version))
        }
        None => (Automerge::new(), None),
    };
    let skeleton_actor = crdt::skeleton_actor(push.doc_id);
    let mut new_changes = Vec::new();
    for change in &push.changes {
        if doc.get_change_by_hash(&change.hash()).is_some()
            || new_changes.iter().any(|c: &Change| c.hash() == change.hash())
        {
            continue;
        }
        let actor = change.actor_id();
        if *actor == skeleton_actor {
            if change.hash() != crdt::skeleton_hash(push.kind, push.doc_id) {
                return Err(reject(
                    push.doc_id,
                    "forged_skeleton",
                    "文档骨架与其编号不符 (skeleton change does not match the document id)",
                ));
            }
        } else if crdt::actor_device(actor) != Some(caller.device.id) {
            return Err(reject(
                push.doc_id,
                "foreign_actor",
                format!(
                    "变更 {} 不是本设备写入的 (change author {actor} is not this device)",
                    change.hash()
                ),
            ));
        } else if caller.user.role != push.kind.writer_role() {
            return Err(reject(
                push.doc_id,
                "wrong_role",
                format!(
                    "{}账号不能修改{} (role {} may not write {} documents; only {} may)",
                    caller.user.role.label_zh(),
                    kind_label(push.kind),
                    caller.user.role.as_str(),
                    push.kind.as_str(),
                    push.kind.writer_role().as_str()
                ),
            ));
        }
        new_changes.push(change.clone());
    }
    let count = new_changes.len() as u32;
    doc.apply_changes(new_changes)
        .map_err(|e| reject(push.doc_id, "invalid_change", e.to_string()))?;
    let missing = doc.get_missing_deps(&[]);
    if !missing.is_empty() {
        return Err(reject(
            push.doc_id,
            "missing_dependencies",
            format!(
                "缺少 {} 个前置变更，请重新发送全部变更 (send every change of this document)",
                missing.len()
            ),
        ));
    }
    let header = crdt::read_header(&doc).map_err(|e| invalid(push.doc_id, &e))?;
    if header.id != push.doc_id || header.kind != push.kind {
        return Err(reject(
            push.doc_id,
            "invalid_document",
            "文档头与请求不符 (document header does not match the pushed id and kind)",
        ));
    }
    Ok(Merged {
        doc,
        expected_version,
        new_changes: count,
        photo_refs: Vec::new(),
    })
}

fn invalid(doc_id: DocId, e: &DocError) -> RejectedDoc {
    reject(
        doc_id,
        "invalid_document",
        format!("文档内容无效 (invalid document): {e}"),
    )
}

fn kind_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Inspection => "检查记录",
        DocKind::RectificationResponse => "整改回复",
        DocKind::RectificationReview => "整改复查",
    }
}

/// The meaning of a merged document, read and checked.
#[allow(clippy::large_enum_variant)] // Short-lived, one per pushed document.
enum Meaning {
    Inspection {
        current: Inspection,
        sealed: Option<inspection_doc::SealedRecord>,
    },
    Response {
        task: TaskInfo,
        rounds: Vec<ResponseRound>,
    },
    Review {
        task: TaskInfo,
        reviews: Vec<Review>,
    },
}

/// Runs one sync request.
pub async fn sync(state: &AppState, caller: &Caller, request: SyncRequest) -> Result<SyncResponse, AppError> {
    if request.protocol != PROTOCOL_VERSION {
        return Err(AppError::bad_request(
            "unsupported_protocol",
            format!(
                "同步协议版本 {} 不受支持，服务器使用 {PROTOCOL_VERSION}；请升级应用 (update the app)",
                request.protocol
            ),
        ));
    }
    if request.docs.len() > MAX_DOCS_PER_REQUEST {
        return Err(AppError::TooLarge {
            message: format!(
                "一次同步最多 {MAX_DOCS_PER_REQUEST} 个文档，请求有 {} 个 (split the batch)",
                request.docs.len()
            ),
        });
    }
    let received_at = Utc::now();
    let skew_ms = request.device_now_ms - received_at.timestamp_millis();
    let pushes = decode_pushes(&request)?;

    let mut attempt = 0;
    let (merged, _cursor) = loop {
        attempt += 1;
        let merged = merge_all(state, caller, &pushes).await?;
        let (commit, merged) = build_commit(state, caller, &pushes, merged, skew_ms, received_at).await?;
        match state.store.commit_sync(commit).await {
            Ok(cursor) => break (merged, cursor),
            Err(StoreError::Conflict { doc_id }) if attempt < MAX_MERGE_ATTEMPTS => {
                tracing::debug!(%doc_id, attempt, "concurrent write, merging again");
            }
            Err(e) => return Err(e.into()),
        }
    };
    if merged.values().any(|m| m.new_changes > 0) {
        tracing::info!(
            device_id = %caller.device.id,
            docs = pushes.len(),
            new_changes = merged.values().map(|m| m.new_changes).sum::<u32>(),
            skew_ms,
            "sync merged"
        );
    }
    if skew_ms.abs() > SKEW_FLAG_MS {
        tracing::warn!(device_id = %caller.device.id, skew_ms, "device clock skew beyond the flag threshold");
    }

    // What the device lacks of the documents it pushed.
    let mut acks = Vec::new();
    let mut updates = Vec::new();
    let mut photo_refs = BTreeSet::new();
    for push in &pushes {
        let m = &merged[&push.doc_id];
        let heads = m.doc.get_heads();
        let known: Vec<ChangeHash> = push
            .device_heads
            .iter()
            .copied()
            .filter(|h| m.doc.get_change_by_hash(h).is_some())
            .collect();
        let base = if known.len() == push.device_heads.len() {
            known
        } else {
            Vec::new()
        };
        let lacking = m.doc.get_changes(&base);
        if !lacking.is_empty() {
            updates.push(DocUpdate {
                doc_id: push.doc_id,
                kind: push.kind,
                changes: lacking
                    .iter()
                    .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
                    .collect(),
                heads: crdt::heads_to_hex(&heads),
            });
        }
        acks.push(DocAck {
            doc_id: push.doc_id,
            heads: crdt::heads_to_hex(&heads),
            new_changes: m.new_changes,
        });
        photo_refs.extend(m.photo_refs.iter().cloned());
    }

    // Documents others changed since the cursor.
    let pushed: BTreeSet<DocId> = pushes.iter().map(|p| p.doc_id).collect();
    let page = state
        .store
        .feed(caller.user.id, request.cursor, FEED_LIMIT)
        .await?;
    let (complete_to, more) = (page.complete_to, page.more);
    let wanted: Vec<_> = page
        .entries
        .into_iter()
        .filter(|e| !pushed.contains(&e.doc_id))
        .collect();
    let ids: Vec<DocId> = wanted.iter().map(|e| e.doc_id).collect();
    let stored: HashMap<DocId, Vec<u8>> = state
        .store
        .load_docs(&ids)
        .await?
        .into_iter()
        .map(|d| (d.id, d.bytes))
        .collect();
    for entry in wanted {
        let Some(bytes) = stored.get(&entry.doc_id) else {
            continue;
        };
        let doc = Automerge::load(bytes)
            .map_err(|e| AppError::Internal(format!("stored document {} unreadable: {e}", entry.doc_id)))?;
        let base = entry
            .heads_at_cursor
            .as_deref()
            .and_then(|h| crdt::heads_from_hex(h).ok())
            .filter(|h| h.iter().all(|hash| doc.get_change_by_hash(hash).is_some()))
            .unwrap_or_default();
        let changes = doc.get_changes(&base);
        if changes.is_empty() {
            continue;
        }
        updates.push(DocUpdate {
            doc_id: entry.doc_id,
            kind: entry.kind,
            changes: changes
                .iter()
                .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
                .collect(),
            heads: crdt::heads_to_hex(&doc.get_heads()),
        });
    }

    let photo_refs: Vec<String> = photo_refs.into_iter().collect();
    let mut missing_photos = Vec::new();
    for hash in state.store.missing_photos(&photo_refs).await? {
        let received_bytes = state.blobs.partial_len(&hash).await.unwrap_or(0);
        missing_photos.push(PhotoStatus { hash, received_bytes });
    }
    let reference = state.store.reference_since(&caller.user, request.cursor).await?;
    if pushes.is_empty() {
        state
            .store
            .touch_device(caller.device.id, received_at, skew_ms)
            .await?;
    }
    Ok(SyncResponse {
        server_now_ms: received_at.timestamp_millis(),
        skew_ms,
        skew_flagged: skew_ms.abs() > SKEW_FLAG_MS,
        cursor: complete_to,
        acks,
        updates,
        reference,
        missing_photos,
        more,
    })
}

/// Lists the content addresses a document refers to.
pub fn photo_refs_of(doc: &Automerge) -> Vec<String> {
    match crdt::read_header(doc).map(|h| h.kind) {
        Ok(DocKind::Inspection) => inspection_doc::read(doc)
            .map(|i| i.photo_refs())
            .unwrap_or_default(),
        Ok(DocKind::RectificationResponse) => task_docs::read_rounds(doc)
            .map(|rounds| rounds.into_iter().flat_map(|r| r.photos).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

async fn merge_all(
    state: &AppState,
    caller: &Caller,
    pushes: &[Push],
) -> Result<BTreeMap<DocId, Merged>, AppError> {
    let ids: Vec<DocId> = pushes.iter().map(|p| p.doc_id).collect();
    let stored: HashMap<DocId, _> = state
        .store
        .load_docs(&ids)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut merged = BTreeMap::new();
    let mut rejected = Vec::new();
    for push in pushes {
        let stored = stored
            .get(&push.doc_id)
            .map(|d| (d.bytes.as_slice(), d.kind, d.version));
        match merge_push(caller, push, stored) {
            Ok(m) => {
                merged.insert(push.doc_id, m);
            }
            Err(r) => rejected.push(r),
        }
    }
    if !rejected.is_empty() {
        let forbidden = rejected.iter().any(|r| {
            matches!(
                r.code.as_str(),
                "wrong_role" | "foreign_actor" | "forged_skeleton"
            )
        });
        return Err(AppError::SyncRejected { forbidden, rejected });
    }
    Ok(merged)
}

/// Reads each merged document's meaning, checks it against the register and the caller, and
/// builds the atomic write.
async fn build_commit(
    state: &AppState,
    caller: &Caller,
    pushes: &[Push],
    mut merged: BTreeMap<DocId, Merged>,
    skew_ms: i64,
    received_at: chrono::DateTime<Utc>,
) -> Result<(SyncCommit, BTreeMap<DocId, Merged>), AppError> {
    let mut rejected = Vec::new();
    let mut forbidden = false;
    let mut meanings: BTreeMap<DocId, Meaning> = BTreeMap::new();
    for push in pushes {
        let doc = &merged[&push.doc_id].doc;
        let meaning = match push.kind {
            DocKind::Inspection => {
                let current = match inspection_doc::read(doc) {
                    Ok(i) => i,
                    Err(e) => {
                        rejected.push(invalid(push.doc_id, &e));
                        continue;
                    }
                };
                let sealed = match inspection_doc::seal_of(doc, current.clone()) {
                    Ok(s) => s,
                    Err(e) => {
                        rejected.push(invalid(push.doc_id, &e));
                        continue;
                    }
                };
                if let Err(e) = state.rules.template(&current.template) {
                    rejected.push(reject(push.doc_id, "unknown_template", e.to_string()));
                    continue;
                }
                if state.store.shops_by_ids(&[current.shop_id]).await?.is_empty() {
                    rejected.push(reject(
                        push.doc_id,
                        "unknown_shop",
                        format!(
                            "检查对象 {} 不在本区经营者名录中 (shop not in the register)",
                            current.shop_id
                        ),
                    ));
                    continue;
                }
                if merged[&push.doc_id].new_changes > 0
                    && !current.inspectors.iter().any(|i| i.user_id == caller.user.id)
                {
                    forbidden = true;
                    rejected.push(reject(
                        push.doc_id,
                        "not_an_inspector_of_record",
                        "只有记录上列明的检查人员可以修改该记录 (only the record's inspectors may change it)",
                    ));
                    continue;
                }
                Meaning::Inspection { current, sealed }
            }
            DocKind::RectificationResponse | DocKind::RectificationReview => {
                let task_id = match task_docs::task_of(doc) {
                    Ok(t) => t,
                    Err(e) => {
                        rejected.push(invalid(push.doc_id, &e));
                        continue;
                    }
                };
                let Some(task) = state.store.task(task_id).await? else {
                    rejected.push(reject(
                        push.doc_id,
                        "unknown_task",
                        format!("整改任务 {task_id} 不存在，请先同步检查记录 (the task's inspection has not synced)"),
                    ));
                    continue;
                };
                if push.kind == DocKind::RectificationResponse {
                    if merged[&push.doc_id].new_changes > 0 && caller.user.shop_id != Some(task.shop_id) {
                        forbidden = true;
                        rejected.push(reject(
                            push.doc_id,
                            "not_your_shop",
                            "只能回复本店的整改任务 (an owner may answer only its own shop's tasks)",
                        ));
                        continue;
                    }
                    let rounds = match task_docs::read_rounds(doc) {
                        Ok(rounds) => rounds,
                        Err(e) => {
                            rejected.push(invalid(push.doc_id, &e));
                            continue;
                        }
                    };
                    if let Some(hash) = foreign_photo(state, caller, &task, &rounds).await? {
                        forbidden = true;
                        rejected.push(reject(
                            push.doc_id,
                            "foreign_photo",
                            format!(
                                "整改材料只能引用本账号上传的照片，照片 {hash} 不是 (proof may cite only photos this account uploaded)"
                            ),
                        ));
                        continue;
                    }
                    Meaning::Response { task, rounds }
                } else {
                    match task_docs::read_reviews(doc) {
                        Ok(reviews) => Meaning::Review { task, reviews },
                        Err(e) => {
                            rejected.push(invalid(push.doc_id, &e));
                            continue;
                        }
                    }
                }
            }
        };
        meanings.insert(push.doc_id, meaning);
    }
    if !rejected.is_empty() {
        return Err(AppError::SyncRejected { forbidden, rejected });
    }

    // Task progress: rounds and reviews from this request first, then from stored documents.
    let mut related = Related::default();
    for meaning in meanings.values() {
        match meaning {
            Meaning::Response { task, rounds } => {
                related.rounds.insert(task.row.id, rounds.clone());
            }
            Meaning::Review { task, reviews } => {
                related.reviews.insert(task.row.id, reviews.clone());
            }
            Meaning::Inspection { .. } => {}
        }
    }
    let mut needed: Vec<(TaskId, DocId, bool)> = Vec::new();
    for meaning in meanings.values() {
        match meaning {
            Meaning::Inspection {
                current,
                sealed: Some(_),
            } => {
                let template = state.rules.template(&current.template).expect("checked above");
                for hazard in current.hazards(template) {
                    needed.push((hazard.task_id, hazard.task_id.response_doc(), true));
                    needed.push((hazard.task_id, hazard.task_id.review_doc(), false));
                }
            }
            Meaning::Response { task, .. } => needed.push((task.row.id, task.row.id.review_doc(), false)),
            Meaning::Review { task, .. } => needed.push((task.row.id, task.row.id.response_doc(), true)),
            Meaning::Inspection { sealed: None, .. } => {}
        }
    }
    needed.retain(|(_, doc_id, _)| !merged.contains_key(doc_id));
    let ids: Vec<DocId> = needed.iter().map(|(_, d, _)| *d).collect();
    let stored: HashMap<DocId, _> = state
        .store
        .load_docs(&ids)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut reads = Vec::new();
    for (task, doc_id, is_response) in &needed {
        let stored_doc = stored.get(doc_id);
        reads.push((*doc_id, stored_doc.map(|d| d.version)));
        let Some(stored_doc) = stored_doc else { continue };
        let doc = Automerge::load(&stored_doc.bytes)
            .map_err(|e| AppError::Internal(format!("stored document {doc_id} unreadable: {e}")))?;
        if *is_response {
            let rounds = task_docs::read_rounds(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
            related.rounds.entry(*task).or_insert(rounds);
        } else {
            let reviews = task_docs::read_reviews(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
            related.reviews.entry(*task).or_insert(reviews);
        }
    }
    reads.sort_by_key(|(id, _)| *id);
    reads.dedup_by_key(|(id, _)| *id);

    for (doc_id, meaning) in &meanings {
        let refs = match meaning {
            Meaning::Inspection { current, .. } => current.photo_refs(),
            Meaning::Response { rounds, .. } => {
                rounds.iter().flat_map(|r| r.photos.iter().cloned()).collect()
            }
            Meaning::Review { .. } => Vec::new(),
        };
        if let Some(m) = merged.get_mut(doc_id) {
            m.photo_refs = refs;
        }
    }

    let mut writes = Vec::new();
    for push in pushes {
        let m = &merged[&push.doc_id];
        let (projection, audience) = match &meanings[&push.doc_id] {
            Meaning::Inspection { current, sealed } => {
                let template = state.rules.template(&current.template).expect("checked above");
                let input = InspectionInput {
                    current,
                    sealed: sealed.as_ref(),
                    template,
                    rules: &state.rules,
                    time_zone: state.time_zone,
                    skew_ms,
                    received_at,
                };
                let row = projection::project_inspection(&input, &related);
                if let Some(result) = &row.result
                    && result.disagrees
                {
                    tracing::warn!(
                        inspection_id = %current.id,
                        server_outcome = %result.outcome,
                        device_outcome = %result.device_outcome,
                        "device and server outcomes disagree"
                    );
                }
                let audience: Vec<UserId> = current.inspectors.iter().map(|i| i.user_id).collect();
                (Projection::Inspection(Box::new(row)), audience)
            }
            Meaning::Response { task, rounds } => {
                let row = progress_row(task, rounds.clone(), related.reviews(task.row.id));
                (Projection::Task(row), task_audience(state, task).await?)
            }
            Meaning::Review { task, reviews } => {
                let row = progress_row(task, related.rounds(task.row.id), reviews.clone());
                (Projection::Task(row), task_audience(state, task).await?)
            }
        };
        if m.new_changes == 0 && m.expected_version.is_some() {
            // Nothing new: a retried or repeated push. Write nothing, so the feed does not move.
            continue;
        }
        writes.push(DocWrite {
            id: push.doc_id,
            kind: push.kind,
            expected_version: m.expected_version,
            bytes: m.doc.save(),
            heads: crdt::heads_to_hex(&m.doc.get_heads()),
            audience,
            photos: m.photo_refs.clone(),
            projection,
        });
    }
    Ok((
        SyncCommit {
            device_id: caller.device.id,
            skew_ms,
            writes,
            reads,
        },
        merged,
    ))
}

fn progress_row(task: &TaskInfo, rounds: Vec<ResponseRound>, reviews: Vec<Review>) -> crate::store::TaskRow {
    projection::TaskOrigin::from(&task.row).with_progress(rounds, reviews)
}

/// Returns the first photo newly cited by proof rounds that the caller did not upload, if any.
///
/// Citing a photo makes it readable by the shop's owners, so an owner could otherwise unlock any
/// stored photo whose hash it knows. A photo not on the server yet reveals nothing and is allowed.
async fn foreign_photo(
    state: &AppState,
    caller: &Caller,
    task: &TaskInfo,
    rounds: &[ResponseRound],
) -> Result<Option<String>, AppError> {
    let cited_before: BTreeSet<&String> = task.row.rounds.iter().flat_map(|r| r.photos.iter()).collect();
    for hash in rounds
        .iter()
        .flat_map(|r| r.photos.iter())
        .filter(|h| !cited_before.contains(h))
    {
        let Some(photo) = state.store.photo(hash).await? else {
            continue;
        };
        let uploader = state.store.devices_by_ids(&[photo.uploaded_by]).await?;
        if !uploader.iter().any(|(_, user)| user.id == caller.user.id) {
            return Ok(Some(hash.clone()));
        }
    }
    Ok(None)
}

/// Returns the task's inspectors and the owner accounts of its shop.
async fn task_audience(state: &AppState, task: &TaskInfo) -> Result<Vec<UserId>, AppError> {
    let mut audience = task.inspectors.clone();
    audience.extend(state.store.owners_of_shop(task.shop_id).await?);
    Ok(audience)
}

/// Roles that may run a sync at all.
pub const SYNC_ROLES: [Role; 2] = [Role::Inspector, Role::Owner];
