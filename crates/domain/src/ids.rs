//! Identifiers. Each can only be built by `parse`, so a malformed id never reaches
//! the rules or the journal.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct IdError {
    pub what: &'static str,
    pub reason: &'static str,
}

fn check(what: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() || s.len() > 64 {
        return Err(IdError { what, reason: "must be 1 to 64 characters long" });
    }
    if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
        return Err(IdError { what, reason: "may hold only a-z, 0-9, '-' and '_'" });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check($what, &s)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        /// Maps keyed by the id are searched by `&str` without building an id.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// An assembly body; also the id of its event stream in the journal.
    AssemblyId, "assembly id"
);
string_id!(
    /// A member (deputy 代表 or CPPCC member 委员) of an assembly.
    MemberId, "member id"
);
string_id!(
    /// A delegation (代表团) or sector (界别).
    GroupId, "group id"
);
string_id!(
    /// A meeting: preparatory, plenary, delegation or group meeting.
    MeetingId, "meeting id"
);

/// A session (次) within a term (届): the 1st session of the 15th congress is `15-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SessionKey {
    pub term: u32,
    pub number: u32,
}

impl SessionKey {
    pub fn new(term: u32, number: u32) -> Self {
        Self { term, number }
    }

    /// Parses `15-1`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let err = IdError { what: "session", reason: "must look like TERM-NUMBER, e.g. 15-1" };
        let (t, n) = s.split_once('-').ok_or(err.clone())?;
        let term = t.parse().map_err(|_| err.clone())?;
        let number = n.parse().map_err(|_| err.clone())?;
        if term == 0 || number == 0 {
            return Err(err);
        }
        Ok(Self { term, number })
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.term, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_bad_characters_and_lengths() {
        assert!(MemberId::parse("d-0001").is_ok());
        assert_eq!(MemberId::parse("D 1").unwrap_err().what, "member id");
        assert!(MemberId::parse("").is_err());
        assert!(MemberId::parse("x".repeat(65)).is_err());
        let json = serde_json::to_string(&MemberId::parse("a1").unwrap()).unwrap();
        assert_eq!(json, "\"a1\"");
        assert!(serde_json::from_str::<MemberId>("\"A1\"").is_err());
    }

    #[test]
    fn session_keys_parse_and_print() {
        let k = SessionKey::parse("15-1").unwrap();
        assert_eq!(k, SessionKey::new(15, 1));
        assert_eq!(k.to_string(), "15-1");
        assert!(SessionKey::parse("15").is_err());
        assert!(SessionKey::parse("0-1").is_err());
    }
}
