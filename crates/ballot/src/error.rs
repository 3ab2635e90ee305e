//! The one error type of this crate, `BallotError`.
//! Each variant names what was checked and what was found, so a rejected ballot or
//! trustee message can be reported to a person without reading the code.

use thiserror::Error;

/// Everything that can go wrong when parsing, proving, verifying or decrypting.
///
/// Verification failures deliberately say *which* check failed (which option, which
/// trustee) but never anything derived from secret data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BallotError {
    /// A string or byte encoding could not be parsed (bad hex, wrong length, a point
    /// that is not a canonical Ristretto encoding, a non-canonical scalar, ...).
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },

    /// A poll rule that cannot be satisfied or proven (no options, min > max, ...).
    #[error("invalid ballot rule: {0}")]
    InvalidRule(String),

    /// The voter's choices do not satisfy the poll's rule; nothing was encrypted.
    #[error("choices select {selected} of {options} options, the rule allows {min}..={max}")]
    ChoicesViolateRule { selected: u32, options: u32, min: u32, max: u32 },

    /// A ballot (or a list of ballots) has the wrong number of options for the poll.
    #[error("ballot has {got} options, the poll has {expected}")]
    WrongOptionCount { expected: usize, got: usize },

    /// A zero-knowledge proof did not verify. `what` names the proof, e.g.
    /// "option 2 is 0 or 1" or "number of selections".
    #[error("proof does not verify: {what}")]
    InvalidProof { what: String },

    /// The decrypted value is not in `0..=bound`: either more ballots than the
    /// decryption table covers, or the ciphertext was not a sum of valid ballots.
    #[error("decrypted value is not in 0..={bound} (too many ballots for the table, or not a valid tally)")]
    PlaintextOutOfRange { bound: u64 },

    /// A public key is the identity point, which would encrypt in the clear.
    #[error("public key is the identity point")]
    IdentityKey,

    /// Key generation needs at least one trustee.
    #[error("no trustees")]
    NoTrustees,

    /// The same trustee key appears twice. A copied key (with its valid proof)
    /// adds no secret of the copier: with A, B and a copy of A, the joint key
    /// 2·X_A + X_B is usable by A and B alone.
    #[error("trustee {index} repeats the key of trustee {first}")]
    DuplicateTrustee { index: usize, first: usize },

    /// A threshold t-of-n that cannot exist (t = 0, t > n, n above the maximum).
    #[error("invalid threshold: {0}")]
    InvalidThreshold(String),

    /// The secret share a dealer sent this trustee does not match the dealer's
    /// public commitments: the dealer cheated or the share was damaged in transit.
    /// The trustee publishes this complaint; the dealer must be excluded or re-deal.
    #[error("share from dealer {dealer} does not match its commitments")]
    BadShare { dealer: u32 },

    /// Partial decryptions do not match the trustee list (missing, unknown or repeated).
    #[error("partial decryptions do not match the trustees: {0}")]
    PartialsMismatch(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = BallotError> = std::result::Result<T, E>;

pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> BallotError {
    BallotError::Malformed { what, reason: reason.into() }
}
