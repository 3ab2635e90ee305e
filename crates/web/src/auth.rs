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
        lang.t(self.label_key())
    }

    /// The i18n key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Secretariat => "role.secretariat",
            Role::Presidium => "role.presidium",
            Role::Deputy => "role.deputy",
            Role::CppccMember => "role.cppcc_member",
            Role::Officer => "role.officer",
            Role::Public => "role.public",
        }
    }
}

/// The i18n key of what a login is called: its role's name, but a deputy's login in
/// an assembly of another kind than a congress or a CPPCC committee (an association,
/// a senate) is a member's.
pub fn title(app: &plenum_app::App, role: Role, assembly: Option<&str>) -> &'static str {
    let other = || {
        let id = plenum_domain::AssemblyId::parse(assembly?).ok()?;
        app.read(&id, |a| matches!(a.kind, Some(plenum_domain::BodyKind::Other) | None))
    };
    if role == Role::Deputy && other() == Some(true) { "role.member" } else { role.label_key() }
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
    /// The language of the API's localised texts: as asked for, else English.
    pub api_lang: Lang,
    /// The CSRF token every form of this response must carry.
    pub csrf: String,
    /// Authenticated by an API token rather than a cookie.
    pub by_token: bool,
    /// The i18n key of the caller's title on pages: the role's, but a member of an
    /// assembly other than a People's Congress or CPPCC committee is no deputy.
    pub title: &'static str,
}

impl Caller {
    /// A visitor who is not signed in, for rendering what everybody sees alike.
    pub fn public(lang: Lang) -> Caller {
        Caller {
            account: None,
            role: Role::Public,
            lang,
            api_lang: lang,
            csrf: String::new(),
            by_token: false,
            title: Role::Public.label_key(),
        }
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

/// What a session cookie or API token resolved to: the account, and the session's
/// CSRF token (none for API tokens).
pub type Resolved = Option<(std::sync::Arc<Account>, Option<String>)>;

/// Resolved credentials, kept so that a vote storm does not cost two database reads
/// per ballot.
///
/// Logins, logouts and password changes in this process clear the cache at once.
/// Changes made by another process (another server on the same database) are seen
/// through the database's auth epoch (`AuthStore::auth_epoch`), a counter that every
/// revocation moves: it is read at most once every `EPOCH_EVERY`, and the cache is
/// emptied when it has moved. Entries are trusted only while the epoch was read
/// within `EPOCH_TRUST`, so a revocation elsewhere takes effect within about a
/// second; and never past the credential's own expiry, nor for longer than
/// `ENTRY_SECS`. A credential that was not found is not kept: a flood of made-up
/// tokens cannot push real ones out.
///
/// Keyed by the credential's SHA-256, read under a shared lock: every request reads
/// it, from every worker thread at once.
#[derive(Default)]
pub struct CredentialCache {
    inner: std::sync::RwLock<Cached>,
    /// A read of the epoch is under way.
    checking: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Cached {
    map: std::collections::HashMap<[u8; 32], Entry, foldhash::fast::RandomState>,
    /// Moves at every clear: a lookup that began before a clear does not store what
    /// it found (it may predate the change that caused the clear).
    generation: u64,
    /// The epoch as last read, and when.
    epoch: Option<i64>,
    checked: Option<std::time::Instant>,
}

impl Cached {
    fn clear(&mut self) {
        self.map.clear();
        self.generation += 1;
    }
}

/// What `CredentialCache::lookup` found.
pub struct Lookup {
    pub hit: Option<Resolved>,
    /// This caller is the one to read the epoch now.
    pub read_epoch: bool,
}

struct Entry {
    at: std::time::Instant,
    /// The session's or token's expiry, microseconds since 1970 (`None`: never).
    expires_at: Option<i64>,
    value: Resolved,
}

/// How often the auth epoch is read, at most.
pub const EPOCH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// How long after the last read of the epoch the cache is still trusted.
pub const EPOCH_TRUST: std::time::Duration = std::time::Duration::from_secs(3);
/// How long a resolved credential is kept at most.
pub const ENTRY_SECS: u64 = 60;
/// Entries kept at most; past this the cache starts afresh.
const CACHE_MAX: usize = 100_000;

impl CredentialCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cached> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The credential, if cached and still trusted at `now` (microseconds since 1970),
    /// and whether this caller is to read the epoch (then it must call `epoch_read`).
    /// One shared lock for both: every request asks.
    pub fn lookup(&self, key: &[u8; 32], now: i64) -> Lookup {
        let c = self.read();
        let age = c.checked.map(|t| t.elapsed());
        let due = age.is_none_or(|a| a >= EPOCH_EVERY);
        let read_epoch = due && !self.checking.swap(true, std::sync::atomic::Ordering::AcqRel);
        if age.is_none_or(|a| a >= EPOCH_TRUST) {
            return Lookup { hit: None, read_epoch };
        }
        let hit = c
            .map
            .get(key)
            .filter(|e| e.at.elapsed().as_secs() < ENTRY_SECS && e.expires_at.is_none_or(|x| x > now));
        Lookup { hit: hit.map(|e| e.value.clone()), read_epoch }
    }

    /// The generation to hand to `put` for a lookup starting now.
    pub fn generation(&self) -> u64 {
        self.read().generation
    }

    /// Stores what a lookup that started at `generation` found, unless the cache was
    /// cleared since.
    pub fn put(&self, key: [u8; 32], value: Resolved, expires_at: Option<i64>, generation: u64) {
        let mut c = self.write();
        if c.generation != generation {
            return;
        }
        if c.map.len() >= CACHE_MAX {
            c.map.clear();
        }
        c.map.insert(key, Entry { at: std::time::Instant::now(), expires_at, value });
    }

    pub fn clear(&self) {
        self.write().clear();
    }

    /// The outcome of a read of the epoch: a new value empties the cache (so does
    /// the first, as entries stored before it were never checked against any).
    pub fn epoch_read(&self, read: Option<i64>) {
        if let Some(epoch) = read {
            let mut c = self.write();
            if c.epoch != Some(epoch) {
                c.clear();
                c.epoch = Some(epoch);
            }
            c.checked = Some(std::time::Instant::now());
        }
        self.checking.store(false, std::sync::atomic::Ordering::Release);
    }
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

    fn account(id: i64) -> std::sync::Arc<Account> {
        std::sync::Arc::new(Account {
            id,
            username: format!("u{id}"),
            display_name: String::new(),
            role: "deputy".to_owned(),
            assembly: None,
            member: None,
            password_hash: String::new(),
            must_change_password: false,
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            created_at: 0,
        })
    }

    #[test]
    fn cached_credentials_follow_the_auth_epoch() {
        let c = CredentialCache::default();
        let (k1, k2) = ([1u8; 32], [2u8; 32]);
        let now = 1_000;
        let get = |k: &[u8; 32], now: i64| c.lookup(k, now).hit;
        // Never checked against the epoch: nothing is trusted, and a read is due once.
        assert!(c.lookup(&k1, now).read_epoch);
        assert!(!c.lookup(&k1, now).read_epoch, "one read at a time");
        c.put(k1, Some((account(1), None)), None, c.generation());
        assert!(get(&k1, now).is_none());
        c.epoch_read(Some(7));
        assert!(!c.lookup(&k1, now).read_epoch, "just read");
        assert!(get(&k1, now).is_none(), "the first epoch empties what came before it");

        c.put(k1, Some((account(1), None)), None, c.generation());
        assert_eq!(get(&k1, now).flatten().map(|(a, _)| a.id), Some(1));
        // The same epoch again keeps the entries; a new one empties the cache.
        c.epoch_read(Some(7));
        assert!(get(&k1, now).is_some());
        c.epoch_read(Some(8));
        assert!(get(&k1, now).is_none());

        // A lookup that began before a clear stores nothing.
        let before = c.generation();
        c.clear();
        c.put(k2, Some((account(2), None)), None, before);
        assert!(get(&k2, now).is_none());
        c.put(k2, Some((account(2), None)), None, c.generation());
        assert!(get(&k2, now).is_some());

        // Never past the credential's own expiry.
        c.put(k1, Some((account(1), Some("csrf".to_owned()))), Some(now + 1), c.generation());
        assert!(get(&k1, now).is_some());
        assert!(get(&k1, now + 1).is_none());

        // A failed read leaves the last good one in force, and lets the next try.
        assert!(!c.lookup(&k2, now).read_epoch);
        c.write().checked = Some(std::time::Instant::now() - EPOCH_TRUST);
        let stale = c.lookup(&k2, now);
        assert!(stale.hit.is_none(), "an epoch read long ago is not trusted");
        assert!(stale.read_epoch);
        c.epoch_read(None);
        let again = c.lookup(&k2, now);
        assert!(again.hit.is_none());
        assert!(again.read_epoch, "after a failed read, another is due");
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
