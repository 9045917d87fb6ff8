//! FoodPatrol developer tasks, run as `cargo run --release -p xtask -- <task> [options]`.
//!
//! Each task is a module whose entry point takes the arguments after the task's name and returns
//! `anyhow::Result<()>`. `main` below only picks the task, sets up logging (so a task must not set
//! it up again) and turns an error into a non-zero exit.

use std::process::ExitCode;

mod bench;
mod demo;
mod verify_proof;

const USAGE: &str = "\
FoodPatrol developer tasks

Usage: cargo run --release -p xtask -- <task> [options]

Tasks:
  demo [--data DIR] [--stop-before-proof]
                      The main job end to end: seed 和平区, score shops offline, sync, close the
                      rectification loop, print the daily report. DIR defaults to ./demo-data;
                      running again on the same DIR adds nothing. --stop-before-proof leaves the
                      deadline task open and writes DIR/open-task.json.
  verify-proof --data DIR --task ID [--return REASON]
                      The inspector verifies (or returns) the owner's proof for a task on a demo
                      device and syncs it; the demo's server must be running.
  bench [--only taps|day|merge|risk] [--taps N] [--day-sizes 5,20,40] [--docs N] [--batch N]
                      Benchmarks: tap -> durable answer, a day of work over the wire, server merge
                      throughput, risk grading of a district. Figures are recorded in docs/BENCHMARKS.md.
  help                Print this help.

Logs go to stderr at warn level; set RUST_LOG (for example RUST_LOG=info) for more.";

fn main() -> ExitCode {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, task_args) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match task {
        "demo" => demo::main(task_args),
        "verify-proof" => verify_proof::main(task_args),
        "bench" => bench::run(task_args.to_vec()),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\n失败 Failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sends logs to stderr at warn level unless RUST_LOG sets another filter.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
