//! Where the sync server is and how to authenticate (서버 주소와 인증): the one place that knows the
//! HTTP routes, so that settling them with the server is a change here only.

use std::time::Duration;

/// The server's address, route paths, and the device's bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    /// e.g. `https://sync.gangnam.example.kr` (no trailing slash needed).
    pub base_url: String,
    /// Path of the push endpoint (POST, JSON `PushRequest` → `PushResponse`).
    pub push_path: String,
    /// Path of the pull endpoint (POST, JSON `PullRequest` → `PullResponse`).
    pub pull_path: String,
    /// Path of the snapshot endpoint (POST, JSON `SnapshotRequest` → `SnapshotResponse`).
    pub snapshot_path: String,
    /// Path of the enrolment endpoint (POST, JSON `EnrolRequest` → `DeviceCredential`).
    pub enrol_path: String,
    /// Path of the access-token endpoint (POST, JSON `TokenRequest` → `TokenResponse`).
    pub token_path: String,
    /// The access token, sent as `Authorization: Bearer …`; `None` sends no header.
    pub bearer_token: Option<String>,
    /// How long one request may take, connection included.
    pub timeout: Duration,
}

/// Default per-request time limit (our choice): a page of 5,000 changes is about 2 MB, which a slow
/// 3G link (≈ 1 Mbit/s) carries in about 20 s; 30 s leaves margin without leaving a dead link hanging.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Routes {
    /// Routes with the sync server's paths (`/v1/push`, `/v1/pull`, `/v1/snapshot`, `/v1/enrol`, `/v1/token`, see
    /// `sync-server/README.md`) and the default timeout.
    pub fn new(base_url: impl Into<String>, bearer_token: Option<String>) -> Self {
        Routes {
            base_url: base_url.into(),
            push_path: "/v1/push".to_owned(),
            pull_path: "/v1/pull".to_owned(),
            snapshot_path: "/v1/snapshot".to_owned(),
            enrol_path: "/v1/enrol".to_owned(),
            token_path: "/v1/token".to_owned(),
            bearer_token,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    fn join(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    pub fn push_url(&self) -> String {
        self.join(&self.push_path)
    }

    pub fn pull_url(&self) -> String {
        self.join(&self.pull_path)
    }

    pub fn snapshot_url(&self) -> String {
        self.join(&self.snapshot_path)
    }

    pub fn enrol_url(&self) -> String {
        self.join(&self.enrol_path)
    }

    pub fn token_url(&self) -> String {
        self.join(&self.token_path)
    }
}
