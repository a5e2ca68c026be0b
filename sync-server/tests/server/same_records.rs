//! One rule, one place, seen end to end: a nurse's phone (a real store file) makes a 동's records
//! the way phones make them — households with members, a paired home visit through its life
//! cycle, a closed case, a referral, a wellness check — and syncs them to the real server over
//! HTTP; the team lead's dashboard then answers the same due list and the same figures as the
//! phone computes on its own store.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use donghaeng_core::figures::{self, Period};
use donghaeng_core::model::discharge::DischargeStep;
use donghaeng_core::model::outreach::{
    OutreachCampaign, OutreachMode, OutreachResult, RefusalReason,
};
use donghaeng_core::model::*;
use donghaeng_core::schedule::DueReason;
use donghaeng_core::store::discharge::NewDischargeReferral;
use donghaeng_core::store::households::NewHousehold;
use donghaeng_core::store::outreach::NewOutreachAttempt;
use donghaeng_core::store::persons::NewMember;
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient};
use donghaeng_sync_server::store::Privilege;
use serde_json::json;

use crate::common::Backend;
use crate::dashboard_fixture::{org, server, user, web_user, Browser, PASSWORD};
use crate::on_both_stores;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A time of a Korean day, in UTC.
fn kst(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() - chrono::Duration::hours(9)
}

fn household(store: &Store, dong: Id, level: i64, members: Vec<NewMember>) -> Household {
    household_with(store, dong, level, members).0
}

fn household_with(
    store: &Store,
    dong: Id,
    level: i64,
    members: Vec<NewMember>,
) -> (Household, Vec<Person>) {
    store
        .households()
        .create_with_members(
            NewHousehold {
                dong_id: dong,
                head_name: "최영호".into(),
                address: "서울 성북구 길음로 1".into(),
                location: Some((37.6, 127.02)),
                crisis_level: level,
                tags: vec![],
                risk_flags: vec![],
                phone: None,
            },
            members,
        )
        .unwrap()
}

/// A patient of 82 (no universal-visit cohort).
fn patient() -> NewMember {
    NewMember {
        name: "한만수".into(),
        birth_date: day(1944, 2, 2),
        sex: Sex::Male,
        relation: Relation::Head,
        disability: Disability::None,
    }
}

fn turning_65() -> NewMember {
    NewMember {
        name: "최영호".into(),
        birth_date: day(1961, 3, 1),
        sex: Sex::Male,
        relation: Relation::Head,
        disability: Disability::None,
    }
}

/// A visit planned, started and completed with the household met, by `workers`.
fn visit_met(store: &Store, h: Id, purpose: VisitPurpose, on: (i32, u32, u32), workers: Vec<Id>) {
    let (y, m, d) = on;
    let v = store
        .visits()
        .plan(NewVisit {
            household_id: h,
            purpose,
            contact_mode: ContactMode::Home,
            window_start: kst(y, m, d, 10),
            window_end: kst(y, m, d, 12),
            required_roles: vec![],
            assigned: workers,
            note: None,
        })
        .unwrap();
    store.visits().start(v.id, kst(y, m, d, 10)).unwrap();
    store
        .visits()
        .complete(
            v.id,
            kst(y, m, d, 11),
            VisitOutcome::Met,
            Some("식사 잘 하심"),
        )
        .unwrap();
}

async fn the_dashboard_answers_the_phones_due_list_and_figures_from_the_same_records(
    backend: Backend,
) {
    let Some(srv) = server(backend).await else {
        return;
    };
    let o = org(&srv).await;
    let nurse = user(
        &srv,
        o.team_a,
        "박간호",
        Role::VisitingNurse,
        Privilege::Field,
    )
    .await;
    let planner = user(
        &srv,
        o.team_a,
        "김복지",
        Role::WelfarePlanner,
        Privilege::Field,
    )
    .await;
    web_user(&srv, o.dong_a, "lead.a", Privilege::Supervisor).await;
    // A 구청 돌봄SOS officer: she receives the hospitals' discharge referrals and assigns them.
    let officer = user(&srv, o.gu, "구청돌봄", Role::CareManager, Privilege::Field).await;
    let office_code = srv.enrolment_code(officer).await;
    let code = srv.enrolment_code(nurse).await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let (base, path, dong) = (srv.base.clone(), dir.path().join("phone.db"), o.dong_a);
    let (office_base, office_path) = (srv.base.clone(), dir.path().join("office.db"));
    let today = day(2026, 12, 6);
    let period = Period {
        from: day(2026, 1, 1),
        to: today,
    };
    let (agenda, figures) = tokio::task::spawn_blocking(move || {
        let phone = Store::open(&path).unwrap();
        let client = SyncClient::new(Routes::new(base, None)).unwrap();
        let credential = client.enrol(&phone, &code).unwrap();
        client.use_credential(credential);
        client.sync(&phone, &mut ()).unwrap();
        // Two households with a member turning 65 this year: one met at home by the planner and
        // the nurse together in May, one not yet (its universal visit is overdue since the
        // birthday).
        let met65 = household(&phone, dong, 2, vec![turning_65()]);
        visit_met(
            &phone,
            met65.id,
            VisitPurpose::UniversalVisit,
            (2026, 5, 10),
            vec![planner, nurse],
        );
        let due65 = household(&phone, dong, 2, vec![turning_65()]);
        // Its invitation letter came back (반송).
        phone
            .outreach()
            .record(NewOutreachAttempt {
                household_id: due65.id,
                campaign: OutreachCampaign::Age65,
                attempted_on: day(2026, 3, 10),
                mode: OutreachMode::Letter,
                result: OutreachResult::Returned,
                refusal_reason: None,
                worker_id: planner,
                corrects: None,
            })
            .unwrap();
        // A 위기 household met on 11-25 and checked on 11-27: weekly, so overdue since 12-04; and
        // referred to 돌봄SOS on 11-20 with no reply yet (due 11-30).
        let crisis = household(&phone, dong, 5, vec![]);
        visit_met(
            &phone,
            crisis.id,
            VisitPurpose::CrisisMonitoring,
            (2026, 11, 25),
            vec![planner, nurse],
        );
        phone
            .wellness()
            .record(NewWellnessCheck {
                household_id: crisis.id,
                visit_id: None,
                worker_id: nurse,
                checked_at: kst(2026, 11, 27, 15),
                contact_mode: ContactMode::Phone,
                checklist: WellnessChecklist::all_good(),
                note: None,
                corrects: None,
            })
            .unwrap();
        phone
            .referrals()
            .create(NewReferral {
                household_id: crisis.id,
                case_id: None,
                referred_by: nurse,
                target: ReferralTarget::CareSos,
                agency: "성북구 돌봄SOS센터".into(),
                referred_on: day(2026, 11, 20),
                reason: "식사 지원 필요".into(),
            })
            .unwrap();
        // A private resource found for it: a community agency's meal service.
        phone
            .referrals()
            .create(NewReferral {
                household_id: crisis.id,
                case_id: None,
                referred_by: planner,
                target: ReferralTarget::CommunityAgency,
                agency: "길음종합사회복지관".into(),
                referred_on: day(2026, 11, 21),
                reason: "밑반찬 지원".into(),
            })
            .unwrap();
        // A case on the overdue 65 household, delivered and closed on 05-01 as 사례관리가구: its first
        // after-care contact fell due six months later.
        let case = phone
            .cases()
            .open(due65.id, nurse, day(2025, 12, 1))
            .unwrap();
        let mut stage = CaseStage::Intake;
        while stage != CaseStage::Delivery {
            if stage == CaseStage::Classification {
                phone
                    .cases()
                    .classify(case.id, CaseClassification::CaseManaged)
                    .unwrap();
            }
            stage = phone.cases().advance(case.id).unwrap().stage;
        }
        phone
            .cases()
            .close(case.id, day(2026, 5, 1), ClosureReason::SituationImproved)
            .unwrap();
        // A family with a child turning 3 that refused the survey call on 11-02: a visit with
        // the police is due.
        let child = NewMember {
            name: "최하늘".into(),
            birth_date: day(2023, 4, 9),
            sex: Sex::Female,
            relation: Relation::Child,
            disability: Disability::None,
        };
        let family = household(&phone, dong, 1, vec![child]);
        phone
            .outreach()
            .record(NewOutreachAttempt {
                household_id: family.id,
                campaign: OutreachCampaign::Age3Survey,
                attempted_on: day(2026, 11, 2),
                mode: OutreachMode::Phone,
                result: OutreachResult::Refused,
                refusal_reason: Some(RefusalReason::NotNeeded),
                worker_id: planner,
                corrects: None,
            })
            .unwrap();
        // The same family in the 소나무 센터's follow-up since 10-15: its monitoring fell due 30
        // days later.
        phone
            .referrals()
            .create(NewReferral {
                household_id: family.id,
                case_id: None,
                referred_by: planner,
                target: ReferralTarget::CrisisFamilyCentre,
                agency: "성북구 소나무 센터".into(),
                referred_on: day(2026, 10, 15),
                reason: "사후관리".into(),
            })
            .unwrap();
        // Two patients at home after a hospital stay.
        let (home_a, pa) = household_with(&phone, dong, 1, vec![patient()]);
        let (home_b, pb) = household_with(&phone, dong, 1, vec![patient()]);
        let pushed = client.sync(&phone, &mut ()).unwrap();
        assert!(
            pushed.pushed > 0 && phone.outbox_len().unwrap() == 0,
            "{pushed:?}"
        );
        // The district's phone receives the 동's households and records the hospital's two
        // referrals, assigned to the 동 on 12-01 (discharges on 12-05 and 12-03).
        let office = Store::open(office_path).unwrap();
        let office_client = SyncClient::new(Routes::new(office_base, None)).unwrap();
        let credential = office_client.enrol(&office, &office_code).unwrap();
        office_client.use_credential(credential);
        office_client.sync(&office, &mut ()).unwrap();
        let referral = |h: &Household, p: &Person, discharge: NaiveDate| {
            office
                .discharge_referrals()
                .create(NewDischargeReferral {
                    household_id: h.id,
                    person_id: p.id,
                    hospital: "서울의료원".into(),
                    referred_on: day(2026, 11, 30),
                    discharge_on: Some(discharge),
                    assigned_by: officer,
                    assigned_on: day(2026, 12, 1),
                })
                .unwrap()
        };
        let ra = referral(&home_a, &pa[0], day(2026, 12, 5));
        referral(&home_b, &pb[0], day(2026, 12, 3));
        office_client.sync(&office, &mut ()).unwrap();
        assert_eq!(office.outbox_len().unwrap(), 0);
        // The 동 plans the first patient's care on 12-02: services from the discharge; the
        // second's plan is overdue since the discharge.
        client.sync(&phone, &mut ()).unwrap();
        phone
            .discharge_referrals()
            .record_step(ra.id, DischargeStep::CarePlan, Some(day(2026, 12, 2)))
            .unwrap();
        client.sync(&phone, &mut ()).unwrap();
        assert_eq!(phone.outbox_len().unwrap(), 0);
        let agenda = phone.due_today(dong, today).unwrap();
        let records = phone.dong_records(&[dong]).unwrap();
        assert_eq!(records.unreadable, 0);
        (agenda, figures::compute(&records.figures(), &period))
    })
    .await
    .unwrap();

    // What the phone's list holds, so that an empty list on both sides cannot pass.
    let reasons: Vec<DueReason> = agenda
        .overdue
        .iter()
        .chain(&agenda.due_today)
        .chain(&agenda.upcoming)
        .map(|i| i.reason)
        .collect();
    for r in [
        DueReason::Universal65,
        DueReason::CrisisMonitoring,
        DueReason::ReferralFirstReply,
        DueReason::AfterCare,
        DueReason::Age3PoliceVisit,
        DueReason::CrisisFamilyMonitoring,
        DueReason::DischargeCarePlan,
        DueReason::DischargeService,
    ] {
        assert!(reasons.contains(&r), "{r:?} in {reasons:?}");
    }
    assert_eq!(figures.contact_rate[0].contacted.count, 1);
    assert_eq!(figures.contact_rate[0].households, 2);
    assert_eq!(figures.accompanied_65.count, 1);
    assert_eq!(figures.private_resource_links, 1);
    assert_eq!(figures.contact_rate[0].non_response.letter_returned, 1);

    let mut lead = Browser::new(&srv);
    lead.login("lead.a", PASSWORD).await;
    let due = lead
        .get(&format!(
            "/dashboard/api/due?date={today}&unit={}",
            o.dong_a
        ))
        .await;
    assert_eq!(due.status, 200, "{}", due.body);
    assert_eq!(due.body["dongs"][0]["dong_id"], json!(o.dong_a));
    assert_eq!(due.body["dongs"][0]["agenda"], json!(agenda));
    let f = lead
        .get(&format!(
            "/dashboard/api/figures?from={}&to={}&unit={}",
            period.from, period.to, o.dong_a
        ))
        .await;
    assert_eq!(f.status, 200, "{}", f.body);
    assert_eq!(f.body["figures"], json!(figures));
}

on_both_stores!(the_dashboard_answers_the_phones_due_list_and_figures_from_the_same_records);
