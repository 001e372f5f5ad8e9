//! A survey's contacts as a researcher uploads them: a CSV of `email,stratum[,name][,language]`,
//! every row checked, every problem reported by its line, nothing accepted unless all is well.
//!
//! Contacts are personal data held only to invite; see `docs/email.md`.

use crate::text::is_language_code;
use std::collections::HashMap;
use std::fmt;

/// Largest contacts file accepted.
pub const MAX_CONTACTS_BYTES: usize = 10 * 1024 * 1024;
/// Most contacts in one file.
pub const MAX_CONTACTS: usize = 100_000;
/// Problems listed before the rest are only counted.
const MAX_LISTED: usize = 100;
const MAX_NAME_CHARS: usize = 200;
/// RFC 5321's limits: 254 characters for the address, 64 for the part before `@`.
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// One contact, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// Lower-cased: two spellings of one address are one contact.
    pub email: String,
    pub name: Option<String>,
    pub stratum: String,
    pub language: Option<String>,
}

/// A problem with one line of a contacts file (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactProblem {
    pub line: usize,
    pub message: String,
}

/// Why a contacts file was refused: its problems (at most 100 listed) and how many in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactErrors {
    pub problems: Vec<ContactProblem>,
    pub total: usize,
}

impl ContactErrors {
    fn one(line: usize, message: impl Into<String>) -> Self {
        ContactErrors {
            problems: vec![ContactProblem {
                line,
                message: message.into(),
            }],
            total: 1,
        }
    }
}

impl fmt::Display for ContactErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the contacts file has {} problem{}; nothing was stored",
            self.total,
            if self.total == 1 { "" } else { "s" }
        )?;
        for problem in &self.problems {
            write!(f, "\n  line {}: {}", problem.line, problem.message)?;
        }
        if self.total > self.problems.len() {
            write!(f, "\n  ... and {} more", self.total - self.problems.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for ContactErrors {}

/// Whether `address` is an email address fieldwork will send to: ASCII, one `@`, a local part
/// of dot-separated atoms (RFC 5322's `dot-atom`, no quoted strings) and a domain of at least
/// two dot-separated labels of letters, digits and inner hyphens. Stricter than the RFCs on
/// purpose: what passes here goes into a header unquoted.
pub fn is_email_address(address: &str) -> bool {
    if address.len() > MAX_EMAIL_LEN || !address.is_ascii() {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// Read a contacts CSV: a header naming `email` and `stratum` (and optionally `name` and
/// `language`, in any order), then one contact per row. `strata` are the survey's stratum
/// codes. Every row is checked; any problem refuses the whole file.
pub fn read_contacts_csv(text: &str, strata: &[String]) -> Result<Vec<NewContact>, ContactErrors> {
    if text.len() > MAX_CONTACTS_BYTES {
        return Err(ContactErrors::one(
            1,
            format!(
                "the file is {} bytes; the limit is {MAX_CONTACTS_BYTES}",
                text.len()
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ContactErrors::one(1, format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(email_col), Some(stratum_col)) = (column("email"), column("stratum")) else {
        return Err(ContactErrors::one(
            1,
            "the header must name the columns `email` and `stratum` (and may name `name` and `language`)",
        ));
    };
    if let Some(unknown) = headers.iter().find(|h| {
        !["email", "stratum", "name", "language"]
            .iter()
            .any(|k| h.eq_ignore_ascii_case(k))
    }) {
        return Err(ContactErrors::one(
            1,
            format!(
                "unknown column `{}`: the columns are email, stratum, name and language",
                printable(unknown)
            ),
        ));
    }
    let (name_col, language_col) = (column("name"), column("language"));
    let mut contacts = Vec::new();
    let mut problems = Vec::new();
    let mut total = 0;
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut note = |problems: &mut Vec<ContactProblem>, line: usize, message: String| {
        total += 1;
        if problems.len() < MAX_LISTED {
            problems.push(ContactProblem { line, message });
        }
    };
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        if index >= MAX_CONTACTS {
            note(
                &mut problems,
                line,
                format!("a file holds at most {MAX_CONTACTS} contacts"),
            );
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                note(&mut problems, line, format!("unreadable row: {e}"));
                continue;
            }
        };
        if record.len() != headers.len() {
            note(
                &mut problems,
                line,
                format!(
                    "the row has {} fields; the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let cell = |col: usize| record.get(col).unwrap_or("");
        let email = cell(email_col).to_ascii_lowercase();
        if email.is_empty() {
            note(&mut problems, line, "the email is empty".into());
        } else if !is_email_address(&email) {
            note(
                &mut problems,
                line,
                format!("`{}` is not an email address", printable(&email)),
            );
        } else if let Some(first) = first_line_of.get(&email) {
            note(
                &mut problems,
                line,
                format!("the same email as line {first}: each contact is listed once"),
            );
        } else {
            first_line_of.insert(email.clone(), line);
        }
        let stratum = cell(stratum_col);
        if !strata.iter().any(|s| s == stratum) {
            note(
                &mut problems,
                line,
                format!(
                    "`{}` is not a stratum of the survey: use one of {}",
                    printable(stratum),
                    strata.join(", ")
                ),
            );
        }
        let name = name_col.map(cell).filter(|n| !n.is_empty());
        if let Some(name) = name {
            if name.chars().any(char::is_control) {
                note(
                    &mut problems,
                    line,
                    "the name holds control characters".into(),
                );
            } else if name.chars().count() > MAX_NAME_CHARS {
                note(
                    &mut problems,
                    line,
                    format!("the name is longer than {MAX_NAME_CHARS} characters"),
                );
            }
        }
        let language = language_col.map(cell).filter(|l| !l.is_empty());
        if let Some(language) = language {
            if !is_language_code(language) {
                note(
                    &mut problems,
                    line,
                    format!(
                        "`{}` is not a language code: use a code such as `en` or `cy`",
                        printable(language)
                    ),
                );
            }
        }
        contacts.push(NewContact {
            email,
            name: name.map(str::to_owned),
            stratum: stratum.to_owned(),
            language: language.map(str::to_owned),
        });
    }
    if total > 0 {
        return Err(ContactErrors { problems, total });
    }
    if contacts.is_empty() {
        return Err(ContactErrors::one(2, "the file lists no contacts"));
    }
    Ok(contacts)
}

/// A cell as it may be quoted in a message: control characters shown escaped, at most 80
/// characters.
fn printable(cell: &str) -> String {
    let mut shown: String = cell.chars().take(80).flat_map(char::escape_debug).collect();
    if cell.chars().count() > 80 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strata() -> Vec<String> {
        vec!["police".into(), "councils".into()]
    }

    #[test]
    fn email_addresses_are_checked_strictly() {
        for good in [
            "a@b.org",
            "first.last+tag@sub.example.co.uk",
            "x_y@e-x.ample.org",
        ] {
            assert!(is_email_address(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.org",
            "a@@b.org",
            "a b@c.org",
            "a@b..org",
            ".a@b.org",
            "a.@b.org",
            "a@-b.org",
            "a@b.o1",
            "\"a\"@b.org",
            "a@b.org\r\nBcc: c@d.org",
            "é@b.org",
            "<a@b.org>",
            "a,b@c.org",
        ] {
            assert!(!is_email_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_good_file_gives_its_contacts_in_order() {
        let text = "\u{feff}Email,stratum,name,language\nAna@Example.org,police,Ana Silva,cy\nbo@example.org,councils,,\n";
        let contacts = read_contacts_csv(text, &strata()).unwrap();
        assert_eq!(
            contacts,
            vec![
                NewContact {
                    email: "ana@example.org".into(),
                    name: Some("Ana Silva".into()),
                    stratum: "police".into(),
                    language: Some("cy".into()),
                },
                NewContact {
                    email: "bo@example.org".into(),
                    name: None,
                    stratum: "councils".into(),
                    language: None,
                },
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_by_line() {
        let text = "email,stratum,name,language\n\
                    ana@example.org,police,Ana,en\n\
                    not-an-email,police,,\n\
                    ANA@example.org,schools,,\n\
                    ,police,\"Bo\u{7}\",english\n\
                    c@example.org,police\n";
        let errors = read_contacts_csv(text, &strata()).unwrap_err();
        let got: Vec<(usize, &str)> = errors
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "`not-an-email` is not an email address"),
                (4, "the same email as line 2: each contact is listed once"),
                (
                    4,
                    "`schools` is not a stratum of the survey: use one of police, councils"
                ),
                (5, "the email is empty"),
                (5, "the name holds control characters"),
                (
                    5,
                    "`english` is not a language code: use a code such as `en` or `cy`"
                ),
                (6, "the row has 2 fields; the header has 4"),
            ]
        );
        assert_eq!(errors.total, 7);
        assert!(errors
            .to_string()
            .starts_with("the contacts file has 7 problems; nothing was stored\n  line 3: "));
    }

    #[test]
    fn a_file_without_the_columns_or_contacts_is_refused() {
        let no_stratum = read_contacts_csv("email,name\na@b.org,A\n", &strata()).unwrap_err();
        assert_eq!(no_stratum.problems[0].line, 1);
        let unknown = read_contacts_csv("email,stratum,phone\n", &strata()).unwrap_err();
        assert_eq!(
            unknown.problems[0].message,
            "unknown column `phone`: the columns are email, stratum, name and language"
        );
        let empty = read_contacts_csv("email,stratum\n", &strata()).unwrap_err();
        assert_eq!(empty.problems[0].message, "the file lists no contacts");
    }

    #[test]
    fn only_the_first_hundred_problems_are_listed() {
        let mut text = String::from("email,stratum\n");
        for _ in 0..150 {
            text.push_str("bad,police\n");
        }
        let errors = read_contacts_csv(&text, &strata()).unwrap_err();
        assert_eq!((errors.problems.len(), errors.total), (100, 150));
        assert!(errors.to_string().ends_with("... and 50 more"));
    }
}
