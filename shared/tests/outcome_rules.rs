//! Outcome rules band by band: every boundary of the catering rule (`catering-2016`) and the
//! production/sales rule (`production-sales-2016`), checked on hand-built tallies and on marks
//! against the built-in checklists.

use std::collections::HashMap;

use foodpatrol_shared::checklist::{Answer, ChecklistItem, ChecklistTemplate, TemplateRef};
use foodpatrol_shared::ids::{InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{AnswerRecord, Inspection, InspectionKind, ItemState};
use foodpatrol_shared::outcome::{Evaluation, Outcome, OutcomeRule, Tally};
use foodpatrol_shared::rules::{RuleBook, RuleRef};
use uuid::Uuid;

const NONE_FAILED: &str = "none_failed";
const CATERING_NON_COMPLIANT: &str = "key_failed_2_or_pass_rate_below_70";
const CATERING_BASICALLY: &str = "key_failed_at_most_1_pass_rate_70_to_100";
const SALES_NON_COMPLIANT: &str = "key_failed_or_general_failed_over_8";
const SALES_BASICALLY: &str = "general_failed_1_to_8";
const UNMATCHED: &str = "unmatched";

const CATERING_RULE_JSON: &str = include_str!("../data/rules/catering-2016.v1.json");

fn rule(book: &RuleBook, id: &str) -> OutcomeRule {
    book.rule(&RuleRef {
        id: id.to_owned(),
        version: 1,
    })
    .unwrap()
    .clone()
}

fn template(book: &RuleBook, id: &str) -> ChecklistTemplate {
    book.template(&TemplateRef {
        id: id.to_owned(),
        version: 1,
    })
    .unwrap()
    .clone()
}

/// Builds a tally as `Tally::count` would for a checklist with 11 key items, all checked, using
/// made-up item ids.
fn tally(key_failed: u32, general_passed: u32, general_failed: u32, general_na: u32) -> Tally {
    Tally {
        key_checked: 11,
        key_failed,
        key_not_applicable: 0,
        general_checked: general_passed + general_failed + general_na,
        general_failed,
        general_passed,
        general_not_applicable: general_na,
        unanswered: 0,
        failed_key_items: (1..=key_failed).map(|n| format!("K{n:02}")).collect(),
        failed_general_items: (1..=general_failed).map(|n| format!("G{n:02}")).collect(),
    }
}

/// One row of a table of hand-built tallies.
struct TallyCase {
    name: &'static str,
    key_failed: u32,
    general_passed: u32,
    general_failed: u32,
    general_na: u32,
    outcome: Outcome,
    band: &'static str,
}

fn check_tally_cases(rule: &OutcomeRule, cases: &[TallyCase]) {
    for case in cases {
        let tally = tally(
            case.key_failed,
            case.general_passed,
            case.general_failed,
            case.general_na,
        );
        let evaluation = rule.evaluate(&tally);
        assert_eq!(evaluation.outcome, case.outcome, "case {}: outcome", case.name);
        assert_eq!(evaluation.band, case.band, "case {}: band", case.name);
        assert_eq!(evaluation.rule_id, rule.id, "case {}: rule id", case.name);
        assert_eq!(
            evaluation.rule_version, rule.version,
            "case {}: rule version",
            case.name
        );
        assert_eq!(evaluation.tally, tally, "case {}: tally kept", case.name);
    }
}

/// Builds marks for a template: the first `key_failed` key items 否, the next `key_na` key items 合理缺项,
/// the first `general_failed` general items 否, the next `general_na` general items 合理缺项, and
/// every other item 是. Every item of the built-in checklists expects 是.
fn marks(
    template: &ChecklistTemplate,
    key_failed: usize,
    key_na: usize,
    general_failed: usize,
    general_na: usize,
) -> HashMap<String, Answer> {
    let mut answers = HashMap::new();
    let mut key_seen = 0;
    let mut general_seen = 0;
    for item in &template.items {
        assert_eq!(item.expected, Answer::Yes, "item {} expects 是", item.id);
        let answer = if item.key {
            key_seen += 1;
            if key_seen <= key_failed {
                Answer::No
            } else if key_seen <= key_failed + key_na {
                Answer::NotApplicable
            } else {
                Answer::Yes
            }
        } else {
            general_seen += 1;
            if general_seen <= general_failed {
                Answer::No
            } else if general_seen <= general_failed + general_na {
                Answer::NotApplicable
            } else {
                Answer::Yes
            }
        };
        answers.insert(item.id.clone(), answer);
    }
    answers
}

/// One row of a table of marks against a built-in checklist. `passed` and `applicable` pin the
/// pass rate the marks are meant to produce.
struct MarksCase {
    name: &'static str,
    key_failed: usize,
    key_na: usize,
    general_failed: usize,
    general_na: usize,
    passed: u32,
    applicable: u32,
    outcome: Outcome,
    band: &'static str,
}

fn check_marks_cases(book: &RuleBook, template_id: &str, cases: &[MarksCase]) {
    let template = template(book, template_id);
    let rule = book.rule_for(&template).unwrap();
    for case in cases {
        let answers = marks(
            &template,
            case.key_failed,
            case.key_na,
            case.general_failed,
            case.general_na,
        );
        let tally = Tally::count(&template, |id| answers.get(id).copied());
        assert_eq!(tally.unanswered, 0, "case {}: unanswered", case.name);
        assert_eq!(
            tally.key_failed as usize, case.key_failed,
            "case {}: key failed",
            case.name
        );
        assert_eq!(
            tally.key_not_applicable as usize, case.key_na,
            "case {}: key 合理缺项",
            case.name
        );
        assert_eq!(
            tally.general_failed as usize, case.general_failed,
            "case {}: general failed",
            case.name
        );
        assert_eq!(
            tally.general_passed, case.passed,
            "case {}: general passed",
            case.name
        );
        assert_eq!(
            tally.general_applicable(),
            case.applicable,
            "case {}: general applicable",
            case.name
        );

        let evaluation = rule.evaluate(&tally);
        assert_eq!(evaluation.outcome, case.outcome, "case {}: outcome", case.name);
        assert_eq!(evaluation.band, case.band, "case {}: band", case.name);
    }
}

/// Builds a [`TallyCase`] from `(key failed, general passed, general failed, general 合理缺项)`.
fn tally_case(
    name: &'static str,
    counts: (u32, u32, u32, u32),
    outcome: Outcome,
    band: &'static str,
) -> TallyCase {
    let (key_failed, general_passed, general_failed, general_na) = counts;
    TallyCase {
        name,
        key_failed,
        general_passed,
        general_failed,
        general_na,
        outcome,
        band,
    }
}

/// Builds a [`MarksCase`] from `(key 否, key 合理缺项, general 否, general 合理缺项)` and the
/// `(passed, applicable)` general counts those marks must produce.
fn marks_case(
    name: &'static str,
    marks: (usize, usize, usize, usize),
    rate: (u32, u32),
    outcome: Outcome,
    band: &'static str,
) -> MarksCase {
    let (key_failed, key_na, general_failed, general_na) = marks;
    let (passed, applicable) = rate;
    MarksCase {
        name,
        key_failed,
        key_na,
        general_failed,
        general_na,
        passed,
        applicable,
        outcome,
        band,
    }
}

#[test]
fn catering_tally_table() {
    use Outcome::{BasicallyCompliant as Basic, Compliant, NonCompliant as Non};
    let book = RuleBook::builtin();
    let rule = rule(&book, "catering-2016");

    // (key failed, general passed, general failed, general 合理缺项)
    #[rustfmt::skip]
    let cases = [
        tally_case("nothing_failed",                    (0, 43, 0, 0),   Compliant, NONE_FAILED),
        tally_case("all_general_not_applicable",        (0, 0, 0, 43),   Compliant, NONE_FAILED),
        tally_case("no_general_item_checked",           (0, 0, 0, 0),    Compliant, NONE_FAILED),
        tally_case("one_key_failed_general_all_passed", (1, 43, 0, 0),   Basic,     UNMATCHED),
        tally_case("one_key_failed_general_all_na",     (1, 0, 0, 43),   Basic,     UNMATCHED),
        tally_case("one_key_failed_one_general_passed", (1, 1, 0, 42),   Basic,     UNMATCHED),
        tally_case("two_key_failed_general_all_passed", (2, 43, 0, 0),   Non,       CATERING_NON_COMPLIANT),
        tally_case("two_key_failed_rate_97_7",          (2, 42, 1, 0),   Non,       CATERING_NON_COMPLIANT),
        tally_case("eleven_key_failed",                 (11, 43, 0, 0),  Non,       CATERING_NON_COMPLIANT),
        tally_case("one_general_failed_rate_97_7",      (0, 42, 1, 0),   Basic,     CATERING_BASICALLY),
        tally_case("rate_99_of_100",                    (0, 99, 1, 0),   Basic,     CATERING_BASICALLY),
        tally_case("one_key_failed_rate_97_7",          (1, 42, 1, 0),   Basic,     CATERING_BASICALLY),
        tally_case("rate_exactly_70_of_40",             (0, 28, 12, 3),  Basic,     CATERING_BASICALLY),
        tally_case("rate_exactly_70_of_10",             (0, 7, 3, 33),   Basic,     CATERING_BASICALLY),
        tally_case("rate_exactly_70_of_100",            (0, 70, 30, 0),  Basic,     CATERING_BASICALLY),
        tally_case("one_key_failed_rate_exactly_70",    (1, 28, 12, 3),  Basic,     CATERING_BASICALLY),
        tally_case("two_key_failed_rate_exactly_70",    (2, 28, 12, 3),  Non,       CATERING_NON_COMPLIANT),
        tally_case("rate_72_1_just_above_70",           (0, 31, 12, 0),  Basic,     CATERING_BASICALLY),
        tally_case("rate_69_8_just_below_70",           (0, 30, 13, 0),  Non,       CATERING_NON_COMPLIANT),
        tally_case("rate_69_of_100",                    (0, 69, 31, 0),  Non,       CATERING_NON_COMPLIANT),
        tally_case("rate_67_5_of_40",                   (0, 27, 13, 3),  Non,       CATERING_NON_COMPLIANT),
        tally_case("rate_60_of_10",                     (0, 6, 4, 33),   Non,       CATERING_NON_COMPLIANT),
        tally_case("one_key_failed_rate_69_8",          (1, 30, 13, 0),  Non,       CATERING_NON_COMPLIANT),
        tally_case("only_applicable_general_failed",    (0, 0, 1, 42),   Non,       CATERING_NON_COMPLIANT),
        tally_case("everything_failed",                 (11, 0, 43, 0),  Non,       CATERING_NON_COMPLIANT),
    ];
    check_tally_cases(&rule, &cases);
}

#[test]
fn catering_marks_table() {
    use Outcome::{BasicallyCompliant as Basic, Compliant, NonCompliant as Non};
    let book = RuleBook::builtin();

    // catering-daily@1 has 11 key and 43 general items.
    // (key 否, key 合理缺项, general 否, general 合理缺项), (general passed, general applicable)
    #[rustfmt::skip]
    let cases = [
        marks_case("all_yes",                           (0, 0, 0, 0),   (43, 43), Compliant, NONE_FAILED),
        marks_case("all_key_not_applicable",            (0, 11, 0, 0),  (43, 43), Compliant, NONE_FAILED),
        marks_case("all_general_not_applicable",        (0, 0, 0, 43),  (0, 0),   Compliant, NONE_FAILED),
        marks_case("gap_one_key_failed_rate_100",       (1, 0, 0, 0),   (43, 43), Basic,     UNMATCHED),
        marks_case("gap_one_key_failed_general_all_na", (1, 0, 0, 43),  (0, 0),   Basic,     UNMATCHED),
        marks_case("two_key_failed_rate_100",           (2, 0, 0, 0),   (43, 43), Non,       CATERING_NON_COMPLIANT),
        marks_case("all_key_failed_rate_100",           (11, 0, 0, 0),  (43, 43), Non,       CATERING_NON_COMPLIANT),
        marks_case("one_general_failed",                (0, 0, 1, 0),   (42, 43), Basic,     CATERING_BASICALLY),
        marks_case("one_key_one_general_failed",        (1, 0, 1, 0),   (42, 43), Basic,     CATERING_BASICALLY),
        marks_case("rate_72_1_just_above_70",           (0, 0, 12, 0),  (31, 43), Basic,     CATERING_BASICALLY),
        marks_case("rate_69_8_just_below_70",           (0, 0, 13, 0),  (30, 43), Non,       CATERING_NON_COMPLIANT),
        marks_case("rate_exactly_70_with_3_na",         (0, 0, 12, 3),  (28, 40), Basic,     CATERING_BASICALLY),
        marks_case("rate_67_5_with_3_na",               (0, 0, 13, 3),  (27, 40), Non,       CATERING_NON_COMPLIANT),
        marks_case("one_key_rate_exactly_70",           (1, 0, 12, 3),  (28, 40), Basic,     CATERING_BASICALLY),
        marks_case("two_key_rate_exactly_70",           (2, 0, 12, 3),  (28, 40), Non,       CATERING_NON_COMPLIANT),
        marks_case("rate_exactly_70_of_10",             (0, 0, 3, 33),  (7, 10),  Basic,     CATERING_BASICALLY),
        marks_case("rate_60_of_10",                     (0, 0, 4, 33),  (6, 10),  Non,       CATERING_NON_COMPLIANT),
        marks_case("only_applicable_general_failed",    (0, 0, 1, 42),  (0, 1),   Non,       CATERING_NON_COMPLIANT),
        marks_case("everything_failed",                 (11, 0, 43, 0), (0, 43),  Non,       CATERING_NON_COMPLIANT),
    ];
    check_marks_cases(&book, "catering-daily", &cases);
}

#[test]
fn sales_tally_table() {
    use Outcome::{BasicallyCompliant as Basic, Compliant, NonCompliant as Non};
    let book = RuleBook::builtin();
    let rule = rule(&book, "production-sales-2016");

    // (key failed, general passed, general failed, general 合理缺项)
    #[rustfmt::skip]
    let cases = [
        tally_case("nothing_failed",               (0, 22, 0, 0),  Compliant, NONE_FAILED),
        tally_case("all_general_not_applicable",   (0, 0, 0, 22),  Compliant, NONE_FAILED),
        tally_case("one_general_failed",           (0, 21, 1, 0),  Basic,     SALES_BASICALLY),
        tally_case("eight_general_failed",         (0, 14, 8, 0),  Basic,     SALES_BASICALLY),
        tally_case("eight_general_failed_rest_na", (0, 0, 8, 14),  Basic,     SALES_BASICALLY),
        tally_case("nine_general_failed",          (0, 13, 9, 0),  Non,       SALES_NON_COMPLIANT),
        tally_case("all_general_failed",           (0, 0, 22, 0),  Non,       SALES_NON_COMPLIANT),
        tally_case("one_key_failed",               (1, 22, 0, 0),  Non,       SALES_NON_COMPLIANT),
        tally_case("one_key_eight_general_failed", (1, 14, 8, 0),  Non,       SALES_NON_COMPLIANT),
        tally_case("two_key_failed",               (2, 22, 0, 0),  Non,       SALES_NON_COMPLIANT),
    ];
    check_tally_cases(&rule, &cases);
}

#[test]
fn sales_marks_table() {
    use Outcome::{BasicallyCompliant as Basic, Compliant, NonCompliant as Non};
    let book = RuleBook::builtin();

    // sales-daily@1 has 11 key and 22 general items.
    // (key 否, key 合理缺项, general 否, general 合理缺项), (general passed, general applicable)
    #[rustfmt::skip]
    let cases = [
        marks_case("all_yes",                      (0, 0, 0, 0),   (22, 22), Compliant, NONE_FAILED),
        marks_case("all_not_applicable",           (0, 11, 0, 22), (0, 0),   Compliant, NONE_FAILED),
        marks_case("one_general_failed",           (0, 0, 1, 0),   (21, 22), Basic,     SALES_BASICALLY),
        marks_case("eight_general_failed",         (0, 0, 8, 0),   (14, 22), Basic,     SALES_BASICALLY),
        marks_case("eight_general_failed_rest_na", (0, 0, 8, 14),  (0, 8),   Basic,     SALES_BASICALLY),
        marks_case("nine_general_failed",          (0, 0, 9, 0),   (13, 22), Non,       SALES_NON_COMPLIANT),
        marks_case("all_general_failed",           (0, 0, 22, 0),  (0, 22),  Non,       SALES_NON_COMPLIANT),
        marks_case("one_key_failed",               (1, 0, 0, 0),   (22, 22), Non,       SALES_NON_COMPLIANT),
        marks_case("one_key_eight_general_failed", (1, 0, 8, 0),   (14, 22), Non,       SALES_NON_COMPLIANT),
        marks_case("one_key_failed_others_na",     (1, 10, 0, 22), (0, 0),   Non,       SALES_NON_COMPLIANT),
    ];
    check_marks_cases(&book, "sales-daily", &cases);
}

#[test]
fn gap_is_basically_compliant_by_default() {
    let book = RuleBook::builtin();
    let rule = rule(&book, "catering-2016");

    let evaluation = rule.evaluate(&tally(1, 43, 0, 0));

    assert_eq!(evaluation.outcome, Outcome::BasicallyCompliant);
    assert_eq!(evaluation.band, UNMATCHED);
    assert_eq!(evaluation.band_description_zh, rule.unmatched.description_zh);
    assert_eq!(evaluation.consequence_zh, rule.consequences.basically_compliant);
}

#[test]
fn gap_outcome_comes_from_rule_data() {
    let mut json: serde_json::Value = serde_json::from_str(CATERING_RULE_JSON).unwrap();
    json["unmatched"]["outcome"] = serde_json::json!("non_compliant");
    let strict = OutcomeRule::from_json("catering-2016.strict.json", &json.to_string()).unwrap();

    let gap = strict.evaluate(&tally(1, 43, 0, 0));
    assert_eq!(gap.outcome, Outcome::NonCompliant);
    assert_eq!(gap.band, UNMATCHED);
    assert_eq!(gap.consequence_zh, strict.consequences.non_compliant);

    // Only the gap changes: every band still decides as before.
    let clean = strict.evaluate(&tally(0, 43, 0, 0));
    assert_eq!(clean.outcome, Outcome::Compliant);
    assert_eq!(clean.band, NONE_FAILED);
    let one_key_rate_70 = strict.evaluate(&tally(1, 28, 12, 3));
    assert_eq!(one_key_rate_70.outcome, Outcome::BasicallyCompliant);
    assert_eq!(one_key_rate_70.band, CATERING_BASICALLY);
}

#[test]
fn not_applicable_is_excluded_from_pass_rate() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    // 28 passed, 12 failed, 3 合理缺项: 28/40 = 70%, where counting 合理缺项 as checked gives 28/43.
    let answers = marks(&template, 0, 0, 12, 3);
    let tally = Tally::count(&template, |id| answers.get(id).copied());

    assert_eq!(tally.general_checked, 43);
    assert_eq!(tally.general_not_applicable, 3);
    assert_eq!(tally.general_applicable(), 40);
    assert_eq!(tally.general_pass_percent(), 70.0);
    assert_eq!(
        book.rule_for(&template).unwrap().evaluate(&tally).outcome,
        Outcome::BasicallyCompliant
    );
}

#[test]
fn all_general_not_applicable_rates_100_percent() {
    let tally = tally(0, 0, 0, 43);

    assert_eq!(tally.general_applicable(), 0);
    assert_eq!(tally.general_pass_percent(), 100.0);
}

#[test]
fn unanswered_items_are_not_checked() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    let mut answers = marks(&template, 0, 0, 3, 0);
    let unmarked: Vec<String> = template
        .items
        .iter()
        .filter(|i| !i.key)
        .skip(40)
        .map(|i| i.id.clone())
        .collect();
    for id in &unmarked {
        answers.remove(id);
    }

    let tally = Tally::count(&template, |id| answers.get(id).copied());

    assert_eq!(unmarked.len(), 3);
    assert_eq!(tally.unanswered, 3);
    assert_eq!(tally.general_checked, 40);
    assert_eq!(tally.general_applicable(), 40);
    assert_eq!(tally.general_passed, 37);
}

/// A small checklist whose items 1 (key) and 3 (general) are phrased so that 否 is the compliant answer.
fn template_with_expected_no() -> ChecklistTemplate {
    let item = |id: &str, key: bool, expected: Answer| ChecklistItem {
        id: id.to_owned(),
        category: "场所环境".to_owned(),
        text: format!("检查项 {id}"),
        key,
        expected,
        source: String::new(),
    };
    ChecklistTemplate {
        id: "expected-no".to_owned(),
        version: 1,
        title: "含预期为否的检查项".to_owned(),
        business_types: vec!["catering".to_owned()],
        outcome_rule: RuleRef {
            id: "catering-2016".to_owned(),
            version: 1,
        },
        source: String::new(),
        items: vec![
            item("X-01", true, Answer::No),
            item("X-02", true, Answer::Yes),
            item("X-03", false, Answer::No),
            item("X-04", false, Answer::Yes),
        ],
    }
}

#[test]
fn no_on_item_expecting_no_passes() {
    let book = RuleBook::builtin();
    let rule = rule(&book, "catering-2016");
    let template = template_with_expected_no();
    let answers: HashMap<&str, Answer> = HashMap::from([
        ("X-01", Answer::No),
        ("X-02", Answer::Yes),
        ("X-03", Answer::No),
        ("X-04", Answer::Yes),
    ]);

    let tally = Tally::count(&template, |id| answers.get(id).copied());
    let evaluation = rule.evaluate(&tally);

    assert_eq!(tally.key_failed, 0);
    assert_eq!(tally.general_failed, 0);
    assert_eq!(tally.general_passed, 2);
    assert_eq!(evaluation.outcome, Outcome::Compliant);
    assert_eq!(evaluation.band, NONE_FAILED);
}

#[test]
fn yes_on_item_expecting_no_fails() {
    let book = RuleBook::builtin();
    let rule = rule(&book, "catering-2016");
    let template = template_with_expected_no();
    let answers: HashMap<&str, Answer> = HashMap::from([
        ("X-01", Answer::Yes),
        ("X-02", Answer::Yes),
        ("X-03", Answer::Yes),
        ("X-04", Answer::Yes),
    ]);

    let tally = Tally::count(&template, |id| answers.get(id).copied());
    let evaluation = rule.evaluate(&tally);

    assert_eq!(tally.failed_key_items, vec!["X-01".to_owned()]);
    assert_eq!(tally.failed_general_items, vec!["X-03".to_owned()]);
    assert_eq!(tally.general_passed, 1);
    assert_eq!(tally.general_applicable(), 2);
    // One key item failed and a 50% pass rate.
    assert_eq!(evaluation.outcome, Outcome::NonCompliant);
    assert_eq!(evaluation.band, CATERING_NON_COMPLIANT);
}

#[test]
fn not_applicable_on_item_expecting_no_is_excluded() {
    let template = template_with_expected_no();
    let answers: HashMap<&str, Answer> = HashMap::from([
        ("X-01", Answer::NotApplicable),
        ("X-02", Answer::Yes),
        ("X-03", Answer::NotApplicable),
        ("X-04", Answer::Yes),
    ]);

    let tally = Tally::count(&template, |id| answers.get(id).copied());

    assert_eq!(tally.key_not_applicable, 1);
    assert_eq!(tally.key_failed, 0);
    assert_eq!(tally.general_not_applicable, 1);
    assert_eq!(tally.general_applicable(), 1);
    assert_eq!(tally.general_passed, 1);
}

#[test]
fn consequence_follows_outcome() {
    let book = RuleBook::builtin();
    let rule = rule(&book, "catering-2016");

    let compliant = rule.evaluate(&tally(0, 43, 0, 0));
    let basically = rule.evaluate(&tally(0, 42, 1, 0));
    let non = rule.evaluate(&tally(2, 43, 0, 0));

    assert_eq!(compliant.consequence_zh, "通过");
    assert_eq!(basically.consequence_zh, "书面限期整改");
    assert_eq!(non.consequence_zh, rule.consequences.non_compliant);
    assert_eq!(non.band_description_zh, rule.bands[1].description_zh);
}

fn evaluate_marks(
    book: &RuleBook,
    template: &ChecklistTemplate,
    answers: &HashMap<String, Answer>,
) -> Evaluation {
    let tally = Tally::count(template, |id| answers.get(id).copied());
    book.rule_for(template).unwrap().evaluate(&tally)
}

#[test]
fn reason_names_failed_key_items() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    let answers = marks(&template, 2, 0, 12, 0);

    let evaluation = evaluate_marks(&book, &template, &answers);
    let reason = evaluation.reason_zh();

    assert_eq!(
        evaluation.tally.failed_key_items,
        vec!["C03-01".to_owned(), "C03-02".to_owned()]
    );
    assert!(reason.contains("重点项不合格 2 项"), "reason: {reason}");
    assert!(reason.contains("C03-01、C03-02"), "reason: {reason}");
    assert!(reason.contains("72.1%"), "reason: {reason}");
    assert!(reason.contains("31/43"), "reason: {reason}");
    assert!(reason.contains("不合格 12 项"), "reason: {reason}");
    assert!(reason.contains("catering-2016"), "reason: {reason}");
    assert!(
        reason.contains(&evaluation.band_description_zh),
        "reason: {reason}"
    );
}

#[test]
fn reason_without_failed_key_items() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    let answers = marks(&template, 0, 0, 12, 3);

    let reason = evaluate_marks(&book, &template, &answers).reason_zh();

    assert!(reason.contains("重点项全部合格"), "reason: {reason}");
    assert!(reason.contains("70.0%"), "reason: {reason}");
    assert!(reason.contains("28/40"), "reason: {reason}");
}

#[test]
fn reason_shows_100_percent_when_nothing_applies() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    let answers = marks(&template, 1, 0, 0, 43);

    let reason = evaluate_marks(&book, &template, &answers).reason_zh();

    assert!(reason.contains("C03-01"), "reason: {reason}");
    assert!(reason.contains("100.0%"), "reason: {reason}");
    assert!(reason.contains("0/0"), "reason: {reason}");
}

#[test]
fn inspection_evaluates_with_its_template_rule() {
    let book = RuleBook::builtin();
    let template = template(&book, "catering-daily");
    let by = UserId(Uuid::from_u128(1));
    let answers = marks(&template, 1, 0, 12, 3)
        .into_iter()
        .map(|(id, answer)| {
            let current = AnswerRecord {
                answer,
                remark: String::new(),
                photos: Vec::new(),
                by,
                at_ms: 0,
            };
            (
                id,
                ItemState {
                    current,
                    conflicts: Vec::new(),
                },
            )
        })
        .collect();
    let inspection = Inspection {
        id: InspectionId(Uuid::from_u128(2)),
        shop_id: ShopId::from_licence("JY11201010000001"),
        template: template.reference(),
        kind: InspectionKind::Daily,
        inspectors: Vec::new(),
        started_at_ms: 0,
        device_utc_offset_min: 480,
        answers,
        rectifications: Default::default(),
        signature: None,
        submission: None,
    };

    let evaluation = inspection.evaluate(&book).unwrap();

    assert_eq!(evaluation.rule_id, "catering-2016");
    assert_eq!(evaluation.outcome, Outcome::BasicallyCompliant);
    assert_eq!(evaluation.band, CATERING_BASICALLY);
    assert_eq!(evaluation.tally.general_applicable(), 40);
}
