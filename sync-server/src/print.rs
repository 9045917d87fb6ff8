//! Printed sheets: the A4 sheet of a street's shop QR codes (一户一码) and an inspection's result
//! record (结果记录表), both drawn with [`crate::pdf`].

use chrono::NaiveDate;
use foodpatrol_shared::checklist::{Answer, TemplateRef};
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{InspectionKind, Signature};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::rectification::RectificationMode;
use foodpatrol_shared::shop::Shop;

use crate::AppState;
use crate::pdf::{A4_HEIGHT, A4_WIDTH, FlowLayout, PdfDocument, text_width, wrap};
use crate::qr::{self, QrMatrix};
use crate::store::{InspectionRecord, StoreError};

/// Page margin of the street sheet, in points.
pub const SHEET_MARGIN: f32 = 36.0;
/// Height of the title band above the grid of codes, in points.
pub const SHEET_HEADER: f32 = 40.0;
pub const SHEET_COLUMNS: usize = 3;
pub const SHEET_ROWS: usize = 4;
/// Printed side of each code including its quiet zone: 120 pt is about 42 mm, which phone cameras
/// read from an arm's length.
const SHEET_CODE_SIZE: f32 = 120.0;

/// A shop and the link its code carries.
#[derive(Debug, Clone)]
pub struct SheetEntry {
    pub shop: Shop,
    pub link: String,
}

/// Returns the links of every shop of a street, signed at each shop's current generation.
pub async fn street_entries(
    state: &AppState,
    street: &str,
    base_url: &str,
) -> Result<Vec<SheetEntry>, StoreError> {
    let shops = state.store.shops_in_street(street).await?;
    let key = qr::signing_key(state).await?;
    let mut entries = Vec::with_capacity(shops.len());
    for shop in shops {
        let generation = state.store.qr_generation(shop.id).await?;
        let code = qr::sign_code(&key, shop.id, generation);
        entries.push(SheetEntry {
            link: qr::shop_link(base_url, &code),
            shop,
        });
    }
    Ok(entries)
}

/// Shortens `text` to at most `lines` lines of `width` points, ending a cut text with "…".
fn clipped_lines(text: &str, size: f32, width: f32, lines: usize) -> Vec<String> {
    let mut wrapped = wrap(text, size, width);
    if wrapped.len() > lines {
        wrapped.truncate(lines);
        if let Some(last) = wrapped.last_mut() {
            while !last.is_empty() && text_width(last, size) + size > width {
                last.pop();
            }
            last.push('…');
        }
    }
    wrapped
}

/// Draws a street's codes, twelve to an A4 page, each with the shop's name and licence number.
pub fn street_sheet(street: &str, entries: &[SheetEntry], printed_on: NaiveDate) -> Vec<u8> {
    let title = format!("{street}街道 一户一码 公示二维码");
    let mut doc = PdfDocument::new(&title);
    let per_page = SHEET_COLUMNS * SHEET_ROWS;
    let pages = entries.len().div_ceil(per_page).max(1);
    let cell_width = (A4_WIDTH - 2.0 * SHEET_MARGIN) / SHEET_COLUMNS as f32;
    let cell_height = (A4_HEIGHT - 2.0 * SHEET_MARGIN - SHEET_HEADER) / SHEET_ROWS as f32;
    for page_index in 0..pages {
        let page = doc.add_page();
        page.text(SHEET_MARGIN, A4_HEIGHT - SHEET_MARGIN - 16.0, 14.0, &title);
        let footer = format!("打印日期 {printed_on}　第 {} 页 / 共 {pages} 页", page_index + 1);
        page.text(
            A4_WIDTH - SHEET_MARGIN - text_width(&footer, 9.0),
            A4_HEIGHT - SHEET_MARGIN - 16.0,
            9.0,
            &footer,
        );
        if entries.is_empty() {
            page.text(SHEET_MARGIN, A4_HEIGHT - 120.0, 12.0, "该街道暂无商户。");
        }
        let start = page_index * per_page;
        for (slot, entry) in entries.iter().skip(start).take(per_page).enumerate() {
            let column = slot % SHEET_COLUMNS;
            let row = slot / SHEET_COLUMNS;
            let left = SHEET_MARGIN + column as f32 * cell_width;
            let top = A4_HEIGHT - SHEET_MARGIN - SHEET_HEADER - row as f32 * cell_height;
            page.fill_gray(0.75);
            page.stroke_rect(left, top - cell_height, cell_width, cell_height);
            page.fill_gray(0.0);
            let matrix = QrMatrix::encode(&entry.link);
            let code_left = left + (cell_width - SHEET_CODE_SIZE) / 2.0;
            let code_bottom = top - 6.0 - SHEET_CODE_SIZE;
            page.qr(&matrix, code_left, code_bottom, SHEET_CODE_SIZE);
            let text_width_max = cell_width - 12.0;
            let mut baseline = code_bottom - 12.0;
            for line in clipped_lines(&entry.shop.name, 10.0, text_width_max, 2) {
                page.text_centered(left + cell_width / 2.0, baseline, 10.0, &line);
                baseline -= 13.0;
            }
            let licence = format!("许可证号 {}", entry.shop.licence_no);
            page.text_centered(left + cell_width / 2.0, baseline, 8.0, &licence);
        }
    }
    doc.finish()
}

fn answer_label(answer: &str) -> &str {
    Answer::parse(answer).map_or(answer, |a| a.label_zh())
}

fn signature_line(signature: Option<&Signature>) -> String {
    match signature {
        Some(Signature::Signed { signer_name, .. }) => {
            format!("被检查单位负责人签字：{signer_name}（电子签名，原件存档）")
        }
        Some(Signature::Refused { reason, witness, .. }) => {
            format!("被检查单位负责人拒绝签字。原因：{reason}；见证人：{witness}")
        }
        None => "被检查单位负责人：未签字（记录尚未提交）".to_owned(),
    }
}

fn task_line(task: &crate::store::TaskRow) -> String {
    let order = match &task.mode {
        RectificationMode::OnSpot { measure } => format!("当场整改：{measure}"),
        RectificationMode::Deadline { due, requirement } => {
            format!("限期整改：{due} 前完成，{requirement}")
        }
    };
    let key = if task.key { "（重点项）" } else { "" };
    format!(
        "{} {}{key}\n问题：{}\n{order}（{}）　当前状态：{}",
        task.item_id,
        task.item_text,
        task.remark,
        task.tier.label_zh(),
        task.state.label_zh()
    )
}

/// Draws an inspection's result record (结果记录表): the shop, the date, both inspectors, every
/// checklist item with its mark (是/否/合理缺项) and remark, the outcome, hazards with their
/// deadlines, and the signature or the refusal.
pub fn inspection_record_pdf(state: &AppState, record: &InspectionRecord) -> Vec<u8> {
    let title = "食品安全监督检查结果记录表";
    let mut flow = FlowLayout::new(title, 42.0);
    flow.running_head = format!("{title}　{}　{}", record.shop.name, record.report_date);
    let width = flow.width();
    let template = state.rules.template(&TemplateRef {
        id: record.template_id.clone(),
        version: record.template_version,
    });

    flow.space(20.0);
    let y = flow.y;
    flow.doc.page().text_centered(A4_WIDTH / 2.0, y, 16.0, title);
    flow.space(16.0);

    let kind = InspectionKind::parse(&record.kind).map_or(record.kind.as_str(), |k| k.label_zh());
    let checklist = match &template {
        Ok(t) => format!("{}（{} 第 {} 版）", t.title, t.id, t.version),
        Err(_) => format!("{} 第 {} 版", record.template_id, record.template_version),
    };
    for field in [
        format!("被检查单位：{}", record.shop.name),
        format!("许可证编号：{}", record.shop.licence_no),
        format!("地址：{}", record.shop.address),
        format!("检查类型：{kind}　　检查日期：{}", record.report_date),
        format!("检查人员：{}", record.inspector_names.join("、")),
        format!("检查表：{checklist}"),
    ] {
        flow.paragraph(&field, 10.5, 0.0, width);
    }

    flow.space(8.0);
    flow.paragraph("一、检查项目及结果", 12.0, 0.0, width);
    let columns = [62.0, width - 62.0 - 52.0 - 150.0, 52.0, 150.0];
    flow.table_row(
        &[
            ("条款", columns[0]),
            ("检查内容（* 为重点项）", columns[1]),
            ("结果", columns[2]),
            ("备注", columns[3]),
        ],
        9.0,
    );
    for answer in &record.answers {
        let text = template
            .as_ref()
            .ok()
            .and_then(|t| t.items.iter().find(|i| i.id == answer.item_id))
            .map_or_else(|| "（检查表中无此条款）".to_owned(), |i| i.text.clone());
        let marked = if answer.key { format!("* {text}") } else { text };
        flow.table_row(
            &[
                (&answer.item_id, columns[0]),
                (&marked, columns[1]),
                (answer_label(&answer.answer), columns[2]),
                (&answer.remark, columns[3]),
            ],
            9.0,
        );
    }

    flow.space(10.0);
    let outcome = match (&record.outcome, record.status.as_str()) {
        (Some(outcome), "submitted") => Outcome::parse(outcome).map_or(outcome.as_str(), |o| o.label_zh()),
        _ => "记录尚未提交，无检查结果",
    };
    flow.paragraph(&format!("二、检查结果：{outcome}"), 12.0, 0.0, width);

    flow.space(6.0);
    flow.paragraph("三、发现的问题及整改要求", 12.0, 0.0, width);
    if record.tasks.is_empty() {
        flow.paragraph("未发现问题。", 10.0, 12.0, width - 12.0);
    }
    for (index, task) in record.tasks.iter().enumerate() {
        flow.paragraph(
            &format!("{}. {}", index + 1, task_line(task)),
            10.0,
            12.0,
            width - 12.0,
        );
        flow.space(4.0);
    }

    flow.space(6.0);
    flow.paragraph("四、签字确认", 12.0, 0.0, width);
    flow.paragraph(
        &signature_line(record.signature.as_ref()),
        10.5,
        12.0,
        width - 12.0,
    );
    flow.paragraph(
        &format!("检查人员：{}", record.inspector_names.join("、")),
        10.5,
        12.0,
        width - 12.0,
    );
    flow.space(12.0);
    flow.paragraph(
        &format!(
            "本表由 FoodPatrol 依据同步至中心库的检查记录生成（记录日期 {}，服务器记录时间 {}）。",
            record.report_date,
            record.recorded_at.format("%Y-%m-%d %H:%M UTC")
        ),
        8.0,
        0.0,
        width,
    );
    flow.finish()
}

/// Loads an inspection and draws its result record, or returns `None` when there is no such record.
pub async fn inspection_record(state: &AppState, id: InspectionId) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(record) = state.store.inspection_record(id).await? else {
        return Ok(None);
    };
    Ok(Some(inspection_record_pdf(state, &record)))
}
