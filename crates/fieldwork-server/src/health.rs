//! Liveness and readiness, for load balancers and orchestrators.
//!
//! `/healthz` (liveness) says the process and its database answer: restart the server if not.
//! `/readyz` (readiness) says it can do its work now: the database answers, has every migration
//! this build expects, and its storage takes a write. A server that cannot store (a full disk,
//! a database gone read-only) stays alive, answers reads and says so here, so the load
//! balancer sends submissions elsewhere until it recovers, without a restart.
//!
//! The answers name each check with a fixed word; the database's own message goes to the log
//! (at warn level), never to the caller, who may be anyone.

use actix_web::{web, HttpResponse};
use fieldwork_store::{StorageFault, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    status: &'static str,
}

/// Whether the service and its database answer.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "The service and its database answer", body = Health),
    (status = 503, description = "The database does not answer", body = Health),
))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.store_call(|store| store.check_health()).await {
        Ok(()) => HttpResponse::Ok().json(Health { status: "ok" }),
        _ => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
        }),
    }
}

/// Each check of `/readyz`, as a fixed word.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `not_ready` when any check below is not `ok`.
    status: &'static str,
    /// `ok` or `unavailable`.
    database: &'static str,
    /// `ok`, `pending` (run `fieldwork db migrate`) or `unknown` (the database did not say).
    migrations: &'static str,
    /// `ok`, `full`, `read_only`, `failing` or `unknown` (the database did not answer).
    storage: &'static str,
}

/// Whether this server can take submissions now.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready: the database answers, is migrated, and takes writes", body = Readiness),
    (status = 503, description = "Not ready: send traffic elsewhere", body = Readiness),
))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checked = state
        .store_call(|store| {
            Ok((
                store.check_health(),
                store.pending_migrations(),
                store.probe_write(),
            ))
        })
        .await;
    let (database, migrations, storage) = match checked {
        Ok(results) => results,
        Err(error) => (Err(error), Ok(Vec::new()), Ok(())),
    };
    let readiness = Readiness {
        status: "ready",
        database: word(&database, "database", |_| "unavailable"),
        migrations: match &migrations {
            Ok(pending) if pending.is_empty() => "ok",
            Ok(pending) => {
                tracing::warn!(
                    pending = pending.len(),
                    "not ready: the database lacks migrations (fieldwork db migrate)"
                );
                "pending"
            }
            Err(error) => {
                tracing::warn!(%error, "not ready: cannot read the applied migrations");
                "unknown"
            }
        },
        storage: word(&storage, "storage", |error| match error.storage_fault() {
            Some(StorageFault::Full) => "full",
            Some(StorageFault::ReadOnly) => "read_only",
            Some(StorageFault::Io) => "failing",
            None => "unknown",
        }),
    };
    if let Err(error) = &storage {
        state.metrics.store_error(error);
    }
    let ready = [readiness.database, readiness.migrations, readiness.storage]
        .iter()
        .all(|w| *w == "ok");
    if ready {
        HttpResponse::Ok().json(readiness)
    } else {
        HttpResponse::ServiceUnavailable().json(Readiness {
            status: "not_ready",
            ..readiness
        })
    }
}

/// `ok`, or the word for what went wrong (logged with the database's message).
fn word<T>(
    result: &Result<T, StoreError>,
    check: &'static str,
    name: impl FnOnce(&StoreError) -> &'static str,
) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(error) => {
            tracing::warn!(check, %error, "not ready");
            name(error)
        }
    }
}
