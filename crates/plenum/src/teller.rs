//! `plenum teller`: what a teller (监票人, EL art. 43) runs on their own device for a
//! secret poll, or an electronic secret election round, whose key the tellers hold.
//! `keygen` makes the teller's key pair and keeps the secret in a file that never
//! leaves the device; `check`, before the vote, says whether the teller's key is one
//! of the vote's key holders; `share` checks every ballot of a closed poll or round,
//! sums them, and computes the teller's share of decrypting only those sums (a poll's
//! one sum, a round's one sum per candidate). `verify` is for anyone: it checks a
//! counted poll's or round's ballots and every teller's share, and prints the totals
//! they decrypt to. None needs a database, a configuration or the network.
//!
//! The count input is the JSON the server publishes: a poll's
//! (`plenum_app::polls::CountInput`), or a round's
//! (`plenum_app::elections::RoundCountInput`, told apart by its `election` field),
//! whose ballots hold one sub-ballot per candidate, in list order.
//!
//! Errors are printed on stderr and exit with 2; stdout carries only the line to
//! paste into the server (a public key, or a share), or `verify`'s totals.

use plenum_app::elections::RoundCountInput;
use plenum_app::polls::CountInput;
use plenum_domain::sealed;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// The `format` of a teller's key file.
const KEY_FORMAT: &str = "plenum-teller-key/1";

/// A teller's key file: their published key and the secret behind it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    public: String,
    secret: String,
}

/// `plenum teller keygen --out FILE`.
pub fn keygen(out: &Path) -> ExitCode {
    finish("keygen", make_key(out))
}

/// `plenum teller share --key FILE --input COUNT_INPUT.json` (`-`: stdin): after the
/// vote, a poll's or a round's.
pub fn share(key: &Path, input: &Path) -> ExitCode {
    finish("share", compute_share(key, input))
}

/// `plenum teller check --key FILE --input COUNT_INPUT.json`: before the vote, a
/// poll's or a round's.
pub fn check(key: &Path, input: &Path) -> ExitCode {
    finish("check", check_holder(key, input))
}

/// `plenum teller verify --input COUNT_INPUT.json` (`-`: stdin): a counted poll's or
/// round's.
pub fn verify(input: &Path) -> ExitCode {
    finish("verify", verify_count(input))
}

/// Prints the line for stdout and the note for stderr, or the error.
fn finish(what: &str, result: Result<(String, String), String>) -> ExitCode {
    match result {
        Ok((line, note)) => {
            println!("{line}");
            eprintln!("{note}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("plenum teller {what}: {message}");
            ExitCode::from(2)
        }
    }
}

fn make_key(out: &Path) -> Result<(String, String), String> {
    let (public, secret) = sealed::new_key()?;
    let file = KeyFile { format: KEY_FORMAT.to_owned(), public: public.clone(), secret };
    let mut text = serde_json::to_string(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists; a teller key is never overwritten (choose another file name)",
                out.display()
            )
        } else {
            format!("{}: {e}", out.display())
        }
    })?;
    if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
        drop(f);
        // A half-written key file is worse than none.
        let _ = std::fs::remove_file(out);
        return Err(format!("writing {}: {e}", out.display()));
    }
    let note = format!(
        "Your teller key is in {}. Register the public key printed on stdout as your teller key \
         on the session's tellers page. Keep the file offline: it holds your secret key. If it is \
         lost, the count of any poll or election round encrypted to this key can never be decrypted.",
        out.display()
    );
    Ok((public, note))
}

fn read_key(path: &Path) -> Result<KeyFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("the key file {}: {e}", path.display()))?;
    let malformed = |why: String| format!("the key file {} is malformed: {why}", path.display());
    let key: KeyFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if key.format != KEY_FORMAT {
        return Err(malformed(format!("format {:?}, expected {KEY_FORMAT:?}", key.format)));
    }
    sealed::check_key(&key.public).map_err(|e| malformed(format!("public key: {e}")))?;
    if key.secret.is_empty() {
        return Err(malformed("no secret key".into()));
    }
    Ok(key)
}

/// A count input: a secret poll's, or an electronic secret election round's.
enum Input {
    Poll(CountInput),
    Round(RoundCountInput),
}

impl Input {
    fn public_key(&self) -> &str {
        match self {
            Input::Poll(p) => &p.public_key,
            Input::Round(r) => &r.public_key,
        }
    }

    fn tellers(&self) -> &[String] {
        match self {
            Input::Poll(p) => &p.tellers,
            Input::Round(r) => &r.tellers,
        }
    }

    fn assembly(&self) -> &str {
        match self {
            Input::Poll(p) => &p.assembly,
            Input::Round(r) => &r.assembly,
        }
    }

    fn title(&self) -> &str {
        match self {
            Input::Poll(p) => &p.title,
            Input::Round(r) => &r.title,
        }
    }

    /// "poll 3", "election 2 round 1".
    fn name(&self) -> String {
        match self {
            Input::Poll(p) => format!("poll {}", p.poll),
            Input::Round(r) => format!("election {} round {}", r.election, r.round),
        }
    }

    /// Whose key and ballots: "the poll's", "the round's".
    fn owner(&self) -> &'static str {
        match self {
            Input::Poll(_) => "the poll's",
            Input::Round(_) => "the round's",
        }
    }

    /// The page a share is pasted into.
    fn page(&self) -> &'static str {
        match self {
            Input::Poll(_) => "the poll's page",
            Input::Round(_) => "the election's page",
        }
    }
}

/// Only what tells a round's count input from a poll's: its `election`.
#[derive(Deserialize)]
struct Kind {
    #[serde(default)]
    election: Option<serde::de::IgnoredAny>,
}

fn read_input(path: &Path) -> Result<Input, String> {
    let name = if path == Path::new("-") { "on stdin".to_owned() } else { path.display().to_string() };
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| format!("the count input {name}: {e}"))?;
    let malformed = |e: serde_json::Error| format!("the count input {name} is malformed: {e}");
    let round = serde_json::from_str::<Kind>(&text).is_ok_and(|k| k.election.is_some());
    if round {
        serde_json::from_str(&text).map(Input::Round).map_err(malformed)
    } else {
        serde_json::from_str(&text).map(Input::Poll).map_err(malformed)
    }
}

/// The holders' keys of a vote's public key, after checking each is well formed and
/// proven, and none appears twice.
fn holder_keys(input: &Input) -> Result<Vec<String>, String> {
    let keys: Vec<String> = input.public_key().split(';').map(str::to_owned).collect();
    sealed::joint_key(&keys).map_err(|e| format!("{} public key does not check: {e}", input.owner()))?;
    Ok(keys)
}

/// The teller's key, the count input, and the teller's place among the vote's key
/// holders, after checking the vote's key and that the key file's secret is its own.
fn holder_of(key_path: &Path, input_path: &Path) -> Result<(KeyFile, Input, usize, usize), String> {
    let key = read_key(key_path)?;
    let input = read_input(input_path)?;
    let public = input.public_key();

    let holders = holder_keys(&input)?.len();
    if !input.tellers().is_empty() && input.tellers().len() != holders {
        return Err(format!(
            "the count input names {} tellers for a key with {holders} holders",
            input.tellers().len()
        ));
    }
    let Some(place) = sealed::holder_index(public, &key.public) else {
        return Err(format!(
            "your public key (from {}) is not among the {holders} key holders of {}. Either this is \
             the wrong key file, or the tellers' keys were replaced (possibly by the operator) and the \
             ballots were encrypted to keys the tellers do not hold: do not send a share, and raise it \
             with the other tellers and the presidium.",
            key_path.display(),
            input.name()
        ));
    };
    // The secret belongs to the public key: a share of nothing, checked, says whose it is.
    let mismatch = |why: &str| {
        format!(
            "the key file {} is malformed: its secret key is not that of its public key ({why})",
            key_path.display()
        )
    };
    let probe = sealed::share(public, &key.secret, &[]).map_err(|e| mismatch(&e))?;
    match sealed::verify_share(public, &[], &probe) {
        Ok(p) if p == place => {}
        Ok(p) => return Err(mismatch(&format!("it is key holder {}'s", p + 1))),
        Err(e) => return Err(mismatch(&e)),
    }
    Ok((key, input, place, holders))
}

/// Before the vote: the teller's key is one of the vote's key holders, so that the
/// ballots will be encrypted to a key the tellers hold.
fn check_holder(key_path: &Path, input_path: &Path) -> Result<(String, String), String> {
    let (_, input, place, holders) = holder_of(key_path, input_path)?;
    let line = format!("key holder {} of {holders}", place + 1);
    let note = format!(
        "{} {} \u{201c}{}\u{201d}: your key is one of its {holders} key holders; no ballot can be \
         decrypted without your share",
        printable(input.assembly()),
        input.name(),
        printable(input.title()),
    );
    Ok((line, note))
}

fn compute_share(key_path: &Path, input_path: &Path) -> Result<(String, String), String> {
    let (key, input, place, holders) = holder_of(key_path, input_path)?;
    let (share, checked) = match &input {
        Input::Poll(p) => (poll_share(&key, p, place)?, format!("{} ballots checked", p.ballots.len())),
        Input::Round(r) => (
            round_share(&key, r, place)?,
            format!("{} ballots of {} candidates checked", r.ballots.len(), r.candidates.len()),
        ),
    };
    let teller = match input.tellers().get(place) {
        Some(id) => format!(" (teller {})", printable(id)),
        None => String::new(),
    };
    let note = format!(
        "{} {} \u{201c}{}\u{201d}: {checked}, the share is for key holder {} of {holders}{teller}; \
         paste the line on stdout into {}",
        printable(input.assembly()),
        input.name(),
        printable(input.title()),
        place + 1,
        input.page(),
    );
    Ok((share, note))
}

/// A poll's ballots checked, and the teller's share of decrypting their sum.
fn poll_share(key: &KeyFile, input: &CountInput, place: usize) -> Result<String, String> {
    let poll = &input.public_key;
    check_ballots(poll, &input.ballots)?;
    let share = sealed::share(poll, &key.secret, &input.ballots)?;
    // Check our own work before anyone relies on it.
    match sealed::verify_share(poll, &input.ballots, &share) {
        Ok(p) if p == place => Ok(share),
        Ok(_) => Err("the share computed does not verify as yours".into()),
        Err(e) => Err(format!("the share computed does not verify: {e}")),
    }
}

/// A round's ballots checked, and the teller's share of decrypting each candidate's sums.
fn round_share(key: &KeyFile, input: &RoundCountInput, place: usize) -> Result<String, String> {
    check_round_ballots(input)?;
    let (public, candidates) = (&input.public_key, input.candidates.len());
    let share =
        sealed::round_share(public, &key.secret, input.election, input.round, candidates, &input.ballots)?;
    // Check our own work before anyone relies on it.
    match sealed::verify_round_share(public, input.election, input.round, candidates, &input.ballots, &share)
    {
        Ok(p) if p == place => Ok(share),
        Ok(_) => Err("the share computed does not verify as yours".into()),
        Err(e) => Err(format!("the share computed does not verify: {e}")),
    }
}

fn verify_count(input_path: &Path) -> Result<(String, String), String> {
    let input = read_input(input_path)?;
    let holders = holder_keys(&input)?.len();
    let tellers = input.tellers();
    if tellers.len() != holders {
        return Err(format!(
            "the count input names {} tellers for a key with {holders} holders",
            tellers.len()
        ));
    }
    let shares_in = match &input {
        Input::Poll(p) => &p.shares,
        Input::Round(r) => &r.shares,
    };
    match &input {
        Input::Poll(p) => check_ballots(&p.public_key, &p.ballots)?,
        Input::Round(r) => check_round_ballots(r)?,
    }
    let missing: Vec<String> =
        tellers.iter().filter(|t| !shares_in.contains_key(*t)).map(|t| printable(t)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} tellers' shares are in; the count is not complete (waiting for {})",
            tellers.len() - missing.len(),
            tellers.len(),
            missing.join(", ")
        ));
    }
    let shares: Vec<String> = tellers.iter().filter_map(|t| shares_in.get(t).cloned()).collect();
    let not_checked = |e: String| format!("the tellers' shares do not check: {e}");
    let (line, ballots, sums) = match &input {
        Input::Poll(p) => {
            let (totals, _) = sealed::combine(&p.public_key, &p.ballots, &shares).map_err(not_checked)?;
            let line = serde_json::json!({
                "assembly": p.assembly,
                "poll": p.poll,
                "ballots": p.ballots.len(),
                "yes": totals.yes,
                "no": totals.no,
                "abstain": totals.abstain,
            });
            (line, p.ballots.len(), "the ballots' sum")
        }
        Input::Round(r) => {
            let (totals, _) = sealed::combine_round(
                &r.public_key,
                r.election,
                r.round,
                r.candidates.len(),
                &r.ballots,
                &shares,
            )
            .map_err(not_checked)?;
            let candidates: Vec<serde_json::Value> = r
                .candidates
                .iter()
                .zip(&totals)
                .map(|(name, t)| {
                    serde_json::json!({"name": name, "yes": t.yes, "no": t.no, "abstain": t.abstain})
                })
                .collect();
            let line = serde_json::json!({
                "assembly": r.assembly,
                "election": r.election,
                "round": r.round,
                "ballots": r.ballots.len(),
                "candidates": candidates,
            });
            (line, r.ballots.len(), "each candidate's sums of the ballots")
        }
    };
    let note = format!(
        "{} {}: {ballots} ballots and {} tellers' shares checked; the totals on stdout are the decryption of {sums}",
        printable(input.assembly()),
        input.name(),
        shares.len()
    );
    Ok((line.to_string(), note))
}

/// Every ballot's proofs against the poll's key, and no ballot twice: a copy would
/// count one voter's choice again. Ballots are numbered from 1, in the order cast.
fn check_ballots(poll: &str, ballots: &[String]) -> Result<(), String> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ballots.len());
    for (i, b) in ballots.iter().enumerate() {
        if let Some(first) = seen.insert(b.as_str(), i + 1) {
            return Err(format!("ballot {} is a copy of ballot {first}", i + 1));
        }
    }
    for (i, b) in ballots.iter().enumerate() {
        sealed::verify(poll, b)
            .map_err(|e| format!("ballot {} does not check against the poll's key: {e}", i + 1))?;
    }
    Ok(())
}

/// A round's ballots: each has one sub-ballot per candidate, whose proofs check
/// against the round's key, election, round and the candidate's place; and nothing
/// twice, neither a whole ballot nor one sub-ballot in a candidate's column, since a
/// copy would count one voter's marks again. (A sub-ballot moved to another
/// candidate's column does not check.) Ballots and candidates are numbered from 1.
fn check_round_ballots(input: &RoundCountInput) -> Result<(), String> {
    let (ballots, n) = (&input.ballots, input.candidates.len());
    if n == 0 {
        return Err("the count input names no candidates".into());
    }
    let mut whole: HashMap<&[String], usize> = HashMap::with_capacity(ballots.len());
    let mut columns: Vec<HashMap<&str, usize>> = vec![HashMap::with_capacity(ballots.len()); n];
    for (i, b) in ballots.iter().enumerate() {
        if b.len() != n {
            return Err(format!("ballot {} has {} sub-ballots for {n} candidates", i + 1, b.len()));
        }
        if let Some(first) = whole.insert(b.as_slice(), i + 1) {
            return Err(format!("ballot {} is a copy of ballot {first}", i + 1));
        }
        for (c, (sub, seen)) in b.iter().zip(columns.iter_mut()).enumerate() {
            if let Some(first) = seen.insert(sub.as_str(), i + 1) {
                return Err(format!(
                    "ballot {}'s sub-ballot for candidate {} ({}) is a copy of ballot {first}'s",
                    i + 1,
                    c + 1,
                    printable(&input.candidates[c])
                ));
            }
        }
    }
    for (i, b) in ballots.iter().enumerate() {
        let slate = input.slates.get(i).and_then(Option::as_deref);
        match (slate, input.yes_marks) {
            // The whole ballot: its sub-ballots and its proof of how many yes marks.
            (Some(slate), Some(bounds)) => {
                sealed::verify_slate(&input.public_key, input.election, input.round, b, slate, bounds)
            }
            // A ballot cast before such proofs were made: its sub-ballots.
            _ => sealed::verify_marks(&input.public_key, input.election, input.round, b),
        }
        .map_err(|e| format!("ballot {} does not check against the round's key: {e}", i + 1))?;
    }
    Ok(())
}

/// Text from the server as it may be shown on a terminal: no control characters.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}
