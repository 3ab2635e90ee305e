//! Attendance and polls: who is present at a meeting, and votes on resolutions.
//! A poll counts by a `ResolutionRule` (from `plenum-tally`), in one of four modes;
//! a secret poll never holds "who chose what": only who voted, and ciphertexts.

use crate::ids::{MeetingId, MemberId};
use chrono::{DateTime, Utc};
use plenum_tally::ResolutionRule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a member was checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInMethod {
    /// The member on their own phone.
    SelfService,
    /// The member on their own phone, with the code shown in the hall (a meeting
    /// that requires it takes self check-in only this way).
    HallCode,
    /// The secretariat at a desk.
    Desk,
    /// The secretariat, many at once.
    Bulk,
}

/// A vote on a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Yes, Choice::No, Choice::Abstain];
    pub fn index(self) -> usize {
        match self {
            Choice::Yes => 0,
            Choice::No => 1,
            Choice::Abstain => 2,
        }
    }
}

/// How the votes are taken (Beijing rules art. 52: the presidium decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteMode {
    /// Electronic, named (roll call): each vote is recorded and published.
    Named,
    /// Electronic, secret: each ballot is encrypted when cast; only the sum is decrypted.
    Secret,
    /// Show of hands: the secretariat enters the totals, a second person confirms.
    ShowOfHands,
    /// Paper ballots counted by tellers: totals entered and confirmed likewise.
    Paper,
}

impl VoteMode {
    pub fn is_electronic(self) -> bool {
        matches!(self, VoteMode::Named | VoteMode::Secret)
    }
}

/// What an open poll shows before it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Running counts of yes, no and abstain.
    Counts,
    /// Only how many have voted.
    TurnoutOnly,
}

/// What a poll decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "item")]
pub enum PollSubject {
    /// Adopting the session's agenda (OL art. 17).
    Agenda,
    /// A resolution under an agenda item, e.g. approving the government work report.
    Item(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollState {
    Open,
    /// Closed to ballots; waiting for the tellers who hold its key to decrypt the sum.
    Counting,
    Closed,
    /// Never counted: its tellers could not decrypt it (a key lost or withheld), and
    /// the chair declared it void; the subject may be put to a new vote.
    Void,
}

/// Totals entered by hand (show of hands, paper).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

impl Totals {
    pub fn cast(&self) -> u32 {
        self.yes + self.no + self.abstain
    }
}

/// The outcome recorded at the close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResult {
    pub totals: Totals,
    pub not_voted: u32,
    pub adopted: bool,
    pub required: u32,
    pub tie: bool,
    pub basis: String,
    pub closed_at: DateTime<Utc>,
}

/// Attendance at one meeting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub present: BTreeMap<MemberId, CheckInMethod>,
    /// Leave of absence for this meeting, with the reason.
    pub excused: BTreeMap<MemberId, String>,
}

/// A poll as the journal leaves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    pub number: u32,
    pub meeting: MeetingId,
    pub subject: PollSubject,
    pub title: String,
    pub title_en: String,
    pub rule: ResolutionRule,
    pub mode: VoteMode,
    pub disclosure: Disclosure,
    /// Members holding a mandate when the poll opened: "all deputies".
    pub electorate: u32,
    /// Members present when the poll opened.
    pub present: u32,
    pub opened_at: DateTime<Utc>,
    pub closes_at: Option<DateTime<Utc>>,
    /// Secret polls: the election public key the ballots are encrypted to.
    pub public_key: Option<String>,
    /// Secret polls whose key the session's tellers hold, one share each, in the order
    /// of the key's holders; empty when the server holds the key.
    #[serde(default)]
    pub tellers: Vec<MemberId>,
    /// Those tellers' shares of decrypting the sum, as they arrive.
    #[serde(default)]
    pub shares: BTreeMap<MemberId, String>,
    /// When the poll stopped taking ballots for its tellers to count, and how many
    /// members were present then.
    #[serde(default)]
    pub counting_since: Option<(DateTime<Utc>, u32)>,
    /// Why a poll that could not be counted was declared void.
    #[serde(default)]
    pub void_reason: Option<String>,
    pub state: PollState,
    /// Who voted; for named polls also what. Secret polls keep `None` here.
    pub ballots: BTreeMap<MemberId, Option<Choice>>,
    /// Secret polls: the encrypted ballots, in the order cast, with no voter beside
    /// them; summed homomorphically at the close.
    pub sealed: Vec<String>,
    /// Show of hands and paper: totals entered, and by whom.
    pub entered: Option<(Totals, String)>,
    pub confirmed_by: Option<String>,
    pub result: Option<PollResult>,
}

impl Poll {
    /// Running counts of a named poll.
    pub fn named_totals(&self) -> Totals {
        let mut t = Totals { yes: 0, no: 0, abstain: 0 };
        for c in self.ballots.values().flatten() {
            match c {
                Choice::Yes => t.yes += 1,
                Choice::No => t.no += 1,
                Choice::Abstain => t.abstain += 1,
            }
        }
        t
    }

    pub fn turnout(&self) -> usize {
        self.ballots.len()
    }
}
