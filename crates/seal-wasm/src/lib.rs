//! The voter's side of a secret vote, built to WebAssembly for the browser
//! (`static/seal.js` loads it). The deputy's phone seals the ballot with the vote's
//! public key before anything leaves it, so the server, and whoever runs it, receives
//! and stores only the sealed ballot: it never sees the choice. The server checks the
//! ballot's proofs as it checks any other (`plenum_ballot::seal` is the one place
//! both take the contexts and rules from).
//!
//! The interface is three exports over two buffers, so that no `unsafe` code is needed
//! on this side: the page asks for an input buffer of some length and writes a JSON
//! request into the WebAssembly memory there, calls `seal`, then reads the JSON answer
//! from `output_ptr` / `output_len`.
//!
//! Request: `{"key": "<the vote's public key>", "seed": "<64 hex digits from the
//! browser's crypto.getRandomValues>", "choice": 0}` for a poll (0 yes, 1 no,
//! 2 abstain), or `{"key", "seed", "election": 2, "round": 1, "marks": [0, 1, 2],
//! "min": 0, "max": 1}` for an election round: one mark per candidate in list order,
//! and the bounds on yes marks the ballot proves it keeps (EL art. 44 ¶2). Answer:
//! `{"ballot": "…", "fingerprint": "…"}`, `{"ballots": ["…", …], "slate": "…",
//! "fingerprint": "…"}`, or `{"error": "…"}`; the fingerprint is the one the vote's
//! public list shows (`plenum_ballot::seal::fingerprint`).

use std::cell::RefCell;

use plenum_ballot::seal;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    key: String,
    seed: String,
    #[serde(default)]
    choice: Option<usize>,
    #[serde(default)]
    election: Option<u32>,
    #[serde(default)]
    round: Option<u32>,
    #[serde(default)]
    marks: Option<Vec<usize>>,
    #[serde(default)]
    min: Option<u32>,
    #[serde(default)]
    max: Option<u32>,
}

/// The seed the browser drew, as 32 bytes.
fn seed(hex_digits: &str) -> Result<[u8; 32], String> {
    let bytes = hex_digits.as_bytes();
    if bytes.len() != 64 {
        return Err("seed: 64 hex digits expected".into());
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks(2)) {
        let s = std::str::from_utf8(pair).map_err(|_| "seed: not hex")?;
        *o = u8::from_str_radix(s, 16).map_err(|_| "seed: not hex")?;
    }
    if out.iter().all(|&b| b == 0) {
        return Err("seed: all zero; the browser gave no randomness".into());
    }
    Ok(out)
}

/// Seals what `request` (JSON) asks for; the answer as JSON.
pub fn run(request: &[u8]) -> Result<String, String> {
    let r: Request = serde_json::from_slice(request).map_err(|e| format!("request: {e}"))?;
    let mut rng = ChaCha20Rng::from_seed(seed(&r.seed)?);
    match (r.choice, r.election, r.round, r.marks) {
        (Some(choice), None, None, None) if r.min.is_none() && r.max.is_none() => {
            let ballot = seal::seal_poll(&r.key, choice, &mut rng)?;
            let fingerprint = seal::fingerprint(&[&ballot]);
            Ok(json!({ "ballot": ballot, "fingerprint": fingerprint }).to_string())
        }
        (None, Some(election), Some(round), Some(marks)) => {
            if marks.is_empty() {
                return Err("marks: one per candidate".into());
            }
            let bounds = (r.min.unwrap_or(0), r.max.ok_or("max: how many yes marks the ballot may hold")?);
            let (ballots, slate) = seal::seal_marks(&r.key, election, round, &marks, bounds, &mut rng)?;
            let fingerprint = seal::round_fingerprint(&ballots, Some(&slate));
            Ok(json!({ "ballots": ballots, "slate": slate, "fingerprint": fingerprint }).to_string())
        }
        _ => Err("request: either choice, or election, round, marks and max".into()),
    }
}

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes room for a request of `len` bytes; where the page writes it.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn input(len: usize) -> *mut u8 {
    INPUT.with_borrow_mut(|v| {
        v.clear();
        v.resize(len, 0);
        v.as_mut_ptr()
    })
}

/// Seals the request in the input buffer; 0 if the answer is a sealed ballot, 1 if
/// it is an error. Either way the answer is JSON in the output buffer.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn seal() -> u32 {
    let (answer, code) = match INPUT.with_borrow(|v| run(v)) {
        Ok(a) => (a, 0),
        Err(e) => (json!({ "error": e }).to_string(), 1),
    };
    OUTPUT.with_borrow_mut(|o| *o = answer.into_bytes());
    code
}

/// Where the answer starts.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *const u8 {
    OUTPUT.with_borrow(|o| o.as_ptr())
}

/// How long the answer is.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn output_len() -> usize {
    OUTPUT.with_borrow(|o| o.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use plenum_domain::poll::Choice;
    use plenum_domain::sealed;
    use serde_json::Value;

    fn key() -> String {
        sealed::new_key().unwrap().0
    }

    const SEED: &str = "0101010101010101010101010101010101010101010101010101010101010101";

    fn answer(request: Value) -> Value {
        serde_json::from_str(&run(request.to_string().as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn a_ballot_sealed_here_verifies_on_the_server_and_counts_as_chosen() {
        let (public, secret) = sealed::new_key().unwrap();
        let mut ballots = Vec::new();
        for (choice, n) in [(0, 3), (1, 2), (2, 1)] {
            for i in 0..n {
                let seed = format!("{:064x}", 1000 * choice + i + 1);
                let a = answer(json!({ "key": public, "seed": seed, "choice": choice }));
                let ballot = a["ballot"].as_str().unwrap().to_owned();
                sealed::verify(&public, &ballot).unwrap();
                ballots.push(ballot);
            }
        }
        let (totals, _) = sealed::decrypt_sum(&public, &secret, &ballots).unwrap();
        assert_eq!((totals.yes, totals.no, totals.abstain), (3, 2, 1));
    }

    #[test]
    fn a_ballot_for_one_key_does_not_verify_under_another() {
        let a = answer(json!({ "key": key(), "seed": SEED, "choice": 1 }));
        assert!(sealed::verify(&key(), a["ballot"].as_str().unwrap()).is_err());
    }

    #[test]
    fn marks_sealed_here_verify_for_their_round_only() {
        let public = key();
        let a = answer(
            json!({ "key": public, "seed": SEED, "election": 2, "round": 1, "marks": [0, 1, 2, 0], "max": 2 }),
        );
        let ballots: Vec<String> =
            a["ballots"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect();
        let slate = a["slate"].as_str().unwrap();
        assert_eq!(ballots.len(), 4);
        sealed::verify_slate(&public, 2, 1, &ballots, slate, (0, 2)).unwrap();
        assert!(sealed::verify_slate(&public, 2, 1, &ballots, slate, (0, 1)).is_err(), "other bounds");
        assert!(sealed::verify_slate(&public, 2, 2, &ballots, slate, (0, 2)).is_err(), "another round");
        assert!(sealed::verify_slate(&public, 3, 1, &ballots, slate, (0, 2)).is_err(), "another election");
        // The server's own sealing and this one agree on every context.
        let server = sealed::encrypt_marks(&public, 2, 1, &[Choice::Yes, Choice::No]).unwrap();
        sealed::verify_marks(&public, 2, 1, &server).unwrap();
    }

    #[test]
    fn bad_requests_name_what_is_wrong() {
        let public = key();
        let err = |r: Value| run(r.to_string().as_bytes()).unwrap_err();
        assert!(err(json!({ "key": public, "seed": SEED, "choice": 3 })).contains("choice 3"));
        assert!(err(json!({ "key": public, "seed": "00", "choice": 0 })).contains("seed"));
        assert!(err(json!({ "key": public, "seed": "0".repeat(64), "choice": 0 })).contains("all zero"));
        assert!(err(json!({ "key": "not a key", "seed": SEED, "choice": 0 })).contains("public key"));
        assert!(err(json!({ "key": public, "seed": SEED })).contains("either choice"));
        let none = json!({ "key": public, "seed": SEED, "election": 1, "round": 1, "marks": [], "max": 1 });
        assert!(err(none).contains("marks"));
        let over =
            json!({ "key": public, "seed": SEED, "election": 1, "round": 1, "marks": [0, 0, 1], "max": 1 });
        assert!(err(over).contains("2 yes marks"));
        let no_max = json!({ "key": public, "seed": SEED, "election": 1, "round": 1, "marks": [0] });
        assert!(err(no_max).contains("max"));
        assert!(run(b"not json").unwrap_err().contains("request"));
    }

    #[test]
    fn the_exports_answer_through_their_buffers() {
        let request = json!({ "key": key(), "seed": SEED, "choice": 2 }).to_string();
        let p = input(request.len());
        assert!(!p.is_null());
        INPUT.with_borrow_mut(|v| v.copy_from_slice(request.as_bytes()));
        assert_eq!(seal(), 0);
        let out = OUTPUT.with_borrow(|o| String::from_utf8(o.clone()).unwrap());
        assert_eq!(output_len(), out.len());
        let answer: Value = serde_json::from_str(&out).unwrap();
        let ballot = answer["ballot"].as_str().unwrap();
        assert_eq!(answer["fingerprint"], plenum_ballot::seal::fingerprint(&[ballot]));
        assert_eq!(answer["fingerprint"].as_str().unwrap().len(), 19);
        input(3);
        INPUT.with_borrow_mut(|v| v.copy_from_slice(b"{}x"));
        assert_eq!(seal(), 1);
        assert!(OUTPUT.with_borrow(|o| String::from_utf8(o.clone()).unwrap()).contains("error"));
    }
}
