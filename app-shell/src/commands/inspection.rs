//! Inspection commands: starting a visit, scoring items, photos, rectification orders, the signature and
//! submission. Each one that changes the record is durable in the device store when it returns.

use std::sync::Arc;

use foodpatrol_device::device::{InspectionSummary, PhotoSummary};
use foodpatrol_device::{Device, Preview};
use foodpatrol_shared::checklist::{Answer, ChecklistTemplate};
use foodpatrol_shared::ids::{InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{Inspection, InspectionKind, InspectorRef};
use foodpatrol_shared::outcome::Evaluation;
use foodpatrol_shared::rectification::{RectificationMode, Tier};
use foodpatrol_shared::shop::Shop;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Request;

use super::{blocking, header, parse_id, raw_body};
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// Header of `inspection_photo_add` and `inspection_sign` that names the inspection.
pub const INSPECTION_ID_HEADER: &str = "x-inspection-id";
/// Header of `inspection_photo_add` that names the checklist item.
pub const ITEM_ID_HEADER: &str = "x-item-id";
/// Header of `inspection_sign` with the signer's name, percent-encoded UTF-8.
pub const SIGNER_NAME_HEADER: &str = "x-signer-name";

const INSPECTION_ID: &str = "检查记录编号 (inspection id)";

/// Everything the scoring screen shows for one inspection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub template: ChecklistTemplate,
    pub shop: Shop,
    pub preview: Preview,
}

/// Reads an inspection with its checklist, shop and live preview.
pub fn inspection_view(device: &Device, id: InspectionId) -> CommandResult<InspectionView> {
    let inspection = device.inspection(id)?;
    let template = device.rules().template(&inspection.template)?.clone();
    let shop = device.shop(inspection.shop_id)?;
    let preview = device.preview(id)?;
    Ok(InspectionView {
        inspection,
        template,
        shop,
        preview,
    })
}

/// Finds a colleague by user id among those synced to this device.
pub fn colleague(device: &Device, user_id: UserId) -> CommandResult<InspectorRef> {
    device
        .colleagues()?
        .into_iter()
        .find(|c| c.user_id == user_id)
        .ok_or_else(|| {
            CommandError::bad_argument(format!(
                "同事 {user_id} 不在本机的同事名单中，请联网同步后重试 (unknown colleague)"
            ))
        })
}

/// Parses the `kind` argument: `daily`, `flight` or `system`.
pub fn parse_kind(kind: &str) -> CommandResult<InspectionKind> {
    InspectionKind::parse(kind.trim()).ok_or_else(|| {
        CommandError::bad_argument(format!(
            "检查类型无效：{kind:?}，应为 daily、flight 或 system (invalid inspection kind)"
        ))
    })
}

/// Parses the `answer` argument: `yes`, `no` or `na` (or 是 / 否 / 合理缺项).
pub fn parse_answer(answer: &str) -> CommandResult<Answer> {
    Answer::parse(answer.trim()).ok_or_else(|| {
        CommandError::bad_argument(format!(
            "答案无效：{answer:?}，应为 yes、no 或 na (invalid answer)"
        ))
    })
}

/// Parses the `mode` argument, a `RectificationMode` in JSON such as
/// `{"mode": "deadline", "due": "2025-03-08", "requirement": "..."}`.
pub fn parse_mode(mode: serde_json::Value) -> CommandResult<RectificationMode> {
    serde_json::from_value(mode)
        .map_err(|e| CommandError::bad_argument(format!("整改方式无效 (invalid rectification mode: {e})")))
}

/// Parses the `tier` argument: `self_fix`, `guided` or `supervised`.
pub fn parse_tier(tier: &str) -> CommandResult<Tier> {
    Tier::parse(tier.trim()).ok_or_else(|| {
        CommandError::bad_argument(format!(
            "整改分级无效：{tier:?}，应为 self_fix、guided 或 supervised (invalid tier)"
        ))
    })
}

/// Lists the inspections on this device, newest first.
#[tauri::command]
pub async fn inspections_list(state: State<'_, AppState>) -> CommandResult<Vec<InspectionSummary>> {
    Ok(state.device.inspections()?)
}

/// Starts a visit; `partner_id` is the second inspector, who must be a synced colleague.
#[tauri::command]
pub async fn inspection_start(
    state: State<'_, AppState>,
    shop_id: String,
    kind: String,
    partner_id: Option<String>,
) -> CommandResult<InspectionId> {
    let shop_id: ShopId = parse_id(&shop_id, "店铺编号 (shop id)")?;
    let kind = parse_kind(&kind)?;
    let partner = match partner_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => Some(colleague(&state.device, parse_id(id, "同事编号 (user id)")?)?),
        None => None,
    };
    Ok(state.device.start_inspection(shop_id, kind, partner)?)
}

#[tauri::command]
pub async fn inspection_get(state: State<'_, AppState>, id: String) -> CommandResult<InspectionView> {
    inspection_view(&state.device, parse_id(&id, INSPECTION_ID)?)
}

/// Records 是 / 否 / 合理缺项 for an item and returns the updated preview.
#[tauri::command]
pub async fn inspection_answer(
    state: State<'_, AppState>,
    id: String,
    item_id: String,
    answer: String,
) -> CommandResult<Preview> {
    let id = parse_id(&id, INSPECTION_ID)?;
    let answer = parse_answer(&answer)?;
    state.device.answer(id, &item_id, answer)?;
    Ok(state.device.preview(id)?)
}

#[tauri::command]
pub async fn inspection_remark(
    state: State<'_, AppState>,
    id: String,
    item_id: String,
    remark: String,
) -> CommandResult<()> {
    Ok(state
        .device
        .set_remark(parse_id(&id, INSPECTION_ID)?, &item_id, &remark)?)
}

/// Attaches a photo (the raw request body) to an item; processing runs on a blocking thread.
#[tauri::command]
pub async fn inspection_photo_add(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> CommandResult<PhotoSummary> {
    let id: InspectionId = parse_id(&header(&request, INSPECTION_ID_HEADER)?, INSPECTION_ID)?;
    let item_id = header(&request, ITEM_ID_HEADER)?;
    let photo = raw_body(&request)?;
    let device = Arc::clone(&state.device);
    blocking(move || device.attach_photo(id, &item_id, &photo)).await
}

#[tauri::command]
pub async fn inspection_photo_remove(
    state: State<'_, AppState>,
    id: String,
    item_id: String,
    hash: String,
) -> CommandResult<()> {
    Ok(state
        .device
        .remove_photo(parse_id(&id, INSPECTION_ID)?, &item_id, &hash)?)
}

/// Adds a synced colleague as another inspector of the visit.
#[tauri::command]
pub async fn inspection_add_inspector(
    state: State<'_, AppState>,
    id: String,
    user_id: String,
) -> CommandResult<()> {
    let id = parse_id(&id, INSPECTION_ID)?;
    let inspector = colleague(&state.device, parse_id(&user_id, "同事编号 (user id)")?)?;
    Ok(state.device.add_inspector(id, &inspector)?)
}

/// Orders rectification of a failed item and returns the updated preview.
#[tauri::command]
pub async fn inspection_order(
    state: State<'_, AppState>,
    id: String,
    item_id: String,
    mode: serde_json::Value,
    tier: String,
) -> CommandResult<Preview> {
    let id = parse_id(&id, INSPECTION_ID)?;
    let mode = parse_mode(mode)?;
    let tier = parse_tier(&tier)?;
    state.device.order_rectification(id, &item_id, mode, tier)?;
    Ok(state.device.preview(id)?)
}

/// Records the signature (a PNG from the canvas, as the raw request body) of the shop's person in charge.
#[tauri::command]
pub async fn inspection_sign(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> CommandResult<PhotoSummary> {
    let id: InspectionId = parse_id(&header(&request, INSPECTION_ID_HEADER)?, INSPECTION_ID)?;
    let signer_name = header(&request, SIGNER_NAME_HEADER)?;
    let png = raw_body(&request)?;
    let device = Arc::clone(&state.device);
    blocking(move || device.sign(id, &signer_name, &png)).await
}

/// Records that the shop refused to sign, with the reason and a witness.
#[tauri::command]
pub async fn inspection_refuse(
    state: State<'_, AppState>,
    id: String,
    reason: String,
    witness: String,
) -> CommandResult<()> {
    Ok(state
        .device
        .refuse_signature(parse_id(&id, INSPECTION_ID)?, &reason, &witness)?)
}

/// Seals a complete record for sync and returns its outcome; `not_ready` lists what is missing.
#[tauri::command]
pub async fn inspection_submit(state: State<'_, AppState>, id: String) -> CommandResult<Evaluation> {
    Ok(state.device.submit(parse_id(&id, INSPECTION_ID)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse() {
        assert_eq!(parse_answer("yes").unwrap(), Answer::Yes);
        assert_eq!(parse_answer("no").unwrap(), Answer::No);
        assert_eq!(parse_answer("na").unwrap(), Answer::NotApplicable);
        assert_eq!(parse_answer("否").unwrap(), Answer::No);
        assert_eq!(parse_answer("maybe").unwrap_err().code, "bad_argument");
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(parse_kind("flight").unwrap(), InspectionKind::Flight);
        assert_eq!(parse_kind("weekly").unwrap_err().code, "bad_argument");
    }

    #[test]
    fn deadline_mode_parses_from_json() {
        let mode = parse_mode(serde_json::json!({
            "mode": "deadline",
            "due": "2025-03-08",
            "requirement": "补办健康证",
        }))
        .unwrap();

        assert_eq!(
            mode,
            RectificationMode::Deadline {
                due: chrono::NaiveDate::from_ymd_opt(2025, 3, 8).unwrap(),
                requirement: "补办健康证".into(),
            }
        );
    }

    #[test]
    fn malformed_mode_is_bad_argument() {
        let error = parse_mode(serde_json::json!({ "mode": "later" })).unwrap_err();

        assert_eq!(error.code, "bad_argument");
    }

    #[test]
    fn tiers_parse() {
        assert_eq!(parse_tier("guided").unwrap(), Tier::Guided);
        assert_eq!(parse_tier("big").unwrap_err().code, "bad_argument");
    }

    #[test]
    fn malformed_id_is_bad_argument() {
        let error = parse_id::<InspectionId>("42", INSPECTION_ID).unwrap_err();

        assert_eq!(error.code, "bad_argument");
        assert!(error.message.contains("\"42\""), "{}", error.message);
    }
}
