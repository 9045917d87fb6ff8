//! The rule book: every checklist template and outcome rule the district uses, as versioned data.
//!
//! The built-in set (compiled in from `shared/data/`) is the default. A district loads its own
//! province's files over it with [`RuleBook::insert_template`] and [`RuleBook::insert_rule`]; a
//! record always names the exact `(id, version)` it was scored against, so old records keep their
//! meaning when new versions ship.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::checklist::{ChecklistTemplate, TemplateError, TemplateRef};
use crate::outcome::{OutcomeRule, RuleError};

/// A rule identified by id and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleRef {
    pub id: String,
    pub version: u32,
}

const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "catering-daily.v1.json",
        include_str!("../data/checklists/catering-daily.v1.json"),
    ),
    (
        "sales-daily.v1.json",
        include_str!("../data/checklists/sales-daily.v1.json"),
    ),
];

const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "catering-2016.v1.json",
        include_str!("../data/rules/catering-2016.v1.json"),
    ),
    (
        "production-sales-2016.v1.json",
        include_str!("../data/rules/production-sales-2016.v1.json"),
    ),
];

/// A lookup that failed or a file that could not be loaded.
#[derive(Debug, Error, PartialEq)]
pub enum RuleBookError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(
        "checklist template {id}@{version} is not installed; sync the device or install the template file"
    )]
    UnknownTemplate { id: String, version: u32 },
    #[error("outcome rule {id}@{version} is not installed; install the rule file")]
    UnknownRule { id: String, version: u32 },
    #[error("checklist {template} names outcome rule {rule}, which is not installed")]
    TemplateRuleMissing { template: String, rule: String },
}

/// All templates and rules by id and version.
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    templates: BTreeMap<(String, u32), ChecklistTemplate>,
    rules: BTreeMap<(String, u32), OutcomeRule>,
}

impl RuleBook {
    /// Returns the rule book compiled into this build.
    pub fn builtin() -> RuleBook {
        let mut book = RuleBook::default();
        for (name, json) in BUILTIN_RULES {
            let rule = OutcomeRule::from_json(name, json).expect("built-in rule files are valid");
            book.rules.insert((rule.id.clone(), rule.version), rule);
        }
        for (name, json) in BUILTIN_TEMPLATES {
            let template = ChecklistTemplate::from_json(name, json).expect("built-in checklists are valid");
            book.insert_template(template)
                .expect("built-in checklists name installed rules");
        }
        book
    }

    pub fn insert_rule(&mut self, rule: OutcomeRule) -> Result<(), RuleBookError> {
        rule.validate()?;
        self.rules.insert((rule.id.clone(), rule.version), rule);
        Ok(())
    }

    pub fn insert_template(&mut self, template: ChecklistTemplate) -> Result<(), RuleBookError> {
        template.validate()?;
        let rule = &template.outcome_rule;
        if !self.rules.contains_key(&(rule.id.clone(), rule.version)) {
            return Err(RuleBookError::TemplateRuleMissing {
                template: format!("{}@{}", template.id, template.version),
                rule: format!("{}@{}", rule.id, rule.version),
            });
        }
        self.templates
            .insert((template.id.clone(), template.version), template);
        Ok(())
    }

    pub fn template(&self, reference: &TemplateRef) -> Result<&ChecklistTemplate, RuleBookError> {
        self.templates
            .get(&(reference.id.clone(), reference.version))
            .ok_or_else(|| RuleBookError::UnknownTemplate {
                id: reference.id.clone(),
                version: reference.version,
            })
    }

    pub fn rule(&self, reference: &RuleRef) -> Result<&OutcomeRule, RuleBookError> {
        self.rules
            .get(&(reference.id.clone(), reference.version))
            .ok_or_else(|| RuleBookError::UnknownRule {
                id: reference.id.clone(),
                version: reference.version,
            })
    }

    /// Returns the outcome rule a template names.
    pub fn rule_for(&self, template: &ChecklistTemplate) -> Result<&OutcomeRule, RuleBookError> {
        self.rule(&template.outcome_rule)
    }

    /// Returns the newest version of the template for a business type, if any template covers it.
    pub fn latest_template_for(&self, business_type: &str) -> Option<&ChecklistTemplate> {
        self.templates
            .values()
            .filter(|t| t.business_types.iter().any(|b| b == business_type))
            .max_by_key(|t| t.version)
    }

    pub fn templates(&self) -> impl Iterator<Item = &ChecklistTemplate> {
        self.templates.values()
    }

    pub fn rules(&self) -> impl Iterator<Item = &OutcomeRule> {
        self.rules.values()
    }
}
