//! Login throttling (로그인 제한). Three counters, each taken **before** the password is checked, so
//! that N wrong attempts at once let at most `free_failures` reach argon2:
//!
//! - per account, in the store (every node sees it): after [`LockPolicy::free_failures`] attempts
//!   without a success the account is locked for a delay that doubles with each further failure
//!   (30 s, 1 min, 2 min … at most 1 h) — `crate::store::auth::rules`;
//! - per (client address, login name), in memory ([`LoginGuard`]): the same rule, so that an unknown
//!   login name locks exactly like a known one (the lock tells a guesser nothing) and one person's
//!   mistakes lock only their own login from their own desk;
//! - per client address, in memory: at most [`AddressBudget::failures`] failures per
//!   [`AddressBudget::window_ms`] (100 per 15 minutes by default, our choice): far more than an office
//!   of supervisors behind one NAT mistype in a morning, far fewer than a guesser trying many logins
//!   needs. A success gives its attempt back, so only failures use the budget up.
//!
//! The in-memory counters are per node, a brake on a guesser, not a record; the account's is shared.

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

/// How many failed logins one client address may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBudget {
    pub failures: u32,
    pub window_ms: i64,
}

impl Default for AddressBudget {
    /// 100 failures per 15 minutes (our choice; see the module doc).
    fn default() -> Self {
        AddressBudget {
            failures: 100,
            window_ms: 15 * 60 * 1000,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct PairState {
    failures: u32,
    locked_until_ms: Option<i64>,
    last_ms: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct AddressState {
    window_start_ms: i64,
    failures: u32,
}

#[derive(Debug, Default)]
struct Counters {
    pairs: HashMap<(IpAddr, String), PairState>,
    addresses: HashMap<IpAddr, AddressState>,
}

/// The in-memory counters per (address, login) and per address. Entries quiet for a day are
/// forgotten once many are tracked.
#[derive(Debug)]
pub struct LoginGuard {
    policy: LockPolicy,
    budget: AddressBudget,
    counters: Mutex<Counters>,
}

/// Entries tracked at most per map; beyond it the quiet ones are dropped first.
const MAX_TRACKED: usize = 100_000;
const FORGET_MS: i64 = 24 * 60 * 60 * 1000;
/// Login names are keyed by at most this many bytes (longer ones are refused before this anyway).
const MAX_KEY_LEN: usize = 128;

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard::new(LockPolicy::default(), AddressBudget::default())
    }
}

impl LoginGuard {
    pub fn new(policy: LockPolicy, budget: AddressBudget) -> Self {
        LoginGuard {
            policy,
            budget,
            counters: Mutex::default(),
        }
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        // The counters are only changed by whole method calls that never leave them half updated.
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn key(addr: IpAddr, login: &str) -> (IpAddr, String) {
        let mut l = login.trim().to_lowercase();
        if l.len() > MAX_KEY_LEN {
            let mut end = MAX_KEY_LEN;
            while !l.is_char_boundary(end) {
                end -= 1;
            }
            l.truncate(end);
        }
        (addr, l)
    }

    /// Counts an attempt of `login` from `addr` before its check, under one lock: `Err(until)` if
    /// the address has used its budget or the pair is locked (then nothing is counted).
    pub fn reserve(&self, addr: IpAddr, login: &str, now_ms: i64) -> Result<(), i64> {
        let key = Self::key(addr, login);
        let mut guard = self.counters();
        let Counters { pairs, addresses } = &mut *guard;
        if pairs.len() >= MAX_TRACKED {
            pairs.retain(|_, s| now_ms - s.last_ms < FORGET_MS);
        }
        if addresses.len() >= MAX_TRACKED {
            let window = self.budget.window_ms;
            addresses.retain(|_, s| now_ms - s.window_start_ms < window);
        }
        let a = addresses.entry(addr).or_default();
        if now_ms.saturating_sub(a.window_start_ms) >= self.budget.window_ms {
            *a = AddressState {
                window_start_ms: now_ms,
                failures: 0,
            };
        }
        if a.failures >= self.budget.failures {
            return Err(a.window_start_ms.saturating_add(self.budget.window_ms));
        }
        let p = pairs.entry(key).or_default();
        if let Some(until) = p.locked_until_ms.filter(|&t| t > now_ms) {
            return Err(until);
        }
        p.failures = p.failures.saturating_add(1);
        p.last_ms = now_ms;
        p.locked_until_ms = self.policy.lock_after(p.failures, now_ms);
        a.failures = a.failures.saturating_add(1);
        Ok(())
    }

    /// Gives back an attempt that was reserved but never checked (the account itself was locked).
    pub fn release(&self, addr: IpAddr, login: &str) {
        let key = Self::key(addr, login);
        let mut c = self.counters();
        if let Some(p) = c.pairs.get_mut(&key) {
            p.failures = p.failures.saturating_sub(1);
            if p.failures < self.policy.free_failures {
                p.locked_until_ms = None;
            }
        }
        if let Some(a) = c.addresses.get_mut(&addr) {
            a.failures = a.failures.saturating_sub(1);
        }
    }

    /// A successful login: the pair starts over and the address gets its attempt back.
    pub fn success(&self, addr: IpAddr, login: &str) {
        let key = Self::key(addr, login);
        let mut c = self.counters();
        c.pairs.remove(&key);
        if let Some(a) = c.addresses.get_mut(&addr) {
            a.failures = a.failures.saturating_sub(1);
        }
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
    fn a_pair_locks_after_five_reserved_attempts_and_other_logins_at_the_address_do_not() {
        let g = LoginGuard::default();
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..5 {
            g.reserve(a, "lead.a", 1_000).unwrap();
        }
        assert_eq!(g.reserve(a, "LEAD.A ", 1_000), Err(31_000), "normalised");
        // A colleague behind the same address, and the same login elsewhere, are not locked.
        g.reserve(a, "lead.b", 1_000).unwrap();
        g.reserve("192.0.2.8".parse().unwrap(), "lead.a", 1_000)
            .unwrap();
        // The lock ends; the sixth attempt locks for 60 s at once; a success starts over.
        g.reserve(a, "lead.a", 31_000).unwrap();
        assert_eq!(g.reserve(a, "lead.a", 31_000), Err(91_000));
        g.success(a, "lead.a");
        g.reserve(a, "lead.a", 31_000).unwrap();
    }

    #[test]
    fn an_address_has_a_budget_of_failures_per_window_and_successes_give_theirs_back() {
        let g = LoginGuard::new(
            LockPolicy::default(),
            AddressBudget {
                failures: 10,
                window_ms: 60_000,
            },
        );
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        g.reserve(a, "ok.user", 0).unwrap();
        g.success(a, "ok.user");
        for n in 0..10 {
            g.reserve(a, &format!("user.{n}"), 0).unwrap();
        }
        assert_eq!(g.reserve(a, "ok.user", 0), Err(60_000));
        assert!(g.reserve("198.51.100.2".parse().unwrap(), "x.y", 0).is_ok());
        assert!(g.reserve(a, "ok.user", 60_000).is_ok(), "a new window");
    }

    #[test]
    fn a_released_attempt_is_not_counted() {
        let g = LoginGuard::default();
        let a: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..20 {
            g.reserve(a, "lead.a", 0).unwrap();
            g.release(a, "lead.a");
        }
        g.reserve(a, "lead.a", 0).unwrap();
    }
}
