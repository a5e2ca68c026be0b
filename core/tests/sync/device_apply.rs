//! Applying pulled changes on the device: three SQLite stores and the reference server
//! (`MemoryServer`) — random repository writes on all, deletes by a fourth peer, pushes whose
//! response is lost, pulls applied twice or backwards, one store starting from a snapshot
//! (docs/sync.md "Snapshot") whose pages are lost, repeated or reversed — converge to the server's
//! canonical dump, and their rows agree with it. A page that fails half-way commits nothing, not even
//! its cursor.

use crate::device_common as sync_device_common;

use donghaeng_core::store::Store;
use donghaeng_core::sync::protocol::{ProtocolVersion, PullRequest, PullResponse, PushRequest};
use donghaeng_core::sync::*;
use proptest::prelude::*;
use serde_json::json;
use sync_device_common as w;
use uuid::Uuid;

fn now() -> i64 {
    w::t0().timestamp_millis()
}

/// Pushes up to `batch` outbox changes; the response reaches the device unless `lost`.
fn push(store: &Store, server: &mut MemoryServer, batch: usize, lost: bool) {
    let changes = store.outbox(batch).unwrap();
    if changes.is_empty() {
        return;
    }
    let req = PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: store.device_id().unwrap(),
        changes,
    };
    let resp = server.push(&req, now()).unwrap();
    assert!(resp.rejected.is_empty(), "{:?}", resp.rejected);
    if !lost {
        store.acknowledge(&resp).unwrap();
    }
}

#[derive(Debug, Clone, Copy)]
enum PullMode {
    Normal,
    Twice,
    Backwards,
    Lost,
}

/// Whether a store with no cursor (or one under way) should take a snapshot page instead.
fn wants_snapshot(store: &Store) -> bool {
    let st = store.sync_state().unwrap();
    st.cursor == 0 || st.snapshot.is_some()
}

/// One snapshot page after the store's progress, applied as `mode` says.
fn snapshot(store: &Store, server: &MemoryServer, limit: u32, mode: PullMode) -> bool {
    let st = store.sync_state().unwrap();
    let mut req = SnapshotRequest::first(limit);
    if let Some(p) = st.snapshot {
        req.after = p.after;
        req.feed_from = Some(p.feed_from);
    }
    let mut page = server.snapshot(&req, now()).unwrap();
    match mode {
        PullMode::Normal => {
            store.apply_snapshot(&page).unwrap();
        }
        PullMode::Twice => {
            store.apply_snapshot(&page).unwrap();
            let again = store.apply_snapshot(&page).unwrap();
            assert_eq!(
                again.changed, 0,
                "a snapshot page applied twice changes nothing"
            );
        }
        PullMode::Backwards => {
            page.records.reverse();
            store.apply_snapshot(&page).unwrap();
        }
        PullMode::Lost => {}
    }
    page.has_more
}

/// Pulls one page after the store's cursor and applies it as `mode` says; the third store, with no
/// cursor yet, takes its snapshot first.
fn pull_or_snapshot(
    d: usize,
    store: &Store,
    server: &MemoryServer,
    limit: u32,
    mode: PullMode,
) -> bool {
    if d == SNAPSHOT_STORE && wants_snapshot(store) {
        return snapshot(store, server, limit, mode);
    }
    pull(store, server, limit, mode)
}

/// The store that starts from a snapshot (the others read the feed from the start).
const SNAPSHOT_STORE: usize = 2;

/// Pulls one page after the store's cursor and applies it as `mode` says.
fn pull(store: &Store, server: &MemoryServer, limit: u32, mode: PullMode) -> bool {
    let after_seq = store.sync_state().unwrap().cursor;
    let req = PullRequest {
        protocol_version: ProtocolVersion::CURRENT,
        after_seq,
        limit,
        resume: None,
    };
    let mut page = server.pull(&req, now()).unwrap();
    match mode {
        PullMode::Normal => {
            store.apply_pull(&page).unwrap();
        }
        PullMode::Twice => {
            store.apply_pull(&page).unwrap();
            let again = store.apply_pull(&page).unwrap();
            assert_eq!(again.changed, 0, "a page applied twice changes nothing");
        }
        PullMode::Backwards => {
            page.changes.reverse();
            store.apply_pull(&page).unwrap();
        }
        PullMode::Lost => {}
    }
    page.has_more
}

fn sync_fully(d: usize, store: &Store, server: &mut MemoryServer) {
    while store.outbox_len().unwrap() > 0 {
        push(store, server, 1000, false);
    }
    while pull_or_snapshot(d, store, server, 500, PullMode::Normal) {}
    while pull(store, server, 500, PullMode::Normal) {}
}

/// A third peer deletes the `k`-th record of a mutable entity the server holds.
fn peer_delete(server: &mut MemoryServer, peer: &mut HybridClock, ids: &mut u64, k: u8) {
    let entities = [
        "households",
        "persons",
        "visits",
        "cases",
        "referrals",
        "visit_workers",
    ];
    let entity = entities[usize::from(k) % entities.len()];
    let live = server.state().live_ids(entity);
    if live.is_empty() {
        return;
    }
    let record_id = live[usize::from(k) % live.len()];
    let hlc = peer.send(now());
    *ids += 1;
    let mut rand = [0u8; 10];
    rand[2..].copy_from_slice(&ids.to_be_bytes());
    let change = Change {
        id: uuid::Builder::from_unix_timestamp_millis(hlc.wall_ms, &rand).into_uuid(),
        entity: entity.to_owned(),
        record_id,
        op: Op::Delete,
        hlc,
        device_id: peer.node(),
    };
    let req = PushRequest {
        protocol_version: ProtocolVersion::CURRENT,
        device_id: peer.node(),
        changes: vec![change],
    };
    server.push(&req, now()).unwrap();
}

#[derive(Debug, Clone)]
enum Step {
    Write(usize, u8, u8, u8),
    Push(usize, usize, bool),
    Pull(usize, u32, u8),
    Delete(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..3usize, any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(d, o, a, b)| Step::Write(d, o, a, b)),
        2 => (0..3usize, 1..40usize, any::<bool>()).prop_map(|(d, n, l)| Step::Push(d, n, l)),
        3 => (0..3usize, 1..60u32, any::<u8>()).prop_map(|(d, n, m)| Step::Pull(d, n, m)),
        1 => any::<u8>().prop_map(Step::Delete),
    ]
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut server = MemoryServer::new(SkewPolicy::default());
    // Stores 0 and 1 read the feed from the start; store 2 starts from a snapshot, page by page
    // while the others write (its pages are read at different moments), and may write itself
    // before it (its own unsent work is merged into what the snapshot brings).
    let stores = [w::store(), w::store(), w::store()];
    w::seed_org(&stores[0]);
    sync_fully(0, &stores[0], &mut server);
    let mut peer = HybridClock::new(Uuid::now_v7());
    let mut ids = 0u64;
    for s in steps {
        match *s {
            Step::Write(d, op, a, b) => {
                let _ = w::step(&stores[d], op, a, b);
            }
            Step::Push(d, n, lost) => push(&stores[d], &mut server, n, lost),
            Step::Pull(d, n, m) => {
                let mode = [
                    PullMode::Normal,
                    PullMode::Twice,
                    PullMode::Backwards,
                    PullMode::Lost,
                ][usize::from(m) % 4];
                pull_or_snapshot(d, &stores[d], &server, n, mode);
            }
            Step::Delete(k) => peer_delete(&mut server, &mut peer, &mut ids, k),
        }
    }
    for _ in 0..2 {
        for (d, s) in stores.iter().enumerate() {
            sync_fully(d, s, &mut server);
        }
    }
    let expected = server.state().canonical_dump();
    for (i, s) in stores.iter().enumerate() {
        prop_assert_eq!(s.outbox_len().unwrap(), 0);
        prop_assert_eq!(s.sync_state().unwrap().cursor, server.last_seq());
        prop_assert!(
            s.sync_dump().unwrap() == expected,
            "store {} differs from the server",
            i
        );
        let wrong = s.sync_mismatches().unwrap();
        prop_assert!(wrong.is_empty(), "store {}: {:?}", i, wrong);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(40),
        ..ProptestConfig::default()
    })]
    #[test]
    fn two_stores_and_a_server_converge(steps in prop::collection::vec(step(), 1..120)) {
        run(&steps)?;
    }
}

#[test]
fn pulled_records_become_rows_with_their_derived_columns() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    w::step(&a, 0, 3, 2).unwrap(); // a household with two members
    let h = w::pick(&a, "households", "1", 0).unwrap();
    w::step(&a, 9, 0, 1).unwrap(); // a wellness check: contact
    sync_fully(0, &a, &mut server);
    sync_fully(0, &b, &mut server);
    let got = b.households().get(h).unwrap();
    assert_eq!(got, a.households().get(h).unwrap());
    assert!(got.last_contact_at.is_some());
    let dong = w::pick(&b, "org_units", "kind = 'dong'", 0).unwrap();
    let member = b.persons().of_household(h).unwrap()[0].name.clone();
    let found = b.households().search(dong, &member, 10).unwrap();
    assert_eq!(
        found.len(),
        1,
        "search text rebuilt from the pulled members"
    );
    assert_eq!(b.sync_dump().unwrap(), a.sync_dump().unwrap());
    // The receiving clock is now above everything it pulled.
    let received = b.sync_state().unwrap();
    let newest = a.sync_state().unwrap().acked_max.unwrap();
    assert_eq!(received.received_max, Some(newest));
    assert!(received.last_hlc.unwrap() > newest);
}

#[test]
fn a_delete_removes_the_row_and_keeps_a_tombstone_that_wins_over_older_edits() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let store = w::store();
    w::seed_org(&store);
    w::step(&store, 0, 1, 0).unwrap();
    let h = w::pick(&store, "households", "1", 0).unwrap();
    let edit = store.outbox(usize::MAX).unwrap().pop().unwrap();
    sync_fully(0, &store, &mut server);
    let mut peer = HybridClock::new(Uuid::now_v7());
    let mut ids = 0;
    peer_delete(&mut server, &mut peer, &mut ids, 0);
    sync_fully(0, &store, &mut server);
    assert!(store.households().get(h).is_err());
    assert!(store.sync_dump().unwrap().contains("\"state\":\"deleted\""));
    // The old create pulled again (a duplicate page) does not bring it back.
    store.apply_page(&[edit], 0).unwrap();
    assert!(store.households().get(h).is_err());
    assert_eq!(store.sync_dump().unwrap(), server.state().canonical_dump());
}

#[test]
fn a_page_that_fails_half_way_commits_nothing_not_even_its_cursor() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    for k in 0..5 {
        w::step(&a, 0, k, k).unwrap();
    }
    sync_fully(0, &a, &mut server);
    let page = first_page(&server);
    let mut changes: Vec<Change> = page.changes.iter().map(|c| c.change.clone()).collect();
    assert!(changes.len() > 10);
    // An error injected in the middle of the page: a change the merge cannot take.
    let mut bad = changes[3].clone();
    bad.entity = "no_such_table".into();
    changes.insert(changes.len() / 2, bad);
    let before = (b.sync_dump().unwrap(), b.sync_state().unwrap());
    let err = b.apply_page(&changes, page.next_seq).unwrap_err();
    assert_eq!(err.code, "unknown_entity");
    assert_eq!((b.sync_dump().unwrap(), b.sync_state().unwrap()), before);
    let rows: i64 = b
        .read(|tx| Ok(tx.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(rows, 0, "no row of the page was committed");
    // The same page without the bad change applies whole, and the cursor moves with it.
    let good: Vec<Change> = page.changes.iter().map(|c| c.change.clone()).collect();
    b.apply_page(&good, page.next_seq).unwrap();
    assert_eq!(b.sync_state().unwrap().cursor, page.next_seq);
    assert_eq!(b.sync_dump().unwrap(), server.state().canonical_dump());
}

/// The server's first pull page (everything, up to 5,000 changes).
fn first_page(server: &MemoryServer) -> PullResponse {
    server
        .pull(
            &PullRequest {
                protocol_version: ProtocolVersion::CURRENT,
                after_seq: 0,
                limit: 5000,
                resume: None,
            },
            now(),
        )
        .unwrap()
}

/// `PRAGMA synchronous` and `PRAGMA foreign_keys` of the store's connection.
fn connection_pragmas(store: &Store) -> (i64, i64) {
    store
        .read(|tx| {
            let sync = tx.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            let fk = tx.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            Ok((sync, fk))
        })
        .unwrap()
}

#[test]
fn sync_writes_that_skip_the_disk_wait_leave_every_later_write_durable_and_checked() {
    // Applied pages and acknowledgements commit with `synchronous = NORMAL` (the server can give
    // them again); a worker's own next write must be back at FULL with foreign keys on, whether
    // the sync write committed or failed.
    const FULL: i64 = 2;
    let dir = tempfile::tempdir().unwrap();
    let a = w::file_store(&dir.path().join("a.db"));
    let b = w::file_store(&dir.path().join("b.db"));
    assert_eq!(connection_pragmas(&a), (FULL, 1));
    let mut server = MemoryServer::new(SkewPolicy::default());
    w::seed_org(&a);
    w::step(&a, 0, 1, 1).unwrap();
    push(&a, &mut server, 1000, false);
    assert_eq!(
        a.outbox_len().unwrap(),
        0,
        "the acknowledgement dropped the outbox"
    );
    assert_eq!(connection_pragmas(&a), (FULL, 1));
    let page = first_page(&server);
    let mut bad: Vec<Change> = page.changes.iter().map(|c| c.change.clone()).collect();
    bad[0].entity = "no_such_table".into();
    b.apply_page(&bad, page.next_seq).unwrap_err();
    assert_eq!(connection_pragmas(&b), (FULL, 1), "after a failed page");
    b.apply_pull(&page).unwrap();
    assert_eq!(connection_pragmas(&b), (FULL, 1), "after an applied page");
    b.record_sync_outcome(now(), None).unwrap();
    assert_eq!(connection_pragmas(&b), (FULL, 1), "after the outcome");
    assert_eq!(b.sync_dump().unwrap(), server.state().canonical_dump());
}

#[test]
fn a_snapshot_page_that_fails_half_way_commits_nothing_not_even_its_progress() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    for k in 0..5 {
        w::step(&a, 0, k, k).unwrap();
    }
    sync_fully(0, &a, &mut server);
    let mut first = SnapshotRequest::first(5);
    let page = server.snapshot(&first, now()).unwrap();
    assert!(page.has_more && page.records.len() == 5);
    let mut broken = page.clone();
    let mut bad = broken.records[1].clone();
    bad.entity = "no_such_table".into();
    broken.records.insert(3, bad);
    let before = (b.sync_dump().unwrap(), b.sync_state().unwrap());
    let err = b.apply_snapshot(&broken).unwrap_err();
    assert_eq!(err.code, "unknown_entity");
    assert_eq!((b.sync_dump().unwrap(), b.sync_state().unwrap()), before);
    // The good page applies whole and keeps its progress; the rest follows from there, then the
    // feed from the snapshot's position, and the store holds what the server holds.
    b.apply_snapshot(&page).unwrap();
    let progress = b
        .sync_state()
        .unwrap()
        .snapshot
        .expect("a snapshot under way");
    assert_eq!(progress.after, page.after);
    assert_eq!(progress.feed_from, server.last_seq());
    assert_eq!(
        b.sync_state().unwrap().cursor,
        0,
        "the cursor waits for the last page"
    );
    first.after = progress.after;
    first.feed_from = Some(progress.feed_from);
    first.limit = 5000;
    let rest = server.snapshot(&first, now()).unwrap();
    assert!(!rest.has_more);
    b.apply_snapshot(&rest).unwrap();
    let st = b.sync_state().unwrap();
    assert_eq!((st.cursor, st.snapshot), (server.last_seq(), None));
    assert_eq!(b.sync_dump().unwrap(), server.state().canonical_dump());
    assert!(b.sync_mismatches().unwrap().is_empty());
}

#[test]
fn an_edit_pulled_before_its_create_waits_for_it_and_the_row_appears_with_both() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    sync_fully(0, &a, &mut server);
    sync_fully(0, &b, &mut server);
    w::step(&a, 0, 1, 0).unwrap();
    let h = w::pick(&a, "households", "1", 0).unwrap();
    w::step(&a, 1, 0, 3).unwrap(); // crisis level 2 → 4 and the address
    let out = a.outbox(usize::MAX).unwrap();
    let (create, edit) = (out[0].clone(), out[out.len() - 1].clone());
    assert!(
        matches!(&edit.op, Op::Upsert { fields } if fields.len() == 2 && fields["crisis_level"] == json!(4)),
        "{edit:?}"
    );
    b.apply_page(&[edit], 0).unwrap();
    assert!(
        b.households().get(h).is_err(),
        "no row without the create's required fields"
    );
    assert!(!b.sync_mismatches().unwrap().is_empty());
    b.apply_page(&[create], 0).unwrap();
    assert_eq!(
        b.households()
            .get(h)
            .unwrap()
            .household
            .crisis_level
            .value(),
        4
    );
    assert!(b.sync_mismatches().unwrap().is_empty());
}

#[test]
fn a_purge_removes_row_and_merge_state_without_a_tombstone_or_a_change() {
    let mut server = MemoryServer::new(SkewPolicy::default());
    let (a, b) = (w::store(), w::store());
    w::seed_org(&a);
    w::step(&a, 0, 1, 1).unwrap(); // a household with a member
    let h = w::pick(&a, "households", "1", 0).unwrap();
    let p = w::pick(&a, "persons", "1", 0).unwrap();
    sync_fully(0, &a, &mut server);
    sync_fully(0, &b, &mut server);
    let cursor = b.sync_state().unwrap().cursor;
    let outbox = b.outbox_len().unwrap();
    let page = donghaeng_core::sync::PullResponse {
        changes: vec![],
        next_seq: cursor,
        has_more: false,
        purge: vec![
            RecordRef {
                entity: "households".into(),
                record_id: h,
            },
            RecordRef {
                entity: "persons".into(),
                record_id: p,
            },
            RecordRef {
                entity: "not_an_entity".into(),
                record_id: h,
            },
        ],
        server_time_ms: now(),
        resume: None,
    };
    let stats = b.apply_pull(&page).unwrap();
    assert_eq!(stats.purged, 3);
    assert!(b.households().get(h).is_err());
    let dump = b.sync_dump().unwrap();
    assert!(!dump.contains(&h.to_string()) && !dump.contains(&p.to_string()));
    assert!(!dump.contains("\"deleted\""), "a purge is not a delete");
    assert_eq!(
        b.outbox_len().unwrap(),
        outbox,
        "a purge makes no change of its own"
    );
    assert!(b.sync_mismatches().unwrap().is_empty());
}

#[test]
fn a_backfill_resume_point_is_kept_with_the_cursor_and_never_goes_back() {
    let store = w::store();
    let page = |next_seq: u64, resume: Option<PullResume>| PullResponse {
        changes: vec![],
        next_seq,
        has_more: true,
        purge: vec![],
        server_time_ms: now(),
        resume,
    };
    let at = |backfill_after: u64| {
        Some(PullResume {
            seq: 11,
            backfill_after,
        })
    };
    let state = |s: &Store| {
        let st = s.sync_state().unwrap();
        (st.cursor, st.resume)
    };
    store.apply_pull(&page(10, at(3))).unwrap();
    assert_eq!(state(&store), (10, at(3)));
    // Further into the same backfill: kept; a late copy of the earlier page: ignored.
    store.apply_pull(&page(10, at(7))).unwrap();
    store.apply_pull(&page(10, at(3))).unwrap();
    store.apply_pull(&page(10, None)).unwrap();
    assert_eq!(state(&store), (10, at(7)));
    // An older page moves neither.
    store.apply_pull(&page(4, None)).unwrap();
    assert_eq!(state(&store), (10, at(7)));
    // A page past the cursor replaces both (here: no backfill under way any more).
    store.apply_pull(&page(15, None)).unwrap();
    assert_eq!(state(&store), (15, None));
    // Kept across reopening the file is the same row: read back as stored.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    {
        let s = Store::open(&path).unwrap();
        s.apply_pull(&page(
            20,
            Some(PullResume {
                seq: 21,
                backfill_after: 5,
            }),
        ))
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(
        state(&s),
        (
            20,
            Some(PullResume {
                seq: 21,
                backfill_after: 5
            })
        )
    );
}
