//! The automerge documents: how inspections and rectification rounds are laid out, written and read.
//!
//! Three kinds of document, each with one writer role ([`DocKind::writer_role`]):
//!
//! | kind | id | writer | contents |
//! |---|---|---|---|
//! | inspection | UUIDv7 of the visit | inspectors | meta, inspectors, answers, orders, signature, submission |
//! | rectification_response | derived from the task | the shop's owner | proof rounds |
//! | rectification_review | derived from the task | inspectors | decisions on the rounds |
//!
//! Every document starts with a *skeleton* change that is the same bytes on every device: it is made
//! by an actor derived from the document id, at time 0, and creates every container the document
//! will ever have. Two devices that create the same document while apart therefore produce the same
//! first change, and no container (the answers map, say) is ever created twice concurrently, which
//! in automerge would hide one side's contents behind a conflict.
//!
//! Each user action is one transaction and so one change; a change is the unit the device stores
//! durably and the server checks (its actor names the device, and so the user and role).
//!
//! Stored documents may contain only what these functions write; the server rejects anything else.
//!
//! ```
//! use automerge::ActorId;
//! use foodpatrol_shared::checklist::{Answer, TemplateRef};
//! use foodpatrol_shared::crdt::inspection_doc::{self, NewInspection};
//! use foodpatrol_shared::ids::{InspectionId, ShopId, UserId};
//! use foodpatrol_shared::inspection::{InspectionKind, InspectorRef};
//!
//! let id = InspectionId::new_v7();
//! let (zhang, li) = (UserId::new_v7(), UserId::new_v7());
//! let new = NewInspection {
//!     shop_id: ShopId::from_licence("JY11201010000001"),
//!     template: TemplateRef { id: "catering-daily".into(), version: 1 },
//!     kind: InspectionKind::Daily,
//!     inspectors: vec![
//!         InspectorRef { user_id: zhang, name: "张伟".into() },
//!         InspectorRef { user_id: li, name: "李娜".into() },
//!     ],
//!     started_at_ms: 1_764_800_000_000,
//!     utc_offset_min: 480,
//! };
//! // Zhang's device creates the record; Li's device receives a copy, then both go offline.
//! let mut a = inspection_doc::create(id, ActorId::from([1u8; 16]), &new).unwrap();
//! let mut b = a.fork().with_actor(ActorId::from([2u8; 16]));
//! inspection_doc::set_answer(&mut a, "C01-01", Answer::Yes, zhang, 1).unwrap();
//! inspection_doc::set_answer(&mut b, "C04-01", Answer::No, li, 2).unwrap();
//! // Back online, the server merges both; each device's item is there.
//! a.merge(&mut b).unwrap();
//! let merged = inspection_doc::read(&a).unwrap();
//! assert_eq!(merged.answer("C01-01"), Some(Answer::Yes));
//! assert_eq!(merged.answer("C04-01"), Some(Answer::No));
//! ```

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use sha2_free::derive_actor;
use thiserror::Error;

use crate::ids::{DeviceId, DocId};
use crate::protocol::DocKind;

/// Version of the document layout, written into every skeleton. Serialized: bump only with a migration.
pub const SCHEMA_VERSION: i64 = 1;

/// A document that cannot be read or changed.
#[derive(Debug, Error, PartialEq)]
pub enum DocError {
    #[error("automerge rejected the document: {0}")]
    Automerge(String),
    #[error("document field {field} is missing")]
    Missing { field: String },
    #[error("document field {field} has invalid value {value:?}")]
    Invalid { field: String, value: String },
    #[error("document is a {found}, not a {expected}")]
    WrongKind { expected: &'static str, found: String },
    #[error("该记录已提交封存，不能再修改 (the record is sealed; start a new inspection to record more)")]
    Sealed,
    #[error("item {item} has no mark yet; mark it before adding a remark or photo")]
    NoAnswer { item: String },
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Automerge(e.to_string())
    }
}

/// The fixed part every document starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocHeader {
    pub kind: DocKind,
    pub id: DocId,
    pub schema: i64,
}

/// Containers created by the skeleton of each kind, in creation order.
fn skeleton_containers(kind: DocKind) -> &'static [(&'static str, ObjType)] {
    match kind {
        DocKind::Inspection => &[
            ("meta", ObjType::Map),
            ("inspectors", ObjType::Map),
            ("answers", ObjType::Map),
            ("rectifications", ObjType::Map),
            ("signature", ObjType::Map),
            ("submission", ObjType::Map),
        ],
        DocKind::RectificationResponse => &[("meta", ObjType::Map), ("rounds", ObjType::List)],
        DocKind::RectificationReview => &[("meta", ObjType::Map), ("reviews", ObjType::List)],
    }
}

/// Returns the automerge actor of one session of a registered device: the device id's 16 bytes
/// followed by 8 random bytes chosen when the app opens its store.
///
/// The random part keeps sequence numbers unique when a device's database is restored from an old
/// copy: the restored copy writes as a new actor instead of reusing (actor, seq) pairs the server
/// already holds. The server checks only the device-id prefix ([`actor_device`]).
pub fn session_actor(device: DeviceId, session: [u8; 8]) -> ActorId {
    let mut bytes = device.as_uuid().into_bytes().to_vec();
    bytes.extend_from_slice(&session);
    ActorId::from(bytes)
}

/// Returns the registered device a session actor belongs to, or `None` for any other actor.
pub fn actor_device(actor: &ActorId) -> Option<DeviceId> {
    let bytes = actor.to_bytes();
    if bytes.len() != 24 {
        return None;
    }
    let id: [u8; 16] = bytes[..16].try_into().ok()?;
    Some(DeviceId(uuid::Uuid::from_bytes(id)))
}

/// Returns the actor that makes a document's skeleton: derived from the id, owned by no device.
pub fn skeleton_actor(doc_id: DocId) -> ActorId {
    ActorId::from(derive_actor(doc_id.0.as_bytes()))
}

/// Builds the skeleton of a document: the same change, with the same hash, on every device.
pub fn skeleton(kind: DocKind, doc_id: DocId) -> Automerge {
    let mut doc = Automerge::new().with_actor(skeleton_actor(doc_id));
    let mut tx = doc.transaction();
    tx.put(ROOT, "schema", SCHEMA_VERSION).expect("root is a map");
    tx.put(ROOT, "kind", kind.as_str()).expect("root is a map");
    tx.put(ROOT, "id", doc_id.to_string()).expect("root is a map");
    for (name, obj_type) in skeleton_containers(kind) {
        tx.put_object(ROOT, *name, *obj_type).expect("root is a map");
    }
    tx.commit_with(CommitOptions::default().with_time(0));
    doc
}

/// Returns the hash of a document's skeleton change, which the server checks skeleton-actor changes against.
pub fn skeleton_hash(kind: DocKind, doc_id: DocId) -> ChangeHash {
    skeleton(kind, doc_id).get_heads()[0]
}

/// Starts a document: the skeleton, then further changes by `actor`.
pub fn new_doc(kind: DocKind, doc_id: DocId, actor: ActorId) -> Automerge {
    let mut doc = skeleton(kind, doc_id);
    doc.set_actor(actor);
    doc
}

/// Reads the fixed header of any document.
pub fn read_header(doc: &Automerge) -> Result<DocHeader, DocError> {
    let kind_text = get_str(doc, &ROOT, "kind")?;
    let kind = DocKind::parse(&kind_text).ok_or_else(|| DocError::Invalid {
        field: "kind".into(),
        value: kind_text.clone(),
    })?;
    let id_text = get_str(doc, &ROOT, "id")?;
    let id = id_text.parse::<DocId>().map_err(|_| DocError::Invalid {
        field: "id".into(),
        value: id_text.clone(),
    })?;
    let schema = get_i64(doc, &ROOT, "schema")?;
    if schema != SCHEMA_VERSION {
        return Err(DocError::Invalid {
            field: "schema".into(),
            value: schema.to_string(),
        });
    }
    Ok(DocHeader { kind, id, schema })
}

/// Formats change hashes as hex strings, as the protocol carries them.
pub fn heads_to_hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

/// Parses hex change hashes.
pub fn heads_from_hex(heads: &[String]) -> Result<Vec<ChangeHash>, DocError> {
    heads
        .iter()
        .map(|h| {
            h.parse::<ChangeHash>().map_err(|_| DocError::Invalid {
                field: "heads".into(),
                value: h.clone(),
            })
        })
        .collect()
}

// ---- reading helpers, optionally at historical heads ----

/// A view of a document, either current or as of some heads.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    doc: &'a Automerge,
    heads: Option<&'a [ChangeHash]>,
}

impl<'a> View<'a> {
    pub(crate) fn current(doc: &'a Automerge) -> Self {
        View { doc, heads: None }
    }

    pub(crate) fn at(doc: &'a Automerge, heads: &'a [ChangeHash]) -> Self {
        View {
            doc,
            heads: Some(heads),
        }
    }

    fn get(&self, obj: &ObjId, key: &str) -> Result<Option<(Value<'a>, ObjId)>, DocError> {
        Ok(match self.heads {
            None => self.doc.get(obj, key)?,
            Some(heads) => self.doc.get_at(obj, key, heads)?,
        })
    }

    fn get_all(&self, obj: &ObjId, key: &str) -> Result<Vec<(Value<'a>, ObjId)>, DocError> {
        Ok(match self.heads {
            None => self.doc.get_all(obj, key)?,
            Some(heads) => self.doc.get_all_at(obj, key, heads)?,
        })
    }

    /// Returns the change that made an operation (a put or an object), if the document has it.
    fn change_of(&self, op: &ObjId) -> Option<ChangeHash> {
        self.doc.hash_for_opid(op)
    }

    /// Returns every key of a map with its winning value, its id and whether it has a clash, in
    /// one pass (far cheaper than one lookup per key).
    fn entries(&self, obj: &ObjId) -> Vec<Entry> {
        let convert = |item: automerge::iter::MapRangeItem<'_>| Entry {
            id: item.id(),
            key: item.key.into_owned(),
            value: item.value.into(),
            conflict: item.conflict,
        };
        match self.heads {
            None => self.doc.map_range(obj, ..).map(convert).collect(),
            Some(heads) => self.doc.map_range_at(obj, .., heads).map(convert).collect(),
        }
    }

    /// Reads a list of strings in one pass.
    fn str_values(&self, list: &ObjId, field: &str) -> Result<Vec<String>, DocError> {
        let items: Vec<Value<'static>> = match self.heads {
            None => self
                .doc
                .list_range(list, ..)
                .map(|item| item.value.into())
                .collect(),
            Some(heads) => self
                .doc
                .list_range_at(list, .., heads)
                .map(|item| item.value.into())
                .collect(),
        };
        items
            .into_iter()
            .map(|value| match value {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(text) => Ok(text.to_string()),
                    other => Err(DocError::Invalid {
                        field: field.into(),
                        value: format!("{other:?}"),
                    }),
                },
                other => Err(DocError::Invalid {
                    field: field.into(),
                    value: format!("{other:?}"),
                }),
            })
            .collect()
    }

    fn keys(&self, obj: &ObjId) -> Vec<String> {
        match self.heads {
            None => self.doc.keys(obj).collect(),
            Some(heads) => self.doc.keys_at(obj, heads).collect(),
        }
    }

    fn length(&self, obj: &ObjId) -> usize {
        match self.heads {
            None => self.doc.length(obj),
            Some(heads) => self.doc.length_at(obj, heads),
        }
    }

    fn get_index(&self, obj: &ObjId, index: usize) -> Result<Option<(Value<'a>, ObjId)>, DocError> {
        Ok(match self.heads {
            None => self.doc.get(obj, index)?,
            Some(heads) => self.doc.get_at(obj, index, heads)?,
        })
    }

    fn object(&self, obj: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.get(obj, key)? {
            Some((Value::Object(_), id)) => Ok(id),
            Some((other, _)) => Err(DocError::Invalid {
                field: key.into(),
                value: format!("{other:?}"),
            }),
            None => Err(DocError::Missing { field: key.into() }),
        }
    }

    fn opt_str(&self, obj: &ObjId, key: &str) -> Result<Option<String>, DocError> {
        match self.get(obj, key)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(text) => Ok(Some(text.to_string())),
                other => Err(DocError::Invalid {
                    field: key.into(),
                    value: format!("{other:?}"),
                }),
            },
            Some((other, _)) => Err(DocError::Invalid {
                field: key.into(),
                value: format!("{other:?}"),
            }),
            None => Ok(None),
        }
    }

    fn str(&self, obj: &ObjId, key: &str) -> Result<String, DocError> {
        self.opt_str(obj, key)?
            .ok_or_else(|| DocError::Missing { field: key.into() })
    }

    fn opt_i64(&self, obj: &ObjId, key: &str) -> Result<Option<i64>, DocError> {
        match self.get(obj, key)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Int(n) => Ok(Some(*n)),
                ScalarValue::Uint(n) => i64::try_from(*n).map(Some).map_err(|_| DocError::Invalid {
                    field: key.into(),
                    value: n.to_string(),
                }),
                other => Err(DocError::Invalid {
                    field: key.into(),
                    value: format!("{other:?}"),
                }),
            },
            Some((other, _)) => Err(DocError::Invalid {
                field: key.into(),
                value: format!("{other:?}"),
            }),
            None => Ok(None),
        }
    }

    fn i64(&self, obj: &ObjId, key: &str) -> Result<i64, DocError> {
        self.opt_i64(obj, key)?
            .ok_or_else(|| DocError::Missing { field: key.into() })
    }

    /// Reads a list of strings.
    fn str_list(&self, list: &ObjId, field: &str) -> Result<Vec<String>, DocError> {
        let mut out = Vec::new();
        for index in 0..self.length(list) {
            match self.get_index(list, index)? {
                Some((Value::Scalar(s), _)) => match s.as_ref() {
                    ScalarValue::Str(text) => out.push(text.to_string()),
                    other => {
                        return Err(DocError::Invalid {
                            field: field.into(),
                            value: format!("{other:?}"),
                        });
                    }
                },
                other => {
                    return Err(DocError::Invalid {
                        field: field.into(),
                        value: format!("{other:?}"),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// One key of a map as read by [`View::entries`].
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) value: Value<'static>,
    pub(crate) id: ObjId,
    pub(crate) conflict: bool,
}

fn get_str(doc: &Automerge, obj: &ObjId, key: &str) -> Result<String, DocError> {
    View::current(doc).str(obj, key)
}

fn get_i64(doc: &Automerge, obj: &ObjId, key: &str) -> Result<i64, DocError> {
    View::current(doc).i64(obj, key)
}

fn expect_kind(doc: &Automerge, expected: DocKind) -> Result<DocHeader, DocError> {
    let header = read_header(doc)?;
    if header.kind != expected {
        return Err(DocError::WrongKind {
            expected: expected.as_str(),
            found: header.kind.as_str().into(),
        });
    }
    Ok(header)
}

fn root_object(doc: &Automerge, key: &str) -> Result<ObjId, DocError> {
    View::current(doc).object(&ROOT, key)
}

mod sha2_free {
    /// Derives a 16-byte actor id from a document id with FNV-1a, so that `shared` needs no hash crate.
    /// The result only has to be stable and distinct from device ids (which are UUIDv7 bytes).
    pub(super) fn derive_actor(doc_id: &[u8; 16]) -> [u8; 16] {
        let mut out = [0u8; 16];
        for (half, seed) in [(0usize, 0xcbf2_9ce4_8422_2325u64), (8, 0x8422_2325_cbf2_9ce4)] {
            let mut hash = seed;
            for byte in b"foodpatrol-skeleton:".iter().chain(doc_id.iter()) {
                hash ^= u64::from(*byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            out[half..half + 8].copy_from_slice(&hash.to_be_bytes());
        }
        // Version nibble 0 marks the id as no UUID, so it can never equal a device's UUIDv7 actor.
        out[6] &= 0x0f;
        out
    }
}

pub mod inspection_doc;
pub mod task_docs;
