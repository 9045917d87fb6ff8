//! Tests of the photo pipeline against real camera and phone photos in tests/fixtures/photos, plus crafted
//! broken inputs (truncated files, damaged EXIF, decompression bombs).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use foodpatrol_device::photo::{
    MAX_EDGE, MAX_INPUT_BYTES, PhotoError, ProcessedPhoto, THUMB_EDGE, process_photo, sniff_format,
};
use image::imageops::{self, FilterType};
use image::{DynamicImage, GenericImageView, GrayImage, ImageFormat, Rgba, RgbaImage};
use sha2::{Digest, Sha256};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/photos");

/// Time limit for one photo. A pipeline that takes longer is treated as hung.
const HANG_TIMEOUT: Duration = Duration::from_secs(20);

fn fixture(relative_path: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/{relative_path}");
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read fixture {path}: {error}"))
}

fn process_fixture(relative_path: &str) -> ProcessedPhoto {
    process_photo(&fixture(relative_path))
        .unwrap_or_else(|error| panic!("{relative_path}: expected Ok, got {} ({error})", error.code()))
}

/// Lists the fixture files in one folder, sorted, as paths relative to the fixture root.
fn fixture_folder(folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{FIXTURES}/{folder}"))
        .unwrap_or_else(|error| panic!("cannot list fixture folder {folder}: {error}"))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .map(|name| format!("{folder}/{name}"))
        .collect();
    names.sort();
    names
}

/// Runs the pipeline on another thread and fails the test if it does not finish within [`HANG_TIMEOUT`].
fn process_with_timeout(label: &str, input: Vec<u8>) -> Result<ProcessedPhoto, PhotoError> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(process_photo(&input));
    });
    match receiver.recv_timeout(HANG_TIMEOUT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{label}: no result within {HANG_TIMEOUT:?} (hang)"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{label}: the pipeline thread panicked"),
    }
}

fn decode_jpeg(label: &str, bytes: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .unwrap_or_else(|error| panic!("{label}: output is not a readable JPEG: {error}"))
}

fn expect_error(label: &str, result: Result<ProcessedPhoto, PhotoError>) -> PhotoError {
    match result {
        Ok(photo) => panic!("{label}: expected an error, got {photo:?}"),
        Err(error) => error,
    }
}

/// Side of the square grey grid that outputs are compared on.
const GRID: u32 = 24;

/// Shrinks a JPEG to a GRID×GRID greyscale image. The square grid makes all 8 orientations comparable.
fn grey_grid(label: &str, jpeg: &[u8]) -> GrayImage {
    decode_jpeg(label, jpeg)
        .resize_exact(GRID, GRID, FilterType::Triangle)
        .to_luma8()
}

/// Scales grid values to zero mean and unit standard deviation, so a change of brightness or contrast between
/// two files does not count as a difference.
fn normalised(grid: &GrayImage) -> Vec<f64> {
    let values: Vec<f64> = grid.as_raw().iter().map(|value| f64::from(*value)).collect();
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / count;
    let deviation = variance.sqrt().max(f64::EPSILON);
    values.iter().map(|value| (value - mean) / deviation).collect()
}

/// Mean absolute difference of two normalised grids, in standard deviations.
fn mean_absolute_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

/// Returns the 7 wrong results an orientation bug could produce, which are all other rotations and
/// mirrorings.
fn wrong_transforms(reference: &GrayImage) -> Vec<(&'static str, GrayImage)> {
    vec![
        ("rotate90", imageops::rotate90(reference)),
        ("rotate180", imageops::rotate180(reference)),
        ("rotate270", imageops::rotate270(reference)),
        ("flip_horizontal", imageops::flip_horizontal(reference)),
        ("flip_vertical", imageops::flip_vertical(reference)),
        (
            "transpose",
            imageops::flip_horizontal(&imageops::rotate90(reference)),
        ),
        (
            "transverse",
            imageops::flip_horizontal(&imageops::rotate270(reference)),
        ),
    ]
}

#[test]
fn orientation_fixtures_come_out_upright() {
    // The `_1` files are brighter than `_2`..`_8` (about 13 grey levels of mean difference), and each file
    // shows its own orientation number, so grids are compared after normalising. On these fixtures an upright
    // result differs from the reference by at most 0.07 standard deviations and every wrong transform by at
    // least 0.51.
    const MAX_DIFFERENCE_FROM_REFERENCE: f64 = 0.2;
    const MIN_MARGIN_TO_WRONG_TRANSFORM: f64 = 0.25;

    for family in ["landscape", "portrait"] {
        let reference_path = format!("orientation/{family}_1.jpg");
        let reference = process_fixture(&reference_path);
        let reference_grid = grey_grid(&reference_path, &reference.jpeg);
        let reference_values = normalised(&reference_grid);
        let wrong: Vec<(&str, Vec<f64>)> = wrong_transforms(&reference_grid)
            .iter()
            .map(|(transform, grid)| (*transform, normalised(grid)))
            .collect();

        for orientation in 1..=8u16 {
            let path = format!("orientation/{family}_{orientation}.jpg");
            let photo = process_fixture(&path);

            assert_eq!(
                photo.meta.original_orientation, orientation,
                "{path}: original_orientation"
            );
            assert_eq!(
                (photo.width, photo.height),
                (reference.width, reference.height),
                "{path}: output size"
            );
            if family == "landscape" {
                assert!(
                    photo.width > photo.height,
                    "{path}: landscape came out {}x{}",
                    photo.width,
                    photo.height
                );
            } else {
                assert!(
                    photo.height > photo.width,
                    "{path}: portrait came out {}x{}",
                    photo.width,
                    photo.height
                );
            }

            let values = normalised(&grey_grid(&path, &photo.jpeg));
            let difference = mean_absolute_difference(&values, &reference_values);
            assert!(
                difference < MAX_DIFFERENCE_FROM_REFERENCE,
                "{path}: differs from {reference_path} by {difference:.3} standard deviations"
            );
            for (transform, wrong_values) in &wrong {
                let wrong_difference = mean_absolute_difference(&values, wrong_values);
                assert!(
                    wrong_difference > difference + MIN_MARGIN_TO_WRONG_TRANSFORM,
                    "{path}: differs from {transform} of {reference_path} by only {wrong_difference:.3} \
                     standard deviations, against {difference:.3} from upright"
                );
            }
        }
    }
}

fn assert_close(label: &str, actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{label}: expected {expected}, got {actual}"
    );
}

#[test]
fn gps_fixtures_keep_position_and_time() {
    let paths = fixture_folder("gps");
    assert_eq!(paths.len(), 9, "gps fixture count");

    for path in &paths {
        let photo = process_fixture(path);
        let gps = photo
            .meta
            .gps
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: GPS missing"));
        // All of these Nikon photos were taken near 43.47 N, 11.88 E (Tuscany), with refs N and E.
        assert!(
            (43.4..43.5).contains(&gps.latitude),
            "{path}: latitude {}",
            gps.latitude
        );
        assert!(
            (11.8..11.9).contains(&gps.longitude),
            "{path}: longitude {}",
            gps.longitude
        );
        let captured_at = photo
            .meta
            .captured_at
            .as_deref()
            .unwrap_or_else(|| panic!("{path}: time missing"));
        assert!(
            captured_at.starts_with("2008-10-22T"),
            "{path}: captured_at {captured_at}"
        );
    }
}

#[test]
fn nikon_gps_values_are_exact() {
    let photo = process_fixture("gps/DSCN0010.jpg");
    let gps = photo.meta.gps.expect("DSCN0010 has GPS");

    // 43° 28' 2.814" N and 11° 53' 6.45599999" E in the EXIF rationals.
    assert_close("latitude", gps.latitude, 43.0 + 28.0 / 60.0 + 2.814 / 3600.0);
    assert_close(
        "longitude",
        gps.longitude,
        11.0 + 53.0 / 60.0 + 6.455_999_99 / 3600.0,
    );
    // GPSAltitudeRef is present, GPSAltitude is not.
    assert_eq!(gps.altitude_m, None);
    // DateTimeOriginal, not DateTime (2008:11:01 21:15:07), and no OffsetTimeOriginal.
    assert_eq!(photo.meta.captured_at.as_deref(), Some("2008-10-22T16:28:39"));
    assert_eq!(photo.meta.camera.as_deref(), Some("NIKON COOLPIX P6000"));
    assert_eq!(photo.meta.original_orientation, 1);
    assert_eq!(
        (photo.meta.original_width, photo.meta.original_height),
        (640, 480)
    );
}

#[test]
fn nokia_photo_has_gps_and_offset() {
    let photo = process_fixture("mobile/HMD_Nokia_8.3_5G.jpg");
    let gps = photo.meta.gps.expect("the Nokia photo has GPS");

    // 60° 8' 48.14" N, 24° 54' 24.38" E, written as SRATIONAL where the EXIF standard says RATIONAL.
    assert_close("latitude", gps.latitude, 60.0 + 8.0 / 60.0 + 48.14 / 3600.0);
    assert_close("longitude", gps.longitude, 24.0 + 54.0 / 60.0 + 24.38 / 3600.0);
    assert_eq!(
        photo.meta.captured_at.as_deref(),
        Some("2022-08-14T14:12:31+03:00")
    );
    assert_eq!(photo.meta.camera.as_deref(), Some("HMD Global Nokia 8.3 5G"));
}

/// Replaces the one-character value of an inline ASCII GPS ref entry in a little-endian EXIF block.
fn patch_gps_ref(jpeg: &mut [u8], tag: u16, from: u8, to: u8) {
    let mut entry = Vec::new();
    entry.extend_from_slice(&tag.to_le_bytes());
    entry.extend_from_slice(&[2, 0, 2, 0, 0, 0, from, 0]); // type ASCII, count 2, value "X\0"
    let position = jpeg
        .windows(entry.len())
        .position(|window| window == entry.as_slice())
        .unwrap_or_else(|| panic!("GPS ref entry for tag {tag:#06x} not found"));
    jpeg[position + 8] = to;
}

#[test]
fn south_and_west_refs_give_negative_degrees() {
    let mut jpeg = fixture("gps/DSCN0010.jpg");
    patch_gps_ref(&mut jpeg, 0x0001, b'N', b'S'); // GPSLatitudeRef
    patch_gps_ref(&mut jpeg, 0x0003, b'E', b'W'); // GPSLongitudeRef

    let photo = process_photo(&jpeg).expect("patched DSCN0010 processes");
    let gps = photo.meta.gps.expect("patched DSCN0010 has GPS");
    assert_close("latitude", gps.latitude, -(43.0 + 28.0 / 60.0 + 2.814 / 3600.0));
    assert_close(
        "longitude",
        gps.longitude,
        -(11.0 + 53.0 / 60.0 + 6.455_999_99 / 3600.0),
    );
}

#[test]
fn output_jpeg_has_no_exif() {
    let photo = process_fixture("gps/DSCN0010.jpg");

    let has_exif_header = photo.jpeg.windows(6).any(|window| window == b"Exif\0\0");
    assert!(!has_exif_header, "output contains an APP1 Exif segment");
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&photo.jpeg));
    assert!(exif.is_err(), "kamadak-exif found EXIF in the output");
}

#[test]
fn odd_exif_fixtures_do_not_panic_or_hang() {
    let paths = fixture_folder("odd-exif");
    assert_eq!(paths.len(), 8, "odd-exif fixture count");

    for path in &paths {
        let result = process_with_timeout(path, fixture(path));
        // The pixels of every one of these files are intact, so only the EXIF may be lost.
        let photo =
            result.unwrap_or_else(|error| panic!("{path}: expected Ok, got {} ({error})", error.code()));
        assert!(
            (1..=8).contains(&photo.meta.original_orientation),
            "{path}: orientation"
        );
        assert!(
            photo.width.max(photo.height) <= MAX_EDGE,
            "{path}: {}x{}",
            photo.width,
            photo.height
        );
    }
}

/// Encodes a small JPEG without EXIF and inserts `app1_payload` as an APP1 segment after SOI.
fn jpeg_with_app1(width: u32, height: u32, app1_payload: &[u8]) -> Vec<u8> {
    let pixels = RgbaImage::from_fn(width, height, |x, _| Rgba([(x * 7) as u8, 90, 160, 255]));
    let mut plain = Vec::new();
    DynamicImage::ImageRgba8(pixels)
        .to_rgb8()
        .write_to(&mut std::io::Cursor::new(&mut plain), ImageFormat::Jpeg)
        .unwrap();

    let segment_length = u16::try_from(app1_payload.len() + 2).unwrap();
    let mut jpeg = plain[..2].to_vec(); // SOI
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&segment_length.to_be_bytes());
    jpeg.extend_from_slice(app1_payload);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// Builds a big-endian EXIF payload whose IFD0 holds only an Orientation entry, then `next_ifd` as the offset
/// of the following IFD.
fn exif_payload_with_orientation(orientation: u16, next_ifd: u32) -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec(); // TIFF header, IFD0 at offset 8
    payload.extend_from_slice(&1u16.to_be_bytes()); // entry count
    payload.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]); // tag Orientation, type SHORT, count 1
    payload.extend_from_slice(&orientation.to_be_bytes());
    payload.extend_from_slice(&[0, 0]);
    payload.extend_from_slice(&next_ifd.to_be_bytes());
    payload
}

#[test]
fn damaged_exif_blocks_do_not_stop_decoding() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("header only", b"Exif\0\0MM\0\x2a".to_vec()),
        (
            "IFD0 offset past the end",
            b"Exif\0\0MM\0\x2a\xff\xff\xff\x00".to_vec(),
        ),
        ("bad byte order", b"Exif\0\0XX\0\x2a\0\0\0\x08\0\0".to_vec()),
        (
            "entry count past the end",
            b"Exif\0\0II\x2a\0\x08\0\0\0\xff\xff\x12\x01".to_vec(),
        ),
        ("orientation 0 (invalid)", exif_payload_with_orientation(0, 0)),
        ("orientation 9 (invalid)", exif_payload_with_orientation(9, 0)),
    ];
    for (label, payload) in cases {
        let jpeg = jpeg_with_app1(40, 30, &payload);
        let photo = process_with_timeout(label, jpeg)
            .unwrap_or_else(|error| panic!("{label}: expected Ok, got {} ({error})", error.code()));
        assert_eq!(photo.meta.original_orientation, 1, "{label}: orientation");
        assert_eq!((photo.width, photo.height), (40, 30), "{label}: size");
        assert_eq!(photo.meta.gps, None, "{label}: gps");
    }
}

#[test]
fn exif_ifd_loop_keeps_orientation() {
    // The next-IFD offset points back at IFD0 itself.
    let jpeg = jpeg_with_app1(40, 30, &exif_payload_with_orientation(6, 8));

    let photo = process_with_timeout("IFD loop", jpeg).expect("IFD loop processes");
    assert_eq!(photo.meta.original_orientation, 6);
    assert_eq!(
        (photo.width, photo.height),
        (30, 40),
        "orientation 6 swaps width and height"
    );
}

#[test]
fn big_mobile_photos_are_downscaled() {
    for (path, original_width, original_height) in [
        ("mobile/jolla.jpg", 3264, 2448),
        ("mobile/HMD_Nokia_8.3_5G.jpg", 4608, 1976),
    ] {
        let photo = process_fixture(path);
        assert_eq!(
            (photo.meta.original_width, photo.meta.original_height),
            (original_width, original_height)
        );
        assert_eq!(photo.width, MAX_EDGE, "{path}: width");
        let expected_height = f64::from(MAX_EDGE) * f64::from(original_height) / f64::from(original_width);
        assert!(
            (f64::from(photo.height) - expected_height).abs() <= 1.0,
            "{path}: height {} for expected {expected_height:.1}",
            photo.height
        );

        let decoded = decode_jpeg(path, &photo.jpeg);
        assert_eq!(
            decoded.dimensions(),
            (photo.width, photo.height),
            "{path}: decoded size"
        );

        let thumbnail = image::load_from_memory_with_format(&photo.thumbnail, ImageFormat::Jpeg)
            .unwrap_or_else(|error| panic!("{path}: thumbnail is not a readable JPEG: {error}"));
        assert_eq!(thumbnail.width(), THUMB_EDGE, "{path}: thumbnail width");
        assert!(
            thumbnail.height() < THUMB_EDGE,
            "{path}: thumbnail height {}",
            thumbnail.height()
        );
    }
}

#[test]
fn hash_is_sha256_of_output_and_stable() {
    for path in ["mobile/jolla.jpg", "orientation/portrait_6.jpg"] {
        let input = fixture(path);
        let first = process_photo(&input).unwrap();
        let second = process_photo(&input).unwrap();

        assert_eq!(
            first.hash,
            hex::encode(Sha256::digest(&first.jpeg)),
            "{path}: hash"
        );
        assert_eq!(first.hash.len(), 64, "{path}: hash length");
        assert!(
            first
                .hash
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        );
        assert_eq!(
            first.meta.original_sha256,
            hex::encode(Sha256::digest(&input)),
            "{path}: original hash"
        );
        assert_eq!(first.hash, second.hash, "{path}: hash differs between runs");
        assert!(
            first.jpeg == second.jpeg,
            "{path}: JPEG bytes differ between runs"
        );
        assert!(
            first.thumbnail == second.thumbnail,
            "{path}: thumbnail bytes differ between runs"
        );
        assert_eq!(first.meta, second.meta, "{path}: metadata differs between runs");
    }
}

#[test]
fn jolla_metadata_has_time_and_camera() {
    let photo = process_fixture("mobile/jolla.jpg");

    assert_eq!(photo.meta.captured_at.as_deref(), Some("2014-09-21T16:00:56"));
    // Make and Model are both "Jolla", and the name is not repeated.
    assert_eq!(photo.meta.camera.as_deref(), Some("Jolla"));
    assert_eq!(photo.meta.gps, None);
}

#[test]
fn heic_photo_is_rejected_with_advice() {
    let input = fixture("mobile/iphone_13_pro_max.HEIC");
    assert_eq!(sniff_format(&input), Some("heic"));

    let error = expect_error("HEIC", process_photo(&input));
    assert!(
        matches!(error, PhotoError::Heic),
        "expected PhotoError::Heic, got {error:?}"
    );
    assert_eq!(error.code(), "photo_heic");
    assert!(error.to_string().contains("JPEG"), "message: {error}");
}

#[test]
fn empty_input_is_rejected() {
    let error = expect_error("empty", process_photo(&[]));
    assert_eq!(error.code(), "photo_empty");
}

#[test]
fn garbage_bytes_are_rejected() {
    // Fixed-seed linear congruential generator, so the bytes are the same on every run.
    let mut state: u32 = 0x1234_5678;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();

    let error = expect_error("garbage", process_photo(&garbage));
    assert_eq!(error.code(), "photo_unsupported_format");
    let PhotoError::UnsupportedFormat { magic } = &error else {
        panic!("expected UnsupportedFormat, got {error:?}");
    };
    let expected_magic: Vec<String> = garbage[..8].iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(magic, &expected_magic.join(" "));
    assert!(error.to_string().contains(magic.as_str()), "message: {error}");
}

#[test]
fn truncated_jpegs_are_rejected() {
    let full = fixture("orientation/landscape_1.jpg");
    let cases = [
        ("first 1000 bytes", &full[..1000]),
        ("first half", &full[..full.len() / 2]),
    ];

    for (label, input) in cases {
        let error = expect_error(label, process_with_timeout(label, input.to_vec()));
        assert_eq!(error.code(), "photo_decode_failed", "{label}: {error}");
    }
}

#[test]
fn truncated_png_is_rejected() {
    let canvas = RgbaImage::from_fn(300, 200, |x, y| {
        Rgba([((x * 13) ^ (y * 7)) as u8, (x * y) as u8, 40, 200])
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(canvas)
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let input = png[..png.len() / 2].to_vec();

    let error = expect_error("half PNG", process_with_timeout("half PNG", input));
    assert_eq!(error.code(), "photo_decode_failed", "{error}");
}

#[test]
fn jpeg_signature_with_garbage_is_rejected() {
    let mut input = vec![0xFF, 0xD8, 0xFF, 0xE0];
    input.extend((0..2000u32).map(|i| (i * 31 % 251) as u8));

    let error = expect_error("fake JPEG", process_with_timeout("fake JPEG", input));
    assert_eq!(error.code(), "photo_decode_failed", "{error}");
}

#[test]
fn oversized_input_is_rejected() {
    let input = vec![0u8; MAX_INPUT_BYTES + 1];

    let error = expect_error("oversized", process_photo(&input));
    assert_eq!(error.code(), "photo_too_large");
    let PhotoError::TooLarge { bytes, max } = &error else {
        panic!("expected TooLarge, got {error:?}");
    };
    assert_eq!(*bytes, MAX_INPUT_BYTES + 1, "bytes");
    assert_eq!(*max, MAX_INPUT_BYTES, "max");
    let message = error.to_string();
    assert!(message.contains("30.0 MB"), "message names the size: {message}");
    assert!(
        message.contains("上限 30 MB"),
        "message names the limit: {message}"
    );
}

#[test]
fn sniff_format_recognises_signatures() {
    assert_eq!(sniff_format(&fixture("gps/DSCN0010.jpg")), Some("jpeg"));
    assert_eq!(sniff_format(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"), Some("png"));
    assert_eq!(sniff_format(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"), Some("heic"));
    assert_eq!(
        sniff_format(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
        None,
        "AVIF is not HEIC"
    );
    assert_eq!(sniff_format(b"GIF89a"), None);
    assert_eq!(sniff_format(b"\0\0\0\x18ftyp"), None, "short ftyp box");
    assert_eq!(sniff_format(&[]), None);
}

#[test]
fn png_with_alpha_becomes_jpeg_on_white() {
    // Left half fully transparent, right half opaque red, like a signature stroke on a clear canvas.
    let canvas = RgbaImage::from_fn(64, 48, |x, _| {
        if x < 32 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([220, 20, 20, 255])
        }
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(canvas)
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    assert_eq!(sniff_format(&png), Some("png"));

    let photo = process_photo(&png).expect("PNG processes");
    assert_eq!(sniff_format(&photo.jpeg), Some("jpeg"));
    assert_eq!(
        (photo.width, photo.height),
        (64, 48),
        "small images are not upscaled"
    );

    let output = decode_jpeg("PNG", &photo.jpeg).to_rgb8();
    let transparent_side = output.get_pixel(8, 24).0;
    let opaque_side = output.get_pixel(56, 24).0;
    assert!(
        transparent_side.iter().all(|channel| *channel > 240),
        "transparent area: {transparent_side:?}"
    );
    assert!(opaque_side[0] > 190, "red area: {opaque_side:?}");
    assert!(opaque_side[1] < 60, "red area: {opaque_side:?}");
    assert!(opaque_side[2] < 60, "red area: {opaque_side:?}");
}

#[test]
fn wide_png_is_downscaled() {
    let canvas = RgbaImage::from_pixel(2000, 100, Rgba([10, 200, 10, 128]));
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(canvas)
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();

    let photo = process_photo(&png).expect("wide PNG processes");
    assert_eq!((photo.width, photo.height), (1600, 80));
}

/// CRC-32 (ISO-HDLC, as PNG uses) of `bytes`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&covered).to_be_bytes());
    chunk
}

/// Builds a PNG whose header claims `width`×`height` but whose pixel data is a few bytes, like a
/// decompression bomb.
fn png_header_only(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &header));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

#[test]
fn oversized_dimensions_are_rejected() {
    let input = png_header_only(20_000, 20_000, 8, 0); // 8-bit greyscale

    let error = expect_error("20000x20000 PNG", process_with_timeout("20000x20000 PNG", input));
    assert_eq!(error.code(), "photo_decode_failed", "{error}");
    assert!(
        error.to_string().contains("12000"),
        "message names the limit: {error}"
    );
}

#[test]
fn oversized_pixel_buffer_is_rejected() {
    // 11000×11000 16-bit RGBA is within the 12000 px edge limit but needs about 923 MB of pixels.
    let input = png_header_only(11_000, 11_000, 16, 6);

    let error = expect_error(
        "11000x11000 RGBA16 PNG",
        process_with_timeout("RGBA16 PNG", input),
    );
    assert_eq!(error.code(), "photo_decode_failed", "{error}");
    assert!(
        error.to_string().contains("512 MB"),
        "message names the limit: {error}"
    );
}
