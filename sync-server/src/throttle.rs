//! Request rate limits (요청 빈도 제한) on the routes a guesser would hammer: `/v1/enrol`,
//! `/v1/token` and the dashboard login, each per client address and per what is guessed at (the
//! code, the device, the login name). A request past a limit is refused with 429 `rate_limited`,
//! the protocol's error body and a `Retry-After` header, before any store or argon2 work.
//!
//! The limiter is `governor`'s keyed GCRA (a token bucket without a timer task), driven by the
//! server's [`Clock`] so tests move time instead of sleeping. Limits are per node (in memory): with
//! several nodes a guesser gets each node's budget, still orders of magnitude below what a guess
//! needs. The address is the TCP peer: behind a reverse proxy every client shares the proxy's
//! address, so such a deployment must raise the per-address limits (README, "Rate limits").

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode};
use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use uuid::Uuid;

use donghaeng_core::CoreError;

use crate::clock::Clock;
use crate::error::ApiError;

/// One limit: `burst` requests at once, then one more every `refill_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill_ms: u64,
}

impl RateLimit {
    pub const fn new(burst: u32, refill_ms: u64) -> Self {
        RateLimit { burst, refill_ms }
    }

    fn quota(self) -> Quota {
        let period = Duration::from_millis(self.refill_ms.max(1));
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// The limits of the three routes (our choices, so that normal use is never refused):
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// 60 at once, then one every 10 s (360 an hour): a team enrolling 20 phones from one office in
    /// a morning, each retrying a few times, stays far below; 870 guesses a second become 0.1.
    pub enrol_per_address: RateLimit,
    /// 10 at once, then one a minute: a phone's first attempt and its retries.
    pub enrol_per_code: RateLimit,
    /// 600 at once, then two a second (7,200 an hour): hundreds of phones behind one carrier NAT,
    /// each renewing its token every 15 minutes.
    pub token_per_address: RateLimit,
    /// Wrong secrets per device: 20 at once, then one every 30 s. Requests with the right secret
    /// are not counted ([`Throttles::token_failure`]).
    pub token_per_device: RateLimit,
    /// 60 at once, then one every 5 s (720 an hour): an office of supervisors logging in.
    pub login_per_address: RateLimit,
    /// 20 at once, then one every 30 s per login name: a person retyping; the account's lock
    /// (`crate::accounts::lockout`) stops a guesser long before.
    pub login_per_account: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enrol_per_address: RateLimit::new(60, 10_000),
            enrol_per_code: RateLimit::new(10, 60_000),
            token_per_address: RateLimit::new(600, 500),
            token_per_device: RateLimit::new(20, 30_000),
            login_per_address: RateLimit::new(60, 5_000),
            login_per_account: RateLimit::new(20, 30_000),
        }
    }
}

/// The server's clock as `governor` reads it: nanoseconds since the limiter was made.
#[derive(Debug, Clone)]
struct ServerTime {
    clock: Clock,
    start_ms: i64,
}

impl governor::clock::Clock for ServerTime {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let ms = self.clock.now_ms().saturating_sub(self.start_ms).max(0);
        Nanos::new(u64::try_from(ms).unwrap_or(0).saturating_mul(1_000_000))
    }
}

/// Keys tracked before idle ones are dropped (every [`PRUNE_EVERY`] checks).
const PRUNE_ABOVE: usize = 10_000;
const PRUNE_EVERY: u64 = 1_024;

/// One keyed limit.
struct Keyed<K: std::hash::Hash + Eq + Clone> {
    limiter: RateLimiter<K, HashMapStateStore<K>, ServerTime, NoOpMiddleware<Nanos>>,
    checks: AtomicU64,
}

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    fn new(limit: RateLimit, time: &ServerTime) -> Self {
        Keyed {
            limiter: RateLimiter::hashmap_with_clock(limit.quota(), time.clone()),
            checks: AtomicU64::new(0),
        }
    }

    /// `Err(wait)` when `key` is over its limit (the request is not counted then).
    fn check(&self, key: &K, time: &ServerTime) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1
            && self.limiter.len() > PRUNE_ABOVE
        {
            // Keys whose bucket is full again are forgotten: they would start afresh anyway.
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(time.now()))
    }
}

/// The limiters of one server node.
pub struct Throttles {
    time: ServerTime,
    enrol_by_address: Keyed<IpAddr>,
    enrol_by_code: Keyed<Vec<u8>>,
    token_by_address: Keyed<IpAddr>,
    token_by_device: Keyed<Uuid>,
    login_by_address: Keyed<IpAddr>,
    login_by_account: Keyed<String>,
}

impl std::fmt::Debug for Throttles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Throttles")
    }
}

/// Which limit refused a request: the field its error names (none for the address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub wait: Duration,
    pub field: Option<&'static str>,
}

impl Throttles {
    pub fn new(limits: &RateLimits, clock: &Clock) -> Self {
        let time = ServerTime {
            clock: clock.clone(),
            start_ms: clock.now_ms(),
        };
        Throttles {
            enrol_by_address: Keyed::new(limits.enrol_per_address, &time),
            enrol_by_code: Keyed::new(limits.enrol_per_code, &time),
            token_by_address: Keyed::new(limits.token_per_address, &time),
            token_by_device: Keyed::new(limits.token_per_device, &time),
            login_by_address: Keyed::new(limits.login_per_address, &time),
            login_by_account: Keyed::new(limits.login_per_account, &time),
            time,
        }
    }

    fn both<K: std::hash::Hash + Eq + Clone>(
        &self,
        by_address: &Keyed<IpAddr>,
        addr: Option<IpAddr>,
        by_key: &Keyed<K>,
        key: &K,
        field: &'static str,
    ) -> Result<(), Limited> {
        if let Some(a) = addr {
            by_address
                .check(&a, &self.time)
                .map_err(|wait| Limited { wait, field: None })?;
        }
        by_key.check(key, &self.time).map_err(|wait| Limited {
            wait,
            field: Some(field),
        })
    }

    /// An enrolment attempt with `code` (as typed) from `addr`.
    pub fn enrol(&self, addr: Option<IpAddr>, code: &str) -> Result<(), Limited> {
        let key = crate::secret::hash(&crate::secret::normalise_code(code));
        self.both(
            &self.enrol_by_address,
            addr,
            &self.enrol_by_code,
            &key,
            "code",
        )
    }

    /// A token request from `addr` (checked before the store is asked).
    pub fn token(&self, addr: Option<IpAddr>) -> Result<(), Limited> {
        match addr {
            Some(a) => self
                .token_by_address
                .check(&a, &self.time)
                .map_err(|wait| Limited { wait, field: None }),
            None => Ok(()),
        }
    }

    /// A token request for `device` whose secret was wrong: counted per device, and refused (429
    /// instead of 401) past the limit. Only failures count, so that a phone holding its secret is
    /// never refused because someone else hammers its id (every colleague's phone knows it: it is on
    /// every change), which would keep its SOS from reaching the server.
    pub fn token_failure(&self, device: Uuid) -> Result<(), Limited> {
        self.token_by_device
            .check(&device, &self.time)
            .map_err(|wait| Limited {
                wait,
                field: Some("device_id"),
            })
    }

    /// A dashboard login attempt of `login` from `addr`.
    pub fn login(&self, addr: Option<IpAddr>, login: &str) -> Result<(), Limited> {
        let key: String = login.trim().to_lowercase().chars().take(128).collect();
        self.both(
            &self.login_by_address,
            addr,
            &self.login_by_account,
            &key,
            "login",
        )
    }
}

/// The 429 answer for a refused request, with `Retry-After`.
pub fn rate_limited(limited: Limited, clock: &Clock) -> ApiError {
    let secs = u64::try_from(limited.wait.as_millis())
        .unwrap_or(u64::MAX)
        .div_ceil(1000)
        .max(1);
    let (ko, en) = match limited.field {
        Some(field) => {
            let ko_name = match field {
                "code" => "등록 코드(code)",
                "device_id" => "기기(device_id)",
                _ => "로그인 이름(login)",
            };
            (
                format!(
                    "같은 {ko_name}에 대한 요청이 너무 많습니다. {secs}초 뒤에 다시 시도하세요."
                ),
                format!("too many requests for this {field}; try again in {secs} s"),
            )
        }
        None => (
            format!("이 주소에서 요청이 너무 많습니다. {secs}초 뒤에 다시 시도하세요."),
            format!("too many requests from this address; try again in {secs} s"),
        ),
    };
    let mut e = CoreError::invalid("rate_limited", limited.field.unwrap_or_default(), ko, en);
    // The address is no field of the request.
    e.field = limited.field.map(str::to_owned);
    let mut err = ApiError::from_core(&e, clock).retry_after(limited.wait);
    err.status = StatusCode::TOO_MANY_REQUESTS;
    err
}

/// The client's address from the connection (plain TCP or TLS), if the server was started with
/// connect info (the server process always is).
pub fn client_addr(ext: &Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .or_else(|| {
            ext.get::<ConnectInfo<crate::tls::PeerAddr>>()
                .map(|c| c.0 .0.ip())
        })
}

/// Extractor of [`client_addr`].
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&parts.extensions)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_past_its_burst_waits_for_the_refill_on_the_server_clock() {
        let clock = Clock::system();
        let limits = RateLimits {
            enrol_per_address: RateLimit::new(3, 10_000),
            ..RateLimits::default()
        };
        let t = Throttles::new(&limits, &clock);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for n in 0..3 {
            t.enrol(Some(a), &format!("CODE{n}")).unwrap();
        }
        let refused = t.enrol(Some(a), "CODE9").unwrap_err();
        assert_eq!(refused.field, None);
        assert!(refused.wait > Duration::from_secs(9) && refused.wait <= Duration::from_secs(10));
        // Another address is not affected; the same one gets one more after the refill.
        t.enrol(Some("192.0.2.2".parse().unwrap()), "CODE9")
            .unwrap();
        clock.advance_ms(10_000);
        t.enrol(Some(a), "CODE9").unwrap();
        assert!(t.enrol(Some(a), "CODE8").is_err());
    }

    #[test]
    fn a_code_is_limited_whatever_the_address_and_however_it_is_typed() {
        let clock = Clock::system();
        let limits = RateLimits {
            enrol_per_code: RateLimit::new(2, 60_000),
            ..RateLimits::default()
        };
        let t = Throttles::new(&limits, &clock);
        t.enrol(Some("192.0.2.1".parse().unwrap()), "7KQ2M9XD4B")
            .unwrap();
        t.enrol(None, "7kq2m-9xd4b").unwrap();
        let refused = t
            .enrol(Some("192.0.2.3".parse().unwrap()), "7KQ2M 9XD4B")
            .unwrap_err();
        assert_eq!(refused.field, Some("code"));
        let e = rate_limited(refused, &clock);
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.body.code, "rate_limited");
        assert_eq!(e.retry_after_s, Some(60));
        assert!(e.body.ko.contains("60초") && e.body.en.contains("60 s"));
    }
}
