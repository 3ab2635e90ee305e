//! One writer task per assembly: it serialises the assembly's commands, checks each
//! against the state it keeps (ahead of the read side by what it has committed), and
//! commits every command waiting in its queue in one transaction (group commit).

use crate::projection::Receipt;
use crate::{App, AppError, Handoff, Reply};
use plenum_domain::{AssemblyId, Command, Event, decide};
use plenum_journal::{AppendRequest, Journal, JournalError, NewEvent};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Commands waiting per assembly before senders wait.
pub(crate) const QUEUE: usize = 8192;
/// Most commands in one transaction.
const MAX_BATCH: usize = 4096;

pub(crate) struct Job {
    pub actor: String,
    pub command: Command,
    pub command_id: Option<String>,
    pub reply: Reply,
    /// Answer once the read side shows the command (`execute`), rather than as soon
    /// as it is durable (`submit`).
    pub projected: bool,
}

struct Pending {
    replies: Vec<(Reply, bool)>,
    command_id: Option<String>,
    events: Vec<Event>,
}

pub(crate) async fn run(app: App, assembly: AssemblyId, mut rx: mpsc::Receiver<Job>) {
    let mut view = match app.view_at(&assembly, app.position()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("writer for {assembly} could not start: {e}");
            return;
        }
    };
    let stream = assembly.as_str().to_owned();
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut requests: Vec<AppendRequest> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let mut in_batch: HashMap<String, usize> = HashMap::new();
        // Answers to retries of commands already recorded, once projected.
        let mut replayed: Vec<(Reply, Receipt)> = Vec::new();
        for job in jobs.drain(..) {
            if let Some(key) = &job.command_id {
                if let Some(r) = view.receipts.get(key) {
                    let receipt = Receipt { replayed: true, ..*r };
                    if job.projected {
                        replayed.push((job.reply, receipt));
                    } else {
                        let _ = job.reply.send(Ok(receipt));
                    }
                    continue;
                }
                if let Some(&i) = in_batch.get(key) {
                    pending[i].replies.push((job.reply, job.projected));
                    continue;
                }
            }
            let events = match decide(&view.state, &job.command) {
                Ok(events) => events,
                Err(e) => {
                    let _ = job.reply.send(Err(e.into()));
                    continue;
                }
            };
            let encoded: Result<Vec<NewEvent>, _> = events
                .iter()
                .map(|e| {
                    e.to_payload().map(|(kind, payload)| NewEvent {
                        kind: kind.to_owned(),
                        payload,
                        actor: job.actor.clone(),
                        command_id: job.command_id.clone(),
                    })
                })
                .collect();
            let new = match encoded {
                Ok(new) => new,
                Err(err) => {
                    let _ = job.reply.send(Err(AppError::Internal(format!("cannot encode event: {err}"))));
                    continue;
                }
            };
            let expected_version = view.state.version;
            for e in &events {
                Arc::make_mut(&mut view.state).apply(e);
            }
            if let Some(key) = &job.command_id {
                in_batch.insert(key.clone(), pending.len());
            }
            pending.push(Pending {
                replies: vec![(job.reply, job.projected)],
                command_id: job.command_id,
                events,
            });
            requests.push(AppendRequest { stream: stream.clone(), expected_version, events: new });
        }
        if requests.is_empty() {
            if !replayed.is_empty() {
                app.hand_off(Handoff { events: Vec::new(), replies: replayed });
            }
            continue;
        }
        match app.inner.journal.append_batch(requests).await {
            Ok(recorded) => {
                if let Some(last) = recorded.last() {
                    view.last_position = last.position;
                }
                let mut handoff = Handoff { events: Vec::with_capacity(recorded.len()), replies: replayed };
                let mut recorded = recorded.into_iter();
                for p in pending {
                    let slice: Vec<_> = recorded.by_ref().take(p.events.len()).collect();
                    let (Some(first), Some(last)) = (slice.first(), slice.last()) else { continue };
                    let receipt = Receipt {
                        position: last.position,
                        first_version: first.version,
                        last_version: last.version,
                        replayed: false,
                    };
                    if let Some(key) = p.command_id {
                        view.receipts.insert(key, receipt);
                    }
                    for (i, (reply, projected)) in p.replies.into_iter().enumerate() {
                        let receipt = Receipt { replayed: i > 0, ..receipt };
                        if projected {
                            handoff.replies.push((reply, receipt));
                        } else {
                            let _ = reply.send(Ok(receipt));
                        }
                    }
                    handoff.events.extend(slice.into_iter().zip(p.events));
                }
                app.hand_off(handoff);
            }
            Err(e) => {
                // Retries of commands recorded earlier still get their receipts.
                app.hand_off(Handoff { events: Vec::new(), replies: replayed });
                // Nothing of the batch was written. Start again from the journal,
                // which may hold another process's events (a conflict).
                let conflict = matches!(e, JournalError::Conflict { .. });
                let message = e.to_string();
                for p in pending {
                    for (reply, _) in p.replies {
                        let err = if conflict {
                            AppError::Journal(JournalError::Storage(format!("{message}; try again")))
                        } else {
                            AppError::Journal(JournalError::Storage(message.clone()))
                        };
                        let _ = reply.send(Err(err));
                    }
                }
                let head = app.inner.journal.head().await.unwrap_or(0);
                match app.view_at(&assembly, head.max(view.last_position)).await {
                    Ok(v) => view = v,
                    Err(err) => {
                        tracing::error!("writer for {assembly} stopped: {err}");
                        return;
                    }
                }
            }
        }
    }
}
