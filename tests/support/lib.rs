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
use foodpatrol_shared::shop::{BusinessType, Shop};
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
