//! The board for a responder and the map (docs/dashboard.md): an SOS row carries the alarm's time
//! and the phone's point, the workers' numbers for a tap-to-call link, the household's risk flags
//! and whom the alarm has reached; an overdue row the escalation step; the map lists the area's
//! households with a location and the day's routes, and nothing of another 동.

use chrono::{DateTime, Utc};
use donghaeng_sync_server::scope::publish;
use donghaeng_sync_server::store::{AuthStore, Privilege};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{Backend, TestServer};
use crate::dashboard_fixture::*;

/// Moves the server's clock so that it reads `target`.
fn set_clock(srv: &TestServer, target: DateTime<Utc>) {
    let now = srv.now_ms();
    srv.state.clock.advance_ms(target.timestamp_millis() - now);
}

/// 동 A's household with risk flags and a location, and 동 B's with a location.
async fn located_households(srv: &TestServer, p: &mut PairVisit, dong_b: Uuid) -> Uuid {
    let fields = |dong: Uuid, address: &str, lat: f64, lon: f64, flags: &str| {
        json!({"dong_id": dong.to_string(), "head_name": "최영호", "address": address,
               "lat": lat, "lon": lon, "crisis_level": 5, "tags": "", "risk_flags": flags,
               "phone": null, "archived": 0})
    };
    push_records(
        srv,
        &mut p.phone,
        &[(
            "households",
            p.household.id,
            fields(
                p.org.dong_a,
                &p.household.address,
                37.6035,
                127.0257,
                "dog,aggression_history",
            ),
        )],
    )
    .await;
    // 동 B's household comes from a phone of 동 B (동 A's may not write it).
    let other = user(
        srv,
        p.org.team_b,
        "박서연",
        donghaeng_core::model::Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    let mut phone_b = device_for(srv, other).await;
    let hb = Uuid::now_v7();
    push_records(
        srv,
        &mut phone_b,
        &[(
            "households",
            hb,
            fields(dong_b, "서울 성북구 정릉로 2, 202호", 37.6101, 127.0102, ""),
        )],
    )
    .await;
    hb
}

fn row(board: &Value) -> &Value {
    &board["sessions"][0]
}

async fn an_sos_row_tells_a_responder_when_where_whom_to_call_and_who_knows(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let mut p = pair_visit(&srv, "서울 성북구 길음로 1, 101호").await;
    let dong_b = p.org.dong_b;
    located_households(&srv, &mut p, dong_b).await;
    web_user(&srv, p.org.team_a, "lead.a", Privilege::Supervisor).await;
    // The SOS carries the phone's point (the worker may have stepped out of the flat).
    let (_, start, mut sos) = session_events(&srv, p.phone.id, &p.household, &p.workers);
    sos.location = Some(donghaeng_core::model::GeoPoint::new(37.6040, 127.0260).unwrap());
    push_events(&srv, &mut p.phone, &[start, sos]).await;
    srv.state.safety.tick(srv.now_ms()).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let board = b.get("/dashboard/api/board").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    let r = row(&board.body);
    assert_eq!(r["priority"], 0);
    let alarm = &r["alarms"][0];
    assert_eq!(alarm["kind"], "sos");
    assert_eq!(alarm["raised_by"], "김민지");
    assert_eq!(
        (alarm["lat"].as_f64(), alarm["lon"].as_f64()),
        (Some(37.6040), Some(127.0260))
    );
    assert!(alarm["raised_at"].is_string());
    // The numbers to call, from the session's snapshot of the workers.
    assert_eq!(
        r["people"],
        json!([
            {"worker_id": p.workers[0].id, "name": "김민지", "phone": "010-1111-1111"},
            {"worker_id": p.workers[1].id, "name": "이수정", "phone": "010-1111-1111"},
        ])
    );
    // The household's risk flags with their labels, and its point for the map.
    let flags: Vec<(&str, &str)> = r["risk_flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["ko"].as_str().unwrap()))
        .collect();
    assert_eq!(
        flags,
        vec![
            ("dog", "개(동물) 있음"),
            ("aggression_history", "폭언·폭력 이력")
        ]
    );
    assert_eq!(
        (r["lat"].as_f64(), r["lon"].as_f64()),
        (Some(37.6035), Some(127.0257))
    );
    // The SOS went at once to the partner (not to the worker who pressed it) and the team lead.
    let e = &r["escalation"];
    assert_eq!(e["alarm"], "sos", "{e}");
    assert_eq!(e["notified"], json!(["이수정", "정팀장"]), "{e}");
}

async fn an_overdue_row_shows_the_escalation_step_and_who_was_alerted(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let mut p = pair_visit(&srv, "서울 성북구 길음로 1, 101호").await;
    web_user(&srv, p.org.team_a, "lead.a", Privilege::Supervisor).await;
    let (_, start, _) = session_events(&srv, p.phone.id, &p.household, &p.workers);
    let due = start.at + chrono::Duration::minutes(60);
    push_events(&srv, &mut p.phone, &[start]).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    assert!(
        row(&b.get("/dashboard/api/board").await.body)["escalation"].is_null(),
        "calm: none"
    );
    // The standard ladder: grace 10 min, then partner, team lead (5 min later), 동장 …
    set_clock(&srv, due + chrono::Duration::seconds(1));
    srv.state.safety.tick(srv.now_ms()).await;
    set_clock(
        &srv,
        due + chrono::Duration::minutes(10) + chrono::Duration::seconds(1),
    );
    srv.state.safety.tick(srv.now_ms()).await;
    let e = row(&b.get("/dashboard/api/board").await.body)["escalation"].clone();
    assert_eq!(
        (e["alarm"].as_str(), e["step"].as_u64(), e["steps"].as_u64()),
        (Some("overdue"), Some(1), Some(4)),
        "{e}"
    );
    assert_eq!(e["target"], "partner");
    assert_eq!(e["notified"], json!(["김민지", "이수정"]));
    set_clock(
        &srv,
        due + chrono::Duration::minutes(15) + chrono::Duration::seconds(1),
    );
    srv.state.safety.tick(srv.now_ms()).await;
    let board = b.get("/dashboard/api/board").await;
    let e = &row(&board.body)["escalation"];
    assert_eq!(
        (
            e["step"].as_u64(),
            e["target"].as_str(),
            e["target_ko"].as_str()
        ),
        (Some(2), Some("team_lead"), Some("팀장")),
        "{e}"
    );
    assert_eq!(e["notified"], json!(["김민지", "이수정", "정팀장"]));
    // Names only: the ladder's contact numbers are not on the board.
    assert!(
        !board.body.to_string().contains("010-9000"),
        "{}",
        board.body
    );
}

async fn the_map_shows_the_areas_located_households_and_routes_only(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let mut p = pair_visit(&srv, "서울 성북구 길음로 1, 101호").await;
    let dong_b = p.org.dong_b;
    let hb = located_households(&srv, &mut p, dong_b).await;
    // A visit of the pair today: their route has one stop.
    let now = srv.now_ms();
    let visit = Uuid::now_v7();
    push_records(
        &srv,
        &mut p.phone,
        &[
            (
                "visits",
                visit,
                json!({"household_id": p.household.id.to_string(), "purpose": "universal_visit",
                       "contact_mode": "home", "window_start": now, "window_end": now + 3_600_000,
                       "required_roles": "", "status": "planned", "started_at": null,
                       "completed_at": null, "outcome": null, "note": null}),
            ),
            (
                "visit_workers",
                visit,
                json!({p.workers[0].id.to_string(): true, p.workers[1].id.to_string(): true}),
            ),
        ],
    )
    .await;
    web_user(&srv, p.org.team_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let map = b.get("/dashboard/api/map").await;
    assert_eq!(map.status, StatusCode::OK, "{}", map.body);
    assert_eq!(map.body["tiles"], Value::Null, "no tile source by default");
    let ids: Vec<&str> = map.body["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![p.household.id.to_string()]);
    assert!(
        !map.body.to_string().contains(&hb.to_string()),
        "nothing of 동 B"
    );
    assert_eq!(
        map.body["households"][0]["risk_flags"],
        json!(["dog", "aggression_history"])
    );
    let route = &map.body["routes"][0];
    assert_eq!(route["workers"], json!(["김민지", "이수정"]));
    assert_eq!(route["stops"][0]["visit_id"], visit.to_string());
    assert_eq!(route["stops"][0]["lat"].as_f64(), Some(37.6035));
    // Another 동's map is answered like a unit that does not exist.
    let forged = b
        .get(&format!("/dashboard/api/map?unit={}", p.org.dong_b))
        .await;
    assert_eq!(
        (forged.status, forged.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unit_not_found"))
    );
    assert!(forged.body.get("households").is_none());
    // No session, no map.
    let anon = srv
        .client
        .get(format!("{}/dashboard/api/map", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
}

async fn a_workers_phone_is_checked_and_published_with_the_user(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    let u = srv
        .store
        .create_user(
            o.team_a,
            "김민지".into(),
            donghaeng_core::model::Role::WelfarePlanner,
        )
        .await
        .unwrap();
    let bad = publish::user_with_phone(&srv.store, &u, Some("010-CALL-ME"), srv.now_ms())
        .await
        .unwrap_err();
    assert_eq!(bad.code, "invalid_phone");
    publish::user_with_phone(&srv.store, &u, Some("010-2345-6789"), srv.now_ms())
        .await
        .unwrap();
    // The synced worker record carries the number (what a session's snapshot of its workers takes
    // on the phone, and the board's fallback).
    let mut p = srv.state.dashboard.projection.lock().await;
    p.catch_up(srv.state.changes.as_ref(), srv.now_ms())
        .await
        .unwrap();
    let phone = p.store().unwrap().workers().get(u.id).unwrap().phone;
    assert_eq!(phone.as_deref(), Some("010-2345-6789"));
}

crate::on_both_stores!(
    an_sos_row_tells_a_responder_when_where_whom_to_call_and_who_knows,
    an_overdue_row_shows_the_escalation_step_and_who_was_alerted,
    the_map_shows_the_areas_located_households_and_routes_only,
    a_workers_phone_is_checked_and_published_with_the_user,
);
