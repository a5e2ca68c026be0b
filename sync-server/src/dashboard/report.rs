//! The figures as a district report (실적 보고): the same rows for the CSV and the xlsx export, with
//! the figures' labels in Korean (English on request), the unit and the period written in the file,
//! and the stable codes in the last two columns for scripts. The numbers are those of
//! [`Figures`], which the JSON API answers too.

use chrono::NaiveDate;
use donghaeng_core::model::outreach::{OutreachMode, RefusalReason};
use donghaeng_core::model::ReferralTarget;
use donghaeng_core::{CoreError, CoreResult};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use super::labels::{label, Lang};
use donghaeng_core::figures::{Figures, ItemFigure, Ratio};

/// What the report is about: the unit's name (`None`: every unit the caller sees) and the period.
#[derive(Debug, Clone)]
pub struct ReportHead {
    pub unit_name: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One row of the report. Empty cells are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// Stable code of the figure (`contact_rate`, `care_sos_services`, …).
    pub figure: &'static str,
    /// Stable code of the row within it (`age65:all`, `temporary_home_care`, …).
    pub key: String,
    pub figure_label: String,
    pub key_label: String,
    pub count: u64,
    pub base: Option<u64>,
    pub rate: Option<f64>,
    pub households: Option<u64>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub amount_won: Option<i64>,
}

/// The header row's label keys, in column order.
pub const COLUMNS: &[&str] = &[
    "col_figure",
    "col_item",
    "col_count",
    "col_base",
    "col_rate",
    "col_households",
    "col_quantity",
    "col_unit",
    "col_amount",
    "col_figure_code",
    "col_key_code",
];

fn ratio_row(figure: &'static str, key: String, labels: (String, String), r: &Ratio) -> ReportRow {
    ReportRow {
        figure,
        key,
        figure_label: labels.0,
        key_label: labels.1,
        count: r.count,
        base: Some(r.base),
        rate: r.rate,
        households: None,
        quantity: None,
        unit: None,
        amount_won: None,
    }
}

fn count_row(figure: &'static str, key: &str, labels: (String, String), n: u64) -> ReportRow {
    ReportRow {
        base: None,
        rate: None,
        ..ratio_row(figure, key.to_owned(), labels, &Ratio::new(n, 0))
    }
}

fn item_row(figure: &'static str, r: &ItemFigure, lang: Lang) -> ReportRow {
    ReportRow {
        figure,
        key: r.item.to_owned(),
        figure_label: label(figure, lang).to_owned(),
        key_label: lang.pick(r.label_ko, r.label_en).to_owned(),
        count: r.count,
        base: None,
        rate: None,
        households: Some(r.households),
        quantity: Some(r.quantity),
        unit: r.unit.map(|u| label(u, lang).to_owned()),
        amount_won: Some(r.amount_won),
    }
}

/// Every row, in the order the page shows the figures.
pub fn rows(f: &Figures, lang: Lang) -> Vec<ReportRow> {
    let l = |k: &str| label(k, lang).to_owned();
    let mut out = Vec::new();
    for c in &f.contact_rate {
        let key_label = |mode: &str| format!("{} · {}", l(c.cohort), l(mode));
        out.push(ratio_row(
            "contact_rate",
            format!("{}:all", c.cohort),
            (l("contact_rate"), key_label("all")),
            &c.contacted,
        ));
        for (m, r) in &c.by_mode {
            out.push(ratio_row(
                "contact_rate",
                format!("{}:{m}", c.cohort),
                (l("contact_rate"), key_label(m)),
                r,
            ));
        }
    }
    for c in &f.contact_rate {
        let n = &c.non_response;
        let key_label = |k: &str| format!("{} · {}", l(c.cohort), l(k));
        for (k, v) in [
            ("not_contacted", n.not_contacted),
            ("letter_delivered", n.letter_delivered),
            ("letter_returned", n.letter_returned),
            ("no_answer", n.no_answer),
            ("refused", n.refused),
            ("responded", n.responded),
            ("no_attempt", n.no_attempt),
        ] {
            out.push(count_row(
                "contact_non_response",
                &format!("{}:{k}", c.cohort),
                (l("non_response"), key_label(k)),
                v,
            ));
        }
        for (reason, v) in &n.refusal_reasons {
            let reason_label = RefusalReason::from_code(reason).map_or(reason.clone(), |r| {
                lang.pick(r.label_ko(), r.label_en()).to_owned()
            });
            out.push(count_row(
                "contact_non_response",
                &format!("{}:refused:{reason}", c.cohort),
                (
                    l("non_response"),
                    format!("{} · {} · {reason_label}", l(c.cohort), l("refused")),
                ),
                *v,
            ));
        }
        for (mode, v) in &c.attempts_by_mode {
            let mode_label = OutreachMode::from_code(mode).map_or(mode.clone(), |m| {
                lang.pick(m.label_ko(), m.label_en()).to_owned()
            });
            out.push(count_row(
                "outreach_attempts",
                &format!("{}:{mode}", c.cohort),
                (
                    l("outreach_attempts"),
                    format!("{} · {mode_label}", l(c.cohort)),
                ),
                *v,
            ));
        }
    }
    out.push(ratio_row(
        "accompanied_visit_rate_65",
        "home".to_owned(),
        (l("accompanied_65"), l("home")),
        &f.accompanied_65,
    ));
    out.push(count_row(
        "crisis_households_found",
        "households",
        (l("crisis"), l("crisis_households")),
        f.crisis_households,
    ));
    out.push(count_row(
        "crisis_reports",
        "reports",
        (l("crisis"), l("crisis_reports")),
        f.crisis_reports,
    ));
    for (target, n) in &f.service_links {
        let target_label = ReferralTarget::from_code(target).map_or(target.clone(), |t| {
            lang.pick(t.label_ko(), t.label_en()).to_owned()
        });
        out.push(count_row(
            "service_links",
            target,
            (l("service_links"), target_label),
            *n,
        ));
    }
    out.push(ratio_row(
        "lonely_death_risk_monitored",
        "households".to_owned(),
        (l("lonely"), l("monitored")),
        &f.lonely_death_risk,
    ));
    out.push(ratio_row(
        "birth_health_links",
        "households".to_owned(),
        (l("birth_health_links"), l("linked")),
        &f.birth_health_links,
    ));
    out.push(ratio_row(
        "accompanied_visit_rate_mental_health",
        "visits".to_owned(),
        (l("accompanied_mental_health"), l("accompanied")),
        &f.accompanied_mental_health,
    ));
    out.push(count_row(
        "private_resources",
        "links",
        (l("private_resources"), l("links")),
        f.private_resource_links,
    ));
    out.push(count_row(
        "private_resources",
        "households",
        (l("private_resources"), l("households")),
        f.private_resource_households,
    ));
    for r in &f.care_sos_services {
        out.push(item_row("care_sos_services", r, lang));
    }
    for r in &f.emergency_support {
        out.push(item_row("emergency_support", r, lang));
    }
    out
}

fn head_cells(head: &ReportHead, lang: Lang) -> [(String, String); 2] {
    [
        (
            label("report_unit", lang).to_owned(),
            head.unit_name
                .clone()
                .unwrap_or_else(|| label("report_all_units", lang).to_owned()),
        ),
        (
            label("report_period", lang).to_owned(),
            format!("{} ~ {}", head.from, head.to),
        ),
    ]
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The report as CSV, UTF-8 with a BOM (so that spreadsheet programs read the Korean): the title,
/// the unit and the period, then the header row and one row per figure. Quoted by the `csv`
/// crate, so a name with a comma or a quote stays in its cell.
pub fn to_csv(f: &Figures, head: &ReportHead, lang: Lang) -> CoreResult<Vec<u8>> {
    let failed = |e: csv::Error| CoreError::storage(format!("cannot write the CSV: {e}"));
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([label("report_title", lang)])
        .map_err(failed)?;
    for (name, value) in head_cells(head, lang) {
        w.write_record([name, value]).map_err(failed)?;
    }
    w.write_record(COLUMNS.iter().map(|c| label(c, lang)))
        .map_err(failed)?;
    for r in rows(f, lang) {
        w.write_record([
            r.figure_label,
            r.key_label,
            r.count.to_string(),
            opt(r.base),
            r.rate.map(|x| format!("{x:.4}")).unwrap_or_default(),
            opt(r.households),
            opt(r.quantity),
            r.unit.unwrap_or_default(),
            opt(r.amount_won),
            r.figure.to_owned(),
            r.key,
        ])
        .map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| CoreError::storage(format!("cannot write the CSV: {e}")))
}

/// The sheet's name.
pub fn sheet_name(lang: Lang) -> &'static str {
    lang.pick("실적", "Figures")
}

/// The row of the header in the xlsx sheet (0-based): title, unit, period, a blank row, header.
pub const XLSX_HEADER_ROW: u32 = 4;

/// The report as an xlsx workbook laid out like a district report: the title, the unit and the
/// period, a header row with the labels, then one row per figure with the numbers as numbers
/// (rates as percentages, amounts with thousands separators).
pub fn to_xlsx(f: &Figures, head: &ReportHead, lang: Lang) -> CoreResult<Vec<u8>> {
    let failed = |e: rust_xlsxwriter::XlsxError| {
        CoreError::storage(format!("cannot write the spreadsheet: {e}"))
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(lang)).map_err(failed)?;
    let title = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF7");
    let percent = Format::new().set_num_format("0.0%");
    let thousands = Format::new().set_num_format("#,##0");
    sheet
        .write_string_with_format(0, 0, label("report_title", lang), &title)
        .map_err(failed)?;
    for (row, (name, value)) in (1u32..).zip(head_cells(head, lang)) {
        sheet
            .write_string_with_format(row, 0, &name, &bold)
            .map_err(failed)?;
        sheet.write_string(row, 1, &value).map_err(failed)?;
    }
    for (col, key) in (0u16..).zip(COLUMNS) {
        sheet
            .write_string_with_format(XLSX_HEADER_ROW, col, label(key, lang), &header)
            .map_err(failed)?;
    }
    for (row, r) in (XLSX_HEADER_ROW + 1..).zip(rows(f, lang)) {
        sheet
            .write_string(row, 0, &r.figure_label)
            .map_err(failed)?;
        sheet.write_string(row, 1, &r.key_label).map_err(failed)?;
        sheet.write_number(row, 2, r.count as f64).map_err(failed)?;
        if let Some(b) = r.base {
            sheet.write_number(row, 3, b as f64).map_err(failed)?;
        }
        if let Some(x) = r.rate {
            sheet
                .write_number_with_format(row, 4, x, &percent)
                .map_err(failed)?;
        }
        if let Some(h) = r.households {
            sheet.write_number(row, 5, h as f64).map_err(failed)?;
        }
        if let Some(q) = r.quantity {
            sheet
                .write_number_with_format(row, 6, q as f64, &thousands)
                .map_err(failed)?;
        }
        if let Some(u) = &r.unit {
            sheet.write_string(row, 7, u).map_err(failed)?;
        }
        if let Some(a) = r.amount_won {
            sheet
                .write_number_with_format(row, 8, a as f64, &thousands)
                .map_err(failed)?;
        }
        sheet.write_string(row, 9, r.figure).map_err(failed)?;
        sheet.write_string(row, 10, &r.key).map_err(failed)?;
    }
    for (col, width) in [(0u16, 28.0), (1, 26.0), (9, 26.0), (10, 22.0)] {
        sheet.set_column_width(col, width).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use donghaeng_core::figures::{compute, FigureRecords, Figures, Period, Ratio};

    use super::{rows, to_csv, ReportHead};
    use crate::dashboard::labels::Lang;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn first_half() -> Period {
        Period {
            from: day("2022-01-01"),
            to: day("2022-06-30"),
        }
    }

    /// The figures of no records (every row present, all 0), with some set as a 동's half-year
    /// would give them (the core's own tests compute such figures from records).
    fn figures() -> Figures {
        let mut f = compute(&FigureRecords::default(), &first_half());
        f.contact_rate[0].households = 4;
        f.contact_rate[0].contacted = Ratio::new(2, 4);
        f.accompanied_65 = Ratio::new(2, 3);
        f.service_links.insert("care_sos".into(), 2);
        let item = |rows: &mut Vec<donghaeng_core::figures::ItemFigure>, code: &str| {
            rows.iter_mut().position(|r| r.item == code).unwrap()
        };
        let i = item(&mut f.care_sos_services, "temporary_home_care");
        let home = &mut f.care_sos_services[i];
        (home.households, home.count, home.quantity, home.amount_won) = (2, 2, 360, 115_170);
        let i = item(&mut f.emergency_support, "living");
        let living = &mut f.emergency_support[i];
        (living.households, living.count, living.amount_won) = (1, 1, 500_000);
        let total = f.emergency_support.last_mut().unwrap();
        (total.households, total.count, total.amount_won) = (2, 2, 1_300_000);
        f
    }

    #[test]
    fn csv_has_the_title_unit_period_a_header_and_one_row_per_figure() {
        let f = figures();
        let head = ReportHead {
            unit_name: Some("길음1동".to_owned()),
            from: first_half().from,
            to: first_half().to,
        };
        let csv = String::from_utf8(to_csv(&f, &head, Lang::Ko).unwrap()).unwrap();
        assert!(
            csv.starts_with(
                "\u{feff}동행 사업 실적\n조직,길음1동\n기간,2022-01-01 ~ 2022-06-30\n\
                 구분,유형·항목,건수,대상,비율,가구,제공량,단위,금액(원),지표 코드,항목 코드\n"
            ),
            "{csv}"
        );
        assert!(
            csv.contains(
                "주민접촉률 (보편방문),65세 · 전체,2,4,0.5000,,,,,contact_rate,age65:all\n"
            ),
            "{csv}"
        );
        assert!(csv
            .contains("65세 동행방문률,가정방문,2,3,0.6667,,,,,accompanied_visit_rate_65,home\n"));
        assert!(
            csv.contains("돌봄SOS센터,2,,,,,,,service_links,care_sos\n"),
            "{csv}"
        );
        assert!(csv.contains(",2,,,2,360,분,115170,care_sos_services,temporary_home_care\n"));
        assert!(csv.contains(",0,,,0,0,일,0,care_sos_services,short_stay\n"));
        assert!(csv.contains(",1,,,1,0,,500000,emergency_support,living\n"));
        assert!(csv.contains("합계,2,,,2,0,,1300000,emergency_support,total\n"));
        // Every figure row has the header's eleven columns.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(records[3..].iter().all(|r| r.len() == 11), "{csv}");
        assert_eq!(records.len(), 3 + 1 + rows(&f, Lang::Ko).len());
        // English on request, codes unchanged.
        let en = String::from_utf8(to_csv(&f, &head, Lang::En).unwrap()).unwrap();
        assert!(en.contains("Contact rate (universal visits),Age 65 · All,2,4,0.5000,,,,,contact_rate,age65:all\n"), "{en}");
        assert!(
            en.contains("\nUnit,길음1동\nPeriod,2022-01-01 ~ 2022-06-30\n"),
            "{en}"
        );
    }

    #[test]
    fn a_unit_name_with_a_comma_or_a_quote_stays_in_its_cell() {
        let head = ReportHead {
            unit_name: Some("성북구, \"시범\"동".to_owned()),
            from: first_half().from,
            to: first_half().to,
        };
        let csv = String::from_utf8(to_csv(&figures(), &head, Lang::Ko).unwrap()).unwrap();
        assert!(csv.contains("\n조직,\"성북구, \"\"시범\"\"동\"\n"), "{csv}");
    }
}
