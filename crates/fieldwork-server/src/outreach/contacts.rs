//! Adding contacts to a survey: the file checked row by row, a single-use invitation and an
//! opt-out secret made for each, all stored or none. One place for the admin pages and
//! `fieldwork contacts import`.

use fieldwork_store::{ContactToStore, Store, StoreError};
use fieldwork_survey::{read_contacts_csv, ContactErrors, ContactProblem, NewContact};

use crate::invitations::INVITATION_PURPOSE;
use crate::tokens::{hash, new_token};

/// What the store keeps of an opt-out secret.
const OPT_OUT_PURPOSE: &str = "opt-out";
/// What an opt-out secret is derived from the invitation token with.
const OPT_OUT_LINK_PURPOSE: &str = "opt-out-link";

/// Why contacts were not added.
#[derive(Debug, thiserror::Error)]
pub enum ContactImportError {
    /// The file's problems, by line; nothing was stored.
    #[error("{0}")]
    File(ContactErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The secret in a contact's opt-out link, derived from their invitation token: one secret
/// kept per contact, and the opt-out link does not reveal the invitation link.
pub fn opt_out_token(link_token: &str) -> String {
    hash(OPT_OUT_LINK_PURPOSE, link_token)
}

/// What the store keeps of an opt-out secret, to find the contact by.
pub fn opt_out_hash(opt_out_token: &str) -> String {
    hash(OPT_OUT_PURPOSE, opt_out_token)
}

/// The link a contact follows to stop all email about the survey. The secret is in the query
/// string, which request logs never carry.
pub fn opt_out_link(base: &str, opt_out_token: &str) -> String {
    format!(
        "{}/opt-out?code={opt_out_token}",
        base.trim_end_matches('/')
    )
}

fn to_store(contact: NewContact) -> ContactToStore {
    let link_token = new_token();
    ContactToStore {
        invitation_hash: hash(INVITATION_PURPOSE, &link_token),
        opt_out_hash: opt_out_hash(&opt_out_token(&link_token)),
        link_token,
        email: contact.email,
        name: contact.name,
        stratum: contact.stratum,
        language: contact.language,
    }
}

/// Check the contacts file `csv_text` against survey `slug` and store its contacts, each with
/// an invitation, as `actor`. Returns how many were added.
pub fn import_contacts(
    store: &Store,
    slug: &str,
    csv_text: &str,
    actor: &str,
) -> Result<usize, ContactImportError> {
    let survey = store.latest_survey(slug)?;
    let strata: Vec<String> = survey
        .definition
        .strata()
        .iter()
        .map(|c| c.code.clone())
        .collect();
    if strata.is_empty() {
        return Err(ContactImportError::File(ContactErrors {
            problems: vec![ContactProblem {
                line: 1,
                message: format!("survey `{slug}` has no strata to invite by"),
            }],
            total: 1,
        }));
    }
    let contacts = read_contacts_csv(csv_text, &strata).map_err(ContactImportError::File)?;
    let prepared: Vec<ContactToStore> = contacts.into_iter().map(to_store).collect();
    match store.import_contacts(slug, &prepared, actor) {
        Ok(count) => Ok(count),
        Err(StoreError::ContactsAlreadyListed(positions)) => {
            let total = positions.len();
            let problems = positions
                .into_iter()
                .take(100)
                .map(|position| ContactProblem {
                    line: position + 2,
                    message: "this email is already a contact of the survey".into(),
                })
                .collect();
            Err(ContactImportError::File(ContactErrors { problems, total }))
        }
        Err(other) => Err(other.into()),
    }
}
