//! Excel exports of the daily report and the KPI table (rust_xlsxwriter).
//!
//! Each sheet has a title in row 1, Chinese headers in row 2 and data from row 3, with the total
//! last. Counts are written as numbers and rates as fractions formatted `0.0%`, so the figures can
//! be summed and charted in Excel. An undefined rate (no denominator) is an empty cell.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::kpi::{DEFINITIONS, KpiRow, KpiTable};
use crate::supervision::{DailyLine, DailyReport};

/// Width of a text in Excel's column units: CJK characters take two.
fn text_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A sheet being written: its column widths grow with what is written.
struct Sheet<'a> {
    sheet: &'a mut Worksheet,
    widths: Vec<usize>,
}

impl<'a> Sheet<'a> {
    fn new(sheet: &'a mut Worksheet, title: &str, headers: &[&str]) -> Result<Sheet<'a>, XlsxError> {
        let title_format = Format::new().set_bold().set_font_size(14);
        let header_format = Format::new()
            .set_bold()
            .set_background_color("#E8EEF5")
            .set_align(FormatAlign::Center)
            .set_text_wrap();
        sheet.write_string_with_format(0, 0, title, &title_format)?;
        let mut widths = Vec::with_capacity(headers.len());
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(1, col as u16, *header, &header_format)?;
            widths.push(text_width(header));
        }
        sheet.set_freeze_panes(2, 1)?;
        Ok(Sheet { sheet, widths })
    }

    fn grow(&mut self, col: u16, width: usize) {
        let col = usize::from(col);
        if col >= self.widths.len() {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(width);
    }

    fn text(&mut self, row: u32, col: u16, text: &str, format: &Format) -> Result<(), XlsxError> {
        self.sheet.write_string_with_format(row, col, text, format)?;
        self.grow(col, text_width(text));
        Ok(())
    }

    fn count(&mut self, row: u32, col: u16, value: u32, format: &Format) -> Result<(), XlsxError> {
        self.sheet.write_number_with_format(row, col, value, format)?;
        self.grow(col, value.to_string().len());
        Ok(())
    }

    fn rate(&mut self, row: u32, col: u16, value: Option<f64>, format: &Format) -> Result<(), XlsxError> {
        if let Some(value) = value {
            self.sheet.write_number_with_format(row, col, value, format)?;
        }
        self.grow(col, "100.0%".len());
        Ok(())
    }

    /// Sets every column's width to its widest cell, within 8 to 60 units.
    fn finish(self) -> Result<(), XlsxError> {
        for (col, width) in self.widths.iter().enumerate() {
            self.sheet
                .set_column_width(col as u16, (*width + 2).clamp(8, 60) as f64)?;
        }
        Ok(())
    }
}

struct Formats {
    text: Format,
    count: Format,
    rate: Format,
    total_text: Format,
    total_count: Format,
    total_rate: Format,
}

impl Formats {
    fn new() -> Formats {
        let count = Format::new().set_num_format("0");
        let rate = Format::new().set_num_format("0.0%");
        Formats {
            text: Format::new(),
            total_text: Format::new().set_bold(),
            total_count: count.clone().set_bold(),
            total_rate: rate.clone().set_bold(),
            count,
            rate,
        }
    }
}

const DAILY_HEADERS: [&str; 10] = [
    "检查次数",
    "检查户数",
    "符合",
    "基本符合",
    "不符合",
    "发现问题项",
    "现场整改",
    "限期整改",
    "时钟偏差",
    "结论不一致",
];

/// One sheet of the daily report: the lines of one cut (person, office or street).
struct DailyCut<'a> {
    sheet_name: &'a str,
    first_header: &'a str,
    with_office: bool,
    lines: &'a [DailyLine],
}

fn daily_sheet(
    workbook: &mut Workbook,
    title: &str,
    cut: DailyCut<'_>,
    total: &DailyLine,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let DailyCut {
        sheet_name,
        first_header,
        with_office,
        lines,
    } = cut;
    let mut headers = vec![first_header];
    if with_office {
        headers.push("监管所");
    }
    headers.extend(DAILY_HEADERS);
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet_name)?;
    let mut sheet = Sheet::new(worksheet, title, &headers)?;
    let all_lines = lines.iter().map(|l| (l, false)).chain([(total, true)]);
    for (row, (line, is_total)) in (2..).zip(all_lines) {
        let (text, count) = if is_total {
            (&formats.total_text, &formats.total_count)
        } else {
            (&formats.text, &formats.count)
        };
        sheet.text(row, 0, &line.label, text)?;
        let mut col = 1;
        if with_office {
            sheet.text(row, col, &line.office, text)?;
            col += 1;
        }
        let values = [
            line.inspections,
            line.shops,
            line.compliant,
            line.basically_compliant,
            line.non_compliant,
            line.hazards,
            line.tasks_on_spot,
            line.tasks_deadline,
            line.skew_flagged,
            line.outcome_disagreements,
        ];
        for value in values {
            sheet.count(row, col, value, count)?;
            col += 1;
        }
    }
    sheet.finish()
}

/// Writes the daily report as a workbook with one sheet per cut: 按人员, 按监管所, 按街道.
pub fn daily_report(report: &DailyReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let title = format!("协管日报（{}）", report.date);
    let cuts = [
        DailyCut {
            sheet_name: "按人员",
            first_header: "检查人员",
            with_office: true,
            lines: &report.by_person,
        },
        DailyCut {
            sheet_name: "按监管所",
            first_header: "监管所",
            with_office: false,
            lines: &report.by_office,
        },
        DailyCut {
            sheet_name: "按街道",
            first_header: "街道",
            with_office: false,
            lines: &report.by_street,
        },
    ];
    for cut in cuts {
        daily_sheet(&mut workbook, &title, cut, &report.total, &formats)?;
    }
    workbook.save_to_buffer()
}

/// Column headers of the KPI sheet, in order.
pub const KPI_HEADERS: [&str; 15] = [
    "街道",
    "监管所",
    "经营者数",
    "当年已评定数",
    "评定完成率",
    "检查次数",
    "发现问题的检查次数",
    "问题发现率",
    "适用检查项数",
    "不合格项数",
    "问题发现率（按检查项）",
    "责令整改任务数",
    "已闭环任务数",
    "整改率",
    "逾期未整改数",
];

fn kpi_row(
    sheet: &mut Sheet<'_>,
    row: u32,
    kpi: &KpiRow,
    total: bool,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let (text, count, rate) = if total {
        (&formats.total_text, &formats.total_count, &formats.total_rate)
    } else {
        (&formats.text, &formats.count, &formats.rate)
    };
    sheet.text(row, 0, &kpi.area, text)?;
    sheet.text(row, 1, &kpi.offices.join("、"), text)?;
    sheet.count(row, 2, kpi.shops, count)?;
    sheet.count(row, 3, kpi.shops_graded, count)?;
    sheet.rate(row, 4, kpi.grading_rate(), rate)?;
    sheet.count(row, 5, kpi.inspections, count)?;
    sheet.count(row, 6, kpi.inspections_with_problem, count)?;
    sheet.rate(row, 7, kpi.problem_rate(), rate)?;
    sheet.count(row, 8, kpi.items_applicable, count)?;
    sheet.count(row, 9, kpi.items_failed, count)?;
    sheet.rate(row, 10, kpi.item_problem_rate(), rate)?;
    sheet.count(row, 11, kpi.tasks_ordered, count)?;
    sheet.count(row, 12, kpi.tasks_closed, count)?;
    sheet.rate(row, 13, kpi.rectification_rate(), rate)?;
    sheet.count(row, 14, kpi.tasks_overdue, count)?;
    Ok(())
}

/// Writes the KPI table (sheet 考核指标) and the definitions used (sheet 指标定义).
pub fn kpi_table(table: &KpiTable) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("考核指标")?;
    let title = format!("{} 年考核指标（按街道）", table.year);
    let mut sheet = Sheet::new(worksheet, &title, &KPI_HEADERS)?;
    let mut row = 2;
    for street in &table.streets {
        kpi_row(&mut sheet, row, street, false, &formats)?;
        row += 1;
    }
    kpi_row(&mut sheet, row, &table.total, true, &formats)?;
    sheet.finish()?;

    let worksheet = workbook.add_worksheet();
    worksheet.set_name("指标定义")?;
    let mut sheet = Sheet::new(
        worksheet,
        "指标定义（未找到官方定义，以下为本系统采用的口径）",
        &["指标", "定义"],
    )?;
    for (row, definition) in (2..).zip(DEFINITIONS) {
        sheet.text(row, 0, definition.name_zh, &formats.text)?;
        sheet.text(row, 1, definition.definition_zh, &formats.text)?;
    }
    sheet.finish()?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    use chrono::NaiveDate;

    use super::*;

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).expect("workbook opens")
    }

    #[test]
    fn daily_workbook_has_numbers() {
        let line = DailyLine {
            label: "张三".to_owned(),
            office: "南市市场监管所".to_owned(),
            inspections: 3,
            shops: 2,
            hazards: 4,
            ..DailyLine::default()
        };
        let report = DailyReport {
            date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            by_person: vec![line.clone()],
            by_office: vec![],
            by_street: vec![],
            total: DailyLine {
                label: "合计".to_owned(),
                ..line
            },
        };

        let mut workbook = open(daily_report(&report).unwrap());
        assert_eq!(workbook.sheet_names(), ["按人员", "按监管所", "按街道"]);

        let sheet = workbook.worksheet_range("按人员").unwrap();
        assert_eq!(
            sheet.get_value((0, 0)),
            Some(&Data::String("协管日报（2026-03-02）".into()))
        );
        assert_eq!(sheet.get_value((1, 0)), Some(&Data::String("检查人员".into())));
        assert_eq!(sheet.get_value((1, 2)), Some(&Data::String("检查次数".into())));
        assert_eq!(sheet.get_value((2, 0)), Some(&Data::String("张三".into())));
        assert_eq!(sheet.get_value((2, 2)), Some(&Data::Float(3.0)));
        assert_eq!(sheet.get_value((2, 7)), Some(&Data::Float(4.0)));
        assert_eq!(sheet.get_value((3, 0)), Some(&Data::String("合计".into())));
    }

    #[test]
    fn kpi_workbook_writes_rates_as_fractions() {
        let row = KpiRow {
            area: "南市".to_owned(),
            offices: vec!["南市市场监管所".to_owned()],
            shops: 4,
            shops_graded: 3,
            inspections: 0,
            ..KpiRow::default()
        };
        let table = KpiTable {
            year: 2026,
            streets: vec![row.clone()],
            total: KpiRow {
                area: "全区".to_owned(),
                ..row
            },
        };
        let mut workbook = open(kpi_table(&table).unwrap());
        let sheet = workbook.worksheet_range("考核指标").unwrap();
        assert_eq!(sheet.get_value((1, 4)), Some(&Data::String("评定完成率".into())));
        assert_eq!(sheet.get_value((2, 4)), Some(&Data::Float(0.75)));
        assert_eq!(
            sheet.get_value((2, 7)),
            Some(&Data::Empty),
            "no inspections, so no problem discovery rate"
        );
        assert_eq!(sheet.get_value((3, 0)), Some(&Data::String("全区".into())));
        let definitions = workbook.worksheet_range("指标定义").unwrap();
        assert_eq!(
            definitions.get_value((2, 0)),
            Some(&Data::String("评定完成率".into()))
        );
    }
}
