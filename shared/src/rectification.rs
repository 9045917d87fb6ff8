//! Rectification (整改): what follows a failed item, and the closed loop that ends it (闭环).
//!
//! A failed item (a hazard) gets an order from the inspector: fixed on the spot (现场整改, the measure
//! is recorded and the task is closed at once) or a written deadline (书面限期整改). A deadline task
//! moves open → proof submitted (by the owner) → verified (closed) or returned (back to the owner).
//! The state is derived, never stored: it follows from the order, the owner's response rounds and
//! the inspector's reviews, which live in documents with different writers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// The tier of a fix: who leads it, as practised in the first district. Serialized: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 小事自己改: the owner fixes it and uploads proof.
    SelfFix,
    /// 难事指导改: the inspector guides the fix.
    Guided,
    /// 大事监督改: a supervised fix, escalated to the office.
    Supervised,
}

impl Tier {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Tier::SelfFix => "小事自己改",
            Tier::Guided => "难事指导改",
            Tier::Supervised => "大事监督改",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Tier::SelfFix => "self_fix",
            Tier::Guided => "guided",
            Tier::Supervised => "supervised",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "self_fix" => Some(Tier::SelfFix),
            "guided" => Some(Tier::Guided),
            "supervised" => Some(Tier::Supervised),
            _ => None,
        }
    }
}

/// The way a hazard is to be fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum RectificationMode {
    /// 现场整改: fixed during the visit; the measure taken is recorded.
    OnSpot { measure: String },
    /// 书面限期整改: the owner must fix it by `due` and report back with proof.
    Deadline { due: NaiveDate, requirement: String },
}

/// The inspector's order for one failed item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationOrder {
    #[serde(flatten)]
    pub mode: RectificationMode,
    pub tier: Tier,
    pub ordered_by: UserId,
    /// Device clock, milliseconds since the Unix epoch.
    pub ordered_at_ms: i64,
}

/// One submission of proof by the owner (整改回复).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRound {
    pub note: String,
    /// Content addresses (SHA-256 hex) of the proof photos.
    pub photos: Vec<String>,
    pub by: UserId,
    pub at_ms: i64,
}

/// The inspector's decision on the proof of one round (整改复查).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// 复查通过: the task is closed.
    Verified,
    /// 退回: the owner must fix it again.
    Returned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Index (from 0) of the response round this review decides.
    pub round: u32,
    pub decision: ReviewDecision,
    pub remark: String,
    pub by: UserId,
    pub at_ms: i64,
}

/// The state of a task. Serialized into the central database: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Fixed during the visit; closed.
    FixedOnSpot,
    /// Waiting for the owner's proof.
    Open,
    /// Proof submitted, waiting for the inspector.
    ProofSubmitted,
    /// The inspector accepted the proof; closed.
    Verified,
    /// The inspector returned the proof; waiting for the owner again.
    Returned,
}

impl TaskState {
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskState::FixedOnSpot => "fixed_on_spot",
            TaskState::Open => "open",
            TaskState::ProofSubmitted => "proof_submitted",
            TaskState::Verified => "verified",
            TaskState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        [
            TaskState::FixedOnSpot,
            TaskState::Open,
            TaskState::ProofSubmitted,
            TaskState::Verified,
            TaskState::Returned,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            TaskState::FixedOnSpot => "已现场整改",
            TaskState::Open => "待整改",
            TaskState::ProofSubmitted => "已提交整改材料",
            TaskState::Verified => "复查通过（已闭环）",
            TaskState::Returned => "退回重改",
        }
    }

    /// True once the loop is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TaskState::FixedOnSpot | TaskState::Verified)
    }

    /// True while the owner is expected to act; such a task can become overdue.
    pub fn awaits_owner(&self) -> bool {
        matches!(self, TaskState::Open | TaskState::Returned)
    }
}

/// Derives a task's state from its order, the owner's rounds and the inspector's reviews.
///
/// Only the review of the latest round counts: a review of an earlier round was superseded by
/// the owner submitting again.
pub fn derive_task_state(
    mode: &RectificationMode,
    rounds: &[ResponseRound],
    reviews: &[Review],
) -> TaskState {
    if matches!(mode, RectificationMode::OnSpot { .. }) {
        return TaskState::FixedOnSpot;
    }
    let Some(latest) = rounds.len().checked_sub(1) else {
        return TaskState::Open;
    };
    let decision = reviews
        .iter()
        .filter(|review| review.round as usize == latest)
        .max_by_key(|review| review.at_ms)
        .map(|review| review.decision);
    match decision {
        Some(ReviewDecision::Verified) => TaskState::Verified,
        Some(ReviewDecision::Returned) => TaskState::Returned,
        None => TaskState::ProofSubmitted,
    }
}

/// True when a task that awaits the owner is past its due date on `today` (the district's date).
pub fn is_overdue(mode: &RectificationMode, state: TaskState, today: NaiveDate) -> bool {
    match mode {
        RectificationMode::Deadline { due, .. } => state.awaits_owner() && today > *due,
        RectificationMode::OnSpot { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn deadline() -> RectificationMode {
        RectificationMode::Deadline {
            due: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            requirement: "补办健康证".into(),
        }
    }

    fn round(at_ms: i64) -> ResponseRound {
        ResponseRound {
            note: "已整改".into(),
            photos: vec![],
            by: UserId(Uuid::nil()),
            at_ms,
        }
    }

    fn review(round: u32, decision: ReviewDecision, at_ms: i64) -> Review {
        Review {
            round,
            decision,
            remark: String::new(),
            by: UserId(Uuid::nil()),
            at_ms,
        }
    }

    #[test]
    fn task_state_follows_rounds_and_reviews() {
        let mode = deadline();
        assert_eq!(derive_task_state(&mode, &[], &[]), TaskState::Open);
        assert_eq!(
            derive_task_state(&mode, &[round(1)], &[]),
            TaskState::ProofSubmitted
        );
        let returned = [review(0, ReviewDecision::Returned, 2)];
        assert_eq!(
            derive_task_state(&mode, &[round(1)], &returned),
            TaskState::Returned
        );
        assert_eq!(
            derive_task_state(&mode, &[round(1), round(3)], &returned),
            TaskState::ProofSubmitted
        );
        let verified = [
            review(0, ReviewDecision::Returned, 2),
            review(1, ReviewDecision::Verified, 4),
        ];
        assert_eq!(
            derive_task_state(&mode, &[round(1), round(3)], &verified),
            TaskState::Verified
        );
    }

    #[test]
    fn on_spot_fix_is_closed_at_once() {
        let mode = RectificationMode::OnSpot {
            measure: "当场清理过期食品".into(),
        };
        assert_eq!(derive_task_state(&mode, &[], &[]), TaskState::FixedOnSpot);
        assert!(TaskState::FixedOnSpot.is_closed());
    }

    #[test]
    fn overdue_only_when_awaiting_owner_after_due() {
        let mode = deadline();
        let due = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        assert!(!is_overdue(&mode, TaskState::Open, due));
        assert!(is_overdue(&mode, TaskState::Open, after));
        assert!(is_overdue(&mode, TaskState::Returned, after));
        assert!(!is_overdue(&mode, TaskState::ProofSubmitted, after));
        assert!(!is_overdue(&mode, TaskState::Verified, after));
    }
}
