//! `donghaeng`: the command line of the Donghaeng core.

mod demo_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "donghaeng",
    version,
    about = "동행 — offline-first core of the field-visit app"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A demo device on a synthetic 동: agenda, monitoring, a visit with its wellness check.
    Demo(demo_cmd::DemoArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Demo(args) => demo_cmd::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("오류: {}\nerror: {}", e.ko, e.en);
            std::process::ExitCode::FAILURE
        }
    }
}
