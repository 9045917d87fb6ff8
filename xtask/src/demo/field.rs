//! Steps 3 to 5 on the inspectors' devices: sign in and download the visits, score the shops while
//! the server is down, fail to sync while offline, and sync once the server is back.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::Days;
use foodpatrol_device::sync_client::SyncReport;
use foodpatrol_device::{Device, DeviceError, Preview};
use foodpatrol_server::district::SeedUser;
use foodpatrol_server::seed::DEMO_PASSWORD;
use foodpatrol_shared::checklist::{Answer, ChecklistItem};
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{Hazard, InspectionKind, InspectorRef};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::rectification::{RectificationMode, Tier};
use foodpatrol_shared::shop::Shop;

use super::Demo;
use super::district::{Plan, business_label};
use super::text;

/// One inspector's device and the colleague they visit with.
#[derive(Debug)]
pub(crate) struct Inspector {
    pub(crate) device: Device,
    /// "A 张三（nanshi01）", as the output names the device.
    pub(crate) label: String,
    partner: InspectorRef,
}

/// The two devices of the team: A belongs to the lead inspector, B to the partner.
#[derive(Debug)]
pub(crate) struct Crew {
    pub(crate) a: Inspector,
    pub(crate) b: Inspector,
}

/// A 否 to record: the remark, the fixture photo and the rectification order.
struct FailedItem {
    item_id: &'static str,
    remark: &'static str,
    photo: &'static str,
    mode: RectificationMode,
}

/// Step 3: opens both device stores, signs them in unless they already are, and syncs once.
pub(crate) async fn sign_in(demo: &Demo, plan: &Plan) -> Result<Crew> {
    text::section(3, "设备登录并下载任务", "Devices sign in and download visits");
    let devices_dir = demo.data_dir.join("devices");
    std::fs::create_dir_all(&devices_dir)
        .with_context(|| format!("cannot create the device folder {}", devices_dir.display()))?;
    let team = &plan.team;
    let a = open_inspector(demo, &devices_dir, "A", &team.lead, &team.partner).await?;
    let b = open_inspector(demo, &devices_dir, "B", &team.partner, &team.lead).await?;
    Ok(Crew { a, b })
}

/// Opens a device store, signs it in as `user` unless it already is, and downloads its visits.
async fn open_inspector(
    demo: &Demo,
    devices_dir: &Path,
    letter: &str,
    user: &SeedUser,
    partner: &SeedUser,
) -> Result<Inspector> {
    let label = format!("{letter} {}（{}）", user.display_name, user.username);
    let path: PathBuf = devices_dir.join(format!("{}.sqlite", user.username));
    let device =
        Device::open(&path).with_context(|| format!("cannot open device store {}", path.display()))?;
    let sign_in_note = ensure_signed_in(demo, &device, letter, user).await?;

    device
        .sync()
        .await
        .with_context(|| format!("device {letter} could not download its visits"))?;
    let due_today = device
        .assignments()?
        .iter()
        .filter(|a| a.due == demo.today)
        .count();
    let partner = device
        .colleagues()?
        .into_iter()
        .find(|c| c.user_id == partner.id)
        .with_context(|| {
            format!(
                "{} is not among device {letter}'s colleagues after sync",
                partner.username
            )
        })?;

    text::field(
        &format!("设备 Device {label}"),
        format!(
            "{sign_in_note}；今日任务 visits today: {due_today}；同行 partner: {}",
            partner.name
        ),
    );
    text::line(format!("    本机数据库 Store: {}", path.display()));
    Ok(Inspector {
        device,
        label,
        partner,
    })
}

/// Signs the device in unless it already has a token of `user` for this server's address.
/// Returns the note to print.
async fn ensure_signed_in(
    demo: &Demo,
    device: &Device,
    letter: &str,
    user: &SeedUser,
) -> Result<&'static str> {
    let base_url = demo.base_url();
    let signed_in = device.identity()?.is_some_and(|identity| {
        identity.token.is_some() && identity.user_id == user.id && identity.server_url == base_url
    });
    if signed_in {
        return Ok("已登录，跳过登录 already signed in");
    }
    let device_name = format!("{} 的执法终端", user.display_name);
    device
        .register(&base_url, &user.username, DEMO_PASSWORD, &device_name)
        .await
        .with_context(|| format!("device {letter} could not sign in as {}", user.username))?;
    Ok("登录成功 signed in")
}

/// Step 4: scores the three visits with no network.
pub(crate) fn score_offline(demo: &Demo, plan: &Plan, crew: &Crew) -> Result<()> {
    text::line("服务器已停止：两台设备离线 Server stopped: both devices are offline.");
    score_failing_restaurant(demo, &crew.a, &plan.restaurant)?;
    score_refusing_sales_shop(demo, &crew.b, &plan.sales_shop)?;
    score_compliant_restaurant(demo, &crew.a, &plan.second_restaurant)
}

/// Scores a restaurant on device A with one key item failed (deadline task) and one general item
/// failed (fixed on the spot). The owner signs.
fn score_failing_restaurant(demo: &Demo, inspector: &Inspector, shop: &Shop) -> Result<()> {
    let Some(id) = open_visit(demo, inspector, shop)? else {
        return Ok(());
    };
    let failures = [
        FailedItem {
            item_id: "C04-01",
            remark: "后厨两名切配人员健康证已过期",
            photo: "mobile/jolla.jpg",
            mode: RectificationMode::Deadline {
                due: demo.today + Days::new(7),
                requirement: "过期人员暂停直接入口食品岗位，补办健康证后上传照片".into(),
            },
        },
        FailedItem {
            item_id: "C05-01",
            remark: "操作间地面有油污和食物残渣",
            photo: "gps/DSCN0010.jpg",
            mode: RectificationMode::OnSpot {
                measure: "当场清扫并拖净地面".into(),
            },
        },
    ];
    score_items(&inspector.device, id, &failures)?;
    print_blockers(&inspector.device, id)?;
    let signer = "王建国";
    inspector.device.sign(id, signer, &signature_png(0.0)?)?;
    text::line(format!("签字 Signed by {signer}"));
    preview_and_submit(&inspector.device, id)
}

/// Scores a sales shop on device B with one general item failed and fixed on the spot. The person
/// in charge refuses to sign, so the refusal and a witness are recorded.
fn score_refusing_sales_shop(demo: &Demo, inspector: &Inspector, shop: &Shop) -> Result<()> {
    let Some(id) = open_visit(demo, inspector, shop)? else {
        return Ok(());
    };
    let failures = [FailedItem {
        item_id: "S02-01",
        remark: "货架积灰，纸箱堆放在通道",
        photo: "gps/DSCN0012.jpg",
        mode: RectificationMode::OnSpot {
            measure: "当场清理货架并移走通道纸箱".into(),
        },
    }];
    score_items(&inspector.device, id, &failures)?;
    let (reason, witness) = ("负责人不在店，店员不愿代签", "社区网格员赵敏");
    inspector.device.refuse_signature(id, reason, witness)?;
    text::line(format!(
        "拒签 Refused to sign: {reason}；见证人 witness: {witness}"
    ));
    preview_and_submit(&inspector.device, id)
}

/// Scores a restaurant on device A with every item passed. The owner signs.
fn score_compliant_restaurant(demo: &Demo, inspector: &Inspector, shop: &Shop) -> Result<()> {
    let Some(id) = open_visit(demo, inspector, shop)? else {
        return Ok(());
    };
    score_items(&inspector.device, id, &[])?;
    let signer = "李秀英";
    inspector.device.sign(id, signer, &signature_png(1.7)?)?;
    text::line(format!("签字 Signed by {signer}"));
    preview_and_submit(&inspector.device, id)
}

/// Prints the visit's header and returns the record to score: a new one, or today's unfinished
/// one. Returns `None` when the device already submitted a record of this shop today.
fn open_visit(demo: &Demo, inspector: &Inspector, shop: &Shop) -> Result<Option<InspectionId>> {
    println!();
    text::line(format!(
        "▶ 设备 Device {} 检查 inspects {}（{}）",
        inspector.label,
        shop.name,
        business_label(shop)
    ));
    let started_today = |started_at_ms: i64| {
        chrono::DateTime::from_timestamp_millis(started_at_ms)
            .is_some_and(|t| t.with_timezone(&demo.state.time_zone).date_naive() == demo.today)
    };
    let existing = inspector
        .device
        .inspections()?
        .into_iter()
        .find(|visit| visit.shop_id == shop.id && started_today(visit.started_at_ms));
    match existing {
        Some(visit) if visit.submitted => {
            let outcome = visit
                .outcome
                .as_deref()
                .and_then(Outcome::parse)
                .map_or("—", |o| o.label_zh());
            text::line(format!(
                "今天已检查并提交（{outcome}），跳过 Already scored today; skipped"
            ));
            Ok(None)
        }
        Some(visit) => {
            text::line("继续今天未完成的记录 Resuming today's unfinished record");
            Ok(Some(visit.id))
        }
        None => {
            let id = inspector
                .device
                .start_inspection(shop.id, InspectionKind::Daily, Some(inspector.partner.clone()))
                .with_context(|| format!("starting the inspection of {} failed", shop.name))?;
            Ok(Some(id))
        }
    }
}

/// Marks every item of the checklist: the expected answer, except `failures`, which get the other
/// answer with a remark, a photo and a rectification order.
fn score_items(device: &Device, id: InspectionId, failures: &[FailedItem]) -> Result<()> {
    let inspection = device.inspection(id)?;
    let template = device.rules().template(&inspection.template)?.clone();
    for item in &template.items {
        match failures.iter().find(|f| f.item_id == item.id) {
            Some(failure) => record_failure(device, id, item, failure)?,
            None => device.answer(id, &item.id, item.expected)?,
        }
    }
    text::line(format!(
        "已检查 Scored {} 项 items（{}），不符合 failed: {}",
        template.items.len(),
        template.title,
        failures.len()
    ));
    Ok(())
}

fn record_failure(
    device: &Device,
    id: InspectionId,
    item: &ChecklistItem,
    failure: &FailedItem,
) -> Result<()> {
    let failing = if item.expected == Answer::Yes {
        Answer::No
    } else {
        Answer::Yes
    };
    device.answer(id, &item.id, failing)?;
    device.set_remark(id, &item.id, failure.remark)?;
    let photo = device
        .attach_photo(id, &item.id, &fixture(failure.photo)?)
        .with_context(|| format!("attaching {} to {} failed", failure.photo, item.id))?;
    device.order_rectification(id, &item.id, failure.mode.clone(), Tier::SelfFix)?;
    text::line(format!(
        "{} 判 {}，照片 photo {}（{}×{}）",
        item.id,
        failing.label_zh(),
        failure.photo,
        photo.width,
        photo.height
    ));
    Ok(())
}

/// Prints what still stops the record from being submitted (before the signature).
fn print_blockers(device: &Device, id: InspectionId) -> Result<()> {
    let preview = device.preview(id)?;
    for problem in &preview.problems {
        text::line(format!("提交前还需 Before submitting: {}", problem.message_zh()));
    }
    Ok(())
}

fn preview_and_submit(device: &Device, id: InspectionId) -> Result<()> {
    let preview = device.preview(id)?;
    print_preview(&preview);
    let evaluation = device.submit(id).context("submitting the record failed")?;
    text::line(format!(
        "已提交并封存，等待同步 Submitted and sealed; waits in the outbox ({})",
        evaluation.outcome.as_str()
    ));
    Ok(())
}

fn print_preview(preview: &Preview) {
    let evaluation = &preview.evaluation;
    text::field(
        "结果 Outcome",
        format!(
            "{}（处理 consequence: {}）",
            evaluation.outcome.label_zh(),
            evaluation.consequence_zh
        ),
    );
    text::field("理由 Reason", &preview.reason_zh);
    text::field("隐患 Hazards", preview.hazards.len());
    for hazard in &preview.hazards {
        print_hazard(hazard);
    }
}

fn print_hazard(hazard: &Hazard) {
    let weight = if hazard.key {
        "重点项 key"
    } else {
        "一般项 general"
    };
    text::line(format!("  · {} [{weight}] {}", hazard.item_id, hazard.text));
    text::line(format!(
        "    备注 Remark: {}；照片 photos: {}",
        hazard.remark,
        hazard.photos.len()
    ));
    if let Some(order) = &hazard.order {
        text::line(format!(
            "    整改 Order: {}（{}）",
            describe_mode(&order.mode),
            order.tier.label_zh()
        ));
    }
}

/// Describes a rectification order in one line, in Chinese.
pub(crate) fn describe_mode(mode: &RectificationMode) -> String {
    match mode {
        RectificationMode::OnSpot { measure } => format!("现场整改 on the spot：{measure}"),
        RectificationMode::Deadline { due, requirement } => {
            format!("书面限期整改 deadline {due}：{requirement}")
        }
    }
}

/// Step 4, end: a sync attempt on each device must fail with the offline error.
pub(crate) async fn try_sync_offline(crew: &Crew) -> Result<()> {
    println!();
    for inspector in [&crew.a, &crew.b] {
        match inspector.device.sync().await {
            Err(DeviceError::Offline(_)) => {}
            Err(other) => {
                return Err(other)
                    .with_context(|| format!("device {} failed to sync while offline", inspector.label));
            }
            Ok(_) => bail!(
                "device {} synced although the server is stopped; is another program listening on its address?",
                inspector.label
            ),
        }
        let status = inspector.device.sync_status()?;
        text::field(
            &format!("同步 Sync {}", inspector.label),
            "失败（预期：服务器已停止）failed, as expected: the server is stopped",
        );
        text::line(format!("    {}", status.last_error.as_deref().unwrap_or("—")));
        text::line(format!(
            "    待同步 Pending: {} 份文档 docs，{} 张照片 photos",
            status.pending_docs, status.pending_photos
        ));
    }
    Ok(())
}

/// Step 5: syncs both devices and prints what each sync carried.
pub(crate) async fn sync_after_outage(crew: &Crew) -> Result<()> {
    for inspector in [&crew.a, &crew.b] {
        let report = inspector
            .device
            .sync()
            .await
            .with_context(|| format!("device {} could not sync after the outage", inspector.label))?;
        let status = inspector.device.sync_status()?;
        text::field(&format!("同步 Sync {}", inspector.label), "成功 done");
        print_sync_report(&report);
        text::line(format!(
            "    仍待同步 Still pending: {} 份文档 docs，{} 张照片 photos",
            status.pending_docs, status.pending_photos
        ));
    }
    Ok(())
}

pub(crate) fn print_sync_report(report: &SyncReport) {
    text::line(format!(
        "    往返 Round trips: 文档 documents {}，照片 photos {}",
        report.document_round_trips, report.photo_round_trips
    ));
    text::line(format!(
        "    上传文档 Docs pushed: {}（新变更 new changes {}）；收到更新 Docs updated from server: {}",
        report.pushed_docs, report.new_changes_acked, report.updated_docs
    ));
    text::line(format!(
        "    上传照片 Photos uploaded: {}（{} 字节 bytes）",
        report.photos_uploaded, report.photo_bytes_sent
    ));
    text::line(format!(
        "    同步报文 Sync bodies: 发送 sent {} 字节 bytes（其中变更 changes {}），接收 received {}",
        report.body_bytes_sent, report.change_bytes_sent, report.body_bytes_received
    ));
    for rejected in &report.rejected {
        text::line(format!(
            "    被拒 Rejected {}: {}（{}）",
            rejected.doc_id, rejected.message, rejected.code
        ));
    }
}

/// Reads a photo from the test fixtures (real phone and camera JPEGs, see ATTRIBUTION.md there).
pub(crate) fn fixture(relative: &str) -> Result<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/photos")
        .join(relative);
    std::fs::read(&path).with_context(|| {
        format!(
            "cannot read the fixture photo {}; run the demo from a FoodPatrol source checkout",
            path.display()
        )
    })
}

/// Draws a signature-like PNG (a dark wave on white), as the signature canvas exports.
/// `phase` shifts the wave so that two signers give two different images.
fn signature_png(phase: f64) -> Result<Vec<u8>> {
    let (width, height) = (300u32, 120u32);
    let mut image = image::RgbaImage::from_pixel(width, height, image::Rgba([255, 255, 255, 255]));
    for x in 20..280u32 {
        let y = 60.0 + 30.0 * (f64::from(x) / 25.0 + phase).sin();
        for dy in 0..3u32 {
            let row = (y as u32 + dy).min(height - 1);
            image.put_pixel(x, row, image::Rgba([20, 20, 20, 255]));
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .context("encoding the signature PNG failed")?;
    Ok(bytes)
}
