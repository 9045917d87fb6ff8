//! The supervisor console over real HTTP: sign-in and sign-out, who may use it, and a synced
//! inspection on the daily report, the task board, the detail page, the photo routes and the
//! Excel exports.

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{Days, Utc};
use foodpatrol_device::ManualClock;
use foodpatrol_shared::inspection::InspectionKind;
use foodpatrol_shared::protocol::{OwnerTask, ProofRequest};
use foodpatrol_shared::rectification::{RectificationMode, ReviewDecision, Tier};
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{TestDevice, TestServer, fixture, register, score_all, signature_png};
use reqwest::header;

/// A browser without JavaScript: keeps the console's session cookie and does not follow redirects.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let encode = |value: &str| {
        value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Returns the `fp_console` cookie a response sets, with its attributes.
fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("fp_console="))
        .map(str::to_owned)
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Browser {
    fn new(server: &TestServer) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client builds"),
            base: server.url(),
            cookie: None,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.expect("GET reaches the server")
    }

    async fn get_ok(&self, path: &str) -> String {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.text().await.expect("body reads");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(fields));
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send().await.expect("POST reaches the server")
    }

    /// Signs in and keeps the session cookie.
    async fn signed_in(server: &TestServer, username: &str) -> Browser {
        let mut browser = Browser::new(server);
        let response = browser
            .post_form(
                "/console/login",
                &[
                    ("username", username),
                    ("password", foodpatrol_server::seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "sign-in of {username}");
        let cookie = set_cookie(&response).expect("sign-in sets the session cookie");
        browser.cookie = Some(cookie.split(';').next().unwrap().to_owned());
        browser
    }

    async fn xlsx(&self, path: &str) -> Xlsx<Cursor<Vec<u8>>> {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = response.bytes().await.expect("workbook downloads").to_vec();
        open_workbook_from_rs(Cursor::new(bytes)).expect("download is an xlsx workbook")
    }
}

/// Returns the value of the first `name="csrf"` hidden field of a page.
fn csrf_field(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("page has the sign-out form")
        + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_out() {
    let server = TestServer::start(20).await;
    let supervisor = server.district.supervisors[0].clone();
    let anonymous = Browser::new(&server);

    let response = anonymous.get("/console/tasks?state=open").await;
    assert_eq!(response.status(), 303, "a page without a session redirects");
    assert_eq!(
        location(&response),
        "/console/login?next=/console/tasks%3Fstate%3Dopen"
    );
    let form = anonymous.get_ok("/console/login").await;
    assert!(form.contains(r#"name="username""#));
    assert!(form.contains(r#"name="password""#));
    assert!(form.contains(r#"type="submit""#));

    let wrong = anonymous
        .post_form(
            "/console/login",
            &[("username", &supervisor.username), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong).is_none(), "no session for a wrong password");
    let body = wrong.text().await.unwrap();
    assert!(body.contains("用户名或密码错误"), "clear Chinese error: {body}");
    assert!(body.contains(&supervisor.username), "the form keeps the username");

    let mut browser = Browser::new(&server);
    let response = browser
        .post_form(
            "/console/login",
            &[
                ("username", &supervisor.username),
                ("password", foodpatrol_server::seed::DEMO_PASSWORD),
                ("next", "/console/kpi"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/console/kpi", "back to the page asked for");
    let cookie = set_cookie(&response).unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("fp_console=")
        .to_owned();
    browser.cookie = Some(format!("fp_console={token}"));

    // The database keeps only the token's SHA-256.
    let stored: Vec<u8> = server
        .db()
        .query_row("SELECT token_hash FROM web_sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        hex::encode(&stored),
        foodpatrol_tests::sha256_hex(token.as_bytes())
    );

    let home = browser.get_ok("/console").await;
    assert!(
        home.contains(&supervisor.display_name),
        "the header names the user"
    );

    let forged = browser.post_form("/console/logout", &[("csrf", "forged")]).await;
    assert_eq!(
        forged.status(),
        403,
        "sign-out without the CSRF token is rejected"
    );
    let cross_site = browser
        .http
        .post(format!("{}/console/logout", browser.base))
        .header(header::COOKIE, browser.cookie.clone().unwrap())
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", &csrf_field(&home))]))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "a POST from another site is rejected");
    assert_eq!(browser.get("/console").await.status(), 200, "still signed in");

    let out = browser
        .post_form("/console/logout", &[("csrf", &csrf_field(&home))])
        .await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/console/login");
    assert!(
        set_cookie(&out).unwrap().contains("Max-Age=0"),
        "the cookie is cleared"
    );
    let after = browser.get("/console").await;
    assert_eq!(after.status(), 303, "the old cookie no longer works");
    assert_eq!(server.count("web_sessions"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_rejects_other_roles() {
    let server = TestServer::start(20).await;
    let inspector = server.district.inspectors[0].username.clone();
    let owner = foodpatrol_server::seed::owner_username(&server.owned_shops()[0]);

    for username in [inspector.as_str(), owner.as_str()] {
        let response = Browser::new(&server)
            .post_form(
                "/console/login",
                &[
                    ("username", username),
                    ("password", foodpatrol_server::seed::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 403, "{username} may not sign in");
        assert!(set_cookie(&response).is_none(), "{username} gets no session");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("监管端仅供监管负责人和管理员使用"),
            "{username}: {body}"
        );
    }

    // A device's bearer token is no console session.
    let device = register(&server, &inspector).await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/console/reports/daily", server.url()))
        .bearer_auth(&device.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(server.count("web_sessions"), 0);

    let admin = Browser::signed_in(&server, foodpatrol_server::seed::ADMIN_USERNAME).await;
    admin.get_ok("/console/dashboard").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_inspection_reaches_console() {
    let server = TestServer::start(40).await;
    let (zhang, li) = server.inspector_pair();
    let mut restaurant = server
        .owned_shops()
        .into_iter()
        .find(|s| s.business_type == BusinessType::Catering.code())
        .expect("an owned restaurant");
    restaurant.name = "<script>alert(1)</script>老王饭店".to_owned();
    server
        .state
        .store
        .upsert_shops(&[restaurant.clone()])
        .await
        .unwrap();
    server.assign(&[&restaurant], (&zhang, &li)).await;

    // Inspector A scores the restaurant: three deadline tasks and one fixed on the spot.
    let a = TestDevice::signed_in(&server, &zhang.username).await;
    a.device.sync().await.expect("first sync");
    let li_ref = a
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    let failed = [
        ("C04-01", "mobile/jolla.jpg"),
        ("C02-01", "gps/DSCN0010.jpg"),
        ("C03-01", "gps/DSCN0012.jpg"),
        ("C05-01", "gps/DSCN0010.jpg"),
    ];
    score_all(&a.device, visit, &failed);
    // The report date is the district's local date by the server's clock.
    let today = server.state.today();
    for item in ["C04-01", "C02-01", "C03-01"] {
        a.device
            .order_rectification(
                visit,
                item,
                RectificationMode::Deadline {
                    due: today + Days::new(7),
                    requirement: "整改后上传照片".into(),
                },
                Tier::SelfFix,
            )
            .unwrap();
    }
    a.device
        .order_rectification(
            visit,
            "C05-01",
            RectificationMode::OnSpot {
                measure: "当场清扫".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    a.device.submit(visit).unwrap();
    a.device.sync().await.expect("A syncs the record");

    // The owner submits proof for two tasks; the inspector verifies one of them.
    let http = reqwest::Client::new();
    let owner = register(&server, &foodpatrol_server::seed::owner_username(&restaurant)).await;
    let owner_tasks: Vec<OwnerTask> = http
        .get(format!("{}/v1/owner/tasks", server.url()))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task_of = |item: &str| {
        owner_tasks
            .iter()
            .find(|t| t.item_id == item)
            .unwrap_or_else(|| panic!("task of {item}"))
            .task_id
    };
    let proof = foodpatrol_device::photo::process_photo(&fixture("mobile/HMD_Nokia_8.3_5G.jpg")).unwrap();
    let upload = http
        .put(format!("{}/v1/photos/{}", server.url(), proof.hash))
        .bearer_auth(&owner.token)
        .header("upload-length", proof.jpeg.len().to_string())
        .body(proof.jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    for item in ["C02-01", "C03-01"] {
        let response = http
            .post(format!("{}/v1/owner/tasks/{}/proof", server.url(), task_of(item)))
            .bearer_auth(&owner.token)
            .json(&ProofRequest {
                note: "已整改".into(),
                photos: vec![proof.hash.clone()],
            })
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "proof of {item}");
    }
    a.device.sync().await.unwrap();
    a.device
        .review_task(task_of("C03-01"), ReviewDecision::Verified, "复查合格")
        .unwrap();
    a.device.sync().await.unwrap();

    let lead = Browser::signed_in(&server, &server.district.supervisors[0].username).await;

    // The daily report lists both inspectors, and the shop's name is escaped.
    let daily = lead.get_ok(&format!("/console/reports/daily?date={today}")).await;
    assert!(daily.contains(r#"data-testid="daily-report""#));
    assert!(daily.contains(&format!(r#"href="/console/reports/daily.xlsx?date={today}""#)));
    assert!(daily.contains(r#"data-testid="export-daily-xlsx""#));
    assert!(daily.contains(&zhang.display_name), "A is on the report");
    assert!(daily.contains(&li.display_name), "B is on the report");
    assert!(!daily.contains("<script>alert(1)"), "shop names are escaped");
    assert!(daily.contains("&lt;script&gt;alert(1)&lt;/script&gt;老王饭店"));
    let default_day = lead.get_ok("/console/reports/daily").await;
    assert!(
        default_day.contains(&format!(r#"value="{}""#, server.state.today())),
        "defaults to today"
    );
    let bad_date = lead.get("/console/reports/daily?date=2026-13-01").await;
    assert_eq!(bad_date.status(), 400);
    assert!(bad_date.text().await.unwrap().contains("YYYY-MM-DD"));

    // The daily report downloads as a workbook with numbers in it.
    let mut workbook = lead
        .xlsx(&format!("/console/reports/daily.xlsx?date={today}"))
        .await;
    assert_eq!(workbook.sheet_names(), ["按人员", "按监管所", "按街道"]);
    let people = workbook.worksheet_range("按人员").unwrap();
    assert_eq!(people.get_value((1, 2)), Some(&Data::String("检查次数".into())));
    let zhang_row = (2..people.height() as u32)
        .find(|row| people.get_value((*row, 0)) == Some(&Data::String(zhang.display_name.clone())))
        .expect("A has a row");
    assert_eq!(
        people.get_value((zhang_row, 2)),
        Some(&Data::Float(1.0)),
        "one inspection"
    );
    assert_eq!(
        people.get_value((zhang_row, 7)),
        Some(&Data::Float(4.0)),
        "four failed items"
    );
    assert_eq!(
        people.get_value((zhang_row, 8)),
        Some(&Data::Float(1.0)),
        "one fixed on the spot"
    );
    assert_eq!(
        people.get_value((zhang_row, 9)),
        Some(&Data::Float(3.0)),
        "three deadline orders"
    );

    // The board shows each task's state.
    let board = lead.get_ok("/console/tasks").await;
    for (item, state) in [
        ("C04-01", "open"),
        ("C02-01", "proof_submitted"),
        ("C03-01", "verified"),
    ] {
        let row = format!(
            r#"data-testid="task-row" data-task-id="{}" data-state="{state}""#,
            task_of(item)
        );
        assert!(board.contains(&row), "{item} is {state} on the board");
    }
    assert_eq!(
        board.matches(r#"data-testid="task-row""#).count(),
        3,
        "on-spot fixes are not listed by default"
    );
    assert!(board.contains("&lt;script&gt;"), "escaped on the board");
    assert!(!board.contains("<script>alert(1)"));
    let open_only = lead.get_ok("/console/tasks?state=open").await;
    assert_eq!(open_only.matches(r#"data-testid="task-row""#).count(), 1);
    let on_spot = lead.get_ok("/console/tasks?state=fixed_on_spot").await;
    assert_eq!(
        on_spot.matches(r#"data-state="fixed_on_spot""#).count(),
        2,
        "the count card and the row"
    );
    let other_street = if restaurant.street == "南市" {
        "新兴"
    } else {
        "南市"
    };
    let elsewhere = lead
        .get_ok(&format!("/console/tasks?street={other_street}"))
        .await;
    assert_eq!(
        elsewhere.matches(r#"data-testid="task-row""#).count(),
        0,
        "street filter"
    );
    assert_eq!(lead.get("/console/tasks?state=closed").await.status(), 400);

    // The detail page shows the marks, both inspectors, the outcome, the signature and the PDF link.
    let detail = lead.get_ok(&format!("/console/inspections/{visit}")).await;
    assert!(detail.contains(&zhang.display_name));
    assert!(detail.contains(&li.display_name));
    assert!(detail.contains("王老板"));
    assert!(detail.contains(&format!(r#"href="/console/inspections/{visit}/record.pdf""#)));
    assert!(
        detail.contains("重点项不合格 2 项（C03-01、C04-01）"),
        "the reason names the failed key items"
    );
    assert!(!detail.contains("<script>alert(1)"));
    assert!(
        detail.contains(r#"class="signature" src="/console/photos/"#),
        "the signature image"
    );
    let evidence_hash = detail
        .split("/console/photos/")
        .skip(1)
        .find_map(|rest| rest.split_once("/thumb").map(|(hash, _)| hash.to_owned()))
        .expect("the page shows a thumbnail");
    assert!(
        detail.contains(&format!(r#"href="/console/photos/{evidence_hash}""#)),
        "the thumbnail links the full size"
    );

    // Photos are served to the session, in full and as thumbnails; not without a session.
    let full = lead.get(&format!("/console/photos/{evidence_hash}")).await;
    assert_eq!(full.status(), 200);
    let full_bytes = full.bytes().await.unwrap();
    assert_eq!(
        foodpatrol_tests::sha256_hex(&full_bytes),
        evidence_hash,
        "the stored bytes"
    );
    let thumb = lead.get(&format!("/console/photos/{evidence_hash}/thumb")).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(thumb.headers()[header::CONTENT_TYPE], "image/jpeg");
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).expect("thumbnail decodes");
    assert!(
        thumb.width() <= 240 && thumb.height() <= 240,
        "{}x{}",
        thumb.width(),
        thumb.height()
    );
    assert!(
        thumb.width() == 240 || thumb.height() == 240,
        "the long side is 240 px"
    );
    let again = lead.get(&format!("/console/photos/{evidence_hash}/thumb")).await;
    assert_eq!(again.status(), 200, "served again from the cache");
    let anonymous = Browser::new(&server)
        .get(&format!("/console/photos/{evidence_hash}"))
        .await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(lead.get("/console/photos/not-a-hash").await.status(), 400);
    assert_eq!(
        lead.get(&format!("/console/photos/{}", "0".repeat(64)))
            .await
            .status(),
        404
    );

    // Completion counts the assigned visit as done; KPIs and the dashboard count the record.
    let completion = lead.get_ok("/console/completion").await;
    assert!(completion.contains(&zhang.display_name));
    let kpi = lead.get_ok("/console/kpi").await;
    assert!(kpi.contains("未找到这些指标的官方定义"));
    assert!(kpi.contains("评定完成率"));
    let mut kpi_book = lead.xlsx("/console/kpi.xlsx").await;
    let kpi_sheet = kpi_book.worksheet_range("考核指标").unwrap();
    let total_row = kpi_sheet.height() as u32 - 1;
    assert_eq!(
        kpi_sheet.get_value((total_row, 0)),
        Some(&Data::String("全区".into()))
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 5)),
        Some(&Data::Float(1.0)),
        "one inspection"
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 6)),
        Some(&Data::Float(1.0)),
        "with a problem"
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 11)),
        Some(&Data::Float(4.0)),
        "four tasks ordered"
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 12)),
        Some(&Data::Float(2.0)),
        "on the spot and verified"
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 13)),
        Some(&Data::Float(0.5)),
        "整改率 2 / 4"
    );
    let dashboard = lead.get_ok("/console/dashboard").await;
    assert!(dashboard.contains(r#"data-figure="today""#));
    assert!(dashboard.contains("<svg"));
    let english = lead.get_ok("/console/kpi?lang=en").await;
    assert!(english.contains("Grading completion"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_task_on_board() {
    let server = TestServer::start(20).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);
    server.assign(&[&restaurant], (&zhang, &li)).await;
    let clock = Arc::new(ManualClock::new(Utc::now().timestamp_millis(), 480));
    let a = TestDevice::signed_in_with_clock(&server, &zhang.username, clock.clone()).await;
    a.device.sync().await.expect("first sync");
    let li_ref = a
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    score_all(&a.device, visit, &[("C02-01", "gps/DSCN0010.jpg")]);

    // The device accepts only due dates from its own today on, so its clock is set back 10 days
    // while the order is made: the task falls due 9 days before the server's today.
    let today = server.state.today();
    let due = today - Days::new(9);
    clock.set(Utc::now().timestamp_millis() - 10 * 86_400_000);
    a.device
        .order_rectification(
            visit,
            "C02-01",
            RectificationMode::Deadline {
                due,
                requirement: "整改后上传照片".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    clock.set(Utc::now().timestamp_millis());
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    a.device.submit(visit).unwrap();
    a.device.sync().await.expect("the record syncs");

    let lead = Browser::signed_in(&server, &server.district.supervisors[0].username).await;
    let board = lead.get_ok("/console/tasks?state=overdue").await;
    assert_eq!(board.matches(r#"data-testid="task-row""#).count(), 1);
    assert!(
        board.contains(r#"data-state="overdue""#),
        "the open task past its due date is overdue"
    );
    assert!(board.contains(&due.to_string()), "the row shows the due date");
    let open = lead.get_ok("/console/tasks?state=open").await;
    assert_eq!(
        open.matches(r#"data-testid="task-row""#).count(),
        0,
        "overdue replaces open"
    );

    let mut kpi_book = lead.xlsx("/console/kpi.xlsx").await;
    let kpi_sheet = kpi_book.worksheet_range("考核指标").unwrap();
    let total_row = kpi_sheet.height() as u32 - 1;
    assert_eq!(
        kpi_sheet.get_value((total_row, 13)),
        Some(&Data::Float(0.0)),
        "整改率 0 / 1"
    );
    assert_eq!(
        kpi_sheet.get_value((total_row, 14)),
        Some(&Data::Float(1.0)),
        "one overdue"
    );
    let dashboard = lead.get_ok("/console/dashboard").await;
    let overdue_tile = dashboard
        .split(r#"data-figure="overdue""#)
        .nth(1)
        .expect("the dashboard has an overdue tile");
    assert!(
        overdue_tile.starts_with(r#"><div class="label">逾期未整改</div><div class="value">1</div>"#),
        "the big screen counts one overdue task: {overdue_tile}"
    );
}
