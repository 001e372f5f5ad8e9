//! Survey slugs as they arrive in URLs, checked against the documented shape (a lower-case
//! letter, then lower-case letters, digits or `-`, at most 64) before anything looks one up.
//!
//! A path segment is whatever a client sends: control bytes, NUL (which PostgreSQL refuses
//! in text), markup. Routes take `web::Path<Slug>`, so a segment that cannot be a slug is a
//! 404 at the boundary, the same on both backends, and never reaches a query, a log line or a
//! `Location` header.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Option<Self> {
        fieldwork_survey::is_slug(text).then(|| Slug(text.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Slug {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Slug::parse(&text).ok_or_else(|| serde::de::Error::custom("not a survey slug"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_shape_is_a_slug() {
        assert_eq!(
            Slug::parse("digital-leadership").map(Slug::into_string),
            Some("digital-leadership".to_owned())
        );
        for bad in [
            "",
            "Digital",
            "1st",
            "a b",
            "a\u{0}",
            "a\r\nb",
            "a\u{7f}",
            "a/b",
            "a.b",
            "a_b",
            "<script>",
            "é",
            &"a".repeat(65),
        ] {
            assert_eq!(Slug::parse(bad), None, "{bad:?}");
        }
    }
}
