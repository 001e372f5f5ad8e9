//! Routes grouped by path, one actix resource each, so that a known path asked with a method
//! it does not take answers 405 with `Allow` (not a 404), and every GET also answers HEAD.

use actix_web::http::{header, Method, StatusCode};
use actix_web::{guard, web, HttpRequest, HttpResponse, ResponseError, Route};

use crate::pages::PageError;
use crate::problem::ApiError;

/// The routes of one part of the service, in the order they match.
#[derive(Default)]
pub struct Routes {
    paths: Vec<(&'static str, Vec<(Method, Route)>)>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.listed()).finish()
    }
}

impl Routes {
    /// Answer `method` (GET also answers HEAD) at `path` with `route`, a route with no
    /// method guard of its own (`web::route().to(handler)`).
    pub fn add(&mut self, method: Method, path: &'static str, route: Route) -> &mut Self {
        let route = if method == Method::GET {
            route.guard(guard::Any(guard::Get()).or(guard::Head()))
        } else {
            route.guard(guard::Method(method.clone()))
        };
        match self.paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, methods)) => methods.push((method, route)),
            None => self.paths.push((path, vec![(method, route)])),
        }
        self
    }

    /// Every (method, path), as registered.
    pub fn listed(&self) -> Vec<(Method, &'static str)> {
        self.paths
            .iter()
            .flat_map(|(path, methods)| methods.iter().map(move |(m, _)| (m.clone(), *path)))
            .collect()
    }

    pub fn register(self, cfg: &mut web::ServiceConfig) {
        for (path, methods) in self.paths {
            let mut allow: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
            if allow.contains(&"GET") {
                allow.push("HEAD");
            }
            let allow = allow.join(", ");
            let mut resource = web::resource(path);
            for (_, route) in methods {
                resource = resource.route(route);
            }
            cfg.service(resource.default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move { method_not_allowed(&req, &allow) }
            })));
        }
    }
}

/// 405 with the methods the path takes: a problem document under `/api/`, a page elsewhere.
fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    let mut response = if req.path().starts_with("/api/")
        || matches!(req.path(), "/healthz" | "/readyz" | "/metrics")
    {
        ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.to_owned(),
        }
        .error_response()
    } else {
        PageError::message(
            StatusCode::METHOD_NOT_ALLOWED,
            "This page cannot be used that way",
            &["Go back to the page you came from and use its links and buttons."],
        )
        .error_response()
    };
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
