//! SQLite queries of the supervisor console: browser sessions and the rows its reports count.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use foodpatrol_shared::checklist::TemplateRef;
use foodpatrol_shared::ids::{InspectionId, UserId};
use foodpatrol_shared::inspection::Signature;
use foodpatrol_shared::rectification::{TaskState, Tier};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    SHOP_COLUMNS, USER_COLUMNS, backend, corrupt, from_json, mode_from_columns, parse, shop_from_row,
    shop_record, task_info, user_from_row, user_record,
};
use crate::store::{
    AnswerRow, AssignmentFact, InspectionDetail, InspectionFact, InspectorFact, NewWebSession, OfficeRecord,
    ShopFact, StoreResult, TaskFact, WebSession,
};

pub(super) fn insert_web_session(conn: &mut Connection, session: &NewWebSession) -> StoreResult<()> {
    let now = Utc::now().to_rfc3339();
    let tx = conn.transaction().map_err(backend)?;
    tx.execute("DELETE FROM web_sessions WHERE expires_at <= ?1", [&now])
        .map_err(backend)?;
    tx.execute(
        "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            session.token_hash.to_vec(),
            session.user_id.to_string(),
            session.csrf_token,
            now,
            session.expires_at.to_rfc3339()
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)
}

pub(super) fn web_session(
    conn: &mut Connection,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<WebSession>> {
    let raw = conn
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS}, w.csrf_token, w.expires_at FROM web_sessions w JOIN users u ON u.id = w.user_id
                 WHERE w.token_hash = ?1 AND w.expires_at > ?2"
            ),
            params![token_hash.to_vec(), now.to_rfc3339()],
            |r| Ok((user_from_row(r)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?)),
        )
        .optional()
        .map_err(backend)?;
    raw.map(|(user, csrf_token, expires_at)| {
        Ok(WebSession {
            user: user_record(user)?,
            csrf_token,
            expires_at: DateTime::parse_from_rfc3339(&expires_at)
                .map_err(|_| corrupt("session expiry", &expires_at))?
                .to_utc(),
        })
    })
    .transpose()
}

pub(super) fn delete_web_session(conn: &mut Connection, token_hash: &[u8; 32]) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM web_sessions WHERE token_hash = ?1",
        [token_hash.to_vec()],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn offices(conn: &mut Connection) -> StoreResult<Vec<OfficeRecord>> {
    conn.prepare_cached("SELECT name, street FROM offices ORDER BY rowid")
        .map_err(backend)?
        .query_map([], |r| {
            Ok(OfficeRecord {
                name: r.get(0)?,
                street: r.get(1)?,
            })
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)
}

/// Reads the inspectors of the inspections that `filter` (a condition on `i`, the inspection) selects.
fn inspectors_by_inspection(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<HashMap<String, Vec<InspectorFact>>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT ii.inspection_id, ii.user_id, ii.name, COALESCE(u.office, '') FROM inspection_inspectors ii
             JOIN inspections i ON i.id = ii.inspection_id LEFT JOIN users u ON u.id = ii.user_id
             WHERE {filter} ORDER BY ii.rowid"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(backend)?;
    let mut out: HashMap<String, Vec<InspectorFact>> = HashMap::new();
    for row in rows {
        let (inspection, user_id, name, office) = row.map_err(backend)?;
        out.entry(inspection).or_default().push(InspectorFact {
            user_id: parse("user id", user_id)?,
            name,
            office,
        });
    }
    Ok(out)
}

pub(super) fn inspection_facts(
    conn: &mut Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<InspectionFact>> {
    let (from, to) = (from.to_string(), to.to_string());
    let mut inspectors = inspectors_by_inspection(
        conn,
        "i.status = 'submitted' AND i.report_date BETWEEN ?1 AND ?2",
        &[&from, &to],
    )?;
    type Raw = (
        String,
        String,
        String,
        String,
        String,
        String,
        [u32; 5],
        bool,
        bool,
    );
    let raws: Vec<Raw> = conn
        .prepare_cached(
            "SELECT i.id, i.shop_id, COALESCE(s.name, ''), COALESCE(s.street, ''), i.report_date, COALESCE(i.outcome, ''),
                    (SELECT COUNT(*) FROM answers a WHERE a.inspection_id = i.id),
                    (SELECT COUNT(*) FROM answers a WHERE a.inspection_id = i.id AND a.verdict = 'not_applicable'),
                    (SELECT COUNT(*) FROM answers a WHERE a.inspection_id = i.id AND a.verdict = 'failed'),
                    (SELECT COUNT(*) FROM tasks t WHERE t.inspection_id = i.id AND t.mode = 'on_spot'),
                    (SELECT COUNT(*) FROM tasks t WHERE t.inspection_id = i.id AND t.mode = 'deadline'),
                    i.skew_flagged, i.outcome_disagrees
             FROM inspections i LEFT JOIN shops s ON s.id = i.shop_id
             WHERE i.status = 'submitted' AND i.report_date BETWEEN ?1 AND ?2
             ORDER BY i.report_date, i.recorded_at",
        )
        .map_err(backend)?
        .query_map(params![from, to], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                r.get(11)?,
                r.get(12)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter()
        .map(
            |(id, shop_id, shop_name, street, date, outcome, n, skew_flagged, disagrees)| {
                Ok(InspectionFact {
                    inspectors: inspectors.remove(&id).unwrap_or_default(),
                    id: parse("inspection id", id)?,
                    shop_id: parse("shop id", shop_id)?,
                    shop_name,
                    street,
                    report_date: parse("report date", date)?,
                    outcome,
                    items_checked: n[0],
                    items_not_applicable: n[1],
                    items_failed: n[2],
                    tasks_on_spot: n[3],
                    tasks_deadline: n[4],
                    skew_flagged,
                    outcome_disagrees: disagrees,
                })
            },
        )
        .collect()
}

pub(super) fn task_facts(conn: &mut Connection) -> StoreResult<Vec<TaskFact>> {
    let inspectors = inspectors_by_inspection(conn, "i.id IN (SELECT inspection_id FROM tasks)", &[])?;
    type Raw = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        bool,
        (String, Option<String>, Option<String>, Option<String>),
        String,
        String,
        u32,
        String,
    );
    let raws: Vec<Raw> = conn
        .prepare_cached(
            "SELECT t.id, t.inspection_id, t.shop_id, COALESCE(s.name, ''), COALESCE(s.street, ''), t.item_id, t.item_text,
                    t.key_item, t.mode, t.measure, t.due, t.requirement, t.tier, t.state, json_array_length(t.rounds),
                    i.report_date
             FROM tasks t JOIN inspections i ON i.id = t.inspection_id LEFT JOIN shops s ON s.id = t.shop_id
             ORDER BY i.report_date DESC, i.recorded_at DESC, t.item_id",
        )
        .map_err(backend)?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                (r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?),
                r.get(12)?,
                r.get(13)?,
                r.get(14)?,
                r.get(15)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter()
        .map(
            |(
                id,
                inspection,
                shop_id,
                shop_name,
                street,
                item_id,
                item_text,
                key,
                mode,
                tier,
                state,
                rounds,
                date,
            )| {
                let (mode, measure, due, requirement) = mode;
                Ok(TaskFact {
                    id: parse("task id", id)?,
                    inspectors: inspectors.get(&inspection).cloned().unwrap_or_default(),
                    inspection_id: parse("inspection id", inspection)?,
                    shop_id: parse("shop id", shop_id)?,
                    shop_name,
                    street,
                    item_id,
                    item_text,
                    key,
                    mode: mode_from_columns(&mode, measure, due, requirement)?,
                    tier: Tier::parse(&tier).ok_or_else(|| corrupt("tier", &tier))?,
                    state: TaskState::parse(&state).ok_or_else(|| corrupt("task state", &state))?,
                    report_date: parse("report date", date)?,
                    rounds,
                })
            },
        )
        .collect()
}

pub(super) fn shop_facts(conn: &mut Connection) -> StoreResult<Vec<ShopFact>> {
    type Raw = (String, String, String, Option<i32>, Option<String>);
    let raws: Vec<Raw> = conn
        .prepare_cached(
            "SELECT s.id, s.name, s.street, g.year, g.level FROM shops s
             LEFT JOIN risk_grades g ON g.shop_id = s.id
                 AND g.year = (SELECT MAX(year) FROM risk_grades WHERE shop_id = s.id)
             ORDER BY s.street, s.licence_no",
        )
        .map_err(backend)?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter()
        .map(|(id, name, street, year, level)| {
            Ok(ShopFact {
                id: parse("shop id", id)?,
                name,
                street,
                grade: year.zip(level),
            })
        })
        .collect()
}

pub(super) fn assignment_facts(
    conn: &mut Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<AssignmentFact>> {
    let (from, to) = (from.to_string(), to.to_string());
    let mut inspectors: HashMap<String, Vec<InspectorFact>> = HashMap::new();
    let rows: Vec<(String, String, String, String)> = conn
        .prepare_cached(
            "SELECT ai.assignment_id, ai.user_id, u.display_name, COALESCE(u.office, '') FROM assignment_inspectors ai
             JOIN assignments a ON a.id = ai.assignment_id JOIN users u ON u.id = ai.user_id
             WHERE a.due BETWEEN ?1 AND ?2 ORDER BY ai.assignment_id, ai.position",
        )
        .map_err(backend)?
        .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    for (assignment, user_id, name, office) in rows {
        inspectors.entry(assignment).or_default().push(InspectorFact {
            user_id: parse("user id", user_id)?,
            name,
            office,
        });
    }
    let raws: Vec<(String, String, String)> = conn
        .prepare_cached(
            "SELECT id, shop_id, due FROM assignments WHERE due BETWEEN ?1 AND ?2 ORDER BY due, id",
        )
        .map_err(backend)?
        .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    raws.into_iter()
        .map(|(id, shop_id, due)| {
            Ok(AssignmentFact {
                inspectors: inspectors.remove(&id).unwrap_or_default(),
                id: parse("assignment id", id)?,
                shop_id: parse("shop id", shop_id)?,
                due: parse("due date", due)?,
            })
        })
        .collect()
}

pub(super) fn inspection_detail(
    conn: &mut Connection,
    id: InspectionId,
) -> StoreResult<Option<InspectionDetail>> {
    type Raw = (
        (String, String, u32, String, String),
        (String, String, i64, bool),
        (Option<String>, Option<String>, bool, Option<String>, Option<u32>),
        (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
        ),
    );
    let key = id.to_string();
    let raw: Option<Raw> = conn
        .query_row(
            "SELECT shop_id, template_id, template_version, kind, status,
                    recorded_at, report_date, skew_ms, skew_flagged,
                    outcome, device_outcome, outcome_disagrees, rule_id, rule_version,
                    signature_kind, signature_image, signer_name, refusal_reason, refusal_witness, submitted_at_ms
             FROM inspections WHERE id = ?1",
            [&key],
            |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?),
                    (r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?),
                    (r.get(14)?, r.get(15)?, r.get(16)?, r.get(17)?, r.get(18)?, r.get(19)?),
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    let Some((
        (shop_id, template_id, template_version, kind, status),
        (recorded_at, report_date, skew_ms, skew_flagged),
        (outcome, device_outcome, outcome_disagrees, rule_id, rule_version),
        (signature_kind, signature_image, signer_name, refusal_reason, refusal_witness, submitted_at_ms),
    )) = raw
    else {
        return Ok(None);
    };

    let shop = conn
        .query_row(
            &format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1"),
            [&shop_id],
            shop_from_row,
        )
        .optional()
        .map_err(backend)?
        .ok_or_else(|| corrupt("shop of inspection", &shop_id))?;
    let at_ms = submitted_at_ms.unwrap_or_default();
    let signature = match signature_kind.as_deref() {
        Some("signed") => Some(Signature::Signed {
            signer_name: signer_name.unwrap_or_default(),
            image: signature_image.unwrap_or_default(),
            at_ms,
        }),
        Some("refused") => Some(Signature::Refused {
            reason: refusal_reason.unwrap_or_default(),
            witness: refusal_witness.unwrap_or_default(),
            at_ms,
        }),
        _ => None,
    };
    let mut inspectors = inspectors_by_inspection(conn, "i.id = ?1", &[&key])?;

    type AnswerRaw = (
        String,
        String,
        String,
        bool,
        String,
        String,
        String,
        Option<String>,
    );
    let answer_raws: Vec<AnswerRaw> = conn
        .prepare_cached(
            "SELECT item_id, answer, verdict, key_item, remark, photos, answered_by, conflict FROM answers
             WHERE inspection_id = ?1 ORDER BY rowid",
        )
        .map_err(backend)?
        .query_map([&key], |r| {
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
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    let answers = answer_raws
        .into_iter()
        .map(|(item_id, answer, verdict, key, remark, photos, by, conflict)| {
            Ok(AnswerRow {
                item_id,
                answer,
                verdict,
                key,
                remark,
                photos: from_json("answer photos", &photos)?,
                answered_by: parse::<UserId>("user id", by)?,
                conflict,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let task_ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM tasks WHERE inspection_id = ?1 ORDER BY item_id")
        .map_err(backend)?
        .query_map([&key], |r| r.get(0))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    let mut tasks = Vec::new();
    for task_id in task_ids {
        if let Some(info) = task_info(conn, parse("task id", task_id)?)? {
            tasks.push(info.row);
        }
    }

    Ok(Some(InspectionDetail {
        id,
        shop: shop_record(shop)?,
        template: TemplateRef {
            id: template_id,
            version: template_version,
        },
        kind,
        submitted: status == "submitted",
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .map_err(|_| corrupt("recorded time", &recorded_at))?
            .to_utc(),
        report_date: parse("report date", report_date)?,
        skew_ms,
        skew_flagged,
        outcome,
        device_outcome,
        outcome_disagrees,
        rule: rule_id.zip(rule_version),
        signature,
        inspectors: inspectors.remove(&key).unwrap_or_default(),
        answers,
        tasks,
    }))
}
