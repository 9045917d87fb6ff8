//! A photo upload cut at half and resumed: the device re-sends only the missing half, and the
//! server ends up with a byte-identical photo whose SHA-256 is its address.
//!
//! The cut is real: a raw TCP connection announces the whole photo, writes half of it and shuts
//! its write side down, as a phone does when the network drops mid-upload.

use foodpatrol_device::Device;
use foodpatrol_server::api::UploadStatus;
use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::inspection::InspectionKind;
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{TestDevice, TestServer, fixture};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Maximum status requests made while waiting for the server to hold the first half.
const MAX_STATUS_POLLS: usize = 200;

/// Starts an inspection on a catering shop and attaches one evidence photo. Returns its hash.
async fn device_with_photo(server: &TestServer) -> (TestDevice, String) {
    let (zhang, li) = server.inspector_pair();
    let shop = server.shop_of(BusinessType::Catering);
    server.assign(&[&shop], (&zhang, &li)).await;
    let test = TestDevice::signed_in(server, &zhang.username).await;
    test.device.sync().await.expect("first sync downloads the shop");

    let visit = test
        .device
        .start_inspection(shop.id, InspectionKind::Daily, None)
        .expect("inspection starts");
    let template = test.device.inspection(visit).expect("inspection reads").template;
    let item = test
        .device
        .rules()
        .template(&template)
        .expect("template installed")
        .items[0]
        .id
        .clone();
    test.device
        .answer(visit, &item, Answer::No)
        .expect("answer stores");
    let photo = test
        .device
        .attach_photo(visit, &item, &fixture("gps/DSCN0021.jpg"))
        .expect("photo stores");
    (test, photo.hash)
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

/// Sends `PUT /v1/photos/{hash}` announcing the whole photo, writes only its first `sent` bytes,
/// and shuts the write side down. Returns the socket, whose read side stays open for the reply.
async fn cut_upload(
    server: &TestServer,
    token: &str,
    hash: &str,
    jpeg: &[u8],
    sent: usize,
) -> tokio::net::TcpStream {
    let mut socket = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("raw connection opens");
    let head = format!(
        "PUT /v1/photos/{hash} HTTP/1.1\r\n\
         Host: {addr}\r\n\
         Authorization: Bearer {token}\r\n\
         Upload-Length: {length}\r\n\
         Upload-Offset: 0\r\n\
         Content-Type: application/octet-stream\r\n\
         Content-Length: {length}\r\n\
         \r\n",
        addr = server.addr(),
        length = jpeg.len(),
    );
    socket
        .write_all(head.as_bytes())
        .await
        .expect("request head is written");
    socket
        .write_all(&jpeg[..sent])
        .await
        .expect("first bytes are written");
    socket.flush().await.expect("socket flushes");
    socket.shutdown().await.expect("write side shuts down");
    socket
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn device_jpeg(device: &Device, hash: &str) -> Vec<u8> {
    device.photo(hash).expect("photo is stored on the device").0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_upload_resumes_with_missing_half() {
    let server = TestServer::start(20).await;
    let (test, hash) = device_with_photo(&server).await;
    let identity = test.device.require_identity().expect("device is signed in");
    let token = identity.token.clone().expect("device has a token");
    let jpeg = device_jpeg(&test.device, &hash);
    let full = jpeg.len() as u64;
    let half = full / 2;
    assert!(half > 0, "photo of {full} bytes is large enough to cut");

    let mut socket = cut_upload(&server, &token, &hash, &jpeg, half as usize).await;

    // Wait for a real condition: the server has exactly the half that was sent.
    let mut received = None;
    for _ in 0..MAX_STATUS_POLLS {
        let status = upload_status(&server, &token, &hash).await;
        assert!(!status.complete, "half a photo is not complete");
        if status.received_bytes == half {
            received = Some(status.received_bytes);
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        received,
        Some(half),
        "server has the first half within {MAX_STATUS_POLLS} status requests"
    );

    // The server responds to the cut request once its handler has returned. Reading that response
    // makes sure the handler has released the photo, so the resume cannot get 409 upload_in_progress.
    let mut reply = Vec::new();
    socket
        .read_to_end(&mut reply)
        .await
        .expect("server responds to the cut request and closes the connection");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "cut request gets 400: {reply}");
    assert!(
        reply.contains("\"code\":\"upload_interrupted\""),
        "cut request is reported as interrupted: {reply}"
    );
    assert!(
        reply.contains(&format!("{half} 字节")),
        "reply names the {half} bytes kept: {reply}"
    );

    let upload = test
        .device
        .upload_photo(&identity, &token, &hash)
        .await
        .expect("upload resumes");
    assert_eq!(
        upload.bytes_sent,
        full - half,
        "resume sends only the missing half"
    );
    assert_eq!(upload.round_trips, 2, "one status request and one upload");

    let stored = reqwest::Client::new()
        .get(format!("{}/v1/photos/{hash}", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download reaches the server");
    assert_eq!(stored.status(), 200, "resumed photo is downloadable");
    let stored = stored.bytes().await.expect("photo body reads");
    assert_eq!(stored.len() as u64, full, "stored photo has the full size");
    assert!(
        stored.as_ref() == jpeg.as_slice(),
        "stored photo is byte-identical to the device's JPEG"
    );
    assert_eq!(sha256_hex(&stored), hash, "stored photo's SHA-256 is its address");
    assert_eq!(server.count("photos"), 1, "server has one photo row");
    let status = upload_status(&server, &token, &hash).await;
    assert!(status.complete, "upload status reports the photo complete");
    assert_eq!(status.received_bytes, full, "upload status reports the full size");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_photo_uploads_again_as_no_op() {
    let server = TestServer::start(20).await;
    let (test, hash) = device_with_photo(&server).await;
    let identity = test.device.require_identity().expect("device is signed in");
    let token = identity.token.clone().expect("device has a token");
    let jpeg = device_jpeg(&test.device, &hash);

    let first = test
        .device
        .upload_photo(&identity, &token, &hash)
        .await
        .expect("first upload succeeds");
    assert_eq!(
        first.bytes_sent,
        jpeg.len() as u64,
        "first upload sends the whole photo"
    );

    let again = test
        .device
        .upload_photo(&identity, &token, &hash)
        .await
        .expect("second upload succeeds");
    assert_eq!(again.bytes_sent, 0, "second upload sends no photo bytes");
    assert_eq!(again.round_trips, 1, "second upload is only the status request");

    // A client that skips the status request and sends the whole photo again changes nothing.
    let response = reqwest::Client::new()
        .put(format!("{}/v1/photos/{hash}", server.url()))
        .bearer_auth(&token)
        .header("upload-length", jpeg.len().to_string())
        .body(jpeg.clone())
        .send()
        .await
        .expect("repeated PUT reaches the server");
    assert_eq!(
        response.status(),
        200,
        "repeated PUT of a stored photo is 200, not 201"
    );
    let status: UploadStatus = response.json().await.expect("PUT response is JSON");
    assert!(status.complete, "repeated PUT reports the photo complete");
    assert_eq!(status.received_bytes, 0, "repeated PUT stores no new bytes");
    assert_eq!(server.count("photos"), 1, "server still has one photo row");
}
