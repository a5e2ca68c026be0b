//! Password hashing (비밀번호 해시): argon2id, a memory-hard function, so a stolen database does not
//! give passwords away to a GPU farm; the PHC string carries its own salt and parameters, so
//! parameters can be raised later without invalidating stored hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;

use donghaeng_core::{CoreError, CoreResult};

/// OWASP's minimum for argon2id (2024 cheat sheet): 19 MiB, 2 passes, 1 lane — about 30 ms per
/// login on a server core, which is nothing for a person and a lot for a guesser.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we take 10 for staff accounts
/// that see health and income data).
pub const MIN_LEN: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work per request).
pub const MAX_LEN: usize = 256;

fn hasher() -> CoreResult<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| CoreError::storage(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password's length (characters, after removing one trailing newline a file or a
/// pipe adds).
pub fn checked_new_password(raw: &str) -> CoreResult<&str> {
    let p = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(raw);
    let n = p.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return Err(CoreError::invalid(
            "password_invalid",
            "password",
            format!("비밀번호는 {MIN_LEN}자 이상 {MAX_LEN}자 이하여야 합니다."),
            format!("a password must have {MIN_LEN} to {MAX_LEN} characters"),
        ));
    }
    Ok(p)
}

/// The argon2id PHC string of a password, with a fresh OS-random salt.
pub fn hash(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::storage(format!("argon2: {e}")))
}

/// Whether `password` matches the stored PHC string. A malformed stored string never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the same work as a real verification, for unknown users: the answer time must not tell a
/// guesser which login names exist.
pub fn burn(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash("dummy-password-never-used").ok()) {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_is_salted() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "fresh salt each time");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterx", &a));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn new_passwords_are_length_checked_and_lose_one_trailing_newline() {
        assert_eq!(checked_new_password("0123456789\n").unwrap(), "0123456789");
        assert_eq!(
            checked_new_password("0123456789\r\n").unwrap(),
            "0123456789"
        );
        assert_eq!(
            checked_new_password("short\n").unwrap_err().code,
            "password_invalid"
        );
        assert!(checked_new_password(&"x".repeat(MAX_LEN + 1)).is_err());
        // Korean passwords count characters, not bytes.
        assert!(checked_new_password("가나다라마바사아자차").is_ok());
    }
}
