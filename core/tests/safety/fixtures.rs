//! Shared fixtures for the safety tests (included with `#[path]`; on its own it has no tests).
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use donghaeng_core::model::ContactMode;
use donghaeng_core::model::{CrisisLevel, Household, Id, RiskFlag, Role, Worker};
use donghaeng_core::safety::{
    Actor, Contact, SafetyAssessment, SafetyMonitor, StartRequest, TeamSafetyConfig,
};
use uuid::Uuid;

pub const TEAM_LEAD_PHONE: &str = "010-9000-0001";
pub const DONG_HEAD_PHONE: &str = "010-9000-0002";
pub const PLANNER_PHONE: &str = "010-1111-1111";
pub const NURSE_PHONE: &str = "010-2222-2222";
pub const DEVICE: &str = "phone-planner";
pub const SERVER: &str = "server:test";

/// 2026-11-23 at `h:m:s` UTC.
pub fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
}

pub fn id(n: u128) -> Id {
    Uuid::from_u128(n)
}

pub fn worker(n: u128, name: &str, role: Role, phone: Option<&str>) -> Worker {
    Worker {
        id: id(n),
        team_id: id(900),
        name: name.to_owned(),
        roles: vec![role],
        phone: phone.map(str::to_owned),
        active: true,
    }
}

pub fn planner() -> Worker {
    worker(1, "김민지", Role::WelfarePlanner, Some(PLANNER_PHONE))
}

pub fn nurse() -> Worker {
    worker(2, "이수정", Role::VisitingNurse, Some(NURSE_PHONE))
}

pub fn volunteer(n: u128) -> Worker {
    worker(
        n,
        "박봉사",
        Role::VolunteerNeighborhoodCare,
        Some("010-3333-3333"),
    )
}

pub fn household(flags: Vec<RiskFlag>) -> Household {
    Household {
        id: id(500),
        dong_id: id(600),
        head_name: "최영호".to_owned(),
        address: "서울 성북구 정릉로 10, 101호".to_owned(),
        location: None,
        crisis_level: CrisisLevel::CRISIS,
        tags: vec![],
        risk_flags: flags,
        phone: None,
        archived: false,
    }
}

pub fn config() -> TeamSafetyConfig {
    TeamSafetyConfig::standard(
        Contact::new("정팀장", TEAM_LEAD_PHONE),
        Contact::new("한동장", DONG_HEAD_PHONE),
    )
}

pub const SESSION: u128 = 1000;
pub const DISTRICT: u128 = 700;

pub fn request<'a>(
    hh: &'a Household,
    workers: &'a [Worker],
    cfg: &'a TeamSafetyConfig,
    expected_return: DateTime<Utc>,
) -> StartRequest<'a> {
    StartRequest {
        session_id: Some(id(SESSION)),
        visit_id: None,
        household: hh,
        district_id: id(DISTRICT),
        contact_mode: ContactMode::Home,
        workers,
        expected_return,
        checkin_interval_secs: None,
        assessment: SafetyAssessment::complete(),
        advisory_override: None,
        config: cfg,
        regular_volunteer: None,
        advisories: &[],
    }
}

pub fn planner_actor() -> Actor {
    Actor::new(id(1), DEVICE)
}

pub fn nurse_actor() -> Actor {
    Actor::new(id(2), "phone-nurse")
}

/// A device monitor with a session for planner + nurse started at 09:00, due back at 11:00.
pub fn started(interval: Option<i64>) -> SafetyMonitor {
    let hh = household(vec![RiskFlag::AggressionHistory]);
    let workers = [planner(), nurse()];
    let cfg = config();
    let mut req = request(&hh, &workers, &cfg, t(11, 0, 0));
    req.checkin_interval_secs = interval;
    let mut m = SafetyMonitor::new(DEVICE);
    m.start(&req, &planner_actor().with_event_id(id(2000)), t(9, 0, 0))
        .unwrap();
    m
}
