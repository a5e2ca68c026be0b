//! Encryption at rest (issue 10): the store file under SQLCipher with a 32-byte key.
//!
//! Real files on disk, scanned byte by byte; a plain file from an earlier version migrated without
//! loss; an interrupted migration (a half-written copy left behind, and a writer killed with SIGKILL in
//! the middle of it) recovered by the next open.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::NaiveDate;
use donghaeng_core::clock::FixedClock;
use donghaeng_core::model::*;
use donghaeng_core::store::encryption::{is_plain_database, migration_temp_path};
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::migrations::latest_version;
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::Store;
use donghaeng_core::synthetic::{generate, SyntheticConfig};
use donghaeng_core::ErrorCode;

use crate::common;

const KEY: [u8; 32] = [0x5a; 32];
const OTHER_KEY: [u8; 32] = [0xa5; 32];

// A household whose name, address and phone must never appear in plain bytes on disk.
const NAME: &str = "홍비밀";
const ADDRESS: &str = "서울특별시 강남구 테헤란로77길 12, 301호";
const PHONE: &str = "010-9876-5432";
const NOTE: &str = "우울감 호소, 월세 3개월 체납";

fn key(b: u8) -> [u8; 32] {
    let mut k = [b; 32];
    k[0] = 1; // Not all one byte: a real key is random.
    k
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(common::now()))
}

fn open_keyed(path: &Path, k: &[u8]) -> Store {
    Store::open_encrypted_with_clock(path, k, clock()).unwrap()
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The database file and every journal next to it, as they are on disk now.
fn files_on_disk(path: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm", "-journal", ".encrypting"]
        .iter()
        .filter_map(|s| {
            let p = with_suffix(path, s);
            std::fs::read(&p).ok().map(|b| (p.display().to_string(), b))
        })
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Which of the secrets appear in plain bytes in any file of the database.
fn leaked(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (file, bytes) in files_on_disk(path) {
        for secret in [NAME, ADDRESS, PHONE, NOTE, "SQLite format 3"] {
            if contains(&bytes, secret) {
                out.push(format!("{secret} in {file}"));
            }
        }
    }
    out
}

/// Writes the secret household (with a case note) through the repositories.
fn write_secrets(f: &common::Fixture) -> Household {
    let h = f
        .store
        .households()
        .create(NewHousehold {
            dong_id: f.dong.id,
            head_name: NAME.into(),
            address: ADDRESS.into(),
            location: Some((37.5, 127.03)),
            crisis_level: 4,
            tags: vec![HouseholdTag::LivesAlone],
            risk_flags: vec![],
            phone: Some(PHONE.into()),
        })
        .unwrap();
    f.store
        .notes()
        .add(NewCaseNote {
            household_id: h.id,
            case_id: None,
            visit_id: None,
            author_id: f.planner.id,
            written_at: common::now(),
            body: NOTE.into(),
            corrects: None,
        })
        .unwrap();
    h
}

fn checkpoint(store: &Store) {
    store
        .write(|tx| {
            tx.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .ok();
}

/// Every row of every table, sorted: equal dumps mean nothing was lost or changed.
fn full_dump(store: &Store) -> Vec<String> {
    store
        .read(|tx| {
            let tables: Vec<String> = tx
                .prepare(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for t in tables {
                let mut st = tx.prepare(&format!("SELECT * FROM \"{t}\""))?;
                let n = st.column_count();
                let mut rows: Vec<String> = st
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| Ok(format!("{:?}", r.get_ref(i)?)))
                            .collect::<Result<Vec<_>, rusqlite::Error>>()
                            .map(|v| format!("{t}: {}", v.join(" | ")))
                    })?
                    .collect::<Result<_, _>>()?;
                rows.sort();
                out.extend(rows);
            }
            Ok(out)
        })
        .unwrap()
}

/// A plain file (as written by an earlier version) with a small synthetic 동, the secret household,
/// and unsent changes in the outbox.
fn plain_file(path: &Path, visits: usize) {
    let store = Store::open_with_clock(path, clock()).unwrap();
    generate(
        &store,
        &SyntheticConfig {
            seed: 11,
            households: 60,
            workers: 12,
            visits,
            today: NaiveDate::from_ymd_opt(2024, 5, 20).unwrap(),
        },
    )
    .unwrap();
    write_secrets(&common::fixture_with(store));
}

fn reference_dump(path: &Path) -> (Vec<String>, u64, String) {
    let store = Store::open_with_clock(path, clock()).unwrap();
    let out = (
        full_dump(&store),
        store.outbox_len().unwrap(),
        store.device_id().unwrap().to_string(),
    );
    drop(store);
    out
}

#[test]
fn the_files_hold_no_personal_data_in_plain_bytes() {
    let dir = tempfile::tempdir().unwrap();

    // The detector works: the same writes to a plain file leave the secrets readable.
    let plain = dir.path().join("plain.db");
    let f = common::fixture_with(Store::open_with_clock(&plain, clock()).unwrap());
    write_secrets(&f);
    checkpoint(&f.store);
    assert!(leaked(&plain).iter().any(|l| l.starts_with(NAME)));
    drop(f);

    let path = dir.path().join("phone.db");
    let f = common::fixture_with(open_keyed(&path, &KEY));
    let h = write_secrets(&f);
    // While the store is open, the writes sit in the WAL: it must be encrypted too.
    assert!(std::fs::metadata(with_suffix(&path, "-wal")).unwrap().len() > 0);
    assert_eq!(leaked(&path), Vec::<String>::new());
    checkpoint(&f.store);
    assert_eq!(leaked(&path), Vec::<String>::new());
    assert!(!is_plain_database(&path).unwrap());
    // And the data are all there through the key.
    let back = f.store.households().get(h.id).unwrap().household;
    assert_eq!(
        (back.head_name.as_str(), back.address.as_str()),
        (NAME, ADDRESS)
    );
    assert_eq!(back.phone.as_deref(), Some(PHONE));
    drop(f);
    assert_eq!(leaked(&path), Vec::<String>::new());
}

#[test]
fn no_key_or_a_wrong_key_is_a_clear_error_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    let f = common::fixture_with(open_keyed(&path, &KEY));
    let h = write_secrets(&f);
    checkpoint(&f.store);
    drop(f);
    let before = std::fs::read(&path).unwrap();

    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code, "store_key_required");
    assert!(e.ko.contains("암호") && e.en.contains("key"), "{e}");

    let e = Store::open_encrypted(&path, &OTHER_KEY).unwrap_err();
    assert_eq!(e.code, "store_key_wrong");
    assert_eq!(e.kind, ErrorCode::Invalid);
    assert_eq!(e.field.as_deref(), Some("key"));
    assert!(!e.en.contains("not a database"), "{e}");
    assert!(e.ko.contains("키"), "{e}");

    for bad in [&KEY[..31], &[0u8; 33][..], &[][..]] {
        let e = Store::open_encrypted(&path, bad).unwrap_err();
        assert_eq!(e.code, "store_key_invalid");
        assert_eq!(e.field.as_deref(), Some("key"));
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let store = open_keyed(&path, &KEY);
    assert_eq!(
        store.households().get(h.id).unwrap().household.head_name,
        NAME
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn rekey_then_only_the_new_key_opens_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    let (old, new) = (key(3), key(4));
    let f = common::fixture_with(open_keyed(&path, &old));
    let h = write_secrets(&f);
    assert!(f.store.is_encrypted());
    assert_eq!(
        f.store.rekey(&new[..16]).unwrap_err().code,
        "store_key_invalid"
    );
    f.store.rekey(&new).unwrap();
    // Writes after the rekey go on under the new key.
    let h2 = f.household("김다음", "서울특별시 강남구 역삼로 1", 2);
    drop(f);
    assert_eq!(leaked(&path), Vec::<String>::new());

    assert_eq!(
        Store::open_encrypted(&path, &old).unwrap_err().code,
        "store_key_wrong"
    );
    let store = open_keyed(&path, &new);
    assert_eq!(
        store.households().get(h.id).unwrap().household.head_name,
        NAME
    );
    assert_eq!(
        store.households().get(h2.id).unwrap().household.head_name,
        "김다음"
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");

    // A store opened without a key cannot be re-keyed (it would stay plain).
    let plain = Store::open(dir.path().join("plain.db")).unwrap();
    assert!(!plain.is_encrypted());
    assert_eq!(plain.rekey(&new).unwrap_err().code, "store_not_encrypted");
}

#[test]
fn a_plain_file_is_migrated_without_loss_and_nothing_plain_stays_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    plain_file(&path, 400);
    let (dump, outbox, device) = reference_dump(&path);
    assert!(outbox > 0, "the plain file has unsent changes");
    assert!(dump.len() > 400);
    assert!(is_plain_database(&path).unwrap());

    let store = open_keyed(&path, &KEY);
    assert!(!is_plain_database(&path).unwrap());
    assert_eq!(full_dump(&store), dump);
    assert_eq!(store.outbox_len().unwrap(), outbox);
    assert_eq!(store.device_id().unwrap().to_string(), device);
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert!(!migration_temp_path(&path).exists());
    checkpoint(&store);
    drop(store);
    assert_eq!(leaked(&path), Vec::<String>::new());
    assert_eq!(Store::open(&path).unwrap_err().code, "store_key_required");

    // Opening again does not migrate again.
    let store = open_keyed(&path, &KEY);
    assert_eq!(full_dump(&store), dump);
}

#[test]
fn a_half_written_copy_from_an_interrupted_migration_is_discarded_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    plain_file(&path, 200);
    let (dump, outbox, _) = reference_dump(&path);
    // What a migration killed mid-way leaves: the plain file, and the start of a copy with its journal.
    let tmp = migration_temp_path(&path);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&tmp, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(with_suffix(&tmp, "-journal"), b"half a journal").unwrap();

    let store = open_keyed(&path, &KEY);
    assert_eq!(full_dump(&store), dump);
    assert_eq!(store.outbox_len().unwrap(), outbox);
    assert!(!tmp.exists());
    assert!(!with_suffix(&tmp, "-journal").exists());
}

#[test]
fn a_foreign_sqlite_file_is_not_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA application_id = 7; CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let e = Store::open_encrypted(&path, &KEY).unwrap_err();
    assert_eq!(e.code, "not_a_donghaeng_file");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!migration_temp_path(&path).exists());
}

const CHILD_ENV: &str = "DONGHAENG_ENCRYPT_CHILD_DB";

/// Runs only as the child of the test below: migrates the plain file, then says so.
#[test]
fn encrypt_child_migrator() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not the child.
    };
    Store::open_encrypted(&path, &KEY).unwrap();
    println!("migrated");
}

#[test]
fn a_migration_killed_at_any_moment_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    // Kill points spread over the migration: as soon as the copy appears, after growing delays, and
    // (the last, long one) usually after it finished. Which state each round hit is printed.
    for (round, delay_ms) in [0u64, 20, 80, 250, 3000].into_iter().enumerate() {
        let path = dir.path().join(format!("phone-{round}.db"));
        plain_file(&path, 3000);
        let (dump, outbox, _) = reference_dump(&path);
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "encryption::encrypt_child_migrator",
                "--nocapture",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let tmp = migration_temp_path(&path);
        // Wait for the migration to start (or finish), then kill.
        loop {
            if tmp.exists() || !is_plain_database(&path).unwrap_or(true) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().ok();
        child.wait().unwrap();

        // Whatever the moment: either the plain file is still whole, or the encrypted one is.
        eprintln!(
            "round {round}: killed with the file {} and a copy {}",
            if is_plain_database(&path).unwrap() {
                "plain"
            } else {
                "encrypted"
            },
            if tmp.exists() {
                "half-written"
            } else {
                "absent"
            }
        );
        if is_plain_database(&path).unwrap() {
            let (d, o, _) = reference_dump(&path);
            assert_eq!((d == dump, o), (true, outbox), "round {round}");
        }
        let store = open_keyed(&path, &KEY);
        assert_eq!(full_dump(&store), dump, "round {round}");
        assert_eq!(store.outbox_len().unwrap(), outbox);
        assert_eq!(store.integrity_check().unwrap(), "ok");
        drop(store);
        assert!(!tmp.exists());
        assert_eq!(leaked(&path), Vec::<String>::new(), "round {round}");
    }
}

const REKEY_CHILD_ENV: &str = "DONGHAENG_REKEY_CHILD_DB";

/// Runs only as the child of the test below: opens with the first key, says so, re-keys.
#[test]
fn rekey_child() {
    let Ok(path) = std::env::var(REKEY_CHILD_ENV) else {
        return; // Not the child.
    };
    let store = Store::open_encrypted(&path, &key(1)).unwrap();
    println!("ready");
    store.rekey(&key(2)).unwrap();
    println!("rekeyed");
}

#[test]
fn a_rekey_killed_at_any_moment_leaves_one_key_that_opens_everything() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    for (round, delay_ms) in [0u64, 10, 40, 150, 3000].into_iter().enumerate() {
        let path = dir.path().join(format!("phone-{round}.db"));
        plain_file(&path, 3000);
        let (dump, outbox, _) = reference_dump(&path);
        drop(open_keyed(&path, &key(1)));
        let mut child = Command::new(&exe)
            .args(["--exact", "encryption::rekey_child", "--nocapture"])
            .env(REKEY_CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Wait until the child holds the store, then let the rekey run for a while and kill it.
        while let Some(Ok(line)) = lines.next() {
            if line == "ready" {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().ok();
        child.wait().unwrap();

        // Exactly one of the keys opens the file, and it holds everything.
        let old = Store::open_encrypted_with_clock(&path, &key(1), clock());
        let new = Store::open_encrypted_with_clock(&path, &key(2), clock());
        eprintln!(
            "round {round}: after the kill the {} key opens the file",
            if old.is_ok() { "old" } else { "new" }
        );
        let store = match (old, new) {
            (Ok(s), Err(e)) | (Err(e), Ok(s)) => {
                assert_eq!(e.code, "store_key_wrong", "round {round}");
                s
            }
            (a, b) => panic!("round {round}: old {:?}, new {:?}", a.err(), b.err()),
        };
        assert_eq!(full_dump(&store), dump, "round {round}");
        assert_eq!(store.outbox_len().unwrap(), outbox);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}
