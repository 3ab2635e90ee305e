//! The facts an assembly's journal records. Events are never changed once
//! written: a new shape gets a new variant (or a `#[serde(default)]` field) and the
//! old one keeps loading; the journal fixture test guards this.

use crate::election::{
    Candidate, Elected, ElectionMethod, Margin, Nominator, OfficeKind, PaperEntry, PreliminaryCount,
    RoundKind, RoundMode, RoundResult,
};
use crate::ids::{GroupId, MeetingId, MemberId, SessionKey};
use crate::poll::{CheckInMethod, Choice, Disclosure, PollResult, PollSubject, Totals, VoteMode};
use crate::rules::{
    AssemblyRules, BodyKind, Gender, GroupKind, ItemKind, ItemState, Level, MeetingKind, MemberStatus, Post,
};
use chrono::{DateTime, NaiveDate, Utc};
use plenum_tally::ResolutionRule;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    AssemblyFounded {
        name: String,
        name_en: String,
        kind: BodyKind,
        level: Level,
        population: Option<u64>,
        rules: AssemblyRules,
    },
    TermBegan {
        term: u32,
        starts_on: NaiveDate,
    },
    SessionConvened {
        session: SessionKey,
        title: String,
        title_en: String,
        opens_on: NaiveDate,
    },
    SessionClosed {
        session: SessionKey,
    },
    GroupFormed {
        group: GroupId,
        kind: GroupKind,
        name: String,
        name_en: String,
    },
    MemberRegistered {
        member: MemberId,
        term: u32,
        name: String,
        #[serde(default)]
        pinyin: String,
        gender: Gender,
        birth_year: Option<u16>,
        group: GroupId,
        #[serde(default)]
        ethnicity: String,
        #[serde(default)]
        occupation: String,
        registered_on: NaiveDate,
    },
    MemberProfileAmended {
        member: MemberId,
        #[serde(default)]
        occupation: Option<String>,
        #[serde(default)]
        phone: Option<String>,
        #[serde(default)]
        biography: Option<String>,
    },
    MemberStatusChanged {
        member: MemberId,
        status: MemberStatus,
        reason: String,
        effective_on: NaiveDate,
    },
    MeetingScheduled {
        meeting: MeetingId,
        session: SessionKey,
        kind: MeetingKind,
        #[serde(default)]
        group: Option<GroupId>,
        title: String,
        title_en: String,
        starts_at: DateTime<Utc>,
    },
    MeetingOpened {
        meeting: MeetingId,
    },
    MeetingAdjourned {
        meeting: MeetingId,
    },
    PresidiumElected {
        session: SessionKey,
        meeting: MeetingId,
        members: Vec<MemberId>,
    },
    SecretaryGeneralElected {
        session: SessionKey,
        meeting: MeetingId,
        member: MemberId,
    },
    PostAssigned {
        post: Post,
        member: MemberId,
    },
    PostVacated {
        post: Post,
        member: MemberId,
    },
    AgendaItemProposed {
        session: SessionKey,
        item: u32,
        title: String,
        title_en: String,
        kind: ItemKind,
    },
    AgendaAdopted {
        session: SessionKey,
        meeting: MeetingId,
    },
    AgendaItemMoved {
        session: SessionKey,
        item: u32,
        state: ItemState,
    },
    MemberCheckedIn {
        meeting: MeetingId,
        member: MemberId,
        method: CheckInMethod,
    },
    /// Whether members check themselves in only with the code shown in the hall.
    HallCodeRequired {
        meeting: MeetingId,
        required: bool,
    },
    LeaveOfAbsenceRecorded {
        meeting: MeetingId,
        member: MemberId,
        reason: String,
    },
    PollOpened {
        poll: u32,
        meeting: MeetingId,
        subject: PollSubject,
        title: String,
        title_en: String,
        rule: ResolutionRule,
        mode: VoteMode,
        disclosure: Disclosure,
        electorate: u32,
        present: u32,
        opened_at: DateTime<Utc>,
        closes_at: Option<DateTime<Utc>>,
        public_key: Option<String>,
        /// The tellers who hold the key, in the key's order; empty when the server does.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tellers: Vec<MemberId>,
    },
    /// A named vote: who chose what, published.
    VoteCast {
        poll: u32,
        member: MemberId,
        choice: Choice,
    },
    /// A secret vote: who voted, and an encrypted ballot that only the sum of all
    /// ballots will ever be decrypted from.
    SealedBallotCast {
        poll: u32,
        member: MemberId,
        ballot: String,
    },
    TotalsEntered {
        poll: u32,
        totals: Totals,
        by: String,
    },
    TotalsConfirmed {
        poll: u32,
        by: String,
    },
    /// A deputy's opinion on a report, voiced in a delegation meeting (审议意见).
    OpinionRecorded {
        meeting: MeetingId,
        item: u32,
        member: MemberId,
        text: String,
    },
    /// A poll whose key the tellers hold stops taking ballots; the result follows
    /// when every teller has sent a share of the decryption.
    PollCountStarted {
        poll: u32,
        /// Members present at that moment, for rules whose base is those present.
        present: u32,
        at: DateTime<Utc>,
    },
    /// A poll its tellers could not decrypt, declared void by the chair: never counted.
    PollVoided {
        poll: u32,
        reason: String,
        at: DateTime<Utc>,
    },
    /// One teller's share of decrypting the sum of a poll's ballots, with its proofs.
    TellerShareSubmitted {
        poll: u32,
        member: MemberId,
        share: String,
    },
    /// The tellers (监票人) of a session, who check the count (EL art. 43) and hold
    /// the keys of its secret polls.
    TellersAppointed {
        session: SessionKey,
        members: Vec<MemberId>,
    },
    /// A teller's published key, made on the teller's own device.
    TellerKeyRegistered {
        session: SessionKey,
        member: MemberId,
        key: String,
    },
    PollClosed {
        poll: u32,
        result: PollResult,
        /// Secret polls: the decryption of the sum with its proof, so anyone can check it.
        #[serde(default)]
        decryption: Option<String>,
    },
    // ---- elections (选举); see `election` ----
    ElectionCreated {
        election: u32,
        session: SessionKey,
        item: u32,
        title: String,
        title_en: String,
        office: OfficeKind,
        seats: u32,
        method: ElectionMethod,
        /// The margin in force.
        margin: Margin,
        by_election: bool,
        nomination_group_size: u32,
        #[serde(default)]
        members_only: bool,
    },
    CandidatesNominated {
        election: u32,
        nomination: u32,
        by: Nominator,
        candidates: Vec<Candidate>,
    },
    CandidateWithdrawn {
        election: u32,
        candidate: u32,
        reason: String,
    },
    PreliminaryVoteRecorded {
        election: u32,
        counts: Vec<PreliminaryCount>,
        #[serde(default)]
        runoff: Vec<PreliminaryCount>,
    },
    /// The official list of candidates (正式候选人名单).
    CandidatesFixed {
        election: u32,
        candidates: Vec<u32>,
        equal: bool,
        basis: String,
    },
    RoundOpened {
        election: u32,
        round: u32,
        kind: RoundKind,
        meeting: MeetingId,
        mode: RoundMode,
        candidates: Vec<String>,
        seats: u32,
        electorate: u32,
        present: u32,
        ballots_issued: Option<u32>,
        public_key: Option<String>,
        /// The tellers who hold the key, in the key's order; empty when the server does.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tellers: Vec<MemberId>,
        opened_at: DateTime<Utc>,
    },
    /// An electronic secret ballot: who voted, and one ciphertext per candidate; only
    /// the per-candidate sums are ever decrypted.
    ElectionBallotCast {
        election: u32,
        round: u32,
        member: MemberId,
        ballots: Vec<String>,
        /// The proof of the ballot's number of yes marks (absent from ballots cast
        /// before such proofs were made).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slate: Option<String>,
    },
    /// Paper ballots as one teller entered them (no voter: paper ballots are
    /// anonymous).
    PaperBallotsEntered {
        election: u32,
        round: u32,
        teller: String,
        entries: Vec<PaperEntry>,
    },
    /// Two tellers' entries of a ballot disagree: it must be entered again.
    PaperBallotMismatch {
        election: u32,
        round: u32,
        ballot_no: u32,
        tellers: Vec<String>,
    },
    /// An electronic round whose key the tellers hold stops taking ballots; the count
    /// follows when every teller has sent a share of the decryption.
    RoundCountStarted {
        election: u32,
        round: u32,
        /// STV only: the order drawn by lot, for the count.
        #[serde(default)]
        lot_order: Option<Vec<String>>,
        /// Members present at that moment.
        present: u32,
        at: DateTime<Utc>,
    },
    /// One teller's share of decrypting a round's per-candidate sums, with its proofs.
    RoundShareSubmitted {
        election: u32,
        round: u32,
        member: MemberId,
        share: String,
    },
    /// A round its tellers could not decrypt, declared void by the chair.
    RoundVoided {
        election: u32,
        round: u32,
        reason: String,
        at: DateTime<Utc>,
    },
    RoundCounted {
        election: u32,
        round: u32,
        result: RoundResult,
        elected: Vec<Elected>,
        /// Electronic rounds: the proof of the decryption of the sums.
        #[serde(default)]
        decryption: Option<String>,
        counted_at: DateTime<Utc>,
    },
}

impl Event {
    /// The event's type name, as stored in the journal's `type` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::AssemblyFounded { .. } => "AssemblyFounded",
            Event::TermBegan { .. } => "TermBegan",
            Event::SessionConvened { .. } => "SessionConvened",
            Event::SessionClosed { .. } => "SessionClosed",
            Event::GroupFormed { .. } => "GroupFormed",
            Event::MemberRegistered { .. } => "MemberRegistered",
            Event::MemberProfileAmended { .. } => "MemberProfileAmended",
            Event::MemberStatusChanged { .. } => "MemberStatusChanged",
            Event::MeetingScheduled { .. } => "MeetingScheduled",
            Event::MeetingOpened { .. } => "MeetingOpened",
            Event::MeetingAdjourned { .. } => "MeetingAdjourned",
            Event::PresidiumElected { .. } => "PresidiumElected",
            Event::SecretaryGeneralElected { .. } => "SecretaryGeneralElected",
            Event::PostAssigned { .. } => "PostAssigned",
            Event::PostVacated { .. } => "PostVacated",
            Event::AgendaItemProposed { .. } => "AgendaItemProposed",
            Event::AgendaAdopted { .. } => "AgendaAdopted",
            Event::AgendaItemMoved { .. } => "AgendaItemMoved",
            Event::MemberCheckedIn { .. } => "MemberCheckedIn",
            Event::LeaveOfAbsenceRecorded { .. } => "LeaveOfAbsenceRecorded",
            Event::HallCodeRequired { .. } => "HallCodeRequired",
            Event::PollOpened { .. } => "PollOpened",
            Event::VoteCast { .. } => "VoteCast",
            Event::SealedBallotCast { .. } => "SealedBallotCast",
            Event::TotalsEntered { .. } => "TotalsEntered",
            Event::TotalsConfirmed { .. } => "TotalsConfirmed",
            Event::PollCountStarted { .. } => "PollCountStarted",
            Event::TellerShareSubmitted { .. } => "TellerShareSubmitted",
            Event::PollVoided { .. } => "PollVoided",
            Event::TellersAppointed { .. } => "TellersAppointed",
            Event::TellerKeyRegistered { .. } => "TellerKeyRegistered",
            Event::PollClosed { .. } => "PollClosed",
            Event::OpinionRecorded { .. } => "OpinionRecorded",
            Event::ElectionCreated { .. } => "ElectionCreated",
            Event::CandidatesNominated { .. } => "CandidatesNominated",
            Event::CandidateWithdrawn { .. } => "CandidateWithdrawn",
            Event::PreliminaryVoteRecorded { .. } => "PreliminaryVoteRecorded",
            Event::CandidatesFixed { .. } => "CandidatesFixed",
            Event::RoundOpened { .. } => "RoundOpened",
            Event::ElectionBallotCast { .. } => "ElectionBallotCast",
            Event::PaperBallotsEntered { .. } => "PaperBallotsEntered",
            Event::PaperBallotMismatch { .. } => "PaperBallotMismatch",
            Event::RoundCounted { .. } => "RoundCounted",
            Event::RoundCountStarted { .. } => "RoundCountStarted",
            Event::RoundShareSubmitted { .. } => "RoundShareSubmitted",
            Event::RoundVoided { .. } => "RoundVoided",
        }
    }

    /// The payload stored beside the type: the event's data as JSON.
    pub fn to_payload(&self) -> Result<(&'static str, String), serde_json::Error> {
        // Serialized once, in the tagged form `{"type":KIND,"data":DATA}`, and DATA
        // cut out of it: no intermediate `Value`.
        let kind = self.kind();
        let tagged = serde_json::to_string(self)?;
        let data = tagged
            .strip_prefix("{\"type\":\"")
            .and_then(|t| t.strip_prefix(kind))
            .and_then(|t| t.strip_prefix("\","))
            .and_then(|t| t.strip_prefix("\"data\":"))
            .and_then(|t| t.strip_suffix('}'));
        match data {
            Some(d) => Ok((kind, d.to_owned())),
            // Any other shape (an event without data is `{"type":KIND}`): through
            // a `Value`.
            None => {
                let value: serde_json::Value = serde_json::from_str(&tagged)?;
                let data = value.get("data").unwrap_or(&serde_json::Value::Null);
                Ok((kind, serde_json::to_string(data)?))
            }
        }
    }

    /// Rebuilds an event from its stored type and payload.
    pub fn from_payload(kind: &str, payload: &str) -> Result<Self, serde_json::Error> {
        // One parse: splice the stored parts back into the tagged form.
        let mut s = String::with_capacity(payload.len() + kind.len() + 20);
        s.push_str("{\"type\":");
        s.push_str(&serde_json::to_string(kind)?);
        s.push_str(",\"data\":");
        s.push_str(payload);
        s.push('}');
        serde_json::from_str(&s)
    }
}
