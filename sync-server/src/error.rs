//! The server's error type. Each variant's doc names its HTTP status; bodies are JSON
//! [`ApiError`]s with a stable code and a message for people, Chinese first.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use foodpatrol_shared::protocol::{ApiError, RejectedDoc};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 401: no token, or a token no registered device holds.
    #[error("未登录或设备未注册 (missing or unknown bearer token); sign in on this device again")]
    Unauthorized,
    /// 401: wrong username or password at sign-in.
    #[error("用户名或密码错误 (invalid username or password)")]
    BadCredentials,
    /// 403: the caller's role may not do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 403 when any document was refused for who wrote it, else 422: the sync was rejected whole.
    #[error("同步被拒绝，未保存任何内容 (sync rejected, nothing stored): {} document(s)", rejected.len())]
    SyncRejected {
        forbidden: bool,
        rejected: Vec<RejectedDoc>,
    },
    /// 400: the request cannot be parsed.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// 404
    #[error("{message}")]
    NotFound { message: String },
    /// 409: the request conflicts with the stored state (such as an upload offset).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413
    #[error("{message}")]
    TooLarge { message: String },
    /// 415
    #[error("{message}")]
    UnsupportedMedia { message: String },
    /// 422: well-formed but invalid.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// 500: logged with detail; the body says nothing more.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::SyncRejected { forbidden: true, .. } => StatusCode::FORBIDDEN,
            AppError::SyncRejected { forbidden: false, .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::BadCredentials => "bad_credentials",
            AppError::SyncRejected { .. } => "sync_rejected",
            AppError::NotFound { .. } => "not_found",
            AppError::TooLarge { .. } => "too_large",
            AppError::UnsupportedMedia { .. } => "unsupported_media_type",
            AppError::Internal(_) => "internal",
            AppError::Forbidden { code, .. }
            | AppError::BadRequest { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::Unprocessable { code, .. } => code,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                "服务器内部错误，请稍后重试 (internal server error; retry later)".to_owned()
            }
            other => {
                tracing::warn!(code = other.code(), status = status.as_u16(), error = %other, "request rejected");
                other.to_string()
            }
        };
        let rejected = match self {
            AppError::SyncRejected { ref rejected, .. } => rejected.clone(),
            _ => Vec::new(),
        };
        (
            status,
            Json(ApiError {
                code: self.code().to_owned(),
                message,
                rejected,
            }),
        )
            .into_response()
    }
}
