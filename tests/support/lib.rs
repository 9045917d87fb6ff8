//! Test support: a real sync server on 127.0.0.1:0 over a real SQLite file, seeded with a small
//! generated district, and real devices (each its own SQLite file) that talk to it over HTTP.
//!
//! Nothing here is mocked; the only stand-ins are a device clock set by hand
//! ([`foodpatrol_device::ManualClock`]) and the choice of which fixtures to photograph.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use foodpatrol_device::{Clock, Device, SystemClock};
use foodpatrol_server::district::{DistrictSpec, SeedUser};
use foodpatrol_server::seed::{self, DEMO_PASSWORD};
use foodpatrol_server::{AppState, RunningServer};
use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::ids::{InspectionId, ShopId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::protocol::{ApiError, RegisterRequest, RegisterResponse};
use foodpatrol_shared::shop::{BusinessType, Shop};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub use foodpatrol_server::district::District;

/// Reads a fixture photo shipped with the tests (see `tests/fixtures/photos/ATTRIBUTION.md`).
pub fn fixture(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/photos")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// Makes a small signature-like PNG (dark strokes on white), as the signature canvas exports.
pub fn signature_png() -> Vec<u8> {
    let mut image = image::RgbaImage::from_pixel(300, 120, image::Rgba([255, 255, 255, 255]));
    for x in 20..280u32 {
        let y = 60.0 + 30.0 * (f64::from(x) / 25.0).sin();
        for dy in 0..3u32 {
            image.put_pixel(x, (y as u32 + dy).min(119), image::Rgba([20, 20, 20, 255]));
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("PNG encodes");
    bytes
}

/// A running server with its data folder; stopped when dropped at the end of the test.
#[allow(missing_debug_implementations)]
pub struct TestServer {
    pub dir: TempDir,
    pub state: AppState,
    pub district: District,
    server: Option<RunningServer>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1:0 with a generated district of `shops` shops.
    pub async fn start(shops: usize) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = foodpatrol_server::open_embedded(
            &dir.path().join("server"),
            foodpatrol_server::DEFAULT_TIME_ZONE,
        )
        .expect("server data opens");
        let (district, _) = seed::seed_district(&state, &DistrictSpec::small(shops), 2)
            .await
            .expect("district seeds");
        let server = foodpatrol_server::serve(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("server starts");
        TestServer {
            dir,
            state,
            district,
            server: Some(server),
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().expect("server running").base_url()
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join("server/foodpatrol.sqlite")
    }

    /// Opens a read-only connection to the server's database, to check what was stored.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(self.database(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("server db opens")
    }

    /// Counts the rows of a table in the server's database.
    pub fn count(&self, table: &str) -> i64 {
        self.db()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    /// Returns the n-th inspector of the district and their colleague as a pair from one office.
    pub fn inspector_pair(&self) -> (SeedUser, SeedUser) {
        let first = self.district.inspectors[0].clone();
        let second = self
            .district
            .inspectors
            .iter()
            .find(|i| i.office == first.office && i.id != first.id)
            .expect("office has two inspectors")
            .clone();
        (first, second)
    }

    /// Returns the first shop of a business type.
    pub fn shop_of(&self, business_type: BusinessType) -> Shop {
        self.district
            .shops
            .iter()
            .find(|s| s.business_type == business_type.code())
            .expect("district has the business type")
            .clone()
    }

    /// Returns the owner username of a shop that has an owner account.
    pub fn owned_shops(&self) -> Vec<Shop> {
        foodpatrol_server::district::STREETS
            .iter()
            .flat_map(|street| {
                self.district
                    .shops
                    .iter()
                    .filter(move |s| s.street == *street)
                    .take(2)
            })
            .cloned()
            .collect()
    }

    /// Assigns visits of the given shops to a pair of inspectors, due today.
    pub async fn assign(&self, shops: &[&Shop], pair: (&SeedUser, &SeedUser)) {
        let inspectors = vec![
            InspectorRef {
                user_id: pair.0.id,
                name: pair.0.display_name.clone(),
            },
            InspectorRef {
                user_id: pair.1.id,
                name: pair.1.display_name.clone(),
            },
        ];
        let assignments: Vec<Assignment> = shops
            .iter()
            .map(|shop| Assignment {
                id: uuid::Uuid::new_v5(&shop.id.as_uuid(), pair.0.username.as_bytes()),
                shop_id: shop.id,
                inspectors: inspectors.clone(),
                kind: InspectionKind::Daily,
                due: self.state.today(),
                note: "日常检查".to_owned(),
            })
            .collect();
        self.state
            .store
            .upsert_assignments(&assignments)
            .await
            .expect("assignments store");
    }

    /// Starts the server again on the same address after [`TestServer::stop`].
    pub async fn restart(&mut self, addr: SocketAddr) {
        let server = foodpatrol_server::serve(self.state.clone(), addr)
            .await
            .expect("server restarts on the same port");
        self.server = Some(server);
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.as_ref().expect("server running").addr
    }

    /// Stops the server (the devices go "offline"); data stays in the folder.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("server stops");
        }
    }
}

/// A device with its own SQLite file.
#[allow(missing_debug_implementations)]
pub struct TestDevice {
    pub dir: TempDir,
    pub device: Device,
}

impl TestDevice {
    pub fn path(dir: &TempDir) -> PathBuf {
        dir.path().join("device.sqlite")
    }

    pub fn open(clock: Arc<dyn Clock>) -> TestDevice {
        let dir = tempfile::tempdir().expect("temp dir");
        let device = Device::open_with_clock(&TestDevice::path(&dir), clock).expect("device opens");
        TestDevice { dir, device }
    }

    /// Opens a device and signs it in as `username`.
    pub async fn signed_in(server: &TestServer, username: &str) -> TestDevice {
        TestDevice::signed_in_with_clock(server, username, Arc::new(SystemClock)).await
    }

    pub async fn signed_in_with_clock(
        server: &TestServer,
        username: &str,
        clock: Arc<dyn Clock>,
    ) -> TestDevice {
        let test = TestDevice::open(clock);
        test.device
            .register(
                &server.url(),
                username,
                DEMO_PASSWORD,
                &format!("{username} 的测试设备"),
            )
            .await
            .expect("sign-in succeeds");
        test
    }
}

/// Marks every item of an inspection: 是 for all but `failed`, which get 否 with a remark and a photo.
pub fn score_all(device: &Device, id: InspectionId, failed: &[(&str, &str)]) {
    let inspection = device.inspection(id).expect("inspection reads");
    let template = device
        .rules()
        .template(&inspection.template)
        .expect("template installed")
        .clone();
    for item in &template.items {
        if let Some((_, photo)) = failed.iter().find(|(item_id, _)| *item_id == item.id) {
            device.answer(id, &item.id, Answer::No).expect("answer stores");
            device
                .set_remark(id, &item.id, &format!("{} 不符合要求", item.text))
                .expect("remark stores");
            device
                .attach_photo(id, &item.id, &fixture(photo))
                .expect("photo stores");
        } else {
            device.answer(id, &item.id, Answer::Yes).expect("answer stores");
        }
    }
}

/// Returns a shop id the district does not contain.
pub fn unknown_shop() -> ShopId {
    ShopId::from_licence("JY00000000000000")
}

// ---- what the server stores, and HTTP helpers ----

/// Everything a rejected request could have written: row counts, stored documents and photo files.
#[derive(Debug, PartialEq)]
pub struct Stored {
    pub docs: i64,
    pub doc_versions: i64,
    pub inspections: i64,
    pub answers: i64,
    pub tasks: i64,
    pub photos: i64,
    /// Stored document id → (heads, SHA-256 of its bytes).
    pub doc_contents: std::collections::BTreeMap<String, (String, String)>,
    /// Every file under the server's photo folder, partial uploads included, with its size.
    pub photo_files: Vec<(String, u64)>,
}

/// Returns the lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Returns the server's photo folder.
pub fn photo_root(server: &TestServer) -> std::path::PathBuf {
    server.dir.path().join("server/photos")
}

fn list_files(dir: &std::path::Path, out: &mut Vec<(String, u64)>) {
    for entry in std::fs::read_dir(dir).expect("photo folder lists") {
        let entry = entry.expect("photo folder entry reads");
        let meta = entry.metadata().expect("photo file metadata reads");
        if meta.is_dir() {
            list_files(&entry.path(), out);
        } else {
            out.push((entry.path().display().to_string(), meta.len()));
        }
    }
}

/// Takes a snapshot of everything the server stores.
pub fn stored(server: &TestServer) -> Stored {
    let db = server.db();
    let doc_contents = db
        .prepare("SELECT id, heads, bytes FROM docs ORDER BY id")
        .expect("docs query prepares")
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, String>(1)?, sha256_hex(&r.get::<_, Vec<u8>>(2)?)),
            ))
        })
        .expect("docs query runs")
        .collect::<Result<_, _>>()
        .expect("docs rows read");
    let mut photo_files = Vec::new();
    list_files(&photo_root(server), &mut photo_files);
    photo_files.sort();
    Stored {
        docs: server.count("docs"),
        doc_versions: server.count("doc_versions"),
        inspections: server.count("inspections"),
        answers: server.count("answers"),
        tasks: server.count("tasks"),
        photos: server.count("photos"),
        doc_contents,
        photo_files,
    }
}

/// Asserts that nothing the server stores differs from `before`, one assert per table.
pub fn assert_unchanged(server: &TestServer, before: &Stored, case: &str) {
    let after = stored(server);
    assert_eq!(after.docs, before.docs, "{case}: docs rows");
    assert_eq!(
        after.doc_versions, before.doc_versions,
        "{case}: doc_versions rows"
    );
    assert_eq!(after.inspections, before.inspections, "{case}: inspections rows");
    assert_eq!(after.answers, before.answers, "{case}: answers rows");
    assert_eq!(after.tasks, before.tasks, "{case}: tasks rows");
    assert_eq!(after.photos, before.photos, "{case}: photos rows");
    assert_eq!(
        after.doc_contents, before.doc_contents,
        "{case}: stored document bytes and heads"
    );
    assert_eq!(
        after.photo_files, before.photo_files,
        "{case}: files in the photo folder"
    );
}

/// Registers a device for `username` over HTTP.
pub async fn register(server: &TestServer, username: &str) -> RegisterResponse {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/devices/register", server.url()))
        .json(&RegisterRequest {
            username: username.to_owned(),
            password: foodpatrol_server::seed::DEMO_PASSWORD.into(),
            device_name: "测试设备".into(),
        })
        .send()
        .await
        .expect("sign-in reaches the server");
    assert_eq!(response.status(), 200, "sign-in of {username}");
    response.json().await.expect("sign-in response is JSON")
}

/// Reads an error response: its status and JSON body.
pub async fn api_error(response: reqwest::Response) -> (StatusCode, ApiError) {
    let status = response.status();
    let text = response.text().await.expect("error body reads");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("HTTP {status} body is not a JSON ApiError ({e}): {text:?}"));
    (status, body)
}

/// Signs in to the supervisor console at `base_url` and returns the session cookie (`name=value`) to
/// send with later page requests.
pub async fn console_cookie(base_url: &str, username: &str) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client builds")
        .post(format!("{base_url}/console/login"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        // Seeded usernames and the demo password are letters, digits and `-`, which need no escaping.
        .body(format!(
            "username={username}&password={}",
            foodpatrol_server::seed::DEMO_PASSWORD
        ))
        .send()
        .await
        .expect("console sign-in reaches the server");
    assert_eq!(response.status(), 303, "console sign-in of {username}");
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("console sign-in sets the session cookie");
    cookie.split(';').next().unwrap_or_default().to_owned()
}

/// Fetches a console page with a session cookie from [`console_cookie`] and returns its HTML.
pub async fn console_page(url: &str, cookie: &str) -> String {
    let response = reqwest::Client::new()
        .get(url)
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("console page request reaches the server");
    assert_eq!(response.status(), 200, "GET {url}");
    response.text().await.expect("console page reads")
}
