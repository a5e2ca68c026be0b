//! An enrolment whose answer was lost can be retried by the phone that spent the code — same code,
//! same device id and the same retry key as its first attempt — within the retry window, on both
//! stores: it gets a fresh secret and the old one stops working. Anyone else holding the code and
//! the device id, without the key or with another, is refused and the real phone's credential keeps
//! working; so is the same phone too late, and a revoked one.

use std::sync::Arc;

use donghaeng_core::model::Role;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient};
use donghaeng_core::sync::enrolment::new_retry_key;
use donghaeng_sync_server::store::{AuthStore, ENROL_RETRY_WINDOW_MS};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{v7, Backend, TestServer};
use crate::on_both_stores;

const TTL_MS: i64 = 900_000;

async fn a_lost_answer_is_retried_with_the_retry_key_and_the_old_secret_stops_working(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let store = &srv.store;
    let now = srv.now_ms();
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let phone = v7();
    let key = new_retry_key().unwrap();
    let first = store
        .enrol(code.clone(), Some(phone), Some(key.clone()), now)
        .await
        .unwrap();
    assert_eq!(first.device_id, phone);

    // The answer was lost: the phone asks again a minute later, with its key, and gets a fresh
    // secret; the first one stops working.
    let again = store
        .enrol(code.clone(), Some(phone), Some(key.clone()), now + 60_000)
        .await
        .unwrap();
    assert_eq!(
        (again.device_id, again.user_id, again.role),
        (phone, user, Role::VisitingNurse)
    );
    assert_ne!(again.device_secret, first.device_secret);
    let refused = store
        .issue_token(phone, first.device_secret.clone(), now + 61_000, TTL_MS)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "device_credential_invalid");
    store
        .issue_token(phone, again.device_secret.clone(), now + 61_000, TTL_MS)
        .await
        .unwrap();

    // Another phone with the spent code, or no device id at all: the code is spent.
    for other in [Some(v7()), None] {
        let e = store
            .enrol(code.clone(), other, Some(key.clone()), now + 120_000)
            .await
            .unwrap_err();
        assert_eq!(e.code, "enrolment_code_invalid");
    }
    // The same phone with its key after the window: refused too, and its secret still works.
    let late = now + ENROL_RETRY_WINDOW_MS + 1;
    let e = store
        .enrol(code.clone(), Some(phone), Some(key), late)
        .await
        .unwrap_err();
    assert_eq!(e.code, "enrolment_code_invalid");
    store
        .issue_token(phone, again.device_secret, late, TTL_MS)
        .await
        .unwrap();
}

/// What an outside tester did: hold the code and the phone's id (both seen on the wire or on the
/// admin's screen) and enrol again within the window to take over the credential.
async fn a_retry_without_the_key_or_with_another_is_refused_and_the_real_phone_keeps_its_secret(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let phone = v7();
    let key = new_retry_key().unwrap();
    let real = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_id": phone, "retry_key": key}),
        )
        .await;
    assert_eq!(real.status, StatusCode::OK, "{}", real.body);
    let secret = real.body["device_secret"].as_str().unwrap().to_owned();

    let other_key = new_retry_key().unwrap();
    for attempt in [
        json!({"code": code, "device_id": phone}),
        json!({"code": code, "device_id": phone, "retry_key": other_key}),
        json!({"code": code.to_lowercase(), "device_id": phone, "retry_key": other_key}),
    ] {
        let a = srv.post("/v1/enrol", None, &attempt).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{attempt}: {}", a.body);
        assert_eq!(a.code(), "enrolment_code_used", "{}", a.body);
        assert_eq!(a.body["field"], "retry_key");
        assert!(a.body["ko"].as_str().unwrap().contains("재시도 열쇠"));
        assert!(a.body["en"].as_str().unwrap().contains("retry_key"));
        assert!(a.body.get("device_secret").is_none());
    }
    // A key of the wrong shape is refused as such, before anything is looked up.
    let a = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_id": phone, "retry_key": "short"}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "retry_key_invalid")
    );
    // The real phone's credential is untouched, and its own retry still works.
    srv.token(phone, &secret).await;
    let retry = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_id": phone, "retry_key": key}),
        )
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.body["device_id"], json!(phone));
}

async fn an_older_client_without_a_retry_key_enrols_but_cannot_retry(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let phone = v7();
    let first = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_id": phone}),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // Nobody can retry it, with or without a key: no proof was ever stored.
    for attempt in [
        json!({"code": code, "device_id": phone}),
        json!({"code": code, "device_id": phone, "retry_key": new_retry_key().unwrap()}),
    ] {
        let a = srv.post("/v1/enrol", None, &attempt).await;
        assert_eq!(a.code(), "enrolment_code_used", "{}", a.body);
    }
    srv.token(phone, first.body["device_secret"].as_str().unwrap())
        .await;
}

async fn a_revoked_phone_gets_no_fresh_secret_by_retrying(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let store = &srv.store;
    let now = srv.now_ms();
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let phone = v7();
    let key = new_retry_key().unwrap();
    store
        .enrol(code.clone(), Some(phone), Some(key.clone()), now)
        .await
        .unwrap();
    store.revoke_device(phone, now + 1_000).await.unwrap();
    let e = store
        .enrol(code, Some(phone), Some(key), now + 2_000)
        .await
        .unwrap_err();
    assert_eq!(e.code, "device_revoked");
}

/// The device client keeps its retry key in the phone's store: an enrolment whose answer was lost
/// is retried after the app restarted (the store reopened), and the key is forgotten once a token
/// request proves the credential arrived.
async fn the_device_client_retries_a_lost_enrolment_with_the_key_it_kept_across_a_restart(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let base = srv.base.clone();
    let path = dir.path().join("phone.db");
    let (lost, kept, after) = tokio::task::spawn_blocking(move || {
        let client = SyncClient::new(Routes::new(base, None)).unwrap();
        let lost = {
            let phone = Store::open(&path).unwrap();
            client.enrol(&phone, &code).unwrap()
        };
        // The app was killed before it saved `lost`; it starts again and enrols again.
        let phone = Store::open(&path).unwrap();
        let kept = client.enrol(&phone, &code).unwrap();
        client.request_token(&phone, &kept).unwrap();
        // The key is forgotten: a further attempt makes a new one, which proves nothing.
        let after = client.enrol(&phone, &code).unwrap_err();
        (lost, kept, after)
    })
    .await
    .unwrap();
    assert_eq!(lost.device_id, kept.device_id);
    assert_ne!(lost.device_secret, kept.device_secret);
    let refused = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": lost.device_id, "device_secret": lost.device_secret}),
        )
        .await;
    assert_eq!(refused.code(), "device_credential_invalid");
    assert!(
        after.ko.contains("재시도") || after.en.contains("retry"),
        "{after}"
    );
    srv.token(kept.device_id, &kept.device_secret).await;
}

on_both_stores!(
    a_lost_answer_is_retried_with_the_retry_key_and_the_old_secret_stops_working,
    a_retry_without_the_key_or_with_another_is_refused_and_the_real_phone_keeps_its_secret,
    an_older_client_without_a_retry_key_enrols_but_cannot_retry,
    a_revoked_phone_gets_no_fresh_secret_by_retrying,
    the_device_client_retries_a_lost_enrolment_with_the_key_it_kept_across_a_restart,
);
