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
use plenum_domain::{AssemblyId, Disclosure, Event};
use plenum_journal::{Journal, PAGE};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
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
    /// Ballots counted per poll since it opened, for polls opened within the feed.
    turnout: HashMap<u32, u32>,
    /// The same per election round (election, round).
    rounds: HashMap<(u32, u32), u32>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.web.metrics.live_clients.fetch_sub(1, Relaxed);
    }
}

fn sse(position: u64, kind: &str, data: serde_json::Value) -> SseEvent {
    let data = serde_json::json!({ "position": position, "type": kind, "data": data });
    SseEvent::default().id(position.to_string()).event(kind).data(data.to_string())
}

/// What the public stream tells of an event. Ballots are where privacy matters: a
/// secret ballot shows only that the turnout grew (neither the voter nor the
/// ciphertext), and so does a named vote in a poll that discloses turnout only. Only
/// a named poll with running counts shows who voted how, as its roll call is public.
/// `disclosure` is the poll's (`None` if unknown: told as little as possible).
fn public_data(event: &Event, disclosure: Option<Disclosure>, turnout: u32) -> serde_json::Value {
    let turnout_only = |poll: &u32| serde_json::json!({ "type": event.kind(), "data": { "poll": poll, "turnout": turnout } });
    match event {
        Event::SealedBallotCast { poll, .. } => turnout_only(poll),
        // An electronic election ballot: the turnout of its round, no voter, no ciphertext.
        Event::ElectionBallotCast { election, round, .. } => serde_json::json!({
            "type": event.kind(),
            "data": { "election": election, "round": round, "turnout": turnout }
        }),
        // Paper entries: which ballot numbers a teller entered, not what they hold
        // (the tellers enter independently; the counts come with the count).
        Event::PaperBallotsEntered { election, round, teller, entries } => serde_json::json!({
            "type": event.kind(),
            "data": {
                "election": election,
                "round": round,
                "teller": teller,
                "ballot_nos": entries.iter().map(|e| e.ballot_no).collect::<Vec<_>>()
            }
        }),
        Event::VoteCast { poll, .. } if disclosure != Some(Disclosure::Counts) => turnout_only(poll),
        other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
    }
}

impl Feed {
    /// The event as sent, keeping an exact turnout for polls opened within the feed.
    fn event(&mut self, position: u64, kind: &str, event: &Event) -> SseEvent {
        match event {
            Event::RoundOpened { election, round, .. } => {
                self.rounds.insert((*election, *round), 0);
            }
            Event::ElectionBallotCast { election, round, .. } => {
                let turnout = match self.rounds.get_mut(&(*election, *round)) {
                    Some(n) => {
                        *n += 1;
                        *n
                    }
                    None => self
                        .web
                        .app
                        .read(&self.assembly, |a| {
                            let e = a.elections.get(election)?;
                            let r = round.checked_sub(1).and_then(|i| e.rounds.get(i as usize))?;
                            Some(u32::try_from(r.voted.len()).unwrap_or(u32::MAX))
                        })
                        .flatten()
                        .unwrap_or(0),
                };
                return sse(position, kind, public_data(event, None, turnout));
            }
            _ => {}
        }
        let ballot = match event {
            Event::PollOpened { poll, .. } => {
                self.turnout.insert(*poll, 0);
                None
            }
            Event::VoteCast { poll, .. } | Event::SealedBallotCast { poll, .. } => Some(*poll),
            _ => None,
        };
        let data = match ballot {
            None => public_data(event, None, 0),
            Some(poll) => {
                let now = self
                    .web
                    .app
                    .read(&self.assembly, |a| a.polls.get(&poll).map(|p| (p.disclosure, p.turnout())))
                    .flatten();
                // Counted along when the feed saw the poll open; else as projected now.
                let turnout = match self.turnout.get_mut(&poll) {
                    Some(n) => {
                        *n += 1;
                        *n
                    }
                    None => now.map_or(0, |(_, t)| u32::try_from(t).unwrap_or(u32::MAX)),
                };
                public_data(event, now.map(|(d, _)| d), turnout)
            }
        };
        sse(position, kind, data)
    }
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
    let feed = Feed {
        web,
        assembly,
        backlog: VecDeque::new(),
        after,
        live,
        caught_up: last.is_none(),
        turnout: HashMap::new(),
        rounds: HashMap::new(),
    };
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
                                    let e = f.event(rec.position, &rec.kind, &ev);
                                    f.backlog.push_back(e);
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
                        let e = f.event(c.position, &c.kind, &c.event);
                        return Some((Ok(e), f));
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

#[cfg(test)]
mod tests {
    use super::*;
    use plenum_domain::{Choice, MemberId};

    fn member() -> MemberId {
        MemberId::parse("d-0007").unwrap()
    }

    #[test]
    fn secret_ballots_show_only_the_turnout() {
        let e = Event::SealedBallotCast { poll: 4, member: member(), ballot: "c1phertext".into() };
        for disclosure in [None, Some(Disclosure::Counts), Some(Disclosure::TurnoutOnly)] {
            let v = public_data(&e, disclosure, 17);
            assert_eq!(
                v,
                serde_json::json!({"type": "SealedBallotCast", "data": {"poll": 4, "turnout": 17}})
            );
            let text = v.to_string();
            assert!(!text.contains("d-0007") && !text.contains("c1phertext"), "{text}");
        }
    }

    #[test]
    fn election_ballots_show_only_the_turnout() {
        let e = Event::ElectionBallotCast {
            election: 3,
            round: 2,
            member: member(),
            ballots: vec!["c1pher-a".into(), "c1pher-b".into()],
            slate: Some("pr00f".into()),
        };
        let v = public_data(&e, None, 9);
        assert_eq!(
            v,
            serde_json::json!({"type": "ElectionBallotCast", "data": {"election": 3, "round": 2, "turnout": 9}})
        );
        let text = v.to_string();
        assert!(!text.contains("d-0007") && !text.contains("c1pher"), "{text}");
    }

    #[test]
    fn named_votes_show_the_voter_only_with_running_counts() {
        let e = Event::VoteCast { poll: 3, member: member(), choice: Choice::No };
        let hidden = public_data(&e, Some(Disclosure::TurnoutOnly), 5);
        assert_eq!(hidden, serde_json::json!({"type": "VoteCast", "data": {"poll": 3, "turnout": 5}}));
        assert_eq!(public_data(&e, None, 5), hidden, "an unknown poll tells nothing");
        let shown = public_data(&e, Some(Disclosure::Counts), 5);
        assert_eq!(shown["data"]["member"], "d-0007");
        assert_eq!(shown["data"]["choice"], "no");
        // Other events pass as they are.
        let moved = Event::MeetingOpened { meeting: plenum_domain::MeetingId::parse("m-1").unwrap() };
        assert_eq!(public_data(&moved, None, 0), serde_json::to_value(&moved).unwrap());
    }
}
