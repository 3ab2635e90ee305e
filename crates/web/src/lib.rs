//! The HTTP face of Plenum: server-rendered pages (zh-CN by default, English
//! complete), a JSON API under `/api/v1` with its OpenAPI document, live updates by
//! Server-Sent Events, health and metrics.
//!
//! Every route is declared once in `routes()` with the roles that may use it; the
//! guard middleware enforces that table (and CSRF) before any handler runs, so a
//! route cannot exist without an access rule. API ballots take a fast path in front
//! of the router (`ballots`) that applies the same table entry and the same checks.

pub mod api;
pub mod auth;
mod ballots;
mod cache;
pub mod demo;
pub mod elections;
pub mod elections_api;
pub mod error;
mod hall_code;
pub mod i18n;
mod live;
mod metrics;
pub mod pages;
pub mod plenary;
pub mod plenary_api;
pub mod tellers;

use auth::{Access, CSRF_COOKIE, Caller, LANG_COOKIE, Role, SESSION_COOKIE};
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use error::{Failure, PageError};
use i18n::Lang;
use plenum_app::App;
use plenum_journal::AuthStore;
use std::collections::HashMap;
use std::sync::Arc;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
}

/// State shared by all handlers: one reference count per request, however many
/// extractors take it.
#[derive(Clone)]
pub struct Web(Arc<WebInner>);

impl std::ops::Deref for Web {
    type Target = WebInner;
    fn deref(&self) -> &WebInner {
        &self.0
    }
}

pub struct WebInner {
    pub app: App,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
    pub credentials: auth::CredentialCache,
    /// Rendered fragments, by assembly version.
    pub(crate) rendered: cache::RenderCache,
    /// Wrong hall codes per member and meeting, this minute.
    pub(crate) hall_attempts: hall_code::Attempts,
    /// Access rules by route pattern, then method.
    access: HashMap<&'static str, Vec<(Method, Access)>>,
}

/// One route: method, path pattern, and who may use it.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

type Handler = MethodRouter<Web>;

fn r(method: Method, path: &'static str, access: Access, h: Handler) -> (RouteSpec, Handler) {
    (RouteSpec { method, path, access }, h)
}

/// Every route of the server, with its access rule.
fn routes() -> Vec<(RouteSpec, Handler)> {
    use Access::{Public, Roles, Users};
    use auth::{CHAIR, STAFF};
    use plenary::{ATTENDEES, MEMBERS};
    let g = Method::GET;
    let p = Method::POST;
    vec![
        // Pages.
        r(g.clone(), "/", Public, get(pages::home)),
        r(g.clone(), "/login", Public, get(pages::login_form)),
        r(p.clone(), "/login", Public, post(pages::login)),
        r(p.clone(), "/logout", Users, post(pages::logout)),
        r(g.clone(), "/account/password", Users, get(pages::password_form)),
        r(p.clone(), "/account/password", Users, post(pages::change_password)),
        r(g.clone(), "/lang/{code}", Public, get(pages::switch_language)),
        r(g.clone(), "/assemblies/{id}", Public, get(pages::assembly)),
        r(g.clone(), "/assemblies/{id}/members", Public, get(pages::members)),
        r(g.clone(), "/assemblies/{id}/members/{member}", Public, get(pages::member)),
        r(g.clone(), "/assemblies/{id}/sessions/{session}/agenda", Public, get(pages::agenda)),
        r(
            p.clone(),
            "/assemblies/{id}/sessions/{session}/agenda/{item}",
            Roles(CHAIR),
            post(pages::move_item),
        ),
        // Plenary sessions: meetings, attendance, polls, opinions, the projector.
        r(g.clone(), "/assemblies/{id}/meetings", Public, get(plenary::meetings)),
        r(g.clone(), "/assemblies/{id}/meetings/{meeting}", Public, get(plenary::meeting)),
        r(
            g.clone(),
            "/assemblies/{id}/meetings/{meeting}/check-in",
            Roles(ATTENDEES),
            get(plenary::check_in_page),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/meetings/{meeting}/check-in",
            Roles(ATTENDEES),
            post(plenary::check_in),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/meetings/{meeting}/check-in/bulk",
            Roles(STAFF),
            post(plenary::bulk_check_in),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/meetings/{meeting}/hall-code",
            Roles(STAFF),
            get(plenary::hall_code_page),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/meetings/{meeting}/hall-code",
            Roles(STAFF),
            post(plenary::require_hall_code),
        ),
        r(p.clone(), "/assemblies/{id}/meetings/{meeting}/leave", Roles(STAFF), post(plenary::leave)),
        r(
            p.clone(),
            "/assemblies/{id}/meetings/{meeting}/opinions",
            Roles(ATTENDEES),
            post(plenary::record_opinion),
        ),
        r(p.clone(), "/assemblies/{id}/meetings/{meeting}/polls", Roles(STAFF), post(plenary::open_poll)),
        r(g.clone(), "/assemblies/{id}/polls", Public, get(plenary::polls)),
        r(g.clone(), "/assemblies/{id}/polls/{poll}", Public, get(plenary::poll)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/vote", Roles(MEMBERS), post(plenary::vote)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/totals", Roles(STAFF), post(plenary::enter_totals)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/confirm", Roles(CHAIR), post(plenary::confirm_totals)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/close", Roles(CHAIR), post(plenary::close_poll)),
        r(g.clone(), "/assemblies/{id}/polls/{poll}/report.csv", Public, get(plenary::poll_report_csv)),
        r(g.clone(), "/assemblies/{id}/polls/{poll}/report.pdf", Public, get(plenary::poll_report_pdf)),
        r(g.clone(), "/assemblies/{id}/sessions/{session}/opinions", Public, get(plenary::session_opinions)),
        r(
            g.clone(),
            "/assemblies/{id}/sessions/{session}/opinions.csv",
            Roles(STAFF),
            get(plenary::opinions_csv_file),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/sessions/{session}/opinions.pdf",
            Roles(STAFF),
            get(plenary::opinions_pdf_file),
        ),
        r(g.clone(), "/assemblies/{id}/projector", Public, get(plenary::projector)),
        // Tellers: their keys, and their shares of a secret poll's count.
        r(g.clone(), "/assemblies/{id}/sessions/{session}/tellers", Public, get(tellers::page)),
        r(
            p.clone(),
            "/assemblies/{id}/sessions/{session}/tellers",
            Roles(CHAIR),
            post(tellers::appoint_form),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/sessions/{session}/tellers/key",
            Roles(MEMBERS),
            post(tellers::key_form),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/polls/{poll}/count-input.json",
            Public,
            get(tellers::count_input_file),
        ),
        r(g.clone(), "/assemblies/{id}/polls/{poll}/fingerprints.txt", Public, get(plenary::fingerprints)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/shares", Roles(MEMBERS), post(tellers::share_form)),
        r(p.clone(), "/assemblies/{id}/polls/{poll}/void", Roles(CHAIR), post(tellers::void_form)),
        // Elections: the record, running them, tellers' paper entry, the phone ballot.
        r(g.clone(), "/assemblies/{id}/elections", Public, get(elections::list)),
        r(p.clone(), "/assemblies/{id}/elections", Roles(CHAIR), post(elections::create)),
        r(g.clone(), "/assemblies/{id}/elections/{election}", Public, get(elections::page)),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/nominations",
            Roles(CHAIR),
            post(elections::nominate),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/withdraw",
            Roles(CHAIR),
            post(elections::withdraw),
        ),
        r(p.clone(), "/assemblies/{id}/elections/{election}/fix", Roles(CHAIR), post(elections::fix)),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/preliminary",
            Roles(CHAIR),
            post(elections::preliminary),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/rounds",
            Roles(CHAIR),
            post(elections::open_round),
        ),
        r(p.clone(), "/assemblies/{id}/elections/{election}/count", Roles(CHAIR), post(elections::count)),
        r(g.clone(), "/assemblies/{id}/elections/{election}/paper", Roles(STAFF), get(elections::paper_form)),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/paper",
            Roles(STAFF),
            post(elections::enter_paper),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/elections/{election}/ballot",
            Roles(MEMBERS),
            get(elections::ballot_form),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/ballot",
            Roles(MEMBERS),
            post(elections::cast_ballot),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/elections/{election}/rounds/{round}/count-input.json",
            Public,
            get(elections::round_count_input_file),
        ),
        r(
            g.clone(),
            "/assemblies/{id}/elections/{election}/rounds/{round}/fingerprints.txt",
            Public,
            get(elections::round_fingerprints),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/rounds/{round}/shares",
            Roles(MEMBERS),
            post(elections::round_share_form),
        ),
        r(
            p.clone(),
            "/assemblies/{id}/elections/{election}/rounds/{round}/void",
            Roles(CHAIR),
            post(elections::round_void_form),
        ),
        r(g.clone(), "/assemblies/{id}/elections/{election}/report.csv", Public, get(elections::report_csv)),
        r(g.clone(), "/assemblies/{id}/elections/{election}/report.pdf", Public, get(elections::report_pdf)),
        r(g.clone(), "/accounts", Roles(STAFF), get(pages::accounts)),
        r(p.clone(), "/accounts/bulk", Roles(STAFF), post(pages::bulk_accounts)),
        // Live updates.
        r(g.clone(), "/assemblies/{id}/live", Public, get(live::stream)),
        // Operations.
        r(g.clone(), "/healthz", Public, get(metrics::health)),
        r(g.clone(), "/metrics", Roles(STAFF), get(metrics::metrics)),
        r(g.clone(), "/static/{file}", Public, get(pages::static_file)),
        // Asked for by browsers on pages that name no icon (plain text, PDF).
        r(g.clone(), "/favicon.ico", Public, get(pages::favicon)),
        // API.
        r(g.clone(), "/api/openapi.json", Public, get(api::openapi)),
        r(p.clone(), "/api/v1/tokens", Public, post(api::create_token)),
        r(p.clone(), "/api/v1/tokens/revoke", Users, post(api::revoke_token)),
        r(g.clone(), "/api/v1/me", Users, get(api::me)),
        r(p.clone(), "/api/v1/me/password", Users, post(api::change_password)),
        r(g.clone(), "/api/v1/assemblies", Public, get(api::assemblies)),
        r(g.clone(), "/api/v1/assemblies/{id}", Public, get(api::assembly)),
        r(g.clone(), "/api/v1/assemblies/{id}/members", Public, get(api::members)),
        r(g.clone(), "/api/v1/assemblies/{id}/members/{member}", Public, get(api::member)),
        r(g.clone(), "/api/v1/assemblies/{id}/sessions/{session}/agenda", Public, get(api::agenda)),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/sessions/{session}/agenda/{item}",
            Roles(CHAIR),
            post(api::move_item),
        ),
        r(p.clone(), "/api/v1/assemblies/{id}/commands", Roles(STAFF), post(api::command)),
        r(g.clone(), "/api/v1/assemblies/{id}/meetings", Public, get(plenary_api::meetings)),
        r(
            g.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/attendance",
            Public,
            get(plenary_api::attendance),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/check-in",
            Roles(ATTENDEES),
            post(plenary_api::check_in),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/check-in/bulk",
            Roles(STAFF),
            post(plenary_api::bulk_check_in),
        ),
        r(
            g.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code",
            Roles(STAFF),
            get(plenary_api::hall_code),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code",
            Roles(STAFF),
            post(plenary_api::require_hall_code),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/leave",
            Roles(STAFF),
            post(plenary_api::leave),
        ),
        r(
            g.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/opinions",
            Public,
            get(plenary_api::meeting_opinions),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/meetings/{meeting}/opinions",
            Roles(ATTENDEES),
            post(plenary_api::record_opinion),
        ),
        r(
            g.clone(),
            "/api/v1/assemblies/{id}/sessions/{session}/opinions",
            Public,
            get(plenary_api::session_opinions),
        ),
        r(g.clone(), "/api/v1/assemblies/{id}/polls", Public, get(plenary_api::polls)),
        r(p.clone(), "/api/v1/assemblies/{id}/polls", Roles(STAFF), post(plenary_api::open_poll)),
        r(g.clone(), "/api/v1/assemblies/{id}/polls/{poll}", Public, get(plenary_api::poll)),
        r(p.clone(), ballots::VOTE_ROUTE, Roles(MEMBERS), post(plenary_api::vote)),
        r(p.clone(), "/api/v1/assemblies/{id}/polls/{poll}/totals", Roles(STAFF), post(plenary_api::totals)),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/polls/{poll}/confirm",
            Roles(CHAIR),
            post(plenary_api::confirm),
        ),
        r(p.clone(), "/api/v1/assemblies/{id}/polls/{poll}/close", Roles(CHAIR), post(plenary_api::close)),
        r(g.clone(), "/api/v1/assemblies/{id}/sessions/{session}/tellers", Public, get(tellers::list)),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/sessions/{session}/tellers",
            Roles(CHAIR),
            post(tellers::appoint),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/sessions/{session}/tellers/key",
            Roles(MEMBERS),
            post(tellers::register_key),
        ),
        r(g.clone(), "/api/v1/assemblies/{id}/polls/{poll}/count-input", Public, get(tellers::count_input)),
        r(p.clone(), "/api/v1/assemblies/{id}/polls/{poll}/shares", Roles(MEMBERS), post(tellers::share)),
        r(p.clone(), "/api/v1/assemblies/{id}/polls/{poll}/void", Roles(CHAIR), post(tellers::void)),
        r(g.clone(), "/api/v1/assemblies/{id}/elections", Public, get(elections_api::list)),
        r(p.clone(), "/api/v1/assemblies/{id}/elections", Roles(CHAIR), post(elections_api::create)),
        r(g.clone(), "/api/v1/assemblies/{id}/elections/{election}", Public, get(elections_api::detail)),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/nominations",
            Roles(CHAIR),
            post(elections_api::nominate),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/withdraw",
            Roles(CHAIR),
            post(elections_api::withdraw),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/fix",
            Roles(CHAIR),
            post(elections_api::fix),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/preliminary",
            Roles(CHAIR),
            post(elections_api::preliminary),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/rounds",
            Roles(CHAIR),
            post(elections_api::open_round),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/paper",
            Roles(STAFF),
            post(elections_api::paper),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/ballot",
            Roles(MEMBERS),
            post(elections_api::ballot),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/count",
            Roles(CHAIR),
            post(elections_api::count),
        ),
        r(
            g.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/count-input",
            Public,
            get(elections_api::round_count_input),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/shares",
            Roles(MEMBERS),
            post(elections_api::round_share),
        ),
        r(
            p.clone(),
            "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/void",
            Roles(CHAIR),
            post(elections_api::round_void),
        ),
        r(g.clone(), "/api/v1/accounts", Roles(STAFF), get(api::accounts)),
        r(p.clone(), "/api/v1/accounts/bulk", Roles(STAFF), post(api::bulk_accounts)),
    ]
}

/// The route table, for the authorization-matrix test and the docs.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().into_iter().map(|(s, _)| s).collect()
}

/// The whole web service: API ballots on their fast path (`ballots`), every other
/// request through `router`.
pub fn service(app: App, config: WebConfig) -> ballots::Service {
    let (router, web) = build(app, config);
    ballots::Service { router, web }
}

/// Every route, behind the guard.
pub fn router(app: App, config: WebConfig) -> Router {
    build(app, config).0
}

fn build(app: App, config: WebConfig) -> (Router, Web) {
    let mut access: HashMap<&'static str, Vec<(Method, Access)>> = HashMap::new();
    let mut by_path: Vec<(&'static str, Handler)> = Vec::new();
    for (spec, handler) in routes() {
        access.entry(spec.path).or_default().push((spec.method.clone(), spec.access));
        match by_path.iter_mut().find(|(p, _)| *p == spec.path) {
            Some((_, h)) => *h = std::mem::take(h).merge(handler),
            None => by_path.push((spec.path, handler)),
        }
    }
    let web = Web(Arc::new(WebInner {
        app,
        config,
        metrics: metrics::Metrics::default(),
        credentials: auth::CredentialCache::default(),
        rendered: cache::RenderCache::default(),
        hall_attempts: hall_code::Attempts::default(),
        access,
    }));
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    let router = router
        .route_layer(middleware::from_fn_with_state(web.clone(), guard))
        .fallback(not_found)
        .with_state(web.clone());
    (router, web)
}

impl WebInner {
    /// The access rule of a route pattern for a method; `None` (refuse) if it has none.
    fn access_rule(&self, path: &str, method: &Method) -> Option<Access> {
        self.access.get(path).and_then(|rules| rules.iter().find(|(m, _)| m == method)).map(|(_, a)| *a)
    }

    /// The methods a route pattern takes, for an `Allow` header; `None` if it takes none.
    fn allowed_methods(&self, path: &str) -> Option<HeaderValue> {
        let rules = self.access.get(path).filter(|r| !r.is_empty())?;
        let mut methods: Vec<&str> = rules.iter().map(|(m, _)| m.as_str()).collect();
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        HeaderValue::from_str(&methods.join(", ")).ok()
    }
}

/// Serves until Ctrl-C.
pub async fn serve(app: App, config: WebConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // A make-service shares one router among connections instead of one per connection.
    axum::serve(listener, axum::ServiceExt::into_make_service(service(app, config)))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    // A failure to install the handler means we just run until killed.
    let _ = tokio::signal::ctrl_c().await;
}

async fn not_found(State(web): State<Web>, req: Request) -> Response {
    let lang = request_lang(req.headers());
    let res = if req.uri().path().starts_with("/api/") {
        Failure::not_found("no such endpoint").json().into_response()
    } else {
        PageError(Failure::not_found(lang.t("error.not_found")), lang).into_response()
    };
    web.metrics.counted(&res);
    res
}

/// The language a page is rendered in: the one the request asks for, else Chinese.
fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    asked_lang(headers).unwrap_or(Lang::Zh)
}

/// The language a request asks for, if it does: the language cookie, else an
/// `Accept-Language` that names Chinese or English.
fn asked_lang(headers: &axum::http::HeaderMap) -> Option<Lang> {
    auth::cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)).or_else(|| {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::accepted)
    })
}

/// A request's languages: of its pages (as asked for, else Chinese), and of the API's
/// texts in words (`basis_local`, `rule_text`, titles; as asked for, else English, the
/// API's own).
fn request_langs(headers: &axum::http::HeaderMap) -> (Lang, Lang) {
    let asked = asked_lang(headers);
    (asked.unwrap_or(Lang::Zh), asked.unwrap_or(Lang::En))
}

/// Largest form body accepted (member-list uploads go through the CLI).
const MAX_FORM: usize = 1 << 20;

/// Counts the request for the metrics, and guards it. One middleware for both: each
/// layer costs every request a boxed future and a copy of the route.
async fn guard(State(web): State<Web>, matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    web.metrics.serving(checked(&web, matched, req, next)).await
}

/// Resolves the caller, enforces the route's access rule and CSRF, then runs the
/// handler.
async fn checked(web: &Web, matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let (lang, api_lang) = request_langs(req.headers());
    let is_api = req.uri().path().starts_with("/api/");
    let fail = |f: Failure| f.respond(is_api, lang);
    let Some(path) = matched.as_ref().map(MatchedPath::as_str) else {
        return fail(Failure::not_found(lang.t("error.not_found")));
    };
    let method = if req.method() == Method::HEAD { Method::GET } else { req.method().clone() };
    let Some(access) = web.access_rule(path, &method) else {
        // A route that takes other methods: 405, naming them (RFC 9110, 15.5.6).
        if let Some(allow) = web.allowed_methods(path) {
            let f = Failure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                lang.t("error.method_not_allowed"),
            );
            let mut res = fail(f);
            res.headers_mut().insert(header::ALLOW, allow);
            return res;
        }
        // Fail closed: a route without an access rule is never served.
        return fail(Failure::forbidden().with_message(lang.t("error.forbidden")));
    };

    let Identity { account, role, by_token, session_csrf } = match identify(web, req.headers(), &fail).await {
        Ok(who) => who,
        Err(res) => return res,
    };
    let headers = req.headers();

    // The CSRF token: the session's, else the visitor's cookie, else a new one.
    let cookie_csrf = auth::cookie(headers, CSRF_COOKIE);
    let (csrf, new_csrf) = match session_csrf.clone().or(cookie_csrf.clone()) {
        Some(t) => (t, false),
        // API clients with a token post no forms: no CSRF cookie for them.
        None if by_token || is_api => (String::new(), false),
        None => match auth::random_token() {
            Ok(t) => (t, true),
            Err(e) => return fail(Failure::internal(e.to_string())),
        },
    };
    let title = auth::title(&web.app, role, account.as_ref().and_then(|a| a.assembly.as_deref()));
    let caller = Caller { account, role, lang, api_lang, csrf: csrf.clone(), by_token, title };

    if !access.allows(role) {
        return refuse(role, is_api, lang, req.uri().path_and_query().map_or("/", |p| p.as_str()));
    }

    // A first login with a one-time password goes to the password form first.
    if let Some(a) = &caller.account {
        if a.must_change_password
            && !by_token
            && !matches!(path, "/account/password" | "/logout" | "/static/{file}")
        {
            return Redirect::to("/account/password").into_response();
        }
    }

    let mut req = req;
    let unsafe_method = !matches!(method, Method::GET | Method::OPTIONS);
    // Cookie-authenticated state changes, and every form post, must prove they
    // come from our own page: the token in a form field or header must match. An
    // API call with no cookie carries no ambient authority and needs none.
    if unsafe_method && !by_token && (session_csrf.is_some() || !is_api) {
        let expected = session_csrf.or(cookie_csrf);
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
            Ok(b) => b,
            Err(_) => return fail(Failure::too_large()),
        };
        let presented = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| form_field(&bytes, "csrf"));
        let ok = matches!((&expected, &presented), (Some(e), Some(p)) if constant_eq(e, p));
        if !ok {
            return fail(Failure::new(StatusCode::FORBIDDEN, "csrf", lang.t("error.csrf")));
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    req.extensions_mut().insert(caller);
    let mut res = next.run(req).await;
    if error::may_be_rejection(res.status()) {
        res = error::rejection_as_failure(res, is_api, lang).await;
    }
    if new_csrf {
        let c = auth::set_cookie(CSRF_COOKIE, &csrf, None, web.config.secure_cookies);
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Who is calling, by the request's API token or session cookie.
struct Identity {
    account: Option<Arc<plenum_journal::Account>>,
    role: Role,
    by_token: bool,
    /// The session's CSRF token (cookie sessions only).
    session_csrf: Option<String>,
}

/// Resolves the caller from the `Authorization: Bearer` header, else the session
/// cookie. A bearer token that resolves to nothing is refused outright; a stale
/// cookie makes a visitor.
async fn identify(
    web: &Web,
    headers: &axum::http::HeaderMap,
    fail: &impl Fn(Failure) -> Response,
) -> Result<Identity, Response> {
    let now = auth::now_micros();
    let mut account = None;
    let mut by_token = false;
    let mut session_csrf = None;
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        match resolve(web, auth::token_hash(bearer.trim()), true, now).await {
            Ok(Some((a, _))) => account = Some(a),
            Ok(None) => return Err(Failure::unauthorized().json().into_response()),
            Err(e) => return Err(fail(e)),
        }
        by_token = true;
    } else if let Some(token) = auth::cookie(headers, SESSION_COOKIE) {
        match resolve(web, auth::token_hash(&token), false, now).await {
            Ok(Some((a, csrf))) => {
                session_csrf = csrf;
                account = Some(a);
            }
            Ok(None) => {}
            Err(e) => return Err(fail(e)),
        }
    }
    let account = account.filter(|a| !a.disabled);
    let role = account.as_ref().and_then(|a| Role::parse(&a.role)).unwrap_or(Role::Public);
    let account = account.filter(|_| role != Role::Public);
    Ok(Identity { account, role, by_token, session_csrf })
}

/// The answer to a caller whom the route's access rule does not admit: a visitor's
/// page goes to the login form, an anonymous API call is unauthorized, anyone else
/// is forbidden.
fn refuse(role: Role, is_api: bool, lang: Lang, path_and_query: &str) -> Response {
    if role == Role::Public && !is_api {
        Redirect::to(&format!("/login?next={}", urlencode(path_and_query))).into_response()
    } else if role == Role::Public {
        Failure::unauthorized().json().into_response()
    } else {
        Failure::forbidden().with_message(lang.t("error.forbidden")).respond(is_api, lang)
    }
}

/// The account behind an API token (`bearer`) or a session cookie, through the
/// credential cache.
async fn resolve(web: &Web, hash: [u8; 32], bearer: bool, now: i64) -> Result<auth::Resolved, Failure> {
    let found = web.credentials.lookup(&hash, now);
    if found.read_epoch {
        // Read in the background: this request goes on with what is trusted now.
        let web = web.clone();
        tokio::spawn(async move {
            let read = web.app.journal().auth_epoch().await;
            if let Err(e) = &read {
                tracing::warn!("reading the auth epoch failed: {e}");
            }
            web.credentials.epoch_read(read.ok());
        });
    }
    if let Some(hit) = found.hit {
        return Ok(hit);
    }
    let generation = web.credentials.generation();
    let journal = web.app.journal();
    let (account_id, csrf, expires_at) = if bearer {
        match journal.api_token(&hash, now).await? {
            Some(t) => (t.account_id, None, t.expires_at),
            None => return Ok(None),
        }
    } else {
        match journal.session(&hash, now).await? {
            Some(s) => (s.account_id, Some(s.csrf_token), Some(s.expires_at)),
            None => return Ok(None),
        }
    };
    let resolved = journal.account(account_id).await?.map(|a| (Arc::new(a), csrf));
    if resolved.is_some() {
        web.credentials.put(hash, resolved.clone(), expires_at, generation);
    }
    Ok(resolved)
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_owned())
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
