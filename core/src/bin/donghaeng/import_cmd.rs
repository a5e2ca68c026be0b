//! `donghaeng import`: a 동's existing household list and history into a phone's store
//! (`Store::import_jsonl`, `Store::import_csv`; formats and examples: docs/import.md). Progress on stderr; the report —
//! counts, and every refused row with its line, field and reason in Korean and English — on stdout.
//! Exits non-zero when a row was refused (its batch wrote nothing; fix it and run again: what is
//! already in is skipped).

use std::io::BufReader;
use std::path::PathBuf;

use donghaeng_core::model::Id;
use donghaeng_core::store::import::DEFAULT_BATCH_ROWS;
use donghaeng_core::store::Store;
use donghaeng_core::{CoreError, CoreResult};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The phone's database file.
    #[arg(long)]
    pub db: PathBuf,
    /// A file holding the database key as 64 hexadecimal characters (an encrypted store); without
    /// it the file is opened unencrypted (tools and tests).
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// The 동 the households belong to (its org unit id, already on the phone).
    #[arg(long)]
    pub dong: Id,
    /// Rows per transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH_ROWS)]
    pub batch: usize,
    /// The file's format; by default from its extension (`.csv`: CSV, anything else: JSON Lines).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// CSV without a `type` column: the kind of every row.
    #[arg(long = "type", value_parser = ["household", "person", "visit", "wellness"])]
    pub row_type: Option<String>,
    /// The JSON Lines or CSV file.
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

fn key(path: &PathBuf) -> CoreResult<Vec<u8>> {
    let text = std::fs::read_to_string(path).map_err(CoreError::storage)?;
    let hex = text.trim();
    let bad = || {
        CoreError::invalid(
            "store_key_invalid",
            "key_file",
            "키 파일에는 16진수 64자가 있어야 합니다",
            "the key file must hold 64 hexadecimal characters",
        )
    };
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad()))
        .collect()
}

/// Whether every row went in (the exit status).
pub fn run(args: &ImportArgs) -> CoreResult<bool> {
    let store = match &args.key_file {
        Some(k) => Store::open_encrypted(&args.db, &key(k)?)?,
        None => Store::open(&args.db)?,
    };
    let unreadable =
        |e: std::io::Error| CoreError::storage(format!("{}: {e}", args.file.display()));
    let format = args.format.unwrap_or_else(|| {
        let csv = args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv {
            Format::Csv
        } else {
            Format::Jsonl
        }
    });
    let progress = &mut |rows| eprintln!("  가져오는 중 / importing: {rows}행 / rows");
    let report = match format {
        Format::Jsonl => {
            let file = std::fs::File::open(&args.file).map_err(unreadable)?;
            store.import_jsonl(args.dong, BufReader::new(file), args.batch, progress)?
        }
        Format::Csv => {
            let bytes = std::fs::read(&args.file).map_err(unreadable)?;
            let kind = args.row_type.as_deref();
            store.import_csv(args.dong, &bytes, kind, args.batch, progress)?
        }
    };
    let w = &report.written;
    println!(
        "가져옴 / imported: 가구 {} · 가구원 {} · 방문 {} · 안부확인 {}  (households, members, visits, wellness checks)",
        w.households, w.persons, w.visits, w.wellness_checks
    );
    println!(
        "이미 있음 / already present: {} · 보류 / held back: {} · 거부 / refused: {}",
        report.already_present,
        report.held_back,
        report.refused.len()
    );
    for r in &report.refused {
        println!(
            "  {}행 / line {}  [{}]{}  {} ({})",
            r.line,
            r.line,
            r.code,
            r.field
                .as_deref()
                .map(|f| format!(" {f}"))
                .unwrap_or_default(),
            r.ko,
            r.en
        );
    }
    Ok(report.refused.is_empty())
}
