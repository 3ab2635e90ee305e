//! The database address. It may carry a password, so `Debug` and `Display` never
//! show one.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The file of a SQLite journal: `sqlite:plenum.db`, `sqlite://plenum.db` or a path.
    pub fn sqlite_path(&self) -> &str {
        let s = self.0.as_str();
        s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")).unwrap_or(s)
    }

    /// The full address, password included: for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The address with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

fn redact(s: &str) -> String {
    // scheme://user:password@host/...
    let mut out = s.to_owned();
    if let Some(scheme_end) = s.find("://") {
        let rest = &s[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let userinfo = &rest[..at];
            if let Some(colon) = userinfo.find(':') {
                let start = scheme_end + 3 + colon + 1;
                out.replace_range(start..scheme_end + 3 + at, "***");
            }
        }
    }
    // key=value style: password=...
    if let Some(i) = out.find("password=") {
        let start = i + "password=".len();
        let end = out[start..].find(['&', ' ']).map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "***");
    }
    out
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        let u = DatabaseUrl::new("postgres://plenum:s3cret@db:5432/plenum?sslmode=disable");
        assert_eq!(u.to_string(), "postgres://plenum:***@db:5432/plenum?sslmode=disable");
        assert!(!format!("{u:?}").contains("s3cret"));
        let k = DatabaseUrl::new("postgres://db/plenum?user=a&password=hunter2&x=1");
        assert!(!k.to_string().contains("hunter2"));
        assert_eq!(DatabaseUrl::new("sqlite:plenum.db").sqlite_path(), "plenum.db");
        assert_eq!(DatabaseUrl::new("data/plenum.db").sqlite_path(), "data/plenum.db");
        assert!(u.is_postgres());
    }
}
