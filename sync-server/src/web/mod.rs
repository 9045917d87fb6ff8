//! The supervisor console (监管端): server-rendered HTML pages under `/console`, Chinese first.
//!
//! Pages work without JavaScript. Supervisors and administrators sign in with a cookie session
//! ([`session`]); every other route of the console redirects to the sign-in form without one.
//! English is the second locale, chosen with `?lang=en` or the language link (kept in a cookie).

pub mod dashboard;
pub mod inspection;
pub mod kpi;
pub mod reports;
pub mod session;
pub mod tasks;
pub mod xlsx;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::AppState;
use crate::error::AppError;
use session::ConsoleUser;

/// Name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "fp_lang";

/// Builds the console's routes; the caller adds the state.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(reports::home))
        .route("/console/login", get(session::login_form).post(session::login))
        .route("/console/logout", get(session::logout).post(session::logout_form))
        .route("/console/lang", get(session::switch_language))
        .route("/console/reports/daily", get(reports::daily))
        .route("/console/reports/daily.xlsx", get(reports::daily_xlsx))
        .route("/console/completion", get(reports::completion))
        .route("/console/tasks", get(tasks::board))
        .route("/console/kpi", get(kpi::page))
        .route("/console/kpi.xlsx", get(kpi::export))
        .route("/console/dashboard", get(dashboard::page))
        .route("/console/inspections/{id}", get(inspection::detail))
        .route("/console/photos/{hash}", get(inspection::photo))
        .route("/console/photos/{hash}/thumb", get(inspection::thumbnail))
}

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Picks the Chinese or the English text.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Reads the language from `?lang=`, else the language cookie, else Chinese.
///
/// Accept-Language is not used: headless browsers and many office PCs send `en-US`, which would
/// switch a Chinese bureau's console to English.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|query| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| *name == "lang")
                .and_then(|(_, value)| Lang::parse(value))
        });
        let from_cookie = || session::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v));
        Ok(from_query.or_else(from_cookie).unwrap_or(Lang::Zh))
    }
}

/// A console page that failed: rendered as an HTML page with the status of the error.
#[derive(Debug)]
pub struct PageError {
    pub error: AppError,
    pub lang: Lang,
}

impl PageError {
    pub fn new(error: impl Into<AppError>, lang: Lang) -> PageError {
        PageError {
            error: error.into(),
            lang,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let message = match &self.error {
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "console page failed");
                self.lang
                    .t(
                        "服务器内部错误，请稍后重试。",
                        "Internal server error; retry later.",
                    )
                    .to_owned()
            }
            other => {
                tracing::warn!(code = other.code(), status = status.as_u16(), error = %other, "console request rejected");
                other.to_string()
            }
        };
        let lang = self.lang;
        let body = html! {
            (DOCTYPE)
            html lang=(html_lang(lang)) {
                head { meta charset="utf-8"; title { (lang.t("出错了", "Error")) } style { (PreEscaped(CSS)) } }
                body {
                    main {
                        h1 { (lang.t("出错了", "Something went wrong")) }
                        p.error role="alert" { (message) }
                        p { a href="/console" { (lang.t("返回监管端首页", "Back to the console")) } }
                    }
                }
            }
        };
        (status, Html(body.into_string())).into_response()
    }
}

fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// The console's style sheet, inlined in every page (no external files or CDN).
const CSS: &str = r#"
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header.top{background:#124b7a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header.top a{color:#fff;text-decoration:none}header.top a:hover{text-decoration:underline}
header.top .brand{font-weight:bold;font-size:1.1rem}header.top nav{display:flex;flex-wrap:wrap;gap:.8rem;flex:1}
header.top form{display:inline;margin:0}header.top button{background:none;border:1px solid #fff;color:#fff;cursor:pointer;padding:.1rem .5rem}
main{padding:1rem;max-width:1200px;margin:0 auto}
table{border-collapse:collapse;background:#fff;margin:.5rem 0 1.5rem;width:100%}
th,td{border:1px solid #cfd8e3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#e8eef5}td.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:bold;background:#f0f3f7}
.error{color:#a40000;background:#fde8e8;padding:.5rem;border:1px solid #e0a0a0}
.note{color:#55606d;font-size:.9rem}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.85rem;background:#e8eef5}
.state-overdue{background:#fde8e8}.state-verified,.state-fixed_on_spot{background:#eaf6ea}
.state-proof_submitted{background:#fff6dd}.state-returned{background:#fbeee0}
.key{color:#a40000;font-weight:bold}.failed{background:#fde8e8}
.cards{display:flex;flex-wrap:wrap;gap:1rem}.card{background:#fff;border:1px solid #cfd8e3;padding:.8rem 1.2rem;min-width:10rem}
.card b{display:block;font-size:1.8rem}a.card{color:inherit;text-decoration:none}
table[data-testid=kpi-table] td:nth-child(-n+2){white-space:nowrap}
form.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:end;margin:.5rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.9rem}
img.thumb{max-width:120px;max-height:120px;border:1px solid #cfd8e3;margin:2px}
img.signature{max-width:320px;background:#fff;border:1px solid #cfd8e3}
form.login{background:#fff;border:1px solid #cfd8e3;padding:1.5rem;max-width:22rem;margin:3rem auto;display:flex;flex-direction:column;gap:.8rem}
form.login input{font-size:1rem;padding:.4rem}form.login button{font-size:1rem;padding:.5rem;background:#124b7a;color:#fff;border:0}
"#;

/// Wraps a page's content in the console layout: header, navigation, user and sign-out.
pub fn layout(lang: Lang, title: &str, user: &ConsoleUser, content: Markup) -> Html<String> {
    let nav: [(&str, &str, &str); 9] = [
        ("/console/reports/daily", "协管日报", "Daily report"),
        ("/console/completion", "任务完成", "Task completion"),
        ("/console/tasks", "隐患闭环", "Hazard board"),
        ("/console/kpi", "考核指标", "KPIs"),
        ("/console/risk", "风险分级", "Risk levels"),
        ("/console/draws", "双随机", "Random draws"),
        ("/console/dashboard", "大屏", "Big screen"),
        ("/honour-roll", "红黑榜", "Honour roll"),
        ("/console", "首页", "Home"),
    ];
    let other = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let page = html! {
        (DOCTYPE)
        html lang=(html_lang(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (lang.t("食安巡查监管端", "FoodPatrol console")) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    a.brand href="/console" { (lang.t("食安巡查 · 监管端", "FoodPatrol · Console")) }
                    nav {
                        @for (href, zh, en) in nav {
                            a href=(href) { (lang.t(zh, en)) }
                        }
                    }
                    span { (user.session.user.display_name) }
                    a href={ "/console/lang?to=" (other.0) } { (other.1) }
                    form method="post" action="/console/logout" {
                        input type="hidden" name="csrf" value=(user.session.csrf_token);
                        button type="submit" data-testid="logout" { (lang.t("退出登录", "Sign out")) }
                    }
                }
                main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    };
    Html(page.into_string())
}

/// Renders a bare page (no navigation) such as the sign-in form.
pub fn bare_page(lang: Lang, title: &str, content: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang=(html_lang(lang)) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { main { (content) } }
        }
    };
    Html(page.into_string())
}

/// Parses an optional `YYYY-MM-DD` query value; empty or missing gives `None`.
pub fn parse_date(name: &str, value: Option<&str>, lang: Lang) -> Result<Option<NaiveDate>, PageError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse::<NaiveDate>().map(Some).map_err(|_| {
            PageError::new(
                AppError::bad_request(
                    "invalid_date",
                    match lang {
                        Lang::Zh => format!(
                            "参数 {name} 的日期 {text:?} 无效，请使用 YYYY-MM-DD 格式，例如 2026-03-01。"
                        ),
                        Lang::En => {
                            format!("invalid date {text:?} for {name}; use YYYY-MM-DD, such as 2026-03-01")
                        }
                    },
                ),
                lang,
            )
        }),
    }
}

/// Formats a rate as a percentage with one decimal, or a dash when undefined.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(rate) => format!("{:.1}%", rate * 100.0),
        None => "—".to_owned(),
    }
}

/// Returns an xlsx download response.
pub fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Percent-encodes a query-string value; RFC 3986 unreserved characters and `/` stay as they are.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
