//! The shell through Tauri's IPC layer: the real app (commands, capabilities, ACL, state) on Tauri's mock
//! runtime, which needs no display, against a real sync server on 127.0.0.1.

use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, Mutex};

use foodpatrol_app::autosync::SYNC_PROGRESS_EVENT;
use foodpatrol_app::{AppState, Settings, commands, photos};
use foodpatrol_server::seed::DEMO_PASSWORD;
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{TestServer, fixture, score_all, signature_png};
use serde_json::{Value, json};
use tauri::http::{HeaderMap, HeaderValue, StatusCode};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

/// The app on the mock runtime with its main window, and the folder of its device store.
struct TestApp {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _data: tempfile::TempDir,
}

impl TestApp {
    fn start(server_url: &str) -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: Some(data.path().to_owned()),
            default_server_url: server_url.to_owned(),
            auto_sync: false,
        };
        let app = foodpatrol_app::run_app(mock_builder(), settings).expect("app builds");
        let window = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("main window opens on the mock runtime");
        TestApp {
            app,
            window,
            _data: data,
        }
    }

    /// Invokes a command with JSON arguments; returns the JSON result or the JSON error.
    fn invoke(&self, command: &str, args: Value) -> Result<Value, Value> {
        self.request(command, InvokeBody::Json(args), HeaderMap::new())
    }

    /// Invokes a command with a raw byte body and headers.
    fn invoke_raw(
        &self,
        command: &str,
        body: Vec<u8>,
        headers: &[(&'static str, &str)],
    ) -> Result<Value, Value> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        self.request(command, InvokeBody::Raw(body), map)
    }

    fn request(&self, command: &str, body: InvokeBody, headers: HeaderMap) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body,
            headers,
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    fn ok(&self, command: &str, args: Value) -> Value {
        self.invoke(command, args)
            .unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }

    fn error_code(&self, command: &str, args: Value) -> String {
        let error = self
            .invoke(command, args)
            .expect_err(&format!("{command} should fail"));
        error["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not a CommandError: {error}"))
            .to_owned()
    }

    fn device(&self) -> Arc<foodpatrol_device::Device> {
        Arc::clone(&self.app.state::<AppState>().device)
    }
}

/// Renders text as a QR code PNG, 6 px per module with a 4-module quiet zone.
fn qr_png(content: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(content.as_bytes()).unwrap();
    let modules = code.width();
    let colors = code.to_colors();
    let (scale, quiet) = (6, 4);
    let side = ((modules + 2 * quiet) * scale) as u32;
    let image = image::GrayImage::from_fn(side, side, |x, y| {
        let module = |p: u32| (p as usize / scale).checked_sub(quiet).filter(|m| *m < modules);
        match (module(x), module(y)) {
            (Some(mx), Some(my)) if colors[my * modules + mx] == qrcode::Color::Dark => image::Luma([0]),
            _ => image::Luma([255]),
        }
    });
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn capability_grants_exactly_the_commands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/default.json");
    let capability: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();

    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();

    let mut expected = vec!["core:event:default".to_owned()];
    expected.extend(
        commands::NAMES
            .iter()
            .map(|name| format!("allow-{}", name.replace('_', "-"))),
    );
    assert_eq!(granted, expected);
    assert_eq!(capability["windows"], json!(["main"]));
}

#[test]
fn every_command_is_registered_and_allowed() {
    let app = TestApp::start("http://127.0.0.1:9");

    for name in commands::NAMES {
        // Arguments are missing on purpose: a registered, allowed command returns a result, a
        // CommandError, or an "invalid args" message, never with "not found" or "not allowed".
        let response = app.invoke(name, json!({}));
        if let Err(Value::String(message)) = &response {
            assert!(
                message.contains("invalid args") || message.contains("missing required key"),
                "{name}: {message}"
            );
        }
    }
    let unknown = app.invoke("no_such_command", json!({})).unwrap_err();
    assert!(unknown.as_str().unwrap().contains("not"), "{unknown}");
}

#[test]
fn other_window_is_denied() {
    let app = TestApp::start("http://127.0.0.1:9");
    let other = WebviewWindowBuilder::new(&app.app, "other", Default::default())
        .build()
        .unwrap();
    let request = InvokeRequest {
        cmd: "session_get".into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(json!({})),
        headers: HeaderMap::new(),
        invoke_key: INVOKE_KEY.to_string(),
    };

    let denied = get_ipc_response(&other, request).unwrap_err();

    assert!(denied.as_str().unwrap().contains("not allowed"), "{denied}");
}

#[test]
fn app_info_and_empty_session() {
    let app = TestApp::start("http://inspect.example:8080");

    let info = app.ok("app_info", json!({}));

    assert_eq!(info["default_server_url"], "http://inspect.example:8080");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(app.ok("session_get", json!({})), Value::Null);
    assert_eq!(app.ok("tasks_today", json!({})), json!([]));
}

#[test]
fn inspection_round_trip_through_ipc() {
    let server = tauri::async_runtime::block_on(TestServer::start(40));
    let (zhang, li) = server.inspector_pair();
    let store = server.shop_of(BusinessType::Retail);
    tauri::async_runtime::block_on(server.assign(&[&store], (&zhang, &li)));
    let app = TestApp::start(&server.url());
    let events = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = Arc::clone(&events);
    app.app.listen_any(SYNC_PROGRESS_EVENT, move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });

    // Sign in: a bad password is the server's error code; the right one returns the identity.
    let sign_in = |password: &str| {
        app.invoke(
            "session_sign_in",
            json!({
                "serverUrl": server.url(),
                "username": zhang.username,
                "password": password,
                "deviceName": "测试平板",
            }),
        )
    };
    let rejected = sign_in("wrong password").unwrap_err();
    assert_ne!(rejected["code"], "bad_argument", "{rejected}");
    let identity = sign_in(DEMO_PASSWORD).unwrap();
    assert_eq!(identity["user_id"], zhang.id.to_string());
    assert_eq!(identity["signed_in"], true);
    assert!(identity.get("token").is_none(), "the token never reaches the UI");
    assert_eq!(
        app.ok("session_get", json!({}))["display_name"],
        zhang.display_name
    );

    // The first sync downloads the assignment, its shop and the colleagues.
    app.ok("sync_now", json!({}));
    let tasks = app.ok("tasks_today", json!({}));
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["shop"]["id"], store.id.to_string());
    assert_eq!(tasks[0]["inspection_id"], Value::Null);
    let found = app.ok("shops_search", json!({ "query": store.name }));
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == store.id.to_string())
    );
    let colleagues = app.ok("colleagues_list", json!({}));
    assert!(
        colleagues
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["user_id"] == li.id.to_string())
    );

    // The shop's QR code (its licence number) finds it offline.
    let scanned = app
        .invoke_raw(
            "shop_from_qr",
            qr_png(&format!("许可证 {}", store.licence_no)),
            &[],
        )
        .unwrap();
    assert_eq!(scanned["id"], store.id.to_string());
    let unknown = app
        .invoke_raw("shop_from_qr", qr_png("JY99999999999999"), &[])
        .unwrap_err();
    assert_eq!(unknown["code"], "shop_not_found");
    // The phone's barcode scanner hands over the text it read.
    let by_text = app.ok(
        "shop_from_code",
        json!({ "text": format!("https://foodpatrol.example/s/{}", store.id) }),
    );
    assert_eq!(by_text["id"], store.id.to_string());
    assert_eq!(
        app.error_code("shop_from_code", json!({ "text": "不是店铺码" })),
        "bad_argument"
    );

    // Start, score, photograph, sign and submit.
    assert_eq!(
        app.error_code(
            "inspection_start",
            json!({ "shopId": store.id, "kind": "weekly" })
        ),
        "bad_argument"
    );
    let id = app.ok(
        "inspection_start",
        json!({ "shopId": store.id, "kind": "daily", "partnerId": li.id }),
    );
    let id = id.as_str().unwrap().to_owned();
    let view = app.ok("inspection_get", json!({ "id": id }));
    assert_eq!(view["shop"]["id"], store.id.to_string());
    assert_eq!(view["inspection"]["inspectors"].as_array().unwrap().len(), 2);
    let first_item = view["template"]["items"][0]["id"].as_str().unwrap().to_owned();
    let total = view["preview"]["total"].as_u64().unwrap();
    assert_eq!(app.ok("tasks_today", json!({}))[0]["inspection_id"], id);

    assert_eq!(
        app.error_code(
            "inspection_answer",
            json!({ "id": id, "itemId": first_item, "answer": "maybe" })
        ),
        "bad_argument"
    );
    let preview = app.ok(
        "inspection_answer",
        json!({ "id": id, "itemId": first_item, "answer": "yes" }),
    );
    assert_eq!(preview["answered"], 1);
    assert_eq!(preview["total"], total);

    let photo = app
        .invoke_raw(
            "inspection_photo_add",
            fixture("gps/DSCN0010.jpg"),
            &[("x-inspection-id", &id), ("x-item-id", &first_item)],
        )
        .unwrap();
    let hash = photo["hash"].as_str().unwrap().to_owned();
    let served = photos::respond(&app.device(), &format!("/thumb/{hash}"));
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert!(served.body().starts_with(&[0xFF, 0xD8]), "a JPEG thumbnail");
    let json_body = app
        .invoke("inspection_photo_add", json!({ "id": id }))
        .unwrap_err();
    assert_eq!(json_body["code"], "bad_argument");
    let no_header = app
        .invoke_raw("inspection_photo_add", fixture("gps/DSCN0010.jpg"), &[])
        .unwrap_err();
    assert_eq!(no_header["code"], "bad_argument");

    assert_eq!(
        app.error_code("inspection_submit", json!({ "id": id })),
        "not_ready"
    );
    score_all(&app.device(), id.parse().unwrap(), &[]);
    let signer = "王老板";
    let encoded =
        percent_encoding::utf8_percent_encode(signer, percent_encoding::NON_ALPHANUMERIC).to_string();
    app.invoke_raw(
        "inspection_sign",
        signature_png(),
        &[("x-inspection-id", &id), ("x-signer-name", &encoded)],
    )
    .unwrap();
    let signed = app.ok("inspection_get", json!({ "id": id }));
    let signature = &signed["inspection"]["signature"];
    assert_eq!(signature["kind"], "signed", "{signature}");
    assert_eq!(signature["signer_name"], signer);
    let evaluation = app.ok("inspection_submit", json!({ "id": id }));
    assert!(evaluation["outcome"].is_string(), "{evaluation}");
    assert_eq!(app.ok("tasks_today", json!({}))[0]["submitted"], true);

    // Sync: the record and both images reach the server, with progress events on the way.
    let status = app.ok("sync_status", json!({}));
    assert_eq!(status["status"]["pending_docs"], 1);
    assert_eq!(status["status"]["pending_photos"], 2);
    assert_eq!(status["syncing"], false);
    events.lock().unwrap().clear();
    let report = app.ok("sync_now", json!({}));
    assert_eq!(report["pushed_docs"], 1);
    assert_eq!(report["photos_uploaded"], 2);
    let events = events.lock().unwrap().clone();
    let phases: Vec<&str> = events.iter().map(|e| e["phase"].as_str().unwrap()).collect();
    assert!(phases.contains(&"documents"), "{phases:?}");
    assert_eq!(
        events.iter().rfind(|e| e["phase"] == "photos").unwrap()["done"],
        2,
        "{events:?}"
    );
    assert_eq!(*phases.last().unwrap(), "done");
    let status = app.ok("sync_status", json!({}));
    assert_eq!(status["status"]["pending_docs"], 0);
    assert_eq!(status["status"]["pending_photos"], 0);
    assert_eq!(status["online"], true);
}

#[test]
fn offline_sync_reports_offline() {
    let mut server = tauri::async_runtime::block_on(TestServer::start(20));
    let (zhang, _) = server.inspector_pair();
    let app = TestApp::start(&server.url());
    app.ok(
        "session_sign_in",
        json!({
            "serverUrl": server.url(),
            "username": zhang.username,
            "password": DEMO_PASSWORD,
            "deviceName": "测试平板",
        }),
    );
    tauri::async_runtime::block_on(server.stop());

    assert_eq!(app.error_code("sync_now", json!({})), "offline");

    let status = app.ok("sync_status", json!({}));
    assert_eq!(status["online"], false);
    assert!(
        status["status"]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("网络不可用")
    );
}
