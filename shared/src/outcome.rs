//! Outcome rules (结果判定): turn an inspection's marks into 符合 / 基本符合 / 不符合.
//!
//! A rule is data: an ordered list of bands, each a set of conditions on the tally of the marks.
//! The first band whose conditions hold decides; if none holds, the rule's `unmatched` entry
//! decides. That entry is how the catering rule's gap (one key item failed with every general item
//! passed fits no band as written) is configured rather than hard-coded.
//!
//! Pass rates are compared exactly, as integers (`passed * 100 >= 70 * applicable`), so a boundary
//! such as exactly 70% never depends on floating-point rounding.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::checklist::{Answer, ChecklistTemplate, ItemVerdict};

/// The overall result of one inspection. Serialized: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 符合
    Compliant,
    /// 基本符合
    BasicallyCompliant,
    /// 不符合
    NonCompliant,
}

impl Outcome {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Outcome::Compliant => "符合",
            Outcome::BasicallyCompliant => "基本符合",
            Outcome::NonCompliant => "不符合",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Compliant => "compliant",
            Outcome::BasicallyCompliant => "basically_compliant",
            Outcome::NonCompliant => "non_compliant",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "compliant" => Some(Outcome::Compliant),
            "basically_compliant" => Some(Outcome::BasicallyCompliant),
            "non_compliant" => Some(Outcome::NonCompliant),
            _ => None,
        }
    }
}

/// A quantity computed from the marks that a condition can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Key items marked against their expected answer.
    KeyFailed,
    /// General items marked against their expected answer.
    GeneralFailed,
    /// All failed items.
    Failed,
    /// General items passed ÷ (general items checked − 合理缺项), in percent. 100% when no general
    /// item applies.
    GeneralPassRate,
}

/// A comparison operator of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "==")]
    Eq,
}

/// `metric op value`; for [`Metric::GeneralPassRate`] the value is a percentage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub metric: Metric,
    pub op: Op,
    pub value: u32,
}

/// Conditions joined by AND (`all`) or OR (`any`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// Stable id of the band, stored with each result so a result can be traced to its band.
    pub id: String,
    pub outcome: Outcome,
    pub when: When,
    /// The band as the regulation words it, shown next to the result.
    pub description_zh: String,
}

/// What decides when no band matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub outcome: Outcome,
    pub description_zh: String,
}

/// A versioned outcome rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRule {
    pub id: String,
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub source: String,
    pub bands: Vec<Band>,
    pub unmatched: Unmatched,
    /// The consequence of each outcome (通过 / 书面限期整改 / ...), keyed by outcome.
    pub consequences: Consequences,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consequences {
    pub compliant: String,
    pub basically_compliant: String,
    pub non_compliant: String,
}

/// Counts of the marks of one inspection, the input of every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub key_checked: u32,
    pub key_failed: u32,
    pub key_not_applicable: u32,
    pub general_checked: u32,
    pub general_failed: u32,
    pub general_passed: u32,
    pub general_not_applicable: u32,
    /// Items of the template with no mark yet.
    pub unanswered: u32,
    /// Ids of failed key items, in checklist order.
    pub failed_key_items: Vec<String>,
    /// Ids of failed general items, in checklist order.
    pub failed_general_items: Vec<String>,
}

impl Tally {
    /// Counts the marks of an inspection against its template. Marks for ids the template does not
    /// list are ignored here and reported by the inspection's own validation.
    pub fn count<'a>(template: &ChecklistTemplate, answers: impl Fn(&str) -> Option<Answer> + 'a) -> Tally {
        let mut tally = Tally::default();
        for item in &template.items {
            let Some(answer) = answers(&item.id) else {
                tally.unanswered += 1;
                continue;
            };
            let verdict = item.verdict(answer);
            if item.key {
                tally.key_checked += 1;
                match verdict {
                    ItemVerdict::Failed => {
                        tally.key_failed += 1;
                        tally.failed_key_items.push(item.id.clone());
                    }
                    ItemVerdict::NotApplicable => tally.key_not_applicable += 1,
                    ItemVerdict::Passed => {}
                }
            } else {
                tally.general_checked += 1;
                match verdict {
                    ItemVerdict::Failed => {
                        tally.general_failed += 1;
                        tally.failed_general_items.push(item.id.clone());
                    }
                    ItemVerdict::NotApplicable => tally.general_not_applicable += 1,
                    ItemVerdict::Passed => tally.general_passed += 1,
                }
            }
        }
        tally
    }

    /// General items that count towards the pass rate: checked minus 合理缺项.
    pub fn general_applicable(&self) -> u32 {
        self.general_checked - self.general_not_applicable
    }

    /// Returns the general-item pass rate in percent, rounded to one decimal, for display only.
    pub fn general_pass_percent(&self) -> f64 {
        let applicable = self.general_applicable();
        if applicable == 0 {
            return 100.0;
        }
        (f64::from(self.general_passed) * 1000.0 / f64::from(applicable)).round() / 10.0
    }

    fn holds(&self, condition: &Condition) -> bool {
        // Every metric is a fraction numerator/denominator; counts have denominator 1.
        let (numerator, denominator, scale) = match condition.metric {
            Metric::KeyFailed => (u64::from(self.key_failed), 1, 1),
            Metric::GeneralFailed => (u64::from(self.general_failed), 1, 1),
            Metric::Failed => (u64::from(self.key_failed + self.general_failed), 1, 1),
            Metric::GeneralPassRate => match self.general_applicable() {
                0 => (1, 1, 100),
                applicable => (u64::from(self.general_passed), u64::from(applicable), 100),
            },
        };
        let left = numerator * scale;
        let right = u64::from(condition.value) * denominator;
        match condition.op {
            Op::Ge => left >= right,
            Op::Gt => left > right,
            Op::Le => left <= right,
            Op::Lt => left < right,
            Op::Eq => left == right,
        }
    }
}

/// A result together with why it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub outcome: Outcome,
    /// Id of the band that decided, or `unmatched`.
    pub band: String,
    pub rule_id: String,
    pub rule_version: u32,
    pub tally: Tally,
    /// The consequence of the outcome (通过 / 书面限期整改 / ...), from the rule.
    pub consequence_zh: String,
    pub band_description_zh: String,
}

impl Evaluation {
    /// Returns the reason in one Chinese sentence: which key items failed and the general pass rate.
    pub fn reason_zh(&self) -> String {
        let t = &self.tally;
        let key = if t.key_failed == 0 {
            "重点项全部合格".to_owned()
        } else {
            format!(
                "重点项不合格 {} 项（{}）",
                t.key_failed,
                t.failed_key_items.join("、")
            )
        };
        format!(
            "{key}；一般项合格率 {:.1}%（{}/{}，不合格 {} 项）；依据 {}：{}",
            t.general_pass_percent(),
            t.general_passed,
            t.general_applicable(),
            t.general_failed,
            self.rule_id,
            self.band_description_zh
        )
    }
}

/// A rule file that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum RuleError {
    #[error("outcome rule {rule} is not valid JSON: {detail}")]
    Json { rule: String, detail: String },
    #[error("outcome rule {rule} has no bands; add at least one band")]
    NoBands { rule: String },
    #[error("outcome rule {rule} band {band} has no conditions; a band needs at least one")]
    EmptyBand { rule: String, band: String },
    #[error("outcome rule {rule} band {band} tests a pass rate of {value}%; use 0 to 100")]
    PercentOutOfRange { rule: String, band: String, value: u32 },
}

impl OutcomeRule {
    pub fn from_json(name: &str, json: &str) -> Result<Self, RuleError> {
        let rule: OutcomeRule = serde_json::from_str(json).map_err(|e| RuleError::Json {
            rule: name.to_owned(),
            detail: e.to_string(),
        })?;
        rule.validate()?;
        Ok(rule)
    }

    pub fn validate(&self) -> Result<(), RuleError> {
        let rule = format!("{}@{}", self.id, self.version);
        if self.bands.is_empty() {
            return Err(RuleError::NoBands { rule });
        }
        for band in &self.bands {
            let conditions = match &band.when {
                When::All(c) | When::Any(c) => c,
            };
            if conditions.is_empty() {
                return Err(RuleError::EmptyBand {
                    rule,
                    band: band.id.clone(),
                });
            }
            for c in conditions {
                if c.metric == Metric::GeneralPassRate && c.value > 100 {
                    return Err(RuleError::PercentOutOfRange {
                        rule,
                        band: band.id.clone(),
                        value: c.value,
                    });
                }
            }
        }
        Ok(())
    }

    /// Decides the outcome of a tally.
    pub fn evaluate(&self, tally: &Tally) -> Evaluation {
        let matched = self.bands.iter().find(|band| match &band.when {
            When::All(conditions) => conditions.iter().all(|c| tally.holds(c)),
            When::Any(conditions) => conditions.iter().any(|c| tally.holds(c)),
        });
        let (outcome, band, description) = match matched {
            Some(band) => (band.outcome, band.id.clone(), band.description_zh.clone()),
            None => (
                self.unmatched.outcome,
                "unmatched".to_owned(),
                self.unmatched.description_zh.clone(),
            ),
        };
        let consequence = match outcome {
            Outcome::Compliant => &self.consequences.compliant,
            Outcome::BasicallyCompliant => &self.consequences.basically_compliant,
            Outcome::NonCompliant => &self.consequences.non_compliant,
        };
        Evaluation {
            outcome,
            band,
            rule_id: self.id.clone(),
            rule_version: self.version,
            tally: tally.clone(),
            consequence_zh: consequence.clone(),
            band_description_zh: description,
        }
    }
}
