//! Reading a shop's QR code from a photo, on desktops without a barcode scanner plugin.
//!
//! A shop's code may be a link (`…?shop=<uuid>` or `…/s/<uuid>`), a bare shop UUID, or text that contains
//! the food business licence number (食品经营许可证编号: `JY` and 14 digits). [`parse_shop_code`] accepts
//! all of these; [`find_shop`] then looks the shop up among the shops synced to this device, so scanning
//! works offline.

use std::io::Cursor;

use foodpatrol_device::Device;
use foodpatrol_device::photo::MAX_INPUT_BYTES;
use foodpatrol_shared::ids::ShopId;
use foodpatrol_shared::shop::Shop;
use image::{GrayImage, ImageReader, Limits};

use crate::error::{CommandError, CommandResult};

/// Maximum length in pixels of the longest side that the QR detector works on. Larger photos are scaled
/// down first, because detection time grows with the pixel count.
/// NOTE: not tuned on real phone photos; a code that fills only a small part of a large photo may be lost.
const MAX_SCAN_EDGE: u32 = 2000;
/// Maximum width and height in pixels accepted from the decoder, against decompression bombs.
const MAX_DECODE_EDGE: u32 = 12_000;
/// Maximum decoded buffer size in bytes, against decompression bombs.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Maximum length in bytes of scanned QR text. A QR code stores at most 7,089 numeric characters.
const MAX_CODE_TEXT_BYTES: usize = 7_089;
/// Digits after `JY` in a food business licence number.
const LICENCE_DIGITS: usize = 14;

/// Shop identifier read from a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShopCode {
    Id(ShopId),
    /// A food business licence number such as `JY13101150012345`.
    Licence(String),
}

/// Decodes the photo, finds QR codes in it and returns the shop the first shop code names.
///
/// Errors: `bad_argument` when the photo cannot be read or contains no shop code, `shop_not_found` when the
/// code names a shop that is not on this device, and device errors from the lookup.
pub fn find_shop(device: &Device, photo: &[u8]) -> CommandResult<Shop> {
    let contents = decode_qr_codes(photo)?;
    if contents.is_empty() {
        return Err(CommandError::bad_argument(
            "照片中没有识别到二维码，请对准店铺二维码重新拍摄 (no QR code found in the photo)",
        ));
    }
    let Some(code) = contents.iter().find_map(|content| parse_shop_code(content)) else {
        return Err(CommandError::bad_argument(
            "二维码不是店铺码：没有店铺编号或食品经营许可证编号 (the QR code names no shop)",
        ));
    };
    lookup_shop(device, &code)
}

/// Returns the shop that the text of a scanned QR code names.
///
/// Errors: `bad_argument` when the text is too long or names no shop, `shop_not_found` when the code names
/// a shop that is not on this device, and device errors from the lookup.
pub fn find_shop_by_text(device: &Device, text: &str) -> CommandResult<Shop> {
    // A QR code stores at most 7,089 characters (version 40, numeric), so longer text is not a scan.
    if text.len() > MAX_CODE_TEXT_BYTES {
        return Err(CommandError::bad_argument(format!(
            "二维码内容过长（{} 字节，最多 {MAX_CODE_TEXT_BYTES}） (the scanned text is too long)",
            text.len()
        )));
    }
    let Some(code) = parse_shop_code(text) else {
        return Err(CommandError::bad_argument(
            "二维码不是店铺码：没有店铺编号或食品经营许可证编号 (the QR code names no shop)",
        ));
    };
    lookup_shop(device, &code)
}

/// Looks a scanned shop code up among the shops stored on this device.
pub fn lookup_shop(device: &Device, code: &ShopCode) -> CommandResult<Shop> {
    match code {
        ShopCode::Id(id) => match device.shop(*id) {
            Ok(shop) => Ok(shop),
            Err(foodpatrol_device::DeviceError::NotFound { .. }) => {
                Err(CommandError::shop_not_found(&id.to_string()))
            }
            Err(e) => Err(e.into()),
        },
        ShopCode::Licence(licence) => device
            .search_shops(licence, 50)?
            .into_iter()
            .find(|shop| shop.licence_no == *licence)
            .ok_or_else(|| CommandError::shop_not_found(licence)),
    }
}

/// Returns the text of every QR code found in an image (JPEG or PNG).
pub fn decode_qr_codes(photo: &[u8]) -> CommandResult<Vec<String>> {
    let luma = decode_luma(photo)?;
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let contents = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| match grid.decode() {
            Ok((_, content)) => Some(content),
            Err(e) => {
                tracing::debug!(error = %e, "found a QR grid that does not decode");
                None
            }
        })
        .collect();
    Ok(contents)
}

/// Decodes a JPEG or PNG into greyscale, scaled down to at most [`MAX_SCAN_EDGE`] pixels.
fn decode_luma(photo: &[u8]) -> CommandResult<GrayImage> {
    if photo.is_empty() {
        return Err(CommandError::bad_argument("照片为空 (the photo is empty)"));
    }
    if photo.len() > MAX_INPUT_BYTES {
        return Err(CommandError::bad_argument(format!(
            "照片过大（{} 字节，最大 30 MB） (the photo is too large)",
            photo.len()
        )));
    }
    let mut reader = ImageReader::new(Cursor::new(photo))
        .with_guessed_format()
        .map_err(|e| CommandError::bad_argument(format!("照片无法读取 (unreadable image: {e})")))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_EDGE);
    limits.max_image_height = Some(MAX_DECODE_EDGE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| {
        CommandError::bad_argument(format!(
            "照片无法解码，请使用 JPEG 或 PNG (undecodable image: {e})"
        ))
    })?;
    let image = if image.width().max(image.height()) > MAX_SCAN_EDGE {
        image.resize(
            MAX_SCAN_EDGE,
            MAX_SCAN_EDGE,
            image::imageops::FilterType::Triangle,
        )
    } else {
        image
    };
    Ok(image.to_luma8())
}

/// Parses the text of a QR code into a shop id or a licence number.
///
/// Accepted, in this order: the district's signed 一户一码 link (`…/q/<code>`), a `shop=<uuid>` parameter,
/// a `/s/<uuid>` path segment, the whole text being a UUID, and a licence number `JY` + 14 digits anywhere
/// in the text (not inside a longer run of digits). The device reads a signed link's shop id without
/// checking the signature, because the signing key stays on the server and the shop must be among those
/// synced to this device anyway.
pub fn parse_shop_code(content: &str) -> Option<ShopCode> {
    let content = content.trim();
    if let Some(claim) = foodpatrol_shared::shop_code::claim_in_link(content) {
        return Some(ShopCode::Id(claim.shop_id));
    }
    for marker in ["shop=", "/s/"] {
        if let Some(id) = content
            .match_indices(marker)
            .find_map(|(at, _)| uuid_prefix(&content[at + marker.len()..]))
        {
            return Some(ShopCode::Id(ShopId(id)));
        }
    }
    if let Ok(id) = uuid::Uuid::parse_str(content) {
        return Some(ShopCode::Id(ShopId(id)));
    }
    find_licence(content).map(ShopCode::Licence)
}

/// Parses the UUID at the start of `text`, which ends at the first character that cannot be in a UUID.
fn uuid_prefix(text: &str) -> Option<uuid::Uuid> {
    let end = text
        .find(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .unwrap_or(text.len());
    uuid::Uuid::parse_str(&text[..end]).ok()
}

/// Finds the first licence number `JY` + 14 digits that is not glued to other letters or digits.
fn find_licence(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    text.match_indices("JY").find_map(|(at, _)| {
        let starts_word = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let digits = bytes.get(at + 2..at + 2 + LICENCE_DIGITS)?;
        let ends_number = bytes
            .get(at + 2 + LICENCE_DIGITS)
            .is_none_or(|next| !next.is_ascii_digit());
        (starts_word && ends_number && digits.iter().all(u8::is_ascii_digit))
            .then(|| text[at..at + 2 + LICENCE_DIGITS].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use image::{ImageFormat, Luma};
    use qrcode::{Color, QrCode};

    use super::*;

    const SHOP_UUID: &str = "0192f0c1-7a3b-7c00-8a00-00000000abcd";

    fn shop_id() -> ShopId {
        SHOP_UUID.parse().unwrap()
    }

    /// Renders `content` as a QR code PNG: 8 px per module, 4 modules of quiet zone.
    fn qr_png(content: &str) -> Vec<u8> {
        let code = QrCode::new(content.as_bytes()).unwrap();
        let modules = code.width();
        let colors = code.to_colors();
        let scale = 8;
        let quiet = 4;
        let side = ((modules + 2 * quiet) * scale) as u32;
        let image = GrayImage::from_fn(side, side, |x, y| {
            let mx = (x as usize / scale).checked_sub(quiet);
            let my = (y as usize / scale).checked_sub(quiet);
            match (mx, my) {
                (Some(mx), Some(my)) if mx < modules && my < modules => {
                    if colors[my * modules + mx] == Color::Dark {
                        Luma([0])
                    } else {
                        Luma([255])
                    }
                }
                _ => Luma([255]),
            }
        });
        let mut png = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        png
    }

    #[test]
    fn qr_png_round_trips_its_text() {
        let url = format!("https://foodpatrol.example/s/{SHOP_UUID}");

        let contents = decode_qr_codes(&qr_png(&url)).unwrap();

        assert_eq!(contents, [url]);
    }

    #[test]
    fn scanned_link_parses_to_shop_id() {
        let png = qr_png(&format!(
            "https://foodpatrol.example/app?shop={SHOP_UUID}&from=door"
        ));

        let contents = decode_qr_codes(&png).unwrap();

        assert_eq!(parse_shop_code(&contents[0]), Some(ShopCode::Id(shop_id())));
    }

    #[test]
    fn signed_shop_link_parses_to_shop_id() {
        let claim = foodpatrol_shared::shop_code::CodeClaim {
            key_id: 1,
            shop_id: shop_id(),
            generation: 2,
        };
        let code = claim.encode(&[7; foodpatrol_shared::shop_code::MAC_BYTES]);
        let png = qr_png(&format!("https://fp.hp.example.cn/q/{code}"));

        let contents = decode_qr_codes(&png).unwrap();

        assert_eq!(parse_shop_code(&contents[0]), Some(ShopCode::Id(shop_id())));
    }

    #[test]
    fn scanned_licence_parses_to_licence() {
        let png = qr_png("食品经营许可证 JY13101150012345 和平区");

        let contents = decode_qr_codes(&png).unwrap();

        assert_eq!(
            parse_shop_code(&contents[0]),
            Some(ShopCode::Licence("JY13101150012345".into()))
        );
    }

    #[test]
    fn photo_without_code_yields_nothing() {
        let blank = GrayImage::from_pixel(200, 200, Luma([255]));
        let mut png = Vec::new();
        blank
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();

        assert_eq!(decode_qr_codes(&png).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn garbage_bytes_are_bad_argument() {
        let error = decode_qr_codes(b"not an image").unwrap_err();

        assert_eq!(error.code, "bad_argument");
    }

    #[test]
    fn empty_photo_is_bad_argument() {
        assert_eq!(decode_qr_codes(&[]).unwrap_err().code, "bad_argument");
    }

    #[test]
    fn shop_code_forms() {
        let id = Some(ShopCode::Id(shop_id()));
        let cases = [
            (format!("shop={SHOP_UUID}"), id.clone()),
            (format!("https://x.example/?a=1&shop={SHOP_UUID}"), id.clone()),
            (format!("https://x.example/s/{SHOP_UUID}/"), id.clone()),
            (format!("https://x.example/s/{SHOP_UUID}?v=2"), id.clone()),
            (format!("  {SHOP_UUID}\n"), id.clone()),
            (SHOP_UUID.to_uppercase(), id),
            (
                "JY13101150012345".into(),
                Some(ShopCode::Licence("JY13101150012345".into())),
            ),
            (
                "https://x.example/lic?no=JY13101150012345".into(),
                Some(ShopCode::Licence("JY13101150012345".into())),
            ),
        ];
        for (content, expected) in cases {
            assert_eq!(parse_shop_code(&content), expected, "content {content:?}");
        }
    }

    #[test]
    fn non_shop_codes_are_rejected() {
        let cases = [
            "",
            "https://weixin.qq.com/r/abc",
            "shop=not-a-uuid",
            "/s/1234",
            "JY1310115001234",   // 13 digits
            "JY131011500123456", // 15 digits
            "XJY13101150012345", // glued to a letter
            "SC13101150012345",  // food production licence, not a business licence
        ];
        for content in cases {
            assert_eq!(parse_shop_code(content), None, "content {content:?}");
        }
    }
}
