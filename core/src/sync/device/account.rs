//! The phone's account with its sync server (기기 계정): enrolment, the credential kept by the
//! platform, sync with token renewal, and what a revoked phone does. The one flow both phone apps
//! drive; they supply only where the credential lives ([`CredentialVault`]: Android Keystore, iOS
//! Keychain) and draw the screens.
//!
//! - Not enrolled: [`DeviceAccount::sync`] is `not_enrolled`; the app shows enrolment.
//! - [`DeviceAccount::enrol`] checks the code's form before it spends a request, enrols under the
//!   store's device id, saves the credential in the vault, and from then on the client fetches and
//!   renews its own access tokens ([`super::SyncClient::use_credential`]).
//! - Revoked: the vault is cleared and `device_revoked` returned; the app then deletes the store
//!   (the store's `wipe`) and shows enrolment ([`super::advice`]).

use super::client::{SyncClient, SyncReport};
use super::progress::SyncProgress;
use super::storage::SyncStorage;
use crate::model::{Id, Role};
use crate::sync::enrolment::{self, DeviceCredential};
use crate::{CoreError, CoreResult};

/// Where the platform keeps the device credential. Its failures are `storage` errors.
pub trait CredentialVault: Send + Sync {
    /// The saved credential; `None` when the phone is not enrolled.
    fn load(&self) -> CoreResult<Option<DeviceCredential>>;
    fn save(&self, credential: &DeviceCredential) -> CoreResult<()>;
    fn clear(&self) -> CoreResult<()>;
}

/// Who the phone is enrolled for (the credential without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EnrolledUser {
    pub user_id: Id,
    pub role: Role,
    pub device_id: Id,
}

impl From<&DeviceCredential> for EnrolledUser {
    fn from(c: &DeviceCredential) -> Self {
        EnrolledUser {
            user_id: c.user_id,
            role: c.role,
            device_id: c.device_id,
        }
    }
}

/// A phone's account: a sync client and the vault of its credential.
pub struct DeviceAccount {
    client: SyncClient,
    vault: Box<dyn CredentialVault>,
}

impl std::fmt::Debug for DeviceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAccount")
            .field("server", &self.client.routes().base_url)
            .finish_non_exhaustive()
    }
}

impl DeviceAccount {
    /// The account over `client`; a credential already in the vault is given to the client.
    pub fn new(client: SyncClient, vault: Box<dyn CredentialVault>) -> CoreResult<DeviceAccount> {
        if let Some(c) = vault.load()? {
            client.use_credential(c);
        }
        Ok(DeviceAccount { client, vault })
    }

    pub fn client(&self) -> &SyncClient {
        &self.client
    }

    /// The enrolled user, from the vault; `None` before enrolment and after revocation.
    pub fn enrolled_user(&self) -> CoreResult<Option<EnrolledUser>> {
        Ok(self.vault.load()?.as_ref().map(EnrolledUser::from))
    }

    /// Enrols the phone with the code its team lead gave (typed, or from the QR payload's `code`).
    /// A code of the wrong form is `enrolment_code_malformed` and nothing is sent; one the server
    /// does not accept (wrong, used, expired) is `enrolment_code_refused`.
    pub fn enrol(&self, store: &dyn SyncStorage, code: &str) -> CoreResult<EnrolledUser> {
        let code = enrolment::check_code(code)?;
        let credential = self.client.enrol(store, &code).map_err(|e| {
            if e.code == "unauthorised" {
                code_refused()
            } else {
                e
            }
        })?;
        // Saved before anything else: until the vault holds it, the retry key in the store lets
        // the phone enrol again with the same code if this answer is lost.
        self.vault.save(&credential)?;
        self.client.use_credential(credential.clone());
        // Proves the credential works and lets the store forget the retry key. Without a network
        // now, the phone is enrolled all the same: its first sync fetches the token.
        match self.client.request_token(store, &credential) {
            Err(e) if !matches!(e.code, "offline" | "timeout") => return Err(e),
            _ => {}
        }
        Ok(EnrolledUser::from(&credential))
    }

    /// One sync. `not_enrolled` without a credential; `device_revoked` after clearing the vault.
    pub fn sync(
        &self,
        store: &dyn SyncStorage,
        progress: &mut dyn SyncProgress,
    ) -> CoreResult<SyncReport> {
        if self.vault.load()?.is_none() {
            let e = not_enrolled();
            store.record_sync_outcome(store.now_ms(), Some(e.code))?;
            return Err(e);
        }
        let result = self.client.sync(store, progress);
        if let Err(e) = &result {
            if e.code == "device_revoked" {
                self.vault.clear()?;
            }
        }
        result
    }
}

fn code_refused() -> CoreError {
    CoreError::conflict(
        "enrolment_code_refused",
        "등록 코드가 틀렸거나 이미 쓰였거나 기한이 지났습니다. 팀장에게 새 등록 코드를 받으세요.",
        "the enrolment code is wrong, already used or expired; ask your team lead for a new one",
    )
}

fn not_enrolled() -> CoreError {
    CoreError::conflict(
        "not_enrolled",
        "이 기기는 아직 등록되지 않았습니다. 팀장에게 받은 등록 코드로 먼저 등록하세요.",
        "this phone is not enrolled yet; enrol it with the code from your team lead first",
    )
}
