//! Session commands: who this device is signed in as, signing in, and the app's own facts.

use foodpatrol_device::Identity;
use foodpatrol_shared::ids::{DeviceId, UserId};
use foodpatrol_shared::role::Role;
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::{AppInfo, AppState};

/// The signed-in identity sent to the UI: every field except the token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityView {
    pub server_url: String,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub display_name: String,
    pub role: Role,
    pub time_zone: String,
    /// False after the server rejected the token, so the UI prompts for the password again.
    pub signed_in: bool,
}

impl From<Identity> for IdentityView {
    fn from(identity: Identity) -> IdentityView {
        IdentityView {
            signed_in: identity.token.is_some(),
            server_url: identity.server_url,
            device_id: identity.device_id,
            user_id: identity.user_id,
            display_name: identity.display_name,
            role: identity.role,
            time_zone: identity.time_zone,
        }
    }
}

/// Returns the version, the default server URL for the sign-in screen, and the data folder.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(state.info.clone())
}

/// Returns who this device is signed in as, or `None` before the first sign-in.
#[tauri::command]
pub async fn session_get(state: State<'_, AppState>) -> CommandResult<Option<IdentityView>> {
    Ok(state.device.identity()?.map(IdentityView::from))
}

/// Signs in (needs the network once), then wakes the background sync to fetch today's assignments.
#[tauri::command]
pub async fn session_sign_in(
    state: State<'_, AppState>,
    server_url: String,
    username: String,
    password: String,
    device_name: String,
) -> CommandResult<IdentityView> {
    let server_url = server_url.trim();
    if !(server_url.starts_with("http://") || server_url.starts_with("https://")) {
        return Err(CommandError::bad_argument(format!(
            "服务器地址须以 http:// 或 https:// 开头：{server_url:?} (invalid server URL)"
        )));
    }
    if username.trim().is_empty() || password.is_empty() {
        return Err(CommandError::bad_argument(
            "请填写用户名和密码 (username and password are required)",
        ));
    }
    let identity = state
        .device
        .register(server_url, username.trim(), &password, device_name.trim())
        .await?;
    state.sync.wake();
    Ok(identity.into())
}
