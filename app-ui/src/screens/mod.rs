//! One component per screen, each with its own `Reducible` state.

pub(crate) mod home;
pub(crate) mod inspection;
pub(crate) mod sign_in;
pub(crate) mod signature;
pub(crate) mod submit;
pub(crate) mod sync;
