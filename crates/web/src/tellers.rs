//! Tellers (监票人, EL art. 43) on the web: the presidium names a session's tellers;
//! each teller registers the public key they made on their own device; a secret poll
//! can be encrypted to the tellers' joint key; after its close each teller sends a
//! share of decrypting the sum, computed offline from the poll's count input, and the
//! last share gives the result. Pages and the JSON API both live here.

use crate::Web;
use crate::api::Receipt;
use crate::auth::{CHAIR, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure, PageError};
use crate::i18n::Lang;
use crate::pages::{self, Chrome, card, render};
use crate::plenary::{
    FormData, PageResult, download, not_a_member, own_member, page_error, see_other, session_of,
};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use plenum_app::polls::CountInput;
use plenum_domain::{Assembly, AssemblyId, MemberId, SessionKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One teller of a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TellerView {
    pub member: String,
    pub name: String,
    pub group_name: String,
    /// The published key, once registered.
    pub key: Option<String>,
    /// The key's first 16 hex digits, for tellers to compare with their own.
    pub fingerprint: Option<String>,
}

/// A teller of a poll whose key the tellers hold, and whether their share is in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TellerShareView {
    pub member: String,
    pub name: String,
    /// The first 16 hex digits of the key this teller holds for the poll, for the
    /// teller to compare with their own (`plenum teller check`) before the vote.
    pub fingerprint: String,
    pub sent: bool,
}

fn fingerprint(key: &str) -> String {
    key.chars().take(16).collect()
}

/// The tellers of a session, in order.
pub fn tellers_of(a: &Assembly, session: &SessionKey, lang: Lang) -> Vec<TellerView> {
    let Some(s) = a.sessions.get(session) else { return Vec::new() };
    s.tellers
        .iter()
        .map(|t| {
            let m = a.members.get(&t.member);
            let group_name = m
                .and_then(|m| a.groups.get(&m.group))
                .map(|g| lang.pick(&g.name, &g.name_en).to_owned())
                .unwrap_or_default();
            TellerView {
                member: t.member.to_string(),
                name: m.map(|m| m.name.clone()).unwrap_or_else(|| t.member.to_string()),
                group_name,
                key: t.key.clone(),
                fingerprint: t.key.as_deref().map(fingerprint),
            }
        })
        .collect()
}

/// The tellers who hold a vote's key (a poll's or a round's), with the fingerprint of
/// the key each holds for it and whether their share is in; empty unless they hold it.
pub fn holders(
    a: &Assembly,
    public_key: Option<&str>,
    tellers: &[MemberId],
    shares: &BTreeMap<MemberId, String>,
) -> Vec<TellerShareView> {
    let keys: Vec<&str> = public_key.map(|k| k.split(';').collect()).unwrap_or_default();
    tellers
        .iter()
        .enumerate()
        .map(|(i, t)| TellerShareView {
            member: t.to_string(),
            name: a.members.get(t).map(|m| m.name.clone()).unwrap_or_else(|| t.to_string()),
            fingerprint: keys.get(i).map(|k| fingerprint(k)).unwrap_or_default(),
            sent: shares.contains_key(t),
        })
        .collect()
}

/// A count input as a JSON file, for a teller to take to their own device.
pub(crate) fn count_input_download(input: &impl Serialize, file: &str, lang: Lang) -> PageResult {
    let body =
        serde_json::to_vec_pretty(input).map_err(|e| PageError(Failure::internal(e.to_string()), lang))?;
    Ok(download("application/json", format!("attachment; filename=\"{file}\""), body))
}

/// Member ids from a form field or a list: separated by spaces, commas or new lines.
fn member_ids(values: &[&str]) -> Result<Vec<MemberId>, Failure> {
    values
        .iter()
        .flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、'))
        .filter(|s| !s.is_empty())
        .map(|s| MemberId::parse(s).map_err(|e| Failure::bad_request(format!("{s}: {e}")).field("members")))
        .collect()
}

// ---- pages --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "tellers.html")]
struct TellersPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    session_key: String,
    session_title: String,
    tellers: Vec<TellerView>,
    /// The member ids, for the presidium's form.
    members_text: String,
    chair: bool,
    /// The caller is a teller of this session.
    me_teller: bool,
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

fn done_message(done: Option<&str>, lang: Lang) -> Option<&'static str> {
    let key = match done? {
        "appointed" => "tellers.done.appointed",
        "key" => "tellers.done.key",
        _ => return None,
    };
    Some(lang.t(key))
}

pub async fn page(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let lang = c.lang;
    let (id, key, a) = session_of(&web, &id, &session, lang)?;
    let s = &a.sessions[&key];
    let me = own_member(&c, &id);
    let tellers = tellers_of(&a, &key, lang);
    let page = TellersPage {
        chrome: Chrome::new(&c, lang.t("tellers.title"), &format!("/assemblies/{id}/sessions/{key}/tellers")),
        a: card(&id, &a, lang),
        session_key: key.to_string(),
        session_title: lang.pick(&s.title, &s.title_en).to_owned(),
        members_text: tellers.iter().map(|t| t.member.as_str()).collect::<Vec<_>>().join(" "),
        me_teller: me.is_some_and(|m| s.tellers.iter().any(|t| t.member == m)),
        tellers,
        chair: c.is(CHAIR),
        done: done_message(q.done.as_deref(), lang),
    };
    render(&page, lang)
}

pub async fn appoint_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let (id, key, _) = session_of(&web, &id, &session, lang)?;
    let f = FormData::parse(&body);
    let text = f.text("members");
    let members = member_ids(&[text.as_str()]).map_err(|e| page_error(e, lang))?;
    web.app.appoint_tellers(&id, &c.actor(), key, members).await.map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/sessions/{key}/tellers?done=appointed")))
}

pub async fn key_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let (id, key, _) = session_of(&web, &id, &session, lang)?;
    let member = own_member(&c, &id).ok_or_else(|| page_error(not_a_member(), lang))?;
    let f = FormData::parse(&body);
    web.app
        .register_teller_key(&id, &c.actor(), key, member, f.text("key"))
        .await
        .map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/sessions/{key}/tellers?done=key")))
}

pub async fn share_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let id = crate::plenary::assembly_id(&id, lang)?;
    let member = own_member(&c, &id).ok_or_else(|| page_error(not_a_member(), lang))?;
    let f = FormData::parse(&body);
    web.app
        .submit_teller_share(&id, &c.actor(), n, member, f.text("share"))
        .await
        .map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=share#tellers")))
}

/// The chair declares void a poll its tellers cannot decrypt.
pub async fn void_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let id = crate::plenary::assembly_id(&id, lang)?;
    let f = FormData::parse(&body);
    web.app.void_count(&id, &c.actor(), n, f.text("reason")).await.map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=void")))
}

/// The count input as a file, for a teller to take to their own device.
pub async fn count_input_file(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = crate::plenary::assembly_id(&id, lang)?;
    let input = count_input_of(&web, &id, n).map_err(|f| page_error(f, lang))?;
    count_input_download(&input, &format!("count-input-{id}-{n}.json"), lang)
}

fn count_input_of(web: &Web, id: &AssemblyId, n: u32) -> Result<CountInput, Failure> {
    web.app
        .count_input(id, n)
        .filter(|i| !i.tellers.is_empty())
        .ok_or_else(|| Failure::not_found(format!("poll {n} of {id} is not counted by tellers")))
}

// ---- API ----------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct AppointRequest {
    /// Member ids, in the order their keys will be combined.
    pub members: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = TellerKeyRequest)]
pub struct KeyRequest {
    /// The public key printed by `plenum teller keygen`.
    pub key: String,
}

#[derive(Deserialize, ToSchema)]
pub struct VoidRequest {
    /// Why the count cannot be completed, e.g. which teller's key is lost.
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ShareRequest {
    /// The line printed by `plenum teller share`.
    pub share: String,
}

fn api_session(
    web: &Web,
    id: &str,
    session: &str,
) -> Result<(AssemblyId, SessionKey, std::sync::Arc<Assembly>), ApiError> {
    let id = crate::api::assembly_id(id)?;
    let key = SessionKey::parse(session)
        .map_err(|e| Failure::bad_request(e.to_string()).field("session").json())?;
    let a = crate::api::load(web, &id)?;
    if !a.sessions.contains_key(&key) {
        return Err(Failure::not_found(format!("no session {key}")).json());
    }
    Ok((id, key, a))
}

/// A session's tellers and their registered keys.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/sessions/{session}/tellers",
    params(("id" = String, Path), ("session" = String, Path)),
    responses((status = 200, body = [TellerView]), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
) -> ApiResult<Json<Vec<TellerView>>> {
    let (_, key, a) = api_session(&web, &id, &session)?;
    Ok(Json(tellers_of(&a, &key, c.api_lang)))
}

/// Name the session's tellers (EL art. 43). Keys of tellers who stay are kept.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/sessions/{session}/tellers", request_body = AppointRequest,
    params(("id" = String, Path), ("session" = String, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn appoint(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Json(req): Json<AppointRequest>,
) -> ApiResult<Json<Receipt>> {
    let (id, key, _) = api_session(&web, &id, &session)?;
    let ids: Vec<&str> = req.members.iter().map(String::as_str).collect();
    let members = member_ids(&ids).map_err(Failure::json)?;
    Ok(Json(web.app.appoint_tellers(&id, &c.actor(), key, members).await?.into()))
}

/// Register the caller's own teller key for the session.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/sessions/{session}/tellers/key", request_body = KeyRequest,
    params(("id" = String, Path), ("session" = String, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn register_key(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Json(req): Json<KeyRequest>,
) -> ApiResult<Json<Receipt>> {
    let (id, key, _) = api_session(&web, &id, &session)?;
    let member = own_member(&c, &id).ok_or_else(|| not_a_member().json())?;
    Ok(Json(web.app.register_teller_key(&id, &c.actor(), key, member, req.key).await?.into()))
}

/// What the tellers need to compute their shares offline: the poll's key and every
/// encrypted ballot (never who cast it).
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/polls/{poll}/count-input",
    params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn count_input(
    State(web): State<Web>,
    Path((id, n)): Path<(String, u32)>,
) -> ApiResult<Json<CountInput>> {
    let id = crate::api::assembly_id(&id)?;
    Ok(Json(count_input_of(&web, &id, n).map_err(Failure::json)?))
}

/// Send the caller's share of decrypting a counting poll's sum; the last share gives
/// the result.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/shares", request_body = ShareRequest,
    params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn share(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<ShareRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = crate::api::assembly_id(&id)?;
    let member = own_member(&c, &id).ok_or_else(|| not_a_member().json())?;
    Ok(Json(web.app.submit_teller_share(&id, &c.actor(), n, member, req.share).await?.into()))
}

/// Declare void a poll its tellers cannot decrypt (a key lost or withheld): it is
/// never counted, and its subject may be put to a new vote.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/void", request_body = VoidRequest,
    params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn void(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<VoidRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = crate::api::assembly_id(&id)?;
    Ok(Json(web.app.void_count(&id, &c.actor(), n, req.reason).await?.into()))
}
