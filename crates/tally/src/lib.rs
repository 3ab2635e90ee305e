//! Counting votes: whether a resolution is adopted, and who an election round
//! elects. Pure functions over counts and ballots, exact integer arithmetic, no IO.
//!
//! Every rule cites its source. Statutes: Organic Law of Local People's Congresses
//! and Governments (2022, "OL"), Electoral Law (2020, "EL"); texts in
//! `shared/reference/laws/`. Readings made here, where the statutes leave room:
//!
//! - **Threshold** (OL arts. 25, 29 ¶1): more than half of ALL deputies, i.e.
//!   `members / 2 + 1` yes votes, whatever the number of ballots.
//! - **Void round** (EL art. 44 ¶1, which the congress's election method applies to
//!   its own elections): more ballots returned than issued voids the round; it is
//!   voted again (`next_round.kind = "revote"`).
//! - **Void ballot** (EL art. 44 ¶2): a ballot choosing more people (yes +
//!   written in) than seats. Its other marks are not counted either.
//! - **Input errors, not void ballots**: a name under yes/no/abstain that is not a
//!   candidate (a printed ballot only carries the candidates; anyone else is
//!   written in, OL art. 28), a name marked twice on one ballot, or a written-in
//!   name that is a listed candidate. These are transcription errors for the
//!   tellers to settle, so the count stops with the JSON path of the entry.
//! - **Write-ins** (另选他人, OL art. 28): each written-in person is a candidate
//!   with one yes vote per ballot naming them, and can be elected.
//! - **More pass than seats** (OL art. 29 ¶1): highest yes counts win; a tie at
//!   the last seat goes to a fresh vote among the tied (`tie_runoff`) for the
//!   seats they tie for. Ties above the last seat change nothing; input order
//!   orders them.
//! - **Fewer pass than seats** (OL art. 29 ¶2–3, art. 27 ¶1): the rest go to
//!   another round among the best-placed unelected candidates by yes votes; the
//!   list has remaining seats + a margin. The margin is the session's election
//!   method's (`another_round_margin`); by default the smallest OL art. 27 ¶1
//!   allows for every office: `ceil(remaining / 10)`, at least 1 (so one seat →
//!   two candidates, as EL art. 45 ¶4 also says). Candidates tied for the last
//!   place on the list are all listed; too few unelected candidates is noted
//!   (new nominations, OL art. 29 ¶2).
//!
//! Other methods: Robert's Rules (a majority of the ballots cast, blanks ignored,
//! illegal ballots counted; repeated balloting drops nobody), block vote with
//! min/max marks, approval, and STV under the Scottish rules (`stv`).

pub mod election;
mod error;
pub mod input;
pub mod resolution;
pub mod stv;
pub mod workload;

pub use election::{
    Ballot, CandidateCount, Election, ElectionResult, InvalidBallot, Method, NextRound, NextRoundKind,
    count_election, default_another_round_margin,
};
pub use error::TallyError;
pub use input::{ResolutionInput, ResolutionOutput, TallyInput, TallyOutput, tally};
pub use resolution::{
    Base, RESOLUTION_PRESETS, ResolutionCount, ResolutionResult, ResolutionRule, Threshold, TieRule,
    decide_resolution,
};
