//! 一户一码: one signed, revocable QR code per shop.
//!
//! The code layout is in [`foodpatrol_shared::shop_code`]; this module signs and checks codes.
//!
//! Revoking a shop's code raises its generation, so older codes verify but read as revoked (已失效)
//! and the next code issued carries the new generation. Signing keys live in the database and are
//! created on first use; they are never logged.

use axum::http::HeaderMap;
use foodpatrol_shared::ids::ShopId;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::AppState;
use crate::error::AppError;
use crate::store::{QrKey, StoreError};

use foodpatrol_shared::shop_code::MAC_BYTES;
pub use foodpatrol_shared::shop_code::{CODE_CHARS, CODE_VERSION, CodeClaim};

/// The `qr_settings` name of the public base URL printed into codes.
pub const PUBLIC_BASE_URL_SETTING: &str = "public_base_url";

type HmacSha256 = Hmac<Sha256>;

/// The reason a code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRejection {
    /// Wrong length, alphabet or version, an unknown key, a bad signature, or an unknown shop.
    #[error("QR code is not valid")]
    Invalid,
    /// Correctly signed, but the shop's code was revoked and re-issued since.
    #[error("QR code of shop {shop_id} was revoked (generation {generation}, current {current})")]
    Revoked {
        shop_id: ShopId,
        generation: u32,
        current: u32,
    },
}

fn mac(secret: &[u8; 32], payload: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(payload);
    mac
}

/// Signs a claim with `key` and returns the code.
pub fn sign_code(key: &QrKey, shop_id: ShopId, generation: u32) -> String {
    let claim = CodeClaim {
        key_id: key.key_id,
        shop_id,
        generation,
    };
    let full = mac(&key.secret, &claim.payload()).finalize().into_bytes();
    let mut tag = [0u8; MAC_BYTES];
    tag.copy_from_slice(&full[..MAC_BYTES]);
    claim.encode(&tag)
}

/// Parses a code's claim without checking its signature; pair with [`signature_matches`].
pub fn parse_code(code: &str) -> Result<(CodeClaim, [u8; MAC_BYTES]), CodeRejection> {
    foodpatrol_shared::shop_code::parse_code(code).ok_or(CodeRejection::Invalid)
}

/// Checks a code's truncated HMAC in constant time.
pub fn signature_matches(key: &QrKey, claim: &CodeClaim, tag: &[u8; MAC_BYTES]) -> bool {
    key.key_id == claim.key_id
        && mac(&key.secret, &claim.payload())
            .verify_truncated_left(tag)
            .is_ok()
}

/// Returns the key that signs new codes, creating the first key on first use.
pub async fn signing_key(state: &AppState) -> Result<QrKey, StoreError> {
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    state.store.qr_signing_key(fresh).await
}

/// Returns the current code of a shop: signed with the newest key at the shop's current generation.
pub async fn current_code(state: &AppState, shop_id: ShopId) -> Result<String, StoreError> {
    let key = signing_key(state).await?;
    let generation = state.store.qr_generation(shop_id).await?;
    Ok(sign_code(&key, shop_id, generation))
}

/// Verifies a scanned code and returns the shop it belongs to.
pub async fn verify_code(state: &AppState, code: &str) -> Result<Result<ShopId, CodeRejection>, StoreError> {
    let Ok((claim, tag)) = parse_code(code) else {
        return Ok(Err(CodeRejection::Invalid));
    };
    let Some(key) = state.store.qr_key(claim.key_id).await? else {
        return Ok(Err(CodeRejection::Invalid));
    };
    if !signature_matches(&key, &claim, &tag) {
        return Ok(Err(CodeRejection::Invalid));
    }
    let current = state.store.qr_generation(claim.shop_id).await?;
    if claim.generation < current {
        return Ok(Err(CodeRejection::Revoked {
            shop_id: claim.shop_id,
            generation: claim.generation,
            current,
        }));
    }
    if claim.generation > current {
        // Only this server signs codes, so a generation ahead of the stored one means lost data.
        tracing::warn!(shop_id = %claim.shop_id, generation = claim.generation, current, "QR code generation ahead of the stored one");
        return Ok(Err(CodeRejection::Invalid));
    }
    Ok(Ok(claim.shop_id))
}

/// Checks and normalises a public base URL: `http(s)://host[:port][/path]` without a trailing slash.
pub fn normalise_base_url(url: &str) -> Result<String, AppError> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    let valid = rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~:/[]%".contains(c))
    });
    if !valid {
        return Err(AppError::bad_request(
            "invalid_base_url",
            format!(
                "公开网址 {url:?} 无效，应形如 https://foodpatrol.example.cn (public base URL must be http(s)://host[:port][/path])"
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Stores the public base URL that codes carry, such as `https://foodpatrol.example.cn`.
pub async fn set_public_base_url(state: &AppState, url: &str) -> Result<String, AppError> {
    let url = normalise_base_url(url)?;
    state.store.set_qr_setting(PUBLIC_BASE_URL_SETTING, &url).await?;
    tracing::info!(public_base_url = %url, "QR public base URL set");
    Ok(url)
}

/// Returns the public base URL: the stored setting, else `http://` and the request's Host header.
pub async fn public_base_url(state: &AppState, headers: &HeaderMap) -> Result<String, StoreError> {
    if let Some(url) = state.store.qr_setting(PUBLIC_BASE_URL_SETTING).await? {
        return Ok(url);
    }
    // NOTE: without a configured URL, printed codes point at the host the request named. That suits
    // a LAN demo but not a server behind a proxy, so production must set the URL.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    Ok(format!("http://{host}"))
}

/// Returns the link a shop's code opens.
pub fn shop_link(base_url: &str, code: &str) -> String {
    format!("{base_url}/q/{code}")
}

/// A QR symbol as a square of modules, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub width: usize,
    /// Row-major, `true` for a dark module.
    pub dark: Vec<bool>,
}

/// Modules of light margin around a symbol, as ISO/IEC 18004 requires.
pub const QUIET_ZONE: usize = 4;

impl QrMatrix {
    /// Encodes `text` at error-correction level M (about 15 % of the symbol can be damaged).
    pub fn encode(text: &str) -> QrMatrix {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .expect("a shop link fits in a QR symbol");
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        QrMatrix { width, dark }
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// Returns each row's horizontal runs of dark modules as `(y, x_start, length)`.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// Renders a PNG with `scale` pixels per module and the quiet zone.
    pub fn to_png(&self, scale: u32) -> Vec<u8> {
        let side = (self.width + 2 * QUIET_ZONE) as u32 * scale;
        let mut image = image::GrayImage::from_pixel(side, side, image::Luma([255]));
        for (y, x, len) in self.dark_runs() {
            let top = (y + QUIET_ZONE) as u32 * scale;
            let left = (x + QUIET_ZONE) as u32 * scale;
            for py in top..top + scale {
                for px in left..left + len as u32 * scale {
                    image.put_pixel(px, py, image::Luma([0]));
                }
            }
        }
        let mut bytes = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .expect("PNG encodes into memory");
        bytes
    }

    /// Renders an SVG in module units, one path of dark runs, scalable to any print size.
    pub fn to_svg(&self) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for (y, x, len) in self.dark_runs() {
            path.push_str(&format!("M{} {}h{len}v1h-{len}z", x + QUIET_ZONE, y + QUIET_ZONE));
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> QrKey {
        QrKey {
            key_id: 1,
            secret: [7u8; 32],
        }
    }

    fn verify(key: &QrKey, code: &str) -> Option<CodeClaim> {
        let (claim, tag) = parse_code(code).ok()?;
        signature_matches(key, &claim, &tag).then_some(claim)
    }

    #[test]
    fn code_round_trips() {
        let shop = ShopId::from_licence("JY11201010000001");
        let code = sign_code(&key(), shop, 3);
        assert_eq!(code.len(), CODE_CHARS);
        let claim = verify(&key(), &code).expect("own code verifies");
        assert_eq!(claim.shop_id, shop);
        assert_eq!(claim.generation, 3);
        assert_eq!(claim.key_id, 1);
    }

    #[test]
    fn every_one_character_change_rejected() {
        let code = sign_code(&key(), ShopId::from_licence("JY11201010000001"), 1);
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%";
        for position in 0..code.len() {
            for replacement in alphabet.chars() {
                let mut chars: Vec<char> = code.chars().collect();
                if chars[position] == replacement {
                    continue;
                }
                chars[position] = replacement;
                let changed: String = chars.into_iter().collect();
                assert!(
                    verify(&key(), &changed).is_none(),
                    "code changed at {position} to {replacement:?} verified"
                );
            }
        }
    }

    #[test]
    fn other_key_rejects_code() {
        let code = sign_code(&key(), ShopId::from_licence("JY11201010000001"), 1);
        let other = QrKey {
            key_id: 1,
            secret: [8u8; 32],
        };
        assert!(verify(&other, &code).is_none());
    }

    #[test]
    fn short_and_long_codes_rejected() {
        let code = sign_code(&key(), ShopId::from_licence("JY11201010000001"), 1);
        assert_eq!(parse_code(&code[..51]), Err(CodeRejection::Invalid));
        assert_eq!(parse_code(&format!("{code}A")), Err(CodeRejection::Invalid));
        assert_eq!(parse_code(""), Err(CodeRejection::Invalid));
    }

    #[test]
    fn base_url_checked() {
        assert_eq!(
            normalise_base_url("https://fp.example.cn/").unwrap(),
            "https://fp.example.cn"
        );
        assert!(normalise_base_url("ftp://fp.example.cn").is_err());
        assert!(normalise_base_url("https://").is_err());
        assert!(normalise_base_url("https://a b").is_err());
        assert!(normalise_base_url("https://fp.example.cn/\"><script>").is_err());
    }

    #[test]
    fn svg_and_png_render() {
        let matrix = QrMatrix::encode("https://fp.example.cn/q/abc");
        assert!(matrix.width >= 21);
        assert!(matrix.to_svg().starts_with("<svg"));
        assert!(matrix.to_png(4).starts_with(b"\x89PNG"));
    }
}
