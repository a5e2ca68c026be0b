//! Fixtures shared by the store tests: a small 동 with a team, workers and households.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use donghaeng_core::clock::{kst, FixedClock};
use donghaeng_core::model::*;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::workers::NewWorker;
use donghaeng_core::store::Store;

pub struct Fixture {
    pub store: Store,
    pub city: OrgUnit,
    pub district: OrgUnit,
    pub dong: OrgUnit,
    pub team: OrgUnit,
    pub planner: Worker,
    pub nurse: Worker,
    pub volunteer: Worker,
}

/// 2024-05-20 10:00 KST, the fixtures' "now".
pub fn now() -> DateTime<Utc> {
    kst_time(2024, 5, 20, 10, 0)
}

pub fn kst_time(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    kst()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn fixture() -> Fixture {
    fixture_with(Store::open_in_memory_with_clock(Arc::new(FixedClock(now()))).unwrap())
}

pub fn fixture_with(store: Store) -> Fixture {
    let city = store
        .org()
        .create(OrgUnitKind::City, "서울특별시", None)
        .unwrap();
    let district = store
        .org()
        .create(OrgUnitKind::District, "강남구", Some(city.id))
        .unwrap();
    let dong = store
        .org()
        .create(OrgUnitKind::Dong, "역삼1동", Some(district.id))
        .unwrap();
    let team = store
        .org()
        .create(OrgUnitKind::Team, "복지1팀", Some(dong.id))
        .unwrap();
    let worker = |name: &str, roles: Vec<Role>| {
        store
            .workers()
            .create(NewWorker {
                team_id: team.id,
                name: name.into(),
                roles,
                phone: Some("010-1234-5678".into()),
            })
            .unwrap()
    };
    let planner = worker("박지은", vec![Role::WelfarePlanner]);
    let nurse = worker("이수진", vec![Role::VisitingNurse]);
    let volunteer = worker("최영희", vec![Role::VolunteerBorami]);
    Fixture {
        store,
        city,
        district,
        dong,
        team,
        planner,
        nurse,
        volunteer,
    }
}

impl Fixture {
    pub fn household(&self, head: &str, address: &str, level: i64) -> Household {
        self.store
            .households()
            .create(NewHousehold {
                dong_id: self.dong.id,
                head_name: head.into(),
                address: address.into(),
                location: Some((37.5, 127.03)),
                crisis_level: level,
                tags: vec![HouseholdTag::LivesAlone],
                risk_flags: vec![],
                phone: None,
            })
            .unwrap()
    }
}
