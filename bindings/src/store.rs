//! `DonghaengStore`: the local database as one object for the shells. Every method calls one core
//! operation with the core's own types; no rule of the domain lives here.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use donghaeng_core::model::*;
use donghaeng_core::store::history::HistoryCursor;
use donghaeng_core::store::households::{HouseholdSummary, MonitoringDue};
use donghaeng_core::store::referrals::ReplyDue;
use donghaeng_core::store::services::ItemUsage;
use donghaeng_core::store::{self as s, agenda::AgendaItem, encryption, Store};
use donghaeng_core::synthetic::{self, SyntheticConfig};
use uuid::Uuid;

use crate::error::{invalid, DonghaengError, FfiResult};
use crate::records::*;

/// Limits of `generate_synthetic_dong`, so that a slip of a demo or test cannot fill the phone.
pub const SYNTHETIC_MAX_HOUSEHOLDS: u32 = 10_000;
pub const SYNTHETIC_MAX_WORKERS: u32 = 1_000;
pub const SYNTHETIC_MAX_VISITS: u32 = 100_000;

/// An open local database (one SQLite file). Safe to share across threads; calls are serialised by the
/// core. After `close()` every call fails with `DonghaengError.Closed`.
///
/// Kotlin: the generated class is `AutoCloseable`, whose `close()` frees the handle itself; the store's
/// own `close()` is therefore named `closeStore()` there (see `bindings/uniffi.toml`).
#[derive(uniffi::Object)]
pub struct DonghaengStore {
    inner: RwLock<Option<Arc<Store>>>,
}

impl std::fmt::Debug for DonghaengStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DonghaengStore").finish_non_exhaustive()
    }
}

impl DonghaengStore {
    /// The open store, or `Closed`. An in-flight call keeps its `Arc`, so `close()` never pulls the
    /// connection from under it; the connection closes when the last call returns.
    pub(crate) fn store(&self) -> FfiResult<Arc<Store>> {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(DonghaengError::closed)
    }
}

fn limit(field: &str, value: u32, max: u32) -> FfiResult<usize> {
    if value > max {
        return Err(invalid(
            "too_many",
            field,
            format!("{field}: 최대 {max}입니다 (입력: {value})"),
            format!("{field}: at most {max} (got {value})"),
        ));
    }
    Ok(value as usize)
}

fn check_path(path: &str) -> FfiResult<()> {
    if path.trim().is_empty() {
        return Err(invalid(
            "required",
            "path",
            "path: 데이터 파일 경로를 입력하세요".to_owned(),
            "path: a database file path is required".to_owned(),
        ));
    }
    Ok(())
}

/// Encrypts a plain database file from an earlier version in place under `key` (32 bytes), without
/// loss; `true` if it did, `false` if the file is missing, empty or already encrypted. `open` does this
/// by itself; this is for tools that migrate files without opening them. Crash-safe: the plain file is
/// replaced only by a complete, synced encrypted copy.
#[uniffi::export]
pub fn encrypt_plain_database(path: String, key: Vec<u8>) -> FfiResult<bool> {
    check_path(&path)?;
    let key = encryption::StoreKey::from_bytes(&key)?;
    Ok(encryption::encrypt_plain_file(
        std::path::Path::new(&path),
        &key,
    )?)
}

/// Whether the file at `path` is a plain (unencrypted) SQLite database, e.g. one written by an earlier
/// version of the app before `open` migrates it.
#[uniffi::export]
pub fn is_plain_database(path: String) -> FfiResult<bool> {
    check_path(&path)?;
    Ok(encryption::is_plain_database(std::path::Path::new(&path))?)
}

/// The Korean and English labels of a crisis level (1–5); the core checks the level.
#[uniffi::export]
pub fn crisis_level_label(level: i64) -> FfiResult<Label> {
    let l = CrisisLevel::new(level)?;
    Ok(Label {
        ko: l.label_ko().to_owned(),
        en: l.label_en().to_owned(),
    })
}

#[uniffi::export]
impl DonghaengStore {
    /// Opens (creating if needed) and migrates the **encrypted** database file at `path` with `key`: 32
    /// random bytes the app keeps in the platform keystore (Android Keystore, iOS Keychain). A plain
    /// file from an earlier version is encrypted in place first, without loss (and a migration that was
    /// interrupted is redone). A wrong key throws `WrongKey` (`store_key_wrong`), a key that is not 32
    /// bytes `Invalid` (`store_key_invalid`); the file is left untouched either way.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> FfiResult<Arc<Self>> {
        check_path(&path)?;
        let store = Store::open_encrypted(&path, &key)?;
        Ok(Arc::new(DonghaengStore {
            inner: RwLock::new(Some(Arc::new(store))),
        }))
    }

    /// Re-encrypts the whole file with `new_key` (32 bytes); afterwards only `new_key` opens it. Save
    /// the new key in the keystore only once this returns (until then the old key is the valid one).
    pub fn rekey(&self, new_key: Vec<u8>) -> FfiResult<()> {
        Ok(self.store()?.rekey(&new_key)?)
    }

    /// Closes the database. Idempotent; afterwards every call fails with `Closed`.
    pub fn close(&self) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Closes the database and deletes its file: what a revoked phone does before it returns to
    /// enrolment (`DeviceAccount.sync_now` answered `device_revoked`). Opening the path again makes a
    /// new, empty store. While another call is still running on this store: `store_busy`, nothing
    /// deleted (try again when it returns).
    pub fn wipe(&self) -> FfiResult<()> {
        let mut slot = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let Some(store) = slot.take() else {
            return Err(DonghaengError::closed());
        };
        match Arc::try_unwrap(store) {
            Ok(store) => Ok(store.wipe()?),
            Err(store) => {
                *slot = Some(store);
                Err(donghaeng_core::CoreError::conflict(
                    "store_busy",
                    "다른 작업이 끝나지 않아 데이터를 지우지 못했습니다. 잠시 후 다시 시도하세요.",
                    "another call on the store is still running; nothing was deleted, try again",
                )
                .into())
            }
        }
    }

    /// The sync screen's figures: changes waiting, last success and try, the offline banner.
    pub fn sync_status(&self) -> FfiResult<crate::account::SyncStatus> {
        Ok(self.store()?.sync_status()?)
    }

    pub fn is_closed(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> FfiResult<i64> {
        Ok(self.store()?.schema_version()?)
    }

    /// SQLite's integrity check: "ok" for a healthy file.
    pub fn integrity_check(&self) -> FfiResult<String> {
        Ok(self.store()?.integrity_check()?)
    }

    /// This device's id in sync (made by the store when the file was created).
    pub fn device_id(&self) -> FfiResult<Uuid> {
        Ok(self.store()?.device_id()?)
    }

    /// Changes written here and not yet acknowledged by the sync server (the sync status badge).
    pub fn pending_changes(&self) -> FfiResult<u64> {
        Ok(self.store()?.outbox_len()?)
    }

    // ----------------------------------------------------------------------------------- org units

    /// Creates an org unit; the parent must be the level above (a city has none).
    pub fn create_org_unit(
        &self,
        kind: OrgUnitKind,
        name: String,
        parent_id: Option<Uuid>,
    ) -> FfiResult<OrgUnit> {
        Ok(self.store()?.org().create(kind, &name, parent_id)?)
    }

    pub fn get_org_unit(&self, id: Uuid) -> FfiResult<OrgUnit> {
        Ok(self.store()?.org().get(id)?)
    }

    /// Direct children of a unit, by name.
    pub fn org_unit_children(&self, id: Uuid) -> FfiResult<Vec<OrgUnit>> {
        Ok(self.store()?.org().children(id)?)
    }

    // ------------------------------------------------------------------------------------- workers

    pub fn create_worker(&self, worker: s::workers::NewWorker) -> FfiResult<Worker> {
        Ok(self.store()?.workers().create(worker)?)
    }

    pub fn get_worker(&self, id: Uuid) -> FfiResult<Worker> {
        Ok(self.store()?.workers().get(id)?)
    }

    /// The team's workers, by name.
    pub fn workers_by_team(&self, team_id: Uuid) -> FfiResult<Vec<Worker>> {
        Ok(self.store()?.workers().by_team(team_id)?)
    }

    /// A worker who leaves keeps their history but can no longer be assigned.
    pub fn set_worker_active(&self, id: Uuid, active: bool) -> FfiResult<()> {
        Ok(self.store()?.workers().set_active(id, active)?)
    }

    // ---------------------------------------------------------------------------------- households

    pub fn create_household(&self, household: NewHousehold) -> FfiResult<Household> {
        Ok(self.store()?.households().create(household.into())?)
    }

    /// Registers a household and its members in one transaction: all of it or nothing.
    pub fn create_household_with_members(
        &self,
        household: NewHousehold,
        members: Vec<s::persons::NewMember>,
    ) -> FfiResult<HouseholdWithMembers> {
        let store = self.store()?;
        let (household, members) = store
            .households()
            .create_with_members(household.into(), members)?;
        Ok(HouseholdWithMembers { household, members })
    }

    pub fn get_household(&self, id: Uuid) -> FfiResult<HouseholdSummary> {
        Ok(self.store()?.households().get(id)?)
    }

    /// A household's detail as the detail screen shows it, recorded in the audit trail (who was
    /// shown which household, when, from this phone): use it for every screen that shows a
    /// household to a user, `get_household` only for lookups no one sees.
    pub fn view_household(&self, id: Uuid, viewer_id: Uuid) -> FfiResult<HouseholdSummary> {
        let store = self.store()?;
        let summary = store.households().get(id)?;
        store.audit().household_viewed(viewer_id, id)?;
        Ok(summary)
    }

    /// Applies `update`; every field is validated before anything is written.
    pub fn update_household(&self, id: Uuid, update: HouseholdUpdate) -> FfiResult<Household> {
        let update = update.into_core()?;
        Ok(self.store()?.households().update(id, update)?)
    }

    /// Households of a 동 whose head's name, members' names or address contain `query` (e.g. "김").
    pub fn search_households(
        &self,
        dong_id: Uuid,
        query: String,
        limit: u32,
    ) -> FfiResult<Vec<HouseholdSummary>> {
        Ok(self.store()?.households().search(dong_id, &query, limit)?)
    }

    /// Households of a 동 due for monitoring by `today + horizon_days`, most overdue first.
    /// `intervals` null: the core's defaults.
    pub fn households_due_for_monitoring(
        &self,
        dong_id: Uuid,
        today: NaiveDate,
        horizon_days: u32,
        intervals: Option<MonitoringIntervals>,
    ) -> FfiResult<Vec<MonitoringDue>> {
        let horizon = check_days("monitoring.horizon_days", horizon_days)?;
        let intervals = match intervals {
            Some(i) => i.into_core()?,
            None => Default::default(),
        };
        Ok(self
            .store()?
            .households()
            .due_for_monitoring(dong_id, today, horizon, intervals)?)
    }

    // ------------------------------------------------------------------------------------- persons

    /// Adds a member to an existing household.
    pub fn add_person(&self, person: s::persons::NewPerson) -> FfiResult<Person> {
        Ok(self.store()?.persons().add(person)?)
    }

    /// Members of a household, oldest first.
    pub fn persons_of_household(&self, household_id: Uuid) -> FfiResult<Vec<Person>> {
        Ok(self.store()?.persons().of_household(household_id)?)
    }

    // -------------------------------------------------------------------------------------- visits

    pub fn plan_visit(&self, visit: s::visits::NewVisit) -> FfiResult<Visit> {
        Ok(self.store()?.visits().plan(visit)?)
    }

    pub fn get_visit(&self, id: Uuid) -> FfiResult<Visit> {
        Ok(self.store()?.visits().get(id)?)
    }

    /// Replaces the assigned workers of a visit that is not finished.
    pub fn assign_visit(&self, id: Uuid, worker_ids: Vec<Uuid>) -> FfiResult<Visit> {
        Ok(self.store()?.visits().assign(id, &worker_ids)?)
    }

    /// planned → in progress.
    pub fn start_visit(&self, id: Uuid, at_ms: DateTime<Utc>) -> FfiResult<Visit> {
        Ok(self.store()?.visits().start(id, at_ms)?)
    }

    /// in progress → completed, with the outcome.
    pub fn complete_visit(
        &self,
        id: Uuid,
        at_ms: DateTime<Utc>,
        outcome: VisitOutcome,
        note: Option<String>,
    ) -> FfiResult<Visit> {
        let store = self.store()?;
        Ok(store
            .visits()
            .complete(id, at_ms, outcome, note.as_deref())?)
    }

    /// planned or in progress → cancelled.
    pub fn cancel_visit(&self, id: Uuid, reason: String) -> FfiResult<Visit> {
        Ok(self.store()?.visits().cancel(id, &reason)?)
    }

    /// planned → missed.
    pub fn mark_visit_missed(&self, id: Uuid) -> FfiResult<Visit> {
        Ok(self.store()?.visits().mark_missed(id)?)
    }

    /// missed → planned, in a new window.
    pub fn replan_visit(
        &self,
        id: Uuid,
        window_start_ms: DateTime<Utc>,
        window_end_ms: DateTime<Utc>,
    ) -> FfiResult<Visit> {
        let store = self.store()?;
        Ok(store.visits().replan(id, window_start_ms, window_end_ms)?)
    }

    // ------------------------------------------------------------------------------------ wellness

    pub fn record_wellness_check(
        &self,
        check: s::wellness::NewWellnessCheck,
    ) -> FfiResult<WellnessCheck> {
        Ok(self.store()?.wellness().record(check)?)
    }

    pub fn get_wellness_check(&self, id: Uuid) -> FfiResult<WellnessCheck> {
        Ok(self.store()?.wellness().get(id)?)
    }

    // --------------------------------------------------------------------------------------- notes

    pub fn add_case_note(&self, note: s::notes::NewCaseNote) -> FfiResult<CaseNote> {
        Ok(self.store()?.notes().add(note)?)
    }

    // --------------------------------------------------------------------------------------- cases

    /// Opens a case at intake for a household that has no open case.
    pub fn open_case(
        &self,
        household_id: Uuid,
        manager_id: Uuid,
        opened_on: NaiveDate,
    ) -> FfiResult<Case> {
        let store = self.store()?;
        Ok(store.cases().open(household_id, manager_id, opened_on)?)
    }

    pub fn get_case(&self, id: Uuid) -> FfiResult<Case> {
        Ok(self.store()?.cases().get(id)?)
    }

    pub fn classify_case(&self, id: Uuid, classification: CaseClassification) -> FfiResult<Case> {
        Ok(self.store()?.cases().classify(id, classification)?)
    }

    /// Moves a case to its next stage.
    pub fn advance_case(&self, id: Uuid) -> FfiResult<Case> {
        Ok(self.store()?.cases().advance(id)?)
    }

    pub fn close_case(&self, id: Uuid, on: NaiveDate, reason: ClosureReason) -> FfiResult<Case> {
        Ok(self.store()?.cases().close(id, on, reason)?)
    }

    /// A household's cases, newest first.
    pub fn cases_of_household(&self, household_id: Uuid) -> FfiResult<Vec<Case>> {
        Ok(self.store()?.cases().of_household(household_id)?)
    }

    // ----------------------------------------------------------------------------------- referrals

    pub fn create_referral(&self, referral: s::referrals::NewReferral) -> FfiResult<Referral> {
        Ok(self.store()?.referrals().create(referral)?)
    }

    pub fn get_referral(&self, id: Uuid) -> FfiResult<Referral> {
        Ok(self.store()?.referrals().get(id)?)
    }

    pub fn record_referral_first_reply(
        &self,
        id: Uuid,
        on: NaiveDate,
        note: Option<String>,
    ) -> FfiResult<Referral> {
        let store = self.store()?;
        Ok(store
            .referrals()
            .record_first_reply(id, on, note.as_deref())?)
    }

    pub fn record_referral_service_end(&self, id: Uuid, on: NaiveDate) -> FfiResult<Referral> {
        Ok(self.store()?.referrals().record_service_end(id, on)?)
    }

    pub fn record_referral_final_reply(
        &self,
        id: Uuid,
        on: NaiveDate,
        note: Option<String>,
    ) -> FfiResult<Referral> {
        let store = self.store()?;
        Ok(store
            .referrals()
            .record_final_reply(id, on, note.as_deref())?)
    }

    /// Replies still missing whose due date is on or before `by`, earliest first.
    pub fn referral_replies_due(&self, by: NaiveDate) -> FfiResult<Vec<ReplyDue>> {
        Ok(self.store()?.referrals().replies_due(by)?)
    }

    // ------------------------------------------------------------------------------ crisis reports

    /// Records a crisis report; about a known household it also makes a referral to the 동 team.
    pub fn report_crisis(
        &self,
        report: s::crisis_reports::NewCrisisReport,
    ) -> FfiResult<CrisisReport> {
        Ok(self.store()?.crisis_reports().report(report)?)
    }

    pub fn get_crisis_report(&self, id: Uuid) -> FfiResult<CrisisReport> {
        Ok(self.store()?.crisis_reports().get(id)?)
    }

    /// The 동 team's inbox: reports not yet handled, newest first.
    pub fn crisis_inbox(&self, dong_id: Uuid) -> FfiResult<Vec<CrisisReport>> {
        Ok(self.store()?.crisis_reports().inbox(dong_id)?)
    }

    pub fn mark_crisis_report_handled(&self, id: Uuid) -> FfiResult<CrisisReport> {
        Ok(self.store()?.crisis_reports().mark_handled(id)?)
    }

    // ---------------------------------------------------------------------------------- volunteers

    pub fn record_volunteer_activity(
        &self,
        activity: s::volunteers::NewVolunteerActivity,
    ) -> FfiResult<VolunteerActivity> {
        Ok(self.store()?.volunteers().record(activity)?)
    }

    /// The volunteer's month against the 보라미 terms.
    pub fn volunteer_month(
        &self,
        worker_id: Uuid,
        year: i32,
        month: u32,
    ) -> FfiResult<VolunteerMonth> {
        if !(1..=9999).contains(&year) {
            return Err(invalid(
                "date_out_of_range",
                "year",
                format!("year: 연도는 1~9999 사이여야 합니다 (입력: {year})"),
                format!("year: must be within 1..=9999 (got {year})"),
            ));
        }
        Ok(self.store()?.volunteers().month(worker_id, year, month)?)
    }

    // ------------------------------------------------------------------------------------ services

    /// Records a 돌봄SOS service delivered or a 서울형 긴급복지 support item paid; to mend an earlier
    /// record, pass its id in `corrects`.
    pub fn record_service(&self, service: NewServiceProvision) -> FfiResult<ServiceProvision> {
        let (new, emergency) = service.into_core()?;
        Ok(self.store()?.services().record_with(new, emergency)?)
    }

    // ------------------------------------------------------------------------------------ outreach

    /// Records an attempt to reach a household for its universal visit (보편방문 안내·접촉 시도): a
    /// letter, a call, a knock, and what came of it; a refusal carries its reason. To mend one, pass
    /// its id in `corrects`.
    pub fn record_outreach_attempt(
        &self,
        attempt: s::outreach::NewOutreachAttempt,
    ) -> FfiResult<outreach::OutreachAttempt> {
        Ok(self.store()?.outreach().record(attempt)?)
    }

    /// The texts to send today to households not reached (and, for the 소나무 센터, those who
    /// refused) after a call or a visit in the `days` before `today`; the shell sends each with the
    /// phone's messaging app and records it as an attempt by text.
    pub fn outreach_follow_up_texts(
        &self,
        dong_id: Uuid,
        today: NaiveDate,
        days: u32,
    ) -> FfiResult<Vec<s::outreach::FollowUpText>> {
        Ok(self
            .store()?
            .outreach()
            .follow_up_texts(dong_id, today, days)?)
    }

    /// The household's attempts that count (corrections applied), newest first.
    pub fn outreach_of_household(
        &self,
        household_id: Uuid,
    ) -> FfiResult<Vec<outreach::OutreachAttempt>> {
        Ok(self.store()?.outreach().for_household(household_id)?)
    }

    // ------------------------------------------------------------------- hospital discharges

    /// Records a hospital's discharge referral as the district receives and assigns it to the
    /// patient's 동 (돌봄SOS 퇴원환자 연계). The server accepts it from district staff only.
    pub fn create_discharge_referral(
        &self,
        referral: s::discharge::NewDischargeReferral,
    ) -> FfiResult<discharge::DischargeReferral> {
        Ok(self.store()?.discharge_referrals().create(referral)?)
    }

    /// Records the day of a step (the 동: care plan, service start and end; the district:
    /// confirmation, report); `None` clears one recorded by mistake.
    pub fn record_discharge_step(
        &self,
        id: Uuid,
        step: discharge::DischargeStep,
        on: Option<NaiveDate>,
    ) -> FfiResult<discharge::DischargeReferral> {
        Ok(self
            .store()?
            .discharge_referrals()
            .record_step(id, step, on)?)
    }

    /// Records the day of discharge, planned or actual, as the family tells the 동.
    pub fn record_discharge_day(
        &self,
        id: Uuid,
        on: NaiveDate,
    ) -> FfiResult<discharge::DischargeReferral> {
        Ok(self
            .store()?
            .discharge_referrals()
            .record_discharge_day(id, on)?)
    }

    /// The household's discharge referrals, newest first.
    pub fn discharge_referrals_of_household(
        &self,
        household_id: Uuid,
    ) -> FfiResult<Vec<discharge::DischargeReferral>> {
        Ok(self
            .store()?
            .discharge_referrals()
            .for_household(household_id)?)
    }

    /// Eligibility of a stored household on `as_of`: members' ages and disability, the lonely-death
    /// tag, recorded 서울형 긴급복지 support (crisis reason, new or extra) and this year's 돌봄SOS use
    /// come from the store; income, property and today's crisis from `facts`, which the worker
    /// enters and which are not stored. The core's decision with every check.
    pub fn evaluate_household(
        &self,
        household_id: Uuid,
        as_of: NaiveDate,
        facts: crate::eligibility::EnteredFacts,
    ) -> FfiResult<crate::eligibility::EligibilityResult> {
        let facts = facts.into_core()?;
        let out = self
            .store()?
            .evaluate_household(household_id, as_of, &facts)?;
        Ok(crate::eligibility::result(out))
    }

    /// Withdraws a record entered in error with a new record that voids it (nothing is deleted);
    /// `reason` is required.
    pub fn void_service(
        &self,
        id: Uuid,
        recorded_by: Uuid,
        reason: String,
    ) -> FfiResult<ServiceProvision> {
        Ok(self.store()?.services().void(id, recorded_by, &reason)?)
    }

    /// One record as written (also a corrected or voided one).
    pub fn get_service(&self, id: Uuid) -> FfiResult<ServiceProvision> {
        Ok(self.store()?.services().get(id)?)
    }

    /// The household's services that count (corrections applied, voided ones left out), newest
    /// first.
    pub fn services_of_household(&self, household_id: Uuid) -> FfiResult<Vec<ServiceProvision>> {
        Ok(self.store()?.services().for_household(household_id)?)
    }

    /// What each item came to for the household in calendar `year`, in the catalogue's order: what a
    /// worker checks against the yearly limits before offering more.
    pub fn service_year_usage(&self, household_id: Uuid, year: i32) -> FfiResult<Vec<ItemUsage>> {
        Ok(self.store()?.services().year_usage(household_id, year)?)
    }

    // ---------------------------------------------------------------------------- agenda, history

    /// What is due for the 동 on `today` (Korean date) and why, from the stored records: crisis
    /// cadence, 65/70세, births, after-care, referral replies, volunteers' regular visits, and 3
    /// months without contact (core `Store::due_today`).
    pub fn due_today(
        &self,
        dong_id: Uuid,
        today: NaiveDate,
    ) -> FfiResult<donghaeng_core::schedule::Agenda> {
        Ok(self.store()?.due_today(dong_id, today)?)
    }

    /// The worker's visits on `day` (Korean date), in time order.
    pub fn agenda_for_worker(&self, worker_id: Uuid, day: NaiveDate) -> FfiResult<Vec<AgendaItem>> {
        Ok(self.store()?.agenda().for_worker(worker_id, day)?)
    }

    /// One page (1–100 entries) of a household's history, newest first, older than `after` if given.
    pub fn history_page(
        &self,
        household_id: Uuid,
        after: Option<HistoryCursor>,
        limit: u32,
    ) -> FfiResult<HistoryPage> {
        Ok(self
            .store()?
            .history()
            .page(household_id, after, limit)?
            .into())
    }

    // ----------------------------------------------------------------------------------- synthetic

    /// Fills the store with a synthetic, made-up 동 (demos and tests). Deterministic for a seed: the
    /// same seed twice in one file collides (`storage`).
    pub fn generate_synthetic_dong(
        &self,
        seed: u64,
        households: u32,
        workers: u32,
        visits: u32,
        today: NaiveDate,
    ) -> FfiResult<SyntheticDong> {
        let cfg = SyntheticConfig {
            seed,
            households: limit("synthetic.households", households, SYNTHETIC_MAX_HOUSEHOLDS)?,
            workers: limit("synthetic.workers", workers, SYNTHETIC_MAX_WORKERS)?,
            visits: limit("synthetic.visits", visits, SYNTHETIC_MAX_VISITS)?,
            today,
        };
        // The generator picks a household and a worker for every visit; with none it could not.
        if cfg.visits > 0 && (cfg.households == 0 || cfg.workers == 0) {
            return Err(invalid(
                "visits_need_households_and_workers",
                "synthetic.visits",
                "synthetic.visits: 방문을 만들려면 가구와 직원이 한 명 이상 있어야 합니다"
                    .to_owned(),
                "synthetic.visits: visits need at least one household and one worker".to_owned(),
            ));
        }
        let store = self.store()?;
        Ok(synthetic::generate(&store, &cfg)?.into())
    }
}
