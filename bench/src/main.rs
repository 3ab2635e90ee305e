//! Benchmarks of Plenum. The figures go to BENCHMARKS.md.
//!
//! * `append`: durably acknowledged events per second through the app's group
//!   commit, with N concurrent writers on one assembly, on SQLite or PostgreSQL;
//!   optionally beside plain SQLite (one INSERT per transaction) as a baseline.
//! * `startup`: `App::start` on a SQLite journal of N events, by full replay and
//!   from a snapshot.
//!
//! Each measurement prints one human line; with `--json` the human lines go to
//! stderr and stdout carries one JSON object per measurement.
//! Build and run in release mode: `cargo run --release -p plenum-bench -- append`.

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use plenum_app::polls::PollRequest;
use plenum_app::projection::{Projections, decode_snapshot, encode_snapshot};
use plenum_app::{App, SNAPSHOT_EVERY, SNAPSHOT_NAME, StartupReport};
use plenum_domain::{
    Assembly, AssemblyId, BodyKind, Choice, Command, Event, Gender, GroupId, GroupKind, Level, MemberDraft,
    MemberId, MemberStatus, ProfileChanges, decide,
};
use plenum_journal::{
    AnyJournal, AppendRequest, DatabaseUrl, Journal, NewEvent, PAGE, Snapshot, SqliteJournal,
};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "plenum-bench", about = "Benchmarks of Plenum (figures go to BENCHMARKS.md)")]
struct Cli {
    /// Print one JSON object per measurement on stdout; the human lines go to stderr.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Durably acknowledged events per second through the app's group commit.
    Append(AppendArgs),
    /// Start-up time of the app on a large SQLite journal, with and without a snapshot.
    Startup(StartupArgs),
    /// The write path of a ballot alone, in this process: ballots per second and CPU
    /// per ballot through the app (writer, journal, projector), without HTTP.
    Ballots(BallotsArgs),
    /// Sealing a secret ballot natively, as the server does for a browser without
    /// JavaScript, and checking one sealed on a device (`bench/seal-wasm.mjs` times
    /// the same sealing in WebAssembly, as a phone runs it).
    Seal(SealArgs),
}

#[derive(clap::Args)]
struct SealArgs {
    /// Candidates on an election ballot, one measurement each (1 = a poll's ballot too).
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 5, 35])]
    candidates: Vec<usize>,
    /// Ballots per measurement.
    #[arg(long, default_value_t = 40)]
    ballots: usize,
    /// Key holders (tellers) of the vote's key.
    #[arg(long, default_value_t = 3)]
    holders: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(clap::Args)]
struct AppendArgs {
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// Numbers of concurrent writers, one measurement each.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16, 256])]
    writers: Vec<usize>,
    /// Measured seconds per measurement.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Unmeasured seconds before each measurement.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Members of the benchmark assembly.
    #[arg(long, default_value_t = 300)]
    members: usize,
    /// Also measure plain SQLite (WAL, synchronous=FULL, one INSERT per transaction,
    /// one thread) before each round and after the last; each round's ratio is taken
    /// against the mean of the two baselines around it.
    #[arg(long)]
    baseline: bool,
    /// Rounds over all writer counts; the summary gives medians. On a noisy box
    /// several rounds say more than one.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    #[command(flatten)]
    postgres: PostgresArg,
}

/// The PostgreSQL server of `--backend postgres`.
#[derive(clap::Args)]
struct PostgresArg {
    /// The PostgreSQL server; each measurement gets a fresh schema, dropped at the end.
    #[arg(
        long,
        env = "PLENUM_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
}

#[derive(clap::Args)]
struct BallotsArgs {
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// Concurrent voters' tasks.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Members of the assembly, each voting once per poll.
    #[arg(long, default_value_t = 3000)]
    voters: usize,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Unmeasured seconds before each run.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Runs; the summary gives medians.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    #[command(flatten)]
    postgres: PostgresArg,
}

#[derive(clap::Args)]
struct StartupArgs {
    /// Events in the journal.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// The SQLite file; reused if it already holds at least `--events` events.
    /// Default: a temporary file, removed at the end.
    #[arg(long)]
    database: Option<PathBuf>,
    /// Starts per variant (min and median are reported).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    #[arg(long, default_value_t = 10)]
    assemblies: usize,
    /// Members per assembly.
    #[arg(long, default_value_t = 500)]
    members: usize,
    /// Events per transaction while building the journal.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// For the last variant, the snapshot is this many events behind the head.
    #[arg(long, default_value_t = SNAPSHOT_EVERY - 1)]
    tail: u64,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let out = Out { json: cli.json };
    match cli.bench {
        Bench::Append(args) => append(&out, &args),
        Bench::Startup(args) => startup(&out, &args),
        Bench::Ballots(args) => ballots(&out, &args),
        Bench::Seal(args) => seal(&out, &args),
    }
}

/// Milliseconds per call of `f`, over `n` calls.
fn per_call(n: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<f64> {
    let t = Instant::now();
    for i in 0..n {
        f(i)?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e3 / n.max(1) as f64)
}

fn seal(out: &Out, args: &SealArgs) -> Result<()> {
    use plenum_domain::sealed;
    let keys: Vec<String> = (0..args.holders)
        .map(|_| sealed::new_key().map(|k| k.0))
        .collect::<Result<_, String>>()
        .map_err(anyhow::Error::msg)?;
    let public = sealed::joint_key(&keys).map_err(anyhow::Error::msg)?;
    let n = args.ballots;
    let mut poll = Vec::with_capacity(n);
    let seal_poll = per_call(n, |i| {
        let choice = [Choice::Yes, Choice::No, Choice::Abstain][i % 3];
        poll.push(sealed::encrypt(&public, choice).map_err(anyhow::Error::msg)?);
        Ok(())
    })?;
    let verify_poll = per_call(n, |i| sealed::verify(&public, &poll[i]).map_err(anyhow::Error::msg))?;
    out.emit(
        format!("poll ballot, {} key holders: seal {seal_poll:.2} ms, check {verify_poll:.2} ms", args.holders),
        serde_json::json!({"bench": "seal", "kind": "poll", "holders": args.holders, "seal_ms": seal_poll, "verify_ms": verify_poll}),
    );
    for &k in &args.candidates {
        let seats = (k as u32).div_ceil(2);
        let marks: Vec<Choice> =
            (0..k).map(|i| if (i as u32) < seats { Choice::Yes } else { Choice::No }).collect();
        let mut sealed_ballots = Vec::with_capacity(n);
        let seal_ms = per_call(n, |_| {
            let b = sealed::seal_marks(&public, 1, 1, &marks, (0, seats)).map_err(anyhow::Error::msg)?;
            sealed_ballots.push(b);
            Ok(())
        })?;
        let verify_ms = per_call(n, |i| {
            let (b, slate) = &sealed_ballots[i];
            sealed::verify_slate(&public, 1, 1, b, slate, (0, seats)).map_err(anyhow::Error::msg)
        })?;
        let bytes =
            sealed_ballots.first().map_or(0, |(b, s)| b.iter().map(String::len).sum::<usize>() + s.len());
        out.emit(
            format!(
                "election ballot, {k} candidates, {seats} seats: seal {seal_ms:.2} ms, check {verify_ms:.2} ms, {bytes} hex characters"
            ),
            serde_json::json!({"bench": "seal", "kind": "election", "candidates": k, "seats": seats,
                "seal_ms": seal_ms, "verify_ms": verify_ms, "hex_chars": bytes}),
        );
    }
    Ok(())
}

/// Where measurements go.
struct Out {
    json: bool,
}

impl Out {
    fn emit(&self, human: String, value: serde_json::Value) {
        if self.json {
            eprintln!("{human}");
            println!("{value}");
        } else {
            println!("{human}");
        }
    }

    /// Progress, never part of the results.
    fn note(&self, s: impl AsRef<str>) {
        eprintln!("# {}", s.as_ref());
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs `f` on a fresh multi-thread runtime, bounded by `limit`, then shuts the
/// runtime down so that no task of the measurement (writers, projector) outlives it.
fn isolated<T, F>(limit: Duration, f: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    let rt = runtime()?;
    let r = rt.block_on(async move {
        match tokio::time::timeout(limit, f).await {
            Ok(r) => r,
            Err(_) => Err(anyhow!("gave up after {} s", limit.as_secs())),
        }
    });
    rt.shutdown_timeout(Duration::from_secs(10));
    r
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// 1234567.8 → "1,234,568".
fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x.round());
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow!("bad date {y}-{m}-{d}"))
}

fn member_id(i: usize) -> Result<MemberId> {
    Ok(MemberId::parse(format!("m-{i:04}"))?)
}

/// The commands that found an assembly (kind Other, level None) of `members` members.
fn founding(members: usize) -> Result<Vec<Command>> {
    let group = GroupId::parse("faculty")?;
    let on = date(2023, 1, 1)?;
    let drafts = (1..=members)
        .map(|i| {
            Ok(MemberDraft {
                id: member_id(i)?,
                term: 1,
                name: format!("成员{i}"),
                pinyin: format!("chengyuan {i}"),
                gender: if i % 2 == 0 { Gender::Female } else { Gender::Male },
                birth_year: Some(1960 + (i % 40) as u16),
                group: group.clone(),
                ethnicity: "汉族".into(),
                occupation: "教授".into(),
                registered_on: on,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![
        Command::FoundAssembly {
            name: "基准评议会".into(),
            name_en: "Benchmark senate".into(),
            kind: BodyKind::Other,
            level: Level::None,
            population: None,
            rules: None,
        },
        Command::BeginTerm { term: 1, starts_on: on },
        Command::FormGroup {
            group, kind: GroupKind::Sector, name: "教师".into(), name_en: "Faculty".into()
        },
        Command::RegisterMembers { members: drafts },
    ])
}

// ---------------------------------------------------------------------------------
// append
// ---------------------------------------------------------------------------------

/// A database for one measurement.
struct BenchDb {
    url: String,
    /// Keeps the SQLite file's directory until the measurement is over.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL schema to drop at the end.
    schema: Option<String>,
}

async fn pg_admin(server: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .with_context(|| format!("connecting to {}", DatabaseUrl::new(server)))?;
    tokio::spawn(connection);
    Ok(client)
}

fn create_db(backend: Backend, server: &str) -> Result<BenchDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite:{}", dir.path().join("journal.db").display());
            Ok(BenchDb { url, _dir: Some(dir), schema: None })
        }
        Backend::Postgres => {
            let schema = format!("b_{:016x}", fastrand::u64(..));
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async {
                pg_admin(server).await?.batch_execute(&format!("CREATE SCHEMA {schema}")).await?;
                anyhow::Ok(())
            })?;
            let sep = if server.contains('?') { '&' } else { '?' };
            Ok(BenchDb {
                url: format!("{server}{sep}options=-csearch_path%3D{schema}"),
                _dir: None,
                schema: Some(schema),
            })
        }
    }
}

fn drop_db(db: BenchDb, server: &str) -> Result<()> {
    if let Some(schema) = db.schema {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let c = pg_admin(server).await?;
            c.batch_execute(&format!("SET lock_timeout = '30s'; DROP SCHEMA {schema} CASCADE")).await?;
            anyhow::Ok(())
        })
        .with_context(|| format!("dropping schema {schema}"))?;
    }
    Ok(())
}

struct AppendResult {
    acks: u64,
    seconds: f64,
    errors: u64,
    events: u64,
    transactions: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    /// Acks in each second of the measured window.
    per_second: Vec<u64>,
}

impl AppendResult {
    fn rate(&self) -> f64 {
        self.acks as f64 / self.seconds
    }
}

struct TaskStats {
    latencies: Vec<u64>,
    per_second: Vec<u64>,
    min_pos: u64,
    max_pos: u64,
    errors: u64,
    first_error: Option<String>,
}

async fn run_append(url: String, writers: usize, args: &AppendArgs) -> Result<AppendResult> {
    let journal = AnyJournal::open(&DatabaseUrl::new(url)).await?;
    let (app, _) = App::start(journal).await?;
    let assembly = AssemblyId::parse("bench")?;
    for c in founding(args.members)? {
        app.execute(&assembly, "secretariat", c, None).await?;
    }
    let members: Arc<Vec<MemberId>> = Arc::new((1..=args.members).map(member_id).collect::<Result<_>>()?);
    let start = Instant::now();
    let from = start + Duration::from_secs_f64(args.warmup);
    let until = from + Duration::from_secs_f64(args.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..writers {
        let app = app.clone();
        let assembly = assembly.clone();
        let members = Arc::clone(&members);
        tasks.spawn(async move {
            let mut s = TaskStats {
                latencies: Vec::new(),
                per_second: Vec::new(),
                min_pos: u64::MAX,
                max_pos: 0,
                errors: 0,
                first_error: None,
            };
            let mut k = t;
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let member = members[k % members.len()].clone();
                let phone = format!("+86 10 {:08}", k % 100_000_000);
                k += writers;
                let command = Command::AmendMemberProfile {
                    member,
                    changes: ProfileChanges { phone: Some(phone), ..Default::default() },
                };
                let r = app.submit(&assembly, "bench", command, None).await;
                let acked = Instant::now();
                match r {
                    Ok(receipt) if acked >= from && acked <= until => {
                        s.latencies.push((acked - sent).as_micros() as u64);
                        let second = (acked - from).as_secs() as usize;
                        if s.per_second.len() <= second {
                            s.per_second.resize(second + 1, 0);
                        }
                        s.per_second[second] += 1;
                        s.min_pos = s.min_pos.min(receipt.position);
                        s.max_pos = s.max_pos.max(receipt.position);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        s.errors += 1;
                        s.first_error.get_or_insert_with(|| e.to_string());
                        if s.errors > 100 {
                            break;
                        }
                    }
                }
            }
            s
        });
    }
    let mut latencies = Vec::new();
    let mut per_second: Vec<u64> = Vec::new();
    let (mut min_pos, mut max_pos, mut errors, mut first_error) = (u64::MAX, 0, 0, None);
    while let Some(r) = tasks.join_next().await {
        let s = r?;
        latencies.extend(s.latencies);
        if per_second.len() < s.per_second.len() {
            per_second.resize(s.per_second.len(), 0);
        }
        for (total, n) in per_second.iter_mut().zip(s.per_second) {
            *total += n;
        }
        min_pos = min_pos.min(s.min_pos);
        max_pos = max_pos.max(s.max_pos);
        errors += s.errors;
        first_error = first_error.or(s.first_error);
    }
    if let Some(e) = first_error {
        eprintln!("# {errors} commands failed; the first: {e}");
    }
    latencies.sort_unstable();
    // One transaction stamps all its events with one time: count the stamps.
    let (mut events, mut stamps) = (0u64, BTreeSet::new());
    if max_pos >= min_pos {
        let mut after = min_pos - 1;
        while after < max_pos {
            let page = app.journal().read_all(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.position;
            for e in page.iter().filter(|e| e.position <= max_pos) {
                events += 1;
                stamps.insert(e.recorded_at);
            }
        }
    }
    Ok(AppendResult {
        acks: latencies.len() as u64,
        seconds: args.seconds,
        errors,
        events,
        transactions: stamps.len() as u64,
        p50_us: percentile(&latencies, 0.50),
        p99_us: percentile(&latencies, 0.99),
        max_us: latencies.last().copied().unwrap_or(0),
        per_second,
    })
}

/// Plain SQLite: WAL, synchronous=FULL, one INSERT per transaction, one thread.
/// Returns (transactions, seconds, sorted latencies in µs).
fn baseline(warmup: f64, seconds: f64) -> Result<(u64, f64, Vec<u64>)> {
    let dir = tempfile::tempdir()?;
    let c = rusqlite::Connection::open(dir.path().join("plain.db"))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    // The journal's table, so that a row costs what an event costs.
    c.execute_batch(
        "CREATE TABLE events (
            position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
            type TEXT NOT NULL, payload TEXT NOT NULL, actor TEXT NOT NULL,
            recorded_at INTEGER NOT NULL, command_id TEXT, hash BLOB NOT NULL,
            UNIQUE (stream, version))",
    )?;
    let mut insert = c.prepare(
        "INSERT INTO events (position, stream, version, type, payload, actor, recorded_at, command_id, hash)
         VALUES (?1, 'bench', ?1, 'MemberProfileAmended', ?2, 'bench', ?3, NULL, ?4)",
    )?;
    let start = Instant::now();
    let from = start + Duration::from_secs_f64(warmup);
    let until = from + Duration::from_secs_f64(seconds);
    let mut latencies = Vec::new();
    let mut n: i64 = 0;
    let hash = [7u8; 32];
    loop {
        let sent = Instant::now();
        if sent >= until {
            break;
        }
        n += 1;
        let payload = format!(
            r#"{{"member":"m-{:04}","occupation":null,"phone":"+86 10 {n:08}","biography":null}}"#,
            n % 300 + 1
        );
        c.execute_batch("BEGIN IMMEDIATE")?;
        insert.execute(rusqlite::params![n, payload, n, &hash[..]])?;
        c.execute_batch("COMMIT")?;
        let done = Instant::now();
        if done >= from && done <= until {
            latencies.push((done - sent).as_micros() as u64);
        }
    }
    latencies.sort_unstable();
    Ok((latencies.len() as u64, seconds, latencies))
}

fn append(out: &Out, args: &AppendArgs) -> Result<()> {
    if args.writers.is_empty() || args.writers.contains(&0) || args.rounds == 0 {
        bail!("--writers and --rounds need numbers above 0");
    }
    let backend = args.backend.name();
    out.note(format!(
        "append on {backend}{}: {} members, writers {:?}, {} round(s), {} s warm-up + {} s measured each",
        if args.backend == Backend::Postgres {
            format!(" ({})", DatabaseUrl::new(args.postgres.postgres_url.as_str()))
        } else {
            String::new()
        },
        args.members,
        args.writers,
        args.rounds,
        args.warmup,
        args.seconds
    ));
    let with_baseline = args.baseline && args.backend == Backend::Sqlite;
    if args.baseline && !with_baseline {
        out.note("--baseline is plain SQLite; it is measured with --backend sqlite only");
    }
    let baseline_run = |when: usize| -> Result<f64> {
        let (tx, seconds, lat) = baseline(args.warmup, args.seconds)?;
        let rate = tx as f64 / seconds;
        let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
        let label =
            if when > args.rounds { "after the last round".to_owned() } else { format!("round {when}") };
        out.emit(
            format!(
                "baseline ({label}) plain SQLite WAL synchronous=FULL, 1 INSERT/transaction, 1 thread: \
                 {} transactions/s ({tx} in {seconds} s), latency p50 {:.2} ms p99 {:.2} ms",
                thousands(rate),
                p50 as f64 / 1000.0,
                p99 as f64 / 1000.0
            ),
            json!({"bench": "append-baseline", "round": when, "backend": "sqlite-plain",
                   "transactions": tx, "seconds": seconds, "transactions_per_s": rate,
                   "p50_us": p50, "p99_us": p99}),
        );
        Ok(rate)
    };
    let mut plain = Vec::new();
    // (round, writers, events/s)
    let mut results = Vec::new();
    for round in 1..=args.rounds {
        if with_baseline {
            plain.push(baseline_run(round)?);
        }
        for &writers in &args.writers {
            let db = create_db(args.backend, &args.postgres.postgres_url)?;
            let limit = Duration::from_secs_f64(args.warmup + args.seconds + 120.0);
            let r = isolated(limit, run_append(db.url.clone(), writers, args));
            drop_db(db, &args.postgres.postgres_url)?;
            let r = r?;
            let batch = if r.transactions > 0 { r.events as f64 / r.transactions as f64 } else { 0.0 };
            out.emit(
                format!(
                    "append {backend} writers={writers} (round {round}): {} events/s ({} acks in {} s), mean \
                     batch {batch:.1} events/transaction ({} transactions), ack latency p50 {:.2} ms p99 {:.2} ms \
                     max {:.2} ms, errors {}",
                    thousands(r.rate()),
                    r.acks,
                    r.seconds,
                    r.transactions,
                    r.p50_us as f64 / 1000.0,
                    r.p99_us as f64 / 1000.0,
                    r.max_us as f64 / 1000.0,
                    r.errors
                ),
                json!({"bench": "append", "backend": backend, "round": round, "writers": writers,
                       "acks": r.acks, "seconds": r.seconds, "events_per_s": r.rate(), "events": r.events,
                       "transactions": r.transactions, "mean_batch": batch, "p50_us": r.p50_us,
                       "p99_us": r.p99_us, "max_us": r.max_us, "errors": r.errors,
                       "acks_per_second": r.per_second}),
            );
            out.note(format!(
                "acks in each second: {}",
                r.per_second.iter().map(|n| thousands(*n as f64)).collect::<Vec<_>>().join(" ")
            ));
            results.push((round, writers, r.rate()));
        }
    }
    if with_baseline {
        plain.push(baseline_run(args.rounds + 1)?);
    }
    for &writers in &args.writers {
        let rates: Vec<f64> = results.iter().filter(|r| r.1 == writers).map(|r| r.2).collect();
        let ratios: Vec<f64> = results
            .iter()
            .filter(|r| r.1 == writers && plain.len() > r.0)
            .map(|r| r.2 / ((plain[r.0 - 1] + plain[r.0]) / 2.0))
            .collect();
        let ratio_text = if ratios.is_empty() {
            String::new()
        } else {
            format!(
                "; ratio to plain SQLite median {:.2}× (per round: {})",
                median(&ratios),
                ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(", ")
            )
        };
        out.emit(
            format!(
                "summary {backend} writers={writers}: median {} events/s (min {}, max {}) over {} round(s){ratio_text}",
                thousands(median(&rates)),
                thousands(min(&rates)),
                thousands(rates.iter().copied().fold(0.0, f64::max)),
                rates.len()
            ),
            json!({"bench": "append-summary", "backend": backend, "writers": writers,
                   "median_events_per_s": median(&rates), "rates": rates,
                   "median_ratio_to_plain": if ratios.is_empty() { None } else { Some(median(&ratios)) },
                   "ratios": ratios, "plain_transactions_per_s": plain}),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// startup
// ---------------------------------------------------------------------------------

/// Appends one command's events to `requests`, checked by the domain like the app's
/// writer does, and applies them to `state`.
fn record(
    state: &mut Assembly,
    stream: &str,
    command: &Command,
    requests: &mut Vec<AppendRequest>,
) -> Result<usize> {
    let events = decide(state, command)?;
    let expected_version = state.version;
    let mut new = Vec::with_capacity(events.len());
    for e in &events {
        let (kind, payload) = e.to_payload()?;
        new.push(NewEvent { kind: kind.to_owned(), payload, actor: "bench".into(), command_id: None });
        state.apply(e);
    }
    let n = new.len();
    // Consecutive commands of one stream go into one request.
    match requests.last_mut() {
        Some(last)
            if last.stream == stream
                && last.expected_version + last.events.len() as u64 == expected_version =>
        {
            last.events.extend(new);
        }
        _ => requests.push(AppendRequest { stream: stream.to_owned(), expected_version, events: new }),
    }
    Ok(n)
}

/// Builds a journal of `args.events` events in `path`, unless it already holds as
/// many. Returns the number of events and whether it was built now.
async fn build_journal(out: &Out, path: &Path, args: &StartupArgs) -> Result<(u64, bool)> {
    let journal = SqliteJournal::open(&path.to_string_lossy())?;
    let head = journal.head().await?;
    if head >= args.events {
        return Ok((head, false));
    }
    if head > 0 {
        bail!(
            "{} holds {head} events, fewer than {}; remove it or choose another --database",
            path.display(),
            args.events
        );
    }
    let started = Instant::now();
    let mut states = Vec::new();
    let mut requests = Vec::new();
    let mut total = 0u64;
    for a in 0..args.assemblies {
        let id = AssemblyId::parse(format!("bench-{a:02}"))?;
        let mut state = Assembly::default();
        for c in founding(args.members)? {
            total += record(&mut state, id.as_str(), &c, &mut requests)? as u64;
        }
        states.push((id, state));
    }
    journal.append_batch(std::mem::take(&mut requests)).await?;
    let ids: Vec<MemberId> = (1..=args.members).map(member_id).collect::<Result<_>>()?;
    let first_day = date(2023, 1, 2)?;
    // Per assembly and member: events written so far, to alternate the kinds.
    let mut counts = vec![vec![0u64; args.members]; args.assemblies];
    let mut cursor = 0usize;
    let per_assembly = (args.batch / args.assemblies.max(1)).max(1);
    let mut last_note = Instant::now();
    while total < args.events {
        let mut in_batch = 0usize;
        for (a, (id, state)) in states.iter_mut().enumerate() {
            for _ in 0..per_assembly {
                if total + in_batch as u64 >= args.events {
                    break;
                }
                let m = (cursor + in_batch) % args.members;
                let k = counts[a][m];
                counts[a][m] += 1;
                let member = ids[m].clone();
                let command = if k % 2 == 1 {
                    // OnLeave, then Active again, one day later each time.
                    let on_leave = k % 4 == 1;
                    Command::ChangeMemberStatus {
                        member,
                        status: if on_leave { MemberStatus::OnLeave } else { MemberStatus::Active },
                        reason: if on_leave { "因公出国".into() } else { "返回履职".into() },
                        effective_on: first_day + chrono::Days::new(k / 2),
                    }
                } else {
                    Command::AmendMemberProfile {
                        member,
                        changes: ProfileChanges {
                            phone: Some(format!("+86 10 {:08}", (k * 7919 + m as u64) % 100_000_000)),
                            ..Default::default()
                        },
                    }
                };
                in_batch += record(state, id.as_str(), &command, &mut requests)?;
            }
        }
        cursor += per_assembly;
        total += in_batch as u64;
        journal.append_batch(std::mem::take(&mut requests)).await?;
        if last_note.elapsed() > Duration::from_secs(10) {
            out.note(format!("built {total} of {} events", args.events));
            last_note = Instant::now();
        }
    }
    out.note(format!("built {total} events in {:.1} s", secs(started.elapsed())));
    let t = Instant::now();
    let v = journal.verify().await?;
    if let Some(bad) = v.first_bad {
        bail!("the journal just built does not verify at event {bad}: {:?}", v.reason);
    }
    out.note(format!("hash chain of {} events verified in {:.1} s", v.events, secs(t.elapsed())));
    Ok((journal.head().await?, true))
}

/// Opens the journal and starts the app; returns the report, the wall time of open
/// and start, and the app.
async fn start_app(path: &Path) -> Result<(App, StartupReport, Duration)> {
    let t = Instant::now();
    let journal = AnyJournal::open(&DatabaseUrl::new(path.to_string_lossy())).await?;
    let (app, report) = App::start(journal).await?;
    Ok((app, report, t.elapsed()))
}

async fn invalidate_snapshot(path: &Path) -> Result<()> {
    let journal = SqliteJournal::open(&path.to_string_lossy())?;
    journal.save_snapshot(SNAPSHOT_NAME, Snapshot { position: 0, data: Vec::new() }).await?;
    Ok(())
}

/// Where the time of a start goes, measured piece by piece outside the app.
struct Breakdown {
    read_all: Duration,
    from_payload: Duration,
    apply: Duration,
    load_snapshot: Duration,
    decode_snapshot: Duration,
    clone: Duration,
    encode_snapshot: Duration,
    snapshot_bytes: usize,
    drop_projections: Duration,
}

async fn breakdown(path: &Path) -> Result<Breakdown> {
    let journal = SqliteJournal::open(&path.to_string_lossy())?;
    // Reading every page, as App::start does.
    let t = Instant::now();
    let mut pages = Vec::new();
    let mut after = 0;
    loop {
        let page = journal.read_all(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        pages.push(page);
    }
    let read_all = t.elapsed();
    let t = Instant::now();
    let mut decoded = 0usize;
    for e in pages.iter().flatten() {
        decoded += usize::from(Event::from_payload(&e.kind, &e.payload).is_ok());
    }
    let from_payload = t.elapsed();
    std::hint::black_box(decoded);
    let t = Instant::now();
    let mut p = Projections::default();
    for e in pages.iter().flatten() {
        p.apply(e)?;
    }
    let apply = t.elapsed();
    drop(pages);
    let t = Instant::now();
    let snap = journal.load_snapshot(SNAPSHOT_NAME).await?.ok_or_else(|| anyhow!("no snapshot"))?;
    let load_snapshot = t.elapsed();
    let hash = if snap.position == 0 {
        plenum_journal::GENESIS
    } else {
        journal
            .read_all(snap.position - 1, 1)
            .await?
            .first()
            .map(|e| e.hash)
            .ok_or_else(|| anyhow!("no event at the snapshot's position"))?
    };
    let t = Instant::now();
    let decoded =
        decode_snapshot(&snap.data, |_| Some(hash)).ok_or_else(|| anyhow!("snapshot does not decode"))?;
    let decode_snapshot = t.elapsed();
    let t = Instant::now();
    let copy = p.clone();
    let clone = t.elapsed();
    let t = Instant::now();
    let bytes = encode_snapshot(&copy, &hash).map_err(|e| anyhow!(e))?;
    let encode_snapshot = t.elapsed();
    let t = Instant::now();
    drop(copy);
    drop(decoded);
    let drop_projections = t.elapsed() / 2;
    Ok(Breakdown {
        read_all,
        from_payload,
        apply,
        load_snapshot,
        decode_snapshot,
        clone,
        encode_snapshot,
        snapshot_bytes: bytes.len(),
        drop_projections,
    })
}

/// Starts the app `repeat` times on a journal with a valid snapshot; returns the
/// reported milliseconds.
fn starts_from_snapshot(out: &Out, path: &Path, repeat: usize, label: &str) -> Result<Vec<f64>> {
    let mut millis = Vec::new();
    for i in 1..=repeat {
        let (report, wall) = isolated(Duration::from_secs(600), async {
            let (_app, report, wall) = start_app(path).await?;
            if report.snapshot_position.is_none() {
                bail!("the start did not use the snapshot");
            }
            Ok((report, wall))
        })?;
        out.emit(
            format!(
                "startup with snapshot ({label}) #{i}: App::start {} ms (open + start {:.0} ms), snapshot at {}, \
                 replayed {} events",
                report.millis,
                ms(wall),
                report.snapshot_position.unwrap_or(0),
                thousands(report.replayed_events as f64)
            ),
            json!({"bench": "startup", "snapshot": label, "run": i, "millis": report.millis as u64,
                   "wall_ms": ms(wall), "replayed_events": report.replayed_events,
                   "snapshot_position": report.snapshot_position, "position": report.position}),
        );
        millis.push(report.millis as f64);
    }
    Ok(millis)
}

/// Writes a valid snapshot of the projections at `position`, as the app would
/// have written it then.
async fn snapshot_behind(path: &Path, position: u64) -> Result<u64> {
    let journal = SqliteJournal::open(&path.to_string_lossy())?;
    let mut p = Projections::default();
    let mut hash = plenum_journal::GENESIS;
    while p.position < position {
        let page = journal.read_all(p.position, PAGE.min((position - p.position) as usize)).await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            p.apply(e)?;
            hash = e.hash;
        }
    }
    let bytes = encode_snapshot(&p, &hash).map_err(|e| anyhow!(e))?;
    journal.save_snapshot(SNAPSHOT_NAME, Snapshot { position: p.position, data: bytes }).await?;
    Ok(p.position)
}

fn startup(out: &Out, args: &StartupArgs) -> Result<()> {
    if args.repeat == 0 || args.assemblies == 0 || args.members == 0 {
        bail!("--repeat, --assemblies and --members need numbers above 0");
    }
    let _tmp;
    let path = match &args.database {
        Some(p) => p.clone(),
        None => {
            let dir = tempfile::tempdir()?;
            let p = dir.path().join("startup.db");
            _tmp = dir;
            p
        }
    };
    out.note(format!("journal {}", path.display()));
    let (events, built) = isolated(Duration::from_secs(1800), build_journal(out, &path, args))?;
    let file_bytes = std::fs::metadata(&path)?.len();
    out.emit(
        format!(
            "startup journal: {} events ({} assemblies × {} members), {} ({:.0} MB)",
            thousands(events as f64),
            args.assemblies,
            args.members,
            if built { "built now" } else { "reused" },
            file_bytes as f64 / 1e6
        ),
        json!({"bench": "startup-journal", "events": events, "assemblies": args.assemblies,
               "members": args.members, "built": built, "file_bytes": file_bytes}),
    );
    let limit = Duration::from_secs(600);

    // (a) Full replay: the snapshot is made invalid before each start.
    let mut full = Vec::new();
    let mut snapshot_write = Duration::ZERO;
    for i in 1..=args.repeat {
        isolated(limit, invalidate_snapshot(&path))?;
        let last = i == args.repeat;
        let (report, wall, write) = isolated(limit, async {
            let (app, report, wall) = start_app(&path).await?;
            if report.snapshot_position.is_some() {
                bail!("the start used a snapshot, though it was made invalid");
            }
            // After the last run, time a snapshot of the projections.
            let mut write = Duration::ZERO;
            if last {
                let t = Instant::now();
                app.snapshot().await?;
                write = t.elapsed();
            }
            Ok((report, wall, write))
        })?;
        snapshot_write = write;
        out.emit(
            format!(
                "startup without snapshot #{i}: App::start {} ms (open + start {:.0} ms), replayed {} events \
                 (App::start includes writing a snapshot, as it replayed >= SNAPSHOT_EVERY)",
                report.millis,
                ms(wall),
                thousands(report.replayed_events as f64)
            ),
            json!({"bench": "startup", "snapshot": false, "run": i, "millis": report.millis as u64,
                   "wall_ms": ms(wall), "replayed_events": report.replayed_events,
                   "position": report.position}),
        );
        full.push(report.millis as f64);
    }
    let snapshot_bytes = isolated(limit, async {
        let journal = SqliteJournal::open(&path.to_string_lossy())?;
        let snap = journal.load_snapshot(SNAPSHOT_NAME).await?.ok_or_else(|| anyhow!("no snapshot"))?;
        anyhow::Ok(snap.data.len())
    })?;
    out.emit(
        format!(
            "snapshot: app.snapshot() took {:.0} ms, {} bytes ({:.1} MB)",
            ms(snapshot_write),
            thousands(snapshot_bytes as f64),
            snapshot_bytes as f64 / 1e6
        ),
        json!({"bench": "startup-snapshot", "write_ms": ms(snapshot_write), "bytes": snapshot_bytes}),
    );

    // (b) From the snapshot just taken, at the head.
    let snap = starts_from_snapshot(out, &path, args.repeat, "at head")?;
    // (c) From a snapshot `--tail` events behind the head: the most the app's own
    // snapshot policy leaves to replay is SNAPSHOT_EVERY - 1.
    let tail = args.tail.min(events);
    let at = isolated(limit, snapshot_behind(&path, events - tail))?;
    out.note(format!("snapshot written at position {at}, {tail} events behind the head"));
    let behind = starts_from_snapshot(out, &path, args.repeat, "behind")?;
    let target_met = median(&snap) < 2000.0 && median(&behind) < 2000.0;
    out.emit(
        format!(
            "startup summary at {} events: without snapshot min {:.0} ms median {:.0} ms; with snapshot at head \
             min {:.0} ms median {:.0} ms; with snapshot {} events behind min {:.0} ms median {:.0} ms \
             (target < 2000 ms with a snapshot: {})",
            thousands(events as f64),
            min(&full),
            median(&full),
            min(&snap),
            median(&snap),
            thousands(tail as f64),
            min(&behind),
            median(&behind),
            if target_met { "met" } else { "missed" }
        ),
        json!({"bench": "startup-summary", "events": events, "full_min_ms": min(&full),
               "full_median_ms": median(&full), "snapshot_min_ms": min(&snap),
               "snapshot_median_ms": median(&snap), "tail": tail, "behind_min_ms": min(&behind),
               "behind_median_ms": median(&behind), "snapshot_write_ms": ms(snapshot_write),
               "snapshot_bytes": snapshot_bytes, "target_ms": 2000, "target_met": target_met}),
    );

    // Where the time goes.
    let b = isolated(limit, breakdown(&path))?;
    out.emit(
        format!(
            "breakdown: read_all of every page {:.0} ms; Event::from_payload of every event {:.0} ms; \
             Projections::apply of every event (decoding included) {:.0} ms; load_snapshot {:.0} ms; \
             decode_snapshot {:.0} ms; clone projections {:.0} ms; encode_snapshot {:.0} ms ({} bytes); \
             drop projections {:.0} ms",
            ms(b.read_all),
            ms(b.from_payload),
            ms(b.apply),
            ms(b.load_snapshot),
            ms(b.decode_snapshot),
            ms(b.clone),
            ms(b.encode_snapshot),
            thousands(b.snapshot_bytes as f64),
            ms(b.drop_projections)
        ),
        json!({"bench": "startup-breakdown", "read_all_ms": ms(b.read_all),
               "from_payload_ms": ms(b.from_payload), "apply_ms": ms(b.apply),
               "load_snapshot_ms": ms(b.load_snapshot), "decode_snapshot_ms": ms(b.decode_snapshot),
               "clone_ms": ms(b.clone), "encode_snapshot_ms": ms(b.encode_snapshot),
               "snapshot_bytes": b.snapshot_bytes, "drop_projections_ms": ms(b.drop_projections)}),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------
// ballots
// ---------------------------------------------------------------------------------

struct BallotsResult {
    ballots: u64,
    seconds: f64,
    cpu_secs: f64,
    commits: u64,
    committed: u64,
    polls: usize,
}

/// The peak HTTP benchmark's assembly (`voters` members, all checked in at the
/// plenary); then `concurrency` tasks cast their named ballots through `App::vote`
/// (which answers once the ballot is durable and projected), each with its own
/// idempotency key, and a new poll is opened on the same item whenever every member
/// has voted. At the end, the acknowledged ballots are checked against the polls'. The CPU
/// measured is this whole process's: the voters' tasks cost little next to the write
/// path, and they are the same for every binary compared.
async fn run_ballots(url: String, args: &BallotsArgs) -> Result<BallotsResult> {
    let journal = AnyJournal::open(&DatabaseUrl::new(url)).await?;
    let (app, _) = App::start(journal).await?;
    let assembly = AssemblyId::parse("nat-bench")?;
    let meeting = plenum_domain::MeetingId::parse("plenary-1")?;
    for (i, c) in plenum_bench::national(args.voters, 35, meeting.as_str())?.into_iter().enumerate() {
        app.execute(&assembly, "bench", c, Some(format!("setup-{i}"))).await?;
    }
    let voters: Vec<MemberId> =
        (1..=args.voters).map(|i| MemberId::parse(format!("n-{i:04}"))).collect::<Result<_, _>>()?;
    let check_in = Command::CheckInMany { meeting: meeting.clone(), members: voters.clone() };
    app.execute(&assembly, "bench", check_in, None).await?;
    let request = PollRequest {
        meeting,
        subject: plenum_domain::PollSubject::Item(1),
        title: "基准表决".into(),
        title_en: "Benchmark vote".into(),
        rule: plenum_domain::ResolutionRule::preset("roberts-rules")
            .ok_or_else(|| anyhow::anyhow!("no roberts-rules preset"))?,
        mode: plenum_domain::VoteMode::Named,
        disclosure: plenum_domain::Disclosure::Counts,
        duration: None,
        custody: Default::default(),
    };
    let (first, _) = app.open_poll(&assembly, "bench", request.clone()).await?;
    let voters: Arc<Vec<(MemberId, String)>> =
        Arc::new(voters.into_iter().map(|m| (m.clone(), format!("account:{m}"))).collect());
    let rotation = Arc::new(plenum_bench::Rotation::new(first, voters.len()));
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let start = Instant::now();
    let from = start + Duration::from_secs_f64(args.warmup);
    let until = from + Duration::from_secs_f64(args.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        let (app, assembly, voters, rotation, polls, request) = (
            app.clone(),
            assembly.clone(),
            Arc::clone(&voters),
            Arc::clone(&rotation),
            Arc::clone(&polls),
            request.clone(),
        );
        tasks.spawn(async move {
            // Acknowledged in the measured window, and in all.
            let (mut counted, mut acked) = (0u64, 0u64);
            while Instant::now() < until {
                let notified = rotation.turn.notified();
                let Some((poll, i)) = rotation.claim()? else {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(until.into()) => {}
                    }
                    continue;
                };
                let (member, actor) = &voters[i];
                let choice = [Choice::Yes, Choice::Yes, Choice::No, Choice::Abstain][i % 4];
                let key = format!("{actor}|bench-{poll}-{i}");
                let receipt = app.vote(&assembly, actor, poll, member.clone(), choice, Some(key)).await?;
                if receipt.replayed {
                    anyhow::bail!("a first ballot was answered as a replay");
                }
                let done = Instant::now();
                acked += 1;
                if done >= from && done <= until {
                    counted += 1;
                }
                if rotation.answered(poll)? {
                    app.close_poll(&assembly, "bench", poll).await?;
                    let (next, _) = app.open_poll(&assembly, "bench", request.clone()).await?;
                    polls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    rotation.start(next)?;
                }
            }
            anyhow::Ok((counted, acked))
        });
    }
    tokio::time::sleep_until(from.into()).await;
    let cpu_from = plenum_bench::cpu_secs(std::process::id());
    let metrics = app.write_metrics();
    let commits_from = metrics.commits.read().count;
    let committed_from = metrics.committed.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep_until(until.into()).await;
    let cpu = plenum_bench::cpu_secs(std::process::id()) - cpu_from;
    let commits = metrics.commits.read().count;
    let committed = metrics.committed.load(std::sync::atomic::Ordering::Relaxed);
    let (mut ballots, mut acked) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (counted, all) = r??;
        ballots += counted;
        acked += all;
    }
    // Every acknowledged ballot is in the polls, once.
    let recorded = app
        .read(&assembly, |a| a.polls.range(first..).map(|(_, p)| p.ballots.len() as u64).sum::<u64>())
        .unwrap_or(0);
    if recorded != acked {
        anyhow::bail!("{acked} ballots acknowledged, but {recorded} recorded in the polls");
    }
    Ok(BallotsResult {
        ballots,
        seconds: args.seconds,
        cpu_secs: cpu,
        commits: commits - commits_from,
        committed: committed - committed_from,
        polls: polls.load(std::sync::atomic::Ordering::Relaxed),
    })
}

fn ballots(out: &Out, args: &BallotsArgs) -> Result<()> {
    let backend = args.backend.name();
    let (mut rates, mut cpus) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds {
        let db = create_db(args.backend, &args.postgres.postgres_url)?;
        let url = db.url.clone();
        let r = isolated(Duration::from_secs_f64(args.warmup + args.seconds + 300.0), run_ballots(url, args));
        drop_db(db, &args.postgres.postgres_url)?;
        let r = r?;
        let rate = r.ballots as f64 / r.seconds;
        let cpu_us = r.cpu_secs * 1e6 / r.ballots.max(1) as f64;
        let per_commit = r.committed as f64 / r.commits.max(1) as f64;
        out.emit(
            format!(
                "ballots [{backend}] round {round}: {} ballots/s with {} voters' tasks, {cpu_us:.1} us of CPU per ballot ({:.2} cores), {per_commit:.1} commands per commit, {} polls",
                thousands(rate),
                args.concurrency,
                r.cpu_secs / r.seconds,
                r.polls
            ),
            json!({"bench": "ballots", "backend": backend, "round": round, "concurrency": args.concurrency,
                   "ballots_per_s": rate, "cpu_us_per_ballot": cpu_us, "cores": r.cpu_secs / r.seconds,
                   "commands_per_commit": per_commit, "polls": r.polls}),
        );
        rates.push(rate);
        cpus.push(cpu_us);
    }
    out.emit(
        format!(
            "ballots [{backend}]: median {} ballots/s, {:.1} us of CPU per ballot (min {:.1}) over {} rounds",
            thousands(median(&rates)),
            median(&cpus),
            min(&cpus),
            args.rounds
        ),
        json!({"bench": "ballots", "backend": backend, "summary": true, "ballots_per_s": median(&rates),
               "cpu_us_per_ballot": median(&cpus), "cpu_us_per_ballot_min": min(&cpus)}),
    );
    Ok(())
}
