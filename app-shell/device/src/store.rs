//! The device's SQLite store: durable documents, photos, reference data and sync state.
//!
//! Durability of a tap: each user action is one automerge change, appended to `doc_changes` and
//! committed with `synchronous = FULL` before the action returns. A document is loaded as its
//! snapshot plus the appended changes; every [`COMPACT_AFTER`] changes the snapshot is rewritten
//! and the log cleared, in one transaction.

use std::path::Path;

use automerge::{Automerge, Change, ChangeHash};
use foodpatrol_shared::crdt;
use foodpatrol_shared::ids::DocId;
use foodpatrol_shared::protocol::DocKind;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{DeviceError, DeviceResult};

/// Appended changes after which a document's snapshot is rewritten.
pub const COMPACT_AFTER: i64 = 64;

const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_device_store",
    include_str!("../../../migrations/device/0001_device_store.sql"),
)];

/// Opens the store, applying pending migrations.
pub fn open(path: &Path) -> DeviceResult<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed tap survives power loss, not only an app crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at_ms INTEGER NOT NULL)",
    )?;
    for (name, sql) in MIGRATIONS {
        let tx = conn.transaction()?;
        let applied = tx
            .query_row("SELECT 1 FROM schema_migrations WHERE name = ?1", [name], |_| {
                Ok(())
            })
            .optional()?;
        if applied.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at_ms) VALUES (?1, ?2)",
                params![name, chrono::Utc::now().timestamp_millis()],
            )?;
        }
        tx.commit()?;
    }
    Ok(conn)
}

/// The outbox state of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRow {
    pub id: DocId,
    pub kind: DocKind,
    pub synced_heads: Vec<ChangeHash>,
    pub dirty: bool,
    pub rejected: Option<(String, String)>,
}

fn parse_doc_id(text: String) -> DeviceResult<DocId> {
    text.parse()
        .map_err(|_| DeviceError::Corrupt(format!("document id {text:?}")))
}

fn parse_kind(text: &str) -> DeviceResult<DocKind> {
    DocKind::parse(text).ok_or_else(|| DeviceError::Corrupt(format!("document kind {text:?}")))
}

pub fn heads_text(heads: &[ChangeHash]) -> String {
    crdt::heads_to_hex(heads).join(",")
}

pub fn parse_heads(text: &str) -> DeviceResult<Vec<ChangeHash>> {
    let parts: Vec<String> = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    crdt::heads_from_hex(&parts).map_err(|e| DeviceError::Corrupt(e.to_string()))
}

/// Loads a document from its snapshot and appended changes.
pub fn load_doc(conn: &Connection, id: DocId) -> DeviceResult<Option<(DocKind, Automerge)>> {
    let row: Option<(String, Option<Vec<u8>>)> = conn
        .query_row(
            "SELECT kind, snapshot FROM docs WHERE doc_id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((kind, snapshot)) = row else {
        return Ok(None);
    };
    let mut doc = match snapshot {
        Some(bytes) if !bytes.is_empty() => {
            Automerge::load(&bytes).map_err(|e| DeviceError::Corrupt(format!("document {id}: {e}")))?
        }
        _ => Automerge::new(),
    };
    let mut stmt = conn.prepare_cached("SELECT change FROM doc_changes WHERE doc_id = ?1 ORDER BY id")?;
    let changes = stmt
        .query_map([id.to_string()], |r| r.get::<_, Vec<u8>>(0))?
        .map(|bytes| {
            let bytes = bytes?;
            Change::from_bytes(bytes).map_err(|e| DeviceError::Corrupt(format!("change of {id}: {e}")))
        })
        .collect::<DeviceResult<Vec<_>>>()?;
    doc.apply_changes(changes)
        .map_err(|e| DeviceError::Corrupt(format!("document {id}: {e}")))?;
    Ok(Some((parse_kind(&kind)?, doc)))
}

/// Appends changes to a document's log (creating its row) and marks it for the outbox, in `tx`.
pub fn append_changes(
    tx: &rusqlite::Transaction<'_>,
    id: DocId,
    kind: DocKind,
    changes: &[Change],
    now_ms: i64,
) -> DeviceResult<()> {
    tx.execute(
        "INSERT INTO docs (doc_id, kind, dirty, updated_at_ms) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT(doc_id) DO UPDATE SET dirty = 1, updated_at_ms = excluded.updated_at_ms",
        params![id.to_string(), kind.as_str(), now_ms],
    )?;
    let mut insert = tx.prepare_cached("INSERT INTO doc_changes (doc_id, change) VALUES (?1, ?2)")?;
    for change in changes {
        insert.execute(params![id.to_string(), change.raw_bytes()])?;
    }
    Ok(())
}

/// Rewrites a document's snapshot and clears its change log once the log is long, in `tx`.
pub fn compact_if_long(tx: &rusqlite::Transaction<'_>, id: DocId, doc: &Automerge) -> DeviceResult<()> {
    let count: i64 = tx.query_row(
        "SELECT COUNT(*) FROM doc_changes WHERE doc_id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )?;
    if count >= COMPACT_AFTER {
        tx.execute(
            "UPDATE docs SET snapshot = ?2 WHERE doc_id = ?1",
            params![id.to_string(), doc.save()],
        )?;
        tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id.to_string()])?;
    }
    Ok(())
}

/// Lists documents with changes the server has not acknowledged and that it has not refused.
pub fn outbox(conn: &Connection) -> DeviceResult<Vec<DocRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc_id, kind, synced_heads, dirty FROM docs WHERE dirty = 1 AND rejected_code IS NULL ORDER BY updated_at_ms",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, heads, dirty) = row?;
        out.push(DocRow {
            id: parse_doc_id(id)?,
            kind: parse_kind(&kind)?,
            synced_heads: parse_heads(&heads)?,
            dirty,
            rejected: None,
        });
    }
    Ok(out)
}

/// Lists documents the server refused, with its code and message.
pub fn rejected(conn: &Connection) -> DeviceResult<Vec<DocRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT doc_id, kind, synced_heads, dirty, rejected_code, rejected_message FROM docs WHERE rejected_code IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, heads, dirty, code, message) = row?;
        out.push(DocRow {
            id: parse_doc_id(id)?,
            kind: parse_kind(&kind)?,
            synced_heads: parse_heads(&heads)?,
            dirty,
            rejected: Some((code, message.unwrap_or_default())),
        });
    }
    Ok(out)
}

/// Lists every stored document id and kind.
pub fn all_docs(conn: &Connection) -> DeviceResult<Vec<(DocId, DocKind)>> {
    let mut stmt = conn.prepare_cached("SELECT doc_id, kind FROM docs ORDER BY doc_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind) = row?;
        out.push((parse_doc_id(id)?, parse_kind(&kind)?));
    }
    Ok(out)
}
