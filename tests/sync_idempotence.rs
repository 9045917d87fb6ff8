//! Sync is idempotent: a batch the server has already merged changes nothing when it arrives again.
//! The cases are a device that re-sends its whole outbox, a client that posts the same body twice,
//! and a device restored from an old copy of its database.

use std::sync::Arc;

use automerge::ActorId;
use foodpatrol_device::{Device, SystemClock};
use foodpatrol_shared::checklist::{Answer, TemplateRef};
use foodpatrol_shared::crdt::{self, inspection_doc};
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef, Signature};
use foodpatrol_shared::protocol::{
    CBOR_MEDIA_TYPE, DocKind, DocPush, PROTOCOL_VERSION, RegisterRequest, RegisterResponse, SyncRequest,
    SyncResponse,
};
use foodpatrol_shared::rectification::{RectificationMode, RectificationOrder, Tier};
use foodpatrol_shared::shop::{BusinessType, Shop};
use foodpatrol_tests::{TestDevice, TestServer, score_all, signature_png};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

/// Server tables whose row counts must not move when a batch arrives again.
const COUNTED_TABLES: [&str; 6] = [
    "docs",
    "inspections",
    "answers",
    "tasks",
    "photos",
    "doc_versions",
];

fn row_counts(server: &TestServer) -> Vec<(&'static str, i64)> {
    COUNTED_TABLES
        .iter()
        .map(|table| (*table, server.count(table)))
        .collect()
}

fn assert_counts_unchanged(before: &[(&str, i64)], after: &[(&str, i64)], when: &str) {
    for ((table, old), (_, new)) in before.iter().zip(after) {
        assert_eq!(new, old, "server table {table} row count changed {when}");
    }
}

/// Counts the rows of `table` that belong to one inspection.
fn rows_of_inspection(server: &TestServer, table: &str, id: InspectionId) -> i64 {
    let column = if table == "inspections" {
        "id"
    } else {
        "inspection_id"
    };
    server
        .db()
        .query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
            [id.to_string()],
            |r| r.get(0),
        )
        .expect("count of one inspection's rows")
}

/// Makes the device forget every acknowledgement, as if no sync response had ever been applied.
fn forget_acknowledgements(device: &TestDevice) {
    let conn = rusqlite::Connection::open(TestDevice::path(&device.dir)).expect("device db opens");
    conn.execute("UPDATE docs SET synced_heads = '', dirty = 1", [])
        .expect("outbox resets");
    conn.execute("UPDATE sync_state SET cursor = 0", [])
        .expect("cursor resets");
    conn.execute("UPDATE photos SET uploaded = 0", [])
        .expect("photo upload flags reset");
}

/// Signs in the first inspector of a pair on one device, with a restaurant assigned to the pair
/// and synced. Returns the device, the partner to name on a visit, and the restaurant.
async fn restaurant_visit_setup(server: &TestServer) -> (TestDevice, InspectorRef, Shop) {
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);
    server.assign(&[&restaurant], (&zhang, &li)).await;
    let a = TestDevice::signed_in(server, &zhang.username).await;
    a.device.sync().await.expect("first sync of A");
    let li_ref = a
        .device
        .colleagues()
        .expect("colleagues read")
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");
    (a, li_ref, restaurant)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resent_outbox_changes_nothing() {
    let server = TestServer::start(30).await;
    let (a, li_ref, restaurant) = restaurant_visit_setup(&server).await;

    // A scores, signs and submits a record with one failed item, and syncs it.
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    score_all(&a.device, visit, &[("C04-01", "mobile/jolla.jpg")]);
    a.device
        .order_rectification(
            visit,
            "C04-01",
            RectificationMode::OnSpot {
                measure: "当场补办健康证明".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    a.device.submit(visit).unwrap();
    let first = a.device.sync().await.expect("first sync of the record");
    assert!(first.new_changes_acked > 0, "the first sync delivers new changes");
    let cursor = a.device.sync_status().unwrap().cursor;
    let before = row_counts(&server);
    assert_eq!(
        rows_of_inspection(&server, "tasks", visit),
        1,
        "the failed item became one task"
    );

    // The device loses every acknowledgement and sends everything again.
    forget_acknowledgements(&a);
    assert_eq!(
        a.device.sync_status().unwrap().pending_docs,
        1,
        "the record is back in the outbox"
    );
    assert_eq!(
        a.device.sync_status().unwrap().pending_photos,
        2,
        "the evidence photo and the signature wait for upload again"
    );
    let again = a.device.sync().await.expect("repeated sync");

    assert_eq!(again.pushed_docs, 1, "the repeated sync pushes the record");
    assert_eq!(
        again.new_changes_acked, 0,
        "the server acknowledges no new changes"
    );
    assert_eq!(
        again.photos_uploaded, 0,
        "no photo bytes are sent for photos the server already has"
    );
    assert!(
        again.rejected.is_empty(),
        "nothing is rejected: {:?}",
        again.rejected
    );
    assert_counts_unchanged(&before, &row_counts(&server), "after the repeated sync");
    assert_eq!(
        a.device.sync_status().unwrap().cursor,
        cursor,
        "the feed did not move, so the cursor is where it was"
    );
    assert_eq!(
        a.device.sync_status().unwrap().pending_docs,
        0,
        "the outbox is empty again"
    );
    assert_eq!(
        a.device.sync_status().unwrap().pending_photos,
        0,
        "no photo waits for upload"
    );
    let status: String = server
        .db()
        .query_row(
            "SELECT status FROM inspections WHERE id = ?1",
            [visit.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "submitted", "the record stays submitted");
}

/// Builds a submitted inspection document as a device with `actor` would write it.
fn submitted_record(
    server: &TestServer,
    actor: ActorId,
    shop: &Shop,
    inspectors: Vec<InspectorRef>,
) -> (InspectionId, automerge::Automerge, String) {
    let template = server
        .state
        .rules
        .latest_template_for(&shop.business_type)
        .expect("catering template")
        .clone();
    let by = inspectors[0].user_id;
    let now = chrono::Utc::now().timestamp_millis();

    let id = InspectionId::new_v7();
    let new = inspection_doc::NewInspection {
        shop_id: shop.id,
        template: TemplateRef {
            id: template.id.clone(),
            version: template.version,
        },
        kind: InspectionKind::Daily,
        inspectors,
        started_at_ms: now,
        utc_offset_min: 480,
    };
    let mut doc = inspection_doc::create(id, actor, &new).expect("document creates");

    for item in &template.items {
        let answer = if item.id == "C05-01" {
            Answer::No
        } else {
            Answer::Yes
        };
        inspection_doc::set_answer(&mut doc, &item.id, answer, by, now).unwrap();
    }

    // The photo bytes are never uploaded, so the server lists the hash as missing.
    let photo_hash = hex::encode(Sha256::digest(b"evidence photo of C05-01"));
    inspection_doc::set_remark(&mut doc, "C05-01", "地面有积水", by, now).unwrap();
    inspection_doc::add_photo(&mut doc, "C05-01", &photo_hash).unwrap();
    let order = RectificationOrder {
        mode: RectificationMode::OnSpot {
            measure: "当场清扫地面".into(),
        },
        tier: Tier::SelfFix,
        ordered_by: by,
        ordered_at_ms: now,
    };
    inspection_doc::set_rectification(&mut doc, "C05-01", &order).unwrap();

    let refusal = Signature::Refused {
        reason: "负责人不在店".into(),
        witness: "社区网格员赵敏".into(),
        at_ms: now,
    };
    inspection_doc::set_signature(&mut doc, &refusal).unwrap();
    let outcome = inspection_doc::read(&doc)
        .unwrap()
        .evaluate(&server.state.rules)
        .unwrap()
        .outcome;
    inspection_doc::submit(&mut doc, by, now, outcome).unwrap();
    (id, doc, photo_hash)
}

async fn post_sync(server: &TestServer, token: &str, body: &[u8]) -> SyncResponse {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url()))
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, CBOR_MEDIA_TYPE)
        .body(body.to_vec())
        .send()
        .await
        .expect("sync request is sent");
    let status = response.status();
    let bytes = response.bytes().await.expect("sync response body reads");
    assert_eq!(
        status,
        200,
        "sync is accepted: {}",
        String::from_utf8_lossy(&bytes)
    );
    ciborium::from_reader(bytes.as_ref()).expect("sync response is CBOR")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_sync_body_posted_twice() {
    let server = TestServer::start(30).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);

    let registered: RegisterResponse = reqwest::Client::new()
        .post(format!("{}/v1/devices/register", server.url()))
        .json(&RegisterRequest {
            username: zhang.username.clone(),
            password: foodpatrol_server::seed::DEMO_PASSWORD.into(),
            device_name: "手工同步客户端".into(),
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actor = foodpatrol_shared::crdt::session_actor(registered.device_id, [1; 8]);
    let inspectors = vec![
        InspectorRef {
            user_id: zhang.id,
            name: zhang.display_name.clone(),
        },
        InspectorRef {
            user_id: li.id,
            name: li.display_name.clone(),
        },
    ];
    let (visit, doc, photo_hash) = submitted_record(&server, actor, &restaurant, inspectors);
    let heads = crdt::heads_to_hex(&doc.get_heads());
    let changes = doc.get_changes(&[]);
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_now_ms: chrono::Utc::now().timestamp_millis(),
        cursor: 0,
        docs: vec![DocPush {
            doc_id: visit.into(),
            kind: DocKind::Inspection,
            changes: changes
                .iter()
                .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
                .collect(),
            heads: heads.clone(),
        }],
    };
    let mut body = Vec::new();
    ciborium::into_writer(&request, &mut body).expect("request encodes");

    let first = post_sync(&server, &registered.token, &body).await;
    let after_first = row_counts(&server);
    let second = post_sync(&server, &registered.token, &body).await;
    let after_second = row_counts(&server);

    assert_eq!(first.acks.len(), 1, "the first response acknowledges the record");
    assert_eq!(
        second.acks.len(),
        1,
        "the second response acknowledges the record"
    );
    assert_eq!(
        first.acks[0].new_changes as usize,
        changes.len(),
        "every change of the first body is new"
    );
    assert_eq!(
        second.acks[0].new_changes, 0,
        "no change of the second body is new"
    );
    assert_eq!(
        first.acks[0].heads, heads,
        "the server's heads after the first body"
    );
    assert_eq!(
        second.acks[0].heads, first.acks[0].heads,
        "both responses acknowledge the same heads"
    );
    assert_eq!(second.cursor, first.cursor, "the feed did not move");
    assert!(
        first.updates.is_empty(),
        "the device lacks nothing after the first body"
    );
    assert!(
        second.updates.is_empty(),
        "the device lacks nothing after the second body"
    );
    assert_eq!(
        second.missing_photos, first.missing_photos,
        "both responses ask for the same photos"
    );
    assert!(
        first.missing_photos.iter().any(|p| p.hash == photo_hash),
        "the server asks for the evidence photo it lacks"
    );
    assert_counts_unchanged(&after_first, &after_second, "after the second identical body");
    assert_eq!(
        rows_of_inspection(&server, "inspections", visit),
        1,
        "one inspection row"
    );
    assert_eq!(
        rows_of_inspection(&server, "answers", visit),
        54,
        "one answer row per checklist item"
    );
    assert_eq!(
        rows_of_inspection(&server, "tasks", visit),
        1,
        "one task for the failed item"
    );
}

/// Copies a live SQLite database to `to` with `VACUUM INTO`, a consistent snapshot in one file.
fn snapshot_database(from: &std::path::Path, to: &std::path::Path) {
    let conn = rusqlite::Connection::open(from).expect("device db opens for the copy");
    conn.execute("VACUUM INTO ?1", [to.to_str().expect("UTF-8 temp path")])
        .expect("VACUUM INTO copies the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restored_device_copy_recovers_later_edits() {
    let server = TestServer::start(30).await;
    let (a, li_ref, restaurant) = restaurant_visit_setup(&server).await;

    // A marks the first two sections and syncs. Then the device's database is backed up.
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    for item in ["C01-01", "C01-02", "C02-01", "C02-02", "C02-03", "C02-04"] {
        a.device.answer(visit, item, Answer::Yes).unwrap();
    }
    a.device.sync().await.expect("sync before the backup");
    let backup_dir = tempfile::tempdir().unwrap();
    let backup = backup_dir.path().join("device-backup.sqlite");
    snapshot_database(a.device.path(), &backup);

    // After the backup, A finishes, signs and submits the record and syncs it.
    score_all(&a.device, visit, &[("C04-01", "mobile/jolla.jpg")]);
    a.device
        .order_rectification(
            visit,
            "C04-01",
            RectificationMode::OnSpot {
                measure: "当场补办健康证明".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    a.device.submit(visit).unwrap();
    a.device.sync().await.expect("sync after the backup");
    let latest = a.device.inspection(visit).unwrap();
    let before = row_counts(&server);

    // The device is restored from the backup: same identity and token, older data.
    let restored = Device::open_with_clock(&backup, Arc::new(SystemClock)).expect("backup opens");
    assert_eq!(
        restored.identity().unwrap().map(|i| i.device_id),
        a.device.identity().unwrap().map(|i| i.device_id),
        "the backup carries the same device identity"
    );
    let old = restored
        .inspection(visit)
        .expect("the backup contains the record");
    assert_eq!(
        old.answers.len(),
        6,
        "the backup contains only the first six marks"
    );
    assert!(
        old.submission.is_none(),
        "the backup contains the record unsubmitted"
    );

    let report = restored.sync().await.expect("restored device syncs");

    assert_eq!(
        report.new_changes_acked, 0,
        "the restored device sends nothing new"
    );
    assert!(
        report.rejected.is_empty(),
        "nothing is rejected: {:?}",
        report.rejected
    );
    assert_counts_unchanged(&before, &row_counts(&server), "after the restored device synced");
    assert_eq!(
        rows_of_inspection(&server, "inspections", visit),
        1,
        "the inspection row is not doubled"
    );
    assert_eq!(
        rows_of_inspection(&server, "tasks", visit),
        1,
        "the task is not doubled"
    );
    assert_eq!(
        rows_of_inspection(&server, "answers", visit),
        54,
        "one answer row per checklist item"
    );
    let recovered = restored.inspection(visit).expect("restored record reads");
    assert_eq!(
        recovered.answers, latest.answers,
        "the restored device has the marks made after the backup"
    );
    assert_eq!(
        recovered.answer("C04-01"),
        Some(Answer::No),
        "the failed item marked after the backup is back"
    );
    assert!(
        recovered.submission.is_some(),
        "the submission made after the backup is back"
    );
    assert_eq!(recovered, latest, "the restored record equals the latest one");
    assert_eq!(
        restored.sync_status().unwrap().pending_docs,
        0,
        "the restored device has nothing left to send"
    );
}

/// Returns the server's mark of one item, if it has one.
fn server_answer(server: &TestServer, id: InspectionId, item: &str) -> Option<String> {
    use rusqlite::OptionalExtension;
    server
        .db()
        .query_row(
            "SELECT answer FROM answers WHERE inspection_id = ?1 AND item_id = ?2",
            [id.to_string(), item.to_owned()],
            |r| r.get(0),
        )
        .optional()
        .expect("answer query runs")
}

// A restored copy must not reuse (actor, seq) pairs the server already holds: each opened store
// writes as a new session actor, so the offline edit syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restored_device_offline_edit_syncs() {
    let server = TestServer::start(30).await;
    let (a, li_ref, restaurant) = restaurant_visit_setup(&server).await;
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    for item in ["C01-01", "C01-02"] {
        a.device.answer(visit, item, Answer::Yes).unwrap();
    }
    a.device.sync().await.expect("sync before the backup");
    let backup_dir = tempfile::tempdir().unwrap();
    let backup = backup_dir.path().join("device-backup.sqlite");
    snapshot_database(a.device.path(), &backup);
    for item in ["C02-01", "C02-02"] {
        a.device.answer(visit, item, Answer::Yes).unwrap();
    }
    a.device.sync().await.expect("sync after the backup");

    // Restored from the backup, the device records one more mark before it syncs.
    let restored = Device::open_with_clock(&backup, Arc::new(SystemClock)).expect("backup opens");
    restored.answer(visit, "C03-01", Answer::Yes).unwrap();
    let report = restored.sync().await;

    let report = report.expect("the restored device syncs after an offline edit");
    assert!(
        report.rejected.is_empty(),
        "nothing is rejected: {:?}",
        report.rejected
    );
    assert_eq!(
        server_answer(&server, visit, "C03-01").as_deref(),
        Some("yes"),
        "the mark made on the restored device reaches the server"
    );
    assert_eq!(
        server_answer(&server, visit, "C02-01").as_deref(),
        Some("yes"),
        "the mark made after the backup is still on the server"
    );
    let recovered = restored.inspection(visit).expect("restored record reads");
    assert_eq!(
        recovered.answer("C02-01"),
        Some(Answer::Yes),
        "the restored device gets the mark made after the backup"
    );
    assert_eq!(
        recovered.answer("C03-01"),
        Some(Answer::Yes),
        "the restored device keeps its own offline mark"
    );
}
