//! The real app window end to end: the release build of the app under Xvfb, driven over W3C WebDriver
//! (tauri-driver in front of WebKitWebDriver), against a real sync server on 127.0.0.1.
//!
//! Run it with `scripts/e2e.sh`, which builds the app, starts Xvfb and tauri-driver and sets
//! `FOODPATROL_E2E_DRIVER` (tauri-driver's URL), `FOODPATROL_E2E_APP` (the app binary) and
//! `FOODPATROL_E2E_DATA_DIR` (the app's device store folder, which tauri-driver passes on to the app
//! as `FOODPATROL_DATA_DIR`). Screenshots go to `target/e2e-screenshots/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use foodpatrol_server::seed::DEMO_PASSWORD;
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::TestServer;
use serde_json::{Value, json};

/// The start of the key of an element reference. The W3C standard key ends in `cecb`, but
/// WebKitWebDriver 2.50 (Debian 12) returns `cecf`, so the test uses whichever key the driver sent.
const ELEMENT_KEY_PREFIX: &str = "element-6066-11e4-a52e-";
/// How long a step may wait for the UI to reach the state it expects.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// Time between two checks of a condition while waiting.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Window sizes of the screenshots: a phone and a tablet in portrait.
const PHONE: (u32, u32) = (360, 800);
const TABLET: (u32, u32) = (1024, 1366);
/// How many items are answered before the app is closed mid-inspection.
const RESUMED_AFTER: usize = 10;
/// The catering items that fail, with the fixture photo attached to each.
const FAILED_ITEMS: [(&str, &str); 2] = [("C04-01", "mobile/jolla.jpg"), ("C05-01", "gps/DSCN0010.jpg")];

/// A minimal W3C WebDriver client: one session, with only the endpoints this test needs.
struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// An element reference returned by the driver: its key and its id.
#[derive(Debug, Clone)]
struct Element {
    key: String,
    id: String,
}

impl Session {
    /// Creates a session, which makes tauri-driver start the app.
    async fn start(driver: &str, app: &Path) -> Session {
        let http = reqwest::Client::new();
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": { "tauri:options": { "application": app } }
            }
        });
        let response: Value = http
            .post(format!("{driver}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("tauri-driver accepts the new session request")
            .json()
            .await
            .expect("new session response is JSON");
        let id = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("new session failed: {response}"))
            .to_owned();
        Session {
            http,
            base: format!("{driver}/session/{id}"),
            id,
        }
    }

    /// Sends one WebDriver command and returns its `value`, or the WebDriver error as `Err`.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| json!({ "error": "transport", "message": e.to_string() }))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| json!({ "error": "transport", "message": e.to_string() }))?;
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(value)
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.send(method.clone(), path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path} failed: {e}"))
    }

    /// Finds the element with a `data-testid`, if it is in the page now.
    async fn try_find(&self, test_id: &str) -> Option<Element> {
        self.try_find_css(&format!("[data-testid=\"{test_id}\"]")).await
    }

    /// Finds the first element that matches a CSS selector, if it is in the page now.
    async fn try_find_css(&self, selector: &str) -> Option<Element> {
        let found = self
            .send(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": selector })),
            )
            .await
            .ok()?;
        let (key, id) = found
            .as_object()?
            .iter()
            .find(|(key, _)| key.starts_with(ELEMENT_KEY_PREFIX))?;
        Some(Element {
            key: key.clone(),
            id: id.as_str()?.to_owned(),
        })
    }

    /// Waits until the element with a `data-testid` is in the page.
    async fn find(&self, test_id: &str) -> Element {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if let Some(element) = self.try_find(test_id).await {
                return element;
            }
            if Instant::now() >= deadline {
                let text = self.page_text().await;
                panic!(
                    "no element with data-testid {test_id} within {STEP_TIMEOUT:?}; the page shows: {text}"
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Returns the visible text of the page, for failure messages.
    async fn page_text(&self) -> String {
        let text = self
            .send(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": "return document.body.innerText;", "args": [] })),
            )
            .await;
        match text {
            Ok(Value::String(text)) => text,
            other => format!("(page text not readable: {other:?})"),
        }
    }

    /// Clicks an element after scrolling it to the middle of the window. WebDriver itself scrolls it
    /// only to the bottom edge, where the sticky navigation bar covers it. If something still covers
    /// the element, the test clicks it from script.
    async fn click(&self, test_id: &str) {
        let element = self.find(test_id).await;
        self.script(
            "arguments[0].scrollIntoView({ block: 'center' });",
            json!([self.reference(&element)]),
        )
        .await;
        let path = format!("/element/{}/click", element.id);
        if let Err(error) = self.send(reqwest::Method::POST, &path, Some(json!({}))).await {
            assert_eq!(
                error["error"], "element click intercepted",
                "click on {test_id} failed: {error}"
            );
            self.script("arguments[0].click();", json!([self.reference(&element)]))
                .await;
        }
    }

    /// Types text into an input after clearing it.
    async fn type_text(&self, test_id: &str, text: &str) {
        let element = self.find(test_id).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.id),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.id),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text(&self, test_id: &str) -> String {
        let element = self.find(test_id).await;
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.id),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    async fn attribute(&self, test_id: &str, name: &str) -> Option<String> {
        let element = self.find(test_id).await;
        self.command(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.id),
            None,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// Waits until the text of an element equals `expected`.
    async fn wait_text(&self, test_id: &str, expected: &str) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let text = self.text(test_id).await;
            if text.trim() == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{test_id} shows {text:?}, expected {expected:?} within {STEP_TIMEOUT:?}"
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until an attribute of an element equals `expected`; `None` waits for it to be absent.
    async fn wait_attribute(&self, test_id: &str, name: &str, expected: Option<&str>) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let value = self.attribute(test_id, name).await;
            if value.as_deref() == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{test_id} has {name}={value:?}, expected {expected:?} within {STEP_TIMEOUT:?}"
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    fn reference(&self, element: &Element) -> Value {
        let mut reference = serde_json::Map::new();
        reference.insert(element.key.clone(), Value::String(element.id.clone()));
        Value::Object(reference)
    }

    async fn script(&self, script: &str, args: Value) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    async fn set_window_size(&self, (width, height): (u32, u32)) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Saves a PNG screenshot of the window at both sizes as `<name>-<width>x<height>.png`.
    async fn screenshots(&self, name: &str) {
        for size in [PHONE, TABLET] {
            self.set_window_size(size).await;
            // Under Xvfb, WebKitGTK's screenshot can show an older frame than the DOM the test just
            // checked, so the capture waits until the page has painted two more frames.
            self.command(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({
                    "script": "const done = arguments[0];
                               requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                    "args": []
                })),
            )
            .await;
            // tauri-driver 2.1.0 reset the connection on about one screenshot call in seven on a
            // 2-core Debian 12 machine, so a failed call is tried once more.
            let base64 = match self.send(reqwest::Method::GET, "/screenshot", None).await {
                Ok(value) => value,
                Err(_) => self.command(reqwest::Method::GET, "/screenshot", None).await,
            };
            let png = base64::engine::general_purpose::STANDARD
                .decode(base64.as_str().expect("screenshot is a base64 string"))
                .expect("screenshot decodes");
            let path = screenshot_dir().join(format!("{name}-{}x{}.png", size.0, size.1));
            std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        }
        self.set_window_size(PHONE).await;
    }

    /// Draws a stroke across the signature canvas with the Actions API (a mouse pointer).
    async fn draw_signature(&self) {
        let canvas = self.find("signature-canvas").await;
        let origin = self.reference(&canvas);
        let mut steps = vec![
            json!({ "type": "pointerMove", "origin": origin, "x": -100, "y": 0, "duration": 0 }),
            json!({ "type": "pointerDown", "button": 0 }),
        ];
        for i in 1..=20 {
            let x = -100 + i * 10;
            let y = if i % 2 == 0 { -20 } else { 20 };
            steps.push(json!({ "type": "pointerMove", "origin": origin, "x": x, "y": y, "duration": 10 }));
        }
        steps.push(json!({ "type": "pointerUp", "button": 0 }));
        self.command(
            reqwest::Method::POST,
            "/actions",
            Some(json!({
                "actions": [{
                    "type": "pointer",
                    "id": "signer",
                    "parameters": { "pointerType": "mouse" },
                    "actions": steps
                }]
            })),
        )
        .await;
    }

    /// Ends the session, which closes the app window.
    async fn end(self) {
        let response = self
            .http
            .delete(&self.base)
            .send()
            .await
            .expect("tauri-driver accepts the end of the session");
        assert!(
            response.status().is_success(),
            "deleting session {} failed",
            self.id
        );
    }
}

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set; run this test with scripts/e2e.sh"))
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder is created");
    dir
}

fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/photos")
        .join(relative)
        .canonicalize()
        .unwrap_or_else(|e| panic!("fixture {relative} is missing: {e}"))
}

/// Returns the ids of the checklist items on screen, in page order.
async fn item_ids(session: &Session) -> Vec<String> {
    let ids = session
        .script(
            "return Array.from(document.querySelectorAll('[data-testid$=\"-yes\"]'))
                .map(e => e.dataset.testid.replace(/^item-/, '').replace(/-yes$/, ''));",
            json!([]),
        )
        .await;
    serde_json::from_value(ids).expect("item ids are strings")
}

/// Returns the `data-testid` values on screen that start with `prefix`.
async fn test_ids_with_prefix(session: &Session, prefix: &str) -> Vec<String> {
    let ids = session
        .script(
            "return Array.from(document.querySelectorAll(`[data-testid^=\"${arguments[0]}\"]`))
                .map(e => e.dataset.testid);",
            json!([prefix]),
        )
        .await;
    serde_json::from_value(ids).expect("test ids are strings")
}

/// Sets the value of a date input from script, because typing into a date field differs by engine,
/// then fires the input and change events the UI listens to.
async fn set_date(session: &Session, test_id: &str, value: &str) {
    let element = session.find(test_id).await;
    session
        .script(
            "const input = arguments[0];
             input.value = arguments[1];
             input.dispatchEvent(new InputEvent('input', { bubbles: true }));
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([session.reference(&element), value]),
        )
        .await;
}

/// Signs in through the sign-in screen.
async fn sign_in(session: &Session, server_url: &str, username: &str) {
    session.type_text("signin-server", server_url).await;
    session.type_text("signin-username", username).await;
    session.type_text("signin-password", DEMO_PASSWORD).await;
    session.type_text("signin-device", "窗口测试设备").await;
    session.click("signin-submit").await;
    session.find("nav-sync").await;

    // The first sync after sign-in downloads the tasks. The home screen reloads when a sync finishes;
    // waiting for that sync on the sync screen keeps the next steps independent of its timing.
    session.click("nav-sync").await;
    session
        .wait_attribute("sync-progress-box", "data-phase", Some("done"))
        .await;
    session.click("nav-home").await;
    session.find("task-list").await;
}

/// Taps an answer button and waits until the UI shows it as chosen.
async fn answer(session: &Session, item: &str, answer: &str) {
    let button = format!("item-{item}-{answer}");
    session.click(&button).await;
    session
        .wait_attribute(&button, "aria-pressed", Some("true"))
        .await;
}

/// Marks one item 否 and adds a remark, a photo and a rectification order.
async fn fail_item(session: &Session, item: &str, photo: &str, on_spot: bool, due: &str) {
    answer(session, item, "no").await;
    session
        .type_text(&format!("item-{item}-remark"), &format!("{item} 不符合要求"))
        .await;
    // The remark is saved on change, which fires when the field loses focus.
    session.click("answered-count").await;

    let input = session.find(&format!("item-{item}-photo-input")).await;
    session
        .command(
            reqwest::Method::POST,
            &format!("/element/{}/value", input.id),
            Some(json!({ "text": fixture_path(photo).display().to_string() })),
        )
        .await;
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let thumbs = session
            .script(
                "return document.querySelectorAll(`[data-testid^=\"item-${arguments[0]}-photo-\"]:not([data-testid$=\"-input\"]):not([data-testid*=\"-remove-\"])`).length;",
                json!([item]),
            )
            .await;
        if thumbs.as_u64() == Some(1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "photo of {item} not shown within {STEP_TIMEOUT:?}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }

    if on_spot {
        session.click(&format!("item-{item}-order-onspot")).await;
        session
            .type_text(&format!("item-{item}-measure"), "当场清扫地面")
            .await;
    } else {
        session.click(&format!("item-{item}-order-deadline")).await;
        set_date(session, &format!("item-{item}-due"), due).await;
        session
            .type_text(&format!("item-{item}-requirement"), "补办健康证后上传照片")
            .await;
    }
    session.click(&format!("item-{item}-tier-self_fix")).await;
    session.click(&format!("item-{item}-order-save")).await;
    session
        .wait_attribute(&format!("item-{item}-order-save"), "disabled", Some("true"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Xvfb, tauri-driver and a release build: run scripts/e2e.sh"]
async fn window_inspection_reaches_server() {
    let driver = std::env::var("FOODPATROL_E2E_DRIVER")
        .expect("FOODPATROL_E2E_DRIVER is not set; run this test with scripts/e2e.sh");
    let app = env_path("FOODPATROL_E2E_APP");
    let data_dir = env_path("FOODPATROL_E2E_DATA_DIR");
    assert!(
        !data_dir.join("device.sqlite").exists(),
        "the app's data folder {} must start empty",
        data_dir.display()
    );

    let server = TestServer::start(60).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server
        .owned_shops()
        .into_iter()
        .find(|s| s.business_type == BusinessType::Catering.code())
        .expect("an owned restaurant");
    let store = server.shop_of(BusinessType::Retail);
    server.assign(&[&restaurant, &store], (&zhang, &li)).await;

    // Sign in and open the restaurant's task.
    let session = Session::start(&driver, &app).await;
    session.set_window_size(PHONE).await;
    session.find("signin-submit").await;
    session.screenshots("01-sign-in").await;
    sign_in(&session, &server.url(), &zhang.username).await;
    assert!(
        data_dir.join("device.sqlite").exists(),
        "the app stores its data in FOODPATROL_DATA_DIR"
    );
    let task = format!("task-{}", restaurant.id);
    session.wait_attribute(&task, "data-status", Some("todo")).await;
    session.screenshots("02-tasks").await;

    // Choose the partner and start.
    session.click(&task).await;
    session.find("start-panel").await;
    let option = session
        .try_find_css(&format!(
            "[data-testid=\"partner-select\"] option[value=\"{}\"]",
            li.id
        ))
        .await
        .expect("the partner is offered");
    session
        .command(
            reqwest::Method::POST,
            &format!("/element/{}/click", option.id),
            Some(json!({})),
        )
        .await;
    session.wait_attribute("start-inspection", "disabled", None).await;
    session.screenshots("03-start").await;
    session.click("start-inspection").await;
    session.find("inspection-screen").await;

    // Answer the first items, then end the session, which closes the app mid-inspection.
    let items = item_ids(&session).await;
    assert_eq!(items.len(), 54, "the catering checklist has 54 items");
    let (before_restart, after_restart) = items.split_at(RESUMED_AFTER);
    for (failed, _) in FAILED_ITEMS {
        assert!(
            after_restart.iter().any(|item| item == failed),
            "{failed} is answered after the restart"
        );
    }
    for item in before_restart {
        answer(&session, item, "yes").await;
    }
    session
        .wait_text("answered-count", &format!("已检查 {RESUMED_AFTER}/54"))
        .await;
    session.end().await;

    // A new app process on the same data folder offers to resume the inspection, with its answers.
    let session = Session::start(&driver, &app).await;
    session.set_window_size(PHONE).await;
    session
        .wait_attribute(&task, "data-status", Some("in_progress"))
        .await;
    let resume = test_ids_with_prefix(&session, "resume-").await;
    assert_eq!(resume.len(), 1, "one open record to resume: {resume:?}");
    let inspection = resume[0].trim_start_matches("resume-").to_owned();
    session.screenshots("04-resume").await;
    session.click(&resume[0]).await;
    session.find("inspection-screen").await;
    session
        .wait_text("answered-count", &format!("已检查 {RESUMED_AFTER}/54"))
        .await;
    for item in before_restart {
        let pressed = session
            .attribute(&format!("item-{item}-yes"), "aria-pressed")
            .await;
        assert_eq!(
            pressed.as_deref(),
            Some("true"),
            "answer of {item} survives the restart"
        );
    }

    // Every other item 是 but the failed ones.
    for item in after_restart {
        if !FAILED_ITEMS.iter().any(|(failed, _)| failed == item) {
            answer(&session, item, "yes").await;
        }
    }
    let today = chrono::Local::now().date_naive();
    let due = (today + chrono::Days::new(7)).to_string();
    fail_item(&session, FAILED_ITEMS[0].0, FAILED_ITEMS[0].1, false, &due).await;
    fail_item(&session, FAILED_ITEMS[1].0, FAILED_ITEMS[1].1, true, &due).await;
    session
        .wait_attribute("outcome-badge", "data-outcome", Some("basically_compliant"))
        .await;
    session.screenshots("04-inspection").await;

    // Sign, then submit with two taps.
    session.click("go-signature").await;
    session.draw_signature().await;
    session.type_text("signer-name", "王老板").await;
    session.screenshots("05-signature").await;
    session.click("signature-save").await;
    session
        .wait_attribute("signature-status", "data-kind", Some("signed"))
        .await;
    session.click("go-submit").await;
    session.click("submit-button").await;
    session.screenshots("06-submit-confirm").await;
    session.click("submit-confirm").await;
    session.find("submit-done").await;
    session.screenshots("07-submitted").await;

    // Sync until nothing is pending.
    session.click("go-sync").await;
    session.click("sync-now").await;
    session.wait_text("sync-pending-docs", "0").await;
    session.wait_text("sync-pending-photos", "0").await;
    session.screenshots("08-sync").await;
    session.end().await;

    // The central database contains the record, its answers, tasks and photos.
    let db = server.db();
    let shop: String = db
        .query_row(
            "SELECT shop_id FROM inspections WHERE id = ?1",
            [&inspection],
            |r| r.get(0),
        )
        .expect("the inspection reached the server");
    assert_eq!(shop, restaurant.id.to_string());
    let (status, outcome): (String, String) = db
        .query_row(
            "SELECT status, outcome FROM inspections WHERE id = ?1",
            [&inspection],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "submitted");
    assert_eq!(outcome, "basically_compliant");
    let answers: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM answers WHERE inspection_id = ?1",
            [&inspection],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(answers, 54);
    let tasks: Vec<(String, String)> = db
        .prepare("SELECT item_id, mode FROM tasks WHERE inspection_id = ?1 ORDER BY item_id")
        .unwrap()
        .query_map([&inspection], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tasks,
        vec![
            ("C04-01".to_owned(), "deadline".to_owned()),
            ("C05-01".to_owned(), "on_spot".to_owned())
        ]
    );
    let (signature_kind, signer_name): (String, String) = db
        .query_row(
            "SELECT signature_kind, signer_name FROM inspections WHERE id = ?1",
            [&inspection],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(signature_kind, "signed");
    assert_eq!(signer_name, "王老板");
    let inspectors: Vec<String> = db
        .prepare("SELECT user_id FROM inspection_inspectors WHERE inspection_id = ?1 ORDER BY user_id")
        .unwrap()
        .query_map([&inspection], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut pair = vec![zhang.id.to_string(), li.id.to_string()];
    pair.sort();
    assert_eq!(inspectors, pair, "the signed-in inspector and the chosen partner");

    for (item, _) in FAILED_ITEMS {
        let (answer, remark, photos): (String, String, String) = db
            .query_row(
                "SELECT answer, remark, photos FROM answers WHERE inspection_id = ?1 AND item_id = ?2",
                [&inspection, item],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("answer of {item} is stored: {e}"));
        assert_eq!(answer, "no", "answer of {item}");
        assert_eq!(remark, format!("{item} 不符合要求"), "remark of {item}");
        let hashes: Vec<String> = serde_json::from_str(&photos)
            .unwrap_or_else(|e| panic!("photos of {item} are a JSON list ({e}): {photos}"));
        assert_eq!(hashes.len(), 1, "one photo of {item}");
        let stored: i64 = db
            .query_row("SELECT COUNT(*) FROM photos WHERE hash = ?1", [&hashes[0]], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, 1, "photo {} of {item} is uploaded", hashes[0]);
    }
    assert_eq!(server.count("photos"), 3, "two evidence photos and the signature");
    assert_eq!(
        foodpatrol_tests::stored(&server).photo_files.len(),
        3,
        "files in the server's photo folder"
    );
}
