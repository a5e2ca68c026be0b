//! Saturating time arithmetic. Times in synced events come from other devices and may be absurd; adding
//! a delay to them must never panic (chrono's `+` does on overflow), so every deadline is computed here.

use chrono::{DateTime, TimeDelta, Utc};

/// `t + secs`, saturating at chrono's minimum and maximum instead of panicking.
pub fn add_secs(t: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    let saturated = if secs >= 0 {
        DateTime::<Utc>::MAX_UTC
    } else {
        DateTime::<Utc>::MIN_UTC
    };
    TimeDelta::try_seconds(secs)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(saturated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_instead_of_panicking() {
        assert_eq!(
            add_secs(DateTime::<Utc>::MAX_UTC, 60),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            add_secs(DateTime::<Utc>::MIN_UTC, -60),
            DateTime::<Utc>::MIN_UTC
        );
        assert_eq!(
            add_secs(DateTime::<Utc>::UNIX_EPOCH, i64::MAX),
            DateTime::<Utc>::MAX_UTC
        );
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(add_secs(t, 90).timestamp(), 1_700_000_090);
    }
}
