//! Checking the participant information, its consent statements, the privacy notice and which
//! questions may be published.

use std::collections::BTreeSet;

use super::check::Checker;
use super::is_identifier;
use super::raw::{RawParticipantInformation, RawPrivacyNotice, RawQuestion};
use super::MAX_ID_LEN;
use crate::definition::QuestionKind;
use crate::text::{RawText, Text};
use crate::trust::{ConsentStatement, ParticipantInformation, PrivacyNotice};

/// Longest participant information or privacy notice section, in characters: a few pages.
const MAX_NOTICE_CHARS: usize = 20_000;

impl Checker {
    pub(super) fn participant_information(
        &mut self,
        raw: RawParticipantInformation,
    ) -> ParticipantInformation {
        let path = "participant_information";
        let version = self.required_text(raw.version, path, "version");
        let text = self.notice_text(raw.text, path, "text");
        let mut consent = Vec::new();
        let mut seen = BTreeSet::new();
        match raw.consent {
            None => self.problem(path, "missing field `consent`"),
            Some(statements) if statements.is_empty() => self.problem(
                format!("{path}.consent"),
                "`consent` must list at least one statement the respondent agrees to",
            ),
            Some(statements) => {
                for (i, statement) in statements.into_iter().enumerate() {
                    let spath = format!("{path}.consent[{i}]");
                    let id = self.required_string(statement.id, &spath, "id");
                    if !id.is_empty() && !is_identifier(&id) {
                        self.problem(
                            format!("{spath}.id"),
                            format!("`{id}` is not a valid consent id: use a lower-case letter, then lower-case letters, digits or single `_`, at most {MAX_ID_LEN} characters"),
                        );
                    } else if !id.is_empty() && !seen.insert(id.clone()) {
                        self.problem(
                            format!("{spath}.id"),
                            format!("duplicate consent id `{id}`"),
                        );
                    }
                    let text = self.required_text(statement.text, &spath, "text");
                    consent.push(ConsentStatement { id, text });
                }
            }
        }
        ParticipantInformation {
            version,
            text,
            consent,
        }
    }

    pub(super) fn privacy_notice(&mut self, raw: RawPrivacyNotice) -> PrivacyNotice {
        let path = "privacy_notice";
        PrivacyNotice {
            controller: self.notice_text(raw.controller, path, "controller"),
            purpose: self.notice_text(raw.purpose, path, "purpose"),
            lawful_basis: self.notice_text(raw.lawful_basis, path, "lawful_basis"),
            data_kept: self.notice_text(raw.data_kept, path, "data_kept"),
            retention: self.notice_text(raw.retention, path, "retention"),
            recipients: self.notice_text(raw.recipients, path, "recipients"),
            rights: self.notice_text(raw.rights, path, "rights"),
            contact: self.notice_text(raw.contact, path, "contact"),
        }
    }

    fn notice_text(&mut self, value: Option<RawText>, path: &str, field: &str) -> Text {
        let text = self.required_text(value, path, field);
        for (language, words) in text.variants() {
            let chars = words.chars().count();
            if chars > MAX_NOTICE_CHARS {
                let field = language.map_or_else(|| field.to_owned(), |l| format!("{field}.{l}"));
                self.problem(
                    format!("{path}.{field}"),
                    format!("`{field}` is {chars} characters; the limit is {MAX_NOTICE_CHARS}"),
                );
            }
        }
        text
    }

    /// Whether the respondent may choose to publish this question's answer: only free text,
    /// and never a sensitive question.
    pub(super) fn publishable(
        &mut self,
        raw: &RawQuestion,
        path: &str,
        kind: &QuestionKind,
    ) -> bool {
        if raw.publishable != Some(true) {
            return false;
        }
        if raw.sensitive == Some(true) {
            self.problem(
                format!("{path}.publishable"),
                "a sensitive question can never be published: remove `publishable` or `sensitive`",
            );
        }
        if !matches!(kind, QuestionKind::Text { .. }) {
            self.problem(
                format!("{path}.publishable"),
                format!(
                    "only a text question can be publishable; this one is {}",
                    kind.type_name()
                ),
            );
        }
        true
    }
}
