//! The main job end to end: two inspectors score shops with no network, the server comes back,
//! the records reach the central database as outcomes, hazards and tasks, the owner submits proof
//! and the inspector's verification closes the loop; the daily report counts it all.

use chrono::Days;
use foodpatrol_device::DeviceError;
use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::inspection::InspectionKind;
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::protocol::{DailyReport, OwnerTask, ProofRequest};
use foodpatrol_shared::rectification::{RectificationMode, ReviewDecision, TaskState, Tier};
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{TestDevice, TestServer, fixture, register, score_all, signature_png};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_inspection_closes_the_loop() {
    let mut server = TestServer::start(60).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server
        .owned_shops()
        .into_iter()
        .find(|s| s.business_type == BusinessType::Catering.code())
        .expect("an owned restaurant");
    let store = server.shop_of(BusinessType::Retail);
    server.assign(&[&restaurant, &store], (&zhang, &li)).await;

    // Both devices sign in and download their tasks while online.
    let a = TestDevice::signed_in(&server, &zhang.username).await;
    let b = TestDevice::signed_in(&server, &li.username).await;
    a.device.sync().await.expect("first sync of A");
    b.device.sync().await.expect("first sync of B");
    assert_eq!(a.device.assignments().unwrap().len(), 2);
    assert_eq!(a.device.shop(restaurant.id).unwrap().name, restaurant.name);
    let li_ref = a
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");
    let zhang_ref = b
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == zhang.id)
        .expect("A is B's colleague");

    // The network goes away.
    let addr = server.addr();
    server.stop().await;

    // A scores the restaurant: one key and one general item fail, each with a remark and a photo.
    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    score_all(
        &a.device,
        visit,
        &[("C04-01", "mobile/jolla.jpg"), ("C05-01", "gps/DSCN0010.jpg")],
    );
    let due = a.device.inspection(visit).unwrap();
    let today = chrono::DateTime::from_timestamp_millis(due.started_at_ms)
        .unwrap()
        .date_naive();
    a.device
        .order_rectification(
            visit,
            "C04-01",
            RectificationMode::Deadline {
                due: today + Days::new(7),
                requirement: "补办健康证后上传照片".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    a.device
        .order_rectification(
            visit,
            "C05-01",
            RectificationMode::OnSpot {
                measure: "当场清扫地面".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    let blocked = a
        .device
        .submit(visit)
        .expect_err("unsigned record cannot be submitted");
    assert_eq!(blocked.code(), "not_ready");
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    let preview = a.device.preview(visit).unwrap();
    assert_eq!(preview.evaluation.outcome, Outcome::BasicallyCompliant);
    assert_eq!(preview.hazards.len(), 2);
    assert!(
        preview.reason_zh.contains("C04-01"),
        "reason names the failed key item: {}",
        preview.reason_zh
    );
    let evaluation = a.device.submit(visit).unwrap();
    assert_eq!(evaluation.outcome, Outcome::BasicallyCompliant);
    assert_eq!(
        a.device.answer(visit, "C01-01", Answer::No).unwrap_err().code(),
        "sealed"
    );

    // B scores the store: one general item fails; the owner refuses to sign.
    let store_visit = b
        .device
        .start_inspection(store.id, InspectionKind::Daily, Some(zhang_ref))
        .unwrap();
    score_all(&b.device, store_visit, &[("S02-01", "gps/DSCN0012.jpg")]);
    b.device
        .order_rectification(
            store_visit,
            "S02-01",
            RectificationMode::OnSpot {
                measure: "清理货架".into(),
            },
            Tier::SelfFix,
        )
        .unwrap();
    b.device
        .refuse_signature(store_visit, "负责人不在店", "社区网格员赵敏")
        .unwrap();
    assert_eq!(
        b.device.submit(store_visit).unwrap().outcome,
        Outcome::BasicallyCompliant
    );

    // Syncing while offline keeps everything and says so.
    let offline = a.device.sync().await.expect_err("no server");
    assert!(matches!(offline, DeviceError::Offline(_)), "got {offline:?}");
    let pending = a.device.sync_status().unwrap();
    assert_eq!(pending.pending_docs, 1);
    assert_eq!(pending.pending_photos, 3, "two evidence photos and the signature");

    // Back online: both devices sync.
    server.restart(addr).await;
    let report_a = a.device.sync().await.expect("A syncs");
    assert_eq!(report_a.photos_uploaded, 3);
    assert_eq!(report_a.document_round_trips, 1);
    b.device.sync().await.expect("B syncs");
    assert_eq!(a.device.sync_status().unwrap().pending_docs, 0);
    assert_eq!(a.device.sync_status().unwrap().pending_photos, 0);

    // The central database holds the record, its outcome, answers, photos and tasks.
    let db = server.db();
    let (status, outcome, device_outcome, disagrees, key_failed): (String, String, String, bool, i64) = db
        .query_row(
            "SELECT status, outcome, device_outcome, outcome_disagrees, key_failed FROM inspections WHERE id = ?1",
            [visit.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(status, "submitted");
    assert_eq!(outcome, "basically_compliant");
    assert_eq!(device_outcome, "basically_compliant");
    assert!(!disagrees);
    assert_eq!(key_failed, 1);
    let answers: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM answers WHERE inspection_id = ?1",
            [visit.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(answers, 54);
    let tasks: Vec<(String, String, String)> = db
        .prepare("SELECT item_id, mode, state FROM tasks WHERE inspection_id = ?1 ORDER BY item_id")
        .unwrap()
        .query_map([visit.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tasks,
        vec![
            ("C04-01".into(), "deadline".into(), "open".into()),
            ("C05-01".into(), "on_spot".into(), "fixed_on_spot".into())
        ]
    );
    assert_eq!(server.count("photos"), 4, "three from A, one from B");
    let refusal: String = db
        .query_row(
            "SELECT refusal_witness FROM inspections WHERE id = ?1",
            [store_visit.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refusal, "社区网格员赵敏");

    // The owner signs in on a phone browser, sees the open task with the evidence, and uploads proof.
    let http = reqwest::Client::new();
    let owner = register(&server, &foodpatrol_server::seed::owner_username(&restaurant)).await;
    let owner_tasks: Vec<OwnerTask> = http
        .get(format!("{}/v1/owner/tasks", server.url()))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open = owner_tasks
        .iter()
        .find(|t| t.state == TaskState::Open)
        .expect("the deadline task is open");
    assert_eq!(open.item_id, "C04-01");
    assert_eq!(
        open.photos.len(),
        1,
        "the owner sees the inspector's evidence photo"
    );
    let evidence = http
        .get(format!("{}/v1/photos/{}", server.url(), open.photos[0]))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(evidence.status(), 200);

    let proof = foodpatrol_device::photo::process_photo(&fixture("mobile/HMD_Nokia_8.3_5G.jpg")).unwrap();
    let upload = http
        .put(format!("{}/v1/photos/{}", server.url(), proof.hash))
        .bearer_auth(&owner.token)
        .header("upload-length", proof.jpeg.len().to_string())
        .body(proof.jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    let submitted: OwnerTask = http
        .post(format!("{}/v1/owner/tasks/{}/proof", server.url(), open.task_id))
        .bearer_auth(&owner.token)
        .json(&ProofRequest {
            note: "已补办健康证".into(),
            photos: vec![proof.hash.clone()],
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(submitted.state, TaskState::ProofSubmitted);

    // The inspector's device receives the proof, verifies it, and the task closes.
    a.device.sync().await.unwrap();
    let waiting = a.device.proof_to_review().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].proof.photos, vec![proof.hash.clone()]);
    a.device
        .review_task(waiting[0].task_id, ReviewDecision::Verified, "复查合格")
        .unwrap();
    a.device.sync().await.unwrap();
    let state: String = db
        .query_row(
            "SELECT state FROM tasks WHERE id = ?1",
            [open.task_id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "verified");

    // The daily report counts both records for both inspectors of each visit.
    let supervisor = &server.district.supervisors[0];
    let lead = register(&server, &supervisor.username).await;
    let report: DailyReport = http
        .get(format!("{}/v1/reports/daily", server.url()))
        .bearer_auth(&lead.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let zhang_row = report
        .rows
        .iter()
        .find(|r| r.inspector_id == zhang.id)
        .expect("A on the report");
    assert_eq!(zhang_row.inspections, 2);
    assert_eq!(zhang_row.hazards, 3);
    assert_eq!(zhang_row.tasks_fixed_on_spot, 2);
    assert_eq!(zhang_row.tasks_with_deadline, 1);
    assert_eq!(zhang_row.tasks_verified, 1);
    assert!(report.rows.iter().any(|r| r.inspector_id == li.id));
}
