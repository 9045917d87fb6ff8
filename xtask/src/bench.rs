//! The benchmarks: `cargo run --release -p xtask -- bench [options]`. It prints figures and ratios
//! as Markdown tables. It is a program, not a timed test, so CI does not run it.
//!
//! 1. Tap to durable answer: `Device::answer` on a signed-in device with its SQLite file in WAL
//!    mode and `synchronous = FULL`. It takes turns with a read of the same document and with a
//!    raw SQLite commit of a 200-byte blob on the same file system with the same pragmas.
//! 2. Syncing a day of work: inspections scored offline with real fixture photos, then one
//!    `Device::sync()` against the real server through a byte-counting TCP proxy on 127.0.0.1.
//! 3. Server merge throughput: generated, submitted inspection documents pushed through
//!    `POST /v1/sync` over HTTP in batches, then again in-process through `sync::sync`.
//!
//! 4. Risk grading: the demo district's 7,889 shops graded from a year of inspection rows, then
//!    planned (see `bench/risk.rs`).
//!
//! Every server listens on 127.0.0.1 only, and every loop is bounded by the options below.

use std::collections::HashSet;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use automerge::ActorId;
use chrono::Days;
use foodpatrol_device::Device;
use foodpatrol_device::sync_client::SyncReport;
use foodpatrol_server::auth::Caller;
use foodpatrol_server::district::{DistrictSpec, SeedUser};
use foodpatrol_server::seed::{self, DEMO_PASSWORD};
use foodpatrol_server::store::{DeviceRecord, UserRecord};
use foodpatrol_server::{AppState, RunningServer};
use foodpatrol_shared::checklist::{Answer, ChecklistTemplate};
use foodpatrol_shared::crdt::{self, inspection_doc};
use foodpatrol_shared::ids::{InspectionId, ShopId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef, Signature};
use foodpatrol_shared::protocol::{
    Assignment, CBOR_MEDIA_TYPE, DocKind, DocPush, MAX_SYNC_BODY_BYTES, PROTOCOL_VERSION, RegisterRequest,
    SyncRequest, SyncResponse,
};
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use foodpatrol_shared::rules::RuleBook;
use foodpatrol_shared::shop::{BusinessType, Shop};
use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, RgbImage};
use serde_bytes::ByteBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod risk;

const USAGE: &str = "\
Usage: cargo run --release -p xtask -- bench [options]

Options:
  --taps N          Device::answer calls to time (default 2000); each is followed by one timed
                    read of the document and one timed raw SQLite commit
  --day-sizes LIST  inspections per day-of-work sync, comma-separated (default 5,20,40)
  --docs N          inspection documents pushed to the server (default 10000)
  --batch N         documents per POST /v1/sync (default 500)
  --concurrency N   sync requests in flight at once in the merge benchmark (default 2)
  --risk-rounds N   grading runs over the whole district in the risk benchmark (default 5)
  --only NAME       run one benchmark: taps, day, merge or risk (default: all four)
  --help            print this help";

/// Failed items, each with one photo, of every inspection in the day-of-work benchmark.
const DAY_FAILED_ITEMS: usize = 10;
/// Failed items of every generated document in the merge benchmark.
const MERGE_FAILED_ITEMS: usize = 3;
/// Inspector devices that push the generated documents.
const MERGE_DEVICES: usize = 10;
/// Documents whose merge steps are timed one by one on a single thread.
const STEP_SAMPLE: usize = 200;
/// Size of the blob of each raw SQLite commit, about one automerge change of a tap.
const RAW_BLOB_BYTES: usize = 200;
/// Fixtures whose longest side is shorter than this are thumbnails, not inspectors' photos.
const MIN_PHOTO_EDGE: u32 = 400;
/// Targets the benchmarks report against.
const TARGET_WIRE_RATIO: f64 = 1.05;
const TARGET_DOCS_PER_SECOND: f64 = 2_000.0;

/// Parsed command-line options.
#[derive(Debug, Clone)]
struct Options {
    taps: usize,
    day_sizes: Vec<usize>,
    docs: usize,
    batch: usize,
    concurrency: usize,
    risk_rounds: usize,
    only: Option<String>,
}

impl Options {
    fn runs(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == name)
    }

    fn parse(args: Vec<String>) -> Result<Option<Options>> {
        let mut options = Options {
            taps: 2_000,
            day_sizes: vec![5, 20, 40],
            docs: 10_000,
            batch: 500,
            concurrency: 2,
            risk_rounds: 5,
            only: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                println!("{USAGE}");
                return Ok(None);
            }
            let value = args
                .next()
                .with_context(|| format!("option {arg} needs a value\n\n{USAGE}"))?;
            let number = || -> Result<usize> {
                let n: usize = value
                    .parse()
                    .with_context(|| format!("{arg} expects a positive integer, got {value:?}"))?;
                ensure!(n > 0, "{arg} expects a positive integer, got 0");
                Ok(n)
            };
            match arg.as_str() {
                "--taps" => options.taps = number()?,
                "--docs" => options.docs = number()?,
                "--batch" => options.batch = number()?,
                "--concurrency" => options.concurrency = number()?,
                "--risk-rounds" => options.risk_rounds = number()?,
                "--only" => {
                    ensure!(
                        ["taps", "day", "merge", "risk"].contains(&value.as_str()),
                        "--only expects taps, day, merge or risk, got {value:?}"
                    );
                    options.only = Some(value);
                }
                "--day-sizes" => {
                    options.day_sizes = value
                        .split(',')
                        .map(|part| part.trim().parse::<usize>())
                        .collect::<Result<_, _>>()
                        .with_context(|| {
                            format!("--day-sizes expects numbers like 5,20,40, got {value:?}")
                        })?;
                    ensure!(
                        !options.day_sizes.is_empty() && !options.day_sizes.contains(&0),
                        "--day-sizes expects positive numbers, got {value:?}"
                    );
                }
                other => bail!("unknown option {other:?}\n\n{USAGE}"),
            }
        }
        Ok(Some(options))
    }
}

/// Runs every benchmark and prints the results. `args` are the arguments after `bench`.
pub(crate) fn run(args: Vec<String>) -> Result<()> {
    let Some(options) = Options::parse(args)? else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the tokio runtime")?;
    let started = Instant::now();
    let scratch = tempfile::tempdir().context("failed to create a temporary folder")?;
    print_machine(scratch.path());

    let taps = if options.runs("taps") {
        Some(runtime.block_on(Box::pin(bench_taps(&options, scratch.path())))?)
    } else {
        None
    };
    let mut days = Vec::new();
    if options.runs("day") {
        for &inspections in &options.day_sizes {
            days.push(runtime.block_on(Box::pin(bench_day(inspections)))?);
        }
        print_day_results(&days);
    }
    let merge = if options.runs("merge") {
        Some(runtime.block_on(Box::pin(bench_merge(&options)))?)
    } else {
        None
    };

    if options.runs("risk") {
        let results = runtime.block_on(Box::pin(risk::bench_risk(options.risk_rounds)))?;
        risk::print_risk_results(&results);
    }

    print_summary(taps.as_ref(), &days, merge.as_ref());
    println!(
        "\nWhole run: {:.0} s. Load average at the end (1, 5, 15 min): {}.",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    Ok(())
}

// ---- the machine ----

fn print_machine(scratch: &Path) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());

    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
        );

    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |text| text.trim().to_owned());

    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);

    println!("# FoodPatrol benchmarks\n");
    println!("| machine | |");
    println!("|---|---|");
    println!("| cores (nproc) | {cores} |");
    println!("| CPU | {cpu} |");
    println!("| RAM | {memory} |");
    println!("| rustc | {rustc} |");
    println!(
        "| file system of the SQLite files | {} ({}) |",
        file_system_of(scratch),
        scratch.display()
    );
    println!(
        "| load average at the start (1, 5, 15 min) | {} |",
        load_average()
    );
    println!(
        "| build | {} |",
        if cfg!(debug_assertions) {
            "debug (numbers are not representative)"
        } else {
            "release"
        }
    );
}

/// Returns the user plus system CPU seconds this process has used, from /proc/self/stat
/// (in USER_HZ ticks, which Linux fixes at 100 per second), or 0 when it cannot be read.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may contain spaces: the state is
    // the first, utime the 12th and stime the 13th.
    let Some((_, fields)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Returns the 1, 5 and 15 minute load averages from /proc/loadavg: other work on the machine
/// slows every benchmark.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Returns the type and source of the file system holding `path`, from /proc/self/mountinfo.
fn file_system_of(path: &Path) -> String {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return "unknown".to_owned();
    };
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(separator) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(mount_point), Some(fs_type), Some(source)) = (
            fields.get(4),
            fields.get(separator + 1),
            fields.get(separator + 2),
        ) else {
            continue;
        };
        if path.starts_with(mount_point) && best.as_ref().is_none_or(|(len, _)| mount_point.len() >= *len) {
            best = Some((mount_point.len(), format!("{fs_type} on {source}")));
        }
    }
    best.map_or_else(|| "unknown".to_owned(), |(_, text)| text)
}

// ---- shared helpers ----

/// Latency percentiles of one series, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Percentiles {
    p50: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl Percentiles {
    /// Computes nearest-rank percentiles.
    fn of(samples: &[Duration]) -> Percentiles {
        let mut micros: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        micros.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * micros.len() as f64).ceil() as usize).saturating_sub(1);
            micros[index.min(micros.len() - 1)]
        };
        Percentiles {
            p50: rank(0.50),
            p99: rank(0.99),
            max: micros[micros.len() - 1],
            mean: micros.iter().sum::<f64>() / micros.len() as f64,
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "target met" } else { "target NOT met" }
}

/// A running server over its own temporary data folder.
struct BenchServer {
    _dir: tempfile::TempDir,
    state: AppState,
    district: foodpatrol_server::district::District,
    server: Option<RunningServer>,
}

impl BenchServer {
    /// Seeds a generated district into a fresh data folder and, when `listen`, serves it on
    /// 127.0.0.1 on a free port.
    async fn start(spec: &DistrictSpec, listen: bool) -> Result<BenchServer> {
        let dir = tempfile::tempdir().context("failed to create the server's data folder")?;
        let state = foodpatrol_server::open_embedded(
            &dir.path().join("server"),
            foodpatrol_server::DEFAULT_TIME_ZONE,
        )
        .context("failed to open the server's database")?;
        let (district, _) = seed::seed_district(&state, spec, 0)
            .await
            .context("failed to seed the district")?;
        let server = if listen {
            Some(
                foodpatrol_server::serve(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
                    .await
                    .context("failed to start the sync server on 127.0.0.1")?,
            )
        } else {
            None
        };
        Ok(BenchServer {
            _dir: dir,
            state,
            district,
            server,
        })
    }

    fn url(&self) -> Result<String> {
        Ok(self
            .server
            .as_ref()
            .context("the server is not listening")?
            .base_url())
    }

    fn addr(&self) -> Result<SocketAddr> {
        Ok(self.server.as_ref().context("the server is not listening")?.addr)
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(server) = self.server.take() {
            server
                .shutdown()
                .await
                .context("the sync server did not stop cleanly")?;
        }
        Ok(())
    }

    /// Returns two inspectors of one office: the one who signs in and the second inspector.
    fn inspector_pair(&self) -> Result<(SeedUser, SeedUser)> {
        let first = self
            .district
            .inspectors
            .first()
            .context("the district has no inspectors")?
            .clone();
        let second = self
            .district
            .inspectors
            .iter()
            .find(|i| i.office == first.office && i.id != first.id)
            .context("the first office has only one inspector")?
            .clone();
        Ok((first, second))
    }

    /// Assigns today's visits of `shops` to the pair, so that their devices download the shops.
    async fn assign(&self, shops: &[Shop], pair: (&SeedUser, &SeedUser)) -> Result<()> {
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
            .context("failed to store the assignments")?;
        Ok(())
    }

    fn catering_shops(&self, count: usize) -> Result<Vec<Shop>> {
        let shops: Vec<Shop> = self
            .district
            .shops
            .iter()
            .filter(|s| s.business_type == BusinessType::Catering.code())
            .take(count)
            .cloned()
            .collect();
        ensure!(
            shops.len() == count,
            "the district has {} catering shops, {count} are needed",
            shops.len()
        );
        Ok(shops)
    }
}

/// Opens a device store in `dir`, signs it in as `user` and downloads its reference data.
async fn signed_in_device(dir: &Path, server_url: &str, user: &SeedUser) -> Result<Device> {
    let device = Device::open(&dir.join("device.sqlite")).context("failed to open the device store")?;
    device
        .register(server_url, &user.username, DEMO_PASSWORD, "基准测试设备")
        .await
        .context("the device failed to sign in")?;
    device.sync().await.context("the device's first sync failed")?;
    Ok(device)
}

fn partner_of(device: &Device, partner: &SeedUser) -> Result<InspectorRef> {
    device
        .colleagues()?
        .into_iter()
        .find(|c| c.user_id == partner.id)
        .context("the second inspector is not among the device's colleagues")
}

// ---- 1. tap to durable answer ----

/// Latencies of taps and of raw SQLite commits.
#[derive(Debug)]
struct TapResults {
    taps: usize,
    tap: Percentiles,
    /// `Device::inspection`: the full read of the document that every tap makes first.
    read: Percentiles,
    raw: Percentiles,
    /// Mean of the first and of the last pass over the checklist, in microseconds: the document
    /// and its change history grow with every tap.
    first_pass_mean: f64,
    last_pass_mean: f64,
}

async fn bench_taps(options: &Options, scratch: &Path) -> Result<TapResults> {
    eprintln!("[1/3] tap to durable answer: {} taps", options.taps);
    let mut server = BenchServer::start(&DistrictSpec::small(60), true).await?;
    let (inspector, partner) = server.inspector_pair()?;
    let shop = server.catering_shops(1)?.remove(0);
    server
        .assign(std::slice::from_ref(&shop), (&inspector, &partner))
        .await?;
    let device_dir = scratch.join("taps");
    std::fs::create_dir_all(&device_dir)?;
    let device = signed_in_device(&device_dir, &server.url()?, &inspector).await?;
    let partner_ref = partner_of(&device, &partner)?;
    // From here on the device works offline.
    server.stop().await?;

    let visit = device.start_inspection(shop.id, InspectionKind::Daily, Some(partner_ref))?;
    let template = device
        .rules()
        .template(&device.inspection(visit)?.template)?
        .clone();
    let answers = [Answer::Yes, Answer::No, Answer::NotApplicable];
    let mut raw = RawCommits::open(&scratch.join("raw-commit.sqlite"))?;
    let mut tap_times = Vec::with_capacity(options.taps);
    let mut read_times = Vec::with_capacity(options.taps);
    let mut raw_times = Vec::with_capacity(options.taps);
    // Taps, reads and raw commits take turns, so that all three see the same disk and machine load.
    for i in 0..options.taps {
        let item = &template.items[i % template.items.len()];
        let answer = answers[(i / template.items.len() + i) % answers.len()];
        let start = Instant::now();
        device.answer(visit, &item.id, answer)?;
        tap_times.push(start.elapsed());

        let start = Instant::now();
        std::hint::black_box(device.inspection(visit)?);
        read_times.push(start.elapsed());

        raw_times.push(raw.commit()?);
    }
    drop(device);

    let pass = template.items.len().min(tap_times.len());
    let results = TapResults {
        taps: options.taps,
        tap: Percentiles::of(&tap_times),
        read: Percentiles::of(&read_times),
        raw: Percentiles::of(&raw_times),
        first_pass_mean: Percentiles::of(&tap_times[..pass]).mean,
        last_pass_mean: Percentiles::of(&tap_times[tap_times.len() - pass..]).mean,
    };
    print_tap_results(&results, template.items.len());
    Ok(results)
}

/// A separate SQLite file with the device store's pragmas, for timing bare commits.
struct RawCommits {
    conn: rusqlite::Connection,
    blob: Vec<u8>,
}

impl RawCommits {
    fn open(path: &Path) -> Result<RawCommits> {
        let conn = rusqlite::Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch("CREATE TABLE blobs (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")?;
        let blob = (0..RAW_BLOB_BYTES).map(|i| (i * 31 % 251) as u8).collect();
        Ok(RawCommits { conn, blob })
    }

    /// Times one transaction that inserts one 200-byte blob.
    fn commit(&mut self) -> Result<Duration> {
        let start = Instant::now();
        let tx = self.conn.transaction()?;
        tx.execute("INSERT INTO blobs (payload) VALUES (?1)", [&self.blob])?;
        tx.commit()?;
        Ok(start.elapsed())
    }
}

fn print_tap_results(results: &TapResults, items: usize) {
    println!("\n## 1. Tap to durable answer\n");
    println!(
        "{} `Device::answer` calls on one inspection, cycling over the {items} catering items and 是/否/合理缺项. \
         After each tap the same document is read once with `Device::inspection` and a raw SQLite commit of a \
         {RAW_BLOB_BYTES}-byte blob (WAL, synchronous=FULL, separate file) is made, so that the three series \
         take turns on the same disk.\n",
        results.taps
    );
    println!("| series | p50 µs | p99 µs | max µs | mean µs |");
    println!("|---|---:|---:|---:|---:|");
    for (name, p) in [
        ("`Device::answer` (tap → durable)", results.tap),
        ("`Device::inspection` (the read inside every tap)", results.read),
        ("raw SQLite WAL commit", results.raw),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.0} |",
            p.p50, p.p99, p.max, p.mean
        );
    }
    println!(
        "| ratio tap / raw commit | {:.2} | {:.2} | {:.2} | {:.2} |",
        results.tap.p50 / results.raw.p50,
        results.tap.p99 / results.raw.p99,
        results.tap.max / results.raw.max,
        results.tap.mean / results.raw.mean
    );
    println!(
        "\nMean tap of the first pass over the checklist: {:.0} µs; of the last pass: {:.0} µs. The \
         document keeps every earlier mark, so it grows with each tap.",
        results.first_pass_mean, results.last_pass_mean
    );
}

// ---- 2. syncing a day of work ----

/// A decoded fixture photo that variants are made from.
struct PhotoSource {
    name: String,
    pixels: RgbImage,
    exif: Option<Vec<u8>>,
}

/// Loads the JPEG fixtures that are camera photos. HEIC is skipped because the pipeline rejects it,
/// and so are thumbnails.
fn load_photo_sources() -> Result<Vec<PhotoSource>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/photos");
    let mut paths: Vec<PathBuf> = Vec::new();
    for folder in ["gps", "mobile", "odd-exif", "orientation"] {
        let entries = std::fs::read_dir(root.join(folder))
            .with_context(|| format!("cannot list fixture folder {}", root.join(folder).display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read fixture {}", path.display()))?;
        let mut decoder = JpegDecoder::new(Cursor::new(&bytes))
            .with_context(|| format!("cannot decode fixture {}", path.display()))?;
        let exif = decoder.exif_metadata().unwrap_or(None);
        let pixels = DynamicImage::from_decoder(decoder)
            .with_context(|| format!("cannot decode fixture {}", path.display()))?
            .to_rgb8();
        if pixels.width().max(pixels.height()) < MIN_PHOTO_EDGE {
            continue;
        }
        let name = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        sources.push(PhotoSource { name, pixels, exif });
    }
    ensure!(
        !sources.is_empty(),
        "no usable fixture photos under {}",
        root.display()
    );
    Ok(sources)
}

/// Makes the `index`-th distinct camera photo: a fixture with a 16×16 block near its corner
/// painted in a colour derived from `index`, re-encoded as JPEG (quality 92) with the fixture's
/// EXIF block, so orientation and GPS survive.
fn photo_variant(sources: &[PhotoSource], index: usize) -> Result<Vec<u8>> {
    let source = &sources[index % sources.len()];
    let mut pixels = source.pixels.clone();
    let colour = image::Rgb([
        (index * 37 % 256) as u8,
        (index * 91 % 256) as u8,
        (index * 53 % 256) as u8,
    ]);
    for y in 8..24.min(pixels.height()) {
        for x in 8..24.min(pixels.width()) {
            pixels.put_pixel(x, y, colour);
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, 92);
    if let Some(exif) = &source.exif {
        encoder
            .set_exif_metadata(exif.clone())
            .map_err(|e| anyhow::anyhow!("cannot keep the EXIF block of {}: {e}", source.name))?;
    }
    encoder
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            ExtendedColorType::Rgb8,
        )
        .with_context(|| format!("cannot re-encode fixture {}", source.name))?;
    Ok(bytes)
}

/// Draws a signature-like PNG (dark strokes on white) whose curve depends on `index`.
fn signature_png(index: usize) -> Result<Vec<u8>> {
    let mut image = image::RgbaImage::from_pixel(300, 120, image::Rgba([255, 255, 255, 255]));
    let phase = index as f64 * 0.7;
    for x in 20..280u32 {
        let y = 60.0 + 30.0 * (f64::from(x) / 25.0 + phase).sin();
        for dy in 0..3u32 {
            image.put_pixel(x, (y as u32 + dy).min(119), image::Rgba([20, 20, 20, 255]));
        }
    }
    let mut bytes = Vec::new();
    DynamicImage::ImageRgba8(image).write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)?;
    Ok(bytes)
}

/// Bytes through the proxy: device to server and back (TCP payload, so HTTP headers count).
#[derive(Debug, Default)]
struct WireCount {
    up: AtomicU64,
    down: AtomicU64,
}

impl WireCount {
    fn reset(&self) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
    }
}

/// Starts a TCP proxy on 127.0.0.1 that forwards every connection to `target` and counts bytes.
async fn start_proxy(
    target: SocketAddr,
) -> Result<(SocketAddr, Arc<WireCount>, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .context("failed to start the counting proxy on 127.0.0.1")?;
    let addr = listener.local_addr()?;
    let count = Arc::new(WireCount::default());
    let task_count = count.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                break;
            };
            let count = task_count.clone();
            tokio::spawn(async move {
                let server = match TcpStream::connect(target).await {
                    Ok(server) => server,
                    Err(e) => {
                        eprintln!("proxy: cannot connect to {target}: {e}");
                        return;
                    }
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(
                    forward(client_read, server_write, &count.up),
                    forward(server_read, client_write, &count.down)
                );
            });
        }
    });
    Ok((addr, count, task))
}

/// Copies bytes from `from` to `to` until either side closes, adding each chunk to `counter`.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counter: &AtomicU64,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Costs of one day-of-work sync.
#[derive(Debug)]
struct DayResults {
    inspections: usize,
    distinct_photos: usize,
    report: SyncReport,
    wire_up: u64,
    wire_down: u64,
    wall: Duration,
    scoring: Duration,
}

impl DayResults {
    fn payload(&self) -> u64 {
        self.report.change_bytes_sent + self.report.photo_bytes_sent
    }

    fn wire(&self) -> u64 {
        self.wire_up + self.wire_down
    }

    fn ratio(&self) -> f64 {
        self.wire() as f64 / self.payload() as f64
    }
}

async fn bench_day(inspections: usize) -> Result<DayResults> {
    eprintln!(
        "[2/3] day of work: {inspections} inspections, {} photos, scored offline",
        inspections * DAY_FAILED_ITEMS
    );
    let sources = load_photo_sources()?;
    let mut server = BenchServer::start(&DistrictSpec::small(inspections.max(20) * 4), true).await?;
    let (inspector, partner) = server.inspector_pair()?;
    let shops = server.catering_shops(inspections)?;
    server.assign(&shops, (&inspector, &partner)).await?;
    let (proxy_addr, wire, proxy) = start_proxy(server.addr()?).await?;
    let device_dir = tempfile::tempdir()?;
    let device = signed_in_device(device_dir.path(), &format!("http://{proxy_addr}"), &inspector).await?;
    let partner_ref = partner_of(&device, &partner)?;

    // Offline: the device never calls the server while scoring.
    let scoring_start = Instant::now();
    let mut photo_hashes = HashSet::new();
    for (k, shop) in shops.iter().enumerate() {
        score_visit(&device, shop.id, &partner_ref, k, &sources, &mut photo_hashes)?;
    }
    let scoring = scoring_start.elapsed();
    ensure!(
        photo_hashes.len() == inspections * (DAY_FAILED_ITEMS + 1),
        "expected {} distinct photos (evidence and signatures), got {}",
        inspections * (DAY_FAILED_ITEMS + 1),
        photo_hashes.len()
    );
    let status = device.sync_status()?;
    ensure!(
        status.pending_docs == inspections,
        "outbox holds {} documents",
        status.pending_docs
    );

    wire.reset();
    let start = Instant::now();
    let report = device.sync().await.context("the day-of-work sync failed")?;
    let wall = start.elapsed();
    let (wire_up, wire_down) = (wire.up.load(Ordering::SeqCst), wire.down.load(Ordering::SeqCst));

    let after = device.sync_status()?;
    ensure!(
        after.pending_docs == 0 && after.pending_photos == 0,
        "after the sync {} documents and {} photos are still pending",
        after.pending_docs,
        after.pending_photos
    );
    let stored = server.state.store.counts().await?;
    ensure!(
        stored.inspections as usize == inspections && stored.photos as usize == photo_hashes.len(),
        "the server stored {} inspections and {} photos",
        stored.inspections,
        stored.photos
    );
    drop(device);
    proxy.abort();
    server.stop().await?;
    Ok(DayResults {
        inspections,
        distinct_photos: photo_hashes.len(),
        report,
        wire_up,
        wire_down,
        wall,
        scoring,
    })
}

/// Scores one visit as an inspector would: every catering item, ten failures each with a
/// remark, a photo and an order, then the owner's signature and submission.
fn score_visit(
    device: &Device,
    shop: ShopId,
    partner: &InspectorRef,
    visit_index: usize,
    sources: &[PhotoSource],
    photo_hashes: &mut HashSet<String>,
) -> Result<()> {
    let visit = device.start_inspection(shop, InspectionKind::Daily, Some(partner.clone()))?;
    let template = device
        .rules()
        .template(&device.inspection(visit)?.template)?
        .clone();
    let items = template.items.len();
    ensure!(
        items > DAY_FAILED_ITEMS * 5,
        "the catering checklist has only {items} items"
    );
    // Items visit_index, visit_index + 5, ... fail: ten distinct items spread over the checklist.
    let failed: Vec<usize> = (0..DAY_FAILED_ITEMS)
        .map(|j| (visit_index + 5 * j) % items)
        .collect();
    let today = chrono::Utc::now().date_naive();
    for (index, item) in template.items.iter().enumerate() {
        let Some(photo_number) = failed.iter().position(|&f| f == index) else {
            device.answer(visit, &item.id, item.expected)?;
            continue;
        };
        device.answer(visit, &item.id, failing_answer(item.expected))?;
        device.set_remark(visit, &item.id, &format!("{} 不符合要求", item.text))?;
        let photo = photo_variant(sources, visit_index * DAY_FAILED_ITEMS + photo_number)?;
        photo_hashes.insert(device.attach_photo(visit, &item.id, &photo)?.hash);
        let mode = if photo_number % 2 == 0 {
            RectificationMode::OnSpot {
                measure: "当场整改".to_owned(),
            }
        } else {
            RectificationMode::Deadline {
                due: today + Days::new(7),
                requirement: "整改后上传照片".to_owned(),
            }
        };
        device.order_rectification(visit, &item.id, mode, Tier::SelfFix)?;
    }
    photo_hashes.insert(device.sign(visit, "王老板", &signature_png(visit_index)?)?.hash);
    device.submit(visit)?;
    Ok(())
}

fn failing_answer(expected: Answer) -> Answer {
    if expected == Answer::Yes {
        Answer::No
    } else {
        Answer::Yes
    }
}

fn print_day_results(days: &[DayResults]) {
    println!("\n## 2. Syncing a day of work\n");
    println!(
        "Inspections of the 54-item catering checklist scored offline on one device, each with \
         {DAY_FAILED_ITEMS} failed items, one photo per failed item and a signature; then one `Device::sync()` \
         through a byte-counting TCP proxy on 127.0.0.1. Payload = automerge change bytes + photo bytes sent.\n"
    );
    println!(
        "| inspections | photos | change bytes | photo bytes | payload bytes | wire up | wire down | wire total | \
         wire / payload | document round trips | photo round trips | sync wall time | offline scoring time |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for day in days {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.4} | {} | {} | {:.2} s | {:.1} s |",
            day.inspections,
            day.distinct_photos,
            day.report.change_bytes_sent,
            day.report.photo_bytes_sent,
            day.payload(),
            day.wire_up,
            day.wire_down,
            day.wire(),
            day.ratio(),
            day.report.document_round_trips,
            day.report.photo_round_trips,
            day.wall.as_secs_f64(),
            day.scoring.as_secs_f64()
        );
    }
}

// ---- 3. server merge throughput ----

/// A registered inspector device that pushes generated documents.
#[derive(Debug, Clone)]
struct Author {
    device: DeviceRecord,
    user: UserRecord,
    token: String,
    /// The session actor that this device's app writes with.
    actor: ActorId,
    partner: InspectorRef,
}

/// The generated documents of one author, in request-sized batches.
#[derive(Debug, Clone)]
struct AuthorBatches {
    author: Author,
    batches: Vec<Vec<DocPush>>,
}

/// Totals over every response of one merge run.
#[derive(Debug, Default)]
struct PushTotals {
    requests: u64,
    docs_acked: u64,
    new_changes: u64,
    request_bytes: u64,
    response_bytes: u64,
    client_encode: Duration,
}

impl PushTotals {
    fn add(&mut self, other: &PushTotals) {
        self.requests += other.requests;
        self.docs_acked += other.docs_acked;
        self.new_changes += other.new_changes;
        self.request_bytes += other.request_bytes;
        self.response_bytes += other.response_bytes;
        self.client_encode += other.client_encode;
    }
}

#[derive(Debug)]
struct MergeResults {
    docs: usize,
    batch: usize,
    concurrency: usize,
    changes: usize,
    change_bytes: usize,
    generation: Duration,
    http: Duration,
    /// CPU seconds (user and system) of this whole process during the HTTP run: server and client.
    http_cpu: f64,
    http_totals: PushTotals,
    in_process: Duration,
    in_process_cpu: f64,
    counts: foodpatrol_server::store::Counts,
    expected_answers: usize,
    expected_tasks: usize,
    steps: MergeSteps,
}

impl MergeResults {
    fn http_rate(&self) -> f64 {
        self.docs as f64 / self.http.as_secs_f64()
    }

    /// Returns the HTTP rate that two idle cores would allow at the measured CPU time per document.
    fn http_bound(&self) -> f64 {
        2.0 * self.docs as f64 / self.http_cpu
    }

    fn in_process_rate(&self) -> f64 {
        self.docs as f64 / self.in_process.as_secs_f64()
    }
}

/// Returns the district of the merge benchmark. It has four inspectors per office, so that each
/// pushing device has a second inspector who does not push.
fn merge_spec() -> DistrictSpec {
    DistrictSpec {
        inspectors_per_office: 4,
        ..DistrictSpec::small(600)
    }
}

async fn bench_merge(options: &Options) -> Result<MergeResults> {
    eprintln!(
        "[3/3] server merge: {} documents in batches of {}, {} in flight",
        options.docs, options.batch, options.concurrency
    );
    let mut server = BenchServer::start(&merge_spec(), true).await?;
    let authors = register_authors(&server).await?;
    let rules = RuleBook::builtin();
    let shops: Vec<Shop> = server
        .district
        .shops
        .iter()
        .filter(|s| rules.latest_template_for(&s.business_type).is_some())
        .cloned()
        .collect();
    ensure!(!shops.is_empty(), "no shop of the district has a checklist");

    let generation_start = Instant::now();
    let generated = generate_documents(&authors, &shops, &rules, options.docs)?;
    let generation = generation_start.elapsed();
    let changes: usize = generated.iter().map(|(push, _)| push.changes.len()).sum();
    let change_bytes: usize = generated
        .iter()
        .flat_map(|(push, _)| push.changes.iter())
        .map(|c| c.len())
        .sum();
    let expected_answers: usize = generated.iter().map(|(_, items)| items).sum();
    let expected_tasks = options.docs * MERGE_FAILED_ITEMS;
    let steps = measure_merge_steps(&generated[..generated.len().min(STEP_SAMPLE)])?;
    let work = into_batches(&authors, generated, options.batch);
    eprintln!(
        "      generated {} documents ({changes} changes, {change_bytes} change bytes) in {:.1} s",
        options.docs,
        generation.as_secs_f64()
    );

    let url = server.url()?;
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let http_totals = push_over_http(&url, work.clone(), options.concurrency).await?;
    let http = start.elapsed();
    let http_cpu = process_cpu_seconds() - cpu_before;
    ensure!(
        http_totals.docs_acked as usize == options.docs,
        "the server acknowledged {} of {} documents",
        http_totals.docs_acked,
        options.docs
    );
    let counts = server.state.store.counts().await?;
    server.stop().await?;
    drop(server);

    // The same documents again, in-process on a fresh database with the same devices.
    let fresh = BenchServer::start(&merge_spec(), false).await?;
    for (index, author) in authors.iter().enumerate() {
        // The token is never used in-process, but its hash must be unique.
        fresh
            .state
            .store
            .insert_device(&author.device, &[index as u8; 32])
            .await
            .context("failed to copy a device into the fresh database")?;
    }
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let in_process_totals = push_in_process(&fresh.state, work, options.concurrency).await?;
    let in_process = start.elapsed();
    let in_process_cpu = process_cpu_seconds() - cpu_before;
    ensure!(
        in_process_totals.docs_acked as usize == options.docs,
        "the in-process sync acknowledged {} of {} documents",
        in_process_totals.docs_acked,
        options.docs
    );

    let results = MergeResults {
        docs: options.docs,
        batch: options.batch,
        concurrency: options.concurrency,
        changes,
        change_bytes,
        generation,
        http,
        http_cpu,
        http_totals,
        in_process,
        in_process_cpu,
        counts,
        expected_answers,
        expected_tasks,
        steps,
    };
    print_merge_results(&results);
    Ok(results)
}

/// Registers one device for each of the first two inspectors of each office, and pairs it with
/// the office's third or fourth inspector, who does not push.
async fn register_authors(server: &BenchServer) -> Result<Vec<Author>> {
    let mut authors = Vec::new();
    for office in &server.district.offices {
        let staff: Vec<&SeedUser> = server
            .district
            .inspectors
            .iter()
            .filter(|i| i.office == office.name)
            .collect();
        ensure!(
            staff.len() >= 4,
            "office {} has {} inspectors, 4 are needed",
            office.name,
            staff.len()
        );
        for (pusher, partner) in [(staff[0], staff[2]), (staff[1], staff[3])] {
            if authors.len() == MERGE_DEVICES {
                break;
            }
            let response = foodpatrol_server::auth::register(
                &server.state,
                RegisterRequest {
                    username: pusher.username.clone(),
                    password: DEMO_PASSWORD.to_owned(),
                    device_name: "基准测试设备".to_owned(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("sign-in of {} failed: {e}", pusher.username))?;
            let (device, user) = server
                .state
                .store
                .devices_by_ids(&[response.device_id])
                .await?
                .into_iter()
                .next()
                .context("the registered device is not in the database")?;
            let session: [u8; 8] = uuid::Uuid::new_v4().as_bytes()[..8].try_into()?;
            authors.push(Author {
                actor: crdt::session_actor(device.id, session),
                device,
                user,
                token: response.token,
                partner: InspectorRef {
                    user_id: partner.id,
                    name: partner.display_name.clone(),
                },
            });
        }
    }
    ensure!(
        authors.len() == MERGE_DEVICES,
        "only {} devices could be registered",
        authors.len()
    );
    Ok(authors)
}

/// Generates `count` submitted inspections on one thread per core (at most four). Each comes with
/// its checklist's item count.
fn generate_documents(
    authors: &[Author],
    shops: &[Shop],
    rules: &RuleBook,
    count: usize,
) -> Result<Vec<(DocPush, usize)>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4);
    let now_ms = chrono::Utc::now().timestamp_millis();
    let parts: Vec<Result<Vec<(usize, DocPush, usize)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    (thread..count)
                        .step_by(threads)
                        .map(|index| {
                            let author = &authors[index % authors.len()];
                            let shop = &shops[(index * 7919) % shops.len()];
                            let (push, items) = generate_inspection(author, shop, rules, index, now_ms)?;
                            Ok((index, push, items))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a generator thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::with_capacity(count);
    for part in parts {
        all.extend(part?);
    }
    all.sort_by_key(|(index, _, _)| *index);
    Ok(all.into_iter().map(|(_, push, items)| (push, items)).collect())
}

/// Returns a random lowercase hex SHA-256-shaped photo address.
fn random_photo_hash() -> String {
    format!(
        "{:032x}{:032x}",
        uuid::Uuid::new_v4().as_u128(),
        uuid::Uuid::new_v4().as_u128()
    )
}

/// Builds one submitted inspection as a device would: one change per tap, by `author`'s actor.
fn generate_inspection(
    author: &Author,
    shop: &Shop,
    rules: &RuleBook,
    index: usize,
    now_ms: i64,
) -> Result<(DocPush, usize)> {
    let template: &ChecklistTemplate = rules
        .latest_template_for(&shop.business_type)
        .with_context(|| format!("no checklist for business type {}", shop.business_type))?;
    let user = author.user.id;
    let id = InspectionId::new_v7();
    let started_at_ms = now_ms - 3_600_000;
    let new = inspection_doc::NewInspection {
        shop_id: shop.id,
        template: template.reference(),
        kind: InspectionKind::Daily,
        inspectors: vec![
            InspectorRef {
                user_id: user,
                name: author.user.display_name.clone(),
            },
            author.partner.clone(),
        ],
        started_at_ms,
        // Asia/Shanghai, the district's time zone.
        utc_offset_min: 480,
    };
    let mut doc = inspection_doc::create(id, author.actor.clone(), &new)?;

    // Failed items are a third of the checklist apart, shifted by the document's index.
    let items = template.items.len();
    let failed: Vec<usize> = (0..MERGE_FAILED_ITEMS)
        .map(|j| (index * 13 + j * (items / MERGE_FAILED_ITEMS)) % items)
        .collect();
    let mut at_ms = started_at_ms;
    for (position, item) in template.items.iter().enumerate() {
        at_ms += 15_000;
        if !failed.contains(&position) {
            inspection_doc::set_answer(&mut doc, &item.id, item.expected, user, at_ms)?;
            continue;
        }
        inspection_doc::set_answer(&mut doc, &item.id, failing_answer(item.expected), user, at_ms)?;
        inspection_doc::set_remark(
            &mut doc,
            &item.id,
            &format!("{} 不符合要求", item.text),
            user,
            at_ms,
        )?;
        inspection_doc::add_photo(&mut doc, &item.id, &random_photo_hash())?;
        let order = RectificationOrder {
            mode: RectificationMode::OnSpot {
                measure: "当场整改".to_owned(),
            },
            tier: Tier::SelfFix,
            ordered_by: user,
            ordered_at_ms: at_ms,
        };
        inspection_doc::set_rectification(&mut doc, &item.id, &order)?;
    }

    inspection_doc::set_signature(
        &mut doc,
        &Signature::Signed {
            signer_name: "王老板".to_owned(),
            image: random_photo_hash(),
            at_ms,
        },
    )?;
    let outcome = inspection_doc::read(&doc)?.evaluate(rules)?.outcome;
    inspection_doc::submit(&mut doc, user, at_ms, outcome)?;

    let push = DocPush {
        doc_id: id.into(),
        kind: DocKind::Inspection,
        changes: doc
            .get_changes(&[])
            .iter()
            .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
            .collect(),
        heads: crdt::heads_to_hex(&doc.get_heads()),
    };
    Ok((push, items))
}

/// Mean single-thread cost in milliseconds of each CPU-heavy step that `sync::sync` runs on every
/// new inspection document, with how often it runs it, as counted in sync-server/src/sync.rs.
#[derive(Debug)]
struct MergeSteps {
    sample: usize,
    steps: Vec<(&'static str, u32, f64)>,
}

impl MergeSteps {
    /// Returns the milliseconds per document spent in these steps.
    fn per_document(&self) -> f64 {
        self.steps
            .iter()
            .map(|(_, calls, ms)| f64::from(*calls) * ms)
            .sum()
    }
}

/// Times the merge's automerge steps one by one on `sample`, on this thread only.
fn measure_merge_steps(sample: &[(DocPush, usize)]) -> Result<MergeSteps> {
    let mut totals = [Duration::ZERO; 4];
    for (push, _) in sample {
        let start = Instant::now();
        let changes = push
            .changes
            .iter()
            .map(|bytes| automerge::Change::from_bytes(bytes.to_vec()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut doc = automerge::Automerge::new();
        doc.apply_changes(changes)?;
        totals[0] += start.elapsed();

        let start = Instant::now();
        let current = inspection_doc::read(&doc)?;
        totals[1] += start.elapsed();

        let start = Instant::now();
        std::hint::black_box(inspection_doc::seal_of(&doc, current)?);
        totals[2] += start.elapsed();

        let start = Instant::now();
        std::hint::black_box(doc.save());
        totals[3] += start.elapsed();
    }
    let mean_ms = |total: Duration| total.as_secs_f64() * 1e3 / sample.len().max(1) as f64;
    Ok(MergeSteps {
        sample: sample.len(),
        steps: vec![
            (
                "decode the changes and apply them to an empty document",
                1,
                mean_ms(totals[0]),
            ),
            ("`inspection_doc::read` (build_commit)", 1, mean_ms(totals[1])),
            (
                "`inspection_doc::seal_of`: the sealed record from that read",
                1,
                mean_ms(totals[2]),
            ),
            ("`Automerge::save` of the merged document", 1, mean_ms(totals[3])),
        ],
    })
}

/// Groups each author's documents into batches of `batch` documents.
fn into_batches(authors: &[Author], generated: Vec<(DocPush, usize)>, batch: usize) -> Vec<AuthorBatches> {
    let mut per_author: Vec<Vec<DocPush>> = vec![Vec::new(); authors.len()];
    for (index, (push, _)) in generated.into_iter().enumerate() {
        per_author[index % authors.len()].push(push);
    }
    authors
        .iter()
        .zip(per_author)
        .map(|(author, pushes)| {
            let mut batches = Vec::new();
            let mut pushes = pushes.into_iter().peekable();
            while pushes.peek().is_some() {
                batches.push(pushes.by_ref().take(batch).collect());
            }
            AuthorBatches {
                author: author.clone(),
                batches,
            }
        })
        .collect()
}

fn sync_request(cursor: u64, docs: Vec<DocPush>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_now_ms: chrono::Utc::now().timestamp_millis(),
        cursor,
        docs,
    }
}

fn check_response(response: &SyncResponse, pushed: usize, totals: &mut PushTotals) -> Result<()> {
    ensure!(
        response.acks.len() == pushed,
        "the server acknowledged {} of {pushed} documents",
        response.acks.len()
    );
    totals.requests += 1;
    totals.docs_acked += response.acks.len() as u64;
    totals.new_changes += response
        .acks
        .iter()
        .map(|a| u64::from(a.new_changes))
        .sum::<u64>();
    Ok(())
}

/// Pushes every author's batches with `POST /v1/sync` over HTTP (CBOR). Each device sends one
/// request at a time with the cursor of its last response, and at most `concurrency` are in flight.
async fn push_over_http(url: &str, work: Vec<AuthorBatches>, concurrency: usize) -> Result<PushTotals> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .context("failed to build the HTTP client")?;
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for AuthorBatches { author, batches } in work {
        let client = client.clone();
        let permits = permits.clone();
        let endpoint = format!("{url}/v1/sync");
        tasks.spawn(async move {
            let mut totals = PushTotals::default();
            let mut cursor = 0;
            for docs in batches {
                let _permit = permits.acquire().await?;
                let pushed = docs.len();
                let encode_start = Instant::now();
                let mut body = Vec::new();
                ciborium::into_writer(&sync_request(cursor, docs), &mut body)?;
                totals.client_encode += encode_start.elapsed();
                ensure!(
                    body.len() <= MAX_SYNC_BODY_BYTES,
                    "a request of {pushed} documents is {} bytes, over the server's limit of \
                     {MAX_SYNC_BODY_BYTES}; use a smaller --batch",
                    body.len()
                );
                totals.request_bytes += body.len() as u64;
                let response = client
                    .post(&endpoint)
                    .bearer_auth(&author.token)
                    .header(reqwest::header::CONTENT_TYPE, CBOR_MEDIA_TYPE)
                    .body(body)
                    .send()
                    .await
                    .context("POST /v1/sync failed")?;
                let status = response.status();
                let bytes = response
                    .bytes()
                    .await
                    .context("reading the sync response failed")?;
                ensure!(
                    status.is_success(),
                    "POST /v1/sync returned HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(2_000)])
                );
                totals.response_bytes += bytes.len() as u64;
                let response: SyncResponse =
                    ciborium::from_reader(bytes.as_ref()).context("the sync response is not valid CBOR")?;
                check_response(&response, pushed, &mut totals)?;
                cursor = response.cursor;
            }
            Ok::<_, anyhow::Error>(totals)
        });
    }
    collect_totals(tasks).await
}

/// Pushes the same batches by calling `sync::sync` directly: the merge without HTTP and CBOR.
async fn push_in_process(
    state: &AppState,
    work: Vec<AuthorBatches>,
    concurrency: usize,
) -> Result<PushTotals> {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for AuthorBatches { author, batches } in work {
        let state = state.clone();
        let permits = permits.clone();
        let caller = Caller {
            device: author.device.clone(),
            user: author.user.clone(),
        };
        tasks.spawn(async move {
            let mut totals = PushTotals::default();
            let mut cursor = 0;
            for docs in batches {
                let _permit = permits.acquire().await?;
                let pushed = docs.len();
                let response = foodpatrol_server::sync::sync(&state, &caller, sync_request(cursor, docs))
                    .await
                    .map_err(|e| anyhow::anyhow!("in-process sync failed: {e}"))?;
                check_response(&response, pushed, &mut totals)?;
                cursor = response.cursor;
            }
            Ok::<_, anyhow::Error>(totals)
        });
    }
    collect_totals(tasks).await
}

async fn collect_totals(mut tasks: tokio::task::JoinSet<Result<PushTotals>>) -> Result<PushTotals> {
    let mut totals = PushTotals::default();
    while let Some(joined) = tasks.join_next().await {
        totals.add(&joined.context("a push task panicked")??);
    }
    Ok(totals)
}

fn print_merge_results(results: &MergeResults) {
    let http = &results.http_totals;
    println!("\n## 3. Server merge throughput\n");
    println!(
        "{} generated, submitted inspection documents ({} changes, {:.1} MB of change bytes; {MERGE_FAILED_ITEMS} \
         failed items each with a photo address and an order, a signature) from {MERGE_DEVICES} inspector \
         devices, {} documents per request, {} requests in flight. Generating them took {:.1} s (not timed below).\n",
        results.docs,
        results.changes,
        results.change_bytes as f64 / 1e6,
        results.batch,
        results.concurrency,
        results.generation.as_secs_f64()
    );

    println!("| path | documents | wall time | documents/s | CPU time | CPU ms per document | cores busy |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (path, wall, cpu, rate) in [
        (
            "POST /v1/sync over HTTP on 127.0.0.1 (CBOR)",
            results.http,
            results.http_cpu,
            results.http_rate(),
        ),
        (
            "`sync::sync` in-process, fresh database",
            results.in_process,
            results.in_process_cpu,
            results.in_process_rate(),
        ),
    ] {
        println!(
            "| {path} | {} | {:.2} s | {rate:.0} | {cpu:.1} s | {:.2} | {:.2} |",
            results.docs,
            wall.as_secs_f64(),
            cpu * 1e3 / results.docs as f64,
            cpu / wall.as_secs_f64()
        );
    }
    println!(
        "\nCPU time is user plus system time of the whole bench process (server and HTTP client), from \
         /proc/self/stat; cores busy = CPU time / wall time. Other work on the machine does not change \
         the CPU time per document, so 2 idle cores could merge at most {:.0} documents/s over HTTP \
         (2 × 1,000 ms of CPU per second / {:.2} ms per document), and only if the requests in flight ran \
         fully in parallel.",
        results.http_bound(),
        results.http_cpu * 1e3 / results.docs as f64
    );
    println!(
        "\nHTTP run: {} requests, {:.1} MB sent, {:.2} MB received, {} new changes acknowledged, \
         {:.2} s of client-side CBOR encoding inside the wall time.\n",
        http.requests,
        http.request_bytes as f64 / 1e6,
        http.response_bytes as f64 / 1e6,
        http.new_changes,
        http.client_encode.as_secs_f64()
    );

    let steps = &results.steps;
    println!(
        "Where the time goes: the automerge steps that `sync::sync` runs on each new document, timed one by one \
         on a single thread over {} of the documents:\n",
        steps.sample
    );
    println!("| step | calls per document | mean ms per call |");
    println!("|---|---:|---:|");
    for (step, calls, ms) in &steps.steps {
        println!("| {step} | {calls} | {ms:.2} |");
    }

    let per_document = steps.per_document();
    println!(
        "| total per document | | {per_document:.2} |\n\nThese steps alone allow at most {:.0} documents/s per core, \
         {:.0} documents/s on 2 cores, before projection, SQLite and HTTP.\n",
        1e3 / per_document,
        2e3 / per_document
    );

    let counts = &results.counts;
    println!("Central database after the HTTP run:\n");
    println!("| table | rows | expected |");
    println!("|---|---:|---:|");
    println!("| docs | {} | {} |", counts.docs, results.docs);
    println!("| inspections | {} | {} |", counts.inspections, results.docs);
    println!("| answers | {} | {} |", counts.answers, results.expected_answers);
    println!("| tasks | {} | {} |", counts.tasks, results.expected_tasks);
    println!("| photos (uploaded files; none here) | {} | 0 |", counts.photos);
}

// ---- summary ----

fn print_summary(taps: Option<&TapResults>, days: &[DayResults], merge: Option<&MergeResults>) {
    println!("\n## Targets\n");
    println!("| benchmark | target | measured | verdict |");
    println!("|---|---|---|---|");
    if let Some(taps) = taps {
        println!(
            "| 1. tap → durable | none set; shown against a raw commit | p50 {:.0} µs, p99 {:.0} µs ({:.2}× / {:.2}× raw) | — |",
            taps.tap.p50,
            taps.tap.p99,
            taps.tap.p50 / taps.raw.p50,
            taps.tap.p99 / taps.raw.p99
        );
    }
    for day in days {
        println!(
            "| 2. day of work, {} inspections | wire / payload ≤ {TARGET_WIRE_RATIO} | {:.4} | {} |",
            day.inspections,
            day.ratio(),
            verdict(day.ratio() <= TARGET_WIRE_RATIO)
        );
    }
    if !days.is_empty() {
        let trips: Vec<String> = days
            .iter()
            .map(|d| format!("{} inspections: {}", d.inspections, d.report.document_round_trips))
            .collect();
        let constant = days.iter().all(|d| d.report.document_round_trips == 1);
        println!(
            "| 2. document round trips | 1, whatever the number of documents | {} | {} |",
            trips.join(", "),
            verdict(constant)
        );
    }
    if let Some(merge) = merge {
        println!(
            "| 3. merge over HTTP | ≥ {TARGET_DOCS_PER_SECOND:.0} documents/s on 2 cores | {:.0} documents/s \
             (at most {:.0} on 2 idle cores, from the CPU time) | {} |",
            merge.http_rate(),
            merge.http_bound(),
            verdict(merge.http_rate() >= TARGET_DOCS_PER_SECOND)
        );
        let rows_ok = merge.counts.docs as usize == merge.docs
            && merge.counts.inspections as usize == merge.docs
            && merge.counts.answers as usize == merge.expected_answers
            && merge.counts.tasks as usize == merge.expected_tasks;
        println!(
            "| 3. central row counts | as generated | {} | {} |",
            if rows_ok {
                "match"
            } else {
                "differ (see the table above)"
            },
            if rows_ok { "ok" } else { "CHECK" }
        );
    }
}
