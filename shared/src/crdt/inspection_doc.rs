//! The inspection document: one visit, written only by inspectors.
//!
//! Layout under the root (containers come from the skeleton):
//! - `meta`: `shop_id`, `template_id`, `template_version`, `kind`, `started_at_ms`, `utc_offset_min`
//! - `inspectors`: user id → display name
//! - `answers`: item id → map `{answer, remark, by, at_ms, photos: [hash]}`
//! - `rectifications`: item id → map `{mode, measure | due + requirement, tier, by, at_ms}`
//! - `signature`: `{kind: signed | refused, signer_name, image | reason, witness, at_ms}`
//! - `submission`: `{by, at_ms, device_outcome, sealed_heads}`; present once submitted
//!
//! A mark on an item is a map; changing the mark changes that map's fields, so concurrent marks of
//! the same item from two devices show up as conflicting values, which [`read`] returns as
//! [`ItemState::conflicts`]. Marking the item again replaces the map and so resolves the clash.

use std::collections::{BTreeMap, HashMap};

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};
use chrono::NaiveDate;

use super::{DocError, View, expect_kind, heads_from_hex, heads_to_hex, new_doc, root_object};
use crate::checklist::{Answer, TemplateRef};
use crate::ids::{InspectionId, ShopId, UserId};
use crate::inspection::{
    AnswerRecord, Inspection, InspectionKind, InspectorRef, ItemState, Signature, Submission,
};
use crate::outcome::Outcome;
use crate::protocol::DocKind;
use crate::rectification::{RectificationMode, RectificationOrder, Tier};

/// The facts a device records when a visit starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInspection {
    pub shop_id: ShopId,
    pub template: TemplateRef,
    pub kind: InspectionKind,
    pub inspectors: Vec<InspectorRef>,
    pub started_at_ms: i64,
    pub utc_offset_min: i32,
}

/// Creates an inspection document: the skeleton, then the meta change by `actor`.
pub fn create(id: InspectionId, actor: ActorId, new: &NewInspection) -> Result<Automerge, DocError> {
    let mut doc = new_doc(DocKind::Inspection, id.into(), actor);
    let meta = root_object(&doc, "meta")?;
    let inspectors = root_object(&doc, "inspectors")?;
    let mut tx = doc.transaction();
    tx.put(&meta, "shop_id", new.shop_id.to_string())?;
    tx.put(&meta, "template_id", new.template.id.as_str())?;
    tx.put(&meta, "template_version", i64::from(new.template.version))?;
    tx.put(&meta, "kind", new.kind.as_str())?;
    tx.put(&meta, "started_at_ms", new.started_at_ms)?;
    tx.put(&meta, "utc_offset_min", i64::from(new.utc_offset_min))?;
    for inspector in &new.inspectors {
        tx.put(
            &inspectors,
            inspector.user_id.to_string(),
            inspector.name.as_str(),
        )?;
    }
    tx.commit();
    Ok(doc)
}

fn ensure_editable(doc: &Automerge) -> Result<(), DocError> {
    expect_kind(doc, DocKind::Inspection)?;
    let submission = root_object(doc, "submission")?;
    if doc.get(&submission, "at_ms")?.is_some() {
        return Err(DocError::Sealed);
    }
    Ok(())
}

/// Returns the map of an item's current mark, if the item has one.
fn answer_map(doc: &Automerge, item_id: &str) -> Result<Option<ObjId>, DocError> {
    let answers = root_object(doc, "answers")?;
    Ok(match doc.get(&answers, item_id)? {
        Some((Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

/// Records a tap on 是 / 否 / 合理缺项 for one item. One change.
///
/// If the item already holds clashing marks from two devices, the new mark replaces all of them
/// (keeping the union of their photos), which is how a clash is resolved.
pub fn set_answer(
    doc: &mut Automerge,
    item_id: &str,
    answer: Answer,
    by: UserId,
    at_ms: i64,
) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let answers = root_object(doc, "answers")?;
    let candidates = doc.get_all(&answers, item_id)?;
    let clashing = candidates.len() > 1
        || candidates
            .first()
            .is_some_and(|(_, id)| doc.get_all(id, "answer").map(|v| v.len() > 1).unwrap_or(false));
    let existing = match candidates.first() {
        Some((Value::Object(ObjType::Map), id)) if !clashing => Some(id.clone()),
        _ => None,
    };
    // A clash is resolved into a fresh map that keeps every photo and the winning remark.
    let (remark, photos) = if clashing {
        let state = read_item(View::current(doc), &answers, item_id)?;
        let mut photos: Vec<String> = state
            .iter()
            .flat_map(|s| std::iter::once(&s.current).chain(&s.conflicts))
            .flat_map(|r| r.photos.clone())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        photos.retain(|hash| seen.insert(hash.clone()));
        (state.map(|s| s.current.remark).unwrap_or_default(), photos)
    } else {
        (String::new(), Vec::new())
    };
    let mut tx = doc.transaction();
    let map = match existing {
        Some(map) => map,
        None => {
            let map = tx.put_object(&answers, item_id, ObjType::Map)?;
            tx.put(&map, "remark", remark.as_str())?;
            let list = tx.put_object(&map, "photos", ObjType::List)?;
            for (index, hash) in photos.iter().enumerate() {
                tx.insert(&list, index, hash.as_str())?;
            }
            map
        }
    };
    tx.put(&map, "answer", answer.as_str())?;
    tx.put(&map, "by", by.to_string())?;
    tx.put(&map, "at_ms", at_ms)?;
    // automerge skips a put that leaves a value unchanged, so `by` alone cannot tell whose mark a
    // clashing value is. The stamp is unique per tap and is always written with the answer.
    tx.put(&map, "stamp", format!("{by}@{at_ms}"))?;
    tx.commit();
    Ok(())
}

/// Records the remark (备注) of an item. One change.
pub fn set_remark(
    doc: &mut Automerge,
    item_id: &str,
    remark: &str,
    by: UserId,
    at_ms: i64,
) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let map = answer_map(doc, item_id)?.ok_or_else(|| DocError::NoAnswer { item: item_id.into() })?;
    let mut tx = doc.transaction();
    tx.put(&map, "remark", remark)?;
    tx.put(&map, "by", by.to_string())?;
    tx.put(&map, "at_ms", at_ms)?;
    tx.commit();
    Ok(())
}

/// Attaches an evidence photo (by content address) to an item. One change; a photo already there is not added twice.
pub fn add_photo(doc: &mut Automerge, item_id: &str, hash: &str) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let map = answer_map(doc, item_id)?.ok_or_else(|| DocError::NoAnswer { item: item_id.into() })?;
    let list = View::current(doc).object(&map, "photos")?;
    if View::current(doc)
        .str_list(&list, "photos")?
        .iter()
        .any(|h| h == hash)
    {
        return Ok(());
    }
    let end = doc.length(&list);
    let mut tx = doc.transaction();
    tx.insert(&list, end, hash)?;
    tx.commit();
    Ok(())
}

/// Removes an evidence photo from an item before submission. One change.
pub fn remove_photo(doc: &mut Automerge, item_id: &str, hash: &str) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let map = answer_map(doc, item_id)?.ok_or_else(|| DocError::NoAnswer { item: item_id.into() })?;
    let list = View::current(doc).object(&map, "photos")?;
    let photos = View::current(doc).str_list(&list, "photos")?;
    let mut tx = doc.transaction();
    for index in (0..photos.len()).rev().filter(|&i| photos[i] == hash) {
        tx.delete(&list, index)?;
    }
    tx.commit();
    Ok(())
}

/// Adds an inspector to the visit (the second inspector can join offline). One change.
pub fn add_inspector(doc: &mut Automerge, inspector: &InspectorRef) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let inspectors = root_object(doc, "inspectors")?;
    let mut tx = doc.transaction();
    tx.put(
        &inspectors,
        inspector.user_id.to_string(),
        inspector.name.as_str(),
    )?;
    tx.commit();
    Ok(())
}

/// Records the order for a failed item: fixed on the spot or a written deadline. One change.
pub fn set_rectification(
    doc: &mut Automerge,
    item_id: &str,
    order: &RectificationOrder,
) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let rectifications = root_object(doc, "rectifications")?;
    let mut tx = doc.transaction();
    let map = tx.put_object(&rectifications, item_id, ObjType::Map)?;
    match &order.mode {
        RectificationMode::OnSpot { measure } => {
            tx.put(&map, "mode", "on_spot")?;
            tx.put(&map, "measure", measure.as_str())?;
        }
        RectificationMode::Deadline { due, requirement } => {
            tx.put(&map, "mode", "deadline")?;
            tx.put(&map, "due", due.to_string())?;
            tx.put(&map, "requirement", requirement.as_str())?;
        }
    }
    tx.put(&map, "tier", order.tier.as_str())?;
    tx.put(&map, "by", order.ordered_by.to_string())?;
    tx.put(&map, "at_ms", order.ordered_at_ms)?;
    tx.commit();
    Ok(())
}

/// Removes the order of an item (its mark changed to 是). One change.
pub fn clear_rectification(doc: &mut Automerge, item_id: &str) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let rectifications = root_object(doc, "rectifications")?;
    if doc.get(&rectifications, item_id)?.is_none() {
        return Ok(());
    }
    let mut tx = doc.transaction();
    tx.delete(&rectifications, item_id)?;
    tx.commit();
    Ok(())
}

/// Records the shop's signature or its refusal. One change.
pub fn set_signature(doc: &mut Automerge, signature: &Signature) -> Result<(), DocError> {
    ensure_editable(doc)?;
    let map = root_object(doc, "signature")?;
    let mut tx = doc.transaction();
    for key in ["signer_name", "image", "reason", "witness"] {
        tx.delete(&map, key).ok();
    }
    match signature {
        Signature::Signed {
            signer_name,
            image,
            at_ms,
        } => {
            tx.put(&map, "kind", "signed")?;
            tx.put(&map, "signer_name", signer_name.as_str())?;
            tx.put(&map, "image", image.as_str())?;
            tx.put(&map, "at_ms", *at_ms)?;
        }
        Signature::Refused {
            reason,
            witness,
            at_ms,
        } => {
            tx.put(&map, "kind", "refused")?;
            tx.put(&map, "reason", reason.as_str())?;
            tx.put(&map, "witness", witness.as_str())?;
            tx.put(&map, "at_ms", *at_ms)?;
        }
    }
    tx.commit();
    Ok(())
}

/// Seals the record: stores the heads as signed and the device's outcome. One change.
/// Returns the sealed heads.
pub fn submit(
    doc: &mut Automerge,
    by: UserId,
    at_ms: i64,
    device_outcome: Outcome,
) -> Result<Vec<ChangeHash>, DocError> {
    ensure_editable(doc)?;
    let submission = root_object(doc, "submission")?;
    let heads = doc.get_heads();
    let mut tx = doc.transaction();
    tx.put(&submission, "by", by.to_string())?;
    tx.put(&submission, "at_ms", at_ms)?;
    tx.put(&submission, "device_outcome", device_outcome.as_str())?;
    tx.put(&submission, "sealed_heads", heads_to_hex(&heads).join(","))?;
    tx.commit();
    Ok(heads)
}

fn parse_uuid<T: std::str::FromStr>(field: &str, value: String) -> Result<T, DocError> {
    value.parse::<T>().map_err(|_| DocError::Invalid {
        field: field.into(),
        value,
    })
}

fn read_record(view: View<'_>, map: &ObjId, item_id: &str) -> Result<Vec<AnswerRecord>, DocError> {
    let entries = view.entries(map);
    if entries.iter().any(|e| e.key == "answer" && e.conflict) {
        return read_clashing_record(view, map, item_id);
    }
    let field = format!("answers.{item_id}");
    let invalid = |key: &str, value: &Value<'_>| DocError::Invalid {
        field: format!("{field}.{key}"),
        value: format!("{value:?}"),
    };
    let missing = |key: &str| DocError::Missing {
        field: format!("{field}.{key}"),
    };
    let (mut answer, mut remark, mut by, mut at_ms, mut photos) = (None, String::new(), None, None, None);
    for entry in entries {
        let text = match &entry.value {
            Value::Scalar(s) => match s.as_ref() {
                automerge::ScalarValue::Str(text) => Some(text.to_string()),
                _ => None,
            },
            Value::Object(_) => None,
        };
        match entry.key.as_str() {
            "answer" => {
                answer = Some(
                    text.as_deref()
                        .and_then(Answer::parse)
                        .ok_or_else(|| invalid("answer", &entry.value))?,
                );
            }
            "remark" => remark = text.ok_or_else(|| invalid("remark", &entry.value))?,
            "by" => {
                by = Some(parse_uuid::<UserId>(
                    &format!("{field}.by"),
                    text.ok_or_else(|| invalid("by", &entry.value))?,
                )?);
            }
            "at_ms" => match &entry.value {
                Value::Scalar(s) => match s.as_ref() {
                    automerge::ScalarValue::Int(n) => at_ms = Some(*n),
                    _ => return Err(invalid("at_ms", &entry.value)),
                },
                Value::Object(_) => return Err(invalid("at_ms", &entry.value)),
            },
            "photos" => match &entry.value {
                Value::Object(ObjType::List) => {
                    photos = Some(view.str_values(&entry.id, &format!("{field}.photos"))?);
                }
                _ => return Err(invalid("photos", &entry.value)),
            },
            _ => {}
        }
    }
    Ok(vec![AnswerRecord {
        answer: answer.ok_or_else(|| missing("answer"))?,
        remark,
        photos: photos.ok_or_else(|| missing("photos"))?,
        by: by.ok_or_else(|| missing("by"))?,
        at_ms: at_ms.ok_or_else(|| missing("at_ms"))?,
    }])
}

/// Reads a mark whose `answer` key holds values from concurrent changes, one record per value.
fn read_clashing_record(view: View<'_>, map: &ObjId, item_id: &str) -> Result<Vec<AnswerRecord>, DocError> {
    let field = format!("answers.{item_id}");
    let photos_list = view.object(map, "photos")?;
    let photos = view.str_list(&photos_list, &format!("{field}.photos"))?;
    let remark = view.opt_str(map, "remark")?.unwrap_or_default();
    let winner_by: UserId = parse_uuid(&format!("{field}.by"), view.str(map, "by")?)?;
    let winner_at_ms = view.i64(map, "at_ms")?;
    let values = view.get_all(map, "answer")?;
    // Each clashing `answer` value is paired with the stamp written in the same change.
    let mut stamps = HashMap::new();
    for (value, id) in view.get_all(map, "stamp")? {
        if let (Some(hash), Value::Scalar(s)) = (view.change_of(&id), &value)
            && let automerge::ScalarValue::Str(text) = s.as_ref()
            && let Some((user, at)) = text.split_once('@')
            && let (Ok(user), Ok(at)) = (user.parse::<UserId>(), at.parse::<i64>())
        {
            stamps.insert(hash, (user, at));
        }
    }
    let mut records = Vec::new();
    for (value, id) in values {
        let text = match &value {
            Value::Scalar(s) => match s.as_ref() {
                automerge::ScalarValue::Str(text) => Some(text.to_string()),
                _ => None,
            },
            Value::Object(_) => None,
        };
        let answer = text
            .as_deref()
            .and_then(Answer::parse)
            .ok_or_else(|| DocError::Invalid {
                field: format!("{field}.answer"),
                value: format!("{value:?}"),
            })?;
        let stamp = view.change_of(&id).and_then(|hash| stamps.get(&hash).copied());
        records.push(AnswerRecord {
            answer,
            remark: remark.clone(),
            photos: photos.clone(),
            by: stamp.map_or(winner_by, |(user, _)| user),
            at_ms: stamp.map_or(winner_at_ms, |(_, at)| at),
        });
    }
    if records.is_empty() {
        return Err(DocError::Missing {
            field: format!("{field}.answer"),
        });
    }
    Ok(records)
}

fn read_item(view: View<'_>, answers: &ObjId, item_id: &str) -> Result<Option<ItemState>, DocError> {
    let mut records = Vec::new();
    for (value, id) in view.get_all(answers, item_id)? {
        match value {
            Value::Object(ObjType::Map) => records.extend(read_record(view, &id, item_id)?),
            other => {
                return Err(DocError::Invalid {
                    field: format!("answers.{item_id}"),
                    value: format!("{other:?}"),
                });
            }
        }
    }
    let mut records = records.into_iter();
    let Some(mut current) = records.next() else {
        return Ok(None);
    };
    // Only a different mark or remark is a clash worth showing. Identical concurrent marks are
    // not, but their photos are all kept on the current mark.
    let mut conflicts = Vec::new();
    for record in records {
        if record.answer != current.answer || record.remark != current.remark {
            conflicts.push(record);
        } else {
            for photo in record.photos {
                if !current.photos.contains(&photo) {
                    current.photos.push(photo);
                }
            }
        }
    }
    Ok(Some(ItemState { current, conflicts }))
}

fn read_order(view: View<'_>, map: &ObjId, item_id: &str) -> Result<RectificationOrder, DocError> {
    let field = format!("rectifications.{item_id}");
    let mode = match view.str(map, "mode")?.as_str() {
        "on_spot" => RectificationMode::OnSpot {
            measure: view.str(map, "measure")?,
        },
        "deadline" => {
            let due_text = view.str(map, "due")?;
            let due = due_text.parse::<NaiveDate>().map_err(|_| DocError::Invalid {
                field: format!("{field}.due"),
                value: due_text.clone(),
            })?;
            RectificationMode::Deadline {
                due,
                requirement: view.opt_str(map, "requirement")?.unwrap_or_default(),
            }
        }
        other => {
            return Err(DocError::Invalid {
                field: format!("{field}.mode"),
                value: other.into(),
            });
        }
    };
    let tier_text = view.str(map, "tier")?;
    let tier = Tier::parse(&tier_text).ok_or_else(|| DocError::Invalid {
        field: format!("{field}.tier"),
        value: tier_text.clone(),
    })?;
    Ok(RectificationOrder {
        mode,
        tier,
        ordered_by: parse_uuid(&format!("{field}.by"), view.str(map, "by")?)?,
        ordered_at_ms: view.i64(map, "at_ms")?,
    })
}

fn read_signature(view: View<'_>, map: &ObjId) -> Result<Option<Signature>, DocError> {
    let Some(kind) = view.opt_str(map, "kind")? else {
        return Ok(None);
    };
    let at_ms = view.i64(map, "at_ms")?;
    match kind.as_str() {
        "signed" => Ok(Some(Signature::Signed {
            signer_name: view.str(map, "signer_name")?,
            image: view.str(map, "image")?,
            at_ms,
        })),
        "refused" => Ok(Some(Signature::Refused {
            reason: view.str(map, "reason")?,
            witness: view.str(map, "witness")?,
            at_ms,
        })),
        other => Err(DocError::Invalid {
            field: "signature.kind".into(),
            value: other.into(),
        }),
    }
}

fn read_submission(view: View<'_>) -> Result<Option<Submission>, DocError> {
    let map = view.object(&ROOT, "submission")?;
    let Some(at_ms) = view.opt_i64(&map, "at_ms")? else {
        return Ok(None);
    };
    let outcome_text = view.str(&map, "device_outcome")?;
    let device_outcome = Outcome::parse(&outcome_text).ok_or_else(|| DocError::Invalid {
        field: "submission.device_outcome".into(),
        value: outcome_text,
    })?;
    let heads_text = view.str(&map, "sealed_heads")?;
    let sealed_heads: Vec<String> = heads_text
        .split(',')
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    heads_from_hex(&sealed_heads)?;
    Ok(Some(Submission {
        by: parse_uuid("submission.by", view.str(&map, "by")?)?,
        at_ms,
        device_outcome,
        sealed_heads,
    }))
}

fn read_view(view: View<'_>, id: InspectionId) -> Result<Inspection, DocError> {
    let meta = view.object(&ROOT, "meta")?;
    let kind_text = view.str(&meta, "kind")?;
    let kind = InspectionKind::parse(&kind_text).ok_or_else(|| DocError::Invalid {
        field: "meta.kind".into(),
        value: kind_text,
    })?;
    let version = view.i64(&meta, "template_version")?;
    let template = TemplateRef {
        id: view.str(&meta, "template_id")?,
        version: u32::try_from(version).map_err(|_| DocError::Invalid {
            field: "meta.template_version".into(),
            value: version.to_string(),
        })?,
    };
    let offset = view.opt_i64(&meta, "utc_offset_min")?.unwrap_or(0);

    let inspectors_map = view.object(&ROOT, "inspectors")?;
    let mut inspectors = Vec::new();
    for key in view.keys(&inspectors_map) {
        let user_id: UserId = parse_uuid("inspectors", key.clone())?;
        inspectors.push(InspectorRef {
            user_id,
            name: view.str(&inspectors_map, &key)?,
        });
    }

    let answers_map = view.object(&ROOT, "answers")?;
    let mut answers = BTreeMap::new();
    for item_id in view.keys(&answers_map) {
        if let Some(state) = read_item(view, &answers_map, &item_id)? {
            answers.insert(item_id, state);
        }
    }

    let orders_map = view.object(&ROOT, "rectifications")?;
    let mut rectifications = BTreeMap::new();
    for item_id in view.keys(&orders_map) {
        let order_map = view.object(&orders_map, &item_id)?;
        rectifications.insert(item_id.clone(), read_order(view, &order_map, &item_id)?);
    }

    let signature_map = view.object(&ROOT, "signature")?;
    Ok(Inspection {
        id,
        shop_id: parse_uuid("meta.shop_id", view.str(&meta, "shop_id")?)?,
        template,
        kind,
        inspectors,
        started_at_ms: view.i64(&meta, "started_at_ms")?,
        device_utc_offset_min: i32::try_from(offset).map_err(|_| DocError::Invalid {
            field: "meta.utc_offset_min".into(),
            value: offset.to_string(),
        })?,
        answers,
        rectifications,
        signature: read_signature(view, &signature_map)?,
        submission: read_submission(view)?,
    })
}

/// Reads only the checklist template an inspection was scored against (cheap: two fields).
pub fn template_of(doc: &Automerge) -> Result<TemplateRef, DocError> {
    expect_kind(doc, DocKind::Inspection)?;
    let view = View::current(doc);
    let meta = view.object(&ROOT, "meta")?;
    let version = view.i64(&meta, "template_version")?;
    Ok(TemplateRef {
        id: view.str(&meta, "template_id")?,
        version: u32::try_from(version).map_err(|_| DocError::Invalid {
            field: "meta.template_version".into(),
            value: version.to_string(),
        })?,
    })
}

/// Reads the current state of an inspection document, clashes included.
pub fn read(doc: &Automerge) -> Result<Inspection, DocError> {
    let header = expect_kind(doc, DocKind::Inspection)?;
    read_view(View::current(doc), header.id.into())
}

/// The official record of a submitted inspection and what changed outside it.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedRecord {
    /// The record as signed and submitted (read at the sealed heads), with its submission.
    pub record: Inspection,
    /// Items whose mark or remark in the current document differs from the sealed record: edits made
    /// after, or concurrently with, the submission. They are kept, shown, and not part of the record.
    pub edited_outside_seal: Vec<String>,
}

fn same_heads(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// Reads a submitted inspection as sealed. Returns `None` for a record not yet submitted.
pub fn read_sealed(doc: &Automerge) -> Result<Option<SealedRecord>, DocError> {
    seal_of(doc, read(doc)?)
}

/// Reads the sealed record of a document whose current state `current` was already read.
pub fn seal_of(doc: &Automerge, current: Inspection) -> Result<Option<SealedRecord>, DocError> {
    let Some(submission) = current.submission.clone() else {
        return Ok(None);
    };
    let heads = heads_from_hex(&submission.sealed_heads)?;
    // The usual case: the submit change is the only head and sits directly on the sealed heads, so
    // the current content is the sealed content and nothing was edited outside the seal.
    let current_heads = doc.get_heads();
    if let [only] = current_heads.as_slice()
        && let Some(meta) = doc.get_change_meta_by_hash(only)
        && same_heads(&meta.deps, &heads)
    {
        return Ok(Some(SealedRecord {
            record: current,
            edited_outside_seal: Vec::new(),
        }));
    }
    if !heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
        return Err(DocError::Invalid {
            field: "submission.sealed_heads".into(),
            value: submission.sealed_heads.join(","),
        });
    }
    let mut record = read_view(View::at(doc, &heads), current.id)?;
    record.submission = Some(submission);
    let mut edited: Vec<String> = current
        .answers
        .iter()
        .filter(|(item, state)| record.answers.get(*item) != Some(*state))
        .map(|(item, _)| item.clone())
        .collect();
    edited.extend(
        record
            .answers
            .keys()
            .filter(|item| !current.answers.contains_key(*item))
            .cloned(),
    );
    edited.sort();
    edited.dedup();
    Ok(Some(SealedRecord {
        record,
        edited_outside_seal: edited,
    }))
}
