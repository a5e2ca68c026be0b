//! The phone's account with its sync server, for the shells: [`DeviceAccount`] over the core's
//! (`donghaeng_core::sync::device::account`: enrol, keep the credential in the platform vault, sync
//! with token renewal, clear on revocation), the foreign trait [`CredentialVault`] the app implements
//! over the Android Keystore / iOS Keychain, the enrolment code or QR text parsed, the sync status for
//! the sync screen, and the advice for a failure. Every rule is the core's; this converts.

use std::sync::Arc;

use donghaeng_core::sync::device as dv;
use donghaeng_core::sync::enrolment;
use donghaeng_core::{CoreError, CoreResult};

use crate::error::{FfiResult, ListenerError};
use crate::store::DonghaengStore;
use crate::sync::{routes, run_sync, DeviceCredential, SyncProgressListener, SyncReport};

/// Implemented by the app over the platform's secret storage (Android Keystore-backed encrypted
/// preferences, iOS Keychain). The credential's `device_secret` never leaves it except to the core.
#[uniffi::export(with_foreign)]
pub trait CredentialVault: Send + Sync {
    /// The saved credential; null when the phone is not enrolled.
    fn load(&self) -> Result<Option<DeviceCredential>, ListenerError>;
    fn save(&self, credential: DeviceCredential) -> Result<(), ListenerError>;
    fn clear(&self) -> Result<(), ListenerError>;
}

/// The core's vault over the app's.
struct Vault(Arc<dyn CredentialVault>);

fn vault_failed(e: ListenerError) -> CoreError {
    let ListenerError::Failed { reason } = e;
    CoreError::storage(format!("credential vault: {reason}"))
}

impl dv::CredentialVault for Vault {
    fn load(&self) -> CoreResult<Option<DeviceCredential>> {
        self.0.load().map_err(vault_failed)
    }

    fn save(&self, c: &DeviceCredential) -> CoreResult<()> {
        self.0.save(c.clone()).map_err(vault_failed)
    }

    fn clear(&self) -> CoreResult<()> {
        self.0.clear().map_err(vault_failed)
    }
}

pub use donghaeng_core::store::device_sync::SyncStatus;
pub use dv::{EnrolledUser, NextStep};
pub use enrolment::EnrolmentInput;

/// The phone's account: enrolment and sync. Blocking: call it off the main thread.
#[derive(uniffi::Object)]
pub struct DeviceAccount {
    account: dv::DeviceAccount,
}

impl std::fmt::Debug for DeviceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.account.fmt(f)
    }
}

#[uniffi::export]
impl DeviceAccount {
    /// The account with `server_url` (from the enrolment QR, or typed), a per-request time limit
    /// (null: the core's 30 s), extra trusted root certificates as PEM (null: the system's only) and
    /// the app's vault. A credential already in the vault is used at once.
    #[uniffi::constructor]
    pub fn new(
        server_url: String,
        timeout_secs: Option<u32>,
        roots_pem: Option<String>,
        vault: Arc<dyn CredentialVault>,
    ) -> FfiResult<Arc<Self>> {
        let routes = routes(&server_url, None, timeout_secs)?;
        let client = match roots_pem {
            Some(pem) => {
                dv::transport::parse_roots(pem.as_bytes())?;
                dv::SyncClient::with_root_certificates(routes, pem.as_bytes())?
            }
            None => dv::SyncClient::new(routes)?,
        };
        Ok(Arc::new(DeviceAccount {
            account: dv::DeviceAccount::new(client, Box::new(Vault(vault)))?,
        }))
    }

    /// Who the phone is enrolled for; null before enrolment and after revocation.
    pub fn enrolled_user(&self) -> FfiResult<Option<EnrolledUser>> {
        Ok(self.account.enrolled_user()?)
    }

    /// Enrols with the code from the team lead (`enrolment_code_malformed`: nothing sent;
    /// `enrolment_code_refused`: wrong, used or expired). The credential goes to the vault.
    pub fn enrol(&self, store: Arc<DonghaengStore>, code: String) -> FfiResult<EnrolledUser> {
        Ok(self.account.enrol(&*store.store()?, &code)?)
    }

    /// One sync, tokens fetched and renewed by the core. `not_enrolled` before enrolment;
    /// `device_revoked` after the vault was cleared: call `wipe()` on the store and show
    /// enrolment. Every outcome is recorded for `DonghaengStore.sync_status()`.
    pub fn sync_now(
        &self,
        store: Arc<DonghaengStore>,
        listener: Option<Arc<dyn SyncProgressListener>>,
    ) -> FfiResult<SyncReport> {
        run_sync(&store, listener, |db, progress| {
            self.account.sync(db, progress)
        })
    }

    /// The server address this account syncs with.
    pub fn server_url(&self) -> String {
        self.account.client().routes().base_url.clone()
    }
}

/// Reads what the worker typed or scanned (`donghaeng://enrol?server=…&code=…`, or the code alone);
/// the code comes back normalised. Bad input: `enrolment_code_malformed` or `invalid_url`.
#[uniffi::export]
pub fn parse_enrolment_input(text: String) -> FfiResult<EnrolmentInput> {
    Ok(enrolment::parse_enrolment_input(&text)?)
}

/// What to show after a failure: the next step and its Korean and English texts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncAdvice {
    pub step: NextStep,
    pub title_ko: String,
    pub body_ko: String,
    pub title_en: String,
    pub body_en: String,
}

/// The advice for an error's `code` (any `DonghaengException`'s).
#[uniffi::export]
pub fn advice_for(code: String) -> SyncAdvice {
    let a = dv::advice_for(&code);
    SyncAdvice {
        step: a.step,
        title_ko: a.title_ko.to_owned(),
        body_ko: a.body_ko.to_owned(),
        title_en: a.title_en.to_owned(),
        body_en: a.body_en.to_owned(),
    }
}
