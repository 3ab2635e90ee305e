//! Plenum's services: the per-assembly writers that check commands and commit them
//! with group commit, the projector that keeps the in-memory read side current, and
//! snapshots that keep start-up fast.
//!
//! Write path: `App::execute` → the assembly's writer task (one per assembly, so its
//! commands are serialised) → `decide` against the writer's own state → one journal
//! transaction for every command waiting (group commit) → acknowledgement.
//! Read path: the projector follows the journal in position order and applies each
//! event to `Projections`; pages read from there.

pub mod demo;
pub mod elections;
pub mod import;
pub mod polls;
pub mod projection;
pub mod reports;
pub mod tally_report;
mod writer;

pub use projection::{AssemblyView, Projections, Receipt};

use plenum_domain::{Assembly, AssemblyId, Command, Event, RuleError};
use plenum_journal::{AnyJournal, Journal, JournalError, PAGE, RecordedEvent, Snapshot};
use projection::Decoded;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// Name of the projections snapshot in the journal store.
pub const SNAPSHOT_NAME: &str = "projections";
/// A snapshot is written after this many events have been projected since the last.
pub const SNAPSHOT_EVERY: u64 = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Projection(#[from] projection::ProjectionError),
    #[error("the assembly's writer has stopped; try again")]
    Unavailable,
    #[error("{0}")]
    Internal(String),
}

/// A committed event as the live stream sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Committed {
    pub position: u64,
    pub assembly: AssemblyId,
    pub version: u64,
    pub kind: String,
    pub event: Event,
}

/// The answer to one command.
pub(crate) type Reply = oneshot::Sender<Result<Receipt, AppError>>;

/// What a writer has after a commit, to project and answer (`App::project_committed`),
/// or to hand the projector: the events as recorded, with the events they encode (so
/// that nobody reads or decodes them again), and the answers to send once the
/// projection has reached each receipt.
pub(crate) struct Handoff {
    /// When the writer handed it over, for `WriteMetrics::projection`.
    pub sent: std::time::Instant,
    /// Each event, decoded, with the digest of its command's key.
    pub events: Vec<(RecordedEvent, Decoded)>,
    pub replies: Vec<(Reply, Receipt)>,
}

struct Inner {
    journal: Arc<AnyJournal>,
    handoff: mpsc::UnboundedSender<Handoff>,
    projections: RwLock<Projections>,
    /// Projected position, for waiting on one's own writes.
    projected: watch::Sender<u64>,
    live: broadcast::Sender<Arc<Committed>>,
    writers: Mutex<HashMap<AssemblyId, mpsc::Sender<writer::Job>>>,
    last_snapshot: Mutex<u64>,
    /// A snapshot is being written in the background.
    snapshotting: std::sync::atomic::AtomicBool,
    /// The projector holds hand-offs or answers that wait for the projection to move
    /// on: a writer that moves it on itself (`project_committed`) must wake it.
    projector_waits: std::sync::atomic::AtomicBool,
    metrics: WriteMetrics,
}

/// Time a command spends on the write path, summed over all commands since start,
/// for `/metrics` and the benchmarks: where a command waits, without a profiler.
#[derive(Default)]
pub struct WriteMetrics {
    /// Commands taken by a writer, and their time in its queue.
    pub queued: Timer,
    /// Commits (group commits), and their time from the batch sent to the journal
    /// until the writer has the result.
    pub commits: Timer,
    /// Commands written by those commits.
    pub committed: std::sync::atomic::AtomicU64,
    /// Committed batches handed to the projector, and their time from the hand-off
    /// until the read side shows them and their answers are sent.
    pub projection: Timer,
}

/// Upper bounds of a [`Timer`]'s buckets, in microseconds: from well inside a ballot's
/// 20 ms budget to a stall of a second. A commit slower than 20 ms shows in the buckets
/// above it, whatever the mean.
pub const TIMER_BOUNDS_MICROS: [u64; 12] =
    [250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

/// A histogram of durations: how many, their total, and how many fell at or below each
/// of [`TIMER_BOUNDS_MICROS`] (each bucket counted on its own; [`Timer::read`] makes
/// them cumulative, as Prometheus wants).
#[derive(Default)]
pub struct Timer {
    count: std::sync::atomic::AtomicU64,
    micros: std::sync::atomic::AtomicU64,
    buckets: [std::sync::atomic::AtomicU64; TIMER_BOUNDS_MICROS.len()],
}

/// What a [`Timer`] has counted.
#[derive(Clone, Debug, PartialEq)]
pub struct TimerReading {
    pub count: u64,
    /// The durations' total, in seconds.
    pub seconds: f64,
    /// For each of [`TIMER_BOUNDS_MICROS`], how many took at most that long.
    pub at_most: [u64; TIMER_BOUNDS_MICROS.len()],
}

impl Timer {
    /// Counts one duration.
    pub(crate) fn observe(&self, d: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.count.fetch_add(1, Relaxed);
        self.micros.fetch_add(us, Relaxed);
        // Slower than the last bound: counted only in the total (`+Inf`).
        if let Some(i) = TIMER_BOUNDS_MICROS.iter().position(|&b| us <= b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
    }

    pub fn read(&self) -> TimerReading {
        use std::sync::atomic::Ordering::Relaxed;
        let mut at_most = [0; TIMER_BOUNDS_MICROS.len()];
        let mut below = 0;
        for (c, b) in at_most.iter_mut().zip(&self.buckets) {
            below += b.load(Relaxed);
            *c = below;
        }
        TimerReading {
            count: self.count.load(Relaxed),
            seconds: self.micros.load(Relaxed) as f64 / 1e6,
            at_most,
        }
    }
}

/// A handle to the running services; cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

/// How start-up went, for logs and the start-up benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct StartupReport {
    pub snapshot_position: Option<u64>,
    pub replayed_events: u64,
    pub position: u64,
    pub millis: u128,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    /// Rebuilds the projections (from the latest valid snapshot, then the journal)
    /// and starts following the journal.
    pub async fn start(journal: AnyJournal) -> Result<(Self, StartupReport), AppError> {
        let started = std::time::Instant::now();
        let journal = Arc::new(journal);
        let mut projections = Projections::default();
        let mut snapshot_position = None;
        if let Some(snap) = journal.load_snapshot(SNAPSHOT_NAME).await? {
            let at = if snap.position == 0 {
                None
            } else {
                journal.read_all(snap.position - 1, 1).await?.first().map(|e| e.hash)
            };
            match projection::decode_snapshot(&snap.data, |p| {
                if p == 0 { Some(plenum_journal::GENESIS) } else { at }
            }) {
                Some(p) => {
                    snapshot_position = Some(p.position);
                    projections = p;
                }
                None => {
                    tracing::warn!("the projections snapshot does not fit this journal; replaying everything")
                }
            }
        }
        let from = projections.position;
        loop {
            let page = journal.read_all(projections.position, PAGE).await?;
            if page.is_empty() {
                break;
            }
            for rec in &page {
                projections.apply(rec)?;
            }
        }
        let replayed = projections.position - from;
        let position = projections.position;
        let (projected, _) = watch::channel(position);
        let (live, _) = broadcast::channel(4096);
        let (handoff, handoffs) = mpsc::unbounded_channel();
        let app = App {
            inner: Arc::new(Inner {
                journal,
                handoff,
                projections: RwLock::new(projections),
                projected,
                live,
                writers: Mutex::new(HashMap::new()),
                last_snapshot: Mutex::new(snapshot_position.unwrap_or(0)),
                snapshotting: std::sync::atomic::AtomicBool::new(false),
                projector_waits: std::sync::atomic::AtomicBool::new(false),
                metrics: WriteMetrics::default(),
            }),
        };
        if replayed >= SNAPSHOT_EVERY {
            app.snapshot().await?;
        }
        tokio::spawn(app.clone().project(handoffs));
        app.resume_timers();
        let report = StartupReport {
            snapshot_position,
            replayed_events: replayed,
            position,
            millis: started.elapsed().as_millis(),
        };
        tracing::info!(?report, "projections rebuilt");
        Ok((app, report))
    }

    pub fn journal(&self) -> &AnyJournal {
        &self.inner.journal
    }

    /// Keeps the projections current, in journal order. Events committed by this
    /// process's writers come handed off, decoded, with the answers to their
    /// commands; anything else in the journal (another process's commits, or a
    /// hand-off that does not come) is read from the journal.
    async fn project(self, mut handoffs: mpsc::UnboundedReceiver<Handoff>) {
        /// How long a commit announced by the journal may take to be handed off
        /// before the projector reads it from the journal itself.
        const HANDOFF_GRACE: std::time::Duration = std::time::Duration::from_millis(20);
        let mut head = self.inner.journal.subscribe();
        // Handed-off events by the position of their first event, with the time of
        // their hand-off.
        type Batch = (Vec<(RecordedEvent, Decoded)>, std::time::Instant);
        let mut batches: BTreeMap<u64, Batch> = BTreeMap::new();
        // Answers by the position the projection must reach first.
        let mut waiting: BTreeMap<u64, Vec<(Reply, Receipt)>> = BTreeMap::new();
        let take = |h: Handoff, batches: &mut BTreeMap<u64, Batch>, waiting: &mut BTreeMap<u64, Vec<_>>| {
            if let Some((first, _)) = h.events.first() {
                batches.insert(first.position, (h.events, h.sent));
            }
            for (reply, receipt) in h.replies {
                waiting.entry(receipt.position).or_default().push((reply, receipt));
            }
        };
        let mut grace_from: Option<tokio::time::Instant> = None;
        // Read the journal now, whatever its head says.
        let mut look = false;
        loop {
            let mut position = read(&self.inner.projections).position;
            // Handed-off batches that continue the projection.
            let mut applied = Vec::new();
            while let Some(entry) = batches.first_entry() {
                if *entry.key() > position + 1 {
                    break;
                }
                let (events, sent) = entry.remove();
                let page = events.into_iter().filter(|(r, _)| r.position > position);
                match self.apply_page(page.map(|(r, e)| (r, Some(e))).collect()) {
                    Ok(p) => position = p,
                    Err(()) => return,
                }
                applied.push(sent);
            }
            // The journal holds more than the hand-offs cover: read it, after a
            // moment's grace for a hand-off on its way.
            let journal_ahead = *head.borrow_and_update() > position;
            if journal_ahead || look {
                let due = look
                    || grace_from.get_or_insert_with(tokio::time::Instant::now).elapsed() >= HANDOFF_GRACE;
                if due {
                    look = false;
                    grace_from = None;
                    match self.inner.journal.read_all(position, PAGE).await {
                        Ok(page) if !page.is_empty() => {
                            match self.apply_page(page.into_iter().map(|r| (r, None)).collect()) {
                                Ok(p) => position = p,
                                Err(()) => return,
                            }
                            // There may be more: read on without waiting.
                            look = true;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!("reading the journal failed: {e}");
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        }
                    }
                }
            } else {
                grace_from = None;
            }
            // Answer every command the projection now covers.
            while let Some(entry) = waiting.first_entry() {
                if *entry.key() > position {
                    break;
                }
                for (reply, receipt) in entry.remove() {
                    let _ = reply.send(Ok(receipt));
                }
            }
            for sent in applied {
                self.inner.metrics.projection.observe(sent.elapsed());
            }
            let due = position.saturating_sub(*lock(&self.inner.last_snapshot)) >= SNAPSHOT_EVERY;
            // In the background: encoding a large state takes long, and answers wait
            // on the projector.
            if due && !self.inner.snapshotting.swap(true, std::sync::atomic::Ordering::AcqRel) {
                let app = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.snapshot().await {
                        tracing::warn!("snapshot failed: {e}");
                    }
                    app.inner.snapshotting.store(false, std::sync::atomic::Ordering::Release);
                });
            }
            if look {
                continue;
            }
            // Say whether anything here waits for the projection, and see whether it
            // can go on now, under the projections' lock: a writer that moves the
            // projection on holds that lock while it reads the flag, so either this look
            // sees its events or the writer sees the flag and wakes the projector.
            let waits = !batches.is_empty() || !waiting.is_empty();
            let now = {
                let p = read(&self.inner.projections);
                self.inner.projector_waits.store(waits, std::sync::atomic::Ordering::SeqCst);
                p.position
            };
            if waits {
                let ready = |first: Option<u64>, reach: u64| first.is_some_and(|k| k <= reach);
                if ready(batches.first_key_value().map(|(k, _)| *k), now + 1)
                    || ready(waiting.first_key_value().map(|(k, _)| *k), now)
                {
                    continue;
                }
            }
            // Wait for a hand-off, a commit announced by the journal, or a second
            // (another process's commits to a SQLite file announce nothing here).
            let wait = match grace_from {
                Some(from) => HANDOFF_GRACE.saturating_sub(from.elapsed()),
                None => std::time::Duration::from_secs(1),
            };
            tokio::select! {
                h = handoffs.recv() => match h {
                    Some(h) => {
                        take(h, &mut batches, &mut waiting);
                        // Take whatever else is ready before applying.
                        while let Ok(h) = handoffs.try_recv() {
                            take(h, &mut batches, &mut waiting);
                        }
                    }
                    None => return,
                },
                changed = head.changed(), if !journal_ahead => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = tokio::time::sleep(wait) => {
                    // The grace is over, or it is time for the periodic look.
                    if grace_from.is_none() {
                        look = true;
                    }
                }
            }
        }
    }

    /// Applies events in position order, publishes the new position and sends the
    /// events to the live stream. `Err` when the projection cannot go on.
    fn apply_page(&self, page: Vec<(RecordedEvent, Option<Decoded>)>) -> Result<u64, ()> {
        let mut p = write(&self.inner.projections);
        let committed = Self::apply_locked(&mut p, page)?;
        let position = p.position;
        drop(p);
        Ok(self.publish(position, committed))
    }

    /// Applies a batch that its writer has just committed, on the writer's thread, and
    /// sends its answers, when the batch continues the projection: the rule while one
    /// assembly is being written to. Handing it to the projector instead costs a
    /// wake-up and a wait behind the requests on the runtime's workers, about as long
    /// as the commit itself. A batch that does not continue the projection (another
    /// assembly's commit before it is not projected yet) goes to the projector.
    pub(crate) fn project_committed(&self, h: Handoff) {
        let Some(after) = h.events.first().map(|(r, _)| r.position - 1) else {
            return self.hand_off(h);
        };
        let mut p = write(&self.inner.projections);
        if p.position != after {
            drop(p);
            return self.hand_off(h);
        }
        let Ok(committed) =
            Self::apply_locked(&mut p, h.events.into_iter().map(|(r, e)| (r, Some(e))).collect())
        else {
            // The callers see `Unavailable`; the projector stops at the same event.
            return;
        };
        let position = p.position;
        // Read under the lock (see the projector's wait).
        let projector_waits = self.inner.projector_waits.load(std::sync::atomic::Ordering::SeqCst);
        drop(p);
        self.publish(position, committed);
        for (reply, receipt) in h.replies {
            let _ = reply.send(Ok(receipt));
        }
        self.inner.metrics.projection.observe(h.sent.elapsed());
        if projector_waits {
            // An empty hand-off: the projector looks again.
            self.hand_off(Handoff {
                sent: std::time::Instant::now(),
                events: Vec::new(),
                replies: Vec::new(),
            });
        }
    }

    /// Applies a page to the projections (locked by the caller), returning the events
    /// for the live stream. `Err` when the projection cannot go on.
    fn apply_locked(
        p: &mut Projections,
        page: Vec<(RecordedEvent, Option<Decoded>)>,
    ) -> Result<Vec<Arc<Committed>>, ()> {
        let mut committed = Vec::with_capacity(page.len());
        for (rec, decoded) in page {
            match p.apply_decoded(&rec, decoded) {
                Ok(Some((assembly, event))) => committed.push(Arc::new(Committed {
                    position: rec.position,
                    assembly,
                    version: rec.version,
                    kind: rec.kind,
                    event,
                })),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!("projection stopped: {e}");
                    return Err(());
                }
            }
        }
        Ok(committed)
    }

    /// Publishes the projected position and sends applied events to the live stream.
    fn publish(&self, position: u64, committed: Vec<Arc<Committed>>) -> u64 {
        self.inner.projected.send_replace(position);
        for c in committed {
            // No receiver is fine: nobody is watching live.
            let _ = self.inner.live.send(c);
        }
        position
    }

    /// Writes a snapshot of the projections as they are now.
    pub async fn snapshot(&self) -> Result<u64, AppError> {
        let (position, data) = {
            let p = read(&self.inner.projections);
            (p.position, p.clone())
        };
        let hash = if position == 0 {
            plenum_journal::GENESIS
        } else {
            match self.inner.journal.read_all(position - 1, 1).await?.first() {
                Some(e) => e.hash,
                None => return Err(AppError::Internal(format!("event {position} is missing"))),
            }
        };
        let bytes = tokio::task::spawn_blocking(move || projection::encode_snapshot(&data, &hash))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Internal)?;
        self.inner.journal.save_snapshot(SNAPSHOT_NAME, Snapshot { position, data: bytes }).await?;
        *lock(&self.inner.last_snapshot) = position;
        Ok(position)
    }

    /// Checks and records a command. Returns once its events are durable and
    /// projected, so that what the caller reads next shows them. A retry with the
    /// same `command_id` returns the first receipt.
    pub async fn execute(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        command: Command,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        self.send(assembly, actor, command, command_id, true).await
    }

    /// Like `execute`, but returns as soon as the events are durable; the read side
    /// may show them a moment later.
    pub async fn submit(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        command: Command,
        command_id: Option<String>,
    ) -> Result<Receipt, AppError> {
        self.send(assembly, actor, command, command_id, false).await
    }

    async fn send(
        &self,
        assembly: &AssemblyId,
        actor: &str,
        command: Command,
        command_id: Option<String>,
        projected: bool,
    ) -> Result<Receipt, AppError> {
        let tx = self.writer(assembly);
        let (reply, rx) = oneshot::channel();
        tx.send(writer::Job {
            queued_at: std::time::Instant::now(),
            actor: actor.to_owned(),
            command,
            command_id,
            reply,
            projected,
        })
        .await
        .map_err(|_| AppError::Unavailable)?;
        rx.await.map_err(|_| AppError::Unavailable)?
    }

    /// Time spent on the write path so far.
    pub fn write_metrics(&self) -> &WriteMetrics {
        &self.inner.metrics
    }

    /// Hands committed events and their answers to the projector.
    pub(crate) fn hand_off(&self, handoff: Handoff) {
        // A projector that has stopped drops the answers: the callers see
        // `Unavailable`, and the events are in the journal for the next start.
        let _ = self.inner.handoff.send(handoff);
    }

    fn writer(&self, assembly: &AssemblyId) -> mpsc::Sender<writer::Job> {
        let mut writers = lock(&self.inner.writers);
        if let Some(tx) = writers.get(assembly) {
            if !tx.is_closed() {
                return tx.clone();
            }
        }
        let (tx, rx) = mpsc::channel(writer::QUEUE);
        writers.insert(assembly.clone(), tx.clone());
        // Each writer runs on a thread of its own, where it waits for its commits itself
        // (docs/architecture.md, "The writer's thread"). Unless it stops on an error, the
        // thread lives as long as the process: the writer holds the `App`, whose map
        // holds its queue.
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::warn!("writer for {assembly} runs on the shared runtime: {e}");
                tokio::spawn(writer::run(self.clone(), assembly.clone(), rx));
                return tx;
            }
        };
        let (app, id) = (self.clone(), assembly.clone());
        let spawned = std::thread::Builder::new().name("plenum-writer".into()).spawn(move || {
            plenum_journal::allow_blocking_appends();
            runtime.block_on(writer::run(app, id, rx));
        });
        if let Err(e) = spawned {
            // Its queue is closed with it: the callers get `Unavailable`, and the next
            // command tries to start a writer again.
            tracing::error!("writer for {assembly} could not start: {e}");
        }
        tx
    }

    /// The assembly's state and receipts as projected, once everything up to
    /// `position` is applied.
    pub(crate) async fn view_at(
        &self,
        assembly: &AssemblyId,
        position: u64,
    ) -> Result<AssemblyView, AppError> {
        let mut projected = self.inner.projected.subscribe();
        projected.wait_for(|p| *p >= position).await.map_err(|_| AppError::Unavailable)?;
        Ok(read(&self.inner.projections).assemblies.get(assembly).cloned().unwrap_or_default())
    }

    /// Reads one assembly's projected state.
    pub fn read<T>(&self, assembly: &AssemblyId, f: impl FnOnce(&Assembly) -> T) -> Option<T> {
        read(&self.inner.projections).assemblies.get(assembly).map(|v| f(&v.state))
    }

    /// A shared copy of one assembly's projected state: it costs a few reference
    /// counts and stays consistent while the projector moves on.
    pub fn assembly(&self, assembly: &AssemblyId) -> Option<Arc<Assembly>> {
        read(&self.inner.projections).assemblies.get(assembly).map(|v| Arc::clone(&v.state))
    }

    /// Reads all projections.
    pub fn read_all<T>(&self, f: impl FnOnce(&Projections) -> T) -> T {
        f(&read(&self.inner.projections))
    }

    /// The position up to which the read side is current.
    pub fn position(&self) -> u64 {
        *self.inner.projected.borrow()
    }

    /// Committed events as they are projected (the live stream).
    pub fn live(&self) -> broadcast::Receiver<Arc<Committed>> {
        self.inner.live.subscribe()
    }
}

/// The command id of the demo's last step: once it has a receipt, the demo is whole.
const DEMO_DONE: &str = "demo-done";

/// Records the demo session (see `demo`) unless the journal already holds it.
/// Each step carries a command id, so an interrupted seeding resumes where it
/// stopped. Returns whether anything was written. A demo already recorded is seen
/// from its last step's receipt, without building the plan, whose secret ballots
/// take a while to encrypt.
pub async fn seed_demo(app: &App) -> Result<bool, AppError> {
    if app.read_all(|p| p.assemblies.values().any(|v| v.has_receipt(DEMO_DONE))) {
        return Ok(false);
    }
    let steps = demo::plan().map_err(AppError::Internal)?;
    let last = steps.len().saturating_sub(1);
    for (n, step) in steps.into_iter().enumerate() {
        let key = if n == last { DEMO_DONE.to_owned() } else { format!("demo-{n}") };
        // A secret poll whose key the server holds: the key first, as `open_poll` does.
        if let (Some(secret), Command::OpenPoll { public_key: Some(public), .. }) =
            (&step.poll_secret, &step.command)
        {
            plenum_journal::AuthStore::put_secret(app.journal(), &polls::key_name(public), secret.as_bytes())
                .await
                .map_err(|e| AppError::Internal(format!("demo step {n}: {e}")))?;
        }
        app.execute(&step.assembly, step.actor, step.command, Some(key)).await.map_err(|e| {
            AppError::Internal(format!(
                "demo step {n} failed: {e}. The database may come from another version of Plenum: \
                 start again with `plenum demo --reset`"
            ))
        })?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plenum_domain::{BodyKind, Level};
    use plenum_journal::{AppendRequest, NewEvent};
    use std::time::Duration;

    #[test]
    fn a_timer_counts_each_duration_in_the_buckets_at_and_above_it() {
        let t = Timer::default();
        assert_eq!(
            t.read(),
            TimerReading { count: 0, seconds: 0.0, at_most: [0; TIMER_BOUNDS_MICROS.len()] }
        );
        // On a bound, below the first, between two, and beyond the last.
        for us in [1_000, 100, 30_000, 2_000_000] {
            t.observe(Duration::from_micros(us));
        }
        let r = t.read();
        assert_eq!(r.count, 4);
        assert!((r.seconds - 2.0311).abs() < 1e-9, "{}", r.seconds);
        let at_most = |bound: u64| r.at_most[TIMER_BOUNDS_MICROS.iter().position(|&b| b == bound).unwrap()];
        assert_eq!(at_most(250), 1, "100 us");
        assert_eq!(at_most(500), 1);
        assert_eq!(at_most(1_000), 2, "exactly 1 ms is at most 1 ms");
        assert_eq!(at_most(20_000), 2);
        assert_eq!(at_most(50_000), 3, "30 ms");
        // Two seconds is beyond every bound: only in the count.
        assert_eq!(at_most(1_000_000), 3);
        assert!(r.at_most.windows(2).all(|w| w[0] <= w[1]), "cumulative: {:?}", r.at_most);
    }

    fn found(name: &str) -> Command {
        Command::FoundAssembly {
            name: name.to_owned(),
            name_en: name.to_owned(),
            kind: BodyKind::Other,
            level: Level::None,
            population: None,
            rules: None,
        }
    }

    /// Commits `command` for `id` straight to the journal, as its writer would, and
    /// returns what the writer then has: the hand-off and its caller's answer.
    async fn commit(
        app: &App,
        id: &AssemblyId,
        command: Command,
    ) -> (Handoff, oneshot::Receiver<Result<Receipt, AppError>>) {
        let state = app.assembly(id).unwrap();
        let events = plenum_domain::decide(&state, &command).unwrap();
        let new = events
            .iter()
            .map(|e| {
                let (kind, payload) = e.to_payload().unwrap();
                NewEvent { kind: kind.to_owned(), payload, actor: "test".into(), command_id: None }
            })
            .collect();
        let request =
            AppendRequest { stream: id.as_str().to_owned(), expected_version: state.version, events: new };
        let recorded = app.journal().append(request).await.unwrap();
        let (first, last) = (recorded.first().unwrap(), recorded.last().unwrap());
        let receipt = Receipt {
            position: last.position,
            first_version: first.version,
            last_version: last.version,
            replayed: false,
        };
        let (reply, answer) = oneshot::channel();
        let events = recorded.into_iter().zip(events.into_iter().map(|e| (e, None))).collect();
        (Handoff { sent: std::time::Instant::now(), events, replies: vec![(reply, receipt)] }, answer)
    }

    /// Two writers' commits projected in the wrong order: the later one is not applied
    /// ahead of the earlier (the read side stays a prefix of the journal), and both are
    /// applied and answered once the earlier one is.
    #[tokio::test]
    async fn a_batch_ahead_of_the_projection_waits_for_the_one_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let journal =
            AnyJournal::Sqlite(plenum_journal::SqliteJournal::open(path.to_str().unwrap()).unwrap());
        let (app, _) = App::start(journal).await.unwrap();
        let (a, b) = (AssemblyId::parse("first").unwrap(), AssemblyId::parse("second").unwrap());
        app.execute(&a, "test", found("first"), None).await.unwrap();
        app.execute(&b, "test", found("second"), None).await.unwrap();
        let start = app.position();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let term = Command::BeginTerm { term: 1, starts_on: date };
        let (earlier, earlier_answer) = commit(&app, &a, term.clone()).await;
        let (later, later_answer) = commit(&app, &b, term).await;
        let (a_at, b_at) = (app.assembly(&a).unwrap().version, app.assembly(&b).unwrap().version);

        app.project_committed(later);
        // Whatever is projected now is a prefix: the later commit only with the earlier.
        let (a_now, b_now) =
            app.read_all(|p| (p.assemblies[&a].state.version, p.assemblies[&b].state.version));
        assert!(b_now == b_at || a_now > a_at, "the later commit was projected before the earlier one");

        app.project_committed(earlier);
        let wait = std::time::Duration::from_secs(10);
        let first = tokio::time::timeout(wait, earlier_answer).await.unwrap().unwrap().unwrap();
        let second = tokio::time::timeout(wait, later_answer).await.unwrap().unwrap().unwrap();
        assert!(first.position < second.position);
        assert_eq!(app.position(), second.position);
        assert!(app.position() > start);
        assert!(app.assembly(&a).unwrap().version > a_at);
        assert!(app.assembly(&b).unwrap().version > b_at);
    }
}
