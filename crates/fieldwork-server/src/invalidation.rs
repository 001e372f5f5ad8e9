//! Dropping cached surveys when any server changes them (PostgreSQL only).
//!
//! A thread of the server listens for the database's survey-change notifications
//! (`Store::listen_for_survey_changes`) and forgets the cached copy of each slug named, so a
//! survey closed or deleted on one server shows as such on every server at once rather than
//! after the cache's lifetime. When the listening connection is lost, everything cached is
//! forgotten (changes may have been missed) and listening starts again. The thread holds the
//! server's state only weakly, and ends once the server has stopped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::web;
use fieldwork_store::{Backend, SurveyChanges};

use crate::AppState;

/// How long one wait for notifications lasts before the thread checks the server still runs.
const WAIT: Duration = Duration::from_millis(500);
/// Pause before listening again after the connection was lost.
const RECONNECT: Duration = Duration::from_secs(1);

pub(crate) fn follow_survey_changes(state: &web::Data<AppState>) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    let weak = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("fieldwork-survey-changes".into())
        .spawn(move || follow(&weak));
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot follow survey changes; caches expire after 2 s instead");
    }
}

fn follow(weak: &Weak<AppState>) {
    let mut listening: Option<SurveyChanges> = None;
    let mut quiet_waits = 0u32;
    loop {
        let Some(state) = weak.upgrade() else { return };
        let Some(changes) = listening.as_mut() else {
            match state.store.listen_for_survey_changes() {
                Ok(Some(changes)) => {
                    state.forget_all_surveys();
                    listening = Some(changes);
                }
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for survey changes; trying again");
                    drop(state);
                    std::thread::sleep(RECONNECT);
                }
            }
            continue;
        };
        let heard = changes.next_changes(WAIT).and_then(|slugs| {
            // A connection lost quietly is found by using it, now and then.
            quiet_waits = if slugs.is_empty() { quiet_waits + 1 } else { 0 };
            if quiet_waits >= 20 {
                quiet_waits = 0;
                changes.check()?;
            }
            Ok(slugs)
        });
        match heard {
            Ok(slugs) => {
                for slug in slugs {
                    tracing::debug!(survey = %slug, "survey changed elsewhere; cache dropped");
                    state.forget_survey(&slug);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "lost the survey-change connection; listening again");
                state.forget_all_surveys();
                listening = None;
            }
        }
    }
}
