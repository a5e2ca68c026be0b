//! The admin command on a database file, end to end: units, a user, an enrolment code the server
//! then accepts over HTTP, and a revocation the server then enforces.

use std::path::Path;

use donghaeng_core::sync::SkewPolicy;
use donghaeng_sync_server::store::sqlite::SqliteStore;
use donghaeng_sync_server::{build_app, AppState, Clock, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::server_process::run_admin;

fn admin(db: &Path, args: &[&str]) -> Result<Value, String> {
    run_admin(db, args).map(|out| serde_json::from_str(&out).unwrap())
}

/// The text a listing printed for people.
fn admin_text(db: &Path, args: &[&str]) -> String {
    run_admin(db, args).unwrap_or_else(|e| panic!("{e}"))
}

fn id(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn admin_commands_make_a_user_whose_phone_enrols_and_can_be_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let city = id(
        &admin(
            &db,
            &["create-unit", "--kind", "city", "--name", "서울특별시"],
        )
        .unwrap(),
        "unit_id",
    );
    // A dong cannot hang directly under a city.
    let err = admin(
        &db,
        &[
            "create-unit",
            "--kind",
            "dong",
            "--name",
            "길음1동",
            "--parent",
            &city,
        ],
    )
    .unwrap_err();
    assert!(err.contains("unit_parent_kind"), "{err}");
    let gu = id(
        &admin(
            &db,
            &[
                "create-unit",
                "--kind",
                "district",
                "--name",
                "성북구",
                "--parent",
                &city,
            ],
        )
        .unwrap(),
        "unit_id",
    );
    let user = admin(
        &db,
        &[
            "create-user",
            "--unit",
            &gu,
            "--name",
            "김간호",
            "--role",
            "visiting_nurse",
        ],
    )
    .unwrap();
    assert_eq!(user["role"], json!("visiting_nurse"));
    let bad_role = admin(
        &db,
        &[
            "create-user",
            "--unit",
            &gu,
            "--name",
            "x",
            "--role",
            "wizard",
        ],
    );
    assert!(bad_role.is_err());
    let code = id(
        &admin(
            &db,
            &["issue-enrolment-code", "--user", &id(&user, "user_id")],
        )
        .unwrap(),
        "code",
    );

    // The server on the same file accepts the code.
    let store = SqliteStore::open(&db, SkewPolicy::default()).unwrap();
    let state = AppState::new(store, ServerConfig::default(), Clock::system());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, build_app(state)).await;
    });
    let client = reqwest::Client::new();
    let cred: Value = client
        .post(format!("{base}/v1/enrol"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = id(&cred, "device_id");
    let token_req = json!({"device_id": device, "device_secret": cred["device_secret"]});
    let r = client
        .post(format!("{base}/v1/token"))
        .json(&token_req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The operator finds the phone in the listing: enrolled, not revoked, and no secret shown.
    let listed = admin(&db, &["list-devices", "--json"]).unwrap();
    let devices = listed["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{listed}");
    assert_eq!(devices[0]["device_id"], json!(device));
    assert_eq!(devices[0]["user_id"], user["user_id"]);
    assert_eq!(devices[0]["revoked_at_ms"], Value::Null);
    assert!(devices[0]["enrolled_at_ms"].as_i64().unwrap() > 0);
    let secret = cred["device_secret"].as_str().unwrap();
    assert!(!listed.to_string().contains(secret));

    admin(&db, &["revoke-device", "--device", &device]).unwrap();
    let listed = admin(
        &db,
        &["list-devices", "--user", &id(&user, "user_id"), "--json"],
    )
    .unwrap();
    assert!(
        listed["devices"][0]["revoked_at_ms"].as_i64().is_some(),
        "{listed}"
    );
    let table = admin_text(&db, &["list-devices"]);
    let row = table.lines().find(|l| l.starts_with(&device)).unwrap();
    assert!(
        row.contains("김간호") && row.contains("폐기됨 revoked"),
        "{table}"
    );
    let r = client
        .post(format!("{base}/v1/token"))
        .json(&token_req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], json!("device_revoked"));
}
