//! Synthetic elections for benchmarks and tests: deterministic from a seed, shaped
//! like a People's Congress electing a standing committee (most ballots vote yes
//! for nearly every seat, some no, some abstain, a few write-ins and a few
//! ballots choosing too many people).

use crate::{Ballot, Election, Method};

/// xorshift64*: enough randomness for test data, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A `cn-people-congress` round: `ballots` deputies (all present, one ballot each),
/// `candidates` candidates named 候选人001..., `seats` seats.
pub fn cn_congress(ballots: usize, candidates: usize, seats: u32, seed: u64) -> Election {
    let mut rng = Rng(seed.max(1));
    let names: Vec<String> = (1..=candidates).map(|i| format!("候选人{i:03}")).collect();
    let seats_n = seats as usize;
    let mut list = Vec::with_capacity(ballots);
    for _ in 0..ballots {
        let mut b = Ballot::default();
        // A few voters write someone in; about one in 200 chooses too many people.
        let writes_in = rng.below(50) == 0;
        let overmarks = rng.below(200) == 0;
        let room = if writes_in { seats_n.saturating_sub(1) } else { seats_n };
        for name in &names {
            let r = rng.below(100);
            if r < 90 && (b.yes.len() < room || overmarks) {
                b.yes.push(name.clone());
            } else if r < 96 {
                b.no.push(name.clone());
            } else {
                b.abstain.push(name.clone());
            }
        }
        if writes_in {
            b.write_in.push(format!("另选{:02}", rng.below(20)));
        }
        list.push(b);
    }
    Election {
        rules: Method::CnPeopleCongress,
        members: Some(u32::try_from(ballots).unwrap_or(u32::MAX)),
        seats,
        candidates: names,
        ballots_issued: Some(u32::try_from(ballots).unwrap_or(u32::MAX)),
        ballots: list,
        min_votes: None,
        max_votes: None,
        another_round_margin: None,
        lot_order: None,
    }
}
