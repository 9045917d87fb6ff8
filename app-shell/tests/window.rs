//! The real app window end to end: the release build of the app under Xvfb, driven over W3C WebDriver
//! (tauri-driver in front of WebKitWebDriver), against a real sync server on 127.0.0.1.
//!
//! Run it with `scripts/e2e.sh`, which builds the app, starts Xvfb and tauri-driver and sets
//! `FOODPATROL_E2E_DRIVER` (tauri-driver's URL), `FOODPATROL_E2E_APP` (the app binary) and
//! `FOODPATROL_E2E_DATA_DIR` (the app's device store folder, which tauri-driver passes on to the app
//! as `FOODPATROL_DATA_DIR`). Screenshots go to `target/e2e-screenshots/`.

#[path = "support/webdriver.rs"]
mod webdriver;

use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::TestServer;
use serde_json::json;
use webdriver::*;

/// How many items are answered before the app is closed mid-inspection.
const RESUMED_AFTER: usize = 10;
/// The catering items that fail, with the fixture photo attached to each.
const FAILED_ITEMS: [(&str, &str); 2] = [("C04-01", "mobile/jolla.jpg"), ("C05-01", "gps/DSCN0010.jpg")];

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
    layout_check_finds_planted_faults(&session).await;
    sign_in(&session, &server.url(), &zhang.username).await;
    assert!(
        data_dir.join("device.sqlite").exists(),
        "the app stores its data in FOODPATROL_DATA_DIR"
    );
    let task = format!("task-{}", restaurant.id);
    session.wait_attribute(&task, "data-status", Some("todo")).await;
    session.screenshots("02-tasks").await;

    // Choose the partner and start.
    open_start_sheet(&session, &task, &li.id.to_string()).await;
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
    // The home screen lists the device's unsubmitted records after its tasks, so wait for the list.
    session.find("open-records").await;
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

/// Plants text that overlaps other text and text cut off by a clipping box, and checks that the layout
/// check run on every screenshot reports both, so a clean screenshot means something.
async fn layout_check_finds_planted_faults(session: &Session) {
    session
        .script(
            "const planted = document.createElement('div');
             planted.id = 'planted-faults';
             planted.innerHTML =
               '<p style=\"margin:0;font-size:16px\">第一行文字</p>' +
               '<p style=\"margin:-12px 0 0;font-size:16px\">第二行文字</p>' +
               '<div style=\"width:40px;overflow:hidden;white-space:nowrap\">一段放不下的很长的文字</div>';
             document.body.prepend(planted);",
            json!([]),
        )
        .await;
    let problems: Vec<String> = serde_json::from_value(session.script(LAYOUT_AUDIT, json!([])).await)
        .expect("the layout check returns strings");
    session
        .script("document.getElementById('planted-faults').remove();", json!([]))
        .await;

    assert!(
        problems
            .iter()
            .any(|p| p.contains("第一行文字") && p.contains("overlaps")),
        "overlapping lines are reported: {problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("一段放不下") && p.contains("cut off")),
        "clipped text is reported: {problems:?}"
    );
}
