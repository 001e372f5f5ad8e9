//! Secrets: invitation tokens, session secrets, receipt codes, and the hashes the store keeps.
//!
//! Tokens carry 128 random bits. The store only ever sees SHA-256 hashes of them: a database
//! leak does not hand out working invitation links or sessions. (SHA-256 rather than Argon2id
//! is right for these: they are random, not guessable passwords, so a slow hash adds nothing.)

use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD, HEXLOWER};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token: 128 bits, URL-safe base64 (22 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    BASE64URL_NOPAD.encode(&bytes)
}

/// The hex SHA-256 of a secret, as the store keeps it. `purpose` separates uses, so an
/// invitation token's hash never equals a receipt's.
pub fn hash(purpose: &str, secret: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(purpose.as_bytes());
    digest.update([0]);
    digest.update(secret.as_bytes());
    HEXLOWER.encode(&digest.finalize())
}

/// A receipt code for a response: 80 bits of HMAC-SHA256 under the server secret, written as
/// 16 base32 characters in groups of four (`ABCD-EFGH-JKLM-NPQR`). Derived, not stored, so
/// the confirmation page can show it again; only its hash is stored.
pub fn receipt_code(server_secret: &str, response_public_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(server_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"receipt\0");
    mac.update(response_public_id.as_bytes());
    let code = BASE32_NOPAD.encode(&mac.finalize().into_bytes()[..10]);
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A receipt code as typed, in its canonical form: spaces, hyphens and case are forgiven.
pub fn normalise_receipt(typed: &str) -> Option<String> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = compact.len() == 16
        && compact
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c));
    valid.then(|| {
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    })
}

/// Compare two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn hashes_depend_on_purpose() {
        assert_eq!(hash("invitation", "x"), hash("invitation", "x"));
        assert_ne!(hash("invitation", "x"), hash("receipt", "x"));
        assert_eq!(hash("invitation", "x").len(), 64);
    }

    #[test]
    fn receipts_round_trip_through_what_people_type() {
        let code = receipt_code("secret", "3f6a");
        assert_eq!(code.len(), 19);
        assert_eq!(code, receipt_code("secret", "3f6a"));
        assert_ne!(code, receipt_code("other secret", "3f6a"));
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise_receipt(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalise_receipt("too short"), None);
        assert_eq!(normalise_receipt("<script>alert(1)</script>"), None);
    }

    #[test]
    fn constant_time_comparison_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
