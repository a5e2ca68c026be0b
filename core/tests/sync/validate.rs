//! Validation of incoming batches: every refusal has a stable code and names the field; unknown JSON
//! fields and types are refused by deserialisation.

use donghaeng_core::sync::validate::*;
use donghaeng_core::sync::*;
use serde_json::{json, Value};
use uuid::Uuid;

const T: u64 = 1_767_225_600_000;

fn device() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)
}

fn v7(n: u64) -> Uuid {
    let mut b = [0u8; 10];
    b[2..].copy_from_slice(&n.to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(T, &b).into_uuid()
}

fn change(n: u64, entity: &str, op: Op) -> Change {
    Change {
        id: v7(n),
        entity: entity.into(),
        record_id: v7(1_000 + n),
        op,
        hlc: HlcTimestamp {
            wall_ms: T,
            counter: n as u16,
            node: device(),
        },
        device_id: device(),
    }
}

fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn push(changes: Vec<Change>) -> PushRequest {
    PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: device(),
        changes,
    }
}

fn refused(req: &PushRequest) -> (String, Option<String>) {
    let e = validate_push(req).unwrap_err();
    assert!(!e.ko.is_empty() && !e.en.is_empty());
    (e.code.to_owned(), e.field)
}

fn good() -> Change {
    change(
        1,
        "households",
        Op::Upsert {
            fields: fields(&[("head_name", json!("김영희")), ("crisis_level", json!(5))]),
        },
    )
}

#[test]
fn a_well_formed_batch_passes() {
    let batch = push(vec![
        good(),
        change(2, "households", Op::Delete),
        change(
            3,
            "case_notes",
            Op::Append {
                record: fields(&[("body", json!("메모")), ("written_at", json!(T))]),
            },
        ),
        change(
            4,
            "visit_workers",
            Op::Upsert {
                fields: fields(&[(&device().hyphenated().to_string(), json!(true))]),
            },
        ),
        change(
            5,
            "safety_events",
            Op::Append {
                record: fields(&[("kind", json!("check_in"))]),
            },
        ),
    ]);
    validate_push(&batch).unwrap();
}

#[test]
fn every_refusal_names_its_code_and_field() {
    let mut wrong_version = push(vec![good()]);
    wrong_version.protocol_version = ProtocolVersion::CURRENT + 1;
    assert_eq!(
        refused(&wrong_version),
        (
            "protocol_version_unsupported".into(),
            Some("protocol_version".into())
        )
    );
    wrong_version.protocol_version = 0;
    assert_eq!(refused(&wrong_version).0, "protocol_version_unsupported");

    let too_many: Vec<Change> = (0..=MAX_PUSH_CHANGES as u64)
        .map(|n| change(n, "households", Op::Delete))
        .collect();
    assert_eq!(
        refused(&push(too_many)),
        ("push_too_large".into(), Some("changes".into()))
    );

    assert_eq!(
        refused(&push(vec![good(), good()])),
        (
            "duplicate_change_id_in_batch".into(),
            Some("changes[1].id".into())
        )
    );

    let mut other_device = good();
    other_device.device_id = Uuid::from_u128(99);
    assert_eq!(
        refused(&push(vec![other_device])),
        (
            "change_device_mismatch".into(),
            Some("changes[0].device_id".into())
        )
    );

    let mut v4 = good();
    v4.id = Uuid::from_u128(0x0190_0000_0000_4000_8000_0000_0000_0001);
    assert_eq!(
        refused(&push(vec![v4])),
        ("change_id_not_v7".into(), Some("changes[0].id".into()))
    );

    let mut nil = good();
    nil.record_id = Uuid::nil();
    assert_eq!(
        refused(&push(vec![nil])),
        ("record_id_nil".into(), Some("changes[0].record_id".into()))
    );

    let mut foreign_stamp = good();
    foreign_stamp.hlc.node = Uuid::from_u128(98);
    assert_eq!(
        refused(&push(vec![foreign_stamp])),
        ("hlc_node_mismatch".into(), Some("changes[0].hlc".into()))
    );

    let unknown_entity = change(1, "passwords", Op::Delete);
    assert_eq!(
        refused(&push(vec![unknown_entity])),
        ("unknown_entity".into(), Some("changes[0].entity".into()))
    );

    let edit_note = change(
        1,
        "case_notes",
        Op::Upsert {
            fields: fields(&[("body", json!("x"))]),
        },
    );
    assert_eq!(
        refused(&push(vec![edit_note])),
        ("op_not_allowed".into(), Some("changes[0].op".into()))
    );
    let append_household = change(
        1,
        "households",
        Op::Append {
            record: fields(&[("head_name", json!("x"))]),
        },
    );
    assert_eq!(refused(&push(vec![append_household])).0, "op_not_allowed");
    let delete_note = change(1, "wellness_checks", Op::Delete);
    assert_eq!(refused(&push(vec![delete_note])).0, "op_not_allowed");

    let empty = change(
        1,
        "households",
        Op::Upsert {
            fields: Fields::new(),
        },
    );
    assert_eq!(
        refused(&push(vec![empty])),
        ("fields_empty".into(), Some("changes[0].op.fields".into()))
    );

    // A volunteer's phone must never carry income data: there is no such field to sync.
    let income = change(
        1,
        "households",
        Op::Upsert {
            fields: fields(&[("income", json!(1))]),
        },
    );
    assert_eq!(
        refused(&push(vec![income])),
        (
            "unknown_field".into(),
            Some("changes[0].op.fields.income".into())
        )
    );
    let derived = change(
        1,
        "households",
        Op::Upsert {
            fields: fields(&[("search_text", json!("x"))]),
        },
    );
    assert_eq!(refused(&push(vec![derived])).0, "unknown_field");
    let id_field = change(
        1,
        "safety_events",
        Op::Append {
            record: fields(&[("id", json!("x"))]),
        },
    );
    assert_eq!(
        refused(&push(vec![id_field])),
        (
            "unknown_field".into(),
            Some("changes[0].op.record.id".into())
        )
    );

    let nested = change(
        1,
        "households",
        Op::Upsert {
            fields: fields(&[("tags", json!(["a"]))]),
        },
    );
    assert_eq!(
        refused(&push(vec![nested])),
        (
            "value_not_scalar".into(),
            Some("changes[0].op.fields.tags".into())
        )
    );
    let long = change(
        1,
        "visits",
        Op::Upsert {
            fields: fields(&[("note", json!("가".repeat(MAX_STRING_BYTES)))]),
        },
    );
    assert_eq!(
        refused(&push(vec![long])),
        (
            "value_too_large".into(),
            Some("changes[0].op.fields.note".into())
        )
    );

    let wide: Fields = (0..=MAX_FIELDS_PER_CHANGE)
        .map(|n| {
            (
                Uuid::from_u128(n as u128 + 1).hyphenated().to_string(),
                json!(true),
            )
        })
        .collect();
    let wide = change(1, "visit_workers", Op::Upsert { fields: wide });
    assert_eq!(refused(&push(vec![wide])).0, "too_many_fields");

    let worker = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_00ab_cdef)
        .hyphenated()
        .to_string();
    let not_bool = change(
        1,
        "visit_workers",
        Op::Upsert {
            fields: fields(&[(&worker, json!(1))]),
        },
    );
    assert_eq!(refused(&push(vec![not_bool])).0, "assignment_not_bool");
    let upper = worker.to_uppercase();
    let non_canonical = change(
        1,
        "visit_workers",
        Op::Upsert {
            fields: fields(&[(&upper, json!(true))]),
        },
    );
    assert_eq!(refused(&push(vec![non_canonical])).0, "unknown_field");
}

#[test]
fn the_first_bad_change_is_reported_by_its_index() {
    let bad = change(
        7,
        "households",
        Op::Upsert {
            fields: fields(&[("crisis_levle", json!(5))]),
        },
    );
    let (code, field) = refused(&push(vec![good(), bad]));
    assert_eq!(code, "unknown_field");
    assert_eq!(field.as_deref(), Some("changes[1].op.fields.crisis_levle"));
}

#[test]
fn pull_requests_are_checked() {
    let ok = PullRequest {
        protocol_version: ProtocolVersion::CURRENT,
        after_seq: 0,
        limit: 100,
        resume: None,
    };
    validate_pull(&ok).unwrap();
    let zero = PullRequest { limit: 0, ..ok };
    assert_eq!(validate_pull(&zero).unwrap_err().code, "pull_limit_zero");
    let old = PullRequest {
        protocol_version: 99,
        ..ok
    };
    assert_eq!(
        validate_pull(&old).unwrap_err().code,
        "protocol_version_unsupported"
    );
    assert_eq!(
        effective_limit(&PullRequest {
            limit: u32::MAX,
            ..ok
        }),
        MAX_PULL_LIMIT
    );
}

#[test]
fn the_registry_matches_the_issue() {
    let kind = |n: &str| entity(n).map(|e| e.kind);
    for name in [
        "households",
        "persons",
        "visits",
        "visit_workers",
        "org_units",
        "workers",
        "cases",
        "referrals",
        "crisis_reports",
        "volunteer_activity",
        "config_documents",
        "discharge_referrals",
    ] {
        assert_eq!(kind(name), Some(EntityKind::Mutable), "{name}");
    }
    for name in [
        "wellness_checks",
        "case_notes",
        "safety_events",
        "incidents",
        "audit_entries",
        "service_provisions",
        "outreach_attempts",
    ] {
        assert_eq!(kind(name), Some(EntityKind::AppendOnly), "{name}");
    }
    assert_eq!(ENTITIES.len(), 19);
}

#[test]
fn json_with_unknown_fields_or_wrong_types_does_not_deserialise() {
    let good_json = serde_json::to_value(push(vec![good()])).unwrap();
    let back: PushRequest = serde_json::from_value(good_json.clone()).unwrap();
    assert_eq!(back, push(vec![good()]));

    let mut extra = good_json.clone();
    extra["sneaky"] = json!(1);
    assert!(serde_json::from_value::<PushRequest>(extra).is_err());

    let mut extra_in_change = good_json.clone();
    extra_in_change["changes"][0]["author"] = json!("x");
    assert!(serde_json::from_value::<PushRequest>(extra_in_change).is_err());

    let mut unknown_op = good_json.clone();
    unknown_op["changes"][0]["op"] = json!({"kind": "merge", "fields": {}});
    assert!(serde_json::from_value::<PushRequest>(unknown_op).is_err());

    let mut bad_hlc = good_json.clone();
    bad_hlc["changes"][0]["hlc"] = json!("yesterday");
    assert!(serde_json::from_value::<PushRequest>(bad_hlc).is_err());

    let mut version_as_text = good_json;
    version_as_text["protocol_version"] = json!("1");
    assert!(serde_json::from_value::<PushRequest>(version_as_text).is_err());

    assert!(serde_json::from_str::<PushRequest>("{\"protocol_version\":1,").is_err());
}

#[test]
fn error_bodies_carry_code_field_and_both_languages() {
    let e = validate_push(&push(vec![change(1, "passwords", Op::Delete)])).unwrap_err();
    let body = ErrorBody::from(&e);
    let v = serde_json::to_value(&body).unwrap();
    assert_eq!(v["code"], "unknown_entity");
    assert_eq!(v["field"], "changes[0].entity");
    assert!(v["ko"].as_str().unwrap().contains("기록"));
    assert!(v["en"].as_str().unwrap().contains("unknown entity"));
    assert!(v.get("server_time_ms").is_none());
}

#[test]
fn a_change_over_max_change_bytes_is_refused_naming_it() {
    // Five strings each under the per-value limit, together over the per-change limit.
    let long = "가".repeat(5_000);
    assert!(long.len() <= MAX_STRING_BYTES);
    let wide = change(
        9,
        "households",
        Op::Upsert {
            fields: fields(&[
                ("head_name", json!(long)),
                ("address", json!(long)),
                ("tags", json!(long)),
                ("risk_flags", json!(long)),
                ("phone", json!(long)),
            ]),
        },
    );
    assert!(encoded_len(&wide) > MAX_CHANGE_BYTES);
    assert_eq!(encoded_len(&wide), serde_json::to_vec(&wide).unwrap().len());
    let batch = push(vec![good(), change(2, "households", Op::Delete), wide]);
    let e = validate_push(&batch).unwrap_err();
    assert_eq!(e.code, "change_too_large");
    assert_eq!(e.field.as_deref(), Some("changes[2]"));
    assert!(
        e.ko.contains("changes[2]") && e.ko.contains("65536"),
        "{}",
        e.ko
    );
    assert!(
        e.en.contains("changes[2]") && e.en.contains("65536"),
        "{}",
        e.en
    );

    // Three of them fit (a household's text fields; its code fields hold codes only).
    let fits = change(
        9,
        "households",
        Op::Upsert {
            fields: fields(&[
                ("head_name", json!(long)),
                ("address", json!(long)),
                ("phone", json!(long)),
            ]),
        },
    );
    assert!(encoded_len(&fits) <= MAX_CHANGE_BYTES);
    validate_push(&push(vec![fits])).unwrap();
}

#[test]
fn the_page_budget_takes_a_prefix_within_count_and_bytes_and_always_one() {
    let mut b = PageBudget::new(3, 100);
    assert!(b.admit(60));
    assert!(b.admit(40));
    assert!(!b.admit(1), "100 bytes taken: the next entry waits");
    assert_eq!((b.count(), b.bytes()), (2, 100));

    let mut big = PageBudget::new(3, 100);
    assert!(
        big.admit(1_000_000),
        "the first entry goes whatever its size"
    );
    assert!(!big.admit(1));

    let mut counted = PageBudget::new(2, usize::MAX);
    assert!(counted.admit(1) && counted.admit(1));
    assert!(counted.full());
    assert!(!counted.admit(1));
}

/// A log of large and small changes, read page by page from the reference under a small byte
/// budget: every change exactly once, in order; no page over the budget unless it holds one change.
#[test]
fn pages_of_large_changes_stay_within_the_byte_budget_and_lose_nothing() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config::with_cases(64));
    let sizes = proptest::collection::vec(prop_oneof![0usize..200, 2_000usize..15_000], 1..80);
    runner
        .run(
            &(sizes, 1u32..20, 500usize..40_000),
            |(sizes, limit, budget)| {
                let mut server = MemoryServer::default().with_page_bytes(budget);
                let mut clock = HybridClock::new(device());
                let changes: Vec<Change> = sizes
                    .iter()
                    .enumerate()
                    .map(|(k, &n)| {
                        let hlc = clock.send(T as i64);
                        Change {
                            id: v7(k as u64 + 1),
                            entity: "case_notes".into(),
                            record_id: v7(10_000 + k as u64),
                            op: Op::Append {
                                record: fields(&[("body", json!("메".repeat(n / 3)))]),
                            },
                            hlc,
                            device_id: device(),
                        }
                    })
                    .collect();
                for batch in changes.chunks(MAX_PUSH_CHANGES) {
                    let resp = server.push(&push(batch.to_vec()), T as i64).unwrap();
                    prop_assert_eq!(resp.accepted.len(), batch.len());
                }
                let mut cursor = 0;
                let mut got = Vec::new();
                loop {
                    let page = server
                        .pull(&PullRequest::new(cursor, limit), T as i64)
                        .unwrap();
                    prop_assert!(!page.changes.is_empty() || !page.has_more);
                    prop_assert!(page.changes.len() <= limit as usize);
                    let bytes: usize = page
                        .changes
                        .iter()
                        .map(|c| PageBudget::cost(encoded_len(&c.change)))
                        .sum();
                    prop_assert!(page.changes.len() <= 1 || bytes <= budget);
                    // Nothing left out that would have fitted.
                    if page.has_more && page.changes.len() < limit as usize {
                        let next = &changes[page.changes.len() + cursor as usize];
                        prop_assert!(bytes + PageBudget::cost(encoded_len(next)) > budget);
                    }
                    got.extend(page.changes.iter().map(|c| c.change.id));
                    cursor = page.next_seq;
                    if !page.has_more {
                        break;
                    }
                }
                let want: Vec<_> = changes.iter().map(|c| c.id).collect();
                prop_assert_eq!(got, want);
                Ok(())
            },
        )
        .unwrap();
}
