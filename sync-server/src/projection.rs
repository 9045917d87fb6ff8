//! Projection: the relational rows of the central database, computed from merged documents.
//!
//! Projections are pure functions of the documents (plus the rule book and the time rule), so they
//! can be rebuilt at any time and give the same rows on every backend.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;
use foodpatrol_shared::checklist::{ChecklistTemplate, ItemVerdict};
use foodpatrol_shared::crdt::inspection_doc::SealedRecord;
use foodpatrol_shared::ids::TaskId;
use foodpatrol_shared::inspection::Inspection;
use foodpatrol_shared::rectification::{self, RectificationMode, ResponseRound, Review, TaskState, Tier};
use foodpatrol_shared::rules::RuleBook;
use foodpatrol_shared::time::correct_device_time;

use crate::store::{AnswerRow, InspectionRow, ResultRow, TaskRow};

/// Days given to fix a failed item whose record carries no order (only possible from a faulty device).
pub const DEFAULT_DEADLINE_DAYS: u64 = 15;

/// Rounds and reviews already recorded for the tasks of an inspection.
pub trait TaskProgressSource {
    fn rounds(&self, task: TaskId) -> Vec<ResponseRound>;
    fn reviews(&self, task: TaskId) -> Vec<Review>;
}

/// What a task is, before any owner or inspector acted on it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOrigin {
    pub id: TaskId,
    pub item_id: String,
    pub item_text: String,
    pub key: bool,
    pub remark: String,
    pub photos: Vec<String>,
    pub mode: RectificationMode,
    pub tier: Tier,
}

impl TaskOrigin {
    /// Builds the task row with its state derived from the owner's rounds and the inspector's reviews.
    pub fn with_progress(self, rounds: Vec<ResponseRound>, reviews: Vec<Review>) -> TaskRow {
        let state = rectification::derive_task_state(&self.mode, &rounds, &reviews);
        let closed_at_ms = match state {
            TaskState::Verified => reviews.iter().map(|r| r.at_ms).max(),
            _ => None,
        };
        TaskRow {
            id: self.id,
            item_id: self.item_id,
            item_text: self.item_text,
            key: self.key,
            remark: self.remark,
            photos: self.photos,
            mode: self.mode,
            tier: self.tier,
            state,
            rounds,
            reviews,
            closed_at_ms,
        }
    }
}

impl From<&TaskRow> for TaskOrigin {
    fn from(row: &TaskRow) -> Self {
        TaskOrigin {
            id: row.id,
            item_id: row.item_id.clone(),
            item_text: row.item_text.clone(),
            key: row.key,
            remark: row.remark.clone(),
            photos: row.photos.clone(),
            mode: row.mode.clone(),
            tier: row.tier,
        }
    }
}

/// Inputs of an inspection projection.
#[derive(Debug)]
pub struct InspectionInput<'a> {
    pub current: &'a Inspection,
    pub sealed: Option<&'a SealedRecord>,
    pub template: &'a ChecklistTemplate,
    pub rules: &'a RuleBook,
    pub time_zone: Tz,
    pub skew_ms: i64,
    pub received_at: DateTime<Utc>,
}

/// Projects an inspection: the sealed record once submitted, else the live draft.
pub fn project_inspection(input: &InspectionInput<'_>, progress: &dyn TaskProgressSource) -> InspectionRow {
    let record = input.sealed.map_or(input.current, |s| &s.record);
    let template = input.template;
    let tally = record.tally(template);
    let corrected = correct_device_time(record.started_at_ms, input.skew_ms, input.received_at);
    let report_date = corrected.at.with_timezone(&input.time_zone).date_naive();

    let answers = template
        .items
        .iter()
        .filter_map(|item| {
            let state = record.answers.get(&item.id)?;
            let verdict = match item.verdict(state.current.answer) {
                ItemVerdict::Passed => "passed",
                ItemVerdict::Failed => "failed",
                ItemVerdict::NotApplicable => "not_applicable",
            };
            Some(AnswerRow {
                item_id: item.id.clone(),
                answer: state.current.answer.as_str().to_owned(),
                verdict: verdict.to_owned(),
                key: item.key,
                remark: state.current.remark.clone(),
                photos: state.current.photos.clone(),
                answered_by: state.current.by,
                conflict: (!state.conflicts.is_empty())
                    .then(|| serde_json::to_string(&state.conflicts).expect("answer records serialize")),
            })
        })
        .collect();

    let result = input.sealed.and_then(|sealed| {
        let submission = sealed.record.submission.as_ref()?;
        let rule = input.rules.rule_for(template).ok()?;
        let evaluation = rule.evaluate(&tally);
        Some(ResultRow {
            submitted_at_ms: submission.at_ms,
            outcome: evaluation.outcome.as_str().to_owned(),
            band: evaluation.band,
            rule_id: evaluation.rule_id,
            rule_version: evaluation.rule_version,
            device_outcome: submission.device_outcome.as_str().to_owned(),
            disagrees: evaluation.outcome != submission.device_outcome,
            signature: sealed.record.signature.clone(),
        })
    });

    // Hazards become tasks only on a submitted (signed) record.
    let tasks = if result.is_some() {
        record
            .hazards(template)
            .into_iter()
            .map(|hazard| {
                let (mode, tier) = match hazard.order {
                    Some(order) => (order.mode, order.tier),
                    None => (
                        RectificationMode::Deadline {
                            due: report_date + Days::new(DEFAULT_DEADLINE_DAYS),
                            requirement: "记录未指定整改方式，按书面限期整改处理".to_owned(),
                        },
                        Tier::SelfFix,
                    ),
                };
                TaskOrigin {
                    id: hazard.task_id,
                    item_id: hazard.item_id,
                    item_text: hazard.text,
                    key: hazard.key,
                    remark: hazard.remark,
                    photos: hazard.photos,
                    mode,
                    tier,
                }
                .with_progress(progress.rounds(hazard.task_id), progress.reviews(hazard.task_id))
            })
            .collect()
    } else {
        Vec::new()
    };

    let applicable = tally.general_applicable();
    InspectionRow {
        id: record.id,
        shop_id: record.shop_id,
        template_id: record.template.id.clone(),
        template_version: record.template.version,
        kind: record.kind.as_str().to_owned(),
        device_started_at_ms: record.started_at_ms,
        device_utc_offset_min: record.device_utc_offset_min,
        recorded_at: corrected.at,
        report_date,
        skew_ms: corrected.skew_ms,
        skew_flagged: corrected.skew_flagged,
        received_at: input.received_at,
        key_failed: tally.key_failed,
        general_failed: tally.general_failed,
        // Rounded to the nearest permille, as the device shows the rate to one decimal.
        general_pass_permille: (tally.general_passed * 1000 + applicable / 2)
            .checked_div(applicable)
            .unwrap_or(1000),
        conflicts: input
            .current
            .answers
            .values()
            .filter(|s| !s.conflicts.is_empty())
            .count() as u32,
        edited_outside_seal: input
            .sealed
            .map(|s| s.edited_outside_seal.clone())
            .unwrap_or_default(),
        inspectors: record.inspectors.clone(),
        answers,
        result,
        tasks,
    }
}
