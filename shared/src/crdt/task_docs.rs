//! The two documents of a rectification task: the owner's response and the inspector's review.
//!
//! They are separate documents because they have different writers: the owner appends proof rounds
//! to the response, an inspector appends decisions to the review. Both ids derive from the task id
//! ([`TaskId::response_doc`], [`TaskId::review_doc`]), so any device can create either one offline
//! and two creators converge on the same document.
//!
//! Layout: `meta.task_id`, then a list (`rounds` or `reviews`) of maps, appended to only.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjId, ObjType, ROOT, ReadDoc, Value};

use super::{DocError, View, expect_kind, new_doc, root_object};
use crate::ids::{TaskId, UserId};
use crate::protocol::DocKind;
use crate::rectification::{ResponseRound, Review, ReviewDecision};

fn create(kind: DocKind, task: TaskId, actor: ActorId) -> Result<Automerge, DocError> {
    let doc_id = match kind {
        DocKind::RectificationResponse => task.response_doc(),
        DocKind::RectificationReview => task.review_doc(),
        DocKind::Inspection => {
            return Err(DocError::WrongKind {
                expected: "rectification document",
                found: kind.as_str().into(),
            });
        }
    };
    let mut doc = new_doc(kind, doc_id, actor);
    let meta = root_object(&doc, "meta")?;
    let mut tx = doc.transaction();
    tx.put(&meta, "task_id", task.to_string())?;
    tx.commit();
    Ok(doc)
}

/// Creates the owner's response document of a task.
pub fn create_response(task: TaskId, actor: ActorId) -> Result<Automerge, DocError> {
    create(DocKind::RectificationResponse, task, actor)
}

/// Creates the inspector's review document of a task.
pub fn create_review(task: TaskId, actor: ActorId) -> Result<Automerge, DocError> {
    create(DocKind::RectificationReview, task, actor)
}

/// Reads the task a response or review document belongs to, and checks the id derivation.
pub fn task_of(doc: &Automerge) -> Result<TaskId, DocError> {
    let header = super::read_header(doc)?;
    let meta = root_object(doc, "meta")?;
    let text = View::current(doc).str(&meta, "task_id")?;
    let task: TaskId = text.parse().map_err(|_| DocError::Invalid {
        field: "meta.task_id".into(),
        value: text.clone(),
    })?;
    let expected = match header.kind {
        DocKind::RectificationResponse => task.response_doc(),
        DocKind::RectificationReview => task.review_doc(),
        DocKind::Inspection => {
            return Err(DocError::WrongKind {
                expected: "rectification document",
                found: "inspection".into(),
            });
        }
    };
    if expected != header.id {
        return Err(DocError::Invalid {
            field: "meta.task_id".into(),
            value: text,
        });
    }
    Ok(task)
}

fn append(
    doc: &mut Automerge,
    list_key: &str,
    fill: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &ObjId) -> Result<(), DocError>,
) -> Result<(), DocError> {
    let list = root_object(doc, list_key)?;
    let end = doc.length(&list);
    let mut tx = doc.transaction();
    let map = tx.insert_object(&list, end, ObjType::Map)?;
    fill(&mut tx, &map)?;
    tx.commit();
    Ok(())
}

/// Appends one round of proof (the owner). One change.
pub fn add_round(doc: &mut Automerge, round: &ResponseRound) -> Result<(), DocError> {
    expect_kind(doc, DocKind::RectificationResponse)?;
    append(doc, "rounds", |tx, map| {
        tx.put(map, "note", round.note.as_str())?;
        let photos = tx.put_object(map, "photos", ObjType::List)?;
        for (index, hash) in round.photos.iter().enumerate() {
            tx.insert(&photos, index, hash.as_str())?;
        }
        tx.put(map, "by", round.by.to_string())?;
        tx.put(map, "at_ms", round.at_ms)?;
        Ok(())
    })
}

/// Appends one decision (an inspector). One change.
pub fn add_review(doc: &mut Automerge, review: &Review) -> Result<(), DocError> {
    expect_kind(doc, DocKind::RectificationReview)?;
    append(doc, "reviews", |tx, map| {
        tx.put(map, "round", i64::from(review.round))?;
        tx.put(
            map,
            "decision",
            match review.decision {
                ReviewDecision::Verified => "verified",
                ReviewDecision::Returned => "returned",
            },
        )?;
        tx.put(map, "remark", review.remark.as_str())?;
        tx.put(map, "by", review.by.to_string())?;
        tx.put(map, "at_ms", review.at_ms)?;
        Ok(())
    })
}

fn list_maps(view: View<'_>, list_key: &str) -> Result<Vec<ObjId>, DocError> {
    let list = view.object(&ROOT, list_key)?;
    let mut maps = Vec::new();
    for index in 0..view.length(&list) {
        match view.get_index(&list, index)? {
            Some((Value::Object(ObjType::Map), id)) => maps.push(id),
            other => {
                return Err(DocError::Invalid {
                    field: format!("{list_key}[{index}]"),
                    value: format!("{other:?}"),
                });
            }
        }
    }
    Ok(maps)
}

fn parse_user(field: String, text: String) -> Result<UserId, DocError> {
    text.parse().map_err(|_| DocError::Invalid { field, value: text })
}

/// Reads the proof rounds, oldest first.
pub fn read_rounds(doc: &Automerge) -> Result<Vec<ResponseRound>, DocError> {
    expect_kind(doc, DocKind::RectificationResponse)?;
    let view = View::current(doc);
    let mut rounds = Vec::new();
    for (index, map) in list_maps(view, "rounds")?.into_iter().enumerate() {
        let photos = view.object(&map, "photos")?;
        rounds.push(ResponseRound {
            note: view.opt_str(&map, "note")?.unwrap_or_default(),
            photos: view.str_list(&photos, &format!("rounds[{index}].photos"))?,
            by: parse_user(format!("rounds[{index}].by"), view.str(&map, "by")?)?,
            at_ms: view.i64(&map, "at_ms")?,
        });
    }
    Ok(rounds)
}

/// Reads the decisions, in list order.
pub fn read_reviews(doc: &Automerge) -> Result<Vec<Review>, DocError> {
    expect_kind(doc, DocKind::RectificationReview)?;
    let view = View::current(doc);
    let mut reviews = Vec::new();
    for (index, map) in list_maps(view, "reviews")?.into_iter().enumerate() {
        let decision_text = view.str(&map, "decision")?;
        let decision = match decision_text.as_str() {
            "verified" => ReviewDecision::Verified,
            "returned" => ReviewDecision::Returned,
            _ => {
                return Err(DocError::Invalid {
                    field: format!("reviews[{index}].decision"),
                    value: decision_text,
                });
            }
        };
        let round = view.i64(&map, "round")?;
        reviews.push(Review {
            round: u32::try_from(round).map_err(|_| DocError::Invalid {
                field: format!("reviews[{index}].round"),
                value: round.to_string(),
            })?,
            decision,
            remark: view.opt_str(&map, "remark")?.unwrap_or_default(),
            by: parse_user(format!("reviews[{index}].by"), view.str(&map, "by")?)?,
            at_ms: view.i64(&map, "at_ms")?,
        });
    }
    Ok(reviews)
}
