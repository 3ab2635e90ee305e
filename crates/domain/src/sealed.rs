//! Secret ballots of a poll, as the strings the journal holds. A poll's key is held
//! either by the server alone (one trustee key from `plenum-ballot`) or by the
//! session's tellers (监票人, EL art. 43), one trustee key each, so that only all of
//! them together can decrypt. Every ballot and every decryption is bound to the
//! poll's public key, so nothing can be moved from one poll into another.
//!
//! The journal records "member X cast ciphertext C"; only the homomorphic sum of all
//! ciphertexts is ever decrypted, and the decryption carries one Chaum–Pedersen proof
//! per key holder that anyone can check against the journal.
//!
//! Formats: a poll's public key is its holders' published keys joined by `;` (one
//! key for the server's own); a holder's share of the decryption is its three
//! partial decryptions (yes, no, abstain) joined by `,`; a poll's proof is the
//! holders' shares in key order, joined by `;`.

use crate::poll::{Choice, Totals};
use plenum_ballot::{
    EncryptedBallot, OsRng, PartialDecryption, TrusteeKey, TrusteePublic, aggregate, combine_partials,
    partial_decrypt, verify_ballot, verify_partial,
};

use plenum_ballot::seal::{KEY_CONTEXT, OPTIONS, election_key, holders, round_context, rule};

pub use plenum_ballot::seal::{fingerprint, round_fingerprint};

fn context(public: &str) -> Vec<u8> {
    plenum_ballot::seal::poll_context(public)
}

/// A fresh key pair: (public, secret hex). The server makes one for a poll whose key
/// it holds itself; a teller makes one on their own device (`plenum teller keygen`).
/// The secret never enters the journal.
pub fn new_key() -> Result<(String, String), String> {
    let key = TrusteeKey::generate(&mut OsRng);
    let public = key.publish(KEY_CONTEXT, &mut OsRng);
    Ok((public.to_string(), key.to_secret_hex().to_string()))
}

/// Checks one holder's published key: well formed, with its proof that the holder
/// knows the secret behind it.
pub fn check_key(public: &str) -> Result<(), String> {
    if public.contains(';') {
        return Err("one key, not several".into());
    }
    election_key(public).map(|_| ())
}

/// The poll key of several holders: their keys in order. Fails if one does not check
/// or two are the same.
pub fn joint_key(keys: &[String]) -> Result<String, String> {
    if keys.is_empty() {
        return Err("no key holders".into());
    }
    let public = keys.join(";");
    election_key(&public)?;
    Ok(public)
}

/// How many holders a poll's key has.
pub fn holder_count(public: &str) -> usize {
    public.split(';').count()
}

/// The one holder of a key the server holds itself (election rounds).
fn single_holder(public: &str) -> Result<TrusteePublic, String> {
    let (mut trustees, _) = election_key(public)?;
    match (trustees.pop(), trustees.is_empty()) {
        (Some(t), true) => Ok(t),
        _ => Err("this key has several holders; the count needs each one's share".into()),
    }
}

/// The place of `key` among the poll key's holders.
pub fn holder_index(public: &str, key: &str) -> Option<usize> {
    public.split(';').position(|k| k == key)
}

/// Encrypts one choice, with proofs that the ballot selects exactly one option.
/// A voter's own device seals the same way (`plenum_ballot::seal`).
pub fn encrypt(public: &str, choice: Choice) -> Result<String, String> {
    plenum_ballot::seal::seal_poll(public, choice.index(), &mut OsRng)
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

/// One holder's share of decrypting the sum of `ballots`, made with its secret key
/// (by the server for its own key, by a teller on their own device). It is computed
/// only on the sums: a holder never decrypts a single ballot.
pub fn share(public: &str, secret: &str, ballots: &[String]) -> Result<String, String> {
    let key = TrusteeKey::from_secret_hex(secret).map_err(|e| format!("secret key: {e}"))?;
    let trustees = holders(public)?;
    if !trustees.iter().any(|t| t.key == *key.public_key()) {
        return Err("this secret key is not one of the poll's key holders".into());
    }
    let ctx = context(public);
    let parts: Vec<String> =
        sums(ballots)?.iter().map(|ct| partial_decrypt(&key, ct, &ctx, &mut OsRng).to_string()).collect();
    Ok(parts.join(","))
}

/// Checks a share against the sums of `ballots`; gives the place of the holder who
/// made it.
pub fn verify_share(public: &str, ballots: &[String], share: &str) -> Result<usize, String> {
    let trustees = holders(public)?;
    let cts = sums(ballots)?;
    let partials = parse_share(share, cts.len())?;
    let holder = holder_of_share(&trustees, &partials)?;
    let ctx = context(public);
    for (ct, partial) in cts.iter().zip(&partials) {
        verify_partial(&trustees[holder], ct, partial, &ctx).map_err(|e| e.to_string())?;
    }
    Ok(holder)
}

/// The place of the holder who made a share, among the key's holders.
fn holder_of_share(trustees: &[TrusteePublic], partials: &[PartialDecryption]) -> Result<usize, String> {
    let Some(first) = partials.first() else {
        return Err("the share is empty".into());
    };
    trustees
        .iter()
        .position(|t| t.key == first.trustee)
        .ok_or_else(|| "the share is not by one of the key's holders".to_owned())
}

fn parse_share(share: &str, options: usize) -> Result<Vec<PartialDecryption>, String> {
    let partials: Vec<PartialDecryption> = share
        .split(',')
        .map(|p| p.trim().parse().map_err(|e| format!("share: {e}")))
        .collect::<Result<_, String>>()?;
    if partials.len() != options {
        return Err(format!("the share has {} parts for {options} options", partials.len()));
    }
    Ok(partials)
}

/// The totals from every holder's share (in key order), and the poll's proof.
pub fn combine(public: &str, ballots: &[String], shares: &[String]) -> Result<(Totals, String), String> {
    let proof = shares.join(";");
    let totals = decrypt_with_proof(public, ballots, &proof)?;
    Ok((totals, proof))
}

/// Decrypts the sum of the ballots with the poll's secret key, when the server holds
/// it: the totals, and the proof.
pub fn decrypt_sum(public: &str, secret: &str, ballots: &[String]) -> Result<(Totals, String), String> {
    if holder_count(public) != 1 {
        return Err("the poll's key is held by several holders; each must send their share".into());
    }
    let s = share(public, secret, ballots)?;
    combine(public, ballots, &[s])
}

/// What a poll's proof decrypts the sum of `ballots` to, after checking every
/// holder's share of it, from public data only.
fn decrypt_with_proof(public: &str, ballots: &[String], proof: &str) -> Result<Totals, String> {
    let trustees = holders(public)?;
    let ctx = context(public);
    let cts = sums(ballots)?;
    let shares: Vec<Vec<PartialDecryption>> =
        proof.split(';').map(|s| parse_share(s, cts.len())).collect::<Result<_, String>>()?;
    if shares.len() != trustees.len() {
        return Err(format!("the proof has {} shares for {} key holders", shares.len(), trustees.len()));
    }
    let mut counts = Vec::new();
    for (option, ct) in cts.iter().enumerate() {
        let partials: Vec<PartialDecryption> = shares.iter().map(|s| s[option]).collect();
        for (trustee, partial) in trustees.iter().zip(&partials) {
            verify_partial(trustee, ct, partial, &ctx).map_err(|e| e.to_string())?;
        }
        counts.push(combine_partials(&trustees, ct, &partials, &ctx).map_err(|e| e.to_string())?);
    }
    totals_of(&counts)
}

/// Checks that `totals` is the decryption of the sum of `ballots`, using only public
/// data: the poll's public key, the ballots and the proof.
pub fn verify_sum(public: &str, ballots: &[String], totals: &Totals, proof: &str) -> Result<(), String> {
    let got = decrypt_with_proof(public, ballots, proof)?;
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

/// Encrypts one voter's marks, one per candidate in list order, each with proofs that
/// it selects exactly one of yes, no, abstain, and the ballot's proof (its slate) that
/// it holds `bounds` yes marks (`election::yes_bounds`). The marks are checked
/// before, by `election::check_marks`, with the rule's own words.
pub fn seal_marks(
    public: &str,
    election: u32,
    round: u32,
    marks: &[Choice],
    bounds: (u32, u32),
) -> Result<(Vec<String>, String), String> {
    let marks: Vec<usize> = marks.iter().map(|c| c.index()).collect();
    plenum_ballot::seal::seal_marks(public, election, round, &marks, bounds, &mut OsRng)
}

/// The sub-ballots of [`seal_marks`] alone, for a ballot of any number of yes marks.
pub fn encrypt_marks(
    public: &str,
    election: u32,
    round: u32,
    marks: &[Choice],
) -> Result<Vec<String>, String> {
    seal_marks(public, election, round, marks, (0, marks.len() as u32)).map(|(ballots, _)| ballots)
}

/// Checks a round ballot whole: every sub-ballot's proofs and its slate, against the
/// round's bounds on yes marks. The server runs it on a ballot sealed on a voter's
/// device; anyone can run it on the journal.
pub fn verify_slate(
    public: &str,
    election: u32,
    round: u32,
    ballot: &[String],
    slate: &str,
    bounds: (u32, u32),
) -> Result<(), String> {
    plenum_ballot::seal::verify_marks(public, election, round, ballot, Some((slate, bounds)))
}

/// Checks every sub-ballot's proofs against the round's key and context (for audits:
/// anyone can run it on the journal's ciphertexts).
pub fn verify_marks(public: &str, election: u32, round: u32, ballot: &[String]) -> Result<(), String> {
    plenum_ballot::seal::verify_marks(public, election, round, ballot, None)
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

/// One holder's share of decrypting a round's per-candidate sums: three partial
/// decryptions per candidate (yes, no, abstain), candidate by candidate, joined by
/// `,`. Made with the holder's secret key (by the server for its own key, by a teller
/// on their own device); never of a single ballot.
pub fn round_share(
    public: &str,
    secret: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
) -> Result<String, String> {
    let key = TrusteeKey::from_secret_hex(secret).map_err(|e| format!("secret key: {e}"))?;
    if !holders(public)?.iter().any(|t| t.key == *key.public_key()) {
        return Err("this secret key is not one of the round's key holders".into());
    }
    let mut parts = Vec::with_capacity(candidates * OPTIONS as usize);
    for (i, sums) in round_sums(candidates, ballots)?.iter().enumerate() {
        let ctx = round_context(public, election, round, i);
        for ct in sums {
            parts.push(partial_decrypt(&key, ct, &ctx, &mut OsRng).to_string());
        }
    }
    Ok(parts.join(","))
}

/// Checks one holder's share against the round's sums; gives the holder's place.
pub fn verify_round_share(
    public: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
    share: &str,
) -> Result<usize, String> {
    let trustees = holders(public)?;
    let partials = parse_share(share, candidates * OPTIONS as usize)?;
    let holder = holder_of_share(&trustees, &partials)?;
    for (i, sums) in round_sums(candidates, ballots)?.iter().enumerate() {
        let ctx = round_context(public, election, round, i);
        for (j, ct) in sums.iter().enumerate() {
            let partial = &partials[i * OPTIONS as usize + j];
            verify_partial(&trustees[holder], ct, partial, &ctx)
                .map_err(|e| format!("candidate {}: {e}", i + 1))?;
        }
    }
    Ok(holder)
}

/// The per-candidate totals from every holder's share (in key order), and the
/// round's proof: the shares joined by `;`.
pub fn combine_round(
    public: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
    shares: &[String],
) -> Result<(Vec<Totals>, String), String> {
    let proof = shares.join(";");
    let totals = decrypt_round_with_proof(public, election, round, candidates, ballots, &proof)?;
    Ok((totals, proof))
}

/// Decrypts, with the round's secret key when the server holds it, only the
/// per-candidate sums of the ballots: the totals in list order, and the proof.
pub fn decrypt_round(
    public: &str,
    secret: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
) -> Result<(Vec<Totals>, String), String> {
    single_holder(public)?;
    let share = round_share(public, secret, election, round, candidates, ballots)?;
    combine_round(public, election, round, candidates, ballots, &[share])
}

/// What a round's proof decrypts the per-candidate sums to, after checking every
/// holder's share of each, from public data only.
fn decrypt_round_with_proof(
    public: &str,
    election: u32,
    round: u32,
    candidates: usize,
    ballots: &[Vec<String>],
    proof: &str,
) -> Result<Vec<Totals>, String> {
    let trustees = holders(public)?;
    let per_share = candidates * OPTIONS as usize;
    let shares: Vec<Vec<PartialDecryption>> = if candidates == 0 {
        vec![Vec::new(); trustees.len()]
    } else {
        proof.split(';').map(|s| parse_share(s, per_share)).collect::<Result<_, String>>()?
    };
    if shares.len() != trustees.len() {
        return Err(format!("the proof has {} shares for {} key holders", shares.len(), trustees.len()));
    }
    let mut totals = Vec::with_capacity(candidates);
    for (i, sums) in round_sums(candidates, ballots)?.iter().enumerate() {
        let ctx = round_context(public, election, round, i);
        let mut counts = Vec::new();
        for (j, ct) in sums.iter().enumerate() {
            let partials: Vec<PartialDecryption> =
                shares.iter().map(|s| s[i * OPTIONS as usize + j]).collect();
            for (trustee, partial) in trustees.iter().zip(&partials) {
                verify_partial(trustee, ct, partial, &ctx)
                    .map_err(|e| format!("candidate {}: {e}", i + 1))?;
            }
            counts.push(combine_partials(&trustees, ct, &partials, &ctx).map_err(|e| e.to_string())?);
        }
        totals.push(totals_of(&counts)?);
    }
    Ok(totals)
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
    if totals.len() != candidates {
        return Err(format!("{} totals for {candidates} candidates", totals.len()));
    }
    let got = decrypt_round_with_proof(public, election, round, candidates, ballots, proof)?;
    for (i, (got, claimed)) in got.iter().zip(totals).enumerate() {
        if got != claimed {
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
