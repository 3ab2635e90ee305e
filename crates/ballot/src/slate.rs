//! A slate: one ballot per question (per candidate of an election round, say), each
//! with its own context and proofs, and one more proof across them all: that the
//! number of questions on which a given option is selected (how many candidates get
//! a yes) lies in `min..=max`. An election round's rule, such as "no more yes marks
//! than seats" (EL art. 44 ¶2), can so be checked on sealed ballots, by anyone, without
//! decrypting one.
//!
//! The count proof is a range proof on the sum of the chosen option's ciphertexts,
//! whose randomness is the sum of theirs; its transcript binds the slate's context,
//! the key, the bounds and every ciphertext of every ballot on the slate, so it cannot
//! be moved to another slate.

use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::ballot::{BallotRule, EncryptedBallot, encrypt_keeping_randomness};
use crate::elgamal::{Ciphertext, PublicKey};
use crate::encoding::{Reader, Wire, wire_string};
use crate::error::{BallotError, Result};
use crate::proofs::RangeProof;
use crate::transcript::Transcript;

/// The proof that a slate selects its counted option on `min..=max` of its ballots.
#[derive(Clone, PartialEq, Eq)]
pub struct SlateProof(RangeProof);

/// What a slate's count proof states: which option is counted across the ballots,
/// and the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlateRule {
    pub option: u32,
    pub min: u32,
    pub max: u32,
}

fn slate_transcript(
    pk: &PublicKey,
    context: &[u8],
    rule: &SlateRule,
    ballots: &[EncryptedBallot],
) -> Transcript {
    let mut t = Transcript::new("slate");
    t.bytes("context", context);
    t.point("public key", pk.point());
    t.u64("option", u64::from(rule.option));
    t.u64("min", u64::from(rule.min));
    t.u64("max", u64::from(rule.max));
    t.u64("ballots", ballots.len() as u64);
    for b in ballots {
        t.u64("options", b.ciphertexts.len() as u64);
        for ct in &b.ciphertexts {
            t.point("c1", &ct.c1);
            t.point("c2", &ct.c2);
        }
    }
    t
}

/// The sum of the counted option's ciphertexts over the slate.
fn counted_sum(rule: &SlateRule, ballots: &[EncryptedBallot]) -> Result<Ciphertext> {
    let at = rule.option as usize;
    ballots
        .iter()
        .map(|b| {
            b.ciphertexts
                .get(at)
                .copied()
                .ok_or(BallotError::WrongOptionCount { expected: at + 1, got: b.ciphertexts.len() })
        })
        .sum()
}

/// Encrypts one ballot per entry of `choices`, ballot i under `contexts[i]`, each
/// proven well formed under `rule`, and proves across them that the counted option
/// is selected on `slate.min..=slate.max` of them. Fails, without encrypting, if the
/// choices break either rule.
pub fn encrypt_slate<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    contexts: &[Vec<u8>],
    rule: &BallotRule,
    slate: &SlateRule,
    choices: &[Vec<bool>],
    rng: &mut R,
) -> Result<(Vec<EncryptedBallot>, SlateProof)> {
    if contexts.len() != choices.len() {
        return Err(BallotError::WrongOptionCount { expected: contexts.len(), got: choices.len() });
    }
    let at = slate.option as usize;
    let counted = choices.iter().filter(|c| c.get(at).copied().unwrap_or(false)).count() as u32;
    if counted < slate.min || counted > slate.max || at >= rule.options() as usize {
        return Err(BallotError::ChoicesViolateRule {
            selected: counted,
            options: choices.len() as u32,
            min: slate.min,
            max: slate.max,
        });
    }
    let mut ballots = Vec::with_capacity(choices.len());
    let mut r_sum = Zeroizing::new(Scalar::ZERO);
    for (ctx, c) in contexts.iter().zip(choices) {
        let (ballot, randomness) = encrypt_keeping_randomness(pk, ctx, rule, c, rng)?;
        *r_sum += randomness[at];
        ballots.push(ballot);
    }
    let sum = counted_sum(slate, &ballots)?;
    let t = slate_transcript(pk, context, slate, &ballots);
    let m = Zeroizing::new(Scalar::from(u64::from(counted)));
    let proof = RangeProof::prove(t, pk, &sum, u64::from(slate.min), u64::from(slate.max), &m, &r_sum, rng);
    Ok((ballots, SlateProof(proof)))
}

/// Checks a slate's count proof (not its ballots' own proofs: [`crate::verify_ballot`]
/// each of them).
pub fn verify_slate(
    pk: &PublicKey,
    context: &[u8],
    slate: &SlateRule,
    ballots: &[EncryptedBallot],
    proof: &SlateProof,
) -> Result<()> {
    let sum = counted_sum(slate, ballots)?;
    let t = slate_transcript(pk, context, slate, ballots);
    if proof.0.verify(t, pk, &sum, u64::from(slate.min), u64::from(slate.max)) {
        Ok(())
    } else {
        Err(BallotError::InvalidProof {
            what: format!(
                "option {} is selected on {}..={} of the ballots",
                slate.option, slate.min, slate.max
            ),
        })
    }
}

impl Wire for SlateProof {
    const WHAT: &'static str = "slate proof";
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        RangeProof::read(r).map(SlateProof)
    }
}
wire_string!(SlateProof);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::{encrypt_ballot_unchecked, verify_ballot};
    use crate::elgamal::KeyPair;
    use rand_core::OsRng;

    fn one_hot(i: usize) -> Vec<bool> {
        (0..3).map(|j| j == i).collect()
    }

    fn contexts(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("candidate {i}").into_bytes()).collect()
    }

    #[test]
    fn a_slate_within_its_bounds_proves_and_verifies() {
        let kp = KeyPair::generate(&mut OsRng);
        let rule = BallotRule::exactly_one(3).unwrap();
        let slate = SlateRule { option: 0, min: 0, max: 2 };
        for marks in [[1, 1, 2, 1], [0, 1, 2, 1], [0, 0, 1, 2]] {
            let choices: Vec<Vec<bool>> = marks.iter().map(|&m| one_hot(m)).collect();
            let (ballots, proof) =
                encrypt_slate(kp.public(), b"round", &contexts(4), &rule, &slate, &choices, &mut OsRng)
                    .unwrap();
            for (b, ctx) in ballots.iter().zip(contexts(4)) {
                verify_ballot(kp.public(), &ctx, b, &rule).unwrap();
            }
            verify_slate(kp.public(), b"round", &slate, &ballots, &proof).unwrap();
            let back: SlateProof = proof.to_string().parse().unwrap();
            verify_slate(kp.public(), b"round", &slate, &ballots, &back).unwrap();
            // Not for another slate's context, bounds, or ballots.
            assert!(verify_slate(kp.public(), b"other", &slate, &ballots, &proof).is_err());
            let tighter = SlateRule { max: 1, ..slate };
            assert!(verify_slate(kp.public(), b"round", &tighter, &ballots, &proof).is_err());
            let mut swapped = ballots.clone();
            swapped.swap(0, 1);
            if swapped != ballots {
                assert!(verify_slate(kp.public(), b"round", &slate, &swapped, &proof).is_err());
            }
        }
    }

    #[test]
    fn too_many_marks_are_refused_before_anything_is_encrypted() {
        let kp = KeyPair::generate(&mut OsRng);
        let rule = BallotRule::exactly_one(3).unwrap();
        let slate = SlateRule { option: 0, min: 0, max: 2 };
        let choices: Vec<Vec<bool>> = [0, 0, 0, 1].iter().map(|&m| one_hot(m)).collect();
        let err = encrypt_slate(kp.public(), b"r", &contexts(4), &rule, &slate, &choices, &mut OsRng);
        assert!(matches!(err, Err(BallotError::ChoicesViolateRule { selected: 3, .. })));
        let block = SlateRule { option: 0, min: 2, max: 3 };
        let one: Vec<Vec<bool>> = [0, 1, 1, 1].iter().map(|&m| one_hot(m)).collect();
        assert!(encrypt_slate(kp.public(), b"r", &contexts(4), &rule, &block, &one, &mut OsRng).is_err());
    }

    #[test]
    fn a_cheating_slate_does_not_verify() {
        // Three yes marks, each sub-ballot valid, and the count proof made for them:
        // no proof for 0..=2 can be made honestly, and a forged one fails.
        let kp = KeyPair::generate(&mut OsRng);
        let rule = BallotRule::exactly_one(3).unwrap();
        let ctxs = contexts(3);
        let ballots: Vec<EncryptedBallot> = ctxs
            .iter()
            .map(|c| encrypt_ballot_unchecked(kp.public(), c, &rule, &[1, 0, 0], &mut OsRng))
            .collect();
        let slate = SlateRule { option: 0, min: 0, max: 2 };
        let sum = counted_sum(&slate, &ballots).unwrap();
        let t = slate_transcript(kp.public(), b"r", &slate, &ballots);
        // The prover's best try without a real branch (m = 3 is outside 0..=2).
        let forged = SlateProof(RangeProof::prove(
            t,
            kp.public(),
            &sum,
            0,
            2,
            &Scalar::from(3u64),
            &Scalar::ZERO,
            &mut OsRng,
        ));
        assert!(verify_slate(kp.public(), b"r", &slate, &ballots, &forged).is_err());
    }
}
