//! The synthetic 동: deterministic, realistic, and valid by the store's own rules.

use chrono::NaiveDate;
use donghaeng_core::model::*;
use donghaeng_core::store::households::MonitoringIntervals;
use donghaeng_core::store::Store;
use donghaeng_core::synthetic::{generate, SyntheticConfig};

fn dump(store: &Store) -> Vec<String> {
    store
        .read(|tx| {
            let mut out = Vec::new();
            for q in [
                "SELECT id || head_name || address || crisis_level || tags || risk_flags FROM households ORDER BY id",
                "SELECT id || name || birth_date || relation FROM persons ORDER BY id",
                "SELECT id || household_id || window_start || status || COALESCE(outcome, '') FROM visits ORDER BY id",
                "SELECT visit_id || worker_id FROM visit_workers ORDER BY visit_id, worker_id",
                "SELECT id || meals || health FROM wellness_checks ORDER BY id",
            ] {
                let mut st = tx.prepare(q)?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                for r in rows {
                    out.push(r?);
                }
            }
            Ok(out)
        })
        .unwrap()
}

fn small(seed: u64) -> SyntheticConfig {
    SyntheticConfig {
        seed,
        households: 120,
        workers: 20,
        visits: 1500,
        today: NaiveDate::from_ymd_opt(2024, 5, 20).unwrap(),
    }
}

#[test]
fn same_seed_same_dong_other_seed_other_dong() {
    let a = Store::open_in_memory().unwrap();
    let b = Store::open_in_memory().unwrap();
    let c = Store::open_in_memory().unwrap();
    generate(&a, &small(7)).unwrap();
    generate(&b, &small(7)).unwrap();
    generate(&c, &small(8)).unwrap();
    let (da, db, dc) = (dump(&a), dump(&b), dump(&c));
    assert!(da.len() > 1500);
    assert_eq!(da, db);
    assert_ne!(da, dc);
}

#[test]
fn a_full_dong_is_realistic_and_valid() {
    let store = Store::open_in_memory().unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 5, 20).unwrap();
    let d = generate(&store, &SyntheticConfig::dong(today)).unwrap();
    assert_eq!(d.household_ids.len(), 700);
    assert_eq!(d.workers.len(), 20);
    assert!(
        d.persons > 700 && d.persons < 700 * 6,
        "{} persons",
        d.persons
    );
    assert!(d.wellness_checks > 1000, "{} checks", d.wellness_checks);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let fk: i64 = store
        .read(|tx| {
            Ok(
                tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(fk, 0, "no dangling references");

    // Every household and worker reads back through the repositories (codes, levels, ids all valid),
    // and names and addresses respect the store's limits.
    for id in &d.household_ids {
        let h = store.households().get(*id).unwrap().household;
        assert!(h.head_name.chars().count() <= 60 && h.address.chars().count() <= 200);
        assert!(h.address.starts_with("서울특별시 강남구 "), "{}", h.address);
        let members = store.persons().of_household(*id).unwrap();
        assert!(!members.is_empty() && members.len() <= 6);
        assert_eq!(
            members
                .iter()
                .filter(|p| p.relation == Relation::Head)
                .count(),
            1
        );
        assert!(members.iter().all(|p| p.birth_date <= today));
    }
    for w in &d.workers {
        store.workers().get(w.id).unwrap();
    }
    // Korean search finds the common surnames.
    let kims = store.households().search(d.dong.id, "김", 200).unwrap();
    assert!(kims.len() > 70, "{} households with 김", kims.len());
    assert!(!store
        .households()
        .search(d.dong.id, "역삼로", 10)
        .unwrap()
        .is_empty());
    // Every home visit has two people; staff lead every visit.
    let lonely: i64 = store
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM visits v WHERE contact_mode = 'home'
                   AND (SELECT count(*) FROM visit_workers w WHERE w.visit_id = v.id) < 2",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(lonely, 0);
    let double_booked: i64 = store
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM (SELECT worker_id, window_start FROM visit_workers
                   GROUP BY worker_id, window_start HAVING count(*) > 1)",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(double_booked, 0, "nobody in two places at once");
    assert_eq!(d.visits, 9_000);
    // Staff have a day's agenda; monitoring finds due households.
    let staff = d
        .workers
        .iter()
        .find(|w| w.has_role(Role::WelfarePlanner))
        .unwrap();
    let busiest = (0..14)
        .map(|i| {
            store
                .agenda()
                .for_worker(staff.id, today + chrono::Days::new(i))
                .unwrap()
                .len()
        })
        .max()
        .unwrap();
    assert!(busiest > 0);
    let due = store
        .households()
        .due_for_monitoring(d.dong.id, today, 0, MonitoringIntervals::default())
        .unwrap();
    assert!(!due.is_empty() && due.len() < 700);
}
