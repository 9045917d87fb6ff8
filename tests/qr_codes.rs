//! 一户一码 end to end: a supervisor prints a street's QR sheet, the PDF is rasterised with poppler's
//! pdftoppm and the codes decoded with rqrr, and each decoded link opens the shop's public page on
//! the real server. Tampered and revoked codes get clear pages. The public page stays small and
//! shows no personal data or internal ids. The 红黑榜 and the result-record PDF follow real records.
//!
//! Needs `pdftotext` and `pdftoppm` (Debian poppler-utils) on the PATH.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Days;
use foodpatrol_server::pdf::{A4_HEIGHT, A4_WIDTH};
use foodpatrol_server::print::{SHEET_COLUMNS, SHEET_HEADER, SHEET_MARGIN, SHEET_ROWS};
use foodpatrol_server::qr_api::QrInfo;
use foodpatrol_server::seed::owner_username;
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::InspectionKind;
use foodpatrol_shared::rectification::{RectificationMode, Tier};
use foodpatrol_shared::shop::{BusinessType, Shop};
use foodpatrol_tests::{TestDevice, TestServer, register, score_all, signature_png};

/// Runs a poppler tool and fails the test with its output when it fails.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (install poppler-utils): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler prints UTF-8")
}

/// Extracts a PDF's text with pdftotext.
fn pdf_text(pdf: &Path) -> String {
    run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"])
}

/// Rasterises every page at 150 dpi and returns the PNG files in page order.
fn rasterise(pdf: &Path, out_dir: &Path) -> Vec<PathBuf> {
    let prefix = out_dir.join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(out_dir)
        .expect("raster folder lists")
        .map(|e| e.expect("raster entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages
}

/// Decodes the QR code of every cell of a street-sheet page, cutting the page along the printed
/// cell borders first. rqrr, given the whole page, pairs finder patterns of neighbouring symbols in
/// the aligned grid and then misses most real symbols.
fn decode_sheet_page(png: &Path) -> Vec<String> {
    let page = image::open(png).expect("page image opens").to_luma8();
    let points_to_pixels = page.width() as f32 / A4_WIDTH;
    let cell_width = (A4_WIDTH - 2.0 * SHEET_MARGIN) / SHEET_COLUMNS as f32;
    let cell_height = (A4_HEIGHT - 2.0 * SHEET_MARGIN - SHEET_HEADER) / SHEET_ROWS as f32;
    let mut links = Vec::new();
    for row in 0..SHEET_ROWS {
        for column in 0..SHEET_COLUMNS {
            let left = (SHEET_MARGIN + column as f32 * cell_width) * points_to_pixels;
            let top = (SHEET_MARGIN + SHEET_HEADER + row as f32 * cell_height) * points_to_pixels;
            let cell = image::imageops::crop_imm(
                &page,
                left as u32,
                top as u32,
                (cell_width * points_to_pixels) as u32,
                (cell_height * points_to_pixels) as u32,
            )
            .to_image();
            let mut prepared = rqrr::PreparedImage::prepare(cell);
            let grids = prepared.detect_grids();
            assert!(grids.len() <= 1, "one code per cell");
            for grid in grids {
                let (_, text) = grid.decode().expect("a detected QR code decodes");
                links.push(text);
            }
        }
    }
    links
}

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.expect("body reads"))
}

async fn bearer_get(url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("server answers")
}

/// Returns the street with the most shops and its shops.
fn busiest_street(server: &TestServer) -> (String, Vec<Shop>) {
    let mut by_street: BTreeMap<String, Vec<Shop>> = BTreeMap::new();
    for shop in &server.district.shops {
        by_street
            .entry(shop.street.clone())
            .or_default()
            .push(shop.clone());
    }
    by_street
        .into_iter()
        .max_by_key(|(_, shops)| shops.len())
        .expect("district has streets")
}

/// Returns the supervisor's bearer token.
async fn supervisor_token(server: &TestServer) -> String {
    register(server, &server.district.supervisors[0].username)
        .await
        .token
}

async fn qr_info(server: &TestServer, token: &str, shop: &Shop) -> QrInfo {
    let response = bearer_get(&format!("{}/v1/qr/{}", server.url(), shop.id), token).await;
    assert_eq!(response.status(), 200, "QR info of {}", shop.licence_no);
    response.json().await.expect("QR info is JSON")
}

/// Returns true when `text` contains something shaped like a UUID (8-4-4-4-12 hex digits).
fn contains_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = [8, 4, 4, 4, 12];
    let total = 36;
    (0..bytes.len().saturating_sub(total - 1)).any(|start| {
        let mut at = start;
        shape.iter().enumerate().all(|(i, len)| {
            let group_ok = bytes[at..at + len].iter().all(u8::is_ascii_hexdigit);
            at += len;
            let dash_ok = i == shape.len() - 1 || bytes.get(at) == Some(&b'-');
            at += 1;
            group_ok && dash_ok
        })
    })
}

/// The first inspector's device, signed in and synced, and both inspectors of the visits.
struct Inspectors {
    first: TestDevice,
    names: [String; 2],
    usernames: [String; 2],
    user_ids: [String; 2],
}

async fn inspectors_for(server: &TestServer, shops: &[&Shop]) -> Inspectors {
    let (zhang, li) = server.inspector_pair();
    server.assign(shops, (&zhang, &li)).await;
    let first = TestDevice::signed_in(server, &zhang.username).await;
    first.device.sync().await.expect("first device syncs");
    Inspectors {
        first,
        names: [zhang.display_name.clone(), li.display_name.clone()],
        usernames: [zhang.username.clone(), li.username.clone()],
        user_ids: [zhang.id.to_string(), li.id.to_string()],
    }
}

/// Scores a shop with `failed` items (each ordered fixed within a week), signs and syncs the record.
async fn inspect(pair: &Inspectors, shop: &Shop, failed: &[(&str, &str)]) -> InspectionId {
    let device = &pair.first.device;
    let colleague = device
        .colleagues()
        .expect("colleagues read")
        .into_iter()
        .find(|c| c.name == pair.names[1])
        .expect("second inspector is a colleague");
    let visit = device
        .start_inspection(shop.id, InspectionKind::Daily, Some(colleague))
        .expect("inspection starts");
    score_all(device, visit, failed);
    let started = device.inspection(visit).expect("inspection reads").started_at_ms;
    let today = chrono::DateTime::from_timestamp_millis(started)
        .unwrap()
        .date_naive();
    for (item, _) in failed {
        device
            .order_rectification(
                visit,
                item,
                RectificationMode::Deadline {
                    due: today + Days::new(7),
                    requirement: "整改后上传照片".into(),
                },
                Tier::SelfFix,
            )
            .expect("rectification ordered");
    }
    device
        .sign(visit, "王老板", &signature_png())
        .expect("owner signs");
    device.submit(visit).expect("record submits");
    device.sync().await.expect("record syncs");
    visit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn street_sheet_codes_open_shop_pages() {
    let server = TestServer::start(80).await;
    let token = supervisor_token(&server).await;
    let (street, shops) = busiest_street(&server);
    assert!(shops.len() > 12, "the street fills more than one page");

    let response = bearer_get(
        &format!("{}/v1/qr/streets/{street}/sheet.pdf", server.url()),
        &token,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf_bytes = response.bytes().await.expect("PDF downloads");
    let work = tempfile::tempdir().expect("temp dir");
    let pdf = work.path().join("sheet.pdf");
    std::fs::write(&pdf, &pdf_bytes).expect("PDF writes");

    // Chinese text extracts: the title, and every shop's licence number under its code.
    let text = pdf_text(&pdf);
    assert!(
        text.contains(&format!("{street}街道 一户一码")),
        "title missing:\n{text}"
    );
    for shop in &shops {
        assert!(
            text.contains(&shop.licence_no),
            "licence {} missing",
            shop.licence_no
        );
        let first_chars: String = shop.name.chars().take(6).collect();
        assert!(text.contains(&first_chars), "shop name {} missing", shop.name);
    }

    // Every code on every page decodes to a distinct link.
    let pages = rasterise(&pdf, work.path());
    assert_eq!(pages.len(), shops.len().div_ceil(12), "pages of 12 codes");
    let mut links = BTreeSet::new();
    for page in &pages {
        for link in decode_sheet_page(page) {
            assert!(link.starts_with(&format!("{}/q/", server.url())), "link {link}");
            links.insert(link);
        }
    }
    assert_eq!(links.len(), shops.len(), "one decoded code per shop");

    // Each link opens its shop's page on the real server.
    let mut names_seen = BTreeSet::new();
    for link in &links {
        let (status, content_type, body) = get(link).await;
        assert_eq!(status, 200, "page of {link}");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let shop = shops
            .iter()
            .find(|s| body.contains(&s.licence_no))
            .unwrap_or_else(|| panic!("page of {link} names no shop of the street"));
        assert!(
            body.contains(&shop.name),
            "page shows the name of {}",
            shop.licence_no
        );
        names_seen.insert(shop.licence_no.clone());
    }
    assert_eq!(names_seen.len(), shops.len(), "every shop's page was reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_link_rejected_at_every_position() {
    let server = TestServer::start(12).await;
    let token = supervisor_token(&server).await;
    let shop = server.district.shops[0].clone();
    let info = qr_info(&server, &token, &shop).await;
    assert_eq!(get(&info.url).await.0, 200, "the untouched link opens");

    let chars: Vec<char> = info.code.chars().collect();
    for position in 0..chars.len() {
        let mut changed = chars.clone();
        changed[position] = if chars[position] == 'A' { 'B' } else { 'A' };
        let code: String = changed.into_iter().collect();
        let (status, content_type, body) = get(&format!("{}/q/{code}", server.url())).await;
        assert_eq!(status, 404, "code changed at position {position}");
        assert!(
            content_type.starts_with("text/html"),
            "position {position}: {content_type}"
        );
        assert!(body.contains("二维码无效"), "position {position}: {body}");
        assert!(!body.contains(&shop.name), "position {position} reveals the shop");
        assert!(
            !body.to_lowercase().contains("error"),
            "position {position} dumps an error"
        );
    }

    let (status, _, body) = get(&format!("{}/q/not-a-code", server.url())).await;
    assert_eq!(status, 404);
    assert!(body.contains("二维码无效"));
    let (status, _, body) = get(&format!("{}/q/{}?format=json", server.url(), &info.code[1..])).await;
    assert_eq!(status, 404);
    assert!(body.contains("qr_invalid"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_code_reads_expired() {
    let server = TestServer::start(12).await;
    let token = supervisor_token(&server).await;
    let shop = server.district.shops[1].clone();
    let old = qr_info(&server, &token, &shop).await;
    assert_eq!(old.generation, 1);

    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let denied = reqwest::Client::new()
        .post(format!("{}/v1/qr/{}/revoke", server.url(), shop.id))
        .bearer_auth(&inspector.token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403, "inspectors may not revoke codes");
    assert_eq!(get(&old.url).await.0, 200, "a refused revocation changes nothing");

    let revoked = reqwest::Client::new()
        .post(format!("{}/v1/qr/{}/revoke", server.url(), shop.licence_no))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let new: QrInfo = revoked.json().await.unwrap();
    assert_eq!(new.generation, 2);
    assert_ne!(new.code, old.code);

    let (status, content_type, body) = get(&old.url).await;
    assert_eq!(status, 410, "the old code is gone");
    assert!(content_type.starts_with("text/html"));
    assert!(body.contains("已失效"), "{body}");
    assert!(
        !body.contains(&shop.name),
        "the expired page does not name the shop"
    );
    let (status, _, body) = get(&new.url).await;
    assert_eq!(status, 200);
    assert!(body.contains(&shop.name));
    let (status, _, body) = get(&format!("{}.json", old.url)).await;
    assert_eq!(status, 410);
    assert!(body.contains("qr_revoked"), "{body}");

    // The PNG and SVG of the current code carry the new link.
    let png = bearer_get(&format!("{}/v1/qr/{}/code.png", server.url(), shop.id), &token).await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&png.bytes().await.unwrap())
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    assert_eq!(grids[0].decode().unwrap().1, new.url);
    let svg = bearer_get(&format!("{}/v1/qr/{}/code.svg", server.url(), shop.id), &token).await;
    assert_eq!(svg.status(), 200);
    assert!(svg.text().await.unwrap().starts_with("<svg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_page_small_and_private() {
    let server = TestServer::start(60).await;
    let token = supervisor_token(&server).await;
    let shop = server
        .owned_shops()
        .into_iter()
        .find(|s| s.business_type == BusinessType::Catering.code())
        .expect("an owned restaurant");
    let pair = inspectors_for(&server, &[&shop]).await;
    let visit = inspect(
        &pair,
        &shop,
        &[("C04-01", "mobile/jolla.jpg"), ("C05-01", "gps/DSCN0010.jpg")],
    )
    .await;
    assert_eq!(server.count("tasks"), 2, "the record made two tasks");
    let info = qr_info(&server, &token, &shop).await;

    let (status, content_type, html) = get(&info.url).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"));
    let (status, content_type, json) = get(&format!("{}?format=json", info.url)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"));

    assert!(html.len() < 30 * 1024, "page is {} bytes", html.len());
    assert!(html.contains(&shop.name));
    assert!(html.contains(&shop.licence_no));
    assert!(html.contains("基本符合"), "latest result shown");
    assert!(html.contains("未评级"), "a shop without a grade says so");
    assert!(html.contains("tel:12315"));
    assert!(html.contains("https://www.12315.cn"));
    assert!(!html.contains("<script"), "the page works without scripts");
    let status_json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(status_json["shop_name"], shop.name);
    assert_eq!(status_json["latest_inspection"]["outcome"], "basically_compliant");
    assert_eq!(status_json["risk"]["label"], "未评级");
    assert_eq!(status_json["complaint"]["phone"], "12315");
    assert_eq!(status_json["street"], shop.street);
    assert!(
        html.contains("/honour-roll?street="),
        "the page links to its street's 红黑榜"
    );

    // Nothing personal or internal: no staff, no owner, no ids other than licence and code.
    // The seed gives owners no phone number, so the test records one as an owner would.
    let owner = owner_username(&shop);
    let writer = rusqlite::Connection::open(server.database()).unwrap();
    writer
        .execute(
            "UPDATE users SET phone = '13912345678' WHERE username = ?1",
            [&owner],
        )
        .unwrap();
    let db = server.db();
    let owner_name: String = db
        .query_row(
            "SELECT display_name FROM users WHERE username = ?1",
            [&owner],
            |r| r.get(0),
        )
        .expect("owner account exists");
    let phones: Vec<String> = db
        .prepare("SELECT phone FROM users WHERE phone IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(phones.contains(&"13912345678".to_owned()));
    let task_ids: Vec<String> = db
        .prepare("SELECT id FROM tasks")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let doc_ids: Vec<String> = db
        .prepare("SELECT id FROM docs")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut forbidden: Vec<(&str, String)> = vec![
        ("inspection id", visit.to_string()),
        ("shop id", shop.id.to_string()),
        ("owner name", owner_name),
        ("owner username", owner),
        ("signer name", "王老板".to_owned()),
    ];
    for i in 0..2 {
        forbidden.push(("inspector name", pair.names[i].clone()));
        forbidden.push(("inspector username", pair.usernames[i].clone()));
        forbidden.push(("inspector user id", pair.user_ids[i].clone()));
    }
    forbidden.extend(phones.into_iter().map(|phone| ("phone number", phone)));
    forbidden.extend(task_ids.into_iter().map(|id| ("task id", id)));
    forbidden.extend(doc_ids.into_iter().map(|id| ("doc id", id)));
    for (body_name, body) in [("page", &html), ("JSON", &json)] {
        for (what, value) in &forbidden {
            assert!(
                !body.contains(value.as_str()),
                "{body_name} contains the {what} {value}"
            );
        }
        assert!(!contains_uuid(body), "{body_name} contains a UUID-shaped id");
    }

    // A grade from the risk grading run shows its face; level D also puts the shop on the black list.
    writer
        .execute(
            "INSERT INTO risk_grades (shop_id, year, level, score, static_score, dynamic_score, explanation,
                                      table_id, table_version, computed_at)
             VALUES (?1, 2026, 'D', 80, 30, 50, '[]', 'test-table', 1, '2026-12-01T00:00:00Z')",
            [shop.id.to_string()],
        )
        .unwrap();
    let (_, _, html) = get(&info.url).await;
    assert!(html.contains("哭脸"), "level D shows the crying face");
    assert!(html.contains("黑榜"));
    assert!(html.contains("风险等级为 D 级"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honour_roll_follows_records() {
    let server = TestServer::start(60).await;
    let restaurants: Vec<Shop> = server
        .district
        .shops
        .iter()
        .filter(|s| s.business_type == BusinessType::Catering.code())
        .take(2)
        .cloned()
        .collect();
    let (good, bad) = (&restaurants[0], &restaurants[1]);
    let pair = inspectors_for(&server, &[good, bad]).await;
    inspect(&pair, good, &[]).await;
    inspect(&pair, good, &[]).await;
    // Two failed key items make the record 不符合.
    inspect(
        &pair,
        bad,
        &[("C03-01", "mobile/jolla.jpg"), ("C04-01", "gps/DSCN0010.jpg")],
    )
    .await;
    let writer = rusqlite::Connection::open(server.database()).unwrap();
    writer
        .execute(
            "INSERT INTO risk_grades (shop_id, year, level, score, static_score, dynamic_score, explanation,
                                      table_id, table_version, computed_at)
             VALUES (?1, 2026, 'A', 10, 5, 5, '[]', 'test-table', 1, '2026-12-01T00:00:00Z')",
            [good.id.to_string()],
        )
        .unwrap();

    let roll_of = |street: &str| format!("{}/honour-roll?street={street}&format=json", server.url());
    let (status, _, good_json) = get(&roll_of(&good.street)).await;
    assert_eq!(status, 200);
    let good_roll: serde_json::Value = serde_json::from_str(&good_json).unwrap();
    let red: Vec<&str> = good_roll["red"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["licence_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        red,
        vec![good.licence_no.as_str()],
        "graded A with two 符合 records"
    );
    assert_eq!(good_roll["rules_id"], "honour-roll");
    assert_eq!(good_roll["rules_version"], 1);

    let (_, _, bad_json) = get(&roll_of(&bad.street)).await;
    let bad_roll: serde_json::Value = serde_json::from_str(&bad_json).unwrap();
    let black = bad_roll["black"].as_array().unwrap();
    let entry = black
        .iter()
        .find(|e| e["licence_no"] == bad.licence_no)
        .expect("the 不符合 shop is on the black list");
    assert!(entry["reasons"][0].as_str().unwrap().contains("不符合"));
    assert!(!contains_uuid(&bad_json), "the roll shows no internal ids");

    let (status, content_type, html) =
        get(&format!("{}/honour-roll?street={}", server.url(), bad.street)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"));
    assert!(html.contains(&bad.name));
    assert!(html.contains("黑榜"));
    let (status, _, _) = get(&format!("{}/honour-roll?street=不存在", server.url())).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_pdf_prints_whole_record() {
    let server = TestServer::start(60).await;
    let token = supervisor_token(&server).await;
    let shop = server.shop_of(BusinessType::Catering);
    let pair = inspectors_for(&server, &[&shop]).await;
    let visit = inspect(
        &pair,
        &shop,
        &[("C04-01", "mobile/jolla.jpg"), ("C05-01", "gps/DSCN0010.jpg")],
    )
    .await;
    let url = format!("{}/console/inspections/{visit}/record.pdf", server.url());

    let inspector = register(&server, &pair.usernames[0]).await;
    assert_eq!(bearer_get(&url, &inspector.token).await.status(), 403);
    let missing = format!(
        "{}/console/inspections/{}/record.pdf",
        server.url(),
        InspectionId::new_v7()
    );
    assert_eq!(bearer_get(&missing, &token).await.status(), 404);

    let response = bearer_get(&url, &token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let work = tempfile::tempdir().unwrap();
    let pdf = work.path().join("record.pdf");
    std::fs::write(&pdf, response.bytes().await.unwrap()).unwrap();

    let text = pdf_text(&pdf);
    for expected in [
        "食品安全监督检查结果记录表",
        shop.name.as_str(),
        shop.licence_no.as_str(),
        pair.names[0].as_str(),
        pair.names[1].as_str(),
        "检查结果：基本符合",
        "限期整改",
        "整改后上传照片",
        "王老板",
        "C01-01",
        "C04-01",
        "不符合要求",
    ] {
        assert!(text.contains(expected), "record lacks {expected:?}:\n{text}");
    }
    let item_ids: Vec<String> = server
        .db()
        .prepare("SELECT item_id FROM answers WHERE inspection_id = ?1")
        .unwrap()
        .query_map([visit.to_string()], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(item_ids.len(), 54);
    for item in &item_ids {
        assert!(text.contains(item.as_str()), "record lacks checklist item {item}");
    }
    let pages = rasterise(&pdf, work.path());
    assert!(
        pages.len() >= 2,
        "54 items break onto more pages ({})",
        pages.len()
    );
    for page in &pages {
        assert!(
            std::fs::metadata(page).unwrap().len() > 1000,
            "{} renders",
            page.display()
        );
    }
}
