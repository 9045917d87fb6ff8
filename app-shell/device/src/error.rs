//! Errors of the device core. Messages are shown to inspectors, so they are Chinese first; each
//! variant has a stable [`DeviceError::code`] that the UI and tests match on.

use foodpatrol_shared::crdt::DocError;
use foodpatrol_shared::inspection::SubmitProblem;
use foodpatrol_shared::rules::RuleBookError;

use crate::photo::PhotoError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    #[error("本机存储出错，刚才的操作未保存，请重试 (local database error: {0})")]
    Storage(String),
    #[error("本机数据已损坏：{0}；请联系管理员导出数据库文件 (stored data corrupt)")]
    Corrupt(String),
    #[error("设备尚未登录，请联网后登录一次 (this device is not signed in)")]
    NotSignedIn,
    #[error(
        "登录已失效，请重新登录；未同步的记录仍保存在本机 (the server no longer accepts this device's token)"
    )]
    SignedOut,
    #[error("没有找到{what} {id} (not found)")]
    NotFound { what: &'static str, id: String },
    #[error(transparent)]
    Document(#[from] DocError),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Rules(#[from] RuleBookError),
    #[error("记录还不能提交：{}", problems.iter().map(SubmitProblem::message_zh).collect::<Vec<_>>().join("；"))]
    NotReady { problems: Vec<SubmitProblem> },
    #[error("网络不可用，记录已保存在本机，联网后会自动同步 (offline: {0})")]
    Offline(String),
    #[error("服务器拒绝了请求：{message} ({code}, HTTP {status})")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("输入无效：{0}")]
    Invalid(String),
}

impl DeviceError {
    /// Returns a stable code for the UI and for tests.
    pub fn code(&self) -> &str {
        match self {
            DeviceError::Storage(_) => "storage",
            DeviceError::Corrupt(_) => "corrupt",
            DeviceError::NotSignedIn => "not_signed_in",
            DeviceError::SignedOut => "signed_out",
            DeviceError::NotFound { .. } => "not_found",
            DeviceError::Document(DocError::Sealed) => "sealed",
            DeviceError::Document(_) => "document",
            DeviceError::Photo(e) => e.code(),
            DeviceError::Rules(_) => "rules",
            DeviceError::NotReady { .. } => "not_ready",
            DeviceError::Offline(_) => "offline",
            DeviceError::Server { code, .. } => code,
            DeviceError::Invalid(_) => "invalid",
        }
    }
}

impl From<rusqlite::Error> for DeviceError {
    fn from(e: rusqlite::Error) -> Self {
        DeviceError::Storage(e.to_string())
    }
}

pub type DeviceResult<T> = Result<T, DeviceError>;
