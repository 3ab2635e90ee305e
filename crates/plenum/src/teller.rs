//! `plenum teller`: what a teller (监票人, EL art. 43) runs on their own device for a
//! secret poll whose key the tellers hold. `keygen` makes the teller's key pair and
//! keeps the secret in a file that never leaves the device; `share` checks every
//! ballot of a closed poll, sums them, and computes the teller's share of decrypting
//! only that sum. `verify` is for anyone: it checks a counted poll's ballots and every
//! teller's share, and prints the totals they decrypt to. None needs a database, a
//! configuration or the network.
//!
//! Errors are printed on stderr and exit with 2; stdout carries only the line to
//! paste into the server (a public key, or a share).

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

/// `plenum teller share --key FILE --input COUNT_INPUT.json` (`-`: stdin).
pub fn share(key: &Path, input: &Path) -> ExitCode {
    finish("share", compute_share(key, input))
}

/// `plenum teller check --key FILE --input COUNT_INPUT.json`: before the vote.
pub fn check(key: &Path, input: &Path) -> ExitCode {
    finish("check", check_holder(key, input))
}

/// `plenum teller verify --input COUNT_INPUT.json` (`-`: stdin).
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
         lost, the count of any poll encrypted to this key can never be decrypted.",
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

fn read_input(path: &Path) -> Result<CountInput, String> {
    let name = if path == Path::new("-") { "on stdin".to_owned() } else { path.display().to_string() };
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| format!("the count input {name}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("the count input {name} is malformed: {e}"))
}

/// The teller's key, the count input, and the teller's place among the poll's key
/// holders, after checking the poll's key and that the key file's secret is its own.
fn holder_of(key_path: &Path, input_path: &Path) -> Result<(KeyFile, CountInput, usize, usize), String> {
    let key = read_key(key_path)?;
    let input = read_input(input_path)?;
    let poll = &input.public_key;

    // The poll's key: each holder's key well formed and proven, none twice.
    let holder_keys: Vec<String> = poll.split(';').map(str::to_owned).collect();
    sealed::joint_key(&holder_keys).map_err(|e| format!("the poll's public key does not check: {e}"))?;
    let holders = holder_keys.len();
    if !input.tellers.is_empty() && input.tellers.len() != holders {
        return Err(format!(
            "the count input names {} tellers for a key with {holders} holders",
            input.tellers.len()
        ));
    }
    let Some(place) = sealed::holder_index(poll, &key.public) else {
        return Err(format!(
            "your public key (from {}) is not among the {holders} key holders of poll {}. Either this is \
             the wrong key file, or the tellers' keys were replaced (possibly by the operator) and the \
             ballots were encrypted to keys the tellers do not hold: do not send a share, and raise it \
             with the other tellers and the presidium.",
            key_path.display(),
            input.poll
        ));
    };
    // The secret belongs to the public key: a share of nothing, checked, says whose it is.
    let mismatch = |why: &str| {
        format!(
            "the key file {} is malformed: its secret key is not that of its public key ({why})",
            key_path.display()
        )
    };
    let probe = sealed::share(poll, &key.secret, &[]).map_err(|e| mismatch(&e))?;
    match sealed::verify_share(poll, &[], &probe) {
        Ok(p) if p == place => {}
        Ok(p) => return Err(mismatch(&format!("it is key holder {}'s", p + 1))),
        Err(e) => return Err(mismatch(&e)),
    }
    Ok((key, input, place, holders))
}

/// Before the vote: the teller's key is one of the poll's key holders, so that the
/// ballots will be encrypted to a key the tellers hold.
fn check_holder(key_path: &Path, input_path: &Path) -> Result<(String, String), String> {
    let (_, input, place, holders) = holder_of(key_path, input_path)?;
    let line = format!("key holder {} of {holders}", place + 1);
    let note = format!(
        "{} poll {} \u{201c}{}\u{201d}: your key is one of its {holders} key holders; no ballot can be \
         decrypted without your share",
        printable(&input.assembly),
        input.poll,
        printable(&input.title),
    );
    Ok((line, note))
}

fn compute_share(key_path: &Path, input_path: &Path) -> Result<(String, String), String> {
    let (key, input, place, holders) = holder_of(key_path, input_path)?;
    let poll = &input.public_key;

    check_ballots(poll, &input.ballots)?;

    let share = sealed::share(poll, &key.secret, &input.ballots)?;
    // Check our own work before anyone relies on it.
    match sealed::verify_share(poll, &input.ballots, &share) {
        Ok(p) if p == place => {}
        Ok(_) => return Err("the share computed does not verify as yours".into()),
        Err(e) => return Err(format!("the share computed does not verify: {e}")),
    }
    let teller = match input.tellers.get(place) {
        Some(id) => format!(" (teller {})", printable(id)),
        None => String::new(),
    };
    let note = format!(
        "{} poll {} \u{201c}{}\u{201d}: {} ballots checked, the share is for key holder {} of {holders}{teller}; \
         paste the line on stdout into the poll's page",
        printable(&input.assembly),
        input.poll,
        printable(&input.title),
        input.ballots.len(),
        place + 1,
    );
    Ok((share, note))
}

fn verify_count(input_path: &Path) -> Result<(String, String), String> {
    let input = read_input(input_path)?;
    let poll = &input.public_key;
    let holder_keys: Vec<String> = poll.split(';').map(str::to_owned).collect();
    sealed::joint_key(&holder_keys).map_err(|e| format!("the poll's public key does not check: {e}"))?;
    if input.tellers.len() != holder_keys.len() {
        return Err(format!(
            "the count input names {} tellers for a key with {} holders",
            input.tellers.len(),
            holder_keys.len()
        ));
    }
    check_ballots(poll, &input.ballots)?;
    let missing: Vec<String> =
        input.tellers.iter().filter(|t| !input.shares.contains_key(*t)).map(|t| printable(t)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} tellers' shares are in; the count is not complete (waiting for {})",
            input.tellers.len() - missing.len(),
            input.tellers.len(),
            missing.join(", ")
        ));
    }
    let shares: Vec<String> = input.tellers.iter().filter_map(|t| input.shares.get(t).cloned()).collect();
    let (totals, _) = sealed::combine(poll, &input.ballots, &shares)
        .map_err(|e| format!("the tellers' shares do not check: {e}"))?;
    let line = serde_json::json!({
        "assembly": input.assembly,
        "poll": input.poll,
        "ballots": input.ballots.len(),
        "yes": totals.yes,
        "no": totals.no,
        "abstain": totals.abstain,
    })
    .to_string();
    let note = format!(
        "{} poll {}: {} ballots and {} tellers' shares checked; the totals on stdout are the decryption of the ballots' sum",
        printable(&input.assembly),
        input.poll,
        input.ballots.len(),
        shares.len()
    );
    Ok((line, note))
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

/// Text from the server as it may be shown on a terminal: no control characters.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}
