//! `donghaeng eligibility …`: evaluate a household from a JSON file, print the input's JSON Schema,
//! or check a parameter table.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use donghaeng_core::eligibility::{self, ParameterRegistry};
use donghaeng_core::{CoreError, CoreResult};

#[derive(Subcommand)]
pub enum EligibilityCommand {
    /// Evaluates every program (or those listed in the input's `programs`) for one household.
    Evaluate {
        /// The input JSON file (`-` reads standard input).
        #[arg(long)]
        input: PathBuf,
        /// `json` (default) or `text` (the Korean explanation with English).
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// A parameter table to load on top of the built-in ones (repeatable), e.g. next year's figures.
        #[arg(long = "params")]
        params: Vec<PathBuf>,
    },
    /// Prints the JSON Schema of the `evaluate` input (documented in docs/eligibility.md).
    Schema,
    /// Validates parameter table files without evaluating anything.
    CheckParams {
        /// The table files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Text,
}

fn read(path: &Path, field: &str) -> CoreResult<String> {
    let res = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    res.map_err(|e| {
        CoreError::invalid(
            "file_unreadable",
            field,
            format!("파일을 읽을 수 없습니다: {} ({e})", path.display()),
            format!("cannot read file {}: {e}", path.display()),
        )
    })
}

fn registry_with(params: &[PathBuf]) -> CoreResult<ParameterRegistry> {
    let mut reg = ParameterRegistry::with_builtin()?;
    for p in params {
        let json = read(p, "--params")?;
        reg.load_json(&json).map_err(|e| CoreError {
            ko: format!("{}: {}", p.display(), e.ko),
            en: format!("{}: {}", p.display(), e.en),
            ..e
        })?;
    }
    Ok(reg)
}

pub fn run(cmd: EligibilityCommand) -> CoreResult<()> {
    match cmd {
        EligibilityCommand::Evaluate {
            input,
            format,
            params,
        } => {
            let reg = registry_with(&params)?;
            let json = read(&input, "--input")?;
            let parsed = eligibility::EvaluationInput::from_json(&json)?;
            let out = reg.evaluate(&parsed)?;
            match format {
                Format::Json => println!("{}", eligibility::to_json(&out)?),
                Format::Text => print!("{}", eligibility::render_text(&out)),
            }
            Ok(())
        }
        EligibilityCommand::Schema => {
            println!("{}", eligibility::input_schema::input_schema_json());
            Ok(())
        }
        EligibilityCommand::CheckParams { files } => {
            registry_with(&files)?;
            for f in &files {
                println!("기준표 확인 완료 / table valid: {}", f.display());
            }
            Ok(())
        }
    }
}
