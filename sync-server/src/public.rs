//! Public pages: the shop page a consumer's scan of the 一户一码 opens, and the 红黑榜.
//!
//! Pages are server-rendered Simplified Chinese HTML with inline CSS and SVG, no scripts and no
//! external resources. They show only a shop's public facts: name, licence number, address,
//! business type, latest result, risk level and list status. No inspector, owner, phone number or
//! internal id appears; the signed code and the licence number are the only identifiers.
//!
//! Risk faces (笑脸/平脸/哭脸) follow the common 量化分级 display. Levels A and B (low risk) show a
//! smiling face, C a flat face and D a crying face. A shop without a grade shows 未评级 and no face.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::shop::BusinessType;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::AppError;
use crate::honour_roll::{self, HonourRoll, HonourRollRules, ListStatus, Standing};
use crate::qr::{self, CodeRejection};
use crate::store::ShopStatusFacts;

/// The national complaint hotline and site of the market regulator (全国 12315 平台).
pub const COMPLAINT_PHONE: &str = "12315";
pub const COMPLAINT_URL: &str = "https://www.12315.cn";

/// Routes of the public pages; they need no sign-in.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/q/{code}", get(shop_page))
        .route("/honour-roll", get(honour_roll_page))
}

/// The latest submitted inspection, as shown to the public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicInspection {
    pub date: NaiveDate,
    /// `compliant`, `basically_compliant` or `non_compliant`.
    pub outcome: String,
    /// 符合, 基本符合 or 不符合.
    pub outcome_label: String,
}

/// The risk level and the face that shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicRisk {
    /// 'A'-'D', or `None` when the shop is not graded (未评级).
    pub level: Option<String>,
    pub year: Option<i32>,
    /// `smile` (A, B), `flat` (C), `cry` (D) or `none`.
    pub face: String,
    /// 笑脸, 平脸, 哭脸 or 未评级.
    pub label: String,
}

/// The complaint channels shown on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub phone: String,
    pub url: String,
}

/// Everything the public shop page shows, also served as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicShopStatus {
    /// The signed code that was scanned.
    pub code: String,
    pub shop_name: String,
    pub licence_no: String,
    pub address: String,
    /// 街道 the shop is in; its 红黑榜 is at `/honour-roll?street=...`.
    pub street: String,
    pub business_type: String,
    pub latest_inspection: Option<PublicInspection>,
    pub risk: PublicRisk,
    pub honour_roll_status: ListStatus,
    pub honour_roll_label: String,
    pub honour_roll_reasons: Vec<String>,
    pub complaint: Complaint,
    pub as_of: NaiveDate,
}

/// Maps a risk level to its face: A and B smile, C is flat, D cries.
pub fn risk_face(level: Option<char>) -> (&'static str, &'static str) {
    match level {
        Some('A' | 'B') => ("smile", "笑脸"),
        Some('C') => ("flat", "平脸"),
        Some(_) => ("cry", "哭脸"),
        None => ("none", "未评级"),
    }
}

/// Builds the public status of a shop from its facts.
pub fn public_status(
    code: &str,
    facts: &ShopStatusFacts,
    standing: Standing,
    today: NaiveDate,
) -> PublicShopStatus {
    let level = facts.grade.as_ref().map(|g| g.level);
    let (face, label) = risk_face(level);
    let shop = &facts.shop;
    PublicShopStatus {
        code: code.to_owned(),
        shop_name: shop.name.clone(),
        licence_no: shop.licence_no.clone(),
        address: shop.address.clone(),
        street: shop.street.clone(),
        business_type: BusinessType::parse(&shop.business_type)
            .map_or_else(|| shop.business_type.clone(), |b| b.label_zh().to_owned()),
        latest_inspection: facts.recent.first().map(|r| PublicInspection {
            date: r.report_date,
            outcome: r.outcome.clone(),
            outcome_label: Outcome::parse(&r.outcome)
                .map_or("未知", |o| o.label_zh())
                .to_owned(),
        }),
        risk: PublicRisk {
            level: level.map(String::from),
            year: facts.grade.as_ref().map(|g| g.year),
            face: face.to_owned(),
            label: label.to_owned(),
        },
        honour_roll_status: standing.status,
        honour_roll_label: standing.status.label_zh().to_owned(),
        honour_roll_reasons: standing.reasons,
        complaint: Complaint {
            phone: COMPLAINT_PHONE.to_owned(),
            url: COMPLAINT_URL.to_owned(),
        },
        as_of: today,
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
    street: Option<String>,
}

const STYLE: &str = "body{margin:0;font-family:system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC',\
'Microsoft YaHei',sans-serif;background:#f4f6f8;color:#1d2329;line-height:1.6}\
main{max-width:34rem;margin:0 auto;padding:1rem}\
.card{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;margin-bottom:1rem;box-shadow:0 1px 3px #0002}\
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.05rem;margin:.2rem 0 .5rem}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:0}dt{color:#5b6670}dd{margin:0}\
.face{display:flex;align-items:center;gap:1rem}.big{font-size:1.3rem;font-weight:700}\
.ok{color:#1e7f3c}.warn{color:#a86400}.bad{color:#b3261e}.muted{color:#5b6670;font-size:.9rem}\
.tag{display:inline-block;border-radius:1rem;padding:0 .75rem;font-weight:700}\
.red{background:#fde8e6;color:#b3261e}.black{background:#222;color:#fff}.none{background:#e8ecef;color:#394550}\
a.btn{display:block;text-align:center;background:#1f5fbf;color:#fff;text-decoration:none;border-radius:.5rem;\
padding:.7rem;margin:.5rem 0;font-weight:700}ul{padding-left:1.2rem;margin:.25rem 0}\
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.35rem;border-bottom:1px solid #e3e7ea;\
vertical-align:top}nav a{margin-right:.75rem}.nowrap{white-space:nowrap}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape_html(title)
    )
}

/// Draws a risk face as inline SVG: a coloured disc with two eyes and a mouth.
fn face_svg(face: &str, label: &str) -> String {
    let (colour, mouth) = match face {
        "smile" => ("#2e9d4f", "M30 60 Q50 80 70 60"),
        "flat" => ("#d89a00", "M30 66 L70 66"),
        "cry" => ("#c62828", "M30 74 Q50 54 70 74"),
        _ => return String::new(),
    };
    format!(
        "<svg viewBox=\"0 0 100 100\" width=\"84\" height=\"84\" role=\"img\" aria-label=\"{label}\">\
         <circle cx=\"50\" cy=\"50\" r=\"46\" fill=\"{colour}\"/><circle cx=\"35\" cy=\"40\" r=\"6\" fill=\"#fff\"/>\
         <circle cx=\"65\" cy=\"40\" r=\"6\" fill=\"#fff\"/><path d=\"{mouth}\" stroke=\"#fff\" stroke-width=\"6\" \
         fill=\"none\" stroke-linecap=\"round\"/></svg>"
    )
}

fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "compliant" => "ok",
        "basically_compliant" => "warn",
        _ => "bad",
    }
}

fn complaint_card() -> String {
    format!(
        "<section class=\"card\"><h2>投诉举报</h2>\
         <p class=\"muted\">发现食品安全问题，可拨打全国市场监管投诉举报热线或登录全国 12315 平台。</p>\
         <a class=\"btn\" href=\"tel:{COMPLAINT_PHONE}\">拨打 {COMPLAINT_PHONE}</a>\
         <a class=\"btn\" href=\"{COMPLAINT_URL}\" rel=\"noopener\">登录全国 12315 平台</a></section>"
    )
}

/// Renders the public shop page.
pub fn render_shop_page(status: &PublicShopStatus) -> String {
    let latest = match &status.latest_inspection {
        Some(i) => format!(
            "<p class=\"big {}\">{}</p><p class=\"muted\">检查日期：{}</p>",
            outcome_class(&i.outcome),
            escape_html(&i.outcome_label),
            i.date
        ),
        None => "<p class=\"big\">暂无检查记录</p>".to_owned(),
    };
    let risk_text = match (&status.risk.level, status.risk.year) {
        (Some(level), Some(year)) => format!(
            "<p class=\"big\">{} 级 · {}</p><p class=\"muted\">{year} 年度风险分级</p>",
            escape_html(level),
            escape_html(&status.risk.label)
        ),
        _ => "<p class=\"big\">未评级</p><p class=\"muted\">该单位尚未进行风险分级</p>".to_owned(),
    };
    let list_class = match status.honour_roll_status {
        ListStatus::Red => "red",
        ListStatus::Black => "black",
        ListStatus::Neither => "none",
    };
    let reasons: String = status
        .honour_roll_reasons
        .iter()
        .map(|r| format!("<li>{}</li>", escape_html(r)))
        .collect();
    let reasons = if reasons.is_empty() {
        String::new()
    } else {
        format!("<ul>{reasons}</ul>")
    };
    let body = format!(
        "<section class=\"card\"><p class=\"muted\">食品安全信息公示 · 一户一码</p><h1>{name}</h1>\
         <dl><dt>许可证号</dt><dd>{licence}</dd><dt>地址</dt><dd>{address}</dd><dt>业态</dt><dd>{kind}</dd></dl>\
         </section>\
         <section class=\"card\"><h2>最近一次监督检查</h2>{latest}</section>\
         <section class=\"card\"><h2>风险等级</h2><div class=\"face\">{face}<div>{risk_text}</div></div></section>\
         <section class=\"card\"><h2>红黑榜</h2><span class=\"tag {list_class}\">{list_label}</span>{reasons}\
         <p class=\"muted\"><a href=\"/honour-roll?street={street}\">查看{street_name}街道红黑榜</a></p></section>\
         {complaint}<p class=\"muted\">信息截至 {as_of}，由辖区市场监督管理部门发布。</p>",
        name = escape_html(&status.shop_name),
        licence = escape_html(&status.licence_no),
        address = escape_html(&status.address),
        kind = escape_html(&status.business_type),
        face = face_svg(&status.risk.face, &status.risk.label),
        street = url_component(&status.street),
        street_name = escape_html(&status.street),
        list_label = status.honour_roll_label,
        complaint = complaint_card(),
        as_of = status.as_of,
    );
    page(&format!("{} - 食品安全信息公示", status.shop_name), &body)
}

/// Renders the page of a rejected code.
pub fn render_rejection(rejection: &CodeRejection) -> (StatusCode, String) {
    let (status, title, text) = match rejection {
        CodeRejection::Invalid => (
            StatusCode::NOT_FOUND,
            "二维码无效",
            "无法识别此二维码：它可能被涂改、复制不完整，或并非本系统发放。请以店内公示的最新二维码为准。",
        ),
        CodeRejection::Revoked { .. } => (
            StatusCode::GONE,
            "二维码已失效",
            "此二维码已失效：监管部门已收回并更换了该店的二维码。请扫描店内张贴的最新二维码。",
        ),
    };
    let body = format!(
        "<section class=\"card\"><h1>{title}</h1><p>{text}</p>\
         <p class=\"muted\">如对商户食品安全有疑问，可拨打 12315 投诉举报。</p></section>{}",
        complaint_card()
    );
    (status, page(title, &body))
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    response
}

/// Returns the public status of the shop a code names, or why the code was rejected.
pub async fn shop_status(
    state: &AppState,
    code: &str,
) -> Result<Result<PublicShopStatus, CodeRejection>, AppError> {
    let shop_id = match qr::verify_code(state, code).await? {
        Ok(shop_id) => shop_id,
        Err(rejection) => return Ok(Err(rejection)),
    };
    let rules = HonourRollRules::builtin();
    let today = state.today();
    let facts = state
        .store
        .shop_status_facts(&[shop_id], rules.recent_inspections, today)
        .await?;
    let Some(facts) = facts.into_iter().next() else {
        // A correctly signed code of a shop since removed from the register.
        return Ok(Err(CodeRejection::Invalid));
    };
    let standing = honour_roll::classify(&rules, &facts, today);
    Ok(Ok(public_status(code, &facts, standing, today)))
}

async fn shop_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let (code, json) = match code.strip_suffix(".json") {
        Some(code) => (code.to_owned(), true),
        None => (code, query.format.as_deref() == Some("json")),
    };
    match shop_status(&state, &code).await? {
        Ok(status) if json => Ok(Json(status).into_response()),
        Ok(status) => Ok(html_response(StatusCode::OK, render_shop_page(&status))),
        Err(rejection) => {
            tracing::info!(reason = %rejection, "public QR page rejected a code");
            if json {
                let (status, message) = match rejection {
                    CodeRejection::Invalid => (StatusCode::NOT_FOUND, "二维码无效 (invalid QR code)"),
                    CodeRejection::Revoked { .. } => (StatusCode::GONE, "二维码已失效 (QR code revoked)"),
                };
                let code = if status == StatusCode::GONE {
                    "qr_revoked"
                } else {
                    "qr_invalid"
                };
                return Ok((
                    status,
                    Json(serde_json::json!({ "code": code, "message": message })),
                )
                    .into_response());
            }
            let (status, html) = render_rejection(&rejection);
            Ok(html_response(status, html))
        }
    }
}

/// Renders the 红黑榜 of a street.
pub fn render_honour_roll(roll: &HonourRoll, streets: &[String], rules: &HonourRollRules) -> String {
    let nav: String = streets
        .iter()
        .map(|s| {
            let current = if *s == roll.street {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<a href=\"/honour-roll?street={}\"{current}>{}</a>",
                url_component(s),
                escape_html(s)
            )
        })
        .collect();
    let list = |entries: &[honour_roll::RollEntry], empty: &str| -> String {
        if entries.is_empty() {
            return format!("<p class=\"muted\">{empty}</p>");
        }
        let rows: String = entries
            .iter()
            .map(|e| {
                format!(
                    "<tr><td>{}<br><span class=\"muted\">{}</span></td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
                    escape_html(&e.shop_name),
                    escape_html(&e.licence_no),
                    e.latest_inspection
                        .map_or_else(|| "—".to_owned(), |d| d.to_string()),
                    escape_html(&e.reasons.join("；"))
                )
            })
            .collect();
        format!("<table><tr><th>单位</th><th>最近检查</th><th>依据</th></tr>{rows}</table>")
    };
    let body = format!(
        "<section class=\"card\"><h1>{street}街道 食品安全红黑榜</h1><nav>{nav}</nav>\
         <p class=\"muted\">截至 {as_of}，共评定 {count} 家。规则：{title}（{id} 第 {version} 版）</p></section>\
         <section class=\"card\"><h2><span class=\"tag red\">红榜</span></h2><p class=\"muted\">{red_rule}</p>{red}</section>\
         <section class=\"card\"><h2><span class=\"tag black\">黑榜</span></h2><p class=\"muted\">{black_rule}</p>{black}</section>\
         {complaint}",
        street = escape_html(&roll.street),
        as_of = roll.as_of,
        count = roll.shops_considered,
        title = escape_html(&rules.title),
        id = escape_html(&rules.id),
        version = rules.version,
        red_rule = escape_html(&rules.red.description_zh),
        black_rule = escape_html(&rules.black.description_zh),
        red = list(&roll.red, "暂无上榜单位"),
        black = list(&roll.black, "暂无上榜单位"),
        complaint = complaint_card(),
    );
    page(&format!("{}街道 食品安全红黑榜", roll.street), &body)
}

/// Percent-encodes a query-string value.
fn url_component(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn honour_roll_page(
    State(state): State<AppState>,
    Query(query): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let streets = state.store.streets().await?;
    let street = match query.street {
        Some(street) if streets.contains(&street) => street,
        Some(street) => {
            return Err(AppError::NotFound {
                message: format!(
                    "街道 {street:?} 不存在，可选：{} (unknown street)",
                    streets.join("、")
                ),
            });
        }
        None => match streets.first() {
            Some(first) => first.clone(),
            None => {
                return Err(AppError::NotFound {
                    message: "尚无商户数据 (no shops registered yet)".to_owned(),
                });
            }
        },
    };
    let rules = HonourRollRules::builtin();
    let roll = honour_roll::street_roll(&state, &rules, &street, state.today()).await?;
    if query.format.as_deref() == Some("json") {
        return Ok(Json(roll).into_response());
    }
    Ok(html_response(
        StatusCode::OK,
        render_honour_roll(&roll, &streets, &rules),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_follow_levels() {
        assert_eq!(risk_face(Some('A')).0, "smile");
        assert_eq!(risk_face(Some('B')).0, "smile");
        assert_eq!(risk_face(Some('C')).0, "flat");
        assert_eq!(risk_face(Some('D')).0, "cry");
        assert_eq!(risk_face(None).1, "未评级");
    }

    #[test]
    fn html_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn street_names_percent_encoded() {
        assert_eq!(url_component("南市"), "%E5%8D%97%E5%B8%82");
    }
}
