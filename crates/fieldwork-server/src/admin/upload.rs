//! Reading a multipart upload form (a definition and its frame, or contacts) into memory,
//! bounded.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::pages::PageError;

/// Largest upload: a definition (the survey crate refuses more than 1 MiB) and its frame.
pub(super) const UPLOAD_LIMIT: usize = 4 * 1024 * 1024;

/// The parts of an upload form.
#[derive(Debug, Default)]
pub(super) struct Upload {
    pub csrf: Option<String>,
    pub definition: Option<Vec<u8>>,
    /// The definition's file name as the browser gave it (an XLSForm's default form_id).
    pub definition_name: Option<String>,
    pub frame: Option<Vec<u8>>,
    /// A contacts CSV (the Contacts page).
    pub contacts: Option<Vec<u8>>,
}

fn unreadable(text: &str) -> PageError {
    PageError::message(
        StatusCode::BAD_REQUEST,
        "The upload could not be read",
        &[text],
    )
}

fn too_large() -> PageError {
    PageError::message(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The files are too large",
        &["An upload may be 4 MB at most. Import a larger contacts file with `fieldwork contacts import`."],
    )
}

fn multipart_error(error: multer::Error) -> PageError {
    match error {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            too_large()
        }
        multer::Error::UnknownField { .. } => {
            unreadable("The form had a field it should not have.")
        }
        _ => unreadable("Go back and try again."),
    }
}

pub(super) async fn read_upload(
    req: &HttpRequest,
    body: web::Payload,
) -> Result<Upload, PageError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| unreadable("Send the form from the import page (multipart/form-data)."))?;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["csrf_token", "definition", "frame", "contacts"])
        .size_limit(
            multer::SizeLimit::new()
                .whole_stream(UPLOAD_LIMIT as u64)
                .for_field("csrf_token", 64),
        );
    // The whole upload is read first (it is bounded), since multer wants a Send stream and
    // actix's payload is not one.
    let whole = read_bounded(body).await?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(whole) });
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
        match name.as_str() {
            "csrf_token" => upload.csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "definition" => {
                upload.definition = Some(bytes);
                upload.definition_name = file_name;
            }
            "frame" if !bytes.is_empty() => upload.frame = Some(bytes),
            "contacts" => upload.contacts = Some(bytes),
            _ => {}
        }
    }
    Ok(upload)
}

/// The request body, refused as soon as it grows past [`UPLOAD_LIMIT`].
async fn read_bounded(mut body: web::Payload) -> Result<web::Bytes, PageError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| unreadable("Go back and try again."))?;
        if bytes.len() + chunk.len() > UPLOAD_LIMIT {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}
