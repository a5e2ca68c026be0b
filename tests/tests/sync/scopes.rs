//! Scopes per role over real devices and a real server process: each role's phone ends up holding
//! exactly what it may see; reassigning a household purges it from the volunteer who lost it and
//! brings it to the one who gained it; writes outside a role's scope are refused and stored nowhere.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};
use donghaeng_core::model::*;
use donghaeng_core::store::crisis_reports::NewCrisisReport;
use donghaeng_core::store::households::HouseholdUpdate;
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::services::NewServiceProvision;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::wellness::NewWellnessCheck;
use uuid::Uuid;

use crate::harness::{household, server_dump, user, Device, Org, ServerProcess};

fn phone(dir: &Path, name: &str, url: &str, code: &str) -> Device {
    let d = Device::enrol(dir.join(format!("{name}.db")), None, url, code, url);
    d.sync_until_ok(2);
    d
}

/// The ids a phone holds of one table.
fn ids(d: &Device, table: &str) -> BTreeSet<Uuid> {
    d.store
        .read(|tx| {
            let mut st = tx.prepare(&format!("SELECT id FROM {table}"))?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = BTreeSet::new();
            for r in rows {
                out.insert(Uuid::parse_str(&r?).unwrap());
            }
            Ok(out)
        })
        .unwrap()
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

fn visit(d: &Device, h: Uuid, assigned: Vec<Uuid>) -> Uuid {
    let start = Utc::now() + Duration::days(1);
    d.store
        .visits()
        .plan(NewVisit {
            household_id: h,
            purpose: VisitPurpose::WellnessCheck,
            contact_mode: ContactMode::Home,
            window_start: start,
            window_end: start + Duration::hours(1),
            required_roles: vec![],
            assigned,
            note: None,
        })
        .unwrap()
        .id
}

#[test]
fn every_role_holds_exactly_what_it_may_see_and_reassignment_purges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start(&db);
    let url = server.url();
    let org = Org::create(&db);
    let (dong_b, team_b) = Org::dong_with_team(&db, org.district, "역삼2동");

    let (planner_id, code) = user(&db, org.team, "welfare_planner");
    let (vol_id, vol_code) = user(&db, org.team, "volunteer_neighborhood_care");
    let (vol2_id, vol2_code) = user(&db, org.team, "volunteer_borami");
    let (reporter_id, reporter_code) = user(&db, org.team, "community_reporter");
    let (_, police_code) = user(&db, org.team, "police_officer");
    let (other_id, other_code) = user(&db, team_b, "visiting_nurse");

    let planner = phone(dir.path(), "planner", &url, &code);
    let volunteer = phone(dir.path(), "volunteer", &url, &vol_code);
    let volunteer2 = phone(dir.path(), "volunteer2", &url, &vol2_code);
    let reporter = phone(dir.path(), "reporter", &url, &reporter_code);
    let police = phone(dir.path(), "police", &url, &police_code);
    let other = phone(dir.path(), "other", &url, &other_code);

    // The planner's 동: two households, one visited with the volunteer, and case work on the first.
    let h1 = household(&planner, org.dong, "김영수");
    let h2 = household(&planner, org.dong, "이순자");
    let v1 = visit(&planner, h1, vec![planner_id, vol_id]);
    let v2 = visit(&planner, h2, vec![planner_id]);
    let case = planner
        .store
        .cases()
        .open(
            h1,
            planner_id,
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        )
        .unwrap()
        .id;
    let note = planner
        .store
        .notes()
        .add(NewCaseNote {
            household_id: h1,
            case_id: Some(case),
            visit_id: None,
            author_id: planner_id,
            written_at: Utc::now(),
            body: "긴급복지 생계지원 상담".into(),
            corrects: None,
        })
        .unwrap()
        .id;
    let referral = planner
        .store
        .referrals()
        .create(NewReferral {
            household_id: h1,
            case_id: Some(case),
            referred_by: planner_id,
            target: ReferralTarget::ALL[0],
            agency: "강남구 정신건강복지센터".into(),
            referred_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            reason: "우울감".into(),
        })
        .unwrap()
        .id;
    // Support paid to the household (서울형 긴급복지 생계비): staff only.
    let provision = planner
        .store
        .services()
        .record(NewServiceProvision {
            household_id: h1,
            case_id: Some(case),
            item: ServiceItem::Living,
            provided_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            quantity: None,
            amount_won: Some(300_000),
            recorded_by: planner_id,
            note: Some("생계비 현장 지급 메모".into()),
            corrects: None,
        })
        .unwrap()
        .id;
    planner.sync_until_ok(2);
    // The other 동's nurse: a household of her own.
    let h3 = household(&other, dong_b, "박민호");
    other.sync_until_ok(2);
    // The community reporter reports a household in crisis in the planner's 동.
    let report = reporter
        .store
        .crisis_reports()
        .report(NewCrisisReport {
            dong_id: org.dong,
            reporter_id,
            household_id: None,
            address: Some("역삼동 골목 반지하".into()),
            signs: vec![CrisisSign::ALL[0]],
            note: None,
            reported_at: Utc::now(),
        })
        .unwrap()
        .id;
    reporter.sync_until_ok(2);
    for d in [
        &planner,
        &volunteer,
        &volunteer2,
        &reporter,
        &police,
        &other,
    ] {
        d.sync_until_ok(2);
    }

    // Staff: everything of their 동 and nothing of another.
    assert_eq!(ids(&planner, "households"), set(&[h1, h2]));
    assert_eq!(ids(&planner, "cases"), set(&[case]));
    assert_eq!(ids(&planner, "case_notes"), set(&[note]));
    assert_eq!(ids(&planner, "referrals"), set(&[referral]));
    assert_eq!(ids(&planner, "service_provisions"), set(&[provision]));
    assert!(ids(&other, "service_provisions").is_empty());
    assert_eq!(ids(&planner, "crisis_reports"), set(&[report]));
    assert_eq!(ids(&planner, "visits"), set(&[v1, v2]));
    assert_eq!(ids(&other, "households"), set(&[h3]));
    assert!(ids(&other, "cases").is_empty());
    assert!(ids(&other, "crisis_reports").is_empty());
    // Everyone holds the org tree and the workers of their area.
    assert!(ids(&volunteer, "org_units").contains(&org.dong));
    assert!(ids(&planner, "workers").contains(&vol_id));
    assert!(!ids(&planner, "workers").contains(&other_id));

    // The volunteer: only the household she is assigned to, and none of its case work.
    assert_eq!(ids(&volunteer, "households"), set(&[h1]));
    assert_eq!(ids(&volunteer, "visits"), set(&[v1]));
    assert_eq!(ids(&volunteer, "persons").len(), 1);
    for table in [
        "cases",
        "case_notes",
        "referrals",
        "crisis_reports",
        "service_provisions",
    ] {
        assert!(ids(&volunteer, table).is_empty(), "volunteer holds {table}");
    }
    // Unassigned companions and the reporter hold no household at all.
    assert!(ids(&volunteer2, "households").is_empty());
    assert!(ids(&police, "households").is_empty());
    assert!(ids(&reporter, "households").is_empty());
    assert_eq!(ids(&reporter, "crisis_reports"), set(&[report]));

    // Every role, one phone each in the planner's team, none of them assigned to a visit: staff
    // roles hold both households and the case work, companions and reporters no household.
    for role in Role::ALL {
        let (_, code) = user(&db, org.team, role.code());
        let p = phone(dir.path(), &format!("role-{}", role.code()), &url, &code);
        let staff = matches!(
            role,
            Role::WelfarePlanner
                | Role::VisitingNurse
                | Role::CareManager
                | Role::CaseManager
                | Role::MentalHealthOfficer
        );
        let (households, cases) = if staff {
            (set(&[h1, h2]), set(&[case]))
        } else {
            (BTreeSet::new(), BTreeSet::new())
        };
        assert_eq!(ids(&p, "households"), households, "{role:?}");
        assert_eq!(ids(&p, "cases"), cases, "{role:?}");
        assert!(ids(&p, "org_units").contains(&org.dong), "{role:?}");
        let reports = if staff {
            set(&[report])
        } else {
            BTreeSet::new()
        };
        assert_eq!(ids(&p, "crisis_reports"), reports, "{role:?}");
        let provisions = if staff {
            set(&[provision])
        } else {
            BTreeSet::new()
        };
        assert_eq!(ids(&p, "service_provisions"), provisions, "{role:?}");
    }

    // Writes outside the scope are refused and stored nowhere: the volunteer edits the household,
    // writes a case note and records a service provided; the wellness check she records is hers
    // to write.
    volunteer
        .store
        .households()
        .update(
            h1,
            HouseholdUpdate {
                crisis_level: Some(1),
                ..HouseholdUpdate::default()
            },
        )
        .unwrap();
    let sneaky = volunteer
        .store
        .notes()
        .add(NewCaseNote {
            household_id: h1,
            case_id: None,
            visit_id: Some(v1),
            author_id: vol_id,
            written_at: Utc::now(),
            body: "봉사자가 쓴 상담 기록".into(),
            corrects: None,
        })
        .unwrap()
        .id;
    let paid = volunteer
        .store
        .services()
        .record(NewServiceProvision {
            household_id: h1,
            case_id: None,
            item: ServiceItem::Meals,
            provided_on: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            quantity: Some(2),
            amount_won: None,
            recorded_by: vol_id,
            note: None,
            corrects: None,
        })
        .unwrap()
        .id;
    let check = volunteer
        .store
        .wellness()
        .record(NewWellnessCheck {
            household_id: h1,
            visit_id: Some(v1),
            worker_id: vol_id,
            checked_at: Utc::now(),
            contact_mode: ContactMode::Home,
            checklist: WellnessChecklist::all_good(),
            note: Some("식사 잘 하심".into()),
            corrects: None,
        })
        .unwrap()
        .id;
    let report_back = volunteer.sync_allowing_refusals(2);
    assert_eq!(report_back.refused.len(), 3, "{:?}", report_back.refused);
    assert!(report_back.refused.iter().all(|r| r.code == "out_of_scope"));
    planner.sync_until_ok(2);
    let dump = server_dump(&db);
    assert!(!dump.contains(&sneaky.to_string()));
    assert!(!dump.contains(&paid.to_string()));
    assert!(dump.contains(&check.to_string()));
    assert!(ids(&planner, "wellness_checks").contains(&check));
    let level: i64 = planner
        .store
        .read(|tx| {
            tx.query_row(
                "SELECT crisis_level FROM households WHERE id = ?1",
                [h1.to_string()],
                |r| r.get(0),
            )
            .map_err(Into::into)
        })
        .unwrap();
    assert_eq!(level, 4, "the volunteer's edit did not reach the planner");

    // Reassignment: the planner moves the visit of h1 from the first volunteer to the second.
    planner
        .store
        .visits()
        .assign(v1, &[planner_id, vol2_id])
        .unwrap();
    planner.sync_until_ok(2);
    volunteer.sync_until_ok(2);
    volunteer2.sync_until_ok(2);
    assert!(
        ids(&volunteer, "households").is_empty(),
        "h1 purged from the volunteer who lost it"
    );
    assert!(ids(&volunteer, "visits").is_empty());
    assert!(ids(&volunteer, "persons").is_empty());
    assert!(ids(&volunteer, "wellness_checks").is_empty());
    // The one who gained it receives its earlier history too (backfill), still without case work.
    assert_eq!(ids(&volunteer2, "households"), set(&[h1]));
    assert_eq!(ids(&volunteer2, "persons").len(), 1);
    assert!(ids(&volunteer2, "wellness_checks").contains(&check));
    assert!(ids(&volunteer2, "cases").is_empty());
    assert!(ids(&volunteer2, "case_notes").is_empty());

    // Refusals a phone meets (a forged token, a revoked device): the errors its shell would log.
    let mut device_log = Vec::new();
    let forged = planner.client_for(&url);
    forged.set_bearer_token("forged-token-0000");
    device_log.push(
        forged
            .sync(&planner.store, &mut ())
            .unwrap_err()
            .to_string(),
    );
    crate::harness::admin(
        &db,
        &[
            "revoke-device",
            "--device",
            &other.store.device_id().unwrap().to_string(),
        ],
    );
    device_log.push(other.sync().unwrap_err().to_string());
    assert!(device_log[1].contains("device_revoked") || device_log[1].contains("해지"));

    // No personal data in anything logged during the whole scenario — every line the server wrote
    // at debug level, and the phones' error texts: none of the names, addresses, phone numbers,
    // note or referral text, or report address the scenario wrote.
    let pii = [
        "김영수",
        "이순자",
        "박민호",
        "배우자",
        "김영수로",
        "010-1234-5678",
        "긴급복지 생계지원 상담",
        "정신건강복지센터",
        "우울감",
        "반지하",
        "생계비 현장 지급 메모",
    ];
    let server_log = server.log.lock().unwrap().clone();
    assert!(server_log.len() > 20, "the server logged the scenario");
    for line in server_log.iter().chain(&device_log) {
        for p in pii {
            assert!(
                !line.contains(p),
                "personal data ({p}) in a log line: {line}"
            );
        }
    }
}
