//! Server-rendered pages. Every form works without JavaScript; `live.js` only
//! refreshes fragments when the live stream says something changed.

use crate::Web;
use crate::auth::{self, Caller, LANG_COOKIE, Role, SESSION_COOKIE, STAFF};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::plenary::{assembly_id, load};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use plenum_domain::{
    Assembly, AssemblyId, Command, Gender, ItemState, Member, MemberId, MemberStatus, Post, SessionKey,
};
use plenum_journal::{AuthStore, SessionRecord};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

/// What every page's frame needs.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user: Option<String>,
    pub role_label: &'static str,
    pub staff: bool,
    pub csrf: String,
    /// The current path, URL-encoded, for the language switch to come back to.
    pub back: String,
    /// Assembly whose live stream the page follows.
    pub live: Option<String>,
    /// The page may seal a secret ballot on the device (`static/seal.js`).
    pub seal: bool,
}

impl Chrome {
    pub fn new(c: &Caller, title: impl Into<String>, path: &str) -> Self {
        Chrome {
            lang: c.lang,
            title: title.into(),
            user: c.account.as_ref().map(|a| a.display_name.clone()),
            role_label: c.lang.t(c.title),
            staff: c.is(STAFF),
            csrf: c.csrf.clone(),
            back: crate::urlencode(path),
            live: None,
            seal: false,
        }
    }
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

type PageResult = Result<Response, PageError>;

/// A fragment that is the same for every caller, rendered once per `version` of what
/// it shows (see `cache.rs`).
pub(crate) fn cached(
    web: &Web,
    key: String,
    version: u64,
    render: impl FnOnce() -> askama::Result<String>,
    lang: Lang,
) -> Result<Arc<str>, PageError> {
    web.rendered
        .get_or_render(key, version, render)
        .map_err(|e| PageError(Failure::internal(e.to_string()), lang))
}

pub(crate) fn render(t: &impl Template, lang: Lang) -> PageResult {
    t.render().map(|h| Html(h).into_response()).map_err(|e| PageError(Failure::internal(e.to_string()), lang))
}

fn fail(c: &Caller) -> impl Fn(Failure) -> PageError + '_ {
    move |f| PageError(f, c.lang)
}

pub fn gender_label(g: Gender, lang: Lang) -> &'static str {
    lang.t(match g {
        Gender::Female => "gender.female",
        Gender::Male => "gender.male",
        Gender::Unspecified => "gender.unspecified",
    })
}

pub fn status_key(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "active",
        MemberStatus::OnLeave => "on_leave",
        MemberStatus::Resigned => "resigned",
        MemberStatus::Recalled => "recalled",
        MemberStatus::Deceased => "deceased",
    }
}

pub fn status_label(s: MemberStatus, lang: Lang) -> &'static str {
    lang.t(match s {
        MemberStatus::Active => "status.active",
        MemberStatus::OnLeave => "status.on_leave",
        MemberStatus::Resigned => "status.resigned",
        MemberStatus::Recalled => "status.recalled",
        MemberStatus::Deceased => "status.deceased",
    })
}

pub fn item_key(s: ItemState) -> &'static str {
    match s {
        ItemState::Pending => "pending",
        ItemState::InProgress => "in_progress",
        ItemState::Done => "done",
        ItemState::Deferred => "deferred",
    }
}

pub fn item_label(s: ItemState, lang: Lang) -> &'static str {
    lang.t(match s {
        ItemState::Pending => "item.pending",
        ItemState::InProgress => "item.in_progress",
        ItemState::Done => "item.done",
        ItemState::Deferred => "item.deferred",
    })
}

pub fn post_label(p: Post, lang: Lang) -> &'static str {
    lang.t(match p {
        Post::PresidiumMember => "post.presidium_member",
        Post::SecretaryGeneral => "post.secretary_general",
        Post::Chair => "post.chair",
        Post::ViceChair => "post.vice_chair",
        Post::SecretariatStaff => "post.secretariat_staff",
    })
}

fn group_name(a: &Assembly, m: &Member, lang: Lang) -> String {
    a.groups.get(&m.group).map_or_else(|| m.group.to_string(), |g| lang.pick(&g.name, &g.name_en).to_owned())
}

// ---- home -------------------------------------------------------------------

pub struct SessionCard {
    pub key: String,
    pub title: String,
    pub current_item: Option<String>,
}

pub struct AssemblyCard {
    pub id: String,
    pub name: String,
    pub seated: usize,
    pub session: Option<SessionCard>,
}

pub struct MeCard {
    pub assembly: String,
    pub assembly_name: String,
    pub id: String,
    pub name: String,
    pub group: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    /// The assemblies' cards, from the render cache.
    assemblies: Arc<str>,
    me: Option<MeCard>,
    officer: bool,
    position: u64,
    plenary: Vec<crate::plenary::LiveCard>,
    elections: Vec<crate::elections::HomeElection>,
}

/// The assemblies on the home page: the same for everybody of one language.
#[derive(Template)]
#[template(path = "home_assemblies.html")]
struct HomeAssemblies {
    lang: Lang,
    assemblies: Vec<AssemblyCard>,
}

impl HomeAssemblies {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

pub fn assembly_cards(web: &Web, lang: Lang) -> Vec<AssemblyCard> {
    web.app.read_all(|p| {
        p.assemblies
            .iter()
            .map(|(id, v)| {
                let a = &v.state;
                AssemblyCard {
                    id: id.to_string(),
                    name: lang.pick(&a.name, &a.name_en).to_owned(),
                    seated: a.seated_members().count(),
                    session: a.current_session().map(|s| SessionCard {
                        key: s.key.to_string(),
                        title: lang.pick(&s.title, &s.title_en).to_owned(),
                        current_item: s
                            .agenda
                            .iter()
                            .find(|i| i.state == ItemState::InProgress)
                            .map(|i| lang.pick(&i.title, &i.title_en).to_owned()),
                    }),
                }
            })
            .collect()
    })
}

pub async fn home(State(web): State<Web>, Extension(c): Extension<Caller>) -> PageResult {
    let me = c.account.as_ref().and_then(|acc| {
        let assembly = AssemblyId::parse(acc.assembly.clone()?).ok()?;
        let member = MemberId::parse(acc.member.clone()?).ok()?;
        web.app.read(&assembly, |a| {
            a.members.get(&member).map(|m| MeCard {
                assembly: assembly.to_string(),
                assembly_name: c.lang.pick(&a.name, &a.name_en).to_owned(),
                id: m.id.to_string(),
                name: m.name.clone(),
                group: group_name(a, m, c.lang),
            })
        })?
    });
    let position = web.app.position();
    let lang = c.lang;
    let assemblies = cached(
        &web,
        format!("home-assemblies|{}", lang.code()),
        position,
        || HomeAssemblies { lang, assemblies: assembly_cards(&web, lang) }.render(),
        lang,
    )?;
    let page = |c: &Caller| HomePage {
        chrome: Chrome::new(
            c,
            c.lang.t(if c.account.is_some() { "home.dashboard" } else { "home.public_title" }),
            "/",
        ),
        assemblies,
        me,
        officer: c.role == Role::Officer,
        position,
        plenary: crate::plenary::dashboard(&web, c),
        elections: crate::elections::home(&web, c),
    };
    if c.account.is_some() {
        return render(&page(&c), c.lang);
    }
    // The public portal is the same for every visitor: rendered once per journal
    // position (what it shows is never older than that position), for a caller
    // with no token of their own.
    let html = cached(
        &web,
        format!("home|{}", c.lang.code()),
        position,
        || page(&Caller::public(c.lang)).render(),
        c.lang,
    )?;
    Ok(Html(html.to_string()).into_response())
}

// ---- login, logout, password, language -----------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<&'static str>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn login_form(Extension(c): Extension<Caller>, Query(q): Query<NextQuery>) -> PageResult {
    let page = LoginPage {
        chrome: Chrome::new(&c, c.lang.t("login.title"), "/login"),
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    };
    render(&page, c.lang)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Outcome of checking a username and password.
pub enum LoginOutcome {
    Ok(plenum_journal::Account),
    Wrong,
    Locked,
}

/// Checks credentials with back-off: after five failures in a row the account
/// locks for 1, 2, 4 ... minutes (at most an hour).
pub async fn check_login(web: &Web, username: &str, password: &str) -> Result<LoginOutcome, Failure> {
    let journal = web.app.journal();
    let username = username.trim().to_lowercase();
    let now = auth::now_micros();
    let Some(acc) = journal.account_by_username(&username).await? else {
        // Same work as for a real account, so timing tells nothing.
        let _ = auth::verify_password(password, auth::dummy_hash());
        web.metrics.logins_failed.fetch_add(1, Relaxed);
        return Ok(LoginOutcome::Wrong);
    };
    if acc.disabled {
        return Ok(LoginOutcome::Wrong);
    }
    if acc.is_locked(now) {
        return Ok(LoginOutcome::Locked);
    }
    let hash = acc.password_hash.clone();
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .map_err(|e| Failure::internal(e.to_string()))?;
    if ok {
        journal.record_successful_login(acc.id).await?;
        Ok(LoginOutcome::Ok(acc))
    } else {
        web.metrics.logins_failed.fetch_add(1, Relaxed);
        let until = auth::lockout_minutes(acc.failed_logins + 1).map(|m| now + m * 60_000_000);
        journal.record_failed_login(acc.id, until).await?;
        Ok(if until.is_some() { LoginOutcome::Locked } else { LoginOutcome::Wrong })
    }
}

pub async fn login(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let next = safe_next(f.next.as_deref());
    let outcome = check_login(&web, &f.username, &f.password).await.map_err(fail(&c))?;
    let acc = match outcome {
        LoginOutcome::Ok(acc) => acc,
        LoginOutcome::Wrong | LoginOutcome::Locked => {
            let key = if matches!(outcome, LoginOutcome::Locked) { "login.locked" } else { "login.failed" };
            let page = LoginPage {
                chrome: Chrome::new(&c, c.lang.t("login.title"), "/login"),
                error: Some(c.lang.t(key)),
                next,
                username: f.username,
            };
            let mut res = render(&page, c.lang)?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(res);
        }
    };
    let cookie = open_session(&web, acc.id).await.map_err(fail(&c))?;
    let target = if acc.must_change_password { "/account/password".to_owned() } else { next };
    let mut res = Redirect::to(&target).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn logout(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    if let Some(token) = auth::cookie(&headers, SESSION_COOKIE) {
        web.app
            .journal()
            .delete_session(&auth::token_hash(&token))
            .await
            .map_err(|e| PageError(e.into(), c.lang))?;
        web.credentials.clear();
    }
    let mut res = Redirect::to("/").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&auth::set_cookie(SESSION_COOKIE, "", Some(0), web.config.secure_cookies))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    must_change: bool,
    error: Option<&'static str>,
    done: bool,
}

pub async fn password_form(Extension(c): Extension<Caller>) -> PageResult {
    let page = PasswordPage {
        must_change: c.account.as_ref().is_some_and(|a| a.must_change_password),
        chrome: Chrome::new(&c, c.lang.t("password.title"), "/account/password"),
        error: None,
        done: false,
    };
    render(&page, c.lang)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// Why a password change was refused: a translation key.
pub async fn set_new_password(
    web: &Web,
    c: &Caller,
    current: &str,
    new: &str,
    keep_session: Option<[u8; 32]>,
) -> Result<Result<(), &'static str>, Failure> {
    let Some(acc) = &c.account else { return Err(Failure::unauthorized()) };
    if new.chars().count() < 10 {
        return Ok(Err("password.too_short"));
    }
    let (hash, cur, new_pw) = (acc.password_hash.clone(), current.to_owned(), new.to_owned());
    let hashed = tokio::task::spawn_blocking(move || {
        if auth::verify_password(&cur, &hash) {
            auth::hash_password(&new_pw, false).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| Failure::internal(e.to_string()))?
    .map_err(Failure::internal)?;
    let Some(hashed) = hashed else { return Ok(Err("password.wrong")) };
    let journal = web.app.journal();
    journal.set_password(acc.id, &hashed, false).await?;
    // Sessions opened elsewhere with the old password end; the caller's goes on.
    let keep = match &keep_session {
        Some(hash) => journal.session(hash, auth::now_micros()).await?,
        None => None,
    };
    journal.delete_sessions_of(acc.id).await?;
    if let Some(session) = keep {
        journal.create_session(session).await?;
    }
    web.credentials.clear();
    Ok(Ok(()))
}

pub async fn change_password(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let result = if f.new != f.repeat {
        Err("password.mismatch")
    } else {
        let current = auth::cookie(&headers, SESSION_COOKIE).map(|t| auth::token_hash(&t));
        set_new_password(&web, &c, &f.current, &f.new, current).await.map_err(fail(&c))?
    };
    let page = PasswordPage {
        must_change: result.is_err() && c.account.as_ref().is_some_and(|a| a.must_change_password),
        chrome: Chrome::new(&c, c.lang.t("password.title"), "/account/password"),
        error: result.err().map(|k| c.lang.t(k)),
        done: result.is_ok(),
    };
    let mut res = render(&page, c.lang)?;
    if page.error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Opens a login session; returns the `Set-Cookie` value that carries it.
async fn open_session(web: &Web, account_id: i64) -> Result<String, Failure> {
    let token = auth::random_token().map_err(|e| Failure::internal(e.to_string()))?;
    let csrf = auth::random_token().map_err(|e| Failure::internal(e.to_string()))?;
    let now = auth::now_micros();
    web.app
        .journal()
        .create_session(SessionRecord {
            token_hash: auth::token_hash(&token).to_vec(),
            account_id,
            csrf_token: csrf,
            created_at: now,
            expires_at: now + auth::SESSION_HOURS * 3_600_000_000,
        })
        .await?;
    web.credentials.clear();
    Ok(auth::set_cookie(SESSION_COOKIE, &token, Some(auth::SESSION_HOURS * 3600), web.config.secure_cookies))
}

#[derive(Deserialize)]
pub struct BackQuery {
    back: Option<String>,
}

pub async fn switch_language(
    State(web): State<Web>,
    Path(code): Path<String>,
    Query(q): Query<BackQuery>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::Zh);
    let mut res = Redirect::to(&safe_next(q.back.as_deref())).into_response();
    let cookie = auth::set_cookie(LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), web.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

// ---- assembly, members ------------------------------------------------------------

pub struct Named {
    pub id: String,
    pub name: String,
    pub seated: usize,
    pub selected: bool,
}

pub struct SessionRow {
    pub key: String,
    pub title: String,
    pub opens_on: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "assembly.html")]
struct AssemblyPage {
    chrome: Chrome,
    a: AssemblyCard,
    terms: Vec<String>,
    sessions: Vec<SessionRow>,
    groups: Vec<Named>,
}

pub(crate) fn card(id: &AssemblyId, a: &Assembly, lang: Lang) -> AssemblyCard {
    AssemblyCard {
        id: id.to_string(),
        name: lang.pick(&a.name, &a.name_en).to_owned(),
        seated: a.seated_members().count(),
        session: None,
    }
}

pub fn groups(a: &Assembly, lang: Lang, selected: Option<&str>) -> Vec<Named> {
    a.groups
        .values()
        .map(|g| Named {
            id: g.id.to_string(),
            name: lang.pick(&g.name, &g.name_en).to_owned(),
            seated: a.members_of(&g.id).filter(|m| m.status.holds_mandate()).count(),
            selected: selected == Some(g.id.as_str()),
        })
        .collect()
}

pub async fn assembly(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let id = assembly_id(&id, c.lang)?;
    let a = load(&web, &id, c.lang)?;
    let lang = c.lang;
    let page = AssemblyPage {
        chrome: Chrome::new(&c, lang.pick(&a.name, &a.name_en), &format!("/assemblies/{id}")),
        terms: a
            .terms
            .values()
            .map(|t| {
                format!(
                    "{} ({})",
                    lang.t("assembly.term_n").replace("{n}", &t.number.to_string()),
                    t.starts_on
                )
            })
            .collect(),
        sessions: a
            .sessions
            .values()
            .map(|s| SessionRow {
                key: s.key.to_string(),
                title: lang.pick(&s.title, &s.title_en).to_owned(),
                opens_on: s.opens_on.to_string(),
                state: lang.t(if s.closed { "assembly.closed" } else { "assembly.in_session" }),
            })
            .collect(),
        groups: groups(&a, lang, None),
        a: card(&id, &a, lang),
    };
    render(&page, lang)
}

#[derive(Deserialize, Default)]
pub struct MemberQuery {
    pub group: Option<String>,
    pub q: Option<String>,
}

/// Whether `m` matches a search: part of the name, the start of the pinyin, or the
/// pinyin initials ("wjg" for wang jian guo).
pub fn matches_search(m: &Member, q: &str) -> bool {
    let q = q.trim();
    if q.is_empty() {
        return true;
    }
    if m.name.contains(q) {
        return true;
    }
    let ql = q.to_lowercase().replace(' ', "");
    let compact: String = m.pinyin.split_whitespace().collect();
    let initials: String = m.pinyin.split_whitespace().filter_map(|s| s.chars().next()).collect();
    !ql.is_empty() && (compact.starts_with(&ql) || initials.starts_with(&ql))
}

pub fn filter_members<'a>(a: &'a Assembly, q: &'a MemberQuery) -> impl Iterator<Item = &'a Member> + 'a {
    a.members.values().filter(move |m| {
        q.group.as_deref().is_none_or(|g| g.is_empty() || m.group.as_str() == g)
            && q.q.as_deref().is_none_or(|s| matches_search(m, s))
    })
}

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub group: String,
    pub occupation: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    a: AssemblyCard,
    groups: Vec<Named>,
    q: String,
    /// The list itself, from the render cache.
    list: Arc<str>,
}

/// The member list below the filters: the same for every caller of one language,
/// so it is rendered once per version of the assembly.
#[derive(Template)]
#[template(path = "members_list.html")]
struct MembersList {
    lang: Lang,
    id: String,
    count: String,
    rows: Vec<MemberRow>,
}

impl MembersList {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }
}

pub async fn members(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<MemberQuery>,
) -> PageResult {
    let id = assembly_id(&id, c.lang)?;
    let a = load(&web, &id, c.lang)?;
    let lang = c.lang;
    let key = format!(
        "members|{id}|{}|{}|{}",
        lang.code(),
        q.group.as_deref().unwrap_or_default(),
        q.q.as_deref().unwrap_or_default()
    );
    let list = cached(
        &web,
        key,
        a.version,
        || {
            let rows: Vec<MemberRow> = filter_members(&a, &q)
                .map(|m| MemberRow {
                    id: m.id.to_string(),
                    name: m.name.clone(),
                    group: group_name(&a, m, lang),
                    occupation: m.occupation.clone(),
                    status: status_label(m.status, lang),
                    status_class: status_key(m.status),
                })
                .collect();
            let count = lang.t("members.count").replace("{n}", &rows.len().to_string());
            MembersList { lang, id: id.to_string(), count, rows }.render()
        },
        lang,
    )?;
    let page = MembersPage {
        chrome: Chrome::new(&c, lang.t("members.title"), &format!("/assemblies/{id}/members")),
        groups: groups(&a, lang, q.group.as_deref()),
        q: q.q.clone().unwrap_or_default(),
        list,
        a: card(&id, &a, lang),
    };
    render(&page, lang)
}

pub struct MemberView {
    pub name: String,
    pub pinyin: String,
    pub group: String,
    pub gender: &'static str,
    pub ethnicity: String,
    pub birth_year: Option<u16>,
    pub occupation: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub posts: String,
    pub phone: Option<String>,
    pub biography: Option<String>,
    pub history: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    chrome: Chrome,
    a: AssemblyCard,
    m: MemberView,
}

/// Whether the caller is this member (their own account).
pub fn is_self(c: &Caller, assembly: &AssemblyId, member: &MemberId) -> bool {
    c.account.as_ref().is_some_and(|a| {
        a.assembly.as_deref() == Some(assembly.as_str()) && a.member.as_deref() == Some(member.as_str())
    })
}

pub async fn member(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, member)): Path<(String, String)>,
) -> PageResult {
    let id = assembly_id(&id, c.lang)?;
    let a = load(&web, &id, c.lang)?;
    let lang = c.lang;
    let mid = MemberId::parse(member)
        .map_err(|_| PageError(Failure::not_found(lang.t("error.not_found")), lang))?;
    let m =
        a.members.get(&mid).ok_or_else(|| PageError(Failure::not_found(lang.t("error.not_found")), lang))?;
    // Contact details and birth year are for the secretariat and the member only.
    let private = c.is(STAFF) || is_self(&c, &id, &mid);
    let mut posts: Vec<&'static str> =
        a.posts.iter().filter(|p| p.member == mid).map(|p| post_label(p.post, lang)).collect();
    posts.dedup();
    let view = MemberView {
        name: m.name.clone(),
        pinyin: m.pinyin.clone(),
        group: group_name(&a, m, lang),
        gender: gender_label(m.gender, lang),
        ethnicity: m.ethnicity.clone(),
        birth_year: if private { m.birth_year } else { None },
        occupation: m.occupation.clone(),
        status: status_label(m.status, lang),
        status_class: status_key(m.status),
        posts: posts.join("、"),
        phone: if private { m.phone.clone() } else { None },
        biography: m.biography.clone(),
        history: m
            .history
            .iter()
            .map(|h| (h.on.to_string(), status_label(h.status, lang), h.reason.clone()))
            .collect(),
    };
    let page = MemberPage {
        chrome: Chrome::new(&c, m.name.clone(), &format!("/assemblies/{id}/members/{mid}")),
        a: card(&id, &a, lang),
        m: view,
    };
    render(&page, lang)
}

// ---- agenda -------------------------------------------------------------------------

pub struct ItemRow {
    pub number: u32,
    pub title: String,
    pub state: &'static str,
    pub state_class: &'static str,
    /// (target state, button label)
    pub moves: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    chrome: Chrome,
    a: AssemblyCard,
    session_key: String,
    session_title: String,
    adopted: bool,
    can_move: bool,
    items: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "agenda_partial.html")]
struct AgendaPartial {
    chrome: Chrome,
    a: AssemblyCard,
    session_key: String,
    adopted: bool,
    can_move: bool,
    items: Vec<ItemRow>,
}

#[derive(Deserialize)]
pub struct PartialQuery {
    partial: Option<u8>,
}

pub fn parse_state(s: &str) -> Option<ItemState> {
    match s {
        "pending" => Some(ItemState::Pending),
        "in_progress" => Some(ItemState::InProgress),
        "done" => Some(ItemState::Done),
        "deferred" => Some(ItemState::Deferred),
        _ => None,
    }
}

fn moves(from: ItemState, lang: Lang) -> Vec<(&'static str, &'static str)> {
    [
        (ItemState::InProgress, "agenda.start"),
        (ItemState::Done, "agenda.finish"),
        (ItemState::Deferred, "agenda.defer"),
        (ItemState::Pending, "agenda.resume"),
    ]
    .into_iter()
    .filter(|(to, _)| from.can_move_to(*to))
    .map(|(to, key)| (item_key(to), lang.t(key)))
    .collect()
}

pub async fn agenda(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Query(pq): Query<PartialQuery>,
) -> PageResult {
    let id = assembly_id(&id, c.lang)?;
    let a = load(&web, &id, c.lang)?;
    let lang = c.lang;
    let key = SessionKey::parse(&session)
        .map_err(|_| PageError(Failure::not_found(lang.t("error.not_found")), lang))?;
    let s =
        a.sessions.get(&key).ok_or_else(|| PageError(Failure::not_found(lang.t("error.not_found")), lang))?;
    let can_move = c.serves(id.as_str()) && s.agenda_adopted && !s.closed;
    let items: Vec<ItemRow> = s
        .agenda
        .iter()
        .map(|it| ItemRow {
            number: it.number,
            title: lang.pick(&it.title, &it.title_en).to_owned(),
            state: item_label(it.state, lang),
            state_class: item_key(it.state),
            moves: moves(it.state, lang),
        })
        .collect();
    let path = format!("/assemblies/{id}/sessions/{key}/agenda");
    let mut chrome = Chrome::new(&c, lang.t("agenda.title"), &path);
    chrome.live = Some(id.to_string());
    if pq.partial == Some(1) {
        let page = AgendaPartial {
            chrome,
            a: card(&id, &a, lang),
            session_key: key.to_string(),
            adopted: s.agenda_adopted,
            can_move,
            items,
        };
        return render(&page, lang);
    }
    let page = AgendaPage {
        chrome,
        a: card(&id, &a, lang),
        session_key: key.to_string(),
        session_title: lang.pick(&s.title, &s.title_en).to_owned(),
        adopted: s.agenda_adopted,
        can_move,
        items,
    };
    render(&page, lang)
}

#[derive(Deserialize)]
pub struct MoveForm {
    to: String,
}

pub async fn move_item(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session, item)): Path<(String, String, u32)>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, c.lang)?;
    let key = SessionKey::parse(&session)
        .map_err(|e| PageError(Failure::bad_request(e.to_string()).field("session"), lang))?;
    let to = parse_state(&f.to)
        .ok_or_else(|| PageError(Failure::bad_request("unknown state").field("to"), lang))?;
    if !c.serves(id.as_str()) {
        return Err(PageError(Failure::forbidden().with_message(lang.t("error.forbidden")), lang));
    }
    web.app
        .execute(&id, &c.actor(), Command::MoveAgendaItem { session: key, item, to }, None)
        .await
        .map_err(|e| PageError(e.into(), lang))?;
    Ok(Redirect::to(&format!("/assemblies/{id}/sessions/{key}/agenda")).into_response())
}

// ---- accounts ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    assemblies: Vec<(String, String)>,
    rows: Vec<(String, String, &'static str)>,
}

pub async fn accounts(State(web): State<Web>, Extension(c): Extension<Caller>) -> PageResult {
    let lang = c.lang;
    let list = web.app.journal().accounts().await.map_err(|e| PageError(e.into(), lang))?;
    let page = AccountsPage {
        chrome: Chrome::new(&c, lang.t("accounts.title"), "/accounts"),
        assemblies: web.app.read_all(|p| {
            p.assemblies
                .iter()
                .map(|(id, v)| (id.to_string(), lang.pick(&v.state.name, &v.state.name_en).to_owned()))
                .collect()
        }),
        rows: list
            .into_iter()
            .map(|a| (a.username, a.display_name, Role::parse(&a.role).unwrap_or(Role::Public).label(lang)))
            .collect(),
    };
    render(&page, lang)
}

#[derive(Deserialize)]
pub struct BulkForm {
    assembly: String,
}

/// One issued one-time password.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedLogin {
    pub username: String,
    pub display_name: String,
    pub group: String,
    pub password: String,
}

/// Creates accounts for every seated member without one; returns their one-time
/// passwords (never stored, only their hashes).
pub async fn issue_member_accounts(web: &Web, assembly: &AssemblyId) -> Result<Vec<IssuedLogin>, Failure> {
    let a = web
        .app
        .assembly(assembly)
        .ok_or_else(|| Failure::not_found(format!("no assembly {assembly}")).field("assembly"))?;
    let role = match a.kind {
        Some(plenum_domain::BodyKind::CppccCommittee) => Role::CppccMember,
        _ => Role::Deputy,
    };
    let journal = web.app.journal();
    let existing: std::collections::HashSet<(Option<String>, Option<String>)> =
        journal.accounts().await?.into_iter().map(|acc| (acc.assembly, acc.member)).collect();
    let mut issued = Vec::new();
    let mut new = Vec::new();
    for m in a.seated_members() {
        if existing.contains(&(Some(assembly.to_string()), Some(m.id.to_string()))) {
            continue;
        }
        let password = auth::random_password(12).map_err(|e| Failure::internal(e.to_string()))?;
        let username = format!("{}.{}", assembly, m.id);
        issued.push(IssuedLogin {
            username: username.clone(),
            display_name: m.name.clone(),
            group: group_name(&a, m, Lang::Zh),
            password: password.clone(),
        });
        new.push((username, m.name.clone(), m.id.to_string(), password));
    }
    let assembly_s = assembly.to_string();
    let role_s = role.as_str().to_owned();
    let accounts = tokio::task::spawn_blocking(move || {
        new.into_iter()
            .map(|(username, display_name, member, password)| {
                Ok(plenum_journal::NewAccount {
                    username,
                    display_name,
                    role: role_s.clone(),
                    assembly: Some(assembly_s.clone()),
                    member: Some(member),
                    password_hash: auth::hash_password(&password, true)?,
                    must_change_password: true,
                })
            })
            .collect::<Result<Vec<_>, String>>()
    })
    .await
    .map_err(|e| Failure::internal(e.to_string()))?
    .map_err(Failure::internal)?;
    journal.create_accounts(accounts).await?;
    Ok(issued)
}

/// CSV of issued logins, UTF-8 with a BOM so that spreadsheet programs read the
/// Chinese names right.
pub fn logins_csv(issued: &[IssuedLogin]) -> String {
    let mut s = String::from("\u{feff}username,name,group,initial_password\n");
    for l in issued {
        let q = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
        s.push_str(&format!(
            "{},{},{},{}\n",
            q(&l.username),
            q(&l.display_name),
            q(&l.group),
            q(&l.password)
        ));
    }
    s
}

pub async fn bulk_accounts(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Form(f): Form<BulkForm>,
) -> PageResult {
    let lang = c.lang;
    let id = AssemblyId::parse(f.assembly)
        .map_err(|e| PageError(Failure::bad_request(e.to_string()).field("assembly"), lang))?;
    let issued = issue_member_accounts(&web, &id).await.map_err(|e| PageError(e, lang))?;
    if issued.is_empty() {
        return Err(PageError(
            Failure::new(StatusCode::CONFLICT, "nothing_to_do", lang.t("accounts.none_created")),
            lang,
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"plenum-logins-{id}.csv\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        logins_csv(&issued),
    )
        .into_response())
}

// ---- static files ---------------------------------------------------------------------

/// The icon, where a browser looks for one by itself.
pub async fn favicon() -> Response {
    static_file(Path("icon.svg".to_owned())).await
}

/// The voter's side of a secret vote, built to WebAssembly by `build.rs` (empty when
/// the build machine lacks the WebAssembly target: the pages then seal on the server).
pub const SEAL_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/seal.wasm"));

pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ty): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (include_bytes!("../static/app.css"), "text/css; charset=utf-8"),
        "live.js" => (include_bytes!("../static/live.js"), "text/javascript; charset=utf-8"),
        "seal.js" => (include_bytes!("../static/seal.js"), "text/javascript; charset=utf-8"),
        "seal.wasm" if !SEAL_WASM.is_empty() => (SEAL_WASM, "application/wasm"),
        "icon.svg" => (include_bytes!("../static/icon.svg"), "image/svg+xml"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
