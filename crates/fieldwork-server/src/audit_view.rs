//! The audit log in words, for the admin page: what was done, and its details as a person
//! reads them, from the stored action name and its JSON detail.

use fieldwork_analysis::format::thousands;
use serde_json::{Map, Value};

/// One entry as the Audit log page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub details: Vec<(String, String)>,
}

impl AuditLine {
    pub fn of(entry: &fieldwork_store::AuditEntry) -> Self {
        let empty = Map::new();
        let detail = entry.detail.as_object().unwrap_or(&empty);
        AuditLine {
            when: entry.at.format("%-d %b %Y, %H:%M:%S UTC").to_string(),
            who: match entry.actor.as_str() {
                "cli" => "the command line".to_owned(),
                "respondent" => "a respondent".to_owned(),
                actor => actor.to_owned(),
            },
            what: what_was_done(&entry.action, detail),
            details: detail
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (label(k), value(k, v)))
                .collect(),
        }
    }
}

fn what_was_done(action: &str, detail: &Map<String, Value>) -> String {
    let text = |key: &str| detail.get(key).and_then(Value::as_str).unwrap_or("");
    match action {
        "sign_in" => "Signed in".into(),
        "sign_in.failed" => "A sign-in failed".into(),
        "sign_out" => "Signed out".into(),
        "export" => format!("Downloaded an export ({})", text("format")),
        "response.withdrawn" => "A respondent withdrew their answers".into(),
        "survey.status" => match text("to") {
            "open" => "Opened the survey".into(),
            "closed" => "Closed the survey".into(),
            other => format!("Set the survey's status to {other}"),
        },
        "survey.imported" => "Imported a version of the survey".into(),
        "survey.deleted" => "Deleted the survey".into(),
        "role.granted" => format!("Shared the survey with {}", text("user")),
        "role.revoked" => format!("Removed {}'s access", text("user")),
        "token.created" => "Created an API token".into(),
        "token.revoked" => "Revoked an API token".into(),
        "invitations.created" => "Made invitations".into(),
        "retention.set" => "Set how long responses are kept".into(),
        "retention.applied" => "Deleted responses past their retention date".into(),
        "user.created" => "Created a researcher's account".into(),
        "user.password_changed" => "Changed a password".into(),
        "report.published" => "Published the report".into(),
        "report.unpublished" => "Took the published report down".into(),
        "pledge.approved" => "Approved a pledge for publishing".into(),
        "pledge.rejected" => "Rejected a pledge".into(),
        other => other.replace(['.', '_'], " "),
    }
}

/// A detail's key in words: `sessions_ended` is "Sessions ended".
fn label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

fn value(key: &str, value: &Value) -> String {
    match value {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i >= 0 && !matches!(key, "version" | "token_id" | "pledge") => {
                thousands(i as u64)
            }
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(actor: &str, action: &str, detail: Value) -> AuditLine {
        AuditLine::of(&fieldwork_store::AuditEntry {
            id: 1,
            at: chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                .unwrap()
                .and_hms_opt(13, 5, 9)
                .unwrap(),
            actor: actor.into(),
            action: action.into(),
            survey: Some("s".into()),
            detail,
        })
    }

    #[test]
    fn entries_read_as_words() {
        let l = line(
            "ana@example.org",
            "export",
            json!({"format": "csv-wide", "rows": 1234567, "via": "admin", "include_sensitive": false}),
        );
        assert_eq!(l.when, "3 Dec 2026, 13:05:09 UTC");
        assert_eq!(l.who, "ana@example.org");
        assert_eq!(l.what, "Downloaded an export (csv-wide)");
        assert_eq!(
            l.details,
            [
                ("Format".into(), "csv-wide".into()),
                ("Include sensitive".into(), "no".into()),
                ("Rows".into(), "1,234,567".into()),
                ("Via".into(), "admin".into()),
            ]
        );
        let l = line(
            "cli",
            "survey.imported",
            json!({"version": 1200, "changed": true}),
        );
        assert_eq!(l.who, "the command line");
        assert_eq!(l.details[1], ("Version".into(), "1200".into()));
        assert_eq!(
            line("cli", "some.new_thing", json!({})).what,
            "some new thing"
        );
    }
}
