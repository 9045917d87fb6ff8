//! Report dates follow the server's clock in the district's time zone. The server corrects a
//! record's device time by the clock skew measured when the record is delivered. The local date of
//! the corrected time is the day the record counts on in the daily report.
//!
//! The date rule at 07:30 in UTC+8 matters because 07:30 there is 23:30 UTC of the previous day.

use std::sync::Arc;

use automerge::ActorId;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use foodpatrol_device::{Clock, Device, ManualClock, SkewedClock, SystemClock};
use foodpatrol_server::DEFAULT_TIME_ZONE;
use foodpatrol_server::district::SeedUser;
use foodpatrol_server::projection::{self, InspectionInput, TaskProgressSource};
use foodpatrol_shared::crdt::inspection_doc::{self, NewInspection};
use foodpatrol_shared::ids::{InspectionId, TaskId, UserId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::DailyReport;
use foodpatrol_shared::rectification::{ResponseRound, Review};
use foodpatrol_shared::rules::RuleBook;
use foodpatrol_shared::shop::{BusinessType, Shop};
use foodpatrol_shared::time::{SKEW_FLAG_MS, correct_device_time};
use foodpatrol_tests::{TestDevice, TestServer, score_all, signature_png};

const HOUR_MS: i64 = 60 * 60 * 1000;

/// A draft has no tasks, so its projection needs no task progress.
struct NoTaskProgress;

impl TaskProgressSource for NoTaskProgress {
    fn rounds(&self, _task: TaskId) -> Vec<ResponseRound> {
        Vec::new()
    }

    fn reviews(&self, _task: TaskId) -> Vec<Review> {
        Vec::new()
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339 test time")
        .to_utc()
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("YYYY-MM-DD test date")
}

#[test]
fn projection_dates_by_corrected_local_time() {
    let rules = RuleBook::builtin();
    let template = rules
        .latest_template_for(BusinessType::Catering.code())
        .expect("catering template")
        .clone();
    let inspectors = vec![InspectorRef {
        user_id: UserId::new_v7(),
        name: "张伟".into(),
    }];
    // 2025-03-10 07:30 in Asia/Shanghai is 2025-03-09 23:30 UTC.
    let visit_at = utc("2025-03-09T23:30:00Z");
    let received_at = utc("2025-03-10T02:00:00Z");
    // (case, device stamp, skew measured at delivery, expected report date, expected recorded_at)
    let cases = [
        (
            "device clock right, record at 07:30",
            visit_at,
            0,
            "2025-03-10",
            visit_at,
        ),
        (
            "device clock 2 hours fast, stamped 09:30",
            utc("2025-03-10T01:30:00Z"),
            2 * HOUR_MS,
            "2025-03-10",
            visit_at,
        ),
        (
            "device clock 10 hours slow, stamped 21:30 the day before",
            utc("2025-03-09T13:30:00Z"),
            -10 * HOUR_MS,
            "2025-03-10",
            visit_at,
        ),
        (
            "record at 23:50 delivered the next morning",
            utc("2025-03-09T15:50:00Z"),
            0,
            "2025-03-09",
            utc("2025-03-09T15:50:00Z"),
        ),
        (
            "stamp later than receipt is capped at receipt",
            utc("2025-03-10T23:30:00Z"),
            0,
            "2025-03-10",
            received_at,
        ),
    ];
    for (case, stamp, skew_ms, expected_date, expected_at) in cases {
        let corrected = correct_device_time(stamp.timestamp_millis(), skew_ms, received_at);
        assert_eq!(corrected.at, expected_at, "{case}: corrected time");

        let new = NewInspection {
            shop_id: foodpatrol_tests::unknown_shop(),
            template: template.reference(),
            kind: InspectionKind::Daily,
            inspectors: inspectors.clone(),
            started_at_ms: stamp.timestamp_millis(),
            utc_offset_min: 480,
        };
        let doc = inspection_doc::create(InspectionId::new_v7(), ActorId::from([7u8; 16]), &new)
            .expect("document creates");
        let inspection = inspection_doc::read(&doc).expect("document reads");
        let input = InspectionInput {
            current: &inspection,
            sealed: None,
            template: &template,
            rules: &rules,
            time_zone: DEFAULT_TIME_ZONE,
            skew_ms,
            received_at,
        };
        let row = projection::project_inspection(&input, &NoTaskProgress);
        assert_eq!(row.report_date, date(expected_date), "{case}: report date");
        assert_eq!(row.recorded_at, expected_at, "{case}: recorded_at");
        assert_eq!(
            row.skew_flagged,
            skew_ms.abs() > SKEW_FLAG_MS,
            "{case}: skew flag"
        );
        assert_eq!(
            row.device_started_at_ms,
            stamp.timestamp_millis(),
            "{case}: the device stamp is kept as written"
        );
    }
}

/// Returns the latest 07:30 in `zone` that is not in the future.
fn latest_morning<Z: TimeZone>(zone: &Z) -> DateTime<Utc> {
    let now = Utc::now();
    let at_0730 = |day: NaiveDate| {
        zone.from_local_datetime(&day.and_hms_opt(7, 30, 0).expect("valid time"))
            .single()
            .expect("07:30 exists once in the district's zone")
            .with_timezone(&Utc)
    };
    let today = now.with_timezone(zone).date_naive();
    let morning = at_0730(today);
    if morning <= now {
        morning
    } else {
        at_0730(today.pred_opt().expect("a previous day"))
    }
}

/// Signs in the first inspector of a pair with `clock`, with a restaurant assigned and synced.
async fn inspector_device(
    server: &TestServer,
    clock: Arc<dyn Clock>,
) -> (TestDevice, SeedUser, InspectorRef, Shop) {
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);
    server.assign(&[&restaurant], (&zhang, &li)).await;
    let a = TestDevice::signed_in_with_clock(server, &zhang.username, clock).await;
    a.device.sync().await.expect("first sync");
    let li_ref = a
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");
    (a, zhang, li_ref, restaurant)
}

/// Scores every item 是, signs and submits a visit to `shop`.
fn complete_record(device: &Device, shop: &Shop, partner: InspectorRef) -> InspectionId {
    let visit = device
        .start_inspection(shop.id, InspectionKind::Daily, Some(partner))
        .unwrap();
    score_all(device, visit, &[]);
    device.sign(visit, "王老板", &signature_png()).unwrap();
    device.submit(visit).unwrap();
    visit
}

/// The server's time fields of one inspection.
#[derive(Debug)]
struct TimeColumns {
    report_date: NaiveDate,
    recorded_at: DateTime<Utc>,
    device_started_at_ms: i64,
    skew_ms: i64,
    skew_flagged: bool,
}

fn time_columns(server: &TestServer, visit: InspectionId) -> TimeColumns {
    let (report_date, recorded_at, device_started_at_ms, skew_ms, skew_flagged): (
        String,
        String,
        i64,
        i64,
        bool,
    ) = server
        .db()
        .query_row(
            "SELECT report_date, recorded_at, device_started_at_ms, skew_ms, skew_flagged
             FROM inspections WHERE id = ?1",
            [visit.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("inspection row exists");
    TimeColumns {
        report_date: date(&report_date),
        recorded_at: utc(&recorded_at),
        device_started_at_ms,
        skew_ms,
        skew_flagged,
    }
}

async fn supervisor_token(server: &TestServer) -> String {
    let supervisor = &server.district.supervisors[0];
    foodpatrol_tests::register(server, &supervisor.username)
        .await
        .token
}

async fn daily_report(server: &TestServer, token: &str, day: NaiveDate) -> DailyReport {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/reports/daily?date={day}", server.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "daily report for {day} loads");
    response.json().await.expect("daily report is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_at_0730_counts_on_that_local_day() {
    let server = TestServer::start(30).await;
    let zone = server.state.time_zone;
    // The device clock is right. The inspector works offline at 07:30 and syncs later in the day,
    // so the skew measured at that sync is about zero and the record keeps its 07:30 time.
    // NOTE: the latest past 07:30 is yesterday's when the test runs before 07:30 Shanghai time.
    let morning = latest_morning(&zone);
    let local_day = morning.with_timezone(&zone).date_naive();
    let utc_day = morning.date_naive();
    assert_eq!(
        utc_day.succ_opt(),
        Some(local_day),
        "07:30 in UTC+8 falls on the previous UTC date"
    );
    let clock = Arc::new(ManualClock::new(Utc::now().timestamp_millis(), 480));
    let (a, zhang, li_ref, restaurant) = inspector_device(&server, clock.clone()).await;

    clock.set(morning.timestamp_millis());
    let visit = complete_record(&a.device, &restaurant, li_ref);
    clock.set(Utc::now().timestamp_millis());
    let report = a.device.sync().await.expect("the record syncs");
    assert!(!report.skew_flagged, "a right clock is not flagged");

    let columns = time_columns(&server, visit);
    assert_eq!(
        columns.report_date, local_day,
        "inspections.report_date is the local date of 07:30"
    );
    assert_eq!(
        columns.device_started_at_ms,
        morning.timestamp_millis(),
        "the device stamp is 07:30"
    );
    let drift_ms = (columns.recorded_at - morning).num_milliseconds().abs();
    assert!(
        drift_ms < 5_000,
        "recorded_at {} is 07:30 local ({morning}) within the measured skew",
        columns.recorded_at
    );
    assert!(!columns.skew_flagged, "the server does not flag the record");

    let token = supervisor_token(&server).await;
    let on_local_day = daily_report(&server, &token, local_day).await;
    let row = on_local_day
        .rows
        .iter()
        .find(|r| r.inspector_id == zhang.id)
        .expect("the inspector is on the report of the local day");
    assert_eq!(row.inspections, 1, "the record counts on the local day");
    let on_utc_day = daily_report(&server, &token, utc_day).await;
    assert!(
        on_utc_day.rows.iter().all(|r| r.inspector_id != zhang.id),
        "the record is not on the report of the previous UTC date {utc_day}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correct_clock_record_dated_today() {
    let server = TestServer::start(30).await;
    let today_before = server.state.today();
    let (a, zhang, li_ref, restaurant) = inspector_device(&server, Arc::new(SystemClock)).await;

    let started = Utc::now();
    let visit = complete_record(&a.device, &restaurant, li_ref);
    a.device.sync().await.expect("the record syncs");
    let synced = Utc::now();
    let today_after = server.state.today();

    let columns = time_columns(&server, visit);
    assert!(
        columns.report_date == today_before || columns.report_date == today_after,
        "report_date {} is today in {}",
        columns.report_date,
        server.state.time_zone
    );
    assert!(
        columns.recorded_at >= started - chrono::Duration::seconds(1),
        "recorded_at {} is not before the visit started at {started}",
        columns.recorded_at
    );
    assert!(
        columns.recorded_at <= synced,
        "recorded_at {} is not after the sync ended at {synced}",
        columns.recorded_at
    );
    assert!(!columns.skew_flagged, "a right clock is not flagged");

    let token = supervisor_token(&server).await;
    let report = daily_report(&server, &token, columns.report_date).await;
    assert!(
        report.rows.iter().any(|r| r.inspector_id == zhang.id),
        "the record is on today's report"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skewed_clock_is_flagged_and_corrected() {
    let server = TestServer::start(30).await;
    let skew_ms = 2 * HOUR_MS;
    let clock = Arc::new(SkewedClock {
        skew_ms,
        offset_min: 480,
    });
    let (a, zhang, li_ref, restaurant) = inspector_device(&server, clock).await;

    let started = Utc::now();
    let visit = complete_record(&a.device, &restaurant, li_ref);
    a.device.sync().await.expect("the record syncs");
    let synced = Utc::now();

    let columns = time_columns(&server, visit);
    assert!(columns.skew_flagged, "inspections.skew_flagged is set");
    assert!(
        (columns.skew_ms - skew_ms).abs() < 5_000,
        "inspections.skew_ms {} is about two hours",
        columns.skew_ms
    );
    assert!(
        columns.device_started_at_ms >= started.timestamp_millis() + skew_ms,
        "the device stamp {} is two hours ahead, as the device wrote it",
        columns.device_started_at_ms
    );
    assert!(
        columns.recorded_at >= started - chrono::Duration::seconds(1),
        "recorded_at {} is corrected back to the server clock (visit started at {started})",
        columns.recorded_at
    );
    assert!(
        columns.recorded_at <= synced,
        "recorded_at {} is not after the sync ended at {synced}",
        columns.recorded_at
    );
    assert_eq!(
        columns.report_date,
        columns
            .recorded_at
            .with_timezone(&server.state.time_zone)
            .date_naive(),
        "report_date is the local date of the corrected time"
    );

    let status = a.device.sync_status().unwrap();
    assert!(status.skew_flagged, "the device shows its clock as skewed");
    let device_skew = status.skew_ms.expect("the device stores the measured skew");
    assert!(
        (device_skew - skew_ms).abs() < 5_000,
        "the device's measured skew {device_skew} is about two hours"
    );

    let token = supervisor_token(&server).await;
    let report = daily_report(&server, &token, columns.report_date).await;
    let row = report
        .rows
        .iter()
        .find(|r| r.inspector_id == zhang.id)
        .expect("the inspector is on the report");
    assert_eq!(row.skew_flagged, 1, "the report counts one skew-flagged record");
}
