//! Accounts, login sessions and API tokens of the web app.
//!
//! They live in the same database as the journal, in ordinary mutable tables beside
//! the append-only `events` table: accounts are not acts of the assembly, so they are
//! not journal events and are not part of the hash chain.
//!
//! Secrets are never stored: an account keeps a password *hash*, and sessions and
//! API tokens are looked up by the SHA-256 of the token the client holds. Passwords
//! are hashed and usernames normalized (lower-cased) by the web layer; this store
//! compares usernames exactly as given.
//!
//! All times are microseconds since 1970-01-01 UTC, like `RecordedEvent::recorded_at`.

use crate::{AnyJournal, JournalError};
use std::fmt;
use std::future::Future;

/// A login account, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub assembly: Option<String>,
    pub member: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: u32,
    /// Microseconds since 1970-01-01 UTC; the account refuses logins before then.
    pub locked_until: Option<i64>,
    pub disabled: bool,
    /// Microseconds since 1970-01-01 UTC, set by the store.
    pub created_at: i64,
}

impl Account {
    /// Whether a lock set by `record_failed_login` is still in force at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("assembly", &self.assembly)
            .field("member", &self.member)
            .field("password_hash", &"***")
            .field("must_change_password", &self.must_change_password)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// An account to be created. The store assigns `id` and `created_at` and starts
/// with no failed logins, no lock, not disabled.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub assembly: Option<String>,
    pub member: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("assembly", &self.assembly)
            .field("member", &self.member)
            .field("password_hash", &"***")
            .field("must_change_password", &self.must_change_password)
            .finish()
    }
}

/// A login session. The cookie token itself is never stored, only its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: Vec<u8>,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    /// The session is valid while `now < expires_at`.
    pub expires_at: i64,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("token_hash", &hex::encode(&self.token_hash))
            .field("account_id", &self.account_id)
            .field("csrf_token", &"***")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An API token. The token itself is never stored, only its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub token_hash: Vec<u8>,
    pub account_id: i64,
    pub label: String,
    pub created_at: i64,
    /// `None`: never expires; otherwise valid while `now < expires_at`.
    pub expires_at: Option<i64>,
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("token_hash", &hex::encode(&self.token_hash))
            .field("account_id", &self.account_id)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the username {0:?} is already taken")]
    UsernameTaken(String),
    #[error("no such account")]
    NotFound,
    #[error("account storage error: {0}")]
    Storage(String),
}

impl From<JournalError> for AuthError {
    fn from(e: JournalError) -> Self {
        match e {
            JournalError::Storage(s) => AuthError::Storage(s),
            other => AuthError::Storage(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for AuthError {
    fn from(e: rusqlite::Error) -> Self {
        AuthError::Storage(e.to_string())
    }
}

impl From<tokio_postgres::Error> for AuthError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The Display of a tokio-postgres error omits the server's detail.
        match e.as_db_error() {
            Some(db) => AuthError::Storage(format!("{}: {}", db.code().code(), db.message())),
            None => AuthError::Storage(e.to_string()),
        }
    }
}

/// The store of accounts, sessions and API tokens, beside the journal.
///
/// Deleting what does not exist (a session, a token) is not an error, so logging out
/// twice is harmless. Updating an account that does not exist is `NotFound`, and so
/// is creating a session or token for one. Disabling an account or changing its
/// password does not end its sessions: call `delete_sessions_of` for that.
pub trait AuthStore: Send + Sync {
    /// Creates the accounts all or nothing, in one transaction, and returns their ids
    /// in the given order. A username that is taken (or given twice) fails the whole
    /// call with `AuthError::UsernameTaken(username)`.
    fn create_accounts(
        &self,
        accounts: Vec<NewAccount>,
    ) -> impl Future<Output = Result<Vec<i64>, AuthError>> + Send;

    fn account(&self, id: i64) -> impl Future<Output = Result<Option<Account>, AuthError>> + Send;

    /// The account with exactly this username (case-sensitive).
    fn account_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<Account>, AuthError>> + Send;

    /// All accounts, ordered by id.
    fn accounts(&self) -> impl Future<Output = Result<Vec<Account>, AuthError>> + Send;

    fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> impl Future<Output = Result<(), AuthError>> + Send;

    fn set_disabled(&self, id: i64, disabled: bool) -> impl Future<Output = Result<(), AuthError>> + Send;

    /// Increments `failed_logins` and sets `locked_until` to the given value (`None`
    /// clears it); returns the new count.
    fn record_failed_login(
        &self,
        id: i64,
        locked_until: Option<i64>,
    ) -> impl Future<Output = Result<u32, AuthError>> + Send;

    /// Resets `failed_logins` to 0 and clears `locked_until`.
    fn record_successful_login(&self, id: i64) -> impl Future<Output = Result<(), AuthError>> + Send;

    fn create_session(&self, session: SessionRecord) -> impl Future<Output = Result<(), AuthError>> + Send;

    /// The session with this token hash, if it exists and has not expired at `now`.
    fn session(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<Option<SessionRecord>, AuthError>> + Send;

    fn delete_session(&self, token_hash: &[u8]) -> impl Future<Output = Result<(), AuthError>> + Send;

    /// Ends every session of the account; returns how many there were.
    fn delete_sessions_of(&self, account_id: i64) -> impl Future<Output = Result<u64, AuthError>> + Send;

    /// Deletes the sessions expired at `now`; returns how many.
    fn purge_expired_sessions(&self, now: i64) -> impl Future<Output = Result<u64, AuthError>> + Send;

    fn create_api_token(&self, token: ApiToken) -> impl Future<Output = Result<(), AuthError>> + Send;

    /// The API token with this hash, if it exists and has not expired at `now`.
    fn api_token(
        &self,
        token_hash: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<Option<ApiToken>, AuthError>> + Send;

    fn delete_api_token(&self, token_hash: &[u8]) -> impl Future<Output = Result<(), AuthError>> + Send;

    /// A counter that moves whenever an account, session or API token may have lost
    /// access (see the migration `0005_auth_epoch.sql`): a cache of resolved
    /// credentials that sees it move must forget what it holds.
    fn auth_epoch(&self) -> impl Future<Output = Result<i64, AuthError>> + Send;

    /// Stores (or replaces) a secret under `name`, outside the journal.
    fn put_secret(&self, name: &str, value: &[u8]) -> impl Future<Output = Result<(), AuthError>> + Send;

    fn secret(&self, name: &str) -> impl Future<Output = Result<Option<Vec<u8>>, AuthError>> + Send;

    /// Deletes a secret for good; deleting a missing one is not an error.
    fn delete_secret(&self, name: &str) -> impl Future<Output = Result<(), AuthError>> + Send;
}

// ---------------------------------------------------------------------------
// Shared by both stores.
// ---------------------------------------------------------------------------

/// The columns of `accounts`, in the order both stores read them.
pub(crate) const ACCOUNT_COLUMNS: &str = "id, username, display_name, role, assembly, member, password_hash, \
     must_change_password, failed_logins, locked_until, disabled, created_at";
pub(crate) const SESSION_COLUMNS: &str = "token_hash, account_id, csrf_token, created_at, expires_at";
pub(crate) const TOKEN_COLUMNS: &str = "token_hash, account_id, label, created_at, expires_at";

/// A stored count as `u32` (never negative; saturating, should it ever overflow).
pub(crate) fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `Ok` if an update touched the account, `NotFound` if there was none.
pub(crate) fn found(rows: u64) -> Result<(), AuthError> {
    if rows == 0 { Err(AuthError::NotFound) } else { Ok(()) }
}

macro_rules! dispatch {
    ($self:ident, $j:ident => $e:expr) => {
        match $self {
            AnyJournal::Sqlite($j) => $e,
            AnyJournal::Postgres($j) => $e,
        }
    };
}

impl AuthStore for AnyJournal {
    async fn create_accounts(&self, accounts: Vec<NewAccount>) -> Result<Vec<i64>, AuthError> {
        dispatch!(self, j => j.create_accounts(accounts).await)
    }
    async fn account(&self, id: i64) -> Result<Option<Account>, AuthError> {
        dispatch!(self, j => j.account(id).await)
    }
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, AuthError> {
        dispatch!(self, j => j.account_by_username(username).await)
    }
    async fn accounts(&self) -> Result<Vec<Account>, AuthError> {
        dispatch!(self, j => j.accounts().await)
    }
    async fn set_password(&self, id: i64, password_hash: &str, must_change: bool) -> Result<(), AuthError> {
        dispatch!(self, j => j.set_password(id, password_hash, must_change).await)
    }
    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<(), AuthError> {
        dispatch!(self, j => j.set_disabled(id, disabled).await)
    }
    async fn record_failed_login(&self, id: i64, locked_until: Option<i64>) -> Result<u32, AuthError> {
        dispatch!(self, j => j.record_failed_login(id, locked_until).await)
    }
    async fn record_successful_login(&self, id: i64) -> Result<(), AuthError> {
        dispatch!(self, j => j.record_successful_login(id).await)
    }
    async fn create_session(&self, session: SessionRecord) -> Result<(), AuthError> {
        dispatch!(self, j => j.create_session(session).await)
    }
    async fn session(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRecord>, AuthError> {
        dispatch!(self, j => j.session(token_hash, now).await)
    }
    async fn delete_session(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        dispatch!(self, j => j.delete_session(token_hash).await)
    }
    async fn delete_sessions_of(&self, account_id: i64) -> Result<u64, AuthError> {
        dispatch!(self, j => j.delete_sessions_of(account_id).await)
    }
    async fn purge_expired_sessions(&self, now: i64) -> Result<u64, AuthError> {
        dispatch!(self, j => j.purge_expired_sessions(now).await)
    }
    async fn create_api_token(&self, token: ApiToken) -> Result<(), AuthError> {
        dispatch!(self, j => j.create_api_token(token).await)
    }
    async fn api_token(&self, token_hash: &[u8], now: i64) -> Result<Option<ApiToken>, AuthError> {
        dispatch!(self, j => j.api_token(token_hash, now).await)
    }
    async fn delete_api_token(&self, token_hash: &[u8]) -> Result<(), AuthError> {
        dispatch!(self, j => j.delete_api_token(token_hash).await)
    }
    async fn auth_epoch(&self) -> Result<i64, AuthError> {
        dispatch!(self, j => j.auth_epoch().await)
    }
    async fn put_secret(&self, name: &str, value: &[u8]) -> Result<(), AuthError> {
        dispatch!(self, j => j.put_secret(name, value).await)
    }
    async fn secret(&self, name: &str) -> Result<Option<Vec<u8>>, AuthError> {
        dispatch!(self, j => j.secret(name).await)
    }
    async fn delete_secret(&self, name: &str) -> Result<(), AuthError> {
        dispatch!(self, j => j.delete_secret(name).await)
    }
}
