//! Secret ballots for Plenum: exponential ElGamal on Ristretto255, ballots that
//! prove their own validity in zero knowledge, homomorphic tallies, and n-of-n or
//! t-of-n trustees so that only sums are ever decrypted. Pure crypto: no IO, no clock.
//!
//! # Flow
//! 1. Each trustee: [`TrusteeKey::generate`], then publish [`TrusteeKey::publish`].
//!    Anyone: [`combine_public_keys`] → the election [`PublicKey`] (n-of-n; for
//!    t-of-n see the steps in [`threshold`]).
//! 2. Each voter: [`encrypt_ballot`] with the poll's [`BallotRule`] and context.
//!    Server (and anyone): [`verify_ballot`] before recording "voter X cast C".
//! 3. Close: [`aggregate`] → one [`Ciphertext`] per option; each trustee
//!    [`partial_decrypt`]s each sum; anyone [`combine_partials`] → the counts
//!    (t-of-n: [`ThresholdShare::partial_decrypt`], [`combine_threshold_partials`]).
//!
//! # Context
//! Every proof hashes a caller-chosen `context`. Use the poll's unique id, so a
//! ballot cannot be replayed into another poll. Adding the voter's id
//! (e.g. `"poll:42/voter:17"`) also stops one voter from re-casting another's
//! ballot verbatim (a copy amplifies that voter's choice and can be used to learn it);
//! the verifier then rebuilds the context from the authenticated voter.
//!
//! # What it guarantees
//! - Privacy of each ballot against anyone who holds fewer than all n-of-n
//!   shares, or fewer than t of t-of-n shares (DDH on Ristretto255): the operator
//!   sees only ciphertexts.
//! - Validity: a ballot that verifies encrypts 0 or 1 per option and a selection
//!   count within the rule (soundness of the CDS disjunctive proofs, random oracle).
//! - Non-transferable proofs: they bind the protocol version, the context, the
//!   key, the rule and every ciphertext of the ballot.
//! - Correct tallies: each trustee's partial decryption carries a Chaum–Pedersen
//!   proof, so a trustee can refuse to help but cannot make the count wrong.
//! - Universal verifiability of all the above from public data alone.
//!
//! # What it does not guarantee
//! - Receipt-freeness and coercion resistance: the voter's client knows the
//!   encryption randomness, which proves how they voted to a buyer or coercer.
//!   Countering that needs re-encryption by a server with proofs, or re-voting.
//! - Availability with [`trustee`] (n-of-n): one lost or unwilling trustee
//!   blocks the tally. [`threshold`] (t-of-n) tolerates n − t; but any t trustees
//!   who collude can decrypt single ballots, so t is a privacy/availability trade.
//! - A complete DKG: [`threshold`] detects a cheating dealer (`BadShare`) but the
//!   complaint round (exclude the dealer, deal again) is left to the caller.
//! - Protection against a compromised voting client (it could encrypt another
//!   choice) — that is cast-as-intended verification, outside this crate.
//! - Unbiased keys: the DKG has no commitment round, so the last trustee can
//!   bias the joint key's distribution (not learn it); harmless for encryption.
//! - Eligibility and one-vote-per-voter: the journal enforces those.
//! - Secrecy against the result itself: a unanimous tally (or one voter in a
//!   poll) reveals every vote; publish counts only above a minimum turnout if that matters.
//! - Post-quantum security: discrete logs fall to a quantum computer.

pub mod ballot;
pub mod dlog;
pub mod elgamal;
mod encoding;
pub mod error;
pub mod proofs;
pub mod seal;
pub mod slate;
pub mod threshold;
mod transcript;
pub mod trustee;

pub use ballot::{
    BallotRule, EncryptedBallot, MAX_OPTIONS, aggregate, encrypt_ballot, encrypt_ballot_unchecked,
    verify_ballot,
};
pub use dlog::{DEFAULT_BOUND, DlogTable, MAX_BOUND};
pub use elgamal::{Ciphertext, KeyPair, PublicKey};
pub use error::BallotError;
pub use proofs::{DleqProof, RangeProof, SchnorrProof};
pub use slate::{SlateProof, SlateRule, encrypt_slate, verify_slate};
pub use threshold::{
    Dealer, DealerCommitment, EncryptedShare, MAX_TRUSTEES, Threshold, ThresholdKey, ThresholdShare,
    check_identities, combine_dealings, combine_threshold_partials, combine_threshold_partials_with,
    receive_shares,
};
pub use trustee::{
    PartialDecryption, TrusteeKey, TrusteePublic, combine_partials, combine_partials_with,
    combine_public_keys, partial_decrypt, verify_partial,
};

/// The versions this crate's API speaks, re-exported so callers need not match them.
pub use curve25519_dalek;
#[cfg(feature = "os-rng")]
pub use rand_core::OsRng;
pub use rand_core::{self, CryptoRngCore};
