//! Two inspectors edit one record on two devices while the server is down. After both sync, the
//! devices and the server have the same record and nothing either device marked is lost. A clash
//! on one item stays visible and blocks submission until an inspector marks the item again.

use foodpatrol_shared::checklist::Answer;
use foodpatrol_shared::ids::InspectionId;
use foodpatrol_shared::inspection::{InspectionKind, SubmitProblem};
use foodpatrol_shared::shop::BusinessType;
use foodpatrol_tests::{TestDevice, TestServer, fixture, signature_png};
use rusqlite::OptionalExtension;

const MARKED_BY_A: [&str; 6] = ["C01-01", "C01-02", "C02-01", "C02-02", "C02-03", "C02-04"];
const MARKED_BY_B: [&str; 8] = [
    "C03-01", "C03-02", "C03-03", "C03-04", "C04-01", "C04-02", "C04-03", "C04-04",
];
const CLASHING_ITEM: &str = "C05-01";

/// Two signed-in devices of an inspector pair, both with a copy of a record that A started with B.
struct SharedRecord {
    server: TestServer,
    a: TestDevice,
    b: TestDevice,
    visit: InspectionId,
}

async fn shared_record() -> SharedRecord {
    let server = TestServer::start(30).await;
    let (zhang, li) = server.inspector_pair();
    let restaurant = server.shop_of(BusinessType::Catering);
    server.assign(&[&restaurant], (&zhang, &li)).await;
    let a = TestDevice::signed_in(&server, &zhang.username).await;
    let b = TestDevice::signed_in(&server, &li.username).await;
    a.device.sync().await.expect("first sync of A");
    b.device.sync().await.expect("first sync of B");
    let li_ref = a
        .device
        .colleagues()
        .unwrap()
        .into_iter()
        .find(|c| c.user_id == li.id)
        .expect("B is A's colleague");

    let visit = a
        .device
        .start_inspection(restaurant.id, InspectionKind::Daily, Some(li_ref))
        .unwrap();
    a.device.sync().await.expect("A syncs the new record");
    b.device.sync().await.expect("B receives the new record");
    let on_b = b.device.inspection(visit).expect("B has the record A started");
    assert!(
        on_b.inspectors.iter().any(|i| i.user_id == li.id),
        "B is an inspector of the record"
    );
    SharedRecord { server, a, b, visit }
}

/// Returns the server's `conflict` column of one item, or `None` when the item has no row.
fn server_conflict(server: &TestServer, visit: InspectionId, item: &str) -> Option<Option<String>> {
    server
        .db()
        .query_row(
            "SELECT conflict FROM answers WHERE inspection_id = ?1 AND item_id = ?2",
            [visit.to_string(), item.to_owned()],
            |r| r.get(0),
        )
        .optional()
        .expect("answer query runs")
}

fn server_conflict_count(server: &TestServer, visit: InspectionId) -> i64 {
    server
        .db()
        .query_row(
            "SELECT conflicts FROM inspections WHERE id = ?1",
            [visit.to_string()],
            |r| r.get(0),
        )
        .expect("inspection row exists")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_converge_and_show_clash() {
    let SharedRecord {
        mut server,
        a,
        b,
        visit,
    } = shared_record().await;

    // The server goes away; each inspector marks a different part of the checklist.
    let addr = server.addr();
    server.stop().await;
    for item in MARKED_BY_A {
        a.device.answer(visit, item, Answer::Yes).unwrap();
    }
    for item in MARKED_BY_B {
        b.device.answer(visit, item, Answer::Yes).unwrap();
    }
    // Both mark the same item, differently.
    a.device.answer(visit, CLASHING_ITEM, Answer::Yes).unwrap();
    b.device.answer(visit, CLASHING_ITEM, Answer::No).unwrap();
    b.device.set_remark(visit, CLASHING_ITEM, "地面有积水").unwrap();

    // Back online: A, then B, then A again.
    server.restart(addr).await;
    a.device.sync().await.expect("A syncs");
    b.device.sync().await.expect("B syncs");
    a.device.sync().await.expect("A syncs again");

    let on_a = a.device.inspection(visit).unwrap();
    let on_b = b.device.inspection(visit).unwrap();
    assert_eq!(on_a.answers, on_b.answers, "both devices have the same marks");
    assert_eq!(on_a, on_b, "both devices have the same record");
    for item in MARKED_BY_A.iter().chain(&MARKED_BY_B) {
        assert_eq!(on_a.answer(item), Some(Answer::Yes), "{item} is marked 是 on A");
        assert_eq!(on_b.answer(item), Some(Answer::Yes), "{item} is marked 是 on B");
        assert!(on_a.answers[*item].conflicts.is_empty(), "{item} has no clash");
        assert_eq!(
            server_conflict(&server, visit, item),
            Some(None),
            "the server has {item} without a clash"
        );
    }
    assert_eq!(
        on_a.answers.len(),
        MARKED_BY_A.len() + MARKED_BY_B.len() + 1,
        "no item is marked that nobody marked"
    );

    // The clash on C05-01 is kept and shown everywhere.
    for (device, record) in [("A", &on_a), ("B", &on_b)] {
        let state = &record.answers[CLASHING_ITEM];
        assert!(
            !state.conflicts.is_empty(),
            "{device} shows the clash on {CLASHING_ITEM}"
        );
        let mut marks: Vec<Answer> = std::iter::once(&state.current)
            .chain(&state.conflicts)
            .map(|r| r.answer)
            .collect();
        marks.sort_by_key(|a| a.as_str());
        assert_eq!(
            marks,
            vec![Answer::No, Answer::Yes],
            "{device} keeps both marks of {CLASHING_ITEM}"
        );
    }
    let clash =
        server_conflict(&server, visit, CLASHING_ITEM).expect("the server has a row for the clashing item");
    assert!(
        clash.is_some(),
        "the server's answers.conflict of {CLASHING_ITEM} is set"
    );
    assert_eq!(
        server_conflict_count(&server, visit),
        1,
        "the server counts one clashing item"
    );
    let blocking = SubmitProblem::UnresolvedConflict {
        item: CLASHING_ITEM.into(),
    };
    assert!(
        a.device.preview(visit).unwrap().problems.contains(&blocking),
        "A's preview lists the clash as a problem"
    );
    assert!(
        b.device.preview(visit).unwrap().problems.contains(&blocking),
        "B's preview lists the clash as a problem"
    );

    // A completes everything else and signs. Only the clash keeps the record from submission.
    let template = a.device.rules().template(&on_a.template).unwrap().clone();
    for item in &template.items {
        if !on_a.answers.contains_key(&item.id) {
            a.device.answer(visit, &item.id, Answer::Yes).unwrap();
        }
    }
    a.device.sign(visit, "王老板", &signature_png()).unwrap();
    let blocked = a
        .device
        .submit(visit)
        .expect_err("a record with a clash cannot be submitted");
    assert_eq!(blocked.code(), "not_ready", "submission is refused as not ready");
    assert_eq!(
        a.device.preview(visit).unwrap().problems,
        vec![blocking.clone()],
        "the clash is the only problem left"
    );

    // A marks the item again, which resolves the clash. Both devices and the server then agree.
    a.device.answer(visit, CLASHING_ITEM, Answer::Yes).unwrap();
    assert!(
        a.device.preview(visit).unwrap().problems.is_empty(),
        "A's record is ready once the item is marked again"
    );
    a.device.sync().await.expect("A syncs the new mark");
    b.device.sync().await.expect("B receives the new mark");

    let on_a = a.device.inspection(visit).unwrap();
    let on_b = b.device.inspection(visit).unwrap();
    assert!(
        on_a.answers[CLASHING_ITEM].conflicts.is_empty(),
        "A no longer shows the clash"
    );
    assert!(
        on_b.answers[CLASHING_ITEM].conflicts.is_empty(),
        "B no longer shows the clash"
    );
    assert_eq!(
        on_b.answer(CLASHING_ITEM),
        Some(Answer::Yes),
        "B has A's new mark"
    );
    assert_eq!(on_a, on_b, "both devices have the same record");
    assert_eq!(
        server_conflict(&server, visit, CLASHING_ITEM),
        Some(None),
        "the server's answers.conflict of {CLASHING_ITEM} is cleared"
    );
    assert_eq!(
        server_conflict_count(&server, visit),
        0,
        "the server counts no clashing item"
    );
    assert!(
        !b.device.preview(visit).unwrap().problems.contains(&blocking),
        "B's preview no longer lists the clash"
    );
    a.device
        .submit(visit)
        .expect("the record submits once the clash is resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remark_and_photo_edits_merge() {
    let SharedRecord {
        mut server,
        a,
        b,
        visit,
    } = shared_record().await;
    let item = "C04-01";

    // A marks the item 否 with a first remark; both devices get it.
    a.device.answer(visit, item, Answer::No).unwrap();
    a.device.set_remark(visit, item, "未见健康证明").unwrap();
    a.device.sync().await.expect("A syncs the mark");
    b.device.sync().await.expect("B receives the mark");
    assert_eq!(
        b.device.inspection(visit).unwrap().answer(item),
        Some(Answer::No),
        "B has A's mark"
    );

    // Offline, A adds a photo while B rewrites the remark.
    let addr = server.addr();
    server.stop().await;
    let photo = a
        .device
        .attach_photo(visit, item, &fixture("mobile/jolla.jpg"))
        .unwrap();
    let remark = "两名从业人员健康证明已过期";
    b.device.set_remark(visit, item, remark).unwrap();

    server.restart(addr).await;
    a.device.sync().await.expect("A syncs");
    b.device.sync().await.expect("B syncs");
    a.device.sync().await.expect("A syncs again");

    for (device, test) in [("A", &a), ("B", &b)] {
        let state = test.device.inspection(visit).unwrap().answers[item].clone();
        assert_eq!(state.current.remark, remark, "{device} has B's remark");
        assert_eq!(
            state.current.photos,
            vec![photo.hash.clone()],
            "{device} has A's photo"
        );
        assert_eq!(state.current.answer, Answer::No, "{device} keeps the mark 否");
        assert!(state.conflicts.is_empty(), "{device} shows no clash");
    }
    let (server_remark, server_photos, conflict): (String, String, Option<String>) = server
        .db()
        .query_row(
            "SELECT remark, photos, conflict FROM answers WHERE inspection_id = ?1 AND item_id = ?2",
            [visit.to_string(), item.to_owned()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(server_remark, remark, "the server has B's remark");
    let server_photos: Vec<String> = serde_json::from_str(&server_photos).unwrap();
    assert_eq!(
        server_photos,
        vec![photo.hash.clone()],
        "the server has A's photo"
    );
    assert!(conflict.is_none(), "the server records no clash");
}
