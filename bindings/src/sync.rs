//! Sync (동기화) for the shells: a [`SyncClient`] over the core's device client (push the outbox, pull
//! and apply pages, each step safe to interrupt), and the foreign trait [`SyncProgressListener`] the
//! app implements for its progress bar. Failures are the core's typed errors (`offline`, `timeout`,
//! `unauthorised`, `device_revoked`, `incompatible_version`, `server_refused`, all `Conflict`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use donghaeng_core::sync::device as dv;

use crate::error::{FfiResult, ListenerError};
use crate::store::DonghaengStore;

/// Which half of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    Push,
    Pull,
}

impl From<dv::SyncPhase> for SyncPhase {
    fn from(p: dv::SyncPhase) -> Self {
        match p {
            dv::SyncPhase::Push => SyncPhase::Push,
            dv::SyncPhase::Pull => SyncPhase::Pull,
        }
    }
}

/// Implemented by the app: told after every batch, `done` of `total` changes of the phase. A listener
/// that throws never stops the sync; the failure is counted in the report.
#[uniffi::export(with_foreign)]
pub trait SyncProgressListener: Send + Sync {
    fn on_progress(&self, phase: SyncPhase, done: u64, total: u64) -> Result<(), ListenerError>;
}

/// A change the server refused for good (kept on the device for support staff).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedChange {
    pub change_id: String,
    pub code: String,
    pub ko: String,
    pub en: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub pushed: u64,
    pub restamped: u64,
    pub refused: Vec<RefusedChange>,
    pub pulled: u64,
    /// Records a new phone took from a snapshot instead of the change feed (docs/sync.md
    /// "Snapshot").
    pub snapshot_records: u64,
    pub pages: u64,
    pub cursor: u64,
    /// How many times the progress listener threw.
    pub listener_failures: u64,
}

/// The core's progress callback over the app's listener, counting the listener's failures.
struct Progress<'a> {
    listener: Option<&'a dyn SyncProgressListener>,
    failures: &'a AtomicU64,
}

/// One sync of `store` by `sync`, with the app's listener, as the shell's report.
pub(crate) fn run_sync(
    store: &DonghaengStore,
    listener: Option<Arc<dyn SyncProgressListener>>,
    sync: impl FnOnce(
        &donghaeng_core::store::Store,
        &mut dyn dv::SyncProgress,
    ) -> donghaeng_core::CoreResult<dv::SyncReport>,
) -> FfiResult<SyncReport> {
    let db = store.store()?;
    let failures = AtomicU64::new(0);
    let mut progress = Progress {
        listener: listener.as_deref(),
        failures: &failures,
    };
    let report = sync(&db, &mut progress)?;
    Ok(SyncReport::from_core(report, &failures))
}

impl SyncReport {
    fn from_core(r: dv::SyncReport, listener_failures: &AtomicU64) -> SyncReport {
        SyncReport {
            pushed: r.pushed,
            restamped: r.restamped,
            refused: r
                .refused
                .into_iter()
                .map(|c| RefusedChange {
                    change_id: c.id.to_string(),
                    code: c.code,
                    ko: c.ko,
                    en: c.en,
                })
                .collect(),
            pulled: r.pulled,
            snapshot_records: r.snapshot_records,
            pages: r.pages,
            cursor: r.cursor,
            listener_failures: listener_failures.load(Ordering::Relaxed),
        }
    }
}

impl dv::SyncProgress for Progress<'_> {
    fn progress(&mut self, phase: dv::SyncPhase, done: u64, total: u64) {
        if let Some(l) = self.listener {
            if l.on_progress(phase.into(), done, total).is_err() {
                self.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// What enrolment gives the phone (the core's record). Keep `device_secret` in the Android Keystore /
/// iOS Keychain: it is shown this once and is what `request_token` trades for access tokens.
pub use donghaeng_core::sync::DeviceCredential;

/// A short-lived access token for `SyncClient`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AccessToken {
    pub access_token: String,
    pub expires_at_ms: i64,
}

/// A sync client for one server. Blocking: call it off the main thread (WorkManager, a background
/// task).
#[derive(uniffi::Object)]
pub struct SyncClient {
    client: dv::SyncClient,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient").finish_non_exhaustive()
    }
}

/// Longest per-request time limit the facade passes on (ten minutes).
pub const MAX_TIMEOUT_SECS: u32 = 600;

/// The checked address, token and time limit of a client.
pub(crate) fn routes(
    server_url: &str,
    access_token: Option<String>,
    timeout_secs: Option<u32>,
) -> FfiResult<dv::Routes> {
    let url = server_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() <= 8 {
        return Err(crate::error::invalid(
            "invalid_url",
            "server_url",
            format!("server_url: http:// 또는 https://로 시작하는 주소여야 합니다: {url:?}"),
            format!("server_url: must be an http:// or https:// address: {url:?}"),
        ));
    }
    let mut routes = dv::Routes::new(url, access_token);
    if let Some(t) = timeout_secs {
        if t == 0 || t > MAX_TIMEOUT_SECS {
            return Err(crate::error::invalid(
                "timeout_out_of_range",
                "timeout_secs",
                format!("timeout_secs: 1~{MAX_TIMEOUT_SECS}초여야 합니다 (입력: {t})"),
                format!("timeout_secs: must be 1..={MAX_TIMEOUT_SECS} (got {t})"),
            ));
        }
        routes.timeout = Duration::from_secs(u64::from(t));
    }
    Ok(routes)
}

#[uniffi::export]
impl SyncClient {
    /// `server_url` e.g. `https://sync.gangnam.example.kr`; `access_token` from `/v1/token`;
    /// `timeout_secs` per request (null: the core's 30 s).
    #[uniffi::constructor]
    pub fn new(
        server_url: String,
        access_token: Option<String>,
        timeout_secs: Option<u32>,
    ) -> FfiResult<Arc<Self>> {
        let routes = routes(&server_url, access_token, timeout_secs)?;
        Ok(Arc::new(SyncClient {
            client: dv::SyncClient::new(routes)?,
        }))
    }

    /// [`SyncClient::new`] that also trusts the root certificates in `roots_pem` (one or more PEM
    /// `CERTIFICATE` blocks): for a district server whose certificate is signed by a private or
    /// government authority the phone's system store does not hold. The public roots stay trusted.
    /// Bad PEM: `root_certificate_invalid`.
    #[uniffi::constructor]
    pub fn with_root_certificates(
        server_url: String,
        access_token: Option<String>,
        timeout_secs: Option<u32>,
        roots_pem: String,
    ) -> FfiResult<Arc<Self>> {
        let routes = routes(&server_url, access_token, timeout_secs)?;
        // Checked here too: the core reads an empty bundle as "no extra roots", but a caller of this
        // constructor meant to give one.
        dv::transport::parse_roots(roots_pem.as_bytes())?;
        Ok(Arc::new(SyncClient {
            client: dv::SyncClient::with_root_certificates(routes, roots_pem.as_bytes())?,
        }))
    }

    /// One full sync of `store`: push the whole outbox, then pull and apply every new page.
    pub fn sync_now(
        &self,
        store: Arc<DonghaengStore>,
        listener: Option<Arc<dyn SyncProgressListener>>,
    ) -> FfiResult<SyncReport> {
        run_sync(&store, listener, |db, progress| {
            self.client.sync(db, progress)
        })
    }

    /// Enrols the phone (기기 등록) with its user's one-time code, under the store's own device id.
    /// A revoked or unknown code is `unauthorised`; a device id another phone holds is
    /// `server_refused` with `device_id_taken` in its text.
    pub fn enrol(&self, store: Arc<DonghaengStore>, code: String) -> FfiResult<DeviceCredential> {
        let db = store.store()?;
        Ok(self.client.enrol(&*db, &code)?)
    }

    /// Trades the credential for an access token (make a new `SyncClient` with it). A revoked phone
    /// gets `device_revoked`: wipe its data.
    pub fn request_token(
        &self,
        store: Arc<DonghaengStore>,
        credential: DeviceCredential,
    ) -> FfiResult<AccessToken> {
        let db = store.store()?;
        let t = self.client.request_token(&*db, &credential)?;
        Ok(AccessToken {
            access_token: t.access_token,
            expires_at_ms: t.expires_at_ms,
        })
    }

    /// Gives the client the device credential (from `enrol`, kept in the Keystore / Keychain): it
    /// then fetches its own access token and renews it before it runs out, or when the server says it
    /// has, so a long sync or a client kept all day never fails for a stale token. A revoked phone
    /// still gets `device_revoked`: wipe its data.
    pub fn use_credential(&self, credential: DeviceCredential) -> FfiResult<()> {
        self.client.use_credential(credential);
        Ok(())
    }

    /// The server address this client talks to.
    pub fn server_url(&self) -> String {
        self.client.routes().base_url.clone()
    }
}
