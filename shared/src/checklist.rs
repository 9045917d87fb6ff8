//! Checklist templates (检查要点表) as versioned data with stable item ids.
//!
//! A template is identified by `(id, version)`; an inspection stores both, so a record made against
//! version 1 is still read against version 1 after version 2 ships. Item ids (`C04-01`) never change
//! meaning within a template id: a reworded item keeps its id, a different item gets a new one.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rules::RuleRef;

/// One mark on one checklist item. Serialized into documents and the database: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Answer {
    /// 是
    #[serde(rename = "yes", alias = "是")]
    Yes,
    /// 否
    #[serde(rename = "no", alias = "否")]
    No,
    /// 合理缺项 (not applicable to this business)
    #[serde(rename = "na", alias = "合理缺项")]
    NotApplicable,
}

impl Answer {
    pub fn as_str(&self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::NotApplicable => "na",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "yes" | "是" => Some(Answer::Yes),
            "no" | "否" => Some(Answer::No),
            "na" | "合理缺项" => Some(Answer::NotApplicable),
            _ => None,
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Answer::Yes => "是",
            Answer::No => "否",
            Answer::NotApplicable => "合理缺项",
        }
    }
}

/// How one item was judged against its expected answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemVerdict {
    Passed,
    Failed,
    NotApplicable,
}

/// One line of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable id, unique within the template id (`C04-01`).
    pub id: String,
    /// Topic heading the item is listed under (许可资质, 从业人员, ...).
    pub category: String,
    pub text: String,
    /// 重点项 (key item, marked `*` on paper) when true, 一般项 (general item) otherwise.
    pub key: bool,
    /// The compliant answer. Some items are phrased so that 是 is the bad answer.
    #[serde(default = "default_expected")]
    pub expected: Answer,
    /// Source of the item (2016 table number, Order 49 article, ...).
    #[serde(default)]
    pub source: String,
}

fn default_expected() -> Answer {
    Answer::Yes
}

impl ChecklistItem {
    /// Judges an answer against this item's expected answer.
    pub fn verdict(&self, answer: Answer) -> ItemVerdict {
        match answer {
            Answer::NotApplicable => ItemVerdict::NotApplicable,
            a if a == self.expected => ItemVerdict::Passed,
            _ => ItemVerdict::Failed,
        }
    }
}

/// A versioned checklist for one or more business types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    pub id: String,
    pub version: u32,
    pub title: String,
    /// Business type codes (业态) this checklist applies to, see [`crate::shop::BusinessType`].
    pub business_types: Vec<String>,
    /// The outcome rule that turns the marks into 符合/基本符合/不符合.
    pub outcome_rule: RuleRef,
    #[serde(default)]
    pub source: String,
    pub items: Vec<ChecklistItem>,
}

/// A template identified by id and version, as stored in an inspection.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: u32,
}

/// A checklist file that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum TemplateError {
    #[error("checklist {template} is not valid JSON: {detail}")]
    Json { template: String, detail: String },
    #[error("checklist {template} has no items; add at least one item")]
    NoItems { template: String },
    #[error("checklist {template} lists item id {item} twice; item ids must be unique")]
    DuplicateItem { template: String, item: String },
    #[error("checklist {template} item {item} has an empty {field}")]
    EmptyField {
        template: String,
        item: String,
        field: &'static str,
    },
    #[error("checklist {template} item {item} expects 合理缺项; the expected answer must be 是 or 否")]
    ExpectedNotApplicable { template: String, item: String },
}

impl ChecklistTemplate {
    /// Parses and validates a checklist file.
    pub fn from_json(name: &str, json: &str) -> Result<Self, TemplateError> {
        let template: ChecklistTemplate = serde_json::from_str(json).map_err(|e| TemplateError::Json {
            template: name.to_owned(),
            detail: e.to_string(),
        })?;
        template.validate()?;
        Ok(template)
    }

    /// Checks the invariants every reader relies on: items present, ids unique, fields non-empty.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let template = format!("{}@{}", self.id, self.version);
        if self.items.is_empty() {
            return Err(TemplateError::NoItems { template });
        }
        let mut seen = std::collections::BTreeSet::new();
        for item in &self.items {
            if !seen.insert(item.id.as_str()) {
                return Err(TemplateError::DuplicateItem {
                    template,
                    item: item.id.clone(),
                });
            }
            for (field, value) in [
                ("id", &item.id),
                ("category", &item.category),
                ("text", &item.text),
            ] {
                if value.trim().is_empty() {
                    return Err(TemplateError::EmptyField {
                        template,
                        item: item.id.clone(),
                        field,
                    });
                }
            }
            if item.expected == Answer::NotApplicable {
                return Err(TemplateError::ExpectedNotApplicable {
                    template,
                    item: item.id.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            id: self.id.clone(),
            version: self.version,
        }
    }

    pub fn item(&self, id: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|item| item.id == id)
    }

    /// Returns the categories in checklist order, each with its items.
    pub fn categories(&self) -> Vec<(&str, Vec<&ChecklistItem>)> {
        let mut out: Vec<(&str, Vec<&ChecklistItem>)> = Vec::new();
        for item in &self.items {
            match out.iter_mut().find(|(name, _)| *name == item.category) {
                Some((_, items)) => items.push(item),
                None => out.push((item.category.as_str(), vec![item])),
            }
        }
        out
    }

    pub fn key_item_count(&self) -> usize {
        self.items.iter().filter(|item| item.key).count()
    }
}
