//! Hybrid logical clock: monotonic send, receive, counter overflow, the sortable string form, the skew
//! rule, the clock offset and rebasing.

use donghaeng_core::sync::{ClockOffset, HlcTimestamp, HybridClock, SkewPolicy};
use proptest::prelude::*;
use uuid::Uuid;

const T: i64 = 1_767_225_600_000;

fn node(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

#[test]
fn send_follows_the_physical_clock_when_it_moves_forward() {
    let mut c = HybridClock::new(node(1));
    let a = c.send(T);
    assert_eq!((a.wall_ms, a.counter, a.node), (T as u64, 0, node(1)));
    let b = c.send(T + 5);
    assert_eq!((b.wall_ms, b.counter), (T as u64 + 5, 0));
}

#[test]
fn send_stays_monotonic_when_the_physical_clock_stalls_or_goes_back() {
    let mut c = HybridClock::new(node(1));
    let a = c.send(T);
    let b = c.send(T);
    let d = c.send(T - 60_000); // the user set the clock back a minute
    assert!(a < b && b < d);
    assert_eq!((b.wall_ms, b.counter), (T as u64, 1));
    assert_eq!((d.wall_ms, d.counter), (T as u64, 2));
}

#[test]
fn receive_moves_past_a_remote_stamp_ahead_of_us() {
    let mut c = HybridClock::new(node(1));
    c.send(T);
    let remote = HlcTimestamp {
        wall_ms: T as u64 + 3 * 86_400_000,
        counter: 7,
        node: node(2),
    };
    // No refusal on the device: the server already judged the stamp.
    let r = c.receive(&remote, T);
    assert_eq!((r.wall_ms, r.counter), (remote.wall_ms, 8));
    let next = c.send(T + 1);
    assert!(next > remote);
}

#[test]
fn receive_of_an_older_stamp_only_bumps_the_counter() {
    let mut c = HybridClock::new(node(1));
    let own = c.send(T);
    let old = HlcTimestamp {
        wall_ms: T as u64 - 1_000,
        counter: 50,
        node: node(2),
    };
    let r = c.receive(&old, T);
    assert_eq!((r.wall_ms, r.counter), (own.wall_ms, own.counter + 1));
    // Same wall clock on both sides: the greater counter + 1.
    let same = HlcTimestamp {
        wall_ms: T as u64,
        counter: 40,
        node: node(2),
    };
    let r = c.receive(&same, T);
    assert_eq!((r.wall_ms, r.counter), (T as u64, 41));
    // The physical clock is ahead of both: the counter resets.
    let r = c.receive(&same, T + 10);
    assert_eq!((r.wall_ms, r.counter), (T as u64 + 10, 0));
}

#[test]
fn a_full_counter_moves_one_logical_millisecond_ahead() {
    let mut c = HybridClock::resume(
        node(1),
        HlcTimestamp {
            wall_ms: T as u64,
            counter: u16::MAX,
            node: node(1),
        },
    );
    let next = c.send(T);
    assert_eq!((next.wall_ms, next.counter), (T as u64 + 1, 0));
}

#[test]
fn a_clock_before_1970_counts_as_zero_without_panicking() {
    let mut c = HybridClock::new(node(1));
    let a = c.send(-5);
    let b = c.send(i64::MIN);
    assert_eq!(a.wall_ms, 0);
    assert!(b > a);
}

#[test]
fn string_form_round_trips_and_has_a_fixed_shape() {
    let t = HlcTimestamp {
        wall_ms: 0x018f_9a3c_2b10,
        counter: 0x2a,
        node: node(0xabc),
    };
    let s = t.encode();
    assert_eq!(s.len(), 50);
    assert_eq!(&s[..18], "018f9a3c2b10-002a-");
    assert_eq!(HlcTimestamp::decode(&s, "hlc").unwrap(), t);
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, format!("\"{s}\""));
    assert_eq!(serde_json::from_str::<HlcTimestamp>(&json).unwrap(), t);
}

#[test]
fn malformed_strings_are_refused_with_a_code() {
    let good = HlcTimestamp {
        wall_ms: 0xab,
        counter: 0xc,
        node: node(0xdef),
    }
    .encode();
    let upper = good.to_uppercase();
    let bad = [
        "",
        "018f9a3c2b10-002a",
        &good[..49],
        &upper,
        "018f9a3c2b10_002a_01900000000070008000000000000abc",
        "+18f9a3c2b10-002a-01900000000070008000000000000abc",
        "018f9a3c2b10-002a-0190000000007000800000000000zabc",
    ];
    for s in bad {
        let e = HlcTimestamp::decode(s, "changes[0].hlc").unwrap_err();
        assert_eq!(e.code, "hlc_malformed", "{s:?}");
        assert_eq!(e.field.as_deref(), Some("changes[0].hlc"));
    }
    assert!(serde_json::from_str::<HlcTimestamp>("\"nope\"").is_err());
    assert!(serde_json::from_str::<HlcTimestamp>("12").is_err());
}

#[test]
fn skew_rule_accepts_up_to_the_limit_and_refuses_beyond() {
    let p = SkewPolicy::default();
    assert_eq!(p.max_future_drift_ms, 5 * 60 * 1000);
    let stamp = |ms: i64| HlcTimestamp {
        wall_ms: ms as u64,
        counter: 0,
        node: node(1),
    };
    assert!(p.check(&stamp(T + 300_000), T, "hlc").is_ok());
    assert!(
        p.check(&stamp(T - 3 * 86_400_000), T, "hlc").is_ok(),
        "behind is never refused"
    );
    let e = p
        .check(&stamp(T + 300_001), T, "changes[4].hlc")
        .unwrap_err();
    assert_eq!(e.code, "clock_ahead");
    assert_eq!(e.field.as_deref(), Some("changes[4].hlc"));
    let e = p.check(&stamp(T + 3 * 86_400_000), T, "hlc").unwrap_err();
    assert!(e.ko.contains("259200초"), "{}", e.ko);
    assert!(e.en.contains("259200 s ahead"), "{}", e.en);
}

#[test]
fn clock_offset_corrects_a_wrong_phone() {
    let mut o = ClockOffset::default();
    assert_eq!(o.corrected(T), T);
    let phone = T + 3 * 86_400_000;
    o.learn(T, phone);
    assert_eq!(o.corrected(phone + 10), T + 10);
}

#[test]
fn rebase_goes_back_to_the_floor_or_now() {
    let mut c = HybridClock::new(node(1));
    c.send(T + 3 * 86_400_000);
    let floor = HlcTimestamp {
        wall_ms: T as u64 + 20,
        counter: 3,
        node: node(2),
    };
    c.rebase(&floor, T);
    let next = c.send(T);
    assert_eq!((next.wall_ms, next.counter), (T as u64 + 20, 4));
    assert!(next > floor);
    c.rebase(&floor, T + 1_000);
    assert_eq!(c.send(T + 1_000).wall_ms, T as u64 + 1_000);
}

fn arb_stamp() -> impl Strategy<Value = HlcTimestamp> {
    (0..=0xFFFF_FFFF_FFFFu64, any::<u16>(), any::<u128>()).prop_map(|(wall_ms, counter, n)| {
        HlcTimestamp {
            wall_ms,
            counter,
            node: Uuid::from_u128(n),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// The string order is the timestamp order (so SQLite can index the TEXT form).
    #[test]
    fn string_order_is_timestamp_order(a in arb_stamp(), b in arb_stamp()) {
        prop_assert_eq!(a.encode().cmp(&b.encode()), a.cmp(&b));
        prop_assert_eq!(HlcTimestamp::decode(&a.encode(), "hlc").unwrap(), a);
    }

    /// Any text, Korean included, is refused or parsed, never a panic.
    #[test]
    fn decoding_arbitrary_text_never_panics(s in "\\PC{0,60}", t in "[0-9a-f가-힣-]{50}") {
        let _ = HlcTimestamp::decode(&s, "hlc");
        let _ = HlcTimestamp::decode(&t, "hlc");
    }

    /// Whatever the physical clock and the messages do, every event is stamped strictly after the
    /// previous one and after every stamp received.
    #[test]
    fn the_clock_never_goes_back(events in prop::collection::vec((any::<bool>(), -1_000_000..1_000_000i64, arb_stamp()), 1..60)) {
        let mut c = HybridClock::new(node(1));
        let mut last = c.last();
        for (is_receive, jitter, remote) in events {
            let now = T + jitter;
            let remote = HlcTimestamp { wall_ms: remote.wall_ms % (T as u64 * 2), ..remote };
            let next = if is_receive { c.receive(&remote, now) } else { c.send(now) };
            prop_assert!(next > last);
            if is_receive {
                prop_assert!((next.wall_ms, next.counter) > (remote.wall_ms, remote.counter));
            }
            prop_assert!(next.wall_ms >= now as u64);
            last = next;
        }
    }
}
