//! Table tests of risk grading, the annual plan and 双随机 draws on the built-in risk tables.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use foodpatrol_shared::draw::{self, DrawError, DrawInputs, LevelPool};
use foodpatrol_shared::ids::{ShopId, UserId};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::plan::{self, PlanError, PlanInspector, PlanShop, Recusal};
use foodpatrol_shared::risk::{
    self, InspectionFacts, NewShopRule, RiskEventFacts, RiskLevel, RiskTable, RiskTableError,
};
use foodpatrol_shared::shop::{BusinessType, Serves, Shop};
use uuid::Uuid;

fn tianjin() -> RiskTable {
    risk::builtin_table("tianjin-catering-2017").expect("built-in Tianjin table")
}

fn national() -> RiskTable {
    risk::builtin_table("national-2016").expect("built-in national table")
}

fn shop(business_type: BusinessType, area: Option<u32>, meals: Option<u32>, serves: Serves) -> Shop {
    Shop {
        id: ShopId::from_licence(&format!(
            "JY-{}-{area:?}-{meals:?}-{}",
            business_type.code(),
            serves.code()
        )),
        licence_no: "JY1".into(),
        name: "测试店".into(),
        address: "和平路 1 号".into(),
        street: "劝业场".into(),
        business_type: business_type.code().into(),
        area_m2: area,
        meals_per_day: meals,
        serves,
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn inspection(id: &str, on: &str, outcome: Outcome, key_failed: u32, general_failed: u32) -> InspectionFacts {
    InspectionFacts {
        id: id.into(),
        date: date(on),
        outcome,
        key_failed,
        general_failed,
    }
}

fn static_points(table: &RiskTable, shop: &Shop) -> i64 {
    table.static_factors(shop).unwrap().iter().map(|f| f.points).sum()
}

#[test]
fn builtin_tables_load_and_validate() {
    let tables = risk::builtin_tables();
    let ids: BTreeSet<&str> = tables.iter().map(|t| t.id.as_str()).collect();
    assert!(ids.contains("national-2016"));
    assert!(ids.contains("tianjin-catering-2017"));
    for table in &tables {
        assert_eq!(table.static_cap, 40, "{}", table.id);
        assert_eq!(table.dynamic_cap, 60, "{}", table.id);
        for code in BusinessType::ALL.map(|b| b.code()) {
            assert!(
                table.business_types.iter().any(|b| b.code == code),
                "{} lacks {code}",
                table.id
            );
        }
    }
}

#[test]
fn area_bands_give_2_to_10_points() {
    let table = tianjin();
    let base = static_points(
        &table,
        &shop(BusinessType::Catering, Some(1), None, Serves::General),
    ) - 2;
    for (area, points) in [
        (0, 2),
        (150, 2),
        (151, 4),
        (500, 4),
        (501, 6),
        (1000, 6),
        (1001, 8),
        (3000, 8),
        (3001, 10),
        (20_000, 10),
    ] {
        let s = shop(BusinessType::Catering, Some(area), None, Serves::General);
        assert_eq!(static_points(&table, &s) - base, points, "area {area} m²");
    }
}

#[test]
fn meals_bands_give_2_to_10_points() {
    let table = tianjin();
    let base = static_points(
        &table,
        &shop(BusinessType::GroupMeal, None, Some(1), Serves::Workers),
    ) - 2;
    for (meals, points) in [
        (1, 2),
        (50, 2),
        (51, 4),
        (300, 4),
        (301, 7),
        (500, 7),
        (501, 10),
        (5000, 10),
    ] {
        let s = shop(BusinessType::GroupMeal, None, Some(meals), Serves::Workers);
        assert_eq!(static_points(&table, &s) - base, points, "meals {meals}");
    }
}

#[test]
fn vulnerable_people_score_highest() {
    let table = tianjin();
    let points = |serves| static_points(&table, &shop(BusinessType::Catering, Some(100), None, serves));
    let general = points(Serves::General);
    let workers = points(Serves::Workers);
    for serves in [Serves::Students, Serves::Patients, Serves::Elderly] {
        assert!(points(serves) > workers, "{serves:?} above workers");
        assert!(points(serves) > general, "{serves:?} above the public");
    }
}

#[test]
fn static_score_is_capped_at_40() {
    let mut table = tianjin();
    table.business_types.iter_mut().for_each(|b| b.points = 30);
    let s = shop(BusinessType::SchoolCanteen, None, Some(900), Serves::Students);
    let grade = table.grade(&s, &[], &[]).unwrap();
    assert_eq!(grade.static_score, 40);
    let cap = grade
        .explanation
        .factors
        .iter()
        .find(|f| f.code == "static_cap")
        .expect("cap line");
    assert_eq!(cap.points, -10, "30 + 10 + 10 capped at 40");
}

#[test]
fn missing_size_counts_as_lowest_band() {
    let table = tianjin();
    let s = shop(BusinessType::Catering, None, None, Serves::General);
    let factors = table.static_factors(&s).unwrap();
    let area = factors
        .iter()
        .find(|f| f.code.starts_with("area:"))
        .expect("area factor");
    assert_eq!(area.points, 2);
    assert!(area.label_zh.contains("未登记"), "{}", area.label_zh);
}

#[test]
fn level_cutoffs_at_every_boundary() {
    let table = tianjin();
    for (score, level) in [
        (0, RiskLevel::A),
        (30, RiskLevel::A),
        (31, RiskLevel::B),
        (45, RiskLevel::B),
        (46, RiskLevel::C),
        (60, RiskLevel::C),
        (61, RiskLevel::D),
        (100, RiskLevel::D),
    ] {
        assert_eq!(table.level_for(score), level, "score {score}");
    }
}

#[test]
fn cutoffs_are_configurable() {
    let mut table = tianjin();
    table.levels[0].max_score = Some(20);
    assert_eq!(table.level_for(21), RiskLevel::B);
    table.levels[1].max_score = Some(10);
    assert!(matches!(table.validate(), Err(RiskTableError::Invalid { .. })));
}

#[test]
fn dynamic_points_follow_the_results() {
    let table = tianjin();
    let s = shop(BusinessType::Catering, Some(100), None, Serves::General);
    let cases = [
        (Outcome::Compliant, 0, 0, 0),
        (Outcome::BasicallyCompliant, 1, 2, 15 + 8 + 2),
        (Outcome::NonCompliant, 2, 5, 35 + 16 + 5),
        (Outcome::NonCompliant, 6, 20, 60),
    ];
    for (outcome, key, general, expected) in cases {
        let grade = table
            .grade(&s, &[inspection("i1", "2025-05-01", outcome, key, general)], &[])
            .unwrap();
        assert_eq!(
            grade.dynamic_score, expected,
            "{outcome:?} {key} key {general} general"
        );
    }
}

#[test]
fn dynamic_score_is_the_rounded_mean() {
    let table = tianjin();
    let s = shop(BusinessType::Catering, Some(100), None, Serves::General);
    let inspections = [
        inspection("i1", "2025-03-01", Outcome::BasicallyCompliant, 0, 1),
        inspection("i2", "2025-09-01", Outcome::Compliant, 0, 0),
    ];
    let grade = table.grade(&s, &inspections, &[]).unwrap();
    assert_eq!(grade.dynamic_score, 8, "(16 + 0) / 2");
    let mean = grade
        .explanation
        .factors
        .iter()
        .find(|f| f.code == "mean")
        .expect("mean line");
    assert_eq!(mean.points, -8);
}

#[test]
fn new_shop_graded_on_static_alone() {
    let table = tianjin();
    assert_eq!(table.new_shop, NewShopRule::StaticOnly);
    let canteen = shop(BusinessType::SchoolCanteen, None, Some(800), Serves::Students);
    let grade = table.grade(&canteen, &[], &[]).unwrap();
    assert!(grade.explanation.new_shop);
    assert_eq!(grade.dynamic_score, 0);
    assert_eq!(grade.score, grade.static_score);
    assert_eq!(grade.score, 32, "12 + 10 + 10");
    assert_eq!(grade.level, RiskLevel::B);

    let kiosk = shop(BusinessType::Retail, Some(20), None, Serves::General);
    assert_eq!(table.grade(&kiosk, &[], &[]).unwrap().level, RiskLevel::A);
}

#[test]
fn new_shop_scaled_to_100_when_configured() {
    let mut table = tianjin();
    table.new_shop = NewShopRule::ScaledTo100;
    let canteen = shop(BusinessType::SchoolCanteen, None, Some(800), Serves::Students);
    let grade = table.grade(&canteen, &[], &[]).unwrap();
    assert_eq!(grade.score, 80, "32 × 100 / 40");
    assert_eq!(grade.level, RiskLevel::D);
}

#[test]
fn raise_rules_add_steps_up_to_d() {
    let table = tianjin();
    let s = shop(BusinessType::Retail, Some(20), None, Serves::General);
    let event = |code: &str| RiskEventFacts {
        code: code.into(),
        date: date("2025-06-01"),
    };
    let clean = table.grade(&s, &[], &[]).unwrap();
    assert_eq!(clean.level, RiskLevel::A);

    let one = table.grade(&s, &[], &[event("failed_sampling")]).unwrap();
    assert_eq!(one.level, RiskLevel::B);
    assert_eq!(one.raised_steps, 1);

    let two = table.grade(&s, &[], &[event("food_safety_incident")]).unwrap();
    assert_eq!(two.level, RiskLevel::C);
    assert_eq!(two.raised_steps, 2);

    let both = table
        .grade(
            &s,
            &[],
            &[event("failed_sampling"), event("food_safety_incident")],
        )
        .unwrap();
    assert_eq!(both.raised_steps, 2, "the largest raise, not the sum");
    assert_eq!(both.explanation.raises.len(), 2);

    let bad = [inspection("i1", "2025-05-01", Outcome::NonCompliant, 1, 3)];
    let at_c = table.grade(&s, &bad, &[]).unwrap();
    assert_eq!(at_c.level, RiskLevel::C, "score {}", at_c.score);
    let capped = table
        .grade(&s, &bad, &[event("deliberate_violation_punished")])
        .unwrap();
    assert_eq!(capped.level, RiskLevel::D);
    assert_eq!(capped.raised_steps, 1, "C raised by 2 stops at D");

    let worst = [inspection("i1", "2025-05-01", Outcome::NonCompliant, 6, 10)];
    let at_d = table
        .grade(&s, &worst, &[event("obstructing_inspection")])
        .unwrap();
    assert_eq!(at_d.level, RiskLevel::D);
    assert_eq!(at_d.raised_steps, 0);
}

#[test]
fn unknown_event_code_is_rejected() {
    let table = tianjin();
    let s = shop(BusinessType::Retail, Some(20), None, Serves::General);
    let error = table
        .grade(
            &s,
            &[],
            &[RiskEventFacts {
                code: "late_tax".into(),
                date: date("2025-01-01"),
            }],
        )
        .unwrap_err();
    assert!(error.to_string().contains("late_tax"), "{error}");
}

#[test]
fn explanation_sums_equal_the_score() {
    let table = tianjin();
    let shops = [
        shop(BusinessType::Catering, Some(700), None, Serves::General),
        shop(BusinessType::SchoolCanteen, None, Some(420), Serves::Students),
        shop(BusinessType::OnlineSales, None, None, Serves::General),
        shop(BusinessType::Supermarket, Some(4000), None, Serves::General),
    ];
    let histories: [Vec<InspectionFacts>; 4] = [
        vec![],
        vec![inspection("a", "2025-02-01", Outcome::NonCompliant, 2, 3)],
        vec![
            inspection("a", "2025-02-01", Outcome::BasicallyCompliant, 1, 0),
            inspection("b", "2025-05-01", Outcome::Compliant, 0, 0),
            inspection("c", "2025-11-01", Outcome::NonCompliant, 4, 12),
        ],
        vec![inspection("a", "2025-02-01", Outcome::NonCompliant, 9, 30)],
    ];
    for s in &shops {
        for history in &histories {
            let grade = table.grade(s, history, &[]).unwrap();
            let factors = &grade.explanation.factors;
            let total: i64 = factors.iter().map(|f| f.points).sum();
            let statics: i64 = factors
                .iter()
                .filter(|f| f.part == "static")
                .map(|f| f.points)
                .sum();
            let dynamics: i64 = factors
                .iter()
                .filter(|f| f.part == "dynamic")
                .map(|f| f.points)
                .sum();
            assert_eq!(
                total,
                i64::from(grade.score),
                "{} {}",
                s.business_type,
                history.len()
            );
            assert_eq!(statics, i64::from(grade.static_score));
            assert_eq!(dynamics, i64::from(grade.dynamic_score));
            assert!(
                factors
                    .iter()
                    .all(|f| !f.label_zh.is_empty() && !f.code.is_empty())
            );
        }
    }
}

#[test]
fn minimum_inspections_per_level() {
    let expected_tianjin = [
        (RiskLevel::A, 1),
        (RiskLevel::B, 2),
        (RiskLevel::C, 3),
        (RiskLevel::D, 4),
    ];
    let expected_national = [
        (RiskLevel::A, 1),
        (RiskLevel::B, 1),
        (RiskLevel::C, 2),
        (RiskLevel::D, 3),
    ];
    for (level, n) in expected_tianjin {
        assert_eq!(tianjin().min_inspections_for(level), n, "Tianjin {level}");
    }
    for (level, n) in expected_national {
        assert_eq!(national().min_inspections_for(level), n, "national {level}");
    }
}

#[test]
fn table_with_three_raise_steps_is_rejected() {
    let mut table = tianjin();
    table.raise_events[0].steps = 3;
    let error = table.validate().unwrap_err();
    assert!(error.to_string().contains("use 1 or 2"), "{error}");
}

// ---- plan ----

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}

fn plan_shop(n: u128, office: &str, level: RiskLevel, last_full: Option<&str>) -> PlanShop {
    PlanShop {
        shop_id: ShopId(Uuid::from_u128(1000 + n)),
        office: office.into(),
        level,
        last_full_inspection: last_full.map(date),
    }
}

fn office_staff(office: &str, first: u128, n: u128) -> Vec<PlanInspector> {
    (first..first + n)
        .map(|i| PlanInspector {
            id: user(i),
            name: format!("检查员{i}"),
            office: office.into(),
        })
        .collect()
}

#[test]
fn plan_meets_level_minimum_and_spreads_periods() {
    let table = tianjin();
    let shops: Vec<PlanShop> = RiskLevel::ALL
        .iter()
        .enumerate()
        .map(|(i, level)| plan_shop(i as u128, "南市市场监管所", *level, Some("2025-06-01")))
        .collect();
    let staff = office_staff("南市市场监管所", 1, 4);
    let visits = plan::plan_year(2026, &table, &shops, &staff, &[]).unwrap();
    for shop in &shops {
        let mine: Vec<_> = visits.iter().filter(|v| v.shop_id == shop.shop_id).collect();
        assert_eq!(
            mine.len() as u32,
            table.min_inspections_for(shop.level),
            "{:?}",
            shop.level
        );
        for visit in &mine {
            assert!(
                visit.due >= visit.period_start && visit.due <= visit.period_end,
                "{visit:?}"
            );
            assert_ne!(visit.inspectors[0], visit.inspectors[1]);
        }
        assert_eq!(mine.iter().filter(|v| v.full_checklist).count(), 1);
    }
}

#[test]
fn plan_due_before_two_year_deadline() {
    let table = tianjin();
    let shops = [
        plan_shop(1, "o", RiskLevel::A, Some("2024-03-10")),
        plan_shop(2, "o", RiskLevel::A, Some("2023-01-05")),
        plan_shop(3, "o", RiskLevel::A, None),
    ];
    let visits = plan::plan_year(2026, &table, &shops, &office_staff("o", 1, 2), &[]).unwrap();
    let of = |n: usize| visits.iter().find(|v| v.shop_id == shops[n].shop_id).unwrap();
    assert!(of(0).due <= date("2026-03-09"), "due {}", of(0).due);
    assert!(!of(0).full_check_overdue);
    assert!(of(1).full_check_overdue);
    assert!(of(1).due < date("2026-01-31"), "due {}", of(1).due);
    assert!(
        of(2).due < date("2026-01-31"),
        "never inspected: due {}",
        of(2).due
    );
}

#[test]
fn plan_is_deterministic_with_stable_ids() {
    let table = tianjin();
    let shops: Vec<PlanShop> = (0..50)
        .map(|i| plan_shop(i, "o", RiskLevel::ALL[(i % 4) as usize], None))
        .collect();
    let staff = office_staff("o", 1, 5);
    let first = plan::plan_year(2026, &table, &shops, &staff, &[]).unwrap();
    let second = plan::plan_year(2026, &table, &shops, &staff, &[]).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        first[0].id,
        plan::visit_id(first[0].shop_id, 2026, first[0].period)
    );
}

#[test]
fn plan_honours_recusals_and_balances_load() {
    let table = tianjin();
    let shops: Vec<PlanShop> = (0..200)
        .map(|i| plan_shop(i, "o", RiskLevel::ALL[(i % 4) as usize], None))
        .collect();
    let staff = office_staff("o", 1, 6);
    let recusals: Vec<Recusal> = (0..200)
        .step_by(3)
        .map(|i| Recusal {
            inspector: user(1 + (i % 6)),
            shop: shops[i as usize].shop_id,
        })
        .collect();
    let visits = plan::plan_year(2026, &table, &shops, &staff, &recusals).unwrap();
    for visit in &visits {
        for inspector in visit.inspectors {
            assert!(
                !recusals.contains(&Recusal {
                    inspector,
                    shop: visit.shop_id
                }),
                "recused inspector planned: {visit:?}"
            );
        }
    }
    let load = plan::load_per_inspector(&visits);
    let max = load.values().max().unwrap();
    let min = load.values().min().unwrap();
    assert!(max - min <= 2, "load spread {min}..{max}");
}

#[test]
fn plan_without_pair_names_the_shop() {
    let table = tianjin();
    let shops = [plan_shop(1, "o", RiskLevel::A, None)];
    let staff = office_staff("o", 1, 2);
    let recusals = [Recusal {
        inspector: user(1),
        shop: shops[0].shop_id,
    }];
    let error = plan::plan_year(2026, &table, &shops, &staff, &recusals).unwrap_err();
    assert!(
        matches!(error, PlanError::NoPair { eligible: 1, .. }),
        "{error:?}"
    );
}

// ---- draws ----

fn draw_inputs() -> DrawInputs {
    DrawInputs {
        year: 2026,
        pair_size: 2,
        pools: vec![
            LevelPool {
                level: RiskLevel::A,
                quota: 5,
                shops: (0..40).map(|i| ShopId(Uuid::from_u128(5000 + i))).collect(),
            },
            LevelPool {
                level: RiskLevel::C,
                quota: 3,
                shops: (0..6).map(|i| ShopId(Uuid::from_u128(6000 + i))).collect(),
            },
        ],
        inspectors: (1..=8).map(user).collect(),
        recusals: vec![Recusal {
            inspector: user(1),
            shop: ShopId(Uuid::from_u128(6000)),
        }],
    }
}

#[test]
fn draw_reruns_identically_from_seed() {
    let inputs = draw_inputs();
    let first = draw::run_draw("2026-03-01 公开摇号 48213", &inputs).unwrap();
    let second = draw::run_draw("2026-03-01 公开摇号 48213", &inputs).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.picks.len(), 8);
    let verification = draw::verify("2026-03-01 公开摇号 48213", &inputs, &first);
    assert!(verification.matches, "{:?}", verification.problems_zh);
}

#[test]
fn draw_respects_quotas_pairs_and_recusals() {
    let inputs = draw_inputs();
    for seed in ["a", "b", "c", "d", "e", "f", "g", "h"] {
        let result = draw::run_draw(seed, &inputs).unwrap();
        let per_level: BTreeMap<RiskLevel, usize> = result.picks.iter().fold(BTreeMap::new(), |mut m, p| {
            *m.entry(p.level).or_default() += 1;
            m
        });
        assert_eq!(per_level[&RiskLevel::A], 5, "seed {seed}");
        assert_eq!(per_level[&RiskLevel::C], 3, "seed {seed}");
        let shops: BTreeSet<ShopId> = result.picks.iter().map(|p| p.shop_id).collect();
        assert_eq!(shops.len(), 8, "no shop twice, seed {seed}");
        for pick in &result.picks {
            assert_eq!(pick.inspectors.len(), 2);
            assert_ne!(pick.inspectors[0], pick.inspectors[1]);
            if pick.shop_id == ShopId(Uuid::from_u128(6000)) {
                assert!(
                    !pick.inspectors.contains(&user(1)),
                    "recusal ignored, seed {seed}"
                );
            }
        }
    }
}

#[test]
fn draw_input_order_does_not_matter() {
    let inputs = draw_inputs();
    let mut shuffled = inputs.clone();
    shuffled.pools.reverse();
    shuffled.pools[1].shops.reverse();
    shuffled.inspectors.reverse();
    assert_eq!(inputs.digest_hex(), shuffled.digest_hex());
    assert_eq!(
        draw::run_draw("s", &inputs).unwrap(),
        draw::run_draw("s", &shuffled).unwrap()
    );
}

#[test]
fn changed_draw_input_is_detected() {
    let inputs = draw_inputs();
    let recorded = draw::run_draw("seed-1", &inputs).unwrap();
    let mut changed = inputs.clone();
    changed.pools[0].shops.pop();
    assert_ne!(changed.digest_hex(), inputs.digest_hex());
    let verification = draw::verify("seed-1", &changed, &recorded);
    assert!(!verification.matches);
    assert!(!verification.problems_zh.is_empty());

    let other_seed = draw::verify("seed-2", &inputs, &recorded);
    assert!(!other_seed.matches, "another seed gives other picks");

    let mut tampered = recorded;
    tampered.picks.swap(0, 1);
    assert!(!draw::verify("seed-1", &inputs, &tampered).matches);
}

#[test]
fn draw_canonical_text_is_published_form() {
    let text = draw_inputs().canonical_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "foodpatrol-draw-v1");
    assert_eq!(lines[1], "year:2026");
    assert_eq!(lines[2], "pair_size:2");
    assert!(lines[3].starts_with("level:A:quota:5:shops:00000000-0000-0000-0000-000000001388,"));
    assert!(lines[4].starts_with("level:C:quota:3:shops:"));
    assert!(lines[5].starts_with("inspectors:00000000-0000-0000-0000-000000000001,"));
    assert_eq!(
        lines[6],
        "recusals:00000000-0000-0000-0000-000000000001/00000000-0000-0000-0000-000000001770"
    );
}

#[test]
fn draw_stream_is_uniform_enough() {
    let mut stream = draw::DrawStream::new("uniform", &[7u8; 32]);
    let mut counts = [0u32; 6];
    for _ in 0..6000 {
        counts[stream.below(6) as usize] += 1;
    }
    for (value, count) in counts.iter().enumerate() {
        assert!(
            (850..=1150).contains(count),
            "value {value} drawn {count} times of 6000"
        );
    }
}

#[test]
fn draw_rejects_bad_requests() {
    let inputs = draw_inputs();
    assert_eq!(draw::run_draw("", &inputs).unwrap_err(), DrawError::InvalidSeed);
    let mut pair = inputs.clone();
    pair.pair_size = 1;
    assert_eq!(
        draw::run_draw("s", &pair).unwrap_err(),
        DrawError::PairTooSmall(1)
    );
    let mut quota = inputs.clone();
    quota.pools[1].quota = 7;
    assert!(matches!(
        draw::run_draw("s", &quota).unwrap_err(),
        DrawError::QuotaTooLarge { available: 6, .. }
    ));
    let mut few = inputs;
    few.inspectors = vec![user(1), user(2)];
    // Every C shop is drawn, so the shop that recuses inspector 1 is among them.
    few.pools[1].quota = 6;
    assert!(matches!(
        draw::run_draw("s", &few).unwrap_err(),
        DrawError::NotEnoughInspectors { eligible: 1, .. }
    ));
}
