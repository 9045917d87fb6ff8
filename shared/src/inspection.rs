//! An inspection visit (检查记录) as plain data: what the automerge document holds, read out.
//!
//! [`crate::crdt`] reads and writes this shape; everything here is pure so that the device (live
//! preview), the server (recomputation) and the web UI share one implementation of the rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checklist::{Answer, ChecklistTemplate, ItemVerdict, TemplateRef};
use crate::ids::{InspectionId, ShopId, TaskId, UserId};
use crate::outcome::{Evaluation, Outcome, Tally};
use crate::rectification::RectificationOrder;
use crate::rules::{RuleBook, RuleBookError};

/// Inspection type (检查类型), SAMR Order No. 49 Art. 53. Serialized: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 日常监督检查
    Daily,
    /// 飞行检查: unannounced, may cover part of the checklist.
    Flight,
    /// 体系检查
    System,
}

impl InspectionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            InspectionKind::Daily => "daily",
            InspectionKind::Flight => "flight",
            InspectionKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<InspectionKind> {
        match s {
            "daily" => Some(InspectionKind::Daily),
            "flight" => Some(InspectionKind::Flight),
            "system" => Some(InspectionKind::System),
            _ => None,
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            InspectionKind::Daily => "日常检查",
            InspectionKind::Flight => "飞行检查",
            InspectionKind::System => "体系检查",
        }
    }

    /// True when every checklist item must be marked (all but flight checks, Order 49 Art. 27).
    pub fn requires_full_checklist(&self) -> bool {
        !matches!(self, InspectionKind::Flight)
    }
}

/// One of the (at least two) inspectors on a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorRef {
    pub user_id: UserId,
    pub name: String,
}

/// One mark as tapped on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub answer: Answer,
    /// 备注; required for a failed item.
    pub remark: String,
    /// Content addresses (SHA-256 hex) of the evidence photos.
    pub photos: Vec<String>,
    pub by: UserId,
    /// Device clock, milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// An item's mark and any concurrent marks that clashed with it.
///
/// When two devices mark the same item while apart, both marks are kept: `current` is the one
/// automerge picks deterministically and `conflicts` holds the others until an inspector marks the
/// item again, which supersedes all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    pub current: AnswerRecord,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<AnswerRecord>,
}

/// The shop's acknowledgement of the record (Order 49 Art. 34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signature {
    /// Signed on the device: `image` is the content address of the signature PNG.
    Signed {
        signer_name: String,
        image: String,
        at_ms: i64,
    },
    /// 拒绝签字: the reason and the witness are recorded instead.
    Refused {
        reason: String,
        witness: String,
        at_ms: i64,
    },
}

/// The act of sealing the record for sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub by: UserId,
    pub at_ms: i64,
    /// The outcome the device showed when the record was submitted.
    pub device_outcome: Outcome,
    /// Heads (hex change hashes) of the record as signed; later or concurrent edits are not part of
    /// the official record.
    pub sealed_heads: Vec<String>,
}

/// An inspection record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: InspectionId,
    pub shop_id: ShopId,
    pub template: TemplateRef,
    pub kind: InspectionKind,
    pub inspectors: Vec<InspectorRef>,
    /// Device clock when the visit started, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// Offset of the device's local time from UTC when the visit started, in minutes (+480 for UTC+8).
    pub device_utc_offset_min: i32,
    pub answers: BTreeMap<String, ItemState>,
    pub rectifications: BTreeMap<String, RectificationOrder>,
    pub signature: Option<Signature>,
    pub submission: Option<Submission>,
}

/// A failed item, the origin of a rectification task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub task_id: TaskId,
    pub item_id: String,
    pub key: bool,
    pub category: String,
    pub text: String,
    pub remark: String,
    pub photos: Vec<String>,
    pub order: Option<RectificationOrder>,
}

/// Something that stops a record from being submitted. The message is shown to the inspector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SubmitProblem {
    Unanswered { items: Vec<String> },
    TooFewInspectors { count: usize },
    FailedWithoutRemark { item: String },
    FailedWithoutPhoto { item: String },
    NoRectificationOrder { item: String },
    UnresolvedConflict { item: String },
    UnknownItem { item: String },
    NoSignature,
    AlreadySubmitted,
}

impl SubmitProblem {
    pub fn message_zh(&self) -> String {
        match self {
            SubmitProblem::Unanswered { items } => {
                format!("还有 {} 项未检查：{}", items.len(), items.join("、"))
            }
            SubmitProblem::TooFewInspectors { count } => {
                format!("检查人员只有 {count} 名，至少需要 2 名执法人员；请添加第二名检查人员")
            }
            SubmitProblem::FailedWithoutRemark { item } => format!("{item} 判为不符合，请填写备注"),
            SubmitProblem::FailedWithoutPhoto { item } => format!("{item} 判为不符合，请至少拍摄一张照片"),
            SubmitProblem::NoRectificationOrder { item } => {
                format!("{item} 判为不符合，请选择现场整改或书面限期整改")
            }
            SubmitProblem::UnresolvedConflict { item } => {
                format!("{item} 两台设备的判定不一致，请重新判定该项")
            }
            SubmitProblem::UnknownItem { item } => format!("{item} 不在本检查表中，请删除该项判定"),
            SubmitProblem::NoSignature => "请经营者签字，或记录拒签原因和见证人".to_owned(),
            SubmitProblem::AlreadySubmitted => "该记录已提交，不能再修改".to_owned(),
        }
    }
}

impl Inspection {
    /// Returns the current mark of an item.
    pub fn answer(&self, item_id: &str) -> Option<Answer> {
        self.answers.get(item_id).map(|state| state.current.answer)
    }

    pub fn tally(&self, template: &ChecklistTemplate) -> Tally {
        Tally::count(template, |id| self.answer(id))
    }

    /// Computes the outcome with the rule the inspection's template names.
    pub fn evaluate(&self, book: &RuleBook) -> Result<Evaluation, RuleBookError> {
        let template = book.template(&self.template)?;
        let rule = book.rule_for(template)?;
        Ok(rule.evaluate(&self.tally(template)))
    }

    /// Lists the failed items in checklist order, each with its derived task id.
    pub fn hazards(&self, template: &ChecklistTemplate) -> Vec<Hazard> {
        template
            .items
            .iter()
            .filter_map(|item| {
                let state = self.answers.get(&item.id)?;
                (item.verdict(state.current.answer) == ItemVerdict::Failed).then(|| Hazard {
                    task_id: TaskId::for_item(self.id, &item.id),
                    item_id: item.id.clone(),
                    key: item.key,
                    category: item.category.clone(),
                    text: item.text.clone(),
                    remark: state.current.remark.clone(),
                    photos: state.current.photos.clone(),
                    order: self.rectifications.get(&item.id).cloned(),
                })
            })
            .collect()
    }

    /// Lists everything that keeps this record from being submitted; empty when it is ready.
    pub fn submit_problems(&self, template: &ChecklistTemplate) -> Vec<SubmitProblem> {
        let mut problems = Vec::new();
        if self.submission.is_some() {
            problems.push(SubmitProblem::AlreadySubmitted);
        }
        let distinct: std::collections::BTreeSet<_> = self.inspectors.iter().map(|i| i.user_id).collect();
        if distinct.len() < 2 {
            problems.push(SubmitProblem::TooFewInspectors {
                count: distinct.len(),
            });
        }
        for item_id in self.answers.keys() {
            if template.item(item_id).is_none() {
                problems.push(SubmitProblem::UnknownItem {
                    item: item_id.clone(),
                });
            }
        }
        if self.kind.requires_full_checklist() {
            let unanswered: Vec<String> = template
                .items
                .iter()
                .filter(|item| !self.answers.contains_key(&item.id))
                .map(|item| item.id.clone())
                .collect();
            if !unanswered.is_empty() {
                problems.push(SubmitProblem::Unanswered { items: unanswered });
            }
        }
        for item in &template.items {
            let Some(state) = self.answers.get(&item.id) else {
                continue;
            };
            if !state.conflicts.is_empty() {
                problems.push(SubmitProblem::UnresolvedConflict {
                    item: item.id.clone(),
                });
            }
            if item.verdict(state.current.answer) != ItemVerdict::Failed {
                continue;
            }
            if state.current.remark.trim().is_empty() {
                problems.push(SubmitProblem::FailedWithoutRemark {
                    item: item.id.clone(),
                });
            }
            if state.current.photos.is_empty() {
                problems.push(SubmitProblem::FailedWithoutPhoto {
                    item: item.id.clone(),
                });
            }
            if !self.rectifications.contains_key(&item.id) {
                problems.push(SubmitProblem::NoRectificationOrder {
                    item: item.id.clone(),
                });
            }
        }
        if self.signature.is_none() {
            problems.push(SubmitProblem::NoSignature);
        }
        problems
    }

    /// Returns every photo content address the record refers to (evidence and signature).
    pub fn photo_refs(&self) -> Vec<String> {
        let mut refs: Vec<String> = self
            .answers
            .values()
            .flat_map(|state| std::iter::once(&state.current).chain(state.conflicts.iter()))
            .flat_map(|record| record.photos.iter().cloned())
            .collect();
        if let Some(Signature::Signed { image, .. }) = &self.signature {
            refs.push(image.clone());
        }
        refs.sort();
        refs.dedup();
        refs
    }
}
