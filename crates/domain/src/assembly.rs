//! The state of one assembly as its events leave it. `apply` never fails: events
//! are facts already checked by `decide`.

use crate::event::Event;
use crate::ids::{GroupId, MeetingId, MemberId, SessionKey};
use crate::poll::{Attendance, Poll, PollState, PollSubject};
use crate::rules::{
    AssemblyRules, BodyKind, Gender, GroupKind, ItemKind, ItemState, Level, MeetingKind, MeetingState,
    MemberStatus, Post,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One assembly body (人民代表大会, 政协委员会, or any other), with everything that
/// happened in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Assembly {
    pub founded: bool,
    pub name: String,
    pub name_en: String,
    pub kind: Option<BodyKind>,
    pub level: Option<Level>,
    pub population: Option<u64>,
    pub rules: Option<AssemblyRules>,
    pub terms: BTreeMap<u32, Term>,
    pub sessions: BTreeMap<SessionKey, Session>,
    pub groups: BTreeMap<GroupId, Group>,
    /// Shared (copy on write), so that a reader's copy of the assembly costs a few
    /// reference counts, and the projector copies only what an event changes.
    pub members: Arc<BTreeMap<MemberId, Member>>,
    pub meetings: Arc<BTreeMap<MeetingId, Meeting>>,
    pub posts: Vec<PostHolding>,
    /// Shared, so that reading a copy of the assembly does not copy every ballot.
    pub polls: Arc<BTreeMap<u32, Arc<Poll>>>,
    /// Opinions from the deliberation of reports, in the order voiced.
    pub opinions: Arc<Vec<Opinion>>,
    /// Elections by secret ballot, by number.
    #[serde(default)]
    /// Shared like `polls`: paper-ballot entries make elections the largest part.
    pub elections: Arc<BTreeMap<u32, Arc<crate::election::Election>>>,
    /// Number of events applied; equals the stream version in the journal.
    pub version: u64,
}

/// A term (届) of office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub number: u32,
    pub starts_on: NaiveDate,
}

/// A session (次) of a term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub key: SessionKey,
    pub title: String,
    pub title_en: String,
    pub opens_on: NaiveDate,
    pub closed: bool,
    pub presidium: Vec<MemberId>,
    pub secretary_general: Option<MemberId>,
    pub agenda: Vec<AgendaItem>,
    pub agenda_adopted: bool,
    /// The tellers (监票人, EL art. 43), with their published keys once registered.
    #[serde(default)]
    pub tellers: Vec<Teller>,
}

/// A teller of a session, and the key they made on their own device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Teller {
    pub member: MemberId,
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub number: u32,
    pub title: String,
    pub title_en: String,
    pub kind: ItemKind,
    pub state: ItemState,
}

/// A delegation (代表团) or sector (界别).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub kind: GroupKind,
    pub name: String,
    pub name_en: String,
}

/// A deputy (代表) or CPPCC member (委员).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub term: u32,
    pub name: String,
    pub pinyin: String,
    pub gender: Gender,
    pub birth_year: Option<u16>,
    pub group: GroupId,
    pub ethnicity: String,
    pub occupation: String,
    pub phone: Option<String>,
    pub biography: Option<String>,
    pub status: MemberStatus,
    pub history: Vec<HistoryEntry>,
}

/// One change of a member's status, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub on: NaiveDate,
    pub status: MemberStatus,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub session: SessionKey,
    pub kind: MeetingKind,
    pub group: Option<GroupId>,
    pub title: String,
    pub title_en: String,
    pub starts_at: DateTime<Utc>,
    pub state: MeetingState,
    #[serde(default)]
    pub attendance: Attendance,
    /// Members check themselves in only with the code shown in the hall (会场签到码),
    /// so that a phone away from the hall cannot count towards the quorum.
    #[serde(default)]
    pub hall_code: bool,
}

/// A deputy's opinion on an agenda item, from a delegation meeting (审议意见).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opinion {
    pub meeting: MeetingId,
    pub session: SessionKey,
    pub item: u32,
    pub member: MemberId,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostHolding {
    pub post: Post,
    pub member: MemberId,
    pub session: Option<SessionKey>,
}

impl Assembly {
    /// Rebuilds an assembly from its events.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut a = Assembly::default();
        for e in events {
            a.apply(e);
        }
        a
    }

    /// Members who hold a mandate: the base "all deputies" of OL arts. 14 and 25.
    pub fn seated_members(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| m.status.holds_mandate())
    }

    pub fn members_of<'a>(&'a self, group: &'a GroupId) -> impl Iterator<Item = &'a Member> + 'a {
        self.members.values().filter(move |m| &m.group == group)
    }

    pub fn holders_of(&self, post: Post) -> impl Iterator<Item = &PostHolding> {
        self.posts.iter().filter(move |p| p.post == post)
    }

    /// The session being held or prepared: the latest one not closed.
    pub fn current_session(&self) -> Option<&Session> {
        self.sessions.values().rev().find(|s| !s.closed)
    }

    /// The poll now open, if any (one at a time per assembly).
    pub fn open_poll(&self) -> Option<&Poll> {
        self.polls.values().rev().map(|p| &**p).find(|p| p.state == PollState::Open)
    }

    /// The meeting now in progress, if any (the latest to open).
    pub fn meeting_in_progress(&self) -> Option<&Meeting> {
        self.meetings.values().filter(|m| m.state == MeetingState::InProgress).max_by_key(|m| m.starts_at)
    }

    pub fn apply(&mut self, event: &Event) {
        self.version += 1;
        match event {
            Event::AssemblyFounded { name, name_en, kind, level, population, rules } => {
                self.founded = true;
                self.name = name.clone();
                self.name_en = name_en.clone();
                self.kind = Some(*kind);
                self.level = Some(*level);
                self.population = *population;
                self.rules = Some(rules.clone());
            }
            Event::TermBegan { term, starts_on } => {
                self.terms.insert(*term, Term { number: *term, starts_on: *starts_on });
            }
            Event::SessionConvened { session, title, title_en, opens_on } => {
                self.sessions.insert(
                    *session,
                    Session {
                        key: *session,
                        title: title.clone(),
                        title_en: title_en.clone(),
                        opens_on: *opens_on,
                        closed: false,
                        presidium: Vec::new(),
                        secretary_general: None,
                        agenda: Vec::new(),
                        agenda_adopted: false,
                        tellers: Vec::new(),
                    },
                );
            }
            Event::SessionClosed { session } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.closed = true;
                }
            }
            Event::GroupFormed { group, kind, name, name_en } => {
                self.groups.insert(
                    group.clone(),
                    Group { id: group.clone(), kind: *kind, name: name.clone(), name_en: name_en.clone() },
                );
            }
            Event::MemberRegistered {
                member,
                term,
                name,
                pinyin,
                gender,
                birth_year,
                group,
                ethnicity,
                occupation,
                registered_on,
            } => {
                Arc::make_mut(&mut self.members).insert(
                    member.clone(),
                    Member {
                        id: member.clone(),
                        term: *term,
                        name: name.clone(),
                        pinyin: pinyin.clone(),
                        gender: *gender,
                        birth_year: *birth_year,
                        group: group.clone(),
                        ethnicity: ethnicity.clone(),
                        occupation: occupation.clone(),
                        phone: None,
                        biography: None,
                        status: MemberStatus::Active,
                        history: vec![HistoryEntry {
                            on: *registered_on,
                            status: MemberStatus::Active,
                            reason: String::new(),
                        }],
                    },
                );
            }
            Event::MemberProfileAmended { member, occupation, phone, biography } => {
                if let Some(m) = Arc::make_mut(&mut self.members).get_mut(member) {
                    if let Some(o) = occupation {
                        m.occupation = o.clone();
                    }
                    if let Some(p) = phone {
                        m.phone = Some(p.clone());
                    }
                    if let Some(b) = biography {
                        m.biography = Some(b.clone());
                    }
                }
            }
            Event::MemberStatusChanged { member, status, reason, effective_on } => {
                if let Some(m) = Arc::make_mut(&mut self.members).get_mut(member) {
                    m.status = *status;
                    m.history.push(HistoryEntry {
                        on: *effective_on,
                        status: *status,
                        reason: reason.clone(),
                    });
                }
            }
            Event::MeetingScheduled { meeting, session, kind, group, title, title_en, starts_at } => {
                Arc::make_mut(&mut self.meetings).insert(
                    meeting.clone(),
                    Meeting {
                        id: meeting.clone(),
                        session: *session,
                        kind: *kind,
                        group: group.clone(),
                        title: title.clone(),
                        title_en: title_en.clone(),
                        starts_at: *starts_at,
                        state: MeetingState::Scheduled,
                        attendance: Attendance::default(),
                        hall_code: false,
                    },
                );
            }
            Event::MeetingOpened { meeting } => {
                if let Some(m) = Arc::make_mut(&mut self.meetings).get_mut(meeting) {
                    m.state = MeetingState::InProgress;
                }
            }
            Event::MeetingAdjourned { meeting } => {
                if let Some(m) = Arc::make_mut(&mut self.meetings).get_mut(meeting) {
                    m.state = MeetingState::Adjourned;
                }
            }
            Event::PresidiumElected { session, members, .. } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.presidium = members.clone();
                }
                for m in members {
                    self.posts.push(PostHolding {
                        post: Post::PresidiumMember,
                        member: m.clone(),
                        session: Some(*session),
                    });
                }
            }
            Event::SecretaryGeneralElected { session, member, .. } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.secretary_general = Some(member.clone());
                }
                self.posts.push(PostHolding {
                    post: Post::SecretaryGeneral,
                    member: member.clone(),
                    session: Some(*session),
                });
            }
            Event::PostAssigned { post, member } => {
                self.posts.push(PostHolding { post: *post, member: member.clone(), session: None });
            }
            Event::PostVacated { post, member } => {
                self.posts.retain(|p| !(p.post == *post && &p.member == member));
            }
            Event::AgendaItemProposed { session, item, title, title_en, kind } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.agenda.push(AgendaItem {
                        number: *item,
                        title: title.clone(),
                        title_en: title_en.clone(),
                        kind: *kind,
                        state: ItemState::Pending,
                    });
                }
            }
            Event::AgendaAdopted { session, .. } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.agenda_adopted = true;
                }
            }
            Event::MemberCheckedIn { meeting, member, method } => {
                if let Some(m) = Arc::make_mut(&mut self.meetings).get_mut(meeting) {
                    m.attendance.excused.remove(member);
                    m.attendance.present.insert(member.clone(), *method);
                }
            }
            Event::HallCodeRequired { meeting, required } => {
                if let Some(m) = Arc::make_mut(&mut self.meetings).get_mut(meeting) {
                    m.hall_code = *required;
                }
            }
            Event::LeaveOfAbsenceRecorded { meeting, member, reason } => {
                if let Some(m) = Arc::make_mut(&mut self.meetings).get_mut(meeting) {
                    m.attendance.present.remove(member);
                    m.attendance.excused.insert(member.clone(), reason.clone());
                }
            }
            Event::PollOpened {
                poll,
                meeting,
                subject,
                title,
                title_en,
                rule,
                mode,
                disclosure,
                electorate,
                present,
                opened_at,
                closes_at,
                public_key,
                tellers,
            } => {
                Arc::make_mut(&mut self.polls).insert(
                    *poll,
                    Arc::new(Poll {
                        number: *poll,
                        meeting: meeting.clone(),
                        subject: subject.clone(),
                        title: title.clone(),
                        title_en: title_en.clone(),
                        rule: rule.clone(),
                        mode: *mode,
                        disclosure: *disclosure,
                        electorate: *electorate,
                        present: *present,
                        opened_at: *opened_at,
                        closes_at: *closes_at,
                        public_key: public_key.clone(),
                        tellers: tellers.clone(),
                        shares: BTreeMap::new(),
                        counting_since: None,
                        void_reason: None,
                        state: PollState::Open,
                        ballots: BTreeMap::new(),
                        sealed: Vec::new(),
                        entered: None,
                        confirmed_by: None,
                        result: None,
                    }),
                );
            }
            Event::VoteCast { poll, member, choice } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.ballots.insert(member.clone(), Some(*choice));
                }
            }
            Event::SealedBallotCast { poll, member, ballot } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.ballots.insert(member.clone(), None);
                    p.sealed.push(ballot.clone());
                }
            }
            Event::TotalsEntered { poll, totals, by } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.entered = Some((*totals, by.clone()));
                    p.confirmed_by = None;
                }
            }
            Event::TotalsConfirmed { poll, by } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.confirmed_by = Some(by.clone());
                }
            }
            Event::PollCountStarted { poll, present, at } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.state = PollState::Counting;
                    p.counting_since = Some((*at, *present));
                }
            }
            Event::PollVoided { poll, reason, .. } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.state = PollState::Void;
                    p.void_reason = Some(reason.clone());
                }
            }
            Event::TellerShareSubmitted { poll, member, share } => {
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.shares.insert(member.clone(), share.clone());
                }
            }
            Event::TellersAppointed { session, members } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    let old = std::mem::take(&mut s.tellers);
                    s.tellers = members
                        .iter()
                        .map(|m| Teller {
                            member: m.clone(),
                            key: old.iter().find(|t| &t.member == m).and_then(|t| t.key.clone()),
                        })
                        .collect();
                }
            }
            Event::TellerKeyRegistered { session, member, key } => {
                if let Some(t) = self
                    .sessions
                    .get_mut(session)
                    .and_then(|s| s.tellers.iter_mut().find(|t| &t.member == member))
                {
                    t.key = Some(key.clone());
                }
            }
            Event::PollClosed { poll, result, .. } => {
                let mut adopted_agenda = None;
                if let Some(p) = Arc::make_mut(&mut self.polls).get_mut(poll).map(Arc::make_mut) {
                    p.state = PollState::Closed;
                    p.result = Some(result.clone());
                    if p.subject == PollSubject::Agenda && result.adopted {
                        adopted_agenda = self.meetings.get(&p.meeting).map(|m| m.session);
                    }
                }
                if let Some(s) = adopted_agenda.and_then(|k| self.sessions.get_mut(&k)) {
                    s.agenda_adopted = true;
                }
            }
            Event::OpinionRecorded { meeting, item, member, text } => {
                if let Some(m) = self.meetings.get(meeting) {
                    Arc::make_mut(&mut self.opinions).push(Opinion {
                        meeting: meeting.clone(),
                        session: m.session,
                        item: *item,
                        member: member.clone(),
                        text: text.clone(),
                    });
                }
            }
            Event::ElectionCreated { .. }
            | Event::CandidatesNominated { .. }
            | Event::CandidateWithdrawn { .. }
            | Event::PreliminaryVoteRecorded { .. }
            | Event::CandidatesFixed { .. }
            | Event::RoundOpened { .. }
            | Event::ElectionBallotCast { .. }
            | Event::PaperBallotsEntered { .. }
            | Event::PaperBallotMismatch { .. }
            | Event::RoundCounted { .. }
            | Event::RoundCountStarted { .. }
            | Event::RoundShareSubmitted { .. }
            | Event::RoundVoided { .. } => crate::election::apply(self, event),
            Event::AgendaItemMoved { session, item, state } => {
                if let Some(it) = self
                    .sessions
                    .get_mut(session)
                    .and_then(|s| s.agenda.iter_mut().find(|i| i.number == *item))
                {
                    it.state = *state;
                }
            }
        }
    }
}
