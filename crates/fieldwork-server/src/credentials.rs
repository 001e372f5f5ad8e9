//! Checking a password someone typed for an account. Sign-in and changing one's password both
//! do it, and both must be equally hard to guess at: failures are counted per account and per
//! address and slow the next attempts down (`auth::sign_in_delay`), at most a few Argon2id
//! verifications run at once (each takes 19 MiB), and an unknown account costs as much time as
//! a known one.

use actix_web::web;
use fieldwork_store::User;

use crate::accounts::{verify_against_dummy, verify_password};
use crate::auth::{now, sign_in_delay, FAILURE_WINDOW};
use crate::pages::PageError;
use crate::AppState;

/// What a password attempt came to.
#[derive(Debug)]
pub enum Attempt<T> {
    /// The password was right; `T` is what the caller did with the account meanwhile.
    Passed(T),
    /// Too many failures lately: nothing was checked. Try again after this many seconds.
    Throttled { wait_seconds: i64 },
    /// The password was wrong or the account unknown (the two are not told apart to the
    /// person; `reason` says which, for the log). Recorded in the failure log.
    Refused { reason: &'static str },
}

/// One attempt at `password` for the account `email` from `address`. A wrong password is
/// recorded as `wrong_reason` in the failure log. `then` runs on the blocking thread, under
/// the same Argon2 permit, only when the password was right (a password change hashes the new
/// password there).
pub async fn attempt<T: Send + 'static>(
    state: &AppState,
    email: &str,
    address: &str,
    password: String,
    wrong_reason: &'static str,
    then: impl FnOnce(User) -> T + Send + 'static,
) -> Result<Attempt<T>, PageError> {
    let (e, a) = (email.to_owned(), address.to_owned());
    let failures = state
        .store_call(move |store| store.sign_in_failures(&e, &a, now() - FAILURE_WINDOW))
        .await?;
    if let Some(wait) = sign_in_delay(&failures, now()) {
        let (e, a) = (email.to_owned(), address.to_owned());
        state
            .store_call(move |store| store.record_sign_in_failure(&e, &a, "throttled", false))
            .await?;
        state.metrics.sign_in_failure("throttled");
        return Ok(Attempt::Throttled {
            wait_seconds: wait.num_seconds().max(1),
        });
    }
    let e = email.to_owned();
    let credentials = state
        .store_call(move |store| store.user_credentials(&e))
        .await?;
    let permit = state
        .password_checks
        .acquire()
        .await
        .map_err(|_| PageError::Internal)?;
    let checked = web::block(move || match credentials {
        Some((user, hash)) if verify_password(&password, &hash) => Ok(then(user)),
        Some(_) => Err(wrong_reason),
        None => {
            verify_against_dummy(&password);
            Err("unknown_account")
        }
    })
    .await
    .map_err(|_| PageError::Internal)?;
    drop(permit);
    match checked {
        Ok(done) => Ok(Attempt::Passed(done)),
        Err(reason) => {
            let (e, a) = (email.to_owned(), address.to_owned());
            state
                .store_call(move |store| store.record_sign_in_failure(&e, &a, reason, true))
                .await?;
            state.metrics.sign_in_failure(reason);
            Ok(Attempt::Refused { reason })
        }
    }
}

/// A wait as a person reads it: seconds under two minutes, minutes (rounded up) after.
pub fn wait_text(seconds: i64) -> String {
    if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else {
        format!("{seconds} seconds")
    }
}
