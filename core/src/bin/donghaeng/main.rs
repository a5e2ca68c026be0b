//! `donghaeng`: the command line of the Donghaeng core. Each subcommand group lives in its own file;
//! this file only dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo_cmd;
mod eligibility_cmd;
mod import_cmd;
mod sync_demo_cmd;

#[derive(Parser)]
#[command(
    name = "donghaeng",
    version,
    about = "Donghaeng (동행) core command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A demo device on a synthetic 동: agenda, monitoring, a visit with its wellness check.
    Demo(demo_cmd::DemoArgs),
    /// Two phones and the sync server: enrolment, sync, and what each role receives.
    SyncDemo(sync_demo_cmd::SyncDemoArgs),
    /// Bulk import of a 동's households and history into a phone's store (docs/import.md).
    Import(import_cmd::ImportArgs),
    /// Welfare eligibility (자격 판정).
    #[command(subcommand)]
    Eligibility(eligibility_cmd::EligibilityCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo_cmd::run(&args),
        Command::SyncDemo(args) => sync_demo_cmd::run(&args),
        Command::Eligibility(cmd) => eligibility_cmd::run(cmd),
        Command::Import(args) => match import_cmd::run(&args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(2),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Korean first, English beside it; the stable code and field for scripts.
            eprint!("{}", e.cli_report());
            ExitCode::from(donghaeng_core::error::CLI_ERROR_EXIT)
        }
    }
}
