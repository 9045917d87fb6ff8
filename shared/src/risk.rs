//! Risk grading (风险分级): a shop's level A–D for a year from its register data, last year's
//! inspection results and last year's risk events.
//!
//! Every number is data in a versioned [`RiskTable`] (`shared/data/risk/*.json`), after the 2016
//! 《食品生产经营风险分级管理办法（试行）》: a score out of 100, higher is riskier, made of
//!
//! - a static score (静态风险因素), capped at [`RiskTable::static_cap`] (40 in the built-in tables).
//!   It adds points for the business type, for the scale (floor-area bands, or meals bands for
//!   canteens) and for who is served (students, patients and the elderly get the most);
//! - a dynamic score (动态风险因素, 0 to [`RiskTable::dynamic_cap`], 60): each submitted inspection
//!   of the evidence year scores points for its outcome plus points per failed key item and per
//!   failed general item, capped per inspection; the year's inspections are combined by
//!   [`DynamicAggregation`] (the mean in the built-in tables).
//!
//! The level follows from cut-offs ([`LevelCutoff`]): a score belongs to the first level whose
//! `max_score` it does not exceed, so with 30/45/60 the bands are A ≤ 30 < B ≤ 45 < C ≤ 60 < D.
//! A shop with no inspection in the evidence year is graded by [`NewShopRule`]. Listed events of the
//! evidence year (deliberate violation punished, failed sampling, incident, …) then raise the level
//! by the event's steps (the largest of the shop's events, not their sum), never past D.
//!
//! Grades are for a plan year `Y`; the evidence is the calendar year `Y - 1`. Every grade carries an
//! [`Explanation`] whose factor points sum to the score, in Chinese with stable codes.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::outcome::Outcome;
use crate::shop::{Serves, Shop};

/// A risk level (风险等级). Serialized as `"A"`..`"D"` in tables and APIs: do not rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RiskLevel {
    A,
    B,
    C,
    D,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [RiskLevel::A, RiskLevel::B, RiskLevel::C, RiskLevel::D];

    pub fn as_str(&self) -> &'static str {
        match self {
            RiskLevel::A => "A",
            RiskLevel::B => "B",
            RiskLevel::C => "C",
            RiskLevel::D => "D",
        }
    }

    pub fn parse(s: &str) -> Option<RiskLevel> {
        RiskLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            RiskLevel::A => "A级（低风险）",
            RiskLevel::B => "B级（一般风险）",
            RiskLevel::C => "C级（较高风险）",
            RiskLevel::D => "D级（高风险）",
        }
    }

    /// Returns the level `steps` above this one, capped at D.
    pub fn raised(self, steps: u32) -> RiskLevel {
        let index = (self as usize + steps as usize).min(3);
        RiskLevel::ALL[index]
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The measure that sizes a business type for the scale points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleBasis {
    /// Floor area in m² against [`RiskTable::area_bands`].
    Area,
    /// Meals per sitting against [`RiskTable::meals_bands`] (canteens).
    Meals,
    /// No scale points (for example online sales).
    None,
}

/// Points of one business type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessTypePoints {
    /// Business type code, see [`crate::shop::BusinessType`].
    pub code: String,
    pub label_zh: String,
    pub points: u32,
    pub scale: ScaleBasis,
}

/// A band of a measured quantity: values up to and including `max` (no `max`: everything above).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleBand {
    pub max: Option<u32>,
    pub points: u32,
}

/// Points for who the business serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServesPoints {
    /// Code of [`Serves`].
    pub code: String,
    pub label_zh: String,
    pub points: u32,
}

/// Points of one inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionPoints {
    pub compliant: u32,
    pub basically_compliant: u32,
    pub non_compliant: u32,
    pub per_key_failed: u32,
    pub per_general_failed: u32,
    /// Cap of one inspection's points; at most [`RiskTable::dynamic_cap`].
    pub per_inspection_cap: u32,
}

/// The rule that combines the points of a year's inspections into the dynamic score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicAggregation {
    /// The mean, rounded half up to an integer.
    Mean,
    /// The worst (highest) inspection.
    Worst,
    /// The latest inspection by date.
    Latest,
}

/// The grading rule for a shop with no inspection in the evidence year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewShopRule {
    /// The static score alone is the score (dynamic 0): out of 40, so such a shop is A or B.
    StaticOnly,
    /// The static score is scaled to 100 (`static * 100 / static_cap`, rounded half up).
    ScaledTo100,
}

/// The highest score of a level; the last level has no maximum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCutoff {
    pub level: RiskLevel,
    pub max_score: Option<u32>,
}

/// An event that raises next year's level (风险等级调升情形).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaiseRule {
    /// Stable code stored with each event, e.g. `failed_sampling`.
    pub code: String,
    pub label_zh: String,
    /// Steps raised: 1 or 2.
    pub steps: u32,
}

/// A versioned risk table. Stored grades name the `(id, version)` they were computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskTable {
    pub id: String,
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub source: String,
    /// Notes on which values are assumptions.
    #[serde(default)]
    pub assumptions_zh: Vec<String>,
    pub static_cap: u32,
    pub dynamic_cap: u32,
    pub business_types: Vec<BusinessTypePoints>,
    pub area_bands: Vec<ScaleBand>,
    pub meals_bands: Vec<ScaleBand>,
    pub serves: Vec<ServesPoints>,
    pub inspection_points: InspectionPoints,
    pub aggregation: DynamicAggregation,
    pub new_shop: NewShopRule,
    pub levels: Vec<LevelCutoff>,
    pub raise_events: Vec<RaiseRule>,
    /// Minimum inspections per year per level (监督检查频次), keyed `"A"`..`"D"`.
    pub min_inspections: BTreeMap<RiskLevel, u32>,
    /// Every shop gets a full-checklist inspection at least this often (2 years, Order 49 Art. 22).
    pub full_inspection_interval_years: u32,
}

/// A risk table file that cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum RiskTableError {
    #[error("risk table {table} is not valid JSON: {detail}")]
    Json { table: String, detail: String },
    #[error("risk table {table}: {problem}; fix the file")]
    Invalid { table: String, problem: String },
}

/// A shop or event that the table cannot grade.
#[derive(Debug, Error, PartialEq)]
pub enum GradeError {
    #[error("shop {shop}: business type {code:?} is not in risk table {table}; add it to the table")]
    UnknownBusinessType {
        shop: String,
        code: String,
        table: String,
    },
    #[error(
        "shop {shop}: risk event code {code:?} is not in risk table {table}; use one of the table's codes"
    )]
    UnknownEvent {
        shop: String,
        code: String,
        table: String,
    },
}

const BUILTIN_TABLES: &[(&str, &str)] = &[
    (
        "national-2016.v1.json",
        include_str!("../data/risk/national-2016.v1.json"),
    ),
    (
        "tianjin-catering-2017.v1.json",
        include_str!("../data/risk/tianjin-catering-2017.v1.json"),
    ),
];

/// Id of the built-in table a district uses unless it chooses another.
pub const DEFAULT_TABLE_ID: &str = "tianjin-catering-2017";

/// Returns the risk tables compiled into this build.
pub fn builtin_tables() -> Vec<RiskTable> {
    BUILTIN_TABLES
        .iter()
        .map(|(name, json)| RiskTable::from_json(name, json).expect("built-in risk tables are valid"))
        .collect()
}

/// Returns the newest built-in table with this id.
pub fn builtin_table(id: &str) -> Option<RiskTable> {
    builtin_tables()
        .into_iter()
        .filter(|t| t.id == id)
        .max_by_key(|t| t.version)
}

fn band_points(bands: &[ScaleBand], value: u32) -> (u32, String) {
    let mut lower = 0;
    for band in bands {
        match band.max {
            Some(max) if value > max => lower = max + 1,
            Some(max) => return (band.points, format!("{lower}–{max}")),
            None => return (band.points, format!(">{}", lower.saturating_sub(1))),
        }
    }
    // `validate` requires an open last band, so this is not reached for a valid table.
    (0, String::new())
}

/// The facts of one submitted inspection that grading uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFacts {
    pub id: String,
    pub date: NaiveDate,
    pub outcome: Outcome,
    pub key_failed: u32,
    pub general_failed: u32,
}

/// A risk event of a shop (风险调升事件), recorded with a code of [`RiskTable::raise_events`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEventFacts {
    pub code: String,
    pub date: NaiveDate,
}

/// One line of an explanation: a factor, its stable code, and the points it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    /// `static` or `dynamic`.
    pub part: String,
    /// Stable code such as `business_type:catering`, `area:151-500` or `inspection:{id}`.
    pub code: String,
    pub label_zh: String,
    /// Signed so that cap and averaging adjustments show as negative lines.
    pub points: i64,
}

/// An event that raised the level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raise {
    pub code: String,
    pub label_zh: String,
    pub date: NaiveDate,
    pub steps: u32,
}

/// Why a shop got its level: every factor with its points, and every raise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub factors: Vec<Factor>,
    pub raises: Vec<Raise>,
    /// True when the shop had no inspection in the evidence year.
    pub new_shop: bool,
    /// One Chinese summary sentence.
    pub summary_zh: String,
}

/// A shop's grade for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    pub level: RiskLevel,
    /// The level from the score alone, before raises.
    pub score_level: RiskLevel,
    pub score: u32,
    pub static_score: u32,
    pub dynamic_score: u32,
    pub raised_steps: u32,
    pub explanation: Explanation,
    pub table_id: String,
    pub table_version: u32,
}

impl RiskTable {
    pub fn from_json(name: &str, json: &str) -> Result<RiskTable, RiskTableError> {
        let table: RiskTable = serde_json::from_str(json).map_err(|e| RiskTableError::Json {
            table: name.to_owned(),
            detail: e.to_string(),
        })?;
        table.validate()?;
        Ok(table)
    }

    /// Checks that the table can grade every shop: open last bands, increasing cut-offs, 1–2 raise
    /// steps, caps that add up to 100 and a minimum for every level.
    pub fn validate(&self) -> Result<(), RiskTableError> {
        let invalid = |problem: String| RiskTableError::Invalid {
            table: format!("{}@{}", self.id, self.version),
            problem,
        };

        if self.static_cap + self.dynamic_cap != 100 {
            return Err(invalid(format!(
                "static_cap {} + dynamic_cap {} must be 100",
                self.static_cap, self.dynamic_cap
            )));
        }
        for (name, bands) in [
            ("area_bands", &self.area_bands),
            ("meals_bands", &self.meals_bands),
        ] {
            let Some(last) = bands.last() else {
                return Err(invalid(format!("{name} is empty")));
            };
            if last.max.is_some() {
                return Err(invalid(format!("the last band of {name} must have no max")));
            }
            let maxima: Vec<u32> = bands.iter().filter_map(|b| b.max).collect();
            if maxima.len() != bands.len() - 1 || maxima.windows(2).any(|w| w[0] >= w[1]) {
                return Err(invalid(format!(
                    "the maxima of {name} must increase, with only the last open"
                )));
            }
        }

        let levels: Vec<RiskLevel> = self.levels.iter().map(|l| l.level).collect();
        if levels != RiskLevel::ALL {
            return Err(invalid("levels must list A, B, C, D in order".to_owned()));
        }
        let cutoffs: Vec<Option<u32>> = self.levels.iter().map(|l| l.max_score).collect();
        let closed: Vec<u32> = cutoffs.iter().flatten().copied().collect();
        if closed.len() != 3 || cutoffs[3].is_some() || closed.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid(
                "levels A, B, C need increasing max_score and D none".to_owned(),
            ));
        }

        for rule in &self.raise_events {
            if !(1..=2).contains(&rule.steps) {
                return Err(invalid(format!(
                    "raise event {} has {} steps; use 1 or 2",
                    rule.code, rule.steps
                )));
            }
        }
        if self.inspection_points.per_inspection_cap > self.dynamic_cap {
            return Err(invalid(format!(
                "per_inspection_cap {} exceeds dynamic_cap {}",
                self.inspection_points.per_inspection_cap, self.dynamic_cap
            )));
        }
        for level in RiskLevel::ALL {
            if self.min_inspections.get(&level).is_none_or(|n| *n == 0) {
                return Err(invalid(format!(
                    "min_inspections needs at least 1 for level {level}"
                )));
            }
        }
        if self.full_inspection_interval_years == 0 {
            return Err(invalid(
                "full_inspection_interval_years must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }

    /// Returns the level of a score by the cut-offs: the first level whose max it does not exceed.
    pub fn level_for(&self, score: u32) -> RiskLevel {
        self.levels
            .iter()
            .find(|l| l.max_score.is_none_or(|max| score <= max))
            .map_or(RiskLevel::D, |l| l.level)
    }

    /// Returns the minimum inspections per year of a level.
    pub fn min_inspections_for(&self, level: RiskLevel) -> u32 {
        self.min_inspections.get(&level).copied().unwrap_or(1)
    }

    pub fn raise_rule(&self, code: &str) -> Option<&RaiseRule> {
        self.raise_events.iter().find(|r| r.code == code)
    }

    /// Returns the static factors of a shop, uncapped.
    pub fn static_factors(&self, shop: &Shop) -> Result<Vec<Factor>, GradeError> {
        let business = self
            .business_types
            .iter()
            .find(|b| b.code == shop.business_type)
            .ok_or_else(|| GradeError::UnknownBusinessType {
                shop: shop.id.to_string(),
                code: shop.business_type.clone(),
                table: format!("{}@{}", self.id, self.version),
            })?;
        let mut factors = vec![Factor {
            part: "static".into(),
            code: format!("business_type:{}", business.code),
            label_zh: format!("业态：{}", business.label_zh),
            points: i64::from(business.points),
        }];
        let scale = match business.scale {
            ScaleBasis::Area => Some(("area", "经营面积", "m²", shop.area_m2, &self.area_bands)),
            ScaleBasis::Meals => Some(("meals", "供餐人数", "人", shop.meals_per_day, &self.meals_bands)),
            ScaleBasis::None => None,
        };
        if let Some((code, label, unit, value, bands)) = scale {
            // NOTE: a shop with no registered size gets the lowest band, and the label states it.
            let (points, range) = band_points(bands, value.unwrap_or(0));
            let label_zh = match value {
                Some(v) => format!("{label} {v}{unit}（{range}{unit} 档）"),
                None => format!("{label}未登记，按最低档（{range}{unit}）计"),
            };
            factors.push(Factor {
                part: "static".into(),
                code: format!("{code}:{}", range.replace('–', "-")),
                label_zh,
                points: i64::from(points),
            });
        }
        let serves_code = shop.serves.code();
        let serves = self.serves.iter().find(|s| s.code == serves_code);
        factors.push(Factor {
            part: "static".into(),
            code: format!("serves:{serves_code}"),
            label_zh: format!(
                "服务对象：{}",
                serves.map_or_else(|| serves_label_zh(shop.serves).to_owned(), |s| s.label_zh.clone())
            ),
            points: serves.map_or(0, |s| i64::from(s.points)),
        });
        Ok(factors)
    }

    /// Returns the points of one inspection, capped per inspection, and its label.
    pub fn inspection_points(&self, inspection: &InspectionFacts) -> (u32, String) {
        let p = &self.inspection_points;
        let outcome_points = match inspection.outcome {
            Outcome::Compliant => p.compliant,
            Outcome::BasicallyCompliant => p.basically_compliant,
            Outcome::NonCompliant => p.non_compliant,
        };
        let raw = outcome_points
            + inspection.key_failed * p.per_key_failed
            + inspection.general_failed * p.per_general_failed;
        let points = raw.min(p.per_inspection_cap);
        let capped = if raw > points {
            format!("，单次上限 {}", p.per_inspection_cap)
        } else {
            String::new()
        };
        let label = format!(
            "{} 检查结果{}（{} 分）+ 重点项不符合 {} 项 × {} + 一般项不符合 {} 项 × {}{capped}",
            inspection.date,
            inspection.outcome.label_zh(),
            outcome_points,
            inspection.key_failed,
            p.per_key_failed,
            inspection.general_failed,
            p.per_general_failed,
        );
        (points, label)
    }

    /// Grades a shop from the inspections and events of the evidence year (the caller selects them).
    pub fn grade(
        &self,
        shop: &Shop,
        inspections: &[InspectionFacts],
        events: &[RiskEventFacts],
    ) -> Result<Grade, GradeError> {
        let mut factors = self.static_factors(shop)?;
        let static_raw: i64 = factors.iter().map(|f| f.points).sum();
        let static_score = static_raw.min(i64::from(self.static_cap));
        if static_raw > static_score {
            factors.push(Factor {
                part: "static".into(),
                code: "static_cap".into(),
                label_zh: format!("静态风险分上限 {}", self.static_cap),
                points: static_score - static_raw,
            });
        }
        let static_score = static_score as u32;

        let new_shop = inspections.is_empty();
        let dynamic_score = if new_shop {
            self.new_shop_dynamic(static_score, &mut factors)
        } else {
            self.dynamic(inspections, &mut factors)
        };
        let score = static_score + dynamic_score;
        let score_level = self.level_for(score);

        let mut raises = Vec::new();
        for event in events {
            let rule = self
                .raise_rule(&event.code)
                .ok_or_else(|| GradeError::UnknownEvent {
                    shop: shop.id.to_string(),
                    code: event.code.clone(),
                    table: format!("{}@{}", self.id, self.version),
                })?;
            raises.push(Raise {
                code: rule.code.clone(),
                label_zh: rule.label_zh.clone(),
                date: event.date,
                steps: rule.steps,
            });
        }
        raises.sort_by(|a, b| (a.date, &a.code).cmp(&(b.date, &b.code)));
        let raised_steps = raises.iter().map(|r| r.steps).max().unwrap_or(0);
        let level = score_level.raised(raised_steps);

        let mut summary_zh = format!(
            "静态风险 {static_score} 分 + 动态风险 {dynamic_score} 分 = {score} 分，评为{}",
            score_level.label_zh()
        );
        if new_shop {
            summary_zh.push_str("（上年度无检查记录，按新开办企业评级）");
        }
        if level != score_level {
            summary_zh.push_str(&format!(
                "；因{}上调 {raised_steps} 级为{}",
                raises
                    .iter()
                    .map(|r| r.label_zh.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                level.label_zh()
            ));
        } else if raised_steps > 0 {
            summary_zh.push_str("；已为最高等级 D，不再上调");
        }
        Ok(Grade {
            level,
            score_level,
            score,
            static_score,
            dynamic_score,
            raised_steps: level as u32 - score_level as u32,
            explanation: Explanation {
                factors,
                raises,
                new_shop,
                summary_zh,
            },
            table_id: self.id.clone(),
            table_version: self.version,
        })
    }

    fn new_shop_dynamic(&self, static_score: u32, factors: &mut Vec<Factor>) -> u32 {
        match self.new_shop {
            NewShopRule::StaticOnly => {
                factors.push(Factor {
                    part: "dynamic".into(),
                    code: "new_shop:static_only".into(),
                    label_zh: "上年度无检查记录：仅按静态风险评级，动态风险计 0 分".into(),
                    points: 0,
                });
                0
            }
            NewShopRule::ScaledTo100 => {
                let scaled = (static_score * 200 + self.static_cap) / (2 * self.static_cap);
                let added = scaled - static_score;
                factors.push(Factor {
                    part: "dynamic".into(),
                    code: "new_shop:scaled_to_100".into(),
                    label_zh: format!(
                        "上年度无检查记录：静态风险分按百分制折算（{static_score} × 100 / {}）",
                        self.static_cap
                    ),
                    points: i64::from(added),
                });
                added
            }
        }
    }

    fn dynamic(&self, inspections: &[InspectionFacts], factors: &mut Vec<Factor>) -> u32 {
        let mut sorted: Vec<&InspectionFacts> = inspections.iter().collect();
        sorted.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let scored: Vec<(u32, String, &InspectionFacts)> = sorted
            .into_iter()
            .map(|i| {
                let (points, label) = self.inspection_points(i);
                (points, label, i)
            })
            .collect();
        let (counted, result): (Vec<usize>, u32) = match self.aggregation {
            DynamicAggregation::Latest => (vec![scored.len() - 1], scored[scored.len() - 1].0),
            DynamicAggregation::Worst => {
                // The earliest of equally bad inspections, so the choice is stable.
                let worst = scored.iter().map(|s| s.0).max().unwrap_or(0);
                let index = scored.iter().position(|s| s.0 == worst).unwrap_or(0);
                (vec![index], worst)
            }
            DynamicAggregation::Mean => {
                let sum: u32 = scored.iter().map(|s| s.0).sum();
                let n = scored.len() as u32;
                ((0..scored.len()).collect(), (2 * sum + n) / (2 * n))
            }
        };
        let mut listed = 0i64;
        for index in &counted {
            let (points, label, inspection) = &scored[*index];
            factors.push(Factor {
                part: "dynamic".into(),
                code: format!("inspection:{}", inspection.id),
                label_zh: label.clone(),
                points: i64::from(*points),
            });
            listed += i64::from(*points);
        }
        if self.aggregation == DynamicAggregation::Mean && counted.len() > 1 {
            factors.push(Factor {
                part: "dynamic".into(),
                code: "mean".into(),
                label_zh: format!("{} 次检查取平均（四舍五入）", counted.len()),
                points: i64::from(result) - listed,
            });
        }
        result.min(self.dynamic_cap)
    }
}

fn serves_label_zh(serves: Serves) -> &'static str {
    match serves {
        Serves::General => "社会公众",
        Serves::Students => "学生",
        Serves::Patients => "病人",
        Serves::Elderly => "老年人",
        Serves::Workers => "单位职工",
    }
}
