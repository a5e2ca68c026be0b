//! Merge rules (per-field last-writer-wins, final tombstones, append union) on the reference replica,
//! and the in-memory server's push / pull behaviour.

use std::collections::BTreeMap;

use donghaeng_core::sync::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

const T: u64 = 1_767_225_600_000;

fn dev(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn v7(n: u64) -> Uuid {
    let mut b = [0u8; 10];
    b[2..].copy_from_slice(&n.to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(T, &b).into_uuid()
}

fn hlc(ms: u64, counter: u16, node: Uuid) -> HlcTimestamp {
    HlcTimestamp {
        wall_ms: ms,
        counter,
        node,
    }
}

fn upsert(id: u64, record: Uuid, at: HlcTimestamp, fields: &[(&str, Value)]) -> Change {
    Change {
        id: v7(id),
        entity: "households".into(),
        record_id: record,
        op: Op::Upsert {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        },
        hlc: at,
        device_id: at.node,
    }
}

fn delete(id: u64, record: Uuid, at: HlcTimestamp) -> Change {
    Change {
        id: v7(id),
        entity: "households".into(),
        record_id: record,
        op: Op::Delete,
        hlc: at,
        device_id: at.node,
    }
}

fn append(id: u64, record: Uuid, at: HlcTimestamp, body: &str) -> Change {
    Change {
        id: v7(id),
        entity: "case_notes".into(),
        record_id: record,
        op: Op::Append {
            record: [("body".to_owned(), json!(body))].into(),
        },
        hlc: at,
        device_id: at.node,
    }
}

fn field(r: &Replica, record: Uuid, name: &str) -> Option<Value> {
    match r.get("households", record)? {
        RecordState::Live { fields } => fields.get(name).map(|v| v.value.clone()),
        _ => None,
    }
}

fn both_orders(changes: &[Change]) -> (Replica, Replica) {
    let mut a = Replica::new();
    let mut b = Replica::new();
    a.apply_all(changes).unwrap();
    b.apply_all(changes.iter().rev()).unwrap();
    (a, b)
}

#[test]
fn concurrent_edits_of_different_fields_both_survive() {
    let hh = v7(100);
    let changes = [
        upsert(
            1,
            hh,
            hlc(T, 0, dev(1)),
            &[("head_name", json!("김영희")), ("crisis_level", json!(3))],
        ),
        upsert(2, hh, hlc(T + 10, 0, dev(1)), &[("crisis_level", json!(5))]),
        upsert(
            3,
            hh,
            hlc(T + 5, 0, dev(2)),
            &[("phone", json!("010-0000-0000"))],
        ),
    ];
    let (a, b) = both_orders(&changes);
    assert_eq!(a.canonical_dump(), b.canonical_dump());
    assert_eq!(field(&a, hh, "crisis_level"), Some(json!(5)));
    assert_eq!(field(&a, hh, "phone"), Some(json!("010-0000-0000")));
    assert_eq!(field(&a, hh, "head_name"), Some(json!("김영희")));
}

#[test]
fn same_field_the_greater_stamp_wins_and_device_id_breaks_ties() {
    let hh = v7(100);
    // Same wall clock and counter on two devices: the greater device id wins, in either order.
    let changes = [
        upsert(1, hh, hlc(T, 0, dev(2)), &[("crisis_level", json!(2))]),
        upsert(2, hh, hlc(T, 0, dev(9)), &[("crisis_level", json!(4))]),
    ];
    let (a, b) = both_orders(&changes);
    assert_eq!(field(&a, hh, "crisis_level"), Some(json!(4)));
    assert_eq!(a, b);
    // The counter beats the device id; the wall clock beats the counter.
    let changes = [
        upsert(3, hh, hlc(T, 1, dev(1)), &[("crisis_level", json!(1))]),
        upsert(4, hh, hlc(T, 0, dev(9)), &[("crisis_level", json!(5))]),
    ];
    let (a, b) = both_orders(&changes);
    assert_eq!(field(&a, hh, "crisis_level"), Some(json!(1)));
    assert_eq!(a, b);
}

#[test]
fn applying_a_change_twice_is_applying_it_once() {
    let hh = v7(100);
    let c = upsert(1, hh, hlc(T, 0, dev(1)), &[("crisis_level", json!(2))]);
    let mut r = Replica::new();
    assert_eq!(r.apply(&c).unwrap(), Applied::Changed);
    let once = r.clone();
    assert_eq!(r.apply(&c).unwrap(), Applied::Unchanged(Skip::Duplicate));
    assert_eq!(r, once);
    let d = delete(2, hh, hlc(T + 1, 0, dev(1)));
    r.apply(&d).unwrap();
    assert_eq!(r.apply(&d).unwrap(), Applied::Unchanged(Skip::Duplicate));
}

#[test]
fn an_older_edit_arriving_after_the_delete_does_not_resurrect() {
    let hh = v7(100);
    let create = upsert(1, hh, hlc(T, 0, dev(1)), &[("head_name", json!("박민수"))]);
    let del = delete(2, hh, hlc(T + 100, 0, dev(2)));
    let old_edit = upsert(3, hh, hlc(T + 50, 0, dev(3)), &[("phone", json!("010"))]);
    let mut r = Replica::new();
    r.apply_all([&create, &del]).unwrap();
    assert_eq!(
        r.apply(&old_edit).unwrap(),
        Applied::Unchanged(Skip::Deleted)
    );
    assert!(matches!(
        r.get("households", hh),
        Some(RecordState::Deleted { .. })
    ));
    assert!(r.live_ids("households").is_empty());
}

#[test]
fn a_delete_is_final_even_against_a_newer_edit() {
    let hh = v7(100);
    let create = upsert(1, hh, hlc(T, 0, dev(1)), &[("head_name", json!("박민수"))]);
    let del = delete(2, hh, hlc(T + 100, 0, dev(2)));
    let newer_edit = upsert(3, hh, hlc(T + 500, 0, dev(3)), &[("phone", json!("010"))]);
    for order in [
        [&create, &del, &newer_edit],
        [&newer_edit, &create, &del],
        [&del, &newer_edit, &create],
    ] {
        let mut r = Replica::new();
        r.apply_all(order).unwrap();
        match r.get("households", hh) {
            Some(RecordState::Deleted { hlc, change_id }) => {
                assert_eq!(*hlc, del.hlc);
                assert_eq!(*change_id, del.id);
            }
            other => panic!("expected a tombstone, got {other:?}"),
        }
    }
}

#[test]
fn of_two_deletes_the_earlier_tombstone_is_kept() {
    let hh = v7(100);
    let d1 = delete(1, hh, hlc(T + 10, 0, dev(1)));
    let d2 = delete(2, hh, hlc(T + 20, 0, dev(2)));
    let (a, b) = both_orders(&[d1.clone(), d2]);
    assert_eq!(a, b);
    assert!(
        matches!(a.get("households", hh), Some(RecordState::Deleted { hlc, .. }) if *hlc == d1.hlc)
    );
}

#[test]
fn appends_are_a_union_and_a_conflicting_copy_keeps_the_first() {
    let n1 = v7(200);
    let n2 = v7(201);
    let a1 = append(1, n1, hlc(T, 0, dev(1)), "첫 방문 메모");
    let a2 = append(2, n2, hlc(T + 1, 0, dev(2)), "둘째 메모");
    let forged = append(3, n1, hlc(T + 9, 0, dev(3)), "덮어쓰기 시도");
    let (a, b) = both_orders(&[a1.clone(), a2, forged.clone()]);
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    match a.get("case_notes", n1) {
        Some(RecordState::Appended { record, .. }) => {
            assert_eq!(record["body"], json!("첫 방문 메모"))
        }
        other => panic!("expected the first note, got {other:?}"),
    }
    let mut r = Replica::new();
    r.apply(&a1).unwrap();
    assert_eq!(
        r.apply(&forged).unwrap(),
        Applied::Unchanged(Skip::Superseded)
    );
}

#[test]
fn operations_that_do_not_fit_the_entity_are_errors_and_change_nothing() {
    let mut r = Replica::new();
    let mut bad = append(1, v7(5), hlc(T, 0, dev(1)), "x");
    bad.entity = "households".into();
    assert_eq!(r.apply(&bad).unwrap_err().code, "op_not_allowed");
    let mut del_note = delete(2, v7(5), hlc(T, 0, dev(1)));
    del_note.entity = "case_notes".into();
    assert_eq!(r.apply(&del_note).unwrap_err().code, "op_not_allowed");
    let mut unknown = delete(3, v7(5), hlc(T, 0, dev(1)));
    unknown.entity = "passwords".into();
    assert_eq!(r.apply(&unknown).unwrap_err().code, "unknown_entity");
    assert!(r.is_empty());
}

#[test]
fn purge_removes_without_a_tombstone() {
    let hh = v7(100);
    let mut r = Replica::new();
    r.apply(&upsert(
        1,
        hh,
        hlc(T, 0, dev(1)),
        &[("head_name", json!("이순자"))],
    ))
    .unwrap();
    r.purge("households", hh);
    assert!(r.get("households", hh).is_none());
    // Purged, not deleted: if the scope grows back, the record comes back with the next changes.
    r.apply(&upsert(
        2,
        hh,
        hlc(T + 1, 0, dev(1)),
        &[("phone", json!("02"))],
    ))
    .unwrap();
    assert_eq!(field(&r, hh, "phone"), Some(json!("02")));
}

#[test]
fn decide_works_on_bare_stamps_for_the_sqlite_implementation() {
    let spec = entity("households").unwrap();
    let mut held: BTreeMap<String, HlcTimestamp> = BTreeMap::new();
    held.insert("crisis_level".into(), hlc(T + 10, 0, dev(1)));
    let c = upsert(
        1,
        v7(1),
        hlc(T + 5, 0, dev(2)),
        &[("crisis_level", json!(1)), ("phone", json!("02"))],
    );
    assert_eq!(
        decide(spec, Current::Live(&held), &c).unwrap(),
        Decision::SetFields(vec!["phone"])
    );
    let stamp = hlc(T + 1, 0, dev(1));
    assert_eq!(
        decide(spec, Current::Deleted(&stamp), &c).unwrap(),
        Decision::Skip(Skip::Deleted)
    );
}

// ---- the server model ----

fn push(server: &mut MemoryServer, device: Uuid, changes: Vec<Change>, now: u64) -> PushResponse {
    server
        .push(
            &PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: device,
                changes,
            },
            now as i64,
        )
        .unwrap()
}

#[test]
fn a_retried_push_stores_nothing_twice() {
    let mut s = MemoryServer::new(SkewPolicy::default());
    let c1 = upsert(1, v7(100), hlc(T, 0, dev(1)), &[("head_name", json!("김"))]);
    let c2 = upsert(
        2,
        v7(100),
        hlc(T + 1, 0, dev(1)),
        &[("phone", json!("010"))],
    );
    let r1 = push(&mut s, dev(1), vec![c1.clone()], T);
    assert_eq!(r1.accepted, vec![c1.id]);
    assert_eq!(r1.server_seq, 1);
    let r2 = push(&mut s, dev(1), vec![c1.clone(), c2.clone()], T);
    assert_eq!(r2.duplicates, vec![c1.id]);
    assert_eq!(r2.accepted, vec![c2.id]);
    assert_eq!(s.last_seq(), 2);
    // The same id with other content is refused, not stored.
    let mut reused = c2.clone();
    reused.op = Op::Upsert {
        fields: [("phone".to_owned(), json!("011"))].into(),
    };
    let r3 = push(&mut s, dev(1), vec![reused], T);
    assert_eq!(r3.rejected.len(), 1);
    assert_eq!(r3.rejected[0].code, "change_id_reused");
    assert_eq!(s.last_seq(), 2);
}

#[test]
fn a_change_stamped_too_far_ahead_is_refused_with_a_clear_error() {
    let mut s = MemoryServer::new(SkewPolicy::default());
    let limit = SkewPolicy::default().max_future_drift_ms;
    let at_limit = upsert(
        1,
        v7(100),
        hlc(T + limit, 0, dev(1)),
        &[("head_name", json!("김"))],
    );
    let beyond = upsert(
        2,
        v7(101),
        hlc(T + limit + 1, 0, dev(1)),
        &[("head_name", json!("이"))],
    );
    let r = push(&mut s, dev(1), vec![at_limit.clone(), beyond.clone()], T);
    assert_eq!(r.accepted, vec![at_limit.id]);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].id, beyond.id);
    assert_eq!(r.rejected[0].code, "clock_ahead");
    assert!(r.rejected[0].ko.contains("시계"));
    assert!(r.rejected[0].en.contains("ahead"));
    assert_eq!(r.server_time_ms, T as i64);
    assert!(s.state().get("households", v7(101)).is_none());
}

#[test]
fn a_bad_batch_is_refused_whole() {
    let mut s = MemoryServer::new(SkewPolicy::default());
    let good = upsert(1, v7(100), hlc(T, 0, dev(1)), &[("head_name", json!("김"))]);
    let bad = upsert(
        2,
        v7(101),
        hlc(T, 1, dev(1)),
        &[("income", json!(1_000_000))],
    );
    let err = s
        .push(
            &PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id: dev(1),
                changes: vec![good, bad],
            },
            T as i64,
        )
        .unwrap_err();
    assert_eq!(err.code, "unknown_field");
    assert_eq!(err.field.as_deref(), Some("changes[1].op.fields.income"));
    assert_eq!(s.last_seq(), 0, "nothing partly applied");
}

#[test]
fn pulls_page_by_sequence_number() {
    let mut s = MemoryServer::new(SkewPolicy::default());
    let changes: Vec<Change> = (0..5)
        .map(|i| {
            upsert(
                i + 1,
                v7(100 + i),
                hlc(T + i, 0, dev(1)),
                &[("head_name", json!(format!("가구 {i}")))],
            )
        })
        .collect();
    push(&mut s, dev(1), changes.clone(), T + 10);
    let pull = |after, limit| {
        s.pull(
            &PullRequest {
                protocol_version: ProtocolVersion::CURRENT,
                after_seq: after,
                limit,
                resume: None,
            },
            T as i64,
        )
        .unwrap()
    };
    let p1 = pull(0, 2);
    assert_eq!(
        p1.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(p1.changes[0].change, changes[0]);
    assert!(p1.has_more);
    assert_eq!(p1.next_seq, 2);
    let p2 = pull(2, 10);
    assert_eq!(
        p2.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    assert!(!p2.has_more);
    assert_eq!(p2.next_seq, 5);
    let p3 = pull(5, 10);
    assert!(p3.changes.is_empty());
    assert_eq!(p3.next_seq, 5);
    assert!(!p3.has_more);
}

// ---- merge algebra on arbitrary (not necessarily causal) change sets ----

fn arb_change() -> impl Strategy<Value = Change> {
    (
        0..3u64,
        0..6u64,
        0..4u16,
        1..4u128,
        0..4u8,
        0..3u8,
        any::<u8>(),
    )
        .prop_map(|(rec, ms, counter, node, kind, fld, v)| {
            let at = hlc(T + ms, counter, dev(node));
            // Ids are unique per (stamp): one change per stamp, as an HLC guarantees.
            let id = (ms << 24) | (u64::from(counter) << 8) | node as u64;
            let record = v7(1_000 + rec);
            match kind {
                0 => delete(id, record, at),
                3 => append(id, v7(2_000 + rec), at, &format!("note {v}")),
                _ => {
                    let name = ["head_name", "crisis_level", "phone"][usize::from(fld)];
                    upsert(id, record, at, &[(name, json!(v))])
                }
            }
        })
}

/// Keeps one change per stamp (a real system never makes two changes with the same stamp).
fn one_per_stamp(mut changes: Vec<Change>) -> Vec<Change> {
    let mut seen = std::collections::HashSet::new();
    changes.retain(|c| seen.insert(c.hlc));
    changes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any order, any duplication, any grouping: the same state.
    #[test]
    fn merge_is_commutative_associative_and_idempotent(
        changes in prop::collection::vec(arb_change(), 0..30).prop_map(one_per_stamp),
        perm in any::<prop::sample::Index>(),
        split in any::<prop::sample::Index>(),
    ) {
        let mut forward = Replica::new();
        forward.apply_all(&changes).unwrap();

        let mut shuffled = changes.clone();
        if !shuffled.is_empty() {
            let k = perm.index(shuffled.len());
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        let mut other = Replica::new();
        for c in &shuffled {
            other.apply(c).unwrap();
            other.apply(c).unwrap();
        }
        prop_assert_eq!(forward.canonical_dump(), other.canonical_dump());

        // Two replicas merge halves, then exchange: like two devices syncing through the server.
        let cut = if changes.is_empty() { 0 } else { split.index(changes.len() + 1) };
        let (left, right) = changes.split_at(cut);
        let mut a = Replica::new();
        let mut b = Replica::new();
        a.apply_all(left).unwrap();
        b.apply_all(right).unwrap();
        a.apply_all(right).unwrap();
        b.apply_all(left).unwrap();
        prop_assert_eq!(a.canonical_dump(), forward.canonical_dump());
        prop_assert_eq!(b.canonical_dump(), forward.canonical_dump());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// A snapshot record (docs/sync.md "Snapshot") stands for its state exactly, on the wire too,
    /// and the changes it is made of give that state — into an empty replica (a new phone) and into
    /// one that already holds part of the history (a phone with its own work): snapshot and feed
    /// reach the same state.
    #[test]
    fn a_snapshot_of_the_merged_state_gives_the_same_state_as_the_log(
        changes in prop::collection::vec(arb_change(), 0..30).prop_map(one_per_stamp),
        split in any::<prop::sample::Index>(),
    ) {
        let mut full = Replica::new();
        full.apply_all(&changes).unwrap();
        let snapshot: Vec<SnapshotRecord> = full
            .records()
            .map(|(e, id, state)| SnapshotRecord::of(e, id, state))
            .collect();
        for (rec, (_, _, state)) in snapshot.iter().zip(full.records()) {
            prop_assert_eq!(&rec.state.to_state(), state);
            // The server builds the entry straight from the packed state it stores.
            let spec = donghaeng_core::sync::entity(&rec.entity).unwrap();
            let bytes = donghaeng_core::sync::packed::pack(spec, state).unwrap();
            prop_assert_eq!(
                &SnapshotState::of(&donghaeng_core::sync::packed::unpack(spec, &bytes).unwrap()),
                &rec.state
            );
            // ... and writes it, values copied from their stored text, as the parsed form is
            // encoded.
            let mut written = Vec::new();
            donghaeng_core::sync::packed::PackedRecord::read(
                spec,
                donghaeng_core::sync::packed::state_name(state),
                &bytes,
            )
            .unwrap()
            .write_snapshot(rec.record_id, |_| true, &mut written)
            .unwrap();
            prop_assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(rec).unwrap()
            );
            let wire: SnapshotRecord =
                serde_json::from_str(&serde_json::to_string(rec).unwrap()).unwrap();
            prop_assert_eq!(&wire, rec);
        }
        let mut fresh = Replica::new();
        for rec in &snapshot {
            fresh.apply_all(&rec.changes()).unwrap();
        }
        prop_assert_eq!(fresh.canonical_dump(), full.canonical_dump());

        let cut = if changes.is_empty() { 0 } else { split.index(changes.len() + 1) };
        let mut partial = Replica::new();
        partial.apply_all(&changes[..cut]).unwrap();
        for rec in &snapshot {
            partial.apply_all(&rec.changes()).unwrap();
        }
        prop_assert_eq!(partial.canonical_dump(), full.canonical_dump());
    }
}

#[test]
fn a_snapshot_groups_a_records_fields_by_the_change_that_set_them() {
    let record = v7(1);
    let (a, b) = (dev(1), dev(2));
    let mut r = Replica::new();
    r.apply_all(&[
        upsert(
            1,
            record,
            hlc(T, 0, a),
            &[
                ("head_name", json!("김")),
                ("phone", json!("010")),
                ("crisis_level", json!(3)),
            ],
        ),
        upsert(2, record, hlc(T + 5, 0, b), &[("crisis_level", json!(5))]),
    ])
    .unwrap();
    let rec = SnapshotRecord::of("households", record, r.get("households", record).unwrap());
    let SnapshotState::Live { versions } = &rec.state else {
        panic!("a live record");
    };
    assert_eq!(
        versions.len(),
        2,
        "two changes still visible, one entry each"
    );
    assert_eq!(
        versions[0].fields.len(),
        2,
        "the first change keeps two of its fields"
    );
    assert_eq!(versions[1].fields["crisis_level"], json!(5));
    assert_eq!(rec.state.max_stamp(), Some(hlc(T + 5, 0, b)));
}
