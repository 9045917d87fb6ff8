//! Routes of risk grading, the plan and draws. Handlers only parse, authorise and call the library.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use foodpatrol_shared::role::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::draws::{DrawRequest, DrawView, VerifyResponse};
use super::grading::{GradingSummary, RiskEventsRequest, RiskEventsResponse};
use super::planning::PlanSummary;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::risk::records::RecusalRecord;

const PLANNERS: [Role; 2] = [Role::Supervisor, Role::Admin];

/// Routes under `/v1/risk`, `/v1/plan`, `/v1/draws` and the draws page `/console/draws`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/risk/events", post(post_events))
        .route("/v1/risk/recusals", post(post_recusals))
        .route("/v1/risk/grades/{year}", post(post_grades))
        .route("/v1/plan/{year}", post(post_plan))
        .route("/v1/draws", post(post_draw))
        .route("/v1/draws/{draw_id}", get(get_draw))
        .route("/v1/draws/{draw_id}/verify", get(get_verify))
        .route("/console/draws", get(super::pages::draws_page))
        .route("/console/risk", get(super::pages::plan_this_year))
        .route("/console/risk/{year}", get(super::pages::plan_page))
}

fn body<T>(body: Result<Json<T>, JsonRejection>, what: &str) -> Result<T, AppError> {
    body.map(|Json(v)| v)
        .map_err(|e| AppError::bad_request("invalid_body", format!("{what}请求无效 (invalid body): {e}")))
}

/// Parses a plan year from a path segment.
pub(super) fn parse_year(text: &str) -> Result<i32, AppError> {
    let year = text.parse::<i32>().map_err(|_| {
        AppError::bad_request(
            "invalid_year",
            format!("年度 {text:?} 无效，请使用四位年份 (invalid year)"),
        )
    })?;
    super::check_year(year)?;
    Ok(year)
}

fn draw_id(text: &str) -> Result<Uuid, AppError> {
    text.parse().map_err(|_| {
        AppError::bad_request(
            "invalid_draw_id",
            format!("抽取编号 {text:?} 不是有效的 UUID (not a UUID)"),
        )
    })
}

/// Query of the grading and plan routes.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    /// Risk table id; the district default when absent.
    pub table: Option<String>,
}

async fn post_events(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<TableQuery>,
    request: Result<Json<RiskEventsRequest>, JsonRejection>,
) -> Result<Json<RiskEventsResponse>, AppError> {
    caller.require(&PLANNERS)?;
    let request = body(request, "风险事件")?;
    let table = super::table(query.table.as_deref())?;
    let today = state.today();
    Ok(Json(
        super::grading::record_events(state.store.as_ref(), &table, caller.user.id, today, request).await?,
    ))
}

/// `POST /v1/risk/recusals` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecusalsRequest {
    pub recusals: Vec<RecusalRecord>,
}

async fn post_recusals(
    State(state): State<AppState>,
    caller: Caller,
    request: Result<Json<RecusalsRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, AppError> {
    caller.require(&PLANNERS)?;
    let request = body(request, "回避名单")?;
    let inspectors: std::collections::HashSet<_> = state
        .store
        .inspectors()
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for (index, r) in request.recusals.iter().enumerate() {
        if !inspectors.contains(&r.inspector_id) {
            return Err(AppError::Unprocessable {
                code: "invalid_recusal",
                message: format!(
                    "第 {} 条：{} 不是检查人员账号 (not an inspector)；未保存",
                    index + 1,
                    r.inspector_id
                ),
            });
        }
        if state.store.shops_by_ids(&[r.shop_id]).await?.is_empty() {
            return Err(AppError::Unprocessable {
                code: "invalid_recusal",
                message: format!(
                    "第 {} 条：经营者 {} 不存在 (shop not found)；未保存",
                    index + 1,
                    r.shop_id
                ),
            });
        }
    }
    state.store.upsert_recusals(&request.recusals).await?;
    Ok(Json(serde_json::json!({ "stored": request.recusals.len() })))
}

async fn post_grades(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_text): Path<String>,
    Query(query): Query<TableQuery>,
) -> Result<Json<GradingSummary>, AppError> {
    caller.require(&PLANNERS)?;
    let year = parse_year(&year_text)?;
    let table = super::table(query.table.as_deref())?;
    Ok(Json(
        super::grading::recompute(state.store.as_ref(), &table, year).await?,
    ))
}

async fn post_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(year_text): Path<String>,
    Query(query): Query<TableQuery>,
) -> Result<Json<PlanSummary>, AppError> {
    caller.require(&PLANNERS)?;
    let year = parse_year(&year_text)?;
    let table = super::table(query.table.as_deref())?;
    Ok(Json(
        super::planning::generate(state.store.as_ref(), &table, year).await?,
    ))
}

async fn post_draw(
    State(state): State<AppState>,
    caller: Caller,
    request: Result<Json<DrawRequest>, JsonRejection>,
) -> Result<Json<DrawView>, AppError> {
    caller.require(&PLANNERS)?;
    let request = body(request, "双随机抽取")?;
    Ok(Json(
        super::draws::create(state.store.as_ref(), caller.user.id, request).await?,
    ))
}

async fn get_draw(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DrawView>, AppError> {
    caller.require(&PLANNERS)?;
    let record = super::draws::load(state.store.as_ref(), draw_id(&id)?).await?;
    Ok(Json(super::draws::view(record)))
}

/// Public: anyone may re-run a recorded draw.
async fn get_verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<VerifyResponse>, AppError> {
    let record = super::draws::load(state.store.as_ref(), draw_id(&id)?).await?;
    Ok(Json(super::draws::verify(state.store.as_ref(), &record).await?))
}
