//! The embedded journal: one SQLite file in WAL mode with `synchronous=FULL`, so an
//! acknowledged append survives a crash or power loss.

use crate::{
    AppendRequest, GENESIS, Journal, JournalError, RecordedEvent, SNAPSHOT_PIECE, Snapshot, Stats,
    now_micros, seal,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The migrations, in order. Each is idempotent, so all of them run at every open.
const MIGRATIONS: [&str; 5] = [
    include_str!("../migrations/sqlite/0001_journal.sql"),
    include_str!("../migrations/sqlite/0002_auth.sql"),
    include_str!("../migrations/sqlite/0003_secrets.sql"),
    include_str!("../migrations/sqlite/0004_snapshot_chunks.sql"),
    include_str!("../migrations/sqlite/0005_auth_epoch.sql"),
];
/// `PRAGMA user_version` of the current schema.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Clone)]
pub struct SqliteJournal {
    pub(crate) writer: Arc<Mutex<Connection>>,
    pub(crate) reader: Arc<Mutex<Connection>>,
    head: Arc<watch::Sender<u64>>,
    /// Stream versions as this instance last wrote them.
    versions: Arc<Mutex<KnownVersions>>,
}

/// The versions of the streams this instance wrote, valid while the journal's head
/// is where its last commit left it. Another process writing to the same file moves
/// the head (positions are gapless), and then the versions are read again. Saves a
/// query per commit, which SQLite also plans afresh each time (its stream is a bound
/// parameter).
#[derive(Default)]
struct KnownVersions {
    head: u64,
    streams: std::collections::HashMap<String, u64>,
}

impl KnownVersions {
    /// Takes in a committed batch. Versions kept from before it stay only if the batch
    /// followed this instance's last commit directly.
    fn committed(&mut self, recorded: &[RecordedEvent]) {
        let (Some(first), Some(last)) = (recorded.first(), recorded.last()) else { return };
        if self.head + 1 != first.position {
            self.streams.clear();
        }
        self.head = last.position;
        for e in recorded {
            match self.streams.get_mut(&e.stream) {
                Some(v) => *v = e.version,
                None => {
                    self.streams.insert(e.stream.clone(), e.version);
                }
            }
        }
    }
}

fn connect(path: &str) -> Result<Connection, JournalError> {
    let c = Connection::open(path)?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    Ok(c)
}

fn lock(m: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    // A panic while holding the lock cannot leave a half transaction behind (it is
    // rolled back on drop), so a poisoned lock is safe to take.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const COLUMNS: &str = "position, stream, version, type, payload, actor, recorded_at, command_id, hash";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    let hash: Vec<u8> = r.get(8)?;
    Ok(RecordedEvent {
        position: r.get::<_, i64>(0)? as u64,
        stream: r.get(1)?,
        version: r.get::<_, i64>(2)? as u64,
        kind: r.get(3)?,
        payload: r.get(4)?,
        actor: r.get(5)?,
        recorded_at: r.get(6)?,
        command_id: r.get(7)?,
        hash: hash.try_into().unwrap_or([0; 32]),
    })
}

fn head_of(c: &Connection) -> Result<(u64, [u8; 32]), JournalError> {
    let last: Option<(i64, Vec<u8>)> = c
        .prepare_cached("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match last {
        Some((p, h)) => (p as u64, h.try_into().unwrap_or(GENESIS)),
        None => (0, GENESIS),
    })
}

/// Seals a batch onto the head of the journal and inserts it, inside the caller's
/// transaction.
fn insert_sealed(
    c: &Connection,
    batch: Vec<AppendRequest>,
    known: &KnownVersions,
) -> Result<Vec<RecordedEvent>, JournalError> {
    let (head, prev) = head_of(c)?;
    let known = (known.head == head).then_some(&known.streams);
    let recorded = {
        let mut version_q =
            c.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")?;
        seal(batch, head, prev, |s| match known.and_then(|k| k.get(s)) {
            Some(v) => Ok(*v),
            None => Ok(version_q.query_row([s], |r| r.get::<_, i64>(0))? as u64),
        })?
    };
    let mut insert = c.prepare_cached(
        "INSERT INTO events (position, stream, version, type, payload, actor, recorded_at, command_id, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for e in &recorded {
        insert.execute(params![
            e.position as i64,
            e.stream,
            e.version as i64,
            e.kind,
            e.payload,
            e.actor,
            e.recorded_at,
            e.command_id,
            &e.hash[..]
        ])?;
    }
    Ok(recorded)
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal in the file at `path`.
    pub fn open(path: &str) -> Result<Self, JournalError> {
        let mut writer = connect(path)?;
        {
            // One transaction: the tables and the version change together or not at all.
            let tx = writer.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version > SCHEMA_VERSION {
                return Err(JournalError::Schema(format!(
                    "schema version {version} is newer than this Plenum understands ({SCHEMA_VERSION})"
                )));
            }
            for migration in MIGRATIONS {
                tx.execute_batch(migration)?;
            }
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        let (head, _) = head_of(&writer)?;
        let reader = connect(path)?;
        let (tx, _) = watch::channel(head);
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            head: Arc::new(tx),
            versions: Arc::default(),
        })
    }

    pub(crate) async fn blocking<T: Send + 'static>(
        conn: &Arc<Mutex<Connection>>,
        f: impl FnOnce(&mut Connection) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let conn = Arc::clone(conn);
        tokio::task::spawn_blocking(move || f(&mut lock(&conn)))
            .await
            .map_err(|e| JournalError::Storage(format!("journal task failed: {e}")))?
    }
}

impl Journal for SqliteJournal {
    async fn append_batch(&self, batch: Vec<AppendRequest>) -> Result<Vec<RecordedEvent>, JournalError> {
        if batch.iter().all(|r| r.events.is_empty()) {
            return Ok(Vec::new());
        }
        let versions = Arc::clone(&self.versions);
        let work = move |c: &mut Connection| {
            // `BEGIN IMMEDIATE` and `COMMIT` as cached statements: a `Transaction`
            // would parse them again at every commit.
            if !c.is_autocommit() {
                // Left open by a panic in an earlier append, which nobody was told
                // had succeeded.
                c.execute_batch("ROLLBACK")?;
            }
            // Taken under the writer connection's lock: no other append runs.
            let mut known = versions.lock().unwrap_or_else(|p| p.into_inner());
            c.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            let written = insert_sealed(c, batch, &known).and_then(|recorded| {
                c.prepare_cached("COMMIT")?.execute([])?;
                Ok(recorded)
            });
            if let Ok(recorded) = &written {
                known.committed(recorded);
            }
            if written.is_err() && !c.is_autocommit() {
                // Nothing of the batch stays: the caller is told it was not written.
                c.execute_batch("ROLLBACK")?;
            }
            written
        };
        // On a writer's own thread the commit runs right here (`allow_blocking_appends`).
        let recorded = if crate::MAY_BLOCK.with(std::cell::Cell::get) {
            work(&mut lock(&self.writer))?
        } else {
            Self::blocking(&self.writer, work).await?
        };
        if let Some(last) = recorded.last() {
            // Concurrent appends may get here out of commit order: never move back.
            let position = last.position;
            self.head.send_if_modified(|h| {
                let newer = position > *h;
                if newer {
                    *h = position;
                }
                newer
            });
        }
        Ok(recorded)
    }

    async fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        let stream = stream.to_owned();
        Self::blocking(&self.reader, move |c| {
            let mut q = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM events WHERE stream = ?1 AND version > ?2 ORDER BY version"
            ))?;
            let rows = q.query_map(params![stream, after_version as i64], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, JournalError> {
        Self::blocking(&self.reader, move |c| {
            let mut q = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
            ))?;
            let rows = q.query_map(params![after as i64, limit as i64], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    async fn head(&self) -> Result<u64, JournalError> {
        Self::blocking(&self.reader, |c| Ok(head_of(c)?.0)).await
    }

    async fn save_snapshot(&self, name: &str, snapshot: Snapshot) -> Result<(), JournalError> {
        let position = snapshot.position as i64;
        let data = Arc::new(snapshot.data);
        // Pieces of an earlier save at this position that did not finish.
        let n = name.to_owned();
        Self::blocking(&self.writer, move |c| {
            c.execute("DELETE FROM snapshot_chunks WHERE name = ?1 AND position = ?2", params![n, position])?;
            Ok(())
        })
        .await?;
        for seq in 0..data.len().div_ceil(SNAPSHOT_PIECE) {
            let (n, data) = (name.to_owned(), Arc::clone(&data));
            Self::blocking(&self.writer, move |c| {
                let piece = &data[seq * SNAPSHOT_PIECE..((seq + 1) * SNAPSHOT_PIECE).min(data.len())];
                c.prepare_cached(
                    "INSERT INTO snapshot_chunks (name, position, seq, data) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![n, position, seq as i64, piece])?;
                Ok(())
            })
            .await?;
        }
        // Every piece is in: switch to the new snapshot in one short transaction.
        let n = name.to_owned();
        let stale: Vec<(i64, i64)> = Self::blocking(&self.writer, move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO snapshots (name, position, data, taken_at) VALUES (?1, ?2, X'', ?3)
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position, data = excluded.data, taken_at = excluded.taken_at",
                params![n, position, now_micros()],
            )?;
            let stale = {
                let mut q = tx.prepare("SELECT position, seq FROM snapshot_chunks WHERE name = ?1 AND position != ?2")?;
                let rows = q.query_map(params![n, position], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            tx.commit()?;
            Ok(stale)
        })
        .await?;
        // The previous snapshot's pieces go one at a time too.
        for (at, seq) in stale {
            let n = name.to_owned();
            Self::blocking(&self.writer, move |c| {
                c.execute(
                    "DELETE FROM snapshot_chunks WHERE name = ?1 AND position = ?2 AND seq = ?3",
                    params![n, at, seq],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, JournalError> {
        let name = name.to_owned();
        Self::blocking(&self.reader, move |c| {
            // One read transaction, so the row and its pieces are of the same save.
            let tx = c.transaction()?;
            let row: Option<(i64, Vec<u8>)> = tx
                .query_row("SELECT position, data FROM snapshots WHERE name = ?1", [&name], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let Some((position, mut data)) = row else { return Ok(None) };
            if data.is_empty() {
                let mut q = tx.prepare(
                    "SELECT data FROM snapshot_chunks WHERE name = ?1 AND position = ?2 ORDER BY seq",
                )?;
                let mut rows = q.query(params![name, position])?;
                while let Some(r) = rows.next()? {
                    data.extend_from_slice(
                        r.get_ref(0)?.as_blob().map_err(|e| JournalError::Storage(e.to_string()))?,
                    );
                }
            }
            Ok(Some(Snapshot { position: position as u64, data }))
        })
        .await
    }

    async fn stats(&self) -> Result<Stats, JournalError> {
        Self::blocking(&self.reader, |c| {
            let (head, head_hash) = head_of(c)?;
            let (events, first_at, last_at): (i64, Option<i64>, Option<i64>) =
                c.query_row("SELECT COUNT(*), MIN(recorded_at), MAX(recorded_at) FROM events", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            let grouped = |sql: &str| -> Result<Vec<(String, u64)>, JournalError> {
                let mut q = c.prepare(sql)?;
                let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            };
            Ok(Stats {
                events: events as u64,
                head,
                head_hash: hex::encode(head_hash),
                first_at,
                last_at,
                streams: grouped("SELECT stream, COUNT(*) FROM events GROUP BY stream ORDER BY stream")?,
                types: grouped(
                    "SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY COUNT(*) DESC, type",
                )?,
                snapshots: grouped("SELECT name, position FROM snapshots ORDER BY name")?,
            })
        })
        .await
    }
}
