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
    let pk = combine_public_keys(KEY_CONTEXT, std::slice::from_ref(&trustee))
        .map_err(|e| format!("public key: {e}"))?;
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
    let partials: Vec<PartialDecryption> = proof
        .split(',')
        .map(|p| p.parse().map_err(|e| format!("proof: {e}")))
        .collect::<Result<_, String>>()?;
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

// ---- election rounds ----------------------------------------------------------------
//
// An electronic secret election ballot is one sub-ballot per candidate on the round's
// list, each selecting exactly one of yes, no, abstain. Each sub-ballot's proofs are
// bound to a context naming the election, the round, the candidate's place on the
// list and the round's public key, so a sub-ballot cannot be moved to another
// candidate, round or election. The count decrypts only the per-candidate sums.

/// The context of candidate `index` (from 0) in round `round` of election `election`.
fn round_context(public: &str, election: u32, round: u32, index: usize) -> Vec<u8> {
    format!("plenum/election/{election}/round/{round}/candidate/{index}/{public}").into_bytes()
}

/// Encrypts one voter's marks, one per candidate in list order, each with proofs that
/// it selects exactly one of yes, no, abstain. Whether the marks make a valid ballot
/// (how many yes marks) is checked before, by `election::check_marks`.
pub fn encrypt_marks(
    public: &str,
    election: u32,
    round: u32,
    marks: &[Choice],
) -> Result<Vec<String>, String> {
    let (_, pk) = election_key(public)?;
    let rule = rule()?;
    marks
        .iter()
        .enumerate()
        .map(|(i, choice)| {
            let mut choices = [false; OPTIONS as usize];
            choices[choice.index()] = true;
            encrypt_ballot(&pk, &round_context(public, election, round, i), &rule, &choices, &mut OsRng)
                .map(|b| b.to_string())
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Checks every sub-ballot's proofs against the round's key and context (for audits:
/// anyone can run it on the journal's ciphertexts).
pub fn verify_marks(public: &str, election: u32, round: u32, ballot: &[String]) -> Result<(), String> {
    let (_, pk) = election_key(public)?;
    let rule = rule()?;
    for (i, sub) in ballot.iter().enumerate() {
        let b: EncryptedBallot = sub.parse().map_err(|e| format!("candidate {}: {e}", i + 1))?;
        verify_ballot(&pk, &round_context(public, election, round, i), &b, &rule)
            .map_err(|e| format!("candidate {}: {e}", i + 1))?;
    }
    Ok(())
}

/// Per candidate, the three sums (yes, no, abstain) of all ballots' sub-ballots.
fn round_sums(
    candidates: usize,
    ballots: &[Vec<String>],
) -> Result<Vec<Vec<plenum_ballot::Ciphertext>>, String> {
    let mut columns: Vec<Vec<EncryptedBallot>> = vec![Vec::with_capacity(ballots.len()); candidates];
    for (n, ballot) in ballots.iter().enumerate() {
        if ballot.len() != candidates {
            return Err(format!(
                "ballot {} has {} sub-ballots for {candidates} candidates",
                n + 1,
                ballot.len()
            ));
        }
        for (column, sub) in columns.iter_mut().zip(ballot) {
            column.push(sub.parse().map_err(|e| format!("ballot {}: {e}", n + 1))?);
        }
    }
    columns.iter().map(|c| aggregate(OPTIONS, c).map_err(|e| e.to_string())).collect()
}

/// Decrypts, with the round's secret key, only the per-candidate sums of the ballots:
/// the totals in list order, and the proof (three partial decryptions per candidate,
/// candidate by candidate, yes/no/abstain).
pub fn decrypt_round(
    public: &str,
    secret: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
) -> Result<(Vec<Totals>, String), String> {
    let (trustee, _) = election_key(public)?;
    let key = TrusteeKey::from_secret_hex(secret).map_err(|e| format!("secret key: {e}"))?;
    let mut totals = Vec::with_capacity(candidates);
    let mut proof = Vec::with_capacity(candidates * OPTIONS as usize);
    for (i, sums) in round_sums(candidates, ballots)?.iter().enumerate() {
        let ctx = round_context(public, election, round, i);
        let mut counts = Vec::new();
        for ct in sums {
            let partial = partial_decrypt(&key, ct, &ctx, &mut OsRng);
            counts.push(
                combine_partials(std::slice::from_ref(&trustee), ct, std::slice::from_ref(&partial), &ctx)
                    .map_err(|e| e.to_string())?,
            );
            proof.push(partial.to_string());
        }
        totals.push(totals_of(&counts)?);
    }
    Ok((totals, proof.join(",")))
}

/// Checks that `totals` (per candidate, in list order) are the decryptions of the
/// per-candidate sums of `ballots`, from public data only.
pub fn verify_round(
    public: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
    totals: &[Totals],
    proof: &str,
) -> Result<(), String> {
    let (trustee, _) = election_key(public)?;
    if totals.len() != candidates {
        return Err(format!("{} totals for {candidates} candidates", totals.len()));
    }
    let partials: Vec<PartialDecryption> = if proof.is_empty() {
        Vec::new()
    } else {
        proof
            .split(',')
            .map(|p| p.parse().map_err(|e| format!("proof: {e}")))
            .collect::<Result<_, String>>()?
    };
    let sums = round_sums(candidates, ballots)?;
    if partials.len() != candidates * OPTIONS as usize {
        return Err(format!("the proof has {} parts for {candidates} candidates", partials.len()));
    }
    for (i, (cts, claimed)) in sums.iter().zip(totals).enumerate() {
        let ctx = round_context(public, election, round, i);
        let mut counts = Vec::new();
        for (j, ct) in cts.iter().enumerate() {
            let partial = &partials[i * OPTIONS as usize + j];
            verify_partial(&trustee, ct, partial, &ctx).map_err(|e| format!("candidate {}: {e}", i + 1))?;
            counts.push(
                combine_partials(std::slice::from_ref(&trustee), ct, std::slice::from_ref(partial), &ctx)
                    .map_err(|e| e.to_string())?,
            );
        }
        let got = totals_of(&counts)?;
        if &got != claimed {
            return Err(format!(
                "candidate {}: the proof decrypts to {} yes, {} no, {} abstain, not {} / {} / {}",
                i + 1,
                got.yes,
                got.no,
                got.abstain,
                claimed.yes,
                claimed.no,
                claimed.abstain
            ));
        }
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
    #[test]
    fn an_election_round_decrypts_only_per_candidate_sums() {
        let (public, secret) = new_key().unwrap();
        let ballots: Vec<Vec<String>> = [
            [Choice::Yes, Choice::No, Choice::Abstain],
            [Choice::Yes, Choice::Yes, Choice::No],
            [Choice::No, Choice::Yes, Choice::Abstain],
        ]
        .iter()
        .map(|m| encrypt_marks(&public, 7, 1, m).unwrap())
        .collect();
        for b in &ballots {
            verify_marks(&public, 7, 1, b).unwrap();
        }
        // Bound to the election, the round and the candidate's place.
        assert!(verify_marks(&public, 7, 2, &ballots[0]).is_err());
        assert!(verify_marks(&public, 8, 1, &ballots[0]).is_err());
        let swapped = vec![ballots[0][1].clone(), ballots[0][0].clone(), ballots[0][2].clone()];
        assert!(verify_marks(&public, 7, 1, &swapped).is_err());
        let (totals, proof) = decrypt_round(&public, &secret, 7, 1, 3, &ballots).unwrap();
        assert_eq!(
            totals,
            vec![
                Totals { yes: 2, no: 1, abstain: 0 },
                Totals { yes: 2, no: 1, abstain: 0 },
                Totals { yes: 0, no: 1, abstain: 2 },
            ]
        );
        verify_round(&public, 7, 1, 3, &ballots, &totals, &proof).unwrap();
        let mut lie = totals.clone();
        lie[2] = Totals { yes: 1, no: 1, abstain: 1 };
        assert!(verify_round(&public, 7, 1, 3, &ballots, &lie, &proof).is_err());
        assert!(verify_round(&public, 7, 2, 3, &ballots, &totals, &proof).is_err());
        assert!(verify_round(&public, 7, 1, 3, &ballots[..2], &totals, &proof).is_err());
        // No ballots: every sum is zero, and verifies.
        let (zero, proof) = decrypt_round(&public, &secret, 7, 1, 2, &[]).unwrap();
        assert_eq!(zero, vec![Totals { yes: 0, no: 0, abstain: 0 }; 2]);
        verify_round(&public, 7, 1, 2, &[], &zero, &proof).unwrap();
    }
}
