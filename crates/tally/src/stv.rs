//! Single transferable vote under the Scottish rules: The Scottish Local Government
//! Elections Order 2007 (SSI 2007/42), Schedule 1, rules 45–52.
//!
//! Votes are integers in units of 0.00001: transfer values are "calculated to five
//! decimal places (any remainder being ignored)" (rule 48(3)), so every credited
//! vote is a whole number of units and the count is exact. Summary of the rules:
//! quota = floor(valid papers / (seats + 1)) + 1 (r. 46); a candidate reaching it is
//! elected (r. 47); surpluses are transferred, largest first, every paper the
//! candidate holds at value surplus × paper value / candidate's votes (rr. 48–49);
//! otherwise the lowest candidate is excluded and its papers move at their current
//! value (rr. 50–51); when the continuing candidates are as many as the vacancies
//! left, they are elected (r. 52). Ties go back to the most recent stage at which
//! the tied candidates differed, then to a lot (`lot_order`).

use crate::TallyError;
use crate::election::{
    CandidateCount, Election, ElectionResult, InvalidBallot, NextRound, NextRoundKind, void_if_overcast,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One unit is 0.00001 of a vote.
const UNIT: i64 = 100_000;
const SSI: &str = "SSI 2007/42 Sch. 1";

/// The state of the count at the end of a stage (rule 2: "stage of the count").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Stage {
    /// From 1 (first preferences).
    pub stage: u32,
    pub action: String,
    /// Every candidate's votes at the end of the stage, five decimal places.
    pub votes: Vec<StageVotes>,
    /// Votes on papers with no next available preference, so far.
    pub non_transferable: String,
    /// Votes lost by rounding transfer values down, so far.
    pub loss: String,
    /// Candidates deemed elected at the end of this stage.
    pub elected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StageVotes {
    pub candidate: String,
    pub votes: String,
}

/// Identical rankings, counted once.
struct Parcel {
    prefs: Vec<u32>,
    /// Index in `prefs` of the candidate holding the papers.
    pos: usize,
    /// Value of each paper, in units.
    value: i64,
    papers: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Continuing,
    Elected,
    Excluded,
}

fn fmt5(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:05}", a / UNIT as u64, a % UNIT as u64)
}

pub(crate) fn count(e: &Election) -> Result<ElectionResult, TallyError> {
    let n = e.candidates.len();
    let index: HashMap<&str, u32> = e
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let mut groups: BTreeMap<Vec<u32>, i64> = BTreeMap::new();
    let mut first = vec![0u32; n];
    let mut invalid_ballots = Vec::new();
    let mut stamp = vec![0usize; n];
    for (b, ballot) in e.ballots.iter().enumerate() {
        for (field, list) in [
            ("yes", &ballot.yes),
            ("no", &ballot.no),
            ("abstain", &ballot.abstain),
            ("write_in", &ballot.write_in),
        ] {
            if !list.is_empty() {
                return Err(TallyError::new(
                    format!("ballots[{b}].{field}"),
                    "an stv ballot carries only a ranking (candidates in order of preference)",
                ));
            }
        }
        if ballot.ranking.is_empty() {
            invalid_ballots.push(InvalidBallot {
                ballot: b,
                reason: format!("no first preference: not a valid ballot paper ({SSI} r. 45)"),
            });
            continue;
        }
        let mut prefs = Vec::with_capacity(ballot.ranking.len());
        for (j, name) in ballot.ranking.iter().enumerate() {
            let path = || format!("ballots[{b}].ranking[{j}]");
            let Some(&c) = index.get(name.as_str()) else {
                return Err(TallyError::new(path(), format!("unknown candidate \"{name}\"")));
            };
            if stamp[c as usize] == b + 1 {
                return Err(TallyError::new(
                    path(),
                    format!("\"{name}\" is ranked more than once on this ballot"),
                ));
            }
            stamp[c as usize] = b + 1;
            prefs.push(c);
        }
        first[prefs[0] as usize] += 1;
        *groups.entry(prefs).or_insert(0) += 1;
    }
    let mut lot = Vec::new();
    for (i, name) in e.lot_order.iter().flatten().enumerate() {
        let path = format!("lot_order[{i}]");
        let Some(&c) = index.get(name.as_str()) else {
            return Err(TallyError::new(path, format!("unknown candidate \"{name}\"")));
        };
        if lot.contains(&(c as usize)) {
            return Err(TallyError::new(path, format!("\"{name}\" is drawn twice")));
        }
        lot.push(c as usize);
    }

    let valid: i64 = groups.values().sum();
    let quota_votes = valid / (i64::from(e.seats) + 1) + 1;
    if let Some(void) = void_if_overcast(e, u32::try_from(quota_votes).ok()) {
        return Ok(void);
    }
    let returned = u32::try_from(e.ballots.len()).unwrap_or(u32::MAX);
    let invalid = u32::try_from(invalid_ballots.len()).unwrap_or(u32::MAX);
    let mut basis = Vec::new();
    if let Some(issued) = e.ballots_issued {
        basis.push(format!("{returned} ballots returned, not more than the {issued} issued"));
    }
    if invalid > 0 {
        basis.push(format!("{invalid} ballots without a first preference are not counted ({SSI} r. 45)"));
    }
    basis.push(format!(
        "quota = floor({valid} valid papers / ({} seats + 1)) + 1 = {quota_votes} ({SSI} r. 46)",
        e.seats
    ));

    let mut c = Count {
        names: &e.candidates,
        seats: e.seats as usize,
        quota: quota_votes * UNIT,
        parcels: Vec::with_capacity(groups.len()),
        piles: vec![Vec::new(); n],
        votes: vec![0; n],
        state: vec![State::Continuing; n],
        history: Vec::new(),
        elected: Vec::new(),
        pending: Vec::new(),
        non_transferable: 0,
        loss: 0,
        stages: Vec::new(),
        basis,
        lot,
    };
    for (prefs, papers) in groups {
        let holder = prefs[0] as usize;
        c.votes[holder] += papers * UNIT;
        c.piles[holder].push(c.parcels.len());
        c.parcels.push(Parcel { prefs, pos: 0, value: UNIT, papers });
    }
    let next_round = c.run();
    let seats_unfilled = e.seats - u32::try_from(c.elected.len()).unwrap_or(e.seats);
    Ok(ElectionResult {
        rules: e.rules,
        valid: true,
        reason: None,
        seats: e.seats,
        ballots_issued: e.ballots_issued,
        ballots_returned: returned,
        ballots_valid: returned - invalid,
        ballots_invalid: invalid,
        invalid_ballots,
        threshold: u32::try_from(quota_votes).ok(),
        counts: e
            .candidates
            .iter()
            .zip(first)
            .map(|(name, yes)| CandidateCount {
                candidate: name.clone(),
                write_in: false,
                yes,
                no: 0,
                abstain: 0,
            })
            .collect(),
        elected: c.elected.iter().map(|&i| e.candidates[i].clone()).collect(),
        seats_unfilled,
        next_round,
        stages: c.stages,
        basis: c.basis,
    })
}

struct Count<'a> {
    names: &'a [String],
    seats: usize,
    quota: i64,
    parcels: Vec<Parcel>,
    /// Parcels each candidate holds.
    piles: Vec<Vec<usize>>,
    votes: Vec<i64>,
    state: Vec<State>,
    /// Votes at the end of each stage, for tie-breaks.
    history: Vec<Vec<i64>>,
    elected: Vec<usize>,
    /// Elected with a surplus not yet transferred.
    pending: Vec<usize>,
    non_transferable: i64,
    loss: i64,
    stages: Vec<Stage>,
    basis: Vec<String>,
    lot: Vec<usize>,
}

impl Count<'_> {
    /// Count to the end, or to a tie only a lot can break (then the next round is
    /// the draw).
    fn run(&mut self) -> Option<NextRound> {
        self.end_stage("first preferences".into());
        loop {
            let remaining = self.seats - self.elected.len();
            if remaining == 0 {
                return None;
            }
            let mut continuing: Vec<usize> =
                (0..self.names.len()).filter(|&i| self.state[i] == State::Continuing).collect();
            if continuing.len() <= remaining {
                continuing.sort_by_key(|&i| std::cmp::Reverse(self.votes[i]));
                if !continuing.is_empty() {
                    self.basis.push(format!(
                        "{} continuing for {remaining} vacancies: deemed elected ({SSI} r. 52)",
                        self.list(&continuing)
                    ));
                }
                for i in continuing {
                    self.state[i] = State::Elected;
                    self.elected.push(i);
                }
                return None;
            }
            if !self.pending.is_empty() {
                let (votes, quota) = (&self.votes, self.quota);
                let most = self.pending.iter().map(|&i| votes[i] - quota).max().unwrap_or(0);
                let tied: Vec<usize> =
                    self.pending.iter().copied().filter(|&i| votes[i] - quota == most).collect();
                let who = match self.break_tie(&tied, true, "r. 49(2)", "r. 49(3)") {
                    Ok(i) => i,
                    Err(round) => return Some(round),
                };
                self.pending.retain(|&i| i != who);
                let amount = fmt5(self.votes[who] - self.quota);
                self.transfer_surplus(who);
                self.basis.push(format!(
                    "stage {}: surplus of {} ({amount}) transferred, each paper at surplus × its value / votes, \
                     to 5 places rounded down ({SSI} rr. 48–49)",
                    self.stages.len() + 1,
                    self.names[who]
                ));
                self.end_stage(format!("surplus of {} ({amount}) transferred", self.names[who]));
                continue;
            }
            let fewest = continuing.iter().map(|&i| self.votes[i]).min().unwrap_or(0);
            let tied: Vec<usize> = continuing.iter().copied().filter(|&i| self.votes[i] == fewest).collect();
            let who = match self.break_tie(&tied, false, "r. 51(2)(a)", "r. 51(2)(b)") {
                Ok(i) => i,
                Err(round) => return Some(round),
            };
            let had = fmt5(self.votes[who]);
            self.exclude(who);
            self.basis.push(format!(
                "stage {}: {} excluded with the fewest votes ({had}); papers move at their current value \
                 ({SSI} r. 50)",
                self.stages.len() + 1,
                self.names[who]
            ));
            self.end_stage(format!("{} excluded ({had})", self.names[who]));
        }
    }

    /// Record the stage, then deem elected whoever reached the quota (rule 47).
    fn end_stage(&mut self, action: String) {
        self.history.push(self.votes.clone());
        let mut reached: Vec<usize> = (0..self.names.len())
            .filter(|&i| self.state[i] == State::Continuing && self.votes[i] >= self.quota)
            .collect();
        reached.sort_by_key(|&i| std::cmp::Reverse(self.votes[i]));
        reached.truncate(self.seats - self.elected.len());
        for &i in &reached {
            self.state[i] = State::Elected;
            self.elected.push(i);
            if self.votes[i] > self.quota {
                self.pending.push(i);
            }
        }
        let stage = u32::try_from(self.stages.len() + 1).unwrap_or(u32::MAX);
        if !reached.is_empty() {
            self.basis.push(format!(
                "stage {stage}: {} reached the quota, deemed elected ({SSI} r. 47)",
                self.list(&reached)
            ));
        }
        self.stages.push(Stage {
            stage,
            action,
            votes: self
                .names
                .iter()
                .zip(&self.votes)
                .map(|(name, &v)| StageVotes { candidate: name.clone(), votes: fmt5(v) })
                .collect(),
            non_transferable: fmt5(self.non_transferable),
            loss: fmt5(self.loss),
            elected: reached.iter().map(|&i| self.names[i].clone()).collect(),
        });
    }

    fn list(&self, who: &[usize]) -> String {
        who.iter().map(|&i| self.names[i].as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Move a parcel on to its next continuing candidate at `value` (or set it aside
    /// as non-transferable); returns the votes moved.
    fn pass_on(&mut self, p: usize, value: i64) -> i64 {
        let parcel = &mut self.parcels[p];
        parcel.value = value;
        let amount = value * parcel.papers;
        let next = (parcel.pos + 1..parcel.prefs.len())
            .find(|&k| self.state[parcel.prefs[k] as usize] == State::Continuing);
        match next {
            Some(k) => {
                parcel.pos = k;
                let to = parcel.prefs[k] as usize;
                self.votes[to] += amount;
                self.piles[to].push(p);
            }
            None => self.non_transferable += amount,
        }
        amount
    }

    /// Rule 48: every paper the candidate holds moves on at transfer value
    /// surplus × value when received / candidate's votes, to five places, rounded down.
    fn transfer_surplus(&mut self, who: usize) {
        let total = self.votes[who];
        let surplus = total - self.quota;
        let mut moved = 0;
        for p in std::mem::take(&mut self.piles[who]) {
            let value = self.parcels[p].value;
            let tv = i128::from(surplus) * i128::from(value) / i128::from(total.max(1));
            moved += self.pass_on(p, i64::try_from(tv).unwrap_or(0));
        }
        self.loss += surplus - moved;
        self.votes[who] = self.quota;
    }

    /// Rule 50: the excluded candidate's papers move at the value they came with.
    fn exclude(&mut self, who: usize) {
        self.state[who] = State::Excluded;
        for p in std::mem::take(&mut self.piles[who]) {
            let value = self.parcels[p].value;
            self.pass_on(p, value);
        }
        self.votes[who] = 0;
    }

    /// Of `tied`, the candidate with the most (`highest`) or fewest votes at the most
    /// recent earlier stage at which they differed; failing that, the one drawn first
    /// in `lot_order`; failing that, a next round asking for the draw.
    fn break_tie(
        &mut self,
        tied: &[usize],
        highest: bool,
        back_rule: &str,
        lot_rule: &str,
    ) -> Result<usize, NextRound> {
        if let [only] = tied {
            return Ok(*only);
        }
        let mut set = tied.to_vec();
        for h in self.history.iter().rev().skip(1) {
            let pick =
                if highest { set.iter().map(|&i| h[i]).max() } else { set.iter().map(|&i| h[i]).min() };
            let narrowed: Vec<usize> = set.iter().copied().filter(|&i| Some(h[i]) == pick).collect();
            if narrowed.len() < set.len() {
                set = narrowed;
                if let [only] = set[..] {
                    self.basis.push(format!(
                        "{} tie; {} had {} votes at the most recent stage at which they differed ({SSI} {back_rule})",
                        self.list(tied),
                        self.names[only],
                        if highest { "the most" } else { "the fewest" }
                    ));
                    return Ok(only);
                }
            }
        }
        if let Some(&drawn) = self.lot.iter().find(|i| set.contains(i)) {
            self.basis.push(format!(
                "{} tie at every stage: {} is chosen by the lot drawn (lot_order, {SSI} {lot_rule})",
                self.list(&set),
                self.names[drawn]
            ));
            return Ok(drawn);
        }
        let remaining = u32::try_from(self.seats - self.elected.len()).unwrap_or(0);
        let text = format!(
            "stage {}: {} tie at every stage and the rules call for a lot ({SSI} {lot_rule}); \
             draw it and count again with lot_order",
            self.stages.len() + 1,
            self.list(&set)
        );
        self.basis.push(text.clone());
        Err(NextRound {
            kind: NextRoundKind::DrawLots,
            candidates: set.iter().map(|&i| self.names[i].clone()).collect(),
            seats: remaining,
            basis: text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fmt5;

    #[test]
    fn five_places() {
        assert_eq!(fmt5(130_40863), "130.40863");
        assert_eq!(fmt5(5), "0.00005");
        assert_eq!(fmt5(0), "0.00000");
        assert_eq!(fmt5(-1), "-0.00001");
    }
}
