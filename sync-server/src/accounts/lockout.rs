//! Login throttling (로그인 제한): after [`LockPolicy::free_failures`] consecutive failures an
//! account is locked for a delay that doubles with each further failure (30 s, 1 min, 2 min … at
//! most 1 h). The same rule applies per client address, so one address cannot try many accounts
//! (kept in memory per node: an address limit is a brake on a guesser, not a record).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The lock rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// Failures allowed before the first lock (5: a person mistyping twice or thrice is never
    /// locked).
    pub free_failures: u32,
    /// The first lock.
    pub base_ms: i64,
    /// The longest lock.
    pub max_ms: i64,
}

impl Default for LockPolicy {
    fn default() -> Self {
        LockPolicy {
            free_failures: 5,
            base_ms: 30_000,
            max_ms: 60 * 60 * 1000,
        }
    }
}

impl LockPolicy {
    /// The lock after `failures` consecutive failures (counting the one just made), if any.
    pub fn lock_after(&self, failures: u32, now_ms: i64) -> Option<i64> {
        if failures < self.free_failures {
            return None;
        }
        let doublings = (failures - self.free_failures).min(20);
        let delay = self
            .base_ms
            .saturating_mul(1i64 << doublings)
            .min(self.max_ms);
        Some(now_ms.saturating_add(delay))
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct AddressState {
    failures: u32,
    locked_until_ms: Option<i64>,
    last_ms: i64,
}

/// Failures per client address (in memory). Entries quiet for a day are forgotten.
#[derive(Debug, Default)]
pub struct AddressLimiter {
    policy: LockPolicy,
    by_addr: Mutex<HashMap<IpAddr, AddressState>>,
}

/// Addresses tracked at most; beyond it the oldest quiet ones are dropped first.
const MAX_TRACKED: usize = 100_000;
const FORGET_MS: i64 = 24 * 60 * 60 * 1000;

impl AddressLimiter {
    pub fn new(policy: LockPolicy) -> Self {
        AddressLimiter {
            policy,
            by_addr: Mutex::default(),
        }
    }

    /// The time the address is locked until, if it is locked at `now_ms`.
    pub fn locked_until(&self, addr: IpAddr, now_ms: i64) -> Option<i64> {
        let map = self.by_addr.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&addr)
            .and_then(|s| s.locked_until_ms)
            .filter(|&t| t > now_ms)
    }

    pub fn failure(&self, addr: IpAddr, now_ms: i64) {
        let mut map = self.by_addr.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED {
            map.retain(|_, s| now_ms - s.last_ms < FORGET_MS);
        }
        let s = map.entry(addr).or_default();
        s.failures = s.failures.saturating_add(1);
        s.last_ms = now_ms;
        if let Some(t) = self.policy.lock_after(s.failures, now_ms) {
            s.locked_until_ms = Some(t);
        }
    }

    pub fn success(&self, addr: IpAddr) {
        let mut map = self.by_addr.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_30_s_then_the_delay_doubles_up_to_an_hour() {
        let p = LockPolicy::default();
        assert_eq!(p.lock_after(4, 0), None);
        assert_eq!(p.lock_after(5, 0), Some(30_000));
        assert_eq!(p.lock_after(6, 0), Some(60_000));
        assert_eq!(p.lock_after(7, 1_000), Some(121_000));
        assert_eq!(p.lock_after(40, 0), Some(3_600_000));
    }

    #[test]
    fn an_address_is_locked_after_five_failures_and_freed_by_time_or_success() {
        let l = AddressLimiter::new(LockPolicy::default());
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..4 {
            l.failure(a, 1_000);
        }
        assert_eq!(l.locked_until(a, 1_000), None);
        l.failure(a, 1_000);
        assert_eq!(l.locked_until(a, 1_000), Some(31_000));
        assert_eq!(l.locked_until(b, 1_000), None, "other addresses unaffected");
        assert_eq!(l.locked_until(a, 31_000), None, "the lock ends");
        l.success(a);
        l.failure(a, 40_000);
        assert_eq!(l.locked_until(a, 40_000), None, "success reset the count");
    }
}
