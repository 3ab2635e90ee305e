//! Small discrete logarithms: recovers m from m·G for 0 <= m <= bound by
//! baby-step giant-step, which is how a decrypted tally becomes a number.
//! Exponential ElGamal can only ever decrypt small values; this is that limit.

use std::collections::HashMap;
use std::sync::OnceLock;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use crate::error::{BallotError, Result};

/// The largest tally [`DlogTable::standard`] decrypts: 100,000. A national
/// legislature has about 3,000 voters and one vote each, so every per-option sum
/// fits with a wide margin; larger electorates build their own table.
pub const DEFAULT_BOUND: u64 = 100_000;

/// The largest bound a table may be built for: 2^40 (baby table of 2^20 entries,
/// about 50 MB). Beyond that, exponential ElGamal is the wrong tool.
pub const MAX_BOUND: u64 = 1 << 40;

/// Baby steps j·G for j < step, keyed by compressed encoding, plus the giant step.
/// Building costs `step` point additions and compressions (about 317 for the
/// default bound, well under a millisecond); solving m costs about m/step + 1
/// compressions, so small tallies decrypt fastest.
pub struct DlogTable {
    bound: u64,
    step: u64,
    baby: HashMap<[u8; 32], u64>,
    /// −step·G: one giant step backwards.
    giant: RistrettoPoint,
}

impl std::fmt::Debug for DlogTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DlogTable").field("bound", &self.bound).field("step", &self.step).finish()
    }
}

impl DlogTable {
    /// A table that solves every m in `0..=bound`.
    pub fn new(bound: u64) -> Result<Self> {
        if bound > MAX_BOUND {
            return Err(BallotError::InvalidRule(format!(
                "decryption bound {bound} exceeds the maximum {MAX_BOUND}"
            )));
        }
        Ok(Self::build(bound))
    }

    /// The shared table for [`DEFAULT_BOUND`], built once per process.
    pub fn standard() -> &'static DlogTable {
        static TABLE: OnceLock<DlogTable> = OnceLock::new();
        TABLE.get_or_init(|| Self::build(DEFAULT_BOUND))
    }

    /// Infallible core of `new`; callers guarantee `bound <= MAX_BOUND`.
    fn build(bound: u64) -> Self {
        // step = ceil(sqrt(bound + 1)), so step² covers 0..=bound. The float
        // estimate is corrected by the loop, so rounding cannot make it wrong.
        let mut step = ((bound as f64 + 1.0).sqrt() as u64).max(1);
        while step.saturating_mul(step) < bound + 1 {
            step += 1;
        }
        let mut baby = HashMap::with_capacity(step as usize);
        let mut p = RistrettoPoint::identity();
        for j in 0..step {
            baby.insert(p.compress().to_bytes(), j);
            p += RISTRETTO_BASEPOINT_POINT;
        }
        let giant = -RistrettoPoint::mul_base(&Scalar::from(step));
        DlogTable { bound, step, baby, giant }
    }

    /// The largest value this table solves.
    pub fn bound(&self) -> u64 {
        self.bound
    }

    /// m such that `target = m·G` and `m <= bound`, or `PlaintextOutOfRange`.
    /// Runs in time depending on m; tallies are public once decrypted, so that
    /// leaks nothing. Never use this on a secret.
    pub fn solve(&self, target: &RistrettoPoint) -> Result<u64> {
        let mut p = *target;
        let mut base = 0u64;
        while base <= self.bound {
            if let Some(j) = self.baby.get(p.compress().as_bytes()) {
                let m = base + j;
                if m <= self.bound {
                    return Ok(m);
                }
                break;
            }
            p += self.giant;
            base += self.step;
        }
        Err(BallotError::PlaintextOutOfRange { bound: self.bound })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(m: u64) -> RistrettoPoint {
        RistrettoPoint::mul_base(&Scalar::from(m))
    }

    #[test]
    fn standard_step_is_ceil_sqrt() {
        assert_eq!(DlogTable::standard().step, 317); // 316² < 100,001 <= 317²
    }

    #[test]
    fn solves_edges_and_refuses_beyond_bound() {
        let t = DlogTable::standard();
        for m in [0, 1, 2, 316, 317, 318, 3000, 99_999, 100_000] {
            assert_eq!(t.solve(&g(m)), Ok(m), "m = {m}");
        }
        for m in [100_001, 100_489, 1_000_000] {
            assert_eq!(t.solve(&g(m)), Err(BallotError::PlaintextOutOfRange { bound: DEFAULT_BOUND }));
        }
        // The negation of a small value is not small.
        assert!(t.solve(&-g(1)).is_err());
    }

    #[test]
    fn tiny_and_custom_tables() {
        for bound in [0u64, 1, 2, 3, 10, 1000] {
            let t = DlogTable::new(bound);
            assert!(t.is_ok());
            if let Ok(t) = t {
                for m in 0..=bound {
                    assert_eq!(t.solve(&g(m)), Ok(m));
                }
                assert!(t.solve(&g(bound + 1)).is_err());
            }
        }
        assert!(DlogTable::new(MAX_BOUND + 1).is_err());
    }
}
