//! `verify-proof`: the inspector's review (整改复查) of an owner's proof, on a real device core.
//!
//! Works on a data folder made by `demo`: each inspector device store in `DIR/devices/` syncs with
//! the server it is signed in to (which must be running, for example `foodpatrol-server serve`
//! on the address in `DIR/server-address`). The first device that received the task's proof
//! records the decision and syncs it, and the task's state is then read back from the central
//! database.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use foodpatrol_device::Device;
use foodpatrol_shared::ids::TaskId;
use foodpatrol_shared::rectification::ReviewDecision;

const USAGE: &str = "\
Usage: cargo run -p xtask -- verify-proof --data DIR --task TASK_ID [--return REASON]

Options:
  --data DIR        Data folder of a demo run; its server must be running and reachable.
  --task TASK_ID    The rectification task whose latest proof to review (a UUID).
  --return REASON   Return the proof with this reason instead of verifying it.";

#[derive(Debug)]
struct Options {
    data_dir: PathBuf,
    task: TaskId,
    returned_reason: Option<String>,
}

impl Options {
    /// Parses the arguments after `verify-proof`. Returns `None` when help was requested.
    fn parse(args: &[String]) -> Result<Option<Options>> {
        let mut data_dir = None;
        let mut task = None;
        let mut returned_reason = None;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .cloned()
                    .with_context(|| format!("{name} needs a value\n\n{USAGE}"))
            };
            match arg.as_str() {
                "--help" | "-h" => return Ok(None),
                "--data" => data_dir = Some(PathBuf::from(value("--data")?)),
                "--task" => {
                    let text = value("--task")?;
                    let id: TaskId = text
                        .parse()
                        .map_err(|_| anyhow::anyhow!("--task {text:?} is not a task id (a UUID)"))?;
                    task = Some(id);
                }
                "--return" => returned_reason = Some(value("--return")?),
                other => bail!("unknown verify-proof option {other:?}\n\n{USAGE}"),
            }
        }
        Ok(Some(Options {
            data_dir: data_dir.with_context(|| format!("--data is required\n\n{USAGE}"))?,
            task: task.with_context(|| format!("--task is required\n\n{USAGE}"))?,
            returned_reason,
        }))
    }
}

/// Runs `verify-proof` with the arguments after the task's name.
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
    let (decision, remark) = match &options.returned_reason {
        Some(reason) => (ReviewDecision::Returned, reason.as_str()),
        None => (ReviewDecision::Verified, "复查合格，整改到位"),
    };
    let stores = device_stores(&options.data_dir.join("devices"))?;
    let mut reviewed_on = None;
    for path in &stores {
        let device =
            Device::open(path).with_context(|| format!("cannot open device store {}", path.display()))?;
        if device.identity()?.is_none_or(|identity| identity.token.is_none()) {
            continue;
        }
        device
            .sync()
            .await
            .with_context(|| format!("device {} could not sync to fetch the proof", path.display()))?;
        let waiting = device.proof_to_review()?;
        if !waiting.iter().any(|proof| proof.task_id == options.task) {
            continue;
        }
        device
            .review_task(options.task, decision, remark)
            .with_context(|| format!("recording the review on {} failed", path.display()))?;
        device
            .sync()
            .await
            .with_context(|| format!("device {} could not sync the review", path.display()))?;
        reviewed_on = Some(path.clone());
        break;
    }
    let Some(path) = reviewed_on else {
        bail!(
            "no signed-in device in {} has unreviewed proof for task {}; submit proof first",
            options.data_dir.join("devices").display(),
            options.task
        );
    };

    let state = central_task_state(&options.data_dir, options.task)?;
    let expected = match decision {
        ReviewDecision::Verified => "verified",
        ReviewDecision::Returned => "returned",
    };
    if state != expected {
        bail!(
            "task {} is {state} in the central database after the review synced; expected {expected}",
            options.task
        );
    }
    println!(
        "复查已同步 Review synced from {}: task {} is {state}",
        path.display(),
        options.task
    );
    Ok(())
}

/// Lists the device stores (`*.sqlite`) in a demo's device folder, sorted by name.
fn device_stores(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "cannot list {}; run `xtask demo --data` on this folder first",
            dir.display()
        )
    })?;
    let mut stores = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "sqlite") {
            stores.push(path);
        }
    }
    stores.sort();
    Ok(stores)
}

/// Reads a task's state from the central database, read-only; the running server uses WAL, so
/// this reader does not block it.
fn central_task_state(data_dir: &Path, task: TaskId) -> Result<String> {
    let path = data_dir.join("server").join("foodpatrol.sqlite");
    let db = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open the central database {} read-only", path.display()))?;
    db.query_row("SELECT state FROM tasks WHERE id = ?1", [task.to_string()], |r| {
        r.get(0)
    })
    .with_context(|| format!("task {task} is not in the central database {}", path.display()))
}
