//! The hazard closed-loop board (隐患闭环看板): every rectification task and its state.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use axum::response::Html;
use maud::html;
use serde::Deserialize;

use super::session::ConsoleUser;
use super::{Lang, PageError, encode_query, layout};
use crate::AppState;
use crate::error::AppError;
use crate::supervision::{BoardState, TaskFact, due_date};

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    street: Option<String>,
    office: Option<String>,
    state: Option<String>,
}

fn label(state: BoardState, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => state.label_zh(),
        Lang::En => state.label_en(),
    }
}

/// `GET /console/tasks?street=&office=&state=`: the board, filtered.
///
/// Without a state filter the board lists the written-deadline tasks (the loop that needs watching);
/// fixes made on the spot are listed with `state=fixed_on_spot`.
pub async fn board(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Query(query): Query<BoardQuery>,
) -> Result<Html<String>, PageError> {
    let chosen_state = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(BoardState::parse(code).ok_or_else(|| {
            let codes: Vec<&str> = BoardState::ALL.iter().map(BoardState::as_str).collect();
            PageError::new(
                AppError::bad_request(
                    "invalid_state",
                    match lang {
                        Lang::Zh => format!("状态 {code:?} 无效，可选：{}", codes.join("、")),
                        Lang::En => format!("invalid state {code:?}; use one of {}", codes.join(", ")),
                    },
                ),
                lang,
            )
        })?),
    };
    let street = query.street.filter(|s| !s.is_empty());
    let office = query.office.filter(|s| !s.is_empty());
    let today = state.today();
    let page_error = |e: crate::store::StoreError| PageError::new(e, lang);
    // NOTE: the board reads and lists every task of the district without paging.
    let tasks = state.store.task_facts().await.map_err(page_error)?;
    let offices = state.store.offices().await.map_err(page_error)?;

    let streets: BTreeSet<&str> = offices
        .iter()
        .map(|o| o.street.as_str())
        .chain(tasks.iter().map(|t| t.street.as_str()))
        .collect();
    let in_area = |task: &TaskFact| {
        street.as_deref().is_none_or(|s| task.street == s)
            && office
                .as_deref()
                .is_none_or(|o| task.inspectors.iter().any(|i| i.office == o))
    };
    let area_tasks: Vec<(&TaskFact, BoardState)> = tasks
        .iter()
        .filter(|t| in_area(t))
        .map(|t| (t, BoardState::of(&t.mode, t.state, today)))
        .collect();
    let count = |state: BoardState| area_tasks.iter().filter(|(_, s)| *s == state).count();
    let rows: Vec<&(&TaskFact, BoardState)> = area_tasks
        .iter()
        .filter(|(_, s)| match chosen_state {
            Some(chosen) => *s == chosen,
            None => *s != BoardState::FixedOnSpot,
        })
        .collect();
    let filter_link = |state: BoardState| {
        let mut href = format!("/console/tasks?state={}", state.as_str());
        for (name, value) in [("street", &street), ("office", &office)] {
            if let Some(value) = value {
                href.push_str(&format!("&{name}={}", encode_query(value)));
            }
        }
        href
    };

    let content = html! {
        div.cards data-testid="task-counts" {
            @for state in BoardState::ALL {
                a.card.{ "state-" (state.as_str()) } href=(filter_link(state)) data-state=(state.as_str()) {
                    b { (count(state)) } (label(state, lang))
                }
            }
        }
        form.filters method="get" action="/console/tasks" {
            label { (lang.t("街道", "Street"))
                select name="street" {
                    option value="" { (lang.t("全部", "All")) }
                    @for s in &streets { option value=(s) selected[street.as_deref() == Some(*s)] { (s) } }
                }
            }
            label { (lang.t("监管所", "Office"))
                select name="office" {
                    option value="" { (lang.t("全部", "All")) }
                    @for o in &offices {
                        option value=(o.name) selected[office.as_deref() == Some(o.name.as_str())] { (o.name) }
                    }
                }
            }
            label { (lang.t("状态", "State"))
                select name="state" {
                    option value="" { (lang.t("全部限期整改", "All deadline tasks")) }
                    @for s in BoardState::ALL {
                        option value=(s.as_str()) selected[chosen_state == Some(s)] { (label(s, lang)) }
                    }
                }
            }
            button type="submit" { (lang.t("筛选", "Filter")) }
        }
        p.note { (lang.t(
            "逾期：书面限期整改已过期限且仍待经营者整改（待整改或退回重改）。默认不列出现场整改的问题。",
            "Overdue: past the due date while the owner still has to act (open or returned). Fixes made on the spot are listed only when that state is chosen."
        )) }
        table data-testid="task-board" {
            thead { tr {
                th { (lang.t("状态", "State")) }
                th { (lang.t("经营者", "Shop")) }
                th { (lang.t("街道", "Street")) }
                th { (lang.t("问题", "Hazard")) }
                th { (lang.t("整改期限", "Due")) }
                th { (lang.t("整改方式", "Tier")) }
                th { (lang.t("提交次数", "Proof rounds")) }
                th { (lang.t("检查日期", "Inspected")) }
                th { (lang.t("检查人员", "Inspectors")) }
            } }
            tbody {
                @for (task, board_state) in &rows {
                    tr.{ "state-" (board_state.as_str()) } data-testid="task-row" data-task-id=(task.id) data-state=(board_state.as_str()) {
                        td { span.badge { (label(*board_state, lang)) } }
                        td { (task.shop_name) }
                        td { (task.street) }
                        td {
                            @if task.key { span.key { (lang.t("重点项 ", "Key ")) } }
                            (task.item_id) " " (task.item_text)
                        }
                        td { @match due_date(&task.mode) {
                            Some(due) => (due),
                            None => (lang.t("现场", "On the spot")),
                        } }
                        td { (match lang { Lang::Zh => task.tier.label_zh(), Lang::En => task.tier.as_str() }) }
                        td.num { (task.rounds) }
                        td { a href={ "/console/inspections/" (task.inspection_id) } { (task.report_date) } }
                        td { @for (i, inspector) in task.inspectors.iter().enumerate() {
                            @if i > 0 { "、" } (inspector.name)
                        } }
                    }
                }
                @if rows.is_empty() {
                    tr { td colspan="9" { (lang.t("没有符合条件的整改任务。", "No tasks match the filters.")) } }
                }
            }
        }
    };
    Ok(layout(
        lang,
        lang.t("隐患闭环看板", "Hazard closed-loop board"),
        &user,
        content,
    ))
}
