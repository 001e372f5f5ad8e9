//! Streaming an export as an HTTP body: the admin pages' downloads and the API's use this one
//! path. The export runs on a blocking thread and writes into a bounded channel whose receiver
//! is the body, so memory stays flat and a client that goes away stops the export.

use fieldwork_analysis::export::ChunkedWriter;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use fieldwork_store::AuditEvent;
use serde_json::json;

use crate::integration::{self, IntegrationError};
use crate::AppState;

/// The export as a download, written while it is sent; its audit entry (with the number of
/// rows) is recorded once it has all been written.
pub fn stream_export(
    state: &AppState,
    slug: String,
    choice: integration::ExportChoice,
    actor: String,
    via: &'static str,
) -> HttpResponse {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    let store = Arc::clone(&state.store);
    let metrics = state.metrics.clone();
    let format = choice.format;
    let include_sensitive = choice.options.include_sensitive;
    let filename = format!("{slug}-{}.{}", format.name, format.extension);
    actix_web::rt::task::spawn_blocking(move || {
        let chunks = sender.clone();
        // A closed channel is a client that went away: a broken pipe stops the export.
        let mut out = ChunkedWriter::new(CHUNK, move |chunk| {
            chunks
                .blocking_send(Ok(web::Bytes::from(chunk)))
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        });
        let written =
            integration::write_export(&store, &slug, &choice, &mut out).and_then(|rows| {
                std::io::Write::flush(&mut out)?;
                Ok(rows)
            });
        match written {
            Ok(rows) => {
                metrics.export(format.name);
                let recorded = store.record_audit(&AuditEvent {
                    actor: &actor,
                    action: "export",
                    survey: Some(&slug),
                    detail: json!({"format": format.name, "rows": rows, "via": via, "include_sensitive": include_sensitive}),
                });
                if let Err(e) = recorded {
                    tracing::error!(error = %e, "the export's audit entry was not recorded");
                }
            }
            Err(IntegrationError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                tracing::info!(survey = %slug, "export abandoned by the client");
            }
            Err(e) => {
                tracing::error!(survey = %slug, error = %e, "export failed");
                // Cut the download off rather than let a partial file look complete.
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    HttpResponse::Ok()
        .content_type(format.media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body)
}

const CHUNK: usize = 64 * 1024;
