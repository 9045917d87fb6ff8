//! HTTP routes. Handlers only parse, authorise and call the library; each returns an [`AppError`]
//! mapped to a JSON body on failure.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use foodpatrol_shared::ids::TaskId;
use foodpatrol_shared::protocol::{
    CBOR_MEDIA_TYPE, DailyReport, MAX_PHOTO_BYTES, MAX_SYNC_BODY_BYTES, ProofRequest, RegisterRequest,
    SyncRequest, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER,
};
use foodpatrol_shared::role::Role;
use serde::{Deserialize, Serialize};
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::photos::{self, UploadOutcome};
use crate::store::PhotoRecord;

/// Builds the router with every route and its body limit.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/devices/register", post(register))
        .route(
            "/v1/sync",
            post(sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY_BYTES)),
        )
        .route("/v1/photos/{hash}", put(upload_photo).get(download_photo))
        .route("/v1/photos/{hash}/upload", get(upload_status))
        .route("/v1/owner/tasks", get(owner_tasks))
        .route("/v1/owner/tasks/{task_id}/proof", post(owner_proof))
        .route("/v1/reports/daily", get(daily_report))
        .merge(crate::web::router())
        .merge(crate::web_owner::router())
        .merge(crate::public::routes())
        .merge(crate::qr_api::routes())
        .merge(crate::risk::api::router())
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn register(
    State(state): State<AppState>,
    body: Result<Json<RegisterRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(request) = body.map_err(|e| {
        AppError::bad_request(
            "invalid_body",
            format!("登录请求无效 (invalid sign-in body): {e}"),
        )
    })?;
    Ok(Json(crate::auth::register(&state, request).await?))
}

fn cbor_response<T: Serialize>(value: &T) -> Response {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).expect("responses serialize to CBOR");
    ([(header::CONTENT_TYPE, CBOR_MEDIA_TYPE)], bytes).into_response()
}

async fn sync(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    caller.require(&crate::sync::SYNC_ROLES)?;
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(inner) if inner.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge {
            message: format!("同步请求超过 {} MB，请分批同步 (body exceeds {MAX_SYNC_BODY_BYTES} bytes; send smaller batches)", MAX_SYNC_BODY_BYTES / (1024 * 1024)),
        },
        other => AppError::bad_request("invalid_body", format!("无法读取同步请求 (could not read the body): {other}")),
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != CBOR_MEDIA_TYPE {
        return Err(AppError::UnsupportedMedia {
            message: format!(
                "同步请求须为 {CBOR_MEDIA_TYPE}，收到 {content_type:?} (set Content-Type: {CBOR_MEDIA_TYPE})"
            ),
        });
    }
    let request: SyncRequest = ciborium::from_reader(body.as_ref()).map_err(|e| {
        AppError::bad_request(
            "invalid_body",
            format!("同步请求不是有效的 CBOR，可能被截断 (invalid or truncated CBOR body: {e})"),
        )
    })?;
    let response = crate::sync::sync(&state, &caller, request).await?;
    Ok(cbor_response(&response))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct UploadStatus {
    pub hash: String,
    pub received_bytes: u64,
    pub complete: bool,
}

// NOTE: any signed-in account can learn whether a photo exists and its size; the bytes stay
// protected by `download_photo`.
async fn upload_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(hash): Path<String>,
) -> Result<Json<UploadStatus>, AppError> {
    let _ = &caller;
    let hash = photos::parse_hash(&hash)?.to_owned();
    if let Some(photo) = state.store.photo(&hash).await? {
        return Ok(Json(UploadStatus {
            hash,
            received_bytes: photo.size,
            complete: true,
        }));
    }
    let received_bytes = state.blobs.partial_len(&hash).await?;
    Ok(Json(UploadStatus {
        hash,
        received_bytes,
        complete: false,
    }))
}

fn header_u64(headers: &HeaderMap, name: &str, default: Option<u64>) -> Result<u64, AppError> {
    match headers.get(name) {
        None => default.ok_or_else(|| {
            AppError::bad_request(
                "missing_header",
                format!("缺少请求头 {name} (header {name} is required)"),
            )
        }),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| {
                AppError::bad_request(
                    "invalid_header",
                    format!("请求头 {name} 的值 {value:?} 不是非负整数 (must be a byte count)"),
                )
            }),
    }
}

async fn upload_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let hash = photos::parse_hash(&hash)?.to_owned();
    if state.store.photo(&hash).await?.is_some() {
        return Ok((
            StatusCode::OK,
            Json(UploadStatus {
                received_bytes: 0,
                hash,
                complete: true,
            }),
        )
            .into_response());
    }
    let offset = header_u64(&headers, UPLOAD_OFFSET_HEADER, Some(0))?;
    let length = header_u64(&headers, UPLOAD_LENGTH_HEADER, None)?;
    let _guard = state.begin_upload(&hash)?;
    let outcome = photos::receive(
        state.blobs.as_ref(),
        &hash,
        offset,
        length,
        MAX_PHOTO_BYTES,
        body.into_data_stream(),
    )
    .await?;
    match outcome {
        UploadOutcome::Complete { size, media_type } => {
            state
                .store
                .insert_photo(&PhotoRecord {
                    hash: hash.clone(),
                    size,
                    media_type: media_type.to_owned(),
                    uploaded_by: caller.device.id,
                    uploaded_at: chrono::Utc::now(),
                })
                .await?;
            tracing::info!(device_id = %caller.device.id, size, "photo stored");
            Ok((
                StatusCode::CREATED,
                Json(UploadStatus {
                    hash,
                    received_bytes: size,
                    complete: true,
                }),
            )
                .into_response())
        }
        UploadOutcome::AlreadyStored => Ok((
            StatusCode::OK,
            Json(UploadStatus {
                hash,
                received_bytes: 0,
                complete: true,
            }),
        )
            .into_response()),
    }
}

async fn download_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path(hash): Path<String>,
) -> Result<Response, AppError> {
    let hash = photos::parse_hash(&hash)?.to_owned();
    let not_found = || AppError::NotFound {
        message: format!("照片 {hash} 不存在 (photo not found)"),
    };
    let record = state.store.photo(&hash).await?.ok_or_else(not_found)?;
    if caller.user.role == Role::Owner {
        let shop = caller.user.shop_id.ok_or_else(not_found)?;
        // An owner sees only its own shop's photos; others look absent rather than forbidden.
        if !state.store.photo_visible_to_shop(&hash, shop).await? {
            return Err(not_found());
        }
    }
    let bytes = state.blobs.read(&hash).await?.ok_or_else(not_found)?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&record.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}

async fn owner_tasks(State(state): State<AppState>, caller: Caller) -> Result<impl IntoResponse, AppError> {
    Ok(Json(crate::owner::tasks(&state, &caller).await?))
}

async fn owner_proof(
    State(state): State<AppState>,
    caller: Caller,
    Path(task_id): Path<String>,
    body: Result<Json<ProofRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let task_id: TaskId = task_id.parse().map_err(|_| {
        AppError::bad_request(
            "invalid_task_id",
            format!("任务编号 {task_id:?} 无效 (not a UUID)"),
        )
    })?;
    let Json(proof) = body.map_err(|e| {
        AppError::bad_request(
            "invalid_body",
            format!("整改材料请求无效 (invalid proof body): {e}"),
        )
    })?;
    Ok(Json(
        crate::owner::submit_proof(&state, &caller, task_id, proof).await?,
    ))
}

#[derive(Debug, Deserialize)]
struct DateQuery {
    date: Option<String>,
}

async fn daily_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DateQuery>,
) -> Result<Json<DailyReport>, AppError> {
    caller.require(&[Role::Supervisor, Role::Admin, Role::Inspector])?;
    let date = match query.date {
        None => state.today(),
        Some(text) => text.parse::<NaiveDate>().map_err(|_| {
            AppError::bad_request(
                "invalid_date",
                format!("日期 {text:?} 无效，格式为 YYYY-MM-DD (invalid date)"),
            )
        })?,
    };
    let rows = state.store.daily_report(date).await?;
    Ok(Json(DailyReport {
        date,
        time_zone: state.time_zone.name().to_owned(),
        rows,
    }))
}
