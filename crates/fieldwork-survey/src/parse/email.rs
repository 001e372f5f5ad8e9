//! Checking a definition's `email` section (`crate::email`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::check::Checker;
use crate::contacts::is_email_address;
use crate::email::{
    placeholders_in, EmailSettings, EmailTemplate, StudyContact, PLACEHOLDERS,
    REQUIRED_PLACEHOLDERS,
};
use crate::text::is_language_code;

/// Most reminders a survey may allow after the invitation.
pub const MAX_REMINDERS: u32 = 5;
const DEFAULT_REMINDERS: u32 = 2;
const DEFAULT_CONTACT_RETENTION_DAYS: u32 = 30;
const MAX_CONTACT_RETENTION_DAYS: u32 = 365;
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_PART_CHARS: usize = 50_000;

#[derive(Deserialize)]
pub(crate) struct RawEmail {
    contact: Option<RawStudyContact>,
    default_language: Option<String>,
    invitation: Option<BTreeMap<String, RawEmailTemplate>>,
    reminder: Option<BTreeMap<String, RawEmailTemplate>>,
    reminders_allowed: Option<u32>,
    contact_retention_days: Option<u32>,
}

#[derive(Deserialize)]
pub(crate) struct RawStudyContact {
    name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawEmailTemplate {
    subject: Option<String>,
    text: Option<String>,
    html: Option<String>,
}

impl Checker {
    pub(super) fn email(&mut self, raw: RawEmail) -> EmailSettings {
        let path = "email";
        let contact = match raw.contact {
            None => {
                self.problem(path, "missing field `contact`");
                StudyContact {
                    name: String::new(),
                    email: String::new(),
                }
            }
            Some(contact) => {
                let cpath = "email.contact";
                let name = self.required_string(contact.name, cpath, "name");
                let email = self.required_string(contact.email, cpath, "email");
                if !email.is_empty() && !is_email_address(&email) {
                    self.problem(
                        "email.contact.email",
                        format!("`{email}` is not an email address"),
                    );
                }
                StudyContact { name, email }
            }
        };
        let invitation = match raw.invitation {
            None => {
                self.problem(path, "missing field `invitation`");
                BTreeMap::new()
            }
            Some(set) if set.is_empty() => {
                self.problem(
                    "email.invitation",
                    "`invitation` needs a template for at least one language",
                );
                BTreeMap::new()
            }
            Some(set) => self.templates(set, "email.invitation"),
        };
        let reminder = raw
            .reminder
            .map(|set| self.templates(set, "email.reminder"))
            .unwrap_or_default();
        let default_language = match raw.default_language {
            Some(code) => {
                if !invitation.is_empty() && !invitation.contains_key(&code) {
                    self.problem(
                        "email.default_language",
                        format!("`invitation` has no template for the default language `{code}`"),
                    );
                }
                code
            }
            None if invitation.len() > 1 => {
                self.problem(
                    path,
                    "missing field `default_language`: with templates in several languages, name the one for contacts whose language has none",
                );
                String::new()
            }
            None => invitation.keys().next().cloned().unwrap_or_default(),
        };
        let reminders_allowed = raw.reminders_allowed.unwrap_or(DEFAULT_REMINDERS);
        if reminders_allowed > MAX_REMINDERS {
            self.problem(
                "email.reminders_allowed",
                format!("`reminders_allowed` is at most {MAX_REMINDERS}"),
            );
        }
        let contact_retention_days = raw
            .contact_retention_days
            .unwrap_or(DEFAULT_CONTACT_RETENTION_DAYS);
        if !(1..=MAX_CONTACT_RETENTION_DAYS).contains(&contact_retention_days) {
            self.problem(
                "email.contact_retention_days",
                format!(
                    "`contact_retention_days` must be between 1 and {MAX_CONTACT_RETENTION_DAYS}"
                ),
            );
        }
        EmailSettings {
            contact,
            default_language,
            invitation,
            reminder,
            reminders_allowed,
            contact_retention_days,
        }
    }

    fn templates(
        &mut self,
        raw: BTreeMap<String, RawEmailTemplate>,
        path: &str,
    ) -> BTreeMap<String, EmailTemplate> {
        let mut checked = BTreeMap::new();
        for (code, template) in raw {
            let tpath = format!("{path}.{code}");
            if !is_language_code(&code) {
                self.problem(
                    &tpath,
                    format!("`{code}` is not a language code: use a code such as `en` or `cy`"),
                );
            }
            let subject = self.required_string(template.subject, &tpath, "subject");
            let text = self.required_string(template.text, &tpath, "text");
            let html = self.required_string(template.html, &tpath, "html");
            self.template_part(&subject, &tpath, "subject", MAX_SUBJECT_CHARS, &[]);
            self.template_part(
                &text,
                &tpath,
                "text",
                MAX_PART_CHARS,
                &REQUIRED_PLACEHOLDERS,
            );
            self.template_part(
                &html,
                &tpath,
                "html",
                MAX_PART_CHARS,
                &REQUIRED_PLACEHOLDERS,
            );
            checked.insert(
                code,
                EmailTemplate {
                    subject,
                    text,
                    html,
                },
            );
        }
        checked
    }

    fn template_part(&mut self, part: &str, path: &str, field: &str, max: usize, needs: &[&str]) {
        let fpath = format!("{path}.{field}");
        let chars = part.chars().count();
        if chars > max {
            self.problem(
                &fpath,
                format!("`{field}` is {chars} characters; the limit is {max}"),
            );
        }
        if part.is_empty() {
            return;
        }
        let used = placeholders_in(part);
        for name in &used {
            if !PLACEHOLDERS.contains(&name.as_str()) {
                self.problem(
                    &fpath,
                    format!(
                        "unknown placeholder `{{{{{name}}}}}`: use {}",
                        PLACEHOLDERS.map(|p| format!("{{{{{p}}}}}")).join(", ")
                    ),
                );
            }
        }
        for needed in needs {
            if !used.iter().any(|name| name == needed) {
                self.problem(&fpath, format!("`{field}` must hold `{{{{{needed}}}}}`"));
            }
        }
    }
}
