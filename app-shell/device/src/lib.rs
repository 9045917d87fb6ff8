//! FoodPatrol device core: the inspector's app without a window.
//!
//! - [`device::Device`]: scoring, photos, signatures, rectification orders and reviews, each action
//!   durable in SQLite before it returns;
//! - [`photo`]: the photo pipeline (upright, ≤1600 px JPEG, thumbnail, SHA-256 address);
//! - [`sync_client`]: the outbox and the one-round-trip sync with the server, and resumable photo
//!   uploads.
//!
//! The Tauri shell's commands are thin wrappers over these; tests and the demo drive them directly.

pub mod clock;
pub mod device;
pub mod error;
pub mod photo;
pub mod store;
pub mod sync_client;

pub use clock::{Clock, ManualClock, SkewedClock, SystemClock};
pub use device::{Device, Identity, Preview};
pub use error::{DeviceError, DeviceResult};
