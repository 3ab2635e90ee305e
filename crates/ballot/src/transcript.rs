//! The Fiat–Shamir transcript: a SHA-512 hash over labelled, length-prefixed fields,
//! reduced to a scalar challenge.
//! Every proof hashes its whole statement (context, public key, ciphertexts) and its
//! commitments, so a proof made for one poll or one ballot verifies nowhere else.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use zeroize::Zeroize;

/// Versioned protocol name; changing any proof's layout changes this string, so old
/// and new proofs can never be confused.
const PROTOCOL: &[u8] = b"plenum-ballot/v1";

#[derive(Clone)]
pub(crate) struct Transcript {
    hash: Sha512,
}

impl Transcript {
    /// A transcript for one kind of proof; `domain` separates kinds so that a
    /// Schnorr proof can never pass as a partial-decryption proof, for example.
    pub(crate) fn new(domain: &'static str) -> Self {
        let mut t = Transcript { hash: Sha512::new() };
        t.bytes("protocol", PROTOCOL);
        t.bytes("domain", domain.as_bytes());
        t
    }

    /// Labels and lengths are hashed too, so no two different sequences of fields
    /// produce the same byte stream (no "ab"+"c" = "a"+"bc" ambiguity).
    pub(crate) fn bytes(&mut self, label: &'static str, data: &[u8]) {
        self.hash.update((label.len() as u64).to_be_bytes());
        self.hash.update(label.as_bytes());
        self.hash.update((data.len() as u64).to_be_bytes());
        self.hash.update(data);
    }

    pub(crate) fn u64(&mut self, label: &'static str, v: u64) {
        self.bytes(label, &v.to_be_bytes());
    }

    pub(crate) fn point(&mut self, label: &'static str, p: &RistrettoPoint) {
        self.bytes(label, p.compress().as_bytes());
    }

    /// 32 pseudorandom bytes, used as a one-time pad (the key of a hashed
    /// ElGamal encryption of a trustee's share).
    pub(crate) fn mask32(self) -> [u8; 32] {
        let mut digest: [u8; 64] = self.hash.finalize().into();
        let mut out = [0u8; 32];
        out.copy_from_slice(&digest[..32]);
        digest.zeroize();
        out
    }

    /// The challenge: 512 bits reduced modulo the (253-bit) group order, so its
    /// bias from uniform is negligible (about 2^-259).
    pub(crate) fn challenge(self) -> Scalar {
        let digest: [u8; 64] = self.hash.finalize().into();
        Scalar::from_bytes_mod_order_wide(&digest)
    }
}
