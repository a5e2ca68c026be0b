//! `/openapi.json` documents every route; `/metrics` is valid Prometheus text that counts requests;
//! `/healthz` answers.

use crate::common;

use std::collections::BTreeSet;

use common::{upsert, v7, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn openapi_documents_exactly_the_routes_of_the_router() {
    let srv = TestServer::start().await;
    let (status, text) = srv.get_text("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], json!("3.1.0"));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = donghaeng_sync_server::routes::table()
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, routed);
    // Every route of the table is really served (not 404) with the method it names.
    for (method, path) in &routed {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = srv
            .client
            .request(m, format!("{}{path}", srv.base))
            .send()
            .await
            .unwrap();
        assert_ne!(resp.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_ne!(
            resp.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    // The entities a change may name are exactly the sync registry's.
    let documented: BTreeSet<&str> = doc["components"]["schemas"]["Change"]["properties"]["entity"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let registered: BTreeSet<&str> = donghaeng_core::sync::entity::ENTITIES
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(documented, registered);
    // Every schema reference resolves.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(doc["components"]["schemas"].get(name).is_some(), "{r}");
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap().to_owned());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn metrics_are_prometheus_text_and_count_requests_and_changes() {
    let srv = TestServer::start().await;
    let mut dev = srv.device().await;
    let now = srv.now_ms();
    let c = upsert(&mut dev, now, v7(), json!({"head_name": "가"}));
    srv.push(&dev, std::slice::from_ref(&c)).await;
    srv.push(&dev, &[c]).await;
    srv.post_raw("/v1/push", Some(&dev.token), b"{".to_vec())
        .await;
    let (status, health) = srv.get_text("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap()["last_seq"],
        json!(1)
    );

    let (status, text) = srv.get_text("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        let (name_labels, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let name = name_labels.split('{').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        if let Some(labels) = name_labels.strip_prefix(name) {
            if !labels.is_empty() {
                assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            }
        }
        samples.push((name_labels.to_owned(), value));
    }
    let get = |k: &str| {
        samples
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("missing {k}"))
    };
    assert_eq!(get("donghaeng_changes_stored_total"), 1.0);
    assert_eq!(get("donghaeng_changes_duplicate_total"), 1.0);
    assert_eq!(get("donghaeng_pushes_refused_total"), 1.0);
    assert_eq!(
        get(r#"donghaeng_http_requests_total{route="/v1/push",status="200"}"#),
        2.0
    );
    assert_eq!(
        get(r#"donghaeng_http_requests_total{route="/v1/push",status="400"}"#),
        1.0
    );
    // The histogram counts every request answered before this one, cumulatively.
    let total: f64 = samples
        .iter()
        .filter(|(n, _)| n.starts_with("donghaeng_http_requests_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(get("donghaeng_http_request_duration_seconds_count"), total);
    assert_eq!(
        get(r#"donghaeng_http_request_duration_seconds_bucket{le="+Inf"}"#),
        total
    );
}
