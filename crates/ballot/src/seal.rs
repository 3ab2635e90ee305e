//! How Plenum seals a vote, as strings: a poll's yes / no / abstain ballot and an
//! election round's marks, one sub-ballot per candidate. The key holders' published
//! keys, the contexts every proof is bound to and the rule live here, in the one place
//! both the server and the voter's own device (`plenum-seal-wasm`, in the browser)
//! take them from, so a ballot sealed on a phone verifies on the server.
//!
//! A vote's public key is its holders' published keys joined by `;` (one key when the
//! server holds it). Each proof is bound to a context that names the poll (or the
//! election, round and candidate) and the whole public key, so nothing sealed for one
//! vote can be moved into another.

use rand_core::CryptoRngCore;

use crate::ballot::{BallotRule, encrypt_ballot};
use crate::elgamal::PublicKey;
use crate::trustee::{TrusteePublic, combine_public_keys};

/// Yes, no, abstain: exactly one.
pub const OPTIONS: u32 = 3;

/// What every key holder's proof of knowing their secret is bound to.
pub const KEY_CONTEXT: &[u8] = b"plenum/poll-key";

/// The context of a poll's ballots.
pub fn poll_context(public: &str) -> Vec<u8> {
    format!("plenum/poll/{public}").into_bytes()
}

/// The context of candidate `index` (from 0) in round `round` of election `election`.
pub fn round_context(public: &str, election: u32, round: u32, index: usize) -> Vec<u8> {
    format!("plenum/election/{election}/round/{round}/candidate/{index}/{public}").into_bytes()
}

/// Yes, no or abstain: exactly one of three.
pub fn rule() -> Result<BallotRule, String> {
    BallotRule::exactly_one(OPTIONS).map_err(|e| e.to_string())
}

/// The key holders' published keys, in order.
pub fn holders(public: &str) -> Result<Vec<TrusteePublic>, String> {
    public
        .split(';')
        .enumerate()
        .map(|(i, k)| k.parse().map_err(|e| format!("public key {}: {e}", i + 1)))
        .collect()
}

/// The holders, and the key ballots are encrypted to (the sum of theirs, after
/// checking that each holder knows its secret and no key repeats).
pub fn election_key(public: &str) -> Result<(Vec<TrusteePublic>, PublicKey), String> {
    let trustees = holders(public)?;
    let pk = combine_public_keys(KEY_CONTEXT, &trustees).map_err(|e| format!("public key: {e}"))?;
    Ok((trustees, pk))
}

/// The one-hot selection of option `index` (0 yes, 1 no, 2 abstain).
fn one_hot(index: usize) -> Result<[bool; OPTIONS as usize], String> {
    let mut choices = [false; OPTIONS as usize];
    *choices
        .get_mut(index)
        .ok_or_else(|| format!("choice {index}: there are {OPTIONS} (yes, no, abstain)"))? = true;
    Ok(choices)
}

/// Seals a poll's ballot for option `index` (0 yes, 1 no, 2 abstain), with proofs
/// that it selects exactly one option.
pub fn seal_poll(public: &str, index: usize, rng: &mut impl CryptoRngCore) -> Result<String, String> {
    let (_, pk) = election_key(public)?;
    encrypt_ballot(&pk, &poll_context(public), &rule()?, &one_hot(index)?, rng)
        .map(|b| b.to_string())
        .map_err(|e| e.to_string())
}

/// Seals an election round's marks, one per candidate in list order (0 yes, 1 no,
/// 2 abstain), each with proofs that it selects exactly one of the three. How many yes
/// marks a ballot may hold is the election's rule, checked before sealing.
pub fn seal_marks(
    public: &str,
    election: u32,
    round: u32,
    marks: &[usize],
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<String>, String> {
    let (_, pk) = election_key(public)?;
    let rule = rule()?;
    marks
        .iter()
        .enumerate()
        .map(|(i, &mark)| {
            encrypt_ballot(&pk, &round_context(public, election, round, i), &rule, &one_hot(mark)?, rng)
                .map(|b| b.to_string())
                .map_err(|e| e.to_string())
        })
        .collect()
}
