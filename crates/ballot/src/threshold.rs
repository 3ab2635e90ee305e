//! t-of-n trustees: a distributed key generation (Pedersen's, with Feldman
//! commitments) leaves each trustee j a Shamir share x_j of a key nobody holds, and
//! any t of the n trustees decrypt a tally together (Lagrange interpolation).
//! Fewer than t learn nothing; up to n − t trustees may lose their share.
//!
//! The flow, each step's output published on the journal (which must show every
//! trustee the same messages):
//! 1. Every trustee generates its identity [`TrusteeKey`] and publishes
//!    [`TrusteeKey::publish`]; the list's order gives indices 1..=n.
//! 2. Every trustee i, as a dealer: [`Dealer::new`], publishes
//!    [`Dealer::commitment`], and one [`Dealer::share_for`] per trustee j
//!    (encrypted to j's identity key, so it can travel over the journal too).
//! 3. Anyone: [`combine_dealings`] → [`ThresholdKey`] (election key and each
//!    trustee's verification key). Every trustee j: [`receive_shares`] → its
//!    [`ThresholdShare`], or `BadShare { dealer }`, a complaint to publish; the
//!    assembly then re-runs step 2 without that dealer.
//! 4. At the tally, any t trustees [`ThresholdShare::partial_decrypt`] each sum;
//!    anyone runs [`combine_threshold_partials`].

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::dlog::DlogTable;
use crate::elgamal::{Ciphertext, PublicKey, parse_secret_hex};
use crate::encoding::{Reader, Wire, put_point, put_scalar, wire_string};
use crate::error::{BallotError, Result, malformed};
use crate::proofs::{DleqProof, SchnorrProof};
use crate::transcript::Transcript;
use crate::trustee::{PartialDecryption, TrusteeKey, TrusteePublic, partial_transcript};

/// Most trustees a threshold key may have; indices fit a byte, and the DKG costs
/// n² messages, so larger committees are not meant for this scheme anyway.
pub const MAX_TRUSTEES: u32 = 255;

/// t of n: how many trustees must cooperate to decrypt, out of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawThreshold", into = "RawThreshold")]
pub struct Threshold {
    threshold: u32,
    trustees: u32,
}

/// Unchecked serde shape; `try_from` validates, so a parsed threshold is valid.
#[derive(Serialize, Deserialize)]
struct RawThreshold {
    threshold: u32,
    trustees: u32,
}

impl TryFrom<RawThreshold> for Threshold {
    type Error = BallotError;
    fn try_from(r: RawThreshold) -> Result<Self> {
        Threshold::new(r.threshold, r.trustees)
    }
}

impl From<Threshold> for RawThreshold {
    fn from(t: Threshold) -> Self {
        RawThreshold { threshold: t.threshold, trustees: t.trustees }
    }
}

impl Threshold {
    pub fn new(threshold: u32, trustees: u32) -> Result<Self> {
        if threshold == 0 || threshold > trustees || trustees > MAX_TRUSTEES {
            return Err(BallotError::InvalidThreshold(format!(
                "{threshold} of {trustees}; need 1 <= t <= n <= {MAX_TRUSTEES}"
            )));
        }
        Ok(Threshold { threshold, trustees })
    }
    pub fn threshold(&self) -> u32 {
        self.threshold
    }
    pub fn trustees(&self) -> u32 {
        self.trustees
    }
    fn check_index(&self, index: u32, role: &str) -> Result<()> {
        if index == 0 || index > self.trustees {
            return Err(BallotError::InvalidThreshold(format!(
                "{role} index {index} outside 1..={}",
                self.trustees
            )));
        }
        Ok(())
    }
}

fn dealing_transcript(context: &[u8], params: &Threshold, dealer: u32) -> Transcript {
    let mut t = Transcript::new("threshold dealing");
    t.bytes("context", context);
    t.u64("threshold", u64::from(params.threshold));
    t.u64("trustees", u64::from(params.trustees));
    t.u64("dealer", u64::from(dealer));
    t
}

/// Trustee i's secret polynomial f_i of degree t − 1; f_i(0) is its contribution
/// to the election key, f_i(j) is the share it sends trustee j. Discard it after
/// step 2: keeping it only adds something to steal.
pub struct Dealer {
    params: Threshold,
    index: u32,
    coefficients: Vec<Scalar>,
}

impl Dealer {
    /// A fresh random polynomial for dealer `index` (1-based).
    pub fn new<R: CryptoRngCore + ?Sized>(params: Threshold, index: u32, rng: &mut R) -> Result<Self> {
        params.check_index(index, "dealer")?;
        let coefficients = (0..params.threshold).map(|_| Scalar::random(rng)).collect();
        Ok(Dealer { params, index, coefficients })
    }

    /// Feldman commitments C_k = a_k·G to the coefficients, and a Schnorr proof
    /// of knowledge of a_0 bound to the context and dealer index, which stops a
    /// dealer from choosing its C_0 to cancel the others' (rogue key).
    pub fn commitment<R: CryptoRngCore + ?Sized>(&self, context: &[u8], rng: &mut R) -> DealerCommitment {
        let coefficients: Vec<RistrettoPoint> =
            self.coefficients.iter().map(RistrettoPoint::mul_base).collect();
        let t = dealing_transcript(context, &self.params, self.index);
        let proof = match (self.coefficients.first(), coefficients.first()) {
            (Some(a0), Some(c0)) => SchnorrProof::prove(t, a0, c0, rng),
            // Unreachable: Threshold guarantees t >= 1 coefficients. A proof of
            // nothing fails verification, so even then nothing unsound escapes.
            _ => SchnorrProof { c: Scalar::ZERO, s: Scalar::ZERO },
        };
        DealerCommitment { dealer: self.index, coefficients, proof }
    }

    /// f_i(j), encrypted to trustee j's identity key with hashed ElGamal:
    /// E = e·G, pad = H(context, i, j, E, e·X_j). Confidentiality comes from the
    /// pad; integrity from the recipient checking the share against the
    /// commitments, so no MAC is needed.
    pub fn share_for<R: CryptoRngCore + ?Sized>(
        &self,
        recipient: u32,
        recipient_key: &PublicKey,
        context: &[u8],
        rng: &mut R,
    ) -> Result<EncryptedShare> {
        self.params.check_index(recipient, "recipient")?;
        let share = Zeroizing::new(self.eval(recipient));
        let e = Zeroizing::new(Scalar::random(rng));
        let ephemeral = RistrettoPoint::mul_base(&e);
        let dh = recipient_key.point() * *e;
        let mut masked = share_pad(context, self.index, recipient, &ephemeral, &dh);
        for (m, b) in masked.iter_mut().zip(share.as_bytes()) {
            *m ^= b;
        }
        Ok(EncryptedShare { dealer: self.index, recipient, ephemeral, masked })
    }

    /// f(j) by Horner's rule.
    fn eval(&self, j: u32) -> Scalar {
        let x = Scalar::from(u64::from(j));
        self.coefficients.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a)
    }
}

fn share_pad(
    context: &[u8],
    dealer: u32,
    recipient: u32,
    ephemeral: &RistrettoPoint,
    dh: &RistrettoPoint,
) -> [u8; 32] {
    let mut t = Transcript::new("threshold share pad");
    t.bytes("context", context);
    t.u64("dealer", u64::from(dealer));
    t.u64("recipient", u64::from(recipient));
    t.point("E", ephemeral);
    t.point("DH", dh);
    t.mask32()
}

impl std::fmt::Debug for Dealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dealer")
            .field("params", &self.params)
            .field("index", &self.index)
            .field("coefficients", &"<redacted>")
            .finish()
    }
}

impl Drop for Dealer {
    fn drop(&mut self) {
        self.coefficients.zeroize();
    }
}

/// A dealer's public commitments C_0..C_{t−1} and its proof of knowledge of a_0.
#[derive(Clone, PartialEq, Eq)]
pub struct DealerCommitment {
    pub dealer: u32,
    pub coefficients: Vec<RistrettoPoint>,
    pub proof: SchnorrProof,
}

impl DealerCommitment {
    /// Σ_k j^k·C_k = f(j)·G: what trustee j's share from this dealer must match.
    fn share_point(&self, j: u32) -> RistrettoPoint {
        let x = Scalar::from(u64::from(j));
        let mut power = Scalar::ONE;
        let powers: Vec<Scalar> = self
            .coefficients
            .iter()
            .map(|_| {
                let p = power;
                power *= x;
                p
            })
            .collect();
        RistrettoPoint::vartime_multiscalar_mul(&powers, &self.coefficients)
    }
}

impl Wire for DealerCommitment {
    const WHAT: &'static str = "dealer commitment";
    fn write(&self, out: &mut Vec<u8>) {
        // Indices and counts are at most MAX_TRUSTEES (255) once verified.
        out.extend_from_slice(&(self.dealer as u16).to_be_bytes());
        out.extend_from_slice(&(self.coefficients.len() as u16).to_be_bytes());
        for c in &self.coefficients {
            put_point(out, c);
        }
        self.proof.write(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let dealer = u32::from(r.u16()?);
        let n = r.u16()? as usize;
        r.check_room(n, 32)?;
        let mut coefficients = Vec::with_capacity(n);
        for _ in 0..n {
            coefficients.push(r.point()?);
        }
        Ok(DealerCommitment { dealer, coefficients, proof: SchnorrProof::read(r)? })
    }
}
wire_string!(DealerCommitment);

/// f_i(j) from dealer i to trustee j, readable only with j's identity key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EncryptedShare {
    pub dealer: u32,
    pub recipient: u32,
    pub ephemeral: RistrettoPoint,
    pub masked: [u8; 32],
}

impl Wire for EncryptedShare {
    const WHAT: &'static str = "encrypted share";
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.dealer as u16).to_be_bytes());
        out.extend_from_slice(&(self.recipient as u16).to_be_bytes());
        put_point(out, &self.ephemeral);
        out.extend_from_slice(&self.masked);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(EncryptedShare {
            dealer: u32::from(r.u16()?),
            recipient: u32::from(r.u16()?),
            ephemeral: r.point()?,
            masked: r.bytes32()?,
        })
    }
}
wire_string!(EncryptedShare);

/// The public result of the DKG: the election key Y = Σ_i C_i0 and the
/// verification key X_j = x_j·G of every trustee, against which partial
/// decryptions are checked. Not serialised on purpose: it is only trustworthy as
/// the output of [`combine_dealings`] over the published commitments, so store
/// those and recompute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdKey {
    params: Threshold,
    public: PublicKey,
    verification_keys: Vec<PublicKey>,
}

impl ThresholdKey {
    /// The election key, to encrypt ballots with.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }
    pub fn params(&self) -> &Threshold {
        &self.params
    }
    /// X_j of trustee j (1-based).
    pub fn verification_key(&self, j: u32) -> Option<&PublicKey> {
        self.verification_keys.get((j as usize).checked_sub(1)?)
    }
}

/// Checks all n dealers' commitments (one per index, t coefficients each, valid
/// proof of knowledge) and derives the election key and verification keys.
pub fn combine_dealings(
    params: &Threshold,
    context: &[u8],
    commitments: &[DealerCommitment],
) -> Result<ThresholdKey> {
    let by_dealer = commitments_by_dealer(params, context, commitments)?;
    // A_k = Σ_i C_ik: the commitments to the joint polynomial F = Σ f_i.
    let mut joint = vec![RistrettoPoint::default(); params.threshold as usize];
    for c in &by_dealer {
        for (a, ck) in joint.iter_mut().zip(&c.coefficients) {
            *a += ck;
        }
    }
    let joint_commitment = DealerCommitment {
        dealer: 0,
        coefficients: joint,
        proof: SchnorrProof { c: Scalar::ZERO, s: Scalar::ZERO },
    };
    let public = PublicKey::from_point(joint_commitment.share_point(0))?;
    let verification_keys = (1..=params.trustees)
        .map(|j| PublicKey::from_point(joint_commitment.share_point(j)))
        .collect::<Result<Vec<_>>>()?;
    Ok(ThresholdKey { params: *params, public, verification_keys })
}

/// The commitments ordered by dealer index, each checked.
fn commitments_by_dealer<'a>(
    params: &Threshold,
    context: &[u8],
    commitments: &'a [DealerCommitment],
) -> Result<Vec<&'a DealerCommitment>> {
    if commitments.len() != params.trustees as usize {
        return Err(BallotError::InvalidThreshold(format!(
            "{} dealer commitments for {} trustees",
            commitments.len(),
            params.trustees
        )));
    }
    let mut ordered = Vec::with_capacity(commitments.len());
    for dealer in 1..=params.trustees {
        let mut theirs = commitments.iter().filter(|c| c.dealer == dealer);
        let (Some(c), None) = (theirs.next(), theirs.next()) else {
            return Err(BallotError::InvalidThreshold(format!("dealer {dealer} must commit exactly once")));
        };
        if c.coefficients.len() != params.threshold as usize {
            return Err(BallotError::InvalidThreshold(format!(
                "dealer {dealer} committed to {} coefficients, threshold is {}",
                c.coefficients.len(),
                params.threshold
            )));
        }
        let verified = c
            .coefficients
            .first()
            .is_some_and(|c0| c.proof.verify(dealing_transcript(context, params, dealer), c0));
        if !verified {
            return Err(BallotError::InvalidProof { what: format!("dealer {dealer} knows its secret") });
        }
        ordered.push(c);
    }
    Ok(ordered)
}

/// Trustee `index`'s step 3: decrypts the share every dealer sent it, checks each
/// against that dealer's commitments, and sums them into its Shamir share x_j.
/// `BadShare { dealer }` names the dealer to complain about.
pub fn receive_shares(
    identity: &TrusteeKey,
    index: u32,
    params: &Threshold,
    context: &[u8],
    commitments: &[DealerCommitment],
    shares: &[EncryptedShare],
) -> Result<ThresholdShare> {
    params.check_index(index, "trustee")?;
    let key = combine_dealings(params, context, commitments)?;
    let by_dealer = commitments_by_dealer(params, context, commitments)?;
    let mut secret = Scalar::ZERO;
    for c in by_dealer {
        let mut theirs = shares.iter().filter(|s| s.dealer == c.dealer && s.recipient == index);
        let (Some(share), None) = (theirs.next(), theirs.next()) else {
            return Err(BallotError::BadShare { dealer: c.dealer });
        };
        let dh = share.ephemeral * identity.secret();
        let pad = Zeroizing::new(share_pad(context, c.dealer, index, &share.ephemeral, &dh));
        let mut bytes = Zeroizing::new([0u8; 32]);
        for ((b, m), p) in bytes.iter_mut().zip(&share.masked).zip(pad.iter()) {
            *b = m ^ p;
        }
        let value: Option<Scalar> = Scalar::from_canonical_bytes(*bytes).into();
        let Some(value) = value.map(Zeroizing::new) else {
            return Err(BallotError::BadShare { dealer: c.dealer });
        };
        // Constant-time on the secret side; the commitment side is public.
        if RistrettoPoint::mul_base(&value) != c.share_point(index) {
            return Err(BallotError::BadShare { dealer: c.dealer });
        }
        secret += *value;
    }
    let public = PublicKey::from_point(RistrettoPoint::mul_base(&secret))?;
    // Holds when every share matched its commitments; checked so that a bug can
    // never leave a trustee with a share the combiner will reject.
    if key.verification_key(index) != Some(&public) {
        secret.zeroize();
        return Err(BallotError::InvalidThreshold(format!(
            "share of trustee {index} does not match its key"
        )));
    }
    Ok(ThresholdShare { index, secret, public })
}

/// Trustee j's Shamir share x_j = F(j) of the election secret, and X_j = x_j·G.
pub struct ThresholdShare {
    index: u32,
    secret: Scalar,
    public: PublicKey,
}

impl ThresholdShare {
    pub fn index(&self) -> u32 {
        self.index
    }

    /// X_j, equal to [`ThresholdKey::verification_key`]`(j)`.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// D_j = x_j·c1 with a Chaum–Pedersen proof against X_j; same message type
    /// as the n-of-n scheme. Meant for per-option sums only.
    pub fn partial_decrypt<R: CryptoRngCore + ?Sized>(
        &self,
        ct: &Ciphertext,
        context: &[u8],
        rng: &mut R,
    ) -> PartialDecryption {
        let share = ct.c1 * self.secret;
        let proof = DleqProof::prove(
            partial_transcript(context, ct),
            &self.secret,
            self.public.point(),
            &ct.c1,
            &share,
            rng,
        );
        PartialDecryption { trustee: self.public, share, proof }
    }

    /// Index and share as hex, for the trustee to store offline; wiped when dropped.
    pub fn to_secret_hex(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(34));
        bytes.extend_from_slice(&(self.index as u16).to_be_bytes());
        put_scalar(&mut bytes, &self.secret);
        Zeroizing::new(hex::encode(&*bytes))
    }

    /// Parses what [`ThresholdShare::to_secret_hex`] wrote.
    pub fn from_secret_hex(s: &str) -> Result<Self> {
        let (Some(index_hex), Some(secret_hex)) = (s.get(..4), s.get(4..)) else {
            return Err(malformed("threshold share", "too short"));
        };
        let index =
            u16::from_str_radix(index_hex, 16).map_err(|_| malformed("threshold share", "bad index"))?;
        let secret = parse_secret_hex(secret_hex, "threshold share")?;
        let public = PublicKey::from_point(RistrettoPoint::mul_base(&secret))
            .map_err(|_| malformed("threshold share", "zero"))?;
        Ok(ThresholdShare { index: u32::from(index), secret, public })
    }
}

/// Prints index and X_j only.
impl std::fmt::Debug for ThresholdShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThresholdShare")
            .field("index", &self.index)
            .field("public", &self.public)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Drop for ThresholdShare {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// The plaintext of `ct` from at least t verified partial decryptions by distinct
/// trustees (any t of them, any order): m·G = c2 − Σ λ_j·D_j, with λ_j the
/// Lagrange coefficients at 0 of the trustees who took part.
pub fn combine_threshold_partials(
    key: &ThresholdKey,
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    context: &[u8],
) -> Result<u64> {
    combine_threshold_partials_with(DlogTable::standard(), key, ct, partials, context)
}

/// [`combine_threshold_partials`] with a caller-built table, for other bounds.
pub fn combine_threshold_partials_with(
    table: &DlogTable,
    key: &ThresholdKey,
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    context: &[u8],
) -> Result<u64> {
    let mut taken: Vec<(u32, RistrettoPoint)> = Vec::with_capacity(partials.len());
    for p in partials {
        let Some(pos) = key.verification_keys.iter().position(|k| *k == p.trustee) else {
            return Err(BallotError::PartialsMismatch(format!("{} is not a trustee of this key", p.trustee)));
        };
        let j = pos as u32 + 1;
        if taken.iter().any(|(i, _)| *i == j) {
            return Err(BallotError::PartialsMismatch(format!("trustee {j} contributed twice")));
        }
        if !p.proof.verify(partial_transcript(context, ct), p.trustee.point(), &ct.c1, &p.share) {
            return Err(BallotError::InvalidProof { what: format!("partial decryption by trustee {j}") });
        }
        taken.push((j, p.share));
    }
    let need = key.params.threshold as usize;
    if taken.len() < need {
        return Err(BallotError::PartialsMismatch(format!(
            "{} partial decryptions, {need} needed",
            taken.len()
        )));
    }
    let indices: Vec<u32> = taken.iter().map(|(j, _)| *j).collect();
    let lambdas: Vec<Scalar> = indices.iter().map(|j| lagrange_at_zero(*j, &indices)).collect();
    let shares: Vec<RistrettoPoint> = taken.iter().map(|(_, d)| *d).collect();
    let combined = RistrettoPoint::vartime_multiscalar_mul(&lambdas, &shares);
    table.solve(&(ct.c2 - combined))
}

/// λ_j = Π_{m ∈ S, m ≠ j} m / (m − j): F(0) = Σ λ_j F(j) for deg F < |S|.
/// Indices are distinct and non-zero, so every m − j is invertible.
fn lagrange_at_zero(j: u32, set: &[u32]) -> Scalar {
    let xj = Scalar::from(u64::from(j));
    let (num, den) = set.iter().filter(|m| **m != j).fold((Scalar::ONE, Scalar::ONE), |(num, den), m| {
        let xm = Scalar::from(u64::from(*m));
        (num * xm, den * (xm - xj))
    });
    num * den.invert()
}

/// Every trustee's identity keys in index order, checked like the n-of-n keys;
/// the keys dealers encrypt shares to. Index j is position j − 1.
pub fn check_identities(params: &Threshold, context: &[u8], identities: &[TrusteePublic]) -> Result<()> {
    if identities.len() != params.trustees as usize {
        return Err(BallotError::InvalidThreshold(format!(
            "{} identities for {} trustees",
            identities.len(),
            params.trustees
        )));
    }
    crate::trustee::combine_public_keys(context, identities).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagrange_reconstructs_a_polynomial() {
        // F(z) = 5 + 3z + 2z²; any three points give F(0) = 5.
        let f = |z: u64| Scalar::from(5 + 3 * z + 2 * z * z);
        for set in [[1u32, 2, 3], [2, 4, 5], [5, 1, 3]] {
            let sum: Scalar = set.iter().map(|j| lagrange_at_zero(*j, &set) * f(u64::from(*j))).sum();
            assert_eq!(sum, Scalar::from(5u64));
        }
    }

    #[test]
    fn thresholds_validate() {
        assert!(Threshold::new(3, 5).is_ok());
        assert!(Threshold::new(0, 5).is_err());
        assert!(Threshold::new(6, 5).is_err());
        assert!(Threshold::new(1, MAX_TRUSTEES + 1).is_err());
        assert!(serde_json::from_str::<Threshold>(r#"{"threshold":4,"trustees":3}"#).is_err());
    }
}
