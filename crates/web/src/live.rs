//! Live updates: one Server-Sent Events stream per assembly. Each event's id is its
//! journal position, so a client that reconnects with `Last-Event-ID` first gets
//! what it missed from the journal, then the live feed, without loss or repeats.

use crate::Web;
use crate::error::{ApiError, Failure};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::Stream;
use plenum_app::Committed;
use plenum_domain::{AssemblyId, Event};
use plenum_journal::{Journal, PAGE};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use tokio::sync::broadcast;

#[derive(Deserialize)]
pub struct LiveQuery {
    /// Resume after this position (for clients that cannot set Last-Event-ID).
    after: Option<u64>,
}

struct Feed {
    web: Web,
    assembly: AssemblyId,
    backlog: VecDeque<SseEvent>,
    after: u64,
    live: broadcast::Receiver<Arc<Committed>>,
    caught_up: bool,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.web.metrics.live_clients.fetch_sub(1, Relaxed);
    }
}

fn sse(position: u64, kind: &str, event: &Event) -> SseEvent {
    let data = serde_json::json!({ "position": position, "type": kind, "data": event });
    SseEvent::default().id(position.to_string()).event(kind).data(data.to_string())
}

pub async fn stream(
    State(web): State<Web>,
    Path(id): Path<String>,
    Query(q): Query<LiveQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let assembly = AssemblyId::parse(id).map_err(|e| Failure::bad_request(e.to_string()).field("id"))?;
    if web.app.read(&assembly, |_| ()).is_none() {
        return Err(Failure::not_found(format!("no assembly {assembly}")).into());
    }
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(q.after);
    // Subscribe before reading the backlog, so nothing falls in between.
    let live = web.app.live();
    let after = last.unwrap_or_else(|| web.app.position());
    web.metrics.live_clients.fetch_add(1, Relaxed);
    let feed = Feed { web, assembly, backlog: VecDeque::new(), after, live, caught_up: last.is_none() };
    let s = futures_util::stream::unfold(feed, |mut f| async move {
        loop {
            if let Some(e) = f.backlog.pop_front() {
                f.web.metrics.live_events_sent.fetch_add(1, Relaxed);
                return Some((Ok(e), f));
            }
            if !f.caught_up {
                // Replay what the client missed from the journal, a page at a time.
                let upto = f.web.app.position();
                match f.web.app.journal().read_all(f.after, PAGE).await {
                    Ok(page) if !page.is_empty() => {
                        for rec in page.iter().take_while(|r| r.position <= upto) {
                            f.after = rec.position;
                            if rec.stream == f.assembly.as_str() {
                                if let Ok(ev) = Event::from_payload(&rec.kind, &rec.payload) {
                                    f.backlog.push_back(sse(rec.position, &rec.kind, &ev));
                                }
                            }
                        }
                        if page.last().is_some_and(|r| r.position >= upto) || page.len() < PAGE {
                            f.caught_up = true;
                        }
                    }
                    Ok(_) => f.caught_up = true,
                    Err(_) => return None,
                }
                continue;
            }
            match f.live.recv().await {
                Ok(c) => {
                    if c.position > f.after && c.assembly == f.assembly {
                        f.after = c.position;
                        return Some((Ok(sse(c.position, &c.kind, &c.event)), f));
                    }
                }
                // Too slow: catch up from the journal instead of losing events.
                Err(broadcast::error::RecvError::Lagged(_)) => f.caught_up = false,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}
