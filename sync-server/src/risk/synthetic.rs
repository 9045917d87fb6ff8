//! A deterministic year of inspection results for the demo district, written straight into the
//! `inspections` projection, so that tests and the benchmark can grade ~8,000 shops without
//! scoring every visit on a device first.
//!
//! The rows look like merged records (submitted, with an outcome, failed counts and a report
//! date) but have no automerge document behind them. Only grading and planning read them.

use chrono::{Days, NaiveDate};
use foodpatrol_shared::shop::Shop;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};
use uuid::Uuid;

/// Counts of the rows [`insert_year`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub inspections: usize,
    pub non_compliant: usize,
    /// Shops given only an old (more than two years before `year + 1`) full inspection.
    pub overdue_shops: usize,
}

/// Inserts 1–3 submitted inspections per shop dated in `year` (about 60 % 符合, 30 % 基本符合,
/// 10 % 不符合), and for every 25th shop one inspection three years earlier instead, so that its
/// two-year full-checklist deadline has passed. The same `seed` writes the same rows.
///
/// Turns off foreign-key checks on `conn`, because the rows have no `docs` row behind them.
pub fn insert_year(
    conn: &mut Connection,
    shops: &[Shop],
    year: i32,
    seed: u64,
) -> rusqlite::Result<SyntheticSummary> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let mut summary = SyntheticSummary::default();
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO inspections (id, shop_id, template_id, template_version, kind, status, device_started_at_ms,
                 device_utc_offset_min, recorded_at, report_date, skew_ms, skew_flagged, first_received_at,
                 submitted_at_ms, outcome, outcome_band, rule_id, rule_version, device_outcome, outcome_disagrees,
                 key_failed, general_failed, general_pass_permille, conflicts, edited_outside_seal)
             VALUES (?1, ?2, ?3, 1, ?4, 'submitted', 0, 480, ?5, ?6, 0, 0, ?5, 0, ?7, 'synthetic', ?8, 1, ?7, 0,
                     ?9, ?10, ?11, 0, '[]')
             ON CONFLICT(id) DO NOTHING",
        )?;
        for (index, shop) in shops.iter().enumerate() {
            let sales = foodpatrol_shared::shop::BusinessType::parse(&shop.business_type)
                .is_some_and(|b| b.is_sales());
            let (template, rule) = if sales {
                ("sales-daily", "production-sales-2016")
            } else {
                ("catering-daily", "catering-2016")
            };
            let overdue = index % 25 == 0;
            let visits = if overdue { 1 } else { rng.gen_range(1..=3) };
            summary.overdue_shops += usize::from(overdue);
            for visit in 0..visits {
                let date = if overdue {
                    NaiveDate::from_ymd_opt(year - 3, 6, 1).expect("valid date")
                        + Days::new(rng.gen_range(0..150))
                } else {
                    start + Days::new(rng.gen_range(0..365))
                };
                let roll: u32 = rng.gen_range(0..100);
                let (outcome, key_failed, general_failed) = match roll {
                    0..60 => ("compliant", 0, 0),
                    60..90 => ("basically_compliant", rng.gen_range(0..=1), rng.gen_range(1..=5)),
                    _ => ("non_compliant", rng.gen_range(2..=3), rng.gen_range(3..=15)),
                };
                summary.non_compliant += usize::from(outcome == "non_compliant");
                let kind = if visit == 2 { "flight" } else { "daily" };
                let id = Uuid::new_v5(
                    &shop.id.as_uuid(),
                    format!("synthetic:{seed}:{year}:{visit}").as_bytes(),
                );
                let pass_permille = 1000 - (general_failed as u32 * 1000 / 43);
                stmt.execute(params![
                    id.to_string(),
                    shop.id.to_string(),
                    template,
                    kind,
                    format!("{date}T02:00:00+00:00"),
                    date.to_string(),
                    outcome,
                    rule,
                    key_failed,
                    general_failed,
                    pass_permille,
                ])?;
                summary.inspections += 1;
            }
        }
    }
    tx.commit()?;
    Ok(summary)
}
