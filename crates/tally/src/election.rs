//! Counting an election round from its ballots: People's Congress rules (OL arts.
//! 25–29, EL art. 44), Robert's Rules, block vote, approval; STV is in `stv`.
//!
//! A ballot lists names under `yes`, `no`, `abstain` and `write_in` (另选他人); an
//! STV ballot only a `ranking`. Errors in the input (a name that is not a
//! candidate, a name twice on one ballot) are `TallyError`s with the JSON path; a
//! ballot the rules make void (too many people chosen) is counted as invalid.

use crate::TallyError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Statute citations used in results.
pub mod source {
    /// Elections pass with more than half of all deputies.
    pub const OL_25: &str = "OL art. 25";
    /// Candidate margins (差额) per office, fixed by the session's election method.
    pub const OL_27_1: &str = "OL art. 27 ¶1";
    /// The ballot: yes, no, write in another person, or abstain.
    pub const OL_28: &str = "OL art. 28";
    /// More pass than seats: highest win; a tie at the last seat is voted again.
    pub const OL_29_1: &str = "OL art. 29 ¶1";
    /// Fewer pass than seats: another round (另行选举) for the rest.
    pub const OL_29_2: &str = "OL art. 29 ¶2";
    /// Another round for deputy posts and standing committee members keeps a margin.
    pub const OL_29_3: &str = "OL art. 29 ¶3";
    /// More ballots than voters: the round is void.
    pub const EL_44_1: &str = "EL art. 44 ¶1";
    /// A ballot choosing more people than seats is void.
    pub const EL_44_2: &str = "EL art. 44 ¶2";
    /// Another round of deputies' elections: two candidates when one seat is left.
    pub const EL_45_4: &str = "EL art. 45 ¶4";
    pub const RONR_ELECTIONS: &str = "Robert's Rules of Order: elections by ballot";
}

/// The counting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// A People's Congress electing state officers: more than half of all deputies.
    CnPeopleCongress,
    /// A majority of the ballots cast, repeated ballots, nobody dropped.
    RobertsRules,
    /// Most votes win; a ballot marks between `min_votes` and `max_votes` names.
    BlockVote,
    /// Most approvals win; any number of names.
    Approval,
    /// Single transferable vote, Scottish rules (SSI 2007/42 Sch. 1 rules 45–52).
    Stv,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::CnPeopleCongress => "cn-people-congress",
            Method::RobertsRules => "roberts-rules",
            Method::BlockVote => "block-vote",
            Method::Approval => "approval",
            Method::Stv => "stv",
        }
    }
}

/// One ballot paper as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abstain: Vec<String>,
    /// Persons written in (另选他人); each gets a yes vote from this ballot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_in: Vec<String>,
    /// STV only: candidates in order of preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<String>,
}

/// One round of an election, as counted. This is also the JSON input of
/// `plenum tally` (with `"kind": "election"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Election {
    pub rules: Method,
    /// All members holding a mandate. Required by `cn-people-congress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<u32>,
    pub seats: u32,
    pub candidates: Vec<String>,
    /// Ballots handed out. Required by `cn-people-congress` (EL art. 44 ¶1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots_issued: Option<u32>,
    pub ballots: Vec<Ballot>,
    /// `block-vote` only: fewest names a valid ballot marks (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_votes: Option<u32>,
    /// `block-vote` only: most names a valid ballot marks (default: the seats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_votes: Option<u32>,
    /// `cn-people-congress` only: how many more candidates than remaining seats
    /// to propose for another round, as the session's election method fixes it
    /// (OL art. 27 ¶1). Default: `default_another_round_margin`, one per ten remaining
    /// seats rounded up, at least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub another_round_margin: Option<u32>,
    /// `stv` only: the order drawn by lot, to settle ties the rules leave to a lot
    /// (rules 49(3), 51(2)(b)); of the tied candidates, the one drawn first is
    /// chosen (its surplus goes first, or it is excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_order: Option<Vec<String>>,
}

/// The result of a round.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ElectionResult {
    pub rules: Method,
    /// False when the whole round is void; `reason` says why.
    pub valid: bool,
    pub reason: Option<String>,
    pub seats: u32,
    pub ballots_issued: Option<u32>,
    pub ballots_returned: u32,
    pub ballots_valid: u32,
    pub ballots_invalid: u32,
    pub invalid_ballots: Vec<InvalidBallot>,
    /// Votes a candidate needs: yes votes (`cn-people-congress`, `roberts-rules`)
    /// or the quota (`stv`); none for plurality methods.
    pub threshold: Option<u32>,
    /// Per candidate: listed candidates in input order, then written-in persons by
    /// name. Under `stv`, `yes` counts first preferences; transfers are in `stages`.
    pub counts: Vec<CandidateCount>,
    /// In order of votes (under `stv`: in order of election).
    pub elected: Vec<String>,
    pub seats_unfilled: u32,
    pub next_round: Option<NextRound>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<crate::stv::Stage>,
    /// Each step of the decision with its rule.
    pub basis: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InvalidBallot {
    /// Index in `ballots`, from 0.
    pub ballot: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CandidateCount {
    pub candidate: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub write_in: bool,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextRoundKind {
    /// A fresh vote among candidates tied for the last seat(s).
    TieRunoff,
    /// Another round for seats left unfilled.
    AnotherRound,
    /// The round was void: vote again.
    Revote,
    /// STV: the rules call for a lot; draw it and count again with `lot_order`.
    DrawLots,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NextRound {
    pub kind: NextRoundKind,
    pub candidates: Vec<String>,
    pub seats: u32,
    pub basis: String,
}

/// Count one round.
pub fn count_election(e: &Election) -> Result<ElectionResult, TallyError> {
    check_common(e)?;
    match e.rules {
        Method::Stv => crate::stv::count(e),
        _ => count_marks(e),
    }
}

/// Checks shared by every method: seats, unique candidate names, one-method fields.
fn check_common(e: &Election) -> Result<(), TallyError> {
    if e.seats == 0 {
        return Err(TallyError::new("seats", "an election fills at least one seat"));
    }
    if e.members == Some(0) {
        return Err(TallyError::new("members", "an assembly has at least one member"));
    }
    if let (Some(members), Some(issued)) = (e.members, e.ballots_issued) {
        if issued > members {
            return Err(TallyError::new(
                "ballots_issued",
                format!("{issued} ballots issued, but the assembly has only {members} members"),
            ));
        }
    }
    u32::try_from(e.ballots.len()).map_err(|_| TallyError::new("ballots", "more than 2^32 ballots"))?;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, c) in e.candidates.iter().enumerate() {
        if c.trim().is_empty() {
            return Err(TallyError::new(format!("candidates[{i}]"), "a candidate needs a name"));
        }
        if let Some(first) = seen.insert(c.as_str(), i) {
            return Err(TallyError::new(
                format!("candidates[{i}]"),
                format!("candidate \"{c}\" is listed twice (also candidates[{first}])"),
            ));
        }
    }
    let only = |field: &str, value: bool, method: Method| -> Result<(), TallyError> {
        if value && e.rules != method {
            return Err(TallyError::new(
                field,
                format!("only used by \"{}\", not by \"{}\"", method.name(), e.rules.name()),
            ));
        }
        Ok(())
    };
    only("min_votes", e.min_votes.is_some(), Method::BlockVote)?;
    only("max_votes", e.max_votes.is_some(), Method::BlockVote)?;
    only("another_round_margin", e.another_round_margin.is_some(), Method::CnPeopleCongress)?;
    only("lot_order", e.lot_order.is_some(), Method::Stv)?;
    Ok(())
}

fn returned(e: &Election) -> u32 {
    u32::try_from(e.ballots.len()).unwrap_or(u32::MAX)
}

/// A void round, when more ballots come back than were issued.
pub(crate) fn void_if_overcast(e: &Election, threshold: Option<u32>) -> Option<ElectionResult> {
    let issued = e.ballots_issued?;
    let returned = returned(e);
    if returned <= issued {
        return None;
    }
    let rule = if e.rules == Method::CnPeopleCongress {
        format!("{}: 每次选举所投的票数，多于投票人数的无效", source::EL_44_1)
    } else {
        format!("Plenum applies {} to every method", source::EL_44_1)
    };
    let reason =
        format!("{returned} ballots returned, more than the {issued} issued: the round is void ({rule})");
    Some(ElectionResult {
        rules: e.rules,
        valid: false,
        reason: Some(reason.clone()),
        seats: e.seats,
        ballots_issued: e.ballots_issued,
        ballots_returned: returned,
        ballots_valid: 0,
        ballots_invalid: 0,
        invalid_ballots: Vec::new(),
        threshold,
        counts: Vec::new(),
        elected: Vec::new(),
        seats_unfilled: e.seats,
        next_round: Some(NextRound {
            kind: NextRoundKind::Revote,
            candidates: e.candidates.clone(),
            seats: e.seats,
            basis: "the void round is voted again".into(),
        }),
        stages: Vec::new(),
        basis: vec![reason],
    })
}

/// A ballot's marks as candidate indices (write-ins resolved after the first pass).
struct Marks<'a> {
    yes: Vec<u32>,
    no: Vec<u32>,
    abstain: Vec<u32>,
    write_in: Vec<&'a str>,
}

/// Candidate names: the listed ones, then written-in persons sorted by name (so
/// the result does not depend on the order of the ballots).
struct Roll<'a> {
    names: Vec<&'a str>,
    listed: usize,
    write_in_index: HashMap<&'a str, u32>,
}

/// Check every ballot against the candidate list; return the marks as indices.
fn read_ballots<'a>(e: &'a Election) -> Result<(Roll<'a>, Vec<Marks<'a>>), TallyError> {
    let index: HashMap<&str, u32> = e
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    // Ballot number (+1) that last marked each listed candidate: finds a name
    // marked twice on one ballot without a set per ballot.
    let mut stamp = vec![0usize; e.candidates.len()];
    let mut write_ins: BTreeSet<&str> = BTreeSet::new();
    let mut all = Vec::with_capacity(e.ballots.len());
    for (b, ballot) in e.ballots.iter().enumerate() {
        if !ballot.ranking.is_empty() {
            return Err(TallyError::new(
                format!("ballots[{b}].ranking"),
                format!("a ranking is only used by \"stv\", not by \"{}\"", e.rules.name()),
            ));
        }
        let mut marks = Marks { yes: Vec::new(), no: Vec::new(), abstain: Vec::new(), write_in: Vec::new() };
        for (field, names, out) in [
            ("yes", &ballot.yes, &mut marks.yes),
            ("no", &ballot.no, &mut marks.no),
            ("abstain", &ballot.abstain, &mut marks.abstain),
        ] {
            out.reserve(names.len());
            for (j, name) in names.iter().enumerate() {
                let Some(&c) = index.get(name.as_str()) else {
                    return Err(TallyError::new(
                        format!("ballots[{b}].{field}[{j}]"),
                        format!(
                            "unknown candidate \"{name}\" (a person not on the list is entered under write_in)"
                        ),
                    ));
                };
                let slot = &mut stamp[c as usize];
                if *slot == b + 1 {
                    return Err(TallyError::new(
                        format!("ballots[{b}].{field}[{j}]"),
                        format!("\"{name}\" is marked more than once on this ballot"),
                    ));
                }
                *slot = b + 1;
                out.push(c);
            }
        }
        for (j, name) in ballot.write_in.iter().enumerate() {
            let path = || format!("ballots[{b}].write_in[{j}]");
            if name.trim().is_empty() {
                return Err(TallyError::new(path(), "a written-in person needs a name"));
            }
            if index.contains_key(name.as_str()) {
                return Err(TallyError::new(
                    path(),
                    format!("\"{name}\" is a listed candidate: enter the vote under yes"),
                ));
            }
            if marks.write_in.contains(&name.as_str()) {
                return Err(TallyError::new(
                    path(),
                    format!("\"{name}\" is written in more than once on this ballot"),
                ));
            }
            marks.write_in.push(name.as_str());
            write_ins.insert(name.as_str());
        }
        all.push(marks);
    }
    let listed = e.candidates.len();
    let mut names: Vec<&str> = e.candidates.iter().map(String::as_str).collect();
    let mut write_in_index = HashMap::new();
    for w in write_ins {
        write_in_index.insert(w, u32::try_from(names.len()).unwrap_or(u32::MAX));
        names.push(w);
    }
    Ok((Roll { names, listed, write_in_index }, all))
}

/// Why a ballot is void under `e.rules`, given how many people it chooses.
fn ballot_fault(e: &Election, chosen: usize) -> Option<String> {
    let chosen64 = chosen as u64;
    let seats = u64::from(e.seats);
    match e.rules {
        Method::CnPeopleCongress if chosen64 > seats => Some(format!(
            "chooses {chosen} people for {seats} seats ({}: 每一选票所选的人数，多于规定应选代表人数的作废)",
            source::EL_44_2
        )),
        Method::RobertsRules if chosen64 > seats => Some(format!(
            "chooses {chosen} people for {seats} seats: an illegal vote, credited to no one but counted \
             in the votes cast ({})",
            source::RONR_ELECTIONS
        )),
        Method::BlockVote => {
            let max = u64::from(e.max_votes.unwrap_or(e.seats));
            let min = u64::from(e.min_votes.unwrap_or(0));
            if chosen64 > max {
                Some(format!("marks {chosen} names, more than max_votes = {max}"))
            } else if chosen64 < min {
                Some(format!("marks {chosen} names, fewer than min_votes = {min}"))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn count_marks(e: &Election) -> Result<ElectionResult, TallyError> {
    if e.rules == Method::CnPeopleCongress {
        if e.members.is_none() {
            return Err(TallyError::new(
                "members",
                "required by cn-people-congress: elections pass with more than half of all deputies (OL art. 25)",
            )
            .statute(source::OL_25));
        }
        if e.ballots_issued.is_none() {
            return Err(TallyError::new(
                "ballots_issued",
                "required by cn-people-congress: a round with more ballots returned than issued is void (EL art. 44 ¶1)",
            )
            .statute(source::EL_44_1));
        }
    }
    if let (Some(min), Some(max)) = (e.min_votes, e.max_votes) {
        if min > max {
            return Err(TallyError::new(
                "min_votes",
                format!("min_votes = {min} is more than max_votes = {max}"),
            ));
        }
    }
    let (roll, marks) = read_ballots(e)?;
    let members_threshold = e.members.map(|m| m / 2 + 1);
    if let Some(void) =
        void_if_overcast(e, if e.rules == Method::CnPeopleCongress { members_threshold } else { None })
    {
        return Ok(void);
    }

    let n = roll.names.len();
    let (mut yes, mut no, mut abstain) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    let mut invalid_ballots = Vec::new();
    // Ballots naming at least one person, valid or not: Robert's "votes cast".
    let mut cast = 0u32;
    for (b, m) in marks.iter().enumerate() {
        let chosen = m.yes.len() + m.write_in.len();
        if chosen > 0 {
            cast += 1;
        }
        if let Some(reason) = ballot_fault(e, chosen) {
            invalid_ballots.push(InvalidBallot { ballot: b, reason });
            continue;
        }
        for &c in &m.yes {
            yes[c as usize] += 1;
        }
        for w in &m.write_in {
            if let Some(&c) = roll.write_in_index.get(w) {
                yes[c as usize] += 1;
            }
        }
        for &c in &m.no {
            no[c as usize] += 1;
        }
        for &c in &m.abstain {
            abstain[c as usize] += 1;
        }
    }
    let ballots_returned = returned(e);
    let ballots_invalid = u32::try_from(invalid_ballots.len()).unwrap_or(u32::MAX);
    let counts: Vec<CandidateCount> = (0..n)
        .map(|c| CandidateCount {
            candidate: roll.names[c].to_owned(),
            write_in: c >= roll.listed,
            yes: yes[c],
            no: no[c],
            abstain: abstain[c],
        })
        .collect();
    // Highest yes first; equal counts keep input order (write-ins by name).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(yes[c]));

    let mut basis = Vec::new();
    if let Some(issued) = e.ballots_issued {
        basis.push(format!(
            "{ballots_returned} ballots returned, not more than the {issued} issued: the round is valid ({})",
            source::EL_44_1
        ));
    }
    if ballots_invalid > 0 {
        let rule = match e.rules {
            Method::CnPeopleCongress => format!(": each chose more people than seats ({})", source::EL_44_2),
            Method::RobertsRules => format!(
                ": each chose more people than seats; counted in the votes cast, credited to no one ({})",
                source::RONR_ELECTIONS
            ),
            _ => String::new(),
        };
        basis.push(format!("{ballots_invalid} ballots invalid{rule}"));
    }

    let threshold = match e.rules {
        Method::CnPeopleCongress => {
            let members = e.members.unwrap_or(0);
            let needed = members / 2 + 1;
            basis.push(format!(
                "a candidate needs more than half of all {members} deputies = {needed} yes votes ({}, {})",
                source::OL_25,
                source::OL_29_1
            ));
            Some(needed)
        }
        Method::RobertsRules => {
            let needed = cast / 2 + 1;
            basis.push(format!(
                "{cast} ballots cast (blank ballots ignored, illegal ones counted): \
                 a candidate needs a majority = {needed} votes ({})",
                source::RONR_ELECTIONS
            ));
            Some(needed)
        }
        _ => {
            basis.push("most votes win; a candidate needs at least one vote".into());
            None
        }
    };
    let bar = threshold.unwrap_or(1);
    let passed: Vec<usize> = order.iter().copied().filter(|&c| yes[c] >= bar).collect();
    let seats = e.seats as usize;
    let (elected, tied): (Vec<usize>, Vec<usize>) = if passed.len() <= seats {
        (passed.clone(), Vec::new())
    } else {
        let last = yes[passed[seats - 1]];
        if yes[passed[seats]] == last {
            let above: Vec<usize> = passed.iter().copied().filter(|&c| yes[c] > last).collect();
            let mut at: Vec<usize> = passed.iter().copied().filter(|&c| yes[c] == last).collect();
            at.sort_unstable();
            (above, at)
        } else {
            (passed[..seats].to_vec(), Vec::new())
        }
    };
    let remaining = e.seats - u32::try_from(elected.len()).unwrap_or(e.seats);
    let name = |c: &usize| roll.names[*c].to_owned();
    let unelected: Vec<usize> = order.iter().copied().filter(|c| !elected.contains(c)).collect();

    if passed.len() > seats {
        basis.push(format!(
            "{} candidates passed for {seats} seats: the highest counts win ({})",
            passed.len(),
            if e.rules == Method::CnPeopleCongress { source::OL_29_1 } else { "plurality" }
        ));
    }
    let next_round = if !tied.is_empty() {
        let tied_names: Vec<String> = tied.iter().map(name).collect();
        let votes = yes[tied[0]];
        match e.rules {
            Method::RobertsRules => {
                Some(another_round_all(e, &unelected, &roll, remaining, &mut basis, Some(&tied_names)))
            }
            _ => {
                let rule = if e.rules == Method::CnPeopleCongress {
                    format!(
                        "{}: 如遇票数相等不能确定当选人时，应当就票数相等的人再次投票，以得票多的当选",
                        source::OL_29_1
                    )
                } else {
                    "a fresh vote among the tied".into()
                };
                let text = format!(
                    "{} tie with {votes} votes for the last {remaining} seat(s): they are voted on again ({rule})",
                    tied_names.join(", ")
                );
                basis.push(text.clone());
                Some(NextRound {
                    kind: NextRoundKind::TieRunoff,
                    candidates: tied_names,
                    seats: remaining,
                    basis: text,
                })
            }
        }
    } else if remaining > 0 {
        match e.rules {
            Method::CnPeopleCongress => {
                Some(another_round_cn(e, &unelected, &yes, &roll, remaining, &mut basis))
            }
            _ => Some(another_round_all(e, &unelected, &roll, remaining, &mut basis, None)),
        }
    } else {
        None
    };

    Ok(ElectionResult {
        rules: e.rules,
        valid: true,
        reason: None,
        seats: e.seats,
        ballots_issued: e.ballots_issued,
        ballots_returned,
        ballots_valid: ballots_returned - ballots_invalid,
        ballots_invalid,
        invalid_ballots,
        threshold,
        counts,
        elected: elected.iter().map(name).collect(),
        seats_unfilled: remaining,
        next_round,
        stages: Vec::new(),
        basis,
    })
}

/// The default margin of candidates over remaining seats for another round under
/// People's Congress rules: the smallest that OL art. 27 ¶1 allows for every kind
/// of office, which OL art. 29 ¶3 applies to another round. One seat: one more
/// candidate (heads of organs "多一人"; EL art. 45 ¶4 "如果只选一人，候选人应为二人").
/// Several seats: one tenth more, rounded up to a whole person (standing committee
/// members 1/10 to 1/5 more; deputy heads 1 to 3 more, so at least 1). The session's
/// election method may fix another margin: `another_round_margin`.
pub fn default_another_round_margin(remaining_seats: u32) -> u32 {
    remaining_seats.div_ceil(10).max(1)
}

fn another_round_cn(
    e: &Election,
    unelected: &[usize],
    yes: &[u32],
    roll: &Roll,
    remaining: u32,
    basis: &mut Vec<String>,
) -> NextRound {
    let (margin, why) = match e.another_round_margin {
        Some(m) => (m, "another_round_margin, from the session's election method".to_owned()),
        None => (
            default_another_round_margin(remaining),
            format!(
                "the smallest margin {} allows, one tenth rounded up, at least one; \
                 set another_round_margin to the session's election method",
                source::OL_27_1
            ),
        ),
    };
    let want = remaining as usize + margin as usize;
    let mut take: Vec<usize> = unelected.iter().copied().take(want).collect();
    let mut notes = Vec::new();
    if let Some(&last) = take.last() {
        if take.len() == want {
            let extra: Vec<usize> =
                unelected[want..].iter().copied().take_while(|&c| yes[c] == yes[last]).collect();
            if !extra.is_empty() {
                notes.push(format!(
                    "{} more tie with {} yes votes for the last place on the list; all are listed, \
                     the presidium settles the list",
                    extra.len(),
                    yes[last]
                ));
                take.extend(extra);
            }
        }
    }
    if take.len() < want {
        notes.push(format!(
            "only {} unelected candidates: new nominations may complete the list ({})",
            take.len(),
            source::OL_29_2
        ));
    }
    let text = format!(
        "{remaining} seat(s) unfilled: another round (另行选举) among the best-placed unelected candidates \
         by yes votes ({}; {}), {remaining} seat(s) + margin {margin} = {want} candidates ({why}){}",
        source::OL_29_2,
        source::OL_29_3,
        notes.iter().map(|n| format!("; {n}")).collect::<String>()
    );
    basis.push(text.clone());
    NextRound {
        kind: NextRoundKind::AnotherRound,
        candidates: take.iter().map(|&c| roll.names[c].to_owned()).collect(),
        seats: remaining,
        basis: text,
    }
}

fn another_round_all(
    e: &Election,
    unelected: &[usize],
    roll: &Roll,
    remaining: u32,
    basis: &mut Vec<String>,
    tied: Option<&[String]>,
) -> NextRound {
    let tie =
        tied.map(|t| format!("{} tie for the last seat(s), so none of them is elected; ", t.join(", ")));
    let rule = if e.rules == Method::RobertsRules {
        format!(" ({}: balloting is repeated, no candidate is dropped)", source::RONR_ELECTIONS)
    } else {
        String::new()
    };
    let text = format!(
        "{}{remaining} seat(s) unfilled: another ballot with every candidate not elected{rule}",
        tie.unwrap_or_default()
    );
    basis.push(text.clone());
    NextRound {
        kind: NextRoundKind::AnotherRound,
        candidates: unelected.iter().map(|&c| roll.names[c].to_owned()).collect(),
        seats: remaining,
        basis: text,
    }
}
