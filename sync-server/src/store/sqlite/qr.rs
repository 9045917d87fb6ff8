//! SQLite queries of the QR codes (一户一码), the public shop page, 红黑榜 and result records.

use super::*;

pub(super) fn qr_signing_key(conn: &mut Connection, fresh_secret: [u8; 32]) -> StoreResult<QrKey> {
    let tx = conn.transaction().map_err(backend)?;
    tx.execute(
        "INSERT INTO qr_keys (key_id, secret, created_at)
         SELECT 1, ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM qr_keys WHERE retired = 0)
         ON CONFLICT(key_id) DO NOTHING",
        params![fresh_secret.to_vec(), Utc::now().to_rfc3339()],
    )
    .map_err(backend)?;
    let key = tx
        .query_row(
            "SELECT key_id, secret FROM qr_keys WHERE retired = 0 ORDER BY key_id DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()
        .map_err(backend)?
        .ok_or_else(|| {
            StoreError::Corrupt(
                "every QR signing key is retired, so insert a new unretired key into qr_keys".into(),
            )
        })?;
    tx.commit().map_err(backend)?;
    qr_key_record(key)
}

fn qr_key_record((key_id, secret): (i64, Vec<u8>)) -> StoreResult<QrKey> {
    let key_id = u16::try_from(key_id).map_err(|_| corrupt("QR key id", &key_id.to_string()))?;
    let secret: [u8; 32] = secret
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("QR key {key_id} is not 32 bytes")))?;
    Ok(QrKey { key_id, secret })
}

pub(super) fn qr_key(conn: &Connection, key_id: u16) -> StoreResult<Option<QrKey>> {
    conn.query_row(
        "SELECT key_id, secret FROM qr_keys WHERE key_id = ?1",
        [i64::from(key_id)],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
    )
    .optional()
    .map_err(backend)?
    .map(qr_key_record)
    .transpose()
}

pub(super) fn qr_generation(conn: &Connection, shop: ShopId) -> StoreResult<u32> {
    let generation: Option<i64> = conn
        .query_row(
            "SELECT generation FROM qr_generations WHERE shop_id = ?1",
            [shop.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    Ok(generation.map_or(1, |g| g as u32))
}

pub(super) fn revoke_qr(conn: &Connection, shop: ShopId, by: UserId, at: DateTime<Utc>) -> StoreResult<u32> {
    let generation: i64 = conn
        .query_row(
            "INSERT INTO qr_generations (shop_id, generation, revoked_at, revoked_by) VALUES (?1, 2, ?2, ?3)
             ON CONFLICT(shop_id) DO UPDATE SET generation = generation + 1, revoked_at = excluded.revoked_at,
                 revoked_by = excluded.revoked_by
             RETURNING generation",
            params![shop.to_string(), at.to_rfc3339(), by.to_string()],
            |r| r.get(0),
        )
        .map_err(backend)?;
    Ok(generation as u32)
}

pub(super) fn qr_setting(conn: &Connection, name: &str) -> StoreResult<Option<String>> {
    conn.query_row("SELECT value FROM qr_settings WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()
    .map_err(backend)
}

pub(super) fn set_qr_setting(conn: &Connection, name: &str, value: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO qr_settings (name, value) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [name, value],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn shops_in_street(conn: &Connection, street: &str) -> StoreResult<Vec<Shop>> {
    conn.prepare_cached(&format!(
        "SELECT {SHOP_COLUMNS} FROM shops s WHERE s.street = ?1 ORDER BY s.licence_no"
    ))
    .map_err(backend)?
    .query_map([street], shop_from_row)
    .map_err(backend)?
    .map(|raw| raw.map_err(backend).and_then(shop_record))
    .collect()
}

pub(super) fn shop_status_facts(
    conn: &Connection,
    shops: &[ShopId],
    recent: usize,
    today: NaiveDate,
) -> StoreResult<Vec<ShopStatusFacts>> {
    let mut shop_stmt = conn
        .prepare_cached(&format!("SELECT {SHOP_COLUMNS} FROM shops s WHERE s.id = ?1"))
        .map_err(backend)?;
    let mut grade_stmt = conn
        .prepare_cached("SELECT year, level FROM risk_grades WHERE shop_id = ?1 ORDER BY year DESC LIMIT 1")
        .map_err(backend)?;
    let mut results_stmt = conn
        .prepare_cached(
            "SELECT report_date, outcome FROM inspections
             WHERE shop_id = ?1 AND status = 'submitted' AND outcome IS NOT NULL
             ORDER BY report_date DESC, recorded_at DESC LIMIT ?2",
        )
        .map_err(backend)?;
    // Overdue as `rectification::is_overdue` defines it: a deadline task that awaits the owner after its due date.
    let mut tasks_stmt = conn
        .prepare_cached(
            "SELECT
                 COALESCE(SUM(mode = 'deadline' AND state IN ('open', 'returned') AND due < ?2), 0),
                 COALESCE(SUM(state IN ('open', 'returned', 'proof_submitted')), 0)
             FROM tasks WHERE shop_id = ?1",
        )
        .map_err(backend)?;
    let mut out = Vec::with_capacity(shops.len());
    for id in shops {
        let id_text = id.to_string();
        let Some(raw) = shop_stmt
            .query_row([&id_text], shop_from_row)
            .optional()
            .map_err(backend)?
        else {
            continue;
        };
        let grade = grade_stmt
            .query_row([&id_text], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?)))
            .optional()
            .map_err(backend)?
            .map(|(year, level)| match level.as_str() {
                "A" | "B" | "C" | "D" => Ok(GradeFact {
                    year,
                    level: level.chars().next().unwrap_or('D'),
                }),
                _ => Err(corrupt("risk level", &level)),
            })
            .transpose()?;
        let recent = results_stmt
            .query_map(params![id_text, recent as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(backend)?
            .map(|row| {
                let (date, outcome) = row.map_err(backend)?;
                Ok(PublicResult {
                    report_date: parse("report date", date)?,
                    outcome,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let (overdue, open): (i64, i64) = tasks_stmt
            .query_row(params![id_text, today.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(backend)?;
        out.push(ShopStatusFacts {
            shop: shop_record(raw)?,
            grade,
            recent,
            overdue_tasks: overdue as u32,
            open_tasks: open as u32,
        });
    }
    Ok(out)
}

type RecordColumns = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

pub(super) fn inspection_record(
    conn: &Connection,
    id: InspectionId,
) -> StoreResult<Option<InspectionRecord>> {
    let id_text = id.to_string();
    let raw: Option<RecordColumns> = conn
        .query_row(
            "SELECT shop_id, template_id, template_version, kind, status, report_date, recorded_at, outcome,
                    signature_kind, signature_image, signer_name, refusal_reason, refusal_witness, submitted_at_ms
             FROM inspections WHERE id = ?1",
            [&id_text],
            |r| {
                Ok((
                    r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?,
                    r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?,
                ))
            },
        )
        .optional()
        .map_err(backend)?;
    let Some((
        shop_id,
        template_id,
        template_version,
        kind,
        status,
        report_date,
        recorded_at,
        outcome,
        signature_kind,
        signature_image,
        signer_name,
        refusal_reason,
        refusal_witness,
        submitted_at_ms,
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
        .ok_or_else(|| corrupt("inspection's shop id", &shop_id))?;

    let at_ms = submitted_at_ms.unwrap_or(0);
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
        Some(other) => return Err(corrupt("signature kind", other)),
        None => None,
    };

    let inspector_names = conn
        .prepare_cached("SELECT name FROM inspection_inspectors WHERE inspection_id = ?1 ORDER BY rowid")
        .map_err(backend)?
        .query_map([&id_text], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;

    let answers = conn
        .prepare_cached(
            "SELECT item_id, answer, verdict, key_item, remark, photos, answered_by, conflict
             FROM answers WHERE inspection_id = ?1 ORDER BY item_id",
        )
        .map_err(backend)?
        .query_map([&id_text], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .map_err(backend)?
        .map(|row| {
            let (item_id, answer, verdict, key, remark, photos, answered_by, conflict) =
                row.map_err(backend)?;
            Ok(AnswerRow {
                item_id,
                answer,
                verdict,
                key,
                remark,
                photos: from_json("answer photos", &photos)?,
                answered_by: parse("user id", answered_by)?,
                conflict,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let task_ids = conn
        .prepare_cached("SELECT id FROM tasks WHERE inspection_id = ?1 ORDER BY item_id")
        .map_err(backend)?
        .query_map([&id_text], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let mut tasks = Vec::with_capacity(task_ids.len());
    for task_id in task_ids {
        if let Some(info) = task_info(conn, parse("task id", task_id)?)? {
            tasks.push(info.row);
        }
    }

    Ok(Some(InspectionRecord {
        id,
        shop: shop_record(shop)?,
        template_id,
        template_version: template_version as u32,
        kind,
        status,
        report_date: parse("report date", report_date)?,
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .map_err(|_| corrupt("recorded_at", &recorded_at))?
            .with_timezone(&Utc),
        inspector_names,
        answers,
        outcome,
        signature,
        tasks,
    }))
}

pub(super) fn streets(conn: &Connection) -> StoreResult<Vec<String>> {
    conn.prepare_cached("SELECT DISTINCT street FROM shops ORDER BY street")
        .map_err(backend)?
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)
}
