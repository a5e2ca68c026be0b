//! A phone as a process: `e2e-device DB URL TOKEN PULL_LIMIT` syncs the store file `DB` with the
//! server at `URL` and prints one line per progress report (`progress <phase> <done> <total>`) and
//! `done <pulled>` at the end, so that a test can kill it at a chosen moment.

use std::io::Write;
use std::process::ExitCode;

use donghaeng_core::store::Store;
use donghaeng_core::sync::device::{Routes, SyncClient, SyncPhase, SyncProgress};

struct Lines;

impl SyncProgress for Lines {
    fn progress(&mut self, phase: SyncPhase, done: u64, total: u64) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "progress {phase:?} {done} {total}");
        let _ = out.flush();
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, url, token, limit] = args.as_slice() else {
        eprintln!("usage: e2e-device DB URL TOKEN PULL_LIMIT");
        return ExitCode::FAILURE;
    };
    let Ok(limit) = limit.parse::<u32>() else {
        eprintln!("PULL_LIMIT must be a number");
        return ExitCode::FAILURE;
    };
    let result = Store::open(db).and_then(|store| {
        let client = SyncClient::new(Routes::new(url.clone(), Some(token.clone())))?
            .with_batches(200, limit);
        client.sync(&store, &mut Lines)
    });
    match result {
        Ok(report) => {
            println!("done {}", report.pulled);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sync failed: {e}");
            ExitCode::FAILURE
        }
    }
}
