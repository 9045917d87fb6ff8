//! Who may read and write what: owners see only their own shop, only the writer role of a
//! document kind may change it, every change must come from the calling device, and a device
//! whose outbox contains a rejected document sets it aside and keeps syncing the rest.
//!
//! Every rejected request is checked for its HTTP status, its JSON `code` and a message that
//! names the problem, and for leaving everything the server stores exactly as it was.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc, Value};
use chrono::Days;
use foodpatrol_device::{Device, Identity};
use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::crdt::{self, DocError, inspection_doc, task_docs};
use foodpatrol_shared::ids::{DeviceId, DocId, InspectionId, TaskId};
use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
use foodpatrol_shared::protocol::{
    CBOR_MEDIA_TYPE, DocKind, DocPush, OwnerTask, PROTOCOL_VERSION, ProofRequest, RegisterResponse,
    SyncRequest,
};
use foodpatrol_shared::rectification::{RectificationMode, ResponseRound, TaskState, Tier};
use foodpatrol_shared::shop::Shop;
use foodpatrol_tests::{
    TestDevice, TestServer, api_error, assert_unchanged, fixture, register, score_all, signature_png, stored,
};
use reqwest::StatusCode;
use serde_bytes::ByteBuf;

// ---- what the server stores ----

/// Loads a stored document from the server's database.
fn server_doc(server: &TestServer, id: DocId) -> Automerge {
    let bytes: Vec<u8> = server
        .db()
        .query_row("SELECT bytes FROM docs WHERE id = ?1", [id.to_string()], |r| {
            r.get(0)
        })
        .expect("document is stored on the server");
    Automerge::load(&bytes).expect("stored document loads")
}

// ---- HTTP helpers ----

/// Random part of the session actors this test writes with, as a client that opened its store.
const TEST_SESSION: [u8; 8] = *b"authtest";

/// Returns an automerge actor of a session of `device`, which the server attributes to that device.
fn actor_of(device: DeviceId) -> ActorId {
    crdt::session_actor(device, TEST_SESSION)
}

/// Builds the CBOR body of a sync request that pushes `changes` of one document.
fn push(doc_id: DocId, kind: DocKind, doc: &Automerge, changes: Vec<ByteBuf>) -> Vec<u8> {
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        device_now_ms: chrono::Utc::now().timestamp_millis(),
        cursor: 0,
        docs: vec![DocPush {
            doc_id,
            kind,
            changes,
            heads: crdt::heads_to_hex(&doc.get_heads()),
        }],
    };
    let mut body = Vec::new();
    ciborium::into_writer(&request, &mut body).expect("request serializes");
    body
}

fn raw_changes(doc: &Automerge, since: &[automerge::ChangeHash]) -> Vec<ByteBuf> {
    doc.get_changes(since)
        .iter()
        .map(|c| ByteBuf::from(c.raw_bytes().to_vec()))
        .collect()
}

async fn post_sync(server: &TestServer, token: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.url()))
        .header(reqwest::header::CONTENT_TYPE, CBOR_MEDIA_TYPE)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sync request reaches the server")
}

/// Asserts a sync rejected whole with 403 for one document, and returns that document's message.
async fn assert_sync_forbidden(response: reqwest::Response, doc_id: DocId, code: &str, case: &str) -> String {
    let (status, error) = api_error(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{case}: HTTP status");
    assert_eq!(error.code, "sync_rejected", "{case}: error code");
    assert!(
        error.message.contains("sync rejected, nothing stored"),
        "{case}: message says nothing was stored: {}",
        error.message
    );
    assert_eq!(error.rejected.len(), 1, "{case}: one document rejected");
    assert_eq!(error.rejected[0].doc_id, doc_id, "{case}: rejected document");
    assert_eq!(error.rejected[0].code, code, "{case}: rejected code");
    error.rejected[0].message.clone()
}

// ---- the scene: two shops inspected, each with an open deadline task ----

/// Two owned shops, X and Y, each inspected by Zhang with Li and synced. Each visit leaves one
/// open deadline task, and its failed item has an evidence photo.
struct Scene {
    server: TestServer,
    zhang: TestDevice,
    li: TestDevice,
    shop_x: Shop,
    shop_y: Shop,
    visit_x: InspectionId,
    visit_y: InspectionId,
    item_y: String,
    task_x: TaskId,
    task_y: TaskId,
    evidence_x: String,
    evidence_y: String,
}

/// Scores a visit with one failed item (with remark, photo and a deadline order), signs and
/// submits it. Returns the visit and the failed item.
fn inspect_with_deadline(
    device: &Device,
    shop: &Shop,
    partner: InspectorRef,
    photo: &str,
) -> (InspectionId, String) {
    let visit = device
        .start_inspection(shop.id, InspectionKind::Daily, Some(partner))
        .expect("inspection starts");
    let template = device.inspection(visit).expect("inspection reads").template;
    let item = device
        .rules()
        .template(&template)
        .expect("template installed")
        .items
        .iter()
        .find(|i| i.expected == Answer::Yes)
        .expect("template has an item where 是 complies")
        .id
        .clone();
    score_all(device, visit, &[(&item, photo)]);
    let today = chrono::Utc::now().date_naive();
    device
        .order_rectification(
            visit,
            &item,
            RectificationMode::Deadline {
                due: today + Days::new(7),
                requirement: "整改后上传照片".into(),
            },
            Tier::SelfFix,
        )
        .expect("order stores");
    device
        .sign(visit, "店长", &signature_png())
        .expect("signature stores");
    device.submit(visit).expect("record submits");
    (visit, item)
}

fn evidence(device: &Device, visit: InspectionId, item: &str) -> String {
    device.inspection(visit).expect("inspection reads").answers[item]
        .current
        .photos[0]
        .clone()
}

async fn scene() -> Scene {
    let server = TestServer::start(60).await;
    let (zhang_user, li_user) = server.inspector_pair();
    let owned = server.owned_shops();
    let (shop_x, shop_y) = (owned[0].clone(), owned[1].clone());
    server.assign(&[&shop_x, &shop_y], (&zhang_user, &li_user)).await;

    let zhang = TestDevice::signed_in(&server, &zhang_user.username).await;
    let li = TestDevice::signed_in(&server, &li_user.username).await;
    zhang.device.sync().await.expect("first sync of Zhang");
    li.device.sync().await.expect("first sync of Li");
    let li_ref = li
        .device
        .require_identity()
        .expect("Li signed in")
        .inspector_ref();

    let (visit_x, item_x) = inspect_with_deadline(&zhang.device, &shop_x, li_ref.clone(), "gps/DSCN0010.jpg");
    let (visit_y, item_y) = inspect_with_deadline(&zhang.device, &shop_y, li_ref, "gps/DSCN0012.jpg");
    let report = zhang.device.sync().await.expect("Zhang syncs both records");
    assert!(report.rejected.is_empty(), "scene: nothing rejected");
    li.device.sync().await.expect("Li receives both records");

    Scene {
        evidence_x: evidence(&zhang.device, visit_x, &item_x),
        evidence_y: evidence(&zhang.device, visit_y, &item_y),
        task_x: TaskId::for_item(visit_x, &item_x),
        task_y: TaskId::for_item(visit_y, &item_y),
        server,
        zhang,
        li,
        shop_x,
        shop_y,
        visit_x,
        visit_y,
        item_y,
    }
}

/// Builds a fresh request for one route, so the same request can be sent with each credential.
type RequestFactory<'a> = Box<dyn Fn() -> reqwest::RequestBuilder + 'a>;

fn identity(device: &TestDevice) -> Identity {
    device.device.require_identity().expect("device is signed in")
}

/// Writes an answer straight into an item's map with a raw automerge transaction by `actor`,
/// as a tampered client would, and returns the new changes.
fn tamper_answer(doc: &mut Automerge, actor: ActorId, item: &str, answer: Answer) -> Vec<ByteBuf> {
    doc.set_actor(actor);
    let before = doc.get_heads();
    let answers = match doc.get(ROOT, "answers").expect("answers map reads") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("answers is not a map: {other:?}"),
    };
    let item_map = match doc.get(&answers, item).expect("item reads") {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("item {item} has no mark: {other:?}"),
    };
    let mut tx = doc.transaction();
    tx.put(&item_map, "answer", answer.as_str()).expect("answer puts");
    tx.commit();
    raw_changes(doc, &before)
}

// ---- tests ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_cannot_reach_other_shops_tasks() {
    let scene = scene().await;
    let server = &scene.server;
    let http = reqwest::Client::new();
    let owner_x = register(server, &foodpatrol_server::seed::owner_username(&scene.shop_x)).await;
    let owner_y = register(server, &foodpatrol_server::seed::owner_username(&scene.shop_y)).await;

    // Owner X lists tasks and gets only X's.
    let tasks: Vec<OwnerTask> = http
        .get(format!("{}/v1/owner/tasks", server.url()))
        .bearer_auth(&owner_x.token)
        .send()
        .await
        .expect("task list reaches the server")
        .json()
        .await
        .expect("task list is JSON");
    assert_eq!(tasks.len(), 1, "owner X sees exactly one task");
    assert_eq!(tasks[0].task_id, scene.task_x, "owner X's task is X's");
    assert_eq!(
        tasks[0].inspection_id, scene.visit_x,
        "owner X's task comes from X's visit"
    );
    assert!(
        tasks.iter().all(|t| t.inspection_id != scene.visit_y),
        "owner X sees nothing of Y's visit"
    );

    // Owner X uploads a proof photo of its own, to try on Y's task.
    let proof =
        foodpatrol_device::photo::process_photo(&fixture("mobile/jolla.jpg")).expect("proof photo processes");
    let upload = http
        .put(format!("{}/v1/photos/{}", server.url(), proof.hash))
        .bearer_auth(&owner_x.token)
        .header("upload-length", proof.jpeg.len().to_string())
        .body(proof.jpeg.clone())
        .send()
        .await
        .expect("proof upload reaches the server");
    assert_eq!(upload.status(), 201, "owner X's proof photo is stored");
    let before = stored(server);

    // Proof for Y's task: absent, not forbidden, so that X cannot probe which tasks exist.
    let response = http
        .post(format!("{}/v1/owner/tasks/{}/proof", server.url(), scene.task_y))
        .bearer_auth(&owner_x.token)
        .json(&ProofRequest {
            note: "已整改".into(),
            photos: vec![proof.hash.clone()],
        })
        .send()
        .await
        .expect("proof request reaches the server");
    let (status, error) = api_error(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "proof for Y's task: HTTP status");
    assert_eq!(error.code, "not_found", "proof for Y's task: error code");
    assert!(
        error.message.contains(&scene.task_y.to_string()),
        "proof for Y's task: message names the task: {}",
        error.message
    );
    assert!(
        error.message.contains("no such task for this shop"),
        "proof for Y's task: message says the shop has no such task: {}",
        error.message
    );
    assert_unchanged(server, &before, "proof for Y's task");

    // Y's evidence photo: absent for owner X.
    let response = http
        .get(format!("{}/v1/photos/{}", server.url(), scene.evidence_y))
        .bearer_auth(&owner_x.token)
        .send()
        .await
        .expect("photo request reaches the server");
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "Y's evidence for owner X: HTTP status"
    );
    assert_eq!(error.code, "not_found", "Y's evidence for owner X: error code");
    assert!(
        error.message.contains(&scene.evidence_y),
        "Y's evidence for owner X: message names the photo: {}",
        error.message
    );
    assert_unchanged(server, &before, "Y's evidence for owner X");

    // Controls: each owner reads its own shop's evidence, so the 404s above are about the shop.
    for (owner, hash, case) in [
        (&owner_x, &scene.evidence_x, "X's evidence for owner X"),
        (&owner_y, &scene.evidence_y, "Y's evidence for owner Y"),
    ] {
        let response = http
            .get(format!("{}/v1/photos/{hash}", server.url()))
            .bearer_auth(&owner.token)
            .send()
            .await
            .expect("photo request reaches the server");
        assert_eq!(response.status(), 200, "{case}");
    }
    let response = http
        .post(format!("{}/v1/owner/tasks/{}/proof", server.url(), scene.task_x))
        .bearer_auth(&owner_x.token)
        .json(&ProofRequest {
            note: "已整改".into(),
            photos: vec![proof.hash.clone()],
        })
        .send()
        .await
        .expect("proof request reaches the server");
    assert_eq!(response.status(), 200, "owner X submits proof for X's own task");
    let task: OwnerTask = response.json().await.expect("task is JSON");
    assert_eq!(task.state, TaskState::ProofSubmitted, "X's task waits for review");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_cannot_change_inspection_answers() {
    let scene = scene().await;
    let server = &scene.server;
    let owner = register(server, &foodpatrol_server::seed::owner_username(&scene.shop_y)).await;
    let doc_id = DocId::from(scene.visit_y);
    let mut doc = server_doc(server, doc_id);

    // The document API rejects changes to a sealed record, so a tampered client writes raw changes.
    let sealed = inspection_doc::set_answer(&mut doc.fork(), &scene.item_y, Answer::Yes, owner.user_id, 0);
    assert_eq!(
        sealed,
        Err(DocError::Sealed),
        "document API rejects changes to the sealed record"
    );
    let changes = tamper_answer(&mut doc, actor_of(owner.device_id), &scene.item_y, Answer::Yes);
    assert_eq!(changes.len(), 1, "tampering makes one change");
    let before = stored(server);

    let response = post_sync(
        server,
        Some(&owner.token),
        push(doc_id, DocKind::Inspection, &doc, changes),
    )
    .await;
    let message = assert_sync_forbidden(response, doc_id, "wrong_role", "owner edits an answer").await;
    assert!(
        message.contains("may not write inspection documents"),
        "owner edits an answer: message names the role and document kind: {message}"
    );
    assert_unchanged(server, &before, "owner edits an answer");
    let failed: String = server
        .db()
        .query_row(
            "SELECT answer FROM answers WHERE inspection_id = ?1 AND item_id = ?2",
            [scene.visit_y.to_string(), scene.item_y.clone()],
            |r| r.get(0),
        )
        .expect("failed item is projected");
    assert_eq!(failed, "no", "failed item keeps the inspector's 否");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_cannot_push_forged_changes() {
    let scene = scene().await;
    let server = &scene.server;
    let zhang = identity(&scene.zhang);
    let li = identity(&scene.li);
    let token = zhang.token.clone().expect("Zhang has a token");
    let doc_id = DocId::from(scene.visit_y);
    let before = stored(server);

    // A change authored by Li's device, sent with Zhang's token.
    let mut doc = server_doc(server, doc_id);
    let li_actor = scene.li.device.actor(&li);
    let changes = tamper_answer(&mut doc, li_actor.clone(), &scene.item_y, Answer::Yes);
    let response = post_sync(
        server,
        Some(&token),
        push(doc_id, DocKind::Inspection, &doc, changes),
    )
    .await;
    let message = assert_sync_forbidden(response, doc_id, "foreign_actor", "forged author").await;
    assert!(
        message.contains(&format!("change author {li_actor} is not this device")),
        "forged author: message names the author: {message}"
    );
    assert_unchanged(server, &before, "forged author");

    // A response document, which only the shop's owner writes.
    let response_id = scene.task_y.response_doc();
    let mut response_doc = task_docs::create_response(scene.task_y, scene.zhang.device.actor(&zhang))
        .expect("response document builds");
    task_docs::add_round(
        &mut response_doc,
        &ResponseRound {
            note: "检查员代为提交".into(),
            photos: vec![scene.evidence_y.clone()],
            by: zhang.user_id,
            at_ms: chrono::Utc::now().timestamp_millis(),
        },
    )
    .expect("round appends");
    let changes = raw_changes(&response_doc, &[]);
    let response = post_sync(
        server,
        Some(&token),
        push(
            response_id,
            DocKind::RectificationResponse,
            &response_doc,
            changes,
        ),
    )
    .await;
    let message =
        assert_sync_forbidden(response, response_id, "wrong_role", "inspector writes a response").await;
    assert!(
        message.contains("may not write rectification_response documents"),
        "inspector writes a response: message names the document kind: {message}"
    );
    assert_unchanged(server, &before, "inspector writes a response");

    // Forged skeletons: the skeleton actor's first change, but not the skeleton's bytes. One
    // would rewrite Y's stored record, the other would start a record that no device created.
    for (target, case) in [
        (doc_id, "forged skeleton of a stored record"),
        (
            DocId::from(InspectionId::new_v7()),
            "forged skeleton of a new record",
        ),
    ] {
        let mut forged = Automerge::new().with_actor(crdt::skeleton_actor(target));
        let mut tx = forged.transaction();
        tx.put(ROOT, "schema", crdt::SCHEMA_VERSION)
            .expect("root is a map");
        tx.put(ROOT, "kind", DocKind::Inspection.as_str())
            .expect("root is a map");
        tx.put(ROOT, "id", target.to_string()).expect("root is a map");
        tx.put(ROOT, "outcome", "compliant").expect("root is a map");
        tx.commit_with(CommitOptions::default().with_time(0));
        let changes = raw_changes(&forged, &[]);
        let response = post_sync(
            server,
            Some(&token),
            push(target, DocKind::Inspection, &forged, changes),
        )
        .await;
        let message = assert_sync_forbidden(response, target, "forged_skeleton", case).await;
        assert!(
            message.contains("skeleton change does not match the document id"),
            "{case}: message names the problem: {message}"
        );
        assert_unchanged(server, &before, case);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_missing_token_is_unauthorized() {
    let scene = scene().await;
    let server = &scene.server;
    let http = reqwest::Client::new();
    let zhang = identity(&scene.zhang);

    // Requests that would store something if the server let them through.
    let review = task_docs::create_review(scene.task_x, scene.zhang.device.actor(&zhang))
        .expect("review document builds");
    let sync_body = push(
        scene.task_x.review_doc(),
        DocKind::RectificationReview,
        &review,
        raw_changes(&review, &[]),
    );
    let photo =
        foodpatrol_device::photo::process_photo(&fixture("gps/DSCN0027.jpg")).expect("photo processes");
    let proof = ProofRequest {
        note: "已整改".into(),
        photos: vec![scene.evidence_x.clone()],
    };

    // A second registration of Zhang, revoked. The server has no revoke route yet, so the test
    // sets the flag in the database as an administrator would.
    let revoked = register(server, &server.inspector_pair().0.username).await;
    rusqlite::Connection::open(server.database())
        .expect("server database opens for writing")
        .execute(
            "UPDATE devices SET revoked = 1 WHERE id = ?1",
            [revoked.device_id.to_string()],
        )
        .expect("device is revoked");
    let before = stored(server);

    let url = server.url();
    let requests: Vec<(&str, RequestFactory<'_>)> = vec![
        (
            "POST /v1/sync",
            Box::new(|| {
                http.post(format!("{url}/v1/sync"))
                    .header(reqwest::header::CONTENT_TYPE, CBOR_MEDIA_TYPE)
                    .body(sync_body.clone())
            }),
        ),
        (
            "GET /v1/owner/tasks",
            Box::new(|| http.get(format!("{url}/v1/owner/tasks"))),
        ),
        (
            "POST /v1/owner/tasks/{task}/proof",
            Box::new(|| {
                http.post(format!("{url}/v1/owner/tasks/{}/proof", scene.task_x))
                    .json(&proof)
            }),
        ),
        (
            "GET /v1/photos/{hash}",
            Box::new(|| http.get(format!("{url}/v1/photos/{}", scene.evidence_x))),
        ),
        (
            "PUT /v1/photos/{hash}",
            Box::new(|| {
                http.put(format!("{url}/v1/photos/{}", photo.hash))
                    .header("upload-length", photo.jpeg.len().to_string())
                    .body(photo.jpeg.clone())
            }),
        ),
        (
            "GET /v1/photos/{hash}/upload",
            Box::new(|| http.get(format!("{url}/v1/photos/{}/upload", scene.evidence_x))),
        ),
        (
            "GET /v1/reports/daily",
            Box::new(|| http.get(format!("{url}/v1/reports/daily"))),
        ),
    ];
    let credentials: [(&str, Option<String>); 5] = [
        ("no Authorization header", None),
        (
            "unknown bearer token",
            Some("Bearer bm90LWEtcmVhbC10b2tlbg".into()),
        ),
        ("empty bearer token", Some("Bearer ".into())),
        ("Basic credentials", Some("Basic emhhbmc6cGFzc3dvcmQ=".into())),
        (
            "revoked device's token",
            Some(format!("Bearer {}", revoked.token)),
        ),
    ];
    for (route, build) in &requests {
        for (credential, header) in &credentials {
            let case = format!("{route} with {credential}");
            let mut request = build();
            if let Some(header) = header {
                request = request.header(reqwest::header::AUTHORIZATION, header);
            }
            let response = request.send().await.expect("request reaches the server");
            let (status, error) = api_error(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: HTTP status");
            assert_eq!(error.code, "unauthorized", "{case}: error code");
            assert!(
                error.message.contains("missing or unknown bearer token"),
                "{case}: message names the problem: {}",
                error.message
            );
            assert_unchanged(server, &before, &case);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_document_is_set_aside_once() {
    let server = TestServer::start(60).await;
    let (zhang, li) = server.inspector_pair();
    let wang = server
        .district
        .inspectors
        .iter()
        .find(|i| i.id != zhang.id && i.id != li.id)
        .expect("district has a third inspector")
        .clone();
    let owned = server.owned_shops();
    let (first_shop, second_shop) = (owned[0].clone(), owned[1].clone());
    server.assign(&[&first_shop, &second_shop], (&zhang, &li)).await;

    // Zhang starts a record on a shared pad and syncs it.
    let pad = TestDevice::signed_in(&server, &zhang.username).await;
    pad.device.sync().await.expect("Zhang's first sync");
    let zhangs_record = pad
        .device
        .start_inspection(first_shop.id, InspectionKind::Daily, None)
        .expect("Zhang's record starts");
    let template = pad
        .device
        .inspection(zhangs_record)
        .expect("record reads")
        .template;
    let items: Vec<String> = pad
        .device
        .rules()
        .template(&template)
        .expect("template installed")
        .items
        .iter()
        .map(|i| i.id.clone())
        .collect();
    pad.device
        .answer(zhangs_record, &items[0], Answer::Yes)
        .expect("Zhang's answer stores");
    pad.device.sync().await.expect("Zhang's record syncs");
    assert_eq!(
        pad.device.sync_status().expect("status reads").pending_docs,
        0,
        "Zhang's record is acknowledged"
    );

    // Wang signs in on the same pad, edits Zhang's record (Wang is not on it) and starts his own.
    pad.device
        .register(
            &server.url(),
            &wang.username,
            foodpatrol_server::seed::DEMO_PASSWORD,
            "共用平板",
        )
        .await
        .expect("Wang signs in on the pad");
    pad.device
        .answer(zhangs_record, &items[1], Answer::No)
        .expect("Wang's edit stores on the pad");
    let wangs_record = pad
        .device
        .start_inspection(second_shop.id, InspectionKind::Daily, None)
        .expect("Wang's record starts");
    pad.device
        .answer(wangs_record, &items[0], Answer::Yes)
        .expect("Wang's answer stores");
    assert_eq!(
        pad.device.sync_status().expect("status reads").pending_docs,
        2,
        "both records wait in the outbox"
    );
    let before = stored(&server);

    // The first sync sets the rejected record aside and syncs the other one.
    let report = pad
        .device
        .sync()
        .await
        .expect("sync completes despite the rejection");
    assert_eq!(report.rejected.len(), 1, "one document rejected");
    assert_eq!(
        report.rejected[0].doc_id,
        DocId::from(zhangs_record),
        "the rejected document is Zhang's record"
    );
    assert_eq!(
        report.rejected[0].code, "not_an_inspector_of_record",
        "rejected because its author is not on the record"
    );
    assert!(
        report.rejected[0]
            .message
            .contains("only the record's inspectors may change it"),
        "rejection message names the problem: {}",
        report.rejected[0].message
    );
    assert_eq!(
        report.document_round_trips, 2,
        "one rejected request and one without the rejected record"
    );
    assert_eq!(report.pushed_docs, 1, "only Wang's record is acknowledged");

    let after_first = stored(&server);
    assert_eq!(after_first.docs, before.docs + 1, "server stores Wang's record");
    assert!(
        after_first.doc_contents.contains_key(&wangs_record.to_string()),
        "the stored record is Wang's"
    );
    assert_eq!(
        after_first.doc_contents.get(&zhangs_record.to_string()),
        before.doc_contents.get(&zhangs_record.to_string()),
        "Zhang's record on the server is unchanged"
    );

    let status = pad.device.sync_status().expect("status reads");
    assert_eq!(
        status.pending_docs, 0,
        "the rejected record no longer counts as pending"
    );
    assert_eq!(status.rejected.len(), 1, "sync screen lists one rejected record");
    assert_eq!(
        status.rejected[0].doc_id,
        DocId::from(zhangs_record),
        "sync screen lists Zhang's record"
    );
    assert_eq!(
        status.rejected[0].code, "not_an_inspector_of_record",
        "sync screen shows the server's code"
    );

    // The second sync does not send the rejected record again.
    let again = pad.device.sync().await.expect("second sync completes");
    assert_eq!(again.document_round_trips, 1, "second sync is one request");
    assert_eq!(again.pushed_docs, 0, "second sync pushes no document");
    assert!(again.rejected.is_empty(), "second sync has no rejections");
    assert_unchanged(&server, &after_first, "second sync");

    // Nothing is lost: a fresh open of the pad's database still has Wang's edit of Zhang's record.
    let reopened = Device::open(&TestDevice::path(&pad.dir)).expect("pad database reopens");
    let record = reopened
        .inspection(zhangs_record)
        .expect("rejected record is still on the pad");
    assert_eq!(
        record.answer(&items[1]),
        Some(Answer::No),
        "Wang's rejected edit is kept"
    );
    assert_eq!(
        record.answer(&items[0]),
        Some(Answer::Yes),
        "Zhang's answer is kept"
    );
}

/// Asserts that owner X still gets 404 for Y's evidence photo.
async fn assert_photo_hidden(server: &TestServer, owner: &RegisterResponse, hash: &str, case: &str) {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/photos/{hash}", server.url()))
        .bearer_auth(&owner.token)
        .send()
        .await
        .expect("photo request reaches the server");
    let (status, error) = api_error(response).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "{case}: Y's evidence stays hidden from owner X"
    );
    assert_eq!(error.code, "not_found", "{case}: error code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proof_citing_foreign_photo_is_rejected() {
    let scene = scene().await;
    let server = &scene.server;
    let owner_x = register(server, &foodpatrol_server::seed::owner_username(&scene.shop_x)).await;
    let before = stored(server);

    // Owner X has the hash of Y's evidence and cites it as proof for X's own task.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/owner/tasks/{}/proof", server.url(), scene.task_x))
        .bearer_auth(&owner_x.token)
        .json(&ProofRequest {
            note: "已整改".into(),
            photos: vec![scene.evidence_y.clone()],
        })
        .send()
        .await
        .expect("proof request reaches the server");
    let status = response.status();
    assert!(
        status.is_client_error(),
        "proof citing a photo owner X may not see is rejected, got HTTP {status}"
    );
    assert_unchanged(server, &before, "proof citing Y's evidence");
    assert_photo_hidden(server, &owner_x, &scene.evidence_y, "proof citing Y's evidence").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synced_response_citing_foreign_photo_is_rejected() {
    let scene = scene().await;
    let server = &scene.server;
    let owner_x = register(server, &foodpatrol_server::seed::owner_username(&scene.shop_x)).await;
    let before = stored(server);

    // The same through /v1/sync: owner X's own response document, one round citing Y's evidence.
    let doc_id = scene.task_x.response_doc();
    let mut doc = task_docs::create_response(scene.task_x, actor_of(owner_x.device_id))
        .expect("response document builds");
    task_docs::add_round(
        &mut doc,
        &ResponseRound {
            note: "已整改".into(),
            photos: vec![scene.evidence_y.clone()],
            by: owner_x.user_id,
            at_ms: chrono::Utc::now().timestamp_millis(),
        },
    )
    .expect("round appends");
    let changes = raw_changes(&doc, &[]);
    let response = post_sync(
        server,
        Some(&owner_x.token),
        push(doc_id, DocKind::RectificationResponse, &doc, changes),
    )
    .await;
    let status = response.status();
    assert!(
        status.is_client_error(),
        "response citing a photo owner X may not see is rejected, got HTTP {status}"
    );
    assert_unchanged(server, &before, "synced response citing Y's evidence");
    assert_photo_hidden(
        server,
        &owner_x,
        &scene.evidence_y,
        "synced response citing Y's evidence",
    )
    .await;
}
