//! The console's home page, the daily report (协管日报) and task completion pages.

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use chrono::{Datelike, Days, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use super::session::ConsoleUser;
use super::{Lang, PageError, layout, parse_date, percent, xlsx_response};
use crate::AppState;
use crate::error::AppError;
use crate::supervision::{self, CompletionLine, DailyLine, dashboard_window_start};
use foodpatrol_shared::outcome::Outcome;

/// `GET /console`: today's figures and the way to every page.
pub async fn home(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
) -> Result<Html<String>, PageError> {
    let today = state.today();
    let page_error = |e: crate::store::StoreError| PageError::new(e, lang);
    let inspections = state
        .store
        .inspection_facts(dashboard_window_start(today), today)
        .await
        .map_err(page_error)?;
    let tasks = state.store.task_facts().await.map_err(page_error)?;
    let figures = supervision::dashboard(&[], &inspections, &tasks, today);
    let cards: [(&str, &str, u32, &str); 4] = [
        (
            "今日检查",
            "Inspections today",
            figures.inspections_today,
            "/console/reports/daily",
        ),
        (
            "本月检查",
            "Inspections this month",
            figures.inspections_this_month,
            "/console/reports/daily",
        ),
        ("未闭环隐患", "Open hazards", figures.open_tasks, "/console/tasks"),
        (
            "逾期未整改",
            "Overdue",
            figures.overdue_tasks,
            "/console/tasks?state=overdue",
        ),
    ];
    let content = html! {
        p { (lang.t("今天是 ", "Today is ")) (today) " (" (state.time_zone.name()) ")" }
        div.cards {
            @for (zh, en, value, href) in cards {
                a.card href=(href) { b { (value) } (lang.t(zh, en)) }
            }
        }
        h2 { (lang.t("功能", "Pages")) }
        ul {
            li { a href="/console/reports/daily" { (lang.t("协管日报：按人员、监管所、街道统计某日检查", "Daily report by person, office and street")) } }
            li { a href="/console/completion" { (lang.t("任务完成情况：已分派、已完成、逾期", "Task completion: assigned, done, overdue")) } }
            li { a href="/console/tasks" { (lang.t("隐患闭环看板：待整改、待复查、已闭环、退回、逾期", "Hazard closed-loop board")) } }
            li { a href="/console/kpi" { (lang.t("考核指标：评定完成率、问题发现率、整改率", "KPIs: grading, problem discovery, rectification")) } }
            li { a href="/console/dashboard" { (lang.t("大屏展示", "Big-screen dashboard")) } }
            li { a href="/honour-roll" { (lang.t("红黑榜（公开页面）", "Honour roll (public page)")) } }
        }
    };
    Ok(layout(lang, lang.t("监管端首页", "Console home"), &user, content))
}

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    date: Option<String>,
}

fn daily_table(
    lang: Lang,
    test_id: &str,
    first_column: &str,
    with_office: bool,
    lines: &[DailyLine],
    total: &DailyLine,
) -> Markup {
    html! {
        table data-testid=(test_id) {
            thead { tr {
                th { (first_column) }
                @if with_office { th { (lang.t("监管所", "Office")) } }
                th { (lang.t("检查次数", "Inspections")) }
                th { (lang.t("检查户数", "Shops")) }
                th { (lang.t("符合", "Compliant")) }
                th { (lang.t("基本符合", "Basically compliant")) }
                th { (lang.t("不符合", "Non-compliant")) }
                th { (lang.t("发现问题项", "Failed items")) }
                th { (lang.t("现场整改", "Fixed on the spot")) }
                th { (lang.t("限期整改", "Deadline orders")) }
                th { (lang.t("时钟偏差", "Clock skew")) }
                th { (lang.t("结论不一致", "Outcome differs")) }
            } }
            tbody {
                @for line in lines { (daily_row(line, with_office)) }
                @if lines.is_empty() {
                    tr { td colspan="12" { (lang.t("当日没有已提交的检查记录。", "No submitted inspections on this day.")) } }
                }
            }
            tfoot { (daily_row(total, with_office)) }
        }
    }
}

fn daily_row(line: &DailyLine, with_office: bool) -> Markup {
    html! {
        tr {
            td { (line.label) }
            @if with_office { td { (line.office) } }
            @for n in [line.inspections, line.shops, line.compliant, line.basically_compliant, line.non_compliant,
                       line.hazards, line.tasks_on_spot, line.tasks_deadline, line.skew_flagged, line.outcome_disagreements] {
                td.num { (n) }
            }
        }
    }
}

fn outcome_label(code: &str, lang: Lang) -> String {
    match (Outcome::parse(code), lang) {
        (Some(outcome), Lang::Zh) => outcome.label_zh().to_owned(),
        (Some(outcome), Lang::En) => outcome.as_str().replace('_', " "),
        (None, _) => code.to_owned(),
    }
}

/// `GET /console/reports/daily?date=YYYY-MM-DD`: the daily report of one day (default today).
pub async fn daily(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Query(query): Query<DateQuery>,
) -> Result<Html<String>, PageError> {
    let date = parse_date("date", query.date.as_deref(), lang)?.unwrap_or_else(|| state.today());
    let facts = state
        .store
        .inspection_facts(date, date)
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let report = supervision::daily_report(&facts, date);
    let previous = date - Days::new(1);
    let next = date + Days::new(1);
    let content = html! {
        form.filters method="get" action="/console/reports/daily" {
            label { (lang.t("日期", "Date")) input type="date" name="date" value=(date); }
            button type="submit" { (lang.t("查看", "Show")) }
            a href={ "/console/reports/daily?date=" (previous) } { "← " (previous) }
            a href={ "/console/reports/daily?date=" (next) } { (next) " →" }
            a data-testid="export-daily-xlsx" href={ "/console/reports/daily.xlsx?date=" (date) } {
                (lang.t("导出 Excel", "Export to Excel"))
            }
        }
        p.note {
            (lang.t("按服务器时钟和辖区时区确定报告日期；只统计已提交（已签字或已记录拒签）的检查记录。",
                    "Report dates follow the server's clock in the district's time zone; only submitted records count."))
        }
        h2 { (lang.t("按人员", "By person")) }
        (daily_table(lang, "daily-report", lang.t("检查人员", "Inspector"), true, &report.by_person, &report.total))
        h2 { (lang.t("按监管所", "By office")) }
        (daily_table(lang, "daily-report-office", lang.t("监管所", "Office"), false, &report.by_office, &report.total))
        h2 { (lang.t("按街道", "By street")) }
        (daily_table(lang, "daily-report-street", lang.t("街道", "Street"), false, &report.by_street, &report.total))
        h2 { (lang.t("当日检查记录", "Inspections of the day")) }
        table data-testid="daily-inspections" {
            thead { tr {
                th { (lang.t("经营者", "Shop")) }
                th { (lang.t("街道", "Street")) }
                th { (lang.t("结论", "Outcome")) }
                th { (lang.t("问题项", "Failed items")) }
                th { (lang.t("检查人员", "Inspectors")) }
            } }
            tbody {
                @for fact in &facts {
                    tr {
                        td { a href={ "/console/inspections/" (fact.id) } { (fact.shop_name) } }
                        td { (fact.street) }
                        td { (outcome_label(&fact.outcome, lang)) }
                        td.num { (fact.items_failed) }
                        td { @for (i, inspector) in fact.inspectors.iter().enumerate() {
                            @if i > 0 { "、" } (inspector.name)
                        } }
                    }
                }
            }
        }
    };
    Ok(layout(
        lang,
        &format!("{} {date}", lang.t("协管日报", "Daily report")),
        &user,
        content,
    ))
}

/// `GET /console/reports/daily.xlsx?date=YYYY-MM-DD`: the daily report as a workbook.
pub async fn daily_xlsx(
    State(state): State<AppState>,
    lang: Lang,
    _user: ConsoleUser,
    Query(query): Query<DateQuery>,
) -> Result<Response, PageError> {
    let date = parse_date("date", query.date.as_deref(), lang)?.unwrap_or_else(|| state.today());
    let facts = state
        .store
        .inspection_facts(date, date)
        .await
        .map_err(|e| PageError::new(e, lang))?;
    let report = supervision::daily_report(&facts, date);
    let bytes = super::xlsx::daily_report(&report).map_err(|e| {
        PageError::new(
            AppError::Internal(format!("daily report workbook failed: {e}")),
            lang,
        )
    })?;
    Ok(xlsx_response(bytes, &format!("daily-report-{date}.xlsx")))
}

#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

fn completion_table(
    lang: Lang,
    test_id: &str,
    first_column: &str,
    with_office: bool,
    lines: &[CompletionLine],
    total: &CompletionLine,
) -> Markup {
    let row = |line: &CompletionLine| {
        html! {
            tr {
                td { (line.label) }
                @if with_office { td { (line.office) } }
                td.num { (line.assigned) }
                td.num { (line.done) }
                td.num { (line.assigned - line.done) }
                td.num { (line.overdue) }
                td.num { (percent(line.rate())) }
            }
        }
    };
    html! {
        table data-testid=(test_id) {
            thead { tr {
                th { (first_column) }
                @if with_office { th { (lang.t("监管所", "Office")) } }
                th { (lang.t("已分派", "Assigned")) }
                th { (lang.t("已完成", "Done")) }
                th { (lang.t("未完成", "Not done")) }
                th { (lang.t("逾期", "Overdue")) }
                th { (lang.t("完成率", "Completion")) }
            } }
            tbody {
                @for line in lines { (row(line)) }
                @if lines.is_empty() {
                    tr { td colspan="7" { (lang.t("该期间没有分派的检查任务。", "No visits were assigned in this period.")) } }
                }
            }
            tfoot { (row(total)) }
        }
    }
}

/// Reads the period of the completion page; it defaults to the month of `today`.
fn parse_range(
    query: &RangeQuery,
    today: NaiveDate,
    lang: Lang,
) -> Result<(NaiveDate, NaiveDate), PageError> {
    let month_start = today.with_day(1).unwrap_or(today);
    let month_end = month_start
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let from = parse_date("from", query.from.as_deref(), lang)?.unwrap_or(month_start);
    let to = parse_date("to", query.to.as_deref(), lang)?.unwrap_or(month_end);
    if to < from {
        return Err(PageError::new(
            AppError::bad_request(
                "invalid_range",
                match lang {
                    Lang::Zh => format!("结束日期 {to} 早于开始日期 {from}，请调换后重试。"),
                    Lang::En => format!("end date {to} is before start date {from}; swap them"),
                },
            ),
            lang,
        ));
    }
    Ok((from, to))
}

/// `GET /console/completion?from=&to=`: planned visits due in the period (default this month).
pub async fn completion(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Query(query): Query<RangeQuery>,
) -> Result<Html<String>, PageError> {
    let today = state.today();
    let (from, to) = parse_range(&query, today, lang)?;

    let page_error = |e: crate::store::StoreError| PageError::new(e, lang);
    let assignments = state.store.assignment_facts(from, to).await.map_err(page_error)?;
    // A visit is done by an inspection in its due date's year, so read those whole years.
    let first_year = NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from);
    let last_year = NaiveDate::from_ymd_opt(to.year(), 12, 31).unwrap_or(to);
    let inspections = state
        .store
        .inspection_facts(first_year, last_year)
        .await
        .map_err(page_error)?;
    let completion = supervision::completion(&assignments, &inspections, today);

    let content = html! {
        form.filters method="get" action="/console/completion" {
            label { (lang.t("到期日从", "Due from")) input type="date" name="from" value=(from); }
            label { (lang.t("至", "to")) input type="date" name="to" value=(to); }
            button type="submit" { (lang.t("查看", "Show")) }
        }
        p.note {
            (lang.t("已完成：同一年内由分派的检查人员之一对该经营者提交了检查记录。逾期：未完成且已过到期日。",
                    "Done: one of the assigned inspectors submitted an inspection of the shop in the due date's year. Overdue: not done and past the due date."))
        }
        h2 { (lang.t("按人员", "By person")) }
        (completion_table(lang, "completion-person", lang.t("检查人员", "Inspector"), true, &completion.by_person, &completion.total))
        h2 { (lang.t("按监管所", "By office")) }
        (completion_table(lang, "completion-office", lang.t("监管所", "Office"), false, &completion.by_office, &completion.total))
    };
    Ok(layout(
        lang,
        lang.t("任务完成情况", "Task completion"),
        &user,
        content,
    ))
}
