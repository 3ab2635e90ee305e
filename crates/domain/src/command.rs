//! Commands and the rules they are checked against. `decide` is the single place
//! where a statute turns into code; every rejection names its rule and source.

use crate::assembly::Assembly;
use crate::election::{
    CandidateDraft, ElectionMethod, Margin, Nominator, OfficeKind, PaperEntry, PreliminaryCount,
    RoundDecryption, RoundMode,
};
use crate::event::Event;
use crate::ids::{GroupId, MeetingId, MemberId, SessionKey};
use crate::poll::{CheckInMethod, Choice, Disclosure, PollResult, PollState, PollSubject, Totals, VoteMode};
use crate::rules::Quorum;
use crate::rules::{
    AssemblyRules, BodyKind, Gender, GroupKind, ItemKind, ItemState, Level, MeetingKind, MeetingState,
    MemberStatus, Post, RuleError, deputy_quota, source,
};
use chrono::{DateTime, NaiveDate, Utc};
use plenum_tally::{ResolutionCount, ResolutionRule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Longest free text accepted in a name or title.
const MAX_NAME: usize = 200;
/// Longest biography or reason.
const MAX_TEXT: usize = 20_000;

/// A new member as submitted for registration (e.g. one row of an import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberDraft {
    pub id: MemberId,
    pub term: u32,
    pub name: String,
    #[serde(default)]
    pub pinyin: String,
    pub gender: Gender,
    pub birth_year: Option<u16>,
    pub group: GroupId,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub occupation: String,
    pub registered_on: NaiveDate,
}

/// Optional profile changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileChanges {
    pub occupation: Option<String>,
    pub phone: Option<String>,
    pub biography: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    FoundAssembly {
        name: String,
        name_en: String,
        kind: BodyKind,
        level: Level,
        population: Option<u64>,
        rules: Option<AssemblyRules>,
    },
    BeginTerm {
        term: u32,
        starts_on: NaiveDate,
    },
    ConveneSession {
        session: SessionKey,
        title: String,
        title_en: String,
        opens_on: NaiveDate,
    },
    CloseSession {
        session: SessionKey,
    },
    FormGroup {
        group: GroupId,
        kind: GroupKind,
        name: String,
        name_en: String,
    },
    RegisterMembers {
        members: Vec<MemberDraft>,
    },
    AmendMemberProfile {
        member: MemberId,
        changes: ProfileChanges,
    },
    ChangeMemberStatus {
        member: MemberId,
        status: MemberStatus,
        reason: String,
        effective_on: NaiveDate,
    },
    ScheduleMeeting {
        meeting: MeetingId,
        session: SessionKey,
        kind: MeetingKind,
        group: Option<GroupId>,
        title: String,
        title_en: String,
        starts_at: DateTime<Utc>,
    },
    OpenMeeting {
        meeting: MeetingId,
    },
    AdjournMeeting {
        meeting: MeetingId,
    },
    ElectPresidium {
        meeting: MeetingId,
        members: Vec<MemberId>,
    },
    ElectSecretaryGeneral {
        meeting: MeetingId,
        member: MemberId,
    },
    AssignPost {
        post: Post,
        member: MemberId,
    },
    VacatePost {
        post: Post,
        member: MemberId,
    },
    ProposeAgendaItem {
        session: SessionKey,
        title: String,
        title_en: String,
        kind: ItemKind,
    },
    AdoptAgenda {
        meeting: MeetingId,
    },
    MoveAgendaItem {
        session: SessionKey,
        item: u32,
        to: ItemState,
    },
    CheckIn {
        meeting: MeetingId,
        member: MemberId,
        method: CheckInMethod,
    },
    /// The secretariat requires (or no longer requires) the code shown in the hall for
    /// members' own check-in at a meeting.
    RequireHallCode {
        meeting: MeetingId,
        required: bool,
    },
    /// The secretariat checks in many members at once; those already present are skipped.
    CheckInMany {
        meeting: MeetingId,
        members: Vec<MemberId>,
    },
    RecordLeave {
        meeting: MeetingId,
        member: MemberId,
        reason: String,
    },
    OpenPoll {
        meeting: MeetingId,
        subject: PollSubject,
        title: String,
        title_en: String,
        rule: ResolutionRule,
        mode: VoteMode,
        disclosure: Disclosure,
        /// Server time when the poll opens.
        at: DateTime<Utc>,
        closes_at: Option<DateTime<Utc>>,
        /// Secret polls: the public key ballots are encrypted to.
        public_key: Option<String>,
        /// Secret polls whose key the session's tellers hold: the tellers, in the
        /// order of their keys in `public_key`. Empty when the server holds the key.
        #[serde(default)]
        tellers: Vec<MemberId>,
    },
    CastVote {
        poll: u32,
        member: MemberId,
        choice: Choice,
        /// Server time of the ballot.
        at: DateTime<Utc>,
    },
    /// A secret ballot, encrypted (and checked for well-formedness) before it gets here.
    CastSealedBallot {
        poll: u32,
        member: MemberId,
        ballot: String,
        at: DateTime<Utc>,
    },
    EnterTotals {
        poll: u32,
        totals: Totals,
        by: String,
    },
    ConfirmTotals {
        poll: u32,
        by: String,
    },
    RecordOpinion {
        meeting: MeetingId,
        item: u32,
        member: MemberId,
        text: String,
    },
    ClosePoll {
        poll: u32,
        at: DateTime<Utc>,
        /// Secret polls whose key the server holds: the decrypted sum and its proof.
        /// Polls whose key the tellers hold close without it and wait for their shares.
        decryption: Option<SealedTally>,
    },
    /// Names the tellers (监票人) of a session (EL art. 43); they hold the keys of its
    /// secret polls. Keys already registered by tellers who stay are kept.
    AppointTellers {
        session: SessionKey,
        members: Vec<MemberId>,
    },
    /// A teller's published key, made on the teller's own device.
    RegisterTellerKey {
        session: SessionKey,
        member: MemberId,
        key: String,
    },
    /// A teller's share of decrypting the sum of a counting poll's ballots.
    SubmitTellerShare {
        poll: u32,
        member: MemberId,
        share: String,
    },
    /// Declares void a poll its tellers cannot decrypt (a key lost or withheld), so
    /// that its subject can be put to a new vote.
    VoidCount {
        poll: u32,
        reason: String,
        at: DateTime<Utc>,
    },
    // ---- elections (选举); see `election` for the flow and the statutes ----
    /// Sets up an election under an election item of the session's agenda.
    CreateElection {
        session: SessionKey,
        /// The agenda item, of kind `Election`.
        item: u32,
        title: String,
        title_en: String,
        office: OfficeKind,
        seats: u32,
        /// Default: `cn-people-congress` for a People's Congress (its only method),
        /// Robert's Rules elsewhere.
        #[serde(default)]
        method: Option<ElectionMethod>,
        /// The exact margin the session's election method fixes, inside the
        /// statute's; default: the whole range the statute allows.
        #[serde(default)]
        margin: Option<Margin>,
        /// A by-election (补选, OL art. 30): as many candidates as seats allowed.
        #[serde(default)]
        by_election: bool,
        /// Fewest deputies who may nominate jointly; a People's Congress takes the
        /// statute's (OL art. 26: 20 at city level). Other assemblies: default 1.
        #[serde(default)]
        nomination_group_size: Option<u32>,
        /// Only members of this assembly may stand (OL art. 47: the standing
        /// committee is elected from among the deputies). Always so for
        /// `OfficeKind::Member` in a People's Congress.
        #[serde(default)]
        members_only: bool,
    },
    /// A nomination by the presidium or by deputies jointly, in writing.
    NominateCandidates {
        election: u32,
        by: Nominator,
        candidates: Vec<CandidateDraft>,
    },
    /// A candidacy withdrawn before the candidates are fixed.
    WithdrawCandidate {
        election: u32,
        candidate: u32,
        reason: String,
    },
    /// Fixes the official list if the nominees fit the margin.
    FixCandidates {
        election: u32,
    },
    /// The preliminary vote (预选) when there are more nominees than the margin
    /// allows: votes per nominee; fixes the list with the most-voted. `runoff`: the
    /// votes of a run-off preliminary vote among those tied at the cut.
    RecordPreliminaryVote {
        election: u32,
        counts: Vec<PreliminaryCount>,
        #[serde(default)]
        runoff: Vec<PreliminaryCount>,
    },
    /// Opens the next round: the fixed list first, then what the last count calls for.
    OpenRound {
        election: u32,
        meeting: MeetingId,
        mode: RoundMode,
        /// Paper: the number of ballots handed out.
        #[serde(default)]
        ballots_issued: Option<u32>,
        /// Electronic: the public key the sub-ballots are encrypted to.
        #[serde(default)]
        public_key: Option<String>,
        /// Electronic rounds whose key the session's tellers hold: the tellers, in the
        /// order of their keys in `public_key`. Empty when the server holds the key.
        #[serde(default)]
        tellers: Vec<MemberId>,
        at: DateTime<Utc>,
    },
    /// An electronic secret ballot: one encrypted sub-ballot per candidate, in list
    /// order, checked and encrypted before it gets here (by the server, or on the
    /// voter's device and checked on arrival).
    CastElectionBallot {
        election: u32,
        round: u32,
        member: MemberId,
        ballots: Vec<String>,
        /// The proof that the ballot holds no more yes marks than it may (EL art. 44
        /// ¶2), which anyone can check on the sealed ballot (`sealed::verify_slate`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slate: Option<String>,
        at: DateTime<Utc>,
    },
    /// A teller enters one returned paper ballot.
    EnterPaperBallot {
        election: u32,
        round: u32,
        ballot_no: u32,
        teller: String,
        ballot: plenum_tally::Ballot,
    },
    /// A teller enters a bundle of returned paper ballots at once.
    EnterPaperBallots {
        election: u32,
        round: u32,
        teller: String,
        entries: Vec<PaperEntry>,
    },
    /// Counts a round: paper from the settled entries and the number of ballots
    /// returned; electronic from the decrypted per-candidate sums.
    CountRound {
        election: u32,
        round: u32,
        #[serde(default)]
        ballots_returned: Option<u32>,
        #[serde(default)]
        decryption: Option<RoundDecryption>,
        /// STV only: the order drawn by lot, when the count calls for one.
        #[serde(default)]
        lot_order: Option<Vec<String>>,
        at: DateTime<Utc>,
    },
    /// A teller's share of decrypting a counting round's per-candidate sums.
    SubmitRoundShare {
        election: u32,
        round: u32,
        member: MemberId,
        share: String,
    },
    /// Declares void a round its tellers cannot decrypt; the same round is held again.
    VoidRoundCount {
        election: u32,
        round: u32,
        reason: String,
        at: DateTime<Utc>,
    },
}

/// The decryption of a secret poll's sum, with a proof anyone can check against the
/// journal's ciphertexts and the poll's public key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedTally {
    pub totals: Totals,
    pub proof: String,
}

type Decision = Result<Vec<Event>, RuleError>;

pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        return Err(RuleError::model("text.required", format!("{field} must not be empty")).field(field));
    }
    if value.chars().count() > max {
        return Err(RuleError::model("text.too_long", format!("{field} is longer than {max} characters"))
            .field(field));
    }
    Ok(())
}

fn member<'a>(a: &'a Assembly, id: &MemberId, field: &'static str) -> Result<&'a crate::Member, RuleError> {
    a.members
        .get(id)
        .ok_or_else(|| RuleError::model("member.unknown", format!("no member {id}")).field(field))
}

pub(crate) fn seated_member(a: &Assembly, id: &MemberId, field: &'static str) -> Result<(), RuleError> {
    let m = member(a, id, field)?;
    if !m.status.holds_mandate() {
        return Err(RuleError::statute(
            "member.mandate_ended",
            source::DL_62,
            format!("the mandate of {} ({id}) has ended", m.name),
        )
        .field(field));
    }
    Ok(())
}

pub(crate) fn open_session(a: &Assembly, key: SessionKey) -> Result<&crate::Session, RuleError> {
    let s = a
        .sessions
        .get(&key)
        .ok_or_else(|| RuleError::model("session.unknown", format!("no session {key}")).field("session"))?;
    if s.closed {
        return Err(RuleError::model("session.closed", format!("session {key} is closed")).field("session"));
    }
    Ok(s)
}

/// The meeting that may take the decisions OL art. 17 gives to the preparatory
/// meeting: for a People's Congress only the preparatory meeting itself, in progress;
/// other assemblies may also decide at a plenary.
fn preparatory<'a>(a: &'a Assembly, id: &MeetingId, what: &str) -> Result<&'a crate::Meeting, RuleError> {
    let m = a
        .meetings
        .get(id)
        .ok_or_else(|| RuleError::model("meeting.unknown", format!("no meeting {id}")).field("meeting"))?;
    let congress = matches!(a.kind, Some(BodyKind::PeoplesCongress));
    let allowed = m.kind == MeetingKind::Preparatory || (!congress && m.kind == MeetingKind::Plenary);
    if !allowed {
        return Err(RuleError::statute(
            "preparatory_meeting.only",
            source::OL_17,
            format!("{what} by the preparatory meeting"),
        )
        .field("meeting"));
    }
    if m.state != MeetingState::InProgress {
        return Err(RuleError::model(
            "meeting.not_in_progress",
            format!("meeting {id} is not in progress; open it first"),
        )
        .field("meeting"));
    }
    open_session(a, m.session)?;
    Ok(m)
}

/// Checks `command` against the rules and the state; returns the events to record.
pub fn decide(a: &Assembly, command: &Command) -> Decision {
    if !a.founded && !matches!(command, Command::FoundAssembly { .. }) {
        return Err(RuleError::model("assembly.unknown", "the assembly has not been founded"));
    }
    match command {
        Command::FoundAssembly { name, name_en, kind, level, population, rules } => {
            if a.founded {
                return Err(RuleError::model("assembly.exists", "the assembly already exists"));
            }
            text("name", name, MAX_NAME)?;
            text("name_en", name_en, MAX_NAME)?;
            if *kind == BodyKind::PeoplesCongress && *level != Level::None && population.is_none() {
                return Err(RuleError::statute(
                    "assembly.population_required",
                    source::EL_12,
                    "a People's Congress needs its population: the deputy quota depends on it",
                )
                .field("population"));
            }
            Ok(vec![Event::AssemblyFounded {
                name: name.trim().to_owned(),
                name_en: name_en.trim().to_owned(),
                kind: *kind,
                level: *level,
                population: *population,
                rules: rules.clone().unwrap_or_else(|| AssemblyRules::for_kind(*kind)),
            }])
        }
        Command::BeginTerm { term, starts_on } => {
            if *term == 0 {
                return Err(RuleError::model("term.number", "term numbers start at 1").field("term"));
            }
            if a.terms.contains_key(term) {
                return Err(
                    RuleError::model("term.exists", format!("term {term} has already begun")).field("term")
                );
            }
            if let Some((last, _)) = a.terms.last_key_value() {
                if term < last {
                    return Err(RuleError::model(
                        "term.order",
                        format!("term {term} comes before term {last}"),
                    )
                    .field("term"));
                }
            }
            Ok(vec![Event::TermBegan { term: *term, starts_on: *starts_on }])
        }
        Command::ConveneSession { session, title, title_en, opens_on } => {
            if !a.terms.contains_key(&session.term) {
                return Err(RuleError::model("term.unknown", format!("term {} has not begun", session.term))
                    .field("session"));
            }
            if a.sessions.contains_key(session) {
                return Err(RuleError::model("session.exists", format!("session {session} already exists"))
                    .field("session"));
            }
            text("title", title, MAX_NAME)?;
            text("title_en", title_en, MAX_NAME)?;
            Ok(vec![Event::SessionConvened {
                session: *session,
                title: title.trim().to_owned(),
                title_en: title_en.trim().to_owned(),
                opens_on: *opens_on,
            }])
        }
        Command::CloseSession { session } => {
            let s = open_session(a, *session)?;
            if let Some(it) =
                s.agenda.iter().find(|i| matches!(i.state, ItemState::Pending | ItemState::InProgress))
            {
                return Err(RuleError::model(
                    "session.agenda_open",
                    format!("agenda item {} ({}) is not done or deferred", it.number, it.title),
                ));
            }
            Ok(vec![Event::SessionClosed { session: *session }])
        }
        Command::FormGroup { group, kind, name, name_en } => {
            if a.groups.contains_key(group) {
                return Err(
                    RuleError::model("group.exists", format!("group {group} already exists")).field("group")
                );
            }
            let expected = match a.kind {
                Some(BodyKind::PeoplesCongress) => Some(GroupKind::Delegation),
                Some(BodyKind::CppccCommittee) => Some(GroupKind::Sector),
                _ => None,
            };
            if let Some(expected) = expected {
                if *kind != expected {
                    return Err(RuleError::model(
                        "group.kind",
                        "a People's Congress seats deputies in delegations, a CPPCC committee seats members in sectors",
                    )
                    .field("kind"));
                }
            }
            text("name", name, MAX_NAME)?;
            text("name_en", name_en, MAX_NAME)?;
            Ok(vec![Event::GroupFormed {
                group: group.clone(),
                kind: *kind,
                name: name.trim().to_owned(),
                name_en: name_en.trim().to_owned(),
            }])
        }
        Command::RegisterMembers { members } => register_members(a, members),
        Command::AmendMemberProfile { member: id, changes } => {
            member(a, id, "member")?;
            let ProfileChanges { occupation, phone, biography } = changes;
            if occupation.is_none() && phone.is_none() && biography.is_none() {
                return Err(RuleError::model("profile.no_change", "nothing to change"));
            }
            if let Some(o) = occupation {
                text("occupation", o, MAX_NAME)?;
            }
            if let Some(p) = phone {
                let ok = !p.is_empty()
                    && p.len() <= 20
                    && p.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '));
                if !ok {
                    return Err(RuleError::model(
                        "profile.phone",
                        "a phone number holds digits, '+', '-' and spaces, at most 20",
                    )
                    .field("phone"));
                }
            }
            if let Some(b) = biography {
                text("biography", b, MAX_TEXT)?;
            }
            Ok(vec![Event::MemberProfileAmended {
                member: id.clone(),
                occupation: occupation.clone(),
                phone: phone.clone(),
                biography: biography.clone(),
            }])
        }
        Command::ChangeMemberStatus { member: id, status, reason, effective_on } => {
            let m = member(a, id, "member")?;
            if m.status.is_terminal() {
                return Err(RuleError::statute(
                    "member.mandate_ended",
                    source::DL_62,
                    format!("the mandate of {} ({id}) has ended and cannot be restored", m.name),
                )
                .field("status"));
            }
            if m.status == *status {
                return Err(RuleError::model(
                    "member.same_status",
                    format!("{} is already {status:?}", m.name),
                )
                .field("status"));
            }
            if *status != MemberStatus::Active {
                text("reason", reason, MAX_TEXT)?;
            }
            if let Some(last) = m.history.last() {
                if *effective_on < last.on {
                    return Err(RuleError::model(
                        "member.history_order",
                        format!("the change takes effect before the last recorded change ({})", last.on),
                    )
                    .field("effective_on"));
                }
            }
            Ok(vec![Event::MemberStatusChanged {
                member: id.clone(),
                status: *status,
                reason: reason.trim().to_owned(),
                effective_on: *effective_on,
            }])
        }
        Command::ScheduleMeeting { meeting, session, kind, group, title, title_en, starts_at } => {
            if a.meetings.contains_key(meeting) {
                return Err(RuleError::model("meeting.exists", format!("meeting {meeting} already exists"))
                    .field("meeting"));
            }
            open_session(a, *session)?;
            if *kind == MeetingKind::Preparatory
                && a.meetings.values().any(|m| m.session == *session && m.kind == MeetingKind::Preparatory)
            {
                return Err(RuleError::statute(
                    "preparatory_meeting.once",
                    source::OL_17,
                    "each session holds one preparatory meeting",
                )
                .field("kind"));
            }
            match (kind, group) {
                (MeetingKind::Delegation, Some(g)) => {
                    if !a.groups.contains_key(g) {
                        return Err(RuleError::model("group.unknown", format!("no group {g}")).field("group"));
                    }
                }
                (MeetingKind::Delegation, None) => {
                    return Err(RuleError::model(
                        "meeting.group_required",
                        "a delegation meeting needs its delegation",
                    )
                    .field("group"));
                }
                (_, Some(_)) => {
                    return Err(RuleError::model(
                        "meeting.group_unexpected",
                        "only delegation meetings belong to a group",
                    )
                    .field("group"));
                }
                (_, None) => {}
            }
            text("title", title, MAX_NAME)?;
            text("title_en", title_en, MAX_NAME)?;
            Ok(vec![Event::MeetingScheduled {
                meeting: meeting.clone(),
                session: *session,
                kind: *kind,
                group: group.clone(),
                title: title.trim().to_owned(),
                title_en: title_en.trim().to_owned(),
                starts_at: *starts_at,
            }])
        }
        Command::OpenMeeting { meeting } => {
            let m = a.meetings.get(meeting).ok_or_else(|| {
                RuleError::model("meeting.unknown", format!("no meeting {meeting}")).field("meeting")
            })?;
            if m.state != MeetingState::Scheduled {
                return Err(RuleError::model("meeting.state", format!("meeting {meeting} is not scheduled")));
            }
            let s = open_session(a, m.session)?;
            let congress = matches!(a.kind, Some(BodyKind::PeoplesCongress));
            if congress && m.kind == MeetingKind::Plenary && (s.presidium.is_empty() || !s.agenda_adopted) {
                return Err(RuleError::statute(
                    "plenary.after_preparatory",
                    source::OL_17,
                    "a plenary is presided over by the presidium: the preparatory meeting must first elect it and adopt the agenda",
                ));
            }
            Ok(vec![Event::MeetingOpened { meeting: meeting.clone() }])
        }
        Command::AdjournMeeting { meeting } => {
            let m = a.meetings.get(meeting).ok_or_else(|| {
                RuleError::model("meeting.unknown", format!("no meeting {meeting}")).field("meeting")
            })?;
            if m.state != MeetingState::InProgress {
                return Err(RuleError::model(
                    "meeting.state",
                    format!("meeting {meeting} is not in progress"),
                ));
            }
            Ok(vec![Event::MeetingAdjourned { meeting: meeting.clone() }])
        }
        Command::ElectPresidium { meeting, members } => {
            let m = preparatory(a, meeting, "the presidium is elected")?;
            let s = open_session(a, m.session)?;
            if !s.presidium.is_empty() {
                return Err(RuleError::statute(
                    "presidium.elected",
                    source::OL_17,
                    format!("the presidium of session {} has already been elected", s.key),
                ));
            }
            if members.is_empty() {
                return Err(
                    RuleError::model("presidium.empty", "the presidium needs members").field("members")
                );
            }
            let mut seen = BTreeSet::new();
            for id in members {
                seated_member(a, id, "members")?;
                if !seen.insert(id) {
                    return Err(RuleError::model("presidium.duplicate", format!("{id} is listed twice"))
                        .field("members"));
                }
            }
            Ok(vec![Event::PresidiumElected {
                session: m.session,
                meeting: meeting.clone(),
                members: members.clone(),
            }])
        }
        Command::ElectSecretaryGeneral { meeting, member: id } => {
            let m = preparatory(a, meeting, "the secretary-general is elected")?;
            let s = open_session(a, m.session)?;
            if s.secretary_general.is_some() {
                return Err(RuleError::statute(
                    "secretary_general.elected",
                    source::OL_17,
                    format!("the secretary-general of session {} has already been elected", s.key),
                ));
            }
            seated_member(a, id, "member")?;
            Ok(vec![Event::SecretaryGeneralElected {
                session: m.session,
                meeting: meeting.clone(),
                member: id.clone(),
            }])
        }
        Command::AssignPost { post, member: id } => {
            if matches!(post, Post::PresidiumMember | Post::SecretaryGeneral) {
                return Err(RuleError::statute(
                    "post.elected_by_preparatory_meeting",
                    source::OL_17,
                    "the presidium and the secretary-general are elected by the preparatory meeting",
                )
                .field("post"));
            }
            seated_member(a, id, "member")?;
            if a.posts.iter().any(|p| p.post == *post && &p.member == id) {
                return Err(
                    RuleError::model("post.held", format!("{id} already holds this post")).field("member")
                );
            }
            if *post == Post::Chair && a.holders_of(Post::Chair).next().is_some() {
                return Err(RuleError::model(
                    "post.chair_taken",
                    "the body has a chair; vacate the post first",
                )
                .field("post"));
            }
            Ok(vec![Event::PostAssigned { post: *post, member: id.clone() }])
        }
        Command::VacatePost { post, member: id } => {
            if !a.posts.iter().any(|p| p.post == *post && &p.member == id) {
                return Err(RuleError::model("post.not_held", format!("{id} does not hold this post"))
                    .field("member"));
            }
            Ok(vec![Event::PostVacated { post: *post, member: id.clone() }])
        }
        Command::ProposeAgendaItem { session, title, title_en, kind } => {
            let s = open_session(a, *session)?;
            if s.agenda_adopted {
                return Err(RuleError::statute(
                    "agenda.adopted",
                    source::OL_17,
                    "the agenda has been adopted by the preparatory meeting; it can no longer be extended",
                ));
            }
            text("title", title, MAX_NAME)?;
            text("title_en", title_en, MAX_NAME)?;
            let number = u32::try_from(s.agenda.len()).unwrap_or(u32::MAX).saturating_add(1);
            Ok(vec![Event::AgendaItemProposed {
                session: *session,
                item: number,
                title: title.trim().to_owned(),
                title_en: title_en.trim().to_owned(),
                kind: *kind,
            }])
        }
        Command::AdoptAgenda { meeting } => {
            if votes_on_agenda(a) {
                return Err(RuleError::statute(
                    "agenda.by_vote",
                    source::OL_17,
                    "the preparatory meeting adopts the agenda by vote: open a poll on the agenda",
                ));
            }
            let m = preparatory(a, meeting, "the agenda is adopted")?;
            let s = open_session(a, m.session)?;
            if s.agenda_adopted {
                return Err(RuleError::statute(
                    "agenda.adopted",
                    source::OL_17,
                    "the agenda is already adopted",
                ));
            }
            if s.agenda.is_empty() {
                return Err(RuleError::model("agenda.empty", "the agenda has no items"));
            }
            Ok(vec![Event::AgendaAdopted { session: m.session, meeting: meeting.clone() }])
        }
        Command::CheckIn { meeting, member: id, method } => {
            let m = meeting_open(a, meeting)?;
            seated_member(a, id, "member")?;
            if m.attendance.present.contains_key(id) {
                return Err(RuleError::model("attendance.already", format!("{id} is already checked in"))
                    .field("member"));
            }
            check_group(a, m, id)?;
            if m.hall_code && *method == CheckInMethod::SelfService {
                return Err(RuleError::model(
                    "attendance.hall_code",
                    "members check in at this meeting with the code shown in the hall",
                )
                .field("hall_code"));
            }
            Ok(vec![Event::MemberCheckedIn { meeting: meeting.clone(), member: id.clone(), method: *method }])
        }
        Command::RequireHallCode { meeting, required } => {
            let m = meeting_open(a, meeting)?;
            if m.hall_code == *required {
                let now = if *required { "already requires" } else { "does not require" };
                return Err(RuleError::model(
                    "attendance.hall_code_unchanged",
                    format!("meeting {meeting} {now} the hall code"),
                )
                .field("required"));
            }
            Ok(vec![Event::HallCodeRequired { meeting: meeting.clone(), required: *required }])
        }
        Command::CheckInMany { meeting, members } => {
            let m = meeting_open(a, meeting)?;
            let mut events = Vec::new();
            let mut seen = BTreeSet::new();
            for id in members {
                seated_member(a, id, "members")?;
                check_group(a, m, id)?;
                if !m.attendance.present.contains_key(id) && seen.insert(id) {
                    events.push(Event::MemberCheckedIn {
                        meeting: meeting.clone(),
                        member: id.clone(),
                        method: CheckInMethod::Bulk,
                    });
                }
            }
            if events.is_empty() {
                return Err(RuleError::model("attendance.nothing", "everyone listed is already checked in")
                    .field("members"));
            }
            Ok(events)
        }
        Command::RecordLeave { meeting, member: id, reason } => {
            let m = meeting_open(a, meeting)?;
            seated_member(a, id, "member")?;
            text("reason", reason, MAX_TEXT)?;
            if a.polls
                .values()
                .any(|p| p.meeting == *meeting && p.state == PollState::Open && p.ballots.contains_key(id))
            {
                return Err(RuleError::model("attendance.voted", "the member has voted in the open poll")
                    .field("member"));
            }
            let _ = m;
            Ok(vec![Event::LeaveOfAbsenceRecorded {
                meeting: meeting.clone(),
                member: id.clone(),
                reason: reason.trim().to_owned(),
            }])
        }
        Command::OpenPoll {
            meeting,
            subject,
            title,
            title_en,
            rule,
            mode,
            disclosure,
            at,
            closes_at,
            public_key,
            tellers,
        } => open_poll(
            a,
            meeting,
            subject,
            title,
            title_en,
            rule,
            *mode,
            *disclosure,
            *at,
            *closes_at,
            public_key,
            tellers,
        ),
        Command::CastVote { poll, member: id, choice, at } => {
            ballot_allowed(a, *poll, id, *at, VoteMode::Named)?;
            Ok(vec![Event::VoteCast { poll: *poll, member: id.clone(), choice: *choice }])
        }
        Command::CastSealedBallot { poll, member: id, ballot, at } => {
            ballot_allowed(a, *poll, id, *at, VoteMode::Secret)?;
            if ballot.is_empty() || ballot.len() > 16_384 {
                return Err(RuleError::model(
                    "ballot.malformed",
                    "the encrypted ballot is empty or too large",
                )
                .field("ballot"));
            }
            // A ballot that does not prove its own validity, or a copy of one already
            // cast (which would count that voter's choice twice), would make the sum
            // wrong or undecryptable.
            let p = poll_open(a, *poll)?;
            crate::sealed::verify(p.public_key.as_deref().unwrap_or_default(), ballot).map_err(|e| {
                RuleError::model("ballot.invalid", format!("the encrypted ballot does not check out: {e}"))
                    .field("ballot")
            })?;
            if p.sealed.iter().any(|b| b == ballot) {
                return Err(RuleError::model("ballot.copy", "this encrypted ballot has already been cast")
                    .field("ballot"));
            }
            Ok(vec![Event::SealedBallotCast { poll: *poll, member: id.clone(), ballot: ballot.clone() }])
        }
        Command::EnterTotals { poll, totals, by } => {
            let p = poll_open(a, *poll)?;
            if p.mode.is_electronic() {
                return Err(RuleError::model("poll.electronic", "an electronic poll counts its own ballots")
                    .field("poll"));
            }
            text("by", by, MAX_NAME)?;
            let present = present_count(a, &p.meeting);
            if totals.cast() > present {
                return Err(RuleError::model(
                    "poll.more_votes_than_present",
                    format!("{} votes entered, but only {present} members are present", totals.cast()),
                )
                .field("totals"));
            }
            Ok(vec![Event::TotalsEntered { poll: *poll, totals: *totals, by: by.clone() }])
        }
        Command::ConfirmTotals { poll, by } => {
            let p = poll_open(a, *poll)?;
            let Some((_, entered_by)) = &p.entered else {
                return Err(RuleError::model("poll.no_totals", "no totals have been entered").field("poll"));
            };
            if entered_by == by {
                return Err(RuleError::model(
                    "poll.second_person",
                    "the totals must be confirmed by a second person, not by the one who entered them",
                )
                .field("by"));
            }
            Ok(vec![Event::TotalsConfirmed { poll: *poll, by: by.clone() }])
        }
        Command::ClosePoll { poll, at, decryption } => close_poll(a, *poll, *at, decryption.as_ref()),
        Command::AppointTellers { session, members } => appoint_tellers(a, *session, members),
        Command::RegisterTellerKey { session, member: id, key } => register_teller_key(a, *session, id, key),
        Command::SubmitTellerShare { poll, member: id, share } => submit_teller_share(a, *poll, id, share),
        Command::VoidCount { poll, reason, at } => {
            let p = a
                .polls
                .get(poll)
                .ok_or_else(|| RuleError::model("poll.unknown", format!("no poll {poll}")).field("poll"))?;
            if p.state != PollState::Counting {
                return Err(RuleError::model(
                    "poll.not_counting",
                    format!("poll {poll} is not waiting for its tellers"),
                )
                .field("poll"));
            }
            text("reason", reason, MAX_NAME)?;
            Ok(vec![Event::PollVoided { poll: *poll, reason: reason.trim().to_owned(), at: *at }])
        }
        Command::RecordOpinion { meeting, item, member: id, text: body } => {
            let m = meeting_open(a, meeting)?;
            if m.kind != MeetingKind::Delegation {
                return Err(RuleError::model(
                    "opinion.delegation_meeting",
                    "opinions are recorded in delegation meetings",
                )
                .field("meeting"));
            }
            seated_member(a, id, "member")?;
            check_group(a, m, id)?;
            let s = open_session(a, m.session)?;
            let it = s.agenda.iter().find(|i| i.number == *item).ok_or_else(|| {
                RuleError::model("agenda.unknown_item", format!("no agenda item {item}")).field("item")
            })?;
            if it.kind != ItemKind::Report {
                return Err(RuleError::model(
                    "opinion.reports_only",
                    "opinions are recorded on reports under deliberation",
                )
                .field("item"));
            }
            text("text", body, MAX_TEXT)?;
            Ok(vec![Event::OpinionRecorded {
                meeting: meeting.clone(),
                item: *item,
                member: id.clone(),
                text: body.trim().to_owned(),
            }])
        }
        Command::CreateElection { .. }
        | Command::NominateCandidates { .. }
        | Command::WithdrawCandidate { .. }
        | Command::FixCandidates { .. }
        | Command::RecordPreliminaryVote { .. }
        | Command::OpenRound { .. }
        | Command::CastElectionBallot { .. }
        | Command::EnterPaperBallot { .. }
        | Command::EnterPaperBallots { .. }
        | Command::CountRound { .. }
        | Command::SubmitRoundShare { .. }
        | Command::VoidRoundCount { .. } => crate::election::decide_election(a, command),
        Command::MoveAgendaItem { session, item, to } => {
            let s = open_session(a, *session)?;
            if !s.agenda_adopted {
                return Err(RuleError::statute(
                    "agenda.not_adopted",
                    source::OL_17,
                    "the agenda must first be adopted by the preparatory meeting",
                ));
            }
            let it = s.agenda.iter().find(|i| i.number == *item).ok_or_else(|| {
                RuleError::model("agenda.unknown_item", format!("no agenda item {item}")).field("item")
            })?;
            if !it.state.can_move_to(*to) {
                return Err(RuleError::model(
                    "agenda.transition",
                    format!("agenda item {item} cannot go from {:?} to {to:?}", it.state),
                )
                .field("to"));
            }
            if *to == ItemState::InProgress {
                if let Some(other) = s.agenda.iter().find(|i| i.state == ItemState::InProgress) {
                    return Err(RuleError::model(
                        "agenda.one_at_a_time",
                        format!("agenda item {} is still in progress", other.number),
                    ));
                }
            }
            Ok(vec![Event::AgendaItemMoved { session: *session, item: *item, state: *to }])
        }
    }
}

fn register_members(a: &Assembly, drafts: &[MemberDraft]) -> Decision {
    if drafts.is_empty() {
        return Err(RuleError::model("members.empty", "no members to register").field("members"));
    }
    let mut ids = BTreeSet::new();
    let mut events = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let at =
            |e: RuleError| RuleError { message: format!("member {} ({}): {}", i + 1, d.id, e.message), ..e };
        if a.members.contains_key(&d.id) || !ids.insert(&d.id) {
            return Err(at(RuleError::model("member.exists", "the id is already taken").field("id")));
        }
        if !a.terms.contains_key(&d.term) {
            return Err(at(
                RuleError::model("term.unknown", format!("term {} has not begun", d.term)).field("term")
            ));
        }
        if !a.groups.contains_key(&d.group) {
            return Err(
                at(RuleError::model("group.unknown", format!("no group {}", d.group)).field("group")),
            );
        }
        text("name", &d.name, MAX_NAME).map_err(at)?;
        events.push(Event::MemberRegistered {
            member: d.id.clone(),
            term: d.term,
            name: d.name.trim().to_owned(),
            pinyin: d.pinyin.trim().to_owned(),
            gender: d.gender,
            birth_year: d.birth_year,
            group: d.group.clone(),
            ethnicity: d.ethnicity.trim().to_owned(),
            occupation: d.occupation.trim().to_owned(),
            registered_on: d.registered_on,
        });
    }
    if let (Some(BodyKind::PeoplesCongress), Some(level), Some(pop)) = (a.kind, a.level, a.population) {
        if let Some(quota) = deputy_quota(level, pop) {
            let seated = a.seated_members().count() as u64;
            let total = seated + drafts.len() as u64;
            if total > quota {
                return Err(RuleError::statute(
                    "deputies.quota",
                    source::EL_12,
                    format!(
                        "a congress for {pop} residents has at most {quota} deputies; {seated} are seated and {} more would make {total}",
                        drafts.len()
                    ),
                )
                .field("members"));
            }
        }
    }
    Ok(events)
}

/// County-level congresses and above adopt their agenda by a vote of the
/// preparatory meeting (OL art. 17); other bodies may simply declare it adopted.
fn votes_on_agenda(a: &Assembly) -> bool {
    matches!(a.kind, Some(BodyKind::PeoplesCongress))
        && matches!(
            a.level,
            Some(Level::National | Level::Provincial | Level::CityWithDistricts | Level::County)
        )
}

pub(crate) fn meeting_open<'a>(a: &'a Assembly, id: &MeetingId) -> Result<&'a crate::Meeting, RuleError> {
    let m = a
        .meetings
        .get(id)
        .ok_or_else(|| RuleError::model("meeting.unknown", format!("no meeting {id}")).field("meeting"))?;
    if m.state == MeetingState::Adjourned {
        return Err(RuleError::model("meeting.adjourned", format!("meeting {id} is over")).field("meeting"));
    }
    open_session(a, m.session)?;
    Ok(m)
}

/// Deputies attend their own delegation's meeting.
fn check_group(a: &Assembly, m: &crate::Meeting, id: &MemberId) -> Result<(), RuleError> {
    if let (MeetingKind::Delegation, Some(g)) = (m.kind, &m.group) {
        if a.members.get(id).is_some_and(|mem| &mem.group != g) {
            return Err(RuleError::model(
                "attendance.other_delegation",
                format!("{id} belongs to another delegation"),
            )
            .field("member"));
        }
    }
    Ok(())
}

/// Members holding a mandate who are checked in at the meeting.
pub fn present_count(a: &Assembly, meeting: &MeetingId) -> u32 {
    a.meetings.get(meeting).map_or(0, |m| {
        m.attendance
            .present
            .keys()
            .filter(|id| a.members.get(*id).is_some_and(|x| x.status.holds_mandate()))
            .count()
    }) as u32
}

pub(crate) fn quorum_error(a: &Assembly, present: u32, members: u32) -> RuleError {
    let rules = a.rules.clone().unwrap_or_else(|| AssemblyRules::for_kind(a.kind.unwrap_or(BodyKind::Other)));
    let need = match rules.quorum {
        Quorum::MoreThanTwoThirds => format!("more than two thirds of all {members} members"),
        Quorum::Majority => format!("more than half of all {members} members"),
        Quorum::Fixed(n) => format!("at least {n} members"),
        Quorum::None => "no quorum".to_owned(),
    };
    let msg = format!("voting needs {need} present; {present} are present");
    if matches!(a.kind, Some(BodyKind::PeoplesCongress)) && rules.quorum == Quorum::MoreThanTwoThirds {
        RuleError::statute("quorum", source::OL_14, msg)
    } else {
        RuleError::model("quorum", msg)
    }
}

#[allow(clippy::too_many_arguments)]
fn open_poll(
    a: &Assembly,
    meeting: &MeetingId,
    subject: &PollSubject,
    title: &str,
    title_en: &str,
    rule: &ResolutionRule,
    mode: VoteMode,
    disclosure: Disclosure,
    at: DateTime<Utc>,
    closes_at: Option<DateTime<Utc>>,
    public_key: &Option<String>,
    tellers: &[MemberId],
) -> Decision {
    let m = meeting_open(a, meeting)?;
    if m.state != MeetingState::InProgress {
        return Err(RuleError::model(
            "meeting.not_in_progress",
            format!("meeting {meeting} is not in progress"),
        )
        .field("meeting"));
    }
    let congress = matches!(a.kind, Some(BodyKind::PeoplesCongress));
    if congress && !matches!(m.kind, MeetingKind::Preparatory | MeetingKind::Plenary) {
        return Err(RuleError::statute(
            "poll.plenary_only",
            "OL art. 25",
            "the congress decides at its plenary (and its preparatory meeting), not in delegation meetings",
        )
        .field("meeting"));
    }
    if let Some(open) = a.open_poll() {
        return Err(RuleError::model("poll.one_at_a_time", format!("poll {} is still open", open.number)));
    }
    if let Some(e) = a.elections.values().find(|e| e.open_round().is_some()) {
        return Err(RuleError::model(
            "vote.one_at_a_time",
            format!("a round of election {} is open", e.number),
        ));
    }
    let session = open_session(a, m.session)?;
    if let Some(p) = a.polls.values().find(|p| {
        p.state == PollState::Counting
            && p.subject == *subject
            && a.meetings.get(&p.meeting).is_some_and(|pm| pm.session == m.session)
    }) {
        return Err(RuleError::model(
            "poll.subject_counting",
            format!("poll {} on the same subject is still being counted by its tellers", p.number),
        )
        .field("subject"));
    }
    match subject {
        PollSubject::Agenda => {
            if session.agenda_adopted {
                return Err(RuleError::statute(
                    "agenda.adopted",
                    source::OL_17,
                    "the agenda is already adopted",
                )
                .field("subject"));
            }
            if session.agenda.is_empty() {
                return Err(RuleError::model("agenda.empty", "the agenda has no items").field("subject"));
            }
            if congress && m.kind != MeetingKind::Preparatory {
                return Err(RuleError::statute(
                    "preparatory_meeting.only",
                    source::OL_17,
                    "the agenda is adopted by the preparatory meeting",
                )
                .field("meeting"));
            }
        }
        PollSubject::Item(n) => {
            if !session.agenda_adopted {
                return Err(RuleError::statute(
                    "agenda.not_adopted",
                    source::OL_17,
                    "the agenda must first be adopted by the preparatory meeting",
                ));
            }
            if !session.agenda.iter().any(|i| i.number == *n) {
                return Err(
                    RuleError::model("agenda.unknown_item", format!("no agenda item {n}")).field("subject")
                );
            }
        }
    }
    text("title", title, MAX_NAME)?;
    text("title_en", title_en, MAX_NAME)?;
    if let Some(c) = closes_at {
        if c <= at {
            return Err(RuleError::model(
                "poll.closes_before_opening",
                "the closing time is not after the opening",
            )
            .field("closes_at"));
        }
    }
    match (mode, public_key) {
        (VoteMode::Secret, None) => {
            return Err(RuleError::model("poll.key_required", "a secret poll needs its public key")
                .field("public_key"));
        }
        (VoteMode::Secret, Some(_)) => {}
        (_, Some(_)) => {
            return Err(RuleError::model("poll.key_unexpected", "only secret polls are encrypted")
                .field("public_key"));
        }
        (_, None) => {}
    }
    if !tellers.is_empty() {
        if mode != VoteMode::Secret {
            return Err(RuleError::model(
                "poll.tellers_secret_only",
                "only a secret poll's key is held by tellers",
            )
            .field("tellers"));
        }
        teller_custody(a, session, tellers, public_key.as_deref(), Custody::Poll)?;
    }
    let disclosure = if mode == VoteMode::Secret { Disclosure::TurnoutOnly } else { disclosure };
    let electorate = a.seated_members().count() as u32;
    let present = present_count(a, meeting);
    let quorum = a.rules.as_ref().map_or(Quorum::Majority, |r| r.quorum);
    if !quorum.is_met(present, electorate) {
        return Err(quorum_error(a, present, electorate));
    }
    let number = a.polls.keys().last().copied().unwrap_or(0) + 1;
    Ok(vec![Event::PollOpened {
        poll: number,
        meeting: meeting.clone(),
        subject: subject.clone(),
        title: title.trim().to_owned(),
        title_en: title_en.trim().to_owned(),
        rule: rule.clone(),
        mode,
        disclosure,
        electorate,
        present,
        opened_at: at,
        closes_at,
        public_key: public_key.clone(),
        tellers: tellers.to_vec(),
    }])
}

/// What a secret vote's key is held for: a poll, or an election round. Names the
/// rules a check of its tellers' custody refuses with.
#[derive(Clone, Copy)]
pub(crate) enum Custody {
    Poll,
    Round,
}

impl Custody {
    /// The field a refusal names for the vote itself.
    fn field(self) -> &'static str {
        match self {
            Custody::Poll => "poll",
            Custody::Round => "round",
        }
    }

    /// (not counting, not a teller of it, a share sent already, a share that fails)
    fn share_rules(self) -> [&'static str; 4] {
        match self {
            Custody::Poll => {
                ["poll.not_counting", "poll.not_teller", "poll.share_sent", "poll.share_invalid"]
            }
            Custody::Round => [
                "election.not_counting",
                "election.not_teller",
                "election.share_sent",
                "election.share_invalid",
            ],
        }
    }

    /// (tellers mismatch, a key missing, the keys do not combine, another key)
    fn rules(self) -> [&'static str; 4] {
        match self {
            Custody::Poll => {
                ["poll.tellers_mismatch", "poll.teller_key_missing", "poll.key_invalid", "poll.key_mismatch"]
            }
            Custody::Round => [
                "election.tellers_mismatch",
                "election.teller_key_missing",
                "election.key_invalid",
                "election.key_mismatch",
            ],
        }
    }
}

/// A vote whose key the tellers hold: the tellers are the session's, in order, each
/// holding a mandate and a registered key, and the public key is exactly their joint
/// key, so that nobody can slip in a key of their own (EL art. 43).
pub(crate) fn teller_custody(
    a: &Assembly,
    session: &crate::Session,
    tellers: &[MemberId],
    public_key: Option<&str>,
    what: Custody,
) -> Result<(), RuleError> {
    let [mismatch, missing, invalid, other] = what.rules();
    let appointed: Vec<&MemberId> = session.tellers.iter().map(|t| &t.member).collect();
    if appointed != tellers.iter().collect::<Vec<_>>() {
        return Err(RuleError::statute(
            mismatch,
            source::EL_43,
            "the key holders must be the session's tellers",
        )
        .field("tellers"));
    }
    let mut keys = Vec::new();
    for t in &session.tellers {
        seated_member(a, &t.member, "tellers")?;
        let Some(k) = &t.key else {
            let name = a.members.get(&t.member).map_or("", |m| m.name.as_str());
            return Err(RuleError::statute(
                missing,
                source::EL_43,
                format!("teller {name} ({}) has not registered a key yet", t.member),
            )
            .field("tellers"));
        };
        keys.push(k.clone());
    }
    let joint = crate::sealed::joint_key(&keys)
        .map_err(|e| RuleError::model(invalid, format!("the tellers' keys: {e}")).field("tellers"))?;
    if public_key != Some(joint.as_str()) {
        return Err(RuleError::model(other, "the public key is not the joint key of the session's tellers")
            .field("public_key"));
    }
    Ok(())
}

fn poll_open(a: &Assembly, number: u32) -> Result<&crate::Poll, RuleError> {
    let p = a
        .polls
        .get(&number)
        .ok_or_else(|| RuleError::model("poll.unknown", format!("no poll {number}")).field("poll"))?;
    match p.state {
        PollState::Open => {}
        PollState::Counting => {
            return Err(RuleError::model(
                "poll.closed",
                format!("poll {number} is closed; its tellers are decrypting the count"),
            )
            .field("poll"));
        }
        PollState::Closed | PollState::Void => {
            return Err(RuleError::model("poll.closed", format!("poll {number} is closed")).field("poll"));
        }
    }
    Ok(p)
}

fn ballot_allowed(
    a: &Assembly,
    number: u32,
    id: &MemberId,
    at: DateTime<Utc>,
    mode: VoteMode,
) -> Result<(), RuleError> {
    let p = poll_open(a, number)?;
    if p.closes_at.is_some_and(|c| at > c) {
        return Err(
            RuleError::model("poll.closed", format!("poll {number} closed at its set time")).field("poll")
        );
    }
    if p.mode != mode {
        return Err(RuleError::model(
            "poll.mode",
            format!("poll {number} does not take this kind of ballot"),
        )
        .field("poll"));
    }
    seated_member(a, id, "member")?;
    let present = a.meetings.get(&p.meeting).is_some_and(|m| m.attendance.present.contains_key(id));
    if !present {
        return Err(RuleError::model("poll.not_present", "only members checked in at the meeting may vote")
            .field("member"));
    }
    if p.ballots.contains_key(id) {
        return Err(RuleError::model(
            "poll.already_voted",
            format!("{id} has already voted in poll {number}"),
        )
        .field("member"));
    }
    Ok(())
}

fn close_poll(a: &Assembly, number: u32, at: DateTime<Utc>, decryption: Option<&SealedTally>) -> Decision {
    let p = poll_open(a, number)?;
    let (totals, proof) = match p.mode {
        VoteMode::Named => (p.named_totals(), None),
        VoteMode::Secret if !p.tellers.is_empty() => {
            if decryption.is_some() {
                return Err(RuleError::statute(
                    "poll.tellers_decrypt",
                    source::EL_43,
                    "this poll's key is held by its tellers; its sum is decrypted from their shares",
                )
                .field("decryption"));
            }
            let present = present_count(a, &p.meeting);
            return Ok(vec![Event::PollCountStarted { poll: number, present, at }]);
        }
        VoteMode::Secret => {
            let Some(d) = decryption else {
                return Err(RuleError::model(
                    "poll.decryption_required",
                    "a secret poll closes with the decryption of its sum",
                )
                .field("decryption"));
            };
            let Some(key) = &p.public_key else {
                return Err(RuleError::model("poll.key_required", "the secret poll has no public key"));
            };
            crate::sealed::verify_sum(key, &p.sealed, &d.totals, &d.proof).map_err(|e| {
                RuleError::model("poll.decryption_invalid", format!("the decryption does not check out: {e}"))
                    .field("decryption")
            })?;
            (d.totals, Some(d.proof.clone()))
        }
        VoteMode::ShowOfHands | VoteMode::Paper => {
            let (Some((t, _)), Some(_)) = (&p.entered, &p.confirmed_by) else {
                return Err(RuleError::model(
                    "poll.totals_unconfirmed",
                    "enter the totals and have a second person confirm them before closing",
                ));
            };
            (*t, None)
        }
    };
    let present = present_count(a, &p.meeting);
    Ok(vec![poll_closed(p, totals, present, at, proof)?])
}

/// The closing event of a poll with its counted totals: the result by the poll's rule.
fn poll_closed(
    p: &crate::Poll,
    totals: Totals,
    present: u32,
    at: DateTime<Utc>,
    proof: Option<String>,
) -> Result<Event, RuleError> {
    if p.mode == VoteMode::Secret && totals.cast() as usize != p.sealed.len() {
        return Err(RuleError::model(
            "poll.decryption_invalid",
            "the decrypted totals do not add up to the ballots cast",
        )
        .field("decryption"));
    }
    let present = present.max(totals.cast()).min(p.electorate.max(totals.cast()));
    let count = ResolutionCount {
        members: p.electorate,
        present,
        yes: totals.yes,
        no: totals.no,
        abstain: totals.abstain,
    };
    let r = plenum_tally::decide_resolution(&p.rule, &count, None)
        .map_err(|e| RuleError::model("poll.count", e.to_string()))?;
    Ok(Event::PollClosed {
        poll: p.number,
        result: PollResult {
            totals,
            not_voted: p.electorate.saturating_sub(totals.cast()),
            adopted: r.adopted,
            required: r.required,
            tie: r.tie,
            basis: r.basis,
            closed_at: at,
        },
        decryption: proof,
    })
}

/// Most tellers a session may have: each adds a share every count must wait for.
pub const MAX_TELLERS: usize = 15;

fn appoint_tellers(a: &Assembly, session: SessionKey, members: &[MemberId]) -> Decision {
    let s = open_session(a, session)?;
    if members.is_empty() {
        return Err(
            RuleError::statute("tellers.empty", source::EL_43, "name at least one teller").field("members")
        );
    }
    if members.len() > MAX_TELLERS {
        return Err(RuleError::model(
            "tellers.too_many",
            format!("at most {MAX_TELLERS} tellers: every count waits for each one's share"),
        )
        .field("members"));
    }
    let mut seen = BTreeSet::new();
    for id in members {
        seated_member(a, id, "members")?;
        if !seen.insert(id) {
            return Err(
                RuleError::model("tellers.duplicate", format!("{id} is named twice")).field("members")
            );
        }
    }
    let pending = a.polls.values().find(|p| {
        matches!(p.state, PollState::Open | PollState::Counting)
            && !p.tellers.is_empty()
            && a.meetings.get(&p.meeting).is_some_and(|m| m.session == s.key)
    });
    if let Some(p) = pending {
        return Err(RuleError::model(
            "tellers.poll_pending",
            format!("poll {} is not yet counted by the present tellers", p.number),
        )
        .field("members"));
    }
    let round = a.elections.values().filter(|e| e.session == s.key).find_map(|e| {
        e.rounds
            .iter()
            .find(|r| {
                matches!(r.state, crate::election::RoundState::Open | crate::election::RoundState::Counting)
                    && !r.tellers.is_empty()
            })
            .map(|r| (e.number, r.number))
    });
    if let Some((election, round)) = round {
        return Err(RuleError::model(
            "tellers.poll_pending",
            format!("round {round} of election {election} is not yet counted by the present tellers"),
        )
        .field("members"));
    }
    Ok(vec![Event::TellersAppointed { session, members: members.to_vec() }])
}

fn register_teller_key(a: &Assembly, session: SessionKey, id: &MemberId, key: &str) -> Decision {
    let s = open_session(a, session)?;
    if !s.tellers.iter().any(|t| &t.member == id) {
        return Err(RuleError::statute(
            "teller.not_appointed",
            source::EL_43,
            format!("{id} is not a teller of session {session}"),
        )
        .field("member"));
    }
    let key = key.trim();
    if key.len() > 1_024 {
        return Err(RuleError::model("teller.key_invalid", "the key is too long").field("key"));
    }
    crate::sealed::check_key(key).map_err(|e| {
        RuleError::model("teller.key_invalid", format!("the key does not check out: {e}")).field("key")
    })?;
    if s.tellers.iter().any(|t| &t.member != id && t.key.as_deref() == Some(key)) {
        return Err(
            RuleError::model("teller.key_duplicate", "another teller has registered this key").field("key")
        );
    }
    Ok(vec![Event::TellerKeyRegistered { session, member: id.clone(), key: key.to_owned() }])
}

fn submit_teller_share(a: &Assembly, number: u32, id: &MemberId, share: &str) -> Decision {
    let p = a
        .polls
        .get(&number)
        .ok_or_else(|| RuleError::model("poll.unknown", format!("no poll {number}")).field("poll"))?;
    let counting = p.counting_since.filter(|_| p.state == PollState::Counting);
    let key = p.public_key.as_deref().unwrap_or_default();
    let checked = check_share(
        Custody::Poll,
        &format!("poll {number}"),
        counting.is_some(),
        &p.tellers,
        &p.shares,
        id,
        share,
        |s| crate::sealed::verify_share(key, &p.sealed, s),
    )?;
    let mut events =
        vec![Event::TellerShareSubmitted { poll: number, member: id.clone(), share: checked.share.clone() }];
    if let (Some(shares), Some((since, present))) = (checked.all, counting) {
        let (totals, proof) = crate::sealed::combine(key, &p.sealed, &shares).map_err(|e| {
            RuleError::model("poll.decryption_invalid", format!("the shares do not combine: {e}"))
                .field("share")
        })?;
        events.push(poll_closed(p, totals, present, since, Some(proof))?);
    }
    Ok(events)
}

/// A teller's share that passed `check_share`.
pub(crate) struct CheckedShare {
    /// The share, trimmed.
    pub share: String,
    /// With this share the last one: every teller's share, in the key's order.
    pub all: Option<Vec<String>>,
}

/// The checks every teller's share goes through, for a poll or a round: the vote is
/// counting, the sender holds a key of it (EL art. 43) and has not sent a share yet,
/// and the share verifies (`verify` gives the place of the holder who made it) as
/// made with the sender's own key.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_share(
    what: Custody,
    vote: &str,
    counting: bool,
    tellers: &[MemberId],
    shares: &std::collections::BTreeMap<MemberId, String>,
    id: &MemberId,
    share: &str,
    verify: impl FnOnce(&str) -> Result<usize, String>,
) -> Result<CheckedShare, RuleError> {
    let [not_counting, not_teller, sent, invalid] = what.share_rules();
    if !counting {
        return Err(RuleError::model(not_counting, format!("{vote} is not waiting for its tellers"))
            .field(what.field()));
    }
    let Some(place) = tellers.iter().position(|t| t == id) else {
        return Err(RuleError::statute(
            not_teller,
            source::EL_43,
            format!("{id} does not hold a key of {vote}"),
        )
        .field("member"));
    };
    if shares.contains_key(id) {
        return Err(RuleError::model(sent, format!("{id} has already sent a share")).field("member"));
    }
    let share = share.trim();
    if share.is_empty() || share.len() > 1_000_000 {
        return Err(RuleError::model(invalid, "the share is empty or too long").field("share"));
    }
    let holder = verify(share).map_err(|e| {
        RuleError::model(invalid, format!("the share does not check out: {e}")).field("share")
    })?;
    if holder != place {
        return Err(RuleError::model(invalid, "the share was made with another teller's key").field("share"));
    }
    let all = (shares.len() + 1 == tellers.len()).then(|| {
        tellers
            .iter()
            .map(|t| if t == id { share.to_owned() } else { shares.get(t).cloned().unwrap_or_default() })
            .collect()
    });
    Ok(CheckedShare { share: share.to_owned(), all })
}
