//! Encrypted ballots: one ciphertext per option, each proven to encrypt 0 or 1, and
//! one proof that the number of selections is what the poll allows.
//! Verification needs only public data, so anyone (the server, an observer, a later
//! audit) can check every cast ballot, and `aggregate` sums them into the tally.

use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::elgamal::{Ciphertext, PublicKey};
use crate::encoding::{Reader, Wire, wire_string};
use crate::error::{BallotError, Result, malformed};
use crate::proofs::RangeProof;
use crate::transcript::Transcript;

/// Most options one ballot may have. Verification costs grow linearly with the
/// options (and the selection proof with max − min), so an attacker cannot make
/// the server check a ballot of a million options.
pub const MAX_OPTIONS: u32 = 1024;

/// Layout version of [`EncryptedBallot`]'s encoding; ballots live in the journal
/// for years, so a future layout must be told apart from this one.
const BALLOT_FORMAT: u8 = 1;

/// What a poll allows: `options` choices, of which between `min` and `max` must be
/// selected. "Yes / no / abstain" is `exactly_one(3)`; "elect up to 5 of 12" is
/// `at_most(12, 5)`. A slate of K candidates, each yes/no/abstain, is K polls
/// (K ballots with K contexts), one `exactly_one(3)` each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRule", into = "RawRule")]
pub struct BallotRule {
    options: u32,
    min: u32,
    max: u32,
}

/// Unchecked serde shape of a rule; `try_from` validates it, so a deserialized
/// rule is as valid as a constructed one.
#[derive(Serialize, Deserialize)]
struct RawRule {
    options: u32,
    min: u32,
    max: u32,
}

impl TryFrom<RawRule> for BallotRule {
    type Error = BallotError;
    fn try_from(r: RawRule) -> Result<Self> {
        BallotRule::between(r.options, r.min, r.max)
    }
}

impl From<BallotRule> for RawRule {
    fn from(r: BallotRule) -> Self {
        RawRule { options: r.options, min: r.min, max: r.max }
    }
}

impl BallotRule {
    /// Choose exactly one of `options` (yes/no/abstain, or one candidate).
    pub fn exactly_one(options: u32) -> Result<Self> {
        Self::between(options, 1, 1)
    }

    /// Choose at most `n` of `options` (zero is allowed: a blank ballot).
    pub fn at_most(options: u32, n: u32) -> Result<Self> {
        Self::between(options, 0, n)
    }

    /// Choose between `min` and `max` of `options`, inclusive.
    pub fn between(options: u32, min: u32, max: u32) -> Result<Self> {
        if options == 0 || options > MAX_OPTIONS {
            return Err(BallotError::InvalidRule(format!("{options} options; allowed 1..={MAX_OPTIONS}")));
        }
        if min > max || max > options {
            return Err(BallotError::InvalidRule(format!(
                "selections {min}..={max} impossible with {options} options"
            )));
        }
        Ok(BallotRule { options, min, max })
    }

    pub fn options(&self) -> u32 {
        self.options
    }
    pub fn min(&self) -> u32 {
        self.min
    }
    pub fn max(&self) -> u32 {
        self.max
    }
}

/// A cast ballot: ciphertexts, a 0-or-1 proof for each, and the selection-count
/// proof. Public data: this is what the journal stores next to the voter's name.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedBallot {
    /// One per option; encrypts 1 if the option was selected, else 0.
    pub ciphertexts: Vec<Ciphertext>,
    /// `option_proofs[i]` proves `ciphertexts[i]` encrypts 0 or 1.
    pub option_proofs: Vec<RangeProof>,
    /// Proves the sum of the ciphertexts encrypts a value in `min..=max`.
    pub selection_proof: RangeProof,
}

/// The transcript every proof of one ballot starts from. It binds the context
/// (poll id; see the crate docs on voter ids), the public key, the rule and *all*
/// ciphertexts, so neither a whole proof nor one option's proof can be moved into
/// another poll, another key, or another ballot.
fn ballot_transcript(pk: &PublicKey, context: &[u8], rule: &BallotRule, cts: &[Ciphertext]) -> Transcript {
    let mut t = Transcript::new("ballot");
    t.bytes("context", context);
    t.point("public key", pk.point());
    t.u64("options", u64::from(rule.options));
    t.u64("min", u64::from(rule.min));
    t.u64("max", u64::from(rule.max));
    for ct in cts {
        t.point("c1", &ct.c1);
        t.point("c2", &ct.c2);
    }
    t
}

fn option_transcript(base: &Transcript, index: usize) -> Transcript {
    let mut t = base.clone();
    t.bytes("proof", b"option is 0 or 1");
    t.u64("option", index as u64);
    t
}

fn selection_transcript(base: &Transcript) -> Transcript {
    let mut t = base.clone();
    t.bytes("proof", b"number of selections");
    t
}

/// Encrypts a voter's choices (`choices[i]` = option i selected) and proves the
/// ballot well-formed. Fails, without encrypting anything, if the choices break the
/// rule: an honest client can never produce a ballot the server will refuse.
pub fn encrypt_ballot<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    rule: &BallotRule,
    choices: &[bool],
    rng: &mut R,
) -> Result<EncryptedBallot> {
    encrypt_keeping_randomness(pk, context, rule, choices, rng).map(|(ballot, _)| ballot)
}

/// [`encrypt_ballot`], also giving each option's encryption randomness, for a proof
/// that spans several ballots ([`crate::slate`]). The randomness is as secret as the
/// vote; it is wiped when dropped.
pub(crate) fn encrypt_keeping_randomness<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    rule: &BallotRule,
    choices: &[bool],
    rng: &mut R,
) -> Result<(EncryptedBallot, Zeroizing<Vec<Scalar>>)> {
    if choices.len() != rule.options as usize {
        return Err(BallotError::WrongOptionCount { expected: rule.options as usize, got: choices.len() });
    }
    let selected = choices.iter().filter(|c| **c).count() as u32;
    if selected < rule.min || selected > rule.max {
        return Err(BallotError::ChoicesViolateRule {
            selected,
            options: rule.options,
            min: rule.min,
            max: rule.max,
        });
    }
    // The plaintext votes, wiped when done like the randomness.
    let values: Zeroizing<Vec<Scalar>> =
        Zeroizing::new(choices.iter().map(|c| Scalar::from(u64::from(*c))).collect());
    Ok(prove_keeping_randomness(pk, context, rule, &values, rng))
}

/// Runs the honest prover on arbitrary (possibly invalid) values: the tool a test
/// uses to play a dishonest voter who encrypts 2, or −1, or selects two options
/// in an exactly-one poll. The result must then fail [`verify_ballot`]. Never use
/// it to cast a ballot.
#[doc(hidden)]
pub fn encrypt_ballot_unchecked<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    rule: &BallotRule,
    values: &[i64],
    rng: &mut R,
) -> EncryptedBallot {
    let values: Vec<Scalar> = values
        .iter()
        .map(|v| if *v < 0 { -Scalar::from(v.unsigned_abs()) } else { Scalar::from(v.unsigned_abs()) })
        .collect();
    prove_values(pk, context, rule, &values, rng)
}

fn prove_values<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    rule: &BallotRule,
    values: &[Scalar],
    rng: &mut R,
) -> EncryptedBallot {
    prove_keeping_randomness(pk, context, rule, values, rng).0
}

fn prove_keeping_randomness<R: CryptoRngCore + ?Sized>(
    pk: &PublicKey,
    context: &[u8],
    rule: &BallotRule,
    values: &[Scalar],
    rng: &mut R,
) -> (EncryptedBallot, Zeroizing<Vec<Scalar>>) {
    // The randomness r_i is as secret as the vote: with it, m_i can be read off
    // the ciphertext. Zeroizing wipes it when it is dropped.
    let randomness: Zeroizing<Vec<Scalar>> =
        Zeroizing::new(values.iter().map(|_| Scalar::random(rng)).collect());
    let ciphertexts: Vec<Ciphertext> =
        values.iter().zip(randomness.iter()).map(|(m, r)| pk.encrypt_with(m, r)).collect();
    let base = ballot_transcript(pk, context, rule, &ciphertexts);

    let option_proofs = ciphertexts
        .iter()
        .zip(values.iter().zip(randomness.iter()))
        .enumerate()
        .map(|(i, (ct, (m, r)))| RangeProof::prove(option_transcript(&base, i), pk, ct, 0, 1, m, r, rng))
        .collect();

    let sum_ct: Ciphertext = ciphertexts.iter().copied().sum();
    let sum_m = Zeroizing::new(values.iter().sum::<Scalar>());
    let sum_r = Zeroizing::new(randomness.iter().sum::<Scalar>());
    let selection_proof = RangeProof::prove(
        selection_transcript(&base),
        pk,
        &sum_ct,
        u64::from(rule.min),
        u64::from(rule.max),
        &sum_m,
        &sum_r,
        rng,
    );
    (EncryptedBallot { ciphertexts, option_proofs, selection_proof }, randomness)
}

/// Checks a ballot against the poll's key, context and rule: right number of
/// options, each encrypts 0 or 1, and the count of selections is allowed. On
/// success the ballot may be counted; it says nothing about who may cast it.
pub fn verify_ballot(
    pk: &PublicKey,
    context: &[u8],
    ballot: &EncryptedBallot,
    rule: &BallotRule,
) -> Result<()> {
    let k = rule.options as usize;
    for got in [ballot.ciphertexts.len(), ballot.option_proofs.len()] {
        if got != k {
            return Err(BallotError::WrongOptionCount { expected: k, got });
        }
    }
    let base = ballot_transcript(pk, context, rule, &ballot.ciphertexts);
    for (i, (ct, proof)) in ballot.ciphertexts.iter().zip(&ballot.option_proofs).enumerate() {
        if !proof.verify(option_transcript(&base, i), pk, ct, 0, 1) {
            return Err(BallotError::InvalidProof { what: format!("option {i} encrypts 0 or 1") });
        }
    }
    let sum_ct: Ciphertext = ballot.ciphertexts.iter().copied().sum();
    if !ballot.selection_proof.verify(
        selection_transcript(&base),
        pk,
        &sum_ct,
        u64::from(rule.min),
        u64::from(rule.max),
    ) {
        return Err(BallotError::InvalidProof {
            what: format!("number of selections is {}..={}", rule.min, rule.max),
        });
    }
    Ok(())
}

/// Per-option sums of the ballots: element i encrypts how many ballots selected
/// option i. Starts from the zero ciphertext, so a poll nobody voted in tallies
/// to zeros. Does not verify proofs: every ballot must have passed
/// [`verify_ballot`] when it was cast.
pub fn aggregate(options: u32, ballots: &[EncryptedBallot]) -> Result<Vec<Ciphertext>> {
    let mut sums = vec![Ciphertext::zero(); options as usize];
    for ballot in ballots {
        if ballot.ciphertexts.len() != sums.len() {
            return Err(BallotError::WrongOptionCount {
                expected: sums.len(),
                got: ballot.ciphertexts.len(),
            });
        }
        for (sum, ct) in sums.iter_mut().zip(&ballot.ciphertexts) {
            *sum += ct;
        }
    }
    Ok(sums)
}

impl Wire for EncryptedBallot {
    const WHAT: &'static str = "encrypted ballot";
    fn write(&self, out: &mut Vec<u8>) {
        out.push(BALLOT_FORMAT);
        // Option counts are bounded by MAX_OPTIONS when proven; a hand-built
        // ballot with more would not verify anyway.
        out.extend_from_slice(&(self.ciphertexts.len() as u16).to_be_bytes());
        for ct in &self.ciphertexts {
            ct.write(out);
        }
        out.extend_from_slice(&(self.option_proofs.len() as u16).to_be_bytes());
        for p in &self.option_proofs {
            p.write(out);
        }
        self.selection_proof.write(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let version = r.u8()?;
        if version != BALLOT_FORMAT {
            return Err(malformed(Self::WHAT, format!("unknown format version {version}")));
        }
        let n = r.u16()? as usize;
        r.check_room(n, 64)?;
        let mut ciphertexts = Vec::with_capacity(n);
        for _ in 0..n {
            ciphertexts.push(Ciphertext::read(r)?);
        }
        let n = r.u16()? as usize;
        r.check_room(n, 2)?;
        let mut option_proofs = Vec::with_capacity(n);
        for _ in 0..n {
            option_proofs.push(RangeProof::read(r)?);
        }
        let selection_proof = RangeProof::read(r)?;
        Ok(EncryptedBallot { ciphertexts, option_proofs, selection_proof })
    }
}
wire_string!(EncryptedBallot);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::KeyPair;
    use rand_core::OsRng;

    #[test]
    fn rules_validate() {
        assert!(BallotRule::exactly_one(3).is_ok());
        assert!(BallotRule::exactly_one(0).is_err());
        assert!(BallotRule::at_most(3, 4).is_err());
        assert!(BallotRule::between(3, 2, 1).is_err());
        assert!(BallotRule::exactly_one(MAX_OPTIONS + 1).is_err());
        let bad = serde_json::from_str::<BallotRule>(r#"{"options":2,"min":3,"max":3}"#);
        assert!(bad.is_err());
        let good: BallotRule = serde_json::from_str(r#"{"options":3,"min":1,"max":1}"#).unwrap();
        assert_eq!(good, BallotRule::exactly_one(3).unwrap());
    }

    #[test]
    fn choices_must_fit_the_rule() {
        let kp = KeyPair::generate(&mut OsRng);
        let rule = BallotRule::exactly_one(3).unwrap();
        let pk = kp.public();
        assert!(matches!(
            encrypt_ballot(pk, b"p", &rule, &[true, true, false], &mut OsRng),
            Err(BallotError::ChoicesViolateRule { selected: 2, .. })
        ));
        assert!(matches!(
            encrypt_ballot(pk, b"p", &rule, &[true, false], &mut OsRng),
            Err(BallotError::WrongOptionCount { expected: 3, got: 2 })
        ));
    }

    #[test]
    fn aggregate_of_nothing_is_zeros_and_lengths_must_match() {
        let kp = KeyPair::generate(&mut OsRng);
        let sums = aggregate(3, &[]).unwrap();
        assert_eq!(sums.len(), 3);
        assert!(sums.iter().all(|s| kp.decrypt(s) == Ok(0)));
        let rule = BallotRule::exactly_one(2).unwrap();
        let b = encrypt_ballot(kp.public(), b"p", &rule, &[true, false], &mut OsRng).unwrap();
        assert!(aggregate(3, &[b]).is_err());
    }
}
