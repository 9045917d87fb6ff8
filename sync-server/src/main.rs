//! `foodpatrol-server`: run the sync server on the embedded default (SQLite and local files).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use foodpatrol_server::district::DistrictSpec;

#[derive(Debug, Parser)]
#[command(
    name = "foodpatrol-server",
    version,
    about = "FoodPatrol sync server (食安巡查同步服务)"
)]
struct Cli {
    /// Folder for the database and photos; created if missing.
    #[arg(long, default_value = "foodpatrol-data", global = true)]
    data: PathBuf,
    /// District time zone for report dates (IANA name).
    #[arg(long, default_value = "Asia/Shanghai", global = true)]
    time_zone: chrono_tz::Tz,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sync API until Ctrl-C.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Public base URL that shop QR codes (一户一码) link to, such as https://fp.example.cn;
        /// stored, so later starts keep it. Without it, codes use the Host header of the request.
        #[arg(long)]
        public_base_url: Option<String>,
    },
    /// Load the demo district (和平区: 6 streets, 7,889 shops, inspectors, owners); safe to repeat.
    Seed {
        /// Owner accounts to create per street.
        #[arg(long, default_value_t = 3)]
        owners_per_street: usize,
    },
    /// Recompute every shop's risk level (风险分级) for a plan year from the previous year's records.
    Grade {
        /// Plan year the levels apply to; evidence is the calendar year before it.
        #[arg(long)]
        year: i32,
        /// Risk table id (default: the district's built-in table).
        #[arg(long)]
        table: Option<String>,
    },
    /// Write the annual inspection plan (年度检查计划) for a year from its stored levels.
    Plan {
        #[arg(long)]
        year: i32,
        /// Risk table id (default: the district's built-in table).
        #[arg(long)]
        table: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let state = foodpatrol_server::open_embedded(&cli.data, cli.time_zone)?;
    match cli.command {
        Command::Serve {
            listen,
            public_base_url,
        } => {
            if let Some(url) = public_base_url {
                foodpatrol_server::qr::set_public_base_url(&state, &url).await?;
            }
            let server = foodpatrol_server::serve(state, listen).await?;
            println!(
                "FoodPatrol sync server on {} (data: {})",
                server.base_url(),
                cli.data.display()
            );
            shutdown_signal().await?;
            tracing::info!("shutting down");
            server.shutdown().await?;
        }
        Command::Seed { owners_per_street } => {
            let (_, summary) =
                foodpatrol_server::seed::seed_district(&state, &DistrictSpec::heping(), owners_per_street)
                    .await?;
            println!(
                "辖区已导入 District seeded: {} offices, {} shops, {} inspectors, {} supervisors, {} owners; {} new accounts",
                summary.offices,
                summary.shops,
                summary.inspectors,
                summary.supervisors,
                summary.owners,
                summary.new_accounts
            );
        }
        Command::Grade { year, table } => {
            let table = foodpatrol_server::risk::table(table.as_deref())?;
            let summary =
                foodpatrol_server::risk::grading::recompute(state.store.as_ref(), &table, year).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::Plan { year, table } => {
            let table = foodpatrol_server::risk::table(table.as_deref())?;
            let summary =
                foodpatrol_server::risk::planning::generate(state.store.as_ref(), &table, year).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    Ok(())
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (what systemd and container runtimes send to stop a service).
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
