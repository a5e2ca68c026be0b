//! Universal-visit outreach (보편방문 안내·접촉 시도, 001 §5): what may be recorded, corrections, and
//! what a bad record does — a typed error naming the field, nothing written, nothing to sync.

use donghaeng_core::model::new_id;
use donghaeng_core::model::outreach::{
    OutreachCohort, OutreachMode, OutreachResult, RefusalReason,
};
use donghaeng_core::store::outreach::NewOutreachAttempt;

use crate::common::{date, fixture, Fixture};

fn attempt(f: &Fixture, household: donghaeng_core::model::Id) -> NewOutreachAttempt {
    NewOutreachAttempt {
        household_id: household,
        cohort: OutreachCohort::Age65,
        attempted_on: date(2024, 5, 2),
        mode: OutreachMode::Letter,
        result: OutreachResult::Delivered,
        refusal_reason: None,
        worker_id: f.planner.id,
        corrects: None,
    }
}

#[test]
fn attempts_are_recorded_corrected_and_read_newest_first() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 2);
    let letter = f.store.outreach().record(attempt(&f, h.id)).unwrap();
    let call = f
        .store
        .outreach()
        .record(NewOutreachAttempt {
            attempted_on: date(2024, 5, 10),
            mode: OutreachMode::Phone,
            result: OutreachResult::NoAnswer,
            ..attempt(&f, h.id)
        })
        .unwrap();
    // The call was in fact a refusal: a new record corrects it.
    let fixed = f
        .store
        .outreach()
        .record(NewOutreachAttempt {
            attempted_on: date(2024, 5, 10),
            mode: OutreachMode::Phone,
            result: OutreachResult::Refused,
            refusal_reason: Some(RefusalReason::AlreadyServed),
            corrects: Some(call.id),
            ..attempt(&f, h.id)
        })
        .unwrap();
    let held: Vec<_> = f
        .store
        .outreach()
        .for_household(h.id)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(held, vec![fixed.id, letter.id]);
    // Each is a change for the server (append-only records).
    let outbox = f.store.outbox(100).unwrap();
    let ours = outbox
        .iter()
        .filter(|c| c.entity == "outreach_attempts")
        .count();
    assert_eq!(ours, 3);
}

#[test]
fn a_bad_attempt_names_its_field_and_writes_nothing() {
    let f = fixture();
    let h = f.household("최영호", "길음로 1", 2);
    let other = f.household("김하나", "길음로 2", 2);
    let theirs = f.store.outreach().record(attempt(&f, other.id)).unwrap();
    let before = f.store.outbox_len().unwrap();
    let cases: Vec<(NewOutreachAttempt, &str, &str)> = vec![
        (
            NewOutreachAttempt {
                result: OutreachResult::NoAnswer,
                ..attempt(&f, h.id)
            },
            "outreach_result_not_for_mode",
            "outreach.result",
        ),
        (
            NewOutreachAttempt {
                mode: OutreachMode::Home,
                result: OutreachResult::Refused,
                ..attempt(&f, h.id)
            },
            "refusal_reason_required",
            "outreach.refusal_reason",
        ),
        (
            NewOutreachAttempt {
                refusal_reason: Some(RefusalReason::Privacy),
                ..attempt(&f, h.id)
            },
            "refusal_reason_not_applicable",
            "outreach.refusal_reason",
        ),
        (
            NewOutreachAttempt {
                attempted_on: date(2024, 5, 21),
                ..attempt(&f, h.id)
            },
            "date_in_future",
            "outreach.attempted_on",
        ),
        (
            NewOutreachAttempt {
                corrects: Some(theirs.id),
                ..attempt(&f, h.id)
            },
            "correction_of_other_household",
            "outreach.corrects",
        ),
    ];
    for (bad, code, field) in cases {
        let e = f.store.outreach().record(bad).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{e}");
        assert!(!e.ko.is_empty() && !e.en.is_empty());
    }
    let e = f
        .store
        .outreach()
        .record(attempt(&f, new_id()))
        .unwrap_err();
    assert_eq!(e.code, "household_not_found");
    assert_eq!(f.store.outbox_len().unwrap(), before, "nothing to sync");
    assert_eq!(f.store.outreach().for_household(h.id).unwrap(), vec![]);
}
