//! 4. Risk grading of a whole district: the 7,889 shops of 和平区 with a year of inspection
//!    results in a real SQLite file, graded by `risk::grading::recompute` (load, grade, write
//!    `risk_grades` in one transaction), then planned by `risk::planning::generate`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use foodpatrol_server::district::DistrictSpec;
use foodpatrol_server::risk::{grading, planning, synthetic};
use foodpatrol_server::seed;
use foodpatrol_shared::risk::{self, InspectionFacts};

use super::process_cpu_seconds;

/// Plan year of the benchmark; the evidence is the year before.
const YEAR: i32 = 2026;

/// Figures of the risk benchmark.
#[derive(Debug, Clone)]
pub(super) struct RiskResults {
    pub(super) shops: usize,
    /// Inspection rows dated in the evidence year.
    pub(super) inspections: usize,
    /// Older rows, one per shop whose two-year deadline has passed.
    pub(super) older_inspections: usize,
    pub(super) runs: Vec<Duration>,
    pub(super) cpu_seconds_per_run: f64,
    pub(super) pure_grading: Duration,
    pub(super) plan: Duration,
    pub(super) visits: usize,
}

pub(super) async fn bench_risk(rounds: usize) -> Result<RiskResults> {
    let dir = tempfile::tempdir().context("failed to create a temporary folder")?;
    let state = foodpatrol_server::open_embedded(dir.path(), foodpatrol_server::DEFAULT_TIME_ZONE)
        .context("failed to open the server database")?;
    let (district, _) = seed::seed_district(&state, &DistrictSpec::heping(), 0)
        .await
        .context("failed to seed 和平区")?;
    let mut conn = rusqlite::Connection::open(dir.path().join("foodpatrol.sqlite"))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let evidence = synthetic::insert_year(&mut conn, &district.shops, YEAR - 1, 2025)
        .context("failed to insert the year of inspections")?;
    drop(conn);

    let table = risk::builtin_table(risk::DEFAULT_TABLE_ID).context("default risk table missing")?;
    let store = state.store.as_ref();
    let mut runs = Vec::with_capacity(rounds);
    let cpu_before = process_cpu_seconds();
    let mut graded = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let summary = grading::recompute(store, &table, YEAR).await?;
        runs.push(started.elapsed());
        graded = summary.shops;
    }
    let cpu_seconds_per_run = (process_cpu_seconds() - cpu_before) / rounds as f64;

    // The grading rules alone, in memory, over the same inputs.
    let (from, to) = grading::evidence_window(YEAR);
    let summaries = store.inspection_summaries(from, to).await?;
    let mut by_shop: std::collections::HashMap<_, Vec<InspectionFacts>> = std::collections::HashMap::new();
    for s in summaries {
        by_shop.entry(s.shop_id).or_default().push(InspectionFacts {
            id: s.id,
            date: s.report_date,
            outcome: s.outcome,
            key_failed: s.key_failed,
            general_failed: s.general_failed,
        });
    }
    let started = Instant::now();
    for shop in &district.shops {
        let history = by_shop.get(&shop.id).map_or(&[][..], Vec::as_slice);
        std::hint::black_box(table.grade(shop, history, &[])?);
    }
    let pure_grading = started.elapsed();

    let started = Instant::now();
    let plan = planning::generate(store, &table, YEAR).await?;
    let plan_time = started.elapsed();

    Ok(RiskResults {
        shops: graded,
        inspections: evidence.inspections - evidence.overdue_shops,
        older_inspections: evidence.overdue_shops,
        runs,
        cpu_seconds_per_run,
        pure_grading,
        plan: plan_time,
        visits: plan.visits,
    })
}

pub(super) fn print_risk_results(results: &RiskResults) {
    let mut sorted = results.runs.clone();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let best = sorted[0];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let shops = results.shops as f64;

    println!("\n## 4. Risk grading of a district\n");
    println!(
        "{} shops, {} submitted inspections in the evidence year (plus {} older ones), {} runs of \
         `grading::recompute`.\n",
        results.shops,
        results.inspections,
        results.older_inspections,
        results.runs.len()
    );
    println!("| series | total ms | ms per shop | shops/s |");
    println!("|---|---:|---:|---:|");
    for (name, d) in [("recompute, median run", median), ("recompute, best run", best)] {
        println!(
            "| {name} | {:.0} | {:.3} | {:.0} |",
            ms(d),
            ms(d) / shops,
            shops / d.as_secs_f64()
        );
    }
    println!(
        "| grading rules alone (in memory) | {:.1} | {:.4} | {:.0} |",
        ms(results.pure_grading),
        ms(results.pure_grading) / shops,
        shops / results.pure_grading.as_secs_f64()
    );

    println!(
        "\nCPU time per recompute run: {:.2} s. Share of the median run spent in the grading rules: {:.1} %.",
        results.cpu_seconds_per_run,
        100.0 * results.pure_grading.as_secs_f64() / median.as_secs_f64()
    );
    println!(
        "Annual plan of the same district (first run, writes {} assignments): {:.0} ms.",
        results.visits,
        ms(results.plan)
    );
}
