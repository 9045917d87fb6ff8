//! Window benchmark: how fast the inspector app responds to a tap and opens the 54-item catering checklist,
//! measured in the real window (the release app under Xvfb, driven by tauri-driver and WebKitWebDriver).
//!
//! Run it with `scripts/e2e.sh --bench`, which builds the app and starts the display and the driver.
//! Without `FOODPATROL_E2E_DRIVER` it prints how to run it and exits.
//!
//! Each sample is timed inside the page with `performance.now()`, so WebDriver's own round trips are
//! not counted:
//! - tap → durable: from the answer button's click to the moment the button shows the answer as chosen.
//!   The UI marks it chosen only after `inspection_answer` returns, and that command returns after the
//!   device store has committed the change to SQLite, so the figure covers IPC, the automerge change,
//!   the SQLite commit and Yew's update of the row. The "painted" figure adds the wait for the next frame.
//! - checklist render: from the click on the task card on the home screen to the next frame after all
//!   54 items are in the page; it covers `inspection_get` (reading the record from the device store) and
//!   rendering the whole list.

#[path = "../tests/support/webdriver.rs"]
mod webdriver;

use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::TestServer;
use serde_json::json;
use webdriver::*;

/// Passes over the 54 items; each pass marks every item (是, then 合理缺项, then 是 again).
const TAP_PASSES: [&str; 3] = ["yes", "na", "yes"];
/// Times the checklist is opened from the home screen.
const RENDER_ROUNDS: usize = 20;
/// Items in the catering checklist that the benchmark scores.
const CATERING_ITEMS: usize = 54;
/// Response time that users perceive as instant (Nielsen's 0.1 s limit), for the ratios printed.
const INSTANT_MS: f64 = 100.0;

/// Clicks an answer button from script and resolves with two times in milliseconds: until the button
/// shows the answer as chosen, and until the frame after that.
const TIMED_TAP: &str = r#"
const [selector, done] = [arguments[0], arguments[arguments.length - 1]];
const chosen = () => document.querySelector(selector)?.getAttribute('aria-pressed') === 'true';
const start = performance.now();
const finish = () => {
  const shown = performance.now() - start;
  requestAnimationFrame(() => done([shown, performance.now() - start]));
};
const observer = new MutationObserver(() => {
  if (chosen()) { observer.disconnect(); finish(); }
});
observer.observe(document.body, { attributes: true, subtree: true, attributeFilter: ['aria-pressed'] });
document.querySelector(selector).click();
"#;

/// Clicks the task card from script and resolves with the milliseconds until the frame after the whole
/// checklist is in the page.
const TIMED_OPEN: &str = r#"
const [selector, items, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const complete = () => document.querySelectorAll('[data-testid$="-yes"]').length >= items;
const start = performance.now();
const observer = new MutationObserver(() => {
  if (complete()) {
    observer.disconnect();
    requestAnimationFrame(() => done(performance.now() - start));
  }
});
observer.observe(document.body, { childList: true, subtree: true });
document.querySelector(selector).click();
"#;

/// Order statistics of a set of samples in milliseconds.
struct Summary {
    count: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl Summary {
    /// Summarizes samples with the nearest-rank percentile.
    fn of(samples: &[f64]) -> Summary {
        assert!(!samples.is_empty(), "no samples to summarize");
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
        Summary {
            count: sorted.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            max: sorted[sorted.len() - 1],
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        }
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<34} n={:<4} p50 {:>7.1} ms  p90 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  mean {:>7.1} ms  \
             p99/{INSTANT_MS:.0} ms = {:.2}",
            self.count,
            self.p50,
            self.p90,
            self.p99,
            self.max,
            self.mean,
            self.p99 / INSTANT_MS
        );
    }
}

/// Runs an asynchronous timing script and returns what it resolved with.
async fn timed(session: &Session, script: &str, args: serde_json::Value) -> serde_json::Value {
    session
        .command(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(driver) = std::env::var("FOODPATROL_E2E_DRIVER") else {
        eprintln!("ui bench: FOODPATROL_E2E_DRIVER is not set; run it with scripts/e2e.sh --bench");
        return;
    };
    let app = env_path("FOODPATROL_E2E_APP");

    let server = TestServer::start(60).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);
    server.assign(&[&restaurant], (&zhang, &li)).await;

    let session = Session::start(&driver, &app).await;
    session.set_window_size(PHONE).await;
    sign_in(&session, &server.url(), &zhang.username).await;
    let task = format!("task-{}", restaurant.id);
    start_from_task(&session, &task, &li.id.to_string()).await;
    let items = item_ids(&session).await;
    assert_eq!(items.len(), CATERING_ITEMS, "the catering checklist has 54 items");

    // Tap → durable, every item in each pass.
    let mut shown_ms = Vec::new();
    let mut painted_ms = Vec::new();
    for answer in TAP_PASSES {
        for item in &items {
            let selector = format!("[data-testid=\"item-{item}-{answer}\"]");
            let times: [f64; 2] = serde_json::from_value(timed(&session, TIMED_TAP, json!([selector])).await)
                .expect("the tap script returns two times");
            shown_ms.push(times[0]);
            painted_ms.push(times[1]);
        }
    }
    session
        .wait_text("answered-count", &format!("已检查 {CATERING_ITEMS}/54"))
        .await;

    // Opening the checklist from the home screen.
    let mut opened = Vec::new();
    for _ in 0..RENDER_ROUNDS {
        session.click("nav-home").await;
        session.find(&task).await;
        let selector = format!("[data-testid=\"{task}\"]");
        let time = timed(&session, TIMED_OPEN, json!([selector, CATERING_ITEMS])).await;
        opened.push(time.as_f64().expect("the open script returns a time"));
    }
    session.end().await;

    println!(
        "FoodPatrol window benchmark: release app, WebKitGTK under Xvfb, window {}x{}",
        PHONE.0, PHONE.1
    );
    Summary::of(&shown_ms).print("tap -> answer durable and shown");
    Summary::of(&painted_ms).print("tap -> next frame painted");
    Summary::of(&opened).print("open 54-item checklist -> painted");
}
