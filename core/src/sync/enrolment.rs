//! Enrolment and access tokens on the wire (기기 등록과 접근 토큰), shared by the device client and the
//! server so that the two cannot drift apart.
//!
//! A phone enrols once with the one-time code an administrator gave its user and sends its **own**
//! device id: the id its store already stamps into every change's hybrid logical clock. The server
//! records that id, so a change's `device_id` and the device the token belongs to are the same thing.
//! The device then trades its secret for short-lived access tokens.
//!
//! A phone on a poor network may lose the answer to its enrolment. It may then enrol again with the
//! same code for a short while, but only with proof that it is the phone that spent the code: the
//! *retry key* it made before its first attempt ([`new_retry_key`]), whose hash the server kept with
//! the spent code. Someone who only overheard the code and the device id cannot take the credential.

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use uuid::{Uuid, Variant};

use crate::model::Role;
use crate::{CoreError, CoreResult};

/// `POST /v1/enrol` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time enrolment code (spaces and dashes are ignored, case-insensitive).
    pub code: String,
    /// The device's own id (its HLC node). Absent: the server makes one up (older clients and the
    /// admin's tests); the device must then adopt the returned id before its first change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
    /// A random string of at least 128 bits ([`new_retry_key`]) that the phone made before its first
    /// attempt and keeps until it has saved the credential. A retry within the server's window must
    /// present the same key. Absent (older clients): the enrolment works, but cannot be retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_key: Option<String>,
}

/// `POST /v1/enrol` answer: the device's credential. The secret is shown this once; the server keeps
/// only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceCredential {
    pub device_id: Uuid,
    pub device_secret: String,
    pub user_id: Uuid,
    pub role: Role,
}

/// `POST /v1/token` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub device_id: Uuid,
    pub device_secret: String,
}

/// `POST /v1/token` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at_ms: i64,
    pub expires_in_s: i64,
}

/// Crockford base32 without I, L, O, U: no letters that read as digits. The server draws enrolment
/// codes from it; the phone checks a typed code against it before it spends a request.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of an enrolment code (10 × 5 = 50 bits).
pub const CODE_LEN: usize = 10;

/// Normalises a typed enrolment code: upper case, spaces and dashes removed, look-alike letters read
/// as the digits they resemble (Crockford's rule).
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// A typed code, normalised, if it has the form of an enrolment code ([`CODE_LEN`] characters of
/// [`CODE_ALPHABET`]); `enrolment_code_malformed` on field `code` otherwise. Only the form: whether
/// the server issued it, and whether it is still valid, only the server knows.
pub fn check_code(typed: &str) -> CoreResult<String> {
    let code = normalise_code(typed);
    if code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Ok(code);
    }
    Err(CoreError::invalid(
        "enrolment_code_malformed",
        "code",
        format!(
            "등록 코드는 영문·숫자 {CODE_LEN}자입니다 (예: 7KQ2-M9XD-4B). 팀장에게 받은 코드를 다시 확인하세요."
        ),
        format!(
            "an enrolment code has {CODE_LEN} letters and digits (e.g. 7KQ2-M9XD-4B); check the code your team lead gave you"
        ),
    ))
}

/// What the enrolment screen was given: a typed code, or the payload of the QR code the admin
/// printed, `donghaeng://enrol?server=<https address>&code=<code>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EnrolmentInput {
    /// The server the QR names; `None` for a typed code (the app's configured server).
    pub server_url: Option<String>,
    /// The code, normalised and checked ([`check_code`]).
    pub code: String,
}

/// The scheme and path of an enrolment QR payload.
pub const ENROL_LINK_PREFIX: &str = "donghaeng://enrol?";

/// The enrolment QR payload for `code` at `server_url` (what `admin issue-enrolment-code` prints).
pub fn enrolment_link(server_url: &str, code: &str) -> String {
    format!(
        "{ENROL_LINK_PREFIX}server={}&code={}",
        percent_encode(server_url),
        percent_encode(code)
    )
}

/// Reads a typed code or an enrolment QR payload ([`EnrolmentInput`]). A link without a code, with a
/// malformed code, or with a server address that is not `http(s)://`: `enrolment_code_malformed`.
pub fn parse_enrolment_input(text: &str) -> CoreResult<EnrolmentInput> {
    let text = text.trim();
    let Some(query) = text.strip_prefix(ENROL_LINK_PREFIX) else {
        return Ok(EnrolmentInput {
            server_url: None,
            code: check_code(text)?,
        });
    };
    let (mut server, mut code) = (None, None);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v).ok_or_else(link_malformed)?;
        match k {
            "server" => server = Some(v),
            "code" => code = Some(v),
            _ => {} // later versions may add fields
        }
    }
    let code = check_code(&code.ok_or_else(link_malformed)?)?;
    let server_url = match server {
        Some(s) if s.starts_with("https://") || s.starts_with("http://") => Some(s),
        Some(_) => return Err(link_malformed()),
        None => None,
    };
    Ok(EnrolmentInput { server_url, code })
}

fn link_malformed() -> CoreError {
    CoreError::invalid(
        "enrolment_code_malformed",
        "code",
        "등록 QR 코드를 읽을 수 없습니다. 코드를 직접 입력하세요.",
        "the enrolment QR code cannot be read; type the code instead",
    )
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space); `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b'+' => out.push(b' '),
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `id` may name a device: a random UUID, version 4 or 7 (what `crate::model::new_id` makes),
/// of the RFC 4122 variant. Everything else is refused: the nil id (the store's "not yet known"), and
/// the derived (v5, v8) or otherwise made-up ids a server writes its own changes under. The server
/// refuses, besides, the few ids of this shape it reserves for itself (its admin node) and the ids of
/// its users and org units.
pub fn is_usable_device_id(id: Uuid) -> bool {
    matches!(id.get_version_num(), 4 | 7) && id.get_variant() == Variant::RFC4122
}

/// [`is_usable_device_id`] as an error naming the field (`device_id_invalid`).
pub fn check_device_id(id: Uuid) -> CoreResult<()> {
    if is_usable_device_id(id) {
        return Ok(());
    }
    Err(CoreError::invalid(
        "device_id_invalid",
        "device_id",
        "기기 ID(device_id)는 무작위 UUID(버전 4 또는 7)여야 합니다.",
        "device_id must be a random UUID (version 4 or 7)",
    ))
}

/// Shortest retry key accepted: 32 characters (a hex string of 128 bits).
pub const RETRY_KEY_MIN_LEN: usize = 32;
/// Longest retry key accepted (bounds what the server hashes and stores).
pub const RETRY_KEY_MAX_LEN: usize = 128;

/// A new retry key: 256 OS-random bits as 64 hex characters.
pub fn new_retry_key() -> CoreResult<String> {
    let mut bytes = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| CoreError::storage(format!("OS randomness unavailable: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A retry key must have [`RETRY_KEY_MIN_LEN`] to [`RETRY_KEY_MAX_LEN`] printable ASCII characters
/// (`retry_key_invalid`).
pub fn check_retry_key(key: &str) -> CoreResult<()> {
    let ok = (RETRY_KEY_MIN_LEN..=RETRY_KEY_MAX_LEN).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        return Ok(());
    }
    Err(CoreError::invalid(
        "retry_key_invalid",
        "retry_key",
        format!(
            "재시도 열쇠(retry_key)는 {RETRY_KEY_MIN_LEN}~{RETRY_KEY_MAX_LEN}자의 영문·숫자·기호여야 합니다."
        ),
        format!(
            "retry_key must have {RETRY_KEY_MIN_LEN} to {RETRY_KEY_MAX_LEN} printable ASCII characters"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_random_rfc_4122_ids_name_a_device() {
        assert!(is_usable_device_id(crate::model::new_id()));
        assert!(is_usable_device_id(Uuid::from_u128(
            0x9f4c_1b7e_5a2d_4c3b_8e6f_0123_4567_89ab
        )));
        assert!(!is_usable_device_id(Uuid::nil()));
        assert!(!is_usable_device_id(Uuid::max()));
        // v8 (the server's ids derived from a hash), v5, and a v7 of another variant.
        let v8 = uuid::Builder::from_custom_bytes([7; 16]).into_uuid();
        assert!(!is_usable_device_id(v8));
        assert!(!is_usable_device_id(Uuid::from_u128(
            0x9f4c_1b7e_5a2d_5c3b_8e6f_0123_4567_89ab
        )));
        assert!(!is_usable_device_id(Uuid::from_u128(
            0x9f4c_1b7e_5a2d_7c3b_ce6f_0123_4567_89ab
        )));
        assert_eq!(check_device_id(v8).unwrap_err().code, "device_id_invalid");
        assert_eq!(
            check_device_id(v8).unwrap_err().field.as_deref(),
            Some("device_id")
        );
    }

    #[test]
    fn retry_keys_are_long_random_and_checked() {
        let a = new_retry_key().unwrap();
        let b = new_retry_key().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        check_retry_key(&a).unwrap();
        for bad in [
            "short",
            &"x".repeat(RETRY_KEY_MAX_LEN + 1),
            &format!("{a} "),
        ] {
            let e = check_retry_key(bad).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("retry_key_invalid", Some("retry_key"))
            );
        }
    }

    #[test]
    fn a_typed_code_is_normalised_and_checked_for_its_form() {
        assert_eq!(check_code(" 7kq2-m9xd 4b ").unwrap(), "7KQ2M9XD4B");
        // Look-alikes read as digits.
        assert_eq!(check_code("OIL2M9XD4B").unwrap(), "0112M9XD4B");
        for bad in [
            "",
            "7KQ2M9XD4",
            "7KQ2M9XD4BB",
            "7KQ2M9XD4U",
            "가나다라마바사아자차",
        ] {
            let e = check_code(bad).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("enrolment_code_malformed", Some("code")),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_enrolment_link_round_trips_and_a_broken_one_is_refused() {
        let link = enrolment_link("https://sync.gangnam.example.kr:8443/base", "7KQ2M9XD4B");
        assert_eq!(
            link,
            "donghaeng://enrol?server=https%3A%2F%2Fsync.gangnam.example.kr%3A8443%2Fbase&code=7KQ2M9XD4B"
        );
        let input = parse_enrolment_input(&format!("  {link}\n")).unwrap();
        assert_eq!(
            input,
            EnrolmentInput {
                server_url: Some("https://sync.gangnam.example.kr:8443/base".into()),
                code: "7KQ2M9XD4B".into()
            }
        );
        assert_eq!(
            parse_enrolment_input("7kq2-m9xd-4b").unwrap(),
            EnrolmentInput {
                server_url: None,
                code: "7KQ2M9XD4B".into()
            }
        );
        for bad in [
            "donghaeng://enrol?server=https%3A%2F%2Fx.kr",
            "donghaeng://enrol?server=ftp%3A%2F%2Fx.kr&code=7KQ2M9XD4B",
            "donghaeng://enrol?code=7KQ2M9XD4B&server=%ZZ",
            "donghaeng://enrol?code=SHORT",
        ] {
            assert_eq!(
                parse_enrolment_input(bad).unwrap_err().code,
                "enrolment_code_malformed",
                "{bad}"
            );
        }
    }

    #[test]
    fn an_older_client_without_a_retry_key_still_parses() {
        let r: EnrolRequest = serde_json::from_str(r#"{"code": "ABCDE12345"}"#).unwrap();
        assert_eq!(r.retry_key, None);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("retry_key"), "{json}");
    }
}
