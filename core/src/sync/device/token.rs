//! The access token a sync client holds, and when to renew it (접근 토큰 갱신).
//!
//! An access token lives 15 minutes on the server (its `--token-ttl-s`); a first sync of a large share
//! on a slow network, or an app that keeps one client for the day, outlives it. A client given the
//! device credential renews by itself: before a request when the token is near its end, and once
//! more when the server answers that it has expired anyway (the server's clock and the phone's need
//! not agree). Deadlines are on the monotonic clock: a user changing the phone's time moves nothing.

use std::time::{Duration, Instant};

use crate::sync::enrolment::{DeviceCredential, TokenResponse};

/// Renew when this much of a token's life is left (our choice): a pull page takes up to the 30 s
/// request timeout, so a token with a minute left still covers the request it is sent with. Capped
/// at a quarter of the token's life for servers configured with very short tokens.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// The server's answers that mean "this token no longer works; a new one might".
pub(super) fn is_token_refusal(code: &str) -> bool {
    matches!(code, "token_expired" | "token_invalid" | "auth_required")
}

/// The client's token and credential.
#[derive(Default)]
pub(super) struct TokenKeeper {
    credential: Option<DeviceCredential>,
    token: Option<String>,
    /// When to fetch a new token before using this one; `None`: not known (a token handed in by the
    /// app), used until the server refuses it.
    renew_at: Option<Instant>,
}

impl std::fmt::Debug for TokenKeeper {
    /// Neither the secret nor the token is ever printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeeper")
            .field("has_credential", &self.credential.is_some())
            .field("has_token", &self.token.is_some())
            .finish()
    }
}

impl TokenKeeper {
    pub(super) fn new(token: Option<String>) -> Self {
        TokenKeeper {
            token,
            ..TokenKeeper::default()
        }
    }

    pub(super) fn token(&self) -> Option<String> {
        self.token.clone()
    }

    /// A token from the app; its lifetime is not known here.
    pub(super) fn set_token(&mut self, token: String) {
        self.token = Some(token);
        self.renew_at = None;
    }

    pub(super) fn set_credential(&mut self, credential: DeviceCredential) {
        self.credential = Some(credential);
    }

    pub(super) fn credential(&self) -> Option<DeviceCredential> {
        self.credential.clone()
    }

    /// Whether a new token must be fetched before the next request: there is a credential, and no
    /// token or one near its end.
    pub(super) fn needs_renewal(&self, now: Instant) -> bool {
        self.credential.is_some()
            && (self.token.is_none() || self.renew_at.is_some_and(|at| now >= at))
    }

    /// Keeps a token the server just issued, received at `received`.
    pub(super) fn issued(&mut self, t: &TokenResponse, received: Instant) {
        let life = Duration::from_secs(u64::try_from(t.expires_in_s).unwrap_or(0));
        let margin = RENEW_MARGIN.min(life / 4);
        self.token = Some(t.access_token.clone());
        self.renew_at = Some(received + life.saturating_sub(margin));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use uuid::Uuid;

    fn credential() -> DeviceCredential {
        DeviceCredential {
            device_id: Uuid::now_v7(),
            device_secret: "secret".into(),
            user_id: Uuid::now_v7(),
            role: Role::VisitingNurse,
        }
    }

    fn token(expires_in_s: i64) -> TokenResponse {
        TokenResponse {
            access_token: "t".into(),
            token_type: "Bearer".into(),
            expires_at_ms: 0,
            expires_in_s,
        }
    }

    #[test]
    fn a_credential_without_a_token_fetches_one_and_renews_a_minute_before_the_end() {
        let t0 = Instant::now();
        let mut k = TokenKeeper::new(None);
        assert!(!k.needs_renewal(t0), "no credential: nothing to renew with");
        k.set_credential(credential());
        assert!(k.needs_renewal(t0));
        k.issued(&token(900), t0);
        assert!(!k.needs_renewal(t0 + Duration::from_secs(839)));
        assert!(k.needs_renewal(t0 + Duration::from_secs(840)));
    }

    #[test]
    fn short_tokens_renew_at_three_quarters_of_their_life_and_app_tokens_until_refused() {
        let t0 = Instant::now();
        let mut k = TokenKeeper::new(None);
        k.set_credential(credential());
        k.issued(&token(8), t0);
        assert!(!k.needs_renewal(t0 + Duration::from_millis(5_999)));
        assert!(k.needs_renewal(t0 + Duration::from_secs(6)));
        k.set_token("from-the-app".into());
        assert!(!k.needs_renewal(t0 + Duration::from_secs(86_400)));
        assert_eq!(k.token().as_deref(), Some("from-the-app"));
    }

    #[test]
    fn the_debug_output_holds_no_secret() {
        let mut k = TokenKeeper::new(Some("tok-123".into()));
        k.set_credential(credential());
        let s = format!("{k:?}");
        assert!(!s.contains("secret") && !s.contains("tok-123"), "{s}");
    }
}
