//! A random workload of repository writes for the device-sync tests: each step is one public
//! repository call on records the store holds (its own or pulled ones), like a worker's day.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use donghaeng_core::clock::FixedClock;
use donghaeng_core::model::*;
use donghaeng_core::store::audit::AuditAction;
use donghaeng_core::store::cases::Cases;
use donghaeng_core::store::crisis_reports::NewCrisisReport;
use donghaeng_core::store::households::{HouseholdUpdate, NewHousehold};
use donghaeng_core::store::notes::NewCaseNote;
use donghaeng_core::store::persons::{NewMember, NewPerson};
use donghaeng_core::store::referrals::NewReferral;
use donghaeng_core::store::services::NewServiceProvision;
use donghaeng_core::store::visits::NewVisit;
use donghaeng_core::store::volunteers::NewVolunteerActivity;
use donghaeng_core::store::wellness::NewWellnessCheck;
use donghaeng_core::store::workers::NewWorker;
use donghaeng_core::store::Store;
use donghaeng_core::CoreResult;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

pub fn store() -> Store {
    Store::open_in_memory_with_clock(Arc::new(FixedClock(t0()))).unwrap()
}

/// A store in a file at `path` (WAL journal), on the same clock as [`store`].
pub fn file_store(path: &std::path::Path) -> Store {
    Store::open_with_clock(path, Arc::new(FixedClock(t0()))).unwrap()
}

/// City → district → 동 → team and three workers, made on `store`.
pub fn seed_org(store: &Store) {
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
    for (name, role) in [
        ("박지은", Role::WelfarePlanner),
        ("이수진", Role::VisitingNurse),
        ("최영희", Role::VolunteerBorami),
    ] {
        store
            .workers()
            .create(NewWorker {
                team_id: team.id,
                name: name.into(),
                roles: vec![role],
                phone: None,
            })
            .unwrap();
    }
}

/// The `k`-th id (modulo the count) of a table's rows, by id; `None` if the table is empty.
pub fn pick(store: &Store, table: &str, filter: &str, k: u8) -> Option<Id> {
    store
        .read(|tx| {
            let n: i64 = tx.query_row(
                &format!("SELECT count(*) FROM {table} WHERE {filter}"),
                [],
                |r| r.get(0),
            )?;
            if n == 0 {
                return Ok(None);
            }
            let s: String = tx.query_row(
                &format!(
                    "SELECT id FROM {table} WHERE {filter} ORDER BY id LIMIT 1 OFFSET {}",
                    i64::from(k) % n
                ),
                [],
                |r| r.get(0),
            )?;
            Ok(Id::parse_str(&s).ok())
        })
        .unwrap()
}

fn names(k: u8) -> &'static str {
    ["김영수", "이순자", "박민호", "정미란", "최동욱", "한지민"][usize::from(k) % 6]
}

fn at(k: u8) -> DateTime<Utc> {
    t0() + Duration::hours(i64::from(k))
}

fn day(k: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + Duration::days(i64::from(k % 28))
}

/// One random repository write. `Err` is a refusal by the repository (an invalid transition, a
/// missing record): it must leave nothing behind.
pub fn step(store: &Store, op: u8, a: u8, b: u8) -> CoreResult<()> {
    let household = || pick(store, "households", "1", a);
    let worker = |k: u8| pick(store, "workers", "active = 1", k);
    let visit = || pick(store, "visits", "1", a);
    let missing = || Ok(());
    match op % 17 {
        0 => {
            let Some(dong) = pick(store, "org_units", "kind = 'dong'", 0) else {
                return missing();
            };
            let members = (0..b % 3)
                .map(|i| NewMember {
                    name: names(a.wrapping_add(i)).into(),
                    birth_date: NaiveDate::from_ymd_opt(1940 + i32::from(i), 5, 1).unwrap(),
                    sex: Sex::ALL[usize::from(i) % 2],
                    relation: Relation::Spouse,
                    disability: Disability::None,
                })
                .collect();
            store.households().create_with_members(
                NewHousehold {
                    dong_id: dong,
                    head_name: names(a).into(),
                    address: format!("서울 강남구 역삼동 {}-{}", a, b),
                    location: (a % 2 == 0).then_some((37.5 + f64::from(b) / 1000.0, 127.03)),
                    crisis_level: i64::from(a % 5) + 1,
                    tags: vec![HouseholdTag::LivesAlone],
                    risk_flags: vec![],
                    phone: None,
                },
                members,
            )?;
        }
        1 => {
            let Some(h) = household() else {
                return missing();
            };
            let mut u = HouseholdUpdate::default();
            if b & 1 != 0 {
                u.crisis_level = Some(i64::from(b % 5) + 1);
            }
            if b & 2 != 0 {
                u.address = Some(format!("서울 강남구 도곡동 {b}"));
            }
            if b & 4 != 0 {
                u.phone = Some((b & 8 != 0).then(|| "010-2222-3333".to_owned()));
            }
            if b & 16 != 0 {
                u.archived = Some(b & 32 != 0);
            }
            if b & 64 != 0 {
                u.location = Some(None);
            }
            store.households().update(h, u)?;
        }
        2 => {
            let Some(h) = household() else {
                return missing();
            };
            store.persons().add(NewPerson {
                household_id: h,
                name: names(b).into(),
                birth_date: NaiveDate::from_ymd_opt(1950, 1, 1 + u32::from(b % 28)).unwrap(),
                sex: Sex::Female,
                relation: Relation::Child,
                disability: Disability::None,
            })?;
        }
        3 => {
            let Some(h) = household() else {
                return missing();
            };
            let assigned = [worker(b), worker(b.wrapping_add(1))]
                .into_iter()
                .flatten()
                .take(usize::from(b % 3))
                .collect();
            store.visits().plan(NewVisit {
                household_id: h,
                purpose: VisitPurpose::CrisisMonitoring,
                contact_mode: ContactMode::Home,
                window_start: at(b),
                window_end: at(b) + Duration::hours(1),
                required_roles: vec![],
                assigned,
                note: None,
            })?;
        }
        4 => {
            let Some(v) = visit() else { return missing() };
            let ws: Vec<Id> = [worker(b), worker(b / 3)].into_iter().flatten().collect();
            store
                .visits()
                .assign(v, &ws[..usize::from(b % 3).min(ws.len())])?;
        }
        5 => {
            let Some(v) = visit() else { return missing() };
            store.visits().start(v, at(b))?;
        }
        6 => {
            let Some(v) = visit() else { return missing() };
            let outcome = VisitOutcome::ALL[usize::from(b) % VisitOutcome::ALL.len()];
            store
                .visits()
                .complete(v, at(b.saturating_add(2)), outcome, Some("방문 완료"))?;
        }
        7 => {
            let Some(v) = visit() else { return missing() };
            store.visits().cancel(v, "가구 부재")?;
        }
        8 => {
            let Some(v) = visit() else { return missing() };
            if b % 2 == 0 {
                store.visits().mark_missed(v)?;
            } else {
                store
                    .visits()
                    .replan(v, at(b), at(b) + Duration::hours(2))?;
            }
        }
        9 => {
            let Some(h) = household() else {
                return missing();
            };
            let Some(w) = worker(b) else { return missing() };
            let corrects = (b % 4 == 0)
                .then(|| {
                    pick(
                        store,
                        "wellness_checks",
                        &format!("household_id = '{h}'"),
                        b,
                    )
                })
                .flatten();
            store.wellness().record(NewWellnessCheck {
                household_id: h,
                visit_id: None,
                worker_id: w,
                checked_at: at(b),
                contact_mode: ContactMode::Phone,
                checklist: WellnessChecklist::all_good(),
                note: (b % 2 == 0).then(|| "식사 잘 하심".to_owned()),
                corrects,
            })?;
        }
        10 => {
            let Some(h) = household() else {
                return missing();
            };
            let Some(w) = worker(b) else { return missing() };
            store.notes().add(NewCaseNote {
                household_id: h,
                case_id: None,
                visit_id: None,
                author_id: w,
                written_at: at(b),
                body: format!("상담 기록 {b}"),
                corrects: None,
            })?;
        }
        11 => case_step(store.cases(), store, a, b)?,
        12 => {
            if let Some(r) = pick(store, "referrals", "1", a).filter(|_| b % 2 == 0) {
                match b % 3 {
                    0 => store
                        .referrals()
                        .record_first_reply(r, day(28), Some("회신"))?,
                    1 => store.referrals().record_service_end(r, day(28))?,
                    _ => store.referrals().record_final_reply(r, day(28), None)?,
                };
            } else if b % 5 == 1 {
                // A service provided: 돌봄SOS (paid or linked) or 서울형 긴급복지 money, sometimes
                // correcting or voiding an earlier one.
                let Some(h) = household() else {
                    return missing();
                };
                let Some(w) = worker(b) else { return missing() };
                let earlier = pick(
                    store,
                    "service_provisions",
                    &format!("household_id = '{h}'"),
                    a,
                );
                if let (Some(old), 0) = (earlier, a % 4) {
                    store.services().void(old, w, "잘못 입력")?;
                    return Ok(());
                }
                let item = ServiceItem::ALL[usize::from(a) % ServiceItem::ALL.len()];
                let (quantity, amount_won) = match item.shape() {
                    ItemShape::Paid(_) => (Some(i64::from(b) + 1), (a % 2 == 0).then_some(14_900)),
                    ItemShape::Linked => (None, None),
                    ItemShape::Money => (None, Some(300_000 + i64::from(b) * 1_000)),
                };
                store.services().record(NewServiceProvision {
                    household_id: h,
                    case_id: None,
                    item,
                    provided_on: day(b % 2),
                    quantity,
                    amount_won,
                    recorded_by: w,
                    note: None,
                    corrects: earlier.filter(|_| a % 4 == 1),
                })?;
            } else {
                let Some(h) = household() else {
                    return missing();
                };
                let Some(w) = worker(b) else { return missing() };
                store.referrals().create(NewReferral {
                    household_id: h,
                    case_id: None,
                    referred_by: w,
                    target: ReferralTarget::ALL[usize::from(b) % ReferralTarget::ALL.len()],
                    agency: "역삼 정신건강복지센터".into(),
                    referred_on: day(b % 5),
                    reason: "우울감".into(),
                })?;
            }
        }
        13 => {
            if let Some(r) = pick(store, "crisis_reports", "1", a).filter(|_| b % 3 == 0) {
                store.crisis_reports().mark_handled(r)?;
            } else {
                let Some(dong) = pick(store, "org_units", "kind = 'dong'", 0) else {
                    return missing();
                };
                let Some(w) = worker(b) else { return missing() };
                let h = (b % 2 == 0).then(household).flatten();
                store.crisis_reports().report(NewCrisisReport {
                    dong_id: dong,
                    reporter_id: w,
                    household_id: h,
                    address: h.is_none().then(|| "역삼동 골목 반지하".to_owned()),
                    signs: vec![CrisisSign::ALL[usize::from(b) % CrisisSign::ALL.len()]],
                    note: None,
                    reported_at: at(b),
                })?;
            }
        }
        14 => {
            let Some(w) = pick(store, "workers", "roles LIKE '%volunteer%'", b) else {
                return missing();
            };
            store.volunteers().record(NewVolunteerActivity {
                worker_id: w,
                day: day(b),
                minutes: 30 + u32::from(b),
                household_id: household(),
                note: None,
            })?;
        }
        15 => {
            let Some(w) = pick(store, "workers", "1", b) else {
                return missing();
            };
            if a % 3 == 0 {
                // A household's detail shown: an audit entry (append-only, synced). No actor:
                // the workload does not know the phone's user, and a server with scopes takes
                // a phone's entries only as its own user or as nobody.
                let Some(h) = household() else {
                    return missing();
                };
                store.audit().record(
                    None,
                    AuditAction::Viewed,
                    Some("households"),
                    Some(h),
                    Some(h),
                    None,
                )?;
            } else {
                store.workers().set_active(w, a % 4 != 0)?;
            }
        }
        _ => {
            let Some(team) = pick(store, "org_units", "kind = 'team'", 0) else {
                return missing();
            };
            store.workers().create(NewWorker {
                team_id: team,
                name: names(b).into(),
                roles: vec![Role::ALL[usize::from(b) % Role::ALL.len()]],
                phone: Some("010-1111-2222".into()),
            })?;
        }
    }
    Ok(())
}

fn case_step(cases: Cases<'_>, store: &Store, a: u8, b: u8) -> CoreResult<()> {
    match (pick(store, "cases", "1", a), b % 4) {
        (Some(c), 1) => {
            cases.classify(c, CaseClassification::ALL[usize::from(a) % 2])?;
        }
        (Some(c), 2) => {
            cases.advance(c)?;
        }
        (Some(c), 3) => {
            let reason = ClosureReason::ALL[usize::from(a) % ClosureReason::ALL.len()];
            cases.close(c, day(27), reason)?;
        }
        _ => {
            let (Some(h), Some(w)) = (
                pick(store, "households", "1", a),
                pick(store, "workers", "1", b),
            ) else {
                return Ok(());
            };
            cases.open(h, w, day(b))?;
        }
    }
    Ok(())
}
