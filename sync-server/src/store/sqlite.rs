//! The embedded backend: one SQLite file in WAL mode, the default for a district server.
//!
//! rusqlite is synchronous, so every call runs on the blocking pool behind one connection mutex.
//! SQLite has one writer at a time anyway; WAL lets readers of other processes (backups, the
//! sqlite3 shell) proceed meanwhile.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use foodpatrol_shared::ids::{DeviceId, DocId, InspectionId, ShopId, TaskId, UserId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef, Signature};
use foodpatrol_shared::protocol::{Assignment, DailyReportRow, DocKind, OwnerTask, ReferenceData};
use foodpatrol_shared::rectification::{self, RectificationMode, TaskState, Tier};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::shop::{Serves, Shop};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::*;

mod console_queries;
mod qr;
mod risk;

/// Migrations in order; each runs once, recorded in `schema_migrations`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_central_database",
        include_str!("../../../migrations/server/sqlite/0001_central_database.sql"),
    ),
    (
        "0002_risk_grades",
        include_str!("../../../migrations/server/sqlite/0002_risk_grades.sql"),
    ),
    (
        "0003_risk_events_plan_draws",
        include_str!("../../../migrations/server/sqlite/0003_risk_events_plan_draws.sql"),
    ),
    (
        "0004_qr_codes",
        include_str!("../../../migrations/server/sqlite/0004_qr_codes.sql"),
    ),
    (
        "0005_console_sessions",
        include_str!("../../../migrations/server/sqlite/0005_console_sessions.sql"),
    ),
];

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?} cannot be parsed"))
}

fn parse<T: std::str::FromStr>(what: &str, value: String) -> StoreResult<T> {
    value.parse::<T>().map_err(|_| corrupt(what, &value))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("projection rows serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let mut conn = Connection::open(path).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(backend)?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
    }
}

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(backend)?;
    for (name, sql) in MIGRATIONS {
        let tx = conn.transaction().map_err(backend)?;
        let applied: bool = tx
            .query_row("SELECT 1 FROM schema_migrations WHERE name = ?1", [name], |_| {
                Ok(true)
            })
            .optional()
            .map_err(backend)?
            .unwrap_or(false);
        if !applied {
            tx.execute_batch(sql).map_err(backend)?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                params![name, Utc::now().to_rfc3339()],
            )
            .map_err(backend)?;
            tracing::info!(migration = name, "applied migration");
        }
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

fn next_seq(tx: &rusqlite::Transaction<'_>) -> StoreResult<u64> {
    let value: i64 = tx
        .query_row(
            "UPDATE feed_seq SET value = value + 1 WHERE id = 1 RETURNING value",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    Ok(value as u64)
}

/// Raw columns of [`USER_COLUMNS`].
type UserColumns = (String, String, String, String, Option<String>, Option<String>);
/// Raw columns of [`SHOP_COLUMNS`].
type ShopColumns = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<u32>,
    Option<u32>,
    String,
);

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserColumns> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.office, u.shop_id";

fn user_record(raw: UserColumns) -> StoreResult<UserRecord> {
    let (id, username, display_name, role, office, shop_id) = raw;
    Ok(UserRecord {
        id: parse("user id", id)?,
        username,
        display_name,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        office,
        shop_id: shop_id.map(|s| parse("shop id", s)).transpose()?,
    })
}

fn shop_from_row(row: &Row<'_>) -> rusqlite::Result<ShopColumns> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

const SHOP_COLUMNS: &str =
    "s.id, s.licence_no, s.name, s.address, s.street, s.business_type, s.area_m2, s.meals_per_day, s.serves";

fn shop_record(raw: ShopColumns) -> StoreResult<Shop> {
    let (id, licence_no, name, address, street, business_type, area_m2, meals_per_day, serves) = raw;
    Ok(Shop {
        id: parse("shop id", id)?,
        licence_no,
        name,
        address,
        street,
        business_type,
        area_m2,
        meals_per_day,
        serves: Serves::parse(&serves).ok_or_else(|| corrupt("serves", &serves))?,
    })
}

fn mode_columns(mode: &RectificationMode) -> (&'static str, Option<String>, Option<String>, Option<String>) {
    match mode {
        RectificationMode::OnSpot { measure } => ("on_spot", Some(measure.clone()), None, None),
        RectificationMode::Deadline { due, requirement } => {
            ("deadline", None, Some(due.to_string()), Some(requirement.clone()))
        }
    }
}

fn mode_from_columns(
    mode: &str,
    measure: Option<String>,
    due: Option<String>,
    requirement: Option<String>,
) -> StoreResult<RectificationMode> {
    match mode {
        "on_spot" => Ok(RectificationMode::OnSpot {
            measure: measure.unwrap_or_default(),
        }),
        "deadline" => {
            let due = due.ok_or_else(|| corrupt("task due date", ""))?;
            Ok(RectificationMode::Deadline {
                due: parse("task due date", due)?,
                requirement: requirement.unwrap_or_default(),
            })
        }
        other => Err(corrupt("task mode", other)),
    }
}

fn write_task(
    tx: &rusqlite::Transaction<'_>,
    inspection: InspectionId,
    shop: ShopId,
    task: &TaskRow,
) -> StoreResult<()> {
    let (mode, measure, due, requirement) = mode_columns(&task.mode);
    tx.execute(
        "INSERT INTO tasks (id, inspection_id, shop_id, item_id, item_text, key_item, remark, photos, mode, measure, due,
                            requirement, tier, state, rounds, reviews, closed_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT(id) DO UPDATE SET item_text = excluded.item_text, key_item = excluded.key_item,
             remark = excluded.remark, photos = excluded.photos, mode = excluded.mode, measure = excluded.measure,
             due = excluded.due, requirement = excluded.requirement, tier = excluded.tier, state = excluded.state,
             rounds = excluded.rounds, reviews = excluded.reviews, closed_at_ms = excluded.closed_at_ms",
        params![
            task.id.to_string(),
            inspection.to_string(),
            shop.to_string(),
            task.item_id,
            task.item_text,
            task.key,
            task.remark,
            to_json(&task.photos),
            mode,
            measure,
            due,
            requirement,
            task.tier.as_str(),
            task.state.as_str(),
            to_json(&task.rounds),
            to_json(&task.reviews),
            task.closed_at_ms,
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn write_inspection(tx: &rusqlite::Transaction<'_>, row: &InspectionRow) -> StoreResult<()> {
    let id = row.id.to_string();
    let result = row.result.as_ref();
    let (signature_kind, signature_image, signer_name, refusal_reason, refusal_witness) =
        match result.and_then(|r| r.signature.as_ref()) {
            Some(Signature::Signed {
                signer_name, image, ..
            }) => (
                Some("signed"),
                Some(image.clone()),
                Some(signer_name.clone()),
                None,
                None,
            ),
            Some(Signature::Refused { reason, witness, .. }) => (
                Some("refused"),
                None,
                None,
                Some(reason.clone()),
                Some(witness.clone()),
            ),
            None => (None, None, None, None, None),
        };
    // Time fields (recorded_at, report_date, skew, first receipt) are kept from the first delivery.
    tx.execute(
        "INSERT INTO inspections (id, shop_id, template_id, template_version, kind, status, device_started_at_ms,
             device_utc_offset_min, recorded_at, report_date, skew_ms, skew_flagged, first_received_at, submitted_at_ms,
             outcome, outcome_band, rule_id, rule_version, device_outcome, outcome_disagrees, key_failed, general_failed,
             general_pass_permille, conflicts, edited_outside_seal, signature_kind, signature_image, signer_name,
             refusal_reason, refusal_witness)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
                 ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)
         ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, template_id = excluded.template_id,
             template_version = excluded.template_version, kind = excluded.kind, status = excluded.status,
             device_started_at_ms = excluded.device_started_at_ms, device_utc_offset_min = excluded.device_utc_offset_min,
             submitted_at_ms = excluded.submitted_at_ms, outcome = excluded.outcome, outcome_band = excluded.outcome_band,
             rule_id = excluded.rule_id, rule_version = excluded.rule_version, device_outcome = excluded.device_outcome,
             outcome_disagrees = excluded.outcome_disagrees, key_failed = excluded.key_failed,
             general_failed = excluded.general_failed, general_pass_permille = excluded.general_pass_permille,
             conflicts = excluded.conflicts, edited_outside_seal = excluded.edited_outside_seal,
             signature_kind = excluded.signature_kind, signature_image = excluded.signature_image,
             signer_name = excluded.signer_name, refusal_reason = excluded.refusal_reason,
             refusal_witness = excluded.refusal_witness",
        params![
            id,
            row.shop_id.to_string(),
            row.template_id,
            row.template_version,
            row.kind,
            if result.is_some() { "submitted" } else { "draft" },
            row.device_started_at_ms,
            row.device_utc_offset_min,
            row.recorded_at.to_rfc3339(),
            row.report_date.to_string(),
            row.skew_ms,
            row.skew_flagged,
            row.received_at.to_rfc3339(),
            result.map(|r| r.submitted_at_ms),
            result.map(|r| r.outcome.clone()),
            result.map(|r| r.band.clone()),
            result.map(|r| r.rule_id.clone()),
            result.map(|r| r.rule_version),
            result.map(|r| r.device_outcome.clone()),
            result.is_some_and(|r| r.disagrees),
            row.key_failed,
            row.general_failed,
            row.general_pass_permille,
            row.conflicts,
            to_json(&row.edited_outside_seal),
            signature_kind,
            signature_image,
            signer_name,
            refusal_reason,
            refusal_witness,
        ],
    )
    .map_err(backend)?;

    tx.execute(
        "DELETE FROM inspection_inspectors WHERE inspection_id = ?1",
        [&id],
    )
    .map_err(backend)?;
    for inspector in &row.inspectors {
        tx.execute(
            "INSERT INTO inspection_inspectors (inspection_id, user_id, name) VALUES (?1, ?2, ?3)",
            params![id, inspector.user_id.to_string(), inspector.name],
        )
        .map_err(backend)?;
    }
    tx.execute("DELETE FROM answers WHERE inspection_id = ?1", [&id])
        .map_err(backend)?;
    let mut insert_answer = tx
        .prepare_cached(
            "INSERT INTO answers (inspection_id, item_id, answer, verdict, key_item, remark, photos, answered_by, conflict)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(backend)?;
    for answer in &row.answers {
        insert_answer
            .execute(params![
                id,
                answer.item_id,
                answer.answer,
                answer.verdict,
                answer.key,
                answer.remark,
                to_json(&answer.photos),
                answer.answered_by.to_string(),
                answer.conflict,
            ])
            .map_err(backend)?;
    }
    for task in &row.tasks {
        write_task(tx, row.id, row.shop_id, task)?;
    }
    Ok(())
}

fn update_task_progress(tx: &rusqlite::Transaction<'_>, task: &TaskRow) -> StoreResult<()> {
    tx.execute(
        "UPDATE tasks SET state = ?2, rounds = ?3, reviews = ?4, closed_at_ms = ?5 WHERE id = ?1",
        params![
            task.id.to_string(),
            task.state.as_str(),
            to_json(&task.rounds),
            to_json(&task.reviews),
            task.closed_at_ms
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn commit(conn: &mut Connection, commit: SyncCommit) -> StoreResult<u64> {
    let tx = conn.transaction().map_err(backend)?;
    let now = Utc::now().to_rfc3339();
    for (doc_id, expected) in &commit.reads {
        let version: Option<i64> = tx
            .query_row(
                "SELECT version FROM docs WHERE id = ?1",
                [doc_id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        if version.map(|v| v as u64) != *expected {
            return Err(StoreError::Conflict { doc_id: *doc_id });
        }
    }
    for write in &commit.writes {
        let id = write.id.to_string();
        let heads = write.heads.join(",");
        let changed = match write.expected_version {
            None => tx
                .execute(
                    "INSERT INTO docs (id, kind, bytes, heads, version, updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5)
                     ON CONFLICT(id) DO NOTHING",
                    params![id, write.kind.as_str(), write.bytes, heads, now],
                )
                .map_err(backend)?,
            Some(version) => tx
                .execute(
                    "UPDATE docs SET bytes = ?2, heads = ?3, version = version + 1, updated_at = ?4
                     WHERE id = ?1 AND version = ?5",
                    params![id, write.bytes, heads, now, version as i64],
                )
                .map_err(backend)?,
        };
        if changed == 0 {
            return Err(StoreError::Conflict { doc_id: write.id });
        }
        let seq = next_seq(&tx)?;
        tx.execute(
            "INSERT INTO doc_versions (seq, doc_id, heads) VALUES (?1, ?2, ?3)",
            params![seq as i64, id, heads],
        )
        .map_err(backend)?;
        for user in &write.audience {
            tx.execute(
                "INSERT INTO doc_audience (doc_id, user_id, since_seq) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![id, user.to_string(), seq as i64],
            )
            .map_err(backend)?;
        }
        for hash in &write.photos {
            tx.execute(
                "INSERT INTO doc_photos (doc_id, hash) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![id, hash],
            )
            .map_err(backend)?;
        }
        match &write.projection {
            Projection::Inspection(row) => write_inspection(&tx, row)?,
            Projection::Task(task) => update_task_progress(&tx, task)?,
            Projection::Nothing => {}
        }
    }
    tx.execute(
        "UPDATE devices SET last_seen_at = ?2, last_skew_ms = ?3 WHERE id = ?1",
        params![commit.device_id.to_string(), now, commit.skew_ms],
    )
    .map_err(backend)?;
    let cursor: i64 = tx
        .query_row("SELECT value FROM feed_seq WHERE id = 1", [], |r| r.get(0))
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(cursor as u64)
}

/// Upserts assignments; one whose row and inspectors are unchanged keeps its feed position.
fn write_assignments(tx: &rusqlite::Transaction<'_>, assignments: &[Assignment]) -> StoreResult<()> {
    for a in assignments {
        let id = a.id.to_string();
        let current: Option<(String, String, String, String)> = tx
            .query_row(
                "SELECT shop_id, kind, due, note FROM assignments WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(backend)?;
        let row = (
            a.shop_id.to_string(),
            a.kind.as_str().to_owned(),
            a.due.to_string(),
            a.note.clone(),
        );
        let current_inspectors: Vec<String> = tx
            .prepare_cached(
                "SELECT user_id FROM assignment_inspectors WHERE assignment_id = ?1 ORDER BY position",
            )
            .map_err(backend)?
            .query_map([&id], |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let inspectors: Vec<String> = a.inspectors.iter().map(|i| i.user_id.to_string()).collect();
        if current.as_ref() == Some(&row) && current_inspectors == inspectors {
            continue;
        }
        let seq = next_seq(tx)?;
        tx.execute(
            "INSERT INTO assignments (id, shop_id, kind, due, note, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET shop_id = excluded.shop_id, kind = excluded.kind, due = excluded.due,
                 note = excluded.note, updated_seq = excluded.updated_seq",
            params![id, row.0, row.1, row.2, row.3, seq as i64],
        )
        .map_err(backend)?;
        tx.execute(
            "DELETE FROM assignment_inspectors WHERE assignment_id = ?1",
            [&id],
        )
        .map_err(backend)?;
        for (position, inspector) in a.inspectors.iter().enumerate() {
            tx.execute(
                "INSERT INTO assignment_inspectors (assignment_id, user_id, position) VALUES (?1, ?2, ?3)",
                params![id, inspector.user_id.to_string(), position as i64],
            )
            .map_err(backend)?;
        }
    }
    Ok(())
}

fn task_info(conn: &Connection, id: TaskId) -> StoreResult<Option<TaskInfo>> {
    type Raw = (
        String,
        String,
        String,
        String,
        bool,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        String,
        Option<i64>,
    );
    let raw: Option<Raw> = conn
        .query_row(
            "SELECT inspection_id, shop_id, item_id, item_text, key_item, remark, photos, mode, measure, due, requirement,
                    tier, state, rounds, reviews, closed_at_ms FROM tasks WHERE id = ?1",
            [id.to_string()],
            |r| {
                Ok((
                    r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?,
                    r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?,
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    let Some((
        inspection,
        shop,
        item_id,
        item_text,
        key,
        remark,
        photos,
        mode,
        measure,
        due,
        requirement,
        tier,
        state,
        rounds,
        reviews,
        closed_at_ms,
    )) = raw
    else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached("SELECT user_id FROM inspection_inspectors WHERE inspection_id = ?1")
        .map_err(backend)?;
    let inspectors = stmt
        .query_map([&inspection], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .map(|r| r.map_err(backend).and_then(|s| parse("user id", s)))
        .collect::<StoreResult<Vec<UserId>>>()?;
    Ok(Some(TaskInfo {
        row: TaskRow {
            id,
            item_id,
            item_text,
            key,
            remark,
            photos: from_json("task photos", &photos)?,
            mode: mode_from_columns(&mode, measure, due, requirement)?,
            tier: Tier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?,
            state: TaskState::parse(&state).ok_or_else(|| corrupt("task state", &state))?,
            rounds: from_json("task rounds", &rounds)?,
            reviews: from_json("task reviews", &reviews)?,
            closed_at_ms,
        },
        inspection_id: parse("inspection id", inspection)?,
        shop_id: parse("shop id", shop)?,
        inspectors,
    }))
}

#[async_trait]
impl Store for SqliteStore {
    async fn upsert_user(&self, user: NewUser) -> StoreResult<()> {
        self.run(move |conn| {
            let r = &user.record;
            conn.execute(
                "INSERT INTO users (id, username, display_name, role, office, shop_id, phone, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                     office = excluded.office, shop_id = excluded.shop_id, phone = excluded.phone",
                params![
                    r.id.to_string(),
                    r.username,
                    r.display_name,
                    r.role.as_str(),
                    r.office,
                    r.shop_id.map(|s| s.to_string()),
                    user.phone,
                    user.password_hash,
                    Utc::now().to_rfc3339()
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StoreError::Duplicate { what: "username", value: r.username.clone() }
                }
                other => backend(other),
            })?;
            Ok(())
        })
        .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(UserRecord, String)>> {
        let username = username.to_owned();
        self.run(move |conn| {
            let raw = conn
                .query_row(
                    &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = ?1"),
                    [username],
                    |r| Ok((user_from_row(r)?, r.get::<_, String>(6)?)),
                )
                .optional()
                .map_err(backend)?;
            raw.map(|(user, hash)| Ok((user_record(user)?, hash))).transpose()
        })
        .await
    }

    async fn users_by_ids(&self, ids: &[UserId]) -> StoreResult<Vec<UserRecord>> {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"))
                .map_err(backend)?;
            let mut out = Vec::new();
            for id in ids {
                if let Some(raw) = stmt.query_row([id], user_from_row).optional().map_err(backend)? {
                    out.push(user_record(raw)?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn insert_device(&self, device: &DeviceRecord, token_hash: &[u8; 32]) -> StoreResult<()> {
        let device = device.clone();
        let token_hash = token_hash.to_vec();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO devices (id, user_id, name, token_hash, created_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    device.id.to_string(),
                    device.user_id.to_string(),
                    device.name,
                    token_hash,
                    Utc::now().to_rfc3339(),
                    device.revoked
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn device_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> StoreResult<Option<(DeviceRecord, UserRecord)>> {
        let token_hash = token_hash.to_vec();
        self.run(move |conn| {
            let raw = conn
                .query_row(
                    &format!(
                        "SELECT {USER_COLUMNS}, d.id, d.name FROM devices d JOIN users u ON u.id = d.user_id
                         WHERE d.token_hash = ?1 AND d.revoked = 0"
                    ),
                    [token_hash],
                    |r| Ok((user_from_row(r)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?)),
                )
                .optional()
                .map_err(backend)?;
            raw.map(|(user, device_id, name)| {
                let user = user_record(user)?;
                Ok((
                    DeviceRecord {
                        id: parse("device id", device_id)?,
                        user_id: user.id,
                        name,
                        revoked: false,
                    },
                    user,
                ))
            })
            .transpose()
        })
        .await
    }

    async fn devices_by_ids(&self, ids: &[DeviceId]) -> StoreResult<Vec<(DeviceRecord, UserRecord)>> {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS}, d.id, d.name, d.revoked FROM devices d JOIN users u ON u.id = d.user_id
                     WHERE d.id = ?1"
                ))
                .map_err(backend)?;
            let mut out = Vec::new();
            for id in ids {
                let raw = stmt
                    .query_row([id], |r| {
                        Ok((user_from_row(r)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?, r.get::<_, bool>(8)?))
                    })
                    .optional()
                    .map_err(backend)?;
                if let Some((user, device_id, name, revoked)) = raw {
                    let user = user_record(user)?;
                    out.push((DeviceRecord { id: parse("device id", device_id)?, user_id: user.id, name, revoked }, user));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn touch_device(&self, id: DeviceId, at: DateTime<Utc>, skew_ms: i64) -> StoreResult<()> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE devices SET last_seen_at = ?2, last_skew_ms = ?3 WHERE id = ?1",
                params![id.to_string(), at.to_rfc3339(), skew_ms],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn upsert_offices(&self, offices: &[OfficeRecord]) -> StoreResult<()> {
        let offices = offices.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            for office in &offices {
                tx.execute(
                    "INSERT INTO offices (name, street) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET street = excluded.street",
                    params![office.name, office.street],
                )
                .map_err(backend)?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn upsert_shops(&self, shops: &[Shop]) -> StoreResult<()> {
        let shops = shops.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            {
                let mut existing = tx
                    .prepare_cached(&format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1"))
                    .map_err(backend)?;
                let mut upsert = tx
                    .prepare_cached(
                        "INSERT INTO shops (id, licence_no, name, address, street, business_type, area_m2, meals_per_day,
                                            serves, updated_seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                         ON CONFLICT(id) DO UPDATE SET licence_no = excluded.licence_no, name = excluded.name,
                             address = excluded.address, street = excluded.street, business_type = excluded.business_type,
                             area_m2 = excluded.area_m2, meals_per_day = excluded.meals_per_day, serves = excluded.serves,
                             updated_seq = excluded.updated_seq",
                    )
                    .map_err(backend)?;
                for shop in &shops {
                    // Re-importing an unchanged register must not move the feed (devices would re-download it).
                    let current = existing.query_row([shop.id.to_string()], shop_from_row).optional().map_err(backend)?;
                    if let Some(raw) = current
                        && shop_record(raw)? == *shop
                    {
                        continue;
                    }
                    let seq = next_seq(&tx)?;
                    upsert
                        .execute(params![
                            shop.id.to_string(),
                            shop.licence_no,
                            shop.name,
                            shop.address,
                            shop.street,
                            shop.business_type,
                            shop.area_m2,
                            shop.meals_per_day,
                            shop.serves.code(),
                            seq as i64
                        ])
                        .map_err(|e| match e {
                            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                                StoreError::Duplicate { what: "licence number", value: shop.licence_no.clone() }
                            }
                            other => backend(other),
                        })?;
                }
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn shops_by_ids(&self, ids: &[ShopId]) -> StoreResult<Vec<Shop>> {
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1"))
                .map_err(backend)?;
            let mut out = Vec::new();
            for id in ids {
                if let Some(raw) = stmt.query_row([id], shop_from_row).optional().map_err(backend)? {
                    out.push(shop_record(raw)?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn upsert_assignments(&self, assignments: &[Assignment]) -> StoreResult<()> {
        let assignments = assignments.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            write_assignments(&tx, &assignments)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn reference_since(&self, user: &UserRecord, cursor: u64) -> StoreResult<ReferenceData> {
        let user = user.clone();
        self.run(move |conn| reference_since(conn, &user, cursor)).await
    }

    async fn load_docs(&self, ids: &[DocId]) -> StoreResult<Vec<StoredDoc>> {
        let ids = ids.to_vec();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT kind, bytes, version FROM docs WHERE id = ?1")
                .map_err(backend)?;
            let mut out = Vec::new();
            for id in ids {
                let raw: Option<(String, Vec<u8>, i64)> = stmt
                    .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
                    .map_err(backend)?;
                if let Some((kind, bytes, version)) = raw {
                    let kind = DocKind::parse(&kind).ok_or_else(|| corrupt("document kind", &kind))?;
                    out.push(StoredDoc {
                        id,
                        kind,
                        bytes,
                        version: version as u64,
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn commit_sync(&self, sync: SyncCommit) -> StoreResult<u64> {
        self.run(move |conn| commit(conn, sync)).await
    }

    async fn feed(&self, user: UserId, cursor: u64, limit: usize) -> StoreResult<FeedPage> {
        self.run(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            let head: i64 = tx.query_row("SELECT value FROM feed_seq WHERE id = 1", [], |r| r.get(0)).map_err(backend)?;
            let rows: Vec<(String, String, i64, i64)> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT d.id, d.kind, MAX(v.seq), a.since_seq FROM doc_audience a
                         JOIN doc_versions v ON v.doc_id = a.doc_id AND v.seq > ?2
                         JOIN docs d ON d.id = a.doc_id
                         WHERE a.user_id = ?1
                         GROUP BY d.id ORDER BY MAX(v.seq) LIMIT ?3",
                    )
                    .map_err(backend)?;
                stmt.query_map(params![user.to_string(), cursor as i64, limit as i64 + 1], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
            };
            let truncated = rows.len() > limit;
            let mut entries = Vec::new();
            let mut heads_stmt = tx
                .prepare_cached("SELECT heads FROM doc_versions WHERE doc_id = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1")
                .map_err(backend)?;
            for (id, kind, seq, since_seq) in rows.into_iter().take(limit) {
                // A reader added after the cursor never had the document: send all of it.
                let heads_at_cursor = if since_seq as u64 > cursor {
                    None
                } else {
                    heads_stmt
                        .query_row(params![id, cursor as i64], |r| r.get::<_, String>(0))
                        .optional()
                        .map_err(backend)?
                        .map(|h| h.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect())
                };
                entries.push(FeedEntry {
                    doc_id: parse("document id", id)?,
                    kind: DocKind::parse(&kind).ok_or_else(|| corrupt("document kind", &kind))?,
                    heads_at_cursor,
                    seq: seq as u64,
                });
            }
            let complete_to = if truncated { entries.last().map_or(cursor, |e| e.seq) } else { head as u64 };
            Ok(FeedPage { entries, complete_to, more: truncated })
        })
        .await
    }

    async fn task(&self, id: TaskId) -> StoreResult<Option<TaskInfo>> {
        self.run(move |conn| task_info(conn, id)).await
    }

    async fn owners_of_shop(&self, shop: ShopId) -> StoreResult<Vec<UserId>> {
        self.run(move |conn| {
            conn.prepare_cached("SELECT id FROM users WHERE role = 'owner' AND shop_id = ?1")
                .map_err(backend)?
                .query_map([shop.to_string()], |r| r.get::<_, String>(0))
                .map_err(backend)?
                .map(|r| r.map_err(backend).and_then(|s| parse("user id", s)))
                .collect()
        })
        .await
    }

    async fn photo(&self, hash: &str) -> StoreResult<Option<PhotoRecord>> {
        let hash = hash.to_owned();
        self.run(move |conn| {
            let raw: Option<(i64, String, String, String)> = conn
                .query_row(
                    "SELECT size, media_type, uploaded_by, uploaded_at FROM photos WHERE hash = ?1",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(backend)?;
            raw.map(|(size, media_type, by, at)| {
                Ok(PhotoRecord {
                    hash: hash.clone(),
                    size: size as u64,
                    media_type,
                    uploaded_by: parse("device id", by)?,
                    uploaded_at: DateTime::parse_from_rfc3339(&at)
                        .map_err(|_| corrupt("upload time", &at))?
                        .to_utc(),
                })
            })
            .transpose()
        })
        .await
    }

    async fn insert_photo(&self, photo: &PhotoRecord) -> StoreResult<()> {
        let photo = photo.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO photos (hash, size, media_type, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(hash) DO NOTHING",
                params![photo.hash, photo.size as i64, photo.media_type, photo.uploaded_by.to_string(), photo.uploaded_at.to_rfc3339()],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn missing_photos(&self, hashes: &[String]) -> StoreResult<Vec<String>> {
        let hashes = hashes.to_vec();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT 1 FROM photos WHERE hash = ?1")
                .map_err(backend)?;
            let mut missing = Vec::new();
            for hash in hashes {
                if !stmt.exists([&hash]).map_err(backend)? {
                    missing.push(hash);
                }
            }
            Ok(missing)
        })
        .await
    }

    async fn photo_visible_to_shop(&self, hash: &str, shop: ShopId) -> StoreResult<bool> {
        let hash = hash.to_owned();
        self.run(move |conn| {
            let shop = shop.to_string();
            // Photos of the shop's tasks (the inspector's evidence) and of its own proof rounds.
            let in_tasks: bool = conn
                .prepare_cached(
                    "SELECT 1 FROM tasks t WHERE t.shop_id = ?1 AND (
                        EXISTS (SELECT 1 FROM json_each(t.photos) WHERE value = ?2)
                        OR EXISTS (SELECT 1 FROM json_each(t.rounds) r, json_each(r.value, '$.photos') p WHERE p.value = ?2))",
                )
                .map_err(backend)?
                .exists(params![shop, hash])
                .map_err(backend)?;
            Ok(in_tasks)
        })
        .await
    }

    async fn owner_tasks(&self, shop: ShopId, today: NaiveDate) -> StoreResult<Vec<OwnerTask>> {
        self.run(move |conn| {
            let ids: Vec<String> = conn
                .prepare_cached(
                    "SELECT t.id FROM tasks t JOIN inspections i ON i.id = t.inspection_id
                     WHERE t.shop_id = ?1 ORDER BY i.recorded_at DESC, t.item_id",
                )
                .map_err(backend)?
                .query_map([shop.to_string()], |r| r.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?;
            let mut out = Vec::new();
            for id in ids {
                let Some(info) = task_info(conn, parse("task id", id)?)? else {
                    continue;
                };
                let row = info.row;
                out.push(OwnerTask {
                    task_id: row.id,
                    inspection_id: info.inspection_id,
                    overdue: rectification::is_overdue(&row.mode, row.state, today),
                    item_id: row.item_id,
                    item_text: row.item_text,
                    key: row.key,
                    remark: row.remark,
                    photos: row.photos,
                    tier: row.tier,
                    mode: row.mode,
                    state: row.state,
                    last_review_remark: row.reviews.last().map(|r| r.remark.clone()),
                    rounds: row.rounds,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn daily_report(&self, date: NaiveDate) -> StoreResult<Vec<DailyReportRow>> {
        self.run(move |conn| daily_report(conn, date)).await
    }

    async fn counts(&self) -> StoreResult<Counts> {
        self.run(|conn| {
            let count = |table: &str| -> StoreResult<u64> {
                conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
                .map_err(backend)
            };
            Ok(Counts {
                users: count("users")?,
                shops: count("shops")?,
                docs: count("docs")?,
                inspections: count("inspections")?,
                answers: count("answers")?,
                tasks: count("tasks")?,
                photos: count("photos")?,
            })
        })
        .await
    }

    // ---- supervisor console (监管端) ----
    async fn insert_web_session(&self, session: &NewWebSession) -> StoreResult<()> {
        let session = session.clone();
        self.run(move |conn| console_queries::insert_web_session(conn, &session))
            .await
    }

    async fn web_session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<WebSession>> {
        let token_hash = *token_hash;
        self.run(move |conn| console_queries::web_session(conn, &token_hash, now))
            .await
    }

    async fn delete_web_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        let token_hash = *token_hash;
        self.run(move |conn| console_queries::delete_web_session(conn, &token_hash))
            .await
    }

    async fn offices(&self) -> StoreResult<Vec<OfficeRecord>> {
        self.run(console_queries::offices).await
    }

    async fn inspection_facts(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<InspectionFact>> {
        self.run(move |conn| console_queries::inspection_facts(conn, from, to))
            .await
    }

    async fn task_facts(&self) -> StoreResult<Vec<TaskFact>> {
        self.run(console_queries::task_facts).await
    }

    async fn shop_facts(&self) -> StoreResult<Vec<ShopFact>> {
        self.run(console_queries::shop_facts).await
    }

    async fn assignment_facts(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<AssignmentFact>> {
        self.run(move |conn| console_queries::assignment_facts(conn, from, to))
            .await
    }

    async fn inspection_detail(&self, id: InspectionId) -> StoreResult<Option<InspectionDetail>> {
        self.run(move |conn| console_queries::inspection_detail(conn, id))
            .await
    }

    // ---- 一户一码 (QR codes), public shop page, 红黑榜 and result records ----
    async fn qr_signing_key(&self, fresh_secret: [u8; 32]) -> StoreResult<QrKey> {
        self.run(move |conn| qr::qr_signing_key(conn, fresh_secret)).await
    }

    async fn qr_key(&self, key_id: u16) -> StoreResult<Option<QrKey>> {
        self.run(move |conn| qr::qr_key(conn, key_id)).await
    }

    async fn qr_generation(&self, shop: ShopId) -> StoreResult<u32> {
        self.run(move |conn| qr::qr_generation(conn, shop)).await
    }

    async fn revoke_qr(&self, shop: ShopId, by: UserId, at: DateTime<Utc>) -> StoreResult<u32> {
        self.run(move |conn| qr::revoke_qr(conn, shop, by, at)).await
    }

    async fn qr_setting(&self, name: &str) -> StoreResult<Option<String>> {
        let name = name.to_owned();
        self.run(move |conn| qr::qr_setting(conn, &name)).await
    }

    async fn set_qr_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.run(move |conn| qr::set_qr_setting(conn, &name, &value))
            .await
    }

    async fn shops_in_street(&self, street: &str) -> StoreResult<Vec<Shop>> {
        let street = street.to_owned();
        self.run(move |conn| qr::shops_in_street(conn, &street)).await
    }

    async fn shop_status_facts(
        &self,
        shops: &[ShopId],
        recent: usize,
        today: NaiveDate,
    ) -> StoreResult<Vec<ShopStatusFacts>> {
        let shops = shops.to_vec();
        self.run(move |conn| qr::shop_status_facts(conn, &shops, recent, today))
            .await
    }

    async fn inspection_record(&self, id: InspectionId) -> StoreResult<Option<InspectionRecord>> {
        self.run(move |conn| qr::inspection_record(conn, id)).await
    }

    async fn streets(&self) -> StoreResult<Vec<String>> {
        self.run(|conn| qr::streets(conn)).await
    }

    // ---- risk grading, the annual plan and 双随机 draws (risk) ----
    async fn all_shops(&self) -> StoreResult<Vec<Shop>> {
        self.run(|conn| risk::all_shops(conn)).await
    }

    async fn inspection_summaries(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<InspectionSummary>> {
        self.run(move |conn| risk::inspection_summaries(conn, from, to))
            .await
    }

    async fn last_full_inspections(&self, before: NaiveDate) -> StoreResult<Vec<(ShopId, NaiveDate)>> {
        self.run(move |conn| risk::last_full_inspections(conn, before))
            .await
    }

    async fn insert_risk_events(&self, events: &[RiskEventRecord]) -> StoreResult<usize> {
        let events = events.to_vec();
        self.run(move |conn| risk::insert_risk_events(conn, &events))
            .await
    }

    async fn risk_events(&self, from: NaiveDate, to: NaiveDate) -> StoreResult<Vec<RiskEventRecord>> {
        self.run(move |conn| risk::risk_events(conn, from, to)).await
    }

    async fn write_risk_grades(&self, grades: &[GradeRecord]) -> StoreResult<()> {
        let grades = grades.to_vec();
        self.run(move |conn| risk::write_risk_grades(conn, &grades)).await
    }

    async fn risk_levels(&self, year: i32) -> StoreResult<Vec<StoredLevel>> {
        self.run(move |conn| risk::risk_levels(conn, year)).await
    }

    async fn inspectors(&self) -> StoreResult<Vec<UserRecord>> {
        self.run(|conn| risk::inspectors(conn)).await
    }

    async fn upsert_recusals(&self, recusals: &[RecusalRecord]) -> StoreResult<()> {
        let recusals = recusals.to_vec();
        self.run(move |conn| risk::upsert_recusals(conn, &recusals)).await
    }

    async fn recusals(&self) -> StoreResult<Vec<RecusalRecord>> {
        self.run(|conn| risk::recusals(conn)).await
    }

    async fn write_planned_visits(
        &self,
        assignments: &[Assignment],
        visits: &[PlannedVisitRecord],
    ) -> StoreResult<()> {
        let assignments = assignments.to_vec();
        let visits = visits.to_vec();
        self.run(move |conn| risk::write_planned_visits(conn, &assignments, &visits))
            .await
    }

    async fn planned_visits(&self, year: i32) -> StoreResult<Vec<PlannedVisitRecord>> {
        self.run(move |conn| risk::planned_visits(conn, year)).await
    }

    async fn insert_draw(&self, draw: &DrawRecord) -> StoreResult<bool> {
        let draw = draw.clone();
        self.run(move |conn| risk::insert_draw(conn, &draw)).await
    }

    async fn draw(&self, id: uuid::Uuid) -> StoreResult<Option<DrawRecord>> {
        self.run(move |conn| risk::draw(conn, id)).await
    }

    async fn draws(&self) -> StoreResult<Vec<DrawRecord>> {
        self.run(|conn| risk::draws(conn)).await
    }
}

fn reference_since(conn: &Connection, user: &UserRecord, cursor: u64) -> StoreResult<ReferenceData> {
    let mut data = ReferenceData::default();
    let user_id = user.id.to_string();
    match user.role {
        Role::Inspector => {
            let rows: Vec<(String, String, String, String, String)> = conn
                .prepare_cached(
                    "SELECT a.id, a.shop_id, a.kind, a.due, a.note FROM assignments a
                     JOIN assignment_inspectors ai ON ai.assignment_id = a.id
                     JOIN shops s ON s.id = a.shop_id
                     WHERE ai.user_id = ?1 AND (a.updated_seq > ?2 OR s.updated_seq > ?2)
                     ORDER BY a.due, a.id",
                )
                .map_err(backend)?
                .query_map(params![user_id, cursor as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?;
            let mut inspectors_stmt = conn
                .prepare_cached(
                    "SELECT u.id, u.display_name FROM assignment_inspectors ai JOIN users u ON u.id = ai.user_id
                     WHERE ai.assignment_id = ?1 ORDER BY ai.position",
                )
                .map_err(backend)?;
            let mut shop_stmt = conn
                .prepare_cached(&format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1"))
                .map_err(backend)?;
            let mut shop_ids = std::collections::BTreeSet::new();
            for (id, shop_id, kind, due, note) in rows {
                let inspectors = inspectors_stmt
                    .query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                    .map_err(backend)?
                    .map(|r| {
                        let (uid, name) = r.map_err(backend)?;
                        Ok(InspectorRef {
                            user_id: parse("user id", uid)?,
                            name,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                if shop_ids.insert(shop_id.clone())
                    && let Some(raw) = shop_stmt
                        .query_row([&shop_id], shop_from_row)
                        .optional()
                        .map_err(backend)?
                {
                    data.shops.push(shop_record(raw)?);
                }
                data.assignments.push(Assignment {
                    id: parse("assignment id", id)?,
                    shop_id: parse("shop id", shop_id)?,
                    inspectors,
                    kind: InspectionKind::parse(&kind).ok_or_else(|| corrupt("inspection kind", &kind))?,
                    due: parse("due date", due)?,
                    note,
                });
            }
            // Colleagues change rarely; they are sent on a device's first sync.
            if cursor == 0
                && let Some(office) = &user.office
            {
                data.colleagues = conn
                    .prepare_cached(
                        "SELECT id, display_name FROM users WHERE role = 'inspector' AND office = ?1 AND id != ?2
                         ORDER BY username",
                    )
                    .map_err(backend)?
                    .query_map(params![office, user_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                    .map_err(backend)?
                    .map(|r| {
                        let (uid, name) = r.map_err(backend)?;
                        Ok(InspectorRef { user_id: parse("user id", uid)?, name })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
            }
        }
        Role::Owner => {
            if let Some(shop) = user.shop_id {
                let raw = conn
                    .query_row(
                        &format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1 AND s.updated_seq > ?2"),
                        params![shop.to_string(), cursor as i64],
                        shop_from_row,
                    )
                    .optional()
                    .map_err(backend)?;
                if let Some(raw) = raw {
                    data.shops.push(shop_record(raw)?);
                }
            }
        }
        Role::Supervisor | Role::Admin => {}
    }
    Ok(data)
}

fn daily_report(conn: &Connection, date: NaiveDate) -> StoreResult<Vec<DailyReportRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT ii.user_id, u.display_name, COALESCE(u.office, ''),
                    COUNT(*), COUNT(DISTINCT i.shop_id),
                    SUM(i.outcome = 'compliant'), SUM(i.outcome = 'basically_compliant'), SUM(i.outcome = 'non_compliant'),
                    SUM(i.key_failed + i.general_failed),
                    SUM((SELECT COUNT(*) FROM tasks t WHERE t.inspection_id = i.id AND t.mode = 'on_spot')),
                    SUM((SELECT COUNT(*) FROM tasks t WHERE t.inspection_id = i.id AND t.mode = 'deadline')),
                    SUM((SELECT COUNT(*) FROM tasks t WHERE t.inspection_id = i.id AND t.state = 'verified')),
                    SUM(i.skew_flagged), SUM(i.outcome_disagrees)
             FROM inspections i
             JOIN inspection_inspectors ii ON ii.inspection_id = i.id
             JOIN users u ON u.id = ii.user_id
             WHERE i.report_date = ?1 AND i.status = 'submitted'
             GROUP BY ii.user_id ORDER BY u.office, u.username",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([date.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                ],
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, office, n) = row.map_err(backend)?;
        let n = n.map(|v| v as u32);
        out.push(DailyReportRow {
            date,
            inspector_id: parse("user id", id)?,
            inspector_name: name,
            office,
            inspections: n[0],
            shops: n[1],
            compliant: n[2],
            basically_compliant: n[3],
            non_compliant: n[4],
            hazards: n[5],
            tasks_fixed_on_spot: n[6],
            tasks_with_deadline: n[7],
            tasks_verified: n[8],
            skew_flagged: n[9],
            outcome_disagreements: n[10],
        });
    }
    Ok(out)
}
