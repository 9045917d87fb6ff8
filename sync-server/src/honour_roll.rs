//! 红黑榜 (red and black lists): published lists of good and bad food businesses, computed from
//! inspection results, open rectification tasks and risk grades by versioned, data-driven rules.
//!
//! The built-in rules are `shared/data/rules/honour-roll.v1.json`. A shop on both lists is put on
//! the black list only, because a failing fact outweighs a good record.

use chrono::NaiveDate;
use foodpatrol_shared::ids::ShopId;
use foodpatrol_shared::outcome::Outcome;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::store::{ShopStatusFacts, StoreError};

/// The built-in rule file.
pub const BUILTIN_RULES_JSON: &str = include_str!("../../shared/data/rules/honour-roll.v1.json");

/// A versioned set of red- and black-list thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonourRollRules {
    pub id: String,
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub source: String,
    /// How many of the latest submitted inspections the rules read.
    pub recent_inspections: usize,
    pub red: RedRule,
    pub black: BlackRule,
}

/// The red list (红榜): every condition must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedRule {
    pub description_zh: String,
    /// Risk levels that qualify, such as `["A"]`; an ungraded shop never qualifies.
    pub levels: Vec<String>,
    /// The latest this many submitted inspections must all be 符合 (compliant).
    pub min_recent_compliant: usize,
    /// The latest inspection must be at most this many days old.
    pub max_days_since_latest: i64,
    pub max_overdue_tasks: u32,
}

/// The black list (黑榜): any one condition suffices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlackRule {
    pub description_zh: String,
    /// Outcome codes of the latest inspection that put a shop on the list.
    pub latest_outcomes: Vec<String>,
    /// This many overdue rectification tasks put a shop on the list; 0 turns the condition off.
    pub min_overdue_tasks: u32,
    pub levels: Vec<String>,
}

/// A failure to load a rule file.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("红黑榜规则文件无效 (invalid honour-roll rule file): {0}")]
    Json(#[from] serde_json::Error),
    #[error("红黑榜规则 {id} v{version} 无效 (invalid honour-roll rule): {problem}")]
    Invalid {
        id: String,
        version: u32,
        problem: String,
    },
}

impl HonourRollRules {
    /// Parses and checks a rule file.
    pub fn from_json(text: &str) -> Result<HonourRollRules, RulesError> {
        let rules: HonourRollRules = serde_json::from_str(text)?;
        let invalid = |problem: String| RulesError::Invalid {
            id: rules.id.clone(),
            version: rules.version,
            problem,
        };
        if rules.red.min_recent_compliant == 0 || rules.red.min_recent_compliant > rules.recent_inspections {
            return Err(invalid(format!(
                "red.min_recent_compliant is {}, must be 1..=recent_inspections ({})",
                rules.red.min_recent_compliant, rules.recent_inspections
            )));
        }
        for level in rules.red.levels.iter().chain(&rules.black.levels) {
            if !["A", "B", "C", "D"].contains(&level.as_str()) {
                return Err(invalid(format!("risk level {level:?} is not one of A, B, C, D")));
            }
        }
        for outcome in &rules.black.latest_outcomes {
            if Outcome::parse(outcome).is_none() {
                return Err(invalid(format!("outcome {outcome:?} is not an outcome code")));
            }
        }
        Ok(rules)
    }

    /// Returns the built-in rules, parsed once per process.
    pub fn builtin() -> HonourRollRules {
        static BUILTIN: std::sync::LazyLock<HonourRollRules> = std::sync::LazyLock::new(|| {
            HonourRollRules::from_json(BUILTIN_RULES_JSON).expect("the built-in honour-roll rules are valid")
        });
        BUILTIN.clone()
    }
}

/// The list a shop is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListStatus {
    Red,
    Black,
    Neither,
}

impl ListStatus {
    pub fn label_zh(&self) -> &'static str {
        match self {
            ListStatus::Red => "红榜",
            ListStatus::Black => "黑榜",
            ListStatus::Neither => "未上榜",
        }
    }
}

/// A shop's list and the reasons, in Chinese, for the public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub status: ListStatus,
    pub reasons: Vec<String>,
}

/// Applies the rules to one shop's facts as of `today`.
pub fn classify(rules: &HonourRollRules, facts: &ShopStatusFacts, today: NaiveDate) -> Standing {
    let level = facts.grade.as_ref().map(|g| g.level.to_string());
    let latest = facts.recent.first();

    let mut black = Vec::new();
    if let Some(latest) = latest
        && rules.black.latest_outcomes.contains(&latest.outcome)
    {
        let label = Outcome::parse(&latest.outcome).map_or("不符合", |o| o.label_zh());
        black.push(format!("最近一次检查（{}）结果为{label}", latest.report_date));
    }
    if rules.black.min_overdue_tasks > 0 && facts.overdue_tasks >= rules.black.min_overdue_tasks {
        black.push(format!("有 {} 项整改逾期未完成", facts.overdue_tasks));
    }
    if let Some(level) = &level
        && rules.black.levels.contains(level)
    {
        black.push(format!("风险等级为 {level} 级"));
    }
    if !black.is_empty() {
        return Standing {
            status: ListStatus::Black,
            reasons: black,
        };
    }

    let needed = rules.red.min_recent_compliant;
    let graded = level.as_ref().is_some_and(|l| rules.red.levels.contains(l));
    let compliant_run = facts.recent.len() >= needed
        && facts.recent[..needed]
            .iter()
            .all(|r| r.outcome == Outcome::Compliant.as_str());
    let fresh = latest.is_some_and(|l| (today - l.report_date).num_days() <= rules.red.max_days_since_latest);
    let no_overdue = facts.overdue_tasks <= rules.red.max_overdue_tasks;
    if graded && compliant_run && fresh && no_overdue {
        let level = level.unwrap_or_default();
        return Standing {
            status: ListStatus::Red,
            reasons: vec![
                format!("风险等级为 {level} 级"),
                format!("最近 {needed} 次检查均为符合"),
                "无逾期未整改问题".to_owned(),
            ],
        };
    }
    Standing {
        status: ListStatus::Neither,
        reasons: Vec::new(),
    }
}

/// One shop on a list, with only public facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollEntry {
    /// For the console's links; never rendered on public pages.
    #[serde(skip)]
    pub shop_id: Option<ShopId>,
    pub shop_name: String,
    pub licence_no: String,
    pub address: String,
    pub latest_inspection: Option<NaiveDate>,
    pub reasons: Vec<String>,
}

/// The red and black lists of one street (街道).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonourRoll {
    pub street: String,
    pub rules_id: String,
    pub rules_version: u32,
    pub as_of: NaiveDate,
    pub shops_considered: usize,
    pub red: Vec<RollEntry>,
    pub black: Vec<RollEntry>,
}

/// Computes a street's lists as of `today`; the console calls this too.
pub async fn street_roll(
    state: &AppState,
    rules: &HonourRollRules,
    street: &str,
    today: NaiveDate,
) -> Result<HonourRoll, StoreError> {
    let shops = state.store.shops_in_street(street).await?;
    let ids: Vec<ShopId> = shops.iter().map(|s| s.id).collect();
    let facts = state
        .store
        .shop_status_facts(&ids, rules.recent_inspections, today)
        .await?;
    let mut roll = HonourRoll {
        street: street.to_owned(),
        rules_id: rules.id.clone(),
        rules_version: rules.version,
        as_of: today,
        shops_considered: facts.len(),
        red: Vec::new(),
        black: Vec::new(),
    };
    for shop in &facts {
        let standing = classify(rules, shop, today);
        let entry = RollEntry {
            shop_id: Some(shop.shop.id),
            shop_name: shop.shop.name.clone(),
            licence_no: shop.shop.licence_no.clone(),
            address: shop.shop.address.clone(),
            latest_inspection: shop.recent.first().map(|r| r.report_date),
            reasons: standing.reasons,
        };
        match standing.status {
            ListStatus::Red => roll.red.push(entry),
            ListStatus::Black => roll.black.push(entry),
            ListStatus::Neither => {}
        }
    }
    Ok(roll)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{GradeFact, PublicResult};
    use foodpatrol_shared::shop::{Serves, Shop};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn facts(level: Option<char>, outcomes: &[(&str, u32)], overdue: u32) -> ShopStatusFacts {
        ShopStatusFacts {
            shop: Shop {
                id: ShopId::from_licence("JY11201010000001"),
                licence_no: "JY11201010000001".into(),
                name: "测试餐馆".into(),
                address: "和平区测试路 1 号".into(),
                street: "南市".into(),
                business_type: "catering".into(),
                area_m2: Some(80),
                meals_per_day: None,
                serves: Serves::General,
            },
            grade: level.map(|level| GradeFact { year: 2026, level }),
            recent: outcomes
                .iter()
                .map(|(outcome, d)| PublicResult {
                    report_date: day(*d),
                    outcome: (*outcome).to_owned(),
                })
                .collect(),
            overdue_tasks: overdue,
            open_tasks: overdue,
        }
    }

    #[test]
    fn builtin_rules_load() {
        let rules = HonourRollRules::builtin();
        assert_eq!(rules.id, "honour-roll");
        assert_eq!(rules.version, 1);
    }

    #[test]
    fn graded_a_with_compliant_run_is_red() {
        let rules = HonourRollRules::builtin();
        let standing = classify(
            &rules,
            &facts(Some('A'), &[("compliant", 3), ("compliant", 1)], 0),
            day(4),
        );
        assert_eq!(standing.status, ListStatus::Red);
    }

    #[test]
    fn one_compliant_inspection_not_enough() {
        let rules = HonourRollRules::builtin();
        let standing = classify(&rules, &facts(Some('A'), &[("compliant", 3)], 0), day(4));
        assert_eq!(standing.status, ListStatus::Neither);
    }

    #[test]
    fn ungraded_shop_never_red() {
        let rules = HonourRollRules::builtin();
        let standing = classify(
            &rules,
            &facts(None, &[("compliant", 3), ("compliant", 1)], 0),
            day(4),
        );
        assert_eq!(standing.status, ListStatus::Neither);
    }

    #[test]
    fn latest_non_compliant_is_black() {
        let rules = HonourRollRules::builtin();
        let standing = classify(
            &rules,
            &facts(Some('A'), &[("non_compliant", 3), ("compliant", 1)], 0),
            day(4),
        );
        assert_eq!(standing.status, ListStatus::Black);
        assert!(standing.reasons[0].contains("不符合"), "{:?}", standing.reasons);
    }

    #[test]
    fn overdue_task_is_black() {
        let rules = HonourRollRules::builtin();
        let standing = classify(
            &rules,
            &facts(Some('A'), &[("compliant", 3), ("compliant", 1)], 1),
            day(4),
        );
        assert_eq!(standing.status, ListStatus::Black);
        assert!(standing.reasons[0].contains("逾期"));
    }

    #[test]
    fn level_d_is_black() {
        let rules = HonourRollRules::builtin();
        let standing = classify(&rules, &facts(Some('D'), &[], 0), day(4));
        assert_eq!(standing.status, ListStatus::Black);
    }

    #[test]
    fn stale_record_not_red() {
        let mut rules = HonourRollRules::builtin();
        rules.red.max_days_since_latest = 1;
        let standing = classify(
            &rules,
            &facts(Some('A'), &[("compliant", 2), ("compliant", 1)], 0),
            day(4),
        );
        assert_eq!(standing.status, ListStatus::Neither);
    }

    #[test]
    fn invalid_rules_rejected() {
        let broken = BUILTIN_RULES_JSON.replace("\"levels\": [\"D\"]", "\"levels\": [\"E\"]");
        let error = HonourRollRules::from_json(&broken).unwrap_err();
        assert!(error.to_string().contains("\"E\""), "{error}");
    }
}
