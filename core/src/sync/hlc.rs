//! Hybrid logical clock (하이브리드 논리 시계, Kulkarni et al., "Logical Physical Clocks", 2014).
//!
//! A timestamp is (wall-clock milliseconds `l`, counter `c`, node id). `l` is the largest physical time
//! this node has heard of, so it stays close to real time; `c` orders events that share the same `l`.
//! The node id (the device id) breaks the remaining ties, so the order is total: two different changes
//! never compare equal.
//!
//! Nothing here reads the system clock: every function takes `now_ms` (milliseconds since the Unix
//! epoch, UTC) from the caller, so logic and tests are deterministic.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::{CoreError, CoreResult};

/// The largest wall-clock value a timestamp can carry: 48 bits of milliseconds (the year 10889), the
/// same range as the time part of a UUID v7, and 12 hex digits in the string form.
pub const MAX_WALL_MS: u64 = 0xFFFF_FFFF_FFFF;

/// Length of the string form: 12 hex digits of ms, `-`, 4 of counter, `-`, 32 of node id.
pub const ENCODED_LEN: usize = 12 + 1 + 4 + 1 + 32;

/// One HLC timestamp. The derived order compares `wall_ms`, then `counter`, then `node`: exactly the
/// (HLC, device id) order of the merge rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HlcTimestamp {
    /// `l`: the largest physical time (ms since the epoch, UTC) known when the event happened.
    pub wall_ms: u64,
    /// `c`: orders events with the same `wall_ms`.
    pub counter: u16,
    /// The device (or server node) that made the event.
    pub node: Uuid,
}

impl HlcTimestamp {
    /// The smallest timestamp of a node: below every event it can make.
    pub const fn zero(node: Uuid) -> Self {
        HlcTimestamp {
            wall_ms: 0,
            counter: 0,
            node,
        }
    }

    /// The compact string form, `"{ms:012x}-{counter:04x}-{node:32 hex}"`: fixed width and lower-case
    /// hex, so comparing two strings byte by byte gives the same answer as comparing the timestamps
    /// (useful as a SQLite `TEXT` key and in JSON).
    pub fn encode(&self) -> String {
        self.to_string()
    }

    /// Parses the string form written by [`HlcTimestamp::encode`]; anything else is an error with the
    /// code `hlc_malformed` naming `field`.
    pub fn decode(s: &str, field: &str) -> CoreResult<Self> {
        let malformed = || {
            CoreError::invalid(
                "hlc_malformed",
                field,
                format!("HLC 시각의 형식이 잘못되었습니다: {s:?}"),
                format!("malformed HLC timestamp: {s:?}"),
            )
        };
        let bytes = s.as_bytes();
        // ASCII only, so the slices below fall on character boundaries.
        if !s.is_ascii() || bytes.len() != ENCODED_LEN || bytes[12] != b'-' || bytes[17] != b'-' {
            return Err(malformed());
        }
        // Only lower-case hex: the string order must equal the timestamp order, and "A" sorts
        // before "a".
        let is_hex = |part: &[u8]| part.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let (ms, counter, node) = (&s[..12], &s[13..17], &s[18..]);
        if !is_hex(ms.as_bytes()) || !is_hex(counter.as_bytes()) || !is_hex(node.as_bytes()) {
            return Err(malformed());
        }
        let wall_ms = u64::from_str_radix(ms, 16).map_err(|_| malformed())?;
        let counter = u16::from_str_radix(counter, 16).map_err(|_| malformed())?;
        let node = Uuid::try_parse(node).map_err(|_| malformed())?;
        Ok(HlcTimestamp {
            wall_ms,
            counter,
            node,
        })
    }

    /// The (wall, counter) pair without the node: the clock state proper.
    fn logical(&self) -> (u64, u16) {
        (self.wall_ms, self.counter)
    }
}

/// The string form [`HlcTimestamp::decode`] reads (written straight into a snapshot page, with no
/// string in between).
impl fmt::Display for HlcTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:012x}-{:04x}-{}",
            self.wall_ms,
            self.counter,
            self.node.simple()
        )
    }
}

impl FromStr for HlcTimestamp {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HlcTimestamp::decode(s, "hlc")
    }
}

/// In JSON (the protocol, the stores) the encoded string; in a binary format (the server's
/// checkpoints) its three parts, half the size and no parsing.
impl Serialize for HlcTimestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.encode())
        } else {
            (self.wall_ms, self.counter, self.node).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for HlcTimestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if !deserializer.is_human_readable() {
            let (wall_ms, counter, node) = <(u64, u16, Uuid)>::deserialize(deserializer)?;
            if wall_ms > MAX_WALL_MS {
                return Err(serde::de::Error::custom("hlc wall time out of range"));
            }
            return Ok(HlcTimestamp {
                wall_ms,
                counter,
                node,
            });
        }
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        HlcTimestamp::decode(&s, "hlc").map_err(serde::de::Error::custom)
    }
}

/// Clamps a caller's `now` into the range a timestamp can carry (a clock before 1970 counts as 0).
fn clamp_now(now_ms: i64) -> u64 {
    u64::try_from(now_ms).unwrap_or(0).min(MAX_WALL_MS)
}

/// The clock of one node (a device, or a server node that publishes configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HybridClock {
    node: Uuid,
    wall_ms: u64,
    counter: u16,
}

impl HybridClock {
    /// A new clock for `node` that has seen nothing yet.
    pub fn new(node: Uuid) -> Self {
        HybridClock {
            node,
            wall_ms: 0,
            counter: 0,
        }
    }

    /// A clock restored from the last timestamp it issued or received (kept in the local store so
    /// that a restarted app never issues a smaller timestamp than before).
    pub fn resume(node: Uuid, last: HlcTimestamp) -> Self {
        HybridClock {
            node,
            wall_ms: last.wall_ms,
            counter: last.counter,
        }
    }

    pub fn node(&self) -> Uuid {
        self.node
    }

    /// The latest timestamp this clock has issued or absorbed, stamped with this node.
    pub fn last(&self) -> HlcTimestamp {
        HlcTimestamp {
            wall_ms: self.wall_ms,
            counter: self.counter,
            node: self.node,
        }
    }

    /// Moves the state to `(wall, counter + 1)`, or to `(wall + 1 ms, 0)` if the 16-bit counter is
    /// full: the clock then runs one logical millisecond ahead of the physical one instead of
    /// failing, which keeps it monotonic (65,536 events in one millisecond never happen on a phone).
    fn bump(&mut self, wall: u64, counter: u16) {
        match counter.checked_add(1) {
            Some(c) => {
                self.wall_ms = wall;
                self.counter = c;
            }
            None => {
                self.wall_ms = wall.saturating_add(1).min(MAX_WALL_MS);
                self.counter = 0;
            }
        }
    }

    /// A local event (a write that becomes a change): the paper's "send or local event" rule.
    /// The result is strictly greater than every timestamp this clock issued or received before.
    pub fn send(&mut self, now_ms: i64) -> HlcTimestamp {
        let pt = clamp_now(now_ms);
        if pt > self.wall_ms {
            self.wall_ms = pt;
            self.counter = 0;
        } else {
            self.bump(self.wall_ms, self.counter);
        }
        self.last()
    }

    /// A remote timestamp was received (a pulled change, a server's stamp): the paper's "receive"
    /// rule. Afterwards every [`HybridClock::send`] is greater than `remote`. This never refuses:
    /// a device takes whatever the server accepted (the server is the judge of skew, see
    /// [`SkewPolicy`]); refusing here would make replicas diverge.
    pub fn receive(&mut self, remote: &HlcTimestamp, now_ms: i64) -> HlcTimestamp {
        let pt = clamp_now(now_ms);
        let own = (self.wall_ms, self.counter);
        let theirs = remote.logical();
        let wall = pt.max(own.0).max(theirs.0);
        if wall == own.0 && wall == theirs.0 {
            self.bump(wall, own.1.max(theirs.1));
        } else if wall == own.0 {
            self.bump(wall, own.1);
        } else if wall == theirs.0 {
            self.bump(wall, theirs.1);
        } else {
            self.wall_ms = wall;
            self.counter = 0;
        }
        self.last()
    }

    /// Moves the clock back to `max(floor, now_ms)` after the server refused this device's stamps
    /// as too far ahead (see `docs/sync.md`, "Clock skew"). This is the only way the clock goes
    /// backwards, and it is safe only because every stamp above the new state was refused by the
    /// server and so exists nowhere else: the caller passes as `floor` the largest stamp that may
    /// have left the device or that it received, and re-stamps its refused changes after it.
    pub fn rebase(&mut self, floor: &HlcTimestamp, now_ms: i64) {
        let pt = clamp_now(now_ms);
        if pt > floor.wall_ms {
            self.wall_ms = pt;
            self.counter = 0;
        } else {
            self.wall_ms = floor.wall_ms;
            self.counter = floor.counter;
        }
    }
}

/// How far ahead of the judge's own clock a remote stamp may be.
///
/// **Default 5 minutes (our choice, configurable).** Phones that take network time are right to a
/// second or so; the limit leaves room for phones a few minutes off and for request latency, while
/// bounding how far one wrong phone can drag every replica's clock ahead (an HLC never goes back, so
/// a stamp 3 days ahead would make every later edit in the district carry that date for 3 days, and
/// that device's edits would win every concurrent conflict meanwhile). A refused device is not lost:
/// it corrects its clock from the server's time and re-stamps (see `docs/sync.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkewPolicy {
    pub max_future_drift_ms: u64,
}

impl Default for SkewPolicy {
    fn default() -> Self {
        SkewPolicy {
            max_future_drift_ms: 5 * 60 * 1000,
        }
    }
}

impl SkewPolicy {
    /// The largest wall-clock value acceptable when the judge's clock reads `now_ms`.
    pub fn bound(&self, now_ms: i64) -> u64 {
        clamp_now(now_ms).saturating_add(self.max_future_drift_ms)
    }

    /// Refuses (`clock_ahead`) a remote stamp further ahead of `now_ms` than the limit. The server
    /// calls this on every pushed change before merging it; a refused change is not stored.
    pub fn check(&self, remote: &HlcTimestamp, now_ms: i64, field: &str) -> CoreResult<()> {
        if remote.wall_ms <= self.bound(now_ms) {
            return Ok(());
        }
        let ahead_s = remote.wall_ms.saturating_sub(clamp_now(now_ms)) / 1000;
        let limit_s = self.max_future_drift_ms / 1000;
        Err(CoreError::invalid(
            "clock_ahead",
            field,
            format!(
                "기기 시계가 서버보다 {ahead_s}초 앞서 있습니다 (허용 {limit_s}초). 기기 시각을 서버 시각으로 보정한 뒤 다시 보내세요."
            ),
            format!(
                "the device clock is {ahead_s} s ahead of the server (limit {limit_s} s); correct it from the server time and push again"
            ),
        ))
    }
}

/// The device's estimate of how far its own clock is from the server's, learnt from the server time
/// in every push and pull response. The device stamps with `local + offset`, so a phone whose clock
/// is days off still stamps near real time once it has talked to the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockOffset {
    pub offset_ms: i64,
}

impl ClockOffset {
    /// Learns the offset from a response: the server's clock read `server_ms` when the device's read
    /// `local_ms` (latency is ignored: it is far below the skew limit).
    pub fn learn(&mut self, server_ms: i64, local_ms: i64) {
        self.offset_ms = server_ms.saturating_sub(local_ms);
    }

    /// The corrected time to stamp with.
    pub fn corrected(&self, local_ms: i64) -> i64 {
        local_ms.saturating_add(self.offset_ms)
    }
}
