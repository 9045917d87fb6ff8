//! Bad input over real HTTP: every malformed sync body and photo upload gets a 4xx whose JSON
//! `code` is stable and whose message names the problem, and the server stores nothing.

use foodpatrol_server::api::UploadStatus;
use foodpatrol_shared::crdt::{self, inspection_doc};
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::{
    CBOR_MEDIA_TYPE, DocKind, DocPush, MAX_PHOTO_BYTES, MAX_SYNC_BODY_BYTES, PROTOCOL_VERSION,
    RegisterResponse, SyncRequest,
};
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{
    TestServer, api_error, assert_unchanged, fixture, photo_root, register, sha256_hex, stored,
};
use reqwest::StatusCode;
use serde_bytes::ByteBuf;

fn cbor(request: &SyncRequest) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::into_writer(request, &mut bytes).expect("request serializes");
    bytes
}

/// Builds the request a device sends for a new inspection of a catering shop it inspects.
fn new_inspection_request(server: &TestServer, inspector: &RegisterResponse) -> SyncRequest {
    let shop = server.shop_of(BusinessType::Catering);
    let template = foodpatrol_shared::rules::RuleBook::builtin()
        .latest_template_for(&shop.business_type)
        .expect("catering has a checklist")
        .reference();
    let id = InspectionId::new_v7();
    let actor = crdt::session_actor(inspector.device_id, *b"badinput");
    let new = inspection_doc::NewInspection {
        shop_id: shop.id,
        template,
        kind: InspectionKind::Daily,
        inspectors: vec![InspectorRef {
            user_id: inspector.user_id,
            name: inspector.display_name.clone(),
        }],
        started_at_ms: chrono::Utc::now().timestamp_millis(),
        utc_offset_min: 480,
    };
    let doc = inspection_doc::create(id, actor, &new).expect("inspection document builds");
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_now_ms: chrono::Utc::now().timestamp_millis(),
        cursor: 0,
        docs: vec![DocPush {
            doc_id: id.into(),
            kind: DocKind::Inspection,
            changes: doc
                .get_changes(&[])
                .iter()
                .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
                .collect(),
            heads: crdt::heads_to_hex(&doc.get_heads()),
        }],
    }
}

async fn post_sync(
    server: &TestServer,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url()))
        .bearer_auth(token)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header(reqwest::header::CONTENT_TYPE, content_type);
    }
    request.send().await.expect("sync request reaches the server")
}

/// One rejected sync body and the response the server must send.
struct SyncCase {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
    /// Text the message must contain, so that it names the problem.
    names: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sync_bodies_store_nothing() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let valid = new_inspection_request(&server, &inspector);
    let valid_body = cbor(&valid);

    let mut old_protocol = valid.clone();
    old_protocol.protocol = PROTOCOL_VERSION + 1;
    let mut garbage_change = valid.clone();
    garbage_change.docs[0].changes = vec![ByteBuf::from(b"not an automerge change".to_vec())];

    let cases = vec![
        SyncCase {
            name: "malformed CBOR",
            content_type: Some(CBOR_MEDIA_TYPE),
            body: b"\xff\xfe this is not CBOR".to_vec(),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_body",
            names: "invalid or truncated CBOR body".into(),
        },
        SyncCase {
            name: "truncated body",
            content_type: Some(CBOR_MEDIA_TYPE),
            body: valid_body[..valid_body.len() / 2].to_vec(),
            status: StatusCode::BAD_REQUEST,
            code: "invalid_body",
            names: "invalid or truncated CBOR body".into(),
        },
        SyncCase {
            name: "oversized body",
            content_type: Some(CBOR_MEDIA_TYPE),
            body: vec![0u8; MAX_SYNC_BODY_BYTES + 1],
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            names: format!("body exceeds {MAX_SYNC_BODY_BYTES} bytes"),
        },
        SyncCase {
            name: "JSON content type",
            content_type: Some("application/json"),
            body: valid_body.clone(),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            names: format!("set Content-Type: {CBOR_MEDIA_TYPE}"),
        },
        SyncCase {
            name: "missing content type",
            content_type: None,
            body: valid_body.clone(),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            names: format!("set Content-Type: {CBOR_MEDIA_TYPE}"),
        },
        SyncCase {
            name: "unsupported protocol version",
            content_type: Some(CBOR_MEDIA_TYPE),
            body: cbor(&old_protocol),
            status: StatusCode::BAD_REQUEST,
            code: "unsupported_protocol",
            names: format!("同步协议版本 {} 不受支持", PROTOCOL_VERSION + 1),
        },
        SyncCase {
            name: "garbage change bytes",
            content_type: Some(CBOR_MEDIA_TYPE),
            body: cbor(&garbage_change),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "sync_rejected",
            names: "sync rejected, nothing stored".into(),
        },
    ];

    let before = stored(&server);
    for case in cases {
        let response = post_sync(&server, &inspector.token, case.content_type, case.body).await;
        let (status, error) = api_error(response).await;
        assert_eq!(status, case.status, "{}: HTTP status", case.name);
        assert_eq!(error.code, case.code, "{}: error code", case.name);
        assert!(
            error.message.contains(&case.names),
            "{}: message names the problem ({:?}): {}",
            case.name,
            case.names,
            error.message
        );
        assert_unchanged(&server, &before, case.name);
        if case.name == "garbage change bytes" {
            assert_eq!(
                error.rejected.len(),
                1,
                "garbage change bytes: one document rejected"
            );
            assert_eq!(
                error.rejected[0].doc_id, valid.docs[0].doc_id,
                "garbage change bytes: the rejected document is the pushed one"
            );
            assert_eq!(
                error.rejected[0].code, "invalid_change",
                "garbage change bytes: rejected code"
            );
            assert!(
                error.rejected[0].message.contains("is not an automerge change"),
                "garbage change bytes: rejected message names the problem: {}",
                error.rejected[0].message
            );
        }
    }

    // The same valid body is accepted, so each rejection above was for the named problem alone.
    let response = post_sync(&server, &inspector.token, Some(CBOR_MEDIA_TYPE), valid_body).await;
    assert_eq!(response.status(), 200, "valid body is accepted");
    assert_eq!(
        server.count("docs"),
        before.docs + 1,
        "valid body stores its document"
    );
}

/// A processed photo as a device uploads it: JPEG bytes and their SHA-256.
struct Photo {
    hash: String,
    jpeg: Vec<u8>,
}

fn photo(relative: &str) -> Photo {
    let processed = foodpatrol_device::photo::process_photo(&fixture(relative)).expect("fixture processes");
    Photo {
        hash: processed.hash,
        jpeg: processed.jpeg,
    }
}

async fn put_photo(
    server: &TestServer,
    token: &str,
    hash: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .put(format!("{}/v1/photos/{hash}", server.url()))
        .bearer_auth(token)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("photo upload reaches the server")
}

async fn upload_status(server: &TestServer, token: &str, hash: &str) -> UploadStatus {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/photos/{hash}/upload", server.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("status request reaches the server");
    assert_eq!(response.status(), 200, "upload status of {hash}");
    response.json().await.expect("upload status is JSON")
}

/// Asserts that the server keeps no bytes of `hash`, complete or partial.
async fn assert_nothing_kept(server: &TestServer, token: &str, hash: &str, case: &str) {
    let status = upload_status(server, token, hash).await;
    assert!(!status.complete, "{case}: photo is not stored");
    assert_eq!(status.received_bytes, 0, "{case}: no partial bytes kept");
    let partial = photo_root(server).join("partial").join(format!("{hash}.part"));
    assert!(
        !partial.exists(),
        "{case}: no partial file at {}",
        partial.display()
    );
    let complete = photo_root(server).join(&hash[..2]).join(hash);
    assert!(
        !complete.exists(),
        "{case}: no photo file at {}",
        complete.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photo_hash_mismatch_keeps_nothing() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let sent = photo("gps/DSCN0021.jpg");
    let claimed = photo("gps/DSCN0025.jpg");
    let before = stored(&server);

    let response = put_photo(
        &server,
        &inspector.token,
        &claimed.hash,
        &[("upload-length", sent.jpeg.len().to_string())],
        sent.jpeg.clone(),
    )
    .await;
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "mismatched photo: HTTP status"
    );
    assert_eq!(error.code, "photo_hash_mismatch", "mismatched photo: error code");
    assert!(
        error.message.contains(&claimed.hash),
        "message names the address {}: {}",
        claimed.hash,
        error.message
    );
    assert!(
        error.message.contains(&sent.hash),
        "message names the SHA-256 of the bytes {}: {}",
        sent.hash,
        error.message
    );
    assert_nothing_kept(&server, &inspector.token, &claimed.hash, "mismatched photo").await;
    assert_unchanged(&server, &before, "mismatched photo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_photo_hash_is_rejected() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let sent = photo("gps/DSCN0021.jpg");
    let before = stored(&server);

    let bad_hashes = [
        "not-a-hash".to_owned(),
        sent.hash.to_uppercase(),
        sent.hash[..63].to_owned(),
        format!("{}0", sent.hash),
        format!("{}g", &sent.hash[..63]),
    ];
    for bad in &bad_hashes {
        let response = put_photo(
            &server,
            &inspector.token,
            bad,
            &[("upload-length", sent.jpeg.len().to_string())],
            sent.jpeg.clone(),
        )
        .await;
        let (status, error) = api_error(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {bad}: HTTP status");
        assert_eq!(error.code, "invalid_photo_hash", "PUT {bad}: error code");
        assert!(
            error.message.contains(&format!("{bad:?}")),
            "PUT {bad}: message names the address: {}",
            error.message
        );
        assert!(
            error.message.contains("lowercase hex SHA-256"),
            "PUT {bad}: message says what an address must be: {}",
            error.message
        );

        let response = reqwest::Client::new()
            .get(format!("{}/v1/photos/{bad}/upload", server.url()))
            .bearer_auth(&inspector.token)
            .send()
            .await
            .expect("status request reaches the server");
        let (status, error) = api_error(response).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "upload status of {bad}: HTTP status"
        );
        assert_eq!(
            error.code, "invalid_photo_hash",
            "upload status of {bad}: error code"
        );
        assert_unchanged(&server, &before, &format!("address {bad}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_upload_headers_are_rejected() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let sent = photo("gps/DSCN0021.jpg");
    let before = stored(&server);

    // Upload-Length over the limit: rejected before any byte is kept.
    let too_long = MAX_PHOTO_BYTES + 1;
    let response = put_photo(
        &server,
        &inspector.token,
        &sent.hash,
        &[("upload-length", too_long.to_string())],
        sent.jpeg.clone(),
    )
    .await;
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "oversized Upload-Length: HTTP status"
    );
    assert_eq!(error.code, "too_large", "oversized Upload-Length: error code");
    assert!(
        error.message.contains(&format!(
            "Upload-Length {too_long} exceeds {MAX_PHOTO_BYTES} bytes"
        )),
        "oversized Upload-Length: message names the length and the limit: {}",
        error.message
    );
    assert_nothing_kept(&server, &inspector.token, &sent.hash, "oversized Upload-Length").await;
    assert_unchanged(&server, &before, "oversized Upload-Length");

    // No Upload-Length at all.
    let response = put_photo(&server, &inspector.token, &sent.hash, &[], sent.jpeg.clone()).await;
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "missing Upload-Length: HTTP status"
    );
    assert_eq!(error.code, "missing_header", "missing Upload-Length: error code");
    assert!(
        error.message.contains("header upload-length is required"),
        "missing Upload-Length: message names the header: {}",
        error.message
    );
    assert_nothing_kept(&server, &inspector.token, &sent.hash, "missing Upload-Length").await;
    assert_unchanged(&server, &before, "missing Upload-Length");

    // Upload-Length that is not a number.
    let response = put_photo(
        &server,
        &inspector.token,
        &sent.hash,
        &[("upload-length", "lots".into())],
        sent.jpeg.clone(),
    )
    .await;
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "non-numeric Upload-Length: HTTP status"
    );
    assert_eq!(
        error.code, "invalid_header",
        "non-numeric Upload-Length: error code"
    );
    assert!(
        error.message.contains("\"lots\""),
        "non-numeric Upload-Length: message names the value: {}",
        error.message
    );
    assert_nothing_kept(&server, &inspector.token, &sent.hash, "non-numeric Upload-Length").await;
    assert_unchanged(&server, &before, "non-numeric Upload-Length");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_image_bytes_are_not_stored() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let text = "这不是照片 (a text file, not a photo)\n".repeat(64).into_bytes();
    let hash = sha256_hex(&text);
    let before = stored(&server);

    let response = put_photo(
        &server,
        &inspector.token,
        &hash,
        &[("upload-length", text.len().to_string())],
        text,
    )
    .await;
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "text upload: HTTP status"
    );
    assert_eq!(error.code, "unsupported_media_type", "text upload: error code");
    assert!(
        error.message.contains("only JPEG and PNG photos are stored"),
        "text upload: message names the accepted formats: {}",
        error.message
    );
    assert_nothing_kept(&server, &inspector.token, &hash, "text upload").await;
    assert_unchanged(&server, &before, "text upload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_upload_offset_names_right_one() {
    let server = TestServer::start(20).await;
    let inspector = register(&server, &server.district.inspectors[0].username).await;
    let sent = photo("gps/DSCN0021.jpg");
    let full = sent.jpeg.len();
    let half = full / 2;

    // A first request delivers only half of the announced bytes, so the server keeps a partial upload.
    let response = put_photo(
        &server,
        &inspector.token,
        &sent.hash,
        &[("upload-length", full.to_string())],
        sent.jpeg[..half].to_vec(),
    )
    .await;
    let (status, error) = api_error(response).await;
    assert_eq!(status, StatusCode::CONFLICT, "half upload: HTTP status");
    assert_eq!(error.code, "upload_incomplete", "half upload: error code");
    let partial = upload_status(&server, &inspector.token, &sent.hash).await;
    assert_eq!(partial.received_bytes, half as u64, "server keeps the first half");
    let before = stored(&server);

    // Sending from the start again, or past the bytes the server has, names the offset to use.
    for offset in [0, half + 1, full] {
        let response = put_photo(
            &server,
            &inspector.token,
            &sent.hash,
            &[
                ("upload-length", full.to_string()),
                ("upload-offset", offset.to_string()),
            ],
            sent.jpeg[offset..].to_vec(),
        )
        .await;
        let (status, error) = api_error(response).await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "Upload-Offset {offset}: HTTP status"
        );
        assert_eq!(
            error.code, "upload_offset_mismatch",
            "Upload-Offset {offset}: error code"
        );
        assert!(
            error
                .message
                .contains(&format!("Upload-Offset {offset} should be {half}")),
            "Upload-Offset {offset}: message names the offset to resume at: {}",
            error.message
        );
        let status = upload_status(&server, &inspector.token, &sent.hash).await;
        assert_eq!(
            status.received_bytes, half as u64,
            "Upload-Offset {offset}: partial upload keeps its bytes"
        );
        assert_unchanged(&server, &before, &format!("Upload-Offset {offset}"));
    }

    // The right offset completes the photo, so the rejections were for the offset alone.
    let response = put_photo(
        &server,
        &inspector.token,
        &sent.hash,
        &[
            ("upload-length", full.to_string()),
            ("upload-offset", half.to_string()),
        ],
        sent.jpeg[half..].to_vec(),
    )
    .await;
    assert_eq!(
        response.status(),
        201,
        "resume at the named offset stores the photo"
    );
    assert_eq!(server.count("photos"), before.photos + 1, "photo row is stored");
}
