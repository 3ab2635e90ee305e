//! The three sigma protocols, made non-interactive by Fiat–Shamir: Schnorr (I know
//! x with X = x·G), Chaum–Pedersen (the same x links two pairs of points), and the
//! disjunctive Chaum–Pedersen "range" proof (this ciphertext encrypts one of lo..=hi).
//! Callers hand in a transcript that already holds the context; the proofs add
//! their own statement and commitments to it before taking the challenge.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{MultiscalarMul, VartimeMultiscalarMul};
use rand_core::CryptoRngCore;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::elgamal::{Ciphertext, G, PublicKey};
use crate::encoding::{Reader, Wire, put_scalar, wire_string};
use crate::error::Result;
use crate::transcript::Transcript;

/// Proof of knowledge of x with X = x·G, as the pair (challenge, response).
/// Storing the challenge rather than the commitment keeps it at 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SchnorrProof {
    pub c: Scalar,
    pub s: Scalar,
}

impl SchnorrProof {
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        mut t: Transcript,
        x: &Scalar,
        big_x: &RistrettoPoint,
        rng: &mut R,
    ) -> Self {
        let k = Zeroizing::new(Scalar::random(rng));
        let a = RistrettoPoint::mul_base(&k);
        t.point("X", big_x);
        t.point("A", &a);
        let c = t.challenge();
        SchnorrProof { c, s: *k + c * x }
    }

    pub(crate) fn verify(&self, mut t: Transcript, big_x: &RistrettoPoint) -> bool {
        // A = s·G − c·X, then the challenge must come out the same.
        let a = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-self.c, big_x, &self.s);
        t.point("X", big_x);
        t.point("A", &a);
        t.challenge() == self.c
    }
}

impl Wire for SchnorrProof {
    const WHAT: &'static str = "Schnorr proof";
    fn write(&self, out: &mut Vec<u8>) {
        put_scalar(out, &self.c);
        put_scalar(out, &self.s);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SchnorrProof { c: r.scalar()?, s: r.scalar()? })
    }
}
wire_string!(SchnorrProof);

/// Chaum–Pedersen proof that log_G(P) = log_B(Q) without revealing it; used for
/// partial decryptions (log_G X_i = log_c1 D_i).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DleqProof {
    pub c: Scalar,
    pub s: Scalar,
}

impl DleqProof {
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        mut t: Transcript,
        x: &Scalar,
        p: &RistrettoPoint,
        b: &RistrettoPoint,
        q: &RistrettoPoint,
        rng: &mut R,
    ) -> Self {
        let k = Zeroizing::new(Scalar::random(rng));
        let a1 = RistrettoPoint::mul_base(&k);
        let a2 = b * *k;
        absorb_dleq(&mut t, p, b, q, &a1, &a2);
        let c = t.challenge();
        DleqProof { c, s: *k + c * x }
    }

    pub(crate) fn verify(
        &self,
        mut t: Transcript,
        p: &RistrettoPoint,
        b: &RistrettoPoint,
        q: &RistrettoPoint,
    ) -> bool {
        let a1 = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-self.c, p, &self.s);
        let a2 = RistrettoPoint::vartime_multiscalar_mul([self.s, -self.c], [*b, *q]);
        absorb_dleq(&mut t, p, b, q, &a1, &a2);
        t.challenge() == self.c
    }
}

fn absorb_dleq(
    t: &mut Transcript,
    p: &RistrettoPoint,
    b: &RistrettoPoint,
    q: &RistrettoPoint,
    a1: &RistrettoPoint,
    a2: &RistrettoPoint,
) {
    t.point("P", p);
    t.point("B", b);
    t.point("Q", q);
    t.point("A1", a1);
    t.point("A2", a2);
}

impl Wire for DleqProof {
    const WHAT: &'static str = "Chaum-Pedersen proof";
    fn write(&self, out: &mut Vec<u8>) {
        put_scalar(out, &self.c);
        put_scalar(out, &self.s);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(DleqProof { c: r.scalar()?, s: r.scalar()? })
    }
}
wire_string!(DleqProof);

/// Disjunctive Chaum–Pedersen proof (Cramer–Damgård–Schoenmakers) that a
/// ciphertext (α, β) under Y encrypts some v in lo..=hi: for one v the prover
/// knows r with α = r·G and β − v·G = r·Y, and every other branch is simulated.
/// One (challenge, response) pair per branch; the challenges sum to the hash.
/// With lo = 0, hi = 1 it is the "0 or 1" proof of an option; with lo = hi it is a
/// plain Chaum–Pedersen proof that the ciphertext encrypts exactly lo.
#[derive(Clone, PartialEq, Eq)]
pub struct RangeProof {
    /// (c_v, s_v) for v = lo, lo+1, ..., hi, in that order.
    pub branches: Vec<(Scalar, Scalar)>,
}

impl RangeProof {
    /// Proves that `ct = (r·G, m·G + r·Y)` encrypts a value in `lo..=hi`. If m is
    /// outside the range no branch is real and the proof will not verify: this is
    /// exactly a cheater's best generic attempt (simulate every branch).
    ///
    /// Which branch is real is the vote itself, so the prover runs the same
    /// operations for every branch and picks real or simulated values with
    /// constant-time selects: the timing does not tell the choice.
    #[allow(clippy::too_many_arguments)] // One statement, spelled out; a struct would only rename them.
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        mut t: Transcript,
        pk: &PublicKey,
        ct: &Ciphertext,
        lo: u64,
        hi: u64,
        m: &Scalar,
        r: &Scalar,
        rng: &mut R,
    ) -> Self {
        let y = *pk.point();
        let w = Zeroizing::new(Scalar::random(rng));
        let real_a = RistrettoPoint::mul_base(&w);
        let real_b = y * *w;

        let count = hi.saturating_sub(lo).saturating_add(1);
        let mut branches = Vec::with_capacity(count as usize);
        let mut is_real = Vec::with_capacity(count as usize);
        let mut simulated_sum = Scalar::ZERO;
        absorb_range_statement(&mut t, pk, ct, lo, hi);
        for v in lo..=hi {
            let real = m.ct_eq(&Scalar::from(v));
            let c_v = Scalar::random(rng);
            let s_v = Scalar::random(rng);
            // Simulated commitments: A = s·G − c·α, B = s·Y − c·(β − v·G).
            let beta_v = ct.c2 - RistrettoPoint::mul_base(&Scalar::from(v));
            let sim_a = RistrettoPoint::multiscalar_mul([s_v, -c_v], [G, ct.c1]);
            let sim_b = RistrettoPoint::multiscalar_mul([s_v, -c_v], [y, beta_v]);
            let a = RistrettoPoint::conditional_select(&sim_a, &real_a, real);
            let b = RistrettoPoint::conditional_select(&sim_b, &real_b, real);
            t.point("A", &a);
            t.point("B", &b);
            simulated_sum += Scalar::conditional_select(&c_v, &Scalar::ZERO, real);
            branches.push((c_v, s_v));
            is_real.push(real);
        }
        let c = t.challenge();
        let real_c = c - simulated_sum;
        let real_s = *w + real_c * r;
        for ((c_v, s_v), real) in branches.iter_mut().zip(is_real) {
            c_v.conditional_assign(&real_c, real);
            s_v.conditional_assign(&real_s, real);
        }
        RangeProof { branches }
    }

    /// Checks the proof for `lo..=hi`; the branch count must match the range.
    pub(crate) fn verify(
        &self,
        mut t: Transcript,
        pk: &PublicKey,
        ct: &Ciphertext,
        lo: u64,
        hi: u64,
    ) -> bool {
        let Some(span) = hi.checked_sub(lo) else { return false };
        if self.branches.len() as u64 != span + 1 {
            return false;
        }
        let y = *pk.point();
        absorb_range_statement(&mut t, pk, ct, lo, hi);
        let mut sum = Scalar::ZERO;
        for (v, (c_v, s_v)) in (lo..=hi).zip(&self.branches) {
            // A = s·G − c·α; B = s·Y − c·β + (c·v)·G. All public: variable time is fine.
            let a = RistrettoPoint::vartime_double_scalar_mul_basepoint(&-c_v, &ct.c1, s_v);
            let b =
                RistrettoPoint::vartime_multiscalar_mul([*s_v, -c_v, c_v * Scalar::from(v)], [y, ct.c2, G]);
            t.point("A", &a);
            t.point("B", &b);
            sum += c_v;
        }
        t.challenge() == sum
    }
}

fn absorb_range_statement(t: &mut Transcript, pk: &PublicKey, ct: &Ciphertext, lo: u64, hi: u64) {
    t.point("Y", pk.point());
    t.point("alpha", &ct.c1);
    t.point("beta", &ct.c2);
    t.u64("lo", lo);
    t.u64("hi", hi);
}

impl Wire for RangeProof {
    const WHAT: &'static str = "range proof";
    fn write(&self, out: &mut Vec<u8>) {
        // Branch counts are bounded by MAX_OPTIONS + 1, far below u16::MAX.
        out.extend_from_slice(&(self.branches.len() as u16).to_be_bytes());
        for (c, s) in &self.branches {
            put_scalar(out, c);
            put_scalar(out, s);
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.u16()? as usize;
        r.check_room(n, 64)?;
        let mut branches = Vec::with_capacity(n);
        for _ in 0..n {
            branches.push((r.scalar()?, r.scalar()?));
        }
        Ok(RangeProof { branches })
    }
}
wire_string!(RangeProof);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elgamal::KeyPair;
    use rand_core::OsRng;

    fn t() -> Transcript {
        Transcript::new("test")
    }

    #[test]
    fn range_proofs_for_every_value_in_and_out_of_range() {
        let kp = KeyPair::generate(&mut OsRng);
        let pk = kp.public();
        for m in 0u64..=5 {
            let r = Scalar::random(&mut OsRng);
            let ct = pk.encrypt_with(&Scalar::from(m), &r);
            for (lo, hi) in [(0, 1), (0, 3), (1, 1), (2, 4), (0, 5)] {
                let proof = RangeProof::prove(t(), pk, &ct, lo, hi, &Scalar::from(m), &r, &mut OsRng);
                let inside = (lo..=hi).contains(&m);
                assert_eq!(proof.verify(t(), pk, &ct, lo, hi), inside, "m={m} range {lo}..={hi}");
                // Wrong transcript, wrong key, wrong range: never.
                assert!(!proof.verify(Transcript::new("other"), pk, &ct, lo, hi));
                let other = KeyPair::generate(&mut OsRng);
                assert!(!proof.verify(t(), other.public(), &ct, lo, hi));
                assert!(!proof.verify(t(), pk, &ct, lo + 1, hi + 1));
            }
        }
    }

    #[test]
    fn schnorr_and_dleq() {
        let x = Scalar::random(&mut OsRng);
        let big_x = RistrettoPoint::mul_base(&x);
        let p = SchnorrProof::prove(t(), &x, &big_x, &mut OsRng);
        assert!(p.verify(t(), &big_x));
        assert!(!p.verify(t(), &(big_x + G)));
        assert!(!SchnorrProof { c: p.c, s: p.s + Scalar::ONE }.verify(t(), &big_x));

        let b = RistrettoPoint::random(&mut OsRng);
        let q = b * x;
        let d = DleqProof::prove(t(), &x, &big_x, &b, &q, &mut OsRng);
        assert!(d.verify(t(), &big_x, &b, &q));
        assert!(!d.verify(t(), &big_x, &b, &(q + G)));
        assert!(!d.verify(Transcript::new("other"), &big_x, &b, &q));
    }
}
