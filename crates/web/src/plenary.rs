//! Plenary sessions on the web: attendance and quorum, polls (opening, voting from a
//! phone, totals by hand, closing), deliberation opinions, and the hall's projector.
//! The views computed here feed both the pages below and the JSON API (`plenary_api`).

use crate::Web;
use crate::auth::{CHAIR, Caller, Role, STAFF};
use crate::error::{Failure, PageError};
use crate::hall_code;
use crate::i18n::Lang;
use crate::pages::{self, Chrome};
use crate::pages::{cached, card, render};
use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, Utc};
use plenum_app::polls::{KeyCustody, PollRequest};
use plenum_app::reports::{self, ReportLang};
use plenum_domain::{
    Assembly, AssemblyId, BodyKind, CheckInMethod, Choice, Command, Disclosure, GroupId, ItemKind, ItemState,
    Meeting, MeetingId, MeetingKind, MeetingState, Member, MemberId, MemberStatus, Poll, PollState,
    PollSubject, Quorum, ResolutionRule, SessionKey, Totals, VoteMode,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// Roles that vote: the members themselves, whatever post they hold.
pub const MEMBERS: &[Role] = &[Role::Presidium, Role::Deputy, Role::CppccMember];
/// Roles that check in and voice opinions: members for themselves, the staff for anyone.
pub const ATTENDEES: &[Role] =
    &[Role::Admin, Role::Secretariat, Role::Presidium, Role::Deputy, Role::CppccMember];

/// At most this many members listed as search results at the desk.
const SEARCH_LIMIT: usize = 40;

// ---- small helpers ------------------------------------------------------------------

/// A value's serde name, e.g. `show_of_hands`.
pub(crate) fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Beijing time, as the hall reads it.
pub(crate) fn local_time(t: &DateTime<Utc>) -> String {
    match FixedOffset::east_opt(8 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The member the caller's login stands for in this assembly.
pub fn own_member(c: &Caller, assembly: &AssemblyId) -> Option<MemberId> {
    let acc = c.account.as_ref()?;
    if acc.assembly.as_deref() != Some(assembly.as_str()) {
        return None;
    }
    MemberId::parse(acc.member.clone()?).ok()
}

pub(crate) fn not_a_member() -> Failure {
    Failure::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_a_member",
        "your login does not stand for a member of this assembly",
    )
    .field("member")
}

/// Who an action is for: `(member, on_behalf)`. Members act for themselves; the
/// staff name the member (at the desk).
pub(crate) fn resolve_member(
    c: &Caller,
    assembly: &AssemblyId,
    given: Option<&str>,
) -> Result<(MemberId, bool), Failure> {
    let own = own_member(c, assembly);
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            let m = MemberId::parse(s).map_err(|e| Failure::bad_request(e.to_string()).field("member"))?;
            if c.is(STAFF) {
                let desk = own.as_ref() != Some(&m);
                Ok((m, desk))
            } else if own.as_ref() == Some(&m) {
                Ok((m, false))
            } else {
                Err(Failure::forbidden()
                    .with_message("members act only for themselves")
                    .with_rule("member.self_only")
                    .field("member"))
            }
        }
        None => match own {
            Some(m) => Ok((m, false)),
            None if c.is(STAFF) => Err(Failure::bad_request("choose a member").field("member")),
            None => Err(not_a_member()),
        },
    }
}

/// An idempotency key from a form or request, scoped to the caller's account so that
/// two people can never share one.
pub(crate) fn command_key(c: &Caller, key: Option<&str>) -> Result<Option<String>, Failure> {
    let Some(k) = key.map(str::trim).filter(|k| !k.is_empty()) else { return Ok(None) };
    if k.len() > 80 || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
        return Err(Failure::bad_request(
            "command_id holds 1 to 80 letters, digits, dashes, underscores or dots",
        )
        .field("command_id"));
    }
    Ok(Some(format!("{}|{k}", c.actor())))
}

/// What a deputy sends as their vote: a choice (which the server seals, for a secret
/// poll), or a ballot their own device sealed with the poll's public key.
pub(crate) enum Cast {
    Choice(Choice),
    Sealed(String),
}

impl Cast {
    /// Exactly one of `choice` and `sealed`; a blank field counts as absent.
    pub(crate) fn of(choice: Option<&str>, sealed: Option<&str>) -> Result<Cast, Failure> {
        fn present(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        match (present(choice), present(sealed)) {
            (Some(_), Some(_)) => {
                Err(Failure::bad_request("send either a choice or a ballot sealed on the device, not both")
                    .field("sealed"))
            }
            (None, Some(ballot)) => Ok(Cast::Sealed(ballot.to_owned())),
            (choice, None) => parse_choice(choice.unwrap_or_default())
                .map(Cast::Choice)
                .ok_or_else(|| Failure::bad_request("choice is yes, no or abstain").field("choice")),
        }
    }

    /// Records it as the member's ballot.
    pub(crate) async fn record(
        self,
        app: &plenum_app::App,
        id: &AssemblyId,
        actor: &str,
        poll: u32,
        member: MemberId,
        key: Option<String>,
    ) -> Result<plenum_app::Receipt, plenum_app::AppError> {
        match self {
            Cast::Choice(choice) => app.vote(id, actor, poll, member, choice, key).await,
            Cast::Sealed(ballot) => app.vote_sealed(id, actor, poll, member, ballot, key).await,
        }
    }
}

pub(crate) fn parse_choice(s: &str) -> Option<Choice> {
    match s.trim() {
        "yes" => Some(Choice::Yes),
        "no" => Some(Choice::No),
        "abstain" => Some(Choice::Abstain),
        _ => None,
    }
}

pub(crate) fn choice_key(c: Choice) -> &'static str {
    match c {
        Choice::Yes => "yes",
        Choice::No => "no",
        Choice::Abstain => "abstain",
    }
}

pub fn choice_label(c: Choice, lang: Lang) -> &'static str {
    lang.t(match c {
        Choice::Yes => "plenary.choice.yes",
        Choice::No => "plenary.choice.no",
        Choice::Abstain => "plenary.choice.abstain",
    })
}

pub fn mode_label(m: VoteMode, lang: Lang) -> &'static str {
    lang.t(match m {
        VoteMode::Named => "plenary.mode.named",
        VoteMode::Secret => "plenary.mode.secret",
        VoteMode::ShowOfHands => "plenary.mode.show_of_hands",
        VoteMode::Paper => "plenary.mode.paper",
    })
}

pub fn disclosure_label(d: Disclosure, lang: Lang) -> &'static str {
    lang.t(match d {
        Disclosure::Counts => "plenary.disclosure.counts",
        Disclosure::TurnoutOnly => "plenary.disclosure.turnout_only",
    })
}

pub fn meeting_kind_label(k: MeetingKind, lang: Lang) -> &'static str {
    lang.t(match k {
        MeetingKind::Preparatory => "meeting.preparatory",
        MeetingKind::Plenary => "meeting.plenary",
        MeetingKind::Delegation => "meeting.delegation",
        MeetingKind::Presidium => "meeting.presidium",
    })
}

pub fn meeting_state_label(s: MeetingState, lang: Lang) -> &'static str {
    lang.t(match s {
        MeetingState::Scheduled => "meeting.scheduled",
        MeetingState::InProgress => "meeting.in_progress",
        MeetingState::Adjourned => "meeting.adjourned",
    })
}

fn group_label(a: &Assembly, g: &GroupId, lang: Lang) -> String {
    a.groups.get(g).map_or_else(|| g.to_string(), |x| lang.pick(&x.name, &x.name_en).to_owned())
}

/// "deputies" for a congress, "members" otherwise.
pub(crate) fn noun(a: &Assembly, lang: Lang) -> &'static str {
    lang.t(match a.kind {
        Some(BodyKind::PeoplesCongress) => "plenary.noun.deputies",
        Some(BodyKind::CppccCommittee) => "plenary.noun.cppcc",
        _ => "plenary.noun.members",
    })
}

fn is_congress(a: &Assembly) -> bool {
    matches!(a.kind, Some(BodyKind::PeoplesCongress))
}

fn quorum_of(a: &Assembly) -> Quorum {
    a.rules.as_ref().map_or(Quorum::Majority, |r| r.quorum)
}

/// Whether polls may be opened at this kind of meeting (a congress decides at its
/// plenary and preparatory meetings only).
fn decides_at(a: &Assembly, m: &Meeting) -> bool {
    matches!(m.kind, MeetingKind::Preparatory | MeetingKind::Plenary)
        || (!is_congress(a) && m.kind != MeetingKind::Delegation)
}

// ---- attendance ----------------------------------------------------------------------

/// Whether a quorum is present, and the text that says so.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuorumView {
    /// more_than_two_thirds, majority, fixed or none.
    pub rule: String,
    /// Members that must be present.
    pub required: u32,
    pub met: bool,
    /// The statute, e.g. `OL art. 14`.
    pub source: Option<String>,
    /// E.g. "425 present: more than two thirds of all 440 deputies (OL art. 14)".
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupAttendance {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// Members holding a mandate.
    pub members: u32,
    pub present: u32,
    pub excused: u32,
    pub absent: u32,
}

impl GroupAttendance {
    pub fn label(&self, lang: &Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberRef {
    pub id: String,
    pub name: String,
    pub group: String,
    pub group_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExcusedMember {
    pub id: String,
    pub name: String,
    pub group: String,
    pub group_name: String,
    pub reason: String,
}

/// Attendance at a meeting: counts for everyone, names for the secretariat.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    pub meeting: String,
    pub kind: String,
    pub state: String,
    /// Members expected: all holding a mandate (a delegation meeting: the delegation's).
    pub members: u32,
    pub present: u32,
    /// Leave of absence for the meeting, or on leave.
    pub excused: u32,
    pub absent: u32,
    /// Preparatory and plenary meetings only.
    pub quorum: Option<QuorumView>,
    pub groups: Vec<GroupAttendance>,
    /// The secretariat only: who is absent without leave.
    pub absent_members: Option<Vec<MemberRef>>,
    /// The secretariat only: who is excused, and why.
    pub excused_members: Option<Vec<ExcusedMember>>,
    /// The secretariat only: how those present were checked in.
    pub check_in_methods: Option<CheckInMethods>,
}

/// How the members present were checked in.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CheckInMethods {
    /// On their own phones, with the code shown in the hall.
    pub hall_code: u32,
    /// On their own phones, where no code was required.
    pub self_service: u32,
    /// At the secretariat's desk, one by one.
    pub desk: u32,
    /// By the secretariat, many at once.
    pub bulk: u32,
}

/// The caller, as a member the meeting expects.
fn attendee<'a>(a: &'a Assembly, m: &'a Meeting, c: &Caller, id: &AssemblyId) -> Option<&'a Member> {
    let own = own_member(c, id)?;
    expected(a, m).find(|x| x.id == own)
}

/// Whether a meeting still takes check-ins: not adjourned, in a session not closed.
fn takes_attendance(a: &Assembly, m: &Meeting) -> bool {
    m.state != MeetingState::Adjourned && a.sessions.get(&m.session).is_some_and(|s| !s.closed)
}

/// Members a meeting expects: the delegation's, or everyone's.
fn expected<'a>(a: &'a Assembly, m: &'a Meeting) -> impl Iterator<Item = &'a Member> + 'a {
    a.seated_members().filter(move |x| match (m.kind, &m.group) {
        (MeetingKind::Delegation, Some(g)) => &x.group == g,
        _ => true,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Present,
    Excused,
    Absent,
}

fn presence(m: &Meeting, x: &Member) -> Presence {
    if m.attendance.present.contains_key(&x.id) {
        Presence::Present
    } else if m.attendance.excused.contains_key(&x.id) || x.status == MemberStatus::OnLeave {
        Presence::Excused
    } else {
        Presence::Absent
    }
}

fn leave_reason(m: &Meeting, x: &Member) -> String {
    m.attendance
        .excused
        .get(&x.id)
        .cloned()
        .or_else(|| x.history.last().filter(|h| h.status == MemberStatus::OnLeave).map(|h| h.reason.clone()))
        .unwrap_or_default()
}

pub fn member_ref(a: &Assembly, x: &Member, lang: Lang) -> MemberRef {
    MemberRef {
        id: x.id.to_string(),
        name: x.name.clone(),
        group: x.group.to_string(),
        group_name: group_label(a, &x.group, lang),
    }
}

pub fn quorum_view(a: &Assembly, present: u32, members: u32, lang: Lang) -> QuorumView {
    let q = quorum_of(a);
    let (p, m) = (u64::from(present), u64::from(members));
    let required = match q {
        Quorum::MoreThanTwoThirds => 2 * m / 3 + 1,
        Quorum::Majority => m / 2 + 1,
        Quorum::Fixed(n) => u64::from(n),
        Quorum::None => 0,
    };
    let met = q.is_met(present, members);
    let source = (is_congress(a) && q == Quorum::MoreThanTwoThirds).then_some("OL art. 14");
    let key = match (q, met) {
        (Quorum::MoreThanTwoThirds, true) => "plenary.quorum.two_thirds.met",
        (Quorum::MoreThanTwoThirds, false) => "plenary.quorum.two_thirds.not_met",
        (Quorum::Majority, true) => "plenary.quorum.majority.met",
        (Quorum::Majority, false) => "plenary.quorum.majority.not_met",
        (Quorum::Fixed(_), true) => "plenary.quorum.fixed.met",
        (Quorum::Fixed(_), false) => "plenary.quorum.fixed.not_met",
        (Quorum::None, _) => "plenary.quorum.none",
    };
    let src = source
        .map_or_else(String::new, |s| if lang == Lang::Zh { format!("（{s}）") } else { format!(" ({s})") });
    let text = lang
        .t(key)
        .replace("{p}", &p.to_string())
        .replace("{m}", &m.to_string())
        .replace("{n}", &required.to_string())
        .replace("{noun}", noun(a, lang))
        .replace("{src}", &src);
    QuorumView {
        rule: match q {
            Quorum::MoreThanTwoThirds => "more_than_two_thirds",
            Quorum::Majority => "majority",
            Quorum::Fixed(_) => "fixed",
            Quorum::None => "none",
        }
        .to_owned(),
        required: u32::try_from(required).unwrap_or(u32::MAX),
        met,
        source: source.map(str::to_owned),
        text,
    }
}

pub fn attendance_view(a: &Assembly, m: &Meeting, lang: Lang, staff: bool) -> AttendanceView {
    let mut groups: BTreeMap<&GroupId, GroupAttendance> = BTreeMap::new();
    let (mut present, mut excused, mut absent) = (0, 0, 0);
    let mut absent_members = Vec::new();
    let mut excused_members = Vec::new();
    for x in expected(a, m) {
        let g = groups.entry(&x.group).or_insert_with(|| {
            let (name, name_en) = a.groups.get(&x.group).map_or_else(
                || (x.group.to_string(), String::new()),
                |g| (g.name.clone(), g.name_en.clone()),
            );
            GroupAttendance {
                id: x.group.to_string(),
                name,
                name_en,
                members: 0,
                present: 0,
                excused: 0,
                absent: 0,
            }
        });
        g.members += 1;
        match presence(m, x) {
            Presence::Present => {
                g.present += 1;
                present += 1;
            }
            Presence::Excused => {
                g.excused += 1;
                excused += 1;
                if staff {
                    let r = member_ref(a, x, lang);
                    excused_members.push(ExcusedMember {
                        id: r.id,
                        name: r.name,
                        group: r.group,
                        group_name: r.group_name,
                        reason: leave_reason(m, x),
                    });
                }
            }
            Presence::Absent => {
                g.absent += 1;
                absent += 1;
                if staff {
                    absent_members.push(member_ref(a, x, lang));
                }
            }
        }
    }
    let members = present + excused + absent;
    let quorum = decides_at(a, m).then(|| quorum_view(a, present, members, lang));
    let check_in_methods = staff.then(|| {
        let mut c = CheckInMethods::default();
        for method in m.attendance.present.values() {
            *match method {
                CheckInMethod::HallCode => &mut c.hall_code,
                CheckInMethod::SelfService => &mut c.self_service,
                CheckInMethod::Desk => &mut c.desk,
                CheckInMethod::Bulk => &mut c.bulk,
            } += 1;
        }
        c
    });
    AttendanceView {
        meeting: m.id.to_string(),
        kind: snake(&m.kind),
        state: snake(&m.state),
        members,
        present,
        excused,
        absent,
        quorum,
        groups: groups.into_values().collect(),
        absent_members: staff.then_some(absent_members),
        excused_members: staff.then_some(excused_members),
        check_in_methods,
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingSummary {
    pub id: String,
    pub session: String,
    /// preparatory, plenary, delegation or presidium.
    pub kind: String,
    /// The delegation of a delegation meeting.
    pub group: Option<String>,
    pub title: String,
    pub title_en: String,
    /// RFC 3339.
    pub starts_at: String,
    /// scheduled, in_progress or adjourned.
    pub state: String,
    /// Members checked in.
    pub present: u32,
    /// Members check themselves in only with the code shown in the hall (`hall_code`
    /// in the check-in request).
    pub hall_code: bool,
}

pub fn meeting_summary(a: &Assembly, m: &Meeting) -> MeetingSummary {
    MeetingSummary {
        id: m.id.to_string(),
        session: m.session.to_string(),
        kind: snake(&m.kind),
        group: m.group.as_ref().map(ToString::to_string),
        title: m.title.clone(),
        title_en: m.title_en.clone(),
        starts_at: m.starts_at.to_rfc3339(),
        state: snake(&m.state),
        present: plenum_domain::present_count(a, &m.id),
        hall_code: m.hall_code,
    }
}

/// Meetings in the order they are held.
pub fn meetings_in_order(a: &Assembly) -> Vec<&Meeting> {
    let mut v: Vec<&Meeting> = a.meetings.values().collect();
    v.sort_by(|x, y| (x.starts_at, &x.id).cmp(&(y.starts_at, &y.id)));
    v
}

// ---- polls -----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Counts {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

impl From<Totals> for Counts {
    fn from(t: Totals) -> Self {
        Counts { yes: t.yes, no: t.no, abstain: t.abstain }
    }
}

/// Totals entered by hand (show of hands, paper) and who confirmed them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnteredTotals {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub entered_by: String,
    pub confirmed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PollOutcome {
    pub adopted: bool,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub not_voted: u32,
    /// Yes votes needed.
    pub required: u32,
    pub tie: bool,
    /// Why, with the statute: "adopted: 402 yes, needs more than half of all 440 deputies = 221 (OL art. 25)".
    pub basis: String,
    /// The basis in the language asked for.
    pub basis_local: String,
    pub closed_at: String,
}

/// A named poll's votes in one delegation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DelegationResult {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub members: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub not_voted: u32,
}

impl DelegationResult {
    pub fn label(&self, lang: &Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

/// A member who has not voted in a named poll.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotVoted {
    pub id: String,
    pub name: String,
    pub group: String,
    pub group_name: String,
    /// Checked in at the meeting.
    pub present: bool,
}

/// The caller's own ballot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyBallot {
    pub member: String,
    /// Checked in at the poll's meeting.
    pub present: bool,
    /// The meeting takes members' own check-in only with the code shown in the hall.
    pub hall_code: bool,
    pub voted: bool,
    /// Named polls only: what the caller chose.
    pub choice: Option<String>,
    pub can_vote: bool,
}

/// A poll as the public may see it. Secret polls show turnout while open and the sum
/// at the close, never who chose what; named polls add results per delegation and
/// the names of those who have not voted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PollView {
    pub number: u32,
    pub meeting: String,
    pub meeting_title: String,
    /// agenda or item.
    pub subject: String,
    pub item: Option<u32>,
    pub subject_title: String,
    pub title: String,
    pub title_en: String,
    /// The rule's preset name, or `custom`.
    pub rule: String,
    /// The rule in words, in the language asked for.
    pub rule_text: String,
    /// named, secret, show_of_hands or paper.
    pub mode: String,
    /// counts or turnout_only.
    pub disclosure: String,
    /// open, counting (closed to ballots, waiting for the tellers' shares), closed,
    /// or void (its tellers could not decrypt it).
    pub state: String,
    /// Members holding a mandate when the poll opened.
    pub electorate: u32,
    /// Members present when the poll opened.
    pub present_at_opening: u32,
    pub opened_at: String,
    pub closes_at: Option<String>,
    /// Members who have voted (electronic polls), or votes entered (by hand).
    pub turnout: u32,
    /// Running counts while open, as far as the disclosure allows; the totals at the close.
    pub counts: Option<Counts>,
    /// Show of hands and paper: the totals entered and their confirmation.
    pub entered: Option<EnteredTotals>,
    pub result: Option<PollOutcome>,
    /// Named polls only.
    pub delegations: Option<Vec<DelegationResult>>,
    /// Named polls only.
    pub not_voted: Option<Vec<NotVoted>>,
    /// The caller's ballot, for a member of the assembly.
    pub me: Option<MyBallot>,
    /// Secret polls: who holds the key, `server` or `tellers`.
    pub custody: Option<String>,
    /// Secret polls: the public key a voter's device seals its ballot with (the
    /// `sealed` field of a vote), its holders' published keys joined by `;`.
    pub public_key: Option<String>,
    /// Polls whose key the tellers hold: each teller, and whether their share of the
    /// decryption is in.
    pub tellers: Vec<crate::tellers::TellerShareView>,
    /// Why a poll its tellers could not decrypt was declared void.
    pub void_reason: Option<String>,
}

fn rule_citation(rule: &ResolutionRule, lang: Lang) -> String {
    if ResolutionRule::preset(&rule.name).as_ref() != Some(rule) {
        return String::new();
    }
    let key = match rule.name.as_str() {
        "cn-people-congress" => "plenary.cite.cn",
        "roberts-rules" => "plenary.cite.roberts",
        _ => "plenary.cite.roberts_two_thirds",
    };
    lang.t(key).to_owned()
}

/// The rule in words: "more than half of all deputies (OL art. 25)". With `n`, the
/// base carries its number where the rule fixes it.
pub fn rule_text(rule: &ResolutionRule, a: &Assembly, lang: Lang, n: Option<u32>) -> String {
    let base = snake(&rule.base);
    let numbered = n.filter(|_| base != "members_present");
    let base_key = match (base.as_str(), numbered.is_some()) {
        ("all_members", false) => "plenary.rule.base.all_members",
        ("all_members", true) => "plenary.rule.base_n.all_members",
        ("members_present", _) => "plenary.rule.base.members_present",
        ("votes_cast", false) => "plenary.rule.base.votes_cast",
        ("votes_cast", true) => "plenary.rule.base_n.votes_cast",
        (_, false) => "plenary.rule.base.votes_cast_excluding_abstentions",
        (_, true) => "plenary.rule.base_n.votes_cast_excluding_abstentions",
    };
    let base_text =
        lang.t(base_key).replace("{noun}", noun(a, lang)).replace("{n}", &numbered.unwrap_or(0).to_string());
    let threshold = serde_json::to_value(rule.threshold).unwrap_or(serde_json::Value::Null);
    let (key, p, q) = match &threshold {
        serde_json::Value::String(s) if s == "more_than_half" => ("plenary.rule.more_than_half", 0, 0),
        serde_json::Value::String(s) if s == "at_least_two_thirds" => {
            ("plenary.rule.at_least_two_thirds", 0, 0)
        }
        serde_json::Value::String(_) => ("plenary.rule.at_least_three_fifths", 0, 0),
        other => {
            let pq = other.get("more_than").and_then(|v| v.as_array());
            let at = |i: usize| pq.and_then(|a| a.get(i)).and_then(serde_json::Value::as_u64).unwrap_or(0);
            ("plenary.rule.more_than", at(0), at(1))
        }
    };
    let mut s = lang
        .t(key)
        .replace("{base}", &base_text)
        .replace("{p}", &p.to_string())
        .replace("{q}", &q.to_string());
    if snake(&rule.ties) == "chair_decides" {
        s.push_str(lang.t("plenary.rule.chair_decides"));
    }
    s.push_str(&rule_citation(rule, lang));
    s
}

fn outcome(a: &Assembly, p: &Poll, lang: Lang) -> Option<PollOutcome> {
    let r = p.result.as_ref()?;
    let t = r.totals;
    let basis_local = if lang == Lang::En {
        r.basis.clone()
    } else if r.tie && !r.adopted && snake(&p.rule.ties) == "chair_decides" {
        lang.t("plenary.basis.tie_chair")
            .replace("{yes}", &t.yes.to_string())
            .replace("{no}", &t.no.to_string())
    } else {
        let n = match snake(&p.rule.base).as_str() {
            "all_members" => Some(p.electorate),
            "votes_cast" => Some(t.cast()),
            "votes_cast_excluding_abstentions" => Some(t.yes + t.no),
            _ => None,
        };
        let mut rule = p.rule.clone();
        // The citation goes at the end of the sentence, not inside it; a tie that
        // mattered is told apart.
        rule.name = "custom".to_owned();
        if let Ok(fails) = serde_json::from_value(serde_json::json!("fails")) {
            rule.ties = fails;
        }
        let verdict = lang.t(if r.adopted { "plenary.result.adopted" } else { "plenary.result.rejected" });
        let tie = if r.tie { lang.t("plenary.basis.tie_note") } else { "" };
        lang.t("plenary.basis")
            .replace("{verdict}", verdict)
            .replace("{yes}", &t.yes.to_string())
            .replace("{tie}", tie)
            .replace("{rule}", &rule_text(&rule, a, lang, n))
            .replace("{required}", &r.required.to_string())
            .replace("{cite}", &rule_citation(&p.rule, lang))
    };
    Some(PollOutcome {
        adopted: r.adopted,
        yes: t.yes,
        no: t.no,
        abstain: t.abstain,
        not_voted: r.not_voted,
        required: r.required,
        tie: r.tie,
        basis: r.basis.clone(),
        basis_local,
        closed_at: r.closed_at.to_rfc3339(),
    })
}

pub fn subject_title(a: &Assembly, p: &Poll, lang: Lang) -> String {
    match p.subject {
        PollSubject::Agenda => lang.t("plenary.subject.agenda").to_owned(),
        PollSubject::Item(n) => {
            let title = a
                .meetings
                .get(&p.meeting)
                .and_then(|m| a.sessions.get(&m.session))
                .and_then(|s| s.agenda.iter().find(|i| i.number == n))
                .map(|i| lang.pick(&i.title, &i.title_en).to_owned())
                .unwrap_or_default();
            lang.t("plenary.subject.item").replace("{n}", &n.to_string()).replace("{title}", &title)
        }
    }
}

/// Whether the poll still takes ballots now.
fn taking_ballots(p: &Poll) -> bool {
    p.state == PollState::Open && p.closes_at.is_none_or(|c| Utc::now() <= c)
}

pub fn poll_view(a: &Assembly, p: &Poll, lang: Lang, staff: bool, me: Option<&MemberId>) -> PollView {
    poll_view_of(a, p, lang, staff, me, Detail::Full)
}

/// How much of a poll a view needs: the projector and the dashboard show counts and
/// turnout, not the roll of every seated member.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Summary,
}

fn poll_view_of(
    a: &Assembly,
    p: &Poll,
    lang: Lang,
    staff: bool,
    me: Option<&MemberId>,
    detail: Detail,
) -> PollView {
    let open = p.state == PollState::Open;
    let manual = !p.mode.is_electronic();
    let named = p.mode == VoteMode::Named;
    let show_counts = !open || p.disclosure == Disclosure::Counts;
    let counts = if let Some(r) = &p.result {
        Some(Counts::from(r.totals))
    } else if named && show_counts {
        Some(p.named_totals().into())
    } else if manual && (show_counts || staff) {
        p.entered.as_ref().map(|(t, _)| Counts::from(*t))
    } else {
        None
    };
    let turnout = if manual {
        p.result
            .as_ref()
            .map(|r| r.totals.cast())
            .or_else(|| p.entered.as_ref().map(|(t, _)| t.cast()))
            .unwrap_or(0)
    } else {
        u32::try_from(p.turnout()).unwrap_or(u32::MAX)
    };
    let entered = p.entered.as_ref().filter(|_| show_counts || staff).map(|(t, by)| EnteredTotals {
        yes: t.yes,
        no: t.no,
        abstain: t.abstain,
        entered_by: by.clone(),
        confirmed_by: p.confirmed_by.clone(),
    });
    let meeting = a.meetings.get(&p.meeting);
    let (delegations, not_voted) = if named && detail == Detail::Full {
        let mut groups: BTreeMap<&GroupId, DelegationResult> = BTreeMap::new();
        let mut missing = Vec::new();
        for x in a.seated_members() {
            let g = groups.entry(&x.group).or_insert_with(|| {
                let (name, name_en) = a.groups.get(&x.group).map_or_else(
                    || (x.group.to_string(), String::new()),
                    |g| (g.name.clone(), g.name_en.clone()),
                );
                DelegationResult {
                    id: x.group.to_string(),
                    name,
                    name_en,
                    members: 0,
                    yes: 0,
                    no: 0,
                    abstain: 0,
                    not_voted: 0,
                }
            });
            g.members += 1;
            match p.ballots.get(&x.id) {
                Some(Some(Choice::Yes)) => g.yes += 1,
                Some(Some(Choice::No)) => g.no += 1,
                Some(Some(Choice::Abstain)) => g.abstain += 1,
                Some(None) => {}
                None => {
                    g.not_voted += 1;
                    let r = member_ref(a, x, lang);
                    missing.push(NotVoted {
                        id: r.id,
                        name: r.name,
                        group: r.group,
                        group_name: r.group_name,
                        present: meeting.is_some_and(|m| m.attendance.present.contains_key(&x.id)),
                    });
                }
            }
        }
        // While a turnout-only poll is open, only who has not voted shows.
        (show_counts.then(|| groups.into_values().collect()), Some(missing))
    } else {
        (None, None)
    };
    let me = me.and_then(|id| {
        let member = a.members.get(id)?;
        let present = meeting.is_some_and(|m| m.attendance.present.contains_key(id));
        let ballot = p.ballots.get(id);
        let voted = ballot.is_some();
        Some(MyBallot {
            member: id.to_string(),
            present,
            hall_code: meeting.is_some_and(|m| m.hall_code),
            voted,
            choice: ballot.copied().flatten().map(|c| choice_key(c).to_owned()),
            can_vote: taking_ballots(p)
                && p.mode.is_electronic()
                && present
                && !voted
                && member.status.holds_mandate(),
        })
    });
    PollView {
        number: p.number,
        meeting: p.meeting.to_string(),
        meeting_title: meeting.map(|m| lang.pick(&m.title, &m.title_en).to_owned()).unwrap_or_default(),
        subject: match p.subject {
            PollSubject::Agenda => "agenda".to_owned(),
            PollSubject::Item(_) => "item".to_owned(),
        },
        item: match p.subject {
            PollSubject::Agenda => None,
            PollSubject::Item(n) => Some(n),
        },
        subject_title: subject_title(a, p, lang),
        title: p.title.clone(),
        title_en: p.title_en.clone(),
        rule: p.rule.name.clone(),
        rule_text: rule_text(&p.rule, a, lang, None),
        mode: snake(&p.mode),
        disclosure: snake(&p.disclosure),
        state: snake(&p.state),
        electorate: p.electorate,
        present_at_opening: p.present,
        opened_at: p.opened_at.to_rfc3339(),
        closes_at: p.closes_at.map(|c| c.to_rfc3339()),
        turnout,
        counts,
        entered,
        result: outcome(a, p, lang),
        delegations,
        not_voted,
        me,
        custody: (p.mode == VoteMode::Secret)
            .then(|| if p.tellers.is_empty() { "server" } else { "tellers" }.to_owned()),
        public_key: p.public_key.clone().filter(|_| p.mode == VoteMode::Secret),
        tellers: crate::tellers::holders(a, p.public_key.as_deref(), &p.tellers, &p.shares),
        void_reason: p.void_reason.clone(),
    }
}

/// What the secretariat fills in to open a poll, from a form or the API.
#[derive(Debug, Clone, Default)]
pub struct OpenPollInput {
    pub meeting: String,
    /// `agenda`, or an agenda item's number.
    pub subject: String,
    pub title: String,
    pub title_en: String,
    /// A preset name, or `custom`.
    pub rule: String,
    pub base: String,
    pub threshold: String,
    pub numerator: Option<u32>,
    pub denominator: Option<u32>,
    pub ties: String,
    pub mode: String,
    pub disclosure: String,
    pub duration_minutes: Option<u32>,
    /// Secret polls: `server` (default) or `tellers`.
    pub custody: String,
}

fn parse_mode(s: &str) -> Option<VoteMode> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).ok()
}

fn parse_disclosure(s: &str) -> Option<Disclosure> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).ok()
}

/// Builds the rule from a preset name or the custom fields.
pub fn parse_rule(input: &OpenPollInput) -> Result<ResolutionRule, Failure> {
    let name = input.rule.trim();
    if name != "custom" {
        return ResolutionRule::preset(name).ok_or_else(|| {
            Failure::bad_request(format!(
                "unknown rule preset \"{name}\": cn-people-congress, roberts-rules, roberts-rules-two-thirds or custom"
            ))
            .field("rule")
        });
    }
    let threshold = match input.threshold.trim() {
        "more_than" => serde_json::json!({
            "more_than": [input.numerator.unwrap_or(0), input.denominator.unwrap_or(0)]
        }),
        t => serde_json::Value::String(t.to_owned()),
    };
    let ties = if input.ties.trim().is_empty() { "fails" } else { input.ties.trim() };
    let value = serde_json::json!({ "base": input.base.trim(), "threshold": threshold, "ties": ties });
    serde_json::from_value(value)
        .map_err(|e| Failure::bad_request(format!("the custom rule is not valid: {e}")).field("threshold"))
}

/// Who holds a secret vote's key, from a form or the API: `server` (or nothing) or
/// `tellers`, which only an encrypted vote can choose.
pub(crate) fn parse_custody(s: &str, encrypted: bool) -> Result<KeyCustody, Failure> {
    match s.trim() {
        "" | "server" => Ok(KeyCustody::Server),
        "tellers" if encrypted => Ok(KeyCustody::Tellers),
        "tellers" => {
            Err(Failure::bad_request("only a secret ballot's key can be held by the tellers")
                .field("custody"))
        }
        _ => Err(Failure::bad_request("custody is server or tellers").field("custody")),
    }
}

/// Checks the input and builds the request `App::open_poll` takes.
pub fn poll_request(
    a: &Assembly,
    input: &OpenPollInput,
    rule: ResolutionRule,
) -> Result<PollRequest, Failure> {
    let meeting = MeetingId::parse(input.meeting.trim())
        .map_err(|e| Failure::bad_request(e.to_string()).field("meeting"))?;
    let subject = match input.subject.trim() {
        "agenda" => PollSubject::Agenda,
        n => PollSubject::Item(n.parse().map_err(|_| {
            Failure::bad_request("subject is `agenda` or an agenda item's number").field("subject")
        })?),
    };
    let mode = parse_mode(&input.mode)
        .ok_or_else(|| Failure::bad_request("mode is named, secret, show_of_hands or paper").field("mode"))?;
    let disclosure = if input.disclosure.trim().is_empty() {
        Disclosure::Counts
    } else {
        parse_disclosure(&input.disclosure)
            .ok_or_else(|| Failure::bad_request("disclosure is counts or turnout_only").field("disclosure"))?
    };
    let duration = match input.duration_minutes {
        None | Some(0) => None,
        Some(m) if m <= 24 * 60 => Some(chrono::Duration::minutes(i64::from(m))),
        Some(_) => {
            return Err(Failure::bad_request("a poll lasts at most 1440 minutes").field("duration_minutes"));
        }
    };
    // Empty titles default to the subject's own.
    let (mut title, mut title_en) = (input.title.trim().to_owned(), input.title_en.trim().to_owned());
    let (dz, de) = match &subject {
        PollSubject::Agenda => (
            Lang::Zh.t("plenary.open.agenda_title").to_owned(),
            Lang::En.t("plenary.open.agenda_title").to_owned(),
        ),
        PollSubject::Item(n) => a
            .meetings
            .get(&meeting)
            .and_then(|m| a.sessions.get(&m.session))
            .and_then(|s| s.agenda.iter().find(|i| i.number == *n))
            .map(|i| (i.title.clone(), i.title_en.clone()))
            .unwrap_or_default(),
    };
    if title.is_empty() {
        title = dz;
    }
    if title_en.is_empty() {
        title_en = de;
    }
    let custody = parse_custody(&input.custody, mode == VoteMode::Secret)?;
    Ok(PollRequest { meeting, subject, title, title_en, rule, mode, disclosure, duration, custody })
}

// ---- opinions ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpinionView {
    pub meeting: String,
    pub session: String,
    pub item: u32,
    pub item_title: String,
    pub member: String,
    pub name: String,
    pub group: String,
    pub group_name: String,
    pub text: String,
}

fn item_title(a: &Assembly, session: SessionKey, item: u32, lang: Lang) -> String {
    a.sessions
        .get(&session)
        .and_then(|s| s.agenda.iter().find(|i| i.number == item))
        .map(|i| lang.pick(&i.title, &i.title_en).to_owned())
        .unwrap_or_default()
}

/// Opinions, in the order agenda item, delegation, as voiced.
pub fn opinions(
    a: &Assembly,
    lang: Lang,
    keep: impl Fn(&plenum_domain::assembly::Opinion) -> bool,
) -> Vec<OpinionView> {
    let mut v: Vec<(usize, OpinionView)> = a
        .opinions
        .iter()
        .enumerate()
        .filter(|(_, o)| keep(o))
        .map(|(i, o)| {
            let m = a.members.get(&o.member);
            let group = m.map(|m| m.group.clone());
            (
                i,
                OpinionView {
                    meeting: o.meeting.to_string(),
                    session: o.session.to_string(),
                    item: o.item,
                    item_title: item_title(a, o.session, o.item, lang),
                    member: o.member.to_string(),
                    name: m.map(|m| m.name.clone()).unwrap_or_default(),
                    group: group.as_ref().map(ToString::to_string).unwrap_or_default(),
                    group_name: group.as_ref().map(|g| group_label(a, g, lang)).unwrap_or_default(),
                    text: o.text.clone(),
                },
            )
        })
        .collect();
    v.sort_by(|(i, x), (j, y)| (x.item, &x.group, i).cmp(&(y.item, &y.group, j)));
    v.into_iter().map(|(_, o)| o).collect()
}

// ---- forms --------------------------------------------------------------------------------

/// A URL-encoded form body, fields in order (a field may repeat: check boxes).
pub(crate) struct FormData(Vec<(String, String)>);

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FormData {
    pub(crate) fn parse(body: &[u8]) -> FormData {
        let s = String::from_utf8_lossy(body);
        FormData(
            s.split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (url_decode(k), url_decode(v))
                })
                .collect(),
        )
    }
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub(crate) fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").to_owned()
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
    fn number(&self, name: &str) -> Result<Option<u32>, Failure> {
        match self.get(name).map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                Failure::bad_request(format!("{name} must be a whole number")).field(name.to_owned())
            }),
        }
    }
}

// ---- pages: plumbing ----------------------------------------------------------------------

pub(crate) type PageResult = Result<Response, PageError>;

/// A failure as a page (which puts the rules' messages in the reader's language).
pub(crate) fn page_error(f: impl Into<Failure>, lang: Lang) -> PageError {
    PageError(f.into(), lang)
}

pub(crate) fn not_found(lang: Lang) -> PageError {
    PageError(Failure::not_found(lang.t("error.not_found")), lang)
}

pub(crate) fn assembly_id(id: &str, lang: Lang) -> Result<AssemblyId, PageError> {
    AssemblyId::parse(id).map_err(|_| not_found(lang))
}

pub(crate) fn load(web: &Web, id: &AssemblyId, lang: Lang) -> Result<Arc<Assembly>, PageError> {
    web.app.assembly(id).ok_or_else(|| not_found(lang))
}

fn meeting_id(s: &str, lang: Lang) -> Result<MeetingId, PageError> {
    MeetingId::parse(s).map_err(|_| not_found(lang))
}

/// A fresh idempotency key for a form.
pub(crate) fn fresh_key() -> String {
    crate::auth::random_token()
        .map_or_else(|_| format!("t{}", Utc::now().timestamp_micros()), |t| t[..24.min(t.len())].to_owned())
}

/// A local path to go back to, if the form gave a safe one.
fn back_to(f: &FormData, default: String) -> String {
    match f.get("back") {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.to_owned(),
        _ => default,
    }
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The confirmation shown after a form was handled.
fn done_message(done: Option<&str>, lang: Lang) -> Option<&'static str> {
    let key = match done? {
        "checked_in" => "plenary.done.checked_in",
        "hall_code_on" => "plenary.done.hall_code_on",
        "hall_code_off" => "plenary.done.hall_code_off",
        "bulk" => "plenary.done.bulk",
        "leave" => "plenary.done.leave",
        "opinion" => "plenary.done.opinion",
        "opened" => "plenary.done.opened",
        "totals" => "plenary.done.totals",
        "confirmed" => "plenary.done.confirmed",
        "closed" => "plenary.done.closed",
        "share" => "plenary.done.share",
        "void" => "plenary.done.void",
        "sealed-on-device" => "plenary.done.sealed_on_device",
        _ => return None,
    };
    Some(lang.t(key))
}

// ---- pages: meetings ----------------------------------------------------------------------

pub struct MeetingRow {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub state_class: String,
    pub starts_at: String,
    pub present: u32,
}

fn meeting_row(a: &Assembly, m: &Meeting, lang: Lang) -> MeetingRow {
    MeetingRow {
        id: m.id.to_string(),
        title: lang.pick(&m.title, &m.title_en).to_owned(),
        kind: meeting_kind_label(m.kind, lang),
        state: meeting_state_label(m.state, lang),
        state_class: snake(&m.state),
        starts_at: local_time(&m.starts_at),
        present: plenum_domain::present_count(a, &m.id),
    }
}

#[derive(Template)]
#[template(path = "plenary_meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    sessions: Vec<(String, String, Vec<MeetingRow>)>,
}

pub async fn meetings(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let mut sessions = Vec::new();
    for s in a.sessions.values().rev() {
        let rows: Vec<MeetingRow> = meetings_in_order(&a)
            .into_iter()
            .filter(|m| m.session == s.key)
            .map(|m| meeting_row(&a, m, lang))
            .collect();
        sessions.push((s.key.to_string(), lang.pick(&s.title, &s.title_en).to_owned(), rows));
    }
    let page = MeetingsPage {
        chrome: Chrome::new(&c, lang.t("plenary.meetings.title"), &format!("/assemblies/{id}/meetings")),
        a: card(&id, &a, lang),
        sessions,
    };
    render(&page, lang)
}

pub struct PollRow {
    pub number: u32,
    pub title: String,
    pub subject: String,
    pub mode: &'static str,
    pub open: bool,
    pub state: &'static str,
    pub turnout: u32,
    pub electorate: u32,
    pub verdict: Option<&'static str>,
    pub adopted: bool,
}

fn state_label(state: PollState, lang: Lang) -> &'static str {
    lang.t(match state {
        PollState::Open => "plenary.poll.open",
        PollState::Counting => "plenary.poll.counting",
        PollState::Closed => "plenary.poll.closed",
        PollState::Void => "plenary.poll.void",
    })
}

fn poll_row(a: &Assembly, p: &Poll, lang: Lang) -> PollRow {
    let v = poll_view(a, p, lang, false, None);
    PollRow {
        number: p.number,
        title: lang.pick(&p.title, &p.title_en).to_owned(),
        subject: v.subject_title,
        mode: mode_label(p.mode, lang),
        open: p.state == PollState::Open,
        state: state_label(p.state, lang),
        turnout: v.turnout,
        electorate: p.electorate,
        verdict: p
            .result
            .as_ref()
            .map(|r| lang.t(if r.adopted { "plenary.result.adopted" } else { "plenary.result.rejected" })),
        adopted: p.result.as_ref().is_some_and(|r| r.adopted),
    }
}

pub struct DeskRow {
    pub id: String,
    pub name: String,
    pub group: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub present: bool,
}

pub struct OpinionRow {
    pub item: String,
    pub name: String,
    pub text: String,
}

/// The open-poll form's choices.
pub struct OpenForm {
    /// (value, label, selected)
    pub subjects: Vec<(String, String, bool)>,
    pub agenda: bool,
    pub default_title: String,
    pub default_title_en: String,
    pub default_mode: &'static str,
    pub default_rule: &'static str,
}

#[derive(Template)]
#[template(path = "plenary_meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    m: MeetingRow,
    att: AttendanceView,
    done: Option<&'static str>,
    /// The caller as a member of this meeting: (member id, presence).
    me: Option<(String, &'static str)>,
    can_self_check_in: bool,
    /// Members check themselves in with the hall's code.
    hall_code: bool,
    /// The code now and the seconds until it changes, for the secretariat.
    hall_code_now: Option<(String, i64)>,
    staff: bool,
    open: bool,
    polls: Vec<PollRow>,
    q: String,
    results: Vec<DeskRow>,
    open_form: Option<OpenForm>,
    delegation: bool,
    opinions: Vec<OpinionRow>,
    report_items: Vec<(u32, String)>,
    speakers: Vec<(String, String)>,
    can_speak: bool,
    self_key: String,
    session_key: String,
}

#[derive(Template)]
#[template(path = "plenary_attendance.html")]
struct AttendancePartial {
    chrome: Chrome,
    att: AttendanceView,
}

#[derive(Deserialize, Default)]
pub struct MeetingQuery {
    partial: Option<String>,
    q: Option<String>,
    done: Option<String>,
}

fn presence_label(p: Presence, lang: Lang) -> (&'static str, &'static str) {
    match p {
        Presence::Present => (lang.t("plenary.present"), "present"),
        Presence::Excused => (lang.t("plenary.excused"), "excused"),
        Presence::Absent => (lang.t("plenary.absent"), "absent"),
    }
}

pub async fn meeting(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    Query(q): Query<MeetingQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let staff = c.is(STAFF);
    let path = format!("/assemblies/{id}/meetings/{mid}");
    if q.partial.as_deref() == Some("attendance") {
        let (title, att) = web
            .app
            .read(&id, |a| {
                let m = a.meetings.get(&mid)?;
                Some((lang.pick(&m.title, &m.title_en).to_owned(), attendance_view(a, m, lang, staff)))
            })
            .flatten()
            .ok_or_else(|| not_found(lang))?;
        return render(&AttendancePartial { chrome: Chrome::new(&c, title, &path), att }, lang);
    }
    let a = load(&web, &id, lang)?;
    let m = a.meetings.get(&mid).ok_or_else(|| not_found(lang))?;
    let mut chrome = Chrome::new(&c, lang.pick(&m.title, &m.title_en), &path);
    chrome.live = Some(id.to_string());
    let att = attendance_view(&a, m, lang, staff);
    let open = takes_attendance(&a, m);
    let me_member = attendee(&a, m, &c, &id);
    let me = me_member.map(|x| (x.id.to_string(), presence_label(presence(m, x), lang).0));
    let can_self_check_in = open && me_member.is_some_and(|x| presence(m, x) != Presence::Present);
    let query = q.q.clone().unwrap_or_default();
    let results = if staff && !query.trim().is_empty() {
        expected(&a, m)
            .filter(|x| pages::matches_search(x, &query) || x.id.as_str() == query.trim())
            .take(SEARCH_LIMIT)
            .map(|x| {
                let p = presence(m, x);
                let (status, status_class) = presence_label(p, lang);
                DeskRow {
                    id: x.id.to_string(),
                    name: x.name.clone(),
                    group: group_label(&a, &x.group, lang),
                    status,
                    status_class,
                    present: p == Presence::Present,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let session = a.sessions.get(&m.session);
    let can_open =
        staff && m.state == MeetingState::InProgress && decides_at(&a, m) && a.open_poll().is_none();
    let open_form = if can_open { session } else { None };
    let open_form = open_form.map(|s| {
        let mut subjects = Vec::new();
        if !s.agenda_adopted {
            subjects.push(("agenda".to_owned(), lang.t("plenary.subject.agenda").to_owned(), true));
        } else {
            let current = s.agenda.iter().find(|i| i.state == ItemState::InProgress).map(|i| i.number);
            for i in &s.agenda {
                let label = lang
                    .t("plenary.subject.item")
                    .replace("{n}", &i.number.to_string())
                    .replace("{title}", lang.pick(&i.title, &i.title_en));
                subjects.push((i.number.to_string(), label, Some(i.number) == current));
            }
        }
        OpenForm {
            agenda: !s.agenda_adopted,
            default_title: if s.agenda_adopted {
                String::new()
            } else {
                Lang::Zh.t("plenary.open.agenda_title").to_owned()
            },
            default_title_en: if s.agenda_adopted {
                String::new()
            } else {
                Lang::En.t("plenary.open.agenda_title").to_owned()
            },
            default_mode: if s.agenda_adopted { "named" } else { "show_of_hands" },
            default_rule: if is_congress(&a) { "cn-people-congress" } else { "roberts-rules" },
            subjects,
        }
    });
    let delegation = m.kind == MeetingKind::Delegation;
    let opinions_here: Vec<OpinionRow> = if delegation {
        opinions(&a, lang, |o| o.meeting == mid)
            .into_iter()
            .map(|o| OpinionRow { item: o.item_title, name: o.name, text: o.text })
            .collect()
    } else {
        Vec::new()
    };
    let report_items: Vec<(u32, String)> = session
        .map(|s| {
            s.agenda
                .iter()
                .filter(|i| i.kind == ItemKind::Report)
                .map(|i| (i.number, lang.pick(&i.title, &i.title_en).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let speakers: Vec<(String, String)> = if staff && delegation {
        expected(&a, m).map(|x| (x.id.to_string(), x.name.clone())).collect()
    } else {
        Vec::new()
    };
    let can_speak = delegation && open && (staff || me_member.is_some());
    let polls = a.polls.values().rev().filter(|p| p.meeting == mid).map(|p| poll_row(&a, p, lang)).collect();
    let hall_code_now = if staff && open && m.hall_code {
        let (code, left) = hall_code::current(&web, &id, &mid).await.map_err(|e| page_error(e, lang))?;
        Some((hall_code::spaced(&code), left))
    } else {
        None
    };
    let page = MeetingPage {
        hall_code: m.hall_code,
        hall_code_now,
        a: card(&id, &a, lang),
        m: meeting_row(&a, m, lang),
        att,
        done: done_message(q.done.as_deref(), lang),
        me,
        can_self_check_in,
        staff,
        open,
        polls,
        q: query,
        results,
        open_form,
        delegation,
        opinions: opinions_here,
        report_items,
        speakers,
        can_speak,
        self_key: fresh_key(),
        session_key: m.session.to_string(),
        chrome,
    };
    render(&page, lang)
}

/// Runs a command for a page and goes back; a refusal is shown as an error page.
async fn run(
    web: &Web,
    c: &Caller,
    id: &AssemblyId,
    cmd: Command,
    key: Option<String>,
) -> Result<plenum_app::Receipt, PageError> {
    web.app.execute(id, &c.actor(), cmd, key).await.map_err(|e| page_error(e, c.lang))
}

pub async fn check_in(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let (member, desk) = resolve_member(&c, &id, f.get("member")).map_err(|e| page_error(e, lang))?;
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    // A refusal about the hall's code goes back to the check-in page, which says why
    // beside the code's field, ready for another try.
    let retry = |e: Failure| match e.body.rule.as_deref().and_then(CheckInRetry::of_rule) {
        Some(r) => Ok(see_other(&format!("/assemblies/{id}/meetings/{mid}/check-in?retry={}", r.key()))),
        None => Err(page_error(e, lang)),
    };
    let method = match hall_code::check_in_method(&web, &id, &mid, &member, desk, f.get("hall_code")).await {
        Ok(m) => m,
        Err(e) => return retry(e),
    };
    let cmd = Command::CheckIn { meeting: mid.clone(), member, method };
    if let Err(e) = web.app.execute(&id, &c.actor(), cmd, key).await {
        return retry(Failure::from(e));
    }
    Ok(see_other(&back_to(&f, format!("/assemblies/{id}/meetings/{mid}?done=checked_in"))))
}

/// Why the check-in page is shown again: a refusal about the hall's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckInRetry {
    Needed,
    Wrong,
    Attempts,
    Locked,
}

impl CheckInRetry {
    const ALL: [CheckInRetry; 4] = [Self::Needed, Self::Wrong, Self::Attempts, Self::Locked];

    fn rule(self) -> &'static str {
        match self {
            Self::Needed => "attendance.hall_code",
            Self::Wrong => "attendance.hall_code_wrong",
            Self::Attempts => "attendance.hall_code_attempts",
            Self::Locked => "attendance.hall_code_locked",
        }
    }

    fn key(self) -> &'static str {
        self.rule().trim_start_matches("attendance.")
    }

    fn of_rule(rule: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.rule() == rule)
    }

    fn of_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The message, as the rule's error reads in the caller's language.
    fn message(self, lang: Lang) -> &'static str {
        lang.t(match self {
            Self::Needed => "plenary.err.attendance.hall_code",
            Self::Wrong => "plenary.err.attendance.hall_code_wrong",
            Self::Attempts => "plenary.err.attendance.hall_code_attempts",
            Self::Locked => "plenary.err.attendance.hall_code_locked",
        })
    }
}

#[derive(Template)]
#[template(path = "check_in.html")]
struct CheckInPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    m: MeetingRow,
    /// The caller is expected at the meeting and not checked in yet.
    can_check_in: bool,
    present: bool,
    hall_code: bool,
    /// The code from the hall's QR code, to fill in.
    given: String,
    key: String,
    /// Why the page is shown again, if it is.
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct CheckInQuery {
    hall_code: Option<String>,
    retry: Option<String>,
}

/// The page a phone opens from the hall's QR code (扫码签到): the meeting, and one button
/// that checks the member in, the code already filled in. A visitor logs in first and
/// comes back here.
pub async fn check_in_page(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    Query(q): Query<CheckInQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let a = load(&web, &id, lang)?;
    let m = a.meetings.get(&mid).ok_or_else(|| not_found(lang))?;
    let open = takes_attendance(&a, m);
    let me = attendee(&a, m, &c, &id);
    let present = me.is_some_and(|x| presence(m, x) == Presence::Present);
    // Only digits and spaces are carried into the form.
    let given: String = q
        .hall_code
        .unwrap_or_default()
        .chars()
        .filter(|ch| ch.is_ascii_digit() || *ch == ' ')
        .take(8)
        .collect();
    let path = format!("/assemblies/{id}/meetings/{mid}/check-in");
    let page = CheckInPage {
        chrome: Chrome::new(&c, lang.pick(&m.title, &m.title_en), &path),
        a: card(&id, &a, lang),
        m: meeting_row(&a, m, lang),
        can_check_in: open && me.is_some() && !present,
        present,
        hall_code: m.hall_code,
        given,
        key: fresh_key(),
        error: q.retry.as_deref().and_then(CheckInRetry::of_key).map(|r| r.message(lang)),
    };
    render(&page, lang)
}

/// The secretariat requires the hall's code for members' own check-in, or stops
/// requiring it. The meeting's key is made first, so the code can be shown at once.
pub async fn require_hall_code(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let required = match f.get("required") {
        Some("1") => true,
        Some("0") => false,
        _ => {
            return Err(page_error(Failure::bad_request("required must be 1 or 0").field("required"), lang));
        }
    };
    if required {
        hall_code::key(&web, &id, &mid, true).await.map_err(|e| page_error(e, lang))?;
    }
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    run(&web, &c, &id, Command::RequireHallCode { meeting: mid.clone(), required }, key).await?;
    let done = if required { "hall_code_on" } else { "hall_code_off" };
    Ok(see_other(&format!("/assemblies/{id}/meetings/{mid}?done={done}")))
}

#[derive(Template)]
#[template(path = "hall_code.html")]
struct HallCodePage {
    chrome: Chrome,
    assembly: String,
    meeting: String,
    meeting_path: String,
    /// The code now ("482 913"), if the meeting requires one.
    code: Option<String>,
    /// Seconds until the code changes (the page reloads then).
    seconds: i64,
    /// "427 of 438 checked in", kept live by `static/live.js`.
    count: String,
    assembly_id: String,
    /// The check-in link with this minute's code, as a QR code (inline SVG).
    qr: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct HallCodeQuery {
    partial: Option<String>,
}

/// The hall's screen for check-in: the code of this minute, large, reloading itself
/// when the code changes (no script needed). For the secretariat only.
pub async fn hall_code_page(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    Query(q): Query<HallCodeQuery>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let a = load(&web, &id, lang)?;
    let m = a.meetings.get(&mid).ok_or_else(|| not_found(lang))?;
    let meeting_path = format!("/assemblies/{id}/meetings/{mid}");
    let att = attendance_view(&a, m, lang, false);
    let count = lang
        .t("plenary.hall_code.present")
        .replace("{present}", &att.present.to_string())
        .replace("{members}", &att.members.to_string());
    if q.partial.as_deref() == Some("count") {
        return Ok(Html(format!("<p>{count}</p>")).into_response());
    }
    let (code, seconds, qr) = if m.hall_code {
        let (code, left) = hall_code::current(&web, &id, &mid).await.map_err(|e| page_error(e, lang))?;
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let link = hall_code::check_in_link(web.config.secure_cookies, host, &id, &mid, &code);
        let qr = hall_code::qr_svg(&link).map_err(|e| page_error(e, lang))?;
        (Some(hall_code::spaced(&code)), left, Some(qr))
    } else {
        // Looked at again in a minute, in case the requirement is turned on.
        (None, hall_code::WINDOW_SECS, None)
    };
    let page = HallCodePage {
        chrome: Chrome::new(&c, lang.t("plenary.hall_code.title"), &format!("{meeting_path}/hall-code")),
        assembly: lang.pick(&a.name, &a.name_en).to_owned(),
        meeting: lang.pick(&m.title, &m.title_en).to_owned(),
        meeting_path,
        code,
        seconds: seconds.max(1),
        count,
        assembly_id: id.to_string(),
        qr,
    };
    render(&page, lang)
}

/// The members a bulk check-in names: those ticked, else a whole delegation, else
/// everyone still absent.
pub(crate) fn bulk_members(
    a: &Assembly,
    m: &Meeting,
    group: Option<&str>,
    listed: &[&str],
) -> Result<Vec<MemberId>, Failure> {
    if !listed.is_empty() {
        return listed
            .iter()
            .map(|s| {
                MemberId::parse(s.trim()).map_err(|e| Failure::bad_request(e.to_string()).field("members"))
            })
            .collect();
    }
    let group = match group.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => Some(GroupId::parse(g).map_err(|e| Failure::bad_request(e.to_string()).field("group"))?),
        None => None,
    };
    if let Some(g) = &group {
        if !a.groups.contains_key(g) {
            return Err(Failure::bad_request(format!("no group {g}")).field("group"));
        }
    }
    Ok(expected(a, m)
        .filter(|x| group.as_ref().is_none_or(|g| &x.group == g))
        .filter(|x| presence(m, x) == Presence::Absent)
        .map(|x| x.id.clone())
        .collect())
}

pub async fn bulk_check_in(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let a = load(&web, &id, lang)?;
    let m = a.meetings.get(&mid).ok_or_else(|| not_found(lang))?;
    let listed = f.all("members");
    if f.get("scope") == Some("selected") && listed.is_empty() {
        return Err(page_error(
            Failure::bad_request(lang.t("plenary.select_someone")).field("members"),
            lang,
        ));
    }
    let members = bulk_members(&a, m, f.get("group"), &listed).map_err(|e| page_error(e, lang))?;
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    run(&web, &c, &id, Command::CheckInMany { meeting: mid.clone(), members }, key).await?;
    Ok(see_other(&format!("/assemblies/{id}/meetings/{mid}?done=bulk")))
}

pub async fn leave(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let member = MemberId::parse(f.text("member").trim())
        .map_err(|e| page_error(Failure::bad_request(e.to_string()).field("member"), lang))?;
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    run(&web, &c, &id, Command::RecordLeave { meeting: mid.clone(), member, reason: f.text("reason") }, key)
        .await?;
    Ok(see_other(&format!("/assemblies/{id}/meetings/{mid}?done=leave")))
}

pub async fn record_opinion(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let (member, _) = resolve_member(&c, &id, f.get("member")).map_err(|e| page_error(e, lang))?;
    let item = f
        .number("item")
        .and_then(|n| n.ok_or_else(|| Failure::bad_request("choose the agenda item").field("item")))
        .map_err(|e| page_error(e, lang))?;
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    run(
        &web,
        &c,
        &id,
        Command::RecordOpinion { meeting: mid.clone(), item, member, text: f.text("text") },
        key,
    )
    .await?;
    Ok(see_other(&format!("/assemblies/{id}/meetings/{mid}?done=opinion#opinions")))
}

pub(crate) fn open_input_from_form(meeting: &MeetingId, f: &FormData) -> Result<OpenPollInput, Failure> {
    Ok(OpenPollInput {
        meeting: meeting.to_string(),
        subject: f.text("subject"),
        title: f.text("title"),
        title_en: f.text("title_en"),
        rule: f.text("rule"),
        base: f.text("base"),
        threshold: f.text("threshold"),
        numerator: f.number("numerator")?,
        denominator: f.number("denominator")?,
        ties: f.text("ties"),
        mode: f.text("mode"),
        disclosure: f.text("disclosure"),
        duration_minutes: f.number("duration_minutes")?,
        custody: f.text("custody"),
    })
}

pub async fn open_poll(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, meeting)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let mid = meeting_id(&meeting, lang)?;
    let a = load(&web, &id, lang)?;
    let input = open_input_from_form(&mid, &f).map_err(|e| page_error(e, lang))?;
    let rule = parse_rule(&input).map_err(|e| page_error(e, lang))?;
    let req = poll_request(&a, &input, rule).map_err(|e| page_error(e, lang))?;
    let (n, _) = web.app.open_poll(&id, &c.actor(), req).await.map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=opened")))
}

// ---- pages: polls ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plenary_polls.html")]
struct PollsPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    polls: Vec<PollRow>,
}

pub async fn polls(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let page = PollsPage {
        chrome: Chrome::new(&c, lang.t("plenary.polls.title"), &format!("/assemblies/{id}/polls")),
        polls: a.polls.values().rev().map(|p| poll_row(&a, p, lang)).collect(),
        a: card(&id, &a, lang),
    };
    render(&page, lang)
}

/// What the poll page and its live fragment show.
pub struct PollDisplay {
    pub v: PollView,
    pub title: String,
    pub open: bool,
    pub state: &'static str,
    pub mode: &'static str,
    pub disclosure: &'static str,
    pub secret: bool,
    pub named: bool,
    pub manual: bool,
    pub opened_at: String,
    pub closes_at: Option<String>,
    /// RFC 3339, for the countdown script.
    pub deadline: Option<String>,
    pub remaining: String,
    pub counts: Option<(u32, u32, u32)>,
    pub verdict: Option<&'static str>,
    pub my_choice: Option<&'static str>,
    pub percent: u32,
    /// Not voted, by delegation: (delegation, names).
    pub missing: Vec<(String, Vec<(String, bool)>)>,
    pub missing_count: usize,
    pub delegations: Vec<DelegationResult>,
    /// Closed to ballots, waiting for the tellers' shares.
    pub counting: bool,
    /// The caller is a teller of this counting poll whose share is not in yet.
    pub my_share_due: bool,
    /// Tellers' shares in, of all.
    pub shares_in: (usize, usize),
    /// An open secret poll's public key, for the browser to seal the ballot with.
    pub seal_key: Option<String>,
}

/// Time left as m:ss (or h:mm:ss).
fn remaining(until: DateTime<Utc>) -> String {
    let s = (until - Utc::now()).num_seconds().max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

pub fn poll_display(a: &Assembly, p: &Poll, lang: Lang, staff: bool, me: Option<&MemberId>) -> PollDisplay {
    display_of(a, p, lang, staff, me, Detail::Full)
}

fn display_of(
    a: &Assembly,
    p: &Poll,
    lang: Lang,
    staff: bool,
    me: Option<&MemberId>,
    detail: Detail,
) -> PollDisplay {
    let v = poll_view_of(a, p, lang, staff, me, detail);
    let open = p.state == PollState::Open;
    let mut missing: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    let missing_count = v.not_voted.as_ref().map_or(0, Vec::len);
    for n in v.not_voted.iter().flatten() {
        match missing.last_mut() {
            Some((g, names)) if *g == n.group_name => names.push((n.name.clone(), n.present)),
            _ => missing.push((n.group_name.clone(), vec![(n.name.clone(), n.present)])),
        }
    }
    let delegations = v.delegations.clone().unwrap_or_default();
    let percent =
        if p.electorate == 0 { 0 } else { (u64::from(v.turnout) * 100 / u64::from(p.electorate)) as u32 };
    PollDisplay {
        title: lang.pick(&p.title, &p.title_en).to_owned(),
        open,
        state: state_label(p.state, lang),
        mode: mode_label(p.mode, lang),
        disclosure: disclosure_label(p.disclosure, lang),
        secret: p.mode == VoteMode::Secret,
        named: p.mode == VoteMode::Named,
        manual: !p.mode.is_electronic(),
        opened_at: local_time(&p.opened_at),
        closes_at: p.closes_at.as_ref().map(local_time),
        deadline: p.closes_at.filter(|_| open).map(|c| c.to_rfc3339()),
        remaining: p.closes_at.map(remaining).unwrap_or_default(),
        counts: v.counts.map(|c| (c.yes, c.no, c.abstain)),
        verdict: v
            .result
            .as_ref()
            .map(|r| lang.t(if r.adopted { "plenary.result.adopted" } else { "plenary.result.rejected" })),
        my_choice: v
            .me
            .as_ref()
            .and_then(|m| m.choice.as_deref())
            .and_then(parse_choice)
            .map(|c| choice_label(c, lang)),
        percent,
        missing,
        missing_count,
        delegations,
        counting: p.state == PollState::Counting,
        shares_in: (p.shares.len(), p.tellers.len()),
        my_share_due: p.state == PollState::Counting
            && me.is_some_and(|m| p.tellers.contains(m) && !p.shares.contains_key(m)),
        seal_key: p.public_key.clone().filter(|_| open && p.mode == VoteMode::Secret),
        v,
    }
}

#[derive(Template)]
#[template(path = "plenary_poll.html")]
struct PollPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    d: PollDisplay,
    done: Option<&'static str>,
    staff: bool,
    chair: bool,
    key: String,
    path: String,
    entered_by_me: bool,
}

#[derive(Template)]
#[template(path = "plenary_poll_live.html")]
struct PollLive {
    chrome: Chrome,
    d: PollDisplay,
}

#[derive(Template)]
#[template(path = "plenary_vote.html")]
struct VotePartial {
    chrome: Chrome,
    a: pages::AssemblyCard,
    d: PollDisplay,
    key: String,
    path: String,
}

#[derive(Deserialize, Default)]
pub struct PollQuery {
    partial: Option<String>,
    done: Option<String>,
}

pub async fn poll(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    Query(q): Query<PollQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let staff = c.is(STAFF);
    let own = own_member(&c, &id);
    let actor = c.actor();
    // Read in place: this page is refreshed by every open phone during a vote.
    let (d, a, entered_by_me) = web
        .app
        .read(&id, |a| {
            let p = a.polls.get(&n)?;
            let mine = p.entered.as_ref().is_some_and(|(_, by)| *by == actor);
            // The phone's vote form needs no roll of the whole assembly.
            let detail = if q.partial.as_deref() == Some("vote") { Detail::Summary } else { Detail::Full };
            Some((display_of(a, p, lang, staff, own.as_ref(), detail), card(&id, a, lang), mine))
        })
        .flatten()
        .ok_or_else(|| not_found(lang))?;
    let path = format!("/assemblies/{id}/polls/{n}");
    let mut chrome = Chrome::new(&c, d.title.clone(), &path);
    chrome.live = Some(id.to_string());
    match q.partial.as_deref() {
        Some("live") => return render(&PollLive { chrome, d }, lang),
        Some("vote") => return render(&VotePartial { chrome, a, d, key: fresh_key(), path }, lang),
        _ => {}
    }
    let page = PollPage {
        a,
        d,
        done: done_message(q.done.as_deref(), lang),
        staff,
        chair: c.is(CHAIR),
        key: fresh_key(),
        path,
        entered_by_me,
        chrome,
    };
    render(&page, lang)
}

pub async fn vote(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let member = own_member(&c, &id).ok_or_else(|| page_error(not_a_member(), lang))?;
    let cast = Cast::of(f.get("choice"), f.get("sealed")).map_err(|e| page_error(e, lang))?;
    let on_device = matches!(cast, Cast::Sealed(_));
    let key = command_key(&c, f.get("command_id")).map_err(|e| page_error(e, lang))?;
    cast.record(&web.app, &id, &c.actor(), n, member, key).await.map_err(|e| page_error(e, lang))?;
    let done = if on_device { "?done=sealed-on-device" } else { "" };
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}{done}#vote")))
}

/// Reads the three counts of a totals form.
pub(crate) fn totals_from(f: &FormData) -> Result<Totals, Failure> {
    let get = |k: &str| f.number(k).map(|n| n.unwrap_or(0));
    Ok(Totals { yes: get("yes")?, no: get("no")?, abstain: get("abstain")? })
}

pub async fn enter_totals(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let lang = c.lang;
    let f = FormData::parse(&body);
    let id = assembly_id(&id, lang)?;
    let totals = totals_from(&f).map_err(|e| page_error(e, lang))?;
    run(&web, &c, &id, Command::EnterTotals { poll: n, totals, by: c.actor() }, None).await?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=totals")))
}

pub async fn confirm_totals(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    run(&web, &c, &id, Command::ConfirmTotals { poll: n, by: c.actor() }, None).await?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=confirmed")))
}

pub async fn close_poll(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    web.app.close_poll(&id, &c.actor(), n).await.map_err(|e| page_error(e, lang))?;
    Ok(see_other(&format!("/assemblies/{id}/polls/{n}?done=closed")))
}

// ---- pages: opinions ---------------------------------------------------------------------

/// Opinions on one item: (item title, [(delegation, [(name, text)])]).
pub type OpinionGroups = Vec<(String, Vec<(String, Vec<(String, String)>)>)>;

fn group_opinions(rows: &[OpinionView]) -> OpinionGroups {
    let mut out: OpinionGroups = Vec::new();
    let mut last_item = None;
    for o in rows {
        if last_item != Some(o.item) {
            last_item = Some(o.item);
            out.push((format!("{}. {}", o.item, o.item_title), Vec::new()));
        }
        if let Some((_, groups)) = out.last_mut() {
            match groups.last_mut() {
                Some((g, list)) if *g == o.group_name => list.push((o.name.clone(), o.text.clone())),
                _ => groups.push((o.group_name.clone(), vec![(o.name.clone(), o.text.clone())])),
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "plenary_opinions.html")]
struct OpinionsPage {
    chrome: Chrome,
    a: pages::AssemblyCard,
    session_key: String,
    session_title: String,
    groups: OpinionGroups,
    count: usize,
    staff: bool,
}

#[derive(Template)]
#[template(path = "plenary_opinions_print.html")]
struct OpinionsPrint {
    chrome: Chrome,
    a: pages::AssemblyCard,
    session_title: String,
    groups: OpinionGroups,
    count: usize,
}

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    print: Option<u8>,
}

fn session_key(s: &str, lang: Lang) -> Result<SessionKey, PageError> {
    SessionKey::parse(s).map_err(|_| not_found(lang))
}

pub async fn session_opinions(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
    Query(q): Query<PrintQuery>,
) -> PageResult {
    let lang = c.lang;
    let (id, key, a) = session_of(&web, &id, &session, lang)?;
    // `session_of` found it.
    let s = &a.sessions[&key];
    let rows = opinions(&a, lang, |o| o.session == key);
    let chrome = Chrome::new(
        &c,
        lang.t("plenary.opinions.title"),
        &format!("/assemblies/{id}/sessions/{key}/opinions"),
    );
    let session_title = lang.pick(&s.title, &s.title_en).to_owned();
    if q.print == Some(1) {
        let page = OpinionsPrint {
            chrome,
            a: card(&id, &a, lang),
            session_title,
            count: rows.len(),
            groups: group_opinions(&rows),
        };
        return render(&page, lang);
    }
    let page = OpinionsPage {
        chrome,
        a: card(&id, &a, lang),
        session_key: key.to_string(),
        session_title,
        count: rows.len(),
        groups: group_opinions(&rows),
        staff: c.is(STAFF),
    };
    render(&page, lang)
}

pub async fn opinions_csv_file(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
) -> PageResult {
    let lang = c.lang;
    let (id, key, a) = session_of(&web, &id, &session, lang)?;
    let csv = reports::opinions_csv(&a, key, report_lang(lang))
        .map_err(|e| page_error(Failure::internal(e), lang))?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("attachment; filename=\"opinions-{id}-{key}.csv\""),
        csv.into_bytes(),
    ))
}

/// The deliberation summary as an A4 PDF; unavailable (503) when the server has no CJK
/// font.
pub async fn opinions_pdf_file(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, session)): Path<(String, String)>,
) -> PageResult {
    let lang = c.lang;
    let (id, key, a) = session_of(&web, &id, &session, lang)?;
    let rl = report_lang(lang);
    pdf_download(lang, format!("opinions-{id}-{key}.pdf"), move || reports::opinions_pdf(&a, key, rl)).await
}

/// The assembly and session a summary page or export is asked for; not found unless
/// both exist.
pub(crate) fn session_of(
    web: &Web,
    id: &str,
    session: &str,
    lang: Lang,
) -> Result<(AssemblyId, SessionKey, Arc<Assembly>), PageError> {
    let id = assembly_id(id, lang)?;
    let key = session_key(session, lang)?;
    let a = load(web, &id, lang)?;
    if !a.sessions.contains_key(&key) {
        return Err(not_found(lang));
    }
    Ok((id, key, a))
}

pub(crate) fn report_lang(lang: Lang) -> ReportLang {
    match lang {
        Lang::Zh => ReportLang::Zh,
        Lang::En => ReportLang::En,
    }
}

/// A report made as PDF on the blocking pool (laying out and subsetting the font takes
/// a while), shown inline as `file`; unavailable (503) when the server has no CJK font
/// or the font lacks a character.
pub(crate) async fn pdf_download(
    lang: Lang,
    file: String,
    make: impl FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
) -> PageResult {
    let pdf = tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| page_error(Failure::internal(e.to_string()), lang))?
        .map_err(|e| {
            page_error(Failure::new(StatusCode::SERVICE_UNAVAILABLE, "report_unavailable", e), lang)
        })?;
    Ok(download("application/pdf", format!("inline; filename=\"{file}\""), pdf))
}

/// The fingerprints of a vote's sealed ballots as a text page: sorted, so not in the
/// order cast, one per line, and nothing that names a voter. A voter finds there the
/// fingerprint their device showed when it sealed the ballot.
pub(crate) fn fingerprint_list(fingerprints: impl Iterator<Item = String>) -> Response {
    let mut all: Vec<String> = fingerprints.collect();
    all.sort_unstable();
    let mut body = all.join("\n");
    body.push('\n');
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// A secret poll's sealed ballots, by fingerprint.
pub async fn fingerprints(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let ballots = web
        .app
        .read(&id, |a| a.polls.get(&n).filter(|p| p.mode == VoteMode::Secret).map(|p| p.sealed.clone()))
        .flatten()
        .ok_or_else(|| not_found(lang))?;
    Ok(fingerprint_list(ballots.iter().map(|b| plenum_domain::sealed::fingerprint(&[b]))))
}

pub(crate) fn download(ty: &'static str, disposition: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, ty.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A poll's report as CSV (UTF-8 with BOM), as far as the poll's disclosure allows.
pub async fn poll_report_csv(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    if !a.polls.contains_key(&n) {
        return Err(not_found(lang));
    }
    let csv = reports::poll_report_csv(&a, n, report_lang(lang))
        .map_err(|e| page_error(Failure::internal(e), lang))?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("attachment; filename=\"poll-{id}-{n}.csv\""),
        csv.into_bytes(),
    ))
}

/// A poll's report as PDF; unavailable (503) when the server has no CJK font.
pub async fn poll_report_pdf(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path((id, n)): Path<(String, u32)>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    if !a.polls.contains_key(&n) {
        return Err(not_found(lang));
    }
    let rl = report_lang(lang);
    pdf_download(lang, format!("poll-{id}-{n}.pdf"), move || reports::poll_report_pdf(&a, n, rl)).await
}

// ---- the projector ---------------------------------------------------------------------

pub struct ProjectorView {
    pub assembly: String,
    pub meeting: Option<String>,
    pub item: Option<String>,
    pub quorum: Option<QuorumView>,
    pub present: u32,
    pub members: u32,
    pub poll: Option<PollDisplay>,
    /// An election round: open (turnout), or the last counted here (the elected).
    pub election: Option<crate::elections::ProjectorElection>,
}

fn projector_view(a: &Assembly, lang: Lang) -> ProjectorView {
    // The plenary (or preparatory meeting) in progress, else any meeting in progress.
    let meeting = a
        .meetings
        .values()
        .filter(|m| m.state == MeetingState::InProgress && decides_at(a, m))
        .max_by_key(|m| m.starts_at)
        .or_else(|| a.meeting_in_progress());
    let session = meeting.and_then(|m| a.sessions.get(&m.session)).or_else(|| a.current_session());
    let item = session.and_then(|s| s.agenda.iter().find(|i| i.state == ItemState::InProgress)).map(|i| {
        lang.t("plenary.subject.item")
            .replace("{n}", &i.number.to_string())
            .replace("{title}", lang.pick(&i.title, &i.title_en))
    });
    let att = meeting.map(|m| attendance_view(a, m, lang, false));
    // The open poll; else the last one closed at this meeting, with its result.
    let poll = a
        .open_poll()
        .or_else(|| meeting.and_then(|m| a.polls.values().rev().map(|p| &**p).find(|p| p.meeting == m.id)));
    ProjectorView {
        assembly: lang.pick(&a.name, &a.name_en).to_owned(),
        meeting: meeting.map(|m| lang.pick(&m.title, &m.title_en).to_owned()),
        item,
        quorum: att.as_ref().and_then(|x| x.quorum.clone()),
        present: att.as_ref().map_or(0, |x| x.present),
        members: att.as_ref().map_or(0, |x| x.members),
        poll: poll.map(|p| display_of(a, p, lang, false, None, Detail::Summary)),
        election: crate::elections::projector(a, meeting.map(|m| &m.id), lang),
    }
}

#[derive(Template)]
#[template(path = "projector.html")]
struct ProjectorPage {
    chrome: Chrome,
    id: String,
    assembly: String,
    /// The screen's content, from the render cache.
    partial: Arc<str>,
}

#[derive(Template)]
#[template(path = "projector_partial.html")]
struct ProjectorPartial {
    chrome: Chrome,
    p: ProjectorView,
}

#[derive(Deserialize, Default)]
pub struct PartialQuery {
    partial: Option<u8>,
}

/// The hall's screen. Every screen and phone following it asks again after each
/// event, so its content is rendered once per version of the assembly (and per
/// second, for the time left of a poll) and shared: it shows nothing personal.
pub async fn projector(
    State(web): State<Web>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<PartialQuery>,
) -> PageResult {
    let lang = c.lang;
    let id = assembly_id(&id, lang)?;
    let a = load(&web, &id, lang)?;
    let mut chrome =
        Chrome::new(&c, lang.t("plenary.projector.title"), &format!("/assemblies/{id}/projector"));
    chrome.live = Some(id.to_string());
    let second = Utc::now().timestamp();
    let key = format!("projector|{id}|{}|{second}", lang.code());
    let partial = cached(
        &web,
        key,
        a.version,
        || {
            let mut neutral = Chrome::new(&Caller::public(lang), chrome.title.clone(), "");
            neutral.live = chrome.live.clone();
            ProjectorPartial { chrome: neutral, p: projector_view(&a, lang) }.render()
        },
        lang,
    )?;
    if q.partial == Some(1) {
        return Ok(Html(partial.to_string()).into_response());
    }
    let assembly = lang.pick(&a.name, &a.name_en).to_owned();
    render(&ProjectorPage { chrome, id: id.to_string(), assembly, partial }, lang)
}

// ---- the home page ----------------------------------------------------------------------

/// What the dashboard shows of a session in progress.
pub struct LiveCard {
    pub id: String,
    pub name: String,
    pub meeting: Option<(String, String)>,
    pub poll: Option<(u32, String)>,
    /// The caller's own state, when they are a member: (checked in, may check in).
    pub me_present: bool,
    pub me_can_check_in: bool,
    /// The meeting takes members' own check-in only with the hall's code.
    pub hall_code: bool,
    pub me_can_vote: bool,
    pub me_voted: bool,
    pub key: String,
    /// Polls closed to ballots and waiting for their tellers: (number, title, shares
    /// in, tellers, the caller is a teller whose share is due).
    pub counting: Vec<(u32, String, usize, usize, bool)>,
}

pub fn dashboard(web: &Web, c: &Caller) -> Vec<LiveCard> {
    let lang = c.lang;
    web.app.read_all(|p| {
        p.assemblies
            .iter()
            .filter_map(|(id, v)| {
                let a = &v.state;
                let meeting = a.meeting_in_progress();
                let poll = a.open_poll();
                let me = own_member(c, id).and_then(|m| a.members.get(&m));
                let counting: Vec<(u32, String, usize, usize, bool)> = a
                    .polls
                    .values()
                    .filter(|p| p.state == PollState::Counting)
                    .map(|p| {
                        let due =
                            me.is_some_and(|x| p.tellers.contains(&x.id) && !p.shares.contains_key(&x.id));
                        let title = lang.pick(&p.title, &p.title_en).to_owned();
                        (p.number, title, p.shares.len(), p.tellers.len(), due)
                    })
                    .collect();
                if meeting.is_none() && poll.is_none() && counting.is_empty() {
                    return None;
                }
                // The member's own meeting: the plenary, or their delegation's.
                let my_meeting = me.and_then(|x| {
                    a.meetings
                        .values()
                        .filter(|m| m.state == MeetingState::InProgress)
                        .filter(|m| m.kind != MeetingKind::Delegation || m.group.as_ref() == Some(&x.group))
                        .filter(|m| m.kind != MeetingKind::Presidium)
                        .max_by_key(|m| m.starts_at)
                });
                let shown = my_meeting.or(meeting);
                let present = match (me, shown) {
                    (Some(x), Some(m)) => m.attendance.present.contains_key(&x.id),
                    _ => false,
                };
                let ballot = match (me, poll) {
                    (Some(x), Some(p)) => poll_view_of(a, p, lang, false, Some(&x.id), Detail::Summary).me,
                    _ => None,
                };
                Some(LiveCard {
                    id: id.to_string(),
                    name: lang.pick(&a.name, &a.name_en).to_owned(),
                    meeting: shown.map(|m| (m.id.to_string(), lang.pick(&m.title, &m.title_en).to_owned())),
                    poll: poll.map(|p| (p.number, lang.pick(&p.title, &p.title_en).to_owned())),
                    me_present: present,
                    me_can_check_in: me.is_some() && my_meeting.is_some() && !present,
                    hall_code: my_meeting.is_some_and(|m| m.hall_code),
                    me_can_vote: ballot.as_ref().is_some_and(|b| b.can_vote),
                    me_voted: ballot.as_ref().is_some_and(|b| b.voted),
                    key: fresh_key(),
                    counting,
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_about_the_hall_code_returns_to_the_check_in_page_with_its_message() {
        for r in CheckInRetry::ALL {
            assert_eq!(CheckInRetry::of_rule(r.rule()), Some(r));
            assert_eq!(CheckInRetry::of_key(r.key()), Some(r));
            assert!(!r.key().contains('.'), "{}: a plain query value", r.key());
            // The message is the rule's own, in both languages.
            for lang in [Lang::Zh, Lang::En] {
                assert_eq!(r.message(lang), lang.t(&format!("plenary.err.{}", r.rule())));
            }
        }
        assert_eq!(CheckInRetry::of_rule("attendance.already"), None);
        assert_eq!(CheckInRetry::of_key("anything"), None);
    }
}
