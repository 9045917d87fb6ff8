//! 一户一码: the layout of a shop's signed QR code, read by the sync server (which checks the signature)
//! and by the inspector app (which reads the shop id offline to start an inspection, without the key).
//!
//! A code is 39 bytes in unpadded base64url (52 characters, so every character carries 6 payload
//! bits and any change to one character changes the bytes):
//!
//! | bytes | field |
//! |---|---|
//! | 1 | format version, [`CODE_VERSION`] |
//! | 2 | signing key id, big-endian |
//! | 16 | shop id (UUID) |
//! | 4 | code generation of the shop, big-endian |
//! | 16 | HMAC-SHA256 of the 23 bytes above, truncated to 128 bits |
//!
//! A printed code is a link `<public base URL>/q/<code>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ids::ShopId;

/// The format version in the first byte of every code.
pub const CODE_VERSION: u8 = 1;
/// Length of a code in characters.
pub const CODE_CHARS: usize = 52;
/// Length of the signed part of a code in bytes.
pub const PAYLOAD_BYTES: usize = 1 + 2 + 16 + 4;
/// Length of the truncated HMAC in bytes.
pub const MAC_BYTES: usize = 16;
const CODE_BYTES: usize = PAYLOAD_BYTES + MAC_BYTES;
/// Path segment that precedes a code in a printed link.
pub const LINK_PATH: &str = "/q/";

/// The fields a code claims, read before its signature is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeClaim {
    pub key_id: u16,
    pub shop_id: ShopId,
    pub generation: u32,
}

impl CodeClaim {
    /// Returns the signed bytes of the claim.
    pub fn payload(&self) -> [u8; PAYLOAD_BYTES] {
        let mut bytes = [0u8; PAYLOAD_BYTES];
        bytes[0] = CODE_VERSION;
        bytes[1..3].copy_from_slice(&self.key_id.to_be_bytes());
        bytes[3..19].copy_from_slice(self.shop_id.as_uuid().as_bytes());
        bytes[19..23].copy_from_slice(&self.generation.to_be_bytes());
        bytes
    }

    /// Encodes the claim and its signature `tag` as a code.
    pub fn encode(&self, tag: &[u8; MAC_BYTES]) -> String {
        let mut bytes = Vec::with_capacity(CODE_BYTES);
        bytes.extend_from_slice(&self.payload());
        bytes.extend_from_slice(tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// Parses a code into its claim and signature tag, without checking the signature. Returns `None` for a
/// wrong length, alphabet or format version.
pub fn parse_code(code: &str) -> Option<(CodeClaim, [u8; MAC_BYTES])> {
    if code.len() != CODE_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(code.as_bytes()).ok()?;
    if bytes.len() != CODE_BYTES || bytes[0] != CODE_VERSION {
        return None;
    }
    let key_id = u16::from_be_bytes([bytes[1], bytes[2]]);
    let uuid = uuid::Uuid::from_slice(&bytes[3..19]).ok()?;
    let generation = u32::from_be_bytes([bytes[19], bytes[20], bytes[21], bytes[22]]);
    let mut tag = [0u8; MAC_BYTES];
    tag.copy_from_slice(&bytes[PAYLOAD_BYTES..]);
    let claim = CodeClaim {
        key_id,
        shop_id: ShopId(uuid),
        generation,
    };
    Some((claim, tag))
}

/// Finds a shop code in the text of a scanned link (`…/q/<code>`, optionally followed by `?`, `#` or
/// `.json`) and returns its claim, unchecked.
pub fn claim_in_link(text: &str) -> Option<CodeClaim> {
    text.match_indices(LINK_PATH).find_map(|(at, _)| {
        let rest = &text[at + LINK_PATH.len()..];
        let code = rest.get(..CODE_CHARS)?;
        let after = rest[CODE_CHARS..].chars().next();
        if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        parse_code(code).map(|(claim, _)| claim)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> CodeClaim {
        CodeClaim {
            key_id: 3,
            shop_id: ShopId(uuid::Uuid::from_u128(0x0192_f0c1_7a3b_7c00_8a00_0000_0000_abcd)),
            generation: 7,
        }
    }

    #[test]
    fn code_round_trips() {
        let tag = [9u8; MAC_BYTES];
        let code = claim().encode(&tag);
        assert_eq!(code.len(), CODE_CHARS);
        assert_eq!(parse_code(&code), Some((claim(), tag)));
    }

    #[test]
    fn code_rejects_wrong_version_and_length() {
        let code = claim().encode(&[0u8; MAC_BYTES]);
        assert_eq!(parse_code(&code[1..]), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&code).unwrap();
        bytes[0] = CODE_VERSION + 1;
        assert_eq!(parse_code(&URL_SAFE_NO_PAD.encode(bytes)), None);
        assert_eq!(parse_code(&"!".repeat(CODE_CHARS)), None);
    }

    #[test]
    fn link_yields_claim() {
        let code = claim().encode(&[1u8; MAC_BYTES]);
        for link in [
            format!("https://fp.example.cn/q/{code}"),
            format!("http://10.0.0.5:8080/q/{code}?from=poster"),
            format!("https://fp.example.cn/q/{code}.json"),
        ] {
            assert_eq!(claim_in_link(&link), Some(claim()), "{link}");
        }
        assert_eq!(claim_in_link(&format!("https://fp.example.cn/q/{code}x")), None);
        assert_eq!(claim_in_link("https://fp.example.cn/q/short"), None);
    }
}
