//! Steps 6, 9 and 10: what reached the central database, read back with SQL as a report tool would,
//! the risk levels and annual plan, and the row counts that show a second run added nothing.

use anyhow::{Context, Result};
use chrono::Datelike;
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::rectification::TaskState;
use rusqlite::{Connection, params};

use super::Demo;
use super::district::Plan;
use super::text::{self, Align, Table};

/// One submitted or draft record as projected into the `inspections` table.
struct InspectionRecord {
    id: String,
    shop_name: String,
    status: String,
    outcome: Option<String>,
    device_outcome: Option<String>,
    disagrees: bool,
    key_failed: i64,
    general_failed: i64,
    /// General items passed, and passed or failed (not 合理缺项), from the `answers` table.
    general_passed: i64,
    general_applicable: i64,
    signature: String,
}

/// Step 6: prints today's records of the planned shops: outcomes, failed items and tasks.
pub(crate) fn print_records(demo: &Demo, plan: &Plan) -> Result<()> {
    text::section(6, "中心数据库", "Central database");
    let db = demo.central_db()?;
    let shops = [&plan.restaurant, &plan.sales_shop, &plan.second_restaurant];
    let shop_ids: Vec<String> = shops.iter().map(|s| s.id.to_string()).collect();
    let records = inspections_of(&db, &shop_ids, demo.today)
        .context("reading inspections from the central database failed")?;
    if records.is_empty() {
        text::line("今天没有这些店铺的检查记录 No records of these shops today.");
    }
    for record in &records {
        print_inspection(record);
        print_failed_items(&db, &record.id)?;
        print_tasks(&db, &record.id)?;
    }
    Ok(())
}

fn inspections_of(
    db: &Connection,
    shop_ids: &[String],
    today: chrono::NaiveDate,
) -> rusqlite::Result<Vec<InspectionRecord>> {
    let mut statement = db.prepare(
        "SELECT i.id, s.name, i.status, i.outcome, i.device_outcome, i.outcome_disagrees, i.key_failed,
                i.general_failed, i.signature_kind, i.signer_name, i.refusal_reason, i.refusal_witness,
                (SELECT COUNT(*) FROM answers a
                 WHERE a.inspection_id = i.id AND a.key_item = 0 AND a.verdict = 'passed'),
                (SELECT COUNT(*) FROM answers a
                 WHERE a.inspection_id = i.id AND a.key_item = 0 AND a.verdict IN ('passed', 'failed'))
         FROM inspections i JOIN shops s ON s.id = i.shop_id
         WHERE i.shop_id IN (?1, ?2, ?3) AND i.report_date = ?4
         ORDER BY i.device_started_at_ms",
    )?;
    let rows = statement.query_map(
        params![shop_ids[0], shop_ids[1], shop_ids[2], today.to_string()],
        |r| {
            let signature = describe_signature(
                r.get::<_, Option<String>>(8)?.as_deref(),
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            );
            Ok(InspectionRecord {
                id: r.get(0)?,
                shop_name: r.get(1)?,
                status: r.get(2)?,
                outcome: r.get(3)?,
                device_outcome: r.get(4)?,
                disagrees: r.get(5)?,
                key_failed: r.get(6)?,
                general_failed: r.get(7)?,
                general_passed: r.get(12)?,
                general_applicable: r.get(13)?,
                signature,
            })
        },
    )?;
    rows.collect()
}

fn describe_signature(
    kind: Option<&str>,
    signer: Option<String>,
    reason: Option<String>,
    witness: Option<String>,
) -> String {
    match kind {
        Some("signed") => format!("{} 签字 signed", signer.unwrap_or_default()),
        Some("refused") => format!(
            "拒签 refused：{}；见证人 witness {}",
            reason.unwrap_or_default(),
            witness.unwrap_or_default()
        ),
        _ => "—".to_owned(),
    }
}

fn outcome_label(outcome: Option<&str>) -> String {
    match outcome {
        Some(code) => Outcome::parse(code).map_or_else(|| code.to_owned(), |o| o.label_zh().to_owned()),
        None => "—".to_owned(),
    }
}

fn print_inspection(record: &InspectionRecord) {
    println!();
    text::line(format!("▶ {}（记录 record {}）", record.shop_name, record.id));
    let agreement = if record.disagrees {
        "不一致 DISAGREE"
    } else {
        "一致 agree"
    };
    text::field(
        "结果 Outcome",
        format!(
            "服务器 server {} · 设备 device {} · {agreement}",
            outcome_label(record.outcome.as_deref()),
            outcome_label(record.device_outcome.as_deref())
        ),
    );
    text::field(
        "状态 Status",
        format!(
            "{}；重点项不合格 key failed {}；一般项不合格 general failed {}，合格率 pass rate {}",
            record.status,
            record.key_failed,
            record.general_failed,
            pass_rate(record.general_passed, record.general_applicable)
        ),
    );
    text::field("签字 Signature", &record.signature);
}

/// Formats a general pass rate as the device shows it: percent rounded to 0.1, then the counts.
fn pass_rate(passed: i64, applicable: i64) -> String {
    if applicable == 0 {
        return "100.0%（无适用一般项 no applicable general items）".to_owned();
    }
    let percent = (passed as f64 * 1000.0 / applicable as f64).round() / 10.0;
    format!("{percent:.1}%（{passed}/{applicable}）")
}

fn print_failed_items(db: &Connection, inspection_id: &str) -> Result<()> {
    let mut statement = db.prepare(
        "SELECT a.item_id, a.key_item, COALESCE(t.item_text, ''), a.remark, a.photos
         FROM answers a LEFT JOIN tasks t ON t.inspection_id = a.inspection_id AND t.item_id = a.item_id
         WHERE a.inspection_id = ?1 AND a.verdict = 'failed' ORDER BY a.item_id",
    )?;
    let rows: Vec<(String, bool, String, String, String)> = statement
        .query_map([inspection_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()
        .context("reading failed items from the central database failed")?;
    if rows.is_empty() {
        text::field("不合格项 Failed items", "无 none");
        return Ok(());
    }
    text::field("不合格项 Failed items", rows.len());
    for (item_id, key, item_text, remark, photos) in rows {
        let weight = if key { "重点项 key" } else { "一般项 general" };
        let photo_count = serde_json::from_str::<Vec<String>>(&photos).map_or(0, |p| p.len());
        text::line(format!(
            "  · {item_id} [{weight}] {item_text}：{remark}（照片 photos {photo_count}）"
        ));
    }
    Ok(())
}

fn print_tasks(db: &Connection, inspection_id: &str) -> Result<()> {
    let mut statement = db.prepare(
        "SELECT item_id, mode, COALESCE(measure, ''), COALESCE(due, ''), COALESCE(requirement, ''), state
         FROM tasks WHERE inspection_id = ?1 ORDER BY item_id",
    )?;
    let rows: Vec<(String, String, String, String, String, String)> = statement
        .query_map([inspection_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<rusqlite::Result<_>>()
        .context("reading tasks from the central database failed")?;
    if rows.is_empty() {
        return Ok(());
    }
    text::field("整改任务 Tasks", rows.len());
    for (item_id, mode, measure, due, requirement, state) in rows {
        let order = if mode == "deadline" {
            format!("书面限期整改 deadline {due}：{requirement}")
        } else {
            format!("现场整改 on the spot：{measure}")
        };
        text::line(format!("  · {item_id} {order} → {}", state_label(&state)));
    }
    Ok(())
}

/// Returns "待整改 open"-style text for a stored task state.
pub(crate) fn state_label(state: &str) -> String {
    match TaskState::parse(state) {
        Some(parsed) => format!("{} {state}", parsed.label_zh()),
        None => state.to_owned(),
    }
}

/// Step 9: prints the central row counts.
/// Step 9: grades every shop for this year with the district's risk table and writes the year's
/// inspection plan. Both are idempotent, so a second run prints the same figures.
pub(crate) async fn grade_and_plan(demo: &Demo) -> Result<()> {
    text::section(9, "风险分级与年度计划", "Risk levels and the annual plan");
    let year = demo.today.year();
    let table = foodpatrol_server::risk::table(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = demo.state.store.as_ref();
    let graded = foodpatrol_server::risk::grading::recompute(store, &table, year)
        .await
        .map_err(|e| anyhow::anyhow!("grading {year} failed: {e}"))?;
    let plan = foodpatrol_server::risk::planning::generate(store, &table, year)
        .await
        .map_err(|e| anyhow::anyhow!("planning {year} failed: {e}"))?;
    text::field(
        "风险表 Risk table",
        format!("{} v{}", graded.table_id, graded.table_version),
    );
    text::field(
        "按静态分评级的新店 Graded on static factors",
        format!("{} / {}", graded.new_shops, graded.shops),
    );
    let mut levels = Table::new(&[
        ("等级 Level", Align::Left),
        ("店铺 Shops", Align::Right),
        ("计划检查 Planned visits", Align::Right),
    ]);
    for level in foodpatrol_shared::risk::RiskLevel::ALL {
        levels.row(vec![
            level.label_zh().to_owned(),
            graded.per_level.get(&level).copied().unwrap_or(0).to_string(),
            plan.per_level_visits
                .get(&level)
                .copied()
                .unwrap_or(0)
                .to_string(),
        ]);
    }
    levels.print();
    text::field(
        "每名检查人员的检查次数 Visits per inspector",
        format!("{}–{}", plan.min_load, plan.max_load),
    );
    Ok(())
}

pub(crate) async fn print_counts(demo: &Demo) -> Result<()> {
    text::section(10, "中心库行数", "Central row counts");
    let counts = demo
        .state
        .store
        .counts()
        .await
        .context("counting rows of the central database failed")?;
    let mut table = Table::new(&[("表 Table", Align::Left), ("行数 Rows", Align::Right)]);
    let rows = [
        ("账号 users", counts.users),
        ("店铺 shops", counts.shops),
        ("文档 docs", counts.docs),
        ("检查记录 inspections", counts.inspections),
        ("判定 answers", counts.answers),
        ("整改任务 tasks", counts.tasks),
        ("照片 photos", counts.photos),
    ];
    for (name, count) in rows {
        table.row(vec![name.to_owned(), count.to_string()]);
    }
    table.print();
    Ok(())
}
