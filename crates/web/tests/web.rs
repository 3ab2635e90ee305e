//! The web server end to end over real HTTP, on SQLite and PostgreSQL alike: the
//! real router on a port of its own, the demo data and demo logins, and a plain HTTP
//! client that keeps its cookies by hand (so a test can replay an old cookie or
//! read a cookie's flags).
//!
//! The authorization matrix below is written out by hand on purpose: a route added
//! to `plenum_web::route_specs()` without an entry here fails the suite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plenum_app::App;
use plenum_domain::{AssemblyId, GroupId, MemberId};
use plenum_journal::{AnyJournal, AuthStore, DatabaseUrl, Journal};
use plenum_testkit::TestDb;
use plenum_web::WebConfig;
use plenum_web::auth::Role;
use plenum_web::demo::DEMO_PASSWORD;
use plenum_web::i18n::Lang;
use reqwest::header::{
    ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[path = "web/election_tellers.rs"]
mod election_tellers;
#[path = "web/elections.rs"]
mod elections;
#[path = "web/plenary.rs"]
mod plenary;
#[path = "web/tellers.rs"]
mod tellers;

const CONGRESS: &str = "taiyuan-rd-15";
const CPPCC: &str = "taiyuan-zx-14";
const AGENDA: &str = "/api/v1/assemblies/taiyuan-rd-15/sessions/15-1/agenda";

// ---- the server and a client -------------------------------------------------------

struct Server {
    base: String,
    app: App,
    http: reqwest::Client,
    /// The database, held by the server that created it.
    db: Option<TestDb>,
}

impl Server {
    /// A fresh journal with the demo data and demo logins, served on a free port.
    async fn start(db: TestDb) -> Server {
        let mut s = Server::serve(&db.url, true).await;
        s.db = Some(db);
        s
    }

    /// A second server on the database of `self`, as another process would be.
    async fn beside(&self) -> Server {
        Server::serve(&self.db.as_ref().expect("a server that holds its database").url, false).await
    }

    async fn serve(url: &str, seed: bool) -> Server {
        let journal = AnyJournal::open(&DatabaseUrl::new(url.to_owned())).await.unwrap();
        let (app, _) = App::start(journal).await.unwrap();
        if seed {
            plenum_app::seed_demo(&app).await.unwrap();
            plenum_web::demo::seed_accounts(&app).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = plenum_web::service(app.clone(), WebConfig::default());
        tokio::spawn(async move {
            axum::serve(listener, axum::ServiceExt::into_make_service(service)).await.unwrap()
        });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Server { base: format!("http://{addr}"), app, http, db: None }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A visitor with no cookies.
    fn browser(&self) -> Browser<'_> {
        Browser { s: self, cookies: BTreeMap::new(), csrf: None, lang: None, bearer: None }
    }

    /// A program holding an API token (and no cookies).
    fn api(&self, token: &str) -> Browser<'_> {
        Browser { bearer: Some(token.to_owned()), ..self.browser() }
    }

    /// Logs in through the API and returns the bearer token.
    async fn token(&self, username: &str, password: &str) -> String {
        let r = self
            .browser()
            .post_json("/api/v1/tokens", &json!({"username": username, "password": password}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "token for {username}: {}", r.body);
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// A browser logged in with a demo login.
    async fn logged_in(&self, username: &str) -> Browser<'_> {
        let mut b = self.browser();
        let r = b.login(username, DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {username}: {}", r.body);
        b
    }

    fn congress(&self) -> AssemblyId {
        AssemblyId::parse(CONGRESS).unwrap()
    }
}

/// An answer, read whole (except an event stream, whose body is left unread).
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn content_type(&self) -> &str {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The `Set-Cookie` header for `name`, whole.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A client with a cookie jar of its own, or a bearer token.
struct Browser<'a> {
    s: &'a Server,
    cookies: BTreeMap<String, String>,
    /// The CSRF token of the last form seen.
    csrf: Option<String>,
    lang: Option<&'static str>,
    bearer: Option<String>,
}

fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = html.find(marker).unwrap_or_else(|| panic!("no csrf field in {html}")) + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

impl Browser<'_> {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.s.http.request(method, self.s.url(path));
        if !self.cookies.is_empty() {
            let c: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            rb = rb.header(COOKIE, c.join("; "));
        }
        if let Some(l) = self.lang {
            rb = rb.header(ACCEPT_LANGUAGE, l);
        }
        if let Some(t) = &self.bearer {
            rb = rb.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        rb
    }

    async fn send(&mut self, rb: reqwest::RequestBuilder, keep_cookies: bool) -> Reply {
        let res = rb.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        if keep_cookies {
            for v in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
                let (k, val) = v.split(';').next().unwrap().split_once('=').unwrap();
                if val.is_empty() || v.split(';').any(|a| a.trim() == "Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), val.to_owned());
                }
            }
        }
        let stream =
            headers.get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let body = if stream { String::new() } else { res.text().await.unwrap() };
        Reply { status, headers, body }
    }

    async fn get(&mut self, path: &str) -> Reply {
        let rb = self.request(Method::GET, path);
        self.send(rb, true).await
    }

    /// A form post carrying the CSRF token of the last form seen.
    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_form_with(path, fields, true, true).await
    }

    async fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: bool,
        keep_cookies: bool,
    ) -> Reply {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        if csrf {
            form.push(("csrf", &token));
        }
        let rb = self.request(Method::POST, path).form(&form);
        self.send(rb, keep_cookies).await
    }

    /// A JSON post; a cookie session sends its CSRF token in `X-CSRF-Token`.
    async fn post_json(&mut self, path: &str, body: &Value) -> Reply {
        let mut rb = self.request(Method::POST, path).json(body);
        if let (Some(t), None) = (&self.csrf, &self.bearer) {
            rb = rb.header("x-csrf-token", t);
        }
        self.send(rb, true).await
    }

    /// A POST of a raw body with the given content type (no CSRF header).
    async fn post_raw(&mut self, path: &str, content_type: &str, body: &str) -> Reply {
        let rb = self.request(Method::POST, path).header("content-type", content_type).body(body.to_owned());
        self.send(rb, true).await
    }

    async fn post_json_no_csrf(&mut self, path: &str, body: &Value) -> Reply {
        let rb = self.request(Method::POST, path).json(body);
        self.send(rb, true).await
    }

    /// Reads the CSRF token from a form, as a browser page would carry it.
    async fn refresh_csrf(&mut self) {
        let path = if self.cookies.contains_key("plenum_session") { "/account/password" } else { "/login" };
        let r = self.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
        self.csrf = Some(hidden_csrf(&r.body));
    }

    /// Logs in through the login form.
    async fn login(&mut self, username: &str, password: &str) -> Reply {
        self.refresh_csrf().await;
        let r = self.post_form("/login", &[("username", username), ("password", password)]).await;
        if r.set_cookie("plenum_session").is_some() {
            self.refresh_csrf().await;
        }
        r
    }
}

// ---- 1. the authorization matrix ---------------------------------------------------------

const ALL: &[&str] = &["admin", "secretariat", "presidium", "deputy", "cppcc_member", "officer", "public"];
const USERS: &[&str] = &["admin", "secretariat", "presidium", "deputy", "cppcc_member", "officer"];
const STAFF: &[&str] = &["admin", "secretariat"];
const CHAIR: &[&str] = &["admin", "secretariat", "presidium"];
const MEMBERS: &[&str] = &["presidium", "deputy", "cppcc_member"];
const ATTENDEES: &[&str] = &["admin", "secretariat", "presidium", "deputy", "cppcc_member"];

/// Every route and who may use it, as the product is meant to be.
const MATRIX: &[(&str, &str, &[&str])] = &[
    ("GET", "/", ALL),
    ("GET", "/login", ALL),
    ("POST", "/login", ALL),
    ("POST", "/logout", USERS),
    ("GET", "/account/password", USERS),
    ("POST", "/account/password", USERS),
    ("GET", "/lang/{code}", ALL),
    ("GET", "/assemblies/{id}", ALL),
    ("GET", "/assemblies/{id}/members", ALL),
    ("GET", "/assemblies/{id}/members/{member}", ALL),
    ("GET", "/assemblies/{id}/sessions/{session}/agenda", ALL),
    ("POST", "/assemblies/{id}/sessions/{session}/agenda/{item}", CHAIR),
    ("GET", "/assemblies/{id}/meetings", ALL),
    ("GET", "/assemblies/{id}/meetings/{meeting}", ALL),
    ("GET", "/assemblies/{id}/meetings/{meeting}/check-in", ATTENDEES),
    ("POST", "/assemblies/{id}/meetings/{meeting}/check-in", ATTENDEES),
    ("POST", "/assemblies/{id}/meetings/{meeting}/check-in/bulk", STAFF),
    ("GET", "/assemblies/{id}/meetings/{meeting}/hall-code", STAFF),
    ("POST", "/assemblies/{id}/meetings/{meeting}/hall-code", STAFF),
    ("POST", "/assemblies/{id}/meetings/{meeting}/leave", STAFF),
    ("POST", "/assemblies/{id}/meetings/{meeting}/opinions", ATTENDEES),
    ("POST", "/assemblies/{id}/meetings/{meeting}/polls", STAFF),
    ("GET", "/assemblies/{id}/polls", ALL),
    ("GET", "/assemblies/{id}/polls/{poll}", ALL),
    ("POST", "/assemblies/{id}/polls/{poll}/vote", MEMBERS),
    ("POST", "/assemblies/{id}/polls/{poll}/totals", STAFF),
    ("POST", "/assemblies/{id}/polls/{poll}/confirm", CHAIR),
    ("POST", "/assemblies/{id}/polls/{poll}/close", CHAIR),
    ("GET", "/assemblies/{id}/sessions/{session}/tellers", ALL),
    ("POST", "/assemblies/{id}/sessions/{session}/tellers", CHAIR),
    ("POST", "/assemblies/{id}/sessions/{session}/tellers/key", MEMBERS),
    ("GET", "/assemblies/{id}/polls/{poll}/count-input.json", ALL),
    ("GET", "/assemblies/{id}/polls/{poll}/fingerprints.txt", ALL),
    ("POST", "/assemblies/{id}/polls/{poll}/shares", MEMBERS),
    ("POST", "/assemblies/{id}/polls/{poll}/void", CHAIR),
    ("GET", "/assemblies/{id}/polls/{poll}/report.csv", ALL),
    ("GET", "/assemblies/{id}/polls/{poll}/report.pdf", ALL),
    ("GET", "/assemblies/{id}/sessions/{session}/opinions", ALL),
    ("GET", "/assemblies/{id}/sessions/{session}/opinions.csv", STAFF),
    ("GET", "/assemblies/{id}/sessions/{session}/opinions.pdf", STAFF),
    ("GET", "/assemblies/{id}/projector", ALL),
    ("GET", "/assemblies/{id}/elections", ALL),
    ("POST", "/assemblies/{id}/elections", CHAIR),
    ("GET", "/assemblies/{id}/elections/{election}", ALL),
    ("POST", "/assemblies/{id}/elections/{election}/nominations", CHAIR),
    ("POST", "/assemblies/{id}/elections/{election}/withdraw", CHAIR),
    ("POST", "/assemblies/{id}/elections/{election}/fix", CHAIR),
    ("POST", "/assemblies/{id}/elections/{election}/preliminary", CHAIR),
    ("POST", "/assemblies/{id}/elections/{election}/rounds", CHAIR),
    ("POST", "/assemblies/{id}/elections/{election}/count", CHAIR),
    ("GET", "/assemblies/{id}/elections/{election}/paper", STAFF),
    ("POST", "/assemblies/{id}/elections/{election}/paper", STAFF),
    ("GET", "/assemblies/{id}/elections/{election}/ballot", MEMBERS),
    ("POST", "/assemblies/{id}/elections/{election}/ballot", MEMBERS),
    ("GET", "/assemblies/{id}/elections/{election}/rounds/{round}/count-input.json", ALL),
    ("GET", "/assemblies/{id}/elections/{election}/rounds/{round}/fingerprints.txt", ALL),
    ("POST", "/assemblies/{id}/elections/{election}/rounds/{round}/shares", MEMBERS),
    ("POST", "/assemblies/{id}/elections/{election}/rounds/{round}/void", CHAIR),
    ("GET", "/assemblies/{id}/elections/{election}/report.csv", ALL),
    ("GET", "/assemblies/{id}/elections/{election}/report.pdf", ALL),
    ("GET", "/accounts", STAFF),
    ("POST", "/accounts/bulk", STAFF),
    ("GET", "/assemblies/{id}/live", ALL),
    ("GET", "/healthz", ALL),
    ("GET", "/metrics", STAFF),
    ("GET", "/static/{file}", ALL),
    ("GET", "/favicon.ico", ALL),
    ("GET", "/api/openapi.json", ALL),
    ("POST", "/api/v1/tokens", ALL),
    ("POST", "/api/v1/tokens/revoke", USERS),
    ("GET", "/api/v1/me", USERS),
    ("POST", "/api/v1/me/password", USERS),
    ("GET", "/api/v1/assemblies", ALL),
    ("GET", "/api/v1/assemblies/{id}", ALL),
    ("GET", "/api/v1/assemblies/{id}/members", ALL),
    ("GET", "/api/v1/assemblies/{id}/members/{member}", ALL),
    ("GET", "/api/v1/assemblies/{id}/sessions/{session}/agenda", ALL),
    ("POST", "/api/v1/assemblies/{id}/sessions/{session}/agenda/{item}", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/commands", STAFF),
    ("GET", "/api/v1/assemblies/{id}/meetings", ALL),
    ("GET", "/api/v1/assemblies/{id}/meetings/{meeting}/attendance", ALL),
    ("POST", "/api/v1/assemblies/{id}/meetings/{meeting}/check-in", ATTENDEES),
    ("POST", "/api/v1/assemblies/{id}/meetings/{meeting}/check-in/bulk", STAFF),
    ("GET", "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code", STAFF),
    ("POST", "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code", STAFF),
    ("POST", "/api/v1/assemblies/{id}/meetings/{meeting}/leave", STAFF),
    ("GET", "/api/v1/assemblies/{id}/meetings/{meeting}/opinions", ALL),
    ("POST", "/api/v1/assemblies/{id}/meetings/{meeting}/opinions", ATTENDEES),
    ("GET", "/api/v1/assemblies/{id}/sessions/{session}/opinions", ALL),
    ("GET", "/api/v1/assemblies/{id}/polls", ALL),
    ("POST", "/api/v1/assemblies/{id}/polls", STAFF),
    ("GET", "/api/v1/assemblies/{id}/polls/{poll}", ALL),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/vote", MEMBERS),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/totals", STAFF),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/confirm", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/close", CHAIR),
    ("GET", "/api/v1/assemblies/{id}/sessions/{session}/tellers", ALL),
    ("POST", "/api/v1/assemblies/{id}/sessions/{session}/tellers", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/sessions/{session}/tellers/key", MEMBERS),
    ("GET", "/api/v1/assemblies/{id}/polls/{poll}/count-input", ALL),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/shares", MEMBERS),
    ("POST", "/api/v1/assemblies/{id}/polls/{poll}/void", CHAIR),
    ("GET", "/api/v1/assemblies/{id}/elections", ALL),
    ("POST", "/api/v1/assemblies/{id}/elections", CHAIR),
    ("GET", "/api/v1/assemblies/{id}/elections/{election}", ALL),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/nominations", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/withdraw", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/fix", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/preliminary", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/rounds", CHAIR),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/paper", STAFF),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/ballot", MEMBERS),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/count", CHAIR),
    ("GET", "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/count-input", ALL),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/shares", MEMBERS),
    ("POST", "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/void", CHAIR),
    ("GET", "/api/v1/accounts", STAFF),
    ("POST", "/api/v1/accounts/bulk", STAFF),
];

/// Routes that change the caller's own credentials: each role runs them last, in
/// this order.
const LAST: &[(&str, &str)] = &[
    ("POST", "/account/password"),
    ("POST", "/api/v1/me/password"),
    ("POST", "/api/v1/tokens/revoke"),
    ("POST", "/logout"),
];

fn username(role: &str) -> &'static str {
    match role {
        "admin" => "admin",
        "secretariat" => "secretariat",
        "presidium" => "presidium",
        // The public tries its luck with a deputy's login.
        "deputy" | "public" => "deputy",
        "cppcc_member" => "cppcc",
        "officer" => "officer",
        other => panic!("no demo login for {other}"),
    }
}

/// The path with real demo values for its parameters.
fn fill(pattern: &str) -> String {
    let mut p = pattern.to_owned();
    for (k, v) in [
        ("{id}", CONGRESS),
        ("{member}", "d-0001"),
        ("{session}", "15-1"),
        ("{item}", "1"),
        ("{file}", "app.css"),
        ("{code}", "en"),
        ("{meeting}", "rd15-1-plenary-2"),
        ("{poll}", "3"),
        ("{election}", "1"),
        ("{round}", "1"),
    ] {
        p = p.replace(k, v);
    }
    assert!(!p.contains('{'), "no demo value for a parameter of {pattern}: add one to `fill`");
    p
}

/// Sends a plausible request for the route. Passwords changed along the way are
/// remembered in `passwords`.
async fn call(
    b: &mut Browser<'_>,
    passwords: &mut BTreeMap<&'static str, String>,
    role: &str,
    method: &str,
    pattern: &str,
) -> Reply {
    let path = fill(pattern);
    let user = username(role);
    let current = passwords[user].clone();
    let next = format!("{current}+");
    match (method, pattern) {
        ("GET", _) => b.get(&path).await,
        // A successful login here would turn this client into someone else: its
        // cookies are not kept.
        ("POST", "/login") => {
            b.post_form_with(&path, &[("username", user), ("password", &current)], true, false).await
        }
        ("POST", "/logout") => b.post_form(&path, &[]).await,
        ("POST", "/account/password") => {
            let r = b.post_form(&path, &[("current", &current), ("new", &next), ("repeat", &next)]).await;
            if r.status == StatusCode::OK {
                passwords.insert(user, next);
            }
            r
        }
        ("POST", "/assemblies/{id}/sessions/{session}/agenda/{item}") => {
            b.post_form(&path, &[("to", "in_progress")]).await
        }
        ("POST", "/accounts/bulk") => b.post_form(&path, &[("assembly", CONGRESS)]).await,
        ("POST", "/api/v1/tokens") => {
            b.post_json(&path, &json!({"username": user, "password": current, "label": "matrix"})).await
        }
        ("POST", "/api/v1/tokens/revoke") => b.post_json(&path, &json!({})).await,
        ("POST", "/api/v1/me/password") => {
            let r = b.post_json(&path, &json!({"current": current, "new": next})).await;
            if r.status == StatusCode::NO_CONTENT {
                passwords.insert(user, next);
            }
            r
        }
        ("POST", "/api/v1/assemblies/{id}/sessions/{session}/agenda/{item}") => {
            b.post_json(&path, &json!({"to": "in_progress"})).await
        }
        ("POST", "/api/v1/assemblies/{id}/commands") => {
            let cmd = json!({"command": "amend_member_profile", "member": "d-0001", "changes": {"phone": "13900000001"}});
            b.post_json(&path, &json!({"command": cmd})).await
        }
        ("POST", "/api/v1/accounts/bulk") => b.post_json(&path, &json!({"assembly": CONGRESS})).await,
        (m, p) if plenary::handles(m, p) => plenary::matrix_request(b, p, &path).await,
        (m, p) if elections::handles(m, p) => elections::matrix_request(b, p, &path).await,
        (m, p) if tellers::handles(m, p) => tellers::matrix_request(b, p, &path).await,
        (m, p) if election_tellers::handles(m, p) => election_tellers::matrix_request(b, p, &path).await,
        _ => panic!("the matrix has no request for {method} {pattern}: add one to `call`"),
    }
}

/// What is wrong with the answer, if anything.
fn judge(who: &str, method: &str, pattern: &str, allowed: bool, r: &Reply) -> Option<String> {
    let api = pattern.starts_with("/api/");
    let to_login = r.status.is_redirection() && r.location().starts_with("/login");
    let code = || {
        let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
        v["code"].as_str().unwrap_or("").to_owned()
    };
    let ok = if allowed {
        r.status != StatusCode::UNAUTHORIZED
            && r.status != StatusCode::FORBIDDEN
            && !to_login
            && !r.status.is_server_error()
    } else if who == "public" {
        if api {
            r.status == StatusCode::UNAUTHORIZED && code() == "unauthorized"
        } else {
            r.status == StatusCode::SEE_OTHER && r.location() == format!("/login?next={}", fill(pattern))
        }
    } else {
        r.status == StatusCode::FORBIDDEN && (!api || code() == "forbidden")
    };
    (!ok).then(|| {
        let body: String = r.body.chars().take(200).collect();
        let want = if allowed { "allowed" } else { "denied" };
        format!("{who}: {method} {pattern} should be {want}, got {} {} {body}", r.status, r.location())
    })
}

async fn authorization_matrix(db: TestDb) {
    let s = Server::start(db).await;
    let specs = plenum_web::route_specs();

    // The table and the server agree on which routes exist.
    let key = |m: &str, p: &str| format!("{m} {p}");
    let served: Vec<String> = specs.iter().map(|r| key(r.method.as_str(), r.path)).collect();
    let listed: Vec<String> = MATRIX.iter().map(|(m, p, _)| key(m, p)).collect();
    let missing: Vec<&String> = served.iter().filter(|r| !listed.contains(r)).collect();
    assert!(missing.is_empty(), "routes without an entry in the test's authorization matrix: {missing:?}");
    let stale: Vec<&String> = listed.iter().filter(|r| !served.contains(r)).collect();
    assert!(stale.is_empty(), "matrix entries the server does not have: {stale:?}");
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), listed.len(), "the matrix lists a route twice");
    // And on who may use them, as declared ...
    for spec in &specs {
        let (_, _, roles) =
            MATRIX.iter().find(|(m, p, _)| *m == spec.method.as_str() && *p == spec.path).unwrap();
        for role in Role::ALL {
            assert_eq!(
                spec.access.allows(role),
                roles.contains(&role.as_str()),
                "{} {} for {}: declared {:?}",
                spec.method,
                spec.path,
                role.as_str(),
                spec.access
            );
        }
    }

    // ... and as served: every route, every role, by cookie and (for the API) by token.
    let mut order: Vec<&(&str, &str, &[&str])> =
        MATRIX.iter().filter(|(m, p, _)| !LAST.contains(&(*m, *p))).collect();
    order.extend(LAST.iter().map(|l| MATRIX.iter().find(|(m, p, _)| (*m, *p) == *l).unwrap()));
    let mut passwords: BTreeMap<&'static str, String> =
        ALL.iter().map(|r| (username(r), DEMO_PASSWORD.to_owned())).collect();
    let mut failures = Vec::new();
    let mut requests = 0;
    for role in ["public", "admin", "secretariat", "presidium", "deputy", "cppcc_member", "officer"] {
        let mut cookie = s.browser();
        let mut token = None;
        if role == "public" {
            cookie.refresh_csrf().await;
        } else {
            let r = cookie.login(username(role), DEMO_PASSWORD).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{role} logs in: {}", r.body);
            token = Some(s.api(&s.token(username(role), DEMO_PASSWORD).await));
        }
        // A password change through a token ends every login session, so the token's
        // turn at the credential routes comes after the cookie has logged out.
        let mut deferred = Vec::new();
        for (method, pattern, roles) in &order {
            let allowed = roles.contains(&role);
            let r = call(&mut cookie, &mut passwords, role, method, pattern).await;
            failures.extend(judge(role, method, pattern, allowed, &r));
            requests += 1;
            if pattern.starts_with("/api/") && LAST.contains(&(*method, *pattern)) {
                deferred.push((*method, *pattern, allowed));
            } else if let Some(t) = token.as_mut().filter(|_| pattern.starts_with("/api/")) {
                let r = call(t, &mut passwords, role, method, pattern).await;
                failures.extend(judge(&format!("{role} (token)"), method, pattern, allowed, &r));
                requests += 1;
            }
        }
        if let Some(t) = token.as_mut() {
            for (method, pattern, allowed) in deferred {
                let r = call(t, &mut passwords, role, method, pattern).await;
                failures.extend(judge(&format!("{role} (token)"), method, pattern, allowed, &r));
                requests += 1;
            }
        }
        if let Some(mut t) = token {
            // Logged out and revoked: neither the cookie nor the token works any more.
            assert_eq!(
                cookie.get("/api/v1/me").await.status,
                StatusCode::UNAUTHORIZED,
                "{role}: cookie after logout"
            );
            assert_eq!(
                t.get("/api/v1/me").await.status,
                StatusCode::UNAUTHORIZED,
                "{role}: token after revoke"
            );
            assert_ne!(passwords[username(role)], DEMO_PASSWORD, "{role} changed the password");
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {requests} answers are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(requests > ALL.len() * MATRIX.len());
}

// ---- 2. login, lockout, logout -----------------------------------------------------------

async fn login_lockout_and_logout(db: TestDb) {
    let s = Server::start(db).await;

    // A wrong password: 401, the login page again with the error, no session.
    let mut b = s.browser();
    let r = b.login("deputy", "not-the-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(Lang::Zh.t("login.failed")), "{}", r.body);
    assert!(r.body.contains("value=\"deputy\""), "the username is kept");
    assert!(r.set_cookie("plenum_session").is_none());
    let r = b.login("nobody-at-all", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The right one: a session cookie, HttpOnly and SameSite=Strict, and back to `next`.
    b.refresh_csrf().await;
    let r = b
        .post_form(
            "/login",
            &[("username", "Deputy"), ("password", DEMO_PASSWORD), ("next", "/assemblies/taiyuan-rd-15")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/assemblies/taiyuan-rd-15");
    let cookie = r.set_cookie("plenum_session").expect("a session cookie");
    let flags: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(
        flags.contains(&"HttpOnly") && flags.contains(&"SameSite=Strict") && flags.contains(&"Path=/"),
        "{cookie}"
    );
    assert!(flags[0].len() > "plenum_session=".len() + 32, "{cookie}");
    b.refresh_csrf().await;
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.json()["username"], "deputy");
    let home = b.get("/").await;
    assert!(home.body.contains(Lang::Zh.t("home.dashboard")));
    // Only local paths are followed after a login.
    let mut other = s.browser();
    other.refresh_csrf().await;
    let r = other
        .post_form(
            "/login",
            &[("username", "officer"), ("password", DEMO_PASSWORD), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(r.location(), "/");

    // Logout deletes the session: the old cookie no longer works.
    let old = b.cookies.clone();
    let r = b.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    assert!(r.set_cookie("plenum_session").unwrap().contains("Max-Age=0"));
    assert!(!b.cookies.contains_key("plenum_session"));
    let mut replay = s.browser();
    replay.cookies = old;
    assert_eq!(replay.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    let r = replay.get("/account/password").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login?next=/account/password"));
    assert!(!replay.get("/").await.body.contains(Lang::Zh.t("home.dashboard")));

    // Five wrong passwords lock the account: even the right one is refused then.
    let mut b = s.browser();
    for n in 1..=5 {
        let r = b.login("presidium", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let key = if n < 5 { "login.failed" } else { "login.locked" };
        assert!(r.body.contains(Lang::Zh.t(key)), "attempt {n}: {}", r.body);
    }
    let r = b.login("presidium", DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains(Lang::Zh.t("login.locked")), "{}", r.body);
    assert!(r.set_cookie("plenum_session").is_none());
    let r = s
        .browser()
        .post_json("/api/v1/tokens", &json!({"username": "presidium", "password": DEMO_PASSWORD}))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["code"], "locked");
    // In English too; and other accounts are not affected.
    let mut en = s.browser();
    en.lang = Some("en");
    assert!(en.login("presidium", DEMO_PASSWORD).await.body.contains("the account is locked"));
    let r =
        s.browser().post_json("/api/v1/tokens", &json!({"username": "deputy", "password": "wrong"})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("login_failed")));
    s.token("deputy", DEMO_PASSWORD).await;
}

// ---- 3. CSRF -----------------------------------------------------------------------------

async fn csrf_is_required_of_cookie_sessions(db: TestDb) {
    let s = Server::start(db).await;
    let mut b = s.logged_in("presidium").await;
    let page = "/assemblies/taiyuan-rd-15/sessions/15-1/agenda/2";
    let api = format!("{AGENDA}/2");

    // A form post without the token, or with the visitor's cookie token: refused.
    let r = b.post_form_with(page, &[("to", "done")], false, true).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(Lang::Zh.t("error.csrf")), "{}", r.body);
    let visitor = b.cookies.get("plenum_csrf").cloned().expect("the visitor's CSRF cookie");
    assert_ne!(Some(&visitor), b.csrf.as_ref());
    let r = b.post_form_with(page, &[("to", "done"), ("csrf", &visitor)], false, true).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The API with the session cookie: the same, answered in JSON.
    let r = b.post_json_no_csrf(&api, &json!({"to": "done"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf");
    let rb =
        b.request(Method::POST, &api).json(&json!({"to": "done"})).header("x-csrf-token", "0".repeat(64));
    let r = b.send(rb, true).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));
    let agenda = s.browser().get(AGENDA).await.json();
    assert_eq!(agenda["items"][1]["state"], "in_progress", "nothing moved");

    // With the token: the form works ...
    let r = b.post_form(page, &[("to", "done")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/assemblies/taiyuan-rd-15/sessions/15-1/agenda");
    // ... and so does the API, with the token in a header.
    let r = b.post_json(&format!("{AGENDA}/3"), &json!({"to": "in_progress"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A bearer token carries no ambient authority and needs no CSRF token.
    let mut t = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let r = t.post_json_no_csrf(&format!("{AGENDA}/3"), &json!({"to": "done"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let states: Vec<Value> = s.browser().get(AGENDA).await.json()["items"].as_array().unwrap()[..3]
        .iter()
        .map(|i| i["state"].clone())
        .collect();
    assert_eq!(states, ["done", "done", "done"]);

    // The login form itself needs the visitor's token.
    let mut v = s.browser();
    v.refresh_csrf().await;
    let r =
        v.post_form_with("/login", &[("username", "deputy"), ("password", DEMO_PASSWORD)], false, true).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        v.post_form("/login", &[("username", "deputy"), ("password", DEMO_PASSWORD)])
            .await
            .status
            .is_redirection()
    );
}

// ---- 4. bulk accounts and the first password -----------------------------------------------

/// A CSV row, with quoted fields.
fn csv_row(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

async fn bulk_accounts_must_change_their_password(db: TestDb) {
    let s = Server::start(db).await;
    let mut sec = s.logged_in("secretariat").await;
    let r = sec.post_form("/accounts/bulk", &[("assembly", CONGRESS)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.content_type().starts_with("text/csv"), "{}", r.content_type());
    assert!(r.headers[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    let csv = r.body.strip_prefix('\u{feff}').expect("a BOM");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("username,name,group,initial_password"));
    let rows: Vec<Vec<String>> = lines.map(csv_row).collect();

    // One login for every seated deputy without one (the demo's presidium member
    // and deputy already have theirs).
    let seated: BTreeSet<String> =
        s.app.read(&s.congress(), |a| a.seated_members().map(|m| m.id.to_string()).collect()).unwrap();
    assert_eq!(seated.len(), 438);
    let had: BTreeSet<String> = s
        .app
        .journal()
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.assembly.as_deref() == Some(CONGRESS) && !a.must_change_password)
        .filter_map(|a| a.member)
        .collect();
    assert_eq!(had.len(), 2);
    let issued: BTreeSet<String> = rows
        .iter()
        .map(|r| r[0].strip_prefix("taiyuan-rd-15.").expect("username assembly.member").to_owned())
        .collect();
    assert_eq!(rows.len(), seated.len() - had.len());
    assert_eq!(issued.len(), rows.len());
    assert_eq!(issued.union(&had).cloned().collect::<BTreeSet<_>>(), seated);
    for row in &rows {
        assert_eq!(row.len(), 4, "{row:?}");
        assert!(!row[1].is_empty() && !row[2].is_empty() && row[3].len() == 12, "{row:?}");
    }

    // The first login goes to the password form, and so does every other page.
    let row = &rows[rows.len() / 2];
    let (user, member, initial) = (&row[0], row[0].strip_prefix("taiyuan-rd-15.").unwrap(), &row[3]);
    let mut d = s.browser();
    let r = d.login(user, initial).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/account/password"));
    let form = d.get("/account/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(Lang::Zh.t("password.must_change")));
    for path in [
        "/",
        "/assemblies/taiyuan-rd-15",
        "/login",
        &format!("/assemblies/taiyuan-rd-15/members/{member}"),
        "/api/v1/me",
    ] {
        let r = d.get(path).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/account/password"), "GET {path}");
    }
    // Refusals keep the obligation.
    let r = d
        .post_form("/account/password", &[("current", initial), ("new", "short"), ("repeat", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(Lang::Zh.t("password.too_short")));
    let r = d
        .post_form(
            "/account/password",
            &[("current", "wrong-one-here"), ("new", "a new secret 1"), ("repeat", "a new secret 1")],
        )
        .await;
    assert!(r.body.contains(Lang::Zh.t("password.wrong")));
    let r = d
        .post_form(
            "/account/password",
            &[("current", initial), ("new", "a new secret 1"), ("repeat", "a new secret 2")],
        )
        .await;
    assert!(r.body.contains(Lang::Zh.t("password.mismatch")));
    assert_eq!(d.get("/").await.location(), "/account/password");

    // Changed: the home page now shows the deputy's own profile.
    let r = d
        .post_form(
            "/account/password",
            &[("current", initial), ("new", "a new secret 1"), ("repeat", "a new secret 1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("password.changed")));
    let home = d.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(Lang::Zh.t("home.your_profile")));
    assert!(
        home.body.contains(&format!("href=\"/assemblies/taiyuan-rd-15/members/{member}\">{}</a>", row[1])),
        "{}",
        home.body
    );
    let me = d.get("/api/v1/me").await.json();
    assert_eq!((me["role"].as_str(), me["member"].as_str()), (Some("deputy"), Some(member)));
    assert_eq!(me["must_change_password"], false);
    // The one-time password is spent.
    let r = s.browser().post_json("/api/v1/tokens", &json!({"username": user, "password": initial})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    s.token(user, "a new secret 1").await;

    // Nothing left to create.
    let r = sec.post_form("/accounts/bulk", &[("assembly", CONGRESS)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut api = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = api.post_json("/api/v1/accounts/bulk", &json!({"assembly": CONGRESS})).await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!([])));
    let accounts = api.get("/api/v1/accounts").await.json();
    assert_eq!(accounts.as_array().unwrap().len(), 7 + rows.len(), "the seven demo logins and the new ones");
}

// ---- 5. the JSON API -----------------------------------------------------------------------

fn initials(pinyin: &str) -> String {
    pinyin.split_whitespace().filter_map(|s| s.chars().next()).collect()
}

async fn json_api(db: TestDb) {
    let s = Server::start(db).await;
    let mut public = s.browser();
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut pres = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let mut dep = s.api(&s.token("deputy", DEMO_PASSWORD).await);

    // Tokens and who the caller is.
    let r = public.post_json("/api/v1/tokens", &json!({"username": "secretariat", "password": "nope"})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("login_failed")));
    let me = pres.get("/api/v1/me").await.json();
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some("presidium"), Some("presidium")));
    assert_eq!(me["assembly"], CONGRESS);
    let r = public.get("/api/v1/me").await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let mut forged = s.api("0123456789abcdef");
    assert_eq!(forged.get("/api/v1/assemblies").await.status, StatusCode::UNAUTHORIZED);

    // Assemblies.
    let list = public.get("/api/v1/assemblies").await.json();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [CONGRESS, "taiyuan-translators", CPPCC]);
    assert_eq!(list[0]["seated"], 438);
    assert_eq!(list[0]["current_session"], "15-1");
    let one = public.get("/api/v1/assemblies/taiyuan-rd-15").await.json();
    assert_eq!(one["groups"].as_array().unwrap().len(), 11);
    assert_eq!(one["sessions"][0]["key"], "15-1");
    assert_eq!(one["version"].as_u64(), s.app.read(&s.congress(), |a| a.version));
    let r = public.get("/api/v1/assemblies/no-such-body").await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(public.get("/api/v1/nothing-here").await.json()["code"], "not_found");

    // Members: all, by delegation, by pinyin initials.
    let all = public.get("/api/v1/assemblies/taiyuan-rd-15/members").await.json();
    assert_eq!(all.as_array().unwrap().len(), 440);
    let xiaodian = public.get("/api/v1/assemblies/taiyuan-rd-15/members?group=xiaodian").await.json();
    let xiaodian = xiaodian.as_array().unwrap();
    let expected =
        s.app.read(&s.congress(), |a| a.members_of(&GroupId::parse("xiaodian").unwrap()).count()).unwrap();
    assert!(expected > 0 && expected < 440);
    assert_eq!(xiaodian.len(), expected);
    assert!(xiaodian.iter().all(|m| m["group"] == "xiaodian"));
    let pick = &all[123];
    let (id, pinyin) = (pick["id"].as_str().unwrap(), pick["pinyin"].as_str().unwrap());
    let q = initials(pinyin);
    assert!(q.len() >= 2, "{pinyin}");
    let found = public.get(&format!("/api/v1/assemblies/taiyuan-rd-15/members?q={q}")).await.json();
    let found = found.as_array().unwrap();
    assert!(found.iter().any(|m| m["id"] == id), "{id} ({pinyin}) not found by {q}");
    assert!(found.len() < 440);
    assert!(found.iter().all(|m| initials(m["pinyin"].as_str().unwrap()).starts_with(&q)
        || m["pinyin"].as_str().unwrap().replace(' ', "").starts_with(&q)));
    let compact = pinyin.replace(' ', "");
    let found = public
        .get(&format!(
            "/api/v1/assemblies/taiyuan-rd-15/members?q={compact}&group={}",
            pick["group"].as_str().unwrap()
        ))
        .await
        .json();
    assert!(found.as_array().unwrap().iter().any(|m| m["id"] == id));

    // A profile: phone and birth year for the secretariat and the member only.
    let own = dep.get("/api/v1/me").await.json()["member"].as_str().unwrap().to_owned();
    let (with_phone, phone, born) = s
        .app
        .read(&s.congress(), |a| {
            a.members
                .values()
                .find(|m| m.phone.is_some() && m.birth_year.is_some() && m.id.as_str() != own)
                .map(|m| (m.id.to_string(), m.phone.clone(), m.birth_year))
        })
        .unwrap()
        .expect("a member with a phone");
    let path = format!("/api/v1/assemblies/taiyuan-rd-15/members/{with_phone}");
    for (who, c) in [("public", &mut public), ("deputy", &mut dep)] {
        let m = c.get(&path).await.json();
        assert_eq!(m["id"], with_phone.as_str());
        assert!(m["phone"].is_null() && m["birth_year"].is_null(), "{who} sees {m}");
        assert!(!m["name"].as_str().unwrap().is_empty());
    }
    let m = sec.get(&path).await.json();
    assert_eq!(m["phone"].as_str(), phone.as_deref());
    assert_eq!(m["birth_year"].as_u64(), born.map(u64::from));
    let own_born =
        s.app.read(&s.congress(), |a| a.members[&MemberId::parse(own.clone()).unwrap()].birth_year).unwrap();
    let m = dep.get(&format!("/api/v1/assemblies/taiyuan-rd-15/members/{own}")).await.json();
    assert_eq!(m["birth_year"].as_u64(), own_born.map(u64::from), "a member sees their own birth year");
    assert_eq!(
        public.get("/api/v1/assemblies/taiyuan-rd-15/members/d-9999").await.status,
        StatusCode::NOT_FOUND
    );

    // The agenda, and moving it.
    let agenda = public.get(AGENDA).await.json();
    assert_eq!(agenda["adopted"], true);
    let states: Vec<&str> =
        agenda["items"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        ["done", "in_progress", "pending", "pending", "pending", "pending", "pending", "pending"]
    );
    let r = pres.post_json(&format!("{AGENDA}/2"), &json!({"to": "done", "command_id": "api-move-2"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let receipt = r.json();
    assert_eq!(receipt["replayed"], false);
    let position = receipt["position"].as_u64().unwrap();
    assert_eq!(position, s.app.journal().head().await.unwrap());
    let ev = &s.app.journal().read_all(position - 1, 1).await.unwrap()[0];
    assert_eq!(
        (ev.kind.as_str(), ev.actor.as_str(), ev.stream.as_str()),
        ("AgendaItemMoved", "account:presidium", CONGRESS)
    );
    assert_eq!(public.get(AGENDA).await.json()["items"][1]["state"], "done");
    // A retry with the same id is answered from the first receipt.
    let again = pres
        .post_json(&format!("{AGENDA}/2"), &json!({"to": "done", "command_id": "api-move-2"}))
        .await
        .json();
    assert_eq!((again["replayed"].as_bool(), again["position"].as_u64()), (Some(true), Some(position)));
    // The rules: a finished item does not start again.
    let r = pres.post_json(&format!("{AGENDA}/1"), &json!({"to": "in_progress"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json();
    assert_eq!(
        (e["code"].as_str(), e["rule"].as_str(), e["field"].as_str()),
        (Some("rule_violation"), Some("agenda.transition"), Some("to"))
    );
    assert!(e["message"].as_str().unwrap().contains("agenda item 1"), "{e}");
    let r = pres.post_json(&format!("{AGENDA}/2"), &json!({"to": "sideways"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("to")));
    let r = pres.post_json(&format!("{AGENDA}/99"), &json!({"to": "in_progress"})).await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("agenda.unknown_item"))
    );
    let r = dep.post_json(&format!("{AGENDA}/3"), &json!({"to": "in_progress"})).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    assert_eq!(s.app.journal().head().await.unwrap(), position, "refusals write nothing");

    // Any command, for the secretariat.
    let commands = "/api/v1/assemblies/taiyuan-rd-15/commands";
    let r = sec.post_json(commands, &json!({"command": {"command": "abolish_the_assembly"}})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = r.json();
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("bad_request"), Some("command")));
    let r = sec.post_json(commands, &json!({"command": "amend_member_profile"})).await;
    assert_eq!((r.status, r.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("command")));
    let amend = json!({"command": {"command": "amend_member_profile", "member": "d-0001", "changes": {"phone": "13912345678"}}, "command_id": "api-cmd-1"});
    let first = sec.post_json(commands, &amend).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["replayed"], false);
    let again = sec.post_json(commands, &amend).await.json();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["position"], first["position"]);
    let phone =
        s.app.read(&s.congress(), |a| a.members[&MemberId::parse("d-0001").unwrap()].phone.clone()).unwrap();
    assert_eq!(phone.as_deref(), Some("13912345678"));
    let r = sec
        .post_json(
            commands,
            &json!({"command": {"command": "amend_member_profile", "member": "d-0001", "changes": {}}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["rule"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("profile.no_change"))
    );
    assert_eq!(pres.post_json(commands, &amend).await.status, StatusCode::FORBIDDEN);

    // The OpenAPI document lists every API route.
    let r = public.get("/api/openapi.json").await;
    assert!(r.content_type().starts_with("application/json"));
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    for spec in plenum_web::route_specs().iter().filter(|r| r.path.starts_with("/api/v1")) {
        let method = spec.method.as_str().to_lowercase();
        assert!(
            doc["paths"][spec.path][&method].is_object(),
            "the OpenAPI document lacks {method} {}",
            spec.path
        );
    }
}

// ---- 6. language ----------------------------------------------------------------------------

async fn language(db: TestDb) {
    let s = Server::start(db).await;
    let mut zh = s.browser();
    let r = zh.get("/login").await;
    assert!(r.body.contains("<html lang=\"zh-CN\">") && r.body.contains(Lang::Zh.t("login.title")));
    assert!(!r.body.contains("Log in"));

    // A page address asked with a method it does not take: 405, naming the methods it
    // takes, in the visitor's language.
    let r = zh.get("/assemblies/taiyuan-rd-15/polls/3/vote").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.body);
    assert_eq!(r.headers["allow"], "POST");
    assert!(r.body.contains(Lang::Zh.t("error.method_not_allowed")), "{}", r.body);
    let r = zh.post_form("/login/no-such", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.api("any").get("/api/v1/assemblies/taiyuan-rd-15/polls/3/vote").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    let r = zh.post_form("/assemblies/taiyuan-rd-15/members", &[]).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{}", r.body);
    assert_eq!(r.headers["allow"], "GET, HEAD");

    // An address whose parts are not what the route takes (a poll number that is not
    // a number): a page in the visitor's language, not axum's English text.
    let r = zh.get("/assemblies/taiyuan-rd-15/polls/abc").await;
    assert_eq!((r.status, r.content_type()), (StatusCode::BAD_REQUEST, "text/html; charset=utf-8"));
    assert!(r.body.contains(Lang::Zh.t("error.bad_request")), "{}", r.body);

    // The API's texts in words come in the language asked for, else in English (the
    // API's own); `basis` is English either way.
    let adopted = "/api/v1/assemblies/taiyuan-rd-15/polls/2";
    let mut plain = s.browser();
    let en = plain.get(adopted).await.json();
    let result = &en["result"];
    assert_eq!(result["adopted"], true, "{en}");
    let basis = result["basis"].as_str().unwrap();
    assert!(basis.starts_with("adopted: ") && basis.contains("(OL art. 25)"), "{basis}");
    assert_eq!(result["basis_local"], basis);
    plain.lang = Some("zh-CN,zh;q=0.9");
    let zh = plain.get(adopted).await.json();
    assert_eq!(zh["result"]["basis"], basis, "basis stays English");
    let local = zh["result"]["basis_local"].as_str().unwrap();
    assert!(
        local.starts_with(Lang::Zh.t("plenary.result.adopted")) && local.contains("（OL art. 25）"),
        "{local}"
    );
    assert_ne!(zh["rule_text"], en["rule_text"]);
    // A language Plenum does not speak is not a request for Chinese.
    plain.lang = Some("fr-FR");
    assert_eq!(plain.get(adopted).await.json()["result"]["basis_local"], basis);

    // On the API, the same failures are JSON with a code, routed or on the ballot
    // fast path.
    let mut api = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    let r = api.get("/api/v1/assemblies/taiyuan-rd-15/polls/abc").await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert!(r.json()["message"].as_str().unwrap().contains("abc"), "{}", r.body);
    let vote = "/api/v1/assemblies/taiyuan-rd-15/polls/3/vote";
    let r = api.post_raw(vote, "application/json", r#"{"choice":"#).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    let r = api.post_raw(vote, "application/json", r#"{"choice": 7}"#).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
    );
    assert_eq!(r.json()["field"], "choice", "{}", r.body);
    let r = api.post_raw(vote, "application/json", r#"{"command_id": "k"}"#).await;
    assert_eq!(
        (r.status, &r.json()["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("choice")),
        "{}",
        r.body
    );
    // Not JSON at all: the router's `Json` extractor answers, through the guard.
    let r = api.post_raw(vote, "text/plain", "yes").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type"))
    );
    // Access is checked before the body is read: a deputy may not open a poll at all.
    let polls = "/api/v1/assemblies/taiyuan-rd-15/polls";
    assert_eq!(api.post_raw(polls, "application/json", "[]").await.status, StatusCode::FORBIDDEN);
    let mut staff = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let r = staff.post_raw(polls, "application/json", "[]").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
    );

    // A page the role may not open keeps its own message, not a rule's sentence.
    let mut deputy = s.logged_in("deputy").await;
    let r = deputy.get("/accounts").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("error.forbidden")), "{}", r.body);
    // A refusal with its own rule reads as that rule: a deputy checking in another.
    let r = deputy
        .post_form("/assemblies/taiyuan-rd-15/meetings/rd15-1-plenary-2/check-in", &[("member", "d-0002")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.member.self_only")), "{}", r.body);

    // A rule's refusal on a page that does not translate it itself (an agenda item
    // moved back to pending) is in Chinese too.
    let mut chair = s.logged_in("secretariat").await;
    let r = chair.post_form("/assemblies/taiyuan-rd-15/sessions/15-1/agenda/1", &[("to", "pending")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(Lang::Zh.t("plenary.err.agenda.transition")), "{}", r.body);

    let mut en = s.browser();
    en.lang = Some("en-GB,en;q=0.9,zh;q=0.5");
    let r = en.get("/assemblies/taiyuan-rd-15/polls/abc").await;
    assert!(r.body.contains(Lang::En.t("error.bad_request")), "{}", r.body);
    let r = en.get("/assemblies/taiyuan-rd-15/polls/3/vote").await;
    assert!(r.body.contains(Lang::En.t("error.method_not_allowed")), "{}", r.body);
    let r = en.get("/login").await;
    assert!(r.body.contains("<html lang=\"en\">"), "{}", r.body);
    assert!(r.body.contains("Log in") && r.body.contains("Password"));
    assert!(en.get("/").await.body.contains("Public information"));
    en.lang = Some("zh-CN,zh;q=0.9,en;q=0.8");
    assert!(en.get("/").await.body.contains(Lang::Zh.t("home.public_title")));

    // The switch sets a cookie for a year and goes back where it was.
    let mut b = s.browser();
    let r = b.get("/lang/en?back=/").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"));
    let c = r.set_cookie("plenum_lang").unwrap();
    assert!(c.starts_with("plenum_lang=en;") && c.contains("HttpOnly"), "{c}");
    let home = b.get("/").await;
    assert!(home.body.contains("Public information") && home.body.contains("Log in"), "{}", home.body);
    let members = b.get("/assemblies/taiyuan-rd-15/members").await;
    assert!(members.body.contains("<html lang=\"en\">"));
    // The cookie beats the browser's header.
    let r = b.get("/lang/zh-CN?back=/assemblies/taiyuan-rd-15").await;
    assert_eq!(r.location(), "/assemblies/taiyuan-rd-15");
    b.lang = Some("en");
    let home = b.get("/").await;
    assert!(home.body.contains(Lang::Zh.t("home.public_title")) && !home.body.contains("Public information"));
    // Only local paths to go back to.
    assert_eq!(b.get("/lang/en?back=//evil.example").await.location(), "/");
    // Error pages are translated too.
    let r = b.get("/assemblies/no-such-body").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html lang=\"en\">"), "{}", r.body);
}

// ---- 7. the live stream -----------------------------------------------------------------------

/// A Server-Sent Events stream, read as it comes.
struct Live {
    res: reqwest::Response,
    buf: Vec<u8>,
}

#[derive(Debug)]
struct Sse {
    id: Option<u64>,
    event: String,
    data: Value,
}

impl Live {
    async fn open(s: &Server, last_event_id: Option<u64>) -> Live {
        let mut rb = s.http.get(s.url("/assemblies/taiyuan-rd-15/live"));
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        Live::connect(rb).await
    }

    async fn connect(rb: reqwest::RequestBuilder) -> Live {
        let res = rb.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let ty = res.headers()[CONTENT_TYPE].to_str().unwrap();
        assert!(ty.starts_with("text/event-stream"), "{ty}");
        Live { res, buf: Vec::new() }
    }

    /// The next event, if one comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let block = String::from_utf8(block).unwrap();
                let (mut id, mut event, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if event.is_empty() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(Sse { id, event, data: serde_json::from_str(&data).unwrap() });
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.extend_from_slice(&bytes),
                Ok(Ok(None)) => panic!("the live stream ended"),
                Ok(Err(e)) => panic!("the live stream failed: {e}"),
                Err(_) => return None,
            }
        }
    }
}

/// Positions of the congress's events after `after`, from the journal.
async fn congress_positions(s: &Server, after: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut at = after;
    loop {
        let page = s.app.journal().read_all(at, 1000).await.unwrap();
        let Some(last) = page.last() else { return out };
        at = last.position;
        out.extend(page.iter().filter(|e| e.stream == CONGRESS).map(|e| e.position));
    }
}

async fn live_stream(db: TestDb) {
    let s = Server::start(db).await;
    let mut pres = s.api(&s.token("presidium", DEMO_PASSWORD).await);
    let mut sec = s.api(&s.token("secretariat", DEMO_PASSWORD).await);
    let mut move_item = async |item: u32, to: &str| {
        let r = pres.post_json(&format!("{AGENDA}/{item}"), &json!({"to": to})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["position"].as_u64().unwrap()
    };

    // A move reaches an open stream within a second, with its journal position as id.
    let mut live = Live::open(&s, None).await;
    assert!(live.next(Duration::from_millis(200)).await.is_none(), "a new stream starts at the present");
    let p1 = move_item(2, "done").await;
    let ev = live.next(Duration::from_secs(1)).await.expect("the move within a second");
    assert_eq!((ev.id, ev.event.as_str()), (Some(p1), "AgendaItemMoved"));
    assert_eq!(ev.data["position"], p1);
    assert_eq!(ev.data["type"], "AgendaItemMoved");
    assert_eq!(ev.data["data"]["data"]["item"], 2);
    assert_eq!(ev.data["data"]["data"]["state"], "done");
    drop(live);

    // Three moves while away, and a change in another assembly (whose demo session has
    // no item left to move: a member's profile).
    let p2 = move_item(3, "in_progress").await;
    let cppcc = sec.get("/api/v1/assemblies/taiyuan-zx-14/members").await.json();
    let member = cppcc[0]["id"].as_str().unwrap().to_owned();
    let amend =
        json!({"command": "amend_member_profile", "member": member, "changes": {"phone": "13900000002"}});
    let r = sec.post_json("/api/v1/assemblies/taiyuan-zx-14/commands", &json!({"command": amend})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let other = r.json()["position"].as_u64().unwrap();
    let p3 = move_item(3, "done").await;
    let p4 = move_item(4, "in_progress").await;
    assert!(p1 < p2 && p2 < other && other < p3 && p3 < p4);
    assert_eq!(congress_positions(&s, p1).await, [p2, p3, p4]);

    // Back with the last id seen: exactly what was missed, in order, then live again.
    let mut live = Live::open(&s, Some(p1)).await;
    let mut got = Vec::new();
    while let Some(ev) = live.next(Duration::from_millis(500)).await {
        assert_eq!(ev.event, "AgendaItemMoved");
        got.push(ev.id.unwrap());
    }
    assert_eq!(got, [p2, p3, p4]);
    let p5 = move_item(4, "done").await;
    assert_eq!(live.next(Duration::from_secs(1)).await.unwrap().id, Some(p5));

    // `?after=` does the same for clients that cannot set the header.
    let mut after =
        Live::connect(s.http.get(s.url(&format!("/assemblies/taiyuan-rd-15/live?after={p3}")))).await;
    assert_eq!(after.next(Duration::from_secs(1)).await.unwrap().id, Some(p4));
    assert_eq!(after.next(Duration::from_secs(1)).await.unwrap().id, Some(p5));

    // From the very start: the whole history of the congress, without a gap.
    let expected = congress_positions(&s, 0).await;
    assert!(expected.len() > 500, "{}", expected.len());
    let mut all = Live::open(&s, Some(0)).await;
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let ev = all
            .next(Duration::from_secs(2))
            .await
            .unwrap_or_else(|| panic!("replay stalled after {}", got.len()));
        got.push(ev.id.unwrap());
    }
    assert_eq!(got, expected);
    assert!(all.next(Duration::from_millis(200)).await.is_none());

    let r = s.browser().get("/assemblies/no-such-body/live").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// ---- 8. health and metrics -------------------------------------------------------------------

async fn health_and_metrics(db: TestDb) {
    let s = Server::start(db).await;
    let mut public = s.browser();
    let r = public.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    let head = s.app.journal().head().await.unwrap();
    assert_eq!(r.body.trim(), format!("ok head={head} projected={head}"));

    // Every page names its icon, and the icon is served (a browser asks for one).
    let home = public.get("/").await;
    assert!(home.body.contains(r#"<link rel="icon" href="/static/icon.svg""#), "{}", home.body);
    let icon = public.get("/static/icon.svg").await;
    assert_eq!((icon.status, icon.content_type()), (StatusCode::OK, "image/svg+xml"));
    assert!(icon.body.starts_with("<svg"), "{}", icon.body);
    // Where a browser looks for it by itself, on a page that names none (/metrics).
    let fallback = public.get("/favicon.ico").await;
    assert_eq!((fallback.status, fallback.body), (StatusCode::OK, icon.body));

    let r = public.get("/metrics").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login?next=/metrics"));
    let mut dep = s.logged_in("deputy").await;
    assert_eq!(dep.get("/metrics").await.status, StatusCode::FORBIDDEN);
    let mut t = s.api(&s.token("deputy", DEMO_PASSWORD).await);
    assert_eq!(t.get("/metrics").await.status, StatusCode::FORBIDDEN);

    let mut sec = s.logged_in("secretariat").await;
    public.get("/no-such-page").await;
    let r = sec.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/plain"), "{}", r.content_type());
    let value = |name: &str| -> u64 {
        r.body
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("no {name} in {}", r.body))
            .parse()
            .unwrap()
    };
    assert!(r.body.contains("# TYPE plenum_http_requests_total counter"));
    let requests = value("plenum_http_requests_total");
    assert!(requests >= 10, "{requests}");
    assert!(value("plenum_http_responses_total{class=\"4xx\"}") >= 3);
    assert!(value("plenum_http_responses_total{class=\"3xx\"}") >= 2);
    assert_eq!(value("plenum_projection_position"), head);
    assert_eq!(value("plenum_assemblies"), 3);
    // The write path's timers: the demo's seeding went through them.
    let committed = value("plenum_commands_committed_total");
    let commits = value("plenum_commit_seconds_count");
    assert!(committed >= commits && commits > 0, "{committed} commands in {commits} commits");
    assert!(value("plenum_command_queue_seconds_count") >= committed);
    assert!(value("plenum_projection_seconds_count") > 0);
    let sum = |name: &str| -> f64 {
        r.body.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap()
    };
    assert!(sum("plenum_commit_seconds_sum") > 0.0);
    // Each timer is a histogram: cumulative buckets up to `+Inf`, which is its count.
    for name in ["plenum_command_queue_seconds", "plenum_commit_seconds", "plenum_projection_seconds"] {
        assert!(r.body.contains(&format!("# TYPE {name} histogram")), "{name}");
        let prefix = format!("{name}_bucket{{le=\"");
        let buckets: Vec<(String, u64)> = r
            .body
            .lines()
            .filter_map(|l| {
                let (le, n) = l.strip_prefix(&prefix)?.split_once("\"} ")?;
                Some((le.to_owned(), n.parse().ok()?))
            })
            .collect();
        assert!(buckets.len() >= 2, "{name}: {buckets:?}");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{name} not cumulative: {buckets:?}");
        let bounds: Vec<f64> =
            buckets[..buckets.len() - 1].iter().map(|(le, _)| le.parse().unwrap()).collect();
        assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{name} bounds: {bounds:?}");
        assert!(bounds.contains(&0.02), "{name}: a bucket at the ballot's 20 ms budget: {bounds:?}");
        let last = buckets.last().unwrap();
        assert_eq!((last.0.as_str(), last.1), ("+Inf", value(&format!("{name}_count"))), "{name}");
    }
    let later = sec.get("/metrics").await;
    assert!(later.body.contains(&format!("plenum_http_requests_total {}", requests + 1)), "{}", later.body);
    let voted = t
        .post_json(
            "/api/v1/assemblies/taiyuan-rd-15/polls/3/vote",
            &json!({"choice": "yes", "command_id": "metrics"}),
        )
        .await;
    assert_eq!(voted.status, StatusCode::OK, "{}", voted.body);
    let after = sec.get("/metrics").await;
    let of = |body: &str, name: &str| -> u64 {
        body.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok()).unwrap()
    };
    assert_eq!(of(&after.body, "plenum_commands_committed_total"), committed + 1);
    assert_eq!(of(&after.body, "plenum_commit_seconds_count"), commits + 1);
}

plenum_testkit::both_backends!(
    authorization_matrix,
    login_lockout_and_logout,
    csrf_is_required_of_cookie_sessions,
    bulk_accounts_must_change_their_password,
    json_api,
    language,
    live_stream,
    health_and_metrics,
    revocation_reaches_another_server,
);

/// A token revoked, a session ended or a password changed on one server stops working
/// on another server of the same database within about a second (the auth epoch;
/// `plenum_web::auth::CredentialCache`), although the other server had it cached.
async fn revocation_reaches_another_server(db: TestDb) {
    let a = Server::start(db).await;
    let b = a.beside().await;
    // How long the other server may go on accepting: one epoch period, the read
    // itself, and room for a loaded machine.
    let bound = plenum_web::auth::EPOCH_EVERY + Duration::from_secs(3);
    async fn refused_within(b: &mut Browser<'_>, bound: Duration, what: &str) {
        let from = std::time::Instant::now();
        loop {
            let r = b.get("/api/v1/me").await;
            if r.status == StatusCode::UNAUTHORIZED {
                return;
            }
            assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
            assert!(from.elapsed() < bound, "{what}: still accepted after {:?}", from.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // A token: used on B (so B caches it), revoked on A.
    let token = a.token("deputy", DEMO_PASSWORD).await;
    let mut on_b = b.api(&token);
    for _ in 0..3 {
        assert_eq!(on_b.get("/api/v1/me").await.status, StatusCode::OK);
    }
    assert_eq!(
        a.api(&token).post_json("/api/v1/tokens/revoke", &json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    refused_within(&mut on_b, bound, "a token revoked on the other server").await;

    // A session cookie: used on B, logged out on A.
    let mut on_a = a.logged_in("presidium").await;
    let mut on_b = b.browser();
    on_b.cookies = on_a.cookies.clone();
    for _ in 0..3 {
        assert_eq!(on_b.get("/api/v1/me").await.status, StatusCode::OK);
    }
    let r = on_a.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    refused_within(&mut on_b, bound, "a session ended on the other server").await;

    // What nobody revoked keeps working on both.
    let other = a.token("secretariat", DEMO_PASSWORD).await;
    assert_eq!(b.api(&other).get("/api/v1/me").await.status, StatusCode::OK);
    tokio::time::sleep(plenum_web::auth::EPOCH_EVERY + Duration::from_millis(200)).await;
    assert_eq!(b.api(&other).get("/api/v1/me").await.status, StatusCode::OK);
}
