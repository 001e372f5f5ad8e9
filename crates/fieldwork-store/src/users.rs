//! Researchers: accounts, sign-in sessions, API tokens, per-survey roles and sign-in
//! throttling (docs/security.md).
//!
//! The store never sees a secret: passwords arrive as Argon2id PHC strings, session ids and
//! API tokens as SHA-256 hashes. Whatever changes who may do what is recorded in the audit
//! log in the same transaction.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{insert_audit, AuditEvent};
use crate::connection::MultiBackend;
use crate::deletion::{lock_survey, SurveyLock};
use crate::schema::{api_tokens, sessions, sign_in_failures, survey_roles, users};
use crate::{now, Store, StoreError};

/// What a researcher may do with one survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The report only.
    Viewer,
    /// Results and exports too.
    Analyst,
    /// Everything, including sharing.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// What an API token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenScope {
    /// Progress and other read-only results.
    Read,
    /// Exports too.
    Export,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Export => "export",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(TokenScope::Read),
            "export" => Some(TokenScope::Export),
            _ => None,
        }
    }
}

/// A researcher's account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

/// An API token as stored (its hash is never handed out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user: User,
    pub survey_slug: String,
    pub scope: TokenScope,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ApiToken {
    /// Whether the token may be used at `at`: not revoked, not expired.
    pub fn is_usable_at(&self, at: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| at < expires)
    }
}

/// A signed-in session and its researcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Recent failed sign-ins for an account and for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignInFailures {
    pub account: i64,
    pub account_latest: Option<NaiveDateTime>,
    pub address: i64,
    pub address_latest: Option<NaiveDateTime>,
}

/// A new session to record at sign-in.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's secret.
    pub id_hash: &'a str,
    pub user_id: i64,
    pub expires_at: NaiveDateTime,
    /// The session the browser had before, ended here so its id cannot be reused.
    pub replaces: Option<&'a str>,
    /// The client address, for the audit log.
    pub address: &'a str,
}

/// A researcher's new password, and what becomes of their sessions.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    pub email: &'a str,
    /// The new password's Argon2id PHC string.
    pub password_hash: &'a str,
    /// `(current, new)` session id hashes when the change is made signed in: the current
    /// session goes on under the new id (same sign-in time and expiry) and every other one
    /// ends. `None` (a reset from the CLI) ends every session.
    pub rotate: Option<(&'a str, &'a str)>,
    /// Who made the change, for the audit log, and how (`admin`, `cli`).
    pub actor: &'a str,
    pub via: &'a str,
}

/// How long failed sign-ins are kept for throttling.
const FAILURES_KEPT: TimeDelta = TimeDelta::minutes(30);
/// A session's last use is written at most this often.
const LAST_SEEN_RESOLUTION: TimeDelta = TimeDelta::seconds(60);

/// An API token row joined with its researcher.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ApiTokenRow {
    id: i64,
    survey_slug: String,
    scope: String,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
    #[diesel(embed)]
    user: User,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(row: ApiTokenRow) -> Self {
        ApiToken {
            id: row.id,
            user: row.user,
            survey_slug: row.survey_slug,
            // The column's CHECK constraint allows only these two.
            scope: TokenScope::parse(&row.scope).unwrap_or(TokenScope::Read),
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Emails are compared case-insensitively: the store keeps them lowercased.
fn normal(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// Add a researcher. `password_hash` is an Argon2id PHC string.
    pub fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        is_admin: bool,
        actor: &str,
    ) -> Result<User, StoreError> {
        let email = normal(email);
        self.write_transaction(|conn| {
            let exists: i64 = users::table
                .filter(users::email.eq(&email))
                .count()
                .get_result(conn)?;
            if exists > 0 {
                return Err(StoreError::UserExists(email.clone()));
            }
            let user = diesel::insert_into(users::table)
                .values((
                    users::email.eq(&email),
                    users::password_hash.eq(password_hash),
                    users::is_admin.eq(is_admin),
                    users::created_at.eq(now()),
                ))
                // `as_returning()` does not compile for a MultiConnection (diesel 2.3); the
                // row's columns, which are the same on every backend, do.
                .returning(<User as Selectable<MultiBackend>>::construct_selection())
                .get_result(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "user.created",
                    survey: None,
                    detail: json!({"user": email, "admin": is_admin}),
                },
            )?;
            Ok(user)
        })
    }

    /// A researcher and their password hash, by email (any case).
    pub fn user_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        let email = normal(email);
        self.with_connection(|conn| {
            users::table
                .filter(users::email.eq(&email))
                .select((User::as_select(), users::password_hash))
                .first(conn)
                .optional()
        })
    }

    pub fn user_by_email(&self, email: &str) -> Result<User, StoreError> {
        self.user_credentials(email)?
            .map(|(user, _)| user)
            .ok_or_else(|| StoreError::UserNotFound(normal(email)))
    }

    /// Every researcher, by email.
    pub fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.with_connection(|conn| {
            users::table
                .order(users::email.asc())
                .select(User::as_select())
                .load(conn)
        })
    }

    /// Set a researcher's password and end their other sessions, with its audit entry, in
    /// one transaction; returns how many sessions ended (not counting one rotated).
    pub fn change_password(&self, change: PasswordChange<'_>) -> Result<i64, StoreError> {
        let user = self.user_by_email(change.email)?;
        self.write_transaction(|conn| {
            diesel::update(users::table.find(user.id))
                .set(users::password_hash.eq(change.password_hash))
                .execute(conn)?;
            let kept: Option<(NaiveDateTime, NaiveDateTime)> = match change.rotate {
                Some((current, _)) => sessions::table
                    .find(current)
                    .filter(sessions::user_id.eq(user.id))
                    .select((sessions::created_at, sessions::expires_at))
                    .first(conn)
                    .optional()?,
                None => None,
            };
            let deleted = diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id)))
                .execute(conn)? as i64;
            if let (Some((_, new_id)), Some((created_at, expires_at))) = (change.rotate, kept) {
                // A new id for the session, not a new session: its timeouts run on as before.
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::id_hash.eq(new_id),
                        sessions::user_id.eq(user.id),
                        sessions::created_at.eq(created_at),
                        sessions::last_seen_at.eq(now()),
                        sessions::expires_at.eq(expires_at),
                    ))
                    .execute(conn)?;
            }
            let ended = deleted - i64::from(kept.is_some());
            insert_audit(
                conn,
                &AuditEvent {
                    actor: change.actor,
                    action: "user.password_changed",
                    survey: None,
                    detail: json!({"user": user.email, "via": change.via, "sessions_ended": ended}),
                },
            )?;
            Ok::<_, StoreError>(ended)
        })
    }

    // ---- sessions ----

    /// Start a session at sign-in, ending the one it replaces, and record the sign-in.
    pub fn create_session(&self, new: NewSession<'_>) -> Result<(), StoreError> {
        let at = now();
        self.write_transaction(|conn| {
            if let Some(old) = new.replaces {
                diesel::delete(sessions::table.find(old)).execute(conn)?;
            }
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id_hash.eq(new.id_hash),
                    sessions::user_id.eq(new.user_id),
                    sessions::created_at.eq(at),
                    sessions::last_seen_at.eq(at),
                    sessions::expires_at.eq(crate::micros(new.expires_at)),
                ))
                .execute(conn)?;
            let email: String = users::table
                .find(new.user_id)
                .select(users::email)
                .first(conn)?;
            // A good sign-in forgives the account's earlier failures.
            diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq(&email)))
                .execute(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor: &email,
                    action: "sign_in",
                    survey: None,
                    detail: json!({"address": new.address}),
                },
            )?;
            Ok::<_, StoreError>(())
        })
    }

    /// The session with this id hash, if it has not reached its absolute expiry and was used
    /// within `idle`. Using it keeps it alive; an expired one is deleted.
    pub fn session(&self, id_hash: &str, idle: TimeDelta) -> Result<Option<Session>, StoreError> {
        let at = now();
        type Row = (NaiveDateTime, NaiveDateTime, NaiveDateTime, User);
        let row: Option<Row> = self.with_connection(|conn| {
            sessions::table
                .inner_join(users::table)
                .filter(sessions::id_hash.eq(id_hash))
                .select((
                    sessions::created_at,
                    sessions::last_seen_at,
                    sessions::expires_at,
                    User::as_select(),
                ))
                .first(conn)
                .optional()
        })?;
        let Some((created_at, last_seen_at, expires_at, user)) = row else {
            return Ok(None);
        };
        if at >= expires_at || at - last_seen_at >= idle {
            self.delete_session(id_hash)?;
            return Ok(None);
        }
        let mut last_seen = last_seen_at;
        if at - last_seen_at >= LAST_SEEN_RESOLUTION {
            self.with_connection(|conn| {
                diesel::update(sessions::table.find(id_hash))
                    .set(sessions::last_seen_at.eq(at))
                    .execute(conn)
            })?;
            last_seen = at;
        }
        Ok(Some(Session {
            user,
            created_at,
            last_seen_at: last_seen,
            expires_at,
        }))
    }

    /// End a session (sign-out); true if there was one.
    pub fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let deleted = self
            .with_connection(|conn| diesel::delete(sessions::table.find(id_hash)).execute(conn))?;
        Ok(deleted == 1)
    }

    /// Make a session look idle since `last_seen_at` (tests of timeouts).
    #[doc(hidden)]
    pub fn backdate_session(
        &self,
        id_hash: &str,
        created_at: NaiveDateTime,
        last_seen_at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.with_connection(|conn| {
            diesel::update(sessions::table.find(id_hash))
                .set((
                    sessions::created_at.eq(created_at),
                    sessions::last_seen_at.eq(last_seen_at),
                ))
                .execute(conn)
        })?;
        Ok(())
    }

    // ---- sign-in throttling ----

    /// Record a failed sign-in for `email` (as typed) from `address`, with its audit entry.
    /// `reason` says why, for the audit log (`bad_password`, `unknown_account`, `throttled`).
    pub fn record_sign_in_failure(
        &self,
        email: &str,
        address: &str,
        reason: &str,
        counts: bool,
    ) -> Result<(), StoreError> {
        let email = normal(email);
        let at = now();
        self.write_transaction(|conn| {
            diesel::delete(
                sign_in_failures::table.filter(sign_in_failures::at.lt(at - FAILURES_KEPT)),
            )
            .execute(conn)?;
            if counts {
                diesel::insert_into(sign_in_failures::table)
                    .values((
                        sign_in_failures::at.eq(at),
                        sign_in_failures::email.eq(&email),
                        sign_in_failures::address.eq(address),
                    ))
                    .execute(conn)?;
            }
            insert_audit(
                conn,
                &AuditEvent {
                    actor: &email,
                    action: "sign_in.failed",
                    survey: None,
                    detail: json!({"address": address, "reason": reason}),
                },
            )?;
            Ok::<_, StoreError>(())
        })
    }

    /// Failed sign-ins since `since` for `email` and from `address`.
    pub fn sign_in_failures(
        &self,
        email: &str,
        address: &str,
        since: NaiveDateTime,
    ) -> Result<SignInFailures, StoreError> {
        let email = normal(email);
        self.with_connection(|conn| {
            let (account, account_latest): (i64, Option<NaiveDateTime>) = sign_in_failures::table
                .filter(sign_in_failures::email.eq(&email))
                .filter(sign_in_failures::at.ge(since))
                .select((
                    diesel::dsl::count_star(),
                    diesel::dsl::max(sign_in_failures::at),
                ))
                .first(conn)?;
            let (by_address, address_latest): (i64, Option<NaiveDateTime>) =
                sign_in_failures::table
                    .filter(sign_in_failures::address.eq(address))
                    .filter(sign_in_failures::at.ge(since))
                    .select((
                        diesel::dsl::count_star(),
                        diesel::dsl::max(sign_in_failures::at),
                    ))
                    .first(conn)?;
            Ok::<_, StoreError>(SignInFailures {
                account,
                account_latest,
                address: by_address,
                address_latest,
            })
        })
    }

    // ---- API tokens ----

    /// Record a new API token (by its hash) for `email` on survey `slug`. The researcher
    /// must have a role on the survey, or be an administrator.
    pub fn create_api_token(
        &self,
        token_hash: &str,
        email: &str,
        slug: &str,
        scope: TokenScope,
        expires_at: Option<NaiveDateTime>,
        actor: &str,
    ) -> Result<ApiToken, StoreError> {
        let user = self.user_by_email(email)?;
        let expires_at = expires_at.map(crate::micros);
        self.latest_survey(slug)?;
        if !user.is_admin && self.survey_role(slug, user.id)?.is_none() {
            return Err(StoreError::NoRole {
                email: user.email,
                slug: slug.to_owned(),
            });
        }
        let id: i64 = self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Share)?;
            let id = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::token_hash.eq(token_hash),
                    api_tokens::user_id.eq(user.id),
                    api_tokens::survey_slug.eq(slug),
                    api_tokens::scope.eq(scope.as_str()),
                    api_tokens::created_at.eq(now()),
                    api_tokens::expires_at.eq(expires_at),
                ))
                .returning(api_tokens::id)
                .get_result(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "token.created",
                    survey: Some(slug),
                    detail: json!({
                        "token_id": id,
                        "user": user.email,
                        "scope": scope.as_str(),
                        "expires_at": expires_at.map(|e| e.to_string()),
                    }),
                },
            )?;
            Ok::<_, StoreError>(id)
        })?;
        self.api_token(id)
    }

    /// A token by its id.
    pub fn api_token(&self, id: i64) -> Result<ApiToken, StoreError> {
        let row: Option<ApiTokenRow> = self.with_connection(|conn| {
            api_tokens::table
                .inner_join(users::table)
                .filter(api_tokens::id.eq(id))
                .select(ApiTokenRow::as_select())
                .first(conn)
                .optional()
        })?;
        row.map(ApiToken::from).ok_or(StoreError::TokenNotFound(id))
    }

    /// The token with this hash, whatever its state (the caller checks
    /// [`ApiToken::is_usable_at`]).
    pub fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let row: Option<ApiTokenRow> = self.with_connection(|conn| {
            api_tokens::table
                .inner_join(users::table)
                .filter(api_tokens::token_hash.eq(token_hash))
                .select(ApiTokenRow::as_select())
                .first(conn)
                .optional()
        })?;
        Ok(row.map(ApiToken::from))
    }

    /// Every token, or those of one researcher; newest first.
    pub fn list_api_tokens(&self, email: Option<&str>) -> Result<Vec<ApiToken>, StoreError> {
        let email = email.map(normal);
        let rows: Vec<ApiTokenRow> = self.with_connection(|conn| {
            let mut query = api_tokens::table
                .inner_join(users::table)
                .select(ApiTokenRow::as_select())
                .order(api_tokens::id.desc())
                .into_boxed();
            if let Some(email) = email {
                query = query.filter(users::email.eq(email));
            }
            query.load(conn)
        })?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    /// Revoke a token; revoking it again changes nothing. Returns it as it now is.
    pub fn revoke_api_token(&self, id: i64, actor: &str) -> Result<ApiToken, StoreError> {
        let token = self.api_token(id)?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        self.write_transaction(|conn| {
            diesel::update(
                api_tokens::table
                    .find(id)
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(now()))
            .execute(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "token.revoked",
                    survey: Some(&token.survey_slug),
                    detail: json!({"token_id": id, "user": token.user.email}),
                },
            )?;
            Ok::<_, StoreError>(())
        })?;
        self.api_token(id)
    }

    // ---- roles ----

    /// A researcher's role on a survey, if any.
    pub fn survey_role(&self, slug: &str, user_id: i64) -> Result<Option<Role>, StoreError> {
        let role: Option<String> = self.with_connection(|conn| {
            survey_roles::table
                .filter(survey_roles::survey_slug.eq(slug))
                .filter(survey_roles::user_id.eq(user_id))
                .select(survey_roles::role)
                .first(conn)
                .optional()
        })?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    /// Give `email` a role on survey `slug`, change it, or (with `None`) take it away.
    /// The last owner cannot be removed or demoted: a survey shared once keeps an owner.
    pub fn set_survey_role(
        &self,
        slug: &str,
        email: &str,
        role: Option<Role>,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.latest_survey(slug)?;
        let user = self.user_by_email(email)?;
        self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Share)?;
            let current: Option<String> = survey_roles::table
                .filter(survey_roles::survey_slug.eq(slug))
                .filter(survey_roles::user_id.eq(user.id))
                .select(survey_roles::role)
                .first(conn)
                .optional()?;
            if current.as_deref() == role.map(Role::as_str) {
                return Ok(());
            }
            if current.as_deref() == Some(Role::Owner.as_str()) {
                let owners: i64 = survey_roles::table
                    .filter(survey_roles::survey_slug.eq(slug))
                    .filter(survey_roles::role.eq(Role::Owner.as_str()))
                    .count()
                    .get_result(conn)?;
                if owners <= 1 {
                    return Err(StoreError::LastOwner(slug.to_owned()));
                }
            }
            diesel::delete(
                survey_roles::table
                    .filter(survey_roles::survey_slug.eq(slug))
                    .filter(survey_roles::user_id.eq(user.id)),
            )
            .execute(conn)?;
            // Access removed is access removed: the user's API tokens for the survey are
            // revoked with it, so sharing again later does not bring them back.
            let tokens_revoked = match role {
                Some(role) => {
                    diesel::insert_into(survey_roles::table)
                        .values((
                            survey_roles::survey_slug.eq(slug),
                            survey_roles::user_id.eq(user.id),
                            survey_roles::role.eq(role.as_str()),
                            survey_roles::granted_at.eq(now()),
                        ))
                        .execute(conn)?;
                    0
                }
                None => diesel::update(
                    api_tokens::table
                        .filter(api_tokens::survey_slug.eq(slug))
                        .filter(api_tokens::user_id.eq(user.id))
                        .filter(api_tokens::revoked_at.is_null()),
                )
                .set(api_tokens::revoked_at.eq(now()))
                .execute(conn)?,
            };
            let mut detail = json!({
                "user": user.email,
                "role": role.map(Role::as_str),
                "previous": current,
            });
            if role.is_none() {
                detail["api_tokens_revoked"] = json!(tokens_revoked);
            }
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: if role.is_some() {
                        "role.granted"
                    } else {
                        "role.revoked"
                    },
                    survey: Some(slug),
                    detail,
                },
            )?;
            Ok(())
        })
    }

    /// Who a survey is shared with, owners first.
    pub fn survey_members(&self, slug: &str) -> Result<Vec<(String, Role)>, StoreError> {
        let rows: Vec<(String, String)> = self.with_connection(|conn| {
            survey_roles::table
                .inner_join(users::table)
                .filter(survey_roles::survey_slug.eq(slug))
                .select((users::email, survey_roles::role))
                .order(users::email.asc())
                .load(conn)
        })?;
        let mut members: Vec<(String, Role)> = rows
            .into_iter()
            .filter_map(|(email, role)| Role::parse(&role).map(|r| (email, r)))
            .collect();
        members.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(members)
    }

    /// The slugs of the surveys a researcher has a role on, with the role.
    pub fn roles_of_user(&self, user_id: i64) -> Result<Vec<(String, Role)>, StoreError> {
        let rows: Vec<(String, String)> = self.with_connection(|conn| {
            survey_roles::table
                .filter(survey_roles::user_id.eq(user_id))
                .select((survey_roles::survey_slug, survey_roles::role))
                .order(survey_roles::survey_slug.asc())
                .load(conn)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(slug, role)| Role::parse(&role).map(|r| (slug, r)))
            .collect())
    }
}
