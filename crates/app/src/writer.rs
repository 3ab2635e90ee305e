//! One writer per assembly, on a thread of its own (`App::writer`): it serialises the
//! assembly's commands, checks each against the state it keeps (ahead of the read side
//! by what it has committed or is committing), and commits every command waiting in its
//! queue in one transaction (group commit).
//!
//! The writer is pipelined where its commit is a future that waits (PostgreSQL): while
//! one batch is being committed, it takes the commands that arrive and checks them, so
//! that the next batch is ready the moment the commit returns. The embedded journal
//! commits on the writer's thread itself (`allow_blocking_appends`), and the commands
//! that arrive meanwhile wait in the queue for the next batch. At most one batch is in
//! flight, which keeps the journal order equal to the order of decision.

use crate::projection::{KeyDigest, Receipt, ballot_poll_of_command};
use crate::{App, AppError, Handoff, Reply};
use plenum_domain::{AssemblyId, Command, Event, decide};
use plenum_journal::{AppendRequest, Journal, JournalError, NewEvent, RecordedEvent};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Commands waiting per assembly before senders wait.
pub(crate) const QUEUE: usize = 8192;
/// Most commands in one transaction.
const MAX_BATCH: usize = 4096;

pub(crate) struct Job {
    /// When the command was sent to the writer.
    pub queued_at: std::time::Instant,
    pub actor: String,
    pub command: Command,
    pub command_id: Option<String>,
    pub reply: Reply,
    /// Answer once the read side shows the command (`execute`), rather than as soon
    /// as it is durable (`submit`).
    pub projected: bool,
}

/// A decided command waiting for its commit.
struct Pending {
    /// Every caller waiting for this command: the first, and retries that came
    /// while it was not yet committed.
    replies: Vec<(Reply, bool)>,
    actor: String,
    /// Kept to decide the command again if the batch before it fails.
    command: Command,
    command_id: Option<String>,
    /// The digest of `command_id`, as the receipts hold it.
    digest: Option<KeyDigest>,
    /// The poll of a ballot, whose receipts are kept with the poll's.
    poll: Option<u32>,
    events: Vec<Event>,
}

/// Commands decided one after the other, committed together.
#[derive(Default)]
struct Batch {
    requests: Vec<AppendRequest>,
    pending: Vec<Pending>,
    /// Index in `pending` by idempotency key (and the poll, for a ballot: its key is
    /// its poll's, as in `BallotReceipts`).
    keys: HashMap<(Option<u32>, KeyDigest), usize>,
}

type Commit = Pin<Box<dyn Future<Output = Result<Vec<RecordedEvent>, JournalError>> + Send>>;

struct Writer {
    app: App,
    assembly: AssemblyId,
    stream: String,
    view: crate::AssemblyView,
    /// Being committed: the batch (without its requests), the commit, and when it
    /// was sent.
    inflight: Option<(Batch, Commit, std::time::Instant)>,
    /// Being decided, to be committed next.
    next: Batch,
    /// Answers to retries of commands already recorded, sent once projected.
    replayed: Vec<(Reply, Receipt)>,
}

pub(crate) async fn run(app: App, assembly: AssemblyId, mut rx: mpsc::Receiver<Job>) {
    let view = match app.view_at(&assembly, app.position()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("writer for {assembly} could not start: {e}");
            return;
        }
    };
    let stream = assembly.as_str().to_owned();
    let mut w =
        Writer { app, assembly, stream, view, inflight: None, next: Batch::default(), replayed: Vec::new() };
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut open = true;
    loop {
        if w.inflight.is_none() && !w.next.requests.is_empty() {
            w.start_commit();
        }
        if !w.replayed.is_empty() {
            let replies = std::mem::take(&mut w.replayed);
            w.app.hand_off(Handoff { sent: std::time::Instant::now(), events: Vec::new(), replies });
        }
        if !open && w.inflight.is_none() {
            return;
        }
        // Take more commands while the next batch has room.
        let room = MAX_BATCH.saturating_sub(w.next.pending.len());
        let take = open && room > 0;
        let committing = w.inflight.is_some();
        tokio::select! {
            biased;
            result = async {
                match w.inflight.as_mut() {
                    Some((_, commit, _)) => commit.as_mut().await,
                    None => std::future::pending().await,
                }
            }, if committing => {
                let Some((batch, _, started)) = w.inflight.take() else { continue };
                let metrics = w.app.write_metrics();
                metrics.commits.observe(started.elapsed());
                if result.is_ok() {
                    metrics.committed.fetch_add(batch.pending.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                if !w.finish(batch, result).await {
                    return;
                }
            }
            n = rx.recv_many(&mut jobs, room.max(1)), if take => {
                if n == 0 {
                    open = false;
                }
                let now = std::time::Instant::now();
                let queued = &w.app.write_metrics().queued;
                for j in &jobs {
                    queued.observe(now.saturating_duration_since(j.queued_at));
                }
                for job in jobs.drain(..) {
                    w.admit(job.actor, job.command, job.command_id, vec![(job.reply, job.projected)]);
                }
            }
        }
    }
}

impl Writer {
    /// Decides one command (with the callers waiting for it) into the next batch.
    fn admit(
        &mut self,
        actor: String,
        command: Command,
        command_id: Option<String>,
        replies: Vec<(Reply, bool)>,
    ) {
        let digest = command_id.as_deref().map(KeyDigest::of);
        let poll = ballot_poll_of_command(&command);
        if let Some(key) = &digest {
            // A retry of a command already recorded: its first receipt.
            if let Some(r) = self.view.receipt(poll, key) {
                let receipt = Receipt { replayed: true, ..*r };
                for (reply, projected) in replies {
                    if projected {
                        self.replayed.push((reply, receipt));
                    } else {
                        let _ = reply.send(Ok(receipt));
                    }
                }
                return;
            }
            // A retry of a command being committed, or decided for the next commit.
            if let Some((batch, _, _)) = &mut self.inflight {
                if let Some(&i) = batch.keys.get(&(poll, *key)) {
                    batch.pending[i].replies.extend(replies);
                    return;
                }
            }
            if let Some(&i) = self.next.keys.get(&(poll, *key)) {
                self.next.pending[i].replies.extend(replies);
                return;
            }
        }
        let events = match decide(&self.view.state, &command) {
            Ok(events) => events,
            Err(e) => {
                let e = AppError::from(e);
                answer_all(replies, |_| clone_error(&e));
                return;
            }
        };
        let encoded: Result<Vec<NewEvent>, _> = events
            .iter()
            .map(|e| {
                e.to_payload().map(|(kind, payload)| NewEvent {
                    kind: kind.to_owned(),
                    payload,
                    actor: actor.clone(),
                    command_id: command_id.clone(),
                })
            })
            .collect();
        let new = match encoded {
            Ok(new) => new,
            Err(err) => {
                answer_all(replies, |_| AppError::Internal(format!("cannot encode event: {err}")));
                return;
            }
        };
        let expected_version = self.view.state.version;
        let state = Arc::make_mut(&mut self.view.state);
        for e in &events {
            state.apply(e);
        }
        if let Some(key) = digest {
            self.next.keys.insert((poll, key), self.next.pending.len());
        }
        self.next.pending.push(Pending { replies, actor, command, command_id, digest, poll, events });
        self.next.requests.push(AppendRequest { stream: self.stream.clone(), expected_version, events: new });
    }

    /// Sends the next batch to the journal.
    fn start_commit(&mut self) {
        let mut batch = std::mem::take(&mut self.next);
        let requests = std::mem::take(&mut batch.requests);
        let journal = Arc::clone(&self.app.inner.journal);
        let commit: Commit = Box::pin(async move { journal.append_batch(requests).await });
        self.inflight = Some((batch, commit, std::time::Instant::now()));
    }

    /// Projects a committed batch and answers its callers (`App::project_committed`:
    /// here, or through the projector when the batch does not continue the projection),
    /// or, if the commit failed, answers them with the error and decides again what
    /// was decided after it. `false` when the writer cannot go on.
    async fn finish(&mut self, batch: Batch, result: Result<Vec<RecordedEvent>, JournalError>) -> bool {
        match result {
            Ok(recorded) => {
                if let Some(last) = recorded.last() {
                    self.view.last_position = last.position;
                }
                let mut handoff = Handoff {
                    sent: std::time::Instant::now(),
                    events: Vec::with_capacity(recorded.len()),
                    replies: Vec::with_capacity(batch.pending.len()),
                };
                let mut recorded = recorded.into_iter();
                for p in batch.pending {
                    let n = p.events.len();
                    let from = handoff.events.len();
                    let digest = p.digest;
                    handoff
                        .events
                        .extend(recorded.by_ref().take(n).zip(p.events.into_iter().map(|e| (e, digest))));
                    let (Some((first, _)), Some((last, _))) = (
                        handoff.events.get(from),
                        handoff.events.last().filter(|_| handoff.events.len() > from),
                    ) else {
                        continue;
                    };
                    let receipt = Receipt {
                        position: last.position,
                        first_version: first.version,
                        last_version: last.version,
                        replayed: false,
                    };
                    if let Some(key) = p.digest {
                        self.view.insert_receipt(p.poll, key, receipt);
                    }
                    for (i, (reply, projected)) in p.replies.into_iter().enumerate() {
                        let receipt = Receipt { replayed: i > 0, ..receipt };
                        if projected {
                            handoff.replies.push((reply, receipt));
                        } else {
                            let _ = reply.send(Ok(receipt));
                        }
                    }
                }
                self.app.project_committed(handoff);
                true
            }
            Err(e) => {
                // Nothing of the batch was written. Another process may have written
                // to the stream first (a conflict): its callers may try again.
                let conflict = matches!(e, JournalError::Conflict { .. });
                let message = e.to_string();
                for p in batch.pending {
                    answer_all(p.replies, |_| {
                        AppError::Journal(JournalError::Storage(if conflict {
                            format!("{message}; try again")
                        } else {
                            message.clone()
                        }))
                    });
                }
                // Start again from the journal. What was decided after the failed
                // batch assumed it: decide it again on the state as it is.
                let head = self.app.inner.journal.head().await.unwrap_or(0);
                match self.app.view_at(&self.assembly, head.max(self.view.last_position)).await {
                    Ok(v) => self.view = v,
                    Err(err) => {
                        tracing::error!("writer for {} stopped: {err}", self.assembly);
                        return false;
                    }
                }
                let again = std::mem::take(&mut self.next);
                for p in again.pending {
                    self.admit(p.actor, p.command, p.command_id, p.replies);
                }
                true
            }
        }
    }
}

fn answer_all(replies: Vec<(Reply, bool)>, err: impl Fn(usize) -> AppError) {
    for (i, (reply, _)) in replies.into_iter().enumerate() {
        let _ = reply.send(Err(err(i)));
    }
}

fn clone_error(e: &AppError) -> AppError {
    match e {
        AppError::Rule(r) => AppError::Rule(r.clone()),
        other => AppError::Internal(other.to_string()),
    }
}
