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

use crate::ballot::{BallotRule, EncryptedBallot, encrypt_ballot, verify_ballot};
use crate::elgamal::PublicKey;
use crate::slate::{SlateProof, SlateRule, encrypt_slate, verify_slate};
use crate::trustee::{TrusteePublic, combine_public_keys};

/// Yes, no, abstain: exactly one.
pub const OPTIONS: u32 = 3;

/// What every key holder's proof of knowing their secret is bound to.
pub const KEY_CONTEXT: &[u8] = b"plenum/poll-key";

/// A sealed ballot's fingerprint, `xxxx-xxxx-xxxx-xxxx`: the first 64 bits of the
/// SHA-256 of its parts (a poll ballot; or an election ballot's sub-ballots, then its
/// slate), each followed by a new line. The voter's device shows it when it seals
/// the ballot; the vote's public list of fingerprints lets the voter find it among
/// the ballots cast, without anything that names a voter.
pub fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    let hex = hex::encode(&h.finalize()[..8]);
    [&hex[0..4], &hex[4..8], &hex[8..12], &hex[12..16]].join("-")
}

/// An election ballot's fingerprint: its sub-ballots in list order, then its slate
/// (absent from ballots cast before slates existed).
pub fn round_fingerprint(ballots: &[String], slate: Option<&str>) -> String {
    let parts: Vec<&str> = ballots.iter().map(String::as_str).chain(slate).collect();
    fingerprint(&parts)
}

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

/// The context of a round ballot's count proof (its slate).
pub fn slate_context(public: &str, election: u32, round: u32) -> Vec<u8> {
    format!("plenum/election/{election}/round/{round}/{public}").into_bytes()
}

/// How many yes marks a round's ballot may hold.
pub fn yes_marks(min: u32, max: u32) -> SlateRule {
    SlateRule { option: 0, min, max }
}

/// Seals an election round's marks, one per candidate in list order (0 yes, 1 no,
/// 2 abstain), each with proofs that it selects exactly one of the three, and the
/// proof that the ballot holds `min..=max` yes marks (the round's rule, such as no
/// more than the seats, EL art. 44 ¶2). Fails, sealing nothing, if the marks break it.
pub fn seal_marks(
    public: &str,
    election: u32,
    round: u32,
    marks: &[usize],
    (min, max): (u32, u32),
    rng: &mut impl CryptoRngCore,
) -> Result<(Vec<String>, String), String> {
    let (_, pk) = election_key(public)?;
    let choices: Vec<Vec<bool>> =
        marks.iter().map(|&m| one_hot(m).map(Vec::from)).collect::<Result<_, _>>()?;
    let yes = marks.iter().filter(|&&m| m == 0).count();
    if yes < min as usize || yes > max as usize {
        return Err(format!("{yes} yes marks; this ballot may hold {min} to {max}"));
    }
    let contexts: Vec<Vec<u8>> =
        (0..marks.len()).map(|i| round_context(public, election, round, i)).collect();
    let (ballots, proof) = encrypt_slate(
        &pk,
        &slate_context(public, election, round),
        &contexts,
        &rule()?,
        &yes_marks(min, max),
        &choices,
        rng,
    )
    .map_err(|e| e.to_string())?;
    Ok((ballots.iter().map(ToString::to_string).collect(), proof.to_string()))
}

/// Checks a round ballot: every sub-ballot's proofs and, given its slate and the
/// round's bounds on yes marks, its count proof. What the server runs on a ballot
/// sealed on a voter's device, and a teller on every ballot before decrypting (a
/// ballot cast before slates existed has its sub-ballots checked alone).
pub fn verify_marks(
    public: &str,
    election: u32,
    round: u32,
    ballot: &[String],
    slate: Option<(&str, (u32, u32))>,
) -> Result<(), String> {
    let (_, pk) = election_key(public)?;
    let rule = rule()?;
    let mut parsed = Vec::with_capacity(ballot.len());
    for (i, sub) in ballot.iter().enumerate() {
        let b: EncryptedBallot = sub.parse().map_err(|e| format!("candidate {}: {e}", i + 1))?;
        verify_ballot(&pk, &round_context(public, election, round, i), &b, &rule)
            .map_err(|e| format!("candidate {}: {e}", i + 1))?;
        parsed.push(b);
    }
    let Some((slate, (min, max))) = slate else {
        return Ok(());
    };
    let proof: SlateProof = slate.parse().map_err(|e| format!("count proof: {e}"))?;
    verify_slate(&pk, &slate_context(public, election, round), &yes_marks(min, max), &parsed, &proof)
        .map_err(|e| format!("count proof: {e}"))
}
