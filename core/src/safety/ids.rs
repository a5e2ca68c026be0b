//! Deterministic event ids.
//!
//! Events made by commands get fresh UUID v7 ids unless the caller supplies one. Events the monitor issues
//! itself (an alert was sent) get an id *derived* from what they are, so that the same alert recorded twice
//! by the same origin (an OS alarm that fires twice, a retried write) collapses into one record when logs
//! are merged by id, and so that tests are reproducible.

use chrono::{DateTime, Utc};

use crate::model::Id;

/// FNV-1a, 64 bit. Stable across Rust versions (unlike `DefaultHasher`), which matters because derived ids
/// are stored and synced.
fn fnv1a(seed: u64, parts: &[&[u8]]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = seed;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
        // Separator so that ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// A UUID v7-shaped id whose timestamp is `at` (so ids still sort by time) and whose 74 "random" bits
/// are a hash of `parts`.
pub fn derive_id(at: DateTime<Utc>, parts: &[&[u8]]) -> Id {
    let a = fnv1a(0xcbf2_9ce4_8422_2325, parts);
    let b = fnv1a(0x84222325_cbf29ce4, parts);
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes()[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(derive_id(at, &[b"a", b"bc"]), derive_id(at, &[b"a", b"bc"]));
        assert_ne!(derive_id(at, &[b"a", b"bc"]), derive_id(at, &[b"ab", b"c"]));
        assert_eq!(derive_id(at, &[b"x"]).get_version_num(), 7);
    }
}
