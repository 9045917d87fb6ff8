//! Steps 7 and 8 over plain HTTP, as a phone or office browser would call the server: the owner
//! responds to the deadline task with proof, inspector A verifies it on the device, and the office
//! supervisor reads the daily report.

use anyhow::{Context, Result, bail};
use foodpatrol_server::seed::{self, DEMO_PASSWORD};
use foodpatrol_shared::protocol::{
    ApiError, DailyReport, DailyReportRow, OwnerTask, ProofRequest, RegisterRequest, RegisterResponse,
    UPLOAD_LENGTH_HEADER,
};
use foodpatrol_shared::rectification::{ReviewDecision, TaskState};
use rusqlite::OptionalExtension;
use serde::de::DeserializeOwned;

use super::Demo;
use super::central::state_label;
use super::district::Plan;
use super::field::{Crew, Inspector, describe_mode, fixture, print_sync_report};
use super::text::{self, Align, Table};

/// Step 7: the owner submits proof for the restaurant's deadline task and inspector A verifies it.
/// Skips what is already done: the owner's part once proof is in, everything once verified.
pub(crate) async fn close_the_loop(demo: &Demo, plan: &Plan, crew: &Crew) -> Result<()> {
    text::section(7, "整改闭环", "Rectification: owner's proof, inspector's review");
    let Some((task_id, state)) = deadline_task(demo, plan)? else {
        text::line("今天该店没有限期整改任务 No deadline task for this shop today; skipped.");
        return Ok(());
    };
    text::field(
        "任务 Task",
        format!("{task_id}（{}）", state_label(state.as_str())),
    );
    match state {
        TaskState::Verified | TaskState::FixedOnSpot => {
            text::line("已闭环，跳过 Already closed; skipped.");
            return Ok(());
        }
        TaskState::ProofSubmitted => {
            text::line(
                "经营者已提交整改材料，跳过上传 Proof already submitted; the owner's upload is skipped.",
            );
        }
        TaskState::Open | TaskState::Returned => owner_submits_proof(demo, plan, &task_id).await?,
    }
    inspector_verifies(demo, &crew.a, &task_id).await
}

/// File in the data folder that `demo --stop-before-proof` writes for the browser test.
pub(crate) const OPEN_TASK_FILE: &str = "open-task.json";

/// The open task left by `demo --stop-before-proof`, and the accounts that act on it.
#[derive(Debug, serde::Serialize)]
struct OpenTask {
    /// Address the devices are signed in to: serve the data folder there again.
    server_url: String,
    task_id: String,
    state: &'static str,
    shop_id: String,
    shop_name: String,
    licence_no: String,
    owner_username: String,
    /// Supervisor of the office whose inspectors scored the shop.
    supervisor_username: String,
    /// Display names of the two inspectors, as the daily report lists them.
    inspector_names: [String; 2],
    /// Local date of the inspection in the district's time zone.
    report_date: String,
}

/// Writes `open-task.json` describing the restaurant's deadline task. Fails when there is none or
/// it no longer waits for the owner, because the browser test needs an open task.
pub(crate) fn write_open_task(demo: &Demo, plan: &Plan) -> Result<std::path::PathBuf> {
    let (task_id, state) = deadline_task(demo, plan)?
        .context("the restaurant has no deadline task today; run on a fresh --data folder")?;
    if !state.awaits_owner() {
        bail!(
            "task {task_id} is already {}; run on a fresh --data folder to get an open task",
            state.as_str()
        );
    }
    let office = &plan.team.lead.office;
    let supervisor = demo
        .district
        .supervisors
        .iter()
        .find(|s| &s.office == office)
        .with_context(|| format!("{office} has no supervisor account"))?;
    let open = OpenTask {
        server_url: demo.base_url(),
        task_id,
        state: state.as_str(),
        shop_id: plan.restaurant.id.to_string(),
        shop_name: plan.restaurant.name.clone(),
        licence_no: plan.restaurant.licence_no.clone(),
        owner_username: seed::owner_username(&plan.restaurant),
        supervisor_username: supervisor.username.clone(),
        inspector_names: [
            plan.team.lead.display_name.clone(),
            plan.team.partner.display_name.clone(),
        ],
        report_date: demo.today.to_string(),
    };
    let path = demo.data_dir.join(OPEN_TASK_FILE);
    let json = serde_json::to_string_pretty(&open).context("serializing the open task failed")?;
    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Finds today's deadline task of the restaurant in the central database, with its state.
fn deadline_task(demo: &Demo, plan: &Plan) -> Result<Option<(String, TaskState)>> {
    let db = demo.central_db()?;
    let row: Option<(String, String)> = db
        .query_row(
            "SELECT t.id, t.state FROM tasks t JOIN inspections i ON i.id = t.inspection_id
             WHERE t.shop_id = ?1 AND t.mode = 'deadline' AND i.report_date = ?2
             ORDER BY t.item_id LIMIT 1",
            [plan.restaurant.id.to_string(), demo.today.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .context("reading the restaurant's deadline task from the central database failed")?;
    row.map(|(id, state)| {
        let parsed =
            TaskState::parse(&state).with_context(|| format!("task {id} has an unknown state {state:?}"))?;
        Ok((id, parsed))
    })
    .transpose()
}

async fn owner_submits_proof(demo: &Demo, plan: &Plan, task_id: &str) -> Result<()> {
    let username = seed::owner_username(&plan.restaurant);
    let owner = register(demo, &username, "店主手机").await?;
    text::field(
        "经营者登录 Owner signed in",
        format!("{}（{username}）", owner.display_name),
    );

    let tasks: Vec<OwnerTask> =
        get_json(demo, "/v1/owner/tasks", &owner.token, "listing the owner's tasks").await?;
    print_owner_tasks(&tasks);
    let task = tasks
        .iter()
        .find(|t| t.task_id.to_string() == task_id)
        .with_context(|| format!("task {task_id} is not in the owner's list"))?;
    if let Some(hash) = task.photos.first() {
        let evidence = get_bytes(
            demo,
            &format!("/v1/photos/{hash}"),
            &owner.token,
            "downloading the evidence photo",
        )
        .await?;
        text::line(format!(
            "经营者查看检查照片 Owner opened the inspector's photo: {} KB",
            evidence.len() / 1024
        ));
    }

    let original = fixture("mobile/HMD_Nokia_8.3_5G.jpg")?;
    let proof =
        foodpatrol_device::photo::process_photo(&original).context("processing the proof photo failed")?;
    text::line(format!(
        "整改照片 Proof photo: {}×{}，{} KB（原图 original {} KB）",
        proof.width,
        proof.height,
        proof.jpeg.len() / 1024,
        original.len() / 1024
    ));
    upload_photo(demo, &owner.token, &proof.hash, proof.jpeg).await?;

    let request = ProofRequest {
        note: "两名人员已补办健康证，附健康证照片".into(),
        photos: vec![proof.hash.clone()],
    };
    let url = format!("{}/v1/owner/tasks/{task_id}/proof", demo.base_url());
    let response = demo
        .http
        .post(url)
        .bearer_auth(&owner.token)
        .json(&request)
        .send()
        .await;
    let submitted: OwnerTask = read_json(response, demo, "submitting the proof").await?;
    text::field(
        "提交整改材料 Proof submitted",
        state_label(submitted.state.as_str()),
    );
    Ok(())
}

fn print_owner_tasks(tasks: &[OwnerTask]) {
    text::line("经营者看到的整改任务 The owner's task list:");
    for task in tasks {
        let overdue = if task.overdue { "，已逾期 OVERDUE" } else { "" };
        text::line(format!(
            "  · {} {}：{} → {}{overdue}（检查照片 photos {}）",
            task.item_id,
            task.item_text,
            describe_mode(&task.mode),
            state_label(task.state.as_str()),
            task.photos.len()
        ));
    }
}

async fn upload_photo(demo: &Demo, token: &str, hash: &str, jpeg: Vec<u8>) -> Result<()> {
    let size = jpeg.len();
    let response = demo
        .http
        .put(format!("{}/v1/photos/{hash}", demo.base_url()))
        .bearer_auth(token)
        .header(UPLOAD_LENGTH_HEADER, size.to_string())
        .body(jpeg)
        .send()
        .await;
    let response = checked(response, demo, "uploading the proof photo").await?;
    text::line(format!(
        "上传照片 Photo uploaded: HTTP {}，{size} 字节 bytes",
        response.status().as_u16()
    ));
    Ok(())
}

/// Syncs device A, verifies the proof on it, syncs again and checks the task closed centrally.
async fn inspector_verifies(demo: &Demo, inspector: &Inspector, task_id: &str) -> Result<()> {
    let device = &inspector.device;
    device
        .sync()
        .await
        .with_context(|| format!("device {} could not sync to fetch the proof", inspector.label))?;
    let waiting = device.proof_to_review()?;
    match waiting.iter().find(|p| p.task_id.to_string() == task_id) {
        Some(proof) => {
            text::line(format!(
                "设备 Device {} 收到整改材料 received the proof：「{}」，照片 photos {}",
                inspector.label,
                proof.proof.note,
                proof.proof.photos.len()
            ));
            device
                .review_task(proof.task_id, ReviewDecision::Verified, "复查合格：健康证已补办")
                .context("recording the review on device A failed")?;
            text::line("复查 Review: 通过 verified");
        }
        None => text::line("本机已复查，等待同步 Already reviewed on this device; syncing it."),
    }
    let report = device
        .sync()
        .await
        .with_context(|| format!("device {} could not sync the review", inspector.label))?;
    text::field(&format!("同步 Sync {}", inspector.label), "成功 done");
    print_sync_report(&report);

    let state: String = demo
        .central_db()?
        .query_row("SELECT state FROM tasks WHERE id = ?1", [task_id], |r| r.get(0))
        .context("reading the task's state from the central database failed")?;
    text::field("中心库任务状态 Central task state", state_label(&state));
    if state != TaskState::Verified.as_str() {
        bail!("task {task_id} is {state} after the review synced; expected verified");
    }
    Ok(())
}

/// Step 8: the office supervisor signs in and reads today's daily report.
pub(crate) async fn print_daily_report(demo: &Demo, plan: &Plan) -> Result<()> {
    text::section(8, "协管日报", "Daily report");
    let office = &plan.team.lead.office;
    let supervisor = demo
        .district
        .supervisors
        .iter()
        .find(|s| &s.office == office)
        .with_context(|| format!("{office} has no supervisor account"))?;
    let session = register(demo, &supervisor.username, "科室电脑").await?;
    let report: DailyReport = get_json(
        demo,
        "/v1/reports/daily",
        &session.token,
        "reading the daily report",
    )
    .await?;
    text::field(
        "查看人 Viewer",
        format!("{}（{}，{office}）", session.display_name, supervisor.username),
    );
    text::field("日期 Date", format!("{}（{}）", report.date, report.time_zone));
    if report.rows.is_empty() {
        text::line("今天没有已提交的检查记录 No submitted records today.");
        return Ok(());
    }
    report_table(&report.rows).print();
    text::line(
        "  每次检查记录两名检查人员，两列都计入。Each visit records both inspectors, so both columns count it.",
    );
    Ok(())
}

/// A row of the daily report table: its label and how to read the count from a report row.
type Metric = (&'static str, fn(&DailyReportRow) -> u32);

/// Lays the report out with one column per inspector, so the many counts stay readable.
fn report_table(rows: &[DailyReportRow]) -> Table {
    let headers: Vec<&str> = std::iter::once("指标 Metric")
        .chain(rows.iter().map(|row| row.inspector_name.as_str()))
        .collect();
    let columns: Vec<(&str, Align)> = headers
        .iter()
        .enumerate()
        .map(|(index, header)| (*header, if index == 0 { Align::Left } else { Align::Right }))
        .collect();
    let mut table = Table::new(&columns);
    let offices = rows.iter().map(|row| row.office.clone());
    table.row(
        std::iter::once("监管所 Office".to_owned())
            .chain(offices)
            .collect(),
    );

    let metrics: [Metric; 11] = [
        ("检查记录 Inspections", |r| r.inspections),
        ("检查店铺 Shops", |r| r.shops),
        ("符合 Compliant", |r| r.compliant),
        ("基本符合 Basically compliant", |r| r.basically_compliant),
        ("不符合 Non-compliant", |r| r.non_compliant),
        ("隐患 Hazards", |r| r.hazards),
        ("现场整改 Fixed on the spot", |r| r.tasks_fixed_on_spot),
        ("限期整改 Deadline tasks", |r| r.tasks_with_deadline),
        ("复查通过 Verified", |r| r.tasks_verified),
        ("时钟偏差 Clock skew flagged", |r| r.skew_flagged),
        ("结果不一致 Outcome disagreements", |r| {
            r.outcome_disagreements
        }),
    ];
    for (label, value) in metrics {
        let counts = rows.iter().map(|row| value(row).to_string());
        table.row(std::iter::once(label.to_owned()).chain(counts).collect());
    }
    table
}

/// Signs in over HTTP as a browser session of `username`.
async fn register(demo: &Demo, username: &str, device_name: &str) -> Result<RegisterResponse> {
    let request = RegisterRequest {
        username: username.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        device_name: device_name.to_owned(),
    };
    let url = format!("{}/v1/devices/register", demo.base_url());
    let response = demo.http.post(url).json(&request).send().await;
    read_json(response, demo, &format!("signing in as {username}")).await
}

async fn get_json<T: DeserializeOwned>(demo: &Demo, path: &str, token: &str, action: &str) -> Result<T> {
    let response = demo
        .http
        .get(format!("{}{path}", demo.base_url()))
        .bearer_auth(token)
        .send()
        .await;
    read_json(response, demo, action).await
}

async fn get_bytes(demo: &Demo, path: &str, token: &str, action: &str) -> Result<Vec<u8>> {
    let response = demo
        .http
        .get(format!("{}{path}", demo.base_url()))
        .bearer_auth(token)
        .send()
        .await;
    let bytes = checked(response, demo, action)
        .await?
        .bytes()
        .await
        .with_context(|| format!("{action}: the response body was cut off"))?;
    Ok(bytes.to_vec())
}

async fn read_json<T: DeserializeOwned>(
    response: reqwest::Result<reqwest::Response>,
    demo: &Demo,
    action: &str,
) -> Result<T> {
    checked(response, demo, action)
        .await?
        .json()
        .await
        .with_context(|| format!("{action}: the server's response is not the expected JSON"))
}

/// Returns the response if it succeeded, else an error with the server's message.
async fn checked(
    response: reqwest::Result<reqwest::Response>,
    demo: &Demo,
    action: &str,
) -> Result<reqwest::Response> {
    let response =
        response.with_context(|| format!("{action}: cannot reach the server at {}", demo.base_url()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    let detail = match serde_json::from_str::<ApiError>(&body) {
        Ok(error) => format!("{} ({})", error.message, error.code),
        Err(_) => body,
    };
    bail!("{action} failed with HTTP {status}: {detail}")
}
