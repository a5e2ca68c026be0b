//! `admin list-units`, `list-users` and `list-devices` on the real binary: a table for people and
//! one newline-terminated JSON document for scripts, on the SQLite file and on PostgreSQL; never a
//! credential.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::pg_harness::PgTestDb;

const BIN: &str = env!("CARGO_BIN_EXE_donghaeng-sync-server");

/// Runs `admin <args>` on a store given by its flags (`--db FILE` or `--postgres URL`).
fn run(store: &[&str], args: &[&str]) -> Output {
    Command::new(BIN)
        .args(store)
        .arg("admin")
        .args(args)
        .env_remove("DONGHAENG_DATABASE_URL")
        .output()
        .unwrap()
}

/// The stdout of a command that must succeed.
fn ok(store: &[&str], args: &[&str]) -> String {
    let out = run(store, args);
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The one JSON document a command printed, checking it is newline-terminated.
fn json_of(store: &[&str], args: &[&str]) -> Value {
    let text = ok(store, args);
    assert!(text.ends_with('\n'), "not newline-terminated: {text:?}");
    assert_eq!(text.matches('\n').count(), 1, "one line: {text:?}");
    serde_json::from_str(&text).unwrap()
}

fn id(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_owned()
}

/// A city and a district under it; returns their ids.
fn two_units(store: &[&str]) -> (String, String) {
    let city = id(
        &json_of(
            store,
            &["create-unit", "--kind", "city", "--name", "서울특별시"],
        ),
        "unit_id",
    );
    let gu = id(
        &json_of(
            store,
            &[
                "create-unit",
                "--kind",
                "district",
                "--name",
                "성북구",
                "--parent",
                &city,
            ],
        ),
        "unit_id",
    );
    (city, gu)
}

fn file_store(db: &Path) -> Vec<String> {
    vec!["--db".to_owned(), db.display().to_string()]
}

#[test]
fn list_units_after_create_unit_shows_it_as_a_table_and_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir.path().join("server.db"));
    let store: Vec<&str> = store.iter().map(String::as_str).collect();
    // Nothing yet: a sentence, not an empty table.
    assert_eq!(
        ok(&store, &["list-units"]),
        "조직이 없습니다 (admin create-unit으로 만드세요) / no units yet (make one with admin create-unit)\n"
    );
    assert_eq!(
        json_of(&store, &["list-units", "--json"]),
        json!({"units": []})
    );

    let (city, gu) = two_units(&store);
    assert_eq!(
        json_of(&store, &["list-units", "--json"]),
        json!({"units": [
            {"unit_id": city, "kind": "city", "name": "서울특별시", "parent_id": null},
            {"unit_id": gu, "kind": "district", "name": "성북구", "parent_id": city},
        ]})
    );
    // The table: a header, a rule, one row per unit, columns padded by display width (a Korean
    // syllable is two columns wide).
    let table = ok(&store, &["list-units"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert_eq!(
        lines[0],
        format!(
            "조직 ID / unit id{}  종류 kind      이름 name   상위 조직 parent",
            " ".repeat(36 - 17)
        )
    );
    assert_eq!(lines[2], format!("{city}  시 (city)      서울특별시  —"));
    assert_eq!(
        lines[3],
        format!("{gu}  구 (district)  성북구      서울특별시")
    );
}

#[test]
fn list_users_shows_logins_but_never_a_password_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir.path().join("server.db"));
    let store: Vec<&str> = store.iter().map(String::as_str).collect();
    let (city, gu) = two_units(&store);
    let nurse = id(
        &json_of(
            &store,
            &[
                "create-user",
                "--unit",
                &gu,
                "--name",
                "김간호",
                "--role",
                "visiting_nurse",
            ],
        ),
        "user_id",
    );
    let lead = id(
        &json_of(
            &store,
            &[
                "create-user",
                "--unit",
                &city,
                "--name",
                "박팀장",
                "--role",
                "welfare_planner",
            ],
        ),
        "user_id",
    );
    ok(
        &store,
        &[
            "set-privilege",
            "--user",
            &lead,
            "--privilege",
            "supervisor",
        ],
    );
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "correct horse battery staple\n").unwrap();
    ok(
        &store,
        &[
            "set-login",
            "--user",
            &lead,
            "--login",
            "Park.Lead",
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );

    assert_eq!(
        json_of(&store, &["list-users", "--json"]),
        json!({"users": [
            {"user_id": nurse, "name": "김간호", "login": null, "role": "visiting_nurse",
             "privilege": "field", "unit_id": gu},
            {"user_id": lead, "name": "박팀장", "login": "park.lead", "role": "welfare_planner",
             "privilege": "supervisor", "unit_id": city},
        ]})
    );
    assert_eq!(
        json_of(&store, &["list-users", "--unit", &gu, "--json"])["users"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let table = ok(&store, &["list-users"]);
    let lead_row = table.lines().find(|l| l.starts_with(&lead)).unwrap();
    for cell in [
        "박팀장",
        "park.lead",
        "복지플래너 (welfare_planner)",
        "supervisor",
        "서울특별시",
    ] {
        assert!(lead_row.contains(cell), "{cell} missing: {lead_row}");
    }
    for text in [&table, &ok(&store, &["list-users", "--json"])] {
        assert!(!text.contains("argon2"), "a password hash leaked: {text}");
        assert!(
            !text.contains("correct horse"),
            "the password leaked: {text}"
        );
    }
}

#[test]
fn list_devices_says_so_when_none_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir.path().join("server.db"));
    let store: Vec<&str> = store.iter().map(String::as_str).collect();
    assert_eq!(
        json_of(&store, &["list-devices", "--json"]),
        json!({"devices": []})
    );
    assert_eq!(
        ok(&store, &["list-devices"]),
        "등록된 기기가 없습니다 (휴대폰이 등록 코드로 등록하면 나타납니다) / no devices (a phone appears once it enrols with a code)\n"
    );
}

#[tokio::test]
async fn list_units_after_create_unit_on_postgres() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let store = ["--postgres", db.url.as_str()];
    let (city, gu) = two_units(&store);
    assert_eq!(
        json_of(&store, &["list-units", "--json"]),
        json!({"units": [
            {"unit_id": city, "kind": "city", "name": "서울특별시", "parent_id": null},
            {"unit_id": gu, "kind": "district", "name": "성북구", "parent_id": city},
        ]})
    );
    let user = id(
        &json_of(
            &store,
            &[
                "create-user",
                "--unit",
                &gu,
                "--name",
                "김간호",
                "--role",
                "visiting_nurse",
            ],
        ),
        "user_id",
    );
    assert_eq!(
        json_of(&store, &["list-users", "--unit", &gu, "--json"]),
        json!({"users": [{"user_id": user, "name": "김간호", "login": null,
            "role": "visiting_nurse", "privilege": "field", "unit_id": gu}]})
    );
    assert_eq!(
        json_of(&store, &["list-devices", "--json"]),
        json!({"devices": []})
    );
}
