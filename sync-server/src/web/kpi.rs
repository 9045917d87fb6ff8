//! The KPI page (考核指标) and its Excel export.

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use super::session::ConsoleUser;
use super::{Lang, PageError, layout, percent, xlsx_response};
use crate::AppState;
use crate::error::AppError;
use crate::kpi::{self, DEFINITIONS, KpiInspection, KpiRow, KpiShop, KpiTable, KpiTask};
use crate::supervision::BoardState;

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

fn parse_year(value: Option<&str>, default: i32, lang: Lang) -> Result<i32, PageError> {
    match value.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|year| (2000..=2100).contains(year))
            .ok_or_else(|| {
                PageError::new(
                    AppError::bad_request(
                        "invalid_year",
                        match lang {
                            Lang::Zh => format!("年份 {text:?} 无效，请填写 2000 到 2100 之间的四位年份。"),
                            Lang::En => format!("invalid year {text:?}; use a year from 2000 to 2100"),
                        },
                    ),
                    lang,
                )
            }),
    }
}

/// Reads the rows of `year` and computes its KPI table.
pub async fn load_table(state: &AppState, year: i32) -> Result<KpiTable, crate::store::StoreError> {
    let today = state.today();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
    let offices = state.store.offices().await?;
    let shops: Vec<KpiShop> = state
        .store
        .shop_facts()
        .await?
        .into_iter()
        .map(|shop| KpiShop {
            street: shop.street,
            grade_year: shop.grade.map(|(year, _)| year),
        })
        .collect();
    let inspections: Vec<KpiInspection> = state
        .store
        .inspection_facts(first, last)
        .await?
        .into_iter()
        .map(|fact| KpiInspection {
            street: fact.street,
            report_date: fact.report_date,
            items_checked: fact.items_checked,
            items_not_applicable: fact.items_not_applicable,
            items_failed: fact.items_failed,
        })
        .collect();
    let tasks: Vec<KpiTask> = state
        .store
        .task_facts()
        .await?
        .into_iter()
        .map(|task| KpiTask {
            overdue: BoardState::of(&task.mode, task.state, today) == BoardState::Overdue,
            street: task.street,
            report_date: task.report_date,
            state: task.state,
        })
        .collect();
    Ok(kpi::compute(year, &offices, &shops, &inspections, &tasks))
}

fn kpi_row(row: &KpiRow) -> Markup {
    html! {
        tr data-area=(row.area) {
            td { (row.area) }
            td { (row.offices.join("、")) }
            td.num { (row.shops_graded) " / " (row.shops) }
            td.num data-kpi="grading" { (percent(row.grading_rate())) }
            td.num { (row.inspections_with_problem) " / " (row.inspections) }
            td.num data-kpi="problem" { (percent(row.problem_rate())) }
            td.num { (row.items_failed) " / " (row.items_applicable) }
            td.num data-kpi="item-problem" { (percent(row.item_problem_rate())) }
            td.num { (row.tasks_closed) " / " (row.tasks_ordered) }
            td.num data-kpi="rectification" { (percent(row.rectification_rate())) }
            td.num data-kpi="overdue" { (row.tasks_overdue) }
        }
    }
}

/// `GET /console/kpi?year=YYYY`: KPIs per street with their definitions.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Query(query): Query<YearQuery>,
) -> Result<Html<String>, PageError> {
    let year = parse_year(query.year.as_deref(), state.today().year(), lang)?;
    let table = load_table(&state, year)
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let content = html! {
        form.filters method="get" action="/console/kpi" {
            label { (lang.t("年度", "Year")) input type="number" name="year" min="2000" max="2100" value=(year); }
            button type="submit" { (lang.t("查看", "Show")) }
            a data-testid="export-kpi-xlsx" href={ "/console/kpi.xlsx?year=" (year) } { (lang.t("导出 Excel", "Export to Excel")) }
        }
        table data-testid="kpi-table" {
            thead { tr {
                th { (lang.t("街道", "Street")) }
                th { (lang.t("监管所", "Office")) }
                th { (lang.t("已评定 / 经营者", "Graded / shops")) }
                th { (lang.t("评定完成率", "Grading completion")) }
                th { (lang.t("发现问题 / 检查次数", "With problems / inspections")) }
                th { (lang.t("问题发现率", "Problem discovery")) }
                th { (lang.t("不合格项 / 适用项", "Failed / applicable items")) }
                th { (lang.t("问题发现率（按项）", "Problem discovery (items)")) }
                th { (lang.t("已闭环 / 责令整改", "Closed / ordered")) }
                th { (lang.t("整改率", "Rectification")) }
                th { (lang.t("逾期未整改", "Overdue")) }
            } }
            tbody { @for row in &table.streets { (kpi_row(row)) } }
            tfoot { (kpi_row(&table.total)) }
        }
        h2 { (lang.t("指标口径", "Definitions")) }
        p.note data-testid="kpi-no-official-definition" {
            (lang.t("说明：未找到这些指标的官方定义，以下为本系统采用的口径，可按本地考核办法调整。",
                    "No official definition of these figures was found; the console uses the definitions below."))
        }
        dl {
            @for definition in DEFINITIONS {
                dt { strong { (lang.t(definition.name_zh, definition.name_en)) } }
                dd { (lang.t(definition.definition_zh, definition.definition_en)) }
            }
        }
        p.note { (lang.t(
            "统计范围：当年报告日期内已提交的检查记录及其责令的整改任务；经营者数为登记在册的全部经营者（登记簿暂无注销日期）；逾期按今日计算。",
            "Scope: submitted inspections reported in the year and the tasks they ordered; every registered shop counts as operating (the register has no closing date); overdue is as of today."
        )) }
    };
    Ok(layout(
        lang,
        &format!("{year} {}", lang.t("年考核指标", "KPIs")),
        &user,
        content,
    ))
}

/// `GET /console/kpi.xlsx?year=YYYY`: the KPI table as a workbook.
pub async fn export(
    State(state): State<AppState>,
    lang: Lang,
    _user: ConsoleUser,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = parse_year(query.year.as_deref(), state.today().year(), lang)?;
    let table = load_table(&state, year)
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let bytes = super::xlsx::kpi_table(&table)
        .map_err(|e| PageError::new(AppError::Internal(format!("KPI workbook failed: {e}")), lang))?;
    Ok(xlsx_response(bytes, &format!("kpi-{year}.xlsx")))
}
