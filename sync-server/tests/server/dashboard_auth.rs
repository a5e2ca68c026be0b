//! Dashboard login over real HTTP, on SQLite and on PostgreSQL: the same answer for an unknown
//! login and a wrong password, the lock after repeated failures, the session cookie's attributes,
//! idle expiry on the server clock, and the CSRF token on POSTs.

use donghaeng_sync_server::store::{AuthStore, Privilege};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{scoped_config, Backend, TestServer};
use donghaeng_core::model::Role;
use donghaeng_core::sync::SkewPolicy;
use donghaeng_sync_server::accounts::{AddressBudget, LockPolicy};
use donghaeng_sync_server::store::{LoginAttempt, LoginState};
use donghaeng_sync_server::throttle::{RateLimit, RateLimits};
use donghaeng_sync_server::ServerConfig;
use std::net::IpAddr;

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

/// The outside tester's attack: 30 wrong passwords for one account at once. Each attempt is counted
/// before argon2 runs, so at most five are checked (401) and the rest are refused as throttled
/// (429) — first from one address (the (address, login) counter), then from 30 addresses, where only
/// the account's counter in the store stands in the way.
async fn thirty_concurrent_wrong_passwords_get_at_most_five_checks(backend: Backend) {
    let config = ServerConfig {
        // Request rate limits off, to test the lock alone.
        rate_limits: RateLimits {
            login_per_address: RateLimit::new(1_000, 1),
            login_per_account: RateLimit::new(1_000, 1),
            ..RateLimits::default()
        },
        ..scoped_config()
    };
    let Some(srv) = TestServer::on_with(backend, config, SkewPolicy::default()).await else {
        return;
    };
    let o = org(&srv).await;
    let a = web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let b = web_user(&srv, o.dong_b, "lead.b", Privilege::Supervisor).await;
    for (login, id, spread) in [("lead.a", a, false), ("lead.b", b, true)] {
        let browsers: Vec<Browser> = (0..30u8)
            .map(|n| {
                let ip = if spread {
                    IpAddr::from([127, 0, 1, 10 + n])
                } else {
                    IpAddr::from([127, 0, 0, 1])
                };
                Browser::at(&srv, ip)
            })
            .collect();
        let answers = futures_util::future::join_all(
            browsers
                .into_iter()
                .map(|mut b| async move { b.login(login, "wrong-password-1").await }),
        )
        .await;
        let checked = answers
            .iter()
            .filter(|w| w.status == StatusCode::UNAUTHORIZED)
            .count();
        let throttled = answers
            .iter()
            .filter(|w| w.status == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert!(
            (1..=5).contains(&checked),
            "{login}: {checked} wrong passwords checked"
        );
        assert_eq!(checked + throttled, 30, "{login}");
        for w in answers
            .iter()
            .filter(|w| w.status == StatusCode::TOO_MANY_REQUESTS)
        {
            assert_eq!(w.body["code"], "login_throttled", "{}", w.body);
            assert!(w.retry_after.is_some(), "{}", w.body);
        }
        let acct = srv.store.user_account(id).await.unwrap().unwrap();
        assert!(acct.failed_logins <= 5, "{}", acct.failed_logins);
        assert!(acct.locked_until_ms.is_some());
    }
}

/// The account's counter alone, as every backend must keep it: 30 reservations at once from one
/// read state, exactly five granted, and the fifth sets the lock.
async fn the_store_grants_five_of_thirty_concurrent_login_reservations(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    let id = web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let seen = srv
        .store
        .user_account(id)
        .await
        .unwrap()
        .unwrap()
        .login_state();
    let now = srv.now_ms();
    let policy = LockPolicy::default();
    let tries = (0..30).map(|_| {
        let store = srv.store.clone();
        tokio::spawn(async move { store.reserve_login_attempt(id, seen, policy, now).await })
    });
    let outcomes: Vec<LoginAttempt> = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let granted = outcomes
        .iter()
        .filter(|o| **o == LoginAttempt::Reserved)
        .count();
    assert_eq!(granted, 5, "{outcomes:?}");
    let acct = srv.store.user_account(id).await.unwrap().unwrap();
    assert_eq!(
        acct.login_state(),
        LoginState {
            failed_logins: 5,
            locked_until_ms: Some(now + 30_000)
        }
    );
    // A success clears it; a stale state no longer matches, so it is re-read, not trusted.
    srv.store.record_login_success(id).await.unwrap();
    let stale = LoginState {
        failed_logins: 3,
        locked_until_ms: None,
    };
    assert_eq!(
        srv.store
            .reserve_login_attempt(id, stale, policy, now)
            .await
            .unwrap(),
        LoginAttempt::Reserved
    );
    assert_eq!(
        srv.store
            .user_account(id)
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        1
    );
}

/// Five wrong passwords lock that login, not the office: a colleague behind the same NAT address
/// logs in, and so does the locked person's colleague right after.
async fn one_persons_lockout_does_not_lock_a_colleague_behind_the_same_address(backend: Backend) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    web_user(&srv, o.dong_b, "lead.b", Privilege::Supervisor).await;
    let mut mistyping = Browser::new(&srv);
    for _ in 0..5 {
        assert_eq!(
            mistyping.login("lead.a", "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = mistyping.login("lead.a", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.retry_after.as_deref(), Some("30"));
    // Same address, another login: not locked.
    let mut colleague = Browser::new(&srv);
    let ok = colleague.login("lead.b", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // A login name that does not exist locks the same way (the lock says nothing about names).
    let mut guesser = Browser::new(&srv);
    for _ in 0..5 {
        assert_eq!(
            guesser
                .login("nobody.here", "wrong-password-1")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guesser
            .login("nobody.here", "wrong-password-1")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A guesser trying many logins from one address runs out of the address's failure budget, and is
/// then refused for every login, right passwords included, until the window ends.
async fn an_address_past_its_failure_budget_is_throttled_for_every_login(backend: Backend) {
    let config = ServerConfig {
        login_address_budget: AddressBudget {
            failures: 8,
            window_ms: 15 * 60_000,
        },
        ..scoped_config()
    };
    let Some(srv) = TestServer::on_with(backend, config, SkewPolicy::default()).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    // Successes give their attempt back.
    for _ in 0..3 {
        assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
    }
    for n in 0..8 {
        let w = b.login(&format!("guess.{n}"), "wrong-password-1").await;
        assert_eq!(w.status, StatusCode::UNAUTHORIZED, "{n}");
    }
    let w = b.login("lead.a", PASSWORD).await;
    assert_eq!(w.status, StatusCode::TOO_MANY_REQUESTS, "{}", w.body);
    assert_eq!(w.body["code"], "login_throttled");
    assert!(w.retry_after.is_some());
    // Another address is served; this one again after the window.
    let mut elsewhere = Browser::at(&srv, IpAddr::from([127, 0, 0, 2]));
    assert_eq!(
        elsewhere.login("lead.a", PASSWORD).await.status,
        StatusCode::OK
    );
    srv.state.clock.advance_ms(15 * 60_000);
    assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
}

async fn dashboard_logins_past_the_rate_limit_get_429_with_retry_after(backend: Backend) {
    let config = ServerConfig {
        rate_limits: RateLimits {
            login_per_address: RateLimit::new(3, 5_000),
            ..RateLimits::default()
        },
        ..scoped_config()
    };
    let Some(srv) = TestServer::on_with(backend, config, SkewPolicy::default()).await else {
        return;
    };
    let o = org(&srv).await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    let mut b = Browser::new(&srv);
    for _ in 0..3 {
        assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
    }
    let w = b.login("lead.a", PASSWORD).await;
    assert_eq!(w.status, StatusCode::TOO_MANY_REQUESTS, "{}", w.body);
    assert_eq!(w.body["code"], "rate_limited");
    assert!(w.body["server_time_ms"].is_i64());
    assert!(w.body["ko"].as_str().unwrap().contains("초"));
    assert_eq!(w.retry_after.as_deref(), Some("5"));
    srv.state.clock.advance_ms(5_000);
    assert_eq!(b.login("lead.a", PASSWORD).await.status, StatusCode::OK);
}

on_both_stores!(
    thirty_concurrent_wrong_passwords_get_at_most_five_checks,
    the_store_grants_five_of_thirty_concurrent_login_reservations,
    one_persons_lockout_does_not_lock_a_colleague_behind_the_same_address,
    an_address_past_its_failure_budget_is_throttled_for_every_login,
    dashboard_logins_past_the_rate_limit_get_429_with_retry_after,
    a_live_board_ends_when_its_session_is_logged_out,
    unknown_login_and_wrong_password_get_the_same_answer,
    five_failures_lock_the_account_then_time_frees_it,
    a_session_ends_after_eight_idle_hours_and_use_keeps_it_alive,
    posts_need_the_csrf_token_and_logout_ends_the_session,
    malformed_login_bodies_get_a_clear_400,
);
