//! The device clock, behind a trait so that tests and the demo can run a device in another time
//! zone or with a skewed clock without touching the machine's clock.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the device's time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch, as the device believes.
    fn now_ms(&self) -> i64;
    /// The device's local offset from UTC in minutes (+480 for UTC+8).
    fn utc_offset_min(&self) -> i32;
}

/// The machine's clock and local offset.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn utc_offset_min(&self) -> i32 {
        chrono::Local::now().offset().local_minus_utc() / 60
    }
}

/// A clock set by hand: a fixed instant that advances only when told, in a given offset.
#[derive(Debug)]
pub struct ManualClock {
    now_ms: AtomicI64,
    offset_min: i32,
}

impl ManualClock {
    pub fn new(now_ms: i64, offset_min: i32) -> ManualClock {
        ManualClock {
            now_ms: AtomicI64::new(now_ms),
            offset_min,
        }
    }

    pub fn set(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn utc_offset_min(&self) -> i32 {
        self.offset_min
    }
}

/// The machine's clock shifted by a fixed skew, in a given offset: a phone whose clock is wrong.
#[derive(Debug, Clone, Copy)]
pub struct SkewedClock {
    pub skew_ms: i64,
    pub offset_min: i32,
}

impl Clock for SkewedClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.skew_ms
    }

    fn utc_offset_min(&self) -> i32 {
        self.offset_min
    }
}
