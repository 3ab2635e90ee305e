//! Exponential ElGamal on Ristretto255: m is encrypted as (r·G, m·G + r·Y), so
//! adding ciphertexts adds plaintexts and a tally is the sum of the ballots.
//! Decryption yields m·G; `DlogTable` turns that back into m when m is small.

use std::ops::{Add, AddAssign};

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::dlog::DlogTable;
use crate::encoding::{Reader, Wire, put_point, put_scalar, wire_string};
use crate::error::{BallotError, Result, malformed};

/// The generator G of Ristretto255 that every key and plaintext is based on.
pub(crate) const G: RistrettoPoint = RISTRETTO_BASEPOINT_POINT;

/// An election public key Y = x·G (for trustees, the sum of their keys).
/// Never the identity: that key would "encrypt" m as m·G, readable by anyone.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    point: RistrettoPoint,
}

impl PublicKey {
    pub(crate) fn from_point(point: RistrettoPoint) -> Result<Self> {
        if point.is_identity() { Err(BallotError::IdentityKey) } else { Ok(PublicKey { point }) }
    }

    /// The key as a group element Y.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// Encrypts a small non-negative integer with fresh randomness. Anyone can
    /// encrypt; only the key holder(s) can decrypt, and only small values.
    pub fn encrypt<R: CryptoRngCore + ?Sized>(&self, m: u64, rng: &mut R) -> Ciphertext {
        let r = Zeroizing::new(Scalar::random(rng));
        self.encrypt_with(&Scalar::from(m), &r)
    }

    /// (r·G, m·G + r·Y). Constant time in m and r: both are secret for a ballot,
    /// and knowing r reveals m (it is the voter's receipt, see the crate docs).
    pub(crate) fn encrypt_with(&self, m: &Scalar, r: &Scalar) -> Ciphertext {
        Ciphertext { c1: RistrettoPoint::mul_base(r), c2: RistrettoPoint::mul_base(m) + self.point * r }
    }
}

impl Wire for PublicKey {
    const WHAT: &'static str = "public key";
    fn write(&self, out: &mut Vec<u8>) {
        put_point(out, &self.point);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let point = r.point()?;
        PublicKey::from_point(point).map_err(|_| malformed(Self::WHAT, "identity point"))
    }
}
wire_string!(PublicKey);

/// An ElGamal ciphertext (c1, c2) = (r·G, m·G + r·Y). Public: it is what the
/// journal stores for each cast ballot. Fields are open so that callers and tests
/// can build any ciphertext; the proofs, not the type, decide what is valid.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ciphertext {
    pub c1: RistrettoPoint,
    pub c2: RistrettoPoint,
}

impl Ciphertext {
    /// The encryption of 0 with randomness 0: the neutral element of `add`, and the
    /// tally of an option nobody chose. Decrypts to 0 under every key.
    pub fn zero() -> Self {
        Ciphertext { c1: RistrettoPoint::identity(), c2: RistrettoPoint::identity() }
    }

    /// Homomorphic addition: decrypts to the sum of the two plaintexts.
    #[allow(clippy::should_implement_trait)] // `Add` is implemented too; this reads better in tallies.
    pub fn add(&self, other: &Ciphertext) -> Ciphertext {
        Ciphertext { c1: self.c1 + other.c1, c2: self.c2 + other.c2 }
    }
}

// By reference only: a by-value `Add` would shadow the inherent `add(&self, &other)`
// in method calls (`a.add(&b)` would then fail to type-check).
impl<'a> Add<&'a Ciphertext> for &'a Ciphertext {
    type Output = Ciphertext;
    fn add(self, other: &'a Ciphertext) -> Ciphertext {
        Ciphertext::add(self, other)
    }
}

impl AddAssign<&Ciphertext> for Ciphertext {
    fn add_assign(&mut self, other: &Ciphertext) {
        self.c1 += other.c1;
        self.c2 += other.c2;
    }
}

impl std::iter::Sum for Ciphertext {
    fn sum<I: Iterator<Item = Ciphertext>>(iter: I) -> Ciphertext {
        iter.fold(Ciphertext::zero(), |acc, c| acc.add(&c))
    }
}

impl Wire for Ciphertext {
    const WHAT: &'static str = "ciphertext";
    fn write(&self, out: &mut Vec<u8>) {
        put_point(out, &self.c1);
        put_point(out, &self.c2);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Ciphertext { c1: r.point()?, c2: r.point()? })
    }
}
wire_string!(Ciphertext);

/// A single-holder key pair: the operator's key before trustees exist, and the
/// building block of tests. Whoever holds it can decrypt every single ballot;
/// use [`crate::trustee`] so that nobody can.
pub struct KeyPair {
    secret: Scalar,
    public: PublicKey,
}

impl KeyPair {
    /// A fresh key from a cryptographic RNG (e.g. [`crate::OsRng`]).
    pub fn generate<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        loop {
            let secret = Scalar::random(rng);
            // x = 0 happens with probability 2^-252; looping keeps the invariant
            // "public key is never the identity" without a panic path.
            if let Ok(public) = PublicKey::from_point(RistrettoPoint::mul_base(&secret)) {
                return KeyPair { secret, public };
            }
        }
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// m·G = c2 − x·c1, the decrypted point before the discrete log.
    pub(crate) fn decrypt_point(&self, ct: &Ciphertext) -> RistrettoPoint {
        ct.c2 - ct.c1 * self.secret
    }

    /// Decrypts a ciphertext (meant for sums) whose plaintext is at most
    /// [`crate::DEFAULT_BOUND`]; beyond it, `PlaintextOutOfRange`.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<u64> {
        self.decrypt_with(DlogTable::standard(), ct)
    }

    /// Decrypts with a caller-built table, for bounds other than the default.
    pub fn decrypt_with(&self, table: &DlogTable, ct: &Ciphertext) -> Result<u64> {
        table.solve(&self.decrypt_point(ct))
    }

    /// The secret scalar as hex, for the holder to store. Wrapped in `Zeroizing` so
    /// the copy is wiped when dropped; there is deliberately no `Display`/serde.
    pub fn to_secret_hex(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(32));
        put_scalar(&mut bytes, &self.secret);
        Zeroizing::new(hex::encode(&*bytes))
    }

    /// Parses what [`KeyPair::to_secret_hex`] wrote.
    pub fn from_secret_hex(s: &str) -> Result<Self> {
        let secret = parse_secret_hex(s, "secret key")?;
        let public = PublicKey::from_point(RistrettoPoint::mul_base(&secret))
            .map_err(|_| malformed("secret key", "zero"))?;
        Ok(KeyPair { secret, public })
    }
}

/// Reads a canonical 32-byte scalar written as lowercase hex.
pub(crate) fn parse_secret_hex(s: &str, what: &'static str) -> Result<Scalar> {
    struct Secret(Scalar);
    impl Wire for Secret {
        const WHAT: &'static str = "secret key";
        fn write(&self, out: &mut Vec<u8>) {
            put_scalar(out, &self.0);
        }
        fn read(r: &mut Reader<'_>) -> Result<Self> {
            Ok(Secret(r.scalar()?))
        }
    }
    // The error text never contains the input, so a typo'd secret is not logged.
    Secret::from_hex(s).map(|s| s.0).map_err(|e| match e {
        BallotError::Malformed { reason, .. } => malformed(what, reason),
        other => other,
    })
}

/// Prints only the public half: secrets must not end up in logs.
impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("public", &self.public).field("secret", &"<redacted>").finish()
    }
}

impl Drop for KeyPair {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn encrypt_decrypt_and_add() {
        let kp = KeyPair::generate(&mut OsRng);
        let a = kp.public().encrypt(5, &mut OsRng);
        let b = kp.public().encrypt(7, &mut OsRng);
        assert_eq!(kp.decrypt(&a), Ok(5));
        assert_eq!(kp.decrypt(&a.add(&b)), Ok(12));
        assert_eq!(kp.decrypt(&Ciphertext::zero()), Ok(0));
        assert_ne!(a, kp.public().encrypt(5, &mut OsRng), "encryption is randomised");
    }

    #[test]
    fn debug_hides_the_secret() {
        let kp = KeyPair::generate(&mut OsRng);
        let debug = format!("{kp:?}");
        assert!(!debug.contains(kp.to_secret_hex().as_str()));
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn secret_hex_round_trip() {
        let kp = KeyPair::generate(&mut OsRng);
        let back = KeyPair::from_secret_hex(&kp.to_secret_hex()).unwrap();
        assert_eq!(back.public(), kp.public());
        assert!(KeyPair::from_secret_hex(&"0".repeat(64)).is_err());
        assert!(KeyPair::from_secret_hex(&"f".repeat(64)).is_err(), "non-canonical scalar");
    }
}
