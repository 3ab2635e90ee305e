//! The journal: an append-only, hash-chained log of events, the single source of
//! truth of Plenum. One trait, two stores: SQLite (embedded default) and PostgreSQL.
//!
//! Every event gets a global gapless `position`, a `version` within its stream (the
//! assembly), and a SHA-256 `hash` over its content and the previous event's hash,
//! so that altering, removing or reordering any event breaks the chain (`verify`).
//!
//! Beside the journal, the same database holds the web app's accounts, sessions and
//! API tokens in ordinary mutable tables (`AuthStore`); they are not events.

mod auth;
mod auth_postgres;
mod auth_sqlite;
mod chain;
mod postgres;
mod sqlite;
mod url;

pub use auth::{Account, ApiToken, AuthError, AuthStore, NewAccount, SessionRecord};
pub use chain::{GENESIS, event_hash};
pub use postgres::PgJournal;
pub use sqlite::SqliteJournal;
pub use url::DatabaseUrl;

use serde::Serialize;
use std::future::Future;
use tokio::sync::watch;

thread_local! {
    /// Whether the embedded journal runs this thread's appends on the thread itself
    /// rather than on tokio's blocking pool (see `allow_blocking_appends`).
    static MAY_BLOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Lets the embedded journal run the appends made from this thread on it, blocking it
/// until they are durable. For a thread whose only work is appending (an assembly's
/// writer), never for a runtime worker that serves others: handing a commit to the
/// blocking pool and back costs more than the commit itself when the machine is busy.
pub fn allow_blocking_appends() {
    MAY_BLOCK.with(|b| b.set(true));
}

/// An event to be appended. `payload` is JSON text and is stored (and hashed) as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: String,
    pub payload: String,
    pub actor: String,
    pub command_id: Option<String>,
}

/// Events for one stream, valid only if the stream is at `expected_version` (0 for
/// a new stream): optimistic concurrency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRequest {
    pub stream: String,
    pub expected_version: u64,
    pub events: Vec<NewEvent>,
}

/// An event as the journal holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedEvent {
    pub position: u64,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub payload: String,
    pub actor: String,
    /// Microseconds since 1970-01-01 UTC.
    pub recorded_at: i64,
    pub command_id: Option<String>,
    #[serde(serialize_with = "hex_bytes")]
    pub hash: [u8; 32],
}

fn hex_bytes<S: serde::Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(h))
}

impl RecordedEvent {
    pub fn recorded_at(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_micros(self.recorded_at).unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("stream {stream} is at version {actual}, not {expected}: another command came first")]
    Conflict { stream: String, expected: u64, actual: u64 },
    #[error("journal storage error: {0}")]
    Storage(String),
    #[error("the journal is not a Plenum journal or is damaged: {0}")]
    Schema(String),
}

impl From<rusqlite::Error> for JournalError {
    fn from(e: rusqlite::Error) -> Self {
        JournalError::Storage(e.to_string())
    }
}

impl From<tokio_postgres::Error> for JournalError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The Display of a tokio-postgres error omits the server's detail.
        match e.as_db_error() {
            Some(db) => JournalError::Storage(format!("{}: {}", db.code().code(), db.message())),
            None => JournalError::Storage(e.to_string()),
        }
    }
}

/// The result of `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub events: u64,
    /// The first position whose event was altered, removed or reordered.
    pub first_bad: Option<u64>,
    pub reason: Option<String>,
    #[serde(serialize_with = "hex_bytes")]
    pub head_hash: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub events: u64,
    pub head: u64,
    pub head_hash: String,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
    pub streams: Vec<(String, u64)>,
    pub types: Vec<(String, u64)>,
    pub snapshots: Vec<(String, u64)>,
}

/// A stored projection state at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub position: u64,
    pub data: Vec<u8>,
}

/// Snapshots are written in pieces of this size, each in its own transaction: an
/// append waits at most for one piece (a few milliseconds), not for the whole
/// snapshot (150 ms at 26 MB on SQLite).
pub(crate) const SNAPSHOT_PIECE: usize = 256 * 1024;

/// Page size for reads and verification.
pub const PAGE: usize = 10_000;

/// The four operations of the journal, plus snapshots and housekeeping.
pub trait Journal: Send + Sync + 'static {
    /// Appends all requests in one transaction (group commit): either every event is
    /// durable when this returns `Ok`, or none is. Returns the recorded events in order.
    fn append_batch(
        &self,
        batch: Vec<AppendRequest>,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, JournalError>> + Send;

    /// Appends one request.
    fn append(
        &self,
        request: AppendRequest,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, JournalError>> + Send {
        self.append_batch(vec![request])
    }

    /// Events of one stream with version > `after_version`, in order.
    fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, JournalError>> + Send;

    /// Up to `limit` events with position > `after`, in order.
    fn read_all(
        &self,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<RecordedEvent>, JournalError>> + Send;

    /// The position of the last committed event, updated after every commit (also
    /// commits of other processes, where the store can tell). Read what is new with
    /// `read_all`.
    fn subscribe(&self) -> watch::Receiver<u64>;

    /// The last committed position, read from storage.
    fn head(&self) -> impl Future<Output = Result<u64, JournalError>> + Send;

    fn save_snapshot(
        &self,
        name: &str,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<(), JournalError>> + Send;

    fn load_snapshot(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Snapshot>, JournalError>> + Send;

    fn stats(&self) -> impl Future<Output = Result<Stats, JournalError>> + Send;

    /// Recomputes the hash chain from the first event.
    fn verify(&self) -> impl Future<Output = Result<Verification, JournalError>> + Send {
        async move {
            let mut prev = GENESIS;
            let mut after = 0u64;
            let mut events = 0u64;
            loop {
                let page = self.read_all(after, PAGE).await?;
                if page.is_empty() {
                    break;
                }
                for e in &page {
                    let bad = if e.position != after + 1 {
                        Some(format!("expected position {}, found {}", after + 1, e.position))
                    } else if event_hash(&prev, e) != e.hash {
                        Some("the hash does not match the event and its predecessor".to_owned())
                    } else {
                        None
                    };
                    if let Some(reason) = bad {
                        return Ok(Verification {
                            events,
                            first_bad: Some(after + 1),
                            reason: Some(reason),
                            head_hash: prev,
                        });
                    }
                    prev = e.hash;
                    after = e.position;
                    events += 1;
                }
            }
            Ok(Verification { events, first_bad: None, reason: None, head_hash: prev })
        }
    }
}

/// The journal chosen by configuration: SQLite for a path or `sqlite:` URL,
/// PostgreSQL for a `postgres://` URL.
pub enum AnyJournal {
    Sqlite(SqliteJournal),
    Postgres(PgJournal),
}

impl AnyJournal {
    pub async fn open(url: &DatabaseUrl) -> Result<Self, JournalError> {
        if url.is_postgres() {
            Ok(AnyJournal::Postgres(PgJournal::connect(url.expose()).await?))
        } else {
            Ok(AnyJournal::Sqlite(SqliteJournal::open(url.sqlite_path())?))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            AnyJournal::Sqlite(_) => "sqlite",
            AnyJournal::Postgres(_) => "postgres",
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $j:ident => $e:expr) => {
        match $self {
            AnyJournal::Sqlite($j) => $e,
            AnyJournal::Postgres($j) => $e,
        }
    };
}

impl Journal for AnyJournal {
    async fn append_batch(&self, batch: Vec<AppendRequest>) -> Result<Vec<RecordedEvent>, JournalError> {
        dispatch!(self, j => j.append_batch(batch).await)
    }
    async fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        dispatch!(self, j => j.read_stream(stream, after_version).await)
    }
    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, JournalError> {
        dispatch!(self, j => j.read_all(after, limit).await)
    }
    fn subscribe(&self) -> watch::Receiver<u64> {
        dispatch!(self, j => j.subscribe())
    }
    async fn head(&self) -> Result<u64, JournalError> {
        dispatch!(self, j => j.head().await)
    }
    async fn save_snapshot(&self, name: &str, snapshot: Snapshot) -> Result<(), JournalError> {
        dispatch!(self, j => j.save_snapshot(name, snapshot).await)
    }
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, JournalError> {
        dispatch!(self, j => j.load_snapshot(name).await)
    }
    async fn stats(&self) -> Result<Stats, JournalError> {
        dispatch!(self, j => j.stats().await)
    }
}

/// Microseconds since the epoch, now.
pub(crate) fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Checks each request's expected version against the stream heads and assigns
/// positions, versions and hashes. Shared by both stores so the chain is computed
/// in exactly one place.
pub(crate) fn seal(
    batch: Vec<AppendRequest>,
    mut head: u64,
    mut prev: [u8; 32],
    mut stream_version: impl FnMut(&str) -> Result<u64, JournalError>,
) -> Result<Vec<RecordedEvent>, JournalError> {
    let now = now_micros();
    let mut versions: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(batch.iter().map(|r| r.events.len()).sum());
    for req in batch {
        let actual = match versions.get(&req.stream) {
            Some(v) => *v,
            None => stream_version(&req.stream)?,
        };
        if actual != req.expected_version {
            return Err(JournalError::Conflict {
                stream: req.stream,
                expected: req.expected_version,
                actual,
            });
        }
        let mut version = actual;
        for ev in req.events {
            head += 1;
            version += 1;
            let mut rec = RecordedEvent {
                position: head,
                stream: req.stream.clone(),
                version,
                kind: ev.kind,
                payload: ev.payload,
                actor: ev.actor,
                recorded_at: now,
                command_id: ev.command_id,
                hash: [0; 32],
            };
            rec.hash = event_hash(&prev, &rec);
            prev = rec.hash;
            out.push(rec);
        }
        versions.insert(req.stream, version);
    }
    Ok(out)
}
