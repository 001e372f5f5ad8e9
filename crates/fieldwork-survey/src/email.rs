//! What a survey's emails say: the `email` section of a definition (`docs/email.md`).
//!
//! Invitations and reminders are written from templates in the definition, one per language,
//! keyed by language code (`{"en": {...}, "cy": {...}}`). Each template has a subject, a plain
//! text part and an HTML part, with placeholders filled per contact. A contact whose language
//! has no template gets the `default_language`'s. The strings are plain strings, each for one
//! language, so the section is independent of how questions are translated.
//!
//! Nothing here sends anything: the server's `outreach` module does.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

/// How a survey reaches its contacts by email.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EmailSettings {
    /// Who respondents may write to about the study: the reply-to address of every email, and
    /// `{{contact_name}}`, `{{contact_email}}` in the templates.
    pub contact: StudyContact,
    /// The language whose templates a contact gets when theirs has none. May be left out when
    /// there is one language.
    #[serde(default)]
    pub default_language: String,
    /// The invitation, per language code.
    pub invitation: BTreeMap<String, EmailTemplate>,
    /// The reminder, per language code. Without it, reminders repeat the invitation with the
    /// subject prefixed by "Reminder: ".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reminder: BTreeMap<String, EmailTemplate>,
    /// How many reminders a contact may get after the invitation (0 to 5; default 2).
    #[serde(default)]
    pub reminders_allowed: u32,
    /// Days after the survey closes when its contacts are deleted (1 to 365; default 30).
    #[serde(default)]
    pub contact_retention_days: u32,
}

/// The study's contact person.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StudyContact {
    pub name: String,
    pub email: String,
}

/// One email in one language. Placeholders: `{{name}}` (the contact's name, or empty),
/// `{{link}}` (their invitation), `{{opt_out_link}}`, `{{survey_title}}`, `{{contact_name}}`
/// and `{{contact_email}}`. The text and HTML parts must both hold `{{link}}` and
/// `{{opt_out_link}}`. In the HTML part each value is HTML-escaped.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EmailTemplate {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Which email of the sequence: the invitation, or the n-th reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    Invitation,
    Reminder(u32),
}

impl EmailKind {
    /// 0 for the invitation, n for the n-th reminder (as the store numbers messages).
    pub fn number(self) -> u32 {
        match self {
            EmailKind::Invitation => 0,
            EmailKind::Reminder(n) => n,
        }
    }

    pub fn from_number(number: u32) -> Self {
        if number == 0 {
            EmailKind::Invitation
        } else {
            EmailKind::Reminder(number)
        }
    }
}

/// What is filled into a template for one contact.
#[derive(Debug, Clone, Copy)]
pub struct EmailFill<'a> {
    pub name: Option<&'a str>,
    pub link: &'a str,
    pub opt_out_link: &'a str,
    pub survey_title: &'a str,
}

/// An email ready to send: its subject and both parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The placeholders a template may use.
pub(crate) const PLACEHOLDERS: [&str; 6] = [
    "name",
    "link",
    "opt_out_link",
    "survey_title",
    "contact_name",
    "contact_email",
];

/// The placeholders every text and HTML part must hold: the way in and the way out.
pub(crate) const REQUIRED_PLACEHOLDERS: [&str; 2] = ["link", "opt_out_link"];

impl EmailSettings {
    /// The template of `kind` for a contact who reads `language` (or has none given).
    fn template(&self, kind: EmailKind, language: Option<&str>) -> (EmailTemplate, bool) {
        let pick = |set: &BTreeMap<String, EmailTemplate>| {
            language
                .and_then(|code| set.get(code))
                .or_else(|| set.get(&self.default_language))
                .cloned()
        };
        match kind {
            EmailKind::Invitation => (
                pick(&self.invitation).unwrap_or_else(|| self.any_invitation()),
                false,
            ),
            EmailKind::Reminder(_) => match pick(&self.reminder) {
                Some(template) => (template, false),
                None => (
                    pick(&self.invitation).unwrap_or_else(|| self.any_invitation()),
                    true,
                ),
            },
        }
    }

    /// A checked definition always has the default language's invitation; this is only a
    /// guard for a hand-built value.
    fn any_invitation(&self) -> EmailTemplate {
        self.invitation
            .values()
            .next()
            .cloned()
            .unwrap_or(EmailTemplate {
                subject: String::new(),
                text: "{{link}}\n\n{{opt_out_link}}".into(),
                html: "<p>{{link}}</p><p>{{opt_out_link}}</p>".into(),
            })
    }

    /// The email of `kind` for one contact, in their language when the definition has it.
    pub fn compose(
        &self,
        kind: EmailKind,
        language: Option<&str>,
        fill: &EmailFill<'_>,
    ) -> ComposedEmail {
        let (template, prefix_reminder) = self.template(kind, language);
        let value = |name: &str| -> String {
            match name {
                "name" => fill.name.unwrap_or("").to_owned(),
                "link" => fill.link.to_owned(),
                "opt_out_link" => fill.opt_out_link.to_owned(),
                "survey_title" => fill.survey_title.to_owned(),
                "contact_name" => self.contact.name.clone(),
                "contact_email" => self.contact.email.clone(),
                _ => String::new(),
            }
        };
        let mut subject = fill_in(&template.subject, &value);
        if prefix_reminder {
            subject = format!("Reminder: {subject}");
        }
        // A header is one line, whatever a contact's name holds.
        let subject = subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        ComposedEmail {
            subject,
            text: fill_in(&template.text, &value),
            html: fill_in(&template.html, &|name| escape_html(&value(name))),
        }
    }
}

/// `template` with each `{{placeholder}}` replaced by `value(placeholder)`.
fn fill_in(template: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) if PLACEHOLDERS.contains(&after[..end].trim()) => {
                out.push_str(&value(after[..end].trim()));
                rest = &after[end + 2..];
            }
            _ => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders `template` uses, as written between `{{` and `}}`.
pub(crate) fn placeholders_in(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                found.push(after[..end].trim().to_owned());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    found
}

fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> EmailSettings {
        let template = |subject: &str| EmailTemplate {
            subject: subject.into(),
            text: "Dear {{name}}, {{link}} or stop: {{opt_out_link}}. {{contact_name}}".into(),
            html: "<p>Dear {{ name }}, <a href=\"{{link}}\">start</a> {{opt_out_link}}</p>".into(),
        };
        EmailSettings {
            contact: StudyContact {
                name: "Ana".into(),
                email: "ana@example.org".into(),
            },
            default_language: "en".into(),
            invitation: BTreeMap::from([
                ("en".into(), template("{{survey_title}}")),
                ("cy".into(), template("Arolwg {{survey_title}}")),
            ]),
            reminder: BTreeMap::new(),
            reminders_allowed: 2,
            contact_retention_days: 30,
        }
    }

    const FILL: EmailFill<'static> = EmailFill {
        name: Some("<Bo & \"Cy\">"),
        link: "https://x.example/s/a?invite=T",
        opt_out_link: "https://x.example/o/O",
        survey_title: "Leaders\r\nBcc: evil@example.org",
    };

    #[test]
    fn a_template_is_filled_in_the_contacts_language_or_the_default() {
        let s = settings();
        let welsh = s.compose(EmailKind::Invitation, Some("cy"), &FILL);
        assert_eq!(welsh.subject, "Arolwg Leaders  Bcc: evil@example.org");
        let other = s.compose(EmailKind::Invitation, Some("fr"), &FILL);
        assert_eq!(other.subject, "Leaders  Bcc: evil@example.org");
        assert_eq!(
            other.text,
            "Dear <Bo & \"Cy\">, https://x.example/s/a?invite=T or stop: https://x.example/o/O. Ana"
        );
        assert_eq!(
            other.html,
            "<p>Dear &lt;Bo &amp; &quot;Cy&quot;&gt;, <a href=\"https://x.example/s/a?invite=T\">start</a> https://x.example/o/O</p>"
        );
    }

    #[test]
    fn a_reminder_without_its_own_template_repeats_the_invitation_marked_as_one() {
        let reminder = settings().compose(EmailKind::Reminder(1), None, &FILL);
        assert!(reminder.subject.starts_with("Reminder: Leaders"));
        assert!(reminder.text.contains("invite=T"));
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_left_as_written() {
        let value = |_: &str| "X".to_owned();
        assert_eq!(fill_in("a {{nope}} {{link}} {{", &value), "a {{nope}} X {{");
        assert_eq!(placeholders_in("{{ a }}{{b}} {{c"), vec!["a", "b"]);
    }
}
