//! Task commands: the inspector's planned visits, finding a shop by name or by its QR code, and the
//! colleagues who can be the second inspector.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use foodpatrol_device::device::InspectionSummary;
use foodpatrol_device::{DeviceError, DeviceResult};
use foodpatrol_shared::ids::{InspectionId, ShopId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::Assignment;
use foodpatrol_shared::shop::Shop;
use serde::Serialize;
use tauri::State;
use tauri::ipc::Request;

use super::{blocking, raw_body};
use crate::error::CommandResult;
use crate::qr;
use crate::state::AppState;

/// Maximum shops `shops_search` returns.
pub const SEARCH_LIMIT: usize = 50;

/// One planned visit on the task list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub assignment_id: uuid::Uuid,
    pub shop: Shop,
    pub due: NaiveDate,
    pub kind: InspectionKind,
    pub inspectors: Vec<InspectorRef>,
    /// This device's latest inspection of the shop, so a visit interrupted by a crash shows as "继续检查".
    pub inspection_id: Option<InspectionId>,
    /// Whether that latest inspection is submitted.
    pub submitted: bool,
}

/// Joins assignments with their shops and this device's latest inspection of each shop.
///
/// `inspections` must be newest first, as `Device::inspections` returns them. An assignment whose shop
/// is not on the device is left out (and logged), so one missing record never hides the whole list.
pub fn assemble_tasks(
    assignments: Vec<Assignment>,
    shop: impl Fn(ShopId) -> DeviceResult<Shop>,
    inspections: &[InspectionSummary],
) -> DeviceResult<Vec<TaskView>> {
    let mut latest: HashMap<ShopId, &InspectionSummary> = HashMap::new();
    for inspection in inspections {
        latest.entry(inspection.shop_id).or_insert(inspection);
    }

    let mut tasks = Vec::with_capacity(assignments.len());
    for assignment in assignments {
        let shop = match shop(assignment.shop_id) {
            Ok(shop) => shop,
            Err(DeviceError::NotFound { .. }) => {
                tracing::warn!(
                    assignment_id = %assignment.id,
                    shop_id = %assignment.shop_id,
                    "assignment names a shop this device does not have; left off the task list"
                );
                continue;
            }
            Err(e) => return Err(e),
        };
        // NOTE: an inspection of the same shop from an earlier assignment also matches, so a shop visited
        // last month and assigned again shows as submitted until a new inspection starts.
        let inspection = latest.get(&assignment.shop_id);
        tasks.push(TaskView {
            assignment_id: assignment.id,
            shop,
            due: assignment.due,
            kind: assignment.kind,
            inspectors: assignment.inspectors,
            inspection_id: inspection.map(|i| i.id),
            submitted: inspection.is_some_and(|i| i.submitted),
        });
    }
    Ok(tasks)
}

/// Lists every assignment synced to this device, earliest due first.
#[tauri::command]
pub async fn tasks_today(state: State<'_, AppState>) -> CommandResult<Vec<TaskView>> {
    let device = &state.device;
    let inspections = device.inspections()?;
    Ok(assemble_tasks(
        device.assignments()?,
        |id| device.shop(id),
        &inspections,
    )?)
}

/// Finds shops whose name, address or licence number contains `query`; at most [`SEARCH_LIMIT`].
#[tauri::command]
pub async fn shops_search(state: State<'_, AppState>, query: String) -> CommandResult<Vec<Shop>> {
    Ok(state.device.search_shops(&query, SEARCH_LIMIT)?)
}

/// Reads a shop's QR code from a photo (the raw request body) and returns the shop.
#[tauri::command]
pub async fn shop_from_qr(state: State<'_, AppState>, request: Request<'_>) -> CommandResult<Shop> {
    let photo = raw_body(&request)?;
    let device = Arc::clone(&state.device);
    blocking(move || qr::find_shop(&device, &photo)).await
}

/// Finds the shop named by the text of a QR code that the phone's barcode scanner plugin has read.
///
/// Errors: `bad_argument` when the text names no shop, `shop_not_found` when the shop is not on this device.
#[tauri::command]
pub async fn shop_from_code(state: State<'_, AppState>, text: String) -> CommandResult<Shop> {
    let device = Arc::clone(&state.device);
    blocking(move || qr::find_shop_by_text(&device, &text)).await
}

/// Lists the office's inspectors, to pick the second inspector offline.
#[tauri::command]
pub async fn colleagues_list(state: State<'_, AppState>) -> CommandResult<Vec<InspectorRef>> {
    Ok(state.device.colleagues()?)
}

#[cfg(test)]
mod tests {
    use foodpatrol_shared::ids::UserId;
    use foodpatrol_shared::shop::Serves;

    use super::*;

    fn shop(n: u128) -> Shop {
        Shop {
            id: ShopId(uuid::Uuid::from_u128(n)),
            licence_no: format!("JY1310115001{n:04}"),
            name: format!("店铺{n}"),
            address: "和平路1号".into(),
            street: "劝业场街道".into(),
            business_type: "catering".into(),
            area_m2: None,
            meals_per_day: None,
            serves: Serves::General,
        }
    }

    fn assignment(n: u128, shop_n: u128) -> Assignment {
        Assignment {
            id: uuid::Uuid::from_u128(1000 + n),
            shop_id: shop(shop_n).id,
            inspectors: vec![InspectorRef {
                user_id: UserId(uuid::Uuid::from_u128(7)),
                name: "张三".into(),
            }],
            kind: InspectionKind::Daily,
            due: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            note: String::new(),
        }
    }

    fn inspection(n: u128, shop_n: u128, started_at_ms: i64, submitted: bool) -> InspectionSummary {
        InspectionSummary {
            id: InspectionId(uuid::Uuid::from_u128(2000 + n)),
            shop_id: shop(shop_n).id,
            started_at_ms,
            submitted,
            outcome: None,
        }
    }

    fn known_shops(id: ShopId) -> DeviceResult<Shop> {
        (1..=3)
            .map(shop)
            .find(|s| s.id == id)
            .ok_or_else(|| DeviceError::NotFound {
                what: "店铺",
                id: id.to_string(),
            })
    }

    #[test]
    fn task_links_latest_inspection_of_its_shop() {
        // Newest first, as the device lists them: inspection 2 is the latest of shop 1.
        let inspections = [
            inspection(2, 1, 2_000, false),
            inspection(1, 1, 1_000, true),
            inspection(3, 2, 1_500, true),
        ];

        let tasks = assemble_tasks(
            vec![assignment(1, 1), assignment(2, 2)],
            known_shops,
            &inspections,
        )
        .unwrap();

        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].shop, shop(1));
        assert_eq!(tasks[0].inspection_id, Some(inspections[0].id));
        assert!(!tasks[0].submitted);
        assert_eq!(tasks[1].inspection_id, Some(inspections[2].id));
        assert!(tasks[1].submitted);
    }

    #[test]
    fn task_without_inspection_is_not_started() {
        let tasks = assemble_tasks(vec![assignment(1, 3)], known_shops, &[]).unwrap();

        assert_eq!(tasks[0].inspection_id, None);
        assert!(!tasks[0].submitted);
        assert_eq!(tasks[0].assignment_id, uuid::Uuid::from_u128(1001));
        assert_eq!(tasks[0].inspectors[0].name, "张三");
    }

    #[test]
    fn assignment_with_unknown_shop_is_left_out() {
        let tasks = assemble_tasks(vec![assignment(1, 9), assignment(2, 2)], known_shops, &[]).unwrap();

        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].shop, shop(2));
    }

    #[test]
    fn storage_error_fails_the_list() {
        let broken = |_| Err(DeviceError::Storage("disk I/O error".into()));

        let error = assemble_tasks(vec![assignment(1, 1)], broken, &[]).unwrap_err();

        assert_eq!(error.code(), "storage");
    }

    #[test]
    fn task_view_serializes_spec_fields() {
        let tasks = assemble_tasks(vec![assignment(1, 1)], known_shops, &[]).unwrap();

        let value = serde_json::to_value(&tasks[0]).unwrap();

        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "assignment_id",
                "due",
                "inspection_id",
                "inspectors",
                "kind",
                "shop",
                "submitted"
            ]
        );
        assert_eq!(value["due"], "2025-03-01");
        assert_eq!(value["kind"], "daily");
    }
}
