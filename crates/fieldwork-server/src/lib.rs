#![doc = include_str!("../README.md")]

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use fieldwork_store::Store;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<Store>,
}

/// Register every route on an actix-web service configuration.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let store = Arc::clone(&state.store);
    match web::block(move || store.check_health()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        _ => HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"})),
    }
}
