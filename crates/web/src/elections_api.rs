//! The JSON API of elections, mirroring the pages in `elections`: the list and each
//! election with every round; creating an election, nominating, withdrawing, fixing
//! the candidates, the preliminary vote, opening and counting rounds (the
//! secretariat and the assembly's presidium); paper ballot entry (tellers: the
//! secretariat's logins, each entry recorded under the caller as teller); and the
//! members' electronic secret ballot; for rounds whose key the session's tellers hold,
//! the count input, the tellers' shares and the chair's declaring a count void. Texts
//! are in English. Idempotency keys (`command_id`) are scoped to the caller's account.

use crate::Web;
use crate::api::{Receipt, assembly_id, load};
use crate::auth::Caller;
use crate::elections::{
    self, CandidateInput, CreateInput, ElectionSummary, ElectionView, candidate_drafts, create_command,
    created_number, paper_entry, parse_mode, parse_people,
};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::i18n::Lang;
use crate::plenary::{command_key, not_a_member, own_member, parse_choice};
use crate::tellers::{ShareRequest, VoidRequest};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use plenum_app::elections::{RoundCountInput, RoundRequest};
use plenum_domain::{AssemblyId, Choice, Command, MeetingId, Nominator, PreliminaryCount, RoundMode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const EN: Lang = Lang::En;

fn view(web: &Web, c: &Caller, id: &AssemblyId, n: u32) -> ApiResult<ElectionView> {
    let a = load(web, id)?;
    let e = a.elections.get(&n).ok_or_else(|| Failure::not_found(format!("no election {n}")).json())?;
    let me = own_member(c, id);
    Ok(elections::election_view(&a, e, c.api_lang, me.as_ref()))
}

fn serving(c: &Caller, id: &AssemblyId) -> Result<(), ApiError> {
    if c.serves(id.as_str()) {
        Ok(())
    } else {
        Err(Failure::forbidden()
            .with_message("only the secretariat and this assembly's presidium run its elections")
            .json())
    }
}

async fn run(web: &Web, c: &Caller, id: &AssemblyId, cmd: Command, key: Option<&str>) -> ApiResult<Receipt> {
    let key = command_key(c, key)?;
    let r = web.app.execute(id, &c.actor(), cmd, key).await?;
    Ok(r.into())
}

// ---- reading ----------------------------------------------------------------------------------

/// All elections of an assembly, with the elected so far.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/elections", params(("id" = String, Path)),
    responses((status = 200, body = [ElectionSummary]), (status = 404, body = ErrorBody)))]
pub async fn list(State(web): State<Web>, Path(id): Path<String>) -> ApiResult<Json<Vec<ElectionSummary>>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    Ok(Json(a.elections.values().map(|e| elections::summary(e)).collect()))
}

/// One election: office, seats, method and margin with their statutes, candidates
/// with biographies and nominators, the preliminary vote, every round (counts,
/// threshold, elected, next round with its basis), and the caller's own ballot.
/// Electronic rounds show the turnout, never a ballot.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/elections/{election}",
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = ElectionView), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> ApiResult<Json<ElectionView>> {
    let id = assembly_id(&id)?;
    Ok(Json(view(&web, &c, &id, n)?))
}

// ---- running an election ----------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct CreateElectionRequest {
    /// The session, e.g. `15-1`.
    pub session: String,
    /// The agenda item, of kind election.
    pub item: u32,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    /// leader, deputy, member, higher_level_deputies or custom.
    pub office: String,
    /// A custom office's margin: fewest and most candidates over the seats.
    pub custom_min_extra: Option<u32>,
    pub custom_max_extra: Option<u32>,
    pub seats: u32,
    /// cn-people-congress (a People's Congress's only method, its default),
    /// roberts-rules (default elsewhere), block-vote, approval or stv.
    pub method: Option<String>,
    /// Block vote: names a valid ballot marks.
    pub min_votes: Option<u32>,
    pub max_votes: Option<u32>,
    /// The session's election method's margin, inside the statute's (OL art. 27).
    pub margin_min_extra: Option<u32>,
    pub margin_max_extra: Option<u32>,
    /// A by-election (OL art. 30).
    #[serde(default)]
    pub by_election: bool,
    /// Fewest members who may nominate jointly (a People's Congress: the statute's).
    pub nomination_group_size: Option<u32>,
    /// Only members may stand (implied for the standing committee, OL art. 47).
    #[serde(default)]
    pub members_only: bool,
    pub command_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedElection {
    pub election: u32,
    pub receipt: Receipt,
}

/// Create an election under an election item of the session's agenda.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections", request_body = CreateElectionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = CreatedElection), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Json(req): Json<CreateElectionRequest>,
) -> ApiResult<Json<CreatedElection>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let input = CreateInput {
        session: req.session,
        item: req.item,
        title: req.title,
        title_en: req.title_en,
        office: req.office,
        custom_min_extra: req.custom_min_extra,
        custom_max_extra: req.custom_max_extra,
        seats: req.seats,
        method: req.method,
        min_votes: req.min_votes,
        max_votes: req.max_votes,
        margin_min_extra: req.margin_min_extra,
        margin_max_extra: req.margin_max_extra,
        by_election: req.by_election,
        nomination_group_size: req.nomination_group_size,
        members_only: req.members_only,
    };
    let cmd = create_command(&input, EN)?;
    let key = command_key(&c, req.command_id.as_deref())?;
    let receipt = web.app.execute(&id, &c.actor(), cmd, key).await?;
    let election =
        created_number(&web, &receipt).await.ok_or_else(|| Failure::internal("the election vanished"))?;
    Ok(Json(CreatedElection { election, receipt: receipt.into() }))
}

#[derive(Deserialize, ToSchema)]
pub struct NominateRequest {
    /// presidium, or deputies (a joint nomination in writing, OL art. 26).
    pub by: String,
    /// A joint nomination's signers: member ids or names.
    #[serde(default)]
    pub signers: Vec<String>,
    pub candidates: Vec<CandidateInput>,
    pub command_id: Option<String>,
}

/// Nominate candidates, by the presidium or jointly by deputies.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/nominations", request_body = NominateRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn nominate(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<NominateRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let a = load(&web, &id)?;
    let by = match req.by.trim() {
        "presidium" => Nominator::Presidium,
        "deputies" => Nominator::Deputies { members: parse_people(&a, &req.signers, "signers", EN)? },
        _ => return Err(Failure::bad_request("by is presidium or deputies").field("by").json()),
    };
    let candidates = candidate_drafts(&a, &req.candidates, EN)?;
    let cmd = Command::NominateCandidates { election: n, by, candidates };
    Ok(Json(run(&web, &c, &id, cmd, req.command_id.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawRequest {
    /// The candidate's number.
    pub candidate: u32,
    pub reason: String,
    pub command_id: Option<String>,
}

/// Withdraw a candidacy before the candidates are fixed.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/withdraw", request_body = WithdrawRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn withdraw(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<WithdrawRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let cmd = Command::WithdrawCandidate { election: n, candidate: req.candidate, reason: req.reason };
    Ok(Json(run(&web, &c, &id, cmd, req.command_id.as_deref()).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct KeyRequest {
    pub command_id: Option<String>,
}

/// Fix the official list of candidates, if the nominees fit the margin (OL art. 27).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/fix", request_body = KeyRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn fix(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    req: Option<Json<KeyRequest>>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let key = req.and_then(|Json(r)| r.command_id);
    Ok(Json(run(&web, &c, &id, Command::FixCandidates { election: n }, key.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct VoteCount {
    /// The candidate's number.
    pub candidate: u32,
    pub votes: u32,
}

#[derive(Deserialize, ToSchema)]
pub struct PreliminaryRequest {
    /// Votes per nominee.
    pub counts: Vec<VoteCount>,
    /// A run-off preliminary vote among those tied at the cut.
    #[serde(default)]
    pub runoff: Vec<VoteCount>,
    pub command_id: Option<String>,
}

/// Record the preliminary vote (预选) when there are more nominees than the margin
/// allows; the most-voted become the candidates (OL art. 27).
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/preliminary", request_body = PreliminaryRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn preliminary(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<PreliminaryRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let conv = |v: Vec<VoteCount>| {
        v.into_iter().map(|x| PreliminaryCount { candidate: x.candidate, votes: x.votes }).collect()
    };
    let cmd =
        Command::RecordPreliminaryVote { election: n, counts: conv(req.counts), runoff: conv(req.runoff) };
    Ok(Json(run(&web, &c, &id, cmd, req.command_id.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct OpenRoundRequest {
    /// The plenary in progress where the round is voted.
    pub meeting: String,
    /// paper or electronic.
    pub mode: String,
    /// Paper: the ballots handed out.
    pub ballots_issued: Option<u32>,
    /// Electronic: who holds the key, `server` (default: until the count) or `tellers`
    /// (the session's tellers; nobody can decrypt without all of them).
    pub custody: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OpenedRound {
    pub round: u32,
    pub receipt: Receipt,
}

/// Open the next round: the fixed candidates first, then what the last count calls
/// for. An electronic round gets a fresh key; its secret key never leaves the server.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/rounds", request_body = OpenRoundRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = OpenedRound), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn open_round(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<OpenRoundRequest>,
) -> ApiResult<Json<OpenedRound>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let meeting = MeetingId::parse(req.meeting.trim())
        .map_err(|e| Failure::bad_request(e.to_string()).field("meeting"))?;
    let mode = parse_mode(&req.mode)
        .ok_or_else(|| Failure::bad_request("mode is paper or electronic").field("mode"))?;
    let custody =
        crate::plenary::parse_custody(req.custody.as_deref().unwrap_or(""), mode == RoundMode::Electronic)?;
    let request = RoundRequest { election: n, meeting, mode, ballots_issued: req.ballots_issued, custody };
    let (round, receipt) = web.app.open_round(&id, &c.actor(), request).await?;
    Ok(Json(OpenedRound { round, receipt: receipt.into() }))
}

#[derive(Deserialize, ToSchema)]
pub struct PaperEntryInput {
    /// The ballot's number, 1 to the ballots issued.
    pub ballot_no: u32,
    /// Listed candidates marked yes, no or abstain; a candidate in none is blank.
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
    #[serde(default)]
    pub abstain: Vec<String>,
    /// Persons written in (另选他人).
    #[serde(default)]
    pub write_in: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PaperRequest {
    /// The round the entries are for (default: the open round).
    pub round: Option<u32>,
    /// One ballot ...
    pub ballot_no: Option<u32>,
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
    #[serde(default)]
    pub abstain: Vec<String>,
    #[serde(default)]
    pub write_in: Vec<String>,
    /// ... or a bundle of ballots.
    #[serde(default)]
    pub entries: Vec<PaperEntryInput>,
}

#[derive(Serialize, ToSchema)]
pub struct PaperOutcome {
    /// Per ballot number: first (awaits a second teller), settled (two entries
    /// agree) or mismatch (a third teller enters it again).
    pub ballots: Vec<PaperState>,
    pub receipt: Receipt,
}

#[derive(Serialize, ToSchema)]
pub struct PaperState {
    pub ballot_no: u32,
    pub state: String,
}

/// A teller enters returned paper ballots; the caller is recorded as the teller. A
/// ballot is settled when two tellers' entries agree; a teller enters a ballot once.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/paper", request_body = PaperRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = PaperOutcome), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn paper(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<PaperRequest>,
) -> ApiResult<Json<PaperOutcome>> {
    let id = assembly_id(&id)?;
    let a = load(&web, &id)?;
    let e = a.elections.get(&n).ok_or_else(|| Failure::not_found(format!("no election {n}")).json())?;
    let round = match (req.round, e.open_round()) {
        (Some(r), _) => r,
        (None, Some(r)) => r.number,
        (None, None) => e.rounds.len() as u32,
    };
    let mut given = req.entries;
    if let Some(ballot_no) = req.ballot_no {
        given.push(PaperEntryInput {
            ballot_no,
            yes: req.yes,
            no: req.no,
            abstain: req.abstain,
            write_in: req.write_in,
        });
    }
    if given.is_empty() {
        return Err(Failure::bad_request("give ballot_no with its marks, or entries")
            .field("entries")
            .json());
    }
    let entries: Vec<_> = given
        .into_iter()
        .map(|g| {
            let mut en = paper_entry(g.ballot_no, &[], &[], g.write_in);
            en.ballot.yes = g.yes;
            en.ballot.no = g.no;
            en.ballot.abstain = g.abstain;
            en
        })
        .collect();
    let numbers: Vec<u32> = entries.iter().map(|e| e.ballot_no).collect();
    let cmd = Command::EnterPaperBallots { election: n, round, teller: c.actor(), entries };
    let receipt = web.app.execute(&id, &c.actor(), cmd, None).await?;
    let ballots = web
        .app
        .read(&id, |a| {
            let r =
                a.elections.get(&n).and_then(|e| round.checked_sub(1).and_then(|i| e.rounds.get(i as usize)));
            numbers
                .iter()
                .map(|no| {
                    let slot = r.and_then(|r| r.paper.get(no));
                    let state = match slot {
                        Some(s) if s.settled.is_some() => "settled",
                        Some(s) if s.mismatch => "mismatch",
                        _ => "first",
                    };
                    PaperState { ballot_no: *no, state: state.to_owned() }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(PaperOutcome { ballots, receipt: receipt.into() }))
}

#[derive(Deserialize, ToSchema)]
pub struct ElectionBallotRequest {
    /// The round the ballot is for (default: the open round); a ballot for a round
    /// that has closed is refused.
    pub round: Option<u32>,
    /// One mark per candidate, in the round's list order: yes, no or abstain. The
    /// server checks and seals them.
    #[serde(default)]
    pub marks: Vec<String>,
    /// Instead of `marks`: the ballot sealed on the voter's own device, one sub-ballot
    /// per candidate in list order, with the round's `public_key` (as the browser does
    /// with `/static/seal.wasm`), so the server never sees the marks.
    pub sealed: Option<Vec<String>>,
    /// With `sealed`: the ballot's proof that it holds no more yes marks than it may
    /// (EL art. 44 ¶2).
    pub slate: Option<String>,
    /// Idempotency key: a double submit returns the first receipt (`replayed`).
    pub command_id: Option<String>,
}

/// Cast the caller's own electronic secret ballot. The marks are checked (no more
/// yes marks than seats: such a ballot would be void, EL art. 44 ¶2) and encrypted
/// per candidate before anything is recorded; only the per-candidate sums are ever
/// decrypted.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/ballot", request_body = ElectionBallotRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn ballot(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Json(req): Json<ElectionBallotRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let key = command_key(&c, req.command_id.as_deref())?;
    if let Some(ballots) = req.sealed {
        if !req.marks.is_empty() {
            return Err(Failure::bad_request("send either marks or a ballot sealed on the device, not both")
                .field("sealed")
                .json());
        }
        let slate = req.slate.ok_or_else(|| {
            Failure::bad_request("a sealed ballot needs its proof of yes marks").field("slate").json()
        })?;
        let sealed = plenum_app::elections::SealedElectionBallot { ballots, slate };
        let receipt = elections::cast_sealed(&web, &c, &id, n, req.round, sealed, key, EN).await?;
        return Ok(Json(receipt.into()));
    }
    let mut marks: Vec<Option<Choice>> = Vec::with_capacity(req.marks.len());
    for m in &req.marks {
        let choice = parse_choice(m)
            .ok_or_else(|| Failure::bad_request("each mark is yes, no or abstain").field("marks").json())?;
        marks.push(Some(choice));
    }
    let receipt = elections::cast(&web, &c, &id, n, req.round, marks, key, EN).await?;
    Ok(Json(receipt.into()))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CountRequest {
    /// Paper: how many ballots were returned.
    pub ballots_returned: Option<u32>,
}

/// Count the open round: paper from the settled entries, electronic by decrypting
/// only the per-candidate sums (with a proof), after which the key is destroyed.
/// Returns the election with the round's result.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/count", request_body = CountRequest,
    params(("id" = String, Path), ("election" = u32, Path)),
    responses((status = 200, body = ElectionView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn count(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    req: Option<Json<CountRequest>>,
) -> ApiResult<Json<ElectionView>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    let returned = req.and_then(|Json(r)| r.ballots_returned);
    let paper = web
        .app
        .read(&id, |a| {
            a.elections.get(&n).and_then(|e| e.open_round()).is_some_and(|r| r.mode == RoundMode::Paper)
        })
        .unwrap_or(false);
    let returned = if paper { returned } else { None };
    web.app.count_round(&id, &c.actor(), n, returned).await?;
    Ok(Json(view(&web, &c, &id, n)?))
}

// ---- rounds whose key the tellers hold ---------------------------------------------------------

/// What the tellers of an electronic round need to compute their shares offline: the
/// round's key, its candidates, and every ballot (one encrypted sub-ballot per
/// candidate, never who cast it), with the shares sent so far. 404 unless the
/// session's tellers hold the round's key.
#[utoipa::path(get, path = "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/count-input",
    params(("id" = String, Path), ("election" = u32, Path), ("round" = u32, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn round_count_input(
    State(web): State<Web>,
    Path((id, n, round)): Path<(String, u32, u32)>,
) -> ApiResult<Json<RoundCountInput>> {
    let id = assembly_id(&id)?;
    Ok(Json(elections::round_count_input(&web, &id, n, round).map_err(Failure::json)?))
}

/// Send the caller's share of decrypting a counting round's per-candidate sums
/// (`plenum teller share`); the last share counts the round.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/shares",
    request_body = ShareRequest,
    params(("id" = String, Path), ("election" = u32, Path), ("round" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn round_share(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
    Json(req): Json<ShareRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    let member = own_member(&c, &id).ok_or_else(|| not_a_member().json())?;
    Ok(Json(web.app.submit_round_share(&id, &c.actor(), n, round, member, req.share).await?.into()))
}

/// Declare void a round its tellers cannot decrypt (a key lost or withheld): it is
/// never counted, and the same round (candidates and seats) is held again.
#[utoipa::path(post, path = "/api/v1/assemblies/{id}/elections/{election}/rounds/{round}/void",
    request_body = VoidRequest,
    params(("id" = String, Path), ("election" = u32, Path), ("round" = u32, Path)),
    responses((status = 200, body = Receipt), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn round_void(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
    Json(req): Json<VoidRequest>,
) -> ApiResult<Json<Receipt>> {
    let id = assembly_id(&id)?;
    serving(&c, &id)?;
    Ok(Json(web.app.void_round_count(&id, &c.actor(), n, round, req.reason).await?.into()))
}
