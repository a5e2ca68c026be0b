//! Enrolment, tokens and revocation over HTTP, each test on SQLite and again on PostgreSQL.

use crate::common;

use common::{protocol_config, upsert, v7, Backend, TestServer};
use donghaeng_core::model::{OrgUnitKind, Role};
use donghaeng_core::sync::SkewPolicy;
use donghaeng_sync_server::store::AuthStore;
use donghaeng_sync_server::throttle::{RateLimit, RateLimits};
use donghaeng_sync_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

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

/// Ids an outside tester tried: the ids the server writes its own changes under (the admin node, a
/// v4-shaped constant; the safety and audit nodes and a dashboard user, derived v8 ids), the ids of
/// users and org units, and ids of no random shape. All are refused and the code stays unspent.
async fn a_device_cannot_enrol_under_a_server_user_or_unit_id_and_the_code_stays_unspent(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let city = srv
        .store
        .create_unit(OrgUnitKind::City, "부산광역시".into(), None)
        .await
        .unwrap();
    let code = srv.enrolment_code(user).await;
    use donghaeng_sync_server::{dashboard::access::web_device_id, safety::node_device_id};
    let reserved: [(Uuid, &str); 3] = [
        (
            donghaeng_sync_server::scope::publish::ADMIN_NODE,
            "device_id_reserved",
        ),
        (user, "device_id_reserved"),
        (city, "device_id_reserved"),
    ];
    let malformed: [(Uuid, &str); 6] = [
        (node_device_id("server"), "device_id_invalid"),
        (node_device_id("server/audit"), "device_id_invalid"),
        (web_device_id(user), "device_id_invalid"),
        (Uuid::nil(), "device_id_invalid"),
        (Uuid::max(), "device_id_invalid"),
        // Version 1 (time and MAC), not random.
        (
            Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap(),
            "device_id_invalid",
        ),
    ];
    for (id, want) in reserved.into_iter().chain(malformed) {
        let a = srv
            .post("/v1/enrol", None, &json!({"code": code, "device_id": id}))
            .await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, want),
            "{id}: {}",
            a.body
        );
        assert_eq!(a.body["field"], "device_id", "{}", a.body);
        assert!(a.body["ko"].as_str().unwrap().contains("device_id"));
        assert!(a.body["en"].as_str().unwrap().contains("device_id"));
    }
    // Through the store too, as the admin command or another route would call it.
    let e = srv
        .store
        .enrol(
            code.clone(),
            Some(donghaeng_sync_server::scope::publish::ADMIN_NODE),
            None,
            srv.now_ms(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "device_id_reserved");
    // The code was not spent: a random id of the phone's own still enrols.
    let own = v7();
    let a = srv
        .post("/v1/enrol", None, &json!({"code": code, "device_id": own}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["device_id"], json!(own));
}

fn limited_config(limits: RateLimits) -> ServerConfig {
    ServerConfig {
        rate_limits: limits,
        ..protocol_config()
    }
}

async fn enrolment_past_its_rate_limits_gets_429_with_retry_after(backend: Backend) {
    let limits = RateLimits {
        enrol_per_address: RateLimit::new(4, 10_000),
        enrol_per_code: RateLimit::new(2, 60_000),
        ..RateLimits::default()
    };
    let Some(srv) =
        TestServer::on_with(backend, limited_config(limits), SkewPolicy::default()).await
    else {
        return;
    };
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    // Per code: two wrong-device guesses at a real code, then the code itself is limited, even for
    // the right request.
    for _ in 0..2 {
        let a = srv
            .post("/v1/enrol", None, &json!({"code": "0000000000"}))
            .await;
        assert_eq!(a.code(), "enrolment_code_invalid");
    }
    let a = srv
        .post("/v1/enrol", None, &json!({"code": "0000000000"}))
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert_eq!(a.code(), "rate_limited");
    assert_eq!(a.body["field"], "code");
    assert_eq!(a.retry_after.as_deref(), Some("60"));
    assert!(a.body["server_time_ms"].is_i64());
    assert!(
        a.body["ko"].as_str().unwrap().contains("60초"),
        "{}",
        a.body
    );
    assert!(
        a.body["en"].as_str().unwrap().contains("60 s"),
        "{}",
        a.body
    );
    // Per address: the fourth request of this client is the last of its burst.
    let ok = srv.post("/v1/enrol", None, &json!({"code": code})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let a = srv
        .post("/v1/enrol", None, &json!({"code": "1111111111"}))
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert_eq!(a.body.get("field"), None, "the address: {}", a.body);
    let wait: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    // Time (the server clock) refills the bucket.
    srv.state.clock.advance_ms(10_000);
    let a = srv
        .post("/v1/enrol", None, &json!({"code": "1111111111"}))
        .await;
    assert_eq!(a.code(), "enrolment_code_invalid", "{}", a.body);
}

async fn token_requests_past_their_rate_limits_get_429_with_retry_after(backend: Backend) {
    let limits = RateLimits {
        token_per_address: RateLimit::new(7, 60_000),
        token_per_device: RateLimit::new(3, 30_000),
        ..RateLimits::default()
    };
    let Some(srv) =
        TestServer::on_with(backend, limited_config(limits), SkewPolicy::default()).await
    else {
        return;
    };
    let dev = srv.device().await; // one token request
    let guess = json!({"device_id": dev.id, "device_secret": "guess"});
    for _ in 0..3 {
        let a = srv.post("/v1/token", None, &guess).await;
        assert_eq!(a.code(), "device_credential_invalid");
    }
    let a = srv.post("/v1/token", None, &guess).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{}",
        a.body
    );
    assert_eq!(a.body["field"], "device_id");
    assert_eq!(a.retry_after.as_deref(), Some("30"));
    // Wrong secrets do not lock the phone that holds the right one out (its SOS must get through).
    srv.token(dev.id, &dev.secret).await;
    // Per address: the eighth request of this client is refused, whatever it carries.
    srv.token(dev.id, &dev.secret).await;
    let a = srv
        .post(
            "/v1/token",
            None,
            &json!({"device_id": dev.id, "device_secret": dev.secret}),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert_eq!(a.body.get("field"), None, "the address: {}", a.body);
    let wait: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    srv.state.clock.advance_ms(60_000);
    let a = srv.post("/v1/token", None, &guess).await;
    assert_eq!(a.code(), "device_credential_invalid", "{}", a.body);
}

/// The defaults never refuse normal use: a team enrolling 20 phones from one office, each taking a
/// token and renewing it every 15 minutes for a working day.
async fn the_default_limits_let_an_office_enrol_20_phones_and_renew_tokens_all_day(
    backend: Backend,
) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut phones = Vec::new();
    for _ in 0..20 {
        phones.push(srv.device().await);
    }
    for _ in 0..(8 * 4) {
        srv.state.clock.advance_ms(15 * 60_000);
        for p in &phones {
            srv.token(p.id, &p.secret).await;
        }
    }
}

/// An id some change in the log was written under belongs to that writer (a server node of an
/// older version, an import, a phone whose enrolment row is gone): a phone enrolled under it would
/// pull that writer's changes as its own, without any scope. Refused, and the code stays unspent.
async fn a_device_cannot_enrol_under_an_id_another_writer_used(backend: Backend) {
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let writer = v7();
    let mut clock = donghaeng_core::sync::HybridClock::new(writer);
    let change = donghaeng_core::sync::Change {
        id: v7(),
        entity: "households".into(),
        record_id: v7(),
        op: donghaeng_core::sync::Op::Upsert {
            fields: serde_json::from_value(json!({"head_name": "다른 작성자"})).unwrap(),
        },
        hlc: clock.send(srv.now_ms()),
        device_id: writer,
    };
    use donghaeng_sync_server::store::ChangeStore;
    let stored = srv
        .store
        .push(
            donghaeng_core::sync::PushRequest {
                protocol_version: donghaeng_core::sync::ProtocolVersion::CURRENT,
                device_id: writer,
                changes: vec![change],
            },
            srv.now_ms(),
        )
        .await
        .unwrap();
    assert_eq!(stored.accepted.len(), 1);
    let user = srv.make_user(Role::VisitingNurse).await;
    let code = srv.enrolment_code(user).await;
    let a = srv
        .post(
            "/v1/enrol",
            None,
            &json!({"code": code, "device_id": writer}),
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "device_id_taken"),
        "{}",
        a.body
    );
    assert_eq!(a.body["field"], "device_id");
    // The code was not spent: the phone's own fresh id enrols.
    let a = srv
        .post("/v1/enrol", None, &json!({"code": code, "device_id": v7()}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

crate::on_both_stores!(
    a_device_cannot_enrol_under_an_id_another_writer_used,
    a_device_cannot_enrol_under_a_server_user_or_unit_id_and_the_code_stays_unspent,
    enrolment_past_its_rate_limits_gets_429_with_retry_after,
    token_requests_past_their_rate_limits_get_429_with_retry_after,
    the_default_limits_let_an_office_enrol_20_phones_and_renew_tokens_all_day,
    an_enrolment_code_works_once_and_yields_a_working_credential,
    a_device_enrols_under_its_own_id_once_and_a_taken_id_leaves_the_code_unspent,
    an_expired_enrolment_code_is_refused,
    a_wrong_secret_gets_no_token_and_sync_needs_a_valid_token,
    an_expired_token_is_refused_and_a_new_one_works,
    a_revoked_device_is_refused_and_told_to_wipe_while_others_keep_syncing,
);
