//! Enrolment, tokens and revocation over HTTP, each test on SQLite and again on PostgreSQL.

use crate::common;

use common::{upsert, v7, Backend, TestServer};
use donghaeng_core::model::Role;
use donghaeng_sync_server::store::AuthStore;
use reqwest::StatusCode;
use serde_json::json;

async fn an_enrolment_code_works_once_and_yields_a_working_credential(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
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

async fn a_device_enrols_under_its_own_id_once_and_a_taken_id_leaves_the_code_unspent(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let own = v7();
    let code = srv.enrolment_code(user).await;
    let a = srv
        .post("/v1/enrol", None, &json!({"code": code, "device_id": own}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["device_id"], json!(own));
    // The credential works under that id.
    let t = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": own, "device_secret": a.body["device_secret"]}),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);

    // A second phone claiming the same id is refused, and its code still works with another id.
    let code2 = srv.enrolment_code(user).await;
    let taken = srv
        .post("/v1/enrol", None, &json!({"code": code2, "device_id": own}))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert_eq!(taken.code(), "device_id_taken");
    let other = v7();
    let retry = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code2, "device_id": other}),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.body["device_id"], json!(other));

    let code3 = srv.enrolment_code(user).await;
    let nil = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code3, "device_id": uuid::Uuid::nil()}),
        )
        .await;
    assert_eq!(nil.status, StatusCode::BAD_REQUEST, "{}", nil.body);
    assert_eq!(nil.code(), "device_id_invalid");
}

async fn an_expired_enrolment_code_is_refused(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
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

async fn a_wrong_secret_gets_no_token_and_sync_needs_a_valid_token(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
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

async fn an_expired_token_is_refused_and_a_new_one_works(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
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

async fn a_revoked_device_is_refused_and_told_to_wipe_while_others_keep_syncing(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
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

crate::on_both_stores!(
    an_enrolment_code_works_once_and_yields_a_working_credential,
    a_device_enrols_under_its_own_id_once_and_a_taken_id_leaves_the_code_unspent,
    an_expired_enrolment_code_is_refused,
    a_wrong_secret_gets_no_token_and_sync_needs_a_valid_token,
    an_expired_token_is_refused_and_a_new_one_works,
    a_revoked_device_is_refused_and_told_to_wipe_while_others_keep_syncing,
);
