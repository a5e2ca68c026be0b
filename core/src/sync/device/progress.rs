//! Progress of a long sync (진행률), for the app's progress bar.

/// Which half of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Handing over the outbox.
    Push,
    /// Taking in what is new on the server.
    Pull,
}

/// Told after every batch: `done` of `total` changes of the phase. `total` is exact for a push (the
/// outbox size when the sync began) and for a pull once the server's sequence number is known (a
/// push response carries it); before that it is an estimate that grows page by page.
pub trait SyncProgress {
    fn progress(&mut self, phase: SyncPhase, done: u64, total: u64);
}

/// No progress reporting.
impl SyncProgress for () {
    fn progress(&mut self, _: SyncPhase, _: u64, _: u64) {}
}

/// Keeps every report (tests, logs).
impl SyncProgress for Vec<(SyncPhase, u64, u64)> {
    fn progress(&mut self, phase: SyncPhase, done: u64, total: u64) {
        self.push((phase, done, total));
    }
}
