//! Rows of the risk tables (`risk_grades`, `risk_events`, `recusals`, `planned_visits`, `draws`)
//! as the [`crate::store::Store`] trait passes them.

use chrono::{DateTime, NaiveDate, Utc};
use foodpatrol_shared::draw::{DrawInputs, DrawResult};
use foodpatrol_shared::ids::{ShopId, UserId};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::risk::{Grade, RiskLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A submitted inspection as grading and planning read it from the `inspections` projection.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionSummary {
    pub id: String,
    pub shop_id: ShopId,
    pub report_date: NaiveDate,
    pub kind: String,
    pub outcome: Outcome,
    pub key_failed: u32,
    pub general_failed: u32,
}

/// The origin of a risk event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// Imported in bulk from another system (case register, sampling results).
    Import,
    /// Entered by a supervisor.
    Manual,
}

impl EventSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            EventSource::Import => "import",
            EventSource::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<EventSource> {
        match s {
            "import" => Some(EventSource::Import),
            "manual" => Some(EventSource::Manual),
            _ => None,
        }
    }
}

/// A row of `risk_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskEventRecord {
    pub id: Uuid,
    pub shop_id: ShopId,
    pub event_code: String,
    pub occurred_on: NaiveDate,
    pub source: EventSource,
    pub note: String,
    pub entered_by: UserId,
}

/// A row of `risk_grades`.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRecord {
    pub shop_id: ShopId,
    pub year: i32,
    pub grade: Grade,
    pub computed_at: DateTime<Utc>,
}

/// A level and score as stored, without the explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLevel {
    pub shop_id: ShopId,
    pub level: RiskLevel,
    pub score: u32,
}

/// A row of `recusals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecusalRecord {
    pub inspector_id: UserId,
    pub shop_id: ShopId,
    pub reason: String,
}

/// A row of `planned_visits`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedVisitRecord {
    pub assignment_id: Uuid,
    pub shop_id: ShopId,
    pub year: i32,
    /// 1-based period of the plan; 0 for a drawn visit.
    pub period: u32,
    pub periods: u32,
    pub level: RiskLevel,
    pub full_checklist: bool,
    pub draw_id: Option<Uuid>,
}

/// A row of `draws`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub id: Uuid,
    pub year: i32,
    pub title: String,
    pub seed: String,
    pub inputs: DrawInputs,
    pub result: DrawResult,
    pub due: NaiveDate,
    /// The office the draw was limited to; the whole district when `None`.
    pub office: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}
