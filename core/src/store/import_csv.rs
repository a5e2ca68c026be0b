//! CSV for `donghaeng import` (일괄 가져오기): the same rows as the JSON Lines format
//! ([`super::import`], docs/import.md), one per CSV row under a header that names the fields, so a
//! 동's household list exported from a spreadsheet can be imported as it is.
//!
//! - The header names the fields of docs/import.md; a `type` column gives each row's kind
//!   (`household`, `person`, `visit`, `wellness`), or every row has the kind given to
//!   [`Store::import_csv`] when the file has no such column.
//! - An empty cell is a field left out. List fields (`tags`, `risk_flags`, `assigned`) separate their
//!   values with `;`. The checklist of a wellness check is one column per item: `checklist.meals`,
//!   … (`true`/`false` for `checklist.arrears_signs`, `checklist.utility_cutoff_signs`,
//!   `checklist.needs_referral`).
//! - UTF-8 (with or without a byte-order mark), or EUC-KR / CP949, which Korean spreadsheet software
//!   writes by default; anything else is refused before a row is read.
//! - Line numbers in the report are the file's lines (a quoted cell may span several).

use serde_json::{Map, Value};

use super::import::{unreadable, ImportReport, RefusedRow, Row};
use super::Store;
use crate::model::Id;
use crate::{CoreError, CoreResult};

/// Fields whose cell holds a `;`-separated list.
const LIST_FIELDS: &[&str] = &["tags", "risk_flags", "assigned"];
/// Fields whose cell holds a number.
const NUMBER_FIELDS: &[&str] = &["crisis_level", "lat", "lon"];
/// Checklist items that are yes/no (the others are observations: `good`, `concern` …).
const CHECKLIST_FLAGS: &[&str] = &["arrears_signs", "utility_cutoff_signs", "needs_referral"];
const ROW_KINDS: &[&str] = &["household", "person", "visit", "wellness"];

/// The file's text: UTF-8 (a byte-order mark dropped) or EUC-KR.
fn decode(bytes: &[u8]) -> CoreResult<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(CoreError::invalid(
            "import_encoding_unknown",
            "import.file",
            "파일 인코딩을 알 수 없습니다. UTF-8 또는 EUC-KR(CP949)로 저장하세요.",
            "the file's encoding is unknown; save it as UTF-8 or EUC-KR (CP949)",
        ));
    }
    Ok(text.into_owned())
}

/// One cell as the JSON value its field takes.
fn cell_value(field: &str, cell: &str) -> Result<Value, String> {
    if LIST_FIELDS.contains(&field) {
        let items = cell
            .split(';')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| Value::String(v.to_owned()));
        return Ok(Value::Array(items.collect()));
    }
    if NUMBER_FIELDS.contains(&field) {
        return serde_json::from_str::<serde_json::Number>(cell)
            .map(Value::Number)
            .map_err(|_| format!("{field}: not a number: {cell:?}"));
    }
    if CHECKLIST_FLAGS.contains(&field) {
        return match cell.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "n" => Ok(Value::Bool(false)),
            _ => Err(format!("{field}: not true or false: {cell:?}")),
        };
    }
    Ok(Value::String(cell.to_owned()))
}

/// One CSV row as the JSON object the row reader takes.
fn row_object(
    header: &[String],
    record: &csv::StringRecord,
    kind: Option<&str>,
) -> Result<Value, (String, String)> {
    let mut object = Map::new();
    let mut checklist = Map::new();
    if let Some(kind) = kind {
        object.insert("type".into(), Value::String(kind.into()));
    }
    for (name, cell) in header.iter().zip(record.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let (target, field) = match name.strip_prefix("checklist.") {
            Some(item) => (&mut checklist, item),
            None => (&mut object, name.as_str()),
        };
        let value = cell_value(field, cell).map_err(|m| (name.clone(), m))?;
        target.insert(field.to_owned(), value);
    }
    if !checklist.is_empty() {
        object.insert("checklist".into(), Value::Object(checklist));
    }
    Ok(Value::Object(object))
}

impl Store {
    /// Imports a CSV file (`bytes`, the whole file) into the 동 `dong`: the rows of
    /// [`Store::import_jsonl`], batched and reported the same way. `kind` is the row kind of every row
    /// when the header has no `type` column.
    pub fn import_csv(
        &self,
        dong: Id,
        bytes: &[u8],
        kind: Option<&str>,
        batch_rows: usize,
        progress: &mut dyn FnMut(u64),
    ) -> CoreResult<ImportReport> {
        let text = decode(bytes)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| unreadable_file(&e))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let kind = if header.iter().any(|h| h == "type") {
            None
        } else {
            match kind {
                Some(k) if ROW_KINDS.contains(&k) => Some(k.to_owned()),
                _ => {
                    return Err(CoreError::invalid(
                        "import_row_kind_missing",
                        "import.type",
                        format!(
                            "CSV 머리행에 type 열이 없습니다. 모든 행의 종류를 지정하세요 ({}).",
                            ROW_KINDS.join(", ")
                        ),
                        format!(
                            "the CSV header has no type column; give the kind of every row ({})",
                            ROW_KINDS.join(", ")
                        ),
                    ))
                }
            }
        };
        let rows = reader.into_records().map(move |record| {
            let record = match record {
                Ok(r) => r,
                // A row with the wrong number of cells, or broken quoting: that row is refused.
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Ok((line, Err(csv_refusal(line, &e))));
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            let row = match row_object(&header, &record, kind.as_deref()) {
                Ok(object) => serde_path_to_error::deserialize::<_, Row>(object)
                    .map_err(|e| unreadable(line, e.path().to_string(), e.inner().to_string())),
                Err((field, message)) => Err(RefusedRow {
                    field: Some(field),
                    ..unreadable(line, String::new(), message)
                }),
            };
            Ok((line, row))
        });
        self.import_rows(dong, rows, batch_rows, progress)
    }
}

fn csv_refusal(line: u64, e: &csv::Error) -> RefusedRow {
    unreadable(line, String::new(), e.to_string())
}

fn unreadable_file(e: &csv::Error) -> CoreError {
    CoreError::invalid(
        "import_file_unreadable",
        "import.file",
        format!("CSV 머리행을 읽을 수 없습니다: {e}"),
        format!("the CSV header cannot be read: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::import::tests::dong_with_worker;

    const HOUSEHOLDS: &str = include_str!("../../../docs/examples/import-households.csv");
    const HISTORY: &str = include_str!("../../../docs/examples/import-history.csv");

    fn import(store: &Store, dong: Id, bytes: &[u8], kind: Option<&str>) -> ImportReport {
        let mut seen = Vec::new();
        let r = store
            .import_csv(dong, bytes, kind, 500, &mut |n| seen.push(n))
            .unwrap();
        assert_eq!(seen.last(), Some(&r.rows));
        r
    }

    #[test]
    fn the_example_files_import_and_a_second_run_skips_them() {
        let (store, dong, worker) = dong_with_worker();
        let r = import(&store, dong, HOUSEHOLDS.as_bytes(), Some("household"));
        assert_eq!((r.rows, r.written.households, r.refused.len()), (2, 2, 0));
        let history = HISTORY.replace("@WORKER@", &worker.to_string());
        let r = import(&store, dong, history.as_bytes(), None);
        assert_eq!(r.refused, vec![]);
        assert_eq!((r.written.persons, r.written.wellness_checks), (1, 1));

        let found = store.households().search(dong, "최말순", 10).unwrap();
        let h = &found[0].household;
        assert_eq!(h.crisis_level.value(), 5);
        assert_eq!(h.tags.len(), 2);
        assert_eq!(h.address, "서울특별시 강남구 역삼로 11, 202호");
        assert_eq!(h.location.map(|p| p.lat), Some(37.501));
        let quiet = store.households().search(dong, "정영호", 10).unwrap();
        assert_eq!(
            (
                quiet[0].household.phone.clone(),
                quiet[0].household.location
            ),
            (None, None)
        );
        // The wellness check counted as contact, its checklist read from its columns.
        assert!(found[0].last_contact_at.is_some());

        let again = import(&store, dong, HOUSEHOLDS.as_bytes(), Some("household"));
        assert_eq!((again.written.households, again.already_present), (0, 2));
    }

    #[test]
    fn spreadsheet_korean_encoding_is_read() {
        let (store, dong, _) = dong_with_worker();
        let (bytes, _, lossy) = encoding_rs::EUC_KR.encode(HOUSEHOLDS);
        assert!(!lossy);
        assert!(std::str::from_utf8(&bytes).is_err(), "really EUC-KR");
        let r = import(&store, dong, &bytes, Some("household"));
        assert_eq!(r.written.households, 2);
        assert_eq!(
            store.households().search(dong, "최말순", 10).unwrap().len(),
            1
        );
        // With a byte-order mark, UTF-8 too.
        let bom = [b"\xEF\xBB\xBF".as_slice(), HOUSEHOLDS.as_bytes()].concat();
        let (store, dong, _) = dong_with_worker();
        assert_eq!(
            import(&store, dong, &bom, Some("household"))
                .written
                .households,
            2
        );
    }

    #[test]
    fn bad_rows_name_their_line_and_field_and_write_nothing_of_their_batch() {
        let (store, dong, _) = dong_with_worker();
        let text = "ref,head_name,address,crisis_level,tags\n\
                    H-1,김하나,역삼로 1,3,\n\
                    H-2,,역삼로 2,3,\n\
                    H-3,박셋,\"역삼로\n3\",x,\n\
                    H-4,이넷,역삼로 4,2,no_such_tag\n\
                    H-5,오다섯,역삼로 5\n";
        let r = import(&store, dong, text.as_bytes(), Some("household"));
        let seen: Vec<(u64, Option<&str>)> = r
            .refused
            .iter()
            .map(|b| (b.line, b.field.as_deref()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (3, Some("head_name")),
                // A quoted cell over two lines: the row starts on line 4.
                (4, Some("crisis_level")),
                (6, Some("household.tags")),
                (7, None),
            ],
            "{:?}",
            r.refused
        );
        assert!(r
            .refused
            .iter()
            .all(|b| !b.ko.is_empty() && !b.en.is_empty()));
        assert_eq!((r.written.households, r.held_back), (0, 1));
        assert!(store
            .households()
            .search(dong, "김하나", 10)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_file_that_cannot_be_read_is_refused_before_any_row() {
        let (store, dong, _) = dong_with_worker();
        let e = store
            .import_csv(dong, HOUSEHOLDS.as_bytes(), None, 500, &mut |_| {})
            .unwrap_err();
        assert_eq!(e.code, "import_row_kind_missing");
        let e = store
            .import_csv(
                dong,
                &[0xff, 0xfe, 0x00, 0x81],
                Some("household"),
                500,
                &mut |_| {},
            )
            .unwrap_err();
        assert_eq!(e.code, "import_encoding_unknown");
    }
}
