//! The journal's integration suite. Every scenario is written once, generic over a
//! `Harness` (a fresh, isolated database of one backend), and instantiated twice:
//! `sqlite_<scenario>` on a file in a temporary directory and `postgres_<scenario>`
//! in a fresh schema of the server named by `PLENUM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). The PostgreSQL tests fail, never
//! skip, when the server cannot be reached.
//!
//! The crash scenario re-runs this test binary as a child (`crash_child`, inert
//! unless `PLENUM_CRASH_CHILD` is set) that appends and acknowledges events on
//! stdout until the parent kills it with SIGKILL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plenum_journal::{
    AnyJournal, AppendRequest, DatabaseUrl, GENESIS, Journal, JournalError, NewEvent, PgJournal,
    RecordedEvent, Snapshot, SqliteJournal, event_hash,
};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Harnesses: one fresh, isolated database per test.
// ---------------------------------------------------------------------------

trait Harness: Sized {
    type J: Journal + Clone;
    /// Whether a journal sees commits made through another instance (PostgreSQL
    /// does, through LISTEN/NOTIFY; SQLite cannot tell).
    const FOLLOWS_OTHER_WRITERS: bool;

    /// A fresh, empty, isolated database.
    async fn new() -> Self;
    /// Opens a (new) journal instance on this database.
    async fn open(&self) -> Self::J;
    /// Runs raw SQL on the database, behind the journal's back.
    async fn exec(&self, sql: &str);
    /// An SQL literal of the bytes written as `hex`.
    fn blob_literal(hex: &str) -> String;
    /// The database URL for `AnyJournal::open` (used by the crash child).
    fn url(&self) -> String;
    async fn cleanup(self);
}

struct Sqlite {
    _dir: tempfile::TempDir,
    path: String,
}

impl Harness for Sqlite {
    type J = SqliteJournal;
    const FOLLOWS_OTHER_WRITERS: bool = false;

    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db").to_str().unwrap().to_owned();
        Sqlite { _dir: dir, path }
    }

    async fn open(&self) -> SqliteJournal {
        SqliteJournal::open(&self.path).unwrap()
    }

    async fn exec(&self, sql: &str) {
        let c = rusqlite::Connection::open(&self.path).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.execute_batch(sql).unwrap();
    }

    fn blob_literal(hex: &str) -> String {
        format!("X'{hex}'")
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.path)
    }

    async fn cleanup(self) {}
}

struct Postgres {
    admin: tokio_postgres::Client,
    schema: String,
    url: String,
}

fn postgres_base_url() -> String {
    std::env::var("PLENUM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

impl Harness for Postgres {
    type J = PgJournal;
    const FOLLOWS_OTHER_WRITERS: bool = true;

    async fn new() -> Self {
        let base = postgres_base_url();
        let connected = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_postgres::connect(&base, tokio_postgres::NoTls),
        )
        .await
        .map_err(|_| "timed out after 10 s".to_owned())
        .and_then(|r| r.map_err(|e| e.to_string()));
        let (admin, connection) = match connected {
            Ok(c) => c,
            Err(e) => panic!(
                "PostgreSQL is not reachable at {} ({e}). The postgres_* tests need a running server: \
                 start one (user postgres, trust auth, database test) or point PLENUM_TEST_POSTGRES_URL at one.",
                DatabaseUrl::new(base.clone()).redacted()
            ),
        };
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let schema = format!("t_{:016x}{:08x}", fastrand::u64(..), std::process::id());
        admin.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        Postgres { admin, schema, url }
    }

    async fn open(&self) -> PgJournal {
        PgJournal::connect(&self.url).await.unwrap()
    }

    async fn exec(&self, sql: &str) {
        self.admin.batch_execute(&format!("SET search_path TO {}; {sql}", self.schema)).await.unwrap();
    }

    fn blob_literal(hex: &str) -> String {
        format!("'\\x{hex}'::bytea")
    }

    fn url(&self) -> String {
        self.url.clone()
    }

    async fn cleanup(self) {
        self.admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema)).await.unwrap();
    }
}

/// Instantiates a scenario `async fn name<H: Harness>()` for both backends.
macro_rules! both {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $sqlite() {
            $scenario::<Sqlite>().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $postgres() {
            $scenario::<Postgres>().await;
        }
    )*};
}

both! {
    append_and_read => sqlite_append_and_read, postgres_append_and_read;
    optimistic_concurrency => sqlite_optimistic_concurrency, postgres_optimistic_concurrency;
    concurrent_appends => sqlite_concurrent_appends, postgres_concurrent_appends;
    tamper_detection => sqlite_tamper_detection, postgres_tamper_detection;
    snapshots => sqlite_snapshots, postgres_snapshots;
    crash => sqlite_crash, postgres_crash;
    abandoned_append => sqlite_abandoned_append, postgres_abandoned_append;
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

fn ev(kind: &str, payload: impl Into<String>) -> NewEvent {
    NewEvent { kind: kind.to_owned(), payload: payload.into(), actor: "clerk".to_owned(), command_id: None }
}

fn req(stream: &str, expected_version: u64, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest { stream: stream.to_owned(), expected_version, events }
}

/// `n` events of kind `kind` with distinct payloads tagged `tag`.
fn evs(kind: &str, tag: &str, n: usize) -> Vec<NewEvent> {
    (0..n).map(|i| ev(kind, format!(r#"{{"tag":"{tag}","i":{i}}}"#))).collect()
}

#[track_caller]
fn assert_conflict(r: Result<Vec<RecordedEvent>, JournalError>, stream: &str, expected: u64, actual: u64) {
    match r {
        Err(JournalError::Conflict { stream: s, expected: e, actual: a }) => {
            assert_eq!((s.as_str(), e, a), (stream, expected, actual), "conflict fields");
        }
        other => {
            panic!("expected Conflict on {stream} (expected {expected}, actual {actual}), got {other:?}")
        }
    }
}

/// Every event, read in small pages so paging is exercised.
async fn all_events<J: Journal>(j: &J) -> Vec<RecordedEvent> {
    let mut out: Vec<RecordedEvent> = Vec::new();
    loop {
        let after = out.last().map_or(0, |e| e.position);
        let page = j.read_all(after, 97).await.unwrap();
        assert!(page.len() <= 97, "read_all returned more than its limit");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// Positions gapless from 1, versions gapless from 1 per stream, and the hash chain
/// recomputes.
#[track_caller]
fn assert_well_formed(events: &[RecordedEvent]) {
    let mut prev = GENESIS;
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "positions must be gapless from 1");
        let v = versions.entry(e.stream.as_str()).or_insert(0);
        *v += 1;
        assert_eq!(e.version, *v, "versions of stream {} must be gapless from 1", e.stream);
        assert_eq!(event_hash(&prev, e), e.hash, "hash chain broken at position {}", e.position);
        prev = e.hash;
    }
}

#[track_caller]
fn assert_clean(v: &plenum_journal::Verification, events: u64, head_hash: [u8; 32]) {
    assert_eq!(v.first_bad, None, "verify found damage: {:?}", v.reason);
    assert_eq!(v.reason, None);
    assert_eq!(v.events, events, "verify counted the wrong number of events");
    assert_eq!(v.head_hash, head_hash, "verify's head hash");
}

async fn wait_for_head(rx: &mut tokio::sync::watch::Receiver<u64>, want: u64) {
    let r = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|h| *h >= want))
        .await
        .map(|r| r.map(|h| *h));
    match r {
        Ok(Ok(h)) => assert_eq!(h, want, "subscribe() overshot the head"),
        Ok(Err(e)) => panic!("subscribe() channel closed: {e}"),
        Err(_) => panic!("subscribe() did not reach head {want} within 5 s (at {})", *rx.borrow()),
    }
}

// ---------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------

async fn append_and_read<H: Harness>() {
    let h = H::new().await;
    let j = h.open().await;

    // Empty journal.
    assert_eq!(j.head().await.unwrap(), 0);
    assert_eq!(*j.subscribe().borrow(), 0);
    assert!(j.read_all(0, 100).await.unwrap().is_empty());
    assert!(j.read_stream("a", 0).await.unwrap().is_empty());
    let s = j.stats().await.unwrap();
    assert_eq!((s.events, s.head, s.first_at, s.last_at), (0, 0, None, None));
    assert!(s.streams.is_empty() && s.types.is_empty() && s.snapshots.is_empty());
    assert_clean(&j.verify().await.unwrap(), 0, GENESIS);
    assert!(j.append_batch(Vec::new()).await.unwrap().is_empty(), "an empty batch records nothing");
    assert_eq!(j.head().await.unwrap(), 0);

    let mut rx = j.subscribe();
    let other = h.open().await; // a second instance on the same database
    let mut other_rx = other.subscribe();

    // Payload stored exactly as given (spacing, key order, non-ASCII), command_id kept.
    let exact = r#"{"z": 1,  "a":"第十六届人民代表大会", "n":[3,2,1]}"#;
    let mut first = evs("Convened", "a", 1);
    first.push(NewEvent {
        kind: "DeputySeated".to_owned(),
        payload: exact.to_owned(),
        actor: "秘书处".to_owned(),
        command_id: Some("cmd-42".to_owned()),
    });
    first.extend(evs("DeputySeated", "a2", 1));
    let a1 = j.append(req("a", 0, first.clone())).await.unwrap();
    assert_eq!(a1.len(), 3);
    for (i, (rec, new)) in a1.iter().zip(&first).enumerate() {
        assert_eq!((rec.position, rec.version, rec.stream.as_str()), (i as u64 + 1, i as u64 + 1, "a"));
        assert_eq!(
            (&rec.kind, &rec.payload, &rec.actor, &rec.command_id),
            (&new.kind, &new.payload, &new.actor, &new.command_id)
        );
    }
    wait_for_head(&mut rx, 3).await;

    let b1 = j.append(req("b", 0, evs("MotionFiled", "b", 2))).await.unwrap();
    assert_eq!(b1.iter().map(|e| (e.position, e.version)).collect::<Vec<_>>(), [(4, 1), (5, 2)]);
    let a2 = j.append(req("a", 3, evs("VoteCast", "a3", 1))).await.unwrap();
    assert_eq!((a2[0].position, a2[0].version), (6, 4));

    // A batch over several streams, one of them twice.
    let batch = vec![
        req("c", 0, evs("Convened", "c", 2)),
        req("a", 4, evs("VoteCast", "a4", 1)),
        req("b", 2, evs("VoteCast", "b2", 1)),
        req("b", 3, evs("MotionAdopted", "b3", 1)),
    ];
    let b = j.append_batch(batch).await.unwrap();
    assert_eq!(
        b.iter().map(|e| (e.position, e.stream.as_str(), e.version)).collect::<Vec<_>>(),
        [(7, "c", 1), (8, "c", 2), (9, "a", 5), (10, "b", 3), (11, "b", 4)]
    );
    wait_for_head(&mut rx, 11).await;

    let written: Vec<RecordedEvent> = [a1, b1, a2, b].concat();
    let all = all_events(&j).await;
    assert_eq!(all, written, "read_all returns exactly what append returned");
    assert_well_formed(&all);
    assert_eq!(all[1].payload, exact);
    assert_eq!(all[1].actor, "秘书处");
    assert_eq!(all[1].command_id.as_deref(), Some("cmd-42"));
    assert_eq!(all[0].command_id, None);

    // read_all: after and limit.
    let page = j.read_all(3, 4).await.unwrap();
    assert_eq!(page.iter().map(|e| e.position).collect::<Vec<_>>(), [4, 5, 6, 7]);
    assert_eq!(j.read_all(9, 100).await.unwrap().iter().map(|e| e.position).collect::<Vec<_>>(), [10, 11]);
    assert_eq!(j.read_all(0, 1).await.unwrap().len(), 1);
    assert!(j.read_all(11, 100).await.unwrap().is_empty());
    assert!(j.read_all(0, 0).await.unwrap().is_empty());

    // read_stream with after_version.
    let a = j.read_stream("a", 0).await.unwrap();
    assert_eq!(
        a.iter().map(|e| (e.version, e.position)).collect::<Vec<_>>(),
        [(1, 1), (2, 2), (3, 3), (4, 6), (5, 9)]
    );
    let a_after = j.read_stream("a", 3).await.unwrap();
    assert_eq!(a_after, a[3..].to_vec());
    assert!(j.read_stream("a", 5).await.unwrap().is_empty());
    assert!(j.read_stream("nope", 0).await.unwrap().is_empty());
    let bs = j.read_stream("b", 1).await.unwrap();
    assert_eq!(bs.iter().map(|e| (e.version, e.position)).collect::<Vec<_>>(), [(2, 5), (3, 10), (4, 11)]);

    // head and stats.
    assert_eq!(j.head().await.unwrap(), 11);
    let s = j.stats().await.unwrap();
    assert_eq!((s.events, s.head), (11, 11));
    assert_eq!(s.head_hash, hex::encode(all[10].hash));
    assert_eq!(s.streams, [("a".to_owned(), 5), ("b".to_owned(), 4), ("c".to_owned(), 2)]);
    assert_eq!(
        s.types,
        [
            ("Convened".to_owned(), 3),
            ("VoteCast".to_owned(), 3),
            ("DeputySeated".to_owned(), 2),
            ("MotionFiled".to_owned(), 2),
            ("MotionAdopted".to_owned(), 1),
        ]
    );
    let (min, max) =
        all.iter().fold((i64::MAX, i64::MIN), |(lo, hi), e| (lo.min(e.recorded_at), hi.max(e.recorded_at)));
    assert_eq!((s.first_at, s.last_at), (Some(min), Some(max)));
    let now = chrono::Utc::now().timestamp_micros();
    assert!(min > now - 60_000_000 && max <= now + 1_000_000, "recorded_at is microseconds since the epoch");
    assert_clean(&j.verify().await.unwrap(), 11, all[10].hash);

    // The other instance: sees everything; on PostgreSQL it is also told of the commits.
    assert_eq!(all_events(&other).await, all);
    if H::FOLLOWS_OTHER_WRITERS {
        wait_for_head(&mut other_rx, 11).await;
        let more = other.append(req("c", 2, evs("Adjourned", "c2", 1))).await.unwrap();
        assert_eq!(more[0].position, 12);
        wait_for_head(&mut rx, 12).await;
    }

    // A reopened journal starts at the stored head.
    drop((j, other));
    let j = h.open().await;
    let head = if H::FOLLOWS_OTHER_WRITERS { 12 } else { 11 };
    assert_eq!(*j.subscribe().borrow(), head);
    assert_eq!(j.head().await.unwrap(), head);
    assert_eq!(all_events(&j).await[..11], all[..]);
    drop(j);
    h.cleanup().await;
}

/// An append dropped half-way (its caller gone) leaves all of its batch or none, and
/// the journal takes the next append as usual: on PostgreSQL the open transaction is
/// rolled back before the connection serves anyone else.
async fn abandoned_append<H: Harness>() {
    let h = H::new().await;
    let j = h.open().await;
    j.append(req("s", 0, evs("E", "a", 2))).await.unwrap();
    {
        let mut abandoned = Box::pin(j.append_batch(vec![req("s", 2, evs("E", "dropped", 3))]));
        // One poll sends its first requests; then it is dropped.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(abandoned.as_mut().poll(&mut cx).is_pending(), "an append finished without waiting");
    }
    let next = match j.append(req("s", 2, evs("E", "b", 1))).await {
        Ok(r) => r,
        // The abandoned batch was committed after all (SQLite's commit runs on).
        Err(JournalError::Conflict { actual: 5, .. }) => {
            j.append(req("s", 5, evs("E", "b", 1))).await.unwrap()
        }
        Err(e) => panic!("the append after an abandoned one failed: {e}"),
    };
    let all = all_events(&j).await;
    assert_well_formed(&all);
    let dropped = all.iter().filter(|e| e.payload.contains("dropped")).count();
    assert!(dropped == 0 || dropped == 3, "{dropped} of the abandoned batch's 3 events were written");
    assert_eq!(all.len(), 3 + dropped);
    assert_eq!(all.last(), next.last());
    h.cleanup().await;
}

async fn optimistic_concurrency<H: Harness>() {
    let h = H::new().await;
    let j = h.open().await;
    let mut rx = j.subscribe();
    let written = j.append(req("s", 0, evs("E", "s", 2))).await.unwrap();
    rx.borrow_and_update();

    assert_conflict(j.append(req("s", 0, evs("E", "x", 1))).await, "s", 0, 2);
    assert_conflict(j.append(req("s", 1, evs("E", "x", 3))).await, "s", 1, 2);
    assert_conflict(j.append(req("s", 5, evs("E", "x", 1))).await, "s", 5, 2);
    assert_conflict(j.append(req("new", 1, evs("E", "x", 1))).await, "new", 1, 0);

    // Atomic batches: the second request conflicts, so the first is not written either.
    assert_conflict(
        j.append_batch(vec![req("u", 0, evs("E", "u", 3)), req("s", 1, evs("E", "x", 1))]).await,
        "s",
        1,
        2,
    );
    // The conflict may also come from an earlier request of the same batch.
    assert_conflict(
        j.append_batch(vec![req("s", 2, evs("E", "x", 1)), req("s", 2, evs("E", "y", 1))]).await,
        "s",
        2,
        3,
    );
    assert_conflict(
        j.append_batch(vec![
            req("v", 0, evs("E", "v", 1)),
            req("w", 0, evs("E", "w", 4)),
            req("new", 7, evs("E", "x", 1)),
        ])
        .await,
        "new",
        7,
        0,
    );

    assert_eq!(j.head().await.unwrap(), 2, "a conflict wrote something");
    assert_eq!(all_events(&j).await, written);
    for s in ["u", "v", "w", "new"] {
        assert!(j.read_stream(s, 0).await.unwrap().is_empty(), "stream {s} was written by a failed batch");
    }
    let st = j.stats().await.unwrap();
    assert_eq!((st.events, st.streams), (2, vec![("s".to_owned(), 2)]));
    assert!(!rx.has_changed().unwrap(), "subscribe() announced a failed append");

    // After the failures the next append continues without gaps.
    let ok =
        j.append_batch(vec![req("u", 0, evs("E", "u", 2)), req("s", 2, evs("E", "s2", 1))]).await.unwrap();
    assert_eq!(
        ok.iter().map(|e| (e.position, e.stream.as_str(), e.version)).collect::<Vec<_>>(),
        [(3, "u", 1), (4, "u", 2), (5, "s", 3)]
    );
    let all = all_events(&j).await;
    assert_well_formed(&all);
    assert_clean(&j.verify().await.unwrap(), 5, all[4].hash);

    // Another instance on the same database moves a stream on: this one sees it, though
    // it wrote that stream last.
    let other = h.open().await;
    other.append(req("s", 3, evs("E", "o", 1))).await.unwrap();
    assert_conflict(j.append(req("s", 3, evs("E", "x", 1))).await, "s", 3, 4);
    let on = j.append(req("s", 4, evs("E", "s5", 1))).await.unwrap();
    assert_eq!((on[0].position, on[0].version), (7, 5));
    assert_conflict(other.append(req("s", 4, evs("E", "y", 1))).await, "s", 4, 5);
    assert_conflict(j.append(req("u", 1, evs("E", "x", 1))).await, "u", 1, 2);
    let all = all_events(&j).await;
    assert_well_formed(&all);
    assert_clean(&j.verify().await.unwrap(), 7, all[6].hash);
    drop((j, other));
    h.cleanup().await;
}

async fn concurrent_appends<H: Harness>() {
    const TASKS: usize = 32;
    const PER_TASK: usize = 4;
    let h = H::new().await;
    let j = Arc::new(h.open().await);
    j.append(req("hot", 0, evs("Seed", "seed", 3))).await.unwrap();

    // Watches subscribe() throughout: the announced head must never move back.
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let mut head_rx = j.subscribe();
    let watcher = tokio::spawn(async move {
        let mut last = *head_rx.borrow_and_update();
        let mut regressions = Vec::new();
        loop {
            tokio::select! {
                _ = &mut stopped => return regressions,
                r = head_rx.changed() => {
                    if r.is_err() {
                        return regressions;
                    }
                    let now = *head_rx.borrow_and_update();
                    if now < last {
                        regressions.push((last, now));
                    }
                    last = last.max(now);
                }
            }
        }
    });

    // Races: all tasks append at the same expected version; exactly one wins.
    for (round, version) in (3..6).enumerate() {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|t| {
                let (j, barrier) = (Arc::clone(&j), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    j.append(req("hot", version, evs("Race", &format!("r{round}t{t}"), 1))).await
                })
            })
            .collect();
        let mut winners = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(rec) => {
                    winners += 1;
                    assert_eq!(rec.len(), 1);
                    assert_eq!(rec[0].version, version + 1);
                }
                r => assert_conflict(r, "hot", version, version + 1),
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one append at version {version} must win");
    }

    // Retries: every task appends PER_TASK events, re-reading the stream on conflict.
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (j, barrier) = (Arc::clone(&j), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                let mut known = 0;
                let mut conflicts = 0;
                for k in 0..PER_TASK {
                    loop {
                        let fresh = j.read_stream("hot", known).await.unwrap();
                        known = fresh.last().map_or(known, |e| e.version);
                        let payload = format!(r#"{{"task":{t},"k":{k}}}"#);
                        match j.append(req("hot", known, vec![ev("Retry", payload)])).await {
                            Ok(rec) => {
                                assert_eq!(rec[0].version, known + 1);
                                known += 1;
                                break;
                            }
                            Err(JournalError::Conflict { actual, .. }) => {
                                assert!(actual > known, "a conflict must mean the stream moved on");
                                conflicts += 1;
                            }
                            Err(e) => panic!("task {t}: {e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let mut conflicts = 0;
    for t in tasks {
        conflicts += t.await.unwrap();
    }

    // Unrelated streams in parallel: no conflicts, positions still gapless.
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let j = Arc::clone(&j);
            tokio::spawn(async move {
                let stream = format!("own-{t}");
                for v in [0, 2, 4] {
                    j.append(req(&stream, v, evs("Own", &stream, 2))).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }

    let n = 3 + 3 + TASKS * PER_TASK;
    let hot = j.read_stream("hot", 0).await.unwrap();
    assert_eq!(
        hot.len(),
        n,
        "the hot stream has the wrong number of events ({conflicts} conflicts were retried)"
    );
    assert!(
        hot.iter().enumerate().all(|(i, e)| e.version == i as u64 + 1),
        "hot stream versions must be 1..={n}"
    );
    let retried: HashSet<&str> =
        hot.iter().filter(|e| e.kind == "Retry").map(|e| e.payload.as_str()).collect();
    assert_eq!(retried.len(), TASKS * PER_TASK, "every retried event is there exactly once");

    let total = n + TASKS * 6;
    let all = all_events(&*j).await;
    assert_eq!(all.len(), total);
    assert_well_formed(&all);
    assert_clean(&j.verify().await.unwrap(), total as u64, all[total - 1].hash);
    assert_eq!(j.head().await.unwrap(), total as u64);
    assert_eq!(
        *j.subscribe().borrow(),
        total as u64,
        "subscribe() must end at the head after concurrent appends"
    );
    stop.send(()).unwrap();
    let regressions = watcher.await.unwrap();
    assert!(regressions.is_empty(), "subscribe() moved back (from, to): {regressions:?}");
    drop(j);
    h.cleanup().await;
}

/// A fresh journal with 20 events over two streams; returns them after a clean verify.
async fn seeded<H: Harness>() -> (H, H::J, Vec<RecordedEvent>) {
    let h = H::new().await;
    let j = h.open().await;
    let mut va = 0;
    let mut vb = 0;
    for i in 0..8u64 {
        // Batches of 2 or 3 events over both streams: 20 events in all.
        let na = (i % 2 + 1) as usize;
        let nb = 1;
        j.append_batch(vec![
            req("a", va, evs("A", &format!("a{i}"), na)),
            req("b", vb, evs("B", &format!("b{i}"), nb)),
        ])
        .await
        .unwrap();
        va += na as u64;
        vb += nb as u64;
    }
    let all = all_events(&j).await;
    assert_eq!((va + vb, all.len()), (20, 20));
    assert_well_formed(&all);
    assert_clean(&j.verify().await.unwrap(), 20, all[19].hash);
    (h, j, all)
}

async fn tamper_detection<H: Harness>() {
    // (a) Altered payload.
    let (h, j, all) = seeded::<H>().await;
    h.exec(r#"UPDATE events SET payload = '{"tag":"forged"}' WHERE position = 7"#).await;
    let v = j.verify().await.unwrap();
    assert_eq!(v.first_bad, Some(7), "altered payload: {v:?}");
    assert!(v.reason.is_some());
    assert_eq!((v.events, v.head_hash), (6, all[5].hash));
    // A journal opened afresh sees the same.
    assert_eq!(h.open().await.verify().await.unwrap().first_bad, Some(7));
    drop(j);
    h.cleanup().await;

    // (b) Removed event.
    let (h, j, _) = seeded::<H>().await;
    h.exec("DELETE FROM events WHERE position = 5").await;
    let v = j.verify().await.unwrap();
    assert_eq!(v.first_bad, Some(5), "removed event: {v:?}");
    assert_eq!(v.events, 4);
    drop(j);
    h.cleanup().await;

    // (c) Reordered events: positions 3 and 4 swap all their other columns.
    let (h, j, _) = seeded::<H>().await;
    h.exec(
        "UPDATE events SET position = -3 WHERE position = 3;
         UPDATE events SET position = 3 WHERE position = 4;
         UPDATE events SET position = 4 WHERE position = -3;",
    )
    .await;
    let swapped = j.read_all(2, 2).await.unwrap();
    assert_eq!(swapped.iter().map(|e| e.position).collect::<Vec<_>>(), [3, 4], "the swap happened");
    let v = j.verify().await.unwrap();
    assert_eq!(v.first_bad, Some(3), "reordered events: {v:?}");
    drop(j);
    h.cleanup().await;

    // (d) Altered payload with its own hash recomputed: the next event's link breaks.
    let (h, j, all) = seeded::<H>().await;
    let mut forged = all[6].clone();
    forged.payload = r#"{"tag":"forged"}"#.to_owned();
    let hash = hex::encode(event_hash(&all[5].hash, &forged));
    let blob = H::blob_literal(&hash);
    h.exec(&format!(r#"UPDATE events SET payload = '{{"tag":"forged"}}', hash = {blob} WHERE position = 7"#))
        .await;
    let v = j.verify().await.unwrap();
    assert_eq!(v.first_bad, Some(8), "re-hashed forgery: {v:?}");
    drop(j);
    h.cleanup().await;
}

async fn snapshots<H: Harness>() {
    let h = H::new().await;
    let j = h.open().await;
    assert_eq!(j.load_snapshot("projection").await.unwrap(), None);

    let first = Snapshot { position: 5, data: vec![0, 1, 2, 255, 0] };
    j.save_snapshot("projection", first.clone()).await.unwrap();
    assert_eq!(j.load_snapshot("projection").await.unwrap(), Some(first));

    let big: Vec<u8> = (0..200_000).map(|_| fastrand::u8(..)).collect();
    let second = Snapshot { position: 9, data: big };
    j.save_snapshot("projection", second.clone()).await.unwrap();
    assert_eq!(j.load_snapshot("projection").await.unwrap(), Some(second.clone()), "overwrite");

    let empty = Snapshot { position: 1, data: Vec::new() };
    j.save_snapshot("other", empty.clone()).await.unwrap();
    assert_eq!(j.load_snapshot("other").await.unwrap(), Some(empty));
    assert_eq!(j.load_snapshot("unknown").await.unwrap(), None);
    assert_eq!(j.load_snapshot("Projection").await.unwrap(), None, "names are exact");
    assert_eq!(j.stats().await.unwrap().snapshots, [("other".to_owned(), 1), ("projection".to_owned(), 9)]);
    assert_eq!(j.head().await.unwrap(), 0, "snapshots are not events");

    drop(j);
    let j = h.open().await;
    assert_eq!(j.load_snapshot("projection").await.unwrap(), Some(second), "snapshots survive reopening");

    // Snapshots larger than one piece (SQLite writes them piece by piece), replaced
    // by larger and by smaller ones: each loads back whole, never mixed with another.
    for (position, len) in [(20u64, 1_300_000usize), (30, 2_700_001), (40, 300)] {
        let data: Vec<u8> = (0..len).map(|_| fastrand::u8(..)).collect();
        let s = Snapshot { position, data };
        j.save_snapshot("projection", s.clone()).await.unwrap();
        assert_eq!(j.load_snapshot("projection").await.unwrap(), Some(s), "{len} bytes");
    }
    drop(j);
    h.cleanup().await;
}

// ---------------------------------------------------------------------------
// Crash test.
// ---------------------------------------------------------------------------

const CRASH_ENV: &str = "PLENUM_CRASH_CHILD";
const CRASH_SEED_ENV: &str = "PLENUM_CRASH_SEED";
const CRASH_STREAMS: [&str; 4] = ["s0", "s1", "s2", "s3"];

fn crash_payload(stream: &str, version: u64) -> String {
    format!(r#"{{"stream":"{stream}","version":{version}}}"#)
}

/// The crash child: appends batches until killed, printing `ack <stream> <version>
/// <position>` for each event once `append_batch` has returned. Does nothing
/// unless `PLENUM_CRASH_CHILD` names a database.
#[test]
fn crash_child() {
    let Ok(url) = std::env::var(CRASH_ENV) else {
        return;
    };
    let seed = std::env::var(CRASH_SEED_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let j = AnyJournal::open(&DatabaseUrl::new(url)).await.unwrap();
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut versions: HashMap<String, u64> = j.stats().await.unwrap().streams.into_iter().collect();
        let mut out = std::io::stdout();
        // A safety net, should the parent die without killing us.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let total = rng.usize(1..=50);
            let mut streams = CRASH_STREAMS;
            rng.shuffle(&mut streams);
            let nreq = rng.usize(1..=total.min(3));
            let mut sizes = vec![1usize; nreq];
            for _ in nreq..total {
                sizes[rng.usize(..nreq)] += 1;
            }
            let batch: Vec<AppendRequest> = streams
                .iter()
                .zip(&sizes)
                .map(|(s, &n)| {
                    let v = versions.get(*s).copied().unwrap_or(0);
                    let events = (1..=n as u64).map(|i| ev("Tick", crash_payload(s, v + i))).collect();
                    req(s, v, events)
                })
                .collect();
            let recorded = j.append_batch(batch).await.unwrap();
            assert_eq!(recorded.len(), total);
            let mut lines = String::new();
            for e in &recorded {
                lines.push_str(&format!("ack {} {} {}\n", e.stream, e.version, e.position));
                versions.insert(e.stream.clone(), e.version);
            }
            out.write_all(lines.as_bytes()).unwrap();
            out.flush().unwrap();
        }
    });
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    stream: String,
    version: u64,
    position: u64,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut it = line.strip_prefix("ack ")?.split_whitespace();
    let ack = Ack {
        stream: it.next()?.to_owned(),
        version: it.next()?.parse().ok()?,
        position: it.next()?.parse().ok()?,
    };
    it.next().is_none().then_some(ack)
}

enum Kill {
    AfterAcks(usize),
    AfterDelay(Duration),
}

/// Runs one crash child against `url` and SIGKILLs it; returns every event it
/// acknowledged (also those still in the pipe when it died).
fn run_crash_child(url: &str, seed: u64, kill: Kill) -> Vec<Ack> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture"])
        .env(CRASH_ENV, url)
        .env(CRASH_SEED_ENV, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Ack>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            // A line cut short by the kill was never complete, so never acknowledged.
            if r.read_line(&mut line).unwrap() == 0 || !line.ends_with('\n') {
                return;
            }
            if parse_ack(&line).is_some_and(|a| tx.send(a).is_err()) {
                return;
            }
        }
    });

    let mut acks = Vec::new();
    match kill {
        Kill::AfterAcks(n) => {
            while acks.len() < n {
                match rx.recv_timeout(Duration::from_secs(20)) {
                    Ok(a) => acks.push(a),
                    Err(e) => {
                        let _ = child.kill();
                        let status = child.wait().unwrap();
                        panic!(
                            "crash child stopped acknowledging after {} acks ({e}; {status}); see its stderr",
                            acks.len()
                        );
                    }
                }
            }
        }
        Kill::AfterDelay(d) => std::thread::sleep(d),
    }
    if let Some(status) = child.try_wait().unwrap() {
        panic!("crash child exited on its own ({status}) before being killed; see its stderr");
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the crash child was killed, yet exited successfully");
    reader.join().unwrap();
    acks.extend(rx.try_iter());
    acks
}

async fn crash<H: Harness>() {
    let h = H::new().await;
    let url = h.url();
    let mut rng = fastrand::Rng::new();
    let rounds = rng.usize(3..=5);
    let mut acks: Vec<Ack> = Vec::new();
    let mut log = Vec::new();
    for round in 0..rounds {
        // The first round always gets far enough to acknowledge something.
        let kill = if round == 0 || rng.bool() {
            Kill::AfterAcks(rng.usize(50..=2000))
        } else {
            Kill::AfterDelay(Duration::from_millis(rng.u64(50..=800)))
        };
        log.push(match &kill {
            Kill::AfterAcks(n) => format!("after {n} acks"),
            Kill::AfterDelay(d) => format!("after {d:?}"),
        });
        let (url, seed) = (url.clone(), rng.u64(..));
        let got = tokio::task::spawn_blocking(move || run_crash_child(&url, seed, kill)).await.unwrap();
        acks.extend(got);
    }
    assert!(!acks.is_empty());

    let j = h.open().await;
    let all = all_events(&j).await;
    let context = format!("{rounds} kills ({}), {} acks, {} events", log.join(", "), acks.len(), all.len());
    eprintln!("crash test: {context}");
    assert_well_formed(&all);
    assert_clean(&j.verify().await.unwrap(), all.len() as u64, all.last().unwrap().hash);
    assert_eq!(j.head().await.unwrap(), all.len() as u64);

    let mut seen = HashSet::new();
    for a in &acks {
        assert!(seen.insert(a.position), "position {} acknowledged twice; {context}", a.position);
        let e = all.get(a.position as usize - 1).unwrap_or_else(|| {
            panic!("acknowledged {a:?} is lost: the journal ends at {}; {context}", all.len())
        });
        assert_eq!(
            (e.stream.as_str(), e.version, e.position),
            (a.stream.as_str(), a.version, a.position),
            "{context}"
        );
    }
    for e in &all {
        assert_eq!(e.payload, crash_payload(&e.stream, e.version), "{context}");
    }

    // The journal takes appends again where it stopped.
    let streams = j.stats().await.unwrap().streams;
    let batch = streams.iter().map(|(s, v)| req(s, *v, evs("After", s, 1))).collect();
    let more = j.append_batch(batch).await.unwrap();
    assert_eq!(more[0].position, all.len() as u64 + 1);
    assert_well_formed(&all_events(&j).await);
    drop(j);
    h.cleanup().await;
}
