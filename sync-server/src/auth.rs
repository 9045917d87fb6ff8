//! Accounts, device registration and bearer tokens.
//!
//! Passwords are stored as argon2id PHC strings. A device signs in once with username and password
//! and receives a random 256-bit token; the server keeps only the token's SHA-256, so a leaked
//! database does not leak usable tokens. Tokens are never logged.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use foodpatrol_shared::ids::DeviceId;
use foodpatrol_shared::protocol::{RegisterRequest, RegisterResponse};
use foodpatrol_shared::role::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::store::{DeviceRecord, UserRecord};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Returns the SHA-256 of a bearer token, the form the database keeps.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs a user in on a device: checks the password, registers the device, issues its token.
pub async fn register(state: &AppState, request: RegisterRequest) -> Result<RegisterResponse, AppError> {
    let device_name = request.device_name.trim();
    if device_name.is_empty() || device_name.chars().count() > 64 {
        return Err(AppError::bad_request(
            "invalid_device_name",
            "设备名称不能为空且不超过 64 个字 (device_name must be 1-64 characters)",
        ));
    }
    let found = state.store.user_by_username(request.username.trim()).await?;
    let password = request.password;
    // Verify even for an unknown user, so the response time does not reveal which usernames exist.
    let (user, phc) = match found {
        Some((user, phc)) => (Some(user), phc),
        None => (None, state.dummy_password_hash.clone()),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| AppError::Internal(format!("password check failed: {e}")))?;
    let (Some(user), true) = (user, ok) else {
        tracing::warn!("sign-in rejected");
        return Err(AppError::BadCredentials);
    };

    let device = DeviceRecord {
        id: DeviceId::new_v7(),
        user_id: user.id,
        name: device_name.to_owned(),
        revoked: false,
    };
    let token = new_token();
    state.store.insert_device(&device, &token_hash(&token)).await?;
    tracing::info!(device_id = %device.id, user_id = %user.id, role = user.role.as_str(), "device registered");
    Ok(RegisterResponse {
        device_id: device.id,
        user_id: user.id,
        display_name: user.display_name,
        role: user.role,
        token,
        server_now_ms: chrono::Utc::now().timestamp_millis(),
        time_zone: state.time_zone.name().to_owned(),
    })
}

/// The authenticated caller of a request: a registered device and its account.
#[derive(Debug, Clone)]
pub struct Caller {
    pub device: DeviceRecord,
    pub user: UserRecord,
}

impl Caller {
    /// Rejects the request unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.user.role) {
            return Ok(());
        }
        let wanted: Vec<&str> = roles.iter().map(Role::label_zh).collect();
        Err(AppError::Forbidden {
            code: "wrong_role",
            message: format!(
                "此操作需要{}账号，当前账号是{} (requires role {:?}, caller is {})",
                wanted.join("或"),
                self.user.role.label_zh(),
                roles,
                self.user.role.as_str()
            ),
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(AppError::Unauthorized)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthorized)?;
        let (device, user) = state
            .store
            .device_by_token_hash(&token_hash(token.trim()))
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Caller { device, user })
    }
}
