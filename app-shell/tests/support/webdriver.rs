//! A minimal W3C WebDriver client for the app window, shared by the window test (`tests/window.rs`) and
//! the window benchmark (`benches/ui.rs`): one session through tauri-driver, the UI steps both of them take,
//! and the layout check that runs on every screenshot.
//!
//! Each of the two targets uses only part of this module, so unused items are allowed here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use foodpatrol_server::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

/// The start of the key of an element reference. The W3C standard key ends in `cecb`, but
/// WebKitWebDriver 2.50 (Debian 12) returns `cecf`, so the test uses whichever key the driver sent.
pub(crate) const ELEMENT_KEY_PREFIX: &str = "element-6066-11e4-a52e-";
/// How long a step may wait for the UI to reach the state it expects.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// Time between two checks of a condition while waiting.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Window sizes of the screenshots: a phone and a tablet in portrait.
pub(crate) const PHONE: (u32, u32) = (360, 800);
pub(crate) const TABLET: (u32, u32) = (1024, 1366);

/// Script that lists text that is cut off or overlaps in the page, as readable sentences.
///
/// It walks every visible text node and measures the boxes of its lines (`Range.getClientRects`). A line's
/// box is as tall as the font's content area, about 1.45 em for Noto Sans CJK, which reaches into the
/// neighbouring lines of tightly set text. The vertical checks therefore use the em box (1 em tall, centred
/// on the line box), where the glyphs are drawn:
/// - a line that reaches past the left or right edge of the window is cut off (the page scrolls only
///   vertically on a phone);
/// - a line outside the padding box of an ancestor that clips (`overflow: hidden` or `clip`) is cut off,
///   unless that ancestor is a visually hidden box of at most 1×1 px, which screen-reader-only text uses;
/// - an element with `text-overflow: ellipsis` whose content is wider than its box is shortened;
/// - two lines of different text nodes that intersect by more than 2 px both ways overlap. Lines inside a
///   fixed or sticky bar are compared only with lines of the same bar, because the bar covers the page
///   that scrolls beneath it by design.
pub(crate) const LAYOUT_AUDIT: &str = r#"
const problems = [];
const width = document.documentElement.clientWidth;
const name = (el) => el.dataset && el.dataset.testid
  ? `[data-testid="${el.dataset.testid}"]`
  : el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const layerOf = (el) => {
  for (let a = el; a; a = a.parentElement) {
    const position = getComputedStyle(a).position;
    if (position === 'fixed' || position === 'sticky') return a;
  }
  return null;
};
const lines = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const text = node.textContent.trim();
  const el = node.parentElement;
  if (!text || !el || el.closest('script, style, option, select, textarea')) continue;
  const style = getComputedStyle(el);
  if (style.visibility !== 'visible' || el.getClientRects().length === 0) continue;
  const range = document.createRange();
  range.selectNodeContents(node);
  const em = parseFloat(style.fontSize);
  const rects = Array.from(range.getClientRects())
    .filter((r) => r.width > 0.5 && r.height > 0.5)
    .map((r) => {
      const middle = (r.top + r.bottom) / 2;
      const half = Math.min(r.height, em) / 2;
      return { left: r.left, right: r.right, top: middle - half, bottom: middle + half };
    });
  if (rects.length === 0) continue;
  const label = `"${text.slice(0, 24)}" in ${name(el)}`;
  for (const r of rects) {
    if (r.left < -0.5 || r.right > width + 0.5) {
      problems.push(`${label} runs past the window edge (x ${Math.round(r.left)} to ${Math.round(r.right)}, window ${width} px wide)`);
    }
  }
  let hidden = false;
  for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.opacity === '0') { hidden = true; break; }
    const clipsX = s.overflowX === 'hidden' || s.overflowX === 'clip';
    const clipsY = s.overflowY === 'hidden' || s.overflowY === 'clip';
    if (!clipsX && !clipsY) continue;
    const box = a.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) { hidden = true; break; }
    const left = box.left + a.clientLeft, top = box.top + a.clientTop;
    const right = left + a.clientWidth, bottom = top + a.clientHeight;
    for (const r of rects) {
      if ((clipsX && (r.left < left - 0.5 || r.right > right + 0.5)) ||
          (clipsY && (r.top < top - 0.5 || r.bottom > bottom + 0.5))) {
        problems.push(`${label} is cut off by ${name(a)}`);
        break;
      }
    }
  }
  if (hidden) continue;
  if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
    problems.push(`${label} is shortened with an ellipsis`);
  }
  for (const r of rects) lines.push({ node, rect: r, label, layer: layerOf(el) });
}
for (let i = 0; i < lines.length; i++) {
  for (let j = i + 1; j < lines.length; j++) {
    const a = lines[i], b = lines[j];
    if (a.node === b.node || a.layer !== b.layer) continue;
    const dx = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
    const dy = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
    if (dx > 2 && dy > 2) problems.push(`${a.label} overlaps ${b.label}`);
  }
}
return problems;
"#;

/// A minimal W3C WebDriver client: one session, with only the endpoints the test and the benchmark need.
pub(crate) struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// An element reference returned by the driver: its key and its id.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(crate) key: String,
    pub(crate) id: String,
}

impl Session {
    /// Creates a session, which makes tauri-driver start the app.
    pub(crate) async fn start(driver: &str, app: &Path) -> Session {
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
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Value> {
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

    pub(crate) async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.send(method.clone(), path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path} failed: {e}"))
    }

    /// Finds the element with a `data-testid`, if it is in the page now.
    pub(crate) async fn try_find(&self, test_id: &str) -> Option<Element> {
        self.try_find_css(&format!("[data-testid=\"{test_id}\"]")).await
    }

    /// Finds the first element that matches a CSS selector, if it is in the page now.
    pub(crate) async fn try_find_css(&self, selector: &str) -> Option<Element> {
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
    pub(crate) async fn find(&self, test_id: &str) -> Element {
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
    pub(crate) async fn page_text(&self) -> String {
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
    pub(crate) async fn click(&self, test_id: &str) {
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
    pub(crate) async fn type_text(&self, test_id: &str, text: &str) {
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

    pub(crate) async fn text(&self, test_id: &str) -> String {
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

    pub(crate) async fn attribute(&self, test_id: &str, name: &str) -> Option<String> {
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
    pub(crate) async fn wait_text(&self, test_id: &str, expected: &str) {
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
    pub(crate) async fn wait_attribute(&self, test_id: &str, name: &str, expected: Option<&str>) {
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

    pub(crate) fn reference(&self, element: &Element) -> Value {
        let mut reference = serde_json::Map::new();
        reference.insert(element.key.clone(), Value::String(element.id.clone()));
        Value::Object(reference)
    }

    pub(crate) async fn script(&self, script: &str, args: Value) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    pub(crate) async fn set_window_size(&self, (width, height): (u32, u32)) {
        self.command(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Saves a PNG screenshot of the window at both sizes as `<name>-<width>x<height>.png`.
    pub(crate) async fn screenshots(&self, name: &str) {
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
            self.assert_layout(&format!("{name} at {}x{} ({})", size.0, size.1, path.display()))
                .await;
        }
        self.set_window_size(PHONE).await;
    }

    /// Checks the page as laid out now: no text is cut off by the window edge or by a clipping box, no
    /// text is shortened with an ellipsis, and no two pieces of text overlap. Panics with every problem
    /// found, named by `context` (the screen and the window size).
    pub(crate) async fn assert_layout(&self, context: &str) {
        let problems = self.script(LAYOUT_AUDIT, json!([])).await;
        let problems: Vec<String> =
            serde_json::from_value(problems).expect("the layout check returns strings");
        assert!(
            problems.is_empty(),
            "layout problems on {context}:\n  {}",
            problems.join("\n  ")
        );
    }

    /// Draws a stroke across the signature canvas with the Actions API (a mouse pointer).
    pub(crate) async fn draw_signature(&self) {
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
    pub(crate) async fn end(self) {
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

pub(crate) fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set; run this test with scripts/e2e.sh"))
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder is created");
    dir
}

pub(crate) fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/photos")
        .join(relative)
        .canonicalize()
        .unwrap_or_else(|e| panic!("fixture {relative} is missing: {e}"))
}

/// Returns the ids of the checklist items on screen, in page order.
pub(crate) async fn item_ids(session: &Session) -> Vec<String> {
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
pub(crate) async fn test_ids_with_prefix(session: &Session, prefix: &str) -> Vec<String> {
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
pub(crate) async fn set_date(session: &Session, test_id: &str, value: &str) {
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
pub(crate) async fn sign_in(session: &Session, server_url: &str, username: &str) {
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

/// Opens the start sheet from a task card on the home screen and chooses the second inspector, so the
/// start button is enabled.
pub(crate) async fn open_start_sheet(session: &Session, task: &str, partner: &str) {
    session.click(task).await;
    session.find("start-panel").await;
    let option = session
        .try_find_css(&format!(
            "[data-testid=\"partner-select\"] option[value=\"{partner}\"]"
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
}

/// Starts an inspection from a task card with the second inspector, then waits for the checklist.
pub(crate) async fn start_from_task(session: &Session, task: &str, partner: &str) {
    open_start_sheet(session, task, partner).await;
    session.click("start-inspection").await;
    session.find("inspection-screen").await;
}

/// Taps an answer button and waits until the UI shows it as chosen.
pub(crate) async fn answer(session: &Session, item: &str, answer: &str) {
    let button = format!("item-{item}-{answer}");
    session.click(&button).await;
    session
        .wait_attribute(&button, "aria-pressed", Some("true"))
        .await;
}

/// Marks one item 否 and adds a remark, a photo and a rectification order.
pub(crate) async fn fail_item(session: &Session, item: &str, photo: &str, on_spot: bool, due: &str) {
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
