//! Researchers' credentials: password rules, Argon2id hashing, email addresses and API token
//! format. Shared by the server (sign-in) and the CLI (`fieldwork user add`).

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::BASE64URL_NOPAD;
use rand::RngCore;

/// Shortest password accepted (NIST SP 800-63B and OWASP: length, not composition).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted: long passphrases are welcome, megabytes are not.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Argon2id at OWASP's recommended minimum: 19 MiB of memory, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP's Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password was refused, in the words the form shows.
pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "The password must be {MAX_PASSWORD_CHARS} characters or fewer"
        ));
    }
    Ok(())
}

/// The Argon2id PHC string of a password that passed [`check_password`]. Slow on purpose
/// (tens of milliseconds): call it off the async runtime.
pub fn hash_password(password: &str) -> Result<String, String> {
    check_password(password)?;
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spend the time a real verification takes, for an email with no account, so that the
/// response time does not tell whether an account exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| hash_password("a dummy password that matches nothing").unwrap_or_default());
    let _ = verify_password(password, dummy);
}

/// A new random password for `fieldwork user add --generate-password`: 128 bits, 22
/// characters of URL-safe base64.
pub fn generate_password() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    BASE64URL_NOPAD.encode(&bytes)
}

/// An email address as typed, checked and lowercased: one `@`, something before it, a
/// domain with a dot after it, no spaces or control characters, at most 254 characters.
pub fn parse_email(typed: &str) -> Result<String, String> {
    let email = typed.trim();
    if email.is_empty() {
        return Err("Enter an email address".into());
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!(
            "The email address must be {MAX_EMAIL_CHARS} characters or fewer"
        ));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.chars().count() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c))
        }
        None => false,
    };
    if !valid {
        return Err("Enter an email address in the correct format, like name@example.org".into());
    }
    Ok(email.to_lowercase())
}

/// Every API token starts with this, so a token pasted where it does not belong (a URL, a
/// log line) is recognisable.
pub const TOKEN_PREFIX: &str = "fwk_";

/// A new API token: the prefix and 192 random bits.
pub fn new_api_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", BASE64URL_NOPAD.encode(&bytes))
}

/// What the store keeps of an API token.
pub fn api_token_hash(token: &str) -> String {
    crate::tokens::hash("api-token", token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_by_length_only() {
        assert!(check_password("elevenchars").is_err());
        assert!(check_password("twelve chars").is_ok());
        assert!(
            check_password("ü".repeat(12).as_str()).is_ok(),
            "characters, not bytes"
        );
        assert!(check_password(&"x".repeat(64)).is_ok(), "64 allowed");
        assert!(check_password(&"x".repeat(128)).is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
    }

    #[test]
    fn argon2id_with_owasp_parameters_round_trips() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapler", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery staple").unwrap(),
            "salted"
        );
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            parse_email("  Ana@Example.ORG ").unwrap(),
            "ana@example.org"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana@@example.org",
            "ana bo@example.org",
            "<script>@example.org",
            "ana@.org",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert!(parse_email(&format!("{}@example.org", "a".repeat(300))).is_err());
    }

    #[test]
    fn api_tokens_are_prefixed_and_random() {
        let token = new_api_token();
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(token.len(), 4 + 32);
        assert_ne!(token, new_api_token());
        assert_eq!(api_token_hash(&token).len(), 64);
    }
}
