//! Secrets (비밀값): random enrolment codes, device secrets and access tokens, and their hashes.
//!
//! Device secrets and tokens carry 256 random bits, so a plain SHA-256 is enough to store them (a slow
//! hash such as argon2 protects guessable passwords, and would cost ~50 ms per request here).
//! Enrolment codes are short so people can type them: 50 random bits, single use, valid for a day; a
//! leaked database holds only hashes of codes that are spent or about to expire.

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

pub use donghaeng_core::sync::enrolment::{normalise_code, CODE_ALPHABET, CODE_LEN};
use donghaeng_core::{CoreError, CoreResult};

fn random_bytes<const N: usize>() -> CoreResult<[u8; N]> {
    let mut buf = [0u8; N];
    OsRng
        .try_fill_bytes(&mut buf)
        .map_err(|e| CoreError::storage(format!("OS randomness unavailable: {e}")))?;
    Ok(buf)
}

/// A new device secret or access token: 32 random bytes as 64 hex characters.
pub fn new_token() -> CoreResult<String> {
    Ok(to_hex(&random_bytes::<32>()?))
}

/// A new enrolment code, e.g. `7KQ2M9XD4B`.
pub fn new_enrolment_code() -> CoreResult<String> {
    let bytes = random_bytes::<CODE_LEN>()?;
    Ok(bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
        .collect())
}

/// SHA-256 of a secret, as stored.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_alphabet_and_normalise_look_alikes() {
        let code = new_enrolment_code().unwrap();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalise_code("ab-cd o1 il"), "ABCD0111");
    }

    #[test]
    fn tokens_are_distinct_and_hash_to_32_bytes() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(hash(&a).len(), 32);
        assert_ne!(hash(&a), hash(&b));
    }
}
