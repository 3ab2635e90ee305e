//! The domain of Plenum: assemblies, their members, meetings and agendas, and the
//! rules that every command is checked against. Pure code: no IO, no async, no clock.
//!
//! The shape is `decide(state, command) -> Result<events, RuleError>` and
//! `state.apply(event)`, so each statute becomes a unit test (see `tests/`).

pub mod assembly;
pub mod command;
pub mod election;
pub mod event;
pub mod ids;
pub mod poll;
pub mod rules;
pub mod sealed;

pub use assembly::{
    AgendaItem, Assembly, Group, HistoryEntry, Meeting, Member, PostHolding, Session, Teller, Term,
};
pub use command::{Command, MemberDraft, ProfileChanges, SealedTally, decide, present_count};
pub use election::{
    CandidateDraft, Elected, Election, ElectionMethod, ElectionStage, Margin, Nominator, OfficeKind,
    PaperEntry, PreliminaryCount, Round, RoundDecryption, RoundKind, RoundMode, RoundPlan, RoundResult,
    RoundState,
};
pub use event::Event;
pub use ids::{AssemblyId, GroupId, IdError, MeetingId, MemberId, SessionKey};
pub use plenum_tally::{ResolutionCount, ResolutionRule};
pub use poll::{
    Attendance, CheckInMethod, Choice, Disclosure, Poll, PollResult, PollState, PollSubject, Totals, VoteMode,
};
pub use rules::{
    AssemblyRules, BodyKind, Gender, GroupKind, ItemKind, ItemState, Level, MeetingKind, MeetingState,
    MemberStatus, Post, Quorum, RuleError, source,
};
