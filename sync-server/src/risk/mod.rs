//! Risk grading (风险分级), the annual plan and 双随机 draws on the central database.
//!
//! The rules are the pure functions of `foodpatrol_shared::{risk, plan, draw}`. This module loads
//! their inputs from the [`crate::store::Store`], runs them and writes the results. Grades go into
//! `risk_grades`, planned and drawn visits into `assignments` (which feed each inspector's device
//! only the shops of its own visits), and draws into `draws`.
//!
//! Grades are for a plan year `Y` and read the evidence of the calendar year `Y - 1`: submitted
//! inspections by report date and risk events by the date they occurred.

pub mod api;
pub mod draws;
pub mod grading;
pub mod pages;
pub mod planning;
pub mod records;
pub mod synthetic;

use foodpatrol_shared::risk::{self, RiskTable};

use crate::error::AppError;

/// Returns the built-in risk table `id`, or the district default when `id` is `None`.
pub fn table(id: Option<&str>) -> Result<RiskTable, AppError> {
    let id = id.unwrap_or(risk::DEFAULT_TABLE_ID);
    risk::builtin_table(id).ok_or_else(|| AppError::Unprocessable {
        code: "unknown_risk_table",
        message: format!(
            "风险分级表 {id:?} 不存在，可用：{} (unknown risk table; use one of these ids)",
            risk::builtin_tables()
                .iter()
                .map(|t| t.id.clone())
                .collect::<Vec<_>>()
                .join("、")
        ),
    })
}

/// Checks that a plan year is in the range the planner accepts.
pub fn check_year(year: i32) -> Result<(), AppError> {
    if (2000..=2100).contains(&year) {
        return Ok(());
    }
    Err(AppError::bad_request(
        "invalid_year",
        format!("年度 {year} 无效，请使用 2000–2100 之间的年份 (invalid year)"),
    ))
}
