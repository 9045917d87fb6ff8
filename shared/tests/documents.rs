//! The automerge documents: skeletons, offline creation and merging on several devices, clashes
//! and their resolution, sealing, and the rectification response and review documents.

#![cfg(feature = "crdt")]

use std::collections::BTreeSet;

use automerge::{ActorId, Automerge, ReadDoc};
use chrono::NaiveDate;
use foodpatrol_shared::checklist::{Answer, ChecklistTemplate, TemplateRef};
use foodpatrol_shared::crdt::inspection_doc::{self, NewInspection};
use foodpatrol_shared::crdt::{self, DocError, task_docs};
use foodpatrol_shared::ids::{DocId, InspectionId, ShopId, TaskId, UserId};
use foodpatrol_shared::inspection::{Inspection, InspectionKind, InspectorRef, Signature, SubmitProblem};
use foodpatrol_shared::outcome::Outcome;
use foodpatrol_shared::protocol::DocKind;
use foodpatrol_shared::rectification::{
    RectificationMode, RectificationOrder, ResponseRound, Review, ReviewDecision, TaskState, Tier,
    derive_task_state,
};
use foodpatrol_shared::rules::RuleBook;
use uuid::Uuid;

const ZHANG: UserId = UserId(Uuid::from_u128(0x0198_a000_0000_7000_8000_0000_0000_0001));
const LI: UserId = UserId(Uuid::from_u128(0x0198_a000_0000_7000_8000_0000_0000_0002));
const WANG: UserId = UserId(Uuid::from_u128(0x0198_a000_0000_7000_8000_0000_0000_0003));
const OWNER: UserId = UserId(Uuid::from_u128(0x0198_a000_0000_7000_8000_0000_0000_0004));
const VISIT: InspectionId = InspectionId(Uuid::from_u128(0x0198_b000_0000_7000_8000_0000_0000_0001));
const OTHER_VISIT: InspectionId = InspectionId(Uuid::from_u128(0x0198_b000_0000_7000_8000_0000_0000_0002));

/// Returns the actor id of test device `n`.
fn device(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

/// Returns a content address (64 hex digits) for test photo `n`.
fn photo(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn new_inspection() -> NewInspection {
    NewInspection {
        shop_id: ShopId::from_licence("JY11201010000001"),
        template: TemplateRef {
            id: "catering-daily".into(),
            version: 1,
        },
        kind: InspectionKind::Daily,
        inspectors: vec![
            InspectorRef {
                user_id: ZHANG,
                name: "张伟".into(),
            },
            InspectorRef {
                user_id: LI,
                name: "李娜".into(),
            },
        ],
        started_at_ms: 1_764_800_000_000,
        utc_offset_min: 480,
    }
}

fn catering_template() -> ChecklistTemplate {
    let book = RuleBook::builtin();
    book.template(&TemplateRef {
        id: "catering-daily".into(),
        version: 1,
    })
    .unwrap()
    .clone()
}

/// Creates the visit on device 1.
fn started() -> Automerge {
    inspection_doc::create(VISIT, device(1), &new_inspection()).unwrap()
}

/// Returns a copy of `doc` on device `n`, as after a sync.
fn copy_on(doc: &Automerge, n: u8) -> Automerge {
    doc.fork().with_actor(device(n))
}

/// Returns a copy of `into` with `from` merged in. Neither input changes.
fn merged(into: &Automerge, from: &Automerge) -> Automerge {
    let mut out = into.clone();
    out.merge(&mut from.clone()).unwrap();
    out
}

fn sorted_heads(doc: &Automerge) -> Vec<automerge::ChangeHash> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads
}

fn deadline_order(by: UserId) -> RectificationOrder {
    RectificationOrder {
        mode: RectificationMode::Deadline {
            due: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            requirement: "补办健康证后上传照片".into(),
        },
        tier: Tier::SelfFix,
        ordered_by: by,
        ordered_at_ms: 1_764_800_900_000,
    }
}

fn signed() -> Signature {
    Signature::Signed {
        signer_name: "王老板".into(),
        image: photo(0xee),
        at_ms: 1_764_801_000_000,
    }
}

/// Marks C04-01 (key item, 健康证) 否 with a remark and a photo on `doc`.
fn fail_health_certificates(doc: &mut Automerge, by: UserId, photo_hash: &str) {
    inspection_doc::set_answer(doc, "C04-01", Answer::No, by, 1_764_800_100_000).unwrap();
    inspection_doc::set_remark(doc, "C04-01", "两名员工健康证过期", by, 1_764_800_110_000).unwrap();
    inspection_doc::add_photo(doc, "C04-01", photo_hash).unwrap();
}

fn has_conflict_problem(inspection: &Inspection, item: &str) -> bool {
    inspection
        .submit_problems(&catering_template())
        .contains(&SubmitProblem::UnresolvedConflict {
            item: item.to_owned(),
        })
}

// ---- skeletons ----

#[test]
fn skeleton_is_identical_per_kind_and_id() {
    let id = DocId::from(VISIT);
    for kind in DocKind::ALL {
        let first = crdt::skeleton(kind, id);
        let second = crdt::skeleton(kind, id);

        assert_eq!(first.save(), second.save(), "{kind:?}: saved bytes");
        assert_eq!(first.get_heads(), second.get_heads(), "{kind:?}: heads");
        assert_eq!(
            first.get_heads(),
            vec![crdt::skeleton_hash(kind, id)],
            "{kind:?}: skeleton hash"
        );
    }
}

#[test]
fn skeleton_differs_for_other_id() {
    for kind in DocKind::ALL {
        let visit = crdt::skeleton(kind, VISIT.into());
        let other = crdt::skeleton(kind, OTHER_VISIT.into());

        assert_ne!(visit.get_heads(), other.get_heads(), "{kind:?}");
    }
}

#[test]
fn skeleton_differs_for_other_kind() {
    let id = DocId::from(VISIT);
    let hashes: BTreeSet<_> = DocKind::ALL
        .into_iter()
        .map(|kind| crdt::skeleton_hash(kind, id))
        .collect();

    assert_eq!(hashes.len(), DocKind::ALL.len());
}

#[test]
fn skeleton_header_reads_back() {
    for kind in DocKind::ALL {
        let header = crdt::read_header(&crdt::skeleton(kind, VISIT.into())).unwrap();

        assert_eq!(header.kind, kind);
        assert_eq!(header.id, DocId::from(VISIT));
        assert_eq!(header.schema, crdt::SCHEMA_VERSION);
    }
}

#[test]
fn created_inspection_starts_from_skeleton() {
    let doc = started();
    let skeleton = crdt::skeleton_hash(DocKind::Inspection, VISIT.into());

    assert!(doc.get_change_by_hash(&skeleton).is_some());
    assert_eq!(doc.get_changes(&[]).len(), 2, "skeleton and meta change");
}

#[test]
fn created_inspection_reads_back() {
    let inspection = inspection_doc::read(&started()).unwrap();
    let new = new_inspection();

    assert_eq!(inspection.id, VISIT);
    assert_eq!(inspection.shop_id, new.shop_id);
    assert_eq!(inspection.template, new.template);
    assert_eq!(inspection.kind, InspectionKind::Daily);
    assert_eq!(inspection.inspectors, new.inspectors);
    assert_eq!(inspection.started_at_ms, new.started_at_ms);
    assert_eq!(inspection.device_utc_offset_min, 480);
    assert!(inspection.answers.is_empty());
    assert!(inspection.signature.is_none());
    assert!(inspection.submission.is_none());
}

#[test]
fn reading_other_kind_is_wrong_kind() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let response = task_docs::create_response(task, device(5)).unwrap();

    let error = inspection_doc::read(&response).unwrap_err();

    assert_eq!(
        error,
        DocError::WrongKind {
            expected: "inspection",
            found: "rectification_response".into()
        }
    );
}

// ---- offline creation and merging ----

#[test]
fn inspection_created_twice_merges_losslessly() {
    let mut a = inspection_doc::create(VISIT, device(1), &new_inspection()).unwrap();
    let mut b = inspection_doc::create(VISIT, device(2), &new_inspection()).unwrap();
    inspection_doc::set_answer(&mut a, "C01-01", Answer::Yes, ZHANG, 1_764_800_050_000).unwrap();
    fail_health_certificates(&mut b, LI, &photo(1));
    inspection_doc::add_inspector(
        &mut b,
        &InspectorRef {
            user_id: WANG,
            name: "王强".into(),
        },
    )
    .unwrap();

    let ab = merged(&a, &b);
    let ba = merged(&b, &a);
    let inspection = inspection_doc::read(&ab).unwrap();

    assert_eq!(inspection.answer("C01-01"), Some(Answer::Yes));
    assert_eq!(inspection.answer("C04-01"), Some(Answer::No));
    assert_eq!(inspection.answers["C04-01"].current.remark, "两名员工健康证过期");
    assert_eq!(inspection.answers["C04-01"].current.photos, vec![photo(1)]);
    assert!(
        inspection
            .answers
            .values()
            .all(|state| state.conflicts.is_empty())
    );
    let inspectors: Vec<(UserId, &str)> = inspection
        .inspectors
        .iter()
        .map(|i| (i.user_id, i.name.as_str()))
        .collect();
    assert_eq!(inspectors, vec![(ZHANG, "张伟"), (LI, "李娜"), (WANG, "王强")]);
    assert_eq!(inspection.shop_id, new_inspection().shop_id);
    assert_eq!(inspection.template, new_inspection().template);
    assert_eq!(inspection, inspection_doc::read(&ba).unwrap());
}

#[test]
fn different_items_converge_in_both_orders() {
    let base = started();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    inspection_doc::set_answer(&mut b, "C01-01", Answer::Yes, ZHANG, 10).unwrap();
    fail_health_certificates(&mut b, ZHANG, &photo(1));
    inspection_doc::set_rectification(&mut b, "C04-01", &deadline_order(ZHANG)).unwrap();
    inspection_doc::set_answer(&mut c, "C01-02", Answer::NotApplicable, LI, 11).unwrap();
    inspection_doc::set_answer(&mut c, "C06-01", Answer::No, LI, 12).unwrap();
    inspection_doc::set_remark(&mut c, "C06-01", "冷藏柜温度 12℃", LI, 13).unwrap();
    inspection_doc::add_photo(&mut c, "C06-01", &photo(2)).unwrap();
    inspection_doc::set_signature(&mut c, &signed()).unwrap();

    let bc = merged(&b, &c);
    let cb = merged(&c, &b);
    let from_bc = inspection_doc::read(&bc).unwrap();
    let from_cb = inspection_doc::read(&cb).unwrap();

    assert_eq!(from_bc, from_cb);
    assert_eq!(sorted_heads(&bc), sorted_heads(&cb));
    assert_eq!(from_bc.answer("C01-01"), Some(Answer::Yes));
    assert_eq!(from_bc.answer("C01-02"), Some(Answer::NotApplicable));
    assert_eq!(from_bc.answer("C04-01"), Some(Answer::No));
    assert_eq!(from_bc.answer("C06-01"), Some(Answer::No));
    assert_eq!(from_bc.answers["C06-01"].current.remark, "冷藏柜温度 12℃");
    assert_eq!(from_bc.answers["C06-01"].current.photos, vec![photo(2)]);
    assert_eq!(from_bc.rectifications.get("C04-01"), Some(&deadline_order(ZHANG)));
    assert_eq!(from_bc.signature, Some(signed()));
    assert!(from_bc.answers.values().all(|state| state.conflicts.is_empty()));
}

#[test]
fn remark_before_mark_is_rejected() {
    let mut doc = started();

    let error = inspection_doc::set_remark(&mut doc, "C04-01", "无健康证", ZHANG, 1).unwrap_err();

    assert_eq!(
        error,
        DocError::NoAnswer {
            item: "C04-01".into()
        }
    );
}

#[test]
fn photo_added_twice_is_stored_once() {
    let mut doc = started();
    fail_health_certificates(&mut doc, ZHANG, &photo(1));

    inspection_doc::add_photo(&mut doc, "C04-01", &photo(1)).unwrap();

    let inspection = inspection_doc::read(&doc).unwrap();
    assert_eq!(inspection.answers["C04-01"].current.photos, vec![photo(1)]);
}

// ---- clashes ----

/// Two devices mark C04-01 while apart, with no earlier mark of it: device 2 (张伟) 否 with
/// photo 1, device 3 (李娜) 是 with photo 2. Returns the merged document.
fn clash_on_unmarked_item() -> Automerge {
    let base = started();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    fail_health_certificates(&mut b, ZHANG, &photo(1));
    inspection_doc::set_answer(&mut c, "C04-01", Answer::Yes, LI, 1_764_800_200_000).unwrap();
    inspection_doc::add_photo(&mut c, "C04-01", &photo(2)).unwrap();
    merged(&b, &c)
}

#[test]
fn same_item_marked_differently_is_a_conflict() {
    let inspection = inspection_doc::read(&clash_on_unmarked_item()).unwrap();
    let state = &inspection.answers["C04-01"];

    assert_eq!(state.conflicts.len(), 1);
    let answers: BTreeSet<&str> = [state.current.answer.as_str(), state.conflicts[0].answer.as_str()].into();
    assert_eq!(answers, BTreeSet::from(["no", "yes"]));
    let marked_by: BTreeSet<UserId> = [state.current.by, state.conflicts[0].by].into();
    assert_eq!(marked_by, BTreeSet::from([ZHANG, LI]));
    assert!(has_conflict_problem(&inspection, "C04-01"));
}

#[test]
fn conflict_is_the_same_in_both_merge_orders() {
    let base = started();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    fail_health_certificates(&mut b, ZHANG, &photo(1));
    inspection_doc::set_answer(&mut c, "C04-01", Answer::Yes, LI, 1_764_800_200_000).unwrap();

    let bc = inspection_doc::read(&merged(&b, &c)).unwrap();
    let cb = inspection_doc::read(&merged(&c, &b)).unwrap();

    assert_eq!(bc, cb);
}

#[test]
fn conflict_photos_count_as_photo_refs() {
    let inspection = inspection_doc::read(&clash_on_unmarked_item()).unwrap();

    let refs = inspection.photo_refs();

    assert!(refs.contains(&photo(1)), "{refs:?}");
    assert!(refs.contains(&photo(2)), "{refs:?}");
}

#[test]
fn marking_again_resolves_conflict() {
    let mut doc = clash_on_unmarked_item();

    inspection_doc::set_answer(&mut doc, "C04-01", Answer::No, ZHANG, 1_764_800_300_000).unwrap();

    let inspection = inspection_doc::read(&doc).unwrap();
    let state = &inspection.answers["C04-01"];
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert_eq!(state.current.answer, Answer::No);
    assert_eq!(state.current.by, ZHANG);
    assert_eq!(state.current.at_ms, 1_764_800_300_000);
    assert!(
        state.current.photos.contains(&photo(1)),
        "{:?}",
        state.current.photos
    );
    assert!(
        state.current.photos.contains(&photo(2)),
        "{:?}",
        state.current.photos
    );
    assert!(!has_conflict_problem(&inspection, "C04-01"));
}

#[test]
fn resolution_reaches_the_other_device() {
    let clashed = clash_on_unmarked_item();
    let mut resolver = copy_on(&clashed, 2);
    let other = copy_on(&clashed, 3);
    inspection_doc::set_answer(&mut resolver, "C04-01", Answer::No, ZHANG, 1_764_800_300_000).unwrap();

    let other = merged(&other, &resolver);

    let inspection = inspection_doc::read(&other).unwrap();
    assert!(inspection.answers["C04-01"].conflicts.is_empty());
    assert_eq!(inspection, inspection_doc::read(&resolver).unwrap());
}

/// Both devices change a mark that they had both synced (C04-01 是 with photos 1 and 2):
/// device 2 (张伟) to 否, device 3 (李娜) to 合理缺项. Returns the merged document.
fn clash_on_marked_item() -> Automerge {
    let mut base = started();
    inspection_doc::set_answer(&mut base, "C04-01", Answer::Yes, ZHANG, 1_764_800_100_000).unwrap();
    inspection_doc::add_photo(&mut base, "C04-01", &photo(1)).unwrap();
    inspection_doc::add_photo(&mut base, "C04-01", &photo(2)).unwrap();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    inspection_doc::set_answer(&mut b, "C04-01", Answer::No, ZHANG, 1_764_800_200_000).unwrap();
    inspection_doc::set_answer(&mut c, "C04-01", Answer::NotApplicable, LI, 1_764_800_210_000).unwrap();
    merged(&b, &c)
}

#[test]
fn changed_mark_clash_is_a_conflict() {
    let inspection = inspection_doc::read(&clash_on_marked_item()).unwrap();
    let state = &inspection.answers["C04-01"];

    assert_eq!(state.conflicts.len(), 1);
    let answers: BTreeSet<&str> = [state.current.answer.as_str(), state.conflicts[0].answer.as_str()].into();
    assert_eq!(answers, BTreeSet::from(["no", "na"]));
    assert!(has_conflict_problem(&inspection, "C04-01"));
}

#[test]
fn changed_mark_clash_keeps_each_marker() {
    let inspection = inspection_doc::read(&clash_on_marked_item()).unwrap();
    let state = &inspection.answers["C04-01"];

    for record in std::iter::once(&state.current).chain(&state.conflicts) {
        let expected_by = match record.answer {
            Answer::No => ZHANG,
            _ => LI,
        };
        assert_eq!(record.by, expected_by, "marker of {:?}", record.answer);
    }
}

#[test]
fn resolving_changed_mark_clash_keeps_photos_once() {
    let mut doc = clash_on_marked_item();

    inspection_doc::set_answer(&mut doc, "C04-01", Answer::No, ZHANG, 1_764_800_300_000).unwrap();

    let inspection = inspection_doc::read(&doc).unwrap();
    let state = &inspection.answers["C04-01"];
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert_eq!(state.current.answer, Answer::No);
    assert_eq!(state.current.photos, vec![photo(1), photo(2)]);
}

#[test]
fn identical_concurrent_marks_keep_both_photos() {
    // Both inspectors mark C04-01 否 while apart, without a remark, and each takes a photo.
    let base = started();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    inspection_doc::set_answer(&mut b, "C04-01", Answer::No, ZHANG, 1_764_800_100_000).unwrap();
    inspection_doc::add_photo(&mut b, "C04-01", &photo(1)).unwrap();
    inspection_doc::set_answer(&mut c, "C04-01", Answer::No, LI, 1_764_800_100_500).unwrap();
    inspection_doc::add_photo(&mut c, "C04-01", &photo(2)).unwrap();

    let inspection = inspection_doc::read(&merged(&b, &c)).unwrap();
    let refs = inspection.photo_refs();

    assert_eq!(inspection.answer("C04-01"), Some(Answer::No));
    assert!(refs.contains(&photo(1)), "{refs:?}");
    assert!(refs.contains(&photo(2)), "{refs:?}");
}

// ---- sealing ----

/// Builds a visit ready to submit on device 1: C01-01 是, C04-01 否 with remark, photo and order, signed.
fn ready_to_submit() -> Automerge {
    let mut doc = started();
    inspection_doc::set_answer(&mut doc, "C01-01", Answer::Yes, ZHANG, 1_764_800_050_000).unwrap();
    fail_health_certificates(&mut doc, ZHANG, &photo(1));
    inspection_doc::set_rectification(&mut doc, "C04-01", &deadline_order(ZHANG)).unwrap();
    inspection_doc::set_signature(&mut doc, &signed()).unwrap();
    doc
}

#[test]
fn submit_stores_heads_as_signed() {
    let mut doc = ready_to_submit();
    let before = doc.get_heads();

    let sealed =
        inspection_doc::submit(&mut doc, ZHANG, 1_764_801_100_000, Outcome::BasicallyCompliant).unwrap();

    let submission = inspection_doc::read(&doc).unwrap().submission.unwrap();
    assert_eq!(sealed, before);
    assert_eq!(submission.sealed_heads, crdt::heads_to_hex(&before));
    assert_eq!(submission.by, ZHANG);
    assert_eq!(submission.at_ms, 1_764_801_100_000);
    assert_eq!(submission.device_outcome, Outcome::BasicallyCompliant);
}

#[test]
fn submitted_record_rejects_every_edit() {
    let mut doc = ready_to_submit();
    inspection_doc::submit(&mut doc, ZHANG, 1_764_801_100_000, Outcome::BasicallyCompliant).unwrap();
    let heads = doc.get_heads();

    let answer = inspection_doc::set_answer(&mut doc, "C01-02", Answer::Yes, ZHANG, 1);
    let remark = inspection_doc::set_remark(&mut doc, "C04-01", "改", ZHANG, 1);
    let add_photo = inspection_doc::add_photo(&mut doc, "C04-01", &photo(9));
    let remove_photo = inspection_doc::remove_photo(&mut doc, "C04-01", &photo(1));
    let inspector = inspection_doc::add_inspector(
        &mut doc,
        &InspectorRef {
            user_id: WANG,
            name: "王强".into(),
        },
    );
    let order = inspection_doc::set_rectification(&mut doc, "C04-01", &deadline_order(LI));
    let clear = inspection_doc::clear_rectification(&mut doc, "C04-01");
    let signature = inspection_doc::set_signature(&mut doc, &signed());
    let resubmit = inspection_doc::submit(&mut doc, LI, 2, Outcome::Compliant);

    assert_eq!(answer, Err(DocError::Sealed));
    assert_eq!(remark, Err(DocError::Sealed));
    assert_eq!(add_photo, Err(DocError::Sealed));
    assert_eq!(remove_photo, Err(DocError::Sealed));
    assert_eq!(inspector, Err(DocError::Sealed));
    assert_eq!(order, Err(DocError::Sealed));
    assert_eq!(clear, Err(DocError::Sealed));
    assert_eq!(signature, Err(DocError::Sealed));
    assert_eq!(resubmit, Err(DocError::Sealed));
    assert_eq!(doc.get_heads(), heads, "no change was made");
}

#[test]
fn submitted_record_lists_already_submitted() {
    let mut doc = ready_to_submit();
    inspection_doc::submit(&mut doc, ZHANG, 1_764_801_100_000, Outcome::BasicallyCompliant).unwrap();

    let problems = inspection_doc::read(&doc)
        .unwrap()
        .submit_problems(&catering_template());

    assert!(
        problems.contains(&SubmitProblem::AlreadySubmitted),
        "{problems:?}"
    );
}

#[test]
fn unsubmitted_record_has_no_seal() {
    assert_eq!(inspection_doc::read_sealed(&ready_to_submit()), Ok(None));
}

#[test]
fn sealed_record_is_the_record_as_signed() {
    let mut doc = ready_to_submit();
    let as_signed = inspection_doc::read(&doc).unwrap();

    inspection_doc::submit(&mut doc, ZHANG, 1_764_801_100_000, Outcome::BasicallyCompliant).unwrap();
    let sealed = inspection_doc::read_sealed(&doc).unwrap().unwrap();

    assert_eq!(
        sealed.record.submission,
        inspection_doc::read(&doc).unwrap().submission
    );
    assert_eq!(
        Inspection {
            submission: None,
            ..sealed.record
        },
        as_signed
    );
    assert!(sealed.edited_outside_seal.is_empty());
}

#[test]
fn concurrent_edit_shows_outside_seal() {
    let mut submitter = ready_to_submit();
    let mut other = copy_on(&submitter, 2);
    inspection_doc::submit(
        &mut submitter,
        ZHANG,
        1_764_801_100_000,
        Outcome::BasicallyCompliant,
    )
    .unwrap();
    // Device 2 has not seen the submission, so it can still change the failed item and mark a new one.
    inspection_doc::set_answer(&mut other, "C04-01", Answer::Yes, LI, 1_764_801_200_000).unwrap();
    inspection_doc::set_answer(&mut other, "C01-02", Answer::Yes, LI, 1_764_801_210_000).unwrap();

    let doc = merged(&submitter, &other);
    let current = inspection_doc::read(&doc).unwrap();
    let sealed = inspection_doc::read_sealed(&doc).unwrap().unwrap();

    assert_eq!(
        sealed.edited_outside_seal,
        vec!["C01-02".to_owned(), "C04-01".to_owned()]
    );
    assert_eq!(sealed.record.answer("C04-01"), Some(Answer::No));
    assert_eq!(
        sealed.record.answers["C04-01"].current.remark,
        "两名员工健康证过期"
    );
    assert_eq!(sealed.record.answer("C01-02"), None);
    assert_eq!(sealed.record.signature, Some(signed()));
    assert_eq!(current.answer("C04-01"), Some(Answer::Yes));
    assert_eq!(current.answer("C01-02"), Some(Answer::Yes));
}

#[test]
fn merged_submission_seals_the_other_device() {
    let mut submitter = ready_to_submit();
    let other = copy_on(&submitter, 2);
    inspection_doc::submit(
        &mut submitter,
        ZHANG,
        1_764_801_100_000,
        Outcome::BasicallyCompliant,
    )
    .unwrap();

    let mut other = merged(&other, &submitter);

    let result = inspection_doc::set_answer(&mut other, "C01-02", Answer::Yes, LI, 1_764_801_200_000);
    assert_eq!(result, Err(DocError::Sealed));
}

// ---- hazards and photos ----

#[test]
fn hazard_task_ids_derive_from_item() {
    let mut doc = ready_to_submit();
    inspection_doc::set_answer(&mut doc, "C03-04", Answer::No, LI, 1_764_800_400_000).unwrap();
    inspection_doc::set_answer(&mut doc, "C01-02", Answer::NotApplicable, LI, 1_764_800_410_000).unwrap();
    let inspection = inspection_doc::read(&doc).unwrap();

    let hazards = inspection.hazards(&catering_template());

    let items: Vec<&str> = hazards.iter().map(|h| h.item_id.as_str()).collect();
    assert_eq!(items, vec!["C03-04", "C04-01"], "failed items in checklist order");
    for hazard in &hazards {
        assert_eq!(
            hazard.task_id,
            TaskId::for_item(VISIT, &hazard.item_id),
            "task of {}",
            hazard.item_id
        );
    }
    assert!(!hazards[0].key);
    assert_eq!(hazards[0].order, None);
    assert!(hazards[1].key);
    assert_eq!(hazards[1].remark, "两名员工健康证过期");
    assert_eq!(hazards[1].photos, vec![photo(1)]);
    assert_eq!(hazards[1].order, Some(deadline_order(ZHANG)));
}

#[test]
fn task_ids_differ_by_visit() {
    assert_ne!(
        TaskId::for_item(VISIT, "C04-01"),
        TaskId::for_item(OTHER_VISIT, "C04-01")
    );
    assert_ne!(
        TaskId::for_item(VISIT, "C04-01"),
        TaskId::for_item(VISIT, "C04-02")
    );
}

#[test]
fn photo_refs_include_signature() {
    let inspection = inspection_doc::read(&ready_to_submit()).unwrap();

    assert_eq!(inspection.photo_refs(), vec![photo(1), photo(0xee)]);
}

#[test]
fn refused_signature_has_no_photo() {
    let mut doc = ready_to_submit();
    let refused = Signature::Refused {
        reason: "店主不在场".into(),
        witness: "社区网格员赵敏".into(),
        at_ms: 5,
    };
    inspection_doc::set_signature(&mut doc, &refused).unwrap();

    let inspection = inspection_doc::read(&doc).unwrap();

    assert_eq!(inspection.signature, Some(refused));
    assert_eq!(inspection.photo_refs(), vec![photo(1)]);
}

// ---- save and load ----

#[test]
fn save_and_load_round_trip() {
    // A submitted record that still contains a clash on C06-01, so the conflict is saved too.
    let base = ready_to_submit();
    let mut b = copy_on(&base, 2);
    let mut c = copy_on(&base, 3);
    inspection_doc::set_answer(&mut b, "C06-01", Answer::No, ZHANG, 1_764_800_500_000).unwrap();
    inspection_doc::add_photo(&mut b, "C06-01", &photo(6)).unwrap();
    inspection_doc::set_answer(&mut c, "C06-01", Answer::Yes, LI, 1_764_800_510_000).unwrap();
    let mut doc = merged(&b, &c);
    inspection_doc::submit(&mut doc, ZHANG, 1_764_801_100_000, Outcome::BasicallyCompliant).unwrap();

    let loaded = Automerge::load(&doc.save()).unwrap();

    assert_eq!(
        inspection_doc::read(&loaded).unwrap().answers["C06-01"]
            .conflicts
            .len(),
        1
    );
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(
        inspection_doc::read(&loaded).unwrap(),
        inspection_doc::read(&doc).unwrap()
    );
    assert_eq!(
        inspection_doc::read_sealed(&loaded).unwrap(),
        inspection_doc::read_sealed(&doc).unwrap()
    );
}

// ---- rectification response and review ----

fn round(note: &str, photo_hash: String, at_ms: i64) -> ResponseRound {
    ResponseRound {
        note: note.into(),
        photos: vec![photo_hash],
        by: OWNER,
        at_ms,
    }
}

fn review(round: u32, decision: ReviewDecision, by: UserId, at_ms: i64) -> Review {
    Review {
        round,
        decision,
        remark: format!("第 {} 轮复查", round + 1),
        by,
        at_ms,
    }
}

#[test]
fn response_doc_names_its_task() {
    let task = TaskId::for_item(VISIT, "C04-01");

    let doc = task_docs::create_response(task, device(5)).unwrap();
    let header = crdt::read_header(&doc).unwrap();

    assert_eq!(task_docs::task_of(&doc), Ok(task));
    assert_eq!(header.kind, DocKind::RectificationResponse);
    assert_eq!(header.id, task.response_doc());
}

#[test]
fn review_doc_names_its_task() {
    let task = TaskId::for_item(VISIT, "C04-01");

    let doc = task_docs::create_review(task, device(1)).unwrap();
    let header = crdt::read_header(&doc).unwrap();

    assert_eq!(task_docs::task_of(&doc), Ok(task));
    assert_eq!(header.kind, DocKind::RectificationReview);
    assert_eq!(header.id, task.review_doc());
}

#[test]
fn task_of_inspection_is_an_error() {
    assert!(task_docs::task_of(&started()).is_err());
}

#[test]
fn round_on_review_doc_is_wrong_kind() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let mut doc = task_docs::create_review(task, device(1)).unwrap();

    let error = task_docs::add_round(&mut doc, &round("已整改", photo(3), 10)).unwrap_err();

    assert_eq!(
        error,
        DocError::WrongKind {
            expected: "rectification_response",
            found: "rectification_review".into()
        }
    );
}

#[test]
fn review_on_response_doc_is_wrong_kind() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let mut doc = task_docs::create_response(task, device(5)).unwrap();

    let error = task_docs::add_review(&mut doc, &review(0, ReviewDecision::Verified, ZHANG, 10)).unwrap_err();

    assert_eq!(
        error,
        DocError::WrongKind {
            expected: "rectification_review",
            found: "rectification_response".into()
        }
    );
}

#[test]
fn rounds_round_trip() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let mut doc = task_docs::create_response(task, device(5)).unwrap();
    let rounds = vec![
        round("已安排员工体检", photo(3), 1_765_000_000_000),
        ResponseRound {
            note: String::new(),
            photos: vec![photo(4), photo(5)],
            by: OWNER,
            at_ms: 1_765_100_000_000,
        },
    ];

    for r in &rounds {
        task_docs::add_round(&mut doc, r).unwrap();
    }

    assert_eq!(task_docs::read_rounds(&doc), Ok(rounds));
}

#[test]
fn reviews_round_trip() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let mut doc = task_docs::create_review(task, device(1)).unwrap();
    let reviews = vec![
        review(0, ReviewDecision::Returned, ZHANG, 1_765_050_000_000),
        review(1, ReviewDecision::Verified, LI, 1_765_150_000_000),
    ];

    for r in &reviews {
        task_docs::add_review(&mut doc, r).unwrap();
    }

    assert_eq!(task_docs::read_reviews(&doc), Ok(reviews));
}

#[test]
fn response_created_on_two_devices_merges() {
    let task = TaskId::for_item(VISIT, "C04-01");
    let mut owner_phone = task_docs::create_response(task, device(5)).unwrap();
    let owner_tablet = task_docs::create_response(task, device(6)).unwrap();
    let mut second_phone = task_docs::create_response(task, device(7)).unwrap();
    task_docs::add_round(&mut owner_phone, &round("已整改", photo(3), 100)).unwrap();
    task_docs::add_round(&mut second_phone, &round("补充照片", photo(4), 101)).unwrap();

    let one_way = merged(&merged(&owner_tablet, &owner_phone), &second_phone);
    let other_way = merged(&merged(&second_phone, &owner_phone), &owner_tablet);
    let rounds = task_docs::read_rounds(&one_way).unwrap();

    assert_eq!(task_docs::task_of(&one_way), Ok(task));
    assert_eq!(rounds.len(), 2);
    let notes: BTreeSet<&str> = rounds.iter().map(|r| r.note.as_str()).collect();
    assert_eq!(notes, BTreeSet::from(["已整改", "补充照片"]));
    assert_eq!(task_docs::read_rounds(&other_way), Ok(rounds));
}

#[test]
fn task_is_verified_after_merged_review() {
    // The order comes from the inspection document.
    let inspection = inspection_doc::read(&ready_to_submit()).unwrap();
    let mode = inspection.rectifications["C04-01"].mode.clone();
    let task = TaskId::for_item(VISIT, "C04-01");

    // The owner's phone and two inspectors' devices each create their copy offline.
    let mut owner = task_docs::create_response(task, device(5)).unwrap();
    let mut zhang_review = task_docs::create_review(task, device(1)).unwrap();
    let mut li_review = task_docs::create_review(task, device(2)).unwrap();
    let state = |response: &Automerge, reviews: &[&Automerge]| {
        let rounds = task_docs::read_rounds(response).unwrap();
        let mut all = Vec::new();
        for doc in reviews {
            all.extend(task_docs::read_reviews(doc).unwrap());
        }
        derive_task_state(&mode, &rounds, &all)
    };
    assert_eq!(state(&owner, &[&zhang_review]), TaskState::Open);

    task_docs::add_round(&mut owner, &round("已安排员工体检", photo(3), 1_765_000_000_000)).unwrap();
    assert_eq!(state(&owner, &[&zhang_review]), TaskState::ProofSubmitted);

    task_docs::add_review(
        &mut zhang_review,
        &review(0, ReviewDecision::Returned, ZHANG, 1_765_050_000_000),
    )
    .unwrap();
    assert_eq!(state(&owner, &[&zhang_review]), TaskState::Returned);

    task_docs::add_round(&mut owner, &round("已补办健康证", photo(4), 1_765_100_000_000)).unwrap();
    assert_eq!(state(&owner, &[&zhang_review]), TaskState::ProofSubmitted);

    task_docs::add_review(
        &mut li_review,
        &review(1, ReviewDecision::Verified, LI, 1_765_150_000_000),
    )
    .unwrap();
    let reviews = merged(&zhang_review, &li_review);
    let server_response = merged(&task_docs::create_response(task, device(9)).unwrap(), &owner);

    assert_eq!(task_docs::read_reviews(&reviews).unwrap().len(), 2);
    assert_eq!(state(&server_response, &[&reviews]), TaskState::Verified);
    assert!(state(&server_response, &[&reviews]).is_closed());
}
