//! End-to-end checks of the secret-ballot scheme: honest ballots count right and
//! verify, every kind of tampering or cheating is refused, trustees decrypt only
//! together, and every public type survives its string and serde round trips.
//! `bench_*` tests print timings (run them with `--release -- --nocapture bench`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;
use std::time::Instant;

use plenum_ballot::curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;
use plenum_ballot::curve25519_dalek::scalar::Scalar;
use plenum_ballot::*;
use proptest::prelude::*;

const CTX: &[u8] = b"poll:2025-03-11/item-7";

fn yes_no_abstain() -> BallotRule {
    BallotRule::exactly_one(3).unwrap()
}

fn one_hot(k: usize, i: usize) -> Vec<bool> {
    (0..k).map(|j| j == i).collect()
}

/// Ballot `b` with one scalar nudged: every field an attacker could touch.
fn tampered_variants(b: &EncryptedBallot) -> Vec<(String, EncryptedBallot)> {
    let mut out = Vec::new();
    for i in 0..b.ciphertexts.len() {
        let mut t = b.clone();
        t.ciphertexts[i].c1 += G;
        out.push((format!("ciphertext {i} c1"), t));
        let mut t = b.clone();
        t.ciphertexts[i].c2 += G;
        out.push((format!("ciphertext {i} c2"), t));
    }
    for i in 0..b.option_proofs.len() {
        for j in 0..b.option_proofs[i].branches.len() {
            let mut t = b.clone();
            t.option_proofs[i].branches[j].0 += Scalar::ONE;
            out.push((format!("option proof {i} branch {j} challenge"), t));
            let mut t = b.clone();
            t.option_proofs[i].branches[j].1 += Scalar::ONE;
            out.push((format!("option proof {i} branch {j} response"), t));
        }
    }
    for j in 0..b.selection_proof.branches.len() {
        let mut t = b.clone();
        t.selection_proof.branches[j].0 += Scalar::ONE;
        out.push((format!("selection proof branch {j} challenge"), t));
        let mut t = b.clone();
        t.selection_proof.branches[j].1 += Scalar::ONE;
        out.push((format!("selection proof branch {j} response"), t));
    }
    // Whole-component swaps: proofs of two options exchanged, ciphertexts reordered.
    if b.ciphertexts.len() >= 2 {
        let mut t = b.clone();
        t.option_proofs.swap(0, 1);
        out.push(("option proofs swapped".into(), t));
        let mut t = b.clone();
        t.ciphertexts.swap(0, 1);
        out.push(("ciphertexts swapped".into(), t));
    }
    out
}

#[test]
fn five_hundred_random_ballots_tally_to_the_plain_count() {
    let kp = KeyPair::generate(&mut OsRng);
    let rule = yes_no_abstain();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut plain = [0u64; 3];
    let mut ballots = Vec::new();
    for _ in 0..500 {
        let choice = rng.usize(0..3);
        plain[choice] += 1;
        let b = encrypt_ballot(kp.public(), CTX, &rule, &one_hot(3, choice), &mut OsRng).unwrap();
        verify_ballot(kp.public(), CTX, &b, &rule).unwrap();
        ballots.push(b);
    }
    let sums = aggregate(3, &ballots).unwrap();
    let counts: Vec<u64> = sums.iter().map(|s| kp.decrypt(s).unwrap()).collect();
    assert_eq!(counts, plain);
}

#[test]
fn at_most_n_polls_count_and_verify() {
    let kp = KeyPair::generate(&mut OsRng);
    let rule = BallotRule::at_most(6, 2).unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    let mut plain = [0u64; 6];
    let mut ballots = Vec::new();
    for _ in 0..40 {
        let mut choices = vec![false; 6];
        for _ in 0..rng.usize(0..=2) {
            choices[rng.usize(0..6)] = true; // may pick the same twice: 0, 1 or 2 selected
        }
        for (p, c) in plain.iter_mut().zip(&choices) {
            *p += u64::from(*c);
        }
        let b = encrypt_ballot(kp.public(), CTX, &rule, &choices, &mut OsRng).unwrap();
        verify_ballot(kp.public(), CTX, &b, &rule).unwrap();
        ballots.push(b);
    }
    let counts: Vec<u64> = aggregate(6, &ballots).unwrap().iter().map(|s| kp.decrypt(s).unwrap()).collect();
    assert_eq!(counts, plain);
    // A blank ballot is fine in at-most polls; three selections are not.
    assert!(encrypt_ballot(kp.public(), CTX, &rule, &[false; 6], &mut OsRng).is_ok());
    let three = [true, true, true, false, false, false];
    assert!(encrypt_ballot(kp.public(), CTX, &rule, &three, &mut OsRng).is_err());
    let cheat = encrypt_ballot_unchecked(kp.public(), CTX, &rule, &[1, 1, 1, 0, 0, 0], &mut OsRng);
    assert!(matches!(verify_ballot(kp.public(), CTX, &cheat, &rule), Err(BallotError::InvalidProof { .. })));
}

#[test]
fn tampering_with_anything_fails_verification() {
    let kp = KeyPair::generate(&mut OsRng);
    let rule = yes_no_abstain();
    let b = encrypt_ballot(kp.public(), CTX, &rule, &one_hot(3, 1), &mut OsRng).unwrap();
    verify_ballot(kp.public(), CTX, &b, &rule).unwrap();

    let variants = tampered_variants(&b);
    assert!(variants.len() > 20);
    for (what, t) in variants {
        assert!(verify_ballot(kp.public(), CTX, &t, &rule).is_err(), "tampered {what} still verifies");
    }
    // Another poll, another key, another rule: the proofs are bound to all three.
    assert!(verify_ballot(kp.public(), b"poll:2025-03-11/item-8", &b, &rule).is_err());
    let other = KeyPair::generate(&mut OsRng);
    assert!(verify_ballot(other.public(), CTX, &b, &rule).is_err());
    assert!(verify_ballot(kp.public(), CTX, &b, &BallotRule::at_most(3, 1).unwrap()).is_err());
    assert!(matches!(
        verify_ballot(kp.public(), CTX, &b, &BallotRule::exactly_one(4).unwrap()),
        Err(BallotError::WrongOptionCount { expected: 4, got: 3 })
    ));
    // Dropping an option (and its proof) is caught by the count.
    let mut short = b.clone();
    short.ciphertexts.pop();
    short.option_proofs.pop();
    assert!(verify_ballot(kp.public(), CTX, &short, &rule).is_err());
}

#[test]
fn proofs_cannot_be_spliced_between_ballots() {
    let kp = KeyPair::generate(&mut OsRng);
    let rule = yes_no_abstain();
    let a = encrypt_ballot(kp.public(), CTX, &rule, &one_hot(3, 0), &mut OsRng).unwrap();
    let b = encrypt_ballot(kp.public(), CTX, &rule, &one_hot(3, 0), &mut OsRng).unwrap();
    // Option 1's ciphertext and proof taken whole from another (valid) ballot.
    let mut mixed = a.clone();
    mixed.ciphertexts[1] = b.ciphertexts[1];
    mixed.option_proofs[1] = b.option_proofs[1].clone();
    assert!(verify_ballot(kp.public(), CTX, &mixed, &rule).is_err());
    let mut mixed = a.clone();
    mixed.selection_proof = b.selection_proof.clone();
    assert!(verify_ballot(kp.public(), CTX, &mixed, &rule).is_err());
}

#[test]
fn dishonest_ballots_cannot_be_proven() {
    let kp = KeyPair::generate(&mut OsRng);
    let pk = kp.public();
    let rule = yes_no_abstain();
    // (values, which proof must fail)
    let cases: [(&[i64], &str); 5] = [
        (&[2, 0, 0], "option 0"),             // a double vote in one option (sum 2 also wrong)
        (&[2, -1, 0], "option 0"),            // sum is 1, but options are not 0/1
        (&[1, 1, 0], "number of selections"), // two options in an exactly-one poll
        (&[0, 0, 0], "number of selections"), // none in an exactly-one poll
        (&[1, 1, 1], "number of selections"),
    ];
    for (values, failing) in cases {
        let b = encrypt_ballot_unchecked(pk, CTX, &rule, values, &mut OsRng);
        match verify_ballot(pk, CTX, &b, &rule) {
            Err(BallotError::InvalidProof { what }) => {
                assert!(what.contains(failing), "{values:?}: failed on {what}, expected {failing}")
            }
            other => panic!("{values:?} must not verify, got {other:?}"),
        }
        // Decrypting shows what the cheater would have added to the tally.
        let as_scalars: Vec<u64> = b.ciphertexts.iter().map(|c| kp.decrypt(c).unwrap_or(u64::MAX)).collect();
        assert_eq!(as_scalars[0], if values[0] >= 0 { values[0] as u64 } else { u64::MAX });
    }

    // By hand, without the prover: encrypt 2 in option 0 and reuse the proofs of an
    // honest ballot — the statement changed, so the proofs no longer fit.
    let honest = encrypt_ballot(pk, CTX, &rule, &one_hot(3, 0), &mut OsRng).unwrap();
    let mut forged = honest.clone();
    forged.ciphertexts[0].c2 += G; // now encrypts 2
    forged.ciphertexts[1].c2 -= G; // and −1, so the sum still encrypts 1
    assert!(verify_ballot(pk, CTX, &forged, &rule).is_err());
    // And the unchecked prover on a valid choice agrees with the checked one.
    let ok = encrypt_ballot_unchecked(pk, CTX, &rule, &[0, 0, 1], &mut OsRng);
    verify_ballot(pk, CTX, &ok, &rule).unwrap();
}

#[test]
fn three_trustees_decrypt_only_together() {
    let ctx = b"election:plenary-2025";
    let keys: Vec<TrusteeKey> = (0..3).map(|_| TrusteeKey::generate(&mut OsRng)).collect();
    let publics: Vec<TrusteePublic> = keys.iter().map(|k| k.publish(ctx, &mut OsRng)).collect();
    let pk = combine_public_keys(ctx, &publics).unwrap();

    let rule = yes_no_abstain();
    let mut rng = fastrand::Rng::with_seed(3);
    let mut plain = [0u64; 3];
    let ballots: Vec<EncryptedBallot> = (0..60)
        .map(|_| {
            let c = rng.usize(0..3);
            plain[c] += 1;
            let b = encrypt_ballot(&pk, CTX, &rule, &one_hot(3, c), &mut OsRng).unwrap();
            verify_ballot(&pk, CTX, &b, &rule).unwrap();
            b
        })
        .collect();
    let sums = aggregate(3, &ballots).unwrap();

    let mut counts = Vec::new();
    for sum in &sums {
        let mut partials: Vec<PartialDecryption> =
            keys.iter().map(|k| partial_decrypt(k, sum, ctx, &mut OsRng)).collect();
        for (t, p) in publics.iter().zip(&partials) {
            verify_partial(t, sum, p, ctx).unwrap();
        }
        partials.reverse(); // order does not matter
        counts.push(combine_partials(&publics, sum, &partials, ctx).unwrap());

        // Two of three trustees are not enough.
        assert!(matches!(
            combine_partials(&publics, sum, &partials[..2], ctx),
            Err(BallotError::PartialsMismatch(_))
        ));
        // Nor one trustee twice.
        let doubled = [partials[0], partials[0], partials[1]];
        assert!(combine_partials(&publics, sum, &doubled, ctx).is_err());
    }
    assert_eq!(counts, plain);
}

#[test]
fn wrong_partial_decryption_is_detected() {
    let ctx = b"election:e";
    let keys: Vec<TrusteeKey> = (0..3).map(|_| TrusteeKey::generate(&mut OsRng)).collect();
    let publics: Vec<TrusteePublic> = keys.iter().map(|k| k.publish(ctx, &mut OsRng)).collect();
    let pk = combine_public_keys(ctx, &publics).unwrap();
    let a = pk.encrypt(5, &mut OsRng);
    let b = pk.encrypt(9, &mut OsRng);
    let good: Vec<PartialDecryption> = keys.iter().map(|k| partial_decrypt(k, &a, ctx, &mut OsRng)).collect();
    assert_eq!(combine_partials(&publics, &a, &good, ctx), Ok(5));

    // A share shifted by G would make the count off by one: refused.
    let mut skewed = good.clone();
    skewed[1].share += G;
    assert!(verify_partial(&publics[1], &a, &skewed[1], ctx).is_err());
    assert!(matches!(combine_partials(&publics, &a, &skewed, ctx), Err(BallotError::InvalidProof { .. })));
    // A correct partial of another ciphertext, or for another context: refused.
    let of_b = partial_decrypt(&keys[1], &b, ctx, &mut OsRng);
    assert!(verify_partial(&publics[1], &a, &of_b, ctx).is_err());
    let other_ctx = partial_decrypt(&keys[1], &a, b"election:f", &mut OsRng);
    assert!(verify_partial(&publics[1], &a, &other_ctx, ctx).is_err());
    // A partial attributed to the wrong trustee: refused.
    assert!(matches!(verify_partial(&publics[0], &a, &good[1], ctx), Err(BallotError::PartialsMismatch(_))));
    // A partial by a key outside the trustee list.
    let outsider = TrusteeKey::generate(&mut OsRng);
    let mut foreign = good.clone();
    foreign[2] = partial_decrypt(&outsider, &a, ctx, &mut OsRng);
    assert!(combine_partials(&publics, &a, &foreign, ctx).is_err());
    // The proof fields themselves.
    let mut bad_c = good[0];
    bad_c.proof.c += Scalar::ONE;
    assert!(verify_partial(&publics[0], &a, &bad_c, ctx).is_err());
    let mut bad_s = good[0];
    bad_s.proof.s += Scalar::ONE;
    assert!(verify_partial(&publics[0], &a, &bad_s, ctx).is_err());
}

#[test]
fn single_trustee_and_decryption_bound() {
    let ctx = b"e";
    let key = TrusteeKey::generate(&mut OsRng);
    let publics = [key.publish(ctx, &mut OsRng)];
    let pk = combine_public_keys(ctx, &publics).unwrap();
    assert_eq!(&pk, key.public_key());

    let over = pk.encrypt(DEFAULT_BOUND + 1, &mut OsRng);
    let partial = [partial_decrypt(&key, &over, ctx, &mut OsRng)];
    assert_eq!(
        combine_partials(&publics, &over, &partial, ctx),
        Err(BallotError::PlaintextOutOfRange { bound: DEFAULT_BOUND })
    );
    let at = pk.encrypt(DEFAULT_BOUND, &mut OsRng);
    let partial = [partial_decrypt(&key, &at, ctx, &mut OsRng)];
    assert_eq!(combine_partials(&publics, &at, &partial, ctx), Ok(DEFAULT_BOUND));
    // A bigger table reaches further.
    let table = DlogTable::new(1_000_000).unwrap();
    let partial = [partial_decrypt(&key, &over, ctx, &mut OsRng)];
    assert_eq!(combine_partials_with(&table, &publics, &over, &partial, ctx), Ok(DEFAULT_BOUND + 1));

    let kp = KeyPair::generate(&mut OsRng);
    let big = kp.public().encrypt(250_000, &mut OsRng);
    assert_eq!(kp.decrypt(&big), Err(BallotError::PlaintextOutOfRange { bound: DEFAULT_BOUND }));
    assert_eq!(kp.decrypt_with(&table, &big), Ok(250_000));
    let e = kp.decrypt(&big).unwrap_err().to_string();
    assert!(e.contains("100000"), "{e}");
}

#[test]
fn string_and_serde_round_trips() {
    let ctx = b"e";
    let key = TrusteeKey::generate(&mut OsRng);
    let tp = key.publish(ctx, &mut OsRng);
    let pk = combine_public_keys(ctx, &[tp]).unwrap();
    let rule = BallotRule::between(4, 1, 2).unwrap();
    let ballot = encrypt_ballot(&pk, CTX, &rule, &[true, false, true, false], &mut OsRng).unwrap();
    let ct = ballot.ciphertexts[0];
    let partial = partial_decrypt(&key, &ct, ctx, &mut OsRng);

    fn round_trip<T>(v: &T) -> String
    where
        T: FromStr<Err = BallotError> + ToString + PartialEq + std::fmt::Debug + serde::Serialize,
        T: serde::de::DeserializeOwned,
    {
        let s = v.to_string();
        assert!(s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(&T::from_str(&s).unwrap(), v);
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(json, format!("\"{s}\""));
        assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v);
        // Uppercase, truncated, extended, and non-hex spellings are all refused.
        assert!(T::from_str(&s.to_uppercase()).is_err() || s.chars().all(|c| c.is_ascii_digit()));
        assert!(T::from_str(&s[..s.len() - 2]).is_err());
        assert!(T::from_str(&format!("{s}00")).is_err());
        assert!(T::from_str(&format!("{}zz", &s[..s.len() - 2])).is_err());
        s
    }
    assert_eq!(round_trip(&pk).len(), 64);
    assert_eq!(round_trip(&ct).len(), 128);
    assert_eq!(round_trip(&tp).len(), 192);
    assert_eq!(round_trip(&partial).len(), 256);
    round_trip(&ballot.option_proofs[0]);
    round_trip(&tp.proof);
    round_trip(&partial.proof);
    let s = round_trip(&ballot);
    // 1 + 2 + 4·64 + 2 + 4·(2 + 2·64) + (2 + 2·64) bytes.
    assert_eq!(s.len(), 2 * (1 + 2 + 4 * 64 + 2 + 4 * 130 + 130));
    // A parsed ballot still verifies; the rule round-trips as JSON.
    verify_ballot(&pk, CTX, &EncryptedBallot::from_str(&s).unwrap(), &rule).unwrap();
    let rule_json = serde_json::to_string(&rule).unwrap();
    assert_eq!(serde_json::from_str::<BallotRule>(&rule_json).unwrap(), rule);
    // Debug shows the string, not curve internals.
    assert_eq!(format!("{pk:?}"), format!("PublicKey({pk})"));
}

#[test]
fn malformed_points_and_scalars_are_refused_with_a_clear_error() {
    let kp = KeyPair::generate(&mut OsRng);
    let good = kp.public().to_string();

    // The identity is a valid encoding but not a valid key.
    let identity = "00".repeat(32);
    assert!(matches!(PublicKey::from_str(&identity), Err(BallotError::Malformed { what: "public key", .. })));
    // Not a point: the field element 2^255 − 1 is not canonical; 0x01.. is not on the curve/ristretto.
    for bad in ["ff".repeat(32), format!("01{}", "00".repeat(31))] {
        let err = PublicKey::from_str(&bad).unwrap_err();
        assert!(err.to_string().contains("not a valid Ristretto255 point"), "{err}");
        let json = format!("\"{bad}\"");
        assert!(serde_json::from_str::<PublicKey>(&json).is_err());
        let ct = format!("{bad}{}", &good);
        assert!(Ciphertext::from_str(&ct).unwrap_err().to_string().contains("ciphertext"));
    }
    // A scalar ≥ the group order in a proof.
    let proof = format!("{}{}", "ff".repeat(32), "00".repeat(32));
    let err = SchnorrProof::from_str(&proof).unwrap_err();
    assert!(err.to_string().contains("not reduced"), "{err}");
    // Wrong length, odd length, bad characters.
    assert!(PublicKey::from_str(&good[..62]).unwrap_err().to_string().contains("truncated"));
    assert!(PublicKey::from_str(&good[..63]).is_err());
    assert!(PublicKey::from_str("").is_err());
    assert!(PublicKey::from_str(&format!(" {}", &good[1..])).is_err());
    // A ballot with an unknown version, or a length prefix pointing past the data.
    assert!(EncryptedBallot::from_str("02").unwrap_err().to_string().contains("version"));
    assert!(EncryptedBallot::from_str("01ffff").unwrap_err().to_string().contains("exceeds"));
}

/// Runs the whole t-of-n DKG for `params`; returns identities, shares and key.
fn threshold_dkg(
    params: Threshold,
    ctx: &[u8],
) -> (Vec<TrusteeKey>, Vec<ThresholdShare>, ThresholdKey, Vec<DealerCommitment>, Vec<EncryptedShare>) {
    let n = params.trustees();
    let ids: Vec<TrusteeKey> = (0..n).map(|_| TrusteeKey::generate(&mut OsRng)).collect();
    let id_publics: Vec<TrusteePublic> = ids.iter().map(|k| k.publish(ctx, &mut OsRng)).collect();
    check_identities(&params, ctx, &id_publics).unwrap();
    let dealers: Vec<Dealer> = (1..=n).map(|i| Dealer::new(params, i, &mut OsRng).unwrap()).collect();
    let commitments: Vec<DealerCommitment> = dealers.iter().map(|d| d.commitment(ctx, &mut OsRng)).collect();
    let mut shares = Vec::new();
    for d in &dealers {
        for (j, id) in id_publics.iter().enumerate() {
            shares.push(d.share_for(j as u32 + 1, &id.key, ctx, &mut OsRng).unwrap());
        }
    }
    let key = combine_dealings(&params, ctx, &commitments).unwrap();
    let mine: Vec<ThresholdShare> = ids
        .iter()
        .enumerate()
        .map(|(j, id)| receive_shares(id, j as u32 + 1, &params, ctx, &commitments, &shares).unwrap())
        .collect();
    (ids, mine, key, commitments, shares)
}

#[test]
fn three_of_five_trustees_any_three_decrypt() {
    let ctx = b"election:threshold";
    let params = Threshold::new(3, 5).unwrap();
    let (_ids, shares, key, _, _) = threshold_dkg(params, ctx);
    for (j, s) in shares.iter().enumerate() {
        assert_eq!(key.verification_key(j as u32 + 1), Some(s.public_key()));
    }

    let rule = yes_no_abstain();
    let mut rng = fastrand::Rng::with_seed(5);
    let mut plain = [0u64; 3];
    let ballots: Vec<EncryptedBallot> = (0..45)
        .map(|_| {
            let c = rng.usize(0..3);
            plain[c] += 1;
            encrypt_ballot(key.public(), CTX, &rule, &one_hot(3, c), &mut OsRng).unwrap()
        })
        .collect();
    for b in &ballots {
        verify_ballot(key.public(), CTX, b, &rule).unwrap();
    }
    let sums = aggregate(3, &ballots).unwrap();
    let partials: Vec<Vec<PartialDecryption>> = sums
        .iter()
        .map(|s| shares.iter().map(|sh| sh.partial_decrypt(s, ctx, &mut OsRng)).collect())
        .collect();

    // Every 3-subset of the 5 trustees, and all 5 together, count the same.
    let mut subsets: Vec<Vec<usize>> = Vec::new();
    for a in 0..5 {
        for b in a + 1..5 {
            for c in b + 1..5 {
                subsets.push(vec![c, a, b]); // unordered on purpose
            }
        }
    }
    subsets.push((0..5).collect());
    assert_eq!(subsets.len(), 11);
    for subset in subsets {
        let counts: Vec<u64> = sums
            .iter()
            .zip(&partials)
            .map(|(sum, ps)| {
                let chosen: Vec<PartialDecryption> = subset.iter().map(|i| ps[*i]).collect();
                combine_threshold_partials(&key, sum, &chosen, ctx).unwrap()
            })
            .collect();
        assert_eq!(counts, plain, "subset {subset:?}");
    }
    // Two are not enough; one trustee twice does not count double.
    let two = [partials[0][1], partials[0][4]];
    assert!(matches!(
        combine_threshold_partials(&key, &sums[0], &two, ctx),
        Err(BallotError::PartialsMismatch(_))
    ));
    let dup = [partials[0][1], partials[0][1], partials[0][4]];
    assert!(combine_threshold_partials(&key, &sums[0], &dup, ctx).is_err());
    // A skewed share is caught by its proof.
    let mut skewed = [partials[0][0], partials[0][1], partials[0][2]];
    skewed[2].share += G;
    assert!(matches!(
        combine_threshold_partials(&key, &sums[0], &skewed, ctx),
        Err(BallotError::InvalidProof { .. })
    ));
    // Secret-share storage round trip keeps the key usable.
    let back = ThresholdShare::from_secret_hex(&shares[3].to_secret_hex()).unwrap();
    assert_eq!(back.index(), 4);
    assert_eq!(back.public_key(), shares[3].public_key());
    assert!(!format!("{back:?}").contains(shares[3].to_secret_hex().as_str()));
}

#[test]
fn threshold_dkg_catches_a_cheating_dealer() {
    let ctx = b"election:dkg";
    let params = Threshold::new(2, 3).unwrap();
    let (ids, _shares, _key, commitments, mut shares) = threshold_dkg(params, ctx);
    // Dealer 2's share for trustee 3, altered in transit (or dealt wrong).
    let pos = shares.iter().position(|s| s.dealer == 2 && s.recipient == 3).unwrap();
    shares[pos].masked[0] ^= 1;
    assert_eq!(
        receive_shares(&ids[2], 3, &params, ctx, &commitments, &shares).unwrap_err(),
        BallotError::BadShare { dealer: 2 }
    );
    // The other trustees are unaffected.
    assert!(receive_shares(&ids[0], 1, &params, ctx, &commitments, &shares).is_ok());
    // A share read with the wrong identity key does not unmask to a matching value.
    assert!(receive_shares(&ids[0], 2, &params, ctx, &commitments, &shares).is_err());
    // Commitments: a missing dealer, a forged proof, another context.
    assert!(combine_dealings(&params, ctx, &commitments[..2]).is_err());
    let mut forged = commitments.clone();
    forged[1].coefficients[0] += G;
    assert!(matches!(combine_dealings(&params, ctx, &forged), Err(BallotError::InvalidProof { .. })));
    assert!(combine_dealings(&params, b"election:other", &commitments).is_err());
    // String and serde round trips of the DKG messages.
    for c in &commitments {
        assert_eq!(&DealerCommitment::from_str(&c.to_string()).unwrap(), c);
        let json = serde_json::to_string(c).unwrap();
        assert_eq!(&serde_json::from_str::<DealerCommitment>(&json).unwrap(), c);
    }
    let s = shares[0];
    assert_eq!(EncryptedShare::from_str(&s.to_string()).unwrap(), s);
    let json = serde_json::to_string(&params).unwrap();
    assert_eq!(serde_json::from_str::<Threshold>(&json).unwrap(), params);
}

#[test]
fn threshold_with_t_equal_n_needs_everyone() {
    let ctx = b"e";
    let params = Threshold::new(3, 3).unwrap();
    let (_ids, shares, key, _, _) = threshold_dkg(params, ctx);
    let ct = key.public().encrypt(42, &mut OsRng);
    let ps: Vec<PartialDecryption> = shares.iter().map(|s| s.partial_decrypt(&ct, ctx, &mut OsRng)).collect();
    assert_eq!(combine_threshold_partials(&key, &ct, &ps, ctx), Ok(42));
    assert!(combine_threshold_partials(&key, &ct, &ps[..2], ctx).is_err());
    // 1-of-1 is a plain key.
    let params = Threshold::new(1, 1).unwrap();
    let (_ids, shares, key, _, _) = threshold_dkg(params, ctx);
    let ct = key.public().encrypt(7, &mut OsRng);
    let p = shares[0].partial_decrypt(&ct, ctx, &mut OsRng);
    assert_eq!(combine_threshold_partials(&key, &ct, &[p], ctx), Ok(7));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Decrypt(a + b) = decrypt(a) + decrypt(b), for sums of several values.
    #[test]
    fn homomorphism(values in prop::collection::vec(0u64..5_000, 1..8)) {
        let kp = KeyPair::generate(&mut OsRng);
        let cts: Vec<Ciphertext> = values.iter().map(|v| kp.public().encrypt(*v, &mut OsRng)).collect();
        let decrypted_sum: u64 = cts.iter().map(|c| kp.decrypt(c).unwrap()).sum();
        let sum_decrypted = kp.decrypt(&cts.iter().copied().sum()).unwrap();
        prop_assert_eq!(decrypted_sum, sum_decrypted);
        prop_assert_eq!(sum_decrypted, values.iter().sum::<u64>());
        let pairwise = cts.iter().fold(Ciphertext::zero(), |acc, c| acc.add(c));
        prop_assert_eq!(kp.decrypt(&pairwise).unwrap(), sum_decrypted);
    }

    /// Any valid choice in any at-most/between rule encrypts to a verifying ballot.
    #[test]
    fn every_valid_choice_verifies(options in 1u32..6, picks in prop::collection::vec(any::<bool>(), 6)) {
        let choices = &picks[..options as usize];
        let selected = choices.iter().filter(|c| **c).count() as u32;
        let rule = BallotRule::between(options, selected.saturating_sub(1), selected).unwrap();
        let kp = KeyPair::generate(&mut OsRng);
        let b = encrypt_ballot(kp.public(), CTX, &rule, choices, &mut OsRng).unwrap();
        prop_assert!(verify_ballot(kp.public(), CTX, &b, &rule).is_ok());
        let counts: Vec<u64> = b.ciphertexts.iter().map(|c| kp.decrypt(c).unwrap()).collect();
        let expect: Vec<u64> = choices.iter().map(|c| u64::from(*c)).collect();
        prop_assert_eq!(counts, expect);
    }
}

/// Timings, printed, never asserted: `cargo test --release -p plenum-ballot -- --nocapture bench`.
#[test]
fn bench_ballot_pipeline() {
    let ctx = b"election:bench";
    let keys: Vec<TrusteeKey> = (0..3).map(|_| TrusteeKey::generate(&mut OsRng)).collect();
    let publics: Vec<TrusteePublic> = keys.iter().map(|k| k.publish(ctx, &mut OsRng)).collect();
    let pk = combine_public_keys(ctx, &publics).unwrap();
    let rule = yes_no_abstain();
    let voters = if cfg!(debug_assertions) { 300 } else { 3_000 };

    let start = Instant::now();
    let ballots: Vec<EncryptedBallot> = (0..voters)
        .map(|i| encrypt_ballot(&pk, CTX, &rule, &one_hot(3, i % 3), &mut OsRng).unwrap())
        .collect();
    let encrypt = start.elapsed() / voters as u32;

    let start = Instant::now();
    for b in &ballots {
        verify_ballot(&pk, CTX, b, &rule).unwrap();
    }
    let verify = start.elapsed() / voters as u32;

    let start = Instant::now();
    let sums = aggregate(3, &ballots).unwrap();
    let aggregate_time = start.elapsed();

    let _ = DlogTable::standard(); // built once per process; timed apart below
    let start = Instant::now();
    let table = DlogTable::new(DEFAULT_BOUND).unwrap();
    let table_time = start.elapsed();

    let start = Instant::now();
    let partials: Vec<Vec<PartialDecryption>> =
        sums.iter().map(|s| keys.iter().map(|k| partial_decrypt(k, s, ctx, &mut OsRng)).collect()).collect();
    let partial_time = start.elapsed();
    let start = Instant::now();
    let counts: Vec<u64> = sums
        .iter()
        .zip(&partials)
        .map(|(s, p)| combine_partials_with(&table, &publics, s, p, ctx).unwrap())
        .collect();
    let combine_time = start.elapsed();
    assert_eq!(counts.iter().sum::<u64>(), voters as u64);

    let big = KeyPair::generate(&mut OsRng);
    let worst = big.public().encrypt(DEFAULT_BOUND, &mut OsRng);
    let start = Instant::now();
    big.decrypt_with(&table, &worst).unwrap();
    let worst_time = start.elapsed();

    let start = Instant::now();
    let (_ids, tshares, tkey, _, _) = threshold_dkg(Threshold::new(3, 5).unwrap(), ctx);
    let dkg_time = start.elapsed();
    // Tallies of the same size, encrypted under the threshold key.
    let tsums: Vec<Ciphertext> = counts.iter().map(|c| tkey.public().encrypt(*c, &mut OsRng)).collect();
    let start = Instant::now();
    for (ct, count) in tsums.iter().zip(&counts) {
        let ps: Vec<PartialDecryption> =
            tshares[..3].iter().map(|s| s.partial_decrypt(ct, ctx, &mut OsRng)).collect();
        assert_eq!(combine_threshold_partials_with(&table, &tkey, ct, &ps, ctx).unwrap(), *count);
    }
    let threshold_time = start.elapsed();

    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let len = ballots[0].to_string().len();
    println!("bench ({profile}, {voters} ballots, 3 options, exactly one, 3 trustees):");
    println!("  encrypt + prove one ballot: {encrypt:?}");
    println!("  verify one ballot:          {verify:?}");
    println!("  aggregate {voters} ballots:     {aggregate_time:?}");
    println!("  dlog table (bound 100000):  {table_time:?}");
    println!("  3 trustees × 3 partials:    {partial_time:?}");
    println!("  verify partials + dlog ×3:  {combine_time:?}");
    println!("  worst-case dlog (100000):   {worst_time:?}");
    println!("  3-of-5 DKG, all 5 trustees: {dkg_time:?}");
    println!("  3-of-5: 3 partials + combine ×3: {threshold_time:?}");
    println!("  ballot string length:       {len} chars");
}
