//! The error every command returns, serialized for the UI as `{ "code": "...", "message": "..." }`.
//!
//! `code` is stable ASCII that the UI matches on: a [`DeviceError::code`], `bad_argument` when the shell
//! cannot parse what the UI sent, or `shop_not_found` when a scanned code names no shop on this device.
//! `message` is Chinese first, ready to show.

use std::fmt;

use foodpatrol_device::DeviceError;
use serde::Serialize;

/// Code of the errors for arguments the shell cannot parse (ids, `answer`, `kind`, headers, bodies).
pub const BAD_ARGUMENT: &str = "bad_argument";
/// Code of the error for a scanned QR code that names no shop stored on this device.
pub const SHOP_NOT_FOUND: &str = "shop_not_found";

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

/// Result type of every command.
pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    /// Builds a `bad_argument` error; `message` names the argument and the value, Chinese first.
    pub fn bad_argument(message: impl Into<String>) -> CommandError {
        CommandError {
            code: BAD_ARGUMENT.to_owned(),
            message: message.into(),
        }
    }

    /// Builds the `shop_not_found` error for a scanned code.
    pub fn shop_not_found(scanned: &str) -> CommandError {
        CommandError {
            code: SHOP_NOT_FOUND.to_owned(),
            message: format!(
                "本机没有二维码对应的店铺（{scanned}），请联网同步后重试，或按名称搜索 (no shop for this code on this device)"
            ),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for CommandError {}

impl From<DeviceError> for CommandError {
    fn from(error: DeviceError) -> CommandError {
        // Storage and corruption errors need a person, but the inspector can act on the rest.
        match &error {
            DeviceError::Storage(_) | DeviceError::Corrupt(_) => {
                tracing::error!(code = error.code(), error = %error, "command failed in the device store");
            }
            _ => tracing::debug!(code = error.code(), "command rejected"),
        }
        CommandError {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

impl From<foodpatrol_shared::rules::RuleBookError> for CommandError {
    fn from(error: foodpatrol_shared::rules::RuleBookError) -> CommandError {
        DeviceError::from(error).into()
    }
}

impl From<tauri::Error> for CommandError {
    /// Maps a failure of the Tauri runtime itself, such as a background task that panicked.
    fn from(error: tauri::Error) -> CommandError {
        tracing::error!(error = %error, "Tauri runtime error in a command");
        CommandError {
            code: "internal".to_owned(),
            message: format!("应用内部出错，请重试 (internal error: {error})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn device_error_serializes_as_code_and_message() {
        let error = CommandError::from(DeviceError::NotSignedIn);

        let value = serde_json::to_value(&error).unwrap();

        assert_eq!(
            value,
            json!({
                "code": "not_signed_in",
                "message": "设备尚未登录，请联网后登录一次 (this device is not signed in)",
            })
        );
    }

    #[test]
    fn serialized_error_has_exactly_two_fields() {
        let value = serde_json::to_value(CommandError::bad_argument("x")).unwrap();

        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "message"]);
    }

    #[test]
    fn bad_argument_uses_its_code() {
        let error = CommandError::bad_argument("检查记录编号无效");

        assert_eq!(error.code, "bad_argument");
        assert_eq!(error.message, "检查记录编号无效");
    }

    #[test]
    fn server_code_passes_through() {
        let error = CommandError::from(DeviceError::Server {
            status: 401,
            code: "bad_credentials".into(),
            message: "用户名或密码错误".into(),
        });

        assert_eq!(error.code, "bad_credentials");
        assert!(
            error.message.starts_with("服务器拒绝了请求：用户名或密码错误"),
            "{}",
            error.message
        );
    }

    #[test]
    fn shop_not_found_names_the_code() {
        let error = CommandError::shop_not_found("JY13101150012345");

        assert_eq!(error.code, "shop_not_found");
        assert!(error.message.contains("JY13101150012345"), "{}", error.message);
    }
}
