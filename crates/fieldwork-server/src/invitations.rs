//! Issuing single-use invitations: the secrets, what the store keeps of them, and the CSV of
//! links handed to the researcher. One place for the admin pages and `fieldwork invite`.

use std::io::Write;

use fieldwork_survey::SafeCsvWriter;

use crate::tokens::{hash, new_token};

/// What the store keeps of an invitation token.
pub const INVITATION_PURPOSE: &str = "invitation";

/// New invitations: the secrets, shown once in the links, and their hashes, for the store.
#[derive(Debug)]
pub struct NewInvitations {
    pub tokens: Vec<String>,
    pub hashes: Vec<String>,
}

impl NewInvitations {
    pub fn make(count: u32) -> Self {
        let tokens: Vec<String> = (0..count).map(|_| new_token()).collect();
        let hashes = tokens.iter().map(|t| hash(INVITATION_PURPOSE, t)).collect();
        NewInvitations { tokens, hashes }
    }

    /// The links as CSV (`survey,stratum,link`), cells neutralised against spreadsheet
    /// formulas. `base` is the configured public URL, never a request's headers.
    pub fn write_csv<W: Write>(
        &self,
        out: W,
        base: &str,
        slug: &str,
        stratum: &str,
    ) -> csv::Result<W> {
        let base = base.trim_end_matches('/');
        let mut writer = SafeCsvWriter::new(out);
        writer.write_record(["survey", "stratum", "link"])?;
        for token in &self.tokens {
            writer.write_record([slug, stratum, &invitation_link(base, slug, token)])?;
        }
        writer.into_inner()
    }
}

/// The link an invitee follows.
pub fn invitation_link(base: &str, slug: &str, token: &str) -> String {
    format!("{base}/s/{slug}?invite={token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_one_working_link_per_invitation_and_runs_nothing() {
        let made = NewInvitations::make(3);
        assert_eq!(made.hashes.len(), 3);
        assert_eq!(made.hashes[0], hash(INVITATION_PURPOSE, &made.tokens[0]));
        let csv = made
            .write_csv(
                Vec::new(),
                "https://survey.example.org/",
                "s",
                "=HYPERLINK(\"x\")",
            )
            .unwrap();
        let text = String::from_utf8(csv).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][1], "'=HYPERLINK(\"x\")");
        assert_eq!(
            &rows[2][2],
            format!("https://survey.example.org/s/s?invite={}", made.tokens[2])
        );
    }
}
