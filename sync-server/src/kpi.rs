//! District KPIs (考核指标) per street and for the whole district, over plain rows.
//!
//! No official definition of these figures was found, so the console uses the ones below and shows
//! them on the KPI page:
//! - 评定完成率 (grading completion): shops with a risk grade for the year ÷ shops in the register.
//! - 问题发现率 (problem discovery): inspections with at least one failed item (否) ÷ inspections;
//!   the item-level variant is failed items ÷ (items checked − 合理缺项).
//! - 整改率 (rectification): tasks closed (verified after proof, or fixed on the spot) ÷ tasks
//!   ordered; overdue tasks are counted beside it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use foodpatrol_shared::rectification::TaskState;

use crate::store::OfficeRecord;
use crate::supervision::ratio;

/// A shop of the register, for 评定完成率.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiShop {
    pub street: String,
    /// Year of the shop's newest risk grade, `None` when never graded.
    pub grade_year: Option<i32>,
}

/// A submitted inspection, for 问题发现率.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiInspection {
    /// The street of the inspected shop.
    pub street: String,
    pub report_date: NaiveDate,
    pub items_checked: u32,
    pub items_not_applicable: u32,
    pub items_failed: u32,
}

/// A rectification task, for 整改率.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiTask {
    pub street: String,
    /// The report date of the inspection that ordered the task.
    pub report_date: NaiveDate,
    pub state: TaskState,
    /// Past its due date while the owner still has to act, on the day the KPIs are computed.
    pub overdue: bool,
}

/// The counts behind the KPIs of one street, or of the district.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiRow {
    /// The street (街道), or 全区 on the district total.
    pub area: String,
    /// The market-supervision offices (市场监管所) that cover the street.
    pub offices: Vec<String>,
    pub shops: u32,
    pub shops_graded: u32,
    pub inspections: u32,
    pub inspections_with_problem: u32,
    /// Items checked minus 合理缺项.
    pub items_applicable: u32,
    pub items_failed: u32,
    pub tasks_ordered: u32,
    pub tasks_closed: u32,
    pub tasks_overdue: u32,
}

impl KpiRow {
    /// 评定完成率; `None` when the area has no shops.
    pub fn grading_rate(&self) -> Option<f64> {
        ratio(self.shops_graded, self.shops)
    }

    /// 问题发现率 by inspection; `None` without inspections.
    pub fn problem_rate(&self) -> Option<f64> {
        ratio(self.inspections_with_problem, self.inspections)
    }

    /// 问题发现率 by item: failed ÷ (checked − 合理缺项).
    pub fn item_problem_rate(&self) -> Option<f64> {
        ratio(self.items_failed, self.items_applicable)
    }

    /// 整改率; `None` when no task was ordered.
    pub fn rectification_rate(&self) -> Option<f64> {
        ratio(self.tasks_closed, self.tasks_ordered)
    }

    fn add(&mut self, other: &KpiRow) {
        self.shops += other.shops;
        self.shops_graded += other.shops_graded;
        self.inspections += other.inspections;
        self.inspections_with_problem += other.inspections_with_problem;
        self.items_applicable += other.items_applicable;
        self.items_failed += other.items_failed;
        self.tasks_ordered += other.tasks_ordered;
        self.tasks_closed += other.tasks_closed;
        self.tasks_overdue += other.tasks_overdue;
    }
}

/// The KPIs of one year: one row per street and the district total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiTable {
    pub year: i32,
    pub streets: Vec<KpiRow>,
    pub total: KpiRow,
}

/// One KPI's name and definition, as the KPI page and the export show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiDefinition {
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub definition_zh: &'static str,
    pub definition_en: &'static str,
}

/// The definitions the console uses.
pub const DEFINITIONS: [KpiDefinition; 4] = [
    KpiDefinition {
        name_zh: "评定完成率",
        name_en: "Grading completion",
        definition_zh: "当年已评定风险等级的经营者数 ÷ 登记在册的经营者数",
        definition_en: "shops with a risk grade for the year ÷ shops in the register",
    },
    KpiDefinition {
        name_zh: "问题发现率（按检查）",
        name_en: "Problem discovery (by inspection)",
        definition_zh: "至少有一项“否”的检查次数 ÷ 检查次数",
        definition_en: "inspections with at least one failed item ÷ inspections",
    },
    KpiDefinition {
        name_zh: "问题发现率（按检查项）",
        name_en: "Problem discovery (by item)",
        definition_zh: "不合格项数 ÷（检查项数 − 合理缺项数）",
        definition_en: "failed items ÷ (items checked − not applicable)",
    },
    KpiDefinition {
        name_zh: "整改率",
        name_en: "Rectification rate",
        definition_zh: "已闭环的整改任务（复查通过或现场整改）÷ 责令整改的任务数；另列逾期未改数",
        definition_en: "tasks closed (verified, or fixed on the spot) ÷ tasks ordered; overdue tasks counted beside it",
    },
];

/// Returns the row of a street, adding it (and noting its order) on first use.
fn row_for<'a>(
    rows: &'a mut BTreeMap<String, KpiRow>,
    order: &mut Vec<String>,
    street: &str,
) -> &'a mut KpiRow {
    rows.entry(street.to_owned()).or_insert_with(|| {
        order.push(street.to_owned());
        KpiRow {
            area: street.to_owned(),
            ..KpiRow::default()
        }
    })
}

/// Computes the KPIs of `year`: grades of that year, inspections reported in it and the tasks they
/// ordered. Streets are listed in the order of `offices`, then streets no office covers, by name.
///
/// NOTE: the register has no closing date, so every registered shop counts as operating.
pub fn compute(
    year: i32,
    offices: &[OfficeRecord],
    shops: &[KpiShop],
    inspections: &[KpiInspection],
    tasks: &[KpiTask],
) -> KpiTable {
    let mut order: Vec<String> = Vec::new();
    let mut rows: BTreeMap<String, KpiRow> = BTreeMap::new();
    for office in offices {
        row_for(&mut rows, &mut order, &office.street)
            .offices
            .push(office.name.clone());
    }
    let known = order.len();
    for shop in shops {
        let row = row_for(&mut rows, &mut order, &shop.street);
        row.shops += 1;
        row.shops_graded += u32::from(shop.grade_year == Some(year));
    }
    for inspection in inspections.iter().filter(|i| i.report_date.year() == year) {
        let row = row_for(&mut rows, &mut order, &inspection.street);
        row.inspections += 1;
        row.inspections_with_problem += u32::from(inspection.items_failed > 0);
        row.items_applicable += inspection
            .items_checked
            .saturating_sub(inspection.items_not_applicable);
        row.items_failed += inspection.items_failed;
    }
    for task in tasks.iter().filter(|t| t.report_date.year() == year) {
        let row = row_for(&mut rows, &mut order, &task.street);
        row.tasks_ordered += 1;
        row.tasks_closed += u32::from(task.state.is_closed());
        row.tasks_overdue += u32::from(task.overdue);
    }
    order[known..].sort();

    let mut total = KpiRow {
        area: "全区".to_owned(),
        ..KpiRow::default()
    };
    let streets: Vec<KpiRow> = order
        .iter()
        .map(|street| rows.remove(street).expect("row exists"))
        .collect();
    for row in &streets {
        total.add(row);
    }
    KpiTable { year, streets, total }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(year: i32, month: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, d).unwrap()
    }

    fn office(name: &str, street: &str) -> OfficeRecord {
        OfficeRecord {
            name: name.to_owned(),
            street: street.to_owned(),
        }
    }

    fn shop(street: &str, grade_year: Option<i32>) -> KpiShop {
        KpiShop {
            street: street.to_owned(),
            grade_year,
        }
    }

    fn inspection(street: &str, date: NaiveDate, checked: u32, na: u32, failed: u32) -> KpiInspection {
        KpiInspection {
            street: street.to_owned(),
            report_date: date,
            items_checked: checked,
            items_not_applicable: na,
            items_failed: failed,
        }
    }

    fn task(street: &str, date: NaiveDate, state: TaskState, overdue: bool) -> KpiTask {
        KpiTask {
            street: street.to_owned(),
            report_date: date,
            state,
            overdue,
        }
    }

    /// Computes the 2026 KPIs of a district of three streets.
    fn fixture() -> KpiTable {
        let offices = [
            office("南市所", "南市"),
            office("劝业场所", "劝业场"),
            office("新兴所", "新兴"),
        ];
        let shops = [
            // 南市: 4 shops; 3 graded in 2026, 1 graded only in 2025.
            shop("南市", Some(2026)),
            shop("南市", Some(2026)),
            shop("南市", Some(2026)),
            shop("南市", Some(2025)),
            // 劝业场: 2 shops, both graded in 2026.
            shop("劝业场", Some(2026)),
            shop("劝业场", Some(2026)),
            // 新兴: 3 shops, none graded.
            shop("新兴", None),
            shop("新兴", None),
            shop("新兴", None),
        ];
        let inspections = [
            // 南市: 3 inspections in 2026, two with failed items.
            inspection("南市", day(2026, 1, 5), 54, 4, 2),
            inspection("南市", day(2026, 2, 6), 54, 0, 0),
            inspection("南市", day(2026, 3, 7), 54, 10, 1),
            // 劝业场: 1 clean inspection in 2026; the 2025 one is outside the year.
            inspection("劝业场", day(2026, 4, 8), 20, 0, 0),
            inspection("劝业场", day(2025, 12, 31), 54, 0, 9),
        ];
        let tasks = [
            // 南市: the 3 failed items became 3 tasks: verified, fixed on the spot, open and overdue.
            task("南市", day(2026, 1, 5), TaskState::Verified, false),
            task("南市", day(2026, 1, 5), TaskState::FixedOnSpot, false),
            task("南市", day(2026, 3, 7), TaskState::Open, true),
            // 劝业场: a 2025 task, outside the year.
            task("劝业场", day(2025, 12, 31), TaskState::Returned, true),
        ];
        compute(2026, &offices, &shops, &inspections, &tasks)
    }

    fn close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("rate is defined");
        assert!(
            (actual - expected).abs() < 1e-12,
            "got {actual}, expected {expected}"
        );
    }

    #[test]
    fn streets_keep_office_order() {
        let table = fixture();
        let areas: Vec<&str> = table.streets.iter().map(|r| r.area.as_str()).collect();
        assert_eq!(areas, ["南市", "劝业场", "新兴"]);
        assert_eq!(table.streets[0].offices, ["南市所"]);
        assert_eq!(table.total.area, "全区");
    }

    #[test]
    fn grading_rate_by_hand() {
        let table = fixture();
        // 南市: 3 of 4 shops graded in 2026 (the 2025 grade does not count) = 0.75.
        close(table.streets[0].grading_rate(), 3.0 / 4.0);
        // 劝业场: 2 of 2 = 1.
        close(table.streets[1].grading_rate(), 1.0);
        // 新兴: 0 of 3 = 0.
        close(table.streets[2].grading_rate(), 0.0);
        // District: (3 + 2 + 0) of (4 + 2 + 3) = 5 / 9.
        assert_eq!((table.total.shops_graded, table.total.shops), (5, 9));
        close(table.total.grading_rate(), 5.0 / 9.0);
    }

    #[test]
    fn problem_rate_by_hand() {
        let table = fixture();
        // 南市: inspections with a failed item: the 1st (2 failed) and 3rd (1 failed) of 3 = 2 / 3.
        close(table.streets[0].problem_rate(), 2.0 / 3.0);
        // 南市 by item: failed 2 + 0 + 1 = 3; applicable (54−4) + (54−0) + (54−10) = 50 + 54 + 44 = 148.
        assert_eq!(table.streets[0].items_applicable, 148);
        close(table.streets[0].item_problem_rate(), 3.0 / 148.0);
        // 劝业场: only the 2026 inspection counts, with nothing failed: 0 / 1 and 0 / 20.
        assert_eq!(table.streets[1].inspections, 1);
        close(table.streets[1].problem_rate(), 0.0);
        close(table.streets[1].item_problem_rate(), 0.0);
        // 新兴: no inspection, so no rate.
        assert_eq!(table.streets[2].problem_rate(), None);
        // District: 2 of 4 inspections = 0.5; items 3 of (148 + 20) = 3 / 168.
        close(table.total.problem_rate(), 0.5);
        assert_eq!(table.total.items_applicable, 168);
        close(table.total.item_problem_rate(), 3.0 / 168.0);
    }

    #[test]
    fn rectification_rate_by_hand() {
        let table = fixture();
        // 南市: verified and fixed on the spot are closed, the open one is not: 2 / 3; 1 overdue.
        close(table.streets[0].rectification_rate(), 2.0 / 3.0);
        assert_eq!(table.streets[0].tasks_overdue, 1);
        // 劝业场: its only task is from 2025, so nothing was ordered in 2026.
        assert_eq!(table.streets[1].tasks_ordered, 0);
        assert_eq!(table.streets[1].rectification_rate(), None);
        assert_eq!(table.streets[1].tasks_overdue, 0);
        // District: 2 of 3 closed, 1 overdue.
        close(table.total.rectification_rate(), 2.0 / 3.0);
        assert_eq!(table.total.tasks_overdue, 1);
    }

    #[test]
    fn street_without_office_is_listed_last() {
        let offices = [office("南市所", "南市")];
        let shops = [shop("五大道", None), shop("南市", None), shop("劝业场", None)];
        let table = compute(2026, &offices, &shops, &[], &[]);
        let areas: Vec<&str> = table.streets.iter().map(|r| r.area.as_str()).collect();
        assert_eq!(
            areas,
            ["南市", "五大道", "劝业场"],
            "unknown streets sorted by code point"
        );
        assert!(table.streets[1].offices.is_empty());
    }
}
