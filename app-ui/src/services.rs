//! Typed wrappers for every shell command in `docs/APP-COMMANDS.md`.
//!
//! Screens call these functions and never `invoke` directly. Arguments go out as JSON with the
//! camelCase names Tauri expects (`item_id` → `itemId`). Results come back through
//! `JSON.stringify` and `serde_json`, so they decode exactly as the shell's serde wrote them.
//! Failures are a [`ServiceError`] whose `message` is ready to show (Chinese first).
//!
//! In `?demo` mode outside the app, calls are answered by [`crate::demo_data`] instead.

mod bridge;
mod views;

use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::ids::{InspectionId, ShopId, UserId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::outcome::Evaluation;
use foodpatrol_shared::rectification::{RectificationMode, Tier};
use foodpatrol_shared::shop::Shop;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::JsValue;

pub(crate) use bridge::{EventSubscription, in_tauri};
pub(crate) use views::{
    AppInfo, IdentityView, InspectionSummary, InspectionView, PhotoSummary, Preview, SyncPhase, SyncProgress,
    SyncReport, SyncStatus, SyncStatusView, TaskView,
};

use crate::demo_data;

/// Stable codes the UI reacts to; any other code is shown by its message only.
pub(crate) mod codes {
    /// Outside the app window: there is no shell to call.
    pub(crate) const NOT_IN_APP: &str = "not_in_app";
    /// The device could not reach the server; the work is kept on the device.
    pub(crate) const OFFLINE: &str = "offline";
    /// The server no longer accepts this device's token.
    pub(crate) const SIGNED_OUT: &str = "signed_out";
    /// The shell rejected with something that is not a `CommandError` (an unknown command, a panic).
    pub(crate) const SHELL: &str = "shell";
    /// The shell returned a value this UI cannot decode: the two sides disagree on a type.
    pub(crate) const BAD_RESPONSE: &str = "bad_response";
}

/// A failed command: the shell's `CommandError`, or a failure on the UI's side of the bridge.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct ServiceError {
    /// Stable ASCII code, see [`codes`] and the device core's `DeviceError::code()`.
    pub(crate) code: String,
    /// Ready to show, Chinese first.
    pub(crate) message: String,
}

impl ServiceError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        ServiceError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn not_in_app() -> Self {
        ServiceError::new(codes::NOT_IN_APP, "请在食安巡查 App 中打开")
    }

    fn from_rejection(value: &JsValue) -> Self {
        if let Some(text) = value.as_string() {
            return ServiceError::new(codes::SHELL, format!("App 内部错误：{text}"));
        }
        match stringify(value).and_then(|json| serde_json::from_str::<ServiceError>(&json).ok()) {
            Some(error) => error,
            None => ServiceError::new(
                codes::SHELL,
                format!("App 内部错误：{}", stringify(value).unwrap_or_default()),
            ),
        }
    }

    fn bad_response(cmd: &str, detail: impl std::fmt::Display) -> Self {
        ServiceError::new(
            codes::BAD_RESPONSE,
            format!("App 返回的数据无法读取（{cmd}：{detail}），请把界面和 App 更新到同一版本"),
        )
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn stringify(value: &JsValue) -> Option<String> {
    if value.is_undefined() {
        return Some("null".to_owned());
    }
    js_sys::JSON::stringify(value).ok()?.as_string()
}

fn to_js(value: &Value) -> JsValue {
    // `Value::to_string` always produces valid JSON, so parsing it back does not fail.
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

fn decode<T: DeserializeOwned>(cmd: &str, value: Value) -> Result<T, ServiceError> {
    serde_json::from_value(value).map_err(|e| ServiceError::bad_response(cmd, e))
}

/// Invokes a command with JSON arguments and decodes its result.
async fn call<T: DeserializeOwned>(cmd: &str, args: Value) -> Result<T, ServiceError> {
    if demo_data::active() {
        return decode(cmd, demo_data::invoke(cmd, &args, None)?);
    }
    let returned = bridge::invoke(cmd, &to_js(&args), None).await.map_err(failure)?;
    decode_js(cmd, &returned)
}

/// Invokes a raw-body command: `bytes` go as a `Uint8Array`, `headers` as `{ headers: {...} }`.
async fn call_raw<T: DeserializeOwned>(
    cmd: &str,
    bytes: &[u8],
    headers: &[(&str, String)],
) -> Result<T, ServiceError> {
    let header_map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
        .collect();
    if demo_data::active() {
        let value = demo_data::invoke(cmd, &Value::Object(header_map), Some(bytes))?;
        return decode(cmd, value);
    }
    let body: JsValue = js_sys::Uint8Array::from(bytes).into();
    let options = to_js(&json!({ "headers": header_map }));
    let returned = bridge::invoke(cmd, &body, Some(&options))
        .await
        .map_err(failure)?;
    decode_js(cmd, &returned)
}

fn failure(failure: bridge::InvokeFailure) -> ServiceError {
    match failure {
        bridge::InvokeFailure::NotInApp => ServiceError::not_in_app(),
        bridge::InvokeFailure::Rejected(value) => ServiceError::from_rejection(&value),
    }
}

fn decode_js<T: DeserializeOwned>(cmd: &str, value: &JsValue) -> Result<T, ServiceError> {
    let json = stringify(value).ok_or_else(|| ServiceError::bad_response(cmd, "not JSON"))?;
    serde_json::from_str(&json).map_err(|e| ServiceError::bad_response(cmd, e))
}

/// True when screens can call the shell: inside the app, or in the browser demo.
pub(crate) fn available() -> bool {
    in_tauri() || demo_data::active()
}

// ---- session ----

/// Returns the shell's version and default server; `None` when the shell lacks `app_info`.
pub(crate) async fn app_info() -> Option<AppInfo> {
    call("app_info", json!({})).await.ok()
}

pub(crate) async fn session_get() -> Result<Option<IdentityView>, ServiceError> {
    call("session_get", json!({})).await
}

pub(crate) async fn session_sign_in(
    server_url: &str,
    username: &str,
    password: &str,
    device_name: &str,
) -> Result<IdentityView, ServiceError> {
    let args = json!({
        "serverUrl": server_url,
        "username": username,
        "password": password,
        "deviceName": device_name,
    });
    call("session_sign_in", args).await
}

// ---- tasks ----

pub(crate) async fn tasks_today() -> Result<Vec<TaskView>, ServiceError> {
    call("tasks_today", json!({})).await
}

pub(crate) async fn shops_search(query: &str) -> Result<Vec<Shop>, ServiceError> {
    call("shops_search", json!({ "query": query })).await
}

/// Finds the shop whose licence QR code is in the photo.
pub(crate) async fn shop_from_qr(photo: &[u8]) -> Result<Shop, ServiceError> {
    call_raw("shop_from_qr", photo, &[]).await
}

/// Finds the shop named by the text the camera barcode scanner read.
pub(crate) async fn shop_from_code(text: &str) -> Result<Shop, ServiceError> {
    call("shop_from_code", json!({ "text": text })).await
}

/// Result of the barcode scanner plugin's `scan` command.
#[derive(Debug, Deserialize)]
struct Scanned {
    content: String,
}

/// Opens the camera with the barcode scanner plugin (phones and tablets only) and returns the text of the
/// first QR code it reads.
pub(crate) async fn scan_qr_code() -> Result<String, ServiceError> {
    let scanned: Scanned = call(
        "plugin:barcode-scanner|scan",
        json!({ "formats": ["QR_CODE"], "windowed": false, "cameraDirection": "back" }),
    )
    .await?;
    Ok(scanned.content)
}

pub(crate) async fn colleagues_list() -> Result<Vec<InspectorRef>, ServiceError> {
    call("colleagues_list", json!({})).await
}

// ---- inspections ----

pub(crate) async fn inspections_list() -> Result<Vec<InspectionSummary>, ServiceError> {
    call("inspections_list", json!({})).await
}

pub(crate) async fn inspection_start(
    shop_id: ShopId,
    kind: InspectionKind,
    partner_id: Option<UserId>,
) -> Result<InspectionId, ServiceError> {
    let args = json!({ "shopId": shop_id, "kind": kind.as_str(), "partnerId": partner_id });
    call("inspection_start", args).await
}

pub(crate) async fn inspection_get(id: InspectionId) -> Result<InspectionView, ServiceError> {
    call("inspection_get", json!({ "id": id })).await
}

/// Records a tap on 是 / 否 / 合理缺项 and returns the new live preview.
pub(crate) async fn answer(id: InspectionId, item_id: &str, answer: Answer) -> Result<Preview, ServiceError> {
    let args = json!({ "id": id, "itemId": item_id, "answer": answer.as_str() });
    call("inspection_answer", args).await
}

pub(crate) async fn remark(id: InspectionId, item_id: &str, remark: &str) -> Result<(), ServiceError> {
    let args = json!({ "id": id, "itemId": item_id, "remark": remark });
    call("inspection_remark", args).await
}

pub(crate) async fn photo_add(
    id: InspectionId,
    item_id: &str,
    photo: &[u8],
) -> Result<PhotoSummary, ServiceError> {
    let headers = [
        ("x-inspection-id", id.to_string()),
        ("x-item-id", item_id.to_owned()),
    ];
    call_raw("inspection_photo_add", photo, &headers).await
}

pub(crate) async fn photo_remove(id: InspectionId, item_id: &str, hash: &str) -> Result<(), ServiceError> {
    let args = json!({ "id": id, "itemId": item_id, "hash": hash });
    call("inspection_photo_remove", args).await
}

pub(crate) async fn add_inspector(id: InspectionId, user_id: UserId) -> Result<(), ServiceError> {
    call("inspection_add_inspector", json!({ "id": id, "userId": user_id })).await
}

/// Orders rectification of a failed item and returns the new live preview.
pub(crate) async fn order(
    id: InspectionId,
    item_id: &str,
    mode: &RectificationMode,
    tier: Tier,
) -> Result<Preview, ServiceError> {
    let args = json!({ "id": id, "itemId": item_id, "mode": mode, "tier": tier });
    call("inspection_order", args).await
}

/// Stores the signature PNG; the signer's name travels percent-encoded in a header.
pub(crate) async fn sign(
    id: InspectionId,
    signer_name: &str,
    png: &[u8],
) -> Result<PhotoSummary, ServiceError> {
    let encoded: String = js_sys::encode_uri_component(signer_name).into();
    let headers = [("x-inspection-id", id.to_string()), ("x-signer-name", encoded)];
    call_raw("inspection_sign", png, &headers).await
}

pub(crate) async fn refuse(id: InspectionId, reason: &str, witness: &str) -> Result<(), ServiceError> {
    let args = json!({ "id": id, "reason": reason, "witness": witness });
    call("inspection_refuse", args).await
}

pub(crate) async fn submit(id: InspectionId) -> Result<Evaluation, ServiceError> {
    call("inspection_submit", json!({ "id": id })).await
}

// ---- sync ----

pub(crate) async fn sync_now() -> Result<SyncReport, ServiceError> {
    call("sync_now", json!({})).await
}

pub(crate) async fn sync_status() -> Result<SyncStatusView, ServiceError> {
    call("sync_status", json!({})).await
}

/// Subscribes to `sync-progress`; payloads that do not decode are skipped. `None` outside the app.
pub(crate) fn on_sync_progress(mut handler: impl FnMut(SyncProgress) + 'static) -> Option<EventSubscription> {
    bridge::listen("sync-progress", move |payload| {
        let decoded = stringify(&payload).and_then(|json| serde_json::from_str::<SyncProgress>(&json).ok());
        if let Some(progress) = decoded {
            handler(progress);
        }
    })
}

/// Returns the URL of a stored photo, served by the shell's `photo` URI scheme.
///
/// `size` is `thumb` or `full`. Windows and Android webviews reach custom schemes as
/// `http://<scheme>.localhost/`, the others as `<scheme>://localhost/`.
pub(crate) fn photo_url(size: &str, hash: &str) -> String {
    if demo_data::active() {
        return demo_data::photo_url(hash);
    }
    let agent = crate::web::user_agent();
    if agent.contains("Windows") || agent.contains("Android") {
        format!("http://photo.localhost/{size}/{hash}")
    } else {
        format!("photo://localhost/{size}/{hash}")
    }
}
