#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod admin;
pub mod api;
mod audit_view;
pub mod auth;
mod credentials;
mod csrf;
mod exports;
pub mod extract;
pub mod health;
pub mod integration;
mod invalidation;
pub mod invitations;
mod language;
mod limits;
pub mod metrics;
pub mod outreach;
mod pages;
pub mod problem;
pub mod proxy;
mod reports;
mod respondent;
mod routing;
mod slug;
mod submissions;
pub mod tokens;
mod writer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::{Server, Service};
use actix_web::http::{header, Method};
use actix_web::{middleware, web, App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use fieldwork_store::{Store, StoreError, StoredSurvey};

pub use limits::RateLimiter;
pub use metrics::{Metrics, MetricsToken};
pub use proxy::{ForwardedHeader, TrustedProxies};
pub use writer::{GroupCommitWriter, MAX_BATCH};

use pages::PageError;

/// How the server behaves; `Default` suits local use.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Mark cookies `Secure` (serve behind TLS).
    pub secure_cookies: bool,
    /// The public base URL (`https://survey.example.org`), for links the server writes out
    /// and the Origin forms must come from. Without one the server must listen on loopback
    /// only, and links name the bound address: never a request's `Host` or forwarded
    /// headers, which a client chooses.
    pub public_url: Option<String>,
    /// How long saved answers can be resumed.
    pub resume_days: i64,
    /// Writes allowed per second per client address (0: no limit), and the burst.
    pub rate_per_second: f64,
    pub rate_burst: f64,
    /// Worker threads (default: one per core).
    pub workers: Option<usize>,
    /// A researcher's session ends after this long without a request...
    pub session_idle: chrono::TimeDelta,
    /// ...and this long after sign-in, however busy.
    pub session_absolute: chrono::TimeDelta,
    /// Stop on SIGINT and SIGTERM (actix's handling). Off when the caller handles signals
    /// itself, as `fieldwork demo` does to stop gracefully between its steps.
    pub stop_on_signals: bool,
    /// The reverse proxies whose `X-Forwarded-For` (or `Forwarded`) names the client
    /// (`proxy.rs`); with none, the client is the connection's peer.
    pub trusted_proxies: TrustedProxies,
    /// Serve `/metrics` on the main address to callers with this bearer token.
    pub metrics_token: Option<MetricsToken>,
    /// Serve `/metrics` (and nothing else) on this address too, without a token: for a
    /// network only the monitoring system reaches.
    pub metrics_bind: Option<String>,
    /// The mail server for invitations and reminders (`docs/email.md`); `None`: email is off.
    pub mail: Option<outreach::MailConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            secure_cookies: false,
            public_url: None,
            resume_days: 30,
            rate_per_second: 5.0,
            rate_burst: 60.0,
            workers: None,
            session_idle: chrono::TimeDelta::minutes(30),
            session_absolute: chrono::TimeDelta::hours(12),
            stop_on_signals: true,
            trusted_proxies: TrustedProxies::default(),
            metrics_token: None,
            metrics_bind: None,
            mail: None,
        }
    }
}

/// What every handler can reach. Holds nothing a second server would need to share: all
/// state lives in the database, so many servers can run on one PostgreSQL.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<Store>,
    pub writer: GroupCommitWriter,
    pub limiter: RateLimiter,
    /// The database-wide secret receipt codes are derived from.
    pub secret: String,
    pub config: ServerConfig,
    /// Where links point and which Origin form POSTs must name, settled at start-up.
    pub public: PublicUrl,
    /// Argon2id verifications running at once (each takes 19 MiB).
    pub password_checks: tokio::sync::Semaphore,
    pub metrics: Metrics,
    /// Where `/metrics` is served without a token (`ServerConfig::metrics_bind`).
    metrics_addrs: Vec<SocketAddr>,
    surveys: Mutex<HashMap<String, (Instant, Arc<StoredSurvey>)>>,
    versions: Mutex<HashMap<(String, u32), Arc<StoredSurvey>>>,
    /// Counts every forgetting, so that a copy read from the database before a survey
    /// changed is not cached after the change was heard of (`invalidation.rs`).
    forgotten: std::sync::atomic::AtomicU64,
}

/// How long a server trusts its copy of a survey's status when it hears of no change. On
/// PostgreSQL every change is heard of at once (`invalidation.rs`); this bounds staleness on
/// SQLite (a `fieldwork survey close` from the command line) and while the listening
/// connection is being re-established.
const SURVEY_CACHE_TTL: Duration = Duration::from_secs(2);

impl AppState {
    /// Run `call` against the store on actix's blocking pool: diesel is synchronous, and a
    /// handler must never hold its async worker while the database works. Pages and the API
    /// map the error the same way (`PageError`, `ApiError`: `From<StoreError>`).
    pub async fn store_call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = Arc::clone(&self.store);
        let result = web::block(move || call(&store)).await.unwrap_or_else(|_| {
            // The blocking pool only refuses work while the server shuts down.
            Err(StoreError::Unavailable(
                "the server is shutting down".into(),
            ))
        });
        if let Err(error) = &result {
            self.metrics.store_error(error);
        }
        result
    }

    pub fn new(
        store: Arc<Store>,
        config: ServerConfig,
        public: PublicUrl,
        metrics_addrs: Vec<SocketAddr>,
    ) -> Result<Self, StoreError> {
        let secret = store.shared_setting("receipt_secret", tokens::new_token)?;
        let metrics = Metrics::new();
        Ok(AppState {
            public,
            writer: GroupCommitWriter::start(Arc::clone(&store), metrics.clone()),
            metrics,
            metrics_addrs,
            limiter: RateLimiter::new(config.rate_per_second, config.rate_burst),
            store,
            secret,
            config,
            password_checks: tokio::sync::Semaphore::new(4),
            surveys: Mutex::new(HashMap::new()),
            versions: Mutex::new(HashMap::new()),
            forgotten: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The version of a survey respondents answer now (open, else latest), briefly cached.
    pub async fn current_survey(&self, slug: &str) -> Result<Arc<StoredSurvey>, StoreError> {
        if let Some((at, survey)) = self
            .surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(slug)
        {
            if at.elapsed() < SURVEY_CACHE_TTL {
                return Ok(Arc::clone(survey));
            }
        }
        let owned = slug.to_owned();
        let generation = self.forgotten.load(std::sync::atomic::Ordering::SeqCst);
        let survey = Arc::new(
            self.store_call(move |store| store.current_survey(&owned))
                .await?,
        );
        let mut surveys = self.surveys.lock().unwrap_or_else(|p| p.into_inner());
        // A change heard of while this was read may postdate it: then it is not kept.
        if self.forgotten.load(std::sync::atomic::Ordering::SeqCst) == generation {
            surveys.insert(slug.to_owned(), (Instant::now(), Arc::clone(&survey)));
        }
        Ok(survey)
    }

    /// One version of a survey, the one stored as row `id`. A version's definition never
    /// changes, so it is cached for good; the id tells a copy apart from a survey deleted
    /// (on any server) and imported again under the same slug and version.
    pub async fn survey_version(
        &self,
        slug: &str,
        version: u32,
        id: i64,
    ) -> Result<Arc<StoredSurvey>, StoreError> {
        let key = (slug.to_owned(), version);
        if let Some(survey) = self
            .versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .filter(|survey| survey.id == id)
        {
            return Ok(Arc::clone(survey));
        }
        let owned = slug.to_owned();
        let survey = Arc::new(
            self.store_call(move |store| store.survey_version(&owned, version))
                .await?,
        );
        self.versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, Arc::clone(&survey));
        Ok(survey)
    }

    /// Drop this server's copies of a survey, once it has been deleted, so that a survey
    /// imported later under the same slug is never answered with the old definition.
    pub fn forget_survey(&self, slug: &str) {
        self.forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(slug);
        self.versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(cached, _), _| cached != slug);
    }

    /// Drop every cached survey status (changes may have been missed).
    fn forget_all_surveys(&self) {
        self.forgotten
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.surveys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    async fn is_invited(&self, response_id: i64) -> Result<bool, StoreError> {
        self.store_call(move |store| store.is_invited(response_id))
            .await
    }

    fn resume_expiry(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(self.config.resume_days)
    }

    /// Whether `req` arrived on the metrics address (`ServerConfig::metrics_bind`).
    fn on_metrics_address(&self, req: &HttpRequest) -> bool {
        self.metrics_addrs.contains(&req.app_config().local_addr())
    }
}

const STYLESHEET: &str = include_str!("../assets/govuk-frontend.min.css");
const FIELDWORK_CSS: &str = include_str!("../assets/fieldwork.css");

async fn stylesheet(path: web::Path<String>) -> HttpResponse {
    let body = match path.as_str() {
        "govuk-frontend.min.css" => STYLESHEET,
        "fieldwork.css" => FIELDWORK_CSS,
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

/// The server's front page: no list of surveys (which ones run here is the researchers'
/// business), only where respondents and researchers go.
async fn home() -> Result<HttpResponse, PageError> {
    let ui = language::Ui::interface();
    pages::html(
        actix_web::http::StatusCode::OK,
        &pages::MessagePage {
            service_name: "fieldwork".into(),
            has_errors: false,
            privacy_href: None,
            heading: ui.t("home-title"),
            paragraphs: vec![
                ui.t("home-take-part"),
                ui.t("home-withdraw"),
                ui.t("home-researchers"),
            ],
            link: Some(pages::Link {
                href: "/admin/sign-in".into(),
                text: ui.t("home-sign-in"),
            }),
            ui,
        },
    )
}

/// Nothing here: a page for people, a problem document under `/api/`.
async fn not_found(req: HttpRequest) -> HttpResponse {
    not_found_for(&req).error_response()
}

/// A path (or query) that names nothing: a slug of the wrong shape, an unknown route.
fn not_found_for(req: &HttpRequest) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        let is_survey = req.match_info().get("slug").is_some();
        if is_survey {
            problem::ApiError::NotFound.into()
        } else {
            problem::ApiError::NoSuchResource.into()
        }
    } else {
        PageError::NotFound.into()
    }
}

/// Every route and service-wide setting, for `App::configure`.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(state)
            .app_data(web::PathConfig::default().error_handler(|_, req| not_found_for(req)))
            .app_data(web::QueryConfig::default().error_handler(|error, req| {
                if req.path().starts_with("/api/") {
                    problem::ApiError::BadRequest(format!("the query string is not valid: {error}"))
                        .into()
                } else {
                    PageError::NotFound.into()
                }
            }))
            .configure(|cfg| {
                let mut routes = routing::Routes::default();
                routes
                    .add(Method::GET, "/", web::route().to(home))
                    .add(Method::GET, "/assets/{file}", web::route().to(stylesheet))
                    .add(Method::GET, "/metrics", web::route().to(metrics::page));
                routes.register(cfg);
            })
            .configure(api::configure)
            .configure(admin::configure)
            .configure(respondent::configure)
            .configure(reports::configure)
            .default_service(web::to(not_found));
    }
}

/// Security headers on every response; pages that may carry answers are never cached.
/// Serves the request with its language wish at hand for the pages (`LanguageWish::current`),
/// and remembers a choice made with the language switcher in a cookie.
fn remember_language<S>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse, actix_web::Error>>
where
    S: actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let wish = language::LanguageWish::of(req.request());
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.config.secure_cookies);
    let cookie = wish.cookie_to_set(secure);
    let served = wish.scope(srv.call(req));
    async move {
        let mut res = served.await?;
        if let Some(cookie) = cookie {
            // A cookie that cannot be added leaves the page as it is: the choice is in the
            // links of the page all the same.
            let _ = res.response_mut().add_cookie(&cookie);
        }
        Ok(res)
    }
}

fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Invitation and resume links carry secrets: a URL is never sent to another site.
        // Not `no-referrer`: under it browsers send `Origin: null` on our own form POSTs,
        // which the CSRF check could not tell from a sandboxed foreign page (csrf.rs).
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CACHE_CONTROL, "no-store"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
}

/// Where the server's links point, settled once at start-up from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// The base of every absolute link the server writes (no trailing slash).
    pub base: String,
    /// The configured public URL's origin, which form POSTs must name; `None` when no
    /// public URL is configured (then the request's own `Host` is the reference).
    pub origin: Option<String>,
}

impl PublicUrl {
    /// The configured public URL, checked; or, with none, the first bound address when
    /// every bound address is loopback (a request's headers are never consulted).
    pub fn settle(configured: Option<&str>, bound: &[SocketAddr]) -> Result<Self, String> {
        if let Some(configured) = configured {
            let url = url::Url::parse(configured)
                .map_err(|e| format!("the public URL {configured:?} is not a URL: {e}"))?;
            if !matches!(url.scheme(), "http" | "https")
                || url.host_str().is_none()
                || url.query().is_some()
                || url.fragment().is_some()
                || !url.username().is_empty()
                || url.password().is_some()
            {
                return Err(format!(
                    "the public URL {configured:?} must be http:// or https:// with a host, \
                     and no user, query or fragment (like https://survey.example.org)"
                ));
            }
            let base = url.as_str().trim_end_matches('/').to_owned();
            return Ok(PublicUrl {
                base,
                origin: Some(url.origin().ascii_serialization()),
            });
        }
        match bound.first() {
            Some(first) if bound.iter().all(|a| a.ip().is_loopback()) => Ok(PublicUrl {
                base: format!("http://{first}"),
                origin: None,
            }),
            _ => Err(format!(
                "listening on {} needs a public URL (--public-url https://your.host): the links \
                 fieldwork writes (invitations, resume links) must name the address respondents \
                 use, and are never taken from a request's headers",
                bound
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// Bind every address `bind` resolves to (as actix's own `bind` does), failing only when
/// none can be bound.
fn listen(bind: &str) -> std::io::Result<Vec<std::net::TcpListener>> {
    use std::net::ToSocketAddrs;
    let mut listeners = Vec::new();
    let mut last_error = None;
    for addr in bind.to_socket_addrs()? {
        match std::net::TcpListener::bind(addr) {
            Ok(listener) => listeners.push(listener),
            Err(e) => last_error = Some(e),
        }
    }
    match (listeners.is_empty(), last_error) {
        (true, Some(e)) => Err(e),
        (true, None) => Err(std::io::Error::other(format!("{bind} names no address"))),
        _ => Ok(listeners),
    }
}

fn local_addrs(listeners: &[std::net::TcpListener]) -> std::io::Result<Vec<SocketAddr>> {
    listeners.iter().map(|l| l.local_addr()).collect()
}

/// Start serving on `bind`. Unless `config.stop_on_signals` is off, the server stops on
/// SIGTERM (gracefully, finishing the requests in flight) or Ctrl-C (at once: actix's choice).
fn serve(
    store: Arc<Store>,
    bind: &str,
    config: ServerConfig,
) -> std::io::Result<(Server, Vec<SocketAddr>)> {
    let workers = config.workers;
    let stop_on_signals = config.stop_on_signals;
    let listeners = listen(bind)?;
    let addrs = local_addrs(&listeners)?;
    let metrics_listeners = match &config.metrics_bind {
        Some(metrics_bind) => listen(metrics_bind)?,
        None => Vec::new(),
    };
    let metrics_addrs = local_addrs(&metrics_listeners)?;
    let public =
        PublicUrl::settle(config.public_url.as_deref(), &addrs).map_err(std::io::Error::other)?;
    let state = web::Data::new(
        AppState::new(store, config, public, metrics_addrs).map_err(std::io::Error::other)?,
    );
    invalidation::follow_survey_changes(&state);
    let mut server = HttpServer::new(move || {
        let state_for_log = state.clone();
        App::new()
            .wrap(security_headers())
            .wrap_fn(remember_language)
            .wrap_fn(move |req, srv| {
                // The metrics address serves the metrics page and nothing else.
                if state_for_log.on_metrics_address(req.request()) && req.path() != "/metrics" {
                    let (req, _) = req.into_parts();
                    let response = PageError::NotFound.error_response();
                    return futures_util::future::Either::Left(std::future::ready(Ok(
                        actix_web::dev::ServiceResponse::new(req, response),
                    )));
                }
                // Method, path and status only: never the query (invitation tokens) or bodies.
                let method = req.method().clone();
                let path = req.path().to_owned();
                let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                let started = Instant::now();
                let fut = srv.call(req);
                let state = state_for_log.clone();
                futures_util::future::Either::Right(async move {
                    let res = fut.await?;
                    let status = res.status().as_u16();
                    state.metrics.request(&route, method.as_str(), status, started.elapsed());
                    tracing::info!(%method, %path, status, ms = started.elapsed().as_millis() as u64, "request");
                    Ok(res)
                })
            })
            .configure(configure(state.clone()))
    })
    .shutdown_timeout(30);
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    if !stop_on_signals {
        server = server.disable_signals();
    }
    for listener in listeners.into_iter().chain(metrics_listeners) {
        server = server.listen(listener)?;
    }
    Ok((server.run(), addrs))
}

/// A server running on a thread of its own, with its own runtime: what the CLI, the demo, the
/// benchmarks and the tests start.
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens (one address per resolved `bind` address).
    pub addrs: Vec<SocketAddr>,
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

/// Start serving `store` on `bind` on a new thread; returns once it listens.
pub fn spawn(
    store: Arc<Store>,
    bind: &str,
    config: ServerConfig,
) -> std::io::Result<RunningServer> {
    let (started, on_start) = std::sync::mpsc::channel();
    let bind = bind.to_owned();
    let thread = std::thread::Builder::new()
        .name("fieldwork-server".into())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match serve(store, &bind, config) {
                    Ok((server, addrs)) => {
                        let _ = started.send(Ok((addrs, server.handle())));
                        server.await
                    }
                    Err(e) => {
                        let _ = started.send(Err(e));
                        Ok(())
                    }
                }
            })
        })?;
    let (addrs, handle) = on_start
        .recv()
        .map_err(|_| std::io::Error::other("the server thread ended before it listened"))??;
    Ok(RunningServer {
        addrs,
        handle,
        thread,
    })
}

impl RunningServer {
    /// The first address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// A handle to stop it from elsewhere (`handle.stop(true).await`).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.handle.clone()
    }

    /// Stop gracefully, finishing the requests in flight, and wait until it has.
    pub fn stop(self) -> std::io::Result<()> {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(true));
        self.wait()
    }

    /// Wait until it stops by itself (SIGTERM or Ctrl-C, or a handle's `stop`).
    pub fn wait(self) -> std::io::Result<()> {
        self.thread
            .join()
            .map_err(|_| std::io::Error::other("the server thread panicked"))?
    }
}
