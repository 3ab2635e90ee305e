//! The JSON API of plenary sessions: attendance, opinions and polls, mirroring the
//! pages in `plenary`. Idempotency keys (`command_id`) are scoped to the caller's
//! account: a retry returns the first receipt, another account's key never does.

use crate::Web;
use crate::api::{Receipt, assembly_id, load};
use crate::auth::{Caller, STAFF};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::hall_code;
use crate::i18n::Lang;
use crate::plenary::{
    self, AttendanceView, MeetingSummary, OpenPollInput, OpinionView, PollView, command_key, own_member,
    resolve_member,
};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use plenum_domain::{
    Assembly, Command, Meeting, MeetingId, MemberId, PollState, ResolutionRule, SessionKey, Totals,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn meeting_id(s: &str) -> Result<MeetingId, ApiError> {
    MeetingId::parse(s).map_err(|e| Failure::bad_request(e.to_string()).field("meeting").json())
}

fn meeting<'a>(a: &'a Assembly, id: &MeetingId) -> Result<&'a Meeting, ApiError> {
    a.meetings.get(id).ok_or_else(|| Failure::not_found(format!("no meeting {id}")).json())
}

// ---- meetings and attendance -------------------------------------------------------------

/// An assembly's meetings, in the order they are held.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/meetings", params(("id" = String, Path)),
    responses((status = 200, body = [MeetingSummary]), (status = 404, body = ErrorBody)))]
pub async fn meetings(
    State(web): State<Web>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MeetingSummary>>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    Ok(Json(plenary::meetings_in_order(&a).into_iter().map(|m| plenary::meeting_summary(&a, m)).collect()))
}

/// Attendance at a meeting: counts per delegation and the quorum (OL art. 14); the
/// secretariat also gets the names of the absent and the excused.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/meetings/{meeting}/attendance",
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = AttendanceView), (status = 404, body = ErrorBody)))]
pub async fn attendance(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult<Json<AttendanceView>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let staff = c.is(STAFF);
    let view = web
        .app
        .read(&id, |a| a.meetings.get(&mid).map(|m| plenary::attendance_view(a, m, c.api_lang, staff)))
        .ok_or_else(|| Failure::not_found(format!("no assembly {id}")).json())?;
    Ok(Json(view.ok_or_else(|| Failure::not_found(format!("no meeting {mid}")).json())?))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInRequest {
    /// The member to check in at the desk (the secretariat). Members leave it out:
    /// they check in themselves.
    pub member: Option<String>,
    /// The six digits the hall's screen shows, where the meeting requires them for
    /// members' own check-in (`hall_code` in the meeting's summary).
    pub hall_code: Option<String>,
    /// Idempotency key: a retry with the same key returns the first receipt.
    pub command_id: Option<String>,
}

/// Check in: a member themself (method self_service, or hall_code where the meeting
/// requires the code shown in the hall), or the secretariat at the desk for the member
/// named (method desk).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/meetings/{meeting}/check-in", request_body = CheckInRequest,
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn check_in(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
    Json(req): Json<CheckInRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let (member, desk) = resolve_member(&c, &id, req.member.as_deref())?;
    let method = hall_code::check_in_method(&web, &id, &mid, &member, desk, req.hall_code.as_deref()).await?;
    let key = command_key(&c, req.command_id.as_deref())?;
    let r = web.app.execute(&id, &c.actor(), Command::CheckIn { meeting: mid, member, method }, key).await?;
    Ok(Json(r.into()))
}

/// The code shown in the hall for members' own check-in, now.
#[derive(Serialize, ToSchema)]
pub struct HallCodeView {
    /// Whether the meeting requires the code for members' own check-in.
    pub required: bool,
    /// Six digits, while required.
    pub code: Option<String>,
    /// Seconds until the code changes (the one before is accepted a minute longer).
    pub changes_in_seconds: i64,
}

/// The hall's check-in code now (the secretariat, for the hall's screen).
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code",
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = HallCodeView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn hall_code(
    State(web): State<Web>,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult<Json<HallCodeView>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let a = load(&web, &id)?;
    let required = meeting(&a, &mid)?.hall_code;
    let shown = match required {
        true => Some(hall_code::current(&web, &id, &mid).await?),
        false => None,
    };
    Ok(Json(HallCodeView {
        required,
        changes_in_seconds: shown.as_ref().map_or(0, |s| s.1),
        code: shown.map(|s| s.0),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct HallCodeRequest {
    /// true: members check themselves in only with the code shown in the hall.
    pub required: bool,
    pub command_id: Option<String>,
}

/// Require the hall's code for members' own check-in at a meeting, or stop requiring it.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/meetings/{meeting}/hall-code", request_body = HallCodeRequest,
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn require_hall_code(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
    Json(req): Json<HallCodeRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    if req.required {
        hall_code::key(&web, &id, &mid, true).await?;
    }
    let key = command_key(&c, req.command_id.as_deref())?;
    let cmd = Command::RequireHallCode { meeting: mid, required: req.required };
    Ok(Json(web.app.execute(&id, &c.actor(), cmd, key).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct BulkCheckInRequest {
    /// These members; else everyone absent in `group`; else everyone absent.
    pub members: Option<Vec<String>>,
    pub group: Option<String>,
    pub command_id: Option<String>,
}

/// Check in many members at once (those already present are skipped).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/meetings/{meeting}/check-in/bulk", request_body = BulkCheckInRequest,
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn bulk_check_in(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
    Json(req): Json<BulkCheckInRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let a = load(&web, &id)?;
    let m = meeting(&a, &mid)?;
    let listed: Vec<&str> = req.members.iter().flatten().map(String::as_str).collect();
    let members = plenary::bulk_members(&a, m, req.group.as_deref(), &listed)?;
    let key = command_key(&c, req.command_id.as_deref())?;
    let r = web.app.execute(&id, &c.actor(), Command::CheckInMany { meeting: mid, members }, key).await?;
    Ok(Json(r.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct LeaveRequest {
    pub member: String,
    pub reason: String,
    pub command_id: Option<String>,
}

/// Record a leave of absence from the meeting, with its reason.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/meetings/{meeting}/leave", request_body = LeaveRequest,
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn leave(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
    Json(req): Json<LeaveRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let member = MemberId::parse(req.member.trim())
        .map_err(|e| Failure::bad_request(e.to_string()).field("member"))?;
    let key = command_key(&c, req.command_id.as_deref())?;
    let cmd = Command::RecordLeave { meeting: mid, member, reason: req.reason };
    Ok(Json(web.app.execute(&id, &c.actor(), cmd, key).await?.into()))
}

// ---- opinions ---------------------------------------------------------------------------

/// Opinions voiced at a delegation meeting.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/meetings/{meeting}/opinions",
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = [OpinionView]), (status = 404, body = ErrorBody)))]
pub async fn meeting_opinions(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult<Json<Vec<OpinionView>>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let a = load(&web, &id)?;
    meeting(&a, &mid)?;
    Ok(Json(plenary::opinions(&a, c.api_lang, |o| o.meeting == mid)))
}

#[derive(Deserialize, ToSchema)]
pub struct OpinionRequest {
    /// The deputy who spoke: the secretariat names them; a deputy leaves it out.
    pub member: Option<String>,
    /// The agenda item (a report) under deliberation.
    pub item: u32,
    pub text: String,
    pub command_id: Option<String>,
}

/// Record a deputy's opinion on a report, by name (the deputy themself, or the
/// secretariat on their behalf).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/meetings/{meeting}/opinions", request_body = OpinionRequest,
    params(("id" = String, Path), ("meeting" = String, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn record_opinion(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, mid)): Path<(String, String)>,
    Json(req): Json<OpinionRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let mid = meeting_id(&mid)?;
    let (member, _) = resolve_member(&c, &id, req.member.as_deref())?;
    let key = command_key(&c, req.command_id.as_deref())?;
    let cmd = Command::RecordOpinion { meeting: mid, item: req.item, member, text: req.text };
    Ok(Json(web.app.execute(&id, &c.actor(), cmd, key).await?.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct OpinionParams {
    /// Only this agenda item.
    item: Option<u32>,
    /// Only this delegation.
    group: Option<String>,
}

/// All opinions of a session, ordered by agenda item and delegation.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/sessions/{session}/opinions",
    params(("id" = String, Path), ("session" = String, Path), OpinionParams),
    responses((status = 200, body = [OpinionView]), (status = 404, body = ErrorBody)))]
pub async fn session_opinions(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Query(q): Query<OpinionParams>,
) -> ApiResult<Json<Vec<OpinionView>>> {
    let id = assembly_id(&id)?;
    let key =
        SessionKey::parse(&session).map_err(|e| Failure::bad_request(e.to_string()).field("session"))?;
    let a = load(&web, &id)?;
    if !a.sessions.contains_key(&key) {
        return Err(Failure::not_found(format!("no session {key}")).json());
    }
    let rows = plenary::opinions(&a, c.api_lang, |o| o.session == key && q.item.is_none_or(|i| o.item == i));
    Ok(Json(rows.into_iter().filter(|o| q.group.as_deref().is_none_or(|g| o.group == g)).collect()))
}

// ---- polls ------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct PollSummary {
    pub number: u32,
    pub meeting: String,
    pub title: String,
    pub title_en: String,
    /// agenda or item.
    pub subject: String,
    pub item: Option<u32>,
    pub mode: String,
    pub disclosure: String,
    /// open, counting (closed to ballots, waiting for the tellers' shares), closed,
    /// or void (its tellers could not decrypt it).
    pub state: String,
    pub turnout: u32,
    pub electorate: u32,
    /// At the close.
    pub adopted: Option<bool>,
}

/// All polls, newest first.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/polls", params(("id" = String, Path)),
    responses((status = 200, body = [PollSummary]), (status = 404, body = ErrorBody)))]
pub async fn polls(State(web): State<Web>, Path(id): Path<String>) -> ApiResult<Json<Vec<PollSummary>>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    Ok(Json(
        a.polls
            .values()
            .rev()
            .map(|p| {
                let v = plenary::poll_view(&a, p, Lang::En, false, None);
                PollSummary {
                    number: p.number,
                    meeting: v.meeting,
                    title: v.title,
                    title_en: v.title_en,
                    subject: v.subject,
                    item: v.item,
                    mode: v.mode,
                    disclosure: v.disclosure,
                    state: v.state,
                    turnout: v.turnout,
                    electorate: v.electorate,
                    adopted: p.result.as_ref().map(|r| r.adopted),
                }
            })
            .collect(),
    ))
}

/// One poll: state, rule, counts or turnout as its disclosure allows, the result with
/// its basis at the close; named polls add results per delegation and who has not voted.
/// Secret polls never show who chose what.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/polls/{poll}", params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = PollView), (status = 404, body = ErrorBody)))]
pub async fn poll(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> ApiResult<Json<PollView>> {
    let id = assembly_id(&id)?;
    let me = own_member(&c, &id);
    let staff = c.is(STAFF);
    let view = web
        .app
        .read(&id, |a| a.polls.get(&n).map(|p| plenary::poll_view(a, p, c.api_lang, staff, me.as_ref())))
        .ok_or_else(|| Failure::not_found(format!("no assembly {id}")).json())?;
    Ok(Json(view.ok_or_else(|| Failure::not_found(format!("no poll {n}")).json())?))
}

#[derive(Deserialize, ToSchema)]
pub struct OpenPollRequest {
    pub meeting: String,
    /// `agenda` (adopting the agenda, OL art. 17) or `item`.
    pub subject: String,
    /// The agenda item, when the subject is `item`.
    pub item: Option<u32>,
    /// Defaults to the subject's title.
    pub title: Option<String>,
    pub title_en: Option<String>,
    /// A preset (`cn-people-congress`, `roberts-rules`, `roberts-rules-two-thirds`)
    /// or `{"base": ..., "threshold": ..., "ties": ...}`.
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// named, secret, show_of_hands or paper.
    pub mode: String,
    /// counts (default) or turnout_only; secret polls always show turnout only.
    pub disclosure: Option<String>,
    /// Close automatically after this many minutes.
    pub duration_minutes: Option<u32>,
    /// Secret polls: who holds the key, `server` (default: the server, until the close)
    /// or `tellers` (the session's tellers; nobody can decrypt without all of them).
    pub custody: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OpenedPoll {
    pub poll: u32,
    pub receipt: Receipt,
}

/// Open a poll at a meeting in progress (one at a time; quorum required).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls", request_body = OpenPollRequest, params(("id" = String, Path)),
    responses((status = 200, body = OpenedPoll), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open_poll(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(req): Json<OpenPollRequest>,
) -> ApiResult<Json<OpenedPoll>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    let rule: ResolutionRule = serde_json::from_value(req.rule)
        .map_err(|e| Failure::bad_request(format!("the rule is not valid: {e}")).field("rule"))?;
    let subject = match (req.subject.trim(), req.item) {
        ("agenda", _) => "agenda".to_owned(),
        ("item", Some(n)) => n.to_string(),
        _ => {
            return Err(Failure::bad_request("subject is `agenda`, or `item` with `item`")
                .field("subject")
                .json());
        }
    };
    let input = OpenPollInput {
        meeting: req.meeting,
        subject,
        title: req.title.unwrap_or_default(),
        title_en: req.title_en.unwrap_or_default(),
        mode: req.mode,
        disclosure: req.disclosure.unwrap_or_default(),
        duration_minutes: req.duration_minutes,
        custody: req.custody.unwrap_or_default(),
        ..OpenPollInput::default()
    };
    let request = plenary::poll_request(&a, &input, rule)?;
    let (poll, receipt) = web.app.open_poll(&id, &c.actor(), request).await?;
    Ok(Json(OpenedPoll { poll, receipt: receipt.into() }))
}

#[derive(Deserialize, ToSchema)]
pub struct VoteRequest {
    /// yes, no or abstain. For a secret poll the server seals it.
    pub choice: Option<String>,
    /// Instead of `choice`, for a secret poll: the ballot sealed on the voter's own
    /// device with the poll's `public_key` (as the browser does with
    /// `/static/seal.wasm`), so the server never sees the choice.
    pub sealed: Option<String>,
    /// Idempotency key: a double submit returns the first receipt (`replayed`).
    pub command_id: Option<String>,
}

/// Cast the caller's own vote. A secret ballot is recorded only sealed: sealed by the
/// caller's device (`sealed`), or by the server before it is recorded (`choice`).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/vote", request_body = VoteRequest,
    params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn vote(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<VoteRequest>,
) -> ApiResult<Json<Receipt>> {
    cast(&web, &c, &id, n, req).await
}

/// The vote handler's work, shared with the ballot fast path (`crate::ballots`).
pub(crate) async fn cast(
    web: &Web,
    c: &Caller,
    id: &str,
    n: u32,
    req: VoteRequest,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(id)?;
    let member = own_member(c, &id).ok_or_else(plenary::not_a_member)?;
    if req.choice.is_none() && req.sealed.is_none() {
        // As the JSON extractor answers a body without a required field.
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "missing field `choice` (or `sealed`, a ballot sealed on the device)",
        )
        .field("choice")
        .into());
    }
    let cast = plenary::Cast::of(req.choice.as_deref(), req.sealed.as_deref())?;
    let key = command_key(c, req.command_id.as_deref())?;
    Ok(Json(cast.record(&web.app, &id, &c.actor(), n, member, key).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct TotalsRequest {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

/// Enter the totals of a show of hands or paper ballot; a second person confirms them.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/totals", request_body = TotalsRequest,
    params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn totals(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<TotalsRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let totals = Totals { yes: req.yes, no: req.no, abstain: req.abstain };
    let r = web
        .app
        .execute(&id, &c.actor(), Command::EnterTotals { poll: n, totals, by: c.actor() }, None)
        .await?;
    Ok(Json(r.into()))
}

/// Confirm the totals entered, as a second person (not the one who entered them).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/confirm", params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn confirm(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let r = web.app.execute(&id, &c.actor(), Command::ConfirmTotals { poll: n, by: c.actor() }, None).await?;
    Ok(Json(r.into()))
}

/// Close a poll and count it; a secret poll's sum is decrypted with a proof.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/polls/{poll}/close", params(("id" = String, Path), ("poll" = u32, Path)),
    responses((status = 200, body = PollView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn close(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> ApiResult<Json<PollView>> {
    let id = assembly_id(&id)?;
    web.app.close_poll(&id, &c.actor(), n).await?;
    let a = load(&web, &id)?;
    let p = a
        .polls
        .get(&n)
        .filter(|p| p.state != PollState::Open)
        .ok_or_else(|| Failure::internal("the poll did not close").json())?;
    Ok(Json(plenary::poll_view(&a, p, c.api_lang, c.is(STAFF), None)))
}
