//! Time: an injectable clock, and Korean local time (KST, UTC+9, no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// Where "now" comes from. Logic takes a clock (or a `now` argument) so tests can run a year in
/// microseconds and be deterministic.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The device's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stuck at one instant (tests, simulations, replays).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The system clock off by an amount that can change: a phone whose date is set wrong, or jumps when
/// someone sets it (tests of clock skew, demos). Positive offsets run ahead.
#[derive(Debug, Default)]
pub struct SkewedClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl SkewedClock {
    pub fn new(offset: chrono::Duration) -> SkewedClock {
        let c = SkewedClock::default();
        c.set(offset);
        c
    }

    /// Moves the clock to `offset` from the system's.
    pub fn set(&self, offset: chrono::Duration) {
        self.offset_ms.store(
            offset.num_milliseconds(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl Clock for SkewedClock {
    fn now(&self) -> DateTime<Utc> {
        let ms = self.offset_ms.load(std::sync::atomic::Ordering::Relaxed);
        Utc::now() + chrono::Duration::milliseconds(ms)
    }
}

/// Korea Standard Time. Korea has had no daylight saving since 1988, so a fixed offset is exact.
pub fn kst() -> FixedOffset {
    const KST_SECONDS: i32 = 9 * 3600;
    match FixedOffset::east_opt(KST_SECONDS) {
        Some(offset) => offset,
        None => unreachable!("9 hours is a valid offset"),
    }
}

/// The Korean calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&kst()).date_naive()
}

/// The Korean calendar date of an instant in milliseconds since the epoch (how records and the wire
/// hold time); `None` for an instant chrono cannot represent.
pub fn local_date_of_ms(ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(local_date)
}

/// The first millisecond of a Korean calendar day (00:00 KST), since the epoch.
pub fn day_start_ms(date: NaiveDate) -> i64 {
    day_bounds(date).0.timestamp_millis()
}

/// The instants [start, end) of a Korean calendar day.
pub fn day_bounds(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = kst()
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    (start, start + chrono::Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_korean_day_turns_at_15_00_utc() {
        let midnight_kst = Utc
            .with_ymd_and_hms(2026, 12, 2, 15, 0, 0)
            .unwrap()
            .timestamp_millis();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(local_date_of_ms(midnight_kst), Some(day(2026, 12, 3)));
        assert_eq!(local_date_of_ms(midnight_kst - 1), Some(day(2026, 12, 2)));
        assert_eq!(day_start_ms(day(2026, 12, 3)), midnight_kst);
        assert_eq!(local_date_of_ms(i64::MAX), None);
    }
}
