//! Secrets: invitation tokens, session secrets, receipt codes, and the hashes the store keeps.
//!
//! Tokens carry 128 random bits. The store only ever sees SHA-256 hashes of them: a database
//! leak does not hand out working invitation links or sessions. (SHA-256 rather than Argon2id
//! is right for these: they are random, not guessable passwords, so a slow hash adds nothing.)

use std::sync::LazyLock;

use data_encoding::{Encoding, Specification, BASE32_NOPAD, BASE64URL_NOPAD, HEXLOWER};
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

/// Receipt codes are written in Crockford's base32: digits and capitals without I, L, O and
/// U, so nothing a person copies can be misread; what they type is read back with O as 0,
/// I and L as 1, and any case.
static RECEIPT_ALPHABET: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzOoIiLl");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    spec.encoding()
        .expect("the receipt alphabet is a valid base32 specification")
});

/// A receipt code for a response: 80 bits of HMAC-SHA256 under the server secret, written as
/// 16 Crockford base32 characters in groups of four (`7K2M-9QXD-4RTA-HW3B`). Derived, not
/// stored, so the confirmation page can show it again; only its hash is stored.
pub fn receipt_code(server_secret: &str, response_public_id: &str) -> String {
    grouped(&RECEIPT_ALPHABET.encode(&receipt_bits(server_secret, response_public_id)))
}

fn receipt_bits(server_secret: &str, response_public_id: &str) -> [u8; 10] {
    let mut mac = Hmac::<Sha256>::new_from_slice(server_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"receipt\0");
    mac.update(response_public_id.as_bytes());
    let mut bits = [0u8; 10];
    bits.copy_from_slice(&mac.finalize().into_bytes()[..10]);
    bits
}

fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Spaces and hyphens are forgiven anywhere.
fn compact(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// A receipt code as typed, in its canonical form: spaces, hyphens, case and look-alikes
/// (O for 0, I or L for 1) are forgiven.
pub fn normalise_receipt(typed: &str) -> Option<String> {
    let compact = compact(typed);
    if compact.len() != 16 {
        return None;
    }
    let bits = RECEIPT_ALPHABET.decode(compact.as_bytes()).ok()?;
    Some(grouped(&RECEIPT_ALPHABET.encode(&bits)))
}

/// The same receipt as codes issued before Crockford's alphabet wrote it (RFC 4648 base32,
/// `A`-`Z` and `2`-`7`), so a respondent holding one of those can still withdraw.
pub fn legacy_receipt(typed: &str) -> Option<String> {
    let compact = compact(typed).to_ascii_uppercase();
    let bits = BASE32_NOPAD.decode(compact.as_bytes()).ok()?;
    (bits.len() == 10).then(|| grouped(&compact))
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
    fn receipts_have_no_look_alikes_and_forgive_them_when_typed() {
        for id in 0..200 {
            let code = receipt_code("secret", &id.to_string());
            assert!(
                code.chars()
                    .all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)),
                "{code}"
            );
            // A person copies 0 as O and 1 as I or l, in any case.
            let misread = code.replace('0', "O").replace('1', "l").to_lowercase();
            assert_eq!(normalise_receipt(&misread).as_deref(), Some(code.as_str()));
        }
        // U is in no receipt; a code with it is mistyped, not a look-alike.
        assert_eq!(normalise_receipt("UUUU-UUUU-UUUU-UUUU"), None);
    }

    #[test]
    fn receipts_issued_in_the_old_alphabet_are_still_read() {
        // 80 bits written as RFC 4648 base32, as codes were before.
        let old = "MFRG-GZDF-MZTW-Q2LK";
        assert_eq!(legacy_receipt("mfrg gzdf mztw q2lk").as_deref(), Some(old));
        assert_eq!(legacy_receipt("0000-0000-0000-0000"), None);
        assert_eq!(legacy_receipt("MFRG"), None);
    }

    #[test]
    fn constant_time_comparison_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
