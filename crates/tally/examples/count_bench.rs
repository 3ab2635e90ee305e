//! Time counting a national-scale People's Congress election: 3,000 ballots x 190
//! candidates for 175 seats (cn-people-congress). Target: under 50 ms.
//!
//!     cargo run --release -p plenum-tally --example count_bench [ballots candidates seats runs]

use plenum_tally::{count_election, workload};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let arg = |i: usize, default: usize| args.get(i).copied().unwrap_or(default);
    let (ballots, candidates, seats, runs) = (arg(0, 3000), arg(1, 190), arg(2, 175), arg(3, 20).max(1));
    let Ok(seats) = u32::try_from(seats) else {
        eprintln!("seats out of range");
        return ExitCode::FAILURE;
    };
    let election = workload::cn_congress(ballots, candidates, seats, 42);
    let marks: usize = election.ballots.iter().map(|b| b.yes.len() + b.no.len() + b.abstain.len()).sum();
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut elected = 0;
    for _ in 0..runs {
        let start = Instant::now();
        match count_election(&election) {
            Ok(r) => elected = r.elected.len(),
            Err(e) => {
                eprintln!("count failed: {e}");
                return ExitCode::FAILURE;
            }
        }
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let json = serde_json::to_string(&election).unwrap_or_default();
    let start = Instant::now();
    let parsed: Result<plenum_tally::Election, _> = serde_json::from_str(&json);
    let parse = start.elapsed();
    if parsed.is_err() {
        eprintln!("the workload does not round-trip through JSON");
        return ExitCode::FAILURE;
    }
    println!(
        "count {ballots} ballots x {candidates} candidates, {seats} seats ({marks} marks, {elected} elected): \
         min {:.2} ms, median {:.2} ms, max {:.2} ms over {runs} runs; parsing the {:.1} MB JSON: {:.2} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        json.len() as f64 / 1e6,
        ms(parse)
    );
    ExitCode::SUCCESS
}
