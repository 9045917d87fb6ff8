//! The sync client: the outbox, one-round-trip document sync, and resumable photo uploads.
//!
//! A sync sends every document with unacknowledged changes (in batches under the server's body
//! limit), applies what the server returns in one SQLite transaction, and only then moves the
//! cursor and the acknowledged heads. A lost response is therefore harmless: the next sync sends
//! the same changes, which the server merges as no-ops. Documents the server refuses are set aside
//! with its message (never deleted, never retried in a loop) and the rest are synced.

use std::collections::BTreeSet;

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use foodpatrol_shared::crdt::{self, inspection_doc};
use foodpatrol_shared::ids::DocId;
use foodpatrol_shared::protocol::{
    ApiError, CBOR_MEDIA_TYPE, DocKind, DocPush, MAX_SYNC_BODY_BYTES, PROTOCOL_VERSION, RegisterRequest,
    RegisterResponse, RejectedDoc, SyncRequest, SyncResponse, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER,
};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::device::{Device, Identity};
use crate::error::{DeviceError, DeviceResult};
use crate::store;

/// A batch is closed once its changes reach this size, leaving room under the server's limit.
const BATCH_BYTES: usize = MAX_SYNC_BODY_BYTES * 3 / 4;
/// Most request rounds in one sync (batches plus feed pages); a guard against a server that loops.
const MAX_ROUNDS: u32 = 100;

/// Summary of one sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// HTTP requests for documents (each carries many documents).
    pub document_round_trips: u32,
    /// HTTP requests for photos (status checks and uploads).
    pub photo_round_trips: u32,
    pub pushed_docs: usize,
    /// Changes the server had not seen before.
    pub new_changes_acked: u32,
    /// Documents that received changes from the server.
    pub updated_docs: usize,
    pub photos_uploaded: usize,
    /// Photo bytes sent, including any re-sent after a cut.
    pub photo_bytes_sent: u64,
    /// Sync request and response body bytes.
    pub body_bytes_sent: u64,
    pub body_bytes_received: u64,
    /// Automerge change bytes sent: the document payload.
    pub change_bytes_sent: u64,
    pub rejected: Vec<RejectedDoc>,
    pub skew_ms: i64,
    pub skew_flagged: bool,
}

/// The part of a sync that a [`SyncProgress`] reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Documents,
    Photos,
}

/// How far a running sync has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Documents pushed or photos handled so far in this phase.
    pub done: usize,
    /// Documents or photos waiting when the phase started; raised to `done` if edits arrive meanwhile.
    pub total: usize,
}

/// Sync state as the sync screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub pending_docs: usize,
    pub pending_photos: usize,
    pub rejected: Vec<RejectedDoc>,
    pub last_attempt_ms: Option<i64>,
    pub last_success_ms: Option<i64>,
    pub last_error: Option<String>,
    pub skew_ms: Option<i64>,
    pub skew_flagged: bool,
    pub cursor: u64,
}

#[derive(Debug, Deserialize)]
struct UploadStatus {
    received_bytes: u64,
    complete: bool,
}

fn offline(e: &reqwest::Error) -> DeviceError {
    DeviceError::Offline(e.to_string())
}

async fn error_from(response: reqwest::Response) -> DeviceError {
    let status = response.status().as_u16();
    match response.json::<ApiError>().await {
        Ok(body) => DeviceError::Server {
            status,
            code: body.code,
            message: body.message,
        },
        Err(_) => DeviceError::Server {
            status,
            code: "unexpected_response".into(),
            message: format!("HTTP {status}"),
        },
    }
}

/// A batch to push and what follows it.
struct Batch {
    pushes: Vec<DocPush>,
    change_bytes: u64,
    /// More documents wait after this batch.
    more: bool,
}

impl Device {
    /// Signs in on this device (needs the network once) and stores the identity and token.
    pub async fn register(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> DeviceResult<Identity> {
        let server_url = server_url.trim_end_matches('/').to_owned();
        let response = self
            .http
            .post(format!("{server_url}/v1/devices/register"))
            .json(&RegisterRequest {
                username: username.to_owned(),
                password: password.to_owned(),
                device_name: device_name.to_owned(),
            })
            .send()
            .await
            .map_err(|e| offline(&e))?;
        if !response.status().is_success() {
            return Err(error_from(response).await);
        }
        let body: RegisterResponse = response.json().await.map_err(|e| offline(&e))?;
        let identity = Identity {
            server_url,
            device_id: body.device_id,
            user_id: body.user_id,
            display_name: body.display_name,
            role: body.role,
            token: Some(body.token),
            time_zone: body.time_zone,
        };
        self.save_identity(&identity)?;
        tracing::info!(device_id = %identity.device_id, "device signed in");
        Ok(identity)
    }

    /// Returns what the sync screen shows.
    pub fn sync_status(&self) -> DeviceResult<SyncStatus> {
        let conn = self.conn();
        let pending_docs = store::outbox(&conn)?.len();
        let pending_photos: i64 =
            conn.query_row("SELECT COUNT(*) FROM photos WHERE uploaded = 0", [], |r| r.get(0))?;
        let rejected = store::rejected(&conn)?
            .into_iter()
            .map(|row| {
                let (code, message) = row.rejected.unwrap_or_default();
                RejectedDoc {
                    doc_id: row.id,
                    code,
                    message,
                }
            })
            .collect();
        let (cursor, last_attempt_ms, last_success_ms, last_error, skew_ms, skew_flagged) = conn.query_row(
            "SELECT cursor, last_attempt_ms, last_success_ms, last_error, skew_ms, skew_flagged FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, bool>(5)?)),
        )?;
        Ok(SyncStatus {
            pending_docs,
            pending_photos: pending_photos as usize,
            rejected,
            last_attempt_ms,
            last_success_ms,
            last_error,
            skew_ms,
            skew_flagged,
            cursor: cursor as u64,
        })
    }

    /// Puts a refused document back into the outbox (after the cause was fixed, such as signing in
    /// as the right user).
    pub fn retry_rejected(&self, id: DocId) -> DeviceResult<()> {
        self.conn().execute(
            "UPDATE docs SET rejected_code = NULL, rejected_message = NULL WHERE doc_id = ?1",
            [id.to_string()],
        )?;
        Ok(())
    }

    fn record_attempt(&self, error: Option<&DeviceError>) {
        let now = self.now_ms();
        let result = match error {
            Some(e) => self.conn().execute(
                "UPDATE sync_state SET last_attempt_ms = ?1, last_error = ?2 WHERE id = 1",
                params![now, e.to_string()],
            ),
            None => self.conn().execute(
                "UPDATE sync_state SET last_attempt_ms = ?1, last_success_ms = ?1, last_error = NULL WHERE id = 1",
                params![now],
            ),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record the sync attempt");
        }
    }

    /// Syncs documents and photos with the server. Safe to call at any time and to repeat.
    pub async fn sync(&self) -> DeviceResult<SyncReport> {
        self.sync_with_progress(&|_| {}).await
    }

    /// Same as [`Device::sync`], and calls `progress` after each document batch and each photo.
    pub async fn sync_with_progress(
        &self,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> DeviceResult<SyncReport> {
        let result = self.sync_inner(progress).await;
        self.record_attempt(result.as_ref().err());
        if let Err(e) = &result {
            tracing::info!(code = e.code(), "sync did not complete");
        }
        result
    }

    async fn sync_inner(&self, progress: &(dyn Fn(SyncProgress) + Send + Sync)) -> DeviceResult<SyncReport> {
        let identity = self.require_identity()?;
        let token = identity.token.clone().ok_or(DeviceError::SignedOut)?;
        let mut report = SyncReport::default();
        let mut set_aside: BTreeSet<DocId> = BTreeSet::new();
        let docs_total = store::outbox(&self.conn())?.len();
        progress(SyncProgress {
            phase: SyncPhase::Documents,
            done: 0,
            total: docs_total,
        });
        for _ in 0..MAX_ROUNDS {
            let batch = self.next_batch(&set_aside)?;
            let cursor: i64 =
                self.conn()
                    .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| r.get(0))?;
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_now_ms: self.now_ms(),
                cursor: cursor as u64,
                docs: batch.pushes,
            };
            let mut body = Vec::new();
            ciborium::into_writer(&request, &mut body).expect("sync requests serialize");
            report.document_round_trips += 1;
            report.body_bytes_sent += body.len() as u64;
            let response = self
                .http
                .post(format!("{}/v1/sync", identity.server_url))
                .bearer_auth(&token)
                .header(reqwest::header::CONTENT_TYPE, CBOR_MEDIA_TYPE)
                .body(body)
                .send()
                .await
                .map_err(|e| offline(&e))?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                self.forget_token()?;
                return Err(DeviceError::SignedOut);
            }
            if status == reqwest::StatusCode::FORBIDDEN || status == reqwest::StatusCode::UNPROCESSABLE_ENTITY
            {
                let bytes = response.bytes().await.map_err(|e| offline(&e))?;
                let api: Option<ApiError> = serde_json::from_slice(&bytes).ok();
                let pushed: BTreeSet<DocId> = request.docs.iter().map(|d| d.doc_id).collect();
                let named: Vec<RejectedDoc> = api
                    .as_ref()
                    .map(|a| {
                        a.rejected
                            .iter()
                            .filter(|r| pushed.contains(&r.doc_id))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if named.is_empty() {
                    let api = api.unwrap_or(ApiError {
                        code: "unexpected_response".into(),
                        message: format!("HTTP {status}"),
                        rejected: vec![],
                    });
                    return Err(DeviceError::Server {
                        status: status.as_u16(),
                        code: api.code,
                        message: api.message,
                    });
                }
                // Set the refused documents aside and send the rest again, once per refusal.
                self.quarantine(&named)?;
                set_aside.extend(named.iter().map(|r| r.doc_id));
                report.rejected.extend(named);
                continue;
            }
            if !status.is_success() {
                return Err(error_from(response).await);
            }
            let bytes = response.bytes().await.map_err(|e| offline(&e))?;
            report.body_bytes_received += bytes.len() as u64;
            report.change_bytes_sent += batch.change_bytes;
            let body: SyncResponse =
                ciborium::from_reader(bytes.as_ref()).map_err(|e| DeviceError::Server {
                    status: status.as_u16(),
                    code: "invalid_response".into(),
                    message: format!("服务器响应无法解析 (invalid CBOR response: {e})"),
                })?;
            report.pushed_docs += request.docs.len();
            report.new_changes_acked += body.acks.iter().map(|a| a.new_changes).sum::<u32>();
            report.updated_docs += body.updates.len();
            report.skew_ms = body.skew_ms;
            report.skew_flagged = body.skew_flagged;
            let more = body.more;
            self.apply_response(body)?;
            progress(SyncProgress {
                phase: SyncPhase::Documents,
                done: report.pushed_docs,
                total: docs_total.max(report.pushed_docs),
            });
            if !more && !batch.more {
                break;
            }
        }
        self.upload_pending_photos(&identity, &token, &mut report, progress)
            .await?;
        Ok(report)
    }

    fn quarantine(&self, rejected: &[RejectedDoc]) -> DeviceResult<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in rejected {
            tx.execute(
                "UPDATE docs SET rejected_code = ?2, rejected_message = ?3 WHERE doc_id = ?1",
                params![r.doc_id.to_string(), r.code, r.message],
            )?;
            tracing::warn!(doc_id = %r.doc_id, code = %r.code, "server rejected a document; set aside");
        }
        tx.commit()?;
        Ok(())
    }

    /// Collects the next batch of unacknowledged changes.
    fn next_batch(&self, set_aside: &BTreeSet<DocId>) -> DeviceResult<Batch> {
        let outbox = store::outbox(&self.conn())?;
        let mut pushes = Vec::new();
        let mut change_bytes = 0u64;
        let mut more = false;
        for row in outbox.into_iter().filter(|r| !set_aside.contains(&r.id)) {
            if change_bytes as usize >= BATCH_BYTES {
                more = true;
                break;
            }
            let push = self.with_doc(row.id, |doc| {
                let known = row
                    .synced_heads
                    .iter()
                    .all(|h| doc.get_change_by_hash(h).is_some());
                let base: &[ChangeHash] = if known { &row.synced_heads } else { &[] };
                let changes = doc.get_changes(base);
                Ok(DocPush {
                    doc_id: row.id,
                    kind: row.kind,
                    changes: changes
                        .iter()
                        .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
                        .collect(),
                    heads: crdt::heads_to_hex(&doc.get_heads()),
                })
            })?;
            if push.changes.is_empty() {
                self.conn().execute(
                    "UPDATE docs SET dirty = 0 WHERE doc_id = ?1",
                    [row.id.to_string()],
                )?;
                continue;
            }
            change_bytes += push.changes.iter().map(|c| c.len() as u64).sum::<u64>();
            pushes.push(push);
        }
        Ok(Batch {
            pushes,
            change_bytes,
            more,
        })
    }

    /// Applies a sync response durably: merged changes, acknowledged heads, reference data, cursor.
    fn apply_response(&self, response: SyncResponse) -> DeviceResult<()> {
        let identity = self.require_identity()?;
        let now = self.now_ms();
        let touched: Vec<DocId> = response
            .updates
            .iter()
            .map(|u| u.doc_id)
            .chain(response.acks.iter().map(|a| a.doc_id))
            .collect();
        // Load every touched document into the cache before taking the database lock. A document
        // new to this device is not in the store yet, so it starts empty below.
        for id in &touched {
            let _ = self.with_doc(*id, |_| Ok(()));
        }
        let mut docs = self.docs();
        let result = (|| {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            for update in &response.updates {
                let doc = docs
                    .entry(update.doc_id)
                    .or_insert_with(|| Automerge::new().with_actor(self.actor(&identity)));
                let changes = update
                    .changes
                    .iter()
                    .map(|bytes| Change::from_bytes(bytes.to_vec()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| DeviceError::Server {
                        status: 200,
                        code: "invalid_change".into(),
                        message: e.to_string(),
                    })?;
                let fresh: Vec<Change> = changes
                    .into_iter()
                    .filter(|c| doc.get_change_by_hash(&c.hash()).is_none())
                    .collect();
                if fresh.is_empty() {
                    continue;
                }
                if let Err(e) = doc.apply_changes(fresh.clone()) {
                    // One document that cannot merge must not stop the others from syncing: set it
                    // aside like a refused push, and reload it from disk when it is next used.
                    tracing::warn!(doc_id = %update.doc_id, error = %e, "server update cannot be merged; document set aside");
                    tx.execute(
                        "UPDATE docs SET rejected_code = 'unmergeable_update', rejected_message = ?2 WHERE doc_id = ?1",
                        params![
                            update.doc_id.to_string(),
                            format!("服务器上的版本无法与本机记录合并，已暂停同步该记录，请联系管理员 (server update could not be merged: {e})")
                        ],
                    )?;
                    docs.remove(&update.doc_id);
                    continue;
                }
                store::append_changes(&tx, update.doc_id, update.kind, &fresh, now)?;
                if update.kind == DocKind::Inspection
                    && let Ok(inspection) = inspection_doc::read(doc)
                {
                    tx.execute(
                        "INSERT INTO inspection_index (id, shop_id, started_at_ms, submitted, outcome) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(id) DO UPDATE SET submitted = excluded.submitted, outcome = excluded.outcome",
                        params![
                            inspection.id.to_string(),
                            inspection.shop_id.to_string(),
                            inspection.started_at_ms,
                            inspection.submission.is_some(),
                            inspection.submission.as_ref().map(|s| s.device_outcome.as_str()),
                        ],
                    )?;
                }
            }
            for update in &response.updates {
                set_synced(&tx, &docs, update.doc_id, &update.heads)?;
            }
            for ack in &response.acks {
                set_synced(&tx, &docs, ack.doc_id, &ack.heads)?;
            }
            for id in &touched {
                if let Some(doc) = docs.get(id) {
                    store::compact_if_long(&tx, *id, doc)?;
                }
            }
            for shop in &response.reference.shops {
                tx.execute(
                    "INSERT INTO shops (id, licence_no, name, address, record) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id) DO UPDATE SET licence_no = excluded.licence_no, name = excluded.name,
                         address = excluded.address, record = excluded.record",
                    params![
                        shop.id.to_string(),
                        shop.licence_no,
                        shop.name,
                        shop.address,
                        serde_json::to_string(shop).expect("shops serialize")
                    ],
                )?;
            }
            for assignment in &response.reference.assignments {
                tx.execute(
                    "INSERT INTO assignments (id, shop_id, due, record) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, due = excluded.due, record = excluded.record",
                    params![
                        assignment.id.to_string(),
                        assignment.shop_id.to_string(),
                        assignment.due.to_string(),
                        serde_json::to_string(assignment).expect("assignments serialize")
                    ],
                )?;
            }
            for colleague in &response.reference.colleagues {
                tx.execute(
                    "INSERT INTO colleagues (user_id, name) VALUES (?1, ?2) ON CONFLICT(user_id) DO UPDATE SET name = excluded.name",
                    params![colleague.user_id.to_string(), colleague.name],
                )?;
            }
            tx.execute(
                "UPDATE sync_state SET cursor = ?1, skew_ms = ?2, skew_flagged = ?3 WHERE id = 1",
                params![response.cursor as i64, response.skew_ms, response.skew_flagged],
            )?;
            for missing in &response.missing_photos {
                tx.execute("UPDATE photos SET uploaded = 0 WHERE hash = ?1", [&missing.hash])?;
            }
            tx.commit()?;
            Ok(())
        })();
        if result.is_err() {
            // The cache may hold changes that did not reach the disk: drop them, reload later.
            for id in &touched {
                docs.remove(id);
            }
        }
        result
    }

    async fn upload_pending_photos(
        &self,
        identity: &Identity,
        token: &str,
        report: &mut SyncReport,
        progress: &(dyn Fn(SyncProgress) + Send + Sync),
    ) -> DeviceResult<()> {
        let pending: Vec<String> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare_cached("SELECT hash FROM photos WHERE uploaded = 0 ORDER BY created_at_ms")?;
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()?
        };
        let mut first_error = None;
        let total = pending.len();
        progress(SyncProgress {
            phase: SyncPhase::Photos,
            done: 0,
            total,
        });
        for (index, hash) in pending.iter().enumerate() {
            match self.upload_photo(identity, token, hash).await {
                Ok(upload) => {
                    report.photo_round_trips += upload.round_trips;
                    report.photo_bytes_sent += upload.bytes_sent;
                    report.photos_uploaded += usize::from(upload.bytes_sent > 0);
                }
                Err(e @ (DeviceError::Offline(_) | DeviceError::SignedOut)) => return Err(e),
                Err(e) => {
                    tracing::warn!(
                        code = e.code(),
                        "photo upload failed; will retry at the next sync"
                    );
                    first_error.get_or_insert(e);
                }
            }
            progress(SyncProgress {
                phase: SyncPhase::Photos,
                done: index + 1,
                total,
            });
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Uploads one stored photo, resuming from what the server already holds.
    pub async fn upload_photo(
        &self,
        identity: &Identity,
        token: &str,
        hash: &str,
    ) -> DeviceResult<PhotoUpload> {
        let (jpeg, _) = self.photo(hash)?;
        let status_url = format!("{}/v1/photos/{hash}/upload", identity.server_url);
        let response = self
            .http
            .get(&status_url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| offline(&e))?;
        if !response.status().is_success() {
            return Err(error_from(response).await);
        }
        let status: UploadStatus = response.json().await.map_err(|e| offline(&e))?;
        let mut upload = PhotoUpload {
            round_trips: 1,
            bytes_sent: 0,
        };
        if !status.complete {
            let offset = if status.received_bytes <= jpeg.len() as u64 {
                status.received_bytes
            } else {
                0
            };
            let body = jpeg[offset as usize..].to_vec();
            upload.bytes_sent = body.len() as u64;
            upload.round_trips += 1;
            let response = self
                .http
                .put(format!("{}/v1/photos/{hash}", identity.server_url))
                .bearer_auth(token)
                .header(UPLOAD_OFFSET_HEADER, offset.to_string())
                .header(UPLOAD_LENGTH_HEADER, jpeg.len().to_string())
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(body)
                .send()
                .await
                .map_err(|e| offline(&e))?;
            if !response.status().is_success() {
                return Err(error_from(response).await);
            }
        }
        self.conn()
            .execute("UPDATE photos SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(upload)
    }

    /// Returns the number of photos still waiting for upload.
    pub fn pending_photo_count(&self) -> DeviceResult<usize> {
        let count: Option<i64> = self
            .conn()
            .query_row("SELECT COUNT(*) FROM photos WHERE uploaded = 0", [], |r| r.get(0))
            .optional()?;
        Ok(count.unwrap_or(0) as usize)
    }
}

/// Cost of one photo upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoUpload {
    pub round_trips: u32,
    /// Photo bytes sent in this call (0 when the server already had the photo).
    pub bytes_sent: u64,
}

/// Records the server's heads for a document and whether local changes remain after them.
fn set_synced(
    tx: &rusqlite::Transaction<'_>,
    docs: &std::collections::HashMap<DocId, Automerge>,
    id: DocId,
    heads: &[String],
) -> DeviceResult<()> {
    let Some(doc) = docs.get(&id) else { return Ok(()) };
    let parsed = crdt::heads_from_hex(heads).map_err(|e| DeviceError::Server {
        status: 200,
        code: "invalid_heads".into(),
        message: e.to_string(),
    })?;
    // Only heads this device has can be the base of the next push.
    if !parsed.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
        return Ok(());
    }
    let dirty = !doc.get_changes(&parsed).is_empty();
    tx.execute(
        "UPDATE docs SET synced_heads = ?2, dirty = ?3 WHERE doc_id = ?1",
        params![id.to_string(), store::heads_text(&parsed), dirty],
    )?;
    Ok(())
}
