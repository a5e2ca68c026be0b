//! Bad input over HTTP: each case is a 4xx with the protocol's error body (stable code, Korean and
//! English text), nothing of the batch is stored, and the server keeps serving.

use crate::common;

use common::{upsert, v7, Backend, TestServer};
use donghaeng_core::model::Role;
use donghaeng_core::sync::validate::MAX_PUSH_CHANGES;
use donghaeng_core::sync::{ErrorBody, PushResponse};
use donghaeng_sync_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Asserts a refusal: status, code, and a body that is exactly the protocol's `ErrorBody`.
fn assert_refused(a: &common::Answer, status: StatusCode, code: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    let body: ErrorBody = serde_json::from_value(a.body.clone()).expect("an ErrorBody");
    assert_eq!(body.code, code, "{}", a.body);
    assert!(!body.ko.is_empty() && !body.en.is_empty());
    assert!(body.server_time_ms.is_some());
}

#[tokio::test]
async fn each_bad_push_is_refused_whole_and_the_server_keeps_serving() {
    let srv = TestServer::start_with(
        ServerConfig {
            max_body_bytes: 64 * 1024,
            ..common::protocol_config()
        },
        Default::default(),
    )
    .await;
    let mut a = srv.device().await;
    let t = a.token.clone();
    let now = srv.now_ms();
    let good = upsert(&mut a, now, v7(), json!({"head_name": "정상"}));
    let good_json = serde_json::to_value(&good).unwrap();
    let push = |changes: serde_json::Value| json!({"protocol_version": 1, "device_id": a.id, "changes": changes});

    // Malformed JSON.
    let r = srv
        .post_raw("/v1/push", Some(&t), b"{\"protocol_version\": 1,".to_vec())
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "malformed_json");
    let trailing = br#"{"protocol_version":1,"after_seq":0,"limit":5} x"#.to_vec();
    let r = srv.post_raw("/v1/pull", Some(&t), trailing).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "malformed_json");
    // Unknown field at the top and deep inside a change, named by path.
    let mut body = push(json!([good_json.clone()]));
    body["extra"] = json!(1);
    let r = srv.post("/v1/push", Some(&t), &body).await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "unknown_field");
    let mut bad_change = good_json.clone();
    bad_change["op"]["colour"] = json!("red");
    let r = srv
        .post(
            "/v1/push",
            Some(&t),
            &push(json!([good_json.clone(), bad_change])),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "unknown_field");
    assert_eq!(r.body["field"], json!("changes[1].op"));
    // Wrong types.
    let r = srv
        .post(
            "/v1/push",
            Some(&t),
            &json!({"protocol_version": "one", "device_id": a.id, "changes": []}),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "invalid_body");
    assert_eq!(r.body["field"], json!("protocol_version"));
    // A field the entity does not have (the protocol's validation, with the field path).
    let mut typo = good_json.clone();
    typo["id"] = json!(v7());
    typo["op"]["fields"] = json!({"crisis_levle": 5});
    let r = srv
        .post(
            "/v1/push",
            Some(&t),
            &push(json!([good_json.clone(), typo])),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "unknown_field");
    assert_eq!(r.body["field"], json!("changes[1].op.fields.crisis_levle"));
    // Wrong protocol version.
    let mut v9 = push(json!([good_json.clone()]));
    v9["protocol_version"] = json!(9);
    let r = srv.post("/v1/push", Some(&t), &v9).await;
    assert_refused(
        &r,
        StatusCode::UPGRADE_REQUIRED,
        "protocol_version_unsupported",
    );
    // Too many changes in one batch (small changes, under the body limit).
    let many: Vec<_> = (0..=MAX_PUSH_CHANGES)
        .map(|_| {
            let mut c = good_json.clone();
            c["id"] = json!(v7());
            c
        })
        .collect();
    let big_srv = TestServer::start().await;
    let b = big_srv.device().await;
    let mut body = push(json!(many));
    body["device_id"] = json!(b.id);
    let r = big_srv.post("/v1/push", Some(&b.token), &body).await;
    assert_refused(&r, StatusCode::PAYLOAD_TOO_LARGE, "push_too_large");
    // A body over the size limit.
    let huge = vec![b' '; 65 * 1024];
    let r = srv.post_raw("/v1/push", Some(&t), huge).await;
    assert_refused(&r, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    // Another device's changes.
    let mut other = push(json!([good_json.clone()]));
    other["device_id"] = json!(v7());
    let r = srv.post("/v1/push", Some(&t), &other).await;
    assert_refused(&r, StatusCode::FORBIDDEN, "device_mismatch");
    // A bad pull.
    let r = srv
        .post(
            "/v1/pull",
            Some(&t),
            &json!({"protocol_version": 1, "after_seq": 0, "limit": 0}),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "pull_limit_zero");
    let r = srv
        .post(
            "/v1/pull",
            Some(&t),
            &json!({"protocol_version": 1, "after_seq": -1, "limit": 5}),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "invalid_body");
    // A snapshot in an order no version has.
    let r = srv
        .post(
            "/v1/snapshot",
            Some(&t),
            &json!({"protocol_version": 2, "limit": 5, "order": "sideways"}),
        )
        .await;
    assert_refused(&r, StatusCode::BAD_REQUEST, "invalid_body");

    // Nothing of any refused batch was stored, and the server still serves a good push.
    assert_eq!(srv.store_dump().await, "");
    let r = srv.push(&a, std::slice::from_ref(&good)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["accepted"], json!([good.id]));
    assert_eq!(r.body["server_seq"], json!(1));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_the_error_body() {
    let srv = TestServer::start().await;
    let r = srv.post("/v2/push", None, &json!({})).await;
    assert_refused(&r, StatusCode::NOT_FOUND, "route_not_found");
    let resp = srv
        .client
        .get(format!("{}/v1/push", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.code, "method_not_allowed");
}

/// A push with one change its user may not write (configuration comes from the admin only) is
/// refused whole with 403 `out_of_scope` naming that change: nothing of the batch is stored, not
/// even the changes the user may write. The same batch without the named change then lands.
async fn a_push_outside_scope_is_refused_whole_naming_the_changes(backend: Backend) {
    let Some(srv) = TestServer::on_with(backend, common::scoped_config(), Default::default()).await
    else {
        return;
    };
    let (dong, nurse) = srv.make_published_user(Role::VisitingNurse).await;
    let mut dev = srv.device_for(nurse.id).await;
    let now = srv.now_ms();
    let household = upsert(
        &mut dev,
        now,
        v7(),
        json!({"dong_id": dong, "head_name": "이웃"}),
    );
    let mut config = upsert(&mut dev, now, v7(), json!({"kind": "cadence"}));
    config.entity = "config_documents".into();
    let dump_before = srv.dump_without_audit().await;

    let a = srv.push(&dev, &[household.clone(), config.clone()]).await;
    assert_refused(&a, StatusCode::FORBIDDEN, "out_of_scope");
    let body: ErrorBody = serde_json::from_value(a.body.clone()).unwrap();
    let named: Vec<_> = body.refused.iter().map(|r| r.id).collect();
    assert_eq!(named, vec![config.id], "only the forbidden change is named");
    // The reason names the record and field, in Korean and English.
    assert!(body.refused.iter().all(|r| r.code == "server_only"
        && r.ko.starts_with("config_documents.")
        && r.en.starts_with("config_documents.")));

    assert_eq!(
        srv.dump_without_audit().await,
        dump_before,
        "nothing stored"
    );
    // The refusal is in the audit trail, with who and from which device, and no content.
    let refusals: Vec<Value> = srv
        .audit_entries()
        .await
        .into_iter()
        .filter(|e| e["action"] == "refused")
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0]["actor_id"], json!(nurse.id.to_string()));
    assert_eq!(refusals[0]["device_id"], json!(dev.id.to_string()));
    assert_eq!(refusals[0]["detail"], json!("out_of_scope POST /v1/push"));

    let a = srv.push(&dev, std::slice::from_ref(&household)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let resp: PushResponse = serde_json::from_value(a.body).unwrap();
    assert_eq!(resp.accepted, vec![household.id]);
}

/// Text a hostile or careless client might put in any field.
const SQLISH: &[&str] = &[
    "'; DROP TABLE changes; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM devices WHERE ('1'='1",
    "\\x00\u{0}null byte",
    "$1 $$ ; SELECT pg_sleep(10); --",
];

/// SQL-ish strings in every text field of every entity are data: stored verbatim, returned
/// verbatim, and the store (tables, sequence, other records) is intact. In a field that is not text
/// (a code, an id, a day, a number) the same string refuses the whole batch with
/// `value_wrong_type` naming the field. A string past the limit in any field refuses the whole
/// batch with `value_too_large` naming the field. Nothing refused is stored.
async fn sqlish_and_oversized_strings_in_every_field_are_data_or_refused(backend: Backend) {
    use donghaeng_core::sync::field_types::{field_type, FieldType};
    use donghaeng_core::sync::{entity::FieldSet, validate::MAX_STRING_BYTES, ENTITIES};
    let Some(srv) = TestServer::on(backend).await else {
        return;
    };
    let mut dev = srv.device().await;
    let now = srv.now_ms();
    let mut changes = Vec::new();
    let mut typed = Vec::new();
    for spec in ENTITIES {
        let (FieldSet::Named(fields) | FieldSet::Document(fields)) = spec.fields else {
            continue;
        };
        for (i, field) in fields.iter().enumerate() {
            let text = matches!(field_type(spec.name, field), Some(FieldType::Text));
            let mut c = upsert(
                &mut dev,
                now,
                v7(),
                json!({ *field: SQLISH[i % SQLISH.len()] }),
            );
            c.entity = spec.name.into();
            if spec.kind == donghaeng_core::sync::EntityKind::AppendOnly {
                let donghaeng_core::sync::Op::Upsert { fields } = c.op else {
                    unreachable!()
                };
                c.op = donghaeng_core::sync::Op::Append { record: fields };
            }
            if text {
                changes.push(c);
            } else {
                typed.push((format!("{}.{field}", spec.name), c));
            }
        }
    }
    assert!(changes.len() > 20, "{} text fields", changes.len());
    assert!(typed.len() > 80, "{} typed fields", typed.len());
    for chunk in changes.chunks(MAX_PUSH_CHANGES) {
        let a = srv.push(&dev, chunk).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let resp: PushResponse = serde_json::from_value(a.body).unwrap();
        assert_eq!(resp.accepted.len(), chunk.len(), "{:?}", resp.rejected);
    }
    // Returned verbatim, every one, by another phone's pull; the store still answers and counts
    // right.
    let reader = srv.device().await;
    let a = srv.pull(&reader, 0, 5000).await;
    assert_eq!(a.status, StatusCode::OK);
    let pulled = a.body["changes"].as_array().unwrap();
    assert_eq!(pulled.len(), changes.len());
    let mut values = std::collections::HashSet::new();
    for c in pulled {
        let op = &c["change"]["op"];
        let fields = op.get("fields").or_else(|| op.get("record")).unwrap();
        for v in fields.as_object().unwrap().values() {
            values.insert(v.as_str().unwrap().to_owned());
        }
    }
    for s in SQLISH {
        assert!(values.contains(*s), "{s:?} not returned verbatim");
    }
    let dump = srv.store_dump().await;
    assert_eq!(dump.lines().count(), changes.len());

    // The same strings where a code, an id, a day or a number belongs: refused, naming the field.
    for (name, c) in typed {
        let ok = upsert(&mut dev, now, v7(), json!({"head_name": "정상"}));
        let a = srv.push(&dev, &[ok, c]).await;
        assert_refused(&a, StatusCode::BAD_REQUEST, "value_wrong_type");
        let field = a.body["field"].as_str().unwrap_or("");
        let short = name.split('.').nth(1).unwrap();
        assert!(field.ends_with(short), "{name}: {field}");
    }
    assert_eq!(
        srv.store_dump().await,
        dump,
        "nothing of those batches stored"
    );

    // Oversized, in each entity's first field: refused whole, naming the field; nothing stored.
    let seq = srv.pull(&dev, 0, 1).await.body["server_seq"].clone();
    let big = "가".repeat(MAX_STRING_BYTES / 3 + 1);
    for spec in ENTITIES {
        let (FieldSet::Named(fields) | FieldSet::Document(fields)) = spec.fields else {
            continue;
        };
        let mut c = upsert(&mut dev, now, v7(), json!({ fields[0]: big }));
        c.entity = spec.name.into();
        if spec.kind == donghaeng_core::sync::EntityKind::AppendOnly {
            let donghaeng_core::sync::Op::Upsert { fields } = c.op else {
                unreachable!()
            };
            c.op = donghaeng_core::sync::Op::Append { record: fields };
        }
        let ok = upsert(&mut dev, now, v7(), json!({"head_name": "정상"}));
        let a = srv.push(&dev, &[ok, c]).await;
        assert_refused(&a, StatusCode::BAD_REQUEST, "value_too_large");
        let field = a.body["field"].as_str().unwrap_or("");
        assert!(field.ends_with(fields[0]), "{field}");
    }
    assert_eq!(srv.pull(&dev, 0, 1).await.body["server_seq"], seq);
    assert_eq!(
        srv.store_dump().await,
        dump,
        "nothing of the refused batches stored"
    );
}

crate::on_both_stores!(
    a_push_outside_scope_is_refused_whole_naming_the_changes,
    sqlish_and_oversized_strings_in_every_field_are_data_or_refused
);
