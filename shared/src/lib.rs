//! FoodPatrol's domain model, shared by the device core, the sync server and the web UI.
//!
//! Everything here is plain data and pure functions so that it builds for `wasm32-unknown-unknown`
//! as well as the host. Regulatory rules that vary by province (checklists, outcome rules) are data
//! files under `data/`, loaded through [`rules::RuleBook`]; nothing regulatory is a code constant.
//!
//! With the `crdt` feature, [`crdt`] maps inspections and rectification documents onto automerge
//! documents; the device core and the server use it, the browser UI does not.

pub mod checklist;
#[cfg(feature = "crdt")]
pub mod crdt;
pub mod draw;
pub mod ids;
pub mod inspection;
pub mod outcome;
pub mod plan;
pub mod protocol;
pub mod rectification;
pub mod risk;
pub mod role;
pub mod rules;
pub mod shop;
pub mod shop_code;
pub mod time;

pub use checklist::{Answer, ChecklistItem, ChecklistTemplate};
pub use ids::{DeviceId, DocId, InspectionId, ShopId, TaskId, UserId};
pub use outcome::{Outcome, OutcomeRule};
pub use role::Role;
