//! Every validation rule of the store: a clear typed error with a stable code, and nothing written.

use crate::common;

use std::str::FromStr;

use common::{date, fixture, kst_time, now};
use donghaeng_core::model::validate::{parse_date, parse_datetime, NOTE_MAX_CHARS};
use donghaeng_core::model::*;
use donghaeng_core::store::crisis_reports::NewCrisisReport;
use donghaeng_core::store::households::{HouseholdUpdate, NewHousehold};
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::persons::NewPerson;
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::volunteers::NewVolunteerActivity;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::workers::NewWorker;
use donghaeng_core::store::Store;
use donghaeng_core::{CoreError, CoreResult, ErrorCode};

fn code<T: std::fmt::Debug>(r: CoreResult<T>) -> &'static str {
    let e: CoreError = r.expect_err("expected an error");
    assert!(!e.ko.is_empty() && !e.en.is_empty());
    e.code
}

fn count(store: &Store, table: &str) -> i64 {
    store
        .read(|tx| Ok(tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
        .unwrap()
}

fn new_household(dong: Id) -> NewHousehold {
    NewHousehold {
        dong_id: dong,
        head_name: "김철수".into(),
        address: "서울 강남구 역삼로 1".into(),
        location: Some((37.5, 127.0)),
        crisis_level: 3,
        tags: vec![],
        risk_flags: vec![],
        phone: None,
    }
}

#[test]
fn household_rules() {
    let f = fixture();
    let hs = f.store.households();
    for level in [0, 6, -1, 100] {
        let e = hs
            .create(NewHousehold {
                crisis_level: level,
                ..new_household(f.dong.id)
            })
            .unwrap_err();
        assert_eq!(e.code, "crisis_level_out_of_range");
        assert_eq!(e.field.as_deref(), Some("household.crisis_level"));
        assert_eq!(e.kind, ErrorCode::Invalid);
    }
    let cases: Vec<(NewHousehold, &str)> = vec![
        (
            NewHousehold {
                location: Some((91.0, 127.0)),
                ..new_household(f.dong.id)
            },
            "latitude_out_of_range",
        ),
        (
            NewHousehold {
                location: Some((37.0, 181.0)),
                ..new_household(f.dong.id)
            },
            "longitude_out_of_range",
        ),
        (
            NewHousehold {
                location: Some((f64::NAN, 127.0)),
                ..new_household(f.dong.id)
            },
            "latitude_out_of_range",
        ),
        (
            NewHousehold {
                head_name: "   ".into(),
                ..new_household(f.dong.id)
            },
            "required",
        ),
        (
            NewHousehold {
                head_name: "김".repeat(61),
                ..new_household(f.dong.id)
            },
            "too_long",
        ),
        (
            NewHousehold {
                head_name: "김\u{0}철수".into(),
                ..new_household(f.dong.id)
            },
            "control_characters",
        ),
        (
            NewHousehold {
                address: "가".repeat(201),
                ..new_household(f.dong.id)
            },
            "too_long",
        ),
        (
            NewHousehold {
                phone: Some("call me".into()),
                ..new_household(f.dong.id)
            },
            "invalid_phone",
        ),
        (
            NewHousehold {
                phone: Some("010-12".into()),
                ..new_household(f.dong.id)
            },
            "invalid_phone",
        ),
        // A household must belong to a 동, not a team or a missing unit.
        (
            NewHousehold {
                dong_id: f.team.id,
                ..new_household(f.dong.id)
            },
            "wrong_org_unit_kind",
        ),
        (
            NewHousehold {
                dong_id: new_id(),
                ..new_household(f.dong.id)
            },
            "org_unit_not_found",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(code(hs.create(input)), expected);
    }
    assert_eq!(count(&f.store, "households"), 0, "nothing written");

    let h = hs.create(new_household(f.dong.id)).unwrap();
    // An update with one bad field writes none of the good ones.
    let r = hs.update(
        h.id,
        HouseholdUpdate {
            head_name: Some("이영희".into()),
            crisis_level: Some(9),
            ..Default::default()
        },
    );
    assert_eq!(code(r), "crisis_level_out_of_range");
    assert_eq!(hs.get(h.id).unwrap().household.head_name, "김철수");
    assert_eq!(
        code(hs.update(new_id(), HouseholdUpdate::default())),
        "household_not_found"
    );
}

#[test]
fn unknown_codes_and_impossible_dates() {
    let e = Role::from_str("wizard").unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        ("unknown_code", Some("worker.role"))
    );
    assert_eq!(code(HouseholdTag::from_str("rich")), "unknown_code");
    assert_eq!(
        code(VisitStatus::from_str("Planned")),
        "unknown_code",
        "codes are exact"
    );
    assert!(serde_json::from_str::<RiskFlag>("\"dragon\"").is_err());
    assert_eq!(
        serde_json::from_str::<RiskFlag>("\"dog\"").unwrap(),
        RiskFlag::Dog
    );

    for bad in [
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "20230101",
        "",
        "2024-02-30",
    ] {
        let e = parse_date("person.birth_date", bad).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("invalid_date", Some("person.birth_date"))
        );
    }
    assert_eq!(parse_date("d", "2024-02-29").unwrap(), date(2024, 2, 29));
    assert_eq!(
        code(parse_datetime("t", "2024-05-01 09:00")),
        "invalid_datetime"
    );
    assert!(parse_datetime("t", "2024-05-01T09:00:00+09:00").is_ok());
}

#[test]
fn person_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 3);
    let p = |household_id, birth| NewPerson {
        household_id,
        name: "김하늘".into(),
        birth_date: birth,
        sex: Sex::Female,
        relation: Relation::Child,
        disability: Disability::None,
    };
    assert_eq!(
        code(f.store.persons().add(p(new_id(), date(2000, 1, 1)))),
        "household_not_found"
    );
    // The fixture clock says 2024-05-20: tomorrow is in the future.
    assert_eq!(
        code(f.store.persons().add(p(h.id, date(2024, 5, 21)))),
        "birth_date_out_of_range"
    );
    assert_eq!(
        code(f.store.persons().add(p(h.id, date(1899, 12, 31)))),
        "birth_date_out_of_range"
    );
    assert_eq!(count(&f.store, "persons"), 0);
    f.store.persons().add(p(h.id, date(2024, 5, 20))).unwrap();
    assert_eq!(count(&f.store, "persons"), 1);
}

#[test]
fn org_and_worker_rules() {
    let f = fixture();
    assert_eq!(
        code(f.store.org().create(OrgUnitKind::Team, "팀", None)),
        "parent_required"
    );
    assert_eq!(
        code(
            f.store
                .org()
                .create(OrgUnitKind::City, "시", Some(f.city.id))
        ),
        "city_has_no_parent"
    );
    assert_eq!(
        code(
            f.store
                .org()
                .create(OrgUnitKind::Dong, "동", Some(f.city.id))
        ),
        "wrong_org_unit_kind"
    );
    let w = |team_id, roles: Vec<Role>, phone: Option<&str>| NewWorker {
        team_id,
        name: "홍길동".into(),
        roles,
        phone: phone.map(Into::into),
    };
    let before = count(&f.store, "workers");
    assert_eq!(
        code(f.store.workers().create(w(f.team.id, vec![], None))),
        "role_required"
    );
    assert_eq!(
        code(
            f.store
                .workers()
                .create(w(f.dong.id, vec![Role::Escort], None))
        ),
        "wrong_org_unit_kind"
    );
    assert_eq!(
        code(
            f.store
                .workers()
                .create(w(f.team.id, vec![Role::Escort], Some("12")))
        ),
        "invalid_phone"
    );
    assert_eq!(count(&f.store, "workers"), before);
}

fn planned(f: &common::Fixture, household: Id) -> NewVisit {
    NewVisit {
        household_id: household,
        purpose: VisitPurpose::CrisisMonitoring,
        contact_mode: ContactMode::Home,
        window_start: kst_time(2024, 5, 20, 14, 0),
        window_end: kst_time(2024, 5, 20, 15, 0),
        required_roles: vec![],
        assigned: vec![f.planner.id, f.nurse.id],
        note: None,
    }
}

#[test]
fn visit_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 5);
    let vs = f.store.visits();
    let mut bad = planned(&f, h.id);
    bad.window_end = bad.window_start;
    assert_eq!(code(vs.plan(bad)), "window_ends_before_start");
    assert_eq!(code(vs.plan(planned(&f, new_id()))), "household_not_found");
    let mut ghost = planned(&f, h.id);
    ghost.assigned.push(new_id());
    assert_eq!(code(vs.plan(ghost)), "worker_not_found");
    let mut long = planned(&f, h.id);
    long.note = Some("가".repeat(NOTE_MAX_CHARS + 1));
    assert_eq!(code(vs.plan(long)), "too_long");
    assert_eq!(count(&f.store, "visits"), 0);
    assert_eq!(count(&f.store, "visit_workers"), 0);

    let v = vs.plan(planned(&f, h.id)).unwrap();
    // Only the allowed transitions.
    assert_eq!(
        code(vs.complete(v.id, now(), VisitOutcome::Met, None)),
        "visit_transition_not_allowed"
    );
    assert_eq!(
        code(vs.replan(v.id, now(), now() + chrono::Duration::hours(1))),
        "visit_transition_not_allowed"
    );
    let started = kst_time(2024, 5, 20, 14, 5);
    vs.start(v.id, started).unwrap();
    assert_eq!(
        code(vs.start(v.id, started)),
        "visit_transition_not_allowed"
    );
    let e = vs
        .complete(
            v.id,
            started - chrono::Duration::minutes(1),
            VisitOutcome::Met,
            None,
        )
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        ("completed_before_started", Some("visit.completed_at"))
    );
    assert_eq!(
        vs.get(v.id).unwrap().status,
        VisitStatus::InProgress,
        "nothing written"
    );
    vs.complete(
        v.id,
        started + chrono::Duration::minutes(40),
        VisitOutcome::Met,
        Some("식사 잘 하심"),
    )
    .unwrap();
    assert_eq!(
        code(vs.cancel(v.id, "실수")),
        "visit_transition_not_allowed"
    );
    assert_eq!(code(vs.assign(v.id, &[f.planner.id])), "visit_finished");
    f.store.workers().set_active(f.nurse.id, false).unwrap();
    let v2 = vs
        .plan(NewVisit {
            assigned: vec![f.planner.id],
            ..planned(&f, h.id)
        })
        .unwrap();
    assert_eq!(code(vs.assign(v2.id, &[f.nurse.id])), "worker_inactive");
}

#[test]
fn visit_status_table_is_exactly_the_allowed_moves() {
    use VisitStatus::*;
    let allowed = [
        (Planned, InProgress),
        (Planned, Cancelled),
        (Planned, Missed),
        (InProgress, Completed),
        (InProgress, Cancelled),
        (Missed, Planned),
    ];
    for a in VisitStatus::ALL {
        for b in VisitStatus::ALL {
            assert_eq!(a.can_move_to(*b), allowed.contains(&(*a, *b)), "{a} -> {b}");
        }
    }
}

#[test]
fn wellness_and_note_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 5);
    let other = f.household("이영희", "서울 강남구 역삼로 2", 2);
    let v_other = f.store.visits().plan(planned(&f, other.id)).unwrap();
    let check = |household_id, visit_id, note: Option<String>, corrects| NewWellnessCheck {
        household_id,
        visit_id,
        worker_id: f.volunteer.id,
        checked_at: now(),
        contact_mode: ContactMode::Home,
        checklist: WellnessChecklist::all_good(),
        note,
        corrects,
    };
    let ws = f.store.wellness();
    assert_eq!(
        code(ws.record(check(new_id(), None, None, None))),
        "household_not_found"
    );
    assert_eq!(
        code(ws.record(check(h.id, Some(v_other.id), None, None))),
        "visit_of_other_household"
    );
    assert_eq!(
        code(ws.record(check(
            h.id,
            None,
            Some("가".repeat(NOTE_MAX_CHARS + 1)),
            None
        ))),
        "too_long"
    );
    assert_eq!(
        code(ws.record(check(h.id, None, None, Some(new_id())))),
        "wellness_check_not_found"
    );
    let other_check = ws.record(check(other.id, None, None, None)).unwrap();
    assert_eq!(
        code(ws.record(check(h.id, None, None, Some(other_check.id)))),
        "correction_of_other_household"
    );
    assert_eq!(count(&f.store, "wellness_checks"), 1);
    // A note of exactly the limit is fine, with Korean and line breaks.
    let ok = "가\n".repeat(NOTE_MAX_CHARS / 2);
    ws.record(check(h.id, None, Some(ok), None)).unwrap();

    let note = |body: &str, case_id| NewCaseNote {
        household_id: h.id,
        case_id,
        visit_id: None,
        author_id: f.planner.id,
        written_at: now(),
        body: body.into(),
        corrects: None,
    };
    assert_eq!(code(f.store.notes().add(note("  ", None))), "required");
    assert_eq!(
        code(f.store.notes().add(note("기록", Some(new_id())))),
        "case_not_found"
    );
    let c = f
        .store
        .cases()
        .open(other.id, f.planner.id, date(2024, 5, 1))
        .unwrap();
    assert_eq!(
        code(f.store.notes().add(note("기록", Some(c.id)))),
        "other_household"
    );
    assert_eq!(count(&f.store, "case_notes"), 0);
}

#[test]
fn case_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 4);
    let cs = f.store.cases();
    let c = cs.open(h.id, f.planner.id, date(2024, 5, 1)).unwrap();
    assert_eq!(
        code(cs.open(h.id, f.planner.id, date(2024, 5, 2))),
        "case_already_open"
    );
    assert_eq!(
        code(cs.classify(c.id, CaseClassification::CaseManaged)),
        "not_at_classification"
    );
    assert_eq!(
        code(cs.close(c.id, date(2024, 5, 3), ClosureReason::LongTermGoalMet)),
        "positive_closure_needs_delivery"
    );
    assert_eq!(
        code(cs.close(c.id, date(2024, 4, 30), ClosureReason::Refusal)),
        "closed_before_opened"
    );
    cs.advance(c.id).unwrap(); // needs assessment
    cs.advance(c.id).unwrap(); // classification
    assert_eq!(code(cs.advance(c.id)), "classification_required");
    cs.classify(c.id, CaseClassification::Excluded).unwrap();
    assert_eq!(code(cs.advance(c.id)), "excluded_case_must_close");
    cs.classify(c.id, CaseClassification::CaseManaged).unwrap();
    for expected in [
        CaseStage::CaseConference,
        CaseStage::ServicePlan,
        CaseStage::Delivery,
    ] {
        assert_eq!(cs.advance(c.id).unwrap().stage, expected);
    }
    assert_eq!(code(cs.advance(c.id)), "use_close");
    let closed = cs
        .close(c.id, date(2024, 9, 1), ClosureReason::LongTermGoalMet)
        .unwrap();
    assert_eq!(closed.stage, CaseStage::Closed);
    assert_eq!(code(cs.advance(c.id)), "case_closed");
    assert_eq!(
        code(cs.close(c.id, date(2024, 9, 2), ClosureReason::Death)),
        "case_closed"
    );
    // A new case may open once the old one is closed; circumstantial closure at any stage.
    let c2 = cs.open(h.id, f.planner.id, date(2024, 10, 1)).unwrap();
    assert_eq!(
        cs.close(
            c2.id,
            date(2024, 10, 2),
            ClosureReason::NoContactThreeMonths
        )
        .unwrap()
        .stage,
        CaseStage::Closed
    );
}

#[test]
fn referral_crisis_report_and_volunteer_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 4);
    let rs = f.store.referrals();
    let new = |agency: &str| NewReferral {
        household_id: h.id,
        case_id: None,
        referred_by: f.planner.id,
        target: ReferralTarget::MentalHealth,
        agency: agency.into(),
        referred_on: date(2024, 5, 1),
        reason: "우울 증상".into(),
    };
    assert_eq!(code(rs.create(new(""))), "required");
    let r = rs.create(new("강남구 정신건강복지센터")).unwrap();
    assert_eq!(
        code(rs.record_first_reply(r.id, date(2024, 4, 30), None)),
        "date_before_referral"
    );
    assert_eq!(
        code(rs.record_final_reply(r.id, date(2024, 6, 1), None)),
        "service_not_ended"
    );
    rs.record_service_end(r.id, date(2024, 6, 1)).unwrap();
    assert_eq!(
        code(rs.record_final_reply(r.id, date(2024, 5, 31), None)),
        "date_before_referral"
    );

    let report = |household_id, address: Option<&str>, signs: Vec<CrisisSign>| NewCrisisReport {
        dong_id: f.dong.id,
        reporter_id: f.volunteer.id,
        household_id,
        address: address.map(Into::into),
        signs,
        note: None,
        reported_at: now(),
    };
    let cr = f.store.crisis_reports();
    assert_eq!(
        code(cr.report(report(Some(h.id), None, vec![]))),
        "sign_required"
    );
    assert_eq!(
        code(cr.report(report(None, None, vec![CrisisSign::NoFood]))),
        "required"
    );
    assert_eq!(
        code(cr.report(report(Some(new_id()), None, vec![CrisisSign::NoFood]))),
        "household_not_found"
    );
    assert_eq!(count(&f.store, "crisis_reports"), 0);
    assert_eq!(
        count(&f.store, "referrals"),
        1,
        "no referral from a refused report"
    );

    let act = |worker_id, minutes| NewVolunteerActivity {
        worker_id,
        day: date(2024, 5, 2),
        minutes,
        household_id: None,
        note: None,
    };
    let vs = f.store.volunteers();
    assert_eq!(
        code(vs.record(act(f.volunteer.id, 0))),
        "minutes_out_of_range"
    );
    assert_eq!(
        code(vs.record(act(f.volunteer.id, 24 * 60 + 1))),
        "minutes_out_of_range"
    );
    assert_eq!(code(vs.record(act(f.planner.id, 60))), "not_a_volunteer");
    assert_eq!(code(vs.month(f.volunteer.id, 2024, 13)), "invalid_month");
    assert_eq!(count(&f.store, "volunteer_activity"), 0);
}

#[test]
fn store_and_generator_arguments() {
    assert_eq!(code(Store::open("")), "path_required");
    let f = fixture();
    assert_eq!(
        code(f.store.households().due_for_monitoring(
            f.dong.id,
            date(2024, 5, 20),
            u32::MAX,
            Default::default()
        )),
        "horizon_out_of_range"
    );
    use donghaeng_core::synthetic::{generate, SyntheticConfig};
    let cfg = |households, workers, visits| SyntheticConfig {
        seed: 1,
        households,
        workers,
        visits,
        today: date(2024, 5, 20),
    };
    let store = Store::open_in_memory().unwrap();
    assert_eq!(
        code(generate(&store, &cfg(0, 20, 10))),
        "synthetic_nothing_to_visit"
    );
    assert_eq!(
        code(generate(&store, &cfg(10, 0, 10))),
        "synthetic_nothing_to_visit"
    );
    assert_eq!(
        code(generate(&store, &cfg(10, 20, 10_000_000))),
        "synthetic_too_large"
    );
    assert_eq!(count(&store, "households"), 0);
    generate(&store, &cfg(10, 0, 0)).unwrap();
    assert_eq!(count(&store, "households"), 10);
}

#[test]
fn query_argument_rules() {
    let f = fixture();
    let h = f.household("김철수", "서울 강남구 역삼로 1", 4);
    assert_eq!(
        code(f.store.history().page(h.id, None, 0)),
        "page_size_out_of_range"
    );
    assert_eq!(
        code(f.store.history().page(h.id, None, 101)),
        "page_size_out_of_range"
    );
    assert_eq!(
        code(f.store.history().page(new_id(), None, 10)),
        "household_not_found"
    );
    assert_eq!(
        code(f.store.households().search(f.dong.id, &"김".repeat(61), 10)),
        "too_long"
    );
    assert_eq!(
        code(f.store.agenda().for_worker(new_id(), date(2024, 5, 20))),
        "worker_not_found"
    );
}
