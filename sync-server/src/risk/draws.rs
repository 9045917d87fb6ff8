//! 双随机 draws on the stored grades: record a draw, create its assignments, re-run it to verify.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, Utc};
use foodpatrol_shared::draw::{self, DrawError, DrawInputs, LevelPool, Verification};
use foodpatrol_shared::ids::{ShopId, UserId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::plan::Recusal;
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::risk::RiskLevel;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::risk::records::{DrawRecord, PlannedVisitRecord};
use crate::store::Store;

/// Maximum characters of a draw title.
pub const MAX_TITLE_CHARS: usize = 100;

/// `POST /v1/draws` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrawRequest {
    /// Client-chosen id (UUIDv7) so that a retry records the draw once.
    pub draw_id: Uuid,
    pub year: i32,
    /// The inspection matter (检查事项), e.g. "2026 年春季餐饮服务双随机抽查".
    pub title: String,
    /// The published seed, e.g. the number drawn at a public lottery.
    pub seed: String,
    /// Due date of the drawn visits.
    pub due: NaiveDate,
    /// Shops to draw per level, e.g. `{"A": 20, "C": 5}`.
    pub quotas: BTreeMap<RiskLevel, u32>,
    /// Draw only the shops and inspectors of this office; the whole district when absent.
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default = "default_pair_size")]
    pub pair_size: u32,
}

fn default_pair_size() -> u32 {
    2
}

/// A recorded draw as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrawView {
    #[serde(flatten)]
    pub record: DrawRecord,
    /// The canonical input text whose SHA-256 is `result.input_digest`.
    pub canonical_inputs: String,
}

/// `GET /v1/draws/{id}/verify` response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyResponse {
    pub draw_id: Uuid,
    pub algorithm: String,
    pub seed: String,
    /// The recorded draw against its own seed and inputs.
    #[serde(flatten)]
    pub verification: Verification,
    /// Input digest of the same request built from today's grades, inspectors and recusals.
    pub current_input_digest: Option<String>,
    /// True when today's inputs still hash to the recorded input digest. False means the grades,
    /// the inspector pool or the recusals changed after the draw, so a re-run today differs.
    pub current_inputs_match: bool,
    /// Chinese reason when today's inputs cannot be built or differ.
    pub current_inputs_note_zh: Option<String>,
}

fn unprocessable(message: String) -> AppError {
    AppError::Unprocessable {
        code: "invalid_draw",
        message,
    }
}

/// Builds the inputs of a draw from the stored grades, inspectors and recusals.
pub async fn inputs_for(store: &dyn Store, request: &DrawRequest) -> Result<DrawInputs, AppError> {
    super::check_year(request.year)?;
    let offices = store.offices().await?;
    let street = match &request.office {
        None => None,
        Some(name) => Some(
            offices
                .iter()
                .find(|o| &o.name == name)
                .map(|o| o.street.clone())
                .ok_or_else(|| {
                    unprocessable(format!(
                        "市场监管所 {name:?} 不存在 (office not found; use a name from the offices table)"
                    ))
                })?,
        ),
    };
    let pools = level_pools(store, request, street.as_deref()).await?;

    let inspectors: Vec<UserId> = store
        .inspectors()
        .await?
        .into_iter()
        .filter(|u| request.office.is_none() || u.office == request.office)
        .map(|u| u.id)
        .collect();
    let in_pool: BTreeSet<ShopId> = pools.iter().flat_map(|p| p.shops.iter().copied()).collect();
    let staff: BTreeSet<UserId> = inspectors.iter().copied().collect();
    let recusals: Vec<Recusal> = store
        .recusals()
        .await?
        .into_iter()
        .filter(|r| in_pool.contains(&r.shop_id) && staff.contains(&r.inspector_id))
        .map(|r| Recusal {
            inspector: r.inspector_id,
            shop: r.shop_id,
        })
        .collect();
    Ok(DrawInputs {
        year: request.year,
        pair_size: request.pair_size,
        pools,
        inspectors,
        recusals,
    })
}

/// Returns the graded shops of each level with a quota, within the office's street if one is given.
async fn level_pools(
    store: &dyn Store,
    request: &DrawRequest,
    street: Option<&str>,
) -> Result<Vec<LevelPool>, AppError> {
    let levels = store.risk_levels(request.year).await?;
    if levels.is_empty() {
        return Err(unprocessable(format!(
            "{} 年度尚无风险等级，请先评级 (no grades for the year; run POST /v1/risk/grades/{} first)",
            request.year, request.year
        )));
    }
    let shop_streets: HashMap<ShopId, String> = store
        .all_shops()
        .await?
        .into_iter()
        .map(|s| (s.id, s.street))
        .collect();
    let mut pools: BTreeMap<RiskLevel, Vec<ShopId>> = BTreeMap::new();
    for level in levels {
        let in_office =
            street.is_none_or(|street| shop_streets.get(&level.shop_id).map(String::as_str) == Some(street));
        if in_office && request.quotas.get(&level.level).is_some_and(|q| *q > 0) {
            pools.entry(level.level).or_default().push(level.shop_id);
        }
    }
    Ok(request
        .quotas
        .iter()
        .filter(|(_, quota)| **quota > 0)
        .map(|(level, quota)| LevelPool {
            level: *level,
            quota: *quota,
            shops: pools.remove(level).unwrap_or_default(),
        })
        .collect())
}

/// Runs and records a draw and creates its assignments. A retry with the same id and request
/// returns the recorded draw; the same id with another seed or inputs is a conflict.
pub async fn create(
    store: &dyn Store,
    created_by: UserId,
    request: DrawRequest,
) -> Result<DrawView, AppError> {
    let title = request.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(unprocessable(format!(
            "抽查事项名称须为 1–{MAX_TITLE_CHARS} 字 (title must be 1-{MAX_TITLE_CHARS} characters)"
        )));
    }
    if request.quotas.values().all(|q| *q == 0) {
        return Err(unprocessable(
            "各等级抽取数量均为 0，至少一个等级须大于 0 (every quota is 0)".to_owned(),
        ));
    }
    let inputs = inputs_for(store, &request).await?;
    let result = draw::run_draw(&request.seed, &inputs).map_err(|e| match e {
        DrawError::InvalidSeed => unprocessable(format!("随机种子无效 (invalid seed): {e}")),
        other => unprocessable(format!("无法抽取 (draw failed): {other}")),
    })?;

    if let Some(existing) = store.draw(request.draw_id).await? {
        if existing.seed == request.seed && existing.result.input_digest == result.input_digest {
            return Ok(view(existing));
        }
        return Err(AppError::Conflict {
            code: "draw_exists",
            message: format!(
                "抽取 {} 已存在且种子或输入不同；新的抽取请使用新的 draw_id (draw id already used with other inputs)",
                request.draw_id
            ),
        });
    }

    let record = DrawRecord {
        id: request.draw_id,
        year: request.year,
        title,
        seed: request.seed,
        inputs,
        result,
        due: request.due,
        office: request.office.clone(),
        created_by,
        created_at: Utc::now(),
    };
    write_assignments(store, &record).await?;
    if !store.insert_draw(&record).await? {
        // A concurrent request with the same id recorded it first; report what is stored.
        let stored = store
            .draw(record.id)
            .await?
            .ok_or_else(|| AppError::Internal("draw vanished".into()))?;
        return Ok(view(stored));
    }
    tracing::info!(draw_id = %record.id, picks = record.result.picks.len(), "draw recorded");
    Ok(view(record))
}

/// Returns the assignment id of a drawn shop.
pub fn assignment_id(draw_id: Uuid, shop: ShopId) -> Uuid {
    Uuid::new_v5(&draw_id, format!("draw-visit:{shop}").as_bytes())
}

async fn write_assignments(store: &dyn Store, record: &DrawRecord) -> Result<(), AppError> {
    let names: HashMap<UserId, String> = store
        .inspectors()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut assignments = Vec::new();
    let mut visits = Vec::new();
    for pick in &record.result.picks {
        let id = assignment_id(record.id, pick.shop_id);
        assignments.push(Assignment {
            id,
            shop_id: pick.shop_id,
            inspectors: pick
                .inspectors
                .iter()
                .map(|u| InspectorRef {
                    user_id: *u,
                    name: names.get(u).cloned().unwrap_or_default(),
                })
                .collect(),
            kind: InspectionKind::Daily,
            due: record.due,
            note: format!(
                "双随机抽查：{}（{}，抽取编号 {}）",
                record.title,
                pick.level.label_zh(),
                record.id
            ),
        });
        visits.push(PlannedVisitRecord {
            assignment_id: id,
            shop_id: pick.shop_id,
            year: record.year,
            period: 0,
            periods: 0,
            level: pick.level,
            full_checklist: true,
            draw_id: Some(record.id),
        });
    }
    store.write_planned_visits(&assignments, &visits).await?;
    Ok(())
}

pub fn view(record: DrawRecord) -> DrawView {
    DrawView {
        canonical_inputs: record.inputs.canonical_text(),
        record,
    }
}

/// Loads a draw or returns 404.
pub async fn load(store: &dyn Store, id: Uuid) -> Result<DrawRecord, AppError> {
    store.draw(id).await?.ok_or_else(|| AppError::NotFound {
        message: format!("抽取记录 {id} 不存在 (draw not found)"),
    })
}

/// Re-runs a recorded draw from its stored seed and inputs, and compares its inputs with the
/// inputs the same request would get from the database today.
pub async fn verify(store: &dyn Store, record: &DrawRecord) -> Result<VerifyResponse, AppError> {
    let request = DrawRequest {
        draw_id: record.id,
        year: record.year,
        title: record.title.clone(),
        seed: record.seed.clone(),
        due: record.due,
        quotas: record.inputs.pools.iter().map(|p| (p.level, p.quota)).collect(),
        office: record.office.clone(),
        pair_size: record.inputs.pair_size,
    };
    let (current_input_digest, current_inputs_note_zh) = match inputs_for(store, &request).await {
        Ok(inputs) => {
            let digest = inputs.digest_hex();
            let note = (digest != record.result.input_digest).then(|| {
                "当前数据库中的风险等级、检查人员或回避名单已与抽取时不同，今天重新抽取会得到不同结果"
                    .to_owned()
            });
            (Some(digest), note)
        }
        Err(e) => (None, Some(format!("无法按当前数据重建抽取输入：{e}"))),
    };
    Ok(VerifyResponse {
        draw_id: record.id,
        algorithm: record.result.algorithm.clone(),
        seed: record.seed.clone(),
        verification: draw::verify(&record.seed, &record.inputs, &record.result),
        current_inputs_match: current_input_digest.as_deref() == Some(record.result.input_digest.as_str()),
        current_input_digest,
        current_inputs_note_zh,
    })
}
