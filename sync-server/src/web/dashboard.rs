//! The big-screen dashboard (大屏): dark theme, large type, inline SVG charts, no JavaScript.

use axum::extract::State;
use axum::response::Html;
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::session::ConsoleUser;
use super::{Lang, PageError};
use crate::AppState;
use crate::supervision::{self, DashboardFigures, dashboard_window_start};

const CSS: &str = r#"
body{margin:0;background:#0b1622;color:#e6edf5;font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
header{display:flex;justify-content:space-between;align-items:baseline;padding:1rem 2rem;border-bottom:2px solid #1f3b57}
h1{font-size:2.6rem;margin:0;letter-spacing:.1em}header a{color:#7fb3e0;font-size:1.1rem}
.grid{display:grid;grid-template-columns:repeat(4,1fr);gap:1.2rem;padding:1.2rem 2rem}
.tile{background:#12263a;border:1px solid #1f3b57;border-radius:.6rem;padding:1rem 1.4rem}
.tile .label{font-size:1.3rem;color:#9fb6cc}.tile .value{font-size:3.6rem;font-weight:bold;font-variant-numeric:tabular-nums}
.tile.alert .value{color:#ff6b6b}
.charts{display:grid;grid-template-columns:1fr 2fr;gap:1.2rem;padding:0 2rem 2rem}
.chart{background:#12263a;border:1px solid #1f3b57;border-radius:.6rem;padding:1rem}
.chart h2{font-size:1.5rem;margin:0 0 .5rem;color:#9fb6cc}
svg text{fill:#c9d6e3;font-size:14px}
"#;

/// Colours of the risk levels A (lowest risk) to D, then the ungraded bar.
const LEVEL_COLOURS: [&str; 5] = ["#4caf50", "#8bc34a", "#ffb300", "#f4511e", "#78909c"];

fn level_chart(figures: &DashboardFigures, lang: Lang) -> Markup {
    let mut bars: Vec<(String, u32)> = figures
        .by_level
        .iter()
        .map(|(level, n)| (format!("{level}{}", lang.t("级", "")), *n))
        .collect();
    bars.push((lang.t("未评级", "Ungraded").to_owned(), figures.ungraded));
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (width, row) = (420.0, 52.0);
    html! {
        svg viewBox={ "0 0 " (width) " " (row * bars.len() as f64) } width="100%" role="img"
            aria-label=(lang.t("各风险等级经营者数", "Shops per risk level")) {
            @for (i, ((label, n), colour)) in bars.iter().zip(LEVEL_COLOURS).enumerate() {
                @let y = i as f64 * row;
                @let w = (width - 190.0) * f64::from(*n) / f64::from(max);
                text x="0" y=(y + 32.0) style="font-size:20px" { (label) }
                rect x="115" y=(y + 10.0) width=(format!("{w:.1}")) height="30" fill=(colour) rx="4" {}
                text x=(format!("{:.1}", 123.0 + w)) y=(y + 33.0) style="font-size:22px" { (n) }
            }
        }
    }
}

fn trend_chart(trend: &[(NaiveDate, u32, u32)], lang: Lang) -> Markup {
    let (width, height, left, bottom) = (900.0, 300.0, 40.0, 30.0);
    let max = trend
        .iter()
        .map(|(_, n, h)| (*n).max(*h))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = (width - left) / trend.len().max(1) as f64;
    let y_of = |value: u32| (height - bottom) * (1.0 - f64::from(value) / f64::from(max));
    let hazard_points: Vec<String> = trend
        .iter()
        .enumerate()
        .map(|(i, (_, _, h))| format!("{:.1},{:.1}", left + step * (i as f64 + 0.5), y_of(*h)))
        .collect();
    html! {
        svg viewBox={ "0 0 " (width) " " (height) } width="100%" role="img"
            aria-label=(lang.t("近30天检查次数与发现问题数", "Inspections and failed items, last 30 days")) {
            line x1=(left) y1=(height - bottom) x2=(width) y2=(height - bottom) stroke="#3d5a78" {}
            text x="0" y="14" { (max) }
            text x="0" y=(height - bottom) { "0" }
            @for (i, (day, n, _)) in trend.iter().enumerate() {
                @let h = (height - bottom) - y_of(*n);
                rect x=(format!("{:.1}", left + step * i as f64 + 2.0)) y=(format!("{:.1}", y_of(*n)))
                     width=(format!("{:.1}", step - 4.0)) height=(format!("{h:.1}")) fill="#2f80ed" {
                    title { (day) " " (lang.t("检查", "inspections")) " " (n) }
                }
                @if i + 1 == trend.len() {
                    text x=(width) y=(height - 8.0) text-anchor="end" { (day.format("%m-%d")) }
                } @else if i % 5 == 0 && i + 3 < trend.len() {
                    text x=(format!("{:.1}", left + step * i as f64)) y=(height - 8.0) { (day.format("%m-%d")) }
                }
            }
            polyline points=(hazard_points.join(" ")) fill="none" stroke="#ff6b6b" stroke-width="3" {}
        }
        p style="font-size:1.1rem;color:#9fb6cc" {
            span style="color:#2f80ed" { "■ " } (lang.t("检查次数", "Inspections")) "　"
            span style="color:#ff6b6b" { "— " } (lang.t("发现问题项", "Failed items"))
        }
    }
}

/// `GET /console/dashboard`: the big screen; it reloads itself every 5 minutes.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    _user: ConsoleUser,
) -> Result<Html<String>, PageError> {
    let today = state.today();
    let page_error = |e: crate::store::StoreError| PageError::new(e, lang);
    let shops = state.store.shop_facts().await.map_err(page_error)?;
    let inspections = state
        .store
        .inspection_facts(dashboard_window_start(today), today)
        .await
        .map_err(page_error)?;
    let tasks = state.store.task_facts().await.map_err(page_error)?;
    let figures = supervision::dashboard(&shops, &inspections, &tasks, today);
    let tiles: [(&str, &str, u32, bool, &str); 4] = [
        (
            "今日检查",
            "Inspections today",
            figures.inspections_today,
            false,
            "today",
        ),
        (
            "本月检查",
            "This month",
            figures.inspections_this_month,
            false,
            "month",
        ),
        ("未闭环隐患", "Open hazards", figures.open_tasks, false, "open"),
        (
            "逾期未整改",
            "Overdue",
            figures.overdue_tasks,
            figures.overdue_tasks > 0,
            "overdue",
        ),
    ];
    let page = html! {
        (DOCTYPE)
        html lang=(lang.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="300";
                title { (lang.t("食品安全监管大屏", "Food-safety big screen")) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (lang.t("食品安全监管大屏", "Food-safety supervision")) }
                    span style="font-size:1.4rem" { (today) " · " a href="/console" { (lang.t("返回监管端", "Back to the console")) } }
                }
                div.grid {
                    @for (zh, en, value, alert, id) in tiles {
                        div.tile.alert[alert] data-figure=(id) {
                            div.label { (lang.t(zh, en)) }
                            div.value { (value) }
                        }
                    }
                }
                div.charts {
                    div.chart data-testid="risk-levels" {
                        h2 { (lang.t("风险等级分布", "Shops by risk level")) }
                        (level_chart(&figures, lang))
                    }
                    div.chart data-testid="trend" {
                        h2 { (lang.t("近30天趋势", "Last 30 days")) }
                        (trend_chart(&figures.trend, lang))
                    }
                }
            }
        }
    };
    Ok(Html(page.into_string()))
}
