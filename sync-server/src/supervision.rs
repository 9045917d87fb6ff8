//! What the supervisor console (监管端) reports, computed from plain rows of the central database.
//!
//! The store returns facts: one row per submitted inspection, task, shop or planned visit. The
//! functions here count them into the daily report (协管日报), task completion, the hazard
//! closed-loop board and the big-screen figures. They do no I/O, so tests feed them rows directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use foodpatrol_shared::checklist::TemplateRef;
use foodpatrol_shared::ids::{InspectionId, ShopId, TaskId, UserId};
use foodpatrol_shared::inspection::Signature;
use foodpatrol_shared::rectification::{self, RectificationMode, TaskState, Tier};
use foodpatrol_shared::shop::Shop;

use crate::store::{AnswerRow, TaskRow, UserRecord};

// ---- rows the store returns ----

/// A console session to store; the cookie's token itself is never stored.
#[derive(Debug, Clone)]
pub struct NewWebSession {
    pub token_hash: [u8; 32],
    pub user_id: UserId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A signed-in console session and its account.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub user: UserRecord,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// One inspector on a visit, with the office of their account (empty when the account has none).
#[derive(Debug, Clone, PartialEq)]
pub struct InspectorFact {
    pub user_id: UserId,
    pub name: String,
    pub office: String,
}

/// A submitted inspection, as the reports count it.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionFact {
    pub id: InspectionId,
    pub shop_id: ShopId,
    pub shop_name: String,
    /// The street (街道) of the shop.
    pub street: String,
    pub report_date: NaiveDate,
    /// `compliant`, `basically_compliant` or `non_compliant`.
    pub outcome: String,
    /// Items marked (是, 否 or 合理缺项).
    pub items_checked: u32,
    pub items_not_applicable: u32,
    pub items_failed: u32,
    pub tasks_on_spot: u32,
    pub tasks_deadline: u32,
    pub skew_flagged: bool,
    pub outcome_disagrees: bool,
    pub inspectors: Vec<InspectorFact>,
}

/// A rectification task with its shop and the inspection that ordered it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFact {
    pub id: TaskId,
    pub inspection_id: InspectionId,
    pub shop_id: ShopId,
    pub shop_name: String,
    pub street: String,
    pub item_id: String,
    pub item_text: String,
    pub key: bool,
    pub mode: RectificationMode,
    pub tier: Tier,
    pub state: TaskState,
    /// The report date of the inspection that found the hazard.
    pub report_date: NaiveDate,
    /// Proof rounds the owner has submitted.
    pub rounds: u32,
    pub inspectors: Vec<InspectorFact>,
}

/// A shop of the register with its latest risk grade (风险等级).
#[derive(Debug, Clone, PartialEq)]
pub struct ShopFact {
    pub id: ShopId,
    pub name: String,
    pub street: String,
    /// Year and level (`A`..`D`) of the newest grade, `None` when the shop was never graded.
    pub grade: Option<(i32, String)>,
}

/// A planned visit (检查任务) and the inspectors it was given to.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentFact {
    pub id: uuid::Uuid,
    pub shop_id: ShopId,
    pub due: NaiveDate,
    pub inspectors: Vec<InspectorFact>,
}

/// Everything the inspection detail page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionDetail {
    pub id: InspectionId,
    pub shop: Shop,
    pub template: TemplateRef,
    pub kind: String,
    pub submitted: bool,
    pub recorded_at: DateTime<Utc>,
    pub report_date: NaiveDate,
    pub skew_ms: i64,
    pub skew_flagged: bool,
    pub outcome: Option<String>,
    pub device_outcome: Option<String>,
    pub outcome_disagrees: bool,
    pub rule: Option<(String, u32)>,
    pub signature: Option<Signature>,
    pub inspectors: Vec<InspectorFact>,
    pub answers: Vec<AnswerRow>,
    pub tasks: Vec<TaskRow>,
}

// ---- the daily report (协管日报) ----

/// One line of the daily report: one person, office or street on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyLine {
    /// The inspector's name, the office or the street.
    pub label: String,
    /// The office of a person's line, empty on other lines.
    pub office: String,
    pub inspections: u32,
    pub shops: u32,
    pub compliant: u32,
    pub basically_compliant: u32,
    pub non_compliant: u32,
    /// Failed items (hazards) found.
    pub hazards: u32,
    pub tasks_on_spot: u32,
    pub tasks_deadline: u32,
    pub skew_flagged: u32,
    pub outcome_disagreements: u32,
}

impl DailyLine {
    fn add(&mut self, fact: &InspectionFact, shops: &mut BTreeSet<ShopId>) {
        self.inspections += 1;
        if shops.insert(fact.shop_id) {
            self.shops += 1;
        }
        match fact.outcome.as_str() {
            "compliant" => self.compliant += 1,
            "basically_compliant" => self.basically_compliant += 1,
            "non_compliant" => self.non_compliant += 1,
            _ => {}
        }
        self.hazards += fact.items_failed;
        self.tasks_on_spot += fact.tasks_on_spot;
        self.tasks_deadline += fact.tasks_deadline;
        self.skew_flagged += u32::from(fact.skew_flagged);
        self.outcome_disagreements += u32::from(fact.outcome_disagrees);
    }
}

/// The daily report of one date in three cuts and a district total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyReport {
    pub date: NaiveDate,
    /// One line per inspector; a visit counts once for each of its inspectors.
    pub by_person: Vec<DailyLine>,
    /// One line per office of the inspectors; a visit by two offices counts once for each.
    pub by_office: Vec<DailyLine>,
    /// One line per street of the inspected shops.
    pub by_street: Vec<DailyLine>,
    /// Every visit once.
    pub total: DailyLine,
}

/// Counts the submitted inspections of `date` (other dates in `facts` are ignored).
pub fn daily_report(facts: &[InspectionFact], date: NaiveDate) -> DailyReport {
    let mut people: BTreeMap<(String, String, UserId), (DailyLine, BTreeSet<ShopId>)> = BTreeMap::new();
    let mut offices: BTreeMap<String, (DailyLine, BTreeSet<ShopId>)> = BTreeMap::new();
    let mut streets: BTreeMap<String, (DailyLine, BTreeSet<ShopId>)> = BTreeMap::new();
    let mut total = DailyLine {
        label: "合计".to_owned(),
        ..DailyLine::default()
    };
    let mut total_shops = BTreeSet::new();

    for fact in facts.iter().filter(|f| f.report_date == date) {
        total.add(fact, &mut total_shops);
        for inspector in &fact.inspectors {
            let key = (
                inspector.office.clone(),
                inspector.name.clone(),
                inspector.user_id,
            );
            let (line, shops) = people.entry(key).or_insert_with(|| {
                let line = DailyLine {
                    label: inspector.name.clone(),
                    office: inspector.office.clone(),
                    ..DailyLine::default()
                };
                (line, BTreeSet::new())
            });
            line.add(fact, shops);
        }
        let fact_offices: BTreeSet<&str> = fact.inspectors.iter().map(|i| i.office.as_str()).collect();
        for office in fact_offices {
            let (line, shops) = offices.entry(office.to_owned()).or_insert_with(|| {
                let line = DailyLine {
                    label: office.to_owned(),
                    ..DailyLine::default()
                };
                (line, BTreeSet::new())
            });
            line.add(fact, shops);
        }
        let (line, shops) = streets.entry(fact.street.clone()).or_insert_with(|| {
            let line = DailyLine {
                label: fact.street.clone(),
                ..DailyLine::default()
            };
            (line, BTreeSet::new())
        });
        line.add(fact, shops);
    }

    DailyReport {
        date,
        by_person: people.into_values().map(|(line, _)| line).collect(),
        by_office: offices.into_values().map(|(line, _)| line).collect(),
        by_street: streets.into_values().map(|(line, _)| line).collect(),
        total,
    }
}

// ---- task completion ----

/// Completion of planned visits for one person or office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionLine {
    pub label: String,
    pub office: String,
    pub assigned: u32,
    pub done: u32,
    /// Not done and past the due date.
    pub overdue: u32,
}

impl CompletionLine {
    /// Returns done ÷ assigned, or `None` with nothing assigned.
    pub fn rate(&self) -> Option<f64> {
        ratio(self.done, self.assigned)
    }
}

/// Completion per person and per office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub by_person: Vec<CompletionLine>,
    pub by_office: Vec<CompletionLine>,
    pub total: CompletionLine,
}

/// Counts planned visits as done when a submitted inspection of the same shop by at least one of the
/// assigned inspectors has a report date in the calendar year of the due date.
///
/// NOTE: inspection records carry no assignment id, so a visit is matched by shop, inspector and year.
pub fn completion(
    assignments: &[AssignmentFact],
    inspections: &[InspectionFact],
    today: NaiveDate,
) -> Completion {
    let mut visited: HashMap<(ShopId, i32), BTreeSet<UserId>> = HashMap::new();
    for fact in inspections {
        visited
            .entry((fact.shop_id, fact.report_date.year()))
            .or_default()
            .extend(fact.inspectors.iter().map(|i| i.user_id));
    }

    let mut people: BTreeMap<(String, String, UserId), CompletionLine> = BTreeMap::new();
    let mut offices: BTreeMap<String, CompletionLine> = BTreeMap::new();
    let mut total = CompletionLine {
        label: "合计".to_owned(),
        ..CompletionLine::default()
    };
    for assignment in assignments {
        let done = visited
            .get(&(assignment.shop_id, assignment.due.year()))
            .is_some_and(|users| assignment.inspectors.iter().any(|i| users.contains(&i.user_id)));
        let overdue = !done && assignment.due < today;
        let count = |line: &mut CompletionLine| {
            line.assigned += 1;
            line.done += u32::from(done);
            line.overdue += u32::from(overdue);
        };
        count(&mut total);
        for inspector in &assignment.inspectors {
            let key = (
                inspector.office.clone(),
                inspector.name.clone(),
                inspector.user_id,
            );
            count(people.entry(key).or_insert_with(|| CompletionLine {
                label: inspector.name.clone(),
                office: inspector.office.clone(),
                ..CompletionLine::default()
            }));
        }
        let assignment_offices: BTreeSet<&str> =
            assignment.inspectors.iter().map(|i| i.office.as_str()).collect();
        for office in assignment_offices {
            count(
                offices
                    .entry(office.to_owned())
                    .or_insert_with(|| CompletionLine {
                        label: office.to_owned(),
                        ..CompletionLine::default()
                    }),
            );
        }
    }
    Completion {
        by_person: people.into_values().collect(),
        by_office: offices.into_values().collect(),
        total,
    }
}

// ---- the hazard closed-loop board ----

/// The column of a task on the board. `Overdue` replaces `Open` or `Returned` past the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BoardState {
    Open,
    ProofSubmitted,
    Returned,
    Overdue,
    Verified,
    FixedOnSpot,
}

impl BoardState {
    /// Every state in board order.
    pub const ALL: [BoardState; 6] = [
        BoardState::Overdue,
        BoardState::Open,
        BoardState::Returned,
        BoardState::ProofSubmitted,
        BoardState::Verified,
        BoardState::FixedOnSpot,
    ];

    /// Returns the state's code, used in URLs and the page's `data-state` attribute.
    pub fn as_str(&self) -> &'static str {
        match self {
            BoardState::Open => "open",
            BoardState::ProofSubmitted => "proof_submitted",
            BoardState::Returned => "returned",
            BoardState::Overdue => "overdue",
            BoardState::Verified => "verified",
            BoardState::FixedOnSpot => "fixed_on_spot",
        }
    }

    pub fn parse(code: &str) -> Option<BoardState> {
        BoardState::ALL.into_iter().find(|state| state.as_str() == code)
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            BoardState::Overdue => "已逾期",
            BoardState::Open => "待整改",
            BoardState::Returned => "退回重改",
            BoardState::ProofSubmitted => "待复查",
            BoardState::Verified => "已闭环",
            BoardState::FixedOnSpot => "已现场整改",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            BoardState::Overdue => "Overdue",
            BoardState::Open => "Open",
            BoardState::Returned => "Returned",
            BoardState::ProofSubmitted => "Proof submitted",
            BoardState::Verified => "Verified (closed)",
            BoardState::FixedOnSpot => "Fixed on the spot",
        }
    }

    /// Returns the board state of a task on `today` (the district's date).
    pub fn of(mode: &RectificationMode, state: TaskState, today: NaiveDate) -> BoardState {
        if rectification::is_overdue(mode, state, today) {
            return BoardState::Overdue;
        }
        match state {
            TaskState::FixedOnSpot => BoardState::FixedOnSpot,
            TaskState::Open => BoardState::Open,
            TaskState::ProofSubmitted => BoardState::ProofSubmitted,
            TaskState::Verified => BoardState::Verified,
            TaskState::Returned => BoardState::Returned,
        }
    }
}

/// Returns the due date of a written-deadline task, `None` for a fix on the spot.
pub fn due_date(mode: &RectificationMode) -> Option<NaiveDate> {
    match mode {
        RectificationMode::Deadline { due, .. } => Some(*due),
        RectificationMode::OnSpot { .. } => None,
    }
}

// ---- the big screen (大屏) ----

/// The figures of the big-screen dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardFigures {
    /// Shops per latest risk level `A`..`D`, then the ungraded count.
    pub by_level: Vec<(String, u32)>,
    pub ungraded: u32,
    pub inspections_today: u32,
    pub inspections_this_month: u32,
    /// Tasks not yet closed (open, returned, proof submitted), overdue ones included.
    pub open_tasks: u32,
    pub overdue_tasks: u32,
    /// Inspections and failed items per day for the 30 days ending today, oldest first.
    pub trend: Vec<(NaiveDate, u32, u32)>,
}

/// Number of days the dashboard's trend charts cover, today included.
pub const TREND_DAYS: u64 = 30;

/// Returns the first day of the dashboard's data window: the earlier of the trend's first day and the
/// first of this month.
pub fn dashboard_window_start(today: NaiveDate) -> NaiveDate {
    let trend_start = today - Days::new(TREND_DAYS - 1);
    let month_start = today.with_day(1).unwrap_or(today);
    trend_start.min(month_start)
}

/// Computes the dashboard from the shops, the inspections since [`dashboard_window_start`] and all tasks.
pub fn dashboard(
    shops: &[ShopFact],
    inspections: &[InspectionFact],
    tasks: &[TaskFact],
    today: NaiveDate,
) -> DashboardFigures {
    let mut levels: BTreeMap<String, u32> = ["A", "B", "C", "D"]
        .iter()
        .map(|l| ((*l).to_owned(), 0))
        .collect();
    let mut ungraded = 0;
    for shop in shops {
        match &shop.grade {
            Some((_, level)) => *levels.entry(level.clone()).or_default() += 1,
            None => ungraded += 1,
        }
    }

    let trend_start = today - Days::new(TREND_DAYS - 1);
    let mut per_day: BTreeMap<NaiveDate, (u32, u32)> = trend_start
        .iter_days()
        .take(TREND_DAYS as usize)
        .map(|day| (day, (0, 0)))
        .collect();
    let mut figures = DashboardFigures::default();
    for fact in inspections {
        if fact.report_date == today {
            figures.inspections_today += 1;
        }
        if fact.report_date.year() == today.year() && fact.report_date.month() == today.month() {
            figures.inspections_this_month += 1;
        }
        if let Some((count, hazards)) = per_day.get_mut(&fact.report_date) {
            *count += 1;
            *hazards += fact.items_failed;
        }
    }
    for task in tasks {
        if !task.state.is_closed() {
            figures.open_tasks += 1;
        }
        if rectification::is_overdue(&task.mode, task.state, today) {
            figures.overdue_tasks += 1;
        }
    }
    figures.by_level = levels.into_iter().collect();
    figures.ungraded = ungraded;
    figures.trend = per_day.into_iter().map(|(day, (n, h))| (day, n, h)).collect();
    figures
}

/// Returns `numerator ÷ denominator`, or `None` when the denominator is 0.
pub fn ratio(numerator: u32, denominator: u32) -> Option<f64> {
    (denominator > 0).then(|| f64::from(numerator) / f64::from(denominator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspector(name: &str, office: &str) -> InspectorFact {
        InspectorFact {
            user_id: UserId(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes())),
            name: name.to_owned(),
            office: office.to_owned(),
        }
    }

    fn visit(
        shop: &str,
        street: &str,
        date: NaiveDate,
        outcome: &str,
        failed: u32,
        who: &[&InspectorFact],
    ) -> InspectionFact {
        InspectionFact {
            id: InspectionId::new_v7(),
            shop_id: ShopId::from_licence(shop),
            shop_name: shop.to_owned(),
            street: street.to_owned(),
            report_date: date,
            outcome: outcome.to_owned(),
            items_checked: 10,
            items_not_applicable: 0,
            items_failed: failed,
            tasks_on_spot: failed,
            tasks_deadline: 0,
            skew_flagged: false,
            outcome_disagrees: false,
            inspectors: who.iter().map(|i| (*i).clone()).collect(),
        }
    }

    #[test]
    fn daily_report_counts_each_cut() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let zhang = inspector("张", "南市所");
        let li = inspector("李", "南市所");
        let wang = inspector("王", "新兴所");
        let facts = vec![
            visit("JY1", "南市", day, "compliant", 0, &[&zhang, &li]),
            visit("JY1", "南市", day, "basically_compliant", 2, &[&zhang, &wang]),
            visit("JY2", "新兴", day, "non_compliant", 5, &[&wang, &li]),
            visit(
                "JY3",
                "新兴",
                day.succ_opt().unwrap(),
                "compliant",
                0,
                &[&wang, &li],
            ),
        ];
        let report = daily_report(&facts, day);

        assert_eq!(report.total.inspections, 3, "the next day's visit is left out");
        assert_eq!(report.total.shops, 2);
        assert_eq!(report.total.hazards, 7);
        let zhang_line = report.by_person.iter().find(|l| l.label == "张").unwrap();
        assert_eq!(zhang_line.inspections, 2);
        assert_eq!(zhang_line.shops, 1, "two visits to one shop");
        let nanshi = report.by_office.iter().find(|l| l.label == "南市所").unwrap();
        assert_eq!(
            nanshi.inspections, 3,
            "a visit by two of the office's inspectors counts once"
        );
        let xinxing = report.by_office.iter().find(|l| l.label == "新兴所").unwrap();
        assert_eq!(xinxing.inspections, 2);
        let street = report.by_street.iter().find(|l| l.label == "新兴").unwrap();
        assert_eq!(street.inspections, 1);
        assert_eq!(street.non_compliant, 1);
    }

    #[test]
    fn completion_matches_shop_and_inspector() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let zhang = inspector("张", "南市所");
        let li = inspector("李", "南市所");
        let wang = inspector("王", "新兴所");
        let plan = |shop: &str, due: NaiveDate, who: &[&InspectorFact]| AssignmentFact {
            id: uuid::Uuid::new_v4(),
            shop_id: ShopId::from_licence(shop),
            due,
            inspectors: who.iter().map(|i| (*i).clone()).collect(),
        };
        let assignments = vec![
            plan("JY1", today, &[&zhang, &li]),
            plan("JY2", today - Days::new(1), &[&zhang, &li]),
            plan("JY3", today + Days::new(5), &[&wang, &zhang]),
        ];
        // JY1 is visited by 李; JY3 by other inspectors, which does not count.
        let stranger = inspector("赵", "南营门所");
        let inspections = vec![
            visit("JY1", "南市", today, "compliant", 0, &[&li, &stranger]),
            visit("JY3", "新兴", today, "compliant", 0, &[&stranger]),
        ];
        let completion = completion(&assignments, &inspections, today);

        assert_eq!(completion.total.assigned, 3);
        assert_eq!(completion.total.done, 1);
        assert_eq!(completion.total.overdue, 1, "JY2 was due yesterday");
        let zhang_line = completion.by_person.iter().find(|l| l.label == "张").unwrap();
        assert_eq!(
            (zhang_line.assigned, zhang_line.done, zhang_line.overdue),
            (3, 1, 1)
        );
        let nanshi = completion.by_office.iter().find(|l| l.label == "南市所").unwrap();
        assert_eq!(nanshi.assigned, 3);
        let xinxing = completion.by_office.iter().find(|l| l.label == "新兴所").unwrap();
        assert_eq!((xinxing.assigned, xinxing.done), (1, 0));
    }

    #[test]
    fn board_state_marks_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let deadline = |due: NaiveDate| RectificationMode::Deadline {
            due,
            requirement: String::new(),
        };
        let past = deadline(today - Days::new(1));
        assert_eq!(BoardState::of(&past, TaskState::Open, today), BoardState::Overdue);
        assert_eq!(
            BoardState::of(&past, TaskState::Returned, today),
            BoardState::Overdue
        );
        assert_eq!(
            BoardState::of(&past, TaskState::ProofSubmitted, today),
            BoardState::ProofSubmitted,
            "the owner has acted; the inspector is late, not the owner"
        );
        assert_eq!(
            BoardState::of(&deadline(today), TaskState::Open, today),
            BoardState::Open
        );
        for state in BoardState::ALL {
            assert_eq!(BoardState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn dashboard_counts_levels_and_trend() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let shop = |n: &str, grade: Option<&str>| ShopFact {
            id: ShopId::from_licence(n),
            name: n.to_owned(),
            street: "南市".to_owned(),
            grade: grade.map(|g| (2026, g.to_owned())),
        };
        let shops = vec![shop("JY1", Some("A")), shop("JY2", Some("C")), shop("JY3", None)];
        let zhang = inspector("张", "南市所");
        let inspections = vec![
            visit("JY1", "南市", today, "compliant", 0, &[&zhang]),
            visit(
                "JY2",
                "南市",
                today - Days::new(9),
                "basically_compliant",
                3,
                &[&zhang],
            ),
            visit("JY2", "南市", today - Days::new(29), "compliant", 0, &[&zhang]),
        ];
        let figures = dashboard(&shops, &inspections, &[], today);

        assert_eq!(figures.by_level[0], ("A".to_owned(), 1));
        assert_eq!(figures.by_level[2], ("C".to_owned(), 1));
        assert_eq!(figures.ungraded, 1);
        assert_eq!(figures.inspections_today, 1);
        assert_eq!(figures.inspections_this_month, 2, "March 1 to 10");
        assert_eq!(figures.trend.len(), 30);
        assert_eq!(figures.trend[0], (today - Days::new(29), 1, 0));
        assert_eq!(figures.trend[20], (today - Days::new(9), 1, 3));
        assert_eq!(dashboard_window_start(today), today - Days::new(29));
    }
}
