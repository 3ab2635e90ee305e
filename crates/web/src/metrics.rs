//! Health and Prometheus metrics.

use crate::Web;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use plenum_app::{TIMER_BOUNDS_MICROS, TimerReading};
use plenum_journal::Journal;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub responses_2xx: AtomicU64,
    pub responses_3xx: AtomicU64,
    pub responses_4xx: AtomicU64,
    pub responses_5xx: AtomicU64,
    pub live_clients: AtomicU64,
    pub live_events_sent: AtomicU64,
    pub logins_failed: AtomicU64,
}

impl Metrics {
    /// Counts a request on arrival and its response by status class.
    pub async fn serving(&self, res: impl Future<Output = Response>) -> Response {
        self.requests.fetch_add(1, Relaxed);
        let res = res.await;
        self.counted(&res);
        res
    }

    /// Counts a response by its status class (the request itself counts on arrival).
    pub fn counted(&self, res: &Response) {
        match res.status().as_u16() {
            200..=299 => &self.responses_2xx,
            300..=399 => &self.responses_3xx,
            400..=499 => &self.responses_4xx,
            _ => &self.responses_5xx,
        }
        .fetch_add(1, Relaxed);
    }
}

/// 200 when the journal answers, 503 otherwise.
pub async fn health(State(web): State<Web>) -> Response {
    match web.app.journal().head().await {
        Ok(head) => {
            (StatusCode::OK, format!("ok head={head} projected={}\n", web.app.position())).into_response()
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("journal unavailable: {e}\n")).into_response(),
    }
}

/// Prometheus text format.
pub async fn metrics(State(web): State<Web>) -> Response {
    let m = &web.metrics;
    let mut s = String::new();
    let mut put = |name: &str, kind: &str, help: &str, value: u64, labels: &str| {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{labels} {value}");
    };
    put("plenum_http_requests_total", "counter", "HTTP requests received.", m.requests.load(Relaxed), "");
    for (class, c) in [
        ("2xx", &m.responses_2xx),
        ("3xx", &m.responses_3xx),
        ("4xx", &m.responses_4xx),
        ("5xx", &m.responses_5xx),
    ] {
        put(
            "plenum_http_responses_total",
            "counter",
            "HTTP responses by status class.",
            c.load(Relaxed),
            &format!("{{class=\"{class}\"}}"),
        );
    }
    put("plenum_live_clients", "gauge", "Open live-update streams.", m.live_clients.load(Relaxed), "");
    put(
        "plenum_live_events_sent_total",
        "counter",
        "Events sent to live streams.",
        m.live_events_sent.load(Relaxed),
        "",
    );
    put("plenum_logins_failed_total", "counter", "Failed logins.", m.logins_failed.load(Relaxed), "");
    put(
        "plenum_projection_position",
        "gauge",
        "Journal position the read side has applied.",
        web.app.position(),
        "",
    );
    let assemblies = web.app.read_all(|p| p.assemblies.len() as u64);
    put("plenum_assemblies", "gauge", "Assemblies in the journal.", assemblies, "");
    let w = web.app.write_metrics();
    put(
        "plenum_commands_committed_total",
        "counter",
        "Commands written by group commits.",
        w.committed.load(Relaxed),
        "",
    );
    for (name, help, timer) in [
        ("plenum_command_queue_seconds", "Time a command waited for its assembly's writer.", &w.queued),
        (
            "plenum_commit_seconds",
            "Time of a group commit, from the batch sent to the journal to its result.",
            &w.commits,
        ),
        (
            "plenum_projection_seconds",
            "Time from a committed batch handed to the read side until it shows there and its answers are sent.",
            &w.projection,
        ),
    ] {
        histogram(&mut s, name, help, &timer.read());
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s).into_response()
}

/// A timer as a Prometheus histogram: cumulative buckets by upper bound in seconds,
/// `+Inf` (every observation), the sum and the count.
fn histogram(s: &mut String, name: &str, help: &str, t: &TimerReading) {
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (bound, n) in TIMER_BOUNDS_MICROS.iter().zip(t.at_most) {
        let _ = writeln!(s, "{name}_bucket{{le=\"{}\"}} {n}", *bound as f64 / 1e6);
    }
    let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {}", t.count);
    let _ = writeln!(s, "{name}_sum {:.6}\n{name}_count {}", t.seconds, t.count);
}
