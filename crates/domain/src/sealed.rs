//! Secret ballots of a poll, as the strings the journal holds. A poll's key is one
//! trustee key (`plenum-ballot`); every ballot and every decryption is bound to the
//! poll's public key, so nothing can be moved from one poll into another.
//!
//! The journal records "member X cast ciphertext C"; only the homomorphic sum of all
//! ciphertexts is ever decrypted, and the decryption carries a Chaum–Pedersen proof
//! that anyone can check against the journal.

use crate::poll::{Choice, Totals};
use plenum_ballot::{
    BallotRule, EncryptedBallot, OsRng, PartialDecryption, PublicKey, TrusteeKey, TrusteePublic, aggregate,
    combine_partials, combine_public_keys, encrypt_ballot, partial_decrypt, verify_ballot, verify_partial,
};

/// Yes, no, abstain: exactly one.
const OPTIONS: u32 = 3;
const KEY_CONTEXT: &[u8] = b"plenum/poll-key";

fn context(public: &str) -> Vec<u8> {
    format!("plenum/poll/{public}").into_bytes()
}

fn rule() -> Result<BallotRule, String> {
    BallotRule::exactly_one(OPTIONS).map_err(|e| e.to_string())
}

fn election_key(public: &str) -> Result<(TrusteePublic, PublicKey), String> {
    let trustee: TrusteePublic = public.parse().map_err(|e| format!("public key: {e}"))?;
    let pk = combine_public_keys(KEY_CONTEXT, std::slice::from_ref(&trustee)).map_err(|e| format!("public key: {e}"))?;
    Ok((trustee, pk))
}

/// A fresh key for a poll: (public, secret hex). The secret never enters the journal.
pub fn new_key() -> Result<(String, String), String> {
    let key = TrusteeKey::generate(&mut OsRng);
    let public = key.publish(KEY_CONTEXT, &mut OsRng);
    Ok((public.to_string(), key.to_secret_hex().to_string()))
}

/// Encrypts one choice, with proofs that the ballot selects exactly one option.
pub fn encrypt(public: &str, choice: Choice) -> Result<String, String> {
    let (_, pk) = election_key(public)?;
    let mut choices = [false; OPTIONS as usize];
    choices[choice.index()] = true;
    encrypt_ballot(&pk, &context(public), &rule()?, &choices, &mut OsRng)
        .map(|b| b.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a ballot's proofs against the poll's key.
pub fn verify(public: &str, ballot: &str) -> Result<(), String> {
    let (_, pk) = election_key(public)?;
    let b: EncryptedBallot = ballot.parse().map_err(|e| format!("ballot: {e}"))?;
    verify_ballot(&pk, &context(public), &b, &rule()?).map_err(|e| e.to_string())
}

fn sums(ballots: &[String]) -> Result<Vec<plenum_ballot::Ciphertext>, String> {
    let parsed: Vec<EncryptedBallot> = ballots
        .iter()
        .enumerate()
        .map(|(i, b)| b.parse().map_err(|e| format!("ballot {}: {e}", i + 1)))
        .collect::<Result<_, String>>()?;
    aggregate(OPTIONS, &parsed).map_err(|e| e.to_string())
}

fn totals_of(counts: &[u64]) -> Result<Totals, String> {
    let get = |i: usize| -> Result<u32, String> {
        let n = counts.get(i).copied().ok_or("missing count")?;
        u32::try_from(n).map_err(|_| "count out of range".to_owned())
    };
    Ok(Totals { yes: get(0)?, no: get(1)?, abstain: get(2)? })
}

/// Decrypts the sum of the ballots with the poll's secret key: the totals, and the
/// proof (one partial decryption per option).
pub fn decrypt_sum(public: &str, secret: &str, ballots: &[String]) -> Result<(Totals, String), String> {
    let (trustee, _) = election_key(public)?;
    let key = TrusteeKey::from_secret_hex(secret).map_err(|e| format!("secret key: {e}"))?;
    let ctx = context(public);
    let mut counts = Vec::new();
    let mut proof = Vec::new();
    for ct in sums(ballots)? {
        let partial = partial_decrypt(&key, &ct, &ctx, &mut OsRng);
        counts.push(
            combine_partials(std::slice::from_ref(&trustee), &ct, std::slice::from_ref(&partial), &ctx)
                .map_err(|e| e.to_string())?,
        );
        proof.push(partial.to_string());
    }
    Ok((totals_of(&counts)?, proof.join(",")))
}

/// Checks that `totals` is the decryption of the sum of `ballots`, using only public
/// data: the poll's public key, the ballots and the proof.
pub fn verify_sum(public: &str, ballots: &[String], totals: &Totals, proof: &str) -> Result<(), String> {
    let (trustee, _) = election_key(public)?;
    let ctx = context(public);
    let partials: Vec<PartialDecryption> =
        proof.split(',').map(|p| p.parse().map_err(|e| format!("proof: {e}"))).collect::<Result<_, String>>()?;
    let cts = sums(ballots)?;
    if partials.len() != cts.len() {
        return Err(format!("the proof has {} parts for {} options", partials.len(), cts.len()));
    }
    let mut counts = Vec::new();
    for (ct, partial) in cts.iter().zip(&partials) {
        verify_partial(&trustee, ct, partial, &ctx).map_err(|e| e.to_string())?;
        counts.push(
            combine_partials(std::slice::from_ref(&trustee), ct, std::slice::from_ref(partial), &ctx)
                .map_err(|e| e.to_string())?,
        );
    }
    let got = totals_of(&counts)?;
    if &got != totals {
        return Err(format!(
            "the proof decrypts to {} yes, {} no, {} abstain, not {} / {} / {}",
            got.yes, got.no, got.abstain, totals.yes, totals.no, totals.abstain
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sum_is_decrypted_and_it_verifies() {
        let (public, secret) = new_key().unwrap();
        let votes = [Choice::Yes, Choice::Yes, Choice::No, Choice::Abstain, Choice::Yes];
        let ballots: Vec<String> = votes.iter().map(|c| encrypt(&public, *c).unwrap()).collect();
        for b in &ballots {
            verify(&public, b).unwrap();
        }
        let (totals, proof) = decrypt_sum(&public, &secret, &ballots).unwrap();
        assert_eq!(totals, Totals { yes: 3, no: 1, abstain: 1 });
        verify_sum(&public, &ballots, &totals, &proof).unwrap();
        // A false claim, or a proof for other ballots, fails.
        assert!(verify_sum(&public, &ballots, &Totals { yes: 4, no: 0, abstain: 1 }, &proof).is_err());
        assert!(verify_sum(&public, &ballots[..4], &Totals { yes: 2, no: 1, abstain: 1 }, &proof).is_err());
        // Another poll's key cannot check these ballots.
        let (other, _) = new_key().unwrap();
        assert!(verify(&other, &ballots[0]).is_err());
        assert!(verify_sum(&other, &ballots, &totals, &proof).is_err());
    }

    #[test]
    fn a_poll_nobody_voted_in_sums_to_zero() {
        let (public, secret) = new_key().unwrap();
        let (totals, proof) = decrypt_sum(&public, &secret, &[]).unwrap();
        assert_eq!(totals, Totals { yes: 0, no: 0, abstain: 0 });
        verify_sum(&public, &[], &totals, &proof).unwrap();
    }
}
