//! SQLite queries of risk grading, the annual plan and draws (tables of migrations 0002 and 0003).

use chrono::{DateTime, NaiveDate, Utc};
use foodpatrol_shared::ids::ShopId;
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::risk::RiskLevel;
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    SHOP_COLUMNS, USER_COLUMNS, backend, corrupt, parse, shop_from_row, shop_record, user_from_row,
    user_record,
};
use crate::risk::records::{
    DrawRecord, EventSource, GradeRecord, InspectionSummary, PlannedVisitRecord, RecusalRecord,
    RiskEventRecord, StoredLevel,
};
use crate::store::{StoreResult, UserRecord};
use foodpatrol_shared::shop::Shop;

fn level(text: &str) -> StoreResult<RiskLevel> {
    RiskLevel::parse(text).ok_or_else(|| corrupt("risk level", text))
}

pub(super) fn all_shops(conn: &Connection) -> StoreResult<Vec<Shop>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {SHOP_COLUMNS} FROM shops s ORDER BY s.id"))
        .map_err(backend)?;
    let rows = stmt.query_map([], shop_from_row).map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(shop_record)).collect()
}

pub(super) fn inspection_summaries(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<InspectionSummary>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, shop_id, report_date, kind, outcome, key_failed, general_failed FROM inspections
             WHERE status = 'submitted' AND report_date >= ?1 AND report_date <= ?2 ORDER BY shop_id, report_date, id",
        )
        .map_err(backend)?;
    type Raw = (String, String, String, String, Option<String>, u32, u32);
    let rows = stmt
        .query_map(params![from.to_string(), to.to_string()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, shop, date, kind, outcome, key_failed, general_failed): Raw = row.map_err(backend)?;
        let outcome = outcome.unwrap_or_default();
        out.push(InspectionSummary {
            shop_id: parse("shop id", shop)?,
            report_date: parse("report date", date)?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| corrupt("outcome", &outcome))?,
            id,
            kind,
            key_failed,
            general_failed,
        });
    }
    Ok(out)
}

pub(super) fn last_full_inspections(
    conn: &Connection,
    before: NaiveDate,
) -> StoreResult<Vec<(ShopId, NaiveDate)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT shop_id, MAX(report_date) FROM inspections
             WHERE status = 'submitted' AND kind != 'flight' AND report_date < ?1 GROUP BY shop_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([before.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (shop, date) = r.map_err(backend)?;
        Ok((parse("shop id", shop)?, parse("report date", date)?))
    })
    .collect()
}

pub(super) fn insert_risk_events(conn: &mut Connection, events: &[RiskEventRecord]) -> StoreResult<usize> {
    let tx = conn.transaction().map_err(backend)?;
    let mut inserted = 0;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO risk_events (id, shop_id, event_code, occurred_on, source, note, entered_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO NOTHING",
            )
            .map_err(backend)?;
        let now = Utc::now().to_rfc3339();
        for e in events {
            inserted += stmt
                .execute(params![
                    e.id.to_string(),
                    e.shop_id.to_string(),
                    e.event_code,
                    e.occurred_on.to_string(),
                    e.source.as_str(),
                    e.note,
                    e.entered_by.to_string(),
                    now
                ])
                .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)?;
    Ok(inserted)
}

pub(super) fn risk_events(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<RiskEventRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, shop_id, event_code, occurred_on, source, note, entered_by FROM risk_events
             WHERE occurred_on >= ?1 AND occurred_on <= ?2 ORDER BY occurred_on, id",
        )
        .map_err(backend)?;
    type Raw = (String, String, String, String, String, String, String);
    let rows = stmt
        .query_map(params![from.to_string(), to.to_string()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, shop, code, on, source, note, by): Raw = row.map_err(backend)?;
        out.push(RiskEventRecord {
            id: parse("event id", id)?,
            shop_id: parse("shop id", shop)?,
            event_code: code,
            occurred_on: parse("event date", on)?,
            source: EventSource::parse(&source).ok_or_else(|| corrupt("event source", &source))?,
            note,
            entered_by: parse("user id", by)?,
        });
    }
    Ok(out)
}

pub(super) fn write_risk_grades(conn: &mut Connection, grades: &[GradeRecord]) -> StoreResult<()> {
    let tx = conn.transaction().map_err(backend)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO risk_grades (shop_id, year, level, score, static_score, dynamic_score, raised_steps,
                                          explanation, table_id, table_version, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(shop_id, year) DO UPDATE SET level = excluded.level, score = excluded.score,
                     static_score = excluded.static_score, dynamic_score = excluded.dynamic_score,
                     raised_steps = excluded.raised_steps, explanation = excluded.explanation,
                     table_id = excluded.table_id, table_version = excluded.table_version,
                     computed_at = excluded.computed_at",
            )
            .map_err(backend)?;
        for g in grades {
            let grade = &g.grade;
            stmt.execute(params![
                g.shop_id.to_string(),
                g.year,
                grade.level.as_str(),
                grade.score,
                grade.static_score,
                grade.dynamic_score,
                grade.raised_steps,
                super::to_json(&grade.explanation),
                grade.table_id,
                grade.table_version,
                g.computed_at.to_rfc3339(),
            ])
            .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)
}

pub(super) fn risk_levels(conn: &Connection, year: i32) -> StoreResult<Vec<StoredLevel>> {
    let mut stmt = conn
        .prepare_cached("SELECT shop_id, level, score FROM risk_grades WHERE year = ?1 ORDER BY shop_id")
        .map_err(backend)?;
    let rows = stmt
        .query_map([year], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (shop, lvl, score) = r.map_err(backend)?;
        Ok(StoredLevel {
            shop_id: parse("shop id", shop)?,
            level: level(&lvl)?,
            score,
        })
    })
    .collect()
}

pub(super) fn inspectors(conn: &Connection) -> StoreResult<Vec<UserRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.role = 'inspector' ORDER BY u.id"
        ))
        .map_err(backend)?;
    let rows = stmt.query_map([], user_from_row).map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(user_record)).collect()
}

pub(super) fn upsert_recusals(conn: &mut Connection, recusals: &[RecusalRecord]) -> StoreResult<()> {
    let tx = conn.transaction().map_err(backend)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO recusals (inspector_id, shop_id, reason, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(inspector_id, shop_id) DO UPDATE SET reason = excluded.reason",
            )
            .map_err(backend)?;
        let now = Utc::now().to_rfc3339();
        for r in recusals {
            stmt.execute(params![
                r.inspector_id.to_string(),
                r.shop_id.to_string(),
                r.reason,
                now
            ])
            .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)
}

pub(super) fn recusals(conn: &Connection) -> StoreResult<Vec<RecusalRecord>> {
    let mut stmt = conn
        .prepare_cached("SELECT inspector_id, shop_id, reason FROM recusals ORDER BY inspector_id, shop_id")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (inspector, shop, reason) = r.map_err(backend)?;
        Ok(RecusalRecord {
            inspector_id: parse("user id", inspector)?,
            shop_id: parse("shop id", shop)?,
            reason,
        })
    })
    .collect()
}

pub(super) fn write_planned_visits(
    conn: &mut Connection,
    assignments: &[Assignment],
    visits: &[PlannedVisitRecord],
) -> StoreResult<()> {
    let tx = conn.transaction().map_err(backend)?;
    super::write_assignments(&tx, assignments)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO planned_visits (assignment_id, shop_id, year, period, periods, level, full_checklist,
                                             source, draw_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(assignment_id) DO UPDATE SET shop_id = excluded.shop_id, year = excluded.year,
                     period = excluded.period, periods = excluded.periods, level = excluded.level,
                     full_checklist = excluded.full_checklist, source = excluded.source, draw_id = excluded.draw_id",
            )
            .map_err(backend)?;
        for v in visits {
            stmt.execute(params![
                v.assignment_id.to_string(),
                v.shop_id.to_string(),
                v.year,
                v.period,
                v.periods,
                v.level.as_str(),
                v.full_checklist,
                if v.draw_id.is_some() { "draw" } else { "plan" },
                v.draw_id.map(|d| d.to_string()),
            ])
            .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)
}

pub(super) fn planned_visits(conn: &Connection, year: i32) -> StoreResult<Vec<PlannedVisitRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT assignment_id, shop_id, year, period, periods, level, full_checklist, draw_id FROM planned_visits
             WHERE year = ?1 ORDER BY shop_id, period, assignment_id",
        )
        .map_err(backend)?;
    type Raw = (String, String, i32, u32, u32, String, bool, Option<String>);
    let rows = stmt
        .query_map([year], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, shop, year, period, periods, lvl, full, draw): Raw = row.map_err(backend)?;
        out.push(PlannedVisitRecord {
            assignment_id: parse("assignment id", id)?,
            shop_id: parse("shop id", shop)?,
            year,
            period,
            periods,
            level: level(&lvl)?,
            full_checklist: full,
            draw_id: draw.map(|d| parse("draw id", d)).transpose()?,
        });
    }
    Ok(out)
}

pub(super) fn insert_draw(conn: &mut Connection, draw: &DrawRecord) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "INSERT INTO draws (id, year, title, seed, algorithm, input_digest, inputs, result, result_digest, due,
                                created_by, created_at, office)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT(id) DO NOTHING",
            params![
                draw.id.to_string(),
                draw.year,
                draw.title,
                draw.seed,
                draw.result.algorithm,
                draw.result.input_digest,
                super::to_json(&draw.inputs),
                super::to_json(&draw.result),
                draw.result.result_digest,
                draw.due.to_string(),
                draw.created_by.to_string(),
                draw.created_at.to_rfc3339(),
                draw.office,
            ],
        )
        .map_err(backend)?;
    Ok(changed == 1)
}

const DRAW_COLUMNS: &str = "id, year, title, seed, inputs, result, due, created_by, created_at, office";

type DrawColumns = (
    String,
    i32,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn draw_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DrawColumns> {
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
        row.get(9)?,
    ))
}

fn draw_record(raw: DrawColumns) -> StoreResult<DrawRecord> {
    let (id, year, title, seed, inputs, result, due, by, at, office) = raw;
    Ok(DrawRecord {
        id: parse("draw id", id)?,
        year,
        title,
        seed,
        inputs: super::from_json("draw inputs", &inputs)?,
        result: super::from_json("draw result", &result)?,
        due: parse("draw due date", due)?,
        office,
        created_by: parse("user id", by)?,
        created_at: DateTime::parse_from_rfc3339(&at)
            .map_err(|_| corrupt("draw time", &at))?
            .to_utc(),
    })
}

pub(super) fn draw(conn: &Connection, id: uuid::Uuid) -> StoreResult<Option<DrawRecord>> {
    let raw = conn
        .query_row(
            &format!("SELECT {DRAW_COLUMNS} FROM draws WHERE id = ?1"),
            [id.to_string()],
            draw_from_row,
        )
        .optional()
        .map_err(backend)?;
    raw.map(draw_record).transpose()
}

pub(super) fn draws(conn: &Connection) -> StoreResult<Vec<DrawRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {DRAW_COLUMNS} FROM draws ORDER BY created_at DESC, id"
        ))
        .map_err(backend)?;
    let rows = stmt.query_map([], draw_from_row).map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(draw_record)).collect()
}
