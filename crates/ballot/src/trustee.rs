//! n-of-n trustees: each trustee holds a secret share x_i, the election key is
//! Y = Σ X_i, and a tally is decrypted only when every trustee contributes a
//! proven partial decryption D_i = x_i·c1. No one, operator included, can decrypt
//! alone; but losing any one trustee's key makes the tally undecryptable.
//!
//! The flow: each trustee runs [`TrusteeKey::generate`] and publishes
//! [`TrusteeKey::publish`]; anyone runs [`combine_public_keys`] to get the
//! election key; after the poll each trustee runs [`partial_decrypt`] on every
//! per-option sum; anyone runs [`combine_partials`] to get the counts.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::dlog::DlogTable;
use crate::elgamal::{Ciphertext, PublicKey, parse_secret_hex};
use crate::encoding::{Reader, Wire, put_point, put_scalar, wire_string};
use crate::error::{BallotError, Result, malformed};
use crate::proofs::{DleqProof, SchnorrProof};
use crate::transcript::Transcript;

/// One trustee's secret share x_i and its public X_i = x_i·G.
pub struct TrusteeKey {
    secret: Scalar,
    public: PublicKey,
}

impl TrusteeKey {
    /// A fresh share from a cryptographic RNG, generated on the trustee's own device.
    pub fn generate<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        loop {
            let secret = Scalar::random(rng);
            // x_i = 0 has probability 2^-252; looping keeps X_i ≠ identity without a panic path.
            if let Ok(public) = PublicKey::from_point(RistrettoPoint::mul_base(&secret)) {
                return TrusteeKey { secret, public };
            }
        }
    }

    pub(crate) fn secret(&self) -> &Scalar {
        &self.secret
    }

    /// X_i, this trustee's public share.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// X_i with a Schnorr proof that the trustee knows x_i, bound to `context` (the
    /// election id). The proof stops a rogue-key attack: without it, the last
    /// trustee could publish X_n = x·G − Σ others and so know the whole key.
    pub fn publish<R: CryptoRngCore + ?Sized>(&self, context: &[u8], rng: &mut R) -> TrusteePublic {
        let proof = SchnorrProof::prove(key_transcript(context), &self.secret, self.public.point(), rng);
        TrusteePublic { key: self.public, proof }
    }

    /// The share as hex, for the trustee to store offline; wiped when dropped.
    pub fn to_secret_hex(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(32));
        put_scalar(&mut bytes, &self.secret);
        Zeroizing::new(hex::encode(&*bytes))
    }

    /// Parses what [`TrusteeKey::to_secret_hex`] wrote.
    pub fn from_secret_hex(s: &str) -> Result<Self> {
        let secret = parse_secret_hex(s, "trustee secret")?;
        let public = PublicKey::from_point(RistrettoPoint::mul_base(&secret))
            .map_err(|_| malformed("trustee secret", "zero"))?;
        Ok(TrusteeKey { secret, public })
    }
}

/// Prints only X_i: the share must not end up in logs.
impl std::fmt::Debug for TrusteeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrusteeKey").field("public", &self.public).field("secret", &"<redacted>").finish()
    }
}

impl Drop for TrusteeKey {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

fn key_transcript(context: &[u8]) -> Transcript {
    let mut t = Transcript::new("trustee key");
    t.bytes("context", context);
    t
}

/// What a trustee publishes at key generation: X_i and the proof of knowledge.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TrusteePublic {
    pub key: PublicKey,
    pub proof: SchnorrProof,
}

impl TrusteePublic {
    /// Checks the proof of knowledge for this election `context`.
    pub fn verify(&self, context: &[u8]) -> Result<()> {
        if self.proof.verify(key_transcript(context), self.key.point()) {
            Ok(())
        } else {
            Err(BallotError::InvalidProof { what: format!("trustee {} knows its key", self.key) })
        }
    }
}

impl Wire for TrusteePublic {
    const WHAT: &'static str = "trustee public key";
    fn write(&self, out: &mut Vec<u8>) {
        self.key.write(out);
        self.proof.write(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(TrusteePublic { key: PublicKey::read(r)?, proof: SchnorrProof::read(r)? })
    }
}
wire_string!(TrusteePublic);

/// The election key Y = Σ X_i, after checking every trustee's proof and that no
/// key repeats (a copied key and proof would otherwise verify while adding no
/// secret: the copier's "share" would be the original owner's).
pub fn combine_public_keys(context: &[u8], trustees: &[TrusteePublic]) -> Result<PublicKey> {
    if trustees.is_empty() {
        return Err(BallotError::NoTrustees);
    }
    for (index, trustee) in trustees.iter().enumerate() {
        if let Some(first) = trustees[..index].iter().position(|t| t.key == trustee.key) {
            return Err(BallotError::DuplicateTrustee { index, first });
        }
        trustee
            .verify(context)
            .map_err(|_| BallotError::InvalidProof { what: format!("trustee {index} knows its key") })?;
    }
    PublicKey::from_point(trustees.iter().map(|t| *t.key.point()).sum())
}

/// Trustee i's share of decrypting one ciphertext: D_i = x_i·c1, and a proof that
/// the same x_i is behind X_i, so a trustee cannot sabotage or skew the tally.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PartialDecryption {
    /// X_i of the trustee that made it, to match it with its [`TrusteePublic`].
    pub trustee: PublicKey,
    /// D_i = x_i·c1.
    pub share: RistrettoPoint,
    /// log_G X_i = log_c1 D_i.
    pub proof: DleqProof,
}

/// Binds the election context and the *whole* ciphertext, so a partial
/// decryption of one option's sum cannot be passed off as one of another's.
pub(crate) fn partial_transcript(context: &[u8], ct: &Ciphertext) -> Transcript {
    let mut t = Transcript::new("partial decryption");
    t.bytes("context", context);
    t.point("c1", &ct.c1);
    t.point("c2", &ct.c2);
    t
}

/// Trustee's partial decryption of `ct` (meant for per-option sums only: a
/// trustee who partially decrypts a single ballot helps reveal that vote).
pub fn partial_decrypt<R: CryptoRngCore + ?Sized>(
    key: &TrusteeKey,
    ct: &Ciphertext,
    context: &[u8],
    rng: &mut R,
) -> PartialDecryption {
    let share = ct.c1 * key.secret;
    let proof = DleqProof::prove(
        partial_transcript(context, ct),
        &key.secret,
        key.public.point(),
        &ct.c1,
        &share,
        rng,
    );
    PartialDecryption { trustee: key.public, share, proof }
}

/// Checks that `partial` is `trustee`'s correct share of decrypting `ct`.
pub fn verify_partial(
    trustee: &TrusteePublic,
    ct: &Ciphertext,
    partial: &PartialDecryption,
    context: &[u8],
) -> Result<()> {
    if partial.trustee != trustee.key {
        return Err(BallotError::PartialsMismatch(format!(
            "partial decryption is by {}, expected {}",
            partial.trustee, trustee.key
        )));
    }
    if partial.proof.verify(partial_transcript(context, ct), trustee.key.point(), &ct.c1, &partial.share) {
        Ok(())
    } else {
        Err(BallotError::InvalidProof { what: format!("partial decryption by trustee {}", trustee.key) })
    }
}

/// The plaintext of `ct` (up to [`crate::DEFAULT_BOUND`]) from one verified
/// partial decryption per trustee, in any order.
///
/// Takes the trustee list and context, unlike a bare sum of shares, because it
/// must know *who* has to contribute: a missing, repeated or unproven share would
/// otherwise turn into a wrong count rather than an error.
pub fn combine_partials(
    trustees: &[TrusteePublic],
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    context: &[u8],
) -> Result<u64> {
    combine_partials_with(DlogTable::standard(), trustees, ct, partials, context)
}

/// [`combine_partials`] with a caller-built table, for other bounds.
pub fn combine_partials_with(
    table: &DlogTable,
    trustees: &[TrusteePublic],
    ct: &Ciphertext,
    partials: &[PartialDecryption],
    context: &[u8],
) -> Result<u64> {
    if trustees.is_empty() {
        return Err(BallotError::NoTrustees);
    }
    if partials.len() != trustees.len() {
        return Err(BallotError::PartialsMismatch(format!(
            "{} partial decryptions for {} trustees",
            partials.len(),
            trustees.len()
        )));
    }
    let mut total = RistrettoPoint::default();
    for (index, trustee) in trustees.iter().enumerate() {
        let mut theirs = partials.iter().filter(|p| p.trustee == trustee.key);
        let (Some(partial), None) = (theirs.next(), theirs.next()) else {
            return Err(BallotError::PartialsMismatch(format!(
                "trustee {index} must contribute exactly one partial decryption"
            )));
        };
        verify_partial(trustee, ct, partial, context).map_err(|_| BallotError::InvalidProof {
            what: format!("partial decryption by trustee {index}"),
        })?;
        total += partial.share;
    }
    // Σ D_i = (Σ x_i)·c1 = x·c1, so c2 − Σ D_i = m·G.
    table.solve(&(ct.c2 - total))
}

impl Wire for PartialDecryption {
    const WHAT: &'static str = "partial decryption";
    fn write(&self, out: &mut Vec<u8>) {
        self.trustee.write(out);
        put_point(out, &self.share);
        self.proof.write(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(PartialDecryption { trustee: PublicKey::read(r)?, share: r.point()?, proof: DleqProof::read(r)? })
    }
}
wire_string!(PartialDecryption);

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn debug_hides_the_share() {
        let k = TrusteeKey::generate(&mut OsRng);
        let debug = format!("{k:?}");
        assert!(!debug.contains(k.to_secret_hex().as_str()));
        let back = TrusteeKey::from_secret_hex(&k.to_secret_hex()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
    }

    #[test]
    fn proof_of_knowledge_is_bound_to_the_context() {
        let k = TrusteeKey::generate(&mut OsRng);
        let p = k.publish(b"election 1", &mut OsRng);
        assert!(p.verify(b"election 1").is_ok());
        assert!(p.verify(b"election 2").is_err());
        assert!(combine_public_keys(b"election 2", &[p]).is_err());
    }

    #[test]
    fn rogue_key_is_refused() {
        // Trustee 2 wants Y = x·G for an x it knows: it publishes x·G − X_1, but
        // cannot prove knowledge of its discrete log.
        let honest = TrusteeKey::generate(&mut OsRng);
        let wanted = TrusteeKey::generate(&mut OsRng);
        let rogue_point = wanted.public_key().point() - honest.public_key().point();
        let forged = TrusteePublic {
            key: PublicKey::from_point(rogue_point).unwrap(),
            proof: wanted.publish(b"e", &mut OsRng).proof,
        };
        let trustees = [honest.publish(b"e", &mut OsRng), forged];
        assert!(matches!(combine_public_keys(b"e", &trustees), Err(BallotError::InvalidProof { .. })));
    }

    #[test]
    fn copied_key_is_refused() {
        let a = TrusteeKey::generate(&mut OsRng).publish(b"e", &mut OsRng);
        assert_eq!(
            combine_public_keys(b"e", &[a, a]),
            Err(BallotError::DuplicateTrustee { index: 1, first: 0 })
        );
        assert_eq!(combine_public_keys(b"e", &[]), Err(BallotError::NoTrustees));
    }
}
