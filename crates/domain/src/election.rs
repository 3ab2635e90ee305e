//! Elections by secret ballot (选举): offices and seats, nominations, the candidate
//! margin (差额), the preliminary vote (预选), and rounds of voting on paper (entered
//! twice by two tellers) or electronically (encrypted; only per-candidate sums are
//! ever decrypted). Counting is `plenum_tally::count_election`; this module records
//! what the tally decides and who is elected, round by round.
//!
//! # Flow
//! 1. `CreateElection` under an election item of the session's agenda: the office
//!    (`OfficeKind`), the seats, the counting method and the margin.
//! 2. `NominateCandidates`, by the presidium or jointly by a group of deputies
//!    (`Nominator`); `WithdrawCandidate` before the list is fixed.
//! 3. `FixCandidates`: the list is fixed if the number of nominees fits the margin;
//!    if there are too many, `RecordPreliminaryVote` ranks them and fixes the list.
//! 4. `OpenRound` at a plenary, `Paper` or `Electronic`:
//!    - paper: tellers enter every returned ballot twice (`EnterPaperBallot`, or
//!      `EnterPaperBallots` for a bundle), two different tellers per ballot;
//!    - electronic: `CastElectionBallot` with one encrypted sub-ballot per candidate
//!      (the app encrypts; see `sealed::encrypt_marks` and `check_marks`).
//! 5. `CountRound`: the tally's result, with who is elected. If seats are left
//!    (a tie at the last seat, fewer elected than seats, a void round), the next
//!    `OpenRound` takes its candidates and seats from the result's `next_round`.
//!
//! # Statutes and how they are read
//! - **Nomination** (OL art. 26 ¶1–2): by the presidium, or jointly in writing by at
//!   least 30 deputies (province), 20 (city with districts), 10 (county, township);
//!   deputies to the congress of the level above: 10 (EL art. 30 ¶2).
//! - **No nominator over the seats** (OL art. 26 ¶3; EL art. 30 ¶3): the presidium
//!   counts as one nominator over all its nominations; a deputy counts every
//!   candidate of every joint nomination they signed. Withdrawn candidacies no
//!   longer count.
//! - **Introducing the candidate** (OL art. 26 ¶4; EL art. 30 ¶2): every candidate
//!   comes with a biography (简历).
//! - **From among the deputies** (OL art. 47): the standing committee's members are
//!   deputies, so their candidates carry a member id (`members_only`, implied for
//!   `OfficeKind::Member` in a People's Congress). A written-in name on paper is not
//!   checked against the roll: the tellers and the presidium judge it.
//! - **Margins** (OL art. 27 ¶1): heads (正职: chair of the standing committee,
//!   secretary-general, mayor, supervisory director, court president, chief
//!   procurator) one more candidate than seats, or an equal number when only one
//!   person is nominated; deputy heads (副职) 1 to 3 more; standing committee members
//!   one tenth to one fifth more, read as at least `ceil(seats / 10)` and at most
//!   `floor(seats / 5)` more, and at least one more (a competitive election needs
//!   one; below 10 seats a fifth rounds down to less than one, so the range is then
//!   exactly one more). Deputies to the congress above (EL art. 31 ¶2): one fifth
//!   to one half more, read the same way. The session's election method (选举办法)
//!   may fix a narrower margin inside the statute's (`Margin`). By-elections (补选,
//!   OL art. 30) may also have as many candidates as seats.
//! - **Too many nominees** (OL art. 27 ¶1; EL art. 31): a preliminary vote ranks
//!   them; the top `seats + max_extra` become the candidates. A tie at the cut is
//!   not settled by the statute: Plenum refuses the list and asks for a run-off
//!   preliminary vote among the tied, whose counts order them (`runoff`).
//! - **The ballot** (OL art. 28): secret; yes, no or abstain for each candidate, or
//!   write in another person (paper ballots only).
//! - **Counting** (OL arts. 25, 29; EL art. 44) is the tally's: see
//!   `plenum_tally`'s crate documentation.
//! - **Paper ballots, entered twice**: Plenum's own control (the tellers' check of
//!   EL art. 43). A teller enters a ballot number once. A ballot is settled when two
//!   entries by different tellers agree (the order of names does not matter). When
//!   the entries disagree the ballot is flagged (`PaperBallotMismatch`) and a third
//!   teller enters it again: an entry that agrees with an earlier one settles it.
//!   The count needs every ballot number `1..=returned` settled; if more ballots were
//!   returned than issued the round is void (EL art. 44 ¶1) and nothing need be
//!   entered.
//! - **Electronic ballots**: the server checks the marks before encrypting them
//!   (`check_marks`: a ballot choosing more people than seats would be void, EL
//!   art. 44 ¶2, so it is not accepted); no write-ins. The journal records "member X
//!   cast these ciphertexts"; the count decrypts only per-candidate sums, with a proof
//!   the rules verify. Counting methods that need more than per-candidate totals
//!   (STV; Robert's Rules with several seats, whose threshold depends on how many
//!   ballots name anyone) are paper-only.

use crate::assembly::Assembly;
use crate::command::{Command, meeting_open, open_session, present_count, quorum_error, seated_member, text};
use crate::event::Event;
use crate::ids::{MeetingId, MemberId, SessionKey};
use crate::poll::{Choice, Totals};
use crate::rules::{BodyKind, ItemKind, ItemState, Level, MeetingKind, MeetingState, Quorum, RuleError};
use chrono::{DateTime, Utc};
use plenum_tally::{Ballot, ElectionResult, Method};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Statute citations of this module.
pub mod source {
    /// Resolutions and elections pass with more than half of all deputies.
    pub const OL_25: &str = "OL art. 25";
    /// Who nominates, the size of a joint nomination, no nominator over the seats.
    pub const OL_26: &str = "OL art. 26";
    /// Candidate margins and the preliminary vote.
    pub const OL_27: &str = "OL art. 27";
    /// The secret ballot: yes, no, write in, abstain.
    pub const OL_28: &str = "OL art. 28";
    /// By-elections may have as many candidates as seats.
    pub const OL_30: &str = "OL art. 30";
    /// The standing committee is elected from among the deputies.
    pub const OL_47: &str = "OL art. 47";
    /// Nominating deputies to the congress above.
    pub const EL_30: &str = "EL art. 30";
    /// Margins for deputies to the congress above.
    pub const EL_31: &str = "EL art. 31";
    /// A ballot choosing more people than seats is void.
    pub const EL_44_2: &str = "EL art. 44 ¶2";
    /// Tellers chosen by the deputies check the count.
    pub const EL_43: &str = "EL art. 43";
}

const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 20_000;
/// Largest encrypted sub-ballot accepted.
const MAX_SUB_BALLOT: usize = 16_384;
/// Most seats one election fills.
const MAX_SEATS: u32 = 1_000;

type Decision = Result<Vec<Event>, RuleError>;

// ---- configuration ---------------------------------------------------------------

/// The kind of office, which fixes the candidate margin (OL art. 27 ¶1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OfficeKind {
    /// Heads (正职): chair of the standing committee, secretary-general, mayor,
    /// supervisory director, court president, chief procurator. One seat; one more
    /// candidate, or an equal number when only one person is nominated.
    Leader,
    /// Deputy heads (副职): vice-chairs of the standing committee, vice-mayors. One to
    /// three more candidates than seats.
    Deputy,
    /// Members of the standing committee (常委会委员): one tenth to one fifth more.
    Member,
    /// Deputies to the people's congress of the level above (EL art. 31 ¶2): one
    /// fifth to one half more.
    HigherLevelDeputies,
    /// An office the statute does not list, or any office of another assembly.
    Custom { min_extra: u32, max_extra: u32 },
}

/// How many more candidates than seats: `min_extra ..= max_extra`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Margin {
    pub min_extra: u32,
    pub max_extra: u32,
}

impl Margin {
    /// The range of candidate numbers for `seats` seats.
    pub fn candidates(&self, seats: u32) -> (u32, u32) {
        (seats.saturating_add(self.min_extra), seats.saturating_add(self.max_extra))
    }
}

impl OfficeKind {
    /// The margin the statute allows for `seats` seats (for a by-election the
    /// minimum drops to an equal number, OL art. 30), and its source.
    pub fn statutory_margin(self, seats: u32, by_election: bool) -> (Margin, &'static str) {
        let fraction = |lo: u32, hi: u32| {
            let min = seats.div_ceil(lo).max(1);
            Margin { min_extra: min, max_extra: (seats / hi).max(min) }
        };
        let (m, src) = match self {
            OfficeKind::Leader => (Margin { min_extra: 1, max_extra: 1 }, source::OL_27),
            OfficeKind::Deputy => (Margin { min_extra: 1, max_extra: 3 }, source::OL_27),
            OfficeKind::Member => (fraction(10, 5), source::OL_27),
            OfficeKind::HigherLevelDeputies => (fraction(5, 2), source::EL_31),
            OfficeKind::Custom { min_extra, max_extra } => (Margin { min_extra, max_extra }, source::OL_27),
        };
        if by_election { (Margin { min_extra: 0, ..m }, source::OL_30) } else { (m, src) }
    }
}

/// How an election is counted; `plenum_tally::Method` with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ElectionMethod {
    /// More than half of all deputies (OL arts. 25, 29). The only method of a
    /// People's Congress.
    CnPeopleCongress,
    /// A majority of the ballots cast, repeated ballots.
    RobertsRules,
    /// Most votes win; a valid ballot marks `min_votes..=max_votes` names.
    BlockVote { min_votes: u32, max_votes: u32 },
    /// Most approvals win.
    Approval,
    /// Single transferable vote (paper ballots with rankings only).
    Stv,
}

impl ElectionMethod {
    pub fn tally_method(self) -> Method {
        match self {
            ElectionMethod::CnPeopleCongress => Method::CnPeopleCongress,
            ElectionMethod::RobertsRules => Method::RobertsRules,
            ElectionMethod::BlockVote { .. } => Method::BlockVote,
            ElectionMethod::Approval => Method::Approval,
            ElectionMethod::Stv => Method::Stv,
        }
    }
}

/// Who nominates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Nominator {
    /// The session's presidium (主席团提名).
    Presidium,
    /// Deputies jointly, in writing (代表联合提名): the signers.
    Deputies { members: Vec<MemberId> },
}

/// A candidate as nominated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateDraft {
    /// The name printed on the ballot; unique in the election.
    pub name: String,
    /// 简历: what the nominators tell the deputies about the candidate (OL art. 26 ¶4).
    pub biography: String,
    /// The candidate's member id, if the candidate is a member of this assembly.
    #[serde(default)]
    pub member: Option<MemberId>,
}

/// One candidate's votes in a preliminary vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreliminaryCount {
    pub candidate: u32,
    pub votes: u32,
}

/// How a round's ballots are cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundMode {
    /// Paper ballots (纸质选票), entered twice by tellers.
    Paper,
    /// Electronic secret ballots, encrypted per candidate.
    Electronic,
}

/// Why a round is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// The first vote on the fixed candidates.
    First,
    /// A fresh vote among candidates tied for the last seat(s) (OL art. 29 ¶1).
    TieRunoff,
    /// Another round (另行选举) for seats left unfilled (OL art. 29 ¶2–3).
    AnotherRound,
    /// The previous round was void: vote again (EL art. 44 ¶1).
    Revote,
}

/// One paper ballot as a teller entered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperEntry {
    /// The ballot's number, `1..=ballots_issued`, as the tellers number the returned
    /// ballots.
    pub ballot_no: u32,
    pub ballot: Ballot,
}

/// The decryption of an electronic round: per-candidate totals in list order, and
/// the proof anyone can check against the journal's ciphertexts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundDecryption {
    pub totals: Vec<Totals>,
    pub proof: String,
}

// ---- results -----------------------------------------------------------------------

/// One person's votes in a round (listed candidates first, then written-in persons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateTotals {
    pub candidate: String,
    #[serde(default)]
    pub write_in: bool,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

/// A ballot the rules void, by its ballot number (paper) or place (electronic).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidBallot {
    pub ballot_no: u32,
    pub reason: String,
}

/// What the next round must be, from the count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundPlan {
    pub kind: RoundKind,
    pub candidates: Vec<String>,
    pub seats: u32,
    pub basis: String,
}

/// A round's result as the journal keeps it: `plenum_tally::ElectionResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundResult {
    pub method: Method,
    /// False when the whole round is void; `reason` says why.
    pub valid: bool,
    #[serde(default)]
    pub reason: Option<String>,
    pub seats: u32,
    /// All members holding a mandate when the round opened.
    pub members: u32,
    #[serde(default)]
    pub ballots_issued: Option<u32>,
    pub ballots_returned: u32,
    pub ballots_valid: u32,
    pub ballots_invalid: u32,
    #[serde(default)]
    pub void_ballots: Vec<VoidBallot>,
    /// Yes votes a candidate needs, where the method has a threshold.
    #[serde(default)]
    pub threshold: Option<u32>,
    pub counts: Vec<CandidateTotals>,
    /// Elected in this round, in order of votes.
    pub elected: Vec<String>,
    pub seats_unfilled: u32,
    #[serde(default)]
    pub next_round: Option<RoundPlan>,
    /// STV only: the stages of the count.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub stages: serde_json::Value,
    /// Each step of the decision with its rule.
    pub basis: Vec<String>,
}

impl RoundResult {
    fn from_tally(r: &ElectionResult, members: u32, ballot_numbers: &[u32]) -> Self {
        RoundResult {
            method: r.rules,
            valid: r.valid,
            reason: r.reason.clone(),
            seats: r.seats,
            members,
            ballots_issued: r.ballots_issued,
            ballots_returned: r.ballots_returned,
            ballots_valid: r.ballots_valid,
            ballots_invalid: r.ballots_invalid,
            void_ballots: r
                .invalid_ballots
                .iter()
                .map(|b| VoidBallot {
                    ballot_no: ballot_numbers.get(b.ballot).copied().unwrap_or(b.ballot as u32 + 1),
                    reason: b.reason.clone(),
                })
                .collect(),
            threshold: r.threshold,
            counts: r
                .counts
                .iter()
                .map(|c| CandidateTotals {
                    candidate: c.candidate.clone(),
                    write_in: c.write_in,
                    yes: c.yes,
                    no: c.no,
                    abstain: c.abstain,
                })
                .collect(),
            elected: r.elected.clone(),
            seats_unfilled: r.seats_unfilled,
            next_round: r.next_round.as_ref().and_then(|n| {
                let kind = match n.kind {
                    plenum_tally::NextRoundKind::TieRunoff => RoundKind::TieRunoff,
                    plenum_tally::NextRoundKind::AnotherRound => RoundKind::AnotherRound,
                    plenum_tally::NextRoundKind::Revote => RoundKind::Revote,
                    // Settled before the count is recorded (`CountRound::lot_order`).
                    plenum_tally::NextRoundKind::DrawLots => return None,
                };
                Some(RoundPlan {
                    kind,
                    candidates: n.candidates.clone(),
                    seats: n.seats,
                    basis: n.basis.clone(),
                })
            }),
            stages: if r.stages.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::to_value(&r.stages).unwrap_or_default()
            },
            basis: r.basis.clone(),
        }
    }
}

/// A person elected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Elected {
    pub name: String,
    /// The candidate's number, unless the person was written in.
    #[serde(default)]
    pub candidate: Option<u32>,
    #[serde(default)]
    pub member: Option<MemberId>,
    pub yes: u32,
    pub round: u32,
}

// ---- state -------------------------------------------------------------------------

/// An election as the journal leaves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Election {
    pub number: u32,
    pub session: SessionKey,
    /// The agenda item (of kind `Election`) it belongs to.
    pub item: u32,
    pub title: String,
    pub title_en: String,
    pub office: OfficeKind,
    pub seats: u32,
    pub method: ElectionMethod,
    /// The margin in force: the election method's, inside the statute's.
    pub margin: Margin,
    /// A by-election (补选, OL art. 30).
    pub by_election: bool,
    /// Fewest deputies who may nominate jointly (OL art. 26 ¶2).
    pub nomination_group_size: u32,
    /// Only members of the assembly may stand (OL art. 47).
    #[serde(default)]
    pub members_only: bool,
    pub nominations: Vec<Nomination>,
    /// Every candidate nominated, numbered from 1; withdrawn ones stay, marked.
    pub candidates: Vec<Candidate>,
    #[serde(default)]
    pub preliminary: Option<PreliminaryVote>,
    /// The official list (正式候选人), once fixed.
    #[serde(default)]
    pub fixed: Option<FixedList>,
    pub rounds: Vec<Round>,
    /// Everyone elected so far, in order of election.
    pub elected: Vec<Elected>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nomination {
    pub number: u32,
    pub by: Nominator,
    /// Candidate numbers.
    pub candidates: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub number: u32,
    pub name: String,
    pub biography: String,
    pub member: Option<MemberId>,
    /// The nomination that put the candidate forward.
    pub nomination: u32,
    /// Withdrawn before the list was fixed, with the reason.
    pub withdrawn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreliminaryVote {
    pub counts: Vec<PreliminaryCount>,
    #[serde(default)]
    pub runoff: Vec<PreliminaryCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedList {
    /// Candidate numbers, in ballot order.
    pub candidates: Vec<u32>,
    /// An equal-number election (等额选举).
    pub equal: bool,
    pub basis: String,
}

/// What a round's paper ballot number holds: each teller's entry, and the ballot once
/// two entries agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperSlot {
    /// (teller, ballot as entered), in the order entered.
    pub entries: Vec<(String, Ballot)>,
    pub settled: Option<Ballot>,
    /// The entries disagree and no two agree yet: enter the ballot again.
    pub mismatch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Open,
    /// Electronic, its key held by the tellers: closed to ballots, waiting for their
    /// shares of the decryption.
    Counting,
    Counted,
    /// Never counted: its tellers could not decrypt it, and the chair declared it void;
    /// the same round is held again.
    Void,
}

/// A round closed to ballots and waiting for its tellers' shares: what its count will
/// use when the last share comes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundCounting {
    pub lot_order: Option<Vec<String>>,
    pub at: DateTime<Utc>,
    /// Members present when the round stopped taking ballots.
    #[serde(default)]
    pub present: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub number: u32,
    pub kind: RoundKind,
    pub meeting: MeetingId,
    pub mode: RoundMode,
    /// The names on the ballot, in order.
    pub candidates: Vec<String>,
    pub seats: u32,
    /// All members holding a mandate when the round opened ("all deputies").
    pub electorate: u32,
    /// Members present when the round opened.
    pub present: u32,
    /// Paper: ballots handed out.
    pub ballots_issued: Option<u32>,
    /// Electronic: the key the sub-ballots are encrypted to.
    pub public_key: Option<String>,
    /// Electronic rounds whose key the session's tellers hold, in the key's order;
    /// empty when the server holds it.
    #[serde(default)]
    pub tellers: Vec<MemberId>,
    /// Those tellers' shares of the decryption, as they arrive.
    #[serde(default)]
    pub shares: BTreeMap<MemberId, String>,
    #[serde(default)]
    pub counting: Option<RoundCounting>,
    /// Why a round its tellers could not decrypt was declared void.
    #[serde(default)]
    pub void_reason: Option<String>,
    /// A void round: the same round, to be held again.
    #[serde(default)]
    pub again: Option<RoundPlan>,
    pub opened_at: DateTime<Utc>,
    pub state: RoundState,
    /// Electronic: who voted (never what).
    pub voted: BTreeSet<MemberId>,
    /// Electronic: each ballot's encrypted sub-ballots, in the order cast, with no
    /// voter beside them.
    pub sealed: Vec<Vec<String>>,
    /// Electronic: each ballot's proof of its number of yes marks, beside `sealed`
    /// (none for ballots cast before such proofs were made).
    #[serde(default)]
    pub slates: Vec<Option<String>>,
    /// Paper: the tellers' entries by ballot number.
    pub paper: BTreeMap<u32, PaperSlot>,
    /// Paper: ballot numbers flagged as mismatched, in order (a number may recur).
    pub mismatches: Vec<u32>,
    pub result: Option<RoundResult>,
    /// Electronic: the proof of the decryption of the sums.
    pub decryption: Option<String>,
    pub counted_at: Option<DateTime<Utc>>,
}

impl Round {
    /// Paper: how many ballot numbers are settled.
    pub fn settled(&self) -> usize {
        self.paper.values().filter(|s| s.settled.is_some()).count()
    }
}

/// Where an election stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionStage {
    /// Taking nominations.
    Nominating,
    /// The list is fixed; no round yet.
    CandidatesFixed,
    /// A round is open.
    Voting,
    /// A round is closed to ballots and waits for its tellers' shares.
    Counting,
    /// A round was counted and seats remain: the next round is due.
    NextRoundDue,
    /// Every seat is filled.
    Completed,
}

impl Election {
    pub fn stage(&self) -> ElectionStage {
        if self.seats_remaining() == 0 {
            ElectionStage::Completed
        } else if self.open_round().is_some() {
            ElectionStage::Voting
        } else if self.rounds.last().is_some_and(|r| r.state == RoundState::Counting) {
            ElectionStage::Counting
        } else if !self.rounds.is_empty() {
            ElectionStage::NextRoundDue
        } else if self.fixed.is_some() {
            ElectionStage::CandidatesFixed
        } else {
            ElectionStage::Nominating
        }
    }

    pub fn seats_remaining(&self) -> u32 {
        self.seats.saturating_sub(self.elected.len() as u32)
    }

    pub fn open_round(&self) -> Option<&Round> {
        self.rounds.last().filter(|r| r.state == RoundState::Open)
    }

    /// The next round the last count calls for.
    pub fn next_round(&self) -> Option<&RoundPlan> {
        if self.seats_remaining() == 0 {
            return None;
        }
        let last = self.rounds.last()?;
        match last.state {
            RoundState::Void => last.again.as_ref(),
            RoundState::Counted => last.result.as_ref()?.next_round.as_ref(),
            RoundState::Open | RoundState::Counting => None,
        }
    }

    /// Candidates not withdrawn, in order of nomination.
    pub fn nominees(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.withdrawn.is_none())
    }

    pub fn candidate(&self, number: u32) -> Option<&Candidate> {
        number.checked_sub(1).and_then(|i| self.candidates.get(i as usize))
    }

    /// A candidate (not withdrawn) by the name on the ballot.
    pub fn candidate_named(&self, name: &str) -> Option<&Candidate> {
        self.nominees().find(|c| c.name == name)
    }

    /// The official list's names, in ballot order.
    pub fn fixed_names(&self) -> Vec<String> {
        self.fixed
            .iter()
            .flat_map(|f| f.candidates.iter())
            .filter_map(|n| self.candidate(*n).map(|c| c.name.clone()))
            .collect()
    }
}

// ---- checks --------------------------------------------------------------------------

fn congress(a: &Assembly) -> bool {
    matches!(a.kind, Some(BodyKind::PeoplesCongress))
}

/// A rule of the statute in a People's Congress, a model rule elsewhere.
fn rule(a: &Assembly, rule: &'static str, src: &'static str, message: String) -> RuleError {
    if congress(a) { RuleError::statute(rule, src, message) } else { RuleError::model(rule, message) }
}

/// The size of a joint nomination the statute fixes, if it does.
fn statutory_group_size(a: &Assembly, office: OfficeKind) -> Option<(u32, &'static str)> {
    if !congress(a) {
        return None;
    }
    if office == OfficeKind::HigherLevelDeputies {
        return Some((10, source::EL_30));
    }
    match a.level? {
        Level::Provincial => Some((30, source::OL_26)),
        Level::CityWithDistricts => Some((20, source::OL_26)),
        Level::County | Level::Township => Some((10, source::OL_26)),
        Level::National | Level::None => None,
    }
}

fn election_of(a: &Assembly, number: u32) -> Result<&Election, RuleError> {
    a.elections.get(&number).map(|e| &**e).ok_or_else(|| {
        RuleError::model("election.unknown", format!("no election {number}")).field("election")
    })
}

fn not_fixed(e: &Election) -> Result<(), RuleError> {
    if e.fixed.is_some() {
        return Err(RuleError::model(
            "election.candidates_fixed",
            format!("the candidates of election {} are already fixed", e.number),
        ));
    }
    Ok(())
}

fn round_of(e: &Election, round: u32) -> Result<&Round, RuleError> {
    let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize)).ok_or_else(|| {
        RuleError::model("election.round_unknown", format!("election {} has no round {round}", e.number))
            .field("round")
    })?;
    match r.state {
        RoundState::Open => Ok(r),
        RoundState::Counting => Err(RuleError::model(
            "election.round_counted",
            format!("round {round} is closed; its tellers are decrypting the count"),
        )
        .field("round")),
        RoundState::Counted | RoundState::Void => {
            Err(RuleError::model("election.round_counted", format!("round {round} is already counted"))
                .field("round"))
        }
    }
}

/// The round open for voting, or an error naming what is wrong.
fn open_round_of(a: &Assembly, election: u32, round: u32) -> Result<(&Election, &Round), RuleError> {
    let e = election_of(a, election)?;
    Ok((e, round_of(e, round)?))
}

/// A ballot with each list sorted: two entries of one paper ballot compare equal
/// whatever order the names were typed in.
pub fn normalize(b: &Ballot) -> Ballot {
    let sorted = |v: &Vec<String>| {
        let mut v: Vec<String> = v.iter().map(|s| s.trim().to_owned()).collect();
        v.sort();
        v
    };
    Ballot {
        yes: sorted(&b.yes),
        no: sorted(&b.no),
        abstain: sorted(&b.abstain),
        write_in: sorted(&b.write_in),
        ranking: b.ranking.iter().map(|s| s.trim().to_owned()).collect(),
    }
}

/// The tally input of a round, with `ballots`.
fn tally_input(
    e: &Election,
    r: &Round,
    ballots: Vec<Ballot>,
    ballots_issued: Option<u32>,
    lot_order: Option<Vec<String>>,
) -> plenum_tally::Election {
    let method = e.method.tally_method();
    let (min_votes, max_votes) = match e.method {
        ElectionMethod::BlockVote { min_votes, max_votes } => (Some(min_votes), Some(max_votes)),
        _ => (None, None),
    };
    plenum_tally::Election {
        rules: method,
        members: Some(r.electorate),
        seats: r.seats,
        candidates: r.candidates.clone(),
        ballots_issued,
        ballots,
        min_votes,
        max_votes,
        another_round_margin: (method == Method::CnPeopleCongress).then(|| another_round_margin(e, r.seats)),
        lot_order: if method == Method::Stv { lot_order } else { None },
    }
}

/// The margin of another round for `remaining` seats: the smallest the office's rule
/// allows for that many seats (OL art. 29 ¶3 applies art. 27 ¶1; one seat left: two
/// candidates, as EL art. 45 ¶4 says for deputies).
fn another_round_margin(e: &Election, remaining: u32) -> u32 {
    match e.office {
        OfficeKind::Custom { min_extra, .. } => min_extra.max(1),
        office => office.statutory_margin(remaining, false).0.min_extra,
    }
}

/// Checks one paper ballot against the round's list, as the tally will read it.
fn check_entry(e: &Election, r: &Round, entry: &PaperEntry) -> Result<(), RuleError> {
    let issued = r.ballots_issued.unwrap_or(0);
    if entry.ballot_no == 0 || entry.ballot_no > issued {
        return Err(RuleError::model(
            "election.ballot_number",
            format!("ballot numbers run from 1 to the {issued} ballots issued; got {}", entry.ballot_no),
        )
        .field("ballot_no"));
    }
    let input = tally_input(e, r, vec![entry.ballot.clone()], Some(1), None);
    plenum_tally::count_election(&input).map(|_| ()).map_err(|err| {
        let path = err.path.strip_prefix("ballots[0].").unwrap_or(&err.path).to_owned();
        RuleError::model(
            "election.ballot_entry",
            format!("ballot {}: {path}: {}", entry.ballot_no, err.message),
        )
        .field("ballot")
    })
}

/// How many yes marks a ballot of the election's open round may hold, as the bounds
/// of the proof every sealed ballot carries (its slate): no more than the seats
/// (EL art. 44 ¶2), or a block vote's bounds; never more than the candidates.
pub fn yes_bounds(a: &Assembly, election: u32) -> Result<(u32, u32), RuleError> {
    let e = election_of(a, election)?;
    let r = e.open_round().ok_or_else(|| {
        RuleError::model("election.no_open_round", format!("election {election} has no open round"))
    })?;
    Ok(round_yes_bounds(e, r))
}

/// How many yes marks a ballot of round `r` of election `e` may hold.
pub fn round_yes_bounds(e: &Election, r: &Round) -> (u32, u32) {
    let k = r.candidates.len() as u32;
    match e.method {
        ElectionMethod::CnPeopleCongress | ElectionMethod::RobertsRules => (0, r.seats.min(k)),
        ElectionMethod::BlockVote { min_votes, max_votes } => (min_votes.min(k), max_votes.min(k)),
        ElectionMethod::Approval | ElectionMethod::Stv => (0, k),
    }
}

/// Checks a voter's electronic marks before they are encrypted: one mark per
/// candidate on the round's list, and no more yes marks than the ballot may hold
/// (EL art. 44 ¶2: a ballot choosing more people than seats is void; block vote:
/// within its bounds). The server encrypts only marks that pass.
pub fn check_marks(a: &Assembly, election: u32, marks: &[Choice]) -> Result<(), RuleError> {
    let e = election_of(a, election)?;
    let r = e.open_round().ok_or_else(|| {
        RuleError::model("election.no_open_round", format!("election {election} has no open round"))
    })?;
    if r.mode != RoundMode::Electronic {
        return Err(RuleError::model("election.round_mode", "this round is on paper").field("round"));
    }
    if marks.len() != r.candidates.len() {
        return Err(RuleError::model(
            "election.marks",
            format!(
                "{} marks for {} candidates: mark each candidate yes, no or abstain",
                marks.len(),
                r.candidates.len()
            ),
        )
        .field("marks"));
    }
    let yes = marks.iter().filter(|m| **m == Choice::Yes).count() as u32;
    match e.method {
        ElectionMethod::CnPeopleCongress | ElectionMethod::RobertsRules if yes > r.seats => Err(rule(
            a,
            "election.too_many_chosen",
            source::EL_44_2,
            format!("{yes} yes marks for {} seats: such a ballot would be void", r.seats),
        )
        .field("marks")),
        ElectionMethod::BlockVote { min_votes, max_votes } if yes < min_votes || yes > max_votes => {
            Err(RuleError::model(
                "election.marks_out_of_bounds",
                format!("{yes} yes marks; a valid ballot marks {min_votes} to {max_votes}"),
            )
            .field("marks"))
        }
        _ => Ok(()),
    }
}

/// Ballots with the given per-candidate totals, each marking every candidate once,
/// with the yes marks spread as evenly as possible (each candidate's yes, no and
/// abstain marks go to consecutive ballots around the circle, starting where the
/// previous candidate's yes marks ended). An electronic round's per-candidate sums
/// are all that is decrypted; these stand-in ballots give the tally the same counts,
/// and, as the real ballots each held at most `seats` yes marks (checked before
/// encryption), so does each stand-in: a ballot gets `floor` or `ceil` of the total
/// yes marks over the ballots.
fn ballots_from_totals(candidates: &[String], totals: &[Totals], n: usize) -> Vec<Ballot> {
    let mut ballots = vec![Ballot::default(); n];
    if n == 0 {
        return ballots;
    }
    let mut start = 0usize;
    for (name, t) in candidates.iter().zip(totals) {
        let marks = std::iter::repeat_n(0u8, t.yes as usize)
            .chain(std::iter::repeat_n(1u8, t.no as usize))
            .chain(std::iter::repeat_n(2u8, t.abstain as usize));
        for (k, mark) in marks.enumerate() {
            if let Some(b) = ballots.get_mut((start + k) % n) {
                match mark {
                    0 => b.yes.push(name.clone()),
                    1 => b.no.push(name.clone()),
                    _ => b.abstain.push(name.clone()),
                }
            }
        }
        start = (start + t.yes as usize) % n;
    }
    ballots
}

// ---- decide ------------------------------------------------------------------------

/// Decides the election commands (called from `command::decide`).
pub(crate) fn decide_election(a: &Assembly, c: &Command) -> Decision {
    match c {
        Command::CreateElection {
            session,
            item,
            title,
            title_en,
            office,
            seats,
            method,
            margin,
            by_election,
            nomination_group_size,
            members_only,
        } => create(
            a,
            *session,
            *item,
            title,
            title_en,
            *office,
            *seats,
            *method,
            *margin,
            *by_election,
            *nomination_group_size,
            *members_only,
        ),
        Command::NominateCandidates { election, by, candidates } => nominate(a, *election, by, candidates),
        Command::WithdrawCandidate { election, candidate, reason } => {
            let e = election_of(a, *election)?;
            not_fixed(e)?;
            let c = e.candidate(*candidate).ok_or_else(|| {
                RuleError::model("election.candidate_unknown", format!("no candidate {candidate}"))
                    .field("candidate")
            })?;
            if c.withdrawn.is_some() {
                return Err(RuleError::model(
                    "election.candidate_withdrawn",
                    format!("{} has already withdrawn", c.name),
                )
                .field("candidate"));
            }
            text("reason", reason, MAX_TEXT)?;
            Ok(vec![Event::CandidateWithdrawn {
                election: *election,
                candidate: *candidate,
                reason: reason.trim().to_owned(),
            }])
        }
        Command::FixCandidates { election } => fix(a, *election),
        Command::RecordPreliminaryVote { election, counts, runoff } => {
            preliminary(a, *election, counts, runoff)
        }
        Command::OpenRound { election, meeting, mode, ballots_issued, public_key, tellers, at } => {
            open_round(a, *election, meeting, *mode, *ballots_issued, public_key, tellers, *at)
        }
        Command::CastElectionBallot { election, round, member, ballots, slate, at: _ } => {
            let (_, r) = open_round_of(a, *election, *round)?;
            if r.mode != RoundMode::Electronic {
                return Err(RuleError::model(
                    "election.round_mode",
                    "paper ballots are entered by the tellers",
                )
                .field("round"));
            }
            seated_member(a, member, "member")?;
            let present =
                a.meetings.get(&r.meeting).is_some_and(|m| m.attendance.present.contains_key(member));
            if !present {
                return Err(RuleError::model(
                    "election.not_present",
                    "only members checked in at the meeting may vote",
                )
                .field("member"));
            }
            if r.voted.contains(member) {
                return Err(RuleError::model(
                    "election.already_voted",
                    format!("{member} has already voted in round {round}"),
                )
                .field("member"));
            }
            if ballots.len() != r.candidates.len() {
                return Err(RuleError::model(
                    "ballot.malformed",
                    format!("{} sub-ballots for {} candidates", ballots.len(), r.candidates.len()),
                )
                .field("ballots"));
            }
            if ballots.iter().chain(slate).any(|b| b.is_empty() || b.len() > MAX_SUB_BALLOT) {
                return Err(RuleError::model(
                    "ballot.malformed",
                    "an encrypted sub-ballot is empty or too large",
                )
                .field("ballots"));
            }
            // A copy of a ballot already cast would count that voter's marks twice.
            // (Each sub-ballot's proofs are checked where it is encrypted, and by every
            // teller before they decrypt: checking them here, one per candidate, would
            // hold the writer for milliseconds a ballot.)
            if r.sealed.iter().any(|b| b.first() == ballots.first()) {
                return Err(RuleError::model("ballot.copy", "this encrypted ballot has already been cast")
                    .field("ballots"));
            }
            Ok(vec![Event::ElectionBallotCast {
                election: *election,
                round: *round,
                member: member.clone(),
                ballots: ballots.clone(),
                slate: slate.clone(),
            }])
        }
        Command::EnterPaperBallot { election, round, ballot_no, teller, ballot } => enter_paper(
            a,
            *election,
            *round,
            teller,
            std::slice::from_ref(&PaperEntry { ballot_no: *ballot_no, ballot: ballot.clone() }),
        ),
        Command::EnterPaperBallots { election, round, teller, entries } => {
            enter_paper(a, *election, *round, teller, entries)
        }
        Command::CountRound { election, round, ballots_returned, decryption, lot_order, at } => {
            count(a, *election, *round, *ballots_returned, decryption.as_ref(), lot_order, *at)
        }
        Command::SubmitRoundShare { election, round, member, share } => {
            round_share(a, *election, *round, member, share)
        }
        Command::VoidRoundCount { election, round, reason, at } => {
            let e = election_of(a, *election)?;
            let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize)).ok_or_else(|| {
                RuleError::model(
                    "election.round_unknown",
                    format!("election {election} has no round {round}"),
                )
                .field("round")
            })?;
            if r.state != RoundState::Counting {
                return Err(RuleError::model(
                    "election.not_counting",
                    format!("round {round} is not waiting for its tellers"),
                )
                .field("round"));
            }
            crate::command::text("reason", reason, MAX_NAME)?;
            Ok(vec![Event::RoundVoided {
                election: *election,
                round: *round,
                reason: reason.trim().to_owned(),
                at: *at,
            }])
        }
        _ => Err(RuleError::model("election.command", "not an election command")),
    }
}

#[allow(clippy::too_many_arguments)]
fn create(
    a: &Assembly,
    session: SessionKey,
    item: u32,
    title: &str,
    title_en: &str,
    office: OfficeKind,
    seats: u32,
    method: Option<ElectionMethod>,
    margin: Option<Margin>,
    by_election: bool,
    group_size: Option<u32>,
    members_only: bool,
) -> Decision {
    let s = open_session(a, session)?;
    let it = s.agenda.iter().find(|i| i.number == item).ok_or_else(|| {
        RuleError::model("agenda.unknown_item", format!("no agenda item {item}")).field("item")
    })?;
    if it.kind != ItemKind::Election {
        return Err(RuleError::model(
            "election.item_kind",
            format!("agenda item {item} is not an election item"),
        )
        .field("item"));
    }
    if matches!(it.state, ItemState::Done) {
        return Err(
            RuleError::model("election.item_done", format!("agenda item {item} is done")).field("item")
        );
    }
    text("title", title, MAX_NAME)?;
    text("title_en", title_en, MAX_NAME)?;
    if seats == 0 || seats > MAX_SEATS {
        return Err(RuleError::model("election.seats", format!("an election fills 1 to {MAX_SEATS} seats"))
            .field("seats"));
    }
    if office == OfficeKind::Leader && seats != 1 {
        return Err(rule(
            a,
            "election.leader_one_seat",
            source::OL_27,
            "a head of an organ (正职) is one person: one seat".into(),
        )
        .field("seats"));
    }
    if let OfficeKind::Custom { min_extra, max_extra } = office {
        if min_extra > max_extra {
            return Err(RuleError::model("election.margin", "the smallest margin is above the largest")
                .field("office"));
        }
    }
    let method = method.unwrap_or(if congress(a) {
        ElectionMethod::CnPeopleCongress
    } else {
        ElectionMethod::RobertsRules
    });
    if congress(a) && method != ElectionMethod::CnPeopleCongress {
        return Err(RuleError::statute(
            "election.method",
            source::OL_25,
            "a People's Congress elects with more than half of all deputies (cn-people-congress)",
        )
        .field("method"));
    }
    if let ElectionMethod::BlockVote { min_votes, max_votes } = method {
        if min_votes > max_votes || max_votes == 0 {
            return Err(RuleError::model(
                "election.block_vote",
                "a block vote marks min_votes to max_votes names, max_votes at least 1",
            )
            .field("method"));
        }
    }
    let (statutory, src) = office.statutory_margin(seats, by_election);
    let margin = match margin {
        None => statutory,
        Some(m) => {
            if m.min_extra > m.max_extra {
                return Err(RuleError::model("election.margin", "the smallest margin is above the largest")
                    .field("margin"));
            }
            if m.min_extra < statutory.min_extra || m.max_extra > statutory.max_extra {
                return Err(rule(
                    a,
                    "election.margin_outside_statute",
                    src,
                    format!(
                        "for {seats} seats the statute allows {} to {} more candidates; the election method cannot fix {} to {}",
                        statutory.min_extra, statutory.max_extra, m.min_extra, m.max_extra
                    ),
                )
                .field("margin"));
            }
            m
        }
    };
    let nomination_group_size = match (statutory_group_size(a, office), group_size) {
        (Some((n, _)), None) => n,
        (Some((n, src)), Some(g)) if g != n => {
            return Err(RuleError::statute(
                "election.nomination_group_size",
                src,
                format!("the statute fixes joint nominations at {n} or more deputies, not {g}"),
            )
            .field("nomination_group_size"));
        }
        (_, Some(0)) => {
            return Err(RuleError::model(
                "election.nomination_group_size",
                "a joint nomination needs at least one member",
            )
            .field("nomination_group_size"));
        }
        (_, Some(g)) => g,
        (None, None) => 1,
    };
    let number = a.elections.keys().last().copied().unwrap_or(0) + 1;
    Ok(vec![Event::ElectionCreated {
        election: number,
        session,
        item,
        title: title.trim().to_owned(),
        title_en: title_en.trim().to_owned(),
        office,
        seats,
        method,
        margin,
        by_election,
        nomination_group_size,
        members_only: members_only || (congress(a) && office == OfficeKind::Member),
    }])
}

fn nominate(a: &Assembly, election: u32, by: &Nominator, drafts: &[CandidateDraft]) -> Decision {
    let e = election_of(a, election)?;
    not_fixed(e)?;
    if drafts.is_empty() {
        return Err(RuleError::model("election.no_candidates", "a nomination names at least one candidate")
            .field("candidates"));
    }
    let new = drafts.len() as u32;
    // Nominated candidates still standing, per nominator.
    let standing = |pred: &dyn Fn(&Nominator) -> bool| -> u32 {
        e.nominations
            .iter()
            .filter(|n| pred(&n.by))
            .flat_map(|n| n.candidates.iter())
            .filter(|c| e.candidate(**c).is_some_and(|c| c.withdrawn.is_none()))
            .count() as u32
    };
    let src = if e.office == OfficeKind::HigherLevelDeputies { source::EL_30 } else { source::OL_26 };
    match by {
        Nominator::Presidium => {
            let s = open_session(a, e.session)?;
            if s.presidium.is_empty() {
                return Err(rule(
                    a,
                    "election.no_presidium",
                    src,
                    "the presidium nominates once it is elected".into(),
                )
                .field("by"));
            }
            let before = standing(&|n| *n == Nominator::Presidium);
            if before + new > e.seats {
                return Err(rule(
                    a,
                    "election.nominator_over_seats",
                    src,
                    format!(
                        "the presidium may nominate at most {} candidates (the seats); it has {before} and would add {new}",
                        e.seats
                    ),
                )
                .field("candidates"));
            }
        }
        Nominator::Deputies { members } => {
            let mut seen = BTreeSet::new();
            for m in members {
                seated_member(a, m, "by")?;
                if !seen.insert(m) {
                    return Err(
                        RuleError::model("election.signer_twice", format!("{m} signs twice")).field("by")
                    );
                }
            }
            if (members.len() as u32) < e.nomination_group_size {
                return Err(rule(
                    a,
                    "election.nomination_group_too_small",
                    src,
                    format!(
                        "a joint nomination needs {} or more deputies in writing; {} signed",
                        e.nomination_group_size,
                        members.len()
                    ),
                )
                .field("by"));
            }
            for m in members {
                let before =
                    standing(&|n| matches!(n, Nominator::Deputies { members } if members.contains(m)));
                if before + new > e.seats {
                    return Err(rule(
                        a,
                        "election.nominator_over_seats",
                        src,
                        format!(
                            "{m} may join in nominating at most {} candidates (the seats); they have signed for {before} and would add {new}",
                            e.seats
                        ),
                    )
                    .field("by"));
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    for (i, d) in drafts.iter().enumerate() {
        let at =
            |err: RuleError| RuleError { message: format!("candidate {}: {}", i + 1, err.message), ..err };
        text("name", &d.name, MAX_NAME).map_err(at)?;
        if d.biography.trim().is_empty() {
            return Err(at(rule(
                a,
                "election.biography_required",
                src,
                "the nominators introduce the candidate: a biography (简历) is required".into(),
            )
            .field("biography")));
        }
        text("biography", &d.biography, MAX_TEXT).map_err(at)?;
        match &d.member {
            Some(m) => seated_member(a, m, "member").map_err(at)?,
            None if e.members_only => {
                return Err(at(rule(
                    a,
                    "election.members_only",
                    source::OL_47,
                    "the standing committee is elected from among the deputies: give the candidate's member id"
                        .into(),
                )
                .field("member")));
            }
            None => {}
        }
        let name = d.name.trim();
        let taken = e.nominees().find(|c| c.name == name || (d.member.is_some() && c.member == d.member));
        if let Some(c) = taken {
            return Err(at(RuleError::model(
                "election.candidate_twice",
                format!("{} is already candidate {}", c.name, c.number),
            )
            .field("candidates")));
        }
        if !names.insert(name.to_owned()) {
            return Err(at(RuleError::model("election.candidate_twice", format!("{name} is named twice"))
                .field("candidates")));
        }
    }
    let first = e.candidates.len() as u32 + 1;
    Ok(vec![Event::CandidatesNominated {
        election,
        nomination: e.nominations.len() as u32 + 1,
        by: by.clone(),
        candidates: drafts
            .iter()
            .enumerate()
            .map(|(i, d)| Candidate {
                number: first + i as u32,
                name: d.name.trim().to_owned(),
                biography: d.biography.trim().to_owned(),
                member: d.member.clone(),
                nomination: e.nominations.len() as u32 + 1,
                withdrawn: None,
            })
            .collect(),
    }])
}

fn margin_source(e: &Election) -> &'static str {
    if e.by_election {
        source::OL_30
    } else if e.office == OfficeKind::HigherLevelDeputies {
        source::EL_31
    } else {
        source::OL_27
    }
}

fn fix(a: &Assembly, election: u32) -> Decision {
    let e = election_of(a, election)?;
    not_fixed(e)?;
    let n = e.nominees().count() as u32;
    let (min, max) = e.margin.candidates(e.seats);
    let src = margin_source(e);
    let single_leader = e.office == OfficeKind::Leader && n == 1 && e.seats == 1;
    let (equal, basis) = if single_leader {
        (
            true,
            format!(
                "one person nominated for a head's office: an equal-number election ({}: 如果提名的候选人只有一人，也可以等额选举)",
                source::OL_27
            ),
        )
    } else if n < min {
        let also = if e.office == OfficeKind::Leader && e.seats == 1 {
            "; an equal-number election needs exactly one nominee"
        } else {
            ""
        };
        return Err(rule(
            a,
            "election.too_few_candidates",
            src,
            format!("{n} nominees for {} seats; the margin needs at least {min} candidates{also}", e.seats),
        ));
    } else if n > max {
        return Err(rule(
            a,
            "election.preliminary_vote_needed",
            src,
            format!(
                "{n} nominees, more than the {max} the margin allows for {} seats: hold a preliminary vote (预选) and record it",
                e.seats
            ),
        ));
    } else {
        (
            n == e.seats,
            format!("{n} candidates for {} seats: within the margin of {min} to {max} ({src})", e.seats),
        )
    };
    Ok(vec![Event::CandidatesFixed {
        election,
        candidates: e.nominees().map(|c| c.number).collect(),
        equal,
        basis,
    }])
}

fn preliminary(
    a: &Assembly,
    election: u32,
    counts: &[PreliminaryCount],
    runoff: &[PreliminaryCount],
) -> Decision {
    let e = election_of(a, election)?;
    not_fixed(e)?;
    let (_, max) = e.margin.candidates(e.seats);
    let nominees: BTreeSet<u32> = e.nominees().map(|c| c.number).collect();
    if nominees.len() as u32 <= max {
        return Err(rule(
            a,
            "election.no_preliminary_vote",
            margin_source(e),
            format!(
                "{} nominees fit the margin (at most {max}): fix the candidates without a preliminary vote",
                nominees.len()
            ),
        ));
    }
    let electorate = a.seated_members().count() as u32;
    let check = |list: &[PreliminaryCount],
                 expected: &BTreeSet<u32>,
                 field: &'static str|
     -> Result<BTreeMap<u32, u32>, RuleError> {
        let mut map = BTreeMap::new();
        for c in list {
            if !expected.contains(&c.candidate) || map.insert(c.candidate, c.votes).is_some() {
                return Err(RuleError::model(
                    "election.preliminary_counts",
                    format!("candidate {} is not expected here, or is listed twice", c.candidate),
                )
                .field(field));
            }
            if c.votes > electorate {
                return Err(RuleError::model(
                    "election.preliminary_counts",
                    format!(
                        "candidate {} has {} votes, more than the {electorate} members",
                        c.candidate, c.votes
                    ),
                )
                .field(field));
            }
        }
        if map.len() != expected.len() {
            return Err(RuleError::model("election.preliminary_counts", "give a count for every candidate")
                .field(field));
        }
        Ok(map)
    };
    let votes = check(counts, &nominees, "counts")?;
    // Most votes first; nomination order among equals (only used above the cut).
    let mut order: Vec<u32> = nominees.iter().copied().collect();
    order.sort_by_key(|c| std::cmp::Reverse(votes.get(c).copied().unwrap_or(0)));
    let cut_votes = votes.get(&order[max as usize - 1]).copied().unwrap_or(0);
    let tied: BTreeSet<u32> = order.iter().copied().filter(|c| votes.get(c) == Some(&cut_votes)).collect();
    let above: Vec<u32> =
        order.iter().copied().filter(|c| votes.get(c).is_some_and(|v| *v > cut_votes)).collect();
    let mut list = above.clone();
    let open = max as usize - above.len();
    let name = |n: &u32| e.candidate(*n).map_or_else(|| n.to_string(), |c| c.name.clone());
    if tied.len() > open {
        if runoff.is_empty() {
            return Err(RuleError::model(
                "election.preliminary_tie",
                format!(
                    "{} tie with {cut_votes} votes for the last {open} place(s) on the list: hold a run-off preliminary vote among them and record it as `runoff`",
                    tied.iter().map(name).collect::<Vec<_>>().join(", ")
                ),
            )
            .field("runoff"));
        }
        let rv = check(runoff, &tied, "runoff")?;
        let mut t: Vec<u32> = tied.iter().copied().collect();
        t.sort_by_key(|c| std::cmp::Reverse(rv.get(c).copied().unwrap_or(0)));
        let last = rv.get(&t[open - 1]).copied().unwrap_or(0);
        if t.get(open).is_some_and(|c| rv.get(c) == Some(&last)) {
            return Err(RuleError::model(
                "election.preliminary_tie",
                "the run-off preliminary vote ties again at the cut: vote again among those tied",
            )
            .field("runoff"));
        }
        list.extend(t.into_iter().take(open));
    } else {
        if !runoff.is_empty() {
            return Err(RuleError::model(
                "election.preliminary_counts",
                "no tie at the cut: no run-off to record",
            )
            .field("runoff"));
        }
        list.extend(order.iter().copied().filter(|c| tied.contains(c)).take(open));
    }
    // The official list keeps the order of nomination.
    list.sort_unstable();
    let basis = format!(
        "{} nominees for {} seats, more than the margin allows: the {max} with most votes in the preliminary vote are the candidates ({}: 进行预选，根据在预选中得票多少的顺序…确定正式候选人名单)",
        nominees.len(),
        e.seats,
        margin_source(e)
    );
    Ok(vec![
        Event::PreliminaryVoteRecorded { election, counts: counts.to_vec(), runoff: runoff.to_vec() },
        Event::CandidatesFixed { election, candidates: list, equal: false, basis },
    ])
}

#[allow(clippy::too_many_arguments)]
fn open_round(
    a: &Assembly,
    election: u32,
    meeting: &MeetingId,
    mode: RoundMode,
    ballots_issued: Option<u32>,
    public_key: &Option<String>,
    tellers: &[MemberId],
    at: DateTime<Utc>,
) -> Decision {
    let e = election_of(a, election)?;
    if e.fixed.is_none() {
        return Err(RuleError::model("election.candidates_not_fixed", "fix the candidates first"));
    }
    if e.seats_remaining() == 0 {
        return Err(RuleError::model(
            "election.completed",
            format!("every seat of election {election} is filled"),
        ));
    }
    if let Some(r) = e.open_round() {
        return Err(RuleError::model("election.round_open", format!("round {} is still open", r.number)));
    }
    if let Some(r) = e.rounds.last().filter(|r| r.state == RoundState::Counting) {
        return Err(RuleError::model(
            "election.round_counting",
            format!("round {} is still being counted by its tellers", r.number),
        ));
    }
    let (kind, candidates, seats) = if e.rounds.is_empty() {
        (RoundKind::First, e.fixed_names(), e.seats)
    } else {
        let plan = e.next_round().ok_or_else(|| {
            RuleError::model("election.no_next_round", "the last count calls for no further round")
        })?;
        (plan.kind, plan.candidates.clone(), plan.seats)
    };
    if candidates.is_empty() {
        return Err(RuleError::statute(
            "election.no_candidates_left",
            "OL art. 29 ¶2",
            "no unelected candidates are left for another round: new nominations are needed",
        ));
    }
    let m = meeting_open(a, meeting)?;
    if m.state != MeetingState::InProgress {
        return Err(RuleError::model(
            "meeting.not_in_progress",
            format!("meeting {meeting} is not in progress"),
        )
        .field("meeting"));
    }
    if congress(a) && m.kind != MeetingKind::Plenary {
        return Err(RuleError::statute(
            "election.plenary_only",
            source::OL_25,
            "the congress elects at its plenary",
        )
        .field("meeting"));
    }
    if m.session != e.session {
        return Err(RuleError::model("election.other_session", "the meeting belongs to another session")
            .field("meeting"));
    }
    let s = open_session(a, e.session)?;
    if !s.agenda.iter().any(|i| i.number == e.item && i.state == ItemState::InProgress) {
        return Err(RuleError::model(
            "election.item_not_in_progress",
            format!("agenda item {} is not in progress: take it up first", e.item),
        ));
    }
    if let Some(p) = a.open_poll() {
        return Err(RuleError::model("vote.one_at_a_time", format!("poll {} is still open", p.number)));
    }
    if let Some(other) = a.elections.values().find(|x| x.open_round().is_some()) {
        return Err(RuleError::model(
            "vote.one_at_a_time",
            format!("a round of election {} is open", other.number),
        ));
    }
    let electorate = a.seated_members().count() as u32;
    let present = present_count(a, meeting);
    let quorum = a.rules.as_ref().map_or(Quorum::Majority, |r| r.quorum);
    if !quorum.is_met(present, electorate) {
        return Err(quorum_error(a, present, electorate));
    }
    match mode {
        RoundMode::Paper => {
            let Some(issued) = ballots_issued else {
                return Err(RuleError::model(
                    "election.issued_required",
                    "record how many paper ballots were issued",
                )
                .field("ballots_issued"));
            };
            if issued == 0 || issued > present {
                return Err(RuleError::model(
                    "election.issued",
                    format!("{issued} ballots issued: one per member present, at most {present}"),
                )
                .field("ballots_issued"));
            }
            if public_key.is_some() || !tellers.is_empty() {
                return Err(RuleError::model("election.key_unexpected", "paper ballots are not encrypted")
                    .field("public_key"));
            }
        }
        RoundMode::Electronic => {
            // The tellers' custody first: a key missing is theirs to register.
            if !tellers.is_empty() {
                crate::command::teller_custody(
                    a,
                    s,
                    tellers,
                    public_key.as_deref(),
                    crate::command::Custody::Round,
                )?;
            }
            if public_key.as_deref().is_none_or(str::is_empty) {
                return Err(RuleError::model(
                    "election.key_required",
                    "an electronic secret round needs its public key",
                )
                .field("public_key"));
            }
            if ballots_issued.is_some() {
                return Err(RuleError::model(
                    "election.issued_unexpected",
                    "electronic rounds issue no paper ballots",
                )
                .field("ballots_issued"));
            }
            let unsupported = match e.method {
                ElectionMethod::Stv => Some("STV ballots rank candidates"),
                ElectionMethod::RobertsRules if seats > 1 => {
                    Some("Robert's Rules with several seats count how many ballots name anyone")
                }
                _ => None,
            };
            if let Some(why) = unsupported {
                return Err(RuleError::model(
                    "election.paper_only",
                    format!("{why}: per-candidate sums do not tell that; vote on paper"),
                )
                .field("mode"));
            }
        }
    }
    Ok(vec![Event::RoundOpened {
        election,
        round: e.rounds.len() as u32 + 1,
        kind,
        meeting: meeting.clone(),
        mode,
        candidates,
        seats,
        electorate,
        present,
        ballots_issued,
        public_key: public_key.clone(),
        tellers: tellers.to_vec(),
        opened_at: at,
    }])
}

fn enter_paper(a: &Assembly, election: u32, round: u32, teller: &str, entries: &[PaperEntry]) -> Decision {
    let (e, r) = open_round_of(a, election, round)?;
    if r.mode != RoundMode::Paper {
        return Err(RuleError::model("election.round_mode", "electronic ballots are cast, not entered")
            .field("round"));
    }
    text("teller", teller, MAX_NAME)?;
    let teller = teller.trim();
    if entries.is_empty() {
        return Err(RuleError::model("election.no_entries", "no ballots to enter").field("entries"));
    }
    let mut seen = BTreeSet::new();
    let mut events = Vec::new();
    let mut mismatches = Vec::new();
    for entry in entries {
        if !seen.insert(entry.ballot_no) {
            return Err(RuleError::model(
                "election.entered_twice",
                format!("ballot {} is entered twice", entry.ballot_no),
            )
            .field("entries"));
        }
        check_entry(e, r, entry)?;
        let slot = r.paper.get(&entry.ballot_no);
        if let Some(slot) = slot {
            if slot.settled.is_some() {
                return Err(RuleError::model(
                    "election.ballot_settled",
                    format!("ballot {} is settled: two tellers' entries agree", entry.ballot_no),
                )
                .field("ballot_no"));
            }
            if slot.entries.iter().any(|(t, _)| t == teller) {
                return Err(RuleError::model(
                    "election.same_teller",
                    format!(
                        "{teller} has already entered ballot {}: another teller enters it",
                        entry.ballot_no
                    ),
                )
                .field("teller"));
            }
            let mine = normalize(&entry.ballot);
            if !slot.entries.iter().any(|(_, b)| normalize(b) == mine) {
                let mut tellers: Vec<String> = slot.entries.iter().map(|(t, _)| t.clone()).collect();
                tellers.push(teller.to_owned());
                mismatches.push(Event::PaperBallotMismatch {
                    election,
                    round,
                    ballot_no: entry.ballot_no,
                    tellers,
                });
            }
        }
    }
    events.push(Event::PaperBallotsEntered {
        election,
        round,
        teller: teller.to_owned(),
        entries: entries
            .iter()
            .map(|en| PaperEntry { ballot_no: en.ballot_no, ballot: normalize(&en.ballot) })
            .collect(),
    });
    events.extend(mismatches);
    Ok(events)
}

fn count(
    a: &Assembly,
    election: u32,
    round: u32,
    ballots_returned: Option<u32>,
    decryption: Option<&RoundDecryption>,
    lot_order: &Option<Vec<String>>,
    at: DateTime<Utc>,
) -> Decision {
    let (e, r) = open_round_of(a, election, round)?;
    if r.mode == RoundMode::Electronic && !r.tellers.is_empty() {
        if decryption.is_some() {
            return Err(RuleError::statute(
                "election.tellers_decrypt",
                source::EL_43,
                "this round's key is held by its tellers; its sums are decrypted from their shares",
            )
            .field("decryption"));
        }
        if ballots_returned.is_some() {
            return Err(RuleError::model(
                "election.returned_unexpected",
                "an electronic round counts its own ballots",
            )
            .field("ballots_returned"));
        }
        let present = present_count(a, &r.meeting);
        return Ok(vec![Event::RoundCountStarted {
            election,
            round,
            lot_order: lot_order.clone(),
            present,
            at,
        }]);
    }
    Ok(vec![counted(a, e, r, ballots_returned, decryption, lot_order, at)?])
}

/// A teller's share of a counting round's decryption; the last one counts the round.
fn round_share(a: &Assembly, election: u32, round: u32, id: &MemberId, share: &str) -> Decision {
    let e = election_of(a, election)?;
    let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize)).ok_or_else(|| {
        RuleError::model("election.round_unknown", format!("election {election} has no round {round}"))
            .field("round")
    })?;
    let counting = r.counting.as_ref().filter(|_| r.state == RoundState::Counting);
    let key = r.public_key.as_deref().unwrap_or_default();
    let n = r.candidates.len();
    let checked = crate::command::check_share(
        crate::command::Custody::Round,
        &format!("round {round}"),
        counting.is_some(),
        &r.tellers,
        &r.shares,
        id,
        share,
        |s| crate::sealed::verify_round_share(key, election, round, n, &r.sealed, s),
    )?;
    let mut events = vec![Event::RoundShareSubmitted {
        election,
        round,
        member: id.clone(),
        share: checked.share.clone(),
    }];
    if let (Some(shares), Some(counting)) = (checked.all, counting) {
        let (totals, proof) = crate::sealed::combine_round(key, election, round, n, &r.sealed, &shares)
            .map_err(|err| {
                RuleError::model("election.decryption_invalid", format!("the shares do not combine: {err}"))
                    .field("share")
            })?;
        let d = RoundDecryption { totals, proof };
        events.push(counted(a, e, r, None, Some(&d), &counting.lot_order, counting.at)?);
    }
    Ok(events)
}

/// The count of a round from its ballots (paper: the settled entries; electronic:
/// the decrypted sums, checked against the journal's ciphertexts).
fn counted(
    a: &Assembly,
    e: &Election,
    r: &Round,
    ballots_returned: Option<u32>,
    decryption: Option<&RoundDecryption>,
    lot_order: &Option<Vec<String>>,
    at: DateTime<Utc>,
) -> Result<Event, RuleError> {
    let (election, round) = (e.number, r.number);
    let (ballots, numbers, issued, proof) = match r.mode {
        RoundMode::Paper => {
            if decryption.is_some() {
                return Err(RuleError::model(
                    "election.decryption_unexpected",
                    "paper rounds are counted from the entries",
                )
                .field("decryption"));
            }
            let Some(returned) = ballots_returned else {
                return Err(RuleError::model(
                    "election.returned_required",
                    "record how many ballots were returned",
                )
                .field("ballots_returned"));
            };
            let issued = r.ballots_issued.unwrap_or(0);
            if returned > issued {
                // EL art. 44 ¶1: the tally voids the round; the ballots are not read.
                (vec![Ballot::default(); returned as usize], Vec::new(), issued, None)
            } else {
                if let Some((n, _)) = r.paper.range(returned + 1..).next() {
                    return Err(RuleError::model(
                        "election.entries_beyond_returned",
                        format!("ballot {n} was entered, but only {returned} ballots were returned"),
                    )
                    .field("ballots_returned"));
                }
                let open: Vec<u32> =
                    (1..=returned).filter(|n| r.paper.get(n).is_none_or(|s| s.settled.is_none())).collect();
                if !open.is_empty() {
                    let shown: Vec<String> = open.iter().take(20).map(u32::to_string).collect();
                    return Err(RuleError::model(
                        "election.ballots_unsettled",
                        format!(
                            "{} ballot(s) lack two agreeing entries by different tellers: {}{}",
                            open.len(),
                            shown.join(", "),
                            if open.len() > 20 { ", …" } else { "" }
                        ),
                    ));
                }
                let ballots: Vec<Ballot> =
                    (1..=returned).filter_map(|n| r.paper.get(&n).and_then(|s| s.settled.clone())).collect();
                (ballots, (1..=returned).collect(), issued, None)
            }
        }
        RoundMode::Electronic => {
            if ballots_returned.is_some() {
                return Err(RuleError::model(
                    "election.returned_unexpected",
                    "an electronic round counts its own ballots",
                )
                .field("ballots_returned"));
            }
            let Some(d) = decryption else {
                return Err(RuleError::model(
                    "election.decryption_required",
                    "an electronic round is counted with the decryption of its sums",
                )
                .field("decryption"));
            };
            let key = r.public_key.as_deref().unwrap_or_default();
            crate::sealed::verify_round(
                key,
                election,
                round,
                r.candidates.len(),
                &r.sealed,
                &d.totals,
                &d.proof,
            )
            .map_err(|err| {
                RuleError::model(
                    "election.decryption_invalid",
                    format!("the decryption does not check out: {err}"),
                )
                .field("decryption")
            })?;
            let cast = r.sealed.len();
            if d.totals.iter().any(|t| t.cast() as usize != cast) {
                return Err(RuleError::model(
                    "election.decryption_invalid",
                    "each candidate's totals must add up to the ballots cast",
                )
                .field("decryption"));
            }
            let yes: u64 = d.totals.iter().map(|t| u64::from(t.yes)).sum();
            let per_ballot = match e.method {
                ElectionMethod::CnPeopleCongress | ElectionMethod::RobertsRules => Some(u64::from(r.seats)),
                ElectionMethod::BlockVote { max_votes, .. } => Some(u64::from(max_votes)),
                _ => None,
            };
            if per_ballot.is_some_and(|m| yes > m * cast as u64) {
                return Err(RuleError::model(
                    "election.decryption_invalid",
                    "the sums hold more yes marks than valid ballots can",
                )
                .field("decryption"));
            }
            let cast32 = cast as u32;
            // Those present when the ballots stopped: for a round its tellers count,
            // when it closed, not when their last share came.
            let present =
                r.counting.as_ref().map_or_else(|| present_count(a, &r.meeting), |c| c.present).max(cast32);
            let ballots = ballots_from_totals(&r.candidates, &d.totals, cast);
            (ballots, (1..=cast32).collect(), present, Some(d.proof.clone()))
        }
    };
    let mut input = tally_input(e, r, ballots, Some(issued), lot_order.clone());
    let tally = |input: &plenum_tally::Election| {
        plenum_tally::count_election(input).map_err(|err| RuleError::model("election.count", err.to_string()))
    };
    let mut result = tally(&input)?;
    // The margin of another round depends on the seats left, known after the count.
    if input.another_round_margin.is_some() && result.seats_unfilled > 0 {
        let margin = Some(another_round_margin(e, result.seats_unfilled));
        if margin != input.another_round_margin {
            input.another_round_margin = margin;
            result = tally(&input)?;
        }
    }
    if result.next_round.as_ref().is_some_and(|n| n.kind == plenum_tally::NextRoundKind::DrawLots) {
        return Err(RuleError::model(
            "election.lot_needed",
            "the STV rules call for a lot among tied candidates: draw it and count with lot_order",
        )
        .field("lot_order"));
    }
    let result = RoundResult::from_tally(&result, r.electorate, &numbers);
    let elected = result
        .elected
        .iter()
        .map(|name| {
            let c = e.candidate_named(name);
            Elected {
                name: name.clone(),
                candidate: c.map(|c| c.number),
                member: c.and_then(|c| c.member.clone()),
                yes: result.counts.iter().find(|x| &x.candidate == name).map_or(0, |x| x.yes),
                round,
            }
        })
        .collect();
    Ok(Event::RoundCounted { election, round, result, elected, decryption: proof, counted_at: at })
}

// ---- apply -------------------------------------------------------------------------

/// Applies an election event (called from `Assembly::apply`).
pub(crate) fn apply(a: &mut Assembly, event: &Event) {
    match event {
        Event::ElectionCreated {
            election,
            session,
            item,
            title,
            title_en,
            office,
            seats,
            method,
            margin,
            by_election,
            nomination_group_size,
            members_only,
        } => {
            Arc::make_mut(&mut a.elections).insert(
                *election,
                Arc::new(Election {
                    number: *election,
                    session: *session,
                    item: *item,
                    title: title.clone(),
                    title_en: title_en.clone(),
                    office: *office,
                    seats: *seats,
                    method: *method,
                    margin: *margin,
                    by_election: *by_election,
                    nomination_group_size: *nomination_group_size,
                    members_only: *members_only,
                    nominations: Vec::new(),
                    candidates: Vec::new(),
                    preliminary: None,
                    fixed: None,
                    rounds: Vec::new(),
                    elected: Vec::new(),
                }),
            );
        }
        Event::CandidatesNominated { election, nomination, by, candidates } => {
            if let Some(e) = Arc::make_mut(&mut a.elections).get_mut(election).map(Arc::make_mut) {
                e.nominations.push(Nomination {
                    number: *nomination,
                    by: by.clone(),
                    candidates: candidates.iter().map(|c| c.number).collect(),
                });
                e.candidates.extend(candidates.iter().cloned());
            }
        }
        Event::CandidateWithdrawn { election, candidate, reason } => {
            if let Some(c) = Arc::make_mut(&mut a.elections)
                .get_mut(election)
                .map(Arc::make_mut)
                .and_then(|e| candidate.checked_sub(1).and_then(|i| e.candidates.get_mut(i as usize)))
            {
                c.withdrawn = Some(reason.clone());
            }
        }
        Event::PreliminaryVoteRecorded { election, counts, runoff } => {
            if let Some(e) = Arc::make_mut(&mut a.elections).get_mut(election).map(Arc::make_mut) {
                e.preliminary = Some(PreliminaryVote { counts: counts.clone(), runoff: runoff.clone() });
            }
        }
        Event::CandidatesFixed { election, candidates, equal, basis } => {
            if let Some(e) = Arc::make_mut(&mut a.elections).get_mut(election).map(Arc::make_mut) {
                e.fixed =
                    Some(FixedList { candidates: candidates.clone(), equal: *equal, basis: basis.clone() });
            }
        }
        Event::RoundOpened {
            election,
            round,
            kind,
            meeting,
            mode,
            candidates,
            seats,
            electorate,
            present,
            ballots_issued,
            public_key,
            tellers,
            opened_at,
        } => {
            if let Some(e) = Arc::make_mut(&mut a.elections).get_mut(election).map(Arc::make_mut) {
                e.rounds.push(Round {
                    number: *round,
                    kind: *kind,
                    meeting: meeting.clone(),
                    mode: *mode,
                    candidates: candidates.clone(),
                    seats: *seats,
                    electorate: *electorate,
                    present: *present,
                    ballots_issued: *ballots_issued,
                    public_key: public_key.clone(),
                    tellers: tellers.clone(),
                    shares: BTreeMap::new(),
                    counting: None,
                    void_reason: None,
                    again: None,
                    opened_at: *opened_at,
                    state: RoundState::Open,
                    voted: BTreeSet::new(),
                    sealed: Vec::new(),
                    slates: Vec::new(),
                    paper: BTreeMap::new(),
                    mismatches: Vec::new(),
                    result: None,
                    decryption: None,
                    counted_at: None,
                });
            }
        }
        Event::RoundCountStarted { election, round, lot_order, present, at } => {
            if let Some(r) = round_mut(a, *election, *round) {
                r.state = RoundState::Counting;
                r.counting = Some(RoundCounting { lot_order: lot_order.clone(), at: *at, present: *present });
            }
        }
        Event::RoundShareSubmitted { election, round, member, share } => {
            if let Some(r) = round_mut(a, *election, *round) {
                r.shares.insert(member.clone(), share.clone());
            }
        }
        Event::RoundVoided { election, round, reason, .. } => {
            if let Some(r) = round_mut(a, *election, *round) {
                r.state = RoundState::Void;
                r.void_reason = Some(reason.clone());
                r.again = Some(RoundPlan {
                    kind: r.kind,
                    candidates: r.candidates.clone(),
                    seats: r.seats,
                    basis: format!("round {} was declared void, its count not decrypted: {reason}", r.number),
                });
            }
        }
        Event::ElectionBallotCast { election, round, member, ballots, slate } => {
            if let Some(r) = round_mut(a, *election, *round) {
                r.voted.insert(member.clone());
                // Slates line up with the ballots, whatever an older state held.
                r.slates.resize(r.sealed.len(), None);
                r.sealed.push(ballots.clone());
                r.slates.push(slate.clone());
            }
        }
        Event::PaperBallotsEntered { election, round, teller, entries } => {
            if let Some(r) = round_mut(a, *election, *round) {
                for en in entries {
                    let slot = r.paper.entry(en.ballot_no).or_default();
                    let mine = normalize(&en.ballot);
                    let agrees = slot.entries.iter().any(|(_, b)| normalize(b) == mine);
                    slot.entries.push((teller.clone(), en.ballot.clone()));
                    if slot.settled.is_none() {
                        if agrees {
                            slot.settled = Some(mine);
                            slot.mismatch = false;
                        } else if slot.entries.len() > 1 {
                            slot.mismatch = true;
                        }
                    }
                }
            }
        }
        Event::PaperBallotMismatch { election, round, ballot_no, .. } => {
            if let Some(r) = round_mut(a, *election, *round) {
                r.mismatches.push(*ballot_no);
            }
        }
        Event::RoundCounted { election, round, result, elected, decryption, counted_at } => {
            if let Some(e) = Arc::make_mut(&mut a.elections).get_mut(election).map(Arc::make_mut) {
                if let Some(r) = round.checked_sub(1).and_then(|i| e.rounds.get_mut(i as usize)) {
                    r.state = RoundState::Counted;
                    r.result = Some(result.clone());
                    r.decryption = decryption.clone();
                    r.counted_at = Some(*counted_at);
                }
                e.elected.extend(elected.iter().cloned());
            }
        }
        _ => {}
    }
}

fn round_mut(a: &mut Assembly, election: u32, round: u32) -> Option<&mut Round> {
    Arc::make_mut(&mut a.elections)
        .get_mut(&election)
        .map(Arc::make_mut)
        .and_then(|e| round.checked_sub(1).and_then(|i| e.rounds.get_mut(i as usize)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statutory_margins_round_as_documented() {
        let m = |o: OfficeKind, s| {
            let (m, _) = o.statutory_margin(s, false);
            (m.min_extra, m.max_extra)
        };
        assert_eq!(m(OfficeKind::Leader, 1), (1, 1));
        assert_eq!(m(OfficeKind::Deputy, 6), (1, 3));
        // 35 seats: 3.5 to 7 more, so 4 to 7.
        assert_eq!(m(OfficeKind::Member, 35), (4, 7));
        assert_eq!(m(OfficeKind::Member, 40), (4, 8));
        // Few seats: at least one more, and a fifth rounds down below it.
        assert_eq!(m(OfficeKind::Member, 4), (1, 1));
        assert_eq!(m(OfficeKind::Member, 2), (1, 1));
        // Deputies to the congress above: a fifth to a half more.
        assert_eq!(m(OfficeKind::HigherLevelDeputies, 12), (3, 6));
        let (by, src) = OfficeKind::Deputy.statutory_margin(3, true);
        assert_eq!((by.min_extra, by.max_extra, src), (0, 3, "OL art. 30"));
    }

    #[test]
    fn stand_in_ballots_carry_the_totals_and_spread_the_yes_marks() {
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let totals = [
            Totals { yes: 5, no: 1, abstain: 0 },
            Totals { yes: 4, no: 0, abstain: 2 },
            Totals { yes: 1, no: 3, abstain: 2 },
            Totals { yes: 2, no: 2, abstain: 2 },
        ];
        let ballots = ballots_from_totals(&names, &totals, 6);
        for b in &ballots {
            assert_eq!(b.yes.len() + b.no.len() + b.abstain.len(), 4, "{b:?}");
            assert!(b.yes.len() == 2, "{b:?}");
        }
        for (name, t) in names.iter().zip(&totals) {
            let n = |f: fn(&Ballot) -> &Vec<String>| {
                ballots.iter().filter(|b| f(b).contains(name)).count() as u32
            };
            assert_eq!((n(|b| &b.yes), n(|b| &b.no), n(|b| &b.abstain)), (t.yes, t.no, t.abstain));
        }
    }
}
