//! Who is calling: roles, passwords (argon2), sessions (cookie, stored hashed in the
//! journal's database), API tokens, CSRF tokens, and back-off after failed logins.

use crate::i18n::Lang;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::HeaderMap;
use plenum_journal::Account;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The roles of Plenum. `Public` is everyone not logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Secretariat,
    Presidium,
    Deputy,
    CppccMember,
    Officer,
    Public,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Secretariat,
        Role::Presidium,
        Role::Deputy,
        Role::CppccMember,
        Role::Officer,
        Role::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
            Role::Presidium => "presidium",
            Role::Deputy => "deputy",
            Role::CppccMember => "cppcc_member",
            Role::Officer => "officer",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        lang.t(match self {
            Role::Admin => "role.admin",
            Role::Secretariat => "role.secretariat",
            Role::Presidium => "role.presidium",
            Role::Deputy => "role.deputy",
            Role::CppccMember => "role.cppcc_member",
            Role::Officer => "role.officer",
            Role::Public => "role.public",
        })
    }
}

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Anyone logged in.
    Users,
    /// Only these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Users => role != Role::Public,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// Roles that run the session.
pub const STAFF: &[Role] = &[Role::Admin, Role::Secretariat];
/// Roles that may move the agenda (the presidium presides, OL art. 17).
pub const CHAIR: &[Role] = &[Role::Admin, Role::Secretariat, Role::Presidium];

/// The caller of a request, resolved once by the guard.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Shared with the credential cache: a request copies no account.
    pub account: Option<std::sync::Arc<Account>>,
    pub role: Role,
    pub lang: Lang,
    /// The CSRF token every form of this response must carry.
    pub csrf: String,
    /// Authenticated by an API token rather than a cookie.
    pub by_token: bool,
}

impl Caller {
    /// A visitor who is not signed in, for rendering what everybody sees alike.
    pub fn public(lang: Lang) -> Caller {
        Caller { account: None, role: Role::Public, lang, csrf: String::new(), by_token: false }
    }

    pub fn name(&self) -> &str {
        self.account.as_ref().map_or("", |a| a.display_name.as_str())
    }
    /// The actor recorded in the journal.
    pub fn actor(&self) -> String {
        self.account.as_ref().map_or_else(|| "public".to_owned(), |a| format!("account:{}", a.username))
    }
    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    /// Whether the caller may run `assembly`'s business: the secretariat and
    /// administrators serve every assembly, a presidium member only their own.
    pub fn serves(&self, assembly: &str) -> bool {
        match self.role {
            Role::Admin | Role::Secretariat => true,
            Role::Presidium => self.account.as_ref().is_some_and(|a| a.assembly.as_deref() == Some(assembly)),
            _ => false,
        }
    }
}

pub const SESSION_COOKIE: &str = "plenum_session";
pub const CSRF_COOKIE: &str = "plenum_csrf";
pub const LANG_COOKIE: &str = "plenum_lang";
/// Sessions last a working day.
pub const SESSION_HOURS: i64 = 12;
/// Failures allowed before the account locks.
pub const FREE_FAILURES: u32 = 5;

/// How long the account stays locked after `failures` failed logins in a row:
/// none for the first five, then 1, 2, 4, ... minutes, at most an hour.
pub fn lockout_minutes(failures: u32) -> Option<i64> {
    if failures < FREE_FAILURES {
        return None;
    }
    let exp = (failures - FREE_FAILURES).min(6);
    Some((1i64 << exp).min(60))
}

/// A fresh random token (32 bytes, hex).
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)?;
    Ok(hex::encode(b))
}

/// A random password of `len` characters that is easy to read out and type
/// (no 0/O, 1/l/I).
pub fn random_password(len: usize) -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = vec![0u8; len];
    getrandom::fill(&mut b)?;
    // 256 % 56 != 0 gives a slight bias; with 12 characters the entropy is still ~69 bits.
    Ok(b.iter().map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char).collect())
}

/// What is stored for a cookie or API token: its SHA-256.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Hashes a password with argon2id. Chosen passwords get the OWASP parameters;
/// generated one-time passwords (random, ~69 bits) a lighter cost, so that bulk
/// creation for a thousand members stays quick.
pub fn hash_password(password: &str, generated: bool) -> Result<String, String> {
    let params = if generated { Params::new(4096, 1, 1, None) } else { Params::new(19_456, 2, 1, None) }
        .map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    argon.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of nothing, verified against when the username is unknown, so that the
/// answer takes as long as for a known one.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3ZQ8kJ2pTf3Yc5bU7Zl8m3Y5Hq3vW4yB3G4kJ6fQeXo"
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always; Secure when the
/// deployment is behind TLS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(s) = max_age_secs {
        c.push_str(&format!("; Max-Age={s}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse", false).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        let g = hash_password("x7Kp2mQ9aB3c", true).unwrap();
        assert!(verify_password("x7Kp2mQ9aB3c", &g));
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn lockout_backs_off() {
        assert_eq!(lockout_minutes(4), None);
        assert_eq!(lockout_minutes(5), Some(1));
        assert_eq!(lockout_minutes(7), Some(4));
        assert_eq!(lockout_minutes(40), Some(60));
    }

    #[test]
    fn cookies_parse_and_carry_flags() {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::COOKIE, "a=1; plenum_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "zzz"), None);
        let c = set_cookie(SESSION_COOKIE, "v", Some(60), true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        let p = random_password(12).unwrap();
        assert_eq!(p.len(), 12);
        assert!(!p.contains('0') && !p.contains('l'));
        assert_ne!(random_token().unwrap(), random_token().unwrap());
    }
}

/// What a session cookie or API token resolved to: the account, and the session's
/// CSRF token (none for API tokens).
pub type Resolved = Option<(std::sync::Arc<Account>, Option<String>)>;

/// Resolved credentials, kept for a few seconds so that a vote storm does not cost
/// two database reads per ballot. Logins, logouts and password changes in this
/// process clear it; in another process they take effect within `CACHE_SECS`.
/// Keyed by the credential's SHA-256, read under a shared lock: every request reads
/// it, from every worker thread at once.
#[derive(Default)]
pub struct CredentialCache {
    map: std::sync::RwLock<
        std::collections::HashMap<[u8; 32], (std::time::Instant, Resolved), foldhash::fast::RandomState>,
    >,
}

/// How long a resolved credential is trusted without asking the database.
pub const CACHE_SECS: u64 = 5;
/// Entries kept at most; past this the cache starts afresh.
const CACHE_MAX: usize = 100_000;

impl CredentialCache {
    pub fn get(&self, key: &[u8; 32]) -> Option<Resolved> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(key).filter(|(at, _)| at.elapsed().as_secs() < CACHE_SECS).map(|(_, r)| r.clone())
    }

    pub fn put(&self, key: [u8; 32], value: Resolved) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(key, (std::time::Instant::now(), value));
    }

    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
