//! Check-out PINs and the duress PIN (강요 상황용 PIN).
//!
//! Each worker may set a normal PIN and a duress PIN. Only salted argon2id hashes (PHC strings) are
//! stored, never the PINs. A check-out with the duress PIN looks exactly like a normal one on the phone
//! and records a [`super::event::EventKind::DuressCheckedOut`] event, which raises a silent alarm.
//!
//! When a duress PIN is set, both hashes are checked on every attempt, so the time taken does not tell
//! which PIN matched.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use crate::model::Id;
use crate::{CoreError, CoreResult};

/// argon2id cost. The default is OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1), modest enough for
/// phones; tests may use less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PinParams {
    fn default() -> Self {
        PinParams {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PinParams {
    /// Cheap parameters for tests only (still argon2id).
    pub fn for_tests() -> Self {
        PinParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn hasher(&self) -> CoreResult<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| {
                CoreError::invalid(
                    "pin_params_invalid",
                    "pin.params",
                    format!("PIN 해시 설정이 잘못되었습니다: {e}"),
                    format!("invalid PIN hash parameters: {e}"),
                )
            })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Which PIN matched. Only the core sees this; the phone gets the same receipt either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinMatch {
    Normal,
    Duress,
}

/// A worker's PIN hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerPins {
    pub worker_id: Id,
    /// argon2id PHC string of the normal PIN.
    pub normal_hash: String,
    /// argon2id PHC string of the duress PIN, if set.
    pub duress_hash: Option<String>,
}

/// 4–12 digits. **Our choice**: long enough to resist a casual guess, short enough to type under stress.
fn check_format(pin: &str, field: &str) -> CoreResult<()> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "pin_format_invalid",
            field,
            "PIN은 숫자 4~12자리여야 합니다",
            "a PIN must be 4 to 12 digits",
        ))
    }
}

fn hash(hasher: &Argon2<'_>, pin: &str, salt: &SaltString) -> CoreResult<String> {
    hasher
        .hash_password(pin.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            CoreError::invalid(
                "pin_hash_failed",
                "pin",
                format!("PIN 해시에 실패했습니다: {e}"),
                format!("could not hash the PIN: {e}"),
            )
        })
}

fn salt_from(bytes: &[u8; 16]) -> CoreResult<SaltString> {
    SaltString::encode_b64(bytes).map_err(|e| {
        CoreError::invalid(
            "pin_salt_invalid",
            "pin.salt",
            format!("솔트가 잘못되었습니다: {e}"),
            format!("invalid salt: {e}"),
        )
    })
}

impl WorkerPins {
    /// Sets the PINs with fresh random salts from the operating system.
    pub fn new(
        worker_id: Id,
        normal: &str,
        duress: Option<&str>,
        params: PinParams,
    ) -> CoreResult<Self> {
        let s1 = SaltString::generate(&mut OsRng);
        let s2 = SaltString::generate(&mut OsRng);
        Self::build(worker_id, normal, duress, params, &s1, &s2)
    }

    /// Sets the PINs with given salts (deterministic, for tests and for shells that bring their own
    /// random source).
    pub fn with_salts(
        worker_id: Id,
        normal: &str,
        duress: Option<&str>,
        params: PinParams,
        salts: [[u8; 16]; 2],
    ) -> CoreResult<Self> {
        let s1 = salt_from(&salts[0])?;
        let s2 = salt_from(&salts[1])?;
        Self::build(worker_id, normal, duress, params, &s1, &s2)
    }

    fn build(
        worker_id: Id,
        normal: &str,
        duress: Option<&str>,
        params: PinParams,
        s1: &SaltString,
        s2: &SaltString,
    ) -> CoreResult<Self> {
        check_format(normal, "pin.normal")?;
        if let Some(d) = duress {
            check_format(d, "pin.duress")?;
            if d == normal {
                return Err(CoreError::invalid(
                    "duress_pin_equals_pin",
                    "pin.duress",
                    "위급 PIN은 일반 PIN과 달라야 합니다",
                    "the duress PIN must differ from the normal PIN",
                ));
            }
        }
        let hasher = params.hasher()?;
        Ok(WorkerPins {
            worker_id,
            normal_hash: hash(&hasher, normal, s1)?,
            duress_hash: duress.map(|d| hash(&hasher, d, s2)).transpose()?,
        })
    }

    /// Which PIN `pin` is. A wrong PIN is an error (`pin_incorrect`).
    pub fn verify(&self, pin: &str) -> CoreResult<PinMatch> {
        let normal = matches(&self.normal_hash, pin)?;
        // Check the duress hash even when the normal PIN matched: both PINs then take the same time, so
        // timing cannot tell a duress check-out from a normal one.
        let duress = match &self.duress_hash {
            Some(h) => matches(h, pin)?,
            None => false,
        };
        if normal {
            Ok(PinMatch::Normal)
        } else if duress {
            Ok(PinMatch::Duress)
        } else {
            Err(CoreError::invalid(
                "pin_incorrect",
                "pin",
                "PIN이 올바르지 않습니다",
                "the PIN is incorrect",
            ))
        }
    }
}

fn matches(phc: &str, pin: &str) -> CoreResult<bool> {
    let parsed = PasswordHash::new(phc).map_err(|e| {
        CoreError::invalid(
            "pin_hash_corrupt",
            "pin.hash",
            format!("저장된 PIN 해시를 읽을 수 없습니다: {e}"),
            format!("the stored PIN hash cannot be read: {e}"),
        )
    })?;
    // Verification uses the parameters stored in the PHC string.
    Ok(Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok())
}
