//! Researchers from the command line: accounts, API tokens, sharing, the audit log,
//! retention and deleting surveys (docs/security.md).

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, TimeDelta, Utc};
use clap::Subcommand;
use fieldwork_server::accounts::{
    api_token_hash, check_password, generate_password, hash_password, new_api_token, parse_email,
};
use fieldwork_store::{PasswordChange, Role, Store, SurveyContents, TokenScope, CLI_ACTOR};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a researcher. The password is asked for twice (or read as one line from standard
    /// input when it is not a terminal), or generated and shown once.
    Add {
        email: String,
        /// An administrator sees and may do everything on every survey.
        #[arg(long)]
        admin: bool,
        /// Generate a strong password and print it once, instead of asking for one.
        #[arg(long)]
        generate_password: bool,
    },
    /// List researchers.
    List,
    /// Set a researcher's new password (an administrator's reset) and end all their
    /// sessions. The password is asked for twice (or read as one line from standard input
    /// when it is not a terminal), or generated and shown once.
    Password {
        email: String,
        /// Generate a strong password and print it once, instead of asking for one.
        #[arg(long, alias = "generate-password")]
        generate: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token for a researcher and one survey; it is shown once.
    Create {
        /// The researcher's email address.
        #[arg(long)]
        user: String,
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        /// `read` (progress) or `export` (progress and exports).
        #[arg(long, value_parser = ["read", "export"])]
        scope: String,
        /// Days until the token stops working.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires: u32,
    },
    /// Revoke a token by its id (from `token list`).
    Revoke { id: i64 },
    /// List tokens (never the tokens themselves).
    List {
        /// Only this researcher's tokens.
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct ShareArgs {
    /// The survey's slug.
    pub slug: String,
    /// The researcher's email address.
    #[arg(long)]
    pub email: String,
    /// `owner`, `analyst`, `viewer`, or `none` to remove their access.
    #[arg(long, value_parser = ["owner", "analyst", "viewer", "none"])]
    pub role: String,
}

#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// The survey's slug.
    pub slug: String,
    /// Keep raw responses until this date (YYYY-MM-DD); `retention apply` deletes them after.
    #[arg(long, conflicts_with = "clear", required_unless_present = "clear")]
    pub until: Option<NaiveDate>,
    /// Keep raw responses indefinitely.
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The survey's slug.
    pub slug: String,
    /// Delete without asking. Without it, the slug must be typed at a prompt, which needs a
    /// terminal.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Delete the raw responses of every survey past its retention date.
    Apply,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only this survey's entries.
    #[arg(long)]
    pub survey: Option<String>,
    /// The latest this many entries.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

fn read_password(email: &str) -> Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {email}: "))
            .context("cannot read the password")?;
        check_password(&first).map_err(anyhow::Error::msg)?;
        let again = rpassword::prompt_password("The same password again: ")
            .context("cannot read the password")?;
        if again != first {
            bail!("the passwords do not match");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    check_password(&password).map_err(|e| anyhow::anyhow!("{}", e.to_lowercase()))?;
    Ok(password)
}

pub fn user(store: &Store, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            email,
            admin,
            generate_password: generate,
        } => {
            let email = parse_email(&email).map_err(|e| anyhow::anyhow!("{}", e.to_lowercase()))?;
            if store.user_credentials(&email)?.is_some() {
                bail!("there is already an account for {email}");
            }
            let password = if generate {
                generate_password()
            } else {
                read_password(&email)?
            };
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let user = store.create_user(&email, &hash, admin, CLI_ACTOR)?;
            println!(
                "added {}{}",
                user.email,
                if user.is_admin {
                    " (administrator)"
                } else {
                    ""
                }
            );
            if generate {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        UserCommand::Password { email, generate } => {
            let email = parse_email(&email).map_err(|e| anyhow::anyhow!("{}", e.to_lowercase()))?;
            // Before asking for a password, so a typo in the email is not found out too late.
            let user = store.user_by_email(&email)?;
            let password = if generate {
                generate_password()
            } else {
                read_password(&user.email)?
            };
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let ended = store.change_password(PasswordChange {
                email: &user.email,
                password_hash: &hash,
                rotate: None,
                actor: CLI_ACTOR,
                via: "cli",
            })?;
            println!(
                "changed the password of {}; ended {ended} session{}",
                user.email,
                plural(ended)
            );
            if generate {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        UserCommand::List => {
            let users = store.list_users()?;
            if users.is_empty() {
                println!("no researchers yet: add one with `fieldwork user add EMAIL`");
                return Ok(());
            }
            println!("{:<40} {:<6} ADDED", "EMAIL", "ADMIN");
            for user in users {
                println!(
                    "{:<40} {:<6} {}",
                    user.email,
                    if user.is_admin { "yes" } else { "no" },
                    user.created_at.format("%Y-%m-%d")
                );
            }
            Ok(())
        }
    }
}

pub fn token(store: &Store, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            user,
            survey,
            scope,
            expires,
        } => {
            let scope = TokenScope::parse(&scope).context("the scope is read or export")?;
            let token = new_api_token();
            let expires_at = Utc::now().naive_utc() + TimeDelta::days(i64::from(expires));
            let stored = store.create_api_token(
                &api_token_hash(&token),
                &user,
                &survey,
                scope,
                Some(expires_at),
                CLI_ACTOR,
            )?;
            println!(
                "token {} for {} on `{}`, scope {}, expires {}",
                stored.id,
                stored.user.email,
                stored.survey_slug,
                stored.scope.as_str(),
                expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("{token}");
            println!("(shown once: send it as `Authorization: Bearer TOKEN`; revoke it with `fieldwork token revoke {}`)", stored.id);
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let token = store.revoke_api_token(id, CLI_ACTOR)?;
            println!(
                "token {} of {} on `{}` is revoked",
                token.id, token.user.email, token.survey_slug
            );
            Ok(())
        }
        TokenCommand::List { user } => {
            let tokens = store.list_api_tokens(user.as_deref())?;
            if tokens.is_empty() {
                println!("no API tokens");
                return Ok(());
            }
            println!(
                "{:>5} {:<32} {:<24} {:<6} {:<16} STATE",
                "ID", "USER", "SURVEY", "SCOPE", "EXPIRES"
            );
            let now = Utc::now().naive_utc();
            for t in tokens {
                let state = match (t.revoked_at, t.is_usable_at(now)) {
                    (Some(_), _) => "revoked",
                    (None, false) => "expired",
                    (None, true) => "active",
                };
                println!(
                    "{:>5} {:<32} {:<24} {:<6} {:<16} {}",
                    t.id,
                    t.user.email,
                    t.survey_slug,
                    t.scope.as_str(),
                    t.expires_at.map_or("never".to_owned(), |e| e
                        .format("%Y-%m-%d %H:%M")
                        .to_string()),
                    state
                );
            }
            Ok(())
        }
    }
}

pub fn share(store: &Store, args: ShareArgs) -> Result<()> {
    let role = match args.role.as_str() {
        "none" => None,
        other => Some(Role::parse(other).context("the role is owner, analyst, viewer or none")?),
    };
    store.set_survey_role(&args.slug, &args.email, role, CLI_ACTOR)?;
    match role {
        Some(role) => println!(
            "{} is now {} of `{}`",
            args.email.trim().to_lowercase(),
            role.as_str(),
            args.slug
        ),
        None => println!(
            "{} no longer has access to `{}`",
            args.email.trim().to_lowercase(),
            args.slug
        ),
    }
    Ok(())
}

pub fn set_retention(store: &Store, args: RetentionArgs) -> Result<()> {
    let until = if args.clear { None } else { args.until };
    store.set_retention(&args.slug, until, CLI_ACTOR)?;
    match until {
        Some(date) => println!(
            "raw responses of `{}` are kept until {date}; `fieldwork retention apply` deletes them after",
            args.slug
        ),
        None => println!("raw responses of `{}` are kept indefinitely", args.slug),
    }
    Ok(())
}

pub fn retention(store: &Store, command: RetentionCommand) -> Result<()> {
    match command {
        RetentionCommand::Apply => {
            let today = Utc::now().date_naive();
            let applied = store.apply_retention(today, CLI_ACTOR)?;
            if applied.is_empty() {
                println!("no survey is past its retention date with responses left");
            }
            // Contacts go a set time after their survey closes (`email.contact_retention_days`).
            for (slug, count) in store.apply_contact_retention(Utc::now().naive_utc(), CLI_ACTOR)? {
                println!("`{slug}` closed: deleted its {count} contacts");
            }
            for a in applied {
                println!(
                    "`{}` (kept until {}): deleted {} complete and {} partial responses",
                    a.slug, a.retain_until, a.complete, a.partial
                );
            }
            Ok(())
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What a survey holds, in words: `2 versions, 120 complete and 3 partial responses, ...`.
pub fn describe(contents: &SurveyContents) -> String {
    let count = |n: i64, what: &str| format!("{n} {what}{}", plural(n));
    [
        count(contents.versions, "version"),
        format!(
            "{} complete and {} partial response{}",
            contents.complete_responses,
            contents.partial_responses,
            plural(contents.partial_responses)
        ),
        count(contents.invitations, "invitation"),
        count(contents.roles, "role"),
        count(contents.api_tokens, "API token"),
        count(contents.reports, "published report"),
    ]
    .join(", ")
}

pub fn delete_survey(store: &Store, args: DeleteArgs) -> Result<()> {
    let slug = args.slug.as_str();
    let survey = store.latest_survey(slug)?;
    let contents = store.survey_contents(slug)?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to delete `{slug}` without confirmation: standard input is not a terminal, so pass --yes");
        }
        eprintln!(
            "`{slug}` ({}, {}) has {}.\nDeleting it removes all of that and cannot be undone; the audit log keeps its entries.",
            survey.definition.title,
            survey.status.as_str(),
            describe(&contents)
        );
        eprint!("To delete it, type its slug: ");
        let mut typed = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut typed)
            .context("cannot read the confirmation")?;
        if typed.trim() != slug {
            bail!("what you typed is not `{slug}`; nothing was deleted");
        }
    }
    let deleted = store.delete_survey(slug, CLI_ACTOR)?;
    println!("deleted `{slug}`: {}", describe(&deleted));
    println!("the audit log keeps its entries about `{slug}` (`fieldwork audit --survey {slug}`)");
    Ok(())
}

pub fn audit(store: &Store, args: AuditArgs) -> Result<()> {
    let mut entries = store.audit_entries(args.survey.as_deref(), i64::from(args.limit))?;
    // A deleted survey's entries stay readable; a slug that never existed is a mistake.
    if let (Some(slug), true) = (&args.survey, entries.is_empty()) {
        store.latest_survey(slug)?;
    }
    if entries.is_empty() {
        println!("the audit log is empty");
        return Ok(());
    }
    entries.reverse();
    println!(
        "{:<19} {:<28} {:<20} {:<24} DETAIL",
        "AT (UTC)", "ACTOR", "ACTION", "SURVEY"
    );
    for e in entries {
        println!(
            "{:<19} {:<28} {:<20} {:<24} {}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            e.survey.as_deref().unwrap_or("-"),
            e.detail
        );
    }
    Ok(())
}
