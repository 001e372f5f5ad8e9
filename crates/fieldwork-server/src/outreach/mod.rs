//! Reaching respondents by email (`docs/email.md`): a survey's contacts, the mail server's
//! configuration, and the sender of invitations and reminders. Used by the admin pages and
//! by the CLI (`fieldwork contacts import`, `fieldwork invitations send|remind`), so that both
//! add contacts and send the same way. It lives beside the HTTP code because the links it
//! writes are the server's own (invitations, opt-out) and the Send button runs it in the
//! server's process.

pub mod config;
pub mod contacts;
pub mod progress;
pub mod sender;

pub use config::{MailConfig, MailConfigError, MailSettings, TlsMode};
pub use contacts::{import_contacts, opt_out_hash, ContactImportError};
pub use progress::{outreach_rates, percent, StratumOutreachRates};
pub use sender::{emails_sent_total, send_in_background, Outcome, SendError, SendReport, Sender};
