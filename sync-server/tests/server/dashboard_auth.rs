//! Dashboard login over real HTTP, on SQLite and on PostgreSQL: the same answer for an unknown
//! login and a wrong password, the lock after repeated failures, the session cookie's attributes,
//! idle expiry on the server clock, and the CSRF token on POSTs.

use donghaeng_sync_server::store::{AuthStore, Privilege};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::Backend;
use donghaeng_core::model::Role;

use crate::dashboard_fixture::{
    device_for, household, org, push_household, server, session, user, web_user, worker, Browser,
    PASSWORD,
};
use crate::on_both_stores;

/// The error body without the server's clock, which differs between two answers.
fn without_time(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("server_time_ms");
    v
}

async fn unknown_login_and_wrong_password_get_the_same_answer(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    // A field user with a password may not use the dashboard: the same answer too.
    web_user(&srv, o.team_a, "field.a", Privilege::Field).await;
    let mut b = Browser::new(&srv);
    let wrong = b.login("lead.a", "not-the-password").await;
    let unknown = b.login("nobody.here", "not-the-password").await;
    let field = b.login("field.a", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["code"], "login_failed");
    assert_eq!(
        wrong.body["ko"],
        "로그인 이름 또는 비밀번호가 올바르지 않습니다."
    );
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(without_time(unknown.body), without_time(wrong.body.clone()));
    assert_eq!(field.status, wrong.status);
    assert_eq!(without_time(field.body), without_time(wrong.body));
    assert!(wrong.set_cookie.is_none() && b.cookie.is_none());
    // The right password: a session cookie with the protective attributes, and a CSRF token.
    let ok = b.login("LEAD.A", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let cookie = ok.set_cookie.unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    assert_eq!(ok.body["user"]["privilege"], "supervisor");
    assert_eq!(b.csrf.as_ref().map(String::len), Some(64));
    let me = b.get("/dashboard/api/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["area_id"], o.dong_a.to_string());
    // Without the cookie: 401 with a clear message and nothing else.
    let anon = Browser::new(&srv).get("/dashboard/api/me").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.body["code"], "session_required");
    assert!(anon.body.get("name").is_none());
}

async fn five_failures_lock_the_account_then_time_frees_it(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    let id = web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    for n in 1..=5 {
        let w = b.login("lead.a", "wrong-password-1").await;
        assert_eq!((n, w.status), (n, StatusCode::UNAUTHORIZED));
    }
    let acct = srv.store.user_account(id).await.unwrap().unwrap();
    assert_eq!(acct.failed_logins, 5);
    assert!(acct.locked_until_ms.is_some());
    // Locked: even the right password is refused, with the time to wait.
    let locked = b.login("lead.a", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert_eq!(locked.body["code"], "login_throttled");
    assert!(
        locked.body["en"].as_str().unwrap().contains("30 s"),
        "{}",
        locked.body
    );
    assert!(b.cookie.is_none());
    // 30 s later the right password works and the count starts over.
    srv.state.clock.advance_ms(30_001);
    let ok = b.login("lead.a", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let acct = srv.store.user_account(id).await.unwrap().unwrap();
    assert_eq!((acct.failed_logins, acct.locked_until_ms), (0, None));
    // Attempts during a lock are refused without counting; the next failure after it doubles the
    // lock (60 s).
    for _ in 0..5 {
        b.login("lead.a", "wrong-password-1").await;
    }
    assert_eq!(
        b.login("lead.a", "wrong-password-1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    srv.state.clock.advance_ms(30_001);
    assert_eq!(
        b.login("lead.a", "wrong-password-1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let acct = srv.store.user_account(id).await.unwrap().unwrap();
    let wait = acct.locked_until_ms.unwrap() - srv.now_ms();
    assert!((59_000..=60_000).contains(&wait), "{wait}");
}

async fn a_session_ends_after_eight_idle_hours_and_use_keeps_it_alive(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
    let hour = 3_600_000;
    // Used every 7 hours: still alive after 14.
    srv.state.clock.advance_ms(7 * hour);
    assert_eq!(b.get("/dashboard/api/me").await.status, StatusCode::OK);
    srv.state.clock.advance_ms(7 * hour);
    assert_eq!(b.get("/dashboard/api/board").await.status, StatusCode::OK);
    // Then 8 idle hours: gone, with the login message, and gone for good.
    srv.state.clock.advance_ms(8 * hour);
    let w = b.get("/dashboard/api/board").await;
    assert_eq!(
        (w.status, w.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("session_required"))
    );
    srv.state.clock.advance_ms(-8 * hour);
    assert_eq!(
        b.get("/dashboard/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn posts_need_the_csrf_token_and_logout_ends_the_session(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
    let token = b.csrf.take();
    let forged = b.post("/dashboard/api/logout", json!({})).await;
    assert_eq!(
        (forged.status, forged.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf_invalid"))
    );
    b.csrf = Some("0".repeat(64));
    assert_eq!(
        b.post("/dashboard/api/logout", json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    // The forged attempts did not end the session.
    assert_eq!(b.get("/dashboard/api/me").await.status, StatusCode::OK);
    b.csrf = token;
    let out = b.post("/dashboard/api/logout", json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(
        b.get("/dashboard/api/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn malformed_login_bodies_get_a_clear_400(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let b = Browser::new(&srv);
    for body in [
        json!({"login": "x"}),
        json!({"login": 1, "password": "y"}),
        json!("text"),
        json!({"login": "a", "password": "b", "admin": true}),
    ] {
        let w = b.post("/dashboard/api/login", body.clone()).await;
        assert_eq!(
            (w.status, w.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_body")),
            "{body}"
        );
    }
    // A password of a megabyte is refused without hashing it.
    let w = b
        .post(
            "/dashboard/api/login",
            json!({"login": "a.b", "password": "x".repeat(60_000)}),
        )
        .await;
    assert_eq!(w.status, StatusCode::UNAUTHORIZED);
}

/// A live board whose session is logged out ends at its next wake-up, after one event that says
/// so: a logged-out or expired session does not keep receiving the board.
async fn a_live_board_ends_when_its_session_is_logged_out(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.team_a, "lead.a", Privilege::Supervisor).await;
    let planner = user(
        &srv,
        o.team_a,
        "김민지",
        Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    let nurse = user(
        &srv,
        o.team_a,
        "이수정",
        Role::VisitingNurse,
        Privilege::Field,
    )
    .await;
    let mut dev = device_for(&srv, planner).await;
    let h = household(uuid::Uuid::now_v7(), o.dong_a, "길음로 1");
    push_household(&srv, &mut dev, &h).await;
    let mut b = Browser::new(&srv);
    b.login("lead.a", PASSWORD).await;
    let mut resp = srv
        .client
        .get(format!("{}/dashboard/api/board/stream", srv.base))
        .header(
            "cookie",
            format!("dh_session={}", b.cookie.clone().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut buf = String::new();
    let first = next_event(&mut resp, &mut buf).await.unwrap();
    assert!(first.starts_with("event: board"), "{first}");
    // Still logged in: a change arrives as a new board.
    let workers = [
        worker(planner, o.team_a, "김민지"),
        worker(nurse, o.team_a, "이수정"),
    ];
    session(&srv, &mut dev, &h, &workers, false).await;
    let next = next_event(&mut resp, &mut buf).await.unwrap();
    assert!(next.contains("길음로 1"), "{next}");
    assert_eq!(
        b.post("/dashboard/api/logout", json!({})).await.status,
        StatusCode::OK
    );
    session(&srv, &mut dev, &h, &workers, true).await;
    let last = next_event(&mut resp, &mut buf).await.unwrap();
    assert!(last.contains("session_required"), "{last}");
    assert!(!last.contains("길음로"), "no board after logout: {last}");
    let end = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        next_event(&mut resp, &mut buf),
    )
    .await;
    assert!(matches!(end, Ok(None)), "the stream ended: {end:?}");
}

/// The next server-sent event (keep-alive comments skipped), or `None` at the end of the stream.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String) -> Option<String> {
    loop {
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            if event.lines().any(|l| l.starts_with("event:")) {
                return Some(event);
            }
        }
        let chunk = resp.chunk().await.ok()??;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

on_both_stores!(
    a_live_board_ends_when_its_session_is_logged_out,
    unknown_login_and_wrong_password_get_the_same_answer,
    five_failures_lock_the_account_then_time_frees_it,
    a_session_ends_after_eight_idle_hours_and_use_keeps_it_alive,
    posts_need_the_csrf_token_and_logout_ends_the_session,
    malformed_login_bodies_get_a_clear_400,
);
