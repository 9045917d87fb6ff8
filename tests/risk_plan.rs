//! Risk grading, the annual plan and 双随机 draws against the real server over HTTP.
//!
//! The plan of the whole demo district meets every level's minimum and the two-year
//! full-checklist rule. A draw re-runs from its seed, and the public verify endpoint detects a
//! changed input. An inspector's device contains only the shops of its own visits.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;

use chrono::{Months, NaiveDate};
use foodpatrol_server::district::DistrictSpec;
use foodpatrol_server::risk::draws::DrawView;
use foodpatrol_server::risk::grading::GradingSummary;
use foodpatrol_server::risk::planning::PlanSummary;
use foodpatrol_server::risk::synthetic;
use foodpatrol_server::seed;
use foodpatrol_server::store::{NewUser, UserRecord};
use foodpatrol_shared::draw;
use foodpatrol_shared::risk::{self, RiskLevel};
use foodpatrol_shared::role::Role;
use foodpatrol_tests::{TestDevice, TestServer, api_error, register};
use serde_json::{Value, json};

const YEAR: i32 = 2026;

async fn post(url: String, token: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request reaches the server")
}

/// Writes a year of synthetic inspection results for every shop into the server's database.
fn insert_evidence(
    database: &std::path::Path,
    shops: &[foodpatrol_shared::shop::Shop],
) -> synthetic::SyntheticSummary {
    let mut conn = rusqlite::Connection::open(database).expect("server db opens for writing");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout sets");
    synthetic::insert_year(&mut conn, shops, YEAR - 1, 7).expect("synthetic inspections insert")
}

async fn grade_and_plan(url: &str, token: &str) -> (GradingSummary, PlanSummary) {
    let graded = post(format!("{url}/v1/risk/grades/{YEAR}"), token, &json!({})).await;
    assert_eq!(graded.status(), 200, "grading");
    let graded: GradingSummary = graded.json().await.expect("grading summary");
    let planned = post(format!("{url}/v1/plan/{YEAR}"), token, &json!({})).await;
    assert_eq!(planned.status(), 200, "planning");
    (graded, planned.json().await.expect("plan summary"))
}

/// Returns every planned visit: shop id → list of (due date, full checklist).
fn planned(db: &rusqlite::Connection) -> BTreeMap<String, Vec<(NaiveDate, bool)>> {
    let mut stmt = db
        .prepare(
            "SELECT p.shop_id, a.due, p.full_checklist FROM planned_visits p JOIN assignments a ON a.id = p.assignment_id
             WHERE p.year = ?1 AND p.draw_id IS NULL",
        )
        .unwrap();
    let rows = stmt
        .query_map([YEAR], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })
        .unwrap();
    let mut out: BTreeMap<String, Vec<(NaiveDate, bool)>> = BTreeMap::new();
    for row in rows {
        let (shop, due, full) = row.unwrap();
        out.entry(shop).or_default().push((due.parse().unwrap(), full));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heping_plan_meets_minimums_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let state =
        foodpatrol_server::open_embedded(&dir.path().join("server"), foodpatrol_server::DEFAULT_TIME_ZONE)
            .expect("server data opens");
    let (district, _) = seed::seed_district(&state, &DistrictSpec::heping(), 0)
        .await
        .expect("heping seeds");
    assert_eq!(district.shops.len(), 7_889);
    let server = foodpatrol_server::serve(state, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let database = dir.path().join("server/foodpatrol.sqlite");
    let evidence = insert_evidence(&database, &district.shops);
    assert!(evidence.non_compliant > 0);

    let admin = register_at(&server.base_url(), "admin").await;
    let (graded, summary) = grade_and_plan(&server.base_url(), &admin).await;
    assert_eq!(graded.shops, 7_889, "every shop graded: {:?}", graded.skipped);
    for level in RiskLevel::ALL {
        assert!(
            graded.per_level[&level] > 0,
            "district has level {level}: {:?}",
            graded.per_level
        );
    }
    assert_eq!(summary.shops, 7_889);

    let table = risk::builtin_table(risk::DEFAULT_TABLE_ID).unwrap();
    let db = rusqlite::Connection::open(&database).unwrap();
    let levels: HashMap<String, RiskLevel> = db
        .prepare("SELECT shop_id, level FROM risk_grades WHERE year = ?1")
        .unwrap()
        .query_map([YEAR], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (shop, level) = r.unwrap();
            (shop, RiskLevel::parse(&level).unwrap())
        })
        .collect();
    let last_full: HashMap<String, NaiveDate> = db
        .prepare(
            "SELECT shop_id, MAX(report_date) FROM inspections WHERE status = 'submitted' AND kind != 'flight'
             GROUP BY shop_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (shop, date) = r.unwrap();
            (shop, date.parse().unwrap())
        })
        .collect();
    let visits = planned(&db);
    let year_end = NaiveDate::from_ymd_opt(YEAR, 12, 31).unwrap();
    let mut below_minimum = Vec::new();
    let mut coverage_gaps = Vec::new();
    for shop in &district.shops {
        let id = shop.id.to_string();
        let level = levels[&id];
        let mine = visits.get(&id).cloned().unwrap_or_default();
        if (mine.len() as u32) < table.min_inspections_for(level) {
            below_minimum.push((id.clone(), level, mine.len()));
        }
        // The full-checklist visit is due before the two-year deadline, or within the year when
        // the deadline is later, or within the first 30 days when it has passed.
        let overdue_window_end = NaiveDate::from_ymd_opt(YEAR, 1, 30).unwrap();
        let deadline = match last_full.get(&id) {
            Some(date) => date
                .checked_add_months(Months::new(24))
                .unwrap()
                .pred_opt()
                .unwrap(),
            None => overdue_window_end,
        };
        let deadline = deadline.max(overdue_window_end).min(year_end);
        if !mine.iter().any(|(due, full)| *full && *due <= deadline) {
            coverage_gaps.push((id, last_full.get(&shop.id.to_string()).copied(), mine));
        }
    }
    assert!(
        below_minimum.is_empty(),
        "{} shops below their level's minimum: {:?}",
        below_minimum.len(),
        &below_minimum[..below_minimum.len().min(5)]
    );
    assert!(
        coverage_gaps.is_empty(),
        "{} shops miss the two-year full check: {:?}",
        coverage_gaps.len(),
        &coverage_gaps[..coverage_gaps.len().min(5)]
    );
    assert!(summary.full_check_overdue > 0, "overdue shops are planned early");

    // The console page shows the plan's visits per level.
    let cookie = foodpatrol_tests::console_cookie(&server.base_url(), "admin").await;
    let page =
        foodpatrol_tests::console_page(&format!("{}/console/risk/{YEAR}", server.base_url()), &cookie).await;
    let d_visits = summary.per_level_visits[&RiskLevel::D];
    assert!(
        page.contains(&format!(
            "data-level=\"D\"><th>{}</th><td>{}</td><td>{d_visits}</td>",
            RiskLevel::D.label_zh(),
            graded.per_level[&RiskLevel::D]
        )),
        "D row of the plan page: {page}"
    );

    // Load is balanced within each office.
    let loads: Vec<(String, i64)> = db
        .prepare(
            "SELECT u.office, COUNT(*) FROM assignment_inspectors ai JOIN users u ON u.id = ai.user_id
             JOIN planned_visits p ON p.assignment_id = ai.assignment_id WHERE p.year = ?1 GROUP BY ai.user_id",
        )
        .unwrap()
        .query_map([YEAR], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(loads.len(), 48, "every inspector has visits");
    let mut per_office: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (office, load) in loads {
        let entry = per_office.entry(office).or_insert((i64::MAX, 0));
        entry.0 = entry.0.min(load);
        entry.1 = entry.1.max(load);
    }
    for (office, (min, max)) in per_office {
        assert!(max - min <= 1, "{office}: load {min}..{max}");
    }

    // Re-running the plan writes the same ids and nothing more.
    let assignments_before: i64 = db
        .query_row("SELECT COUNT(*) FROM assignments", [], |r| r.get(0))
        .unwrap();
    let seq_before: i64 = db
        .query_row("SELECT value FROM feed_seq", [], |r| r.get(0))
        .unwrap();
    let again = post(
        format!("{}/v1/plan/{YEAR}", server.base_url()),
        &admin,
        &json!({}),
    )
    .await;
    assert_eq!(again.status(), 200);
    let assignments_after: i64 = db
        .query_row("SELECT COUNT(*) FROM assignments", [], |r| r.get(0))
        .unwrap();
    let seq_after: i64 = db
        .query_row("SELECT value FROM feed_seq", [], |r| r.get(0))
        .unwrap();
    assert_eq!(assignments_after, assignments_before, "same assignment ids");
    assert_eq!(
        seq_after, seq_before,
        "an unchanged plan does not move the devices' feed"
    );
    server.shutdown().await.unwrap();
}

async fn register_at(url: &str, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{url}/v1/devices/register"))
        .json(&json!({"username": username, "password": seed::DEMO_PASSWORD, "device_name": "测试设备"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "sign-in of {username}");
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn graded_server(shops: usize) -> (TestServer, String) {
    let server = TestServer::start(shops).await;
    insert_evidence(&server.database(), &server.district.shops);
    let admin = register(&server, "admin").await.token;
    let graded = post(
        format!("{}/v1/risk/grades/{YEAR}", server.url()),
        &admin,
        &json!({}),
    )
    .await;
    assert_eq!(graded.status(), 200);
    (server, admin)
}

fn draw_request(draw_id: uuid::Uuid, seed: &str) -> Value {
    json!({
        "draw_id": draw_id,
        "year": YEAR,
        "title": "2026 年春季餐饮服务双随机抽查",
        "seed": seed,
        "due": "2026-04-30",
        "quotas": {"A": 5, "B": 3},
        "office": "劝业场市场监管所",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draw_reruns_and_verify_detects_changes() {
    let (server, admin) = graded_server(300).await;
    let url = server.url();
    let draw_id = uuid::Uuid::now_v7();
    let created = post(
        format!("{url}/v1/draws"),
        &admin,
        &draw_request(draw_id, "2026-03-02 公开摇号 60417"),
    )
    .await;
    assert_eq!(created.status(), 200);
    let created: DrawView = created.json().await.unwrap();
    assert_eq!(created.record.result.picks.len(), 8);
    for pick in &created.record.result.picks {
        assert_eq!(pick.inspectors.len(), 2);
    }

    // Anyone can re-run the draw from the published seed and inputs.
    let rerun = draw::run_draw(&created.record.seed, &created.record.inputs).unwrap();
    assert_eq!(rerun, created.record.result);
    assert_eq!(created.record.inputs.canonical_text(), created.canonical_inputs);

    // A retry returns the recorded draw; the same id with another seed is a conflict.
    let retry = post(
        format!("{url}/v1/draws"),
        &admin,
        &draw_request(draw_id, "2026-03-02 公开摇号 60417"),
    )
    .await;
    let retry: DrawView = retry.json().await.unwrap();
    assert_eq!(retry.record.result, created.record.result);
    let clash = post(
        format!("{url}/v1/draws"),
        &admin,
        &draw_request(draw_id, "other seed"),
    )
    .await;
    let (status, error) = api_error(clash).await;
    assert_eq!(status, 409);
    assert_eq!(error.code, "draw_exists");

    // The verify endpoint is public.
    let verify_url = format!("{url}/v1/draws/{draw_id}/verify");
    let verified: Value = reqwest::get(&verify_url).await.unwrap().json().await.unwrap();
    assert_eq!(verified["matches"], true, "{verified}");
    assert_eq!(verified["current_inputs_match"], true, "{verified}");

    // A recusal entered after the draw changes today's inputs; the record itself still verifies.
    let first = &created.record.result.picks[0];
    let recusal = json!({"recusals": [{"inspector_id": first.inspectors[0], "shop_id": first.shop_id, "reason": "抽取后申报的亲属关系"}]});
    assert_eq!(
        post(format!("{url}/v1/risk/recusals"), &admin, &recusal)
            .await
            .status(),
        200
    );
    let later: Value = reqwest::get(&verify_url).await.unwrap().json().await.unwrap();
    assert_eq!(later["matches"], true, "{later}");
    assert_eq!(later["current_inputs_match"], false, "{later}");
    assert_ne!(later["current_input_digest"], later["recorded_input_digest"]);

    // Change an input in the recorded draw: one shop leaves the A pool.
    let db = rusqlite::Connection::open(server.database()).unwrap();
    let mut inputs = created.record.inputs.clone();
    let dropped = inputs.pools[0].shops.pop().unwrap();
    db.execute(
        "UPDATE draws SET inputs = ?2 WHERE id = ?1",
        rusqlite::params![draw_id.to_string(), serde_json::to_string(&inputs).unwrap()],
    )
    .unwrap();
    let changed: Value = reqwest::get(&verify_url).await.unwrap().json().await.unwrap();
    assert_eq!(changed["matches"], false, "{changed}");
    assert_ne!(
        changed["recomputed_input_digest"],
        changed["recorded_input_digest"]
    );
    let problems = changed["problems_zh"].to_string();
    assert!(
        problems.contains("输入摘要不一致"),
        "{problems} (dropped {dropped})"
    );

    // The console page lists the draw and shows the mismatch.
    let cookie = foodpatrol_tests::console_cookie(&url, "admin").await;
    let page = foodpatrol_tests::console_page(&format!("{url}/console/draws"), &cookie).await;
    assert!(page.contains(&draw_id.to_string()));
    assert!(page.contains("draw-mismatch"));

    // The drawn shops became assignments of their pairs.
    let drawn: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM planned_visits WHERE draw_id = ?1",
            [draw_id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(drawn, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draw_rejects_wrong_role_and_bad_quota() {
    let (server, admin) = graded_server(100).await;
    let url = server.url();
    let (inspector, _) = server.inspector_pair();
    let token = register(&server, &inspector.username).await.token;
    let forbidden = post(
        format!("{url}/v1/draws"),
        &token,
        &draw_request(uuid::Uuid::now_v7(), "s"),
    )
    .await;
    assert_eq!(api_error(forbidden).await.0, 403);

    let mut request = draw_request(uuid::Uuid::now_v7(), "s");
    request["quotas"] = json!({"A": 100000});
    let (status, error) = api_error(post(format!("{url}/v1/draws"), &admin, &request).await).await;
    assert_eq!(status, 422);
    assert!(error.message.contains("lower the quota"), "{}", error.message);
    assert_eq!(server.count("draws"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risk_events_validate_and_raise_levels() {
    let (server, admin) = graded_server(100).await;
    let url = server.url();
    let shop = &server.district.shops[3];
    let level_of = || -> String {
        server
            .db()
            .query_row(
                "SELECT level FROM risk_grades WHERE shop_id = ?1 AND year = ?2",
                rusqlite::params![shop.id.to_string(), YEAR],
                |r| r.get(0),
            )
            .unwrap()
    };
    let before = RiskLevel::parse(&level_of()).unwrap();

    let cases = [
        (
            json!({"shop_id": shop.id, "event_code": "late_tax", "occurred_on": "2025-05-01"}),
            "late_tax",
        ),
        (
            json!({"shop_id": shop.id, "event_code": "failed_sampling", "occurred_on": "2999-01-01"}),
            "future",
        ),
        (
            json!({"shop_id": shop.id, "event_code": "failed_sampling", "occurred_on": "2025-13-01"}),
            "2025-13-01",
        ),
        (
            json!({"shop_id": foodpatrol_tests::unknown_shop(), "event_code": "failed_sampling", "occurred_on": "2025-05-01"}),
            "not found",
        ),
        (
            json!({"shop_id": "shop-7", "event_code": "failed_sampling", "occurred_on": "2025-05-01"}),
            "not a UUID",
        ),
    ];
    for (event, expected) in cases {
        let response = post(
            format!("{url}/v1/risk/events"),
            &admin,
            &json!({"events": [event]}),
        )
        .await;
        let (status, error) = api_error(response).await;
        assert_eq!(status, 422, "{expected}");
        assert_eq!(error.code, "invalid_risk_event");
        assert!(error.message.contains(expected), "{expected}: {}", error.message);
    }
    assert_eq!(server.count("risk_events"), 0, "rejected requests store nothing");

    let (inspector, _) = server.inspector_pair();
    let token = register(&server, &inspector.username).await.token;
    let event = json!({"events": [{"shop_id": shop.id, "event_code": "food_safety_incident", "occurred_on": "2025-08-09", "note": "集体腹泻"}]});
    assert_eq!(
        post(format!("{url}/v1/risk/events"), &token, &event)
            .await
            .status(),
        403
    );

    let stored: Value = post(format!("{url}/v1/risk/events"), &admin, &event)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["stored"], 1);
    let retried: Value = post(format!("{url}/v1/risk/events"), &admin, &event)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retried["stored"], 0, "a retry stores nothing twice");

    assert_eq!(
        post(format!("{url}/v1/risk/grades/{YEAR}"), &admin, &json!({}))
            .await
            .status(),
        200
    );
    let after = RiskLevel::parse(&level_of()).unwrap();
    assert_eq!(after, before.raised(2), "an incident raises two levels");
    let explanation: String = server
        .db()
        .query_row(
            "SELECT explanation FROM risk_grades WHERE shop_id = ?1 AND year = ?2",
            rusqlite::params![shop.id.to_string(), YEAR],
            |r| r.get(0),
        )
        .unwrap();
    assert!(explanation.contains("food_safety_incident"), "{explanation}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_holds_only_assigned_shops() {
    let (server, admin) = graded_server(300).await;
    let url = server.url();
    let (inspector, _) = server.inspector_pair();
    // A third inspector in the office, so that a recused shop still gets a pair.
    server
        .state
        .store
        .upsert_user(NewUser {
            record: UserRecord {
                id: foodpatrol_shared::ids::UserId(uuid::Uuid::now_v7()),
                username: "extra-inspector".into(),
                display_name: "赵补充".into(),
                role: Role::Inspector,
                office: Some(inspector.office.clone()),
                shop_id: None,
            },
            phone: None,
            password_hash: foodpatrol_server::auth::hash_password(seed::DEMO_PASSWORD),
        })
        .await
        .unwrap();
    // The inspector must not be planned for the first shop of the office's street.
    let office_street = server
        .district
        .offices
        .iter()
        .find(|o| o.name == inspector.office)
        .unwrap()
        .street
        .clone();
    let conflicted = server
        .district
        .shops
        .iter()
        .find(|s| s.street == office_street)
        .unwrap()
        .clone();
    let recusal =
        json!({"recusals": [{"inspector_id": inspector.id, "shop_id": conflicted.id, "reason": "亲属经营"}]});
    assert_eq!(
        post(format!("{url}/v1/risk/recusals"), &admin, &recusal)
            .await
            .status(),
        200
    );
    let planned = post(format!("{url}/v1/plan/{YEAR}"), &admin, &json!({})).await;
    assert_eq!(planned.status(), 200);

    let device = TestDevice::signed_in(&server, &inspector.username).await;
    device.device.sync().await.expect("inspector syncs");

    let assigned: BTreeSet<String> = server
        .db()
        .prepare(
            "SELECT DISTINCT a.shop_id FROM assignments a JOIN assignment_inspectors ai ON ai.assignment_id = a.id
             WHERE ai.user_id = ?1",
        )
        .unwrap()
        .query_map([inspector.id.to_string()], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!assigned.is_empty(), "the inspector has visits");
    assert!(!assigned.contains(&conflicted.id.to_string()), "recusal honoured");

    let device_db = rusqlite::Connection::open_with_flags(
        TestDevice::path(&device.dir),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let on_device: BTreeSet<String> = device_db
        .prepare("SELECT id FROM shops")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(on_device, assigned, "device shops are exactly the assigned shops");
    let device_assignments: i64 = device_db
        .query_row("SELECT COUNT(*) FROM assignments", [], |r| r.get(0))
        .unwrap();
    let server_assignments: i64 = server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM assignment_inspectors WHERE user_id = ?1",
            [inspector.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(device_assignments, server_assignments);
    assert!(
        on_device.len() < server.district.shops.len(),
        "the device does not hold the district ({} of {})",
        on_device.len(),
        server.district.shops.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_rejects_bad_year_and_missing_grades() {
    let server = TestServer::start(30).await;
    let url = server.url();
    let admin = register(&server, "admin").await.token;

    let (status, error) = api_error(post(format!("{url}/v1/plan/20x6"), &admin, &json!({})).await).await;
    assert_eq!(status, 400);
    assert_eq!(error.code, "invalid_year");
    assert!(error.message.contains("20x6"), "{}", error.message);

    let (status, error) = api_error(post(format!("{url}/v1/plan/{YEAR}"), &admin, &json!({})).await).await;
    assert_eq!(status, 422);
    assert_eq!(error.code, "no_grades");

    let (status, error) = api_error(
        post(
            format!("{url}/v1/risk/grades/{YEAR}?table=guangdong-9"),
            &admin,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error.code, "unknown_risk_table");
    assert!(error.message.contains("national-2016"), "{}", error.message);

    // With the same levels, the national table plans one visit for a B shop and Tianjin's two.
    let graded = post(
        format!("{url}/v1/risk/grades/{YEAR}?table=national-2016"),
        &admin,
        &json!({}),
    )
    .await;
    assert_eq!(graded.status(), 200);
    let graded: GradingSummary = graded.json().await.unwrap();
    assert_eq!(graded.table_id, "national-2016");
    let planned = post(
        format!("{url}/v1/plan/{YEAR}?table=national-2016"),
        &admin,
        &json!({}),
    )
    .await;
    let national: PlanSummary = planned.json().await.unwrap();
    let planned = post(format!("{url}/v1/plan/{YEAR}"), &admin, &json!({})).await;
    let tianjin: PlanSummary = planned.json().await.unwrap();
    assert_eq!(
        national.visits, 30,
        "new shops are A or B, one visit each under the national table"
    );
    let b_shops = graded.per_level[&RiskLevel::B];
    assert_eq!(tianjin.visits, 30 + b_shops, "Tianjin plans B shops twice");
    assert_eq!(server.count("risk_grades"), 30);
}
