//! Elections on the web (选举): the public record of every election (office, seats,
//! method and margin with their statutes, candidates with biographies and
//! nominators, the preliminary vote, every round with its counts, threshold, the
//! elected and what comes next), the secretariat's and presidium's forms that run
//! an election, the tellers' double entry of paper ballots, the deputies' phone
//! ballot for electronic rounds, rounds whose key the session's tellers hold (监票人,
//! EL art. 43: their count input, their shares, the chair's declaring a count void),
//! the tally report, and what the projector and the home page show. The views
//! computed here feed the pages and the JSON API (`elections_api`).
//!
//! Secrecy: an electronic round shows who may still vote only to the member asking
//! (`me`), and how many have voted; never a ballot. Paper entries are shown to
//! nobody but as progress (ballot numbers settled, awaiting a second entry, or
//! mismatched): a teller cannot read another teller's entry.

use crate::Web;
use crate::auth::{Caller, STAFF};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::pages::{self, Chrome};
use crate::pages::{card, render};
use crate::plenary::{FormData, command_key, not_a_member, own_member, parse_choice, snake};
use crate::plenary::{assembly_id, download, fresh_key, load, noun, pdf_download, report_lang, see_other};
use crate::tellers::TellerShareView;
use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use plenum_app::elections::{RoundRequest, SealedElectionBallot};
use plenum_domain::{
    Assembly, AssemblyId, BodyKind, CandidateDraft, Choice, Command, Election, ElectionMethod, ElectionStage,
    Event, ItemKind, ItemState, Margin, MeetingId, MeetingKind, MeetingState, MemberId, Nominator,
    OfficeKind, PaperEntry, PreliminaryCount, Round, RoundKind, RoundMode, RoundPlan, RoundState,
};
use plenum_journal::Journal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// Candidate slots on the nomination form (the API takes any number).
const NOMINATION_SLOTS: usize = 5;

// ---- words ------------------------------------------------------------------------------

/// A statute citation after a sentence: "（OL art. 27）" or " (OL art. 27)".
fn cite(src: &str, lang: Lang) -> String {
    if src.is_empty() {
        String::new()
    } else if lang == Lang::Zh {
        format!("（{src}）")
    } else {
        format!(" ({src})")
    }
}

/// Names in a list: "甲、乙" or "A, B".
fn join(names: &[String], lang: Lang) -> String {
    names.join(if lang == Lang::Zh { "、" } else { ", " })
}

pub fn office_key(o: OfficeKind) -> &'static str {
    match o {
        OfficeKind::Leader => "leader",
        OfficeKind::Deputy => "deputy",
        OfficeKind::Member => "member",
        OfficeKind::HigherLevelDeputies => "higher_level_deputies",
        OfficeKind::Custom { .. } => "custom",
    }
}

fn office_text(o: OfficeKind, lang: Lang) -> String {
    match o {
        OfficeKind::Leader => lang.t("election.office.leader").to_owned(),
        OfficeKind::Deputy => lang.t("election.office.deputy").to_owned(),
        OfficeKind::Member => lang.t("election.office.member").to_owned(),
        OfficeKind::HigherLevelDeputies => lang.t("election.office.higher_level_deputies").to_owned(),
        OfficeKind::Custom { min_extra, max_extra } => lang
            .t("election.office.custom")
            .replace("{min}", &min_extra.to_string())
            .replace("{max}", &max_extra.to_string()),
    }
}

fn method_text(m: ElectionMethod, lang: Lang) -> String {
    match m {
        ElectionMethod::CnPeopleCongress => lang.t("election.method.cn").to_owned(),
        ElectionMethod::RobertsRules => lang.t("election.method.roberts").to_owned(),
        ElectionMethod::BlockVote { min_votes, max_votes } => lang
            .t("election.method.block")
            .replace("{min}", &min_votes.to_string())
            .replace("{max}", &max_votes.to_string()),
        ElectionMethod::Approval => lang.t("election.method.approval").to_owned(),
        ElectionMethod::Stv => lang.t("election.method.stv").to_owned(),
    }
}

fn stage_key(s: ElectionStage) -> &'static str {
    match s {
        ElectionStage::Nominating => "nominating",
        ElectionStage::CandidatesFixed => "candidates_fixed",
        ElectionStage::Voting => "voting",
        ElectionStage::Counting => "counting",
        ElectionStage::NextRoundDue => "next_round_due",
        ElectionStage::Completed => "completed",
    }
}

fn stage_text(s: ElectionStage, lang: Lang) -> &'static str {
    lang.t(match s {
        ElectionStage::Nominating => "election.stage.nominating",
        ElectionStage::CandidatesFixed => "election.stage.candidates_fixed",
        ElectionStage::Voting => "election.stage.voting",
        ElectionStage::Counting => "election.stage.counting",
        ElectionStage::NextRoundDue => "election.stage.next_round_due",
        ElectionStage::Completed => "election.stage.completed",
    })
}

fn kind_text(k: RoundKind, lang: Lang) -> &'static str {
    lang.t(match k {
        RoundKind::First => "election.kind.first",
        RoundKind::TieRunoff => "election.kind.tie_runoff",
        RoundKind::AnotherRound => "election.kind.another_round",
        RoundKind::Revote => "election.kind.revote",
    })
}

fn mode_text(m: RoundMode, lang: Lang) -> &'static str {
    lang.t(match m {
        RoundMode::Paper => "election.mode.paper",
        RoundMode::Electronic => "election.mode.electronic",
    })
}

/// Where the statute puts the margin of this election.
fn margin_source(e: &Election) -> &'static str {
    if e.by_election {
        "OL art. 30"
    } else {
        match e.office {
            OfficeKind::HigherLevelDeputies => "EL art. 31",
            OfficeKind::Custom { .. } => "",
            _ => "OL art. 27",
        }
    }
}

fn margin_text(a: &Assembly, e: &Election, lang: Lang) -> String {
    let m = e.margin;
    let (lo, hi) = m.candidates(e.seats);
    let congress = matches!(a.kind, Some(BodyKind::PeoplesCongress));
    let src = if congress { cite(margin_source(e), lang) } else { String::new() };
    let key = if m.min_extra == m.max_extra { "election.margin.exact" } else { "election.margin.range" };
    let mut s = lang
        .t(key)
        .replace("{min}", &m.min_extra.to_string())
        .replace("{max}", &m.max_extra.to_string())
        .replace("{lo}", &lo.to_string())
        .replace("{hi}", &hi.to_string())
        .replace("{src}", &src);
    let (statutory, _) = e.office.statutory_margin(e.seats, e.by_election);
    if congress && statutory != m && !matches!(e.office, OfficeKind::Custom { .. }) {
        s.push_str(
            &lang
                .t("election.margin.method")
                .replace("{smin}", &statutory.min_extra.to_string())
                .replace("{smax}", &statutory.max_extra.to_string()),
        );
    }
    if e.office == OfficeKind::Leader && !e.by_election {
        s.push_str(lang.t("election.margin.single_nominee"));
    }
    if e.by_election {
        s.push_str(lang.t("election.margin.by_election"));
    }
    s
}

/// The threshold in words; `method` is the counting method's name.
fn threshold_text(a: &Assembly, method: &str, threshold: Option<u32>, members: u32, lang: Lang) -> String {
    match (method, threshold) {
        ("cn-people-congress", Some(n)) => lang
            .t("election.threshold.cn")
            .replace("{m}", &members.to_string())
            .replace("{n}", &n.to_string())
            .replace("{noun}", noun(a, lang)),
        (_, Some(n)) => lang.t("election.threshold.majority").replace("{n}", &n.to_string()),
        (_, None) => lang.t("election.threshold.plurality").to_owned(),
    }
}

/// Ballot numbers as ranges: "1–50, 52".
pub fn ranges(nums: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = nums.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        out.push(if end == start { start.to_string() } else { format!("{start}–{end}") });
    }
    out.join(", ")
}

// ---- views ----------------------------------------------------------------------------------

/// An election in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElectionSummary {
    pub number: u32,
    pub session: String,
    pub item: u32,
    pub title: String,
    pub title_en: String,
    /// leader, deputy, member, higher_level_deputies or custom.
    pub office: String,
    pub seats: u32,
    /// nominating, candidates_fixed, voting, counting (waiting for the tellers'
    /// shares), next_round_due or completed.
    pub stage: String,
    pub rounds: u32,
    /// The round open for voting.
    pub open_round: Option<u32>,
    /// Everyone elected so far, in order of election.
    pub elected: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarginView {
    pub min_extra: u32,
    pub max_extra: u32,
    pub min_candidates: u32,
    pub max_candidates: u32,
    /// The margin in words, with the statute.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateView {
    pub number: u32,
    pub name: String,
    /// 简历 (OL art. 26 ¶4).
    pub biography: String,
    pub member: Option<String>,
    pub nomination: u32,
    /// presidium or deputies.
    pub nominated_by: String,
    /// Who nominated, in words.
    pub nominated_by_text: String,
    /// A joint nomination: how many deputies signed it.
    pub signers: u32,
    /// Withdrawn before the list was fixed, with the reason.
    pub withdrawn: Option<String>,
    /// On the official list (正式候选人).
    pub official: bool,
    pub elected: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NominationView {
    pub number: u32,
    /// presidium or deputies.
    pub by: String,
    pub by_text: String,
    /// A joint nomination's signers (member ids).
    pub signers: Vec<String>,
    /// Candidate numbers.
    pub candidates: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreliminaryRow {
    pub candidate: u32,
    pub name: String,
    pub votes: u32,
    /// The run-off preliminary vote among those tied at the cut.
    pub runoff: Option<u32>,
    /// Made the official list.
    pub listed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FixedView {
    /// In ballot order.
    pub candidates: Vec<String>,
    /// An equal-number election (等额选举).
    pub equal: bool,
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountRow {
    pub candidate: String,
    pub write_in: bool,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub elected: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoidBallotView {
    pub ballot_no: u32,
    pub reason: String,
}

/// What the next round must be.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// tie_runoff, another_round or revote.
    pub kind: String,
    pub kind_text: String,
    pub candidates: Vec<String>,
    pub seats: u32,
    /// The tally's basis line, with the statute.
    pub basis: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundResultView {
    /// False when the whole round is void.
    pub valid: bool,
    pub reason: Option<String>,
    pub ballots_issued: Option<u32>,
    pub ballots_returned: u32,
    pub ballots_valid: u32,
    pub ballots_invalid: u32,
    pub void_ballots: Vec<VoidBallotView>,
    /// Yes votes a candidate needs.
    pub threshold: Option<u32>,
    /// E.g. "more than half of all 438 deputies = 220 (OL art. 25, OL art. 29 ¶1)".
    pub threshold_text: String,
    /// Listed candidates first, then persons written in.
    pub counts: Vec<CountRow>,
    /// Elected in this round, in order of votes.
    pub elected: Vec<String>,
    pub seats_unfilled: u32,
    pub next_round: Option<PlanView>,
    /// Each step of the decision with its rule.
    pub basis: Vec<String>,
}

/// Paper entry progress of an open round: ballot numbers only, never an entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaperProgress {
    pub issued: u32,
    /// Ballot numbers entered at least once.
    pub entered: u32,
    /// Ballot numbers with two agreeing entries by different tellers.
    pub settled: u32,
    /// Entered once: a second teller enters them.
    pub awaiting_second: Vec<u32>,
    /// Entries disagree: a third teller enters them again.
    pub mismatched: Vec<u32>,
}

impl PaperProgress {
    /// The ballot numbers awaiting a second entry, as ranges.
    pub fn awaiting_ranges(&self) -> String {
        ranges(&self.awaiting_second)
    }
    /// The mismatched ballot numbers, as ranges.
    pub fn mismatched_ranges(&self) -> String {
        ranges(&self.mismatched)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundView {
    pub number: u32,
    /// first, tie_runoff, another_round or revote.
    pub kind: String,
    pub kind_text: String,
    /// paper or electronic.
    pub mode: String,
    pub mode_text: String,
    /// open, counting (electronic, its key held by the tellers: closed to ballots and
    /// waiting for their shares), counted or void (its tellers could not decrypt it;
    /// the same round is held again).
    pub state: String,
    pub state_text: String,
    /// Electronic: who holds the key, server or tellers.
    pub custody: Option<String>,
    /// Electronic: the key a voter's device seals its ballot with (the `sealed` field
    /// of a ballot), its holders' published keys joined by `;`.
    pub public_key: Option<String>,
    /// Electronic: how many yes marks a ballot may hold, `[min, max]`, which a sealed
    /// ballot's `slate` proves.
    pub yes_marks: Option<(u32, u32)>,
    /// The tellers who hold the key, in the key's order, with their keys'
    /// fingerprints and whether each has sent a share; empty unless they hold it.
    pub tellers: Vec<TellerShareView>,
    /// Why the chair declared the round void.
    pub void_reason: Option<String>,
    pub meeting: String,
    /// The names on the ballot, in order.
    pub candidates: Vec<String>,
    pub seats: u32,
    /// All members holding a mandate when the round opened.
    pub electorate: u32,
    pub present: u32,
    /// Paper: ballots handed out.
    pub ballots_issued: Option<u32>,
    pub opened_at: String,
    pub counted_at: Option<String>,
    /// Electronic: how many have voted (never who chose what).
    pub turnout: Option<u32>,
    /// Paper, while open: the tellers' progress.
    pub paper: Option<PaperProgress>,
    pub result: Option<RoundResultView>,
    /// Electronic, counted: only the per-candidate sums were decrypted, with a proof.
    pub sums_only: bool,
}

impl RoundView {
    /// The tellers' shares in, of all: "1 / 3".
    pub fn shares_in(&self) -> String {
        format!("{} / {}", self.tellers.iter().filter(|t| t.sent).count(), self.tellers.len())
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElectedView {
    pub name: String,
    pub candidate: Option<u32>,
    pub member: Option<String>,
    pub yes: u32,
    pub round: u32,
}

/// The caller's own ballot in an electronic round.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyElectionBallot {
    pub member: String,
    /// The open electronic round.
    pub round: Option<u32>,
    /// Checked in at the round's meeting.
    pub present: bool,
    /// The meeting takes members' own check-in only with the code shown in the hall.
    pub hall_code: bool,
    pub voted: bool,
    pub can_vote: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElectionView {
    pub number: u32,
    pub session: String,
    pub item: u32,
    pub item_title: String,
    pub title: String,
    pub title_en: String,
    pub office: String,
    pub office_text: String,
    pub seats: u32,
    /// cn-people-congress, roberts-rules, block-vote, approval or stv.
    pub method: String,
    /// The method in words, with the statute.
    pub method_text: String,
    pub margin: MarginView,
    pub by_election: bool,
    /// Fewest deputies who may nominate jointly (OL art. 26).
    pub nomination_group_size: u32,
    pub members_only: bool,
    pub stage: String,
    pub stage_text: String,
    /// Every candidate nominated, withdrawn ones included.
    pub candidates: Vec<CandidateView>,
    pub nominations: Vec<NominationView>,
    pub preliminary: Option<Vec<PreliminaryRow>>,
    pub fixed: Option<FixedView>,
    pub rounds: Vec<RoundView>,
    pub elected: Vec<ElectedView>,
    pub seats_remaining: u32,
    /// The round the last count calls for, while seats remain.
    pub next_round: Option<PlanView>,
    /// The caller's ballot, for a member of the assembly.
    pub me: Option<MyElectionBallot>,
}

pub fn summary(e: &Election) -> ElectionSummary {
    ElectionSummary {
        number: e.number,
        session: e.session.to_string(),
        item: e.item,
        title: e.title.clone(),
        title_en: e.title_en.clone(),
        office: office_key(e.office).to_owned(),
        seats: e.seats,
        stage: stage_key(e.stage()).to_owned(),
        rounds: e.rounds.len() as u32,
        open_round: e.open_round().map(|r| r.number),
        elected: e.elected.iter().map(|x| x.name.clone()).collect(),
    }
}

fn nominator_key(by: &Nominator) -> &'static str {
    match by {
        Nominator::Presidium => "presidium",
        Nominator::Deputies { .. } => "deputies",
    }
}

fn nominator_text(by: &Nominator, lang: Lang) -> String {
    match by {
        Nominator::Presidium => lang.t("election.by.presidium").to_owned(),
        Nominator::Deputies { members } => {
            lang.t("election.by.deputies").replace("{n}", &members.len().to_string())
        }
    }
}

fn plan_view(p: &RoundPlan, lang: Lang) -> PlanView {
    PlanView {
        kind: snake(&p.kind),
        kind_text: kind_text(p.kind, lang).to_owned(),
        candidates: p.candidates.clone(),
        seats: p.seats,
        basis: p.basis.clone(),
    }
}

fn round_state(s: RoundState) -> &'static str {
    match s {
        RoundState::Open => "open",
        RoundState::Counting => "counting",
        RoundState::Counted => "counted",
        RoundState::Void => "void",
    }
}

fn round_state_text(s: RoundState, lang: Lang) -> &'static str {
    lang.t(match s {
        RoundState::Open => "election.round.open",
        RoundState::Counting => "election.round.counting",
        RoundState::Counted => "election.round.counted",
        RoundState::Void => "election.round.void",
    })
}

fn round_view(a: &Assembly, e: &Election, r: &Round, lang: Lang) -> RoundView {
    let open = r.state == RoundState::Open;
    let paper = (open && r.mode == RoundMode::Paper).then(|| {
        let waiting = |pred: &dyn Fn(&plenum_domain::election::PaperSlot) -> bool| {
            r.paper.iter().filter(|(_, s)| s.settled.is_none() && pred(s)).map(|(n, _)| *n).collect()
        };
        PaperProgress {
            issued: r.ballots_issued.unwrap_or(0),
            entered: r.paper.len() as u32,
            settled: r.settled() as u32,
            awaiting_second: waiting(&|s| !s.mismatch),
            mismatched: waiting(&|s| s.mismatch),
        }
    });
    let result = r.result.as_ref().map(|res| RoundResultView {
        valid: res.valid,
        reason: res.reason.clone(),
        ballots_issued: res.ballots_issued,
        ballots_returned: res.ballots_returned,
        ballots_valid: res.ballots_valid,
        ballots_invalid: res.ballots_invalid,
        void_ballots: res
            .void_ballots
            .iter()
            .map(|v| VoidBallotView { ballot_no: v.ballot_no, reason: v.reason.clone() })
            .collect(),
        threshold: res.threshold,
        threshold_text: threshold_text(a, res.method.name(), res.threshold, res.members, lang),
        counts: res
            .counts
            .iter()
            .map(|c| CountRow {
                candidate: c.candidate.clone(),
                write_in: c.write_in,
                yes: c.yes,
                no: c.no,
                abstain: c.abstain,
                elected: res.elected.contains(&c.candidate),
            })
            .collect(),
        elected: res.elected.clone(),
        seats_unfilled: res.seats_unfilled,
        next_round: res.next_round.as_ref().map(|p| plan_view(p, lang)),
        basis: res.basis.clone(),
    });
    RoundView {
        number: r.number,
        kind: snake(&r.kind),
        kind_text: kind_text(r.kind, lang).to_owned(),
        mode: snake(&r.mode),
        mode_text: mode_text(r.mode, lang).to_owned(),
        state: round_state(r.state).to_owned(),
        state_text: round_state_text(r.state, lang).to_owned(),
        custody: (r.mode == RoundMode::Electronic)
            .then(|| if r.tellers.is_empty() { "server" } else { "tellers" }.to_owned()),
        public_key: r.public_key.clone().filter(|_| r.mode == RoundMode::Electronic),
        yes_marks: (r.mode == RoundMode::Electronic).then(|| plenum_domain::election::round_yes_bounds(e, r)),
        tellers: crate::tellers::holders(a, r.public_key.as_deref(), &r.tellers, &r.shares),
        void_reason: r.void_reason.clone(),
        meeting: r.meeting.to_string(),
        candidates: r.candidates.clone(),
        seats: r.seats,
        electorate: r.electorate,
        present: r.present,
        ballots_issued: r.ballots_issued,
        opened_at: r.opened_at.to_rfc3339(),
        counted_at: r.counted_at.map(|t| t.to_rfc3339()),
        turnout: (r.mode == RoundMode::Electronic).then_some(r.voted.len() as u32),
        paper,
        result,
        sums_only: r.mode == RoundMode::Electronic && r.decryption.is_some(),
    }
}

/// The caller's ballot in the election's open electronic round.
fn my_ballot(a: &Assembly, e: &Election, me: &MemberId) -> Option<MyElectionBallot> {
    let member = a.members.get(me)?;
    let r = e.open_round().filter(|r| r.mode == RoundMode::Electronic);
    let meeting = r.and_then(|r| a.meetings.get(&r.meeting));
    let present = meeting.is_some_and(|m| m.attendance.present.contains_key(me));
    let voted = r.is_some_and(|r| r.voted.contains(me));
    Some(MyElectionBallot {
        hall_code: meeting.is_some_and(|m| m.hall_code),
        member: me.to_string(),
        round: r.map(|r| r.number),
        present,
        voted,
        can_vote: r.is_some() && present && !voted && member.status.holds_mandate(),
    })
}

pub fn election_view(a: &Assembly, e: &Election, lang: Lang, me: Option<&MemberId>) -> ElectionView {
    let official: Vec<u32> = e.fixed.as_ref().map(|f| f.candidates.clone()).unwrap_or_default();
    let nomination = |n: u32| e.nominations.iter().find(|x| x.number == n);
    let candidates = e
        .candidates
        .iter()
        .map(|c| {
            let by = nomination(c.nomination).map(|n| &n.by);
            CandidateView {
                number: c.number,
                name: c.name.clone(),
                biography: c.biography.clone(),
                member: c.member.as_ref().map(ToString::to_string),
                nomination: c.nomination,
                nominated_by: by.map(|b| nominator_key(b).to_owned()).unwrap_or_default(),
                nominated_by_text: by.map(|b| nominator_text(b, lang)).unwrap_or_default(),
                signers: match by {
                    Some(Nominator::Deputies { members }) => members.len() as u32,
                    _ => 0,
                },
                withdrawn: c.withdrawn.clone(),
                official: official.contains(&c.number),
                elected: e.elected.iter().any(|x| x.candidate == Some(c.number)),
            }
        })
        .collect();
    let nominations = e
        .nominations
        .iter()
        .map(|n| NominationView {
            number: n.number,
            by: nominator_key(&n.by).to_owned(),
            by_text: nominator_text(&n.by, lang),
            signers: match &n.by {
                Nominator::Deputies { members } => members.iter().map(ToString::to_string).collect(),
                Nominator::Presidium => Vec::new(),
            },
            candidates: n.candidates.clone(),
        })
        .collect();
    let preliminary = e.preliminary.as_ref().map(|p| {
        let mut rows: Vec<PreliminaryRow> = p
            .counts
            .iter()
            .map(|c| PreliminaryRow {
                candidate: c.candidate,
                name: e.candidate(c.candidate).map(|x| x.name.clone()).unwrap_or_default(),
                votes: c.votes,
                runoff: p.runoff.iter().find(|r| r.candidate == c.candidate).map(|r| r.votes),
                listed: official.contains(&c.candidate),
            })
            .collect();
        rows.sort_by_key(|r| (std::cmp::Reverse(r.votes), std::cmp::Reverse(r.runoff), r.candidate));
        rows
    });
    let item_title = a
        .sessions
        .get(&e.session)
        .and_then(|s| s.agenda.iter().find(|i| i.number == e.item))
        .map(|i| lang.pick(&i.title, &i.title_en).to_owned())
        .unwrap_or_default();
    let (lo, hi) = e.margin.candidates(e.seats);
    ElectionView {
        number: e.number,
        session: e.session.to_string(),
        item: e.item,
        item_title,
        title: e.title.clone(),
        title_en: e.title_en.clone(),
        office: office_key(e.office).to_owned(),
        office_text: office_text(e.office, lang),
        seats: e.seats,
        method: e.method.tally_method().name().to_owned(),
        method_text: method_text(e.method, lang),
        margin: MarginView {
            min_extra: e.margin.min_extra,
            max_extra: e.margin.max_extra,
            min_candidates: lo,
            max_candidates: hi,
            text: margin_text(a, e, lang),
        },
        by_election: e.by_election,
        nomination_group_size: e.nomination_group_size,
        members_only: e.members_only,
        stage: stage_key(e.stage()).to_owned(),
        stage_text: stage_text(e.stage(), lang).to_owned(),
        candidates,
        nominations,
        preliminary,
        fixed: e.fixed.as_ref().map(|f| FixedView {
            candidates: e.fixed_names(),
            equal: f.equal,
            basis: f.basis.clone(),
        }),
        rounds: e.rounds.iter().map(|r| round_view(a, e, r, lang)).collect(),
        elected: e
            .elected
            .iter()
            .map(|x| ElectedView {
                name: x.name.clone(),
                candidate: x.candidate,
                member: x.member.as_ref().map(ToString::to_string),
                yes: x.yes,
                round: x.round,
            })
            .collect(),
        seats_remaining: e.seats_remaining(),
        next_round: e.next_round().map(|p| plan_view(p, lang)),
        me: me.and_then(|m| my_ballot(a, e, m)),
    }
}

// ---- inputs shared by the pages and the API ----------------------------------------------------

/// What the create form and the API fill in.
#[derive(Debug, Clone, Default)]
pub struct CreateInput {
    pub session: String,
    pub item: u32,
    pub title: String,
    pub title_en: String,
    pub office: String,
    pub custom_min_extra: Option<u32>,
    pub custom_max_extra: Option<u32>,
    pub seats: u32,
    pub method: Option<String>,
    pub min_votes: Option<u32>,
    pub max_votes: Option<u32>,
    pub margin_min_extra: Option<u32>,
    pub margin_max_extra: Option<u32>,
    pub by_election: bool,
    pub nomination_group_size: Option<u32>,
    pub members_only: bool,
}

fn bad(field: &str, message: impl Into<String>) -> Failure {
    Failure::bad_request(message).field(field.to_owned())
}

pub fn create_command(input: &CreateInput, lang: Lang) -> Result<Command, Failure> {
    let session = plenum_domain::SessionKey::parse(input.session.trim())
        .map_err(|_| bad("session", lang.t("election.err.session")))?;
    let office = match input.office.trim() {
        "leader" => OfficeKind::Leader,
        "deputy" => OfficeKind::Deputy,
        "member" => OfficeKind::Member,
        "higher_level_deputies" => OfficeKind::HigherLevelDeputies,
        "custom" => OfficeKind::Custom {
            min_extra: input.custom_min_extra.unwrap_or(0),
            max_extra: input.custom_max_extra.or(input.custom_min_extra).unwrap_or(0),
        },
        _ => return Err(bad("office", lang.t("election.err.office"))),
    };
    let method = match input.method.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some("cn-people-congress") => Some(ElectionMethod::CnPeopleCongress),
        Some("roberts-rules") => Some(ElectionMethod::RobertsRules),
        Some("approval") => Some(ElectionMethod::Approval),
        Some("stv") => Some(ElectionMethod::Stv),
        Some("block-vote") => Some(ElectionMethod::BlockVote {
            min_votes: input.min_votes.unwrap_or(0),
            max_votes: input.max_votes.unwrap_or(input.seats),
        }),
        Some(_) => return Err(bad("method", lang.t("election.err.method"))),
    };
    let margin = match (input.margin_min_extra, input.margin_max_extra) {
        (None, None) => None,
        (min, max) => {
            let min = min.or(max).unwrap_or(0);
            Some(Margin { min_extra: min, max_extra: max.unwrap_or(min) })
        }
    };
    Ok(Command::CreateElection {
        session,
        item: input.item,
        title: input.title.clone(),
        title_en: input.title_en.clone(),
        office,
        seats: input.seats,
        method,
        margin,
        by_election: input.by_election,
        nomination_group_size: input.nomination_group_size,
        members_only: input.members_only,
    })
}

/// Members named by id or by name (one name must fit one seated member).
pub fn parse_people(
    a: &Assembly,
    items: &[String],
    field: &str,
    lang: Lang,
) -> Result<Vec<MemberId>, Failure> {
    let mut out = Vec::new();
    for raw in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if let Ok(id) = MemberId::parse(raw) {
            if a.members.contains_key(&id) {
                out.push(id);
                continue;
            }
        }
        let found: Vec<&MemberId> = a.seated_members().filter(|m| m.name == raw).map(|m| &m.id).collect();
        match found.as_slice() {
            [one] => out.push((*one).clone()),
            [] => return Err(bad(field, lang.t("election.err.unknown_person").replace("{who}", raw))),
            _ => return Err(bad(field, lang.t("election.err.ambiguous_person").replace("{who}", raw))),
        }
    }
    Ok(out)
}

/// Splits a textarea of names or ids: new lines, commas, 、 and semicolons.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(['\n', '\r', ',', '，', '、', ';', '；'])
        .flat_map(|part| {
            // Ids may also be separated by spaces; names are kept whole.
            let part = part.trim();
            if part.contains(' ') && part.split_whitespace().all(|w| MemberId::parse(w).is_ok()) {
                part.split_whitespace().map(str::to_owned).collect::<Vec<_>>()
            } else {
                vec![part.to_owned()]
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// A candidate as given: a member id fills in the name and the biography on record.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CandidateInput {
    /// The name on the ballot; the member's name when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// 简历; the member's biography on record when left out.
    #[serde(default)]
    pub biography: Option<String>,
    /// The candidate's member id (required for the standing committee, OL art. 47).
    #[serde(default)]
    pub member: Option<String>,
}

pub fn candidate_drafts(
    a: &Assembly,
    given: &[CandidateInput],
    lang: Lang,
) -> Result<Vec<CandidateDraft>, Failure> {
    let mut out = Vec::new();
    for c in given {
        let name = c.name.as_deref().map(str::trim).unwrap_or("");
        let member_text = c.member.as_deref().map(str::trim).unwrap_or("");
        let biography = c.biography.as_deref().map(str::trim).unwrap_or("");
        if name.is_empty() && member_text.is_empty() && biography.is_empty() {
            continue;
        }
        let member = if member_text.is_empty() {
            None
        } else {
            parse_people(a, &[member_text.to_owned()], "member", lang)?.into_iter().next()
        };
        let record = member.as_ref().and_then(|m| a.members.get(m));
        let name = if name.is_empty() {
            record.map(|m| m.name.clone()).unwrap_or_default()
        } else {
            name.to_owned()
        };
        let biography = if biography.is_empty() {
            record.and_then(|m| m.biography.clone()).unwrap_or_default()
        } else {
            biography.to_owned()
        };
        out.push(CandidateDraft { name, biography, member });
    }
    Ok(out)
}

/// A paper ballot as entered: yes, no or abstain (or nothing) for each listed
/// candidate, in list order, and the persons written in.
pub fn paper_entry(
    ballot_no: u32,
    candidates: &[String],
    marks: &[Option<Choice>],
    write_in: Vec<String>,
) -> PaperEntry {
    let mut e = PaperEntry { ballot_no, ballot: Default::default() };
    e.ballot.write_in = write_in;
    for (name, mark) in candidates.iter().zip(marks) {
        match mark {
            Some(Choice::Yes) => e.ballot.yes.push(name.clone()),
            Some(Choice::No) => e.ballot.no.push(name.clone()),
            Some(Choice::Abstain) => e.ballot.abstain.push(name.clone()),
            None => {}
        }
    }
    e
}

/// The election number an `ElectionCreated` receipt stands for.
pub async fn created_number(web: &Web, receipt: &plenum_app::Receipt) -> Option<u32> {
    let rec = web.app.journal().read_all(receipt.position.checked_sub(1)?, 1).await.ok()?;
    let rec = rec.first()?;
    match Event::from_payload(&rec.kind, &rec.payload).ok()? {
        Event::ElectionCreated { election, .. } => Some(election),
        _ => None,
    }
}

/// A rule's refusal in the caller's language: the table's sentence (with the values
/// given) and the statute, else the rule's own message.
pub fn explain(f: Failure, lang: Lang, values: &[(&str, String)]) -> Failure {
    f.localize(lang, values)
}

/// The election, or 404.
fn election_of(a: &Assembly, n: u32, lang: Lang) -> Result<&Election, Failure> {
    a.elections.get(&n).map(|e| &**e).ok_or_else(|| Failure::not_found(lang.t("election.err.unknown")))
}

/// The caller runs this assembly's business (secretariat, or its presidium).
fn serving(c: &Caller, id: &AssemblyId) -> Result<(), Failure> {
    if c.serves(id.as_str()) {
        Ok(())
    } else {
        Err(Failure::forbidden().with_message(c.lang.t("error.forbidden")))
    }
}

/// The open round the form was made for, if it still is open.
fn open_round_checked(
    e: &Election,
    given: Option<u32>,
    mode: RoundMode,
    lang: Lang,
) -> Result<&Round, Failure> {
    let closed = || {
        Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "rule_violation", lang.t("election.err.round_counted"))
            .field("round")
    };
    let r = e.open_round().ok_or_else(closed)?;
    if given.is_some_and(|g| g != r.number) {
        return Err(closed());
    }
    if r.mode != mode {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_violation",
            lang.t("election.err.round_mode"),
        )
        .field("round"));
    }
    Ok(r)
}

/// Checks and casts an electronic ballot: one mark per candidate of the open round.
/// Refusals are worded in `lang`.
#[allow(clippy::too_many_arguments)]
pub async fn cast(
    web: &Web,
    c: &Caller,
    id: &AssemblyId,
    n: u32,
    round: Option<u32>,
    marks: Vec<Option<Choice>>,
    key: Option<String>,
    lang: Lang,
) -> Result<plenum_app::Receipt, Failure> {
    let member = own_member(c, id).ok_or_else(|| explain(not_a_member(), lang, &[]))?;
    let (seats, count) = web
        .app
        .read(id, |a| -> Result<(u32, usize), Failure> {
            let e = election_of(a, n, lang)?;
            let r = open_round_checked(e, round, RoundMode::Electronic, lang)?;
            Ok((r.seats, r.candidates.len()))
        })
        .ok_or_else(|| Failure::not_found(lang.t("error.not_found")))??;
    if marks.len() != count || marks.iter().any(Option::is_none) {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule_violation",
            lang.t("election.err.marks"),
        )
        .field("marks"));
    }
    let marks: Vec<Choice> = marks.into_iter().flatten().collect();
    let yes = marks.iter().filter(|m| **m == Choice::Yes).count();
    web.app
        .cast_election_ballot(id, &c.actor(), n, member, marks, key)
        .await
        .map_err(|e| explain(e.into(), lang, &[("seats", seats.to_string()), ("yes", yes.to_string())]))
}

/// Casts a ballot sealed on the member's own device (the browser's `seal.wasm`): one
/// sub-ballot per candidate and the proof of its number of yes marks. The app checks
/// every proof before the rules record it.
#[allow(clippy::too_many_arguments)]
pub async fn cast_sealed(
    web: &Web,
    c: &Caller,
    id: &AssemblyId,
    n: u32,
    round: Option<u32>,
    sealed: SealedElectionBallot,
    key: Option<String>,
    lang: Lang,
) -> Result<plenum_app::Receipt, Failure> {
    let member = own_member(c, id).ok_or_else(|| explain(not_a_member(), lang, &[]))?;
    web.app
        .read(id, |a| -> Result<(), Failure> {
            let e = election_of(a, n, lang)?;
            open_round_checked(e, round, RoundMode::Electronic, lang).map(|_| ())
        })
        .ok_or_else(|| Failure::not_found(lang.t("error.not_found")))??;
    web.app
        .cast_sealed_election_ballot(id, &c.actor(), n, member, sealed, key)
        .await
        .map_err(|e| explain(e.into(), lang, &[]))
}

/// A ballot sealed on the device, from a form: its sub-ballots joined by commas in
/// `sealed`, and its proof of yes marks in `slate`. None when the form sent marks.
fn sealed_from(
    f: &FormData,
    marks: &[Option<Choice>],
    lang: Lang,
) -> Result<Option<SealedElectionBallot>, Failure> {
    let sealed = f.text("sealed");
    if sealed.trim().is_empty() {
        return Ok(None);
    }
    if marks.iter().any(Option::is_some) {
        return Err(Failure::bad_request(lang.t("election.err.marks_and_sealed")).field("sealed"));
    }
    let ballots = sealed.split(',').map(|b| b.trim().to_owned()).collect();
    Ok(Some(SealedElectionBallot { ballots, slate: f.text("slate").trim().to_owned() }))
}

// ---- pages: plumbing -------------------------------------------------------------------------

type PageResult = Result<Response, PageError>;

fn render_status(t: &impl Template, lang: Lang, status: StatusCode) -> PageResult {
    let mut r = render(t, lang)?;
    *r.status_mut() = status;
    Ok(r)
}

fn number(f: &FormData, name: &str, lang: Lang) -> Result<Option<u32>, Failure> {
    match f.get(name).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| bad(name, lang.t("election.err.number"))),
    }
}

fn text(f: &FormData, name: &str) -> String {
    f.get(name).unwrap_or("").to_owned()
}

fn done_message(done: Option<&str>, lang: Lang) -> Option<&'static str> {
    let key = match done? {
        "created" => "election.done.created",
        "nominated" => "election.done.nominated",
        "withdrawn" => "election.done.withdrawn",
        "fixed" => "election.done.fixed",
        "preliminary" => "election.done.preliminary",
        "opened" => "election.done.opened",
        "counted" => "election.done.counted",
        "cast" => "election.done.cast",
        "sealed-on-device" => "election.done.sealed_on_device",
        "counting" => "election.done.counting",
        "share" => "plenary.done.share",
        "void" => "election.done.void",
        _ => return None,
    };
    Some(lang.t(key))
}

// ---- pages: the list and the create form ----------------------------------------------------

pub struct ListRow {
    pub number: u32,
    pub title: String,
    pub office: String,
    pub seats: u32,
    pub stage: &'static str,
    pub stage_class: &'static str,
    pub elected: String,
}

/// The create form's choices.
pub struct CreateForm {
    /// (value "session:item", label)
    pub items: Vec<(String, String)>,
    pub congress: bool,
}

#[derive(Template)]
#[template(path = "election_list.html")]
struct ListPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    rows: Vec<ListRow>,
    form: Option<CreateForm>,
    done: Option<&'static str>,
    error: Option<String>,
}

fn stage_class(s: ElectionStage) -> &'static str {
    match s {
        ElectionStage::Completed => "done",
        ElectionStage::Voting | ElectionStage::Counting => "in_progress",
        _ => "pending",
    }
}

fn list_page(
    c: &Caller,
    id: &AssemblyId,
    a: &Assembly,
    done: Option<&str>,
    error: Option<String>,
) -> ListPage {
    let lang = c.lang;
    let rows = a
        .elections
        .values()
        .map(|e| ListRow {
            number: e.number,
            title: lang.pick(&e.title, &e.title_en).to_owned(),
            office: office_text(e.office, lang),
            seats: e.seats,
            stage: stage_text(e.stage(), lang),
            stage_class: stage_class(e.stage()),
            elected: join(&e.elected.iter().map(|x| x.name.clone()).collect::<Vec<_>>(), lang),
        })
        .collect();
    let form = c.serves(id.as_str()).then(|| CreateForm {
        items: a
            .sessions
            .values()
            .filter(|s| !s.closed)
            .flat_map(|s| {
                s.agenda.iter().filter(|i| i.kind == ItemKind::Election && i.state != ItemState::Done).map(
                    |i| {
                        (
                            format!("{}:{}", s.key, i.number),
                            format!(
                                "{} · {}",
                                lang.pick(&s.title, &s.title_en),
                                lang.t("plenary.subject.item")
                                    .replace("{n}", &i.number.to_string())
                                    .replace("{title}", lang.pick(&i.title, &i.title_en))
                            ),
                        )
                    },
                )
            })
            .collect(),
        congress: matches!(a.kind, Some(BodyKind::PeoplesCongress)),
    });
    ListPage {
        chrome: Chrome::new(c, lang.t("election.list.title"), &format!("/assemblies/{id}/elections")),
        a: card(id, a, lang),
        rows,
        form,
        done: done_message(done, lang),
        error,
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
    partial: Option<String>,
    returned: Option<String>,
    no: Option<u32>,
}

pub async fn list(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    render(&list_page(&c, &id, &a, q.done.as_deref(), None), lang)
}

fn create_input_from_form(f: &FormData, lang: Lang) -> Result<CreateInput, Failure> {
    let (session, item) =
        text(f, "item").split_once(':').map(|(s, i)| (s.to_owned(), i.to_owned())).unwrap_or_default();
    let item = item.trim().parse().map_err(|_| bad("item", lang.t("election.err.item")))?;
    let seats =
        number(f, "seats", lang)?.ok_or_else(|| bad("seats", lang.t("election.err.seats_required")))?;
    Ok(CreateInput {
        session,
        item,
        title: text(f, "title"),
        title_en: text(f, "title_en"),
        office: text(f, "office"),
        custom_min_extra: number(f, "custom_min_extra", lang)?,
        custom_max_extra: number(f, "custom_max_extra", lang)?,
        seats,
        method: f.get("method").map(str::to_owned),
        min_votes: number(f, "min_votes", lang)?,
        max_votes: number(f, "max_votes", lang)?,
        margin_min_extra: number(f, "margin_min_extra", lang)?,
        margin_max_extra: number(f, "margin_max_extra", lang)?,
        by_election: f.get("by_election").is_some(),
        nomination_group_size: None,
        members_only: f.get("members_only").is_some(),
    })
}

pub async fn create(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    serving(&c, &id).map_err(|e| PageError(e, lang))?;
    let outcome = async {
        let input = create_input_from_form(&f, lang)?;
        let cmd = create_command(&input, lang)?;
        let key = command_key(&c, f.get("command_id"))?;
        let receipt =
            web.app.execute(&id, &c.actor(), cmd, key).await.map_err(|e| explain(e.into(), lang, &[]))?;
        created_number(&web, &receipt).await.ok_or_else(|| Failure::internal("the election vanished"))
    }
    .await;
    match outcome {
        Ok(n) => Ok(see_other(&format!("/assemblies/{id}/elections/{n}?done=created"))),
        Err(e) => {
            let status = e.status;
            render_status(&list_page(&c, &id, &a, None, Some(e.body.message)), lang, status)
        }
    }
}

// ---- pages: one election ---------------------------------------------------------------------

/// What the management forms offer, for those who serve the assembly.
pub struct Manage {
    pub can_nominate: bool,
    pub slots: Vec<usize>,
    /// (number, name) of candidates who may withdraw.
    pub withdrawable: Vec<(u32, String)>,
    pub can_fix: bool,
    /// More nominees than the margin allows: the preliminary vote's form.
    pub preliminary: Vec<(u32, String)>,
    /// Meetings where a round may open: (id, title).
    pub meetings: Vec<(String, String)>,
    pub can_open: bool,
    pub electronic_ok: bool,
    pub max_candidates: u32,
    /// The session of the election, for the link to its tellers.
    pub session: String,
}

/// A round whose key the tellers hold, as the election page shows it.
pub struct TellerRound {
    pub number: u32,
    /// open, counting, counted or void.
    pub state: String,
    pub tellers: Vec<TellerShareView>,
    /// Shares in, of all.
    pub shares_in: (usize, usize),
    /// The caller is a teller of this counting round whose share is not in yet.
    pub my_share_due: bool,
    pub void_reason: Option<String>,
    /// Where the round's forms and count input are.
    pub path: String,
    /// The count input's file name.
    pub file: String,
}

#[derive(Template)]
#[template(path = "election_page.html")]
struct ElectionPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    v: ElectionView,
    path: String,
    done: Option<&'static str>,
    error: Option<String>,
    manage: Option<Manage>,
    teller: bool,
    key: String,
    has_counted: bool,
    /// The open round, as the page shows it.
    open: Option<RoundView>,
    /// Rounds whose key the tellers hold.
    teller_rounds: Vec<TellerRound>,
    /// The caller may declare a round's count void (the secretariat and the presidium).
    chair: bool,
    /// The last round was declared void: it is held again.
    void_last: bool,
}

#[derive(Template)]
#[template(path = "election_rounds.html")]
struct RoundsPartial {
    chrome: Chrome,
    v: ElectionView,
}

fn manage(a: &Assembly, e: &Election, lang: Lang) -> Manage {
    let nominating = e.fixed.is_none();
    let (_, max) = e.margin.candidates(e.seats);
    let nominees = e.nominees().count() as u32;
    let void = e.rounds.last().filter(|r| r.state == RoundState::Void);
    let can_open = e.fixed.is_some()
        && e.open_round().is_none()
        && e.seats_remaining() > 0
        && (e.rounds.is_empty() || e.next_round().is_some() || void.is_some());
    let meetings = a
        .meetings
        .values()
        .filter(|m| m.session == e.session && m.state == MeetingState::InProgress)
        .filter(|m| !matches!(a.kind, Some(BodyKind::PeoplesCongress)) || m.kind == MeetingKind::Plenary)
        .map(|m| (m.id.to_string(), lang.pick(&m.title, &m.title_en).to_owned()))
        .collect();
    let seats = void.map(|r| r.seats).or(e.next_round().map(|p| p.seats)).unwrap_or(e.seats);
    Manage {
        can_nominate: nominating,
        slots: (1..=NOMINATION_SLOTS).collect(),
        withdrawable: if nominating {
            e.nominees().map(|c| (c.number, c.name.clone())).collect()
        } else {
            Vec::new()
        },
        can_fix: nominating && nominees > 0,
        preliminary: if nominating && nominees > max {
            e.nominees().map(|c| (c.number, c.name.clone())).collect()
        } else {
            Vec::new()
        },
        meetings,
        can_open,
        // STV, and Robert's Rules with several seats, need the ballots themselves.
        electronic_ok: !(matches!(e.method, ElectionMethod::Stv)
            || (matches!(e.method, ElectionMethod::RobertsRules) && seats > 1)),
        max_candidates: max,
        session: e.session.to_string(),
    }
}

/// The count input's file name for a round.
fn count_input_file_name(id: &AssemblyId, election: u32, round: u32) -> String {
    format!("count-input-{id}-election-{election}-round-{round}.json")
}

fn teller_rounds(id: &AssemblyId, e: &Election, v: &ElectionView, me: Option<&MemberId>) -> Vec<TellerRound> {
    e.rounds
        .iter()
        .zip(&v.rounds)
        .filter(|(r, _)| !r.tellers.is_empty())
        .map(|(r, rv)| TellerRound {
            number: r.number,
            state: rv.state.clone(),
            tellers: rv.tellers.clone(),
            shares_in: (r.shares.len(), r.tellers.len()),
            my_share_due: r.state == RoundState::Counting
                && me.is_some_and(|m| r.tellers.contains(m) && !r.shares.contains_key(m)),
            void_reason: r.void_reason.clone(),
            path: format!("/assemblies/{id}/elections/{}/rounds/{}", e.number, r.number),
            file: count_input_file_name(id, e.number, r.number),
        })
        .collect()
}

fn election_page(
    c: &Caller,
    id: &AssemblyId,
    a: &Assembly,
    e: &Election,
    done: Option<&str>,
    error: Option<String>,
) -> ElectionPage {
    let lang = c.lang;
    let me = own_member(c, id);
    let v = election_view(a, e, lang, me.as_ref());
    let path = format!("/assemblies/{id}/elections/{}", e.number);
    let mut chrome = Chrome::new(c, lang.pick(&e.title, &e.title_en), &path);
    chrome.live = Some(id.to_string());
    let open = v.rounds.iter().find(|r| r.state == "open").cloned();
    ElectionPage {
        teller_rounds: teller_rounds(id, e, &v, me.as_ref()),
        chair: c.serves(id.as_str()),
        void_last: e.open_round().is_none() && e.rounds.last().is_some_and(|r| r.state == RoundState::Void),
        a: card(id, a, lang),
        has_counted: e.rounds.iter().any(|r| r.state == RoundState::Counted),
        teller: c.is(STAFF) && e.open_round().is_some_and(|r| r.mode == RoundMode::Paper),
        manage: c.serves(id.as_str()).then(|| manage(a, e, lang)),
        done: done_message(done, lang),
        error,
        key: fresh_key(),
        open,
        path,
        v,
        chrome,
    }
}

pub async fn page(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|f| PageError(f, lang))?;
    let p = election_page(&c, &id, &a, e, q.done.as_deref(), None);
    if q.partial.as_deref() == Some("rounds") {
        return render(&RoundsPartial { chrome: p.chrome, v: p.v }, lang);
    }
    render(&p, lang)
}

/// Runs a management form's command; a refusal shows the election page again with
/// the reason.
async fn manage_form(
    web: &Web,
    c: &Caller,
    id: &str,
    n: u32,
    done: &str,
    build: impl FnOnce(&Assembly) -> Result<Command, Failure>,
    key: Option<&str>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(id, lang)?;
    let a = load(web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|f| PageError(f, lang))?;
    serving(c, &id).map_err(|f| PageError(f, lang))?;
    let outcome = async {
        let cmd = build(&a)?;
        let key = command_key(c, key)?;
        web.app.execute(&id, &c.actor(), cmd, key).await.map_err(|e| explain(e.into(), lang, &[]))
    }
    .await;
    after_form(c, &id, &a, e, outcome, &format!("/assemblies/{id}/elections/{n}?done={done}"))
}

/// Where a form about an election leads: on success to `to`, else to the election
/// page again with the reason.
fn after_form<T>(
    c: &Caller,
    id: &AssemblyId,
    a: &Assembly,
    e: &Election,
    outcome: Result<T, Failure>,
    to: &str,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(see_other(to)),
        Err(f) => {
            let status = f.status;
            render_status(&election_page(c, id, a, e, None, Some(f.body.message)), c.lang, status)
        }
    }
}

pub async fn nominate(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let build = |a: &Assembly| -> Result<Command, Failure> {
        let by = match f.get("by").unwrap_or("presidium") {
            "deputies" => Nominator::Deputies {
                members: parse_people(a, &split_list(&text(&f, "signers")), "signers", lang)?,
            },
            _ => Nominator::Presidium,
        };
        let given: Vec<CandidateInput> = (1..=NOMINATION_SLOTS)
            .map(|i| CandidateInput {
                name: f.get(&format!("name{i}")).map(str::to_owned),
                biography: f.get(&format!("biography{i}")).map(str::to_owned),
                member: f.get(&format!("member{i}")).map(str::to_owned),
            })
            .collect();
        Ok(Command::NominateCandidates { election: n, by, candidates: candidate_drafts(a, &given, lang)? })
    };
    manage_form(&web, &c, &id, n, "nominated", build, f.get("command_id")).await
}

pub async fn withdraw(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let build = |_: &Assembly| -> Result<Command, Failure> {
        let candidate = number(&f, "candidate", lang)?
            .ok_or_else(|| bad("candidate", lang.t("election.err.choose_candidate")))?;
        Ok(Command::WithdrawCandidate { election: n, candidate, reason: text(&f, "reason") })
    };
    manage_form(&web, &c, &id, n, "withdrawn", build, f.get("command_id")).await
}

pub async fn fix(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    manage_form(
        &web,
        &c,
        &id,
        n,
        "fixed",
        |_| Ok(Command::FixCandidates { election: n }),
        f.get("command_id"),
    )
    .await
}

pub async fn preliminary(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let build = |a: &Assembly| -> Result<Command, Failure> {
        let e = election_of(a, n, lang)?;
        let mut counts = Vec::new();
        let mut runoff = Vec::new();
        for cand in e.nominees() {
            let votes = number(&f, &format!("v{}", cand.number), lang)?.ok_or_else(|| {
                bad("counts", lang.t("election.err.preliminary_missing").replace("{who}", &cand.name))
            })?;
            counts.push(PreliminaryCount { candidate: cand.number, votes });
            if let Some(r) = number(&f, &format!("r{}", cand.number), lang)? {
                runoff.push(PreliminaryCount { candidate: cand.number, votes: r });
            }
        }
        Ok(Command::RecordPreliminaryVote { election: n, counts, runoff })
    };
    manage_form(&web, &c, &id, n, "preliminary", build, f.get("command_id")).await
}

/// Parses `paper` or `electronic`.
pub fn parse_mode(s: &str) -> Option<RoundMode> {
    match s.trim() {
        "paper" => Some(RoundMode::Paper),
        "electronic" => Some(RoundMode::Electronic),
        _ => None,
    }
}

pub async fn open_round(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    serving(&c, &id).map_err(|x| PageError(x, lang))?;
    let outcome = async {
        let meeting = MeetingId::parse(text(&f, "meeting").trim())
            .map_err(|_| bad("meeting", lang.t("election.err.meeting")))?;
        let mode = parse_mode(&text(&f, "mode")).ok_or_else(|| bad("mode", lang.t("election.err.mode")))?;
        let ballots_issued =
            if mode == RoundMode::Paper { number(&f, "ballots_issued", lang)? } else { None };
        let custody = crate::plenary::parse_custody(&text(&f, "custody"), mode == RoundMode::Electronic)
            .map_err(|e| explain(e, lang, &[]))?;
        let req = RoundRequest { election: n, meeting, mode, ballots_issued, custody };
        web.app.open_round(&id, &c.actor(), req).await.map_err(|e| explain(e.into(), lang, &[]))
    }
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/assemblies/{id}/elections/{n}?done=opened"))),
        Err(x) => {
            let status = x.status;
            render_status(&election_page(&c, &id, &a, e, None, Some(x.body.message)), lang, status)
        }
    }
}

pub async fn count(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    serving(&c, &id).map_err(|x| PageError(x, lang))?;
    // A round whose key the tellers hold goes on to wait for their shares.
    let by_tellers = e.open_round().filter(|r| !r.tellers.is_empty()).map(|r| r.number);
    let outcome = async {
        let returned = number(&f, "ballots_returned", lang)?;
        let paper = e.open_round().is_some_and(|r| r.mode == RoundMode::Paper);
        let returned = if paper { returned } else { None };
        web.app.count_round(&id, &c.actor(), n, returned).await.map_err(|e| explain(e.into(), lang, &[]))
    }
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&match by_tellers {
            Some(r) => format!("/assemblies/{id}/elections/{n}?done=counting#tellers-{r}"),
            None => format!("/assemblies/{id}/elections/{n}?done=counted#rounds"),
        })),
        Err(x) => {
            let status = x.status;
            render_status(&election_page(&c, &id, &a, e, None, Some(x.body.message)), lang, status)
        }
    }
}

// ---- pages: rounds whose key the tellers hold ------------------------------------------------

/// Runs a form about a round whose key the tellers hold; a refusal shows the election
/// page again with the reason.
async fn teller_form(
    web: &Web,
    c: &Caller,
    id: &str,
    n: u32,
    round: u32,
    done: &str,
    run: impl AsyncFnOnce(&AssemblyId) -> Result<plenum_app::Receipt, Failure>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(id, lang)?;
    let a = load(web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    let outcome = run(&id).await;
    after_form(c, &id, &a, e, outcome, &format!("/assemblies/{id}/elections/{n}?done={done}#tellers-{round}"))
}

/// A teller sends their share of decrypting a counting round's sums.
pub async fn round_share_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let run = async |id: &AssemblyId| {
        let member = own_member(&c, id).ok_or_else(|| explain(not_a_member(), lang, &[]))?;
        web.app
            .submit_round_share(id, &c.actor(), n, round, member, text(&f, "share"))
            .await
            .map_err(|e| explain(e.into(), lang, &[]))
    };
    teller_form(&web, &c, &id, n, round, "share", run).await
}

/// The chair declares void a round its tellers cannot decrypt; it is held again.
pub async fn round_void_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let run = async |id: &AssemblyId| {
        serving(&c, id)?;
        web.app
            .void_round_count(id, &c.actor(), n, round, text(&f, "reason"))
            .await
            .map_err(|e| explain(e.into(), lang, &[]))
    };
    teller_form(&web, &c, &id, n, round, "void", run).await
}

/// What the tellers of a round need to compute their shares offline: its key, its
/// candidates and every ballot, never who cast it; 404 unless the tellers hold its key.
pub fn round_count_input(
    web: &Web,
    id: &AssemblyId,
    n: u32,
    round: u32,
) -> Result<plenum_app::elections::RoundCountInput, Failure> {
    web.app
        .round_count_input(id, n, round)
        .filter(|i| !i.tellers.is_empty())
        .ok_or_else(|| Failure::not_found(format!("round {round} of election {n} is not counted by tellers")))
}

/// An electronic round's sealed ballots, by fingerprint (its sub-ballots, then its
/// slate, as the voter's device computed it).
pub async fn round_fingerprints(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let ballots = web
        .app
        .read(&id, |a| {
            let e = a.elections.get(&n)?;
            let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize))?;
            (r.mode == RoundMode::Electronic).then(|| {
                r.sealed
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let slate = r.slates.get(i).and_then(Option::as_deref);
                        plenum_domain::sealed::round_fingerprint(b, slate)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .flatten()
        .ok_or_else(|| PageError(Failure::not_found(lang.t("error.not_found")), lang))?;
    Ok(crate::plenary::fingerprint_list(ballots.into_iter()))
}

/// The count input of a round as a file, for a teller to take to their own device.
pub async fn round_count_input_file(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n, round)): Path<(String, u32, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let input = round_count_input(&web, &id, n, round).map_err(|x| PageError(x, lang))?;
    crate::tellers::count_input_download(&input, &count_input_file_name(&id, n, round), lang)
}

// ---- pages: the tellers' paper entry ------------------------------------------------------------

pub struct PaperRow {
    pub index: usize,
    pub name: String,
    /// "yes", "no", "abstain" or "" (blank).
    pub mark: &'static str,
}

#[derive(Template)]
#[template(path = "election_paper.html")]
struct PaperPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    title: String,
    path: String,
    round: Option<RoundView>,
    rows: Vec<PaperRow>,
    ballot_no: String,
    write_in: String,
    mine: String,
    returned: String,
    missing: Option<String>,
    /// What became of the ballot just entered, and the message's class.
    done: Option<(String, &'static str)>,
    error: Option<String>,
    seats: u32,
}

#[allow(clippy::too_many_arguments)]
fn paper_page(
    c: &Caller,
    id: &AssemblyId,
    a: &Assembly,
    e: &Election,
    kept: Option<(&str, &[Option<Choice>], &str)>,
    returned: Option<u32>,
    done: Option<(String, &'static str)>,
    error: Option<String>,
) -> PaperPage {
    let lang = c.lang;
    let path = format!("/assemblies/{id}/elections/{}", e.number);
    let r = e.open_round().filter(|r| r.mode == RoundMode::Paper);
    let actor = c.actor();
    let rows = r
        .map(|r| {
            r.candidates
                .iter()
                .enumerate()
                .map(|(i, name)| PaperRow {
                    index: i,
                    name: name.clone(),
                    mark: match kept.and_then(|k| k.1.get(i).copied().flatten()) {
                        Some(Choice::Yes) => "yes",
                        Some(Choice::No) => "no",
                        Some(Choice::Abstain) => "abstain",
                        None => "",
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let mine: Vec<u32> = r
        .map(|r| {
            r.paper
                .iter()
                .filter(|(_, s)| s.entries.iter().any(|(t, _)| *t == actor))
                .map(|(n, _)| *n)
                .collect()
        })
        .unwrap_or_default();
    let missing = match (r, returned) {
        (Some(r), Some(ret)) => {
            let open: Vec<u32> =
                (1..=ret).filter(|n| r.paper.get(n).is_none_or(|s| s.settled.is_none())).collect();
            Some(if open.is_empty() {
                lang.t("election.paper.none_missing").to_owned()
            } else {
                ranges(&open)
            })
        }
        _ => None,
    };
    PaperPage {
        chrome: Chrome::new(c, lang.t("election.paper.title"), &format!("{path}/paper")),
        a: card(id, a, lang),
        title: lang.pick(&e.title, &e.title_en).to_owned(),
        round: r.map(|r| round_view(a, e, r, lang)),
        rows,
        ballot_no: kept.map(|k| k.0.to_owned()).unwrap_or_default(),
        write_in: kept.map(|k| k.2.to_owned()).unwrap_or_default(),
        mine: ranges(&mine),
        returned: returned.map(|n| n.to_string()).unwrap_or_default(),
        missing,
        done,
        error,
        seats: r.map_or(0, |r| r.seats),
        path,
    }
}

pub async fn paper_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    let done = match (q.done.as_deref(), q.no) {
        (Some("entered"), Some(no)) => Some(entered_message(e, no, lang)),
        _ => None,
    };
    let returned = q.returned.as_deref().and_then(|s| s.trim().parse().ok());
    render(&paper_page(&c, &id, &a, e, None, returned, done, None), lang)
}

/// What became of a ballot just entered: waiting for a second teller, settled, or
/// mismatched.
fn entered_message(e: &Election, no: u32, lang: Lang) -> (String, &'static str) {
    let slot = e.open_round().and_then(|r| r.paper.get(&no));
    let (key, class) = match slot {
        Some(s) if s.settled.is_some() => ("election.paper.done_settled", "ok"),
        Some(s) if s.mismatch => ("election.paper.done_mismatch", "error"),
        _ => ("election.paper.done_first", "ok"),
    };
    (lang.t(key).replace("{n}", &no.to_string()), class)
}

pub async fn enter_paper(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    let count = e.open_round().map_or(0, |r| r.candidates.len());
    let marks: Vec<Option<Choice>> =
        (0..count).map(|i| f.get(&format!("c{i}")).and_then(parse_choice)).collect();
    let raw_no = text(&f, "ballot_no");
    let write_in = text(&f, "write_in");
    let outcome = async {
        let round = number(&f, "round", lang)?;
        let r = open_round_checked(e, round, RoundMode::Paper, lang)?;
        let ballot_no =
            raw_no.trim().parse::<u32>().map_err(|_| bad("ballot_no", lang.t("election.err.ballot_no")))?;
        let entry = paper_entry(ballot_no, &r.candidates, &marks, split_list(&write_in));
        let cmd = Command::EnterPaperBallot {
            election: n,
            round: r.number,
            ballot_no,
            teller: c.actor(),
            ballot: entry.ballot,
        };
        let values = [("n", ballot_no.to_string()), ("seats", r.seats.to_string())];
        web.app.execute(&id, &c.actor(), cmd, None).await.map_err(|e| explain(e.into(), lang, &values))?;
        Ok::<u32, Failure>(ballot_no)
    }
    .await;
    match outcome {
        Ok(no) => Ok(see_other(&format!("/assemblies/{id}/elections/{n}/paper?done=entered&no={no}#entry"))),
        Err(x) => {
            let status = x.status;
            let page = paper_page(
                &c,
                &id,
                &a,
                e,
                Some((&raw_no, &marks, &write_in)),
                None,
                None,
                Some(x.body.message),
            );
            render_status(&page, lang, status)
        }
    }
}

// ---- pages: the deputies' electronic ballot ------------------------------------------------------

pub struct BallotRow {
    pub index: usize,
    pub name: String,
    pub biography: String,
    pub mark: &'static str,
}

#[derive(Template)]
#[template(path = "election_ballot.html")]
struct BallotPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    title: String,
    path: String,
    me: Option<MyElectionBallot>,
    round: Option<RoundView>,
    meeting: String,
    rows: Vec<BallotRow>,
    key: String,
    done: Option<&'static str>,
    error: Option<String>,
    /// An open electronic round's key and its bounds on yes marks, for the browser
    /// to seal the ballot with.
    seal: Option<SealInfo>,
}

/// What the browser seals an election ballot with (`static/seal.js`).
struct SealInfo {
    key: String,
    election: u32,
    round: u32,
    min: u32,
    max: u32,
}

fn ballot_page(
    c: &Caller,
    id: &AssemblyId,
    a: &Assembly,
    e: &Election,
    kept: Option<&[Option<Choice>]>,
    done: Option<&str>,
    error: Option<String>,
) -> BallotPage {
    let lang = c.lang;
    let path = format!("/assemblies/{id}/elections/{}", e.number);
    let r = e.open_round().filter(|r| r.mode == RoundMode::Electronic);
    let me = own_member(c, id).and_then(|m| my_ballot(a, e, &m));
    let rows = r
        .map(|r| {
            r.candidates
                .iter()
                .enumerate()
                .map(|(i, name)| BallotRow {
                    index: i,
                    name: name.clone(),
                    biography: e.candidate_named(name).map(|x| x.biography.clone()).unwrap_or_default(),
                    mark: match kept.and_then(|k| k.get(i).copied().flatten()) {
                        Some(Choice::Yes) => "yes",
                        Some(Choice::No) => "no",
                        Some(Choice::Abstain) => "abstain",
                        None => "",
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let mut chrome = Chrome::new(c, lang.t("election.ballot.title"), &format!("{path}/ballot"));
    chrome.seal = r.is_some_and(|r| r.public_key.is_some());
    BallotPage {
        chrome,
        a: card(id, a, lang),
        title: lang.pick(&e.title, &e.title_en).to_owned(),
        me,
        round: r.map(|r| round_view(a, e, r, lang)),
        meeting: r.map(|r| r.meeting.to_string()).unwrap_or_default(),
        rows,
        key: fresh_key(),
        done: done_message(done, lang),
        error,
        path,
        seal: r.and_then(|r| {
            let (min, max) = plenum_domain::election::round_yes_bounds(e, r);
            let key = r.public_key.clone()?;
            Some(SealInfo { key, election: e.number, round: r.number, min, max })
        }),
    }
}

pub async fn ballot_form(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    render(&ballot_page(&c, &id, &a, e, None, q.done.as_deref(), None), lang)
}

pub async fn cast_ballot(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = FormData::parse(&body);
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    let count = e.open_round().map_or(0, |r| r.candidates.len());
    let marks: Vec<Option<Choice>> =
        (0..count).map(|i| f.get(&format!("c{i}")).and_then(parse_choice)).collect();
    let outcome = async {
        let round = number(&f, "round", lang)?;
        let key = command_key(&c, f.get("command_id"))?;
        match sealed_from(&f, &marks, lang)? {
            Some(sealed) => {
                cast_sealed(&web, &c, &id, n, round, sealed, key, lang).await.map(|_| "sealed-on-device")
            }
            None => cast(&web, &c, &id, n, round, marks.clone(), key, lang).await.map(|_| "cast"),
        }
    }
    .await;
    match outcome {
        Ok(done) => Ok(see_other(&format!("/assemblies/{id}/elections/{n}/ballot?done={done}#ballot"))),
        Err(x) => {
            let status = x.status;
            let a = load(&web, &id, lang)?;
            let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
            render_status(
                &ballot_page(&c, &id, &a, e, Some(&marks), None, Some(x.body.message)),
                lang,
                status,
            )
        }
    }
}

// ---- reports ---------------------------------------------------------------------------------

/// The election, once a round of it is counted (the report is public from then on).
fn counted(web: &Web, id: &AssemblyId, n: u32, lang: Lang) -> Result<Arc<Assembly>, PageError> {
    let a = load(web, id, lang)?;
    let e = election_of(&a, n, lang).map_err(|x| PageError(x, lang))?;
    if !e.rounds.iter().any(|r| r.state == RoundState::Counted) {
        return Err(PageError(Failure::not_found(lang.t("election.err.not_counted")), lang));
    }
    Ok(a)
}

/// The tally report as CSV (UTF-8 with BOM).
pub async fn report_csv(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = counted(&web, &id, n, lang)?;
    let csv = plenum_app::tally_report::election_report_csv(&a, n, report_lang(lang))
        .map_err(|e| PageError(Failure::internal(e), lang))?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("attachment; filename=\"election-{id}-{n}.csv\""),
        csv.into_bytes(),
    ))
}

/// The tally report as PDF; unavailable (503) when the server has no CJK font.
pub async fn report_pdf(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = counted(&web, &id, n, lang)?;
    let rl = report_lang(lang);
    pdf_download(lang, format!("election-{id}-{n}.pdf"), move || {
        plenum_app::tally_report::election_report_pdf(&a, n, rl)
    })
    .await
}

// ---- the projector and the home page ---------------------------------------------------------------

/// What the hall's screen shows of an election round: the turnout while open, the
/// elected once counted.
pub struct ProjectorElection {
    pub title: String,
    pub round: u32,
    pub kind: &'static str,
    pub mode: &'static str,
    pub open: bool,
    pub electronic: bool,
    pub seats: u32,
    pub turnout: u32,
    pub present: u32,
    pub issued: u32,
    pub settled: u32,
    /// (name, yes votes)
    pub elected: Vec<(String, u32)>,
    pub threshold: String,
    pub next: Option<String>,
}

/// The open round anywhere in the assembly; else the last round counted at
/// `meeting`, unless a poll was opened there after it.
pub fn projector(a: &Assembly, meeting: Option<&MeetingId>, lang: Lang) -> Option<ProjectorElection> {
    let open = a.elections.values().find_map(|e| e.open_round().map(|r| (e, r)));
    let pick = open.or_else(|| {
        let m = meeting?;
        let last = a
            .elections
            .values()
            .flat_map(|e| e.rounds.iter().map(move |r| (e, r)))
            .filter(|(_, r)| &r.meeting == m && r.counted_at.is_some())
            .max_by_key(|(_, r)| r.counted_at)?;
        let poll_after = a.polls.values().any(|p| &p.meeting == m && Some(p.opened_at) > last.1.counted_at);
        (!poll_after).then_some(last)
    })?;
    let (e, r) = pick;
    let res = r.result.as_ref();
    Some(ProjectorElection {
        title: lang.pick(&e.title, &e.title_en).to_owned(),
        round: r.number,
        kind: kind_text(r.kind, lang),
        mode: mode_text(r.mode, lang),
        open: r.state == RoundState::Open,
        electronic: r.mode == RoundMode::Electronic,
        seats: r.seats,
        turnout: r.voted.len() as u32,
        present: r.present,
        issued: r.ballots_issued.unwrap_or(0),
        settled: r.settled() as u32,
        elected: res
            .map(|x| {
                x.elected
                    .iter()
                    .map(|name| {
                        (name.clone(), x.counts.iter().find(|c| &c.candidate == name).map_or(0, |c| c.yes))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        threshold: res
            .map(|x| threshold_text(a, x.method.name(), x.threshold, x.members, lang))
            .unwrap_or_default(),
        next: res.and_then(|x| x.next_round.as_ref()).map(|p| {
            lang.t("election.next_line")
                .replace("{kind}", kind_text(p.kind, lang))
                .replace("{seats}", &p.seats.to_string())
                .replace("{names}", &join(&p.candidates, lang))
        }),
    })
}

/// An election on the public portal.
pub struct HomeElection {
    pub assembly: String,
    pub number: u32,
    pub title: String,
    pub elected: String,
    /// An electronic round is open.
    pub voting: bool,
    /// The caller may vote in it now.
    pub can_vote: bool,
}

/// Completed elections with the elected, and electronic rounds open, for the home page.
pub fn home(web: &Web, c: &Caller) -> Vec<HomeElection> {
    let lang = c.lang;
    web.app.read_all(|p| {
        p.assemblies
            .iter()
            .flat_map(|(id, v)| {
                let a = &v.state;
                let me = own_member(c, id);
                a.elections
                    .values()
                    .filter(|e| {
                        e.stage() == ElectionStage::Completed
                            || e.open_round().is_some_and(|r| r.mode == RoundMode::Electronic)
                    })
                    .map(|e| HomeElection {
                        assembly: id.to_string(),
                        number: e.number,
                        title: lang.pick(&e.title, &e.title_en).to_owned(),
                        elected: join(&e.elected.iter().map(|x| x.name.clone()).collect::<Vec<_>>(), lang),
                        voting: e.open_round().is_some(),
                        can_vote: me.as_ref().and_then(|m| my_ballot(a, e, m)).is_some_and(|b| b.can_vote),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress_runs() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1–3, 5, 7–8");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn lists_split_on_the_usual_separators() {
        assert_eq!(
            split_list("d-0001 d-0002\n张三、李四，王五"),
            ["d-0001", "d-0002", "张三", "李四", "王五"]
        );
        assert_eq!(split_list(" \n "), Vec::<String>::new());
    }
}
