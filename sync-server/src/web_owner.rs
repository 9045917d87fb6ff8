//! The owner portal (经营者端) at `/owner`: a static page for a phone browser, embedded in the binary.
//!
//! The page signs in and works only through the JSON API (`/v1/devices/register`, `/v1/owner/tasks`,
//! `/v1/photos/{hash}`), so this module only serves files. Every response carries a strong ETag and
//! `Cache-Control: no-cache`, so a phone revalidates with one small request and gets the new page as
//! soon as the server is upgraded.

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;

/// The page's Content-Security-Policy: scripts, styles and requests come from this server only.
/// Images may also be `blob:` object URLs, because the page shows photos fetched with the bearer token.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' blob: data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// One embedded file of the portal.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// The portal's files, by URL path.
pub const ASSETS: [Asset; 4] = [
    Asset {
        path: "/owner",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../web/owner/index.html"),
    },
    Asset {
        path: "/owner/app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/owner/app.js"),
    },
    Asset {
        path: "/owner/app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/owner/app.css"),
    },
    Asset {
        path: "/owner/icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../web/owner/icon.svg"),
    },
];

/// Returns the routes of the owner portal; `/owner/` redirects to `/owner`.
pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/owner/", get(|| async { Redirect::permanent("/owner") }));
    for asset in ASSETS {
        let etag = etag(asset.bytes);
        router = router.route(
            asset.path,
            get(move |headers: HeaderMap| async move { serve(asset, &etag, &headers) }),
        );
    }
    router
}

/// Computes a strong ETag: the quoted first 16 bytes of the SHA-256, in hex.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

fn serve(asset: Asset, etag: &str, request_headers: &HeaderMap) -> Response {
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| list.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))],
            asset.bytes,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if asset.content_type.starts_with("text/html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_quoted_hex() {
        let tag = etag(b"owner portal");
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"'), "{tag}");
        assert!(tag.ends_with('"'), "{tag}");
        assert!(tag[1..33].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn assets_are_not_empty() {
        for asset in ASSETS {
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.path);
        }
    }
}
