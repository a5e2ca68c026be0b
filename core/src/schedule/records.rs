//! The day's due list from stored records (기록에서 만드는 방문 도래 목록).
//!
//! [`cadence_input`] turns a 동's typed records (the core's `model` types, as the phone's store and the
//! server hold them) into the [`CadenceInput`] the cadence rules read; [`due_agenda`] runs the rules on
//! it. Both are pure: the phone calls them through [`crate::store::Store::due_today`], the server's
//! dashboard on its own typed records, and both get the same list from the same records.
//!
//! What each rule reads from the records (where the records leave a choice, it is ours and said here):
//! - **contact** (접촉): a visit completed with the household met ([`Visit::contact_at`]) or a wellness
//!   check, each on its Korean calendar day;
//! - **65/70세 and births** (001 §5): the members' birth dates; a universal visit (purpose
//!   `universal_visit`) that met the household covers the household's universal visit of that year and
//!   any birth before it (a visit record does not name its cohort; one visit serves the household);
//! - **after-care** (003): each closed case classified 사례관리가구 or 서비스연계가구, with the after-care
//!   contacts (purpose `after_care`) made since its closure; a closure is no longer followed once the
//!   household has a newer case;
//! - **referral replies** (001 §11): every referral except those to the 동 team itself (a crisis report's
//!   referral is the team's own inbox, not a reply it waits for);
//! - **volunteers' regular visits** (001 §3-1): households tagged 고독사 위험 are the ones the 동 designates
//!   for regular visits; their volunteer is the 우리동네돌봄단 / 보라미 member most recently linked to the
//!   household (assigned to one of its visits, or author of a wellness check there), due every
//!   `volunteer_visit_interval_days` after that volunteer's last home contact;
//! - **3 months without contact** (003): an open case (any stage before 종결) since its opening;
//! - **만 3세 survey** (001 §5) and **소나무 센터 follow-up** (001 §10): the outreach attempts of those
//!   campaigns (each correction chain's latest record); a household is in the centre's follow-up
//!   from its referral to the 소나무 센터 until the centre's final reply (종결 회신) is recorded;
//! - **hospital discharges** (001 §9): each discharge referral assigned to the 동, until its services
//!   have started.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::cadence::{
    self, AfterCareClass, Agenda, CadenceHousehold, CadenceInput, CampaignContact, CaseClosure,
    Discharge, Referral as CadenceReferral, UniversalCohort, UniversalVisitRecord,
    VolunteerAssignment,
};
use super::config::CadenceConfig;
use crate::clock::local_date;
use crate::model::discharge::DischargeReferral;
use crate::model::outreach::{self, OutreachAttempt};
use crate::model::{
    Case, CaseClassification, CaseStage, ContactMode, Household, HouseholdTag, Id, Person,
    Referral, ReferralTarget, Visit, VisitPurpose, VisitStatus, WellnessCheck, Worker,
};
use crate::CoreResult;

/// A 동's records, as stored. Records of households not listed are ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct DueRecords<'a> {
    pub households: &'a [Household],
    pub persons: &'a [Person],
    /// Visits with their assigned workers.
    pub visits: &'a [Visit],
    pub wellness_checks: &'a [WellnessCheck],
    pub cases: &'a [Case],
    pub referrals: &'a [Referral],
    /// Outreach attempts of every campaign (corrections are resolved here).
    pub outreach: &'a [OutreachAttempt],
    /// Hospital-discharge referrals (돌봄SOS 퇴원환자 연계).
    pub discharges: &'a [DischargeReferral],
    /// Workers (for the volunteers' roles); workers not listed are not volunteers.
    pub workers: &'a [Worker],
}

/// One contact: the household, the day, the mode, who made it.
struct Contact<'a> {
    household: Id,
    day: NaiveDate,
    home: bool,
    purpose: Option<VisitPurpose>,
    workers: &'a [Id],
}

fn contacts<'a>(r: &DueRecords<'a>) -> Vec<Contact<'a>> {
    let visits = r.visits.iter().filter_map(|v| {
        Some(Contact {
            household: v.household_id,
            day: local_date(v.contact_at()?),
            home: v.contact_mode == ContactMode::Home,
            purpose: Some(v.purpose),
            workers: &v.assigned,
        })
    });
    let checks = r.wellness_checks.iter().map(|w| Contact {
        household: w.household_id,
        day: local_date(w.checked_at),
        home: w.contact_mode == ContactMode::Home,
        purpose: None,
        workers: std::slice::from_ref(&w.worker_id),
    });
    visits.chain(checks).collect()
}

/// The cadence input for `today` from the records. Deterministic: the result depends only on the
/// records, not on their order.
pub fn cadence_input(r: &DueRecords<'_>, today: NaiveDate, config: CadenceConfig) -> CadenceInput {
    let known: BTreeSet<Id> = r.households.iter().map(|h| h.id).collect();
    let contacts = contacts(r);
    let attempts = outreach::current(r.outreach.to_vec());
    let mut households: Vec<CadenceHousehold> = r
        .households
        .iter()
        .map(|h| household(h, r, &contacts, &attempts))
        .collect();
    households.sort_by_key(|h| h.id);
    let mut closures: Vec<CaseClosure> = r
        .cases
        .iter()
        .filter(|c| known.contains(&c.household_id))
        .filter_map(|c| closure(c, r.cases, &contacts))
        .collect();
    closures.sort_by_key(|c| c.case_id);
    let mut referrals: Vec<CadenceReferral> = r
        .referrals
        .iter()
        .filter(|x| known.contains(&x.household_id) && x.target != ReferralTarget::DongTeam)
        .map(|x| CadenceReferral {
            id: x.id,
            household_id: x.household_id,
            referred_on: x.referred_on,
            first_reply_on: x.first_reply_on,
            service_ended_on: x.service_ended_on,
            second_reply_on: x.final_reply_on,
        })
        .collect();
    referrals.sort_by_key(|x| x.id);
    let volunteer_assignments = volunteer_assignments(r, &contacts, &config);
    let mut discharges: Vec<Discharge> = r
        .discharges
        .iter()
        .filter(|d| known.contains(&d.household_id))
        .map(|d| Discharge {
            id: d.id,
            household_id: d.household_id,
            assigned_on: d.assigned_on,
            discharge_on: d.discharge_on,
            care_plan_on: d.care_plan_on,
            service_started_on: d.service_started_on,
        })
        .collect();
    discharges.sort_by_key(|d| d.id);
    CadenceInput {
        today,
        households,
        closures,
        referrals,
        volunteer_assignments,
        discharges,
        config,
    }
}

/// The agenda (overdue, due today, upcoming) for `today` from the records: [`cadence_input`] then
/// [`cadence::agenda`]. A configuration with a zero interval is an error naming the field.
pub fn due_agenda(
    r: &DueRecords<'_>,
    today: NaiveDate,
    config: CadenceConfig,
) -> CoreResult<Agenda> {
    cadence::agenda(&cadence_input(r, today, config))
}

fn household(
    h: &Household,
    r: &DueRecords<'_>,
    contacts: &[Contact<'_>],
    attempts: &[OutreachAttempt],
) -> CadenceHousehold {
    let mut member_birth_dates: Vec<NaiveDate> = r
        .persons
        .iter()
        .filter(|p| p.household_id == h.id)
        .map(|p| p.birth_date)
        .collect();
    member_birth_dates.sort();
    let own = || contacts.iter().filter(|c| c.household == h.id);
    let mut universal_visits: Vec<UniversalVisitRecord> = own()
        .filter(|c| c.purpose == Some(VisitPurpose::UniversalVisit))
        .flat_map(|c| {
            UniversalCohort::ALL
                .iter()
                .map(move |cohort| UniversalVisitRecord {
                    cohort: *cohort,
                    date: c.day,
                })
        })
        .collect();
    universal_visits.sort_by_key(|u| (u.date, u.cohort));
    universal_visits.dedup();
    let open_case_since = r
        .cases
        .iter()
        .filter(|c| c.household_id == h.id && c.stage != CaseStage::Closed)
        .map(|c| c.opened_on)
        .min();
    let mut outreach: Vec<CampaignContact> = attempts
        .iter()
        .filter(|a| a.household_id == h.id)
        .map(|a| CampaignContact {
            campaign: a.campaign,
            date: a.attempted_on,
            result: a.result,
        })
        .collect();
    outreach.sort_by_key(|o| (o.date, o.campaign, o.result));
    let crisis_family_since = r
        .referrals
        .iter()
        .filter(|x| {
            x.household_id == h.id
                && x.target == ReferralTarget::CrisisFamilyCentre
                && x.final_reply_on.is_none()
        })
        .map(|x| x.referred_on)
        .min();
    CadenceHousehold {
        id: h.id,
        crisis_level: h.crisis_level,
        tags: h.tags.clone(),
        risk_flags: h.risk_flags.clone(),
        location: h.location,
        member_birth_dates,
        last_contact: own().map(|c| c.day).max(),
        // The records keep no start of monitoring: a household never contacted is due today.
        monitored_since: None,
        universal_visits,
        open_case_since,
        outreach,
        crisis_family_since,
        archived: h.archived,
    }
}

fn closure(c: &Case, cases: &[Case], contacts: &[Contact<'_>]) -> Option<CaseClosure> {
    let closed_on = c.closed_on.filter(|_| c.stage == CaseStage::Closed)?;
    let classification = match c.classification? {
        CaseClassification::CaseManaged => AfterCareClass::CaseManaged,
        CaseClassification::ServiceLinked => AfterCareClass::ServiceLinked,
        // 사업대상제외가구: no after-care (003).
        CaseClassification::Excluded => return None,
    };
    let superseded = cases
        .iter()
        .any(|o| o.household_id == c.household_id && o.id != c.id && o.opened_on >= closed_on);
    if superseded {
        return None;
    }
    let mut after_care_done: Vec<NaiveDate> = contacts
        .iter()
        .filter(|x| {
            x.household == c.household_id
                && x.purpose == Some(VisitPurpose::AfterCare)
                && x.day >= closed_on
        })
        .map(|x| x.day)
        .collect();
    after_care_done.sort();
    Some(CaseClosure {
        case_id: c.id,
        household_id: c.household_id,
        classification,
        closed_on,
        after_care_done,
    })
}

fn volunteer_assignments(
    r: &DueRecords<'_>,
    contacts: &[Contact<'_>],
    config: &CadenceConfig,
) -> Vec<VolunteerAssignment> {
    let volunteers: BTreeSet<Id> = r
        .workers
        .iter()
        .filter(|w| w.active && w.is_visiting_volunteer())
        .map(|w| w.id)
        .collect();
    let designated: BTreeSet<Id> = r
        .households
        .iter()
        .filter(|h| h.tags.contains(&HouseholdTag::LonelyDeathRisk))
        .map(|h| h.id)
        .collect();
    // (household, volunteer) → (first link, last link): visits they were assigned to, checks they made.
    let mut links: BTreeMap<(Id, Id), (NaiveDate, NaiveDate)> = BTreeMap::new();
    let mut link = |h: Id, w: Id, day: NaiveDate| {
        if designated.contains(&h) && volunteers.contains(&w) {
            let e = links.entry((h, w)).or_insert((day, day));
            e.0 = e.0.min(day);
            e.1 = e.1.max(day);
        }
    };
    for v in r
        .visits
        .iter()
        .filter(|v| v.status != VisitStatus::Cancelled)
    {
        for w in &v.assigned {
            link(v.household_id, *w, local_date(v.window.start));
        }
    }
    for c in r.wellness_checks {
        link(c.household_id, c.worker_id, local_date(c.checked_at));
    }
    // The household's volunteer: the latest link (ties: the greater id, so every replica agrees).
    let mut chosen: BTreeMap<Id, (NaiveDate, Id, NaiveDate)> = BTreeMap::new();
    for ((h, w), (first, last)) in links {
        let e = chosen.entry(h).or_insert((last, w, first));
        if (last, w) > (e.0, e.1) {
            *e = (last, w, first);
        }
    }
    chosen
        .into_iter()
        .map(|(h, (_, w, since))| VolunteerAssignment {
            volunteer_id: w,
            household_id: h,
            interval_days: config.volunteer_visit_interval_days,
            since,
            last_visit: contacts
                .iter()
                .filter(|c| c.household == h && c.home && c.workers.contains(&w))
                .map(|c| c.day)
                .max(),
        })
        .collect()
}
