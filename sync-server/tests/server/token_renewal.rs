//! The device client renews its own access token with the device credential (core
//! `sync/device/token.rs`): a sync never fails because a token ran out, on the real server. The
//! server's clock is moved past the token's 15 minutes instead of waiting them out.

use std::sync::Arc;

use donghaeng_core::model::Role;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient};
use donghaeng_sync_server::store::AuthStore;

use crate::common::{Backend, TestServer};
use crate::on_both_stores;

/// Sixteen minutes: past the server's default token life (15).
const PAST_A_TOKEN_MS: i64 = 16 * 60 * 1000;

async fn a_client_with_the_credential_fetches_its_token_and_renews_an_expired_one(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let (_, user) = srv.make_published_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user.id).await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let (base, path, clock) = (
        srv.base.clone(),
        dir.path().join("phone.db"),
        srv.state.clock.clone(),
    );
    let (first, second, token_1, token_2, plain_err) = tokio::task::spawn_blocking(move || {
        let phone = Store::open(&path).unwrap();
        let client = SyncClient::new(Routes::new(base.clone(), None)).unwrap();
        let credential = client.enrol(&phone, &code).unwrap();
        client.use_credential(credential);
        // No token yet: the client fetches one before its first request.
        let first = client.sync(&phone, &mut ()).unwrap();
        let token_1 = client.bearer_token().unwrap();
        // A client handed that token without the credential, as the shells did before.
        let plain = SyncClient::new(Routes::new(base, Some(token_1.clone()))).unwrap();
        // The server's clock runs past the token's end; the phone's monotonic clock has not moved,
        // so the client learns it only from the server's refusal, renews and repeats the request.
        clock.advance_ms(PAST_A_TOKEN_MS);
        let plain_err = plain.sync(&phone, &mut ()).unwrap_err();
        let second = client.sync(&phone, &mut ()).unwrap();
        let token_2 = client.bearer_token().unwrap();
        (first, second, token_1, token_2, plain_err)
    })
    .await
    .unwrap();
    assert!(
        first.pulled >= 2,
        "the published org tree arrives: {first:?}"
    );
    assert_eq!(
        second.cursor, first.cursor,
        "nothing new, nothing lost: {second:?}"
    );
    assert_ne!(token_1, token_2, "a new token was issued");
    assert_eq!(plain_err.code, "unauthorised", "{plain_err}");
    assert!(plain_err.en.contains("token_expired"), "{plain_err}");
}

/// A revoked phone gets `device_revoked` (wipe) from the renewal, once, not a loop of retries.
async fn a_revoked_phone_is_told_to_wipe_when_its_client_renews(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let (_, user) = srv.make_published_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user.id).await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let (base, path) = (srv.base.clone(), dir.path().join("phone.db"));
    let (phone, client, device_id) = tokio::task::spawn_blocking(move || {
        let phone = Store::open(&path).unwrap();
        let client = SyncClient::new(Routes::new(base, None)).unwrap();
        let credential = client.enrol(&phone, &code).unwrap();
        let device_id = credential.device_id;
        client.use_credential(credential);
        client.sync(&phone, &mut ()).unwrap();
        (phone, client, device_id)
    })
    .await
    .unwrap();
    srv.store
        .revoke_device(device_id, srv.now_ms())
        .await
        .unwrap();
    srv.state.clock.advance_ms(PAST_A_TOKEN_MS);
    let err = tokio::task::spawn_blocking(move || client.sync(&phone, &mut ()).unwrap_err())
        .await
        .unwrap();
    assert_eq!(err.code, "device_revoked", "{err}");
}

on_both_stores!(
    a_client_with_the_credential_fetches_its_token_and_renews_an_expired_one,
    a_revoked_phone_is_told_to_wipe_when_its_client_renews,
);
