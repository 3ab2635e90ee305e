//! The production journal on PostgreSQL. Appends take a transaction-scoped advisory
//! lock, so positions stay gapless and in commit order even with several Plenum
//! processes; commits are announced with NOTIFY so every process can follow.

use crate::{
    AppendRequest, GENESIS, Journal, JournalError, RecordedEvent, SNAPSHOT_PIECE, Snapshot, Stats,
    now_micros, seal,
};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, watch};
use tokio_postgres::{AsyncMessage, Client, NoTls, Row, Statement};

/// The migrations, in order. Each is idempotent, so all of them run at every connect.
const MIGRATIONS: [&str; 5] = [
    include_str!("../migrations/postgres/0001_journal.sql"),
    include_str!("../migrations/postgres/0002_auth.sql"),
    include_str!("../migrations/postgres/0003_secrets.sql"),
    include_str!("../migrations/postgres/0004_snapshot_chunks.sql"),
    include_str!("../migrations/postgres/0005_auth_epoch.sql"),
];
const CHANNEL: &str = "plenum_journal";
const COLUMNS: &str = "position, stream, version, type, payload, actor, recorded_at, command_id, hash";

#[derive(Clone)]
pub struct PgJournal {
    pub(crate) writer: Arc<Mutex<Client>>,
    pub(crate) reader: Arc<Client>,
    head: Arc<watch::Sender<u64>>,
    append: Arc<AppendStatements>,
}

/// The append's statements, prepared once on the writer's connection: a statement
/// given as text is prepared again at every use, which costs a round trip each.
struct AppendStatements {
    lock: Statement,
    heads: Statement,
    insert: Statement,
}

const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.plenum_journal'))";
/// The head and each stream's version in one round trip; one indexed MAX per stream,
/// since `stream = ANY(..) GROUP BY` scans the table.
const HEADS_SQL: &str = "SELECT h.position, h.hash, s.stream,
        (SELECT COALESCE(MAX(version), 0) FROM events e WHERE e.stream = s.stream)
    FROM UNNEST($1::text[]) AS s(stream)
    LEFT JOIN LATERAL (SELECT position, hash FROM events ORDER BY position DESC LIMIT 1) h ON true";
/// The rows and the notification in one statement.
const INSERT_SQL: &str = "WITH ins AS (
        INSERT INTO events (position, stream, version, type, payload, actor, recorded_at, command_id, hash)
        SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                             $7::bigint[], $8::text[], $9::bytea[])
        RETURNING 1)
    SELECT pg_notify($10::text, current_schema() || ':' || $11::text) FROM (SELECT COUNT(*) FROM ins) AS n";

async fn open(url: &str) -> Result<Client, JournalError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!("journal connection closed: {e}");
        }
    });
    Ok(client)
}

fn row(r: &Row) -> Result<RecordedEvent, JournalError> {
    let hash: Vec<u8> = r.try_get(8)?;
    Ok(RecordedEvent {
        position: r.try_get::<_, i64>(0)? as u64,
        stream: r.try_get(1)?,
        version: r.try_get::<_, i64>(2)? as u64,
        kind: r.try_get(3)?,
        payload: r.try_get(4)?,
        actor: r.try_get(5)?,
        recorded_at: r.try_get(6)?,
        command_id: r.try_get(7)?,
        hash: hash.try_into().unwrap_or([0; 32]),
    })
}

fn raise(head: &watch::Sender<u64>, position: u64) {
    head.send_if_modified(|h| {
        let newer = position > *h;
        if newer {
            *h = position;
        }
        newer
    });
}

async fn head_of(c: &impl tokio_postgres::GenericClient) -> Result<(u64, [u8; 32]), JournalError> {
    let r = c.query_opt("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1", &[]).await?;
    Ok(match r {
        Some(r) => {
            let h: Vec<u8> = r.try_get(1)?;
            (r.try_get::<_, i64>(0)? as u64, h.try_into().unwrap_or(GENESIS))
        }
        None => (0, GENESIS),
    })
}

impl PgJournal {
    /// Connects and creates the tables if needed. The URL may set a schema with
    /// `options=-csearch_path%3DNAME` (the tests do, one schema each).
    pub async fn connect(url: &str) -> Result<Self, JournalError> {
        let mut writer = open(url).await?;
        {
            let tx = writer.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.plenum_migrate'))", &[])
                .await?;
            for migration in MIGRATIONS {
                tx.batch_execute(migration).await?;
            }
            tx.commit().await?;
        }
        let schema: String = writer.query_one("SELECT current_schema()", &[]).await?.try_get(0)?;
        let (head, _) = head_of(&writer).await?;
        let append = Arc::new(AppendStatements {
            lock: writer.prepare(LOCK_SQL).await?,
            heads: writer.prepare(HEADS_SQL).await?,
            insert: writer.prepare(INSERT_SQL).await?,
        });
        let reader = open(url).await?;
        let (tx, _) = watch::channel(head);
        let head = Arc::new(tx);
        Self::listen(url, schema, Arc::clone(&head)).await?;
        Ok(Self { writer: Arc::new(Mutex::new(writer)), reader: Arc::new(reader), head, append })
    }

    /// Follows commits of every process through LISTEN/NOTIFY.
    async fn listen(url: &str, schema: String, head: Arc<watch::Sender<u64>>) -> Result<(), JournalError> {
        let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(msg) = messages.next().await {
                match msg {
                    Ok(AsyncMessage::Notification(n)) => {
                        if tx.send(n.payload().to_owned()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!("journal listener closed: {e}");
                        break;
                    }
                }
            }
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        tokio::spawn(async move {
            // Keeps the client (and so the LISTEN) alive as long as notifications come.
            let _client = client;
            let prefix = format!("{schema}:");
            while let Some(payload) = rx.recv().await {
                if let Some(p) = payload.strip_prefix(&prefix).and_then(|p| p.parse().ok()) {
                    raise(&head, p);
                }
            }
        });
        Ok(())
    }
}

/// The heads query's answer: the journal's head and its hash, and each stream's version.
fn heads_of(rows: &[Row]) -> Result<(u64, [u8; 32], HashMap<String, u64>), JournalError> {
    let (mut head, mut prev) = (0, GENESIS);
    let mut versions = HashMap::new();
    for r in rows {
        if let Some(p) = r.try_get::<_, Option<i64>>(0)? {
            head = p as u64;
            let h: Vec<u8> = r.try_get(1)?;
            prev = h.try_into().unwrap_or(GENESIS);
        }
        versions.insert(r.try_get(2)?, r.try_get::<_, i64>(3)? as u64);
    }
    Ok((head, prev, versions))
}

/// The writer connection while an append's transaction is open. Dropped before it
/// is closed (the append's future dropped half-way), it rolls the transaction back
/// before the connection serves anyone else: the lock on the connection is held
/// until the `ROLLBACK` is answered.
struct OpenTransaction(Option<tokio::sync::OwnedMutexGuard<Client>>);

impl OpenTransaction {
    fn client(&self) -> Result<&Client, JournalError> {
        // Only `closed` and `roll_back` take it, and both end the transaction's use.
        self.0.as_deref().ok_or_else(|| JournalError::Storage("the append's transaction is closed".into()))
    }

    /// The transaction ended (committed, or rolled back by PostgreSQL).
    fn closed(&mut self) {
        self.0 = None;
    }

    /// Rolls back after `error`, and returns it.
    async fn roll_back(&mut self, error: JournalError) -> JournalError {
        if let Some(c) = self.0.take() {
            // A failed rollback leaves the transaction to die with its connection,
            // which the next append would find broken: nothing half-written stays.
            let _ = c.batch_execute("ROLLBACK").await;
        }
        error
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = c.batch_execute("ROLLBACK").await;
                });
            }
        }
    }
}

impl Journal for PgJournal {
    async fn append_batch(&self, batch: Vec<AppendRequest>) -> Result<Vec<RecordedEvent>, JournalError> {
        if batch.iter().all(|r| r.events.is_empty()) {
            return Ok(Vec::new());
        }
        let mut streams: Vec<&str> = batch.iter().map(|r| r.stream.as_str()).collect();
        streams.sort_unstable();
        streams.dedup();
        // Two round trips instead of five: `BEGIN`, the lock and the heads go out
        // together, then the rows with the `COMMIT` (requests on one connection are
        // answered in order, so they can be sent without waiting for each answer).
        let mut tx = OpenTransaction(Some(Arc::clone(&self.writer).lock_owned().await));
        let c = tx.client()?;
        let (begin, (lock, heads)) = futures_util::future::join(
            c.batch_execute("BEGIN"),
            futures_util::future::join(
                c.execute(&self.append.lock, &[]),
                c.query(&self.append.heads, &[&streams]),
            ),
        )
        .await;
        let started = begin.and(lock).and(heads);
        let rows = match started {
            Ok(rows) => rows,
            Err(e) => return Err(tx.roll_back(e.into()).await),
        };
        let sealed = heads_of(&rows).and_then(|(head, prev, versions)| {
            seal(batch, head, prev, |s| Ok(versions.get(s).copied().unwrap_or(0))).map(|r| (head, r))
        });
        let (head, recorded) = match sealed {
            Ok(x) => x,
            Err(e) => return Err(tx.roll_back(e).await),
        };
        let mut cols: (
            Vec<i64>,
            Vec<&str>,
            Vec<i64>,
            Vec<&str>,
            Vec<&str>,
            Vec<&str>,
            Vec<i64>,
            Vec<Option<&str>>,
            Vec<&[u8]>,
        ) = Default::default();
        for e in &recorded {
            cols.0.push(e.position as i64);
            cols.1.push(&e.stream);
            cols.2.push(e.version as i64);
            cols.3.push(&e.kind);
            cols.4.push(&e.payload);
            cols.5.push(&e.actor);
            cols.6.push(e.recorded_at);
            cols.7.push(e.command_id.as_deref());
            cols.8.push(&e.hash);
        }
        let last = recorded.last().map_or(head, |e| e.position);
        let last_text = last.to_string();
        let c = tx.client()?;
        let (inserted, committed) = futures_util::future::join(
            c.execute(
                &self.append.insert,
                &[
                    &cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5, &cols.6, &cols.7, &cols.8,
                    &CHANNEL, &last_text,
                ],
            ),
            c.batch_execute("COMMIT"),
        )
        .await;
        match (inserted, committed) {
            // PostgreSQL answers the `COMMIT` of a transaction whose insert failed by
            // rolling it back: nothing of the batch stays.
            (Err(e), Ok(())) => {
                tx.closed();
                return Err(e.into());
            }
            (Err(e), Err(_)) | (Ok(_), Err(e)) => return Err(tx.roll_back(e.into()).await),
            (Ok(_), Ok(())) => tx.closed(),
        }
        raise(&self.head, last);
        Ok(recorded)
    }

    async fn read_stream(
        &self,
        stream: &str,
        after_version: u64,
    ) -> Result<Vec<RecordedEvent>, JournalError> {
        let rows = self
            .reader
            .query(
                &format!("SELECT {COLUMNS} FROM events WHERE stream = $1 AND version > $2 ORDER BY version"),
                &[&stream, &(after_version as i64)],
            )
            .await?;
        rows.iter().map(row).collect()
    }

    async fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>, JournalError> {
        let rows = self
            .reader
            .query(
                &format!("SELECT {COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2"),
                &[&(after as i64), &(limit as i64)],
            )
            .await?;
        rows.iter().map(row).collect()
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }

    async fn head(&self) -> Result<u64, JournalError> {
        Ok(head_of(self.reader.as_ref()).await?.0)
    }

    async fn save_snapshot(&self, name: &str, snapshot: Snapshot) -> Result<(), JournalError> {
        let c = self.reader.as_ref();
        let position = snapshot.position as i64;
        // Pieces of an earlier save at this position that did not finish.
        c.execute("DELETE FROM snapshot_chunks WHERE name = $1 AND position = $2", &[&name, &position])
            .await?;
        for (seq, piece) in snapshot.data.chunks(SNAPSHOT_PIECE).enumerate() {
            c.execute(
                "INSERT INTO snapshot_chunks (name, position, seq, data) VALUES ($1, $2, $3, $4)",
                &[&name, &position, &(seq as i64), &piece],
            )
            .await?;
        }
        // Every piece is in: switch to the new snapshot, then drop the old pieces.
        c.execute(
            "INSERT INTO snapshots (name, position, data, taken_at) VALUES ($1, $2, ''::bytea, $3)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, data = excluded.data, taken_at = excluded.taken_at",
            &[&name, &position, &now_micros()],
        )
        .await?;
        c.execute("DELETE FROM snapshot_chunks WHERE name = $1 AND position <> $2", &[&name, &position])
            .await?;
        Ok(())
    }

    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, JournalError> {
        // One statement, so the row and its pieces come from one state of the database.
        let rows = self
            .reader
            .query(
                "SELECT s.position, s.data, c.data FROM snapshots s
                 LEFT JOIN snapshot_chunks c ON c.name = s.name AND c.position = s.position AND length(s.data) = 0
                 WHERE s.name = $1 ORDER BY c.seq",
                &[&name],
            )
            .await?;
        let Some(first) = rows.first() else { return Ok(None) };
        let position = first.try_get::<_, i64>(0)? as u64;
        let mut data: Vec<u8> = first.try_get(1)?;
        for r in &rows {
            if let Some(piece) = r.try_get::<_, Option<&[u8]>>(2)? {
                data.extend_from_slice(piece);
            }
        }
        Ok(Some(Snapshot { position, data }))
    }

    async fn stats(&self) -> Result<Stats, JournalError> {
        let c = self.reader.as_ref();
        let (head, head_hash) = head_of(c).await?;
        let r = c.query_one("SELECT COUNT(*), MIN(recorded_at), MAX(recorded_at) FROM events", &[]).await?;
        let grouped = |sql: &'static str| async move {
            let rows = c.query(sql, &[]).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<_, String>(0)?, r.try_get::<_, i64>(1)? as u64)))
                .collect::<Result<Vec<_>, JournalError>>()
        };
        Ok(Stats {
            events: r.try_get::<_, i64>(0)? as u64,
            head,
            head_hash: hex::encode(head_hash),
            first_at: r.try_get(1)?,
            last_at: r.try_get(2)?,
            streams: grouped("SELECT stream, COUNT(*) FROM events GROUP BY stream ORDER BY stream").await?,
            types: grouped("SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY COUNT(*) DESC, type")
                .await?,
            snapshots: grouped("SELECT name, position FROM snapshots ORDER BY name").await?,
        })
    }
}
