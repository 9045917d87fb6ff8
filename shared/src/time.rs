//! Time rules: the server's clock decides report dates; a device's clock is kept and its skew flagged.
//!
//! A device stamps every record with its own clock (it may be offline for days). At each sync the
//! server measures the skew as `device_now - server_now`; a record's server-side time is the device
//! time minus that skew, never later than the moment the server received it. The district's local
//! date of that time is the record's report date.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Skew beyond which a device's clock is flagged on reports, in milliseconds (5 minutes).
pub const SKEW_FLAG_MS: i64 = 5 * 60 * 1000;

/// A record time corrected to the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectedTime {
    /// The server's estimate of when the record was made.
    pub at: DateTime<Utc>,
    /// The device clock's skew measured at the sync that delivered the record.
    pub skew_ms: i64,
    /// True when the skew is beyond [`SKEW_FLAG_MS`].
    pub skew_flagged: bool,
}

/// Corrects a device timestamp with the skew measured at delivery, capped at the receive time.
pub fn correct_device_time(device_ms: i64, skew_ms: i64, received_at: DateTime<Utc>) -> CorrectedTime {
    let estimate = device_ms.saturating_sub(skew_ms);
    let at = DateTime::<Utc>::from_timestamp_millis(estimate)
        .unwrap_or(received_at)
        .min(received_at);
    CorrectedTime {
        at,
        skew_ms,
        skew_flagged: skew_ms.abs() > SKEW_FLAG_MS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skewed_device_time_is_corrected_and_flagged() {
        let received = DateTime::<Utc>::from_timestamp_millis(1_000_000_000_000).unwrap();
        let ten_minutes = 10 * 60 * 1000;
        // The device runs ten minutes fast; its record says 09:40 but was made at 09:30.
        let corrected = correct_device_time(999_000_000_000 + ten_minutes, ten_minutes, received);
        assert_eq!(corrected.at.timestamp_millis(), 999_000_000_000);
        assert!(corrected.skew_flagged);
    }

    #[test]
    fn corrected_time_never_passes_receipt() {
        let received = DateTime::<Utc>::from_timestamp_millis(1_000_000_000_000).unwrap();
        let corrected = correct_device_time(1_000_000_500_000, 0, received);
        assert_eq!(corrected.at, received);
        assert!(!corrected.skew_flagged);
    }
}
