//! The device's sync client (동기화 클라이언트): push the outbox, then pull and apply pages.
//!
//! Every step is safe to interrupt and retry: a push is idempotent by change id and the outbox drops
//! a change only when a response acknowledges it; a page and its cursor commit in one transaction.
//! So a lost response, a killed app or a dead network at any moment costs a repeat, never a record.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::compression;
use super::errors;
use super::progress::{SyncPhase, SyncProgress};
use super::routes::Routes;
use super::storage::SyncStorage;
use super::token::{is_token_refusal, TokenKeeper};
use super::transport;
use crate::sync::enrolment::{self, DeviceCredential, EnrolRequest, TokenRequest, TokenResponse};
use crate::sync::protocol::{
    ErrorBody, ProtocolVersion, PullRequest, PullResponse, PushRequest, PushResponse,
    RejectedChange,
};
use crate::sync::snapshot::{SnapshotRequest, SnapshotResponse};
use crate::sync::validate::{encoded_len, MAX_PULL_LIMIT, MAX_PUSH_CHANGES};
use crate::{CoreError, CoreResult};

/// How many re-stamp rounds one sync may take before giving up (our choice). One is the normal case
/// (the first response teaches the clock offset); more means the server's clock itself jumps.
const MAX_RESTAMP_ROUNDS: usize = 3;

/// Most bytes of changes in one push (our choice: 4 MiB): a quarter of the server's default body
/// limit (16 MiB), and what a phone uploads within its 30 s timeout at about 1.1 Mbit/s. A batch of
/// 1,000 changes of the largest size (64 KiB, `MAX_CHANGE_BYTES`) would otherwise be a 64 MiB body
/// the server refuses, for ever.
pub const PUSH_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Own changes the server acknowledged.
    pub pushed: u64,
    /// Own changes rewritten after a `clock_ahead` refusal (and then pushed).
    pub restamped: u64,
    /// Own changes refused for good (kept in `sync_refused` for support staff).
    pub refused: Vec<RejectedChange>,
    /// Changes pulled and applied (including ones that changed nothing).
    pub pulled: u64,
    /// Records taken from a snapshot (a new device's first sync, docs/sync.md "Snapshot").
    pub snapshot_records: u64,
    /// Pages applied.
    pub pages: u64,
    /// The cursor after the sync.
    pub cursor: u64,
}

/// A sync client for one server. Given the device credential ([`SyncClient::use_credential`]), it
/// fetches and renews its own access token.
pub struct SyncClient {
    /// The server's address and paths; its `bearer_token` is moved into `tokens` at construction.
    routes: Routes,
    http: Client,
    push_batch: usize,
    pull_limit: u32,
    /// Whether a device with no cursor starts from a snapshot (docs/sync.md "Snapshot").
    snapshot: bool,
    tokens: Mutex<TokenKeeper>,
}

impl SyncClient {
    /// A client with the protocol's largest batches (1,000 changes per push, 5,000 per page).
    /// Refuses (`insecure_server_url`) a plain `http://` address that is not this device itself
    /// (see [`transport::check_server_url`]).
    pub fn new(routes: Routes) -> CoreResult<SyncClient> {
        Self::with_root_certificates(routes, &[])
    }

    /// [`SyncClient::new`] that also trusts the root certificates in `roots_pem` (one or more PEM
    /// `CERTIFICATE` blocks), for a private deployment whose server certificate is signed by its own
    /// authority. The public web roots stay trusted. An empty slice adds nothing.
    pub fn with_root_certificates(mut routes: Routes, roots_pem: &[u8]) -> CoreResult<SyncClient> {
        transport::check_server_url(&routes.base_url)?;
        let mut builder = Client::builder()
            .timeout(routes.timeout)
            .connect_timeout(routes.timeout.min(Duration::from_secs(10)))
            // Never follow a redirect: it could lead from https:// to plain http:// elsewhere.
            .redirect(reqwest::redirect::Policy::none());
        if !roots_pem.is_empty() {
            for cert in transport::parse_roots(roots_pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(errors::offline)?;
        let tokens = Mutex::new(TokenKeeper::new(routes.bearer_token.take()));
        Ok(SyncClient {
            routes,
            http,
            push_batch: MAX_PUSH_CHANGES,
            pull_limit: MAX_PULL_LIMIT,
            snapshot: true,
            tokens,
        })
    }

    /// Smaller batches (tests, slow links). Values are clamped to the protocol's limits.
    pub fn with_batches(mut self, push_batch: usize, pull_limit: u32) -> Self {
        self.push_batch = push_batch.clamp(1, MAX_PUSH_CHANGES);
        self.pull_limit = pull_limit.clamp(1, MAX_PULL_LIMIT);
        self
    }

    /// Without snapshots: a new device reads the whole change feed (tests comparing both paths).
    pub fn without_snapshot(mut self) -> Self {
        self.snapshot = false;
        self
    }

    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    /// Uses `token` (from [`SyncClient::request_token`]) for the requests that follow.
    pub fn set_bearer_token(&self, token: impl Into<String>) {
        self.keeper().set_token(token.into());
    }

    /// Lets the client fetch its own access tokens with the device credential: before a push or a
    /// pull when it has none or its token is within a minute of its end, and once again when the
    /// server answers that the token expired (a sync may outlive a token; the phone's clock may
    /// disagree with the server's). A revoked device still gets `device_revoked`.
    pub fn use_credential(&self, credential: DeviceCredential) {
        self.keeper().set_credential(credential);
    }

    /// The access token the next request will carry (the last one issued or handed in).
    pub fn bearer_token(&self) -> Option<String> {
        self.keeper().token()
    }

    fn keeper(&self) -> MutexGuard<'_, TokenKeeper> {
        // The keeper holds plain values: one poisoned by a panic elsewhere is still consistent.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Enrols this device (기기 등록) with the one-time `code` its user received, under the store's own
    /// device id, so that the changes it already stamped belong to the enrolled device. The returned
    /// secret is the device's long-lived credential: the shell keeps it in the Keystore / Keychain.
    ///
    /// The request carries the store's retry key ([`SyncStorage::enrol_retry_key`], saved before the first
    /// attempt and kept until [`Self::request_token`] succeeds): when the answer is lost (timeout,
    /// killed app), calling `enrol` again with the same code within the server's retry window (10
    /// minutes) gets the credential anew, and nobody else holding the code can.
    pub fn enrol(&self, store: &dyn SyncStorage, code: &str) -> CoreResult<DeviceCredential> {
        let device_id = store.device_id()?;
        enrolment::check_device_id(device_id)?;
        let req = EnrolRequest {
            code: code.to_owned(),
            device_id: Some(device_id),
            retry_key: Some(store.enrol_retry_key()?),
        };
        self.post(store, &self.routes.enrol_url(), &req)
    }

    /// Trades the device credential for a short-lived access token (접근 토큰). A revoked device gets
    /// the `device_revoked` error: the app must wipe its local data.
    pub fn request_token(
        &self,
        store: &dyn SyncStorage,
        credential: &DeviceCredential,
    ) -> CoreResult<TokenResponse> {
        let req = TokenRequest {
            device_id: credential.device_id,
            device_secret: credential.device_secret.clone(),
        };
        let token: TokenResponse = self.post(store, &self.routes.token_url(), &req)?;
        // The credential works, so the app has it: an enrolment retry is no longer needed.
        store.forget_enrol_retry_key()?;
        self.keeper().issued(&token, Instant::now());
        Ok(token)
    }

    /// One full sync: push the whole outbox, then pull and apply every page after the cursor. Its
    /// outcome (success, or the failure's code) is recorded in the store for the sync screen
    /// (the store's `sync_status`); a failure to record it never hides the sync's own answer.
    pub fn sync(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
    ) -> CoreResult<SyncReport> {
        let result = self.sync_steps(store, progress);
        let at_ms = store.now_ms();
        let recorded = store.record_sync_outcome(at_ms, result.as_ref().err().map(|e| e.code));
        let report = result?;
        recorded?;
        Ok(report)
    }

    fn sync_steps(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
    ) -> CoreResult<SyncReport> {
        let mut report = SyncReport::default();
        let server_seq = self.push_all(store, progress, &mut report)?;
        self.snapshot_all(store, progress, &mut report)?;
        self.pull_all(store, progress, server_seq, &mut report)?;
        Ok(report)
    }

    /// Pushes the outbox oldest first; returns the server's highest sequence number if learnt.
    fn push_all(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
        report: &mut SyncReport,
    ) -> CoreResult<Option<u64>> {
        let device_id = store.device_id()?;
        let mut total = store.outbox_len()?;
        let mut done = 0u64;
        let mut server_seq = None;
        let mut restamp_rounds = 0;
        loop {
            let mut changes = store.outbox(self.push_batch)?;
            if changes.is_empty() {
                break;
            }
            // At most PUSH_BATCH_BYTES of changes (at least one), so a batch of large notes stays
            // well under the server's body limit and uploads within the request timeout.
            let mut bytes = 0usize;
            let keep = changes
                .iter()
                .take_while(|c| {
                    bytes = bytes.saturating_add(encoded_len(c));
                    bytes <= PUSH_BATCH_BYTES
                })
                .count();
            changes.truncate(keep.max(1));
            let req = PushRequest {
                protocol_version: ProtocolVersion::CURRENT,
                device_id,
                changes,
            };
            let resp: PushResponse = match self.post_authed(store, &self.routes.push_url(), &req)? {
                Ok(resp) => resp,
                Err((status, body)) => {
                    // Refused whole because some changes may not be written: those are set aside
                    // for support staff, and the rest goes again.
                    let out_of_scope = body
                        .as_ref()
                        .filter(|b| status == StatusCode::FORBIDDEN && b.code == "out_of_scope");
                    let Some(b) = out_of_scope else {
                        return Err(classify(status, body.as_ref()));
                    };
                    let moved = store.set_aside(&b.refused)?;
                    if moved.is_empty() {
                        // Nothing named is in this batch: pushing it again would loop for ever.
                        return Err(classify(status, body.as_ref()));
                    }
                    done += moved.len() as u64;
                    report.refused.extend(moved);
                    progress.progress(SyncPhase::Push, done, total.max(done));
                    continue;
                }
            };
            server_seq = Some(resp.server_seq);
            let outcome = store.acknowledge(&resp)?;
            let settled = (outcome.acknowledged + outcome.refused.len()) as u64;
            done += settled;
            report.pushed += outcome.acknowledged as u64;
            report.restamped += outcome.restamped as u64;
            report.refused.extend(outcome.refused);
            if outcome.restamped > 0 {
                restamp_rounds += 1;
                if restamp_rounds > MAX_RESTAMP_ROUNDS {
                    return Err(clock_unsettled());
                }
            } else if settled == 0 {
                // The server answered without settling anything it was sent: pushing the same
                // batch again would loop for ever.
                return Err(errors::server_refused(200, None));
            }
            total = total.max(done + store.outbox_len()?);
            progress.progress(SyncPhase::Push, done, total);
        }
        Ok(server_seq)
    }

    /// A device with no cursor (or with a snapshot under way) takes the snapshot of its scope page
    /// by page; the feed then continues from the snapshot's position. A server without the route
    /// (an older one, or one without scopes) answers 404: the device then reads the feed from the
    /// start, as before.
    fn snapshot_all(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
        report: &mut SyncReport,
    ) -> CoreResult<()> {
        let state = store.feed_position()?;
        let under_way = state.snapshot.is_some();
        if !self.snapshot || (state.cursor > 0 && !under_way) {
            return Ok(());
        }
        let mut req = SnapshotRequest::first(self.pull_limit);
        if let Some(p) = state.snapshot {
            req.after = p.after;
            req.feed_from = Some(p.feed_from);
            // A snapshot goes on in the order it began in: its position is a place in that order.
            req.order = p.order;
        }
        let mut done = 0u64;
        let mut next = self.snapshot_page(store, &req);
        loop {
            let page = match next? {
                Some(page) => page,
                None => return Ok(()),
            };
            // A page that promises more must move on, or the loop would never end.
            if page.has_more && (page.after.is_none() || page.after == req.after) {
                return Err(errors::incompatible_version("snapshot did not advance"));
            }
            // A page in another order than asked would be resumed from the wrong place.
            if page.order != req.order {
                return Err(errors::incompatible_version(
                    "snapshot page in another order",
                ));
            }
            if page.has_more {
                req.after = page.after.clone();
                req.feed_from = Some(page.feed_from);
            }
            // The next page is asked for while this one is applied: the server reads its records
            // while the phone writes these (each page is still applied whole, in order; a failed
            // apply drops the answer fetched beside it, and the kept progress asks for it again).
            let (applied, fetched) = std::thread::scope(|s| {
                let fetch = page
                    .has_more
                    .then(|| s.spawn(|| self.snapshot_page(store, &req)));
                let applied = store.apply_snapshot(&page);
                let fetched = match fetch.map(|f| f.join()) {
                    Some(Ok(answer)) => answer,
                    Some(Err(_)) => Err(CoreError::storage("snapshot page fetch panicked")),
                    None => Ok(None),
                };
                (applied, fetched)
            });
            applied?;
            next = fetched;
            done += page.records.len() as u64;
            report.snapshot_records += page.records.len() as u64;
            report.pages += 1;
            let ahead = if page.has_more {
                u64::from(self.pull_limit)
            } else {
                0
            };
            progress.progress(SyncPhase::Pull, done, done + ahead);
            if !page.has_more {
                return Ok(());
            }
        }
    }

    /// One snapshot page, or `None` if the server has no snapshot route (404).
    fn snapshot_page(
        &self,
        store: &dyn SyncStorage,
        req: &SnapshotRequest,
    ) -> CoreResult<Option<SnapshotResponse>> {
        match self.post_authed(store, &self.routes.snapshot_url(), req)? {
            Ok(page) => Ok(Some(page)),
            Err((StatusCode::NOT_FOUND, _)) => Ok(None),
            Err((status, body)) => Err(classify(status, body.as_ref())),
        }
    }

    /// Pulls and applies pages until the server has nothing more.
    fn pull_all(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
        server_seq: Option<u64>,
        report: &mut SyncReport,
    ) -> CoreResult<()> {
        let state = store.feed_position()?;
        let start = state.cursor;
        let mut cursor = start;
        let mut resume = state.resume;
        loop {
            let req = PullRequest {
                protocol_version: ProtocolVersion::CURRENT,
                after_seq: cursor,
                limit: self.pull_limit,
                resume,
            };
            let page: PullResponse = self
                .post_authed(store, &self.routes.pull_url(), &req)?
                .map_err(|(status, body)| classify(status, body.as_ref()))?;
            // A page moves the cursor, or stays at it one step further into a backfill (its resume
            // point). One that promises more and does neither would loop for ever.
            let advanced = page.next_seq > cursor
                || (page.next_seq == cursor && page.resume.is_some() && page.resume > resume);
            if page.has_more && !advanced {
                return Err(errors::incompatible_version("pull cursor did not advance"));
            }
            store.apply_pull(&page)?;
            // The resume point as the store kept it with the cursor (a late page changes neither).
            resume = store.feed_position()?.resume;
            report.pulled += page.changes.len() as u64;
            report.pages += 1;
            cursor = cursor.max(page.next_seq);
            let done = cursor.saturating_sub(start);
            let ahead = if page.has_more {
                u64::from(self.pull_limit)
            } else {
                0
            };
            let known = server_seq.unwrap_or(0).saturating_sub(start);
            let total = known.max(done + ahead);
            progress.progress(SyncPhase::Pull, done, total);
            if !page.has_more {
                break;
            }
        }
        report.cursor = cursor;
        Ok(())
    }

    /// [`Self::post_raw`] with an access token: renewed first when due, and once more if the server
    /// refuses the token although it seemed alive (its clock is ahead, or it was restarted with new
    /// keys). Without a credential the token is sent as it is.
    fn post_authed<B: Serialize, T: DeserializeOwned>(
        &self,
        store: &dyn SyncStorage,
        url: &str,
        body: &B,
    ) -> CoreResult<Result<T, (StatusCode, Option<ErrorBody>)>> {
        let due = self.keeper().needs_renewal(Instant::now());
        if due {
            self.renew_token(store)?;
        }
        let answer = self.post_raw(store, url, body)?;
        let refused_token = matches!(&answer, Err((StatusCode::UNAUTHORIZED, Some(b))) if is_token_refusal(&b.code));
        if refused_token && !due && self.keeper().credential().is_some() {
            self.renew_token(store)?;
            return self.post_raw(store, url, body);
        }
        Ok(answer)
    }

    fn renew_token(&self, store: &dyn SyncStorage) -> CoreResult<()> {
        // Not held across the request: `post_raw` reads the token from the same lock.
        let credential = self.keeper().credential();
        if let Some(c) = credential {
            self.request_token(store, &c)?;
        }
        Ok(())
    }

    /// POSTs `body` as JSON and decodes a 2xx answer as `T`; anything else becomes the matching
    /// error. The server's time in an error body still corrects the device's clock offset.
    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        store: &dyn SyncStorage,
        url: &str,
        body: &B,
    ) -> CoreResult<T> {
        self.post_raw(store, url, body)?
            .map_err(|(status, err_body)| classify(status, err_body.as_ref()))
    }

    /// As [`Self::post`], but a non-2xx answer comes back as its status and error body, for callers
    /// that act on a particular refusal.
    fn post_raw<B: Serialize, T: DeserializeOwned>(
        &self,
        store: &dyn SyncStorage,
        url: &str,
        body: &B,
    ) -> CoreResult<Result<T, (StatusCode, Option<ErrorBody>)>> {
        let json = serde_json::to_vec(body)
            .map_err(|e| CoreError::storage(format!("cannot encode request: {e}")))?;
        let (body, encoding) = compression::request_body(json);
        let mut req = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(encoding) = encoding {
            req = req.header(reqwest::header::CONTENT_ENCODING, encoding);
        }
        let token = self.keeper().token();
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().map_err(transport)?;
        let status = resp.status();
        let bytes = resp.bytes().map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Ok)
                .map_err(|e| errors::incompatible_version(format!("unreadable answer: {e}")));
        }
        let err_body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        if let Some(t) = err_body.as_ref().and_then(|b| b.server_time_ms) {
            store.learn_server_time(t)?;
        }
        Ok(Err((status, err_body)))
    }
}

/// A request that failed before an HTTP answer arrived.
fn transport(e: reqwest::Error) -> CoreError {
    if e.is_timeout() {
        errors::timeout()
    } else if transport::is_certificate_error(&e) {
        transport::untrusted_server(e)
    } else {
        errors::offline(e)
    }
}

/// The error for a non-2xx answer.
fn classify(status: StatusCode, body: Option<&ErrorBody>) -> CoreError {
    let code = body.map(|b| b.code.as_str());
    if code == Some("device_revoked") {
        return errors::device_revoked();
    }
    if code == Some("protocol_version_unsupported") || status == StatusCode::UPGRADE_REQUIRED {
        let detail = body.map_or_else(|| status.to_string(), |b| b.en.clone());
        return errors::incompatible_version(detail);
    }
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return errors::unauthorised(body);
    }
    if status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::GATEWAY_TIMEOUT {
        return errors::timeout();
    }
    errors::server_refused(status.as_u16(), body)
}

fn clock_unsettled() -> CoreError {
    CoreError::conflict(
        "clock_ahead",
        "서버가 기기 시각을 계속 거부합니다. 기기의 날짜와 시간을 확인하세요.",
        "the server keeps refusing this device's time; check the phone's date and time",
    )
}
