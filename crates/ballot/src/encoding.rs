//! Byte and string encodings of the public types: compressed points and canonical
//! scalars, concatenated, written as lowercase hex; one string per value.
//! Parsing is strict so that every value has exactly one encoding: the journal can
//! then deduplicate ballots by their string, and a malformed point is refused early.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;

use crate::error::{Result, malformed};

/// A value with a fixed binary layout. Implementors get `Display`, `FromStr`,
/// `Debug`, `Serialize` and `Deserialize` through [`wire_string!`].
pub(crate) trait Wire: Sized {
    /// Name used in error messages ("public key", "ciphertext", ...).
    const WHAT: &'static str;
    fn write(&self, out: &mut Vec<u8>);
    fn read(r: &mut Reader<'_>) -> Result<Self>;

    fn to_wire_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn from_wire_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader { bytes, what: Self::WHAT };
        let v = Self::read(&mut r)?;
        r.finish()?;
        Ok(v)
    }

    fn to_hex(&self) -> String {
        hex::encode(self.to_wire_bytes())
    }

    fn from_hex(s: &str) -> Result<Self> {
        // Lowercase only: `hex` would also accept uppercase, giving one value two
        // spellings, and the journal compares ballots as strings.
        if let Some(pos) = s.bytes().position(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(malformed(Self::WHAT, format!("not lowercase hex at character {pos}")));
        }
        let bytes = hex::decode(s).map_err(|e| malformed(Self::WHAT, e.to_string()))?;
        Self::from_wire_bytes(&bytes)
    }
}

/// A cursor over bytes being decoded; every read checks the length first.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<N>() else {
            return Err(malformed(self.what, format!("truncated: needed {N} more bytes")));
        };
        self.bytes = rest;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.take::<2>()?))
    }

    /// 32 opaque bytes (a masked secret, checked by whoever unmasks it).
    pub(crate) fn bytes32(&mut self) -> Result<[u8; 32]> {
        self.take::<32>()
    }

    /// A compressed Ristretto point; decompression rejects non-canonical encodings
    /// and encodings of nothing, so a parsed point is always a group element.
    pub(crate) fn point(&mut self) -> Result<RistrettoPoint> {
        let bytes = self.take::<32>()?;
        CompressedRistretto(bytes)
            .decompress()
            .ok_or_else(|| malformed(self.what, "not a valid Ristretto255 point encoding"))
    }

    /// A scalar in canonical form (< group order), so it has one encoding only.
    pub(crate) fn scalar(&mut self) -> Result<Scalar> {
        let bytes = self.take::<32>()?;
        Option::from(Scalar::from_canonical_bytes(bytes))
            .ok_or_else(|| malformed(self.what, "scalar is not reduced modulo the group order"))
    }

    /// How many items of `item_len` bytes at least remain; bounds a length prefix
    /// before anything is allocated for it.
    pub(crate) fn check_room(&self, count: usize, item_len: usize) -> Result<()> {
        if count.saturating_mul(item_len) > self.bytes.len() {
            return Err(malformed(self.what, format!("length prefix {count} exceeds the data")));
        }
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(malformed(self.what, format!("{} trailing bytes", self.bytes.len())))
        }
    }
}

pub(crate) fn put_point(out: &mut Vec<u8>, p: &RistrettoPoint) {
    out.extend_from_slice(p.compress().as_bytes());
}

pub(crate) fn put_scalar(out: &mut Vec<u8>, s: &Scalar) {
    out.extend_from_slice(s.as_bytes());
}

/// Gives a [`Wire`] type its string form: `Display`/`FromStr` as lowercase hex,
/// serde as that same string, and a `Debug` that shows the string too (the derived
/// one would print field-element limbs).
macro_rules! wire_string {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::encoding::Wire::to_hex(self))
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({})", stringify!($ty), $crate::encoding::Wire::to_hex(self))
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::error::BallotError;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                <$ty as $crate::encoding::Wire>::from_hex(s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&$crate::encoding::Wire::to_hex(self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                <$ty as $crate::encoding::Wire>::from_hex(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use wire_string;
