//! The `photo` URI scheme: serves stored photos and their thumbnails to the UI's `<img>` tags.
//!
//! URLs are `photo://localhost/thumb/<sha256>` and `photo://localhost/full/<sha256>` (on Windows and
//! Android the webview spells them `http://photo.localhost/...`). Photos are content-addressed, so a
//! response never changes and may be cached for good. The database read runs on a blocking thread so the
//! webview's thread never waits on SQLite.

use std::sync::Arc;

use foodpatrol_device::{Device, DeviceError};
use tauri::http::{Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

/// Name of the URI scheme.
pub const SCHEME: &str = "photo";

/// Image size that a URL requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    Thumbnail,
    Full,
}

/// Handles one `photo:` request; registered with `register_asynchronous_uri_scheme_protocol`.
pub fn handle<R: Runtime>(
    context: UriSchemeContext<'_, R>,
    request: tauri::http::Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let Some(state) = context.app_handle().try_state::<AppState>() else {
        responder.respond(plain(StatusCode::SERVICE_UNAVAILABLE, "device store not open"));
        return;
    };
    let device = Arc::clone(&state.device);
    let path = request.uri().path().to_owned();
    tauri::async_runtime::spawn_blocking(move || responder.respond(respond(&device, &path)));
}

/// Builds the response for a request path such as `/thumb/<sha256>`.
pub fn respond(device: &Device, path: &str) -> Response<Vec<u8>> {
    let Some((size, hash)) = parse_path(path) else {
        return plain(
            StatusCode::NOT_FOUND,
            "expected /thumb/<sha256> or /full/<sha256>",
        );
    };
    match device.photo(hash) {
        Ok((full, thumbnail)) => {
            let body = match size {
                Size::Thumbnail => thumbnail,
                Size::Full => full,
            };
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "image/jpeg")
                .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .body(body)
                .expect("static headers are valid")
        }
        Err(DeviceError::NotFound { .. }) => {
            tracing::debug!(hash, "photo not found in the device store");
            plain(StatusCode::NOT_FOUND, "no such photo")
        }
        Err(e) => {
            tracing::error!(code = e.code(), error = %e, hash, "could not read a stored photo");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "could not read the photo")
        }
    }
}

/// Splits `/thumb/<hash>` or `/full/<hash>`; the hash must be 64 lowercase hex digits.
fn parse_path(path: &str) -> Option<(Size, &str)> {
    let (size, hash) = path.trim_start_matches('/').split_once('/')?;
    let size = match size {
        "thumb" => Size::Thumbnail,
        "full" => Size::Full,
        _ => return None,
    };
    let is_sha256 = hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    is_sha256.then_some((size, hash))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(text.as_bytes().to_vec())
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn path_forms() {
        assert_eq!(
            parse_path(&format!("/thumb/{HASH}")),
            Some((Size::Thumbnail, HASH))
        );
        assert_eq!(parse_path(&format!("/full/{HASH}")), Some((Size::Full, HASH)));
        assert_eq!(parse_path(&format!("/other/{HASH}")), None);
        assert_eq!(parse_path(&format!("/full/{}", HASH.to_uppercase())), None);
        assert_eq!(parse_path("/full/../../etc/passwd"), None);
        assert_eq!(parse_path("/full/"), None);
        assert_eq!(parse_path("/"), None);
    }

    #[test]
    fn unknown_photo_is_404() {
        let dir = tempfile::tempdir().unwrap();
        let device = Device::open(&dir.path().join("device.sqlite")).unwrap();

        let response = respond(&device, &format!("/full/{HASH}"));

        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn malformed_path_is_404() {
        let dir = tempfile::tempdir().unwrap();
        let device = Device::open(&dir.path().join("device.sqlite")).unwrap();

        assert_eq!(respond(&device, "/full/abc").status(), StatusCode::NOT_FOUND);
    }
}
