//! The enrolment, token and revocation tests of `http_auth`, on a server node over PostgreSQL.

use crate::common;
use crate::pg_server;

use common::{upsert, v7};
use donghaeng_core::model::Role;
use donghaeng_sync_server::store::AuthStore;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_enrolment_code_works_once_and_yields_a_working_credential() {
    let srv = pg_server!();
    let user = srv.make_user(Role::VolunteerNeighborhoodCare).await;
    let code = srv.enrolment_code(user).await;
    // Typed by a person: lower case with a dash still works.
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    let a = srv.post("/v1/enrol", None, &json!({"code": typed})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["user_id"], json!(user));
    assert_eq!(a.body["role"], json!("volunteer_neighborhood_care"));
    let again = srv.post("/v1/enrol", None, &json!({"code": code})).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.code(), "enrolment_code_invalid");
    let wrong = srv
        .post("/v1/enrol", None, &json!({"code": "0000000000"}))
        .await;
    assert_eq!(wrong.code(), "enrolment_code_invalid");
}

#[tokio::test]
async fn an_expired_enrolment_code_is_refused() {
    let srv = pg_server!();
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv
        .store
        .issue_enrolment_code(user, srv.now_ms() - 10_000, 5_000)
        .await
        .unwrap()
        .code;
    let a = srv.post("/v1/enrol", None, &json!({"code": code})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "enrolment_code_invalid");
}

#[tokio::test]
async fn a_wrong_secret_gets_no_token_and_sync_needs_a_valid_token() {
    let srv = pg_server!();
    let dev = srv.device().await;
    let a = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": dev.id, "device_secret": "guess"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "device_credential_invalid");
    let a = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": v7(), "device_secret": dev.secret}),
        )
        .await;
    assert_eq!(a.code(), "device_credential_invalid");
    let pull = json!({"protocol_version": 1, "after_seq": 0, "limit": 10});
    let a = srv.post("/v1/pull", None, &pull).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "auth_required");
    let a = srv.post("/v1/pull", Some("not-a-token"), &pull).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "token_invalid");
    let a = srv.post("/v1/pull", Some(&dev.token), &pull).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn an_expired_token_is_refused_and_a_new_one_works() {
    let srv = pg_server!();
    let dev = srv.device().await;
    let ttl = srv.state.config.token_ttl_ms;
    srv.state.clock.advance_ms(ttl + 1);
    let a = srv.pull(&dev, 0, 10).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "token_expired");
    let fresh = srv.token(dev.id, &dev.secret).await;
    let a = srv
        .post(
            "/v1/pull",
            Some(&fresh),
            &json!({"protocol_version": 1, "after_seq": 0, "limit": 10}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_told_to_wipe_while_others_keep_syncing() {
    let srv = pg_server!();
    let mut lost = srv.device().await;
    let mut other = srv.device().await;
    srv.store
        .revoke_device(lost.id, srv.now_ms())
        .await
        .unwrap();
    let now = srv.now_ms();
    let c = upsert(&mut lost, now, v7(), json!({"head_name": "분실폰"}));
    let a = srv.push(&lost, &[c]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "device_revoked");
    assert!(a.body["ko"].as_str().unwrap().contains("삭제"));
    assert!(a.body["en"].as_str().unwrap().contains("wipe"));
    let a = srv.pull(&lost, 0, 10).await;
    assert_eq!(a.code(), "device_revoked");
    // No new token either.
    let a = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": lost.id, "device_secret": lost.secret}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "device_revoked");
    assert_eq!(srv.store_dump().await, "");
    // Everyone else is served.
    let c = upsert(&mut other, now, v7(), json!({"head_name": "정상"}));
    let a = srv.push(&other, &[c]).await;
    assert_eq!(a.status, StatusCode::OK);
}
