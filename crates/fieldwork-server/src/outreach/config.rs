//! Where and how email is sent: the SMTP server, its TLS, credentials, the sender's address
//! and the pace. From configuration or the environment only, never from the database; the
//! password never reaches a log or an error message.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::SmtpTransport;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
    /// No TLS: only to a server on this machine (a local relay or a test sink).
    None,
}

impl TlsMode {
    pub fn parse(text: &str) -> Result<Self, MailConfigError> {
        match text {
            "starttls" => Ok(TlsMode::StartTls),
            "tls" => Ok(TlsMode::Implicit),
            "none" => Ok(TlsMode::None),
            other => Err(MailConfigError(format!(
                "`{other}` is not a TLS mode: use starttls, tls or none"
            ))),
        }
    }
}

/// A mistake in the mail configuration, in the operator's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(pub String);

/// Everything the sender needs to reach the mail server.
#[derive(Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` of every email (`Survey team <survey@example.org>`).
    pub from: Mailbox,
    /// A PEM file of a CA to trust besides the system's (an internal relay's own CA).
    pub ca_file: Option<PathBuf>,
    /// Emails per second, at most.
    pub rate_per_second: f64,
    /// The first retry of a temporary failure waits this long; each next one twice as long.
    pub retry_after: Duration,
    /// Tries of one email before it is marked failed.
    pub max_attempts: u32,
    /// How long one SMTP conversation may take before it is abandoned.
    pub timeout: Duration,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(redacted)"))
            .field("from", &self.from.email.to_string())
            .field("rate_per_second", &self.rate_per_second)
            .finish_non_exhaustive()
    }
}

/// The settings as given (command line or environment), before they are checked.
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub rate_per_second: Option<f64>,
    pub retry_seconds: Option<f64>,
}

impl MailSettings {
    /// `FIELDWORK_SMTP_*` from the environment, for whatever the command line left unset.
    pub fn with_environment(mut self) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.host = self.host.or_else(|| var("FIELDWORK_SMTP_HOST"));
        self.port = self
            .port
            .or_else(|| var("FIELDWORK_SMTP_PORT").and_then(|p| p.parse().ok()));
        self.tls = self.tls.or_else(|| var("FIELDWORK_SMTP_TLS"));
        self.username = self.username.or_else(|| var("FIELDWORK_SMTP_USERNAME"));
        self.password = self.password.or_else(|| var("FIELDWORK_SMTP_PASSWORD"));
        self.from = self.from.or_else(|| var("FIELDWORK_SMTP_FROM"));
        self.ca_file = self
            .ca_file
            .or_else(|| var("FIELDWORK_SMTP_CA_FILE").map(PathBuf::from));
        self.rate_per_second = self
            .rate_per_second
            .or_else(|| var("FIELDWORK_SMTP_RATE").and_then(|r| r.parse().ok()));
        self.retry_seconds = self
            .retry_seconds
            .or_else(|| var("FIELDWORK_SMTP_RETRY_SECONDS").and_then(|r| r.parse().ok()));
        self
    }

    /// The checked configuration, `None` when no SMTP host is set (email is then off).
    pub fn check(self) -> Result<Option<MailConfig>, MailConfigError> {
        let Some(host) = self.host else {
            return Ok(None);
        };
        let tls = TlsMode::parse(self.tls.as_deref().unwrap_or("starttls"))?;
        if tls == TlsMode::None && !is_loopback(&host) {
            return Err(MailConfigError(format!(
                "SMTP without TLS is only allowed to this machine (localhost, 127.0.0.1 or ::1), not to `{host}`: use starttls or tls"
            )));
        }
        let port = self.port.unwrap_or(match tls {
            TlsMode::StartTls => 587,
            TlsMode::Implicit => 465,
            TlsMode::None => 25,
        });
        let from_text = self.from.ok_or_else(|| {
            MailConfigError("set the sender's address (FIELDWORK_SMTP_FROM or --smtp-from)".into())
        })?;
        let from: Mailbox = from_text.parse().map_err(|_| {
            MailConfigError(format!(
                "`{from_text}` is not an email address to send from"
            ))
        })?;
        if self.username.is_some() != self.password.is_some() {
            return Err(MailConfigError(
                "give both the SMTP username and the password (FIELDWORK_SMTP_PASSWORD), or neither".into(),
            ));
        }
        let rate_per_second = self.rate_per_second.unwrap_or(2.0);
        if !(rate_per_second > 0.0 && rate_per_second <= 1000.0) {
            return Err(MailConfigError(
                "the sending rate must be above 0 and at most 1000 emails a second".into(),
            ));
        }
        let retry_seconds = self.retry_seconds.unwrap_or(60.0);
        if !(0.0..=86_400.0).contains(&retry_seconds) {
            return Err(MailConfigError(
                "the retry delay must be between 0 and 86400 seconds".into(),
            ));
        }
        Ok(Some(MailConfig {
            host,
            port,
            tls,
            username: self.username,
            password: self.password,
            from,
            ca_file: self.ca_file,
            rate_per_second,
            retry_after: Duration::from_secs_f64(retry_seconds),
            max_attempts: 5,
            timeout: Duration::from_secs(30),
        }))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl MailConfig {
    /// The SMTP transport. Certificates are always checked: against the system's store, and
    /// the `ca_file` when one is given.
    pub fn transport(&self) -> Result<SmtpTransport, MailConfigError> {
        let tls = match self.tls {
            TlsMode::None => Tls::None,
            mode => {
                let mut params = TlsParameters::builder(self.host.clone());
                if let Some(path) = &self.ca_file {
                    let pem = std::fs::read(path).map_err(|e| {
                        MailConfigError(format!("cannot read the CA file {}: {e}", path.display()))
                    })?;
                    let cert = Certificate::from_pem(&pem).map_err(|e| {
                        MailConfigError(format!("{} is not a PEM certificate: {e}", path.display()))
                    })?;
                    params = params.add_root_certificate(cert);
                }
                let params = params
                    .build_native()
                    .map_err(|e| MailConfigError(format!("cannot set up TLS: {e}")))?;
                if mode == TlsMode::StartTls {
                    Tls::Required(params)
                } else {
                    Tls::Wrapper(params)
                }
            }
        };
        let mut builder = SmtpTransport::builder_dangerous(self.host.clone())
            .port(self.port)
            .tls(tls)
            .timeout(Some(self.timeout));
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MailSettings {
        MailSettings {
            host: Some("smtp.example.org".into()),
            from: Some("Survey team <survey@example.org>".into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_starttls_on_587() {
        let config = settings().check().unwrap().unwrap();
        assert_eq!((config.tls, config.port), (TlsMode::StartTls, 587));
        assert!(MailSettings::default().check().unwrap().is_none());
    }

    #[test]
    fn plain_smtp_is_refused_beyond_this_machine_and_the_password_is_never_shown() {
        let mut plain = settings();
        plain.tls = Some("none".into());
        assert!(plain
            .check()
            .unwrap_err()
            .0
            .contains("only allowed to this machine"));
        let mut local = settings();
        local.tls = Some("none".into());
        local.host = Some("127.0.0.1".into());
        local.username = Some("u".into());
        local.password = Some("hunter2-secret".into());
        let config = local.check().unwrap().unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        let mut half = settings();
        half.username = Some("u".into());
        assert!(half.check().is_err());
    }
}
