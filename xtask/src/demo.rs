//! The demo: FoodPatrol's main job end to end, on the real server, real device stores and real phone
//! photos, in one command: `cargo run --release -p xtask -- demo [--data DIR]`.
//!
//! 1. The sync server opens its embedded database, seeds 和平区 (7,889 shops, 6 streets, 48
//!    inspectors, owner accounts) and listens on 127.0.0.1.
//! 2. Today's visits go to two inspectors of one office: two restaurants (the first has an owner
//!    account) and one sales shop.
//! 3. Each inspector's device (its own SQLite file) signs in and downloads its visits.
//! 4. The server stops: a real outage. The devices score the shops offline with fixture photos
//!    (one restaurant with a key and a general failure, the shop with a refused signature, one
//!    restaurant fully compliant), and a sync attempt fails with the offline error.
//! 5. The server restarts on the same address and both devices sync.
//! 6. The central database shows each record's server and device outcome, failed items and tasks.
//! 7. The restaurant's owner submits proof over HTTP, and inspector A verifies it on the device.
//! 8. The office supervisor reads the daily report.
//! 9. The central row counts are printed, so that a second run can show it added nothing.
//!
//! Everything lives in the data folder (default `./demo-data`): `server/` contains the central
//! database and photos, `devices/<username>.sqlite` the device stores, and `server-address` the
//! last address. The server listens there again so that the devices stay signed in. A second run
//! on the same folder skips visits already scored today and proof already submitted. Seeding and
//! assignments are upserts with fixed ids, so the counts stay the same. The owner and the supervisor
//! sign in over HTTP as they would in a browser, so each run that reaches them adds a sign-in
//! (a row of `devices`, which the counts do not include).

mod central;
mod district;
mod field;
mod owner;
mod text;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use foodpatrol_server::district::District;
use foodpatrol_server::{AppState, RunningServer};

const USAGE: &str = "\
Usage: cargo run --release -p xtask -- demo [--data DIR] [--stop-before-proof]

Options:
  --data DIR            Folder for the server database, photos and device stores (default:
                        ./demo-data). Created if missing; running again on the same folder adds
                        nothing.
  --stop-before-proof   Stop after step 6, leaving the restaurant's deadline task open for the
                        owner portal, and write DIR/open-task.json describing it.";

/// Command-line options of the demo.
#[derive(Debug)]
struct Options {
    data_dir: PathBuf,
    stop_before_proof: bool,
}

impl Options {
    /// Parses the arguments after `demo`. Returns `None` when help was requested.
    fn parse(args: &[String]) -> Result<Option<Options>> {
        let mut data_dir = PathBuf::from("demo-data");
        let mut stop_before_proof = false;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--help" | "-h" => return Ok(None),
                "--stop-before-proof" => stop_before_proof = true,
                "--data" => {
                    let value = args
                        .next()
                        .context("--data needs a folder, e.g. --data ./demo-data")?;
                    data_dir = PathBuf::from(value);
                }
                other => match other.strip_prefix("--data=") {
                    Some(value) => data_dir = PathBuf::from(value),
                    None => bail!("unknown demo option {other:?}\n\n{USAGE}"),
                },
            }
        }
        Ok(Some(Options {
            data_dir,
            stop_before_proof,
        }))
    }
}

/// Runs the demo with the arguments after `demo`.
pub(crate) fn main(args: &[String]) -> Result<()> {
    let Some(options) = Options::parse(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<()> {
    let started = Instant::now();
    println!("食安巡查 FoodPatrol 演示 Demo");
    println!("数据目录 Data folder: {}", options.data_dir.display());

    let mut demo = district::open_and_seed(&options.data_dir).await?;
    let plan = district::assign_visits(&demo).await?;
    let crew = field::sign_in(&demo, &plan).await?;

    text::section(4, "断网检查", "Offline inspections");
    demo.stop_server().await?;
    field::score_offline(&demo, &plan, &crew)?;
    field::try_sync_offline(&crew).await?;

    text::section(5, "恢复联网并同步", "Back online: sync");
    demo.restart_server().await?;
    field::sync_after_outage(&crew).await?;

    central::print_records(&demo, &plan)?;
    if options.stop_before_proof {
        let path = owner::write_open_task(&demo, &plan)?;
        demo.stop_server().await?;
        println!();
        println!(
            "已停在整改前 Stopped before the owner's proof; the open task is described in {}",
            path.display()
        );
        return Ok(());
    }
    owner::close_the_loop(&demo, &plan, &crew).await?;
    owner::print_daily_report(&demo, &plan).await?;
    central::grade_and_plan(&demo).await?;
    central::print_counts(&demo).await?;

    demo.stop_server().await?;
    println!();
    println!(
        "完成 Done in {:.1} s. 再次运行不会重复数据 Run again on {} to see the same counts.",
        started.elapsed().as_secs_f64(),
        options.data_dir.display()
    );
    Ok(())
}

/// The running demo: the server's state and listener, the district, and today's date.
pub(crate) struct Demo {
    pub(crate) data_dir: PathBuf,
    pub(crate) state: AppState,
    pub(crate) district: District,
    /// Today in the district's time zone: the visits' due date and the report date.
    pub(crate) today: NaiveDate,
    pub(crate) http: reqwest::Client,
    addr: SocketAddr,
    server: Option<RunningServer>,
}

impl Demo {
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server. The devices are offline until [`Demo::restart_server`].
    pub(crate) async fn stop_server(&mut self) -> Result<()> {
        if let Some(server) = self.server.take() {
            server
                .shutdown()
                .await
                .with_context(|| format!("the server on {} did not stop cleanly", self.addr))?;
        }
        Ok(())
    }

    /// Starts the server again on the address it had, so the devices find it where they left it.
    pub(crate) async fn restart_server(&mut self) -> Result<()> {
        let server = foodpatrol_server::serve(self.state.clone(), self.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot restart the server on {}: another program took the port during the outage; \
                     run the demo again",
                    self.addr
                )
            })?;
        self.server = Some(server);
        text::line(format!("服务器已恢复 Server is back on {}", self.base_url()));
        Ok(())
    }

    /// Opens a read-only connection to the central database, as a report tool would.
    pub(crate) fn central_db(&self) -> Result<rusqlite::Connection> {
        let path = self.data_dir.join("server").join("foodpatrol.sqlite");
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open the central database {} read-only", path.display()))
    }
}

/// File in the data folder that keeps the server's last address between runs.
const ADDRESS_FILE: &str = "server-address";

/// Starts the server on the address of the last run if it is free, else on any free port of
/// 127.0.0.1, and saves the address for the next run.
async fn start_server(state: &AppState, data_dir: &Path) -> Result<RunningServer> {
    let address_file = data_dir.join(ADDRESS_FILE);
    let saved: Option<SocketAddr> = std::fs::read_to_string(&address_file)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .filter(|addr: &SocketAddr| addr.ip() == Ipv4Addr::LOCALHOST);
    if let Some(addr) = saved {
        match foodpatrol_server::serve(state.clone(), addr).await {
            Ok(server) => return Ok(server),
            Err(error) => text::line(format!(
                "上次的地址不可用，改用新端口，设备将重新登录 ({error}; using another port, the devices sign in again)"
            )),
        }
    }
    let any_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let server = foodpatrol_server::serve(state.clone(), any_port)
        .await
        .context("cannot listen on 127.0.0.1: no free port, or local networking is disabled")?;
    std::fs::write(&address_file, server.addr.to_string())
        .with_context(|| format!("cannot save the server address to {}", address_file.display()))?;
    Ok(server)
}
