//! Photo pipeline that turns an inspector's camera photo into the evidence image that the device stores and
//! uploads.
//!
//! [`process_photo`] checks the input size and format, decodes JPEG or PNG and applies the EXIF orientation
//! so the pixels are upright. It then downscales to at most [`MAX_EDGE`] px on the longest side (never
//! upscales) and re-encodes as baseline JPEG at quality 85 with no EXIF or other metadata. It also makes a
//! thumbnail of at most [`THUMB_EDGE`] px from that result. Capture time, GPS position, camera and original
//! orientation are copied from the EXIF block into [`PhotoMeta`] before the block is dropped, so the output
//! file itself carries no location.
//!
//! The content address ([`ProcessedPhoto::hash`]) is the SHA-256 of the processed JPEG. Processing is
//! deterministic, so re-processing the same input gives the same bytes and the same address, and an upload
//! retried after a crash or a lost response is idempotent.
//! NOTE: identical output is only checked for one build on one machine. Other versions of the `image` crate
//! may encode differently, and the decoders choose SIMD code paths by CPU, so do not recompute addresses
//! elsewhere.
//!
//! Output is always JPEG, also for PNG input such as signatures drawn on a canvas. JPEG has no alpha channel,
//! so transparent pixels are composited onto white. HEIC, the iPhone default, is recognised and rejected with
//! [`PhotoError::Heic`] because no HEVC decoder is linked.

use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use exif::{In, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage,
};
use sha2::{Digest, Sha256};
use tracing::debug;

/// Maximum length in pixels of the longest side of [`ProcessedPhoto::jpeg`].
pub const MAX_EDGE: u32 = 1600;
/// Maximum length in pixels of the longest side of [`ProcessedPhoto::thumbnail`].
pub const THUMB_EDGE: u32 = 320;
/// Maximum accepted input size in bytes (30 MiB, shown to users as "30 MB").
pub const MAX_INPUT_BYTES: usize = 30 * 1024 * 1024;

/// JPEG quality (1–100) of the processed photo.
const JPEG_QUALITY: u8 = 85;
/// JPEG quality (1–100) of the thumbnail.
const THUMB_QUALITY: u8 = 80;
/// Maximum width and height in pixels that the decoder accepts, against decompression bombs. It admits 108 MP
/// photos (12000×9000) and rejects full-resolution 200 MP photos (16320×12240).
const MAX_DECODE_EDGE: u32 = 12_000;
/// Maximum size in bytes of the decoded pixel buffer, against decompression bombs.
/// NOTE: peak memory is higher. The Lanczos resize in image 0.25 first builds a float RGBA buffer of width ×
/// 1600 × 16 bytes, about 300 MB for a 12000 px wide photo on top of its 432 MB of pixels.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
const BYTES_PER_MEGABYTE: f64 = 1024.0 * 1024.0;

/// Output of the pipeline for one photo.
#[derive(Clone)]
pub struct ProcessedPhoto {
    /// Lowercase hex SHA-256 of `jpeg`, the content address.
    pub hash: String,
    /// Upright JPEG at quality 85, longest side at most [`MAX_EDGE`], without EXIF.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// JPEG thumbnail, longest side at most [`THUMB_EDGE`].
    pub thumbnail: Vec<u8>,
    pub meta: PhotoMeta,
}

impl std::fmt::Debug for ProcessedPhoto {
    // Print sizes instead of the image bytes, which would flood logs and test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("hash", &self.hash)
            .field("jpeg_bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("thumbnail_bytes", &self.thumbnail.len())
            .field("meta", &self.meta)
            .finish()
    }
}

/// Metadata of the original photo, read from its EXIF block.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Default)]
pub struct PhotoMeta {
    /// EXIF DateTimeOriginal (or DateTime when it is missing) as `YYYY-MM-DDTHH:MM:SS` in the camera's local
    /// time, followed by the matching offset such as `+03:00` when the photo records OffsetTimeOriginal (or
    /// OffsetTime).
    pub captured_at: Option<String>,
    pub gps: Option<GpsPoint>,
    /// EXIF Orientation value 1..=8 of the input. It is 1 when the tag is missing or invalid.
    pub original_orientation: u16,
    /// Pixel size of the input as stored, before the orientation is applied.
    pub original_width: u32,
    pub original_height: u32,
    /// Lowercase hex SHA-256 of the input bytes.
    pub original_sha256: String,
    /// EXIF Make and Model joined by a space, for example "NIKON COOLPIX P6000".
    pub camera: Option<String>,
}

/// Position in WGS-84 decimal degrees: north and east are positive, south and west negative.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpsPoint {
    pub latitude: f64,
    pub longitude: f64,
    /// Metres above sea level, negative below it.
    pub altitude_m: Option<f64>,
}

/// Reasons a photo is rejected. The messages are shown to inspectors, in Chinese with an English gloss.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    #[error(
        "照片文件为空（0 字节）；请重新拍摄或重新选择照片 (the photo file is empty; retake or reselect it)"
    )]
    Empty,
    #[error(
        "照片文件为 {bytes} 字节（约 {:.1} MB），超过上限 {:.0} MB；请降低相机分辨率后重拍，或上传压缩后的 JPEG \
         (photo is {bytes} bytes, the limit is {max} bytes; lower the camera resolution or send a \
         smaller JPEG)",
        megabytes(*.bytes),
        megabytes(*.max)
    )]
    TooLarge { bytes: usize, max: usize },
    #[error(
        "照片是 HEIC 格式，本系统暂不能解码；请在 iPhone 设置 → 相机 → 格式 中选择“兼容性最佳”后重拍，或上传 JPEG \
         (HEIC photos are not decoded; send JPEG)"
    )]
    Heic,
    #[error(
        "无法识别的照片格式（文件开头字节：{magic}）；请上传 JPEG 或 PNG 照片 \
         (unsupported photo format, first bytes {magic}; send JPEG or PNG)"
    )]
    UnsupportedFormat { magic: String },
    #[error(
        "照片无法解码：{0}；文件可能已损坏或上传不完整，请重新拍摄或重新上传 \
         (the photo could not be decoded; retake or upload it again)"
    )]
    Decode(String),
    #[error(
        "照片处理后无法编码为 JPEG：{0}；请重试，仍失败请联系管理员 (JPEG encoding failed; retry or report it)"
    )]
    Encode(String),
}

impl PhotoError {
    /// Returns a stable ASCII code for the error, for logs, APIs and tests (the message text may change).
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Empty => "photo_empty",
            PhotoError::TooLarge { .. } => "photo_too_large",
            PhotoError::Heic => "photo_heic",
            PhotoError::UnsupportedFormat { .. } => "photo_unsupported_format",
            PhotoError::Decode(_) => "photo_decode_failed",
            PhotoError::Encode(_) => "photo_encode_failed",
        }
    }
}

fn megabytes(bytes: usize) -> f64 {
    bytes as f64 / BYTES_PER_MEGABYTE
}

const JPEG_SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// ISO-BMFF major brands that phones write for HEIF photos. `mif1` and `msf1` are generic HEIF brands,
/// treated as HEIC because phones use them for HEVC images. AVIF files have the major brand `avif` and get
/// UnsupportedFormat.
const HEIC_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceFormat {
    Jpeg,
    Png,
    Heic,
}

impl SourceFormat {
    fn detect(input: &[u8]) -> Option<SourceFormat> {
        if input.starts_with(JPEG_SIGNATURE) {
            return Some(SourceFormat::Jpeg);
        }
        if input.starts_with(PNG_SIGNATURE) {
            return Some(SourceFormat::Png);
        }
        // An ISO-BMFF file starts with the `ftyp` box: 4 bytes of box size, "ftyp", then the 4-byte major
        // brand.
        if input.len() >= 12
            && &input[4..8] == b"ftyp"
            && HEIC_BRANDS.iter().any(|brand| &input[8..12] == *brand)
        {
            return Some(SourceFormat::Heic);
        }
        None
    }

    fn name(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Heic => "heic",
        }
    }
}

/// Detects the photo format from the leading bytes: `"jpeg"`, `"png"`, `"heic"`, or `None` for anything else.
pub fn sniff_format(input: &[u8]) -> Option<&'static str> {
    SourceFormat::detect(input).map(SourceFormat::name)
}

/// Formats up to the first 8 bytes as lowercase hex pairs, for the unsupported-format message.
fn leading_bytes_hex(input: &[u8]) -> String {
    let head = &input[..input.len().min(8)];
    head.iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Processes one photo into an upright, downscaled JPEG with its thumbnail, content address and EXIF
/// metadata.
///
/// Accepts JPEG and PNG. Errors: [`PhotoError::Empty`], [`PhotoError::TooLarge`] above [`MAX_INPUT_BYTES`],
/// [`PhotoError::Heic`], [`PhotoError::UnsupportedFormat`], [`PhotoError::Decode`] for damaged or truncated
/// files and images above the decode limits (12000 px per side, 512 MiB of pixels), and
/// [`PhotoError::Encode`]. Damaged EXIF does not fail the call. Unreadable EXIF fields are left empty, and an
/// unreadable orientation counts as 1.
pub fn process_photo(input: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    if input.is_empty() {
        return Err(PhotoError::Empty);
    }
    if input.len() > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge {
            bytes: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    let format = match SourceFormat::detect(input) {
        Some(SourceFormat::Jpeg) => ImageFormat::Jpeg,
        Some(SourceFormat::Png) => ImageFormat::Png,
        Some(SourceFormat::Heic) => return Err(PhotoError::Heic),
        None => {
            return Err(PhotoError::UnsupportedFormat {
                magic: leading_bytes_hex(input),
            });
        }
    };
    if format == ImageFormat::Jpeg && !jpeg_has_end_marker(input) {
        return Err(PhotoError::Decode(
            "JPEG 文件不完整，缺少结束标记 EOI，可能是上传中断 (truncated JPEG: no EOI marker)".to_owned(),
        ));
    }

    let decoded = decode(input, format)?;
    let original_width = decoded.image.width();
    let original_height = decoded.image.height();
    let orientation = decoded
        .exif
        .as_deref()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let exif_meta = decoded.exif.and_then(parse_exif);

    // Downscale before rotating, because rotating the smaller image is cheaper. The fit is symmetric in width
    // and height, so the order does not change the output size.
    let (target_width, target_height) = fit_within(original_width, original_height, MAX_EDGE);
    let mut image = DynamicImage::ImageRgb8(flatten_onto_white(decoded.image));
    if (target_width, target_height) != (original_width, original_height) {
        image = image.resize_exact(target_width, target_height, FilterType::Lanczos3);
    }
    image.apply_orientation(orientation);

    let (thumb_width, thumb_height) = fit_within(image.width(), image.height(), THUMB_EDGE);
    let thumbnail_image = image.resize_exact(thumb_width, thumb_height, FilterType::Triangle);
    let thumbnail = encode_jpeg(&thumbnail_image.into_rgb8(), THUMB_QUALITY)?;
    let image = image.into_rgb8();
    let jpeg = encode_jpeg(&image, JPEG_QUALITY)?;

    let hash = hex::encode(Sha256::digest(&jpeg));
    let meta = PhotoMeta {
        captured_at: exif_meta.as_ref().and_then(|meta| meta.captured_at.clone()),
        gps: exif_meta.as_ref().and_then(|meta| meta.gps.clone()),
        original_orientation: u16::from(orientation.to_exif()),
        original_width,
        original_height,
        original_sha256: hex::encode(Sha256::digest(input)),
        camera: exif_meta.and_then(|meta| meta.camera),
    };
    debug!(
        %hash,
        width = image.width(),
        height = image.height(),
        original_width,
        original_height,
        "photo processed"
    );
    Ok(ProcessedPhoto {
        hash,
        jpeg,
        width: image.width(),
        height: image.height(),
        thumbnail,
        meta,
    })
}

/// Pixels as stored in the file, plus the raw EXIF block (TIFF header onwards) when the file has one.
struct Decoded {
    image: DynamicImage,
    exif: Option<Vec<u8>>,
}

/// Decodes the pixels under the decompression-bomb limits and extracts the raw EXIF block.
fn decode(input: &[u8], format: ImageFormat) -> Result<Decoded, PhotoError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_EDGE);
    limits.max_image_height = Some(MAX_DECODE_EDGE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);

    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;

    // `into_decoder` checks the width and height limits but, unlike `ImageReader::decode`, not the size of
    // the output buffer, so check it here before allocating.
    let (width, height) = decoder.dimensions();
    let needed_bytes = decoder.total_bytes();
    if needed_bytes > MAX_DECODE_BYTES {
        return Err(PhotoError::Decode(format!(
            "图像 {width}×{height} 像素解码需要约 {:.0} MB 内存，超过上限 {:.0} MB \
             (decoding needs {needed_bytes} bytes, limit {MAX_DECODE_BYTES})",
            needed_bytes as f64 / BYTES_PER_MEGABYTE,
            MAX_DECODE_BYTES as f64 / BYTES_PER_MEGABYTE,
        )));
    }

    // The EXIF block is optional, so a damaged one must not stop the pixels from decoding.
    let exif = match decoder.exif_metadata() {
        Ok(exif) => exif,
        Err(error) => {
            debug!(%error, "could not read the EXIF block, continuing without metadata");
            None
        }
    };
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok(Decoded { image, exif })
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(limit_error) => PhotoError::Decode(format!(
            "图像尺寸或解码所需内存超过上限（每边最多 {MAX_DECODE_EDGE} 像素、{:.0} MB），可能是异常文件 \
             (image exceeds the decode limits: {limit_error})",
            MAX_DECODE_BYTES as f64 / BYTES_PER_MEGABYTE,
        )),
        other => PhotoError::Decode(other.to_string()),
    }
}

/// Checks that a JPEG contains the EOI marker after its first scan, that is, that the upload was not cut off.
///
/// The decoder of image 0.25 (zune-jpeg in non-strict mode) fills missing scan data with grey instead of
/// failing, and a half-grey photo must not be stored as evidence. Segments before the first SOS marker are
/// skipped by their length, because an EXIF thumbnail inside APP1 has its own EOI. Entropy-coded data never
/// contains 0xFF 0xD9 (a 0xFF data byte is followed by 0x00), so the first 0xFF 0xD9 after SOS is the real
/// end marker. Data after EOI, such as MPF preview images, is allowed.
/// NOTE: a JPEG with complete scan data but no EOI, as some broken encoders write, is rejected too.
fn jpeg_has_end_marker(input: &[u8]) -> bool {
    let mut position = 2; // after SOI
    loop {
        let Some(&[0xFF, marker]) = input.get(position..position + 2) else {
            return false;
        };
        match marker {
            // Fill byte before a marker.
            0xFF => position += 1,
            // Standalone markers without a length field (TEM, RSTn).
            0x01 | 0xD0..=0xD7 => position += 2,
            0xD9 => return true,
            _ => {
                let Some(&[high, low]) = input.get(position + 2..position + 4) else {
                    return false;
                };
                let segment_end = position + 2 + usize::from(u16::from_be_bytes([high, low]));
                if marker == 0xDA {
                    let scan = input.get(segment_end..).unwrap_or_default();
                    return scan.windows(2).any(|pair| pair == [0xFF, 0xD9]);
                }
                position = segment_end;
            }
        }
    }
}

/// Converts to 8-bit RGB, compositing any transparency onto a white background.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for pixel in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(pixel[3]);
        for &channel in &pixel[..3] {
            // channel * alpha + white * (1 - alpha), in 0..=255 fixed point, rounded to nearest.
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(blended as u8);
        }
    }
    RgbImage::from_raw(width, height, rgb).expect("the buffer contains width * height RGB pixels")
}

/// Returns the size that fits within `max_edge` on the longest side and keeps the aspect ratio. It never
/// upscales.
fn fit_within(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_edge {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled = (u64::from(side) * u64::from(max_edge) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_edge).clamp(1, max_edge)
    };
    (scale(width), scale(height))
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|error| PhotoError::Encode(error.to_string()))?;
    Ok(jpeg)
}

/// Metadata fields taken from the EXIF block.
struct ExifMeta {
    captured_at: Option<String>,
    gps: Option<GpsPoint>,
    camera: Option<String>,
}

/// Parses the raw EXIF block with kamadak-exif. Any failure, including a panic in the parser, gives `None`.
///
/// The parser keeps the fields it could read when some entries are damaged. kamadak-exif 0.6 rejects IFD
/// loops and more than 8 IFDs, so it cannot hang on a crafted block. Errors are logged without the EXIF
/// bytes.
fn parse_exif(raw: Vec<u8>) -> Option<ExifMeta> {
    let parsed = panic::catch_unwind(AssertUnwindSafe(move || {
        let result = exif::Reader::new().continue_on_error(true).read_raw(raw);
        let exif = result.or_else(|error| {
            error.distill_partial_result(|errors| {
                debug!(
                    error_count = errors.len(),
                    "EXIF block is partly damaged, keeping the readable fields"
                );
            })
        });
        exif.map(|exif| ExifMeta {
            captured_at: read_captured_at(&exif),
            gps: read_gps(&exif),
            camera: read_camera(&exif),
        })
    }));
    match parsed {
        Ok(Ok(meta)) => Some(meta),
        Ok(Err(error)) => {
            debug!(%error, "could not parse the EXIF block, continuing without metadata");
            None
        }
        Err(_) => {
            debug!("EXIF parser panicked, continuing without metadata");
            None
        }
    }
}

/// Returns the first string of an ASCII field, without trailing NULs and surrounding spaces.
fn ascii_field(exif: &exif::Exif, tag: Tag) -> Option<String> {
    let Value::Ascii(ref strings) = exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    let text = String::from_utf8_lossy(strings.first()?);
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!text.is_empty()).then(|| text.to_owned())
}

/// Formats DateTimeOriginal (or DateTime) as `YYYY-MM-DDTHH:MM:SS`, with the matching offset appended if
/// present.
fn read_captured_at(exif: &exif::Exif) -> Option<String> {
    let (time_tag, offset_tag) = if exif.get_field(Tag::DateTimeOriginal, In::PRIMARY).is_some() {
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal)
    } else {
        (Tag::DateTime, Tag::OffsetTime)
    };
    let text = ascii_field(exif, time_tag)?;
    let mut parsed = exif::DateTime::from_ascii(text.as_bytes()).ok()?;
    // Cameras with an unset clock write values such as "0000:00:00 00:00:00", which chrono rejects.
    let date = NaiveDate::from_ymd_opt(
        i32::from(parsed.year),
        u32::from(parsed.month),
        u32::from(parsed.day),
    )?;
    let time = NaiveTime::from_hms_opt(
        u32::from(parsed.hour),
        u32::from(parsed.minute),
        u32::from(parsed.second),
    )?;
    let mut captured_at = NaiveDateTime::new(date, time)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();

    // Real UTC offsets lie within -12:00..=+14:00, so an offset outside that range is damaged and left out.
    if let Some(offset_text) = ascii_field(exif, offset_tag)
        && parsed.parse_offset(offset_text.as_bytes()).is_ok()
        && let Some(minutes) = parsed.offset
        && (-12 * 60..=14 * 60).contains(&minutes)
    {
        let sign = if minutes < 0 { '-' } else { '+' };
        let minutes = minutes.unsigned_abs();
        captured_at.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
    }
    Some(captured_at)
}

/// Reads the GPS position. A coordinate without a valid N/S or E/W reference is dropped rather than guessed.
fn read_gps(exif: &exif::Exif) -> Option<GpsPoint> {
    let latitude = read_coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, ('N', 'S'), 90.0)?;
    let longitude = read_coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, ('E', 'W'), 180.0)?;
    // Some phones write 0,0 when they have no fix. That point is open sea, so treat it as no position.
    if latitude == 0.0 && longitude == 0.0 {
        debug!("GPS position is 0,0, treating it as missing");
        return None;
    }
    Some(GpsPoint {
        latitude,
        longitude,
        altitude_m: read_altitude(exif),
    })
}

/// Converts a degrees[, minutes[, seconds]] field to signed decimal degrees, or `None` if it is invalid.
fn read_coordinate(
    exif: &exif::Exif,
    value_tag: Tag,
    reference_tag: Tag,
    (positive, negative): (char, char),
    max_degrees: f64,
) -> Option<f64> {
    let parts = rational_values(&exif.get_field(value_tag, In::PRIMARY)?.value)?;
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|part| *part < 0.0) {
        return None;
    }
    let magnitude: f64 = parts
        .iter()
        .zip([1.0, 60.0, 3600.0])
        .map(|(part, divisor)| part / divisor)
        .sum();
    let reference = ascii_field(exif, reference_tag)?
        .chars()
        .next()?
        .to_ascii_uppercase();
    let degrees = if reference == positive {
        magnitude
    } else if reference == negative {
        -magnitude
    } else {
        return None;
    };
    (degrees.is_finite() && degrees.abs() <= max_degrees).then_some(degrees)
}

/// Reads GPSAltitude in metres, negative when GPSAltitudeRef is 1 (below sea level).
fn read_altitude(exif: &exif::Exif) -> Option<f64> {
    let altitude = *rational_values(&exif.get_field(Tag::GPSAltitude, In::PRIMARY)?.value)?.first()?;
    let below_sea_level = exif
        .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
        .and_then(|field| field.value.get_uint(0))
        .is_some_and(|reference| reference == 1);
    let altitude = if below_sea_level {
        -altitude.abs()
    } else {
        altitude
    };
    altitude.is_finite().then_some(altitude)
}

/// Returns the values of a RATIONAL or SRATIONAL field as floats, or `None` if any denominator is zero.
///
/// The EXIF standard makes GPS fields RATIONAL, but some phones (for example the HMD Nokia 8.3) write
/// SRATIONAL.
fn rational_values(value: &Value) -> Option<Vec<f64>> {
    match value {
        Value::Rational(values) => values
            .iter()
            .map(|ratio| (ratio.denom != 0).then(|| ratio.to_f64()))
            .collect(),
        Value::SRational(values) => values
            .iter()
            .map(|ratio| (ratio.denom != 0).then(|| ratio.to_f64()))
            .collect(),
        _ => None,
    }
}

/// Joins Make and Model, dropping Make when Model already starts with it ("Canon" + "Canon EOS R6").
fn read_camera(exif: &exif::Exif) -> Option<String> {
    let make = ascii_field(exif, Tag::Make);
    let model = ascii_field(exif, Tag::Model);
    match (make, model) {
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (make, model) => make.or(model),
    }
}
