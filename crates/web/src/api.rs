//! The JSON API under `/api/v1`: everything the pages do, for programs. Clients log
//! in for a bearer token (`POST /api/v1/tokens`); errors are JSON with a code, a
//! message, and the field, rule and statute involved. The OpenAPI document at
//! `/api/openapi.json` is generated from these handlers.

use crate::Web;
use crate::auth::{self, Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::pages::{self, IssuedLogin, LoginOutcome, MemberQuery};
use crate::{elections as el, elections_api as ea, plenary as pl, plenary_api as pa, tellers as te};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use plenum_domain::{Assembly, AssemblyId, CheckInMethod, Command, MemberId, SessionKey};
use plenum_journal::{ApiToken, AuthStore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "Plenum API", version = "1", description = "Assemblies, members, agendas, meetings, attendance, polls, opinions, elections and commands. Authenticate with `Authorization: Bearer <token>` from POST /api/v1/tokens."),
    paths(create_token, revoke_token, me, change_password, assemblies, assembly, members, member, agenda, move_item, command, accounts, bulk_accounts,
        pa::meetings, pa::attendance, pa::check_in, pa::hall_code, pa::require_hall_code, pa::bulk_check_in, pa::leave, pa::meeting_opinions, pa::record_opinion, pa::session_opinions,
        pa::polls, pa::poll, pa::open_poll, pa::vote, pa::totals, pa::confirm, pa::close,
        te::list, te::appoint, te::register_key, te::count_input, te::share, te::void,
        ea::list, ea::detail, ea::create, ea::nominate, ea::withdraw, ea::fix, ea::preliminary, ea::open_round, ea::paper, ea::ballot, ea::count,
        ea::round_count_input, ea::round_share, ea::round_void),
    components(schemas(ErrorBody, TokenRequest, TokenResponse, Me, PasswordChange, AssemblySummary, AssemblyDetail, GroupSummary, SessionSummary, MemberSummary, MemberDetail, HistoryItem, AgendaView, AgendaItemView, MoveRequest, CommandRequest, Receipt, AccountSummary, BulkRequest, IssuedLogin, Role,
        pl::MeetingSummary, pl::AttendanceView, pl::CheckInMethods, pl::QuorumView, pl::GroupAttendance, pl::MemberRef, pl::ExcusedMember, pl::OpinionView, pl::PollView, pl::Counts, pl::EnteredTotals, pl::PollOutcome, pl::DelegationResult, pl::NotVoted, pl::MyBallot,
        pa::CheckInRequest, pa::BulkCheckInRequest, pa::LeaveRequest, pa::OpinionRequest, pa::PollSummary, pa::OpenPollRequest, pa::OpenedPoll, pa::VoteRequest, pa::TotalsRequest,
        te::TellerView, te::TellerShareView, te::AppointRequest, te::KeyRequest, te::ShareRequest, te::VoidRequest,
        el::ElectionSummary, el::ElectionView, el::MarginView, el::CandidateView, el::NominationView, el::PreliminaryRow, el::FixedView, el::CountRow, el::VoidBallotView, el::PlanView, el::RoundResultView, el::PaperProgress, el::RoundView, el::ElectedView, el::MyElectionBallot, el::CandidateInput,
        ea::CreateElectionRequest, ea::CreatedElection, ea::NominateRequest, ea::WithdrawRequest, ea::KeyRequest, ea::VoteCount, ea::PreliminaryRequest, ea::OpenRoundRequest, ea::OpenedRound, ea::PaperEntryInput, ea::PaperRequest, ea::PaperOutcome, ea::PaperState, ea::ElectionBallotRequest, ea::CountRequest)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(s) => ([(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => ApiError(Failure::internal(e.to_string())).into_response(),
    }
}

/// The assembly named in an API path, or a JSON error naming the field.
pub(crate) fn assembly_id(id: &str) -> Result<AssemblyId, ApiError> {
    AssemblyId::parse(id).map_err(|e| Failure::bad_request(e.to_string()).field("id").json())
}

/// A shared copy of the assembly's projected state, or a JSON 404.
pub(crate) fn load(web: &Web, id: &AssemblyId) -> Result<Arc<Assembly>, ApiError> {
    web.app.assembly(id).ok_or_else(|| Failure::not_found(format!("no assembly {id}")).json())
}

// ---- tokens and the caller ------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// A label for the token, e.g. the client's name.
    #[serde(default)]
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// Microseconds since 1970-01-01 UTC.
    pub expires_at: i64,
    pub role: Role,
}

/// API tokens last 30 days.
const TOKEN_DAYS: i64 = 30;

/// Log in and get a bearer token.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_token(
    State(web): State<Web>,
    Json(req): Json<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let acc = match pages::check_login(&web, &req.username, &req.password).await? {
        LoginOutcome::Ok(acc) => acc,
        LoginOutcome::Wrong => {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "login_failed",
                "the username or password is wrong",
            )
            .json());
        }
        LoginOutcome::Locked => {
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                "too many failed logins: the account is locked for a while",
            )
            .json());
        }
    };
    let token = auth::random_token().map_err(|e| Failure::internal(e.to_string()))?;
    let now = auth::now_micros();
    let expires_at = now + TOKEN_DAYS * 86_400_000_000;
    web.app
        .journal()
        .create_api_token(ApiToken {
            token_hash: auth::token_hash(&token).to_vec(),
            account_id: acc.id,
            label: req.label.chars().take(100).collect(),
            created_at: now,
            expires_at: Some(expires_at),
        })
        .await?;
    Ok(Json(TokenResponse { token, expires_at, role: Role::parse(&acc.role).unwrap_or(Role::Public) }))
}

/// Revoke the bearer token of this request.
#[utoipa::path(post, path = "/api/v1/tokens/revoke", responses((status = 204)), security(("bearer" = [])))]
pub async fn revoke_token(State(web): State<Web>, headers: axum::http::HeaderMap) -> ApiResult<StatusCode> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            Failure::bad_request("only a bearer token can be revoked").field("Authorization").json()
        })?;
    web.app.journal().delete_api_token(&auth::token_hash(bearer.trim())).await?;
    web.credentials.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub assembly: Option<String>,
    pub member: Option<String>,
    pub must_change_password: bool,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(Extension(c): Extension<Caller>) -> ApiResult<Json<Me>> {
    let a = c.account.ok_or_else(|| Failure::unauthorized().json())?;
    Ok(Json(Me {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: c.role,
        assembly: a.assembly.clone(),
        member: a.member.clone(),
        must_change_password: a.must_change_password,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current: String,
    /// At least 10 characters.
    pub new: String,
}

/// Change the caller's password.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn change_password(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    let current = if c.by_token {
        None
    } else {
        auth::cookie(&headers, auth::SESSION_COOKIE).map(|t| auth::token_hash(&t))
    };
    match pages::set_new_password(&web, &c, &req.current, &req.new, current).await? {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(key) => {
            let field = if key == "password.wrong" { "current" } else { "new" };
            Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "password_rejected",
                crate::i18n::Lang::En.t(key),
            )
            .field(field)
            .json())
        }
    }
}

// ---- assemblies ---------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct AssemblySummary {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub seated: usize,
    pub current_session: Option<String>,
}

fn kind_str(a: &Assembly) -> String {
    a.kind
        .and_then(|k| serde_json::to_value(k).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// All assemblies.
#[utoipa::path(get, path = "/api/v1/assemblies", responses((status = 200, body = [AssemblySummary])))]
pub async fn assemblies(State(web): State<Web>) -> Json<Vec<AssemblySummary>> {
    Json(web.app.read_all(|p| {
        p.assemblies
            .iter()
            .map(|(id, v)| AssemblySummary {
                id: id.to_string(),
                name: v.state.name.clone(),
                name_en: v.state.name_en.clone(),
                kind: kind_str(&v.state),
                seated: v.state.seated_members().count(),
                current_session: v.state.current_session().map(|s| s.key.to_string()),
            })
            .collect()
    }))
}

#[derive(Serialize, ToSchema)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub seated: usize,
}

#[derive(Serialize, ToSchema)]
pub struct SessionSummary {
    pub key: String,
    pub title: String,
    pub title_en: String,
    pub opens_on: String,
    pub closed: bool,
    pub agenda_adopted: bool,
    pub presidium: Vec<String>,
    pub secretary_general: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssemblyDetail {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub population: Option<u64>,
    pub terms: Vec<u32>,
    pub sessions: Vec<SessionSummary>,
    pub groups: Vec<GroupSummary>,
    pub seated: usize,
    /// Journal position of the assembly's last event.
    pub version: u64,
}

/// One assembly: terms, sessions, groups.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}", params(("id" = String, Path)),
    responses((status = 200, body = AssemblyDetail), (status = 404, body = ErrorBody)))]
pub async fn assembly(State(web): State<Web>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    // The same for every caller: serialised once per version of the assembly.
    cached_json(&web, format!("api-assembly|{id}"), a.version, || assembly_detail(&id, &a))
}

/// A JSON answer that is the same for every caller, serialised once per `version`
/// of its assembly (see `cache.rs`).
fn cached_json<T: Serialize>(
    web: &Web,
    key: String,
    version: u64,
    value: impl FnOnce() -> T,
) -> ApiResult<Response> {
    let body = web
        .rendered
        .get_or_render(key, version, || serde_json::to_string(&value()))
        .map_err(|e| Failure::internal(e.to_string()).json())?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

fn assembly_detail(id: &AssemblyId, a: &Assembly) -> AssemblyDetail {
    // Seated members by group, in one pass over the members.
    let mut seated: std::collections::HashMap<&plenum_domain::GroupId, usize> =
        std::collections::HashMap::new();
    for m in a.seated_members() {
        *seated.entry(&m.group).or_default() += 1;
    }
    AssemblyDetail {
        id: id.to_string(),
        name: a.name.clone(),
        name_en: a.name_en.clone(),
        kind: kind_str(a),
        population: a.population,
        terms: a.terms.keys().copied().collect(),
        sessions: a
            .sessions
            .values()
            .map(|s| SessionSummary {
                key: s.key.to_string(),
                title: s.title.clone(),
                title_en: s.title_en.clone(),
                opens_on: s.opens_on.to_string(),
                closed: s.closed,
                agenda_adopted: s.agenda_adopted,
                presidium: s.presidium.iter().map(ToString::to_string).collect(),
                secretary_general: s.secretary_general.as_ref().map(ToString::to_string),
            })
            .collect(),
        groups: a
            .groups
            .values()
            .map(|g| GroupSummary {
                id: g.id.to_string(),
                name: g.name.clone(),
                name_en: g.name_en.clone(),
                seated: seated.get(&g.id).copied().unwrap_or(0),
            })
            .collect(),
        seated: seated.values().sum(),
        version: a.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberSummary {
    pub id: String,
    pub name: String,
    pub pinyin: String,
    pub group: String,
    pub occupation: String,
    pub status: String,
}

fn status_str(s: plenum_domain::MemberStatus) -> String {
    pages::status_key(s).to_owned()
}

#[derive(Deserialize, IntoParams)]
pub struct MemberParams {
    /// Delegation or sector id.
    group: Option<String>,
    /// Part of the name, the start of the pinyin, or pinyin initials.
    q: Option<String>,
}

/// Members, filtered by group and searched by name or pinyin initials.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/members", params(("id" = String, Path), MemberParams),
    responses((status = 200, body = [MemberSummary]), (status = 404, body = ErrorBody)))]
pub async fn members(
    State(web): State<Web>,
    Path(id): Path<String>,
    Query(p): Query<MemberParams>,
) -> ApiResult<Response> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    // The same answer for every caller: serialised once per version of the assembly.
    let key = format!(
        "api-members|{id}|{}|{}",
        p.group.as_deref().unwrap_or_default(),
        p.q.as_deref().unwrap_or_default()
    );
    let q = MemberQuery { group: p.group, q: p.q };
    cached_json(&web, key, a.version, || {
        pages::filter_members(&a, &q)
            .map(|m| MemberSummary {
                id: m.id.to_string(),
                name: m.name.clone(),
                pinyin: m.pinyin.clone(),
                group: m.group.to_string(),
                occupation: m.occupation.clone(),
                status: status_str(m.status),
            })
            .collect::<Vec<_>>()
    })
}

#[derive(Serialize, ToSchema)]
pub struct HistoryItem {
    pub on: String,
    pub status: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberDetail {
    pub id: String,
    pub name: String,
    pub pinyin: String,
    pub group: String,
    pub gender: String,
    pub ethnicity: String,
    pub occupation: String,
    pub status: String,
    pub posts: Vec<String>,
    /// Only for the secretariat and the member.
    pub birth_year: Option<u16>,
    /// Only for the secretariat and the member.
    pub phone: Option<String>,
    pub biography: Option<String>,
    pub history: Vec<HistoryItem>,
}

/// One member's profile.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/members/{member}", params(("id" = String, Path), ("member" = String, Path)),
    responses((status = 200, body = MemberDetail), (status = 404, body = ErrorBody)))]
pub async fn member(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<Json<MemberDetail>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    let mid =
        MemberId::parse(member).map_err(|e| Failure::bad_request(e.to_string()).field("member").json())?;
    let m = a.members.get(&mid).ok_or_else(|| Failure::not_found(format!("no member {mid}")).json())?;
    let private = c.is(auth::STAFF) || pages::is_self(&c, &id, &mid);
    let to_str = |v: serde_json::Result<serde_json::Value>| {
        v.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    };
    Ok(Json(MemberDetail {
        id: mid.to_string(),
        name: m.name.clone(),
        pinyin: m.pinyin.clone(),
        group: m.group.to_string(),
        gender: to_str(serde_json::to_value(m.gender)),
        ethnicity: m.ethnicity.clone(),
        occupation: m.occupation.clone(),
        status: status_str(m.status),
        posts: a
            .posts
            .iter()
            .filter(|p| p.member == mid)
            .map(|p| to_str(serde_json::to_value(p.post)))
            .collect(),
        birth_year: if private { m.birth_year } else { None },
        phone: if private { m.phone.clone() } else { None },
        biography: m.biography.clone(),
        history: m
            .history
            .iter()
            .map(|h| HistoryItem {
                on: h.on.to_string(),
                status: status_str(h.status),
                reason: h.reason.clone(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AgendaItemView {
    pub number: u32,
    pub title: String,
    pub title_en: String,
    pub kind: String,
    /// pending, in_progress, done or deferred.
    pub state: String,
}

#[derive(Serialize, ToSchema)]
pub struct AgendaView {
    pub session: String,
    pub adopted: bool,
    pub closed: bool,
    pub items: Vec<AgendaItemView>,
}

/// A session's agenda with its live state.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/sessions/{session}/agenda", params(("id" = String, Path), ("session" = String, Path, description = "e.g. 15-1")),
    responses((status = 200, body = AgendaView), (status = 404, body = ErrorBody)))]
pub async fn agenda(
    State(web): State<Web>,
    Path((id, session)): Path<(String, String)>,
) -> ApiResult<Json<AgendaView>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    let key = SessionKey::parse(&session)
        .map_err(|e| Failure::bad_request(e.to_string()).field("session").json())?;
    let s = a.sessions.get(&key).ok_or_else(|| Failure::not_found(format!("no session {key}")).json())?;
    Ok(Json(AgendaView {
        session: key.to_string(),
        adopted: s.agenda_adopted,
        closed: s.closed,
        items: s
            .agenda
            .iter()
            .map(|i| AgendaItemView {
                number: i.number,
                title: i.title.clone(),
                title_en: i.title_en.clone(),
                kind: serde_json::to_value(i.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                state: pages::item_key(i.state).to_owned(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    /// pending, in_progress, done or deferred.
    pub to: String,
    /// Idempotency key: a retry with the same key returns the first receipt.
    pub command_id: Option<String>,
}

/// What a recorded command left in the journal.
#[derive(Serialize, ToSchema)]
pub struct Receipt {
    pub position: u64,
    pub first_version: u64,
    pub last_version: u64,
    /// True when this answers a retry of a command already recorded.
    pub replayed: bool,
}

impl From<plenum_app::Receipt> for Receipt {
    fn from(r: plenum_app::Receipt) -> Self {
        Receipt {
            position: r.position,
            first_version: r.first_version,
            last_version: r.last_version,
            replayed: r.replayed,
        }
    }
}

/// Move an agenda item (the presidium presides; OL art. 17).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/sessions/{session}/agenda/{item}", request_body = MoveRequest,
    params(("id" = String, Path), ("session" = String, Path), ("item" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn move_item(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session, item)): Path<(String, String, u32)>,
    Json(req): Json<MoveRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let key = SessionKey::parse(&session)
        .map_err(|e| Failure::bad_request(e.to_string()).field("session").json())?;
    let to = pages::parse_state(&req.to).ok_or_else(|| {
        Failure::bad_request("to must be pending, in_progress, done or deferred").field("to").json()
    })?;
    if !c.serves(id.as_str()) {
        return Err(Failure::forbidden().json());
    }
    let r = web
        .app
        .execute(&id, &c.actor(), Command::MoveAgendaItem { session: key, item, to }, req.command_id)
        .await?;
    Ok(Json(r.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct CommandRequest {
    /// A command as JSON, tagged by `command`, e.g.
    /// `{"command":"change_member_status","member":"d-0001","status":"on_leave","reason":"…","effective_on":"2022-01-12"}`.
    #[schema(value_type = Object)]
    pub command: serde_json::Value,
    /// Idempotency key: a retry with the same key returns the first receipt.
    pub command_id: Option<String>,
}

/// Submit any command to an assembly (the secretariat's console). The command is
/// checked against the rules; a rejection names the rule and statute.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/commands", request_body = CommandRequest, params(("id" = String, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn command(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(req): Json<CommandRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let cmd: Command = serde_json::from_value(req.command).map_err(|e| {
        Failure::bad_request(format!("the command is not valid: {e}")).field("command").json()
    })?;
    // What only a voter or a teller may send for themselves is not the staff's to send
    // in their name: a key registered for a teller by someone else would let that
    // someone decrypt the tellers' polls.
    if matches!(
        cmd,
        Command::CastSealedBallot { .. }
            | Command::CastElectionBallot { .. }
            | Command::RegisterTellerKey { .. }
            | Command::SubmitTellerShare { .. }
            | Command::SubmitRoundShare { .. }
            | Command::CheckIn { method: CheckInMethod::HallCode, .. }
    ) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "secret ballots, teller keys, tellers' shares and check-in with the hall's code are sent by the member themselves, through their own routes",
        )
        .field("command")
        .json());
    }
    let r = web.app.execute(&id, &c.actor(), cmd, req.command_id).await?;
    Ok(Json(r.into()))
}

#[derive(Serialize, ToSchema)]
pub struct AccountSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub assembly: Option<String>,
    pub member: Option<String>,
    pub disabled: bool,
}

/// All accounts.
#[utoipa::path(get, path = "/api/v1/accounts", responses((status = 200, body = [AccountSummary])), security(("bearer" = [])))]
pub async fn accounts(State(web): State<Web>) -> ApiResult<Json<Vec<AccountSummary>>> {
    Ok(Json(
        web.app
            .journal()
            .accounts()
            .await?
            .into_iter()
            .map(|a| AccountSummary {
                id: a.id,
                username: a.username,
                display_name: a.display_name,
                role: a.role,
                assembly: a.assembly,
                member: a.member,
                disabled: a.disabled,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkRequest {
    pub assembly: String,
}

/// Create accounts for every seated member of an assembly who has none. The
/// one-time passwords are in this answer only.
#[utoipa::path(post, path = "/api/v1/accounts/bulk", request_body = BulkRequest,
    responses((status = 200, body = [IssuedLogin]), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn bulk_accounts(
    State(web): State<Web>,
    Json(req): Json<BulkRequest>,
) -> ApiResult<Json<Vec<IssuedLogin>>> {
    let id = assembly_id(&req.assembly).map_err(|e| ApiError(e.0.field("assembly")))?;
    Ok(Json(pages::issue_member_accounts(&web, &id).await?))
}
