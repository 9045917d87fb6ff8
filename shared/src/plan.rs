//! The annual inspection plan (年度监督检查计划): how many visits each shop gets, when they are
//! due, and which pair of inspectors of the shop's office makes them.
//!
//! [`plan_year`] is a pure, deterministic function of its inputs:
//!
//! - A shop of level L gets `min_inspections[L]` visits. The year is split into that many periods
//!   of equal days, and visit `p` is due inside period `p`. Its offset in the period comes from a
//!   hash of the shop, year and period, so the due dates of an office spread over each period.
//! - Every shop's first visit of the year is a full-checklist inspection (全项目检查). When the
//!   shop's last full inspection plus the interval (2 years) falls inside the year, that visit is
//!   due no later than that deadline; when the deadline has already passed or the shop was never
//!   fully inspected, it is due in the first 30 days of the year and marked overdue.
//! - Visits are staffed in order of due date. Each takes the two least-loaded inspectors of the
//!   shop's office who are not recused for the shop (回避), ties broken by inspector id, so the
//!   load of an office stays balanced.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use uuid::Uuid;

use crate::ids::{FOODPATROL_NAMESPACE, ShopId, UserId};
use crate::risk::{RiskLevel, RiskTable};

/// Days at the start of the year within which an overdue full-checklist inspection is due.
pub const OVERDUE_FULL_CHECK_DAYS: u64 = 30;

/// A shop with what the planner needs: its office, level and last full inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanShop {
    pub shop_id: ShopId,
    /// The office (市场监管所) responsible for the shop's street.
    pub office: String,
    pub level: RiskLevel,
    /// Date of the shop's last full-checklist inspection, if any.
    pub last_full_inspection: Option<NaiveDate>,
}

/// An inspector who can be planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInspector {
    pub id: UserId,
    pub name: String,
    pub office: String,
}

/// A conflict of interest: the inspector must not inspect the shop (回避).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Recusal {
    pub inspector: UserId,
    pub shop: ShopId,
}

/// One planned visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedVisit {
    /// UUIDv5 of (shop, year, period): re-planning the same year gives the same ids.
    pub id: Uuid,
    pub shop_id: ShopId,
    pub office: String,
    pub year: i32,
    /// 1-based period of the year.
    pub period: u32,
    pub periods: u32,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due: NaiveDate,
    pub level: RiskLevel,
    /// True for the visit that covers the full checklist for the two-year rule.
    pub full_checklist: bool,
    /// True when the two-year deadline had passed before the year began.
    pub full_check_overdue: bool,
    /// Two inspectors, the lead first.
    pub inspectors: [UserId; 2],
}

impl PlannedVisit {
    /// Returns the Chinese note shown with the assignment on the device.
    pub fn note_zh(&self) -> String {
        let mut note = format!(
            "{} 年度计划第 {}/{} 次（{}，{} 至 {}）",
            self.year,
            self.period,
            self.periods,
            self.level.label_zh(),
            self.period_start,
            self.period_end
        );
        if self.full_checklist {
            note.push_str("；全项目检查");
        }
        if self.full_check_overdue {
            note.push_str("（两年全覆盖已逾期，请尽快安排）");
        }
        note
    }
}

/// A plan that cannot be made.
#[derive(Debug, Error, PartialEq)]
pub enum PlanError {
    #[error("year {0} is out of range; use a year between 2000 and 2100")]
    InvalidYear(i32),
    #[error(
        "shop {shop} in office {office:?} has {eligible} eligible inspector(s) after recusals; a visit needs 2 — add inspectors to the office or remove a recusal"
    )]
    NoPair {
        shop: ShopId,
        office: String,
        eligible: usize,
    },
}

/// Returns the id of the visit of `shop` in `period` of `year`.
pub fn visit_id(shop: ShopId, year: i32, period: u32) -> Uuid {
    Uuid::new_v5(
        &FOODPATROL_NAMESPACE,
        format!("plan:{shop}:{year}:{period}").as_bytes(),
    )
}

fn hash_offset(shop: ShopId, year: i32, period: u32, days: u64) -> u64 {
    let digest = Sha256::digest(format!("due:{shop}:{year}:{period}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % days.max(1)
}

/// Splits a year into `n` periods of (almost) equal days; returns (start, end) inclusive.
pub fn periods(year: i32, n: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let days = u64::from(u32::from(start.leap_year()) + 365);
    let n64 = u64::from(n.max(1));
    (0..n64)
        .map(|p| {
            let from = start + Days::new(p * days / n64);
            let to = start + Days::new((p + 1) * days / n64 - 1);
            (from, to)
        })
        .collect()
}

/// Makes the plan of `year` for every shop. The result is sorted by due date, then visit id.
pub fn plan_year(
    year: i32,
    table: &RiskTable,
    shops: &[PlanShop],
    inspectors: &[PlanInspector],
    recusals: &[Recusal],
) -> Result<Vec<PlannedVisit>, PlanError> {
    if !(2000..=2100).contains(&year) {
        return Err(PlanError::InvalidYear(year));
    }
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let interval = Months::new(12 * table.full_inspection_interval_years);

    let mut visits = Vec::new();
    for shop in shops {
        let n = table.min_inspections_for(shop.level);
        let windows = periods(year, n);
        for (index, (from, to)) in windows.iter().enumerate() {
            let period = index as u32 + 1;
            let days = (*to - *from).num_days() as u64 + 1;
            let mut due = *from + Days::new(hash_offset(shop.shop_id, year, period, days));
            let full_checklist = period == 1;
            let mut full_check_overdue = false;
            if full_checklist {
                let deadline = shop
                    .last_full_inspection
                    .and_then(|d| d.checked_add_months(interval))
                    .map(|d| d - Days::new(1));
                match deadline {
                    Some(deadline) if deadline >= year_start => due = due.min(deadline),
                    _ => {
                        full_check_overdue = shop.last_full_inspection.is_some();
                        let window = OVERDUE_FULL_CHECK_DAYS.min(days);
                        due = year_start + Days::new(hash_offset(shop.shop_id, year, 0, window));
                    }
                }
            }
            visits.push(PlannedVisit {
                id: visit_id(shop.shop_id, year, period),
                shop_id: shop.shop_id,
                office: shop.office.clone(),
                year,
                period,
                periods: n,
                period_start: *from,
                period_end: *to,
                due,
                level: shop.level,
                full_checklist,
                full_check_overdue,
                inspectors: [UserId(Uuid::nil()); 2],
            });
        }
    }
    visits.sort_by_key(|v| (v.due, v.id));
    staff(&mut visits, inspectors, recusals)?;
    Ok(visits)
}

fn staff(
    visits: &mut [PlannedVisit],
    inspectors: &[PlanInspector],
    recusals: &[Recusal],
) -> Result<(), PlanError> {
    let mut by_office: BTreeMap<&str, Vec<UserId>> = BTreeMap::new();
    for inspector in inspectors {
        by_office
            .entry(inspector.office.as_str())
            .or_default()
            .push(inspector.id);
    }
    for ids in by_office.values_mut() {
        ids.sort();
        ids.dedup();
    }
    let recused: BTreeSet<(UserId, ShopId)> = recusals.iter().map(|r| (r.inspector, r.shop)).collect();
    let mut load: BTreeMap<UserId, u64> = BTreeMap::new();
    let empty = Vec::new();
    for visit in visits.iter_mut() {
        let office = by_office.get(visit.office.as_str()).unwrap_or(&empty);
        let mut eligible: Vec<(u64, UserId)> = office
            .iter()
            .filter(|id| !recused.contains(&(**id, visit.shop_id)))
            .map(|id| (load.get(id).copied().unwrap_or(0), *id))
            .collect();
        if eligible.len() < 2 {
            return Err(PlanError::NoPair {
                shop: visit.shop_id,
                office: visit.office.clone(),
                eligible: eligible.len(),
            });
        }
        eligible.sort();
        visit.inspectors = [eligible[0].1, eligible[1].1];
        for id in visit.inspectors {
            *load.entry(id).or_default() += 1;
        }
    }
    Ok(())
}

/// Returns the visits per inspector of a plan.
pub fn load_per_inspector(visits: &[PlannedVisit]) -> BTreeMap<UserId, u64> {
    let mut load = BTreeMap::new();
    for visit in visits {
        for id in visit.inspectors {
            *load.entry(id).or_default() += 1;
        }
    }
    load
}
