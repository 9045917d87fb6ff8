//! The owner's side of rectification over plain HTTP: list the shop's tasks, submit proof.
//!
//! A shop owner on a phone browser has no automerge; the server writes the owner's response
//! document for them, with the owner's own device registration as the automerge actor, and then
//! runs it through the same checks and merge as any device's sync. The writer is still the owner.

use automerge::Automerge;
use chrono::Utc;
use foodpatrol_shared::crdt::task_docs;
use foodpatrol_shared::ids::TaskId;
use foodpatrol_shared::protocol::{DocKind, DocPush, OwnerTask, PROTOCOL_VERSION, ProofRequest, SyncRequest};
use foodpatrol_shared::rectification::ResponseRound;
use foodpatrol_shared::role::Role;
use serde_bytes::ByteBuf;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;

/// Maximum length of a proof note, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000;
/// Maximum number of photos in one proof round.
pub const MAX_PROOF_PHOTOS: usize = 9;

fn caller_shop(caller: &Caller) -> Result<foodpatrol_shared::ids::ShopId, AppError> {
    caller.require(&[Role::Owner])?;
    caller.user.shop_id.ok_or_else(|| AppError::Forbidden {
        code: "owner_without_shop",
        message: "该经营者账号未关联店铺，请联系辖区监管所 (the owner account has no shop)".to_owned(),
    })
}

/// Lists the caller's shop's rectification tasks, newest inspection first.
pub async fn tasks(state: &AppState, caller: &Caller) -> Result<Vec<OwnerTask>, AppError> {
    let shop = caller_shop(caller)?;
    Ok(state.store.owner_tasks(shop, state.today()).await?)
}

/// Submits one round of proof for a task of the caller's shop.
pub async fn submit_proof(
    state: &AppState,
    caller: &Caller,
    task_id: TaskId,
    proof: ProofRequest,
) -> Result<OwnerTask, AppError> {
    let shop = caller_shop(caller)?;
    let task = state
        .store
        .task(task_id)
        .await?
        .filter(|t| t.shop_id == shop)
        .ok_or_else(|| AppError::NotFound {
            message: format!("本店没有整改任务 {task_id} (no such task for this shop)"),
        })?;
    if !task.row.state.awaits_owner() {
        return Err(AppError::Conflict {
            code: "task_not_awaiting_proof",
            message: format!(
                "该任务当前状态为“{}”，无需提交整改材料 (task is {})",
                task.row.state.label_zh(),
                task.row.state.as_str()
            ),
        });
    }
    let note = proof.note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::bad_request(
            "note_too_long",
            format!("整改说明最多 {MAX_NOTE_CHARS} 字 (note too long)"),
        ));
    }
    if proof.photos.is_empty() || proof.photos.len() > MAX_PROOF_PHOTOS {
        return Err(AppError::bad_request(
            "proof_photo_count",
            format!(
                "请上传 1 至 {MAX_PROOF_PHOTOS} 张整改照片，当前 {} 张 (1-{MAX_PROOF_PHOTOS} photos required)",
                proof.photos.len()
            ),
        ));
    }
    for hash in &proof.photos {
        crate::photos::parse_hash(hash)?;
    }
    let missing = state.store.missing_photos(&proof.photos).await?;
    if let Some(hash) = missing.first() {
        return Err(AppError::Conflict {
            code: "photo_missing",
            message: format!("照片 {hash} 尚未上传完成，请先上传 (upload the photo before submitting)"),
        });
    }

    // Each proof is written by a fresh session actor, so concurrent submissions never share a sequence.
    let session: [u8; 8] = uuid::Uuid::new_v4().as_bytes()[..8]
        .try_into()
        .expect("8 of 16 bytes");
    let actor = foodpatrol_shared::crdt::session_actor(caller.device.id, session);
    let doc_id = task_id.response_doc();
    let stored = state.store.load_docs(&[doc_id]).await?;
    let (mut doc, before) = match stored.first() {
        Some(stored) => {
            let doc = Automerge::load(&stored.bytes)
                .map_err(|e| AppError::Internal(format!("stored response {doc_id} unreadable: {e}")))?
                .with_actor(actor);
            let heads = doc.get_heads();
            (doc, heads)
        }
        None => (
            task_docs::create_response(task_id, actor).map_err(|e| AppError::Internal(e.to_string()))?,
            Vec::new(),
        ),
    };
    let round = ResponseRound {
        note: note.to_owned(),
        photos: proof.photos,
        by: caller.user.id,
        at_ms: Utc::now().timestamp_millis(),
    };
    task_docs::add_round(&mut doc, &round).map_err(|e| AppError::Internal(e.to_string()))?;
    let push = DocPush {
        doc_id,
        kind: DocKind::RectificationResponse,
        changes: doc
            .get_changes(&before)
            .iter()
            .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
            .collect(),
        heads: foodpatrol_shared::crdt::heads_to_hex(&doc.get_heads()),
    };
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_now_ms: round.at_ms,
        // The web client keeps no feed; ask for nothing after the latest position.
        cursor: i64::MAX as u64,
        docs: vec![push],
    };
    crate::sync::sync(state, caller, request).await?;
    tracing::info!(%task_id, device_id = %caller.device.id, "owner submitted proof");
    tasks(state, caller)
        .await?
        .into_iter()
        .find(|t| t.task_id == task_id)
        .ok_or_else(|| AppError::Internal(format!("task {task_id} vanished after proof")))
}
