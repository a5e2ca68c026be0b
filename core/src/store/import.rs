//! Bulk import (일괄 가져오기): a 동's existing household list and history — households, members,
//! visits in their final state, wellness checks — from a JSON Lines file into the phone's store, in
//! batched transactions, each row checked by the same rules as the app's own writes and captured for
//! sync. Format and example: docs/import.md.
//!
//! - A batch is one transaction: a batch with a bad row writes nothing, and every bad row of it is
//!   reported with its line, field and reason in Korean and English; later batches go on.
//! - Ids are derived from the file's own keys (`ref`) and the 동 (UUID v5), so importing the same
//!   file again (after fixing a refused batch) skips what is already there instead of doubling it.
//! - Records refer to households by `ref`, to workers by their id (workers come from the server).

use std::collections::BTreeSet;
use std::io::BufRead;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;

use super::device_sync::capture::Capture;
use super::households::NewHousehold;
use super::persons::NewMember;
use super::visits::PastVisit;
use super::wellness::NewWellnessCheck;
use super::Store;
use crate::model::{
    ContactMode, Disability, HouseholdTag, Id, Relation, RiskFlag, Sex, VisitOutcome, VisitPurpose,
    VisitStatus, WellnessChecklist,
};
use crate::{CoreError, CoreResult};

/// Rows per transaction unless told otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 500;

/// One line of the file (or one row of a CSV file, [`super::import_csv`]).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum Row {
    Household {
        #[serde(rename = "ref")]
        key: String,
        head_name: String,
        address: String,
        crisis_level: i64,
        #[serde(default)]
        tags: Vec<HouseholdTag>,
        #[serde(default)]
        risk_flags: Vec<RiskFlag>,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        lat: Option<f64>,
        #[serde(default)]
        lon: Option<f64>,
    },
    Person {
        household: String,
        name: String,
        birth_date: NaiveDate,
        sex: Sex,
        relation: Relation,
        #[serde(default = "no_disability")]
        disability: Disability,
    },
    Visit {
        #[serde(rename = "ref")]
        key: String,
        household: String,
        purpose: VisitPurpose,
        contact_mode: ContactMode,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        #[serde(default)]
        assigned: Vec<Id>,
        status: VisitStatus,
        #[serde(default)]
        started_at: Option<DateTime<Utc>>,
        #[serde(default)]
        completed_at: Option<DateTime<Utc>>,
        #[serde(default)]
        outcome: Option<VisitOutcome>,
        #[serde(default)]
        note: Option<String>,
    },
    Wellness {
        #[serde(rename = "ref")]
        key: String,
        household: String,
        #[serde(default)]
        visit: Option<String>,
        worker_id: Id,
        checked_at: DateTime<Utc>,
        contact_mode: ContactMode,
        checklist: WellnessChecklist,
        #[serde(default)]
        note: Option<String>,
    },
}

fn no_disability() -> Disability {
    Disability::None
}

/// Counts of what an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub households: u64,
    pub persons: u64,
    pub visits: u64,
    pub wellness_checks: u64,
}

/// A row that was not written, and why. Its batch wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    /// 1-based line of the file.
    pub line: u64,
    pub code: String,
    pub field: Option<String>,
    pub ko: String,
    pub en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Non-empty lines read.
    pub rows: u64,
    pub written: ImportCounts,
    /// Rows already in the store (an earlier import of the same file).
    pub already_present: u64,
    pub refused: Vec<RefusedRow>,
    /// Rows not written because another row of their batch was refused.
    pub held_back: u64,
}

/// The id a record of the file gets: the same key in the same 동 always gives the same id.
fn derived_id(dong: Id, kind: &str, key: &str) -> Id {
    Id::new_v5(&dong, format!("{kind}:{key}").as_bytes())
}

fn refused(line: u64, e: CoreError) -> RefusedRow {
    RefusedRow {
        line,
        code: e.code.to_owned(),
        field: e.field,
        ko: e.ko,
        en: e.en,
    }
}

/// The field a serde message names, when the path is lost (an internally tagged row is buffered
/// before it is read, so serde_path_to_error sees no path): the code's domain of an unknown code
/// (`unknown code for person.disability: …`) or a missing field.
fn field_of_message(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("unknown code for ") {
        return rest.split(':').next().map(str::to_owned);
    }
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

pub(super) fn unreadable(line: u64, path: String, message: String) -> RefusedRow {
    let field = (!path.is_empty() && path != ".")
        .then_some(path)
        .or_else(|| field_of_message(&message));
    RefusedRow {
        line,
        code: "import_row_unreadable".to_owned(),
        field,
        ko: format!("행을 읽을 수 없습니다: {message}"),
        en: format!("the row cannot be read: {message}"),
    }
}

fn exists(tx: &Connection, table: &str, id: Id) -> CoreResult<bool> {
    Ok(tx
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Store {
    /// Imports the JSON Lines in `input` into the 동 `dong`, `batch_rows` rows per transaction;
    /// `progress(rows_done)` after each batch. A file that cannot be read at all (I/O) is an error;
    /// a bad row is reported, never written, and holds back its batch.
    pub fn import_jsonl(
        &self,
        dong: Id,
        input: impl BufRead,
        batch_rows: usize,
        progress: &mut dyn FnMut(u64),
    ) -> CoreResult<ImportReport> {
        let rows = input.lines().enumerate().filter_map(|(i, line)| {
            let line_no = i as u64 + 1;
            let text = match line {
                Ok(text) if text.trim().is_empty() => return None,
                Ok(text) => text,
                Err(e) => return Some(Err(CoreError::storage(format!("import file: {e}")))),
            };
            let mut de = serde_json::Deserializer::from_str(&text);
            Some(Ok((
                line_no,
                serde_path_to_error::deserialize::<_, Row>(&mut de)
                    .map_err(|e| unreadable(line_no, e.path().to_string(), e.inner().to_string())),
            )))
        });
        self.import_rows(dong, rows, batch_rows, progress)
    }

    /// The batching every import format shares: rows (their line, and the row or why it could not
    /// be read) into the 동 `dong`, `batch_rows` per transaction, `progress(rows_done)` after each.
    pub(super) fn import_rows(
        &self,
        dong: Id,
        rows: impl Iterator<Item = CoreResult<(u64, Result<Row, RefusedRow>)>>,
        batch_rows: usize,
        progress: &mut dyn FnMut(u64),
    ) -> CoreResult<ImportReport> {
        self.read(|tx| {
            super::org::require(tx, dong, crate::model::OrgUnitKind::Dong, "import.dong_id")
                .map(|_| ())
        })?;
        let mut report = ImportReport::default();
        let mut batch: Vec<(u64, Row)> = Vec::new();
        let mut bad: Vec<RefusedRow> = Vec::new();
        for row in rows {
            let (line_no, row) = row?;
            report.rows += 1;
            match row {
                Ok(row) => batch.push((line_no, row)),
                Err(refusal) => bad.push(refusal),
            }
            if batch.len() + bad.len() >= batch_rows.max(1) {
                self.import_batch(dong, std::mem::take(&mut batch), &mut bad, &mut report)?;
                progress(report.rows);
            }
        }
        if !(batch.is_empty() && bad.is_empty()) {
            self.import_batch(dong, batch, &mut bad, &mut report)?;
            progress(report.rows);
        }
        Ok(report)
    }

    fn import_batch(
        &self,
        dong: Id,
        rows: Vec<(u64, Row)>,
        bad: &mut Vec<RefusedRow>,
        report: &mut ImportReport,
    ) -> CoreResult<()> {
        if rows.is_empty() && bad.is_empty() {
            return Ok(());
        }
        let count = rows.len() as u64;
        let unreadable = bad.len();
        let mut counts = ImportCounts::default();
        let mut present = 0;
        let outcome = self.write_synced(|tx, cap| {
            let mut touched = BTreeSet::new();
            for (line, row) in rows {
                match self.import_row(tx, cap, dong, row, &mut counts, &mut touched) {
                    Ok(true) => {}
                    Ok(false) => present += 1,
                    Err(e) if e.kind == crate::ErrorCode::Storage => return Err(e),
                    Err(e) => bad.push(refused(line, e)),
                }
            }
            if !bad.is_empty() {
                return Err(CoreError::invalid("import_batch_refused", "import", "", ""));
            }
            for h in touched {
                super::households::refresh_search_text(tx, h)?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {
                let w = &mut report.written;
                w.households += counts.households;
                w.persons += counts.persons;
                w.visits += counts.visits;
                w.wellness_checks += counts.wellness_checks;
                report.already_present += present;
            }
            Err(e) if e.code == "import_batch_refused" => {
                let refused_parsed = (bad.len() - unreadable) as u64;
                report.held_back += count - refused_parsed;
                bad.sort_by_key(|r| r.line);
                report.refused.append(bad);
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Writes one row; `Ok(false)` when it is already in the store.
    fn import_row(
        &self,
        tx: &Connection,
        cap: &mut Capture,
        dong: Id,
        row: Row,
        counts: &mut ImportCounts,
        touched: &mut BTreeSet<Id>,
    ) -> CoreResult<bool> {
        match row {
            Row::Household {
                key,
                head_name,
                address,
                crisis_level,
                tags,
                risk_flags,
                phone,
                lat,
                lon,
            } => {
                let id = derived_id(dong, "household", &key);
                if exists(tx, "households", id)? {
                    return Ok(false);
                }
                let mut h = super::households::validate(NewHousehold {
                    dong_id: dong,
                    head_name,
                    address,
                    location: lat.zip(lon),
                    crisis_level,
                    tags,
                    risk_flags,
                    phone,
                })?;
                h.id = id;
                super::households::insert(tx, &h)?;
                cap.upsert(tx, "households", id, None)?;
                touched.insert(id);
                counts.households += 1;
            }
            Row::Person {
                household,
                name,
                birth_date,
                sex,
                relation,
                disability,
            } => {
                let household_id = derived_id(dong, "household", &household);
                let id = derived_id(dong, "person", &format!("{household}/{name}/{birth_date}"));
                if exists(tx, "persons", id)? {
                    return Ok(false);
                }
                super::households::require(tx, household_id)?;
                let member = NewMember {
                    name,
                    birth_date,
                    sex,
                    relation,
                    disability,
                };
                let mut p = super::persons::validate(self, household_id, member)?;
                p.id = id;
                super::persons::insert(tx, &p)?;
                cap.upsert(tx, "persons", id, None)?;
                touched.insert(household_id);
                counts.persons += 1;
            }
            Row::Visit {
                key,
                household,
                purpose,
                contact_mode,
                window_start,
                window_end,
                assigned,
                status,
                started_at,
                completed_at,
                outcome,
                note,
            } => {
                let id = derived_id(dong, "visit", &key);
                if exists(tx, "visits", id)? {
                    return Ok(false);
                }
                let past = PastVisit {
                    household_id: derived_id(dong, "household", &household),
                    purpose,
                    contact_mode,
                    window_start,
                    window_end,
                    assigned,
                    status,
                    started_at,
                    completed_at,
                    outcome,
                    note,
                };
                let v = super::visits::past_visit(tx, id, past)?;
                super::visits::insert_past(tx, cap, &v)?;
                counts.visits += 1;
            }
            Row::Wellness {
                key,
                household,
                visit,
                worker_id,
                checked_at,
                contact_mode,
                checklist,
                note,
            } => {
                let id = derived_id(dong, "wellness", &key);
                if exists(tx, "wellness_checks", id)? {
                    return Ok(false);
                }
                let new = NewWellnessCheck {
                    household_id: derived_id(dong, "household", &household),
                    worker_id,
                    checked_at,
                    contact_mode,
                    checklist,
                    visit_id: visit.map(|v| derived_id(dong, "visit", &v)),
                    note,
                    corrects: None,
                };
                super::wellness::record_in(tx, cap, id, new)?;
                counts.wellness_checks += 1;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{OrgUnitKind, Role};
    use crate::store::workers::NewWorker;

    const EXAMPLE: &str = include_str!("../../../docs/examples/import-dong.jsonl");

    pub(crate) fn dong_with_worker() -> (Store, Id, Id) {
        let store = Store::open_in_memory().unwrap();
        let org = store.org();
        let city = org.create(OrgUnitKind::City, "서울특별시", None).unwrap();
        let district = org
            .create(OrgUnitKind::District, "강남구", Some(city.id))
            .unwrap();
        let dong = org
            .create(OrgUnitKind::Dong, "역삼1동", Some(district.id))
            .unwrap();
        let team = org
            .create(OrgUnitKind::Team, "복지1팀", Some(dong.id))
            .unwrap();
        let worker = store
            .workers()
            .create(NewWorker {
                team_id: team.id,
                name: "박복지".into(),
                roles: vec![Role::WelfarePlanner],
                phone: None,
            })
            .unwrap();
        (store, dong.id, worker.id)
    }

    fn import(store: &Store, dong: Id, text: &str, batch: usize) -> ImportReport {
        let mut seen = Vec::new();
        let r = store
            .import_jsonl(dong, text.as_bytes(), batch, &mut |n| seen.push(n))
            .unwrap();
        assert_eq!(seen.last(), Some(&r.rows));
        r
    }

    #[test]
    fn the_example_file_imports_whole_once_and_again_adds_nothing() {
        let (store, dong, worker) = dong_with_worker();
        let text = EXAMPLE.replace("@WORKER@", &worker.to_string());
        let before = store.outbox_len().unwrap();
        let r = import(&store, dong, &text, 3);
        assert_eq!(r.refused, vec![]);
        assert_eq!(
            r.written,
            ImportCounts {
                households: 2,
                persons: 2,
                visits: 2,
                wellness_checks: 1
            }
        );
        // Captured for sync: each record once (a visit in its final state is one change, plus one
        // for its assignments when it has workers), nothing walked through the life cycle.
        assert_eq!(store.outbox_len().unwrap() - before, 2 + 2 + (2 + 1) + 1);
        let h = derived_id(dong, "household", "H-001");
        let v = store
            .visits()
            .get(derived_id(dong, "visit", "V-2026-0312"))
            .unwrap();
        assert_eq!(v.status, VisitStatus::Completed);
        assert_eq!(v.outcome, Some(VisitOutcome::Met));
        assert_eq!(v.assigned, vec![worker]);
        let summary = store.households().get(h).unwrap();
        assert_eq!(summary.household.head_name, "김영희");
        assert!(summary.last_contact_at.is_some());
        // The same file again: everything is there already, nothing is doubled.
        let again = import(&store, dong, &text, 3);
        assert_eq!(again.written, ImportCounts::default());
        assert_eq!(again.already_present, 7);
        assert_eq!(store.outbox_len().unwrap() - before, 8);
    }

    #[test]
    fn a_bad_row_names_its_line_and_field_and_holds_back_its_batch_only() {
        let (store, dong, _) = dong_with_worker();
        let text = [
            r#"{"type": "household", "ref": "A", "head_name": "가", "address": "주소 1", "crisis_level": 3}"#,
            r#"{"type": "household", "ref": "B", "head_name": "나", "address": "주소 2", "crisis_level": 9}"#,
            r#"{"type": "person", "household": "A", "name": "가", "birth_date": "1950-01-01", "sex": "female", "relation": "head", "disability": "unknown"}"#,
            "",
            r#"{"type": "household", "ref": "C", "head_name": "다", "address": "주소 3", "crisis_level": 1}"#,
            r#"{"type": "visit", "ref": "X", "household": "C", "purpose": "crisis_monitoring", "contact_mode": "home", "window_start": "2026-03-12T10:00:00+09:00", "window_end": "2026-03-12T11:00:00+09:00", "status": "completed"}"#,
            r#"{"type": "household", "ref": "D", "head_name": "라", "address": "주소 4", "crisis_level": 1}"#,
        ]
        .join("\n");
        let r = import(&store, dong, &text, 3);
        let seen: Vec<(u64, &str, Option<&str>)> = r
            .refused
            .iter()
            .map(|x| (x.line, x.code.as_str(), x.field.as_deref()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    2,
                    "crisis_level_out_of_range",
                    Some("household.crisis_level")
                ),
                (3, "import_row_unreadable", Some("person.disability")),
                (6, "visit_state_inconsistent", Some("visit.outcome")),
            ]
        );
        assert!(r
            .refused
            .iter()
            .all(|x| !x.ko.is_empty() && !x.en.is_empty()));
        // Batches: lines 1–3 (A held back), 5–7 (C held back, D too); nothing of them written.
        assert_eq!(r.held_back, 3);
        assert_eq!(r.written, ImportCounts::default());
        assert!(store.households().search(dong, "", 10).unwrap().is_empty());
        // Unknown 동: refused before anything is read.
        let e = store
            .import_jsonl(Id::now_v7(), "".as_bytes(), 10, &mut |_| {})
            .unwrap_err();
        assert_eq!(e.kind, crate::ErrorCode::NotFound);
    }
}
