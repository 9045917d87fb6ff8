//! `/console/draws` (recorded draws) and `/console/risk/{year}` (levels and the plan of a year):
//! server-rendered console pages in Chinese, for signed-in supervisors and admins.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use foodpatrol_shared::risk::RiskLevel;
use maud::PreEscaped;

use crate::AppState;
use crate::error::AppError;
use crate::public::escape_html as escape;
use crate::web::Lang;
use crate::web::session::ConsoleUser;

pub(super) async fn draws_page(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
) -> Result<Html<String>, AppError> {
    let draws = state.store.draws().await?;
    let mut rows = String::new();
    for d in &draws {
        let verification = foodpatrol_shared::draw::verify(&d.seed, &d.inputs, &d.result);
        let status = if verification.matches {
            "<span data-testid=\"draw-verified\">一致</span>"
        } else {
            "<strong data-testid=\"draw-mismatch\">不一致</strong>"
        };
        rows.push_str(&format!(
            "<tr data-testid=\"draw-row\" data-draw-id=\"{id}\"><td>{created}</td><td>{year}</td><td>{title}</td>\
             <td><code>{seed}</code></td><td>{picks}</td><td>{due}</td><td><code>{digest}</code></td><td>{status}</td>\
             <td><a href=\"/v1/draws/{id}/verify\">复核 JSON</a></td></tr>\n",
            id = d.id,
            created = d.created_at.with_timezone(&state.time_zone).format("%Y-%m-%d %H:%M"),
            year = d.year,
            title = escape(&d.title),
            seed = escape(&d.seed),
            picks = d.result.picks.len(),
            due = d.due,
            digest = &d.result.input_digest[..16],
        ));
    }
    if draws.is_empty() {
        rows.push_str("<tr><td colspan=\"9\">暂无抽取记录 (no draws yet)</td></tr>\n");
    }
    let body = format!(
        "<p>每次抽取公开随机种子和输入摘要（SHA-256），任何人可按算法 foodpatrol-draw-v1 复核。\
         Every draw publishes its seed and input digest so anyone can re-run it.</p>\
         <table data-testid=\"draws\"><thead><tr><th>时间</th><th>年度</th><th>抽查事项</th><th>随机种子</th>\
         <th>抽中户数</th><th>完成期限</th><th>输入摘要</th><th>复核</th><th></th></tr></thead>\
         <tbody>\n{rows}</tbody></table>"
    );
    Ok(crate::web::layout(
        lang,
        "双随机抽取记录",
        &user,
        PreEscaped(body),
    ))
}

/// Redirects to the levels and plan of the current year in the district's time zone.
pub(super) async fn plan_this_year(State(state): State<AppState>) -> Redirect {
    let year = chrono::Utc::now().with_timezone(&state.time_zone).format("%Y");
    Redirect::to(&format!("/console/risk/{year}"))
}

pub(super) async fn plan_page(
    State(state): State<AppState>,
    lang: Lang,
    user: ConsoleUser,
    Path(year): Path<String>,
) -> Result<Html<String>, AppError> {
    let year = super::api::parse_year(&year)?;
    let levels = state.store.risk_levels(year).await?;
    let visits = state.store.planned_visits(year).await?;
    let mut graded: BTreeMap<RiskLevel, usize> = BTreeMap::new();
    for level in &levels {
        *graded.entry(level.level).or_default() += 1;
    }
    let mut planned: BTreeMap<RiskLevel, (usize, usize, usize)> = BTreeMap::new();
    for visit in &visits {
        let entry = planned.entry(visit.level).or_default();
        if visit.draw_id.is_some() {
            entry.2 += 1;
        } else {
            entry.0 += 1;
            entry.1 += usize::from(visit.full_checklist);
        }
    }
    let mut rows = String::new();
    for level in RiskLevel::ALL {
        let (plan, full, drawn) = planned.get(&level).copied().unwrap_or_default();
        rows.push_str(&format!(
            "<tr data-testid=\"level-row\" data-level=\"{level}\"><th>{label}</th><td>{shops}</td><td>{plan}</td>\
             <td>{full}</td><td>{drawn}</td></tr>\n",
            label = level.label_zh(),
            shops = graded.get(&level).copied().unwrap_or(0),
        ));
    }
    let body = format!(
        "<p>评级依据上一自然年的检查记录和风险事件；计划按各等级最少检查频次生成。\
         Levels use the previous calendar year's records; the plan meets each level's minimum frequency.</p>\
         <table data-testid=\"risk-plan\"><thead><tr><th>等级</th><th>企业数</th><th>计划检查次数</th>\
         <th>其中全项目检查</th><th>双随机抽中</th></tr></thead><tbody>\n{rows}</tbody></table>\
         <p><a href=\"/console/draws\">双随机抽取记录</a></p>"
    );
    Ok(crate::web::layout(
        lang,
        &format!("{year} 年度风险分级与检查计划"),
        &user,
        PreEscaped(body),
    ))
}
