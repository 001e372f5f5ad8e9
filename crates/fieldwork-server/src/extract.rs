//! Extractors: what a handler needs from a request, checked before the handler runs, so a
//! handler that names one cannot forget the check.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::{require_researcher, Researcher};
use crate::csrf::{check_csrf, FormFields};
use crate::pages::PageError;
use crate::AppState;

type Extracting<T> = Pin<Box<dyn Future<Output = Result<T, PageError>>>>;

/// The signed-in researcher; anyone else is sent to the sign-in page.
impl FromRequest for Researcher {
    type Error = PageError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(PageError::Internal)?
                .clone();
            require_researcher(&state, &req).await
        })
    }
}

/// A form posted by one of our pages: read within `LIMIT` bytes, then passed by the CSRF
/// check (`crate::csrf`). Name it after the signed-in [`Researcher`] so an expired session
/// is sent to sign in before its form is judged.
#[derive(Debug)]
pub struct CheckedForm<const LIMIT: usize>(pub FormFields);

impl<const LIMIT: usize> FromRequest for CheckedForm<LIMIT> {
    type Error = PageError;
    type Future = Extracting<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Payload::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|_| PageError::Internal)?;
            let form = FormFields::read(body, LIMIT).await?;
            check_csrf(&req, &form)?;
            Ok(CheckedForm(form))
        })
    }
}
