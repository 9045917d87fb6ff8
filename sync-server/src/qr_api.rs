//! Signed-in routes of 一户一码: a shop's code as JSON, PNG or SVG, revocation, a street's printable
//! sheet, the public base URL, and the result-record PDF of an inspection.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use foodpatrol_shared::ids::{InspectionId, ShopId};
use foodpatrol_shared::role::Role;
use foodpatrol_shared::shop::Shop;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::print;
use crate::qr::{self, QrMatrix};
use crate::web::session::ConsoleUser;

/// Roles that may print, download and revoke codes.
pub const QR_ROLES: [Role; 2] = [Role::Supervisor, Role::Admin];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/qr/{shop}", get(code_info))
        .route("/v1/qr/{shop}/code.png", get(code_png))
        .route("/v1/qr/{shop}/code.svg", get(code_svg))
        .route("/v1/qr/{shop}/revoke", post(revoke))
        .route("/v1/qr/streets/{street}/sheet.pdf", get(street_sheet))
        .route("/v1/qr/settings/public-base-url", put(set_base_url))
        .route("/console/inspections/{id}/record.pdf", get(record_pdf))
}

/// A shop's current code and the link it opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrInfo {
    pub shop_id: ShopId,
    pub licence_no: String,
    pub shop_name: String,
    pub generation: u32,
    pub code: String,
    pub url: String,
}

/// Finds a shop by its id or, failing that, by its licence number.
async fn find_shop(state: &AppState, key: &str) -> Result<Shop, AppError> {
    let id = key
        .parse::<ShopId>()
        .unwrap_or_else(|_| ShopId::from_licence(key));
    state
        .store
        .shops_by_ids(&[id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound {
            message: format!(
                "商户 {key:?} 不存在；请使用商户编号或许可证号 (no shop with this id or licence number)"
            ),
        })
}

async fn info(state: &AppState, headers: &HeaderMap, shop: &Shop) -> Result<QrInfo, AppError> {
    let base = qr::public_base_url(state, headers).await?;
    let code = qr::current_code(state, shop.id).await?;
    Ok(QrInfo {
        shop_id: shop.id,
        licence_no: shop.licence_no.clone(),
        shop_name: shop.name.clone(),
        generation: state.store.qr_generation(shop.id).await?,
        url: qr::shop_link(&base, &code),
        code,
    })
}

async fn code_info(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(shop): Path<String>,
) -> Result<Json<QrInfo>, AppError> {
    caller.require(&QR_ROLES)?;
    let shop = find_shop(&state, &shop).await?;
    Ok(Json(info(&state, &headers, &shop).await?))
}

#[derive(Debug, Deserialize)]
struct ScaleQuery {
    scale: Option<u32>,
}

fn download(bytes: impl IntoResponse, media_type: &'static str, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // RFC 6266 with an RFC 5987 UTF-8 name, so Chinese street names survive.
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename*=UTF-8''{encoded}")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn code_png(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(shop): Path<String>,
    Query(query): Query<ScaleQuery>,
) -> Result<Response, AppError> {
    caller.require(&QR_ROLES)?;
    let scale = query.scale.unwrap_or(8);
    if !(1..=40).contains(&scale) {
        return Err(AppError::bad_request(
            "invalid_scale",
            format!("scale={scale} 无效，应为 1-40 (pixels per module)"),
        ));
    }
    let shop = find_shop(&state, &shop).await?;
    let info = info(&state, &headers, &shop).await?;
    let png = QrMatrix::encode(&info.url).to_png(scale);
    Ok(download(png, "image/png", &format!("{}.png", shop.licence_no)))
}

async fn code_svg(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(shop): Path<String>,
) -> Result<Response, AppError> {
    caller.require(&QR_ROLES)?;
    let shop = find_shop(&state, &shop).await?;
    let info = info(&state, &headers, &shop).await?;
    let svg = QrMatrix::encode(&info.url).to_svg();
    Ok(download(
        svg,
        "image/svg+xml",
        &format!("{}.svg", shop.licence_no),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(shop): Path<String>,
) -> Result<Json<QrInfo>, AppError> {
    caller.require(&QR_ROLES)?;
    let shop = find_shop(&state, &shop).await?;
    let generation = state
        .store
        .revoke_qr(shop.id, caller.user.id, chrono::Utc::now())
        .await?;
    tracing::info!(shop_id = %shop.id, generation, user_id = %caller.user.id, "QR code revoked and re-issued");
    Ok(Json(info(&state, &headers, &shop).await?))
}

async fn street_sheet(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(street): Path<String>,
) -> Result<Response, AppError> {
    caller.require(&QR_ROLES)?;
    let streets = state.store.streets().await?;
    if !streets.contains(&street) {
        return Err(AppError::NotFound {
            message: format!(
                "街道 {street:?} 不存在，可选：{} (unknown street)",
                streets.join("、")
            ),
        });
    }
    let base = qr::public_base_url(&state, &headers).await?;
    let entries = print::street_entries(&state, &street, &base).await?;
    let today = state.today();
    let pdf = tokio::task::spawn_blocking(move || print::street_sheet(&street, &entries, today))
        .await
        .map_err(|e| AppError::Internal(format!("QR sheet rendering failed: {e}")))?;
    Ok(download(pdf, "application/pdf", "qr-sheet.pdf"))
}

#[derive(Debug, Deserialize)]
struct BaseUrlRequest {
    url: String,
}

async fn set_base_url(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<BaseUrlRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(&[Role::Admin])?;
    let Json(request) = body.map_err(|e| {
        AppError::bad_request(
            "invalid_body",
            format!("请求应为 {{\"url\": \"https://...\"}} (invalid body): {e}"),
        )
    })?;
    let url = qr::set_public_base_url(&state, &request.url).await?;
    Ok(Json(serde_json::json!({ "public_base_url": url })))
}

/// Serves an inspection's result record (结果记录表) to a supervisor or admin, signed in either with a
/// bearer token (API clients) or with the console's cookie session (the link on the detail page).
async fn record_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut parts: Parts,
) -> Result<Response, AppError> {
    if parts.headers.contains_key(header::AUTHORIZATION) {
        Caller::from_request_parts(&mut parts, &state)
            .await?
            .require(&QR_ROLES)?;
    } else if let Err(to_login) = ConsoleUser::from_request_parts(&mut parts, &state).await {
        return Ok(to_login);
    }
    let inspection: InspectionId = id.parse().map_err(|_| {
        AppError::bad_request(
            "invalid_inspection_id",
            format!("检查记录编号 {id:?} 无效 (not a UUID)"),
        )
    })?;
    let pdf = print::inspection_record(&state, inspection)
        .await?
        .ok_or_else(|| AppError::NotFound {
            message: format!("检查记录 {inspection} 不存在或尚未同步 (inspection not found)"),
        })?;
    Ok(download(
        pdf,
        "application/pdf",
        &format!("record-{inspection}.pdf"),
    ))
}
