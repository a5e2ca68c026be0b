//! Who sees which alarms, sessions and figures: supervisors of 동 A and 동 B, a district official,
//! an admin and a field worker, through the alarm API (bearer tokens) and the dashboard API (session
//! cookies). Forged requests for another unit's data get 403/404 and no data; malformed query
//! parameters get a 400 naming the parameter.

use donghaeng_core::model::Role;
use donghaeng_sync_server::store::Privilege;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{Backend, TestDevice, TestServer};
use crate::dashboard_fixture::*;
use crate::on_both_stores;

pub struct World {
    pub org: Org,
    pub sos_a: Uuid,
    pub sos_b: Uuid,
    pub alarm_a: String,
    pub alarm_b: String,
    pub household_a: Uuid,
    pub household_b: Uuid,
}

async fn get(srv: &TestServer, path: &str, token: &str) -> (StatusCode, Value) {
    let r = srv
        .client
        .get(format!("{}{path}", srv.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// 동 A and 동 B each have a planner who pushed a household and an SOS session there.
pub async fn world(srv: &TestServer) -> World {
    let o = org(srv).await;
    let planner_a = user(
        srv,
        o.team_a,
        "김민지",
        Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    let planner_b = user(
        srv,
        o.team_b,
        "박서연",
        Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    let mut dev_a = device_for(srv, planner_a).await;
    let mut dev_b = device_for(srv, planner_b).await;
    let h_a = household(Uuid::now_v7(), o.dong_a, "서울 성북구 길음로 1, 101호");
    let h_b = household(Uuid::now_v7(), o.dong_b, "서울 성북구 정릉로 2, 202호");
    push_household(srv, &mut dev_a, &h_a).await;
    push_household(srv, &mut dev_b, &h_b).await;
    let sos_a = session(
        srv,
        &mut dev_a,
        &h_a,
        &[
            worker(planner_a, o.team_a, "김민지"),
            worker(
                user(
                    srv,
                    o.team_a,
                    "이수정",
                    Role::VisitingNurse,
                    Privilege::Field,
                )
                .await,
                o.team_a,
                "이수정",
            ),
        ],
        true,
    )
    .await;
    let sos_b = session(
        srv,
        &mut dev_b,
        &h_b,
        &[
            worker(planner_b, o.team_b, "박서연"),
            worker(
                user(
                    srv,
                    o.team_b,
                    "정하늘",
                    Role::VisitingNurse,
                    Privilege::Field,
                )
                .await,
                o.team_b,
                "정하늘",
            ),
        ],
        true,
    )
    .await;
    let alarms = srv.state.safety.alarms(srv.now_ms(), false);
    let of = |s: Uuid| {
        alarms
            .iter()
            .find(|a| a.session_id == s)
            .map(|a| a.alarm_id.to_string())
            .unwrap()
    };
    World {
        alarm_a: of(sos_a),
        alarm_b: of(sos_b),
        household_a: h_a.id,
        household_b: h_b.id,
        org: o,
        sos_a,
        sos_b,
    }
}

fn sessions_of(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["session_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_alarm_api_answers_by_privilege_and_unit(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let w = world(&srv).await;
    let (a, b) = (w.sos_a.to_string(), w.sos_b.to_string());
    let mk = |unit, p| {
        let srv = &srv;
        async move { device_for(srv, user(srv, unit, "관리", Role::WelfarePlanner, p).await).await }
    };
    let field = mk(w.org.team_a, Privilege::Field).await;
    let lead_a = mk(w.org.team_a, Privilege::Supervisor).await;
    let lead_b = mk(w.org.dong_b, Privilege::Supervisor).await;
    let district = mk(w.org.gu, Privilege::Supervisor).await;
    let admin = mk(w.org.city, Privilege::Admin).await;
    // A field worker: 403 on every alarm route.
    for path in ["/v1/safety/alarms", "/v1/safety/alarms/stream"] {
        let (s, body) = get(&srv, path, &field.token).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_a_supervisor")),
            "{path}"
        );
    }
    let ack = srv
        .post(
            &format!("/v1/safety/alarms/{}/ack", w.alarm_a),
            Some(&field.token),
            &json!({}),
        )
        .await;
    assert_eq!(ack.status, StatusCode::FORBIDDEN);
    // Each 동's team lead sees only their own 동's SOS; the district and the admin see both.
    for (dev, want) in [
        (&lead_a, vec![&a]),
        (&lead_b, vec![&b]),
        (&district, vec![&a, &b]),
        (&admin, vec![&a, &b]),
    ] {
        let (s, body) = get(&srv, "/v1/safety/alarms", &dev.token).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let mut got = sessions_of(&body, "alarms");
        got.sort();
        let mut want: Vec<String> = want.into_iter().cloned().collect();
        want.sort();
        assert_eq!(got, want);
    }
    // 동 B's lead acknowledging 동 A's alarm: 404 like an unknown alarm, and nothing changes.
    let forged = srv
        .post(
            &format!("/v1/safety/alarms/{}/ack", w.alarm_a),
            Some(&lead_b.token),
            &json!({"note": "x"}),
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND, "{}", forged.body);
    assert!(forged.body.get("alarm_id").is_none());
    let resolve = srv
        .post(
            &format!("/v1/safety/alarms/{}/resolve", w.alarm_a),
            Some(&lead_b.token),
            &json!({"note": "x"}),
        )
        .await;
    assert_eq!(resolve.status, StatusCode::NOT_FOUND);
    assert!(srv
        .state
        .safety
        .alarms(srv.now_ms(), false)
        .iter()
        .all(|a| !a.acknowledged));
    // 동 A's lead may.
    let ok = srv
        .post(
            &format!("/v1/safety/alarms/{}/ack", w.alarm_a),
            Some(&lead_a.token),
            &json!({"note": "전화 연결됨"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["acknowledged"], true);
    // Resolving needs a note.
    let empty = srv
        .post(
            &format!("/v1/safety/alarms/{}/resolve", w.alarm_b),
            Some(&lead_b.token),
            &json!({}),
        )
        .await;
    assert_eq!(
        (empty.status, empty.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("note_required"))
    );
    let res = srv
        .post(
            &format!("/v1/safety/alarms/{}/resolve", w.alarm_b),
            Some(&lead_b.token),
            &json!({"note": "귀가 확인"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body["ended_at"].is_string(), "{}", res.body);
}

async fn the_dashboard_shows_each_supervisor_only_their_units(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let w = world(&srv).await;
    web_user(&srv, w.org.team_a, "lead.a", Privilege::Supervisor).await;
    web_user(&srv, w.org.dong_b, "lead.b", Privilege::Supervisor).await;
    web_user(&srv, w.org.city, "admin", Privilege::Admin).await;
    let mut a = Browser::new(&srv);
    a.login("lead.a", PASSWORD).await;
    let board = a.get("/dashboard/api/board").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert_eq!(
        sessions_of(&board.body, "sessions"),
        vec![w.sos_a.to_string()]
    );
    let row = &board.body["sessions"][0];
    assert_eq!(row["priority"], 0, "an SOS is on top");
    assert_eq!(row["alarms"][0]["kind"], "sos");
    assert_eq!(row["address"], "서울 성북구 길음로 1, 101호");
    assert_eq!(row["workers"], json!(["김민지", "이수정"]));
    assert!(
        !board.body.to_string().contains("정릉로"),
        "nothing of 동 B"
    );
    // Forged requests for 동 B: its figures are a 404 with no data, its alarm a 404.
    let f = a
        .get(&format!("/dashboard/api/figures?unit={}", w.org.dong_b))
        .await;
    assert_eq!(
        (f.status, f.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unit_not_found"))
    );
    assert!(f.body.get("figures").is_none());
    let f = a
        .get(&format!("/dashboard/api/figures?unit={}", w.org.gu))
        .await;
    assert_eq!(
        f.status,
        StatusCode::NOT_FOUND,
        "the district above is outside a 동's area too"
    );
    let f = a
        .get(&format!("/dashboard/api/figures?unit={}", Uuid::now_v7()))
        .await;
    assert_eq!(
        f.status,
        StatusCode::NOT_FOUND,
        "an unknown unit: the same answer"
    );
    let ack = a
        .post(&format!("/v1/safety/alarms/{}/ack", w.alarm_b), json!({}))
        .await;
    assert_eq!(ack.status, StatusCode::NOT_FOUND);
    let units = a.get("/dashboard/api/units").await;
    let names: Vec<&str> = units.body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"길음1동") && !names.contains(&"정릉2동"),
        "{names:?}"
    );
    // The figures form's default period ends on the server's Korean date (core's KST rule).
    let today = donghaeng_core::clock::local_date_of_ms(srv.now_ms()).unwrap();
    assert_eq!(units.body["today"], json!(today));
    // 동 B's lead sees B only; the admin sees both.
    let mut b = Browser::new(&srv);
    b.login("lead.b", PASSWORD).await;
    assert_eq!(
        sessions_of(&b.get("/dashboard/api/board").await.body, "sessions"),
        vec![w.sos_b.to_string()]
    );
    let mut adm = Browser::new(&srv);
    adm.login("admin", PASSWORD).await;
    assert_eq!(
        sessions_of(&adm.get("/dashboard/api/board").await.body, "sessions").len(),
        2
    );
    let f = adm
        .get(&format!("/dashboard/api/figures?unit={}", w.org.dong_b))
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
}

async fn figures_count_the_records_of_the_unit_and_period(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let TwoDongs {
        org: o,
        planner,
        nurse,
        other,
        phone_a: mut dev,
        phone_b: mut dev_b,
    } = two_dongs(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    // Two 65-year-old households in 동 A (born 1957: 65 in 2022): one met at home by a pair on
    // 2022-03-10, one never met; one in 동 B met by a pair (must not count for A).
    let (h1, h2, h3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    push_household(&srv, &mut dev, &household(h1, o.dong_a, "A1")).await;
    push_household(&srv, &mut dev, &household(h2, o.dong_a, "A2")).await;
    push_household(&srv, &mut dev_b, &household(h3, o.dong_b, "B1")).await;
    let person = |h: Uuid| json!({"household_id": h.to_string(), "name": "최영호", "birth_date": "1957-05-01", "sex": "male", "relation": "head", "disability": "none"});
    let at = chrono::NaiveDate::from_ymd_opt(2022, 3, 10)
        .unwrap()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let visit = |h: Uuid| {
        json!({"household_id": h.to_string(), "purpose": "universal_visit", "contact_mode": "home",
        "window_start": at, "window_end": at + 3_600_000, "required_roles": "", "status": "completed",
        "started_at": at, "completed_at": at, "outcome": "met", "note": null})
    };
    let (v1, v3) = (Uuid::now_v7(), Uuid::now_v7());
    push_records(&srv, &mut dev, &[
        ("persons", Uuid::now_v7(), person(h1)),
        ("persons", Uuid::now_v7(), person(h2)),
        ("visits", v1, visit(h1)),
        ("visit_workers", v1, json!({planner.to_string(): true, nurse.to_string(): true})),
        ("referrals", Uuid::now_v7(), json!({"household_id": h1.to_string(), "case_id": null, "referred_by": planner.to_string(),
            "target": "care_sos", "agency": "돌봄SOS센터", "referred_on": "2022-03-11", "reason": "돌봄 필요",
            "first_reply_on": null, "service_ended_on": null, "final_reply_on": null, "reply_note": null})),
    ]).await;
    push_records(
        &srv,
        &mut dev_b,
        &[
            ("persons", Uuid::now_v7(), person(h3)),
            ("visits", v3, visit(h3)),
            ("visit_workers", v3, json!({other.to_string(): true})),
        ],
    )
    .await;
    // Services provided: 일시재가 4 hours (2 × 38,390원) to A1; 생계비 to A2, 30만원 corrected to
    // 50만원; 연료비 to A2 voided; 생계비 to B1 (must not count for A).
    let service = |h: Uuid,
                   item: &str,
                   on: &str,
                   q: Option<i64>,
                   won: Option<i64>,
                   corrects: Option<Uuid>,
                   voided: bool| {
        json!({"household_id": h.to_string(), "case_id": null, "item": item, "provided_on": on,
        "quantity": q, "amount_won": won, "recorded_by": planner.to_string(), "note": "메모",
        "corrects": corrects.map(|c| c.to_string()), "voided": i64::from(voided)})
    };
    let (living, fuel) = (Uuid::now_v7(), Uuid::now_v7());
    push_records(
        &srv,
        &mut dev,
        &[
            (
                "service_provisions",
                Uuid::now_v7(),
                service(
                    h1,
                    "temporary_home_care",
                    "2022-03-15",
                    Some(240),
                    Some(76_780),
                    None,
                    false,
                ),
            ),
            (
                "service_provisions",
                living,
                service(h2, "living", "2022-04-01", None, Some(300_000), None, false),
            ),
            (
                "service_provisions",
                Uuid::now_v7(),
                service(
                    h2,
                    "living",
                    "2022-04-01",
                    None,
                    Some(500_000),
                    Some(living),
                    false,
                ),
            ),
            (
                "service_provisions",
                fuel,
                service(h2, "fuel", "2022-04-02", None, Some(106_700), None, false),
            ),
            (
                "service_provisions",
                Uuid::now_v7(),
                service(h2, "fuel", "2022-04-02", None, None, Some(fuel), true),
            ),
        ],
    )
    .await;
    push_records(
        &srv,
        &mut dev_b,
        &[(
            "service_provisions",
            Uuid::now_v7(),
            json!({"household_id": h3.to_string(), "case_id": null, "item": "living", "provided_on": "2022-04-01",
            "quantity": null, "amount_won": 300_000, "recorded_by": other.to_string(), "note": null,
            "corrects": null, "voided": 0}),
        )],
    )
    .await;
    let mut a = Browser::new(&srv);
    a.login("lead.a", PASSWORD).await;
    let f = a
        .get("/dashboard/api/figures?from=2022-01-01&to=2022-06-30")
        .await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let figs = &f.body["figures"];
    assert_eq!(figs["contact_rate"][0]["cohort"], "age65");
    assert_eq!(
        figs["contact_rate"][0]["contacted"],
        json!({"count": 1, "base": 2, "rate": 0.5})
    );
    assert_eq!(figs["contact_rate"][0]["by_mode"]["home"]["count"], 1);
    assert_eq!(
        figs["accompanied_65"],
        json!({"count": 1, "base": 1, "rate": 1.0})
    );
    assert_eq!(figs["service_links"], json!({"care_sos": 1}));
    let row = |list: &str, item: &str| {
        figs[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["item"] == item)
            .cloned()
            .unwrap()
    };
    let home = row("care_sos_services", "temporary_home_care");
    assert_eq!(
        (
            &home["households"],
            &home["count"],
            &home["quantity"],
            &home["unit"],
            &home["amount_won"]
        ),
        (
            &json!(1),
            &json!(1),
            &json!(240),
            &json!("minutes"),
            &json!(76_780)
        )
    );
    assert_eq!(home["label_ko"], "일시재가");
    let living = row("emergency_support", "living");
    assert_eq!(
        (
            &living["households"],
            &living["count"],
            &living["amount_won"]
        ),
        (&json!(1), &json!(1), &json!(500_000))
    );
    assert_eq!(row("emergency_support", "fuel")["count"], 0);
    assert_eq!(row("emergency_support", "total")["amount_won"], 500_000);
    // Outside the period: nothing contacted.
    let f = a
        .get("/dashboard/api/figures?from=2022-07-01&to=2022-12-31")
        .await;
    assert_eq!(
        f.body["figures"]["contact_rate"][0]["contacted"]["count"],
        0
    );
    // CSV: the same numbers, with Korean labels, the unit and the period in the file.
    let csv = a
        .get("/dashboard/api/figures?from=2022-01-01&to=2022-06-30&format=csv")
        .await;
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("\u{feff}동행 사업 실적\n조직,"), "{text}");
    assert!(text.contains("\n기간,2022-01-01 ~ 2022-06-30\n"), "{text}");
    assert!(
        text.contains("주민접촉률 (보편방문),65세 · 전체,1,2,0.5000,,,,,contact_rate,age65:all\n"),
        "{text}"
    );
    assert!(
        text.contains("65세 동행방문률,가정방문,1,1,1.0000,,,,,accompanied_visit_rate_65,home\n"),
        "{text}"
    );
    assert!(
        text.contains("일시재가,1,,,1,240,분,76780,care_sos_services,temporary_home_care\n"),
        "{text}"
    );
    assert!(
        text.contains(",1,,,1,0,,500000,emergency_support,living\n"),
        "{text}"
    );
    let en = a
        .get("/dashboard/api/figures?from=2022-01-01&to=2022-06-30&format=csv&lang=en")
        .await;
    let en = en.body.as_str().unwrap();
    assert!(
        en.starts_with("\u{feff}Donghaeng program figures\nUnit,"),
        "{en}"
    );
    assert!(
        en.contains(
            "Contact rate (universal visits),Age 65 · All,1,2,0.5000,,,,,contact_rate,age65:all\n"
        ),
        "{en}"
    );
    let bad = a.get("/dashboard/api/figures?format=csv&lang=fr").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "lang");
    // xlsx: a spreadsheet reader finds the Korean labels and the JSON API's numbers.
    crate::figures_xlsx::check_against_json(&a, "from=2022-01-01&to=2022-06-30", figs).await;
    // The note of a service provided is never part of what the dashboard holds or answers.
    assert!(!figs.to_string().contains("메모") && !text.contains("메모"));
}

async fn malformed_query_parameters_get_a_400_naming_them(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut a = Browser::new(&srv);
    a.login("lead.a", PASSWORD).await;
    for (query, field) in [
        ("from=2022-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2022-06-01&to=2022-01-01", "to"),
        ("from=2020-01-01&to=2022-01-01", "to"),
        ("unit=not-a-uuid", "unit"),
        ("format=xml", "format"),
        ("format=xlsx&lang=de", "lang"),
        ("colour=red", "query"),
        ("from=2022-01-01&from=2022-02-01", "from"),
        ("from=%27%20OR%201%3D1", "from"),
    ] {
        let w = a.get(&format!("/dashboard/api/figures?{query}")).await;
        assert_eq!(w.status, StatusCode::BAD_REQUEST, "{query}: {}", w.body);
        assert_eq!(w.body["code"], "query_param_invalid", "{query}");
        assert_eq!(w.body["field"], field, "{query}");
        assert!(w.body["ko"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(w.body.get("figures").is_none());
    }
    let w = a.get("/dashboard/api/incidents?from=2022-02-30").await;
    assert_eq!(w.status, StatusCode::BAD_REQUEST);
}

/// A phone syncs the start of a visit, then (a later sync) the SOS: the SOS is accepted — it
/// belongs to the session's household through its `session_id` — and reaches the 동's board.
async fn an_sos_pushed_after_its_start_reaches_the_dong_lead(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let PairVisit {
        org: o,
        phone: mut dev,
        household: h,
        workers,
    } = pair_visit(&srv, "서울 성북구 길음로 1, 101호").await;
    let (session, start, sos) = session_events(&srv, dev.id, &h, &workers);
    push_events(&srv, &mut dev, &[start]).await;
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let board = b.get("/dashboard/api/board").await;
    assert_eq!(
        board.body["sessions"][0]["priority"], 4,
        "calm before the SOS"
    );
    push_events(&srv, &mut dev, &[sos]).await;
    let board = b.get("/dashboard/api/board").await;
    assert_eq!(
        sessions_of(&board.body, "sessions"),
        vec![session.to_string()]
    );
    assert_eq!(board.body["sessions"][0]["priority"], 0);
    assert_eq!(board.body["sessions"][0]["alarms"][0]["kind"], "sos");
}

/// Today's plan of 동 A: the pair assigned to a visit with its progress, and an unassigned home
/// visit to a household with no location, which the day planner cannot place and says why; 동 B's
/// visits of the same day are not in it.
async fn todays_plan_shows_teams_progress_and_why_a_visit_cannot_be_placed(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let TwoDongs {
        org: o,
        planner,
        nurse,
        phone_a: mut dev,
        phone_b: mut dev_b,
        ..
    } = two_dongs(&srv).await;
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    let (h1, h2, h3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    push_household(&srv, &mut dev, &household(h1, o.dong_a, "길음로 1")).await;
    push_household(&srv, &mut dev, &household(h2, o.dong_a, "길음로 2")).await;
    push_household(&srv, &mut dev_b, &household(h3, o.dong_b, "정릉로 3")).await;
    // 2022-03-10, 10:00 and 14:00 KST.
    let at = |h: u32| {
        chrono::NaiveDate::from_ymd_opt(2022, 3, 10)
            .unwrap()
            .and_hms_opt(h - 9, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let visit = |h: Uuid, start: i64, status: &str| {
        json!({"household_id": h.to_string(), "purpose": "crisis_monitoring", "contact_mode": "home",
            "window_start": start, "window_end": start + 2 * 3_600_000, "required_roles": "", "status": status,
            "started_at": null, "completed_at": null, "outcome": null, "note": null})
    };
    let (v1, v2, v3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    push_records(
        &srv,
        &mut dev,
        &[
            ("visits", v1, visit(h1, at(10), "completed")),
            (
                "visit_workers",
                v1,
                json!({planner.to_string(): true, nurse.to_string(): true}),
            ),
            ("visits", v2, visit(h2, at(14), "planned")),
        ],
    )
    .await;
    push_records(
        &srv,
        &mut dev_b,
        &[("visits", v3, visit(h3, at(10), "planned"))],
    )
    .await;
    let mut a = Browser::new(&srv);
    a.login("lead.a", PASSWORD).await;
    let w = a.get("/dashboard/api/plan?date=2022-03-10").await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.body);
    let plan = &w.body["plan"];
    assert_eq!(plan["teams"].as_array().unwrap().len(), 1);
    let mut names: Vec<&str> = plan["teams"][0]["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["김민지", "이수정"]);
    assert_eq!(plan["teams"][0]["progress"], json!({"completed": 1}));
    let unassigned: Vec<&str> = plan["unassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["visit_id"].as_str().unwrap())
        .collect();
    assert_eq!(unassigned, [v2.to_string()]);
    assert_eq!(plan["cannot_place"][0]["visit_id"], v2.to_string());
    assert_eq!(plan["cannot_place"][0]["code"], "missing_location");
    assert!(
        !w.body.to_string().contains(&v3.to_string()),
        "nothing of 동 B"
    );
    // Another day: empty; a bad date: 400.
    let w = a.get("/dashboard/api/plan?date=2022-03-11").await;
    assert_eq!(w.body["plan"]["teams"], json!([]));
    let w = a.get("/dashboard/api/plan?date=10.03.2022").await;
    assert_eq!(
        (w.status, w.body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("date"))
    );
    let w = a
        .get(&format!("/dashboard/api/plan?unit={}", o.dong_b))
        .await;
    assert_eq!(w.status, StatusCode::NOT_FOUND);
}

/// A phone reports an incident of a visit (a later push than the visit's start): it is accepted —
/// placed by its safety session's household — and 동 A's lead and the district see it with its
/// follow-up decisions and in the half-year statistics; 동 B's lead does not.
async fn an_incident_reaches_the_dong_and_district_with_half_year_statistics(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let PairVisit {
        org: o,
        phone: mut dev,
        household: h,
        workers,
    } = pair_visit(&srv, "길음로 1").await;
    let (planner, nurse) = (workers[0].id, workers[1].id);
    let session_id = session(&srv, &mut dev, &h, &workers, false).await;
    let at = chrono::NaiveDate::from_ymd_opt(2022, 8, 3)
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let incident = Uuid::now_v7();
    let report = |kind: &str, corrects: Option<Uuid>| {
        json!({
            "session_id": session_id.to_string(), "district_id": o.gu.to_string(),
            "occurred_at": at, "reported_at": at + 600_000, "reporter_id": planner.to_string(),
            "affected_workers": format!("{planner},{nurse}"), "incident_type": kind,
            "severity": "minor", "injuries": null, "police_called": 1, "ambulance_119_called": 0,
            "follow_ups": "legal_action,treatment", "description": "폭언",
            "corrects": corrects.map(|c| c.to_string()),
        })
    };
    push_records(
        &srv,
        &mut dev,
        &[("incidents", incident, report("verbal_abuse", None))],
    )
    .await;
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    web_user(&srv, o.dong_b, "lead.b", Privilege::Supervisor).await;
    web_user(&srv, o.gu, "gu.officer", Privilege::Supervisor).await;
    for login in ["lead.a", "gu.officer"] {
        let mut b = Browser::new(&srv);
        b.login(login, PASSWORD).await;
        let w = b.get("/dashboard/api/incidents").await;
        assert_eq!(w.status, StatusCode::OK, "{}", w.body);
        let list = w.body["incidents"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{login}: {}", w.body);
        assert_eq!(list[0]["id"], incident.to_string());
        assert_eq!(list[0]["follow_ups"], json!(["legal_action", "treatment"]));
        assert_eq!(list[0]["follow_up_status"], "decided");
        assert_eq!(list[0]["incident_type_label"]["ko"], "폭언");
        assert_eq!(list[0]["severity_label"]["en"], "minor");
        assert_eq!(list[0]["follow_up_labels"][0]["ko"], "법적 대응");
        assert_eq!(list[0]["district_name"], "성북구");
        let stats = &w.body["half_year"][0];
        assert_eq!(stats["half"], "2022-H2");
        assert_eq!(stats["district_id"], o.gu.to_string());
        assert_eq!(stats["district_name"], "성북구");
        assert_eq!(
            stats["counts"],
            json!({"total": 1, "type:verbal_abuse": 1, "police_called": 1})
        );
    }
    let mut b = Browser::new(&srv);
    b.login("lead.b", PASSWORD).await;
    let w = b.get("/dashboard/api/incidents").await;
    assert_eq!(w.body["incidents"], json!([]));
    assert_eq!(w.body["half_year"], json!([]));
    // A period that excludes it.
    let mut a = Browser::new(&srv);
    a.login("lead.a", PASSWORD).await;
    let w = a
        .get("/dashboard/api/incidents?from=2022-01-01&to=2022-06-30")
        .await;
    assert_eq!(w.body["incidents"], json!([]));
    // A correction (it was a threat): the list and the statistics count the report once, as
    // corrected.
    let fixed = Uuid::now_v7();
    push_records(
        &srv,
        &mut dev,
        &[("incidents", fixed, report("threat", Some(incident)))],
    )
    .await;
    let w = a.get("/dashboard/api/incidents").await;
    let list = w.body["incidents"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", w.body);
    assert_eq!(list[0]["id"], fixed.to_string());
    assert_eq!(
        w.body["half_year"][0]["counts"],
        json!({"total": 1, "type:threat": 1, "police_called": 1})
    );
}

/// An incident away from any visit (no safety session): its reporter files it as themself in their
/// district, the 동 lead sees it; filing it for someone else or in another district is refused.
async fn an_incident_without_a_visit_is_filed_by_its_reporter_in_their_district(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let PairVisit {
        org: o,
        phone: mut dev,
        workers,
        ..
    } = pair_visit(&srv, "길음로 1").await;
    let (planner, nurse) = (workers[0].id, workers[1].id);
    let at = chrono::NaiveDate::from_ymd_opt(2022, 9, 5)
        .unwrap()
        .and_hms_opt(1, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let report = |reporter: Uuid, district: Uuid| {
        json!({
            "session_id": null, "district_id": district.to_string(),
            "occurred_at": at, "reported_at": at + 60_000, "reporter_id": reporter.to_string(),
            "affected_workers": planner.to_string(), "incident_type": "verbal_abuse",
            "severity": "moderate", "injuries": null, "police_called": 0, "ambulance_119_called": 0,
            "follow_ups": "", "description": "민원실 폭언", "corrects": null,
        })
    };
    let change = |dev: &mut TestDevice, fields: Value| {
        let hlc = dev.clock.send(srv.now_ms());
        donghaeng_core::sync::Change {
            id: donghaeng_core::store::device_sync::capture::v7_at(hlc.wall_ms),
            entity: "incidents".into(),
            record_id: Uuid::now_v7(),
            op: donghaeng_core::sync::Op::Append {
                record: serde_json::from_value(fields).unwrap(),
            },
            hlc,
            device_id: dev.id,
        }
    };
    for (fields, why) in [
        (report(nurse, o.gu), "as someone else"),
        (report(planner, Uuid::now_v7()), "in another district"),
    ] {
        let c = change(&mut dev, fields);
        let a = srv.push(&dev, &[c]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{why}: {}", a.body);
        assert_eq!(a.body["code"], "out_of_scope", "{why}");
    }
    let c = change(&mut dev, report(planner, o.gu));
    let id = c.record_id;
    let a = srv.push(&dev, &[c]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let w = b.get("/dashboard/api/incidents").await;
    let list = w.body["incidents"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", w.body);
    assert_eq!(list[0]["id"], id.to_string());
    assert_eq!(list[0]["follow_up_status"], "none_decided");
}

/// Today's plan lists the households of the unit due for monitoring with no visit planned: the
/// last contact (a met visit or a wellness check) plus the crisis level's interval from the cadence
/// table that applies, the default until the district publishes its own.
async fn the_plan_lists_households_due_with_nothing_planned(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let TwoDongs {
        org: o,
        phone_a: mut dev,
        phone_b: mut dev_b,
        ..
    } = two_dongs(&srv).await;
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    let ms = |d: u32, h: u32| {
        chrono::NaiveDate::from_ymd_opt(2022, 3, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let ids: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
    let (met, checked, never, planned, archived, in_b) =
        (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);
    // Crisis level 5 (weekly by default) unless said otherwise.
    for (h, addr) in [
        (met, "길음로 1"),
        (checked, "길음로 2"),
        (planned, "길음로 4"),
    ] {
        push_household(&srv, &mut dev, &household(h, o.dong_a, addr)).await;
    }
    let mut stable = household(never, o.dong_a, "길음로 3");
    stable.crisis_level = donghaeng_core::model::CrisisLevel::new(1).unwrap();
    push_household(&srv, &mut dev, &stable).await;
    let mut gone = household(archived, o.dong_a, "길음로 5");
    gone.archived = true;
    push_household(&srv, &mut dev, &gone).await;
    push_household(&srv, &mut dev_b, &household(in_b, o.dong_b, "정릉로 6")).await;
    let visit = |h: Uuid, start: i64, status: &str, outcome: Option<&str>| {
        json!({"household_id": h.to_string(), "purpose": "crisis_monitoring", "contact_mode": "home",
            "window_start": start, "window_end": start + 3_600_000, "required_roles": "", "status": status,
            "started_at": null, "completed_at": outcome.map(|_| start), "outcome": outcome, "note": null})
    };
    push_records(
        &srv,
        &mut dev,
        &[
            // Met on 2022-03-01: due 03-08, two days late on 03-10.
            ("visits", Uuid::now_v7(), visit(met, ms(1, 2), "completed", Some("met"))),
            // A visit that found nobody home is no contact.
            ("visits", Uuid::now_v7(), visit(met, ms(9, 2), "completed", Some("not_home"))),
            // Seen by a wellness check on 03-09: due 03-16.
            (
                "wellness_checks",
                Uuid::now_v7(),
                json!({"household_id": checked.to_string(), "checked_at": ms(9, 2), "contact_mode": "phone"}),
            ),
            // Overdue too, but a visit is planned for 03-11.
            ("visits", Uuid::now_v7(), visit(planned, ms(1, 2), "completed", Some("met"))),
            ("visits", Uuid::now_v7(), visit(planned, ms(11, 2), "planned", None)),
            ("visits", Uuid::now_v7(), visit(archived, ms(1, 2), "completed", Some("met"))),
        ],
    )
    .await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let due = |body: &Value| -> Vec<(String, i64, Value)> {
        body["plan"]["due_unplanned"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["address"].as_str().unwrap().to_owned(),
                    d["days_overdue"].as_i64().unwrap(),
                    d["last_contact"].clone(),
                )
            })
            .collect()
    };
    let w = b.get("/dashboard/api/plan?date=2022-03-10").await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.body);
    assert_eq!(
        due(&w.body),
        vec![
            ("길음로 1".to_owned(), 2, json!("2022-03-01")),
            ("길음로 3".to_owned(), 0, Value::Null),
        ]
    );
    // The district publishes a fortnightly interval for level 5: the household met on 03-01 is due
    // 03-15 now.
    let mut cadence = donghaeng_core::schedule::CadenceConfig::default();
    cadence.crisis_interval_days[4] = 14;
    donghaeng_sync_server::scope::publish::config_document(
        &srv.store,
        donghaeng_core::sync::config_docs::ConfigKind::Cadence,
        o.gu,
        &serde_json::to_string(&cadence).unwrap(),
        srv.now_ms(),
    )
    .await
    .unwrap();
    let w = b.get("/dashboard/api/plan?date=2022-03-10").await;
    assert_eq!(due(&w.body), vec![("길음로 3".to_owned(), 0, Value::Null)]);
}

on_both_stores!(
    the_plan_lists_households_due_with_nothing_planned,
    an_incident_without_a_visit_is_filed_by_its_reporter_in_their_district,
    an_incident_reaches_the_dong_and_district_with_half_year_statistics,
    todays_plan_shows_teams_progress_and_why_a_visit_cannot_be_placed,
    an_sos_pushed_after_its_start_reaches_the_dong_lead,
    the_alarm_api_answers_by_privilege_and_unit,
    the_dashboard_shows_each_supervisor_only_their_units,
    figures_count_the_records_of_the_unit_and_period,
    malformed_query_parameters_get_a_400_naming_them,
);
