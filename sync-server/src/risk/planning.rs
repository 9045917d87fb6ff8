//! Generates the annual plan from the stored grades and writes it into `assignments`.

use std::collections::{BTreeMap, HashMap};

use foodpatrol_shared::ids::UserId;
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::plan::{self, PlanError, PlanInspector, PlanShop, PlannedVisit, Recusal};
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::risk::{RiskLevel, RiskTable};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::risk::records::PlannedVisitRecord;
use crate::store::Store;

/// Counts of the visits a plan run wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub year: i32,
    pub shops: usize,
    pub visits: usize,
    pub per_level_visits: BTreeMap<RiskLevel, usize>,
    /// Shops whose two-year full-checklist deadline passed before the year began.
    pub full_check_overdue: usize,
    /// Shops with no grade for the year, planned on their static grade.
    pub ungraded_shops: usize,
    /// Visits per inspector: the fewest and the most.
    pub min_load: u64,
    pub max_load: u64,
}

/// Loads the inputs of [`plan::plan_year`] from the store and runs it.
pub async fn make_plan(
    store: &dyn Store,
    table: &RiskTable,
    year: i32,
) -> Result<(Vec<PlannedVisit>, usize), AppError> {
    super::check_year(year)?;
    let levels: HashMap<_, _> = store
        .risk_levels(year)
        .await?
        .into_iter()
        .map(|l| (l.shop_id, l.level))
        .collect();
    if levels.is_empty() {
        return Err(AppError::Unprocessable {
            code: "no_grades",
            message: format!(
                "{year} 年度尚无风险等级，请先运行 POST /v1/risk/grades/{year} (no grades for the year; grade first)"
            ),
        });
    }
    let offices: HashMap<String, String> = store
        .offices()
        .await?
        .into_iter()
        .map(|o| (o.street, o.name))
        .collect();
    let start = plan::periods(year, 1)[0].0;
    let last_full: HashMap<_, _> = store.last_full_inspections(start).await?.into_iter().collect();

    let mut ungraded = 0;
    let mut shops = Vec::new();
    for shop in store.all_shops().await? {
        let Some(office) = offices.get(&shop.street) else {
            return Err(AppError::Unprocessable {
                code: "no_office",
                message: format!(
                    "经营者 {}（{}）所在街道 {:?} 没有市场监管所 (no office covers the shop's street; add the office)",
                    shop.name, shop.id, shop.street
                ),
            });
        };
        let level = match levels.get(&shop.id) {
            Some(level) => *level,
            None => {
                // A shop registered after the grading run: graded as a new shop, on static factors.
                ungraded += 1;
                table
                    .grade(&shop, &[], &[])
                    .map(|g| g.level)
                    .unwrap_or(RiskLevel::D)
            }
        };
        shops.push(PlanShop {
            shop_id: shop.id,
            office: office.clone(),
            level,
            last_full_inspection: last_full.get(&shop.id).copied(),
        });
    }
    let inspectors: Vec<PlanInspector> = store
        .inspectors()
        .await?
        .into_iter()
        .filter_map(|u| {
            u.office.map(|office| PlanInspector {
                id: u.id,
                name: u.display_name,
                office,
            })
        })
        .collect();
    let recusals: Vec<Recusal> = store
        .recusals()
        .await?
        .into_iter()
        .map(|r| Recusal {
            inspector: r.inspector_id,
            shop: r.shop_id,
        })
        .collect();
    let visits = plan::plan_year(year, table, &shops, &inspectors, &recusals).map_err(|e| match e {
        PlanError::InvalidYear(_) => AppError::bad_request("invalid_year", e.to_string()),
        PlanError::NoPair { .. } => AppError::Unprocessable {
            code: "no_inspector_pair",
            message: format!("无法为检查任务安排两名检查人员 (no pair of inspectors): {e}"),
        },
    })?;
    Ok((visits, ungraded))
}

/// Makes the plan of `year` and writes it; re-running writes the same ids and changes nothing
/// that is unchanged.
pub async fn generate(store: &dyn Store, table: &RiskTable, year: i32) -> Result<PlanSummary, AppError> {
    let (visits, ungraded_shops) = make_plan(store, table, year).await?;
    let names: HashMap<UserId, String> = store
        .inspectors()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let assignments: Vec<Assignment> = visits
        .iter()
        .map(|v| Assignment {
            id: v.id,
            shop_id: v.shop_id,
            inspectors: v
                .inspectors
                .iter()
                .map(|id| InspectorRef {
                    user_id: *id,
                    name: names.get(id).cloned().unwrap_or_default(),
                })
                .collect(),
            kind: InspectionKind::Daily,
            due: v.due,
            note: v.note_zh(),
        })
        .collect();
    let records: Vec<PlannedVisitRecord> = visits
        .iter()
        .map(|v| PlannedVisitRecord {
            assignment_id: v.id,
            shop_id: v.shop_id,
            year,
            period: v.period,
            periods: v.periods,
            level: v.level,
            full_checklist: v.full_checklist,
            draw_id: None,
        })
        .collect();
    // NOTE: when a shop's level went down since an earlier run, that run's extra visits stay in
    // `assignments`, because devices have no message to delete an assignment yet.
    store.write_planned_visits(&assignments, &records).await?;

    let load = plan::load_per_inspector(&visits);
    let mut per_level_visits: BTreeMap<RiskLevel, usize> = RiskLevel::ALL.iter().map(|l| (*l, 0)).collect();
    for v in &visits {
        *per_level_visits.entry(v.level).or_default() += 1;
    }
    let summary = PlanSummary {
        year,
        shops: visits.iter().filter(|v| v.period == 1).count(),
        visits: visits.len(),
        per_level_visits,
        full_check_overdue: visits.iter().filter(|v| v.full_check_overdue).count(),
        ungraded_shops,
        min_load: load.values().copied().min().unwrap_or(0),
        max_load: load.values().copied().max().unwrap_or(0),
    };
    tracing::info!(
        year,
        visits = summary.visits,
        shops = summary.shops,
        "annual plan written"
    );
    Ok(summary)
}
