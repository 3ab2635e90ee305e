//! HTTP benchmarks of Plenum: the release server runs as a child process, the load
//! comes from this process over loopback (127.0.0.1 only). Figures go to
//! bench/RESULTS-http.md.
//!
//! * `pages`: requests/s and latency of public pages, the API and a logged-in
//!   dashboard against the demo, at N concurrent keep-alive clients.
//! * `sse`: N concurrent live streams on one assembly; the time until all of them
//!   have an event the secretariat triggers; the server's memory with N clients.
//! * `vote-storm`: a 3000-member assembly set up through the API; every voter casts
//!   one ballot, arrivals spread evenly over the run; latency, errors, the close on
//!   the live stream, and durability across a SIGKILL and restart.
//! * `peak`: the machine's HTTP ceiling (a trivial axum handler in another process)
//!   against durable ballots per second with the same number of clients.
//! * `pg-commit-probe` (hidden): the PostgreSQL journal's append transaction on a
//!   scratch table, as issued and with the stream versions read by the index.
//!
//! Every loop is bounded in count and time. Build and run in release mode:
//! `cargo build --release -p plenum -p plenum-bench`, then
//! `plenum-http-bench pages` etc. (see RESULTS-http.md for the exact commands).

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use clap::{Parser, Subcommand, ValueEnum};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::header;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use plenum_bench::{Rotation, cpu_secs};
use plenum_domain::{Command, MemberId, ProfileChanges};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{sleep, sleep_until, timeout};

#[derive(Parser)]
#[command(
    name = "plenum-http-bench",
    about = "HTTP benchmarks of Plenum (figures go to bench/RESULTS-http.md)"
)]
struct Cli {
    /// The `plenum` server binary. Default: `plenum` beside this binary.
    #[arg(long, global = true, env = "PLENUM_BIN")]
    plenum: Option<PathBuf>,
    /// PostgreSQL server for `--backend postgres`; each run gets a fresh schema.
    #[arg(
        long,
        global = true,
        env = "PLENUM_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres: String,
    /// Print one JSON object per measurement on stdout; the human lines go to stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Record a CPU profile of the server with `perf record -g` during each measured
    /// phase, to PATH.<phase> (perf adds load: use for profiling runs only).
    #[arg(long, global = true)]
    perf_out: Option<PathBuf>,
    /// Trace the server's fsync/fdatasync calls with `perf trace` during the storm
    /// and peak phases, and summarise their durations.
    #[arg(long, global = true)]
    trace_syncs: bool,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Pages and API reads against the demo at N concurrent clients.
    Pages(PagesArgs),
    /// N concurrent live streams; time until all of them have one new event.
    Sse(SseArgs),
    /// Every voter of a large assembly casts one ballot, arrivals spread evenly.
    VoteStorm(StormArgs),
    /// The machine's HTTP ceiling against durable ballots per second.
    Peak(PeakArgs),
    /// A trivial axum server (GET / -> "ok") for the ceiling; prints its address.
    #[command(hide = true)]
    TrivialServer {
        /// Exit by itself after this many seconds.
        #[arg(long, default_value_t = 900)]
        max_seconds: u64,
    },
    /// The PostgreSQL journal's append transaction replayed on a scratch table:
    /// the cost of one group commit, as the journal issues it and with prepared
    /// statements.
    #[command(hide = true)]
    PgCommitProbe {
        /// Events per transaction.
        #[arg(long, default_value_t = 120)]
        rows: usize,
        #[arg(long, default_value_t = 200)]
        transactions: usize,
        /// Events already in the journal when each variant starts.
        #[arg(long, default_value_t = 100_000)]
        prefill: i64,
    },
}

#[derive(clap::Args)]
struct PagesArgs {
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Measured seconds per page.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Unmeasured seconds before each page.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Open loop: this many requests per second in all, spread over the clients,
    /// latency counted from each request's scheduled time. Default: closed loop
    /// (each client sends its next request as soon as it has the answer).
    #[arg(long)]
    rate: Option<f64>,
    /// Only the pages whose name or path contains one of these.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

#[derive(clap::Args)]
struct SseArgs {
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Events triggered, one after the other, each measured on its own.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 256)]
    connect_concurrency: usize,
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
struct StormArgs {
    #[arg(long, default_value_t = 3000)]
    voters: usize,
    /// The ballots arrive evenly spread over this many seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// The poll's rule: cn-people-congress, roberts-rules or roberts-rules-two-thirds.
    #[arg(long, default_value = "roberts-rules")]
    rule: String,
    /// Delegations the members are spread over.
    #[arg(long, default_value_t = 35)]
    groups: usize,
    /// The poll's voting mode: `named`; `secret` (each ballot encrypted by the
    /// server and checked by the rules in the writer; the key held by the server); or
    /// `sealed` (a secret poll whose ballots the voters' devices sealed: the load
    /// generator seals them all with the poll's public key before the storm, and the
    /// server only checks them).
    #[arg(long, default_value = "named")]
    mode: String,
}

#[derive(clap::Args)]
struct PeakArgs {
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Measured seconds of each part.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Unmeasured seconds before each part.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    #[arg(long, default_value_t = 3000)]
    voters: usize,
    #[arg(long, default_value_t = 35)]
    groups: usize,
    /// Also load the trivial server through reqwest, to compare the clients.
    #[arg(long)]
    reqwest: bool,
    /// Skip `wrk` even if it is installed.
    #[arg(long)]
    no_wrk: bool,
}

/// The same allocator as the `plenum` server, so that the trivial server, the
/// ceiling, is built like the server it is compared with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Bench::TrivialServer { max_seconds } = cli.bench {
        return trivial_server(max_seconds);
    }
    let nofile = raise_nofile();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let ctx = Ctx::new(&cli, nofile)?;
        match &cli.bench {
            Bench::Pages(a) => pages(&ctx, a).await,
            Bench::Sse(a) => sse(&ctx, a).await,
            Bench::VoteStorm(a) => vote_storm(&ctx, a).await,
            Bench::Peak(a) => peak(&ctx, a).await,
            Bench::PgCommitProbe { rows, transactions, prefill } => {
                pg_commit_probe(&ctx, *rows, *transactions, *prefill).await
            }
            Bench::TrivialServer { .. } => Ok(()),
        }
    })
}

/// Raises the open-files limit as far as allowed (children inherit it). Returns
/// the soft limit in force.
fn raise_nofile() -> u64 {
    use rlimit::Resource;
    let want = 65_536;
    if rlimit::setrlimit(Resource::NOFILE, want, want).is_err() {
        let _ = rlimit::increase_nofile_limit(want);
    }
    rlimit::getrlimit(Resource::NOFILE).map_or(0, |(soft, _)| soft)
}

/// What every benchmark needs.
struct Ctx {
    plenum: PathBuf,
    postgres: String,
    json: bool,
    perf_out: Option<PathBuf>,
    trace_syncs: bool,
}

impl Ctx {
    fn new(cli: &Cli, nofile: u64) -> Result<Self> {
        let plenum = match &cli.plenum {
            Some(p) => p.clone(),
            None => std::env::current_exe()?
                .parent()
                .ok_or_else(|| anyhow!("this binary has no directory"))?
                .join("plenum"),
        };
        if !plenum.exists() {
            bail!("no plenum binary at {} (build it: cargo build --release -p plenum)", plenum.display());
        }
        let ctx = Ctx {
            plenum,
            postgres: cli.postgres.clone(),
            json: cli.json,
            perf_out: cli.perf_out.clone(),
            trace_syncs: cli.trace_syncs,
        };
        ctx.say(
            format!("open files limit {nofile}; load average {}; server {}", loadavg(), ctx.plenum.display()),
            json!({"bench": "env", "nofile": nofile, "loadavg": loadavg()}),
        );
        Ok(ctx)
    }

    /// One human line (stdout, or stderr with --json) and its JSON object.
    fn say(&self, human: String, v: Value) {
        if self.json {
            eprintln!("{human}");
            println!("{v}");
        } else {
            println!("{human}");
        }
    }

    /// Starts `perf record` on `pid` for `secs` if profiling was asked for.
    fn perf(&self, phase: &str, pid: u32, secs: f64) -> Result<Option<Child>> {
        let Some(out) = &self.perf_out else { return Ok(None) };
        let file = format!("{}.{phase}", out.display());
        let child = std::process::Command::new("perf")
            .args([
                "record",
                "-F",
                &perf_hz(),
                "--call-graph",
                "dwarf,16384",
                "-p",
                &pid.to_string(),
                "-o",
                &file,
            ])
            .args(["--", "sleep"])
            .arg(format!("{secs:.1}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting perf")?;
        eprintln!("perf: recording the server ({pid}) to {file}");
        Ok(Some(child))
    }
}

/// `perf trace` of a process's fsync and fdatasync calls for `secs`.
struct SyncTrace {
    child: Child,
    file: PathBuf,
}

impl Ctx {
    fn trace_syncs(&self, pid: u32, secs: f64, dir: &Path) -> Result<Option<SyncTrace>> {
        if !self.trace_syncs {
            return Ok(None);
        }
        let file = dir.join(format!("syncs-{pid}.txt"));
        let child = std::process::Command::new("perf")
            .args(["trace", "-e", "fsync,fdatasync", "-p", &pid.to_string(), "-o"])
            .arg(&file)
            .args(["--", "sleep", &format!("{secs:.1}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting perf trace")?;
        Ok(Some(SyncTrace { child, file }))
    }
}

impl SyncTrace {
    /// Waits for the trace; (calls, p50 ms, p99 ms, max ms, ms spent in them).
    fn finish(mut self) -> Result<(usize, f64, f64, f64, f64)> {
        self.child.wait()?;
        let text = std::fs::read_to_string(&self.file)?;
        let mut d: Vec<f64> = text
            .lines()
            .filter_map(|l| l.split_once('(')?.1.split_once(" ms)")?.0.trim().parse().ok())
            .collect();
        d.sort_by(f64::total_cmp);
        let q = |x: f64| d.get(((d.len() as f64 - 1.0) * x).round() as usize).copied().unwrap_or(0.0);
        Ok((d.len(), q(0.5), q(0.99), d.last().copied().unwrap_or(0.0), d.iter().sum()))
    }
}

fn report_syncs(ctx: &Ctx, phase: &str, trace: Option<SyncTrace>, ballots: usize) -> Result<()> {
    let Some(t) = trace else { return Ok(()) };
    let (n, p50, p99, max, total) = t.finish()?;
    ctx.say(
        format!(
            "{phase}: the server called fsync/fdatasync {n} times (p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms, {total:.0} ms in all); {:.1} ballots per sync",
            ballots as f64 / n.max(1) as f64
        ),
        json!({"bench": "syncs", "phase": phase, "calls": n, "p50_ms": p50, "p99_ms": p99, "max_ms": max,
               "total_ms": total, "ballots": ballots}),
    );
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn wait_perf(p: Option<Child>) {
    if let Some(mut p) = p {
        let _ = p.wait();
    }
}

/// A field of /proc/PID/status in kB (VmRSS, VmHWM).
fn proc_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds used by all processes named `postgres` (the database server's).
fn postgres_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(cpu_secs)
        .sum()
}

/// CPU used by the server and by this process over a phase.
struct CpuMeter {
    server: u32,
    at: Instant,
    server_cpu: f64,
    own_cpu: f64,
    pg_cpu: f64,
}

impl CpuMeter {
    fn start(server: u32) -> Self {
        CpuMeter {
            server,
            at: Instant::now(),
            server_cpu: cpu_secs(server),
            own_cpu: cpu_secs(std::process::id()),
            pg_cpu: postgres_cpu(),
        }
    }
    /// PostgreSQL's cores busy on average (any client's work, ours included).
    fn postgres(&self) -> f64 {
        (postgres_cpu() - self.pg_cpu) / self.at.elapsed().as_secs_f64().max(1e-9)
    }
    /// (server cores busy, client cores busy) on average.
    fn stop(&self) -> (f64, f64) {
        let wall = self.at.elapsed().as_secs_f64().max(1e-9);
        (
            (cpu_secs(self.server) - self.server_cpu) / wall,
            (cpu_secs(std::process::id()) - self.own_cpu) / wall,
        )
    }
}

/// Where the server's threads spent a phase, by thread name, from the kernel's own
/// accounting in /proc/PID/task/TID/schedstat (time on a CPU, time runnable but waiting
/// for one, and times switched in), and how idle the whole machine was (/proc/stat).
/// A scheduler trace would tell more, but on some VMs it misses switches
/// (BENCHMARKS.md, tenth round); these counters do not depend on tracing.
struct SchedMeter {
    server: u32,
    at: Instant,
    threads: HashMap<u32, (String, [u64; 3])>,
    machine: Option<(u64, u64)>,
}

/// One thread name's share of a phase.
struct ThreadSched {
    name: String,
    threads: usize,
    /// Milliseconds per second of the phase: on a CPU, and runnable but waiting.
    run_ms_per_s: f64,
    wait_ms_per_s: f64,
    switches_per_s: f64,
}

fn thread_schedstats(pid: u32) -> HashMap<u32, (String, [u64; 3])> {
    let mut out = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse::<u32>().ok()) else { continue };
        let dir = task.path();
        let (Ok(name), Ok(stat)) =
            (std::fs::read_to_string(dir.join("comm")), std::fs::read_to_string(dir.join("schedstat")))
        else {
            continue;
        };
        let v: Vec<u64> = stat.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        if let [run, wait, switches] = v[..] {
            out.insert(tid, (name.trim().to_owned(), [run, wait, switches]));
        }
    }
    out
}

/// (idle + I/O wait, all) jiffies of the whole machine.
fn machine_idle() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let idle = cpu.get(3)? + cpu.get(4)?;
    Some((idle, cpu.iter().take(8).sum()))
}

impl SchedMeter {
    fn start(server: u32) -> Self {
        SchedMeter { server, at: Instant::now(), threads: thread_schedstats(server), machine: machine_idle() }
    }

    /// Per thread name, busiest first; and the machine's idle share (idle and I/O wait).
    fn stop(&self) -> (Vec<ThreadSched>, Option<f64>) {
        let wall = self.at.elapsed().as_secs_f64().max(1e-9);
        let mut by_name: HashMap<String, (usize, [u64; 3])> = HashMap::new();
        for (tid, (name, now)) in thread_schedstats(self.server) {
            // A thread started during the phase counts from zero.
            let before = self.threads.get(&tid).map_or([0; 3], |(_, b)| *b);
            let e = by_name.entry(name).or_default();
            // Threads that ran in the phase: tokio's blocking pool shares the workers'
            // name, and its idle threads would swell the count.
            if now[0] > before[0] {
                e.0 += 1;
            }
            for i in 0..3 {
                e.1[i] += now[i].saturating_sub(before[i]);
            }
        }
        let mut out: Vec<ThreadSched> = by_name
            .into_iter()
            .map(|(name, (threads, [run, wait, switches]))| ThreadSched {
                name,
                threads,
                run_ms_per_s: run as f64 / 1e6 / wall,
                wait_ms_per_s: wait as f64 / 1e6 / wall,
                switches_per_s: switches as f64 / wall,
            })
            .filter(|t| t.run_ms_per_s >= 1.0)
            .collect();
        out.sort_by(|a, b| b.run_ms_per_s.total_cmp(&a.run_ms_per_s));
        let idle = match (self.machine, machine_idle()) {
            (Some((i0, t0)), Some((i1, t1))) if t1 > t0 => Some((i1 - i0) as f64 / (t1 - t0) as f64),
            _ => None,
        };
        (out, idle)
    }
}

// ---------------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------------

/// A journal database for one run: a SQLite file in a temporary directory, or a
/// fresh PostgreSQL schema (dropped at the end).
struct Db {
    url: String,
    dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl Db {
    async fn new(backend: Backend, postgres: &str) -> Result<Db> {
        let dir = tempfile::tempdir()?;
        match backend {
            Backend::Sqlite => {
                Ok(Db { url: format!("sqlite:{}", dir.path().join("x.db").display()), dir, schema: None })
            }
            Backend::Postgres => {
                let schema = format!("httpbench_{:016x}", fastrand::u64(..));
                pg(postgres).await?.batch_execute(&format!("CREATE SCHEMA {schema}")).await?;
                let sep = if postgres.contains('?') { '&' } else { '?' };
                Ok(Db {
                    url: format!("{postgres}{sep}options=-csearch_path%3D{schema}"),
                    dir,
                    schema: Some((postgres.to_owned(), schema)),
                })
            }
        }
    }

    async fn drop_schema(&self) -> Result<()> {
        if let Some((server, schema)) = &self.schema {
            pg(server).await?.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await?;
        }
        Ok(())
    }
}

async fn pg(server: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) =
        tokio_postgres::connect(server, tokio_postgres::NoTls).await.with_context(|| {
            format!("connecting to PostgreSQL at {}", server.split('@').next_back().unwrap_or(""))
        })?;
    tokio::spawn(connection);
    Ok(client)
}

/// A child process serving HTTP on 127.0.0.1; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts `program args` and reads the address from the first line it prints
    /// (`... http://127.0.0.1:PORT/`).
    async fn start(program: &Path, args: &[&str], db: Option<&Db>) -> Result<Server> {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).env("PLENUM_LOG", "warn");
        cmd.env_remove("PLENUM_CONFIG");
        match db {
            Some(db) => {
                let log = std::fs::File::create(db.dir.path().join("server.log"))?;
                cmd.current_dir(db.dir.path()).env("PLENUM_DATABASE", &db.url).stderr(log);
            }
            None => {
                cmd.stderr(Stdio::null());
            }
        }
        let mut child = cmd.spawn().with_context(|| format!("starting {}", program.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            // Keep draining, so that the child never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(300))).await?;
        let mut server = Server { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)) };
        let line = match line {
            Ok(Ok(l)) if !l.is_empty() => l,
            _ => bail!("{} printed no address (see its log)", program.display()),
        };
        let url = line.trim().rsplit(' ').next().unwrap_or("");
        let host = url.trim_start_matches("http://").trim_end_matches('/');
        server.addr = host.parse().with_context(|| format!("no address in {line:?}"))?;
        if !server.addr.ip().is_loopback() {
            bail!("the server listens on {} and not on loopback", server.addr);
        }
        for _ in 0..200 {
            if let Ok(mut c) = Conn::open(server.addr).await {
                if let Ok((StatusCode::OK, _)) = c.call(get("/healthz", &[])?).await {
                    return Ok(server);
                }
                if let Ok((StatusCode::OK, _)) = c.call(get("/", &[])?).await {
                    return Ok(server);
                }
            }
            sleep(Duration::from_millis(50)).await;
        }
        bail!("the server at {} did not come up", server.addr)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, as a crash would.
    fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn demo_server(ctx: &Ctx, db: &Db) -> Result<Server> {
    let started = Instant::now();
    let s = Server::start(&ctx.plenum, &["demo", "--listen", "127.0.0.1:0"], Some(db)).await?;
    eprintln!("demo server up at {} (pid {}) after {:.1}s", s.addr, s.pid(), started.elapsed().as_secs_f64());
    Ok(s)
}

// ---------------------------------------------------------------------------------
// A lean HTTP/1 client: one keep-alive connection per client, no pool.
// ---------------------------------------------------------------------------------

type Body = Full<Bytes>;

struct Conn {
    tx: http1::SendRequest<Body>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (tx, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { tx })
    }

    fn usable(&self) -> bool {
        !self.tx.is_closed()
    }

    async fn send(&mut self, req: Request<Body>) -> Result<hyper::Response<hyper::body::Incoming>> {
        self.tx.ready().await?;
        Ok(self.tx.send_request(req).await?)
    }

    /// Sends a request and reads the whole answer.
    async fn call(&mut self, req: Request<Body>) -> Result<(StatusCode, Bytes)> {
        let res = self.send(req).await?;
        let status = res.status();
        let body = res.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

fn request(method: Method, path: &str, headers: &[(&str, &str)], body: Bytes) -> Result<Request<Body>> {
    let mut b = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    Ok(b.body(Full::new(body))?)
}

fn get(path: &str, headers: &[(&str, &str)]) -> Result<Request<Body>> {
    request(Method::GET, path, headers, Bytes::new())
}

fn post_json(path: &str, token: Option<&str>, body: &Value) -> Result<Request<Body>> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    request(Method::POST, path, &headers, Bytes::from(serde_json::to_vec(body)?))
}

/// A client for the setup steps: JSON in and out, reconnecting when needed.
struct Api {
    addr: SocketAddr,
    conn: Option<Conn>,
    token: Option<String>,
}

impl Api {
    fn new(addr: SocketAddr) -> Api {
        Api { addr, conn: None, token: None }
    }

    async fn conn(&mut self) -> Result<&mut Conn> {
        if !self.conn.as_ref().is_some_and(Conn::usable) {
            self.conn = Some(Conn::open(self.addr).await?);
        }
        self.conn.as_mut().ok_or_else(|| anyhow!("no connection"))
    }

    async fn send(&mut self, req: Request<Body>, what: &str) -> Result<Value> {
        let (status, body) = self.conn().await?.call(req).await.with_context(|| what.to_owned())?;
        if !status.is_success() {
            bail!("{what}: {status}: {}", String::from_utf8_lossy(&body));
        }
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body).with_context(|| format!("{what}: the answer is not JSON"))
    }

    /// The server's write-path timers from `/metrics` (a staff login).
    async fn write_path(&mut self) -> Result<WritePath> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let (status, body) = self.conn().await?.call(get("/metrics", &headers)?).await?;
        if !status.is_success() {
            bail!("GET /metrics: {status}");
        }
        let text = String::from_utf8_lossy(&body);
        let value = |name: &str| -> Result<f64> {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .ok_or_else(|| anyhow!("no {name} in /metrics"))
        };
        let timer = |name: &str| -> Result<(f64, f64)> {
            Ok((value(&format!("{name}_count"))?, value(&format!("{name}_sum"))?))
        };
        Ok(WritePath {
            committed: value("plenum_commands_committed_total")?,
            queued: timer("plenum_command_queue_seconds")?,
            commits: timer("plenum_commit_seconds")?,
            projection: timer("plenum_projection_seconds")?,
            commit_buckets: buckets(&text, "plenum_commit_seconds")?,
        })
    }

    async fn post(&mut self, path: &str, body: &Value) -> Result<Value> {
        let req = post_json(path, self.token.as_deref(), body)?;
        self.send(req, &format!("POST {path}")).await
    }

    async fn get(&mut self, path: &str) -> Result<Value> {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let req = get(path, &headers)?;
        self.send(req, &format!("GET {path}")).await
    }

    async fn login(&mut self, username: &str, password: &str) -> Result<String> {
        let v = self.post("/api/v1/tokens", &json!({"username": username, "password": password})).await?;
        let t = v["token"].as_str().ok_or_else(|| anyhow!("no token for {username}: {v}"))?.to_owned();
        self.token = Some(t.clone());
        Ok(t)
    }

    /// Submits a domain command to an assembly as the secretariat.
    async fn command(&mut self, assembly: &str, command: &Command, key: &str) -> Result<Value> {
        let body = json!({"command": serde_json::to_value(command)?, "command_id": key});
        self.post(&format!("/api/v1/assemblies/{assembly}/commands"), &body).await
    }
}

/// The server's write-path timers (`/metrics`): commands committed, and the count and
/// total seconds of each stage.
#[derive(Clone)]
struct WritePath {
    committed: f64,
    queued: (f64, f64),
    commits: (f64, f64),
    projection: (f64, f64),
    /// The commits' histogram: each bucket's upper bound in seconds (the last `+Inf`)
    /// and how many commits took at most that long.
    commit_buckets: Vec<(f64, f64)>,
}

/// A histogram's cumulative buckets in Prometheus text, by upper bound.
fn buckets(text: &str, name: &str) -> Result<Vec<(f64, f64)>> {
    let prefix = format!("{name}_bucket{{le=\"");
    let found: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|l| {
            let (le, n) = l.strip_prefix(&prefix)?.split_once("\"} ")?;
            let bound = if le == "+Inf" { f64::INFINITY } else { le.parse().ok()? };
            Some((bound, n.parse().ok()?))
        })
        .collect();
    if found.last().is_none_or(|(b, _)| b.is_finite()) {
        bail!("no buckets of {name} up to +Inf in /metrics");
    }
    Ok(found)
}

/// The commits between two readings of the histogram: how many there were, how many
/// took longer than `over` seconds, and the smallest bound that holds them all
/// (infinite when some were beyond the last finite bound; zero when there were none).
fn slow_commits(now: &[(f64, f64)], before: &[(f64, f64)], over: f64) -> (f64, f64, f64) {
    let delta: Vec<(f64, f64)> = now.iter().zip(before).map(|((b, n), (_, m))| (*b, n - m)).collect();
    let all = delta.last().map_or(0.0, |d| d.1);
    if all <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let within = delta.iter().filter(|(b, _)| *b <= over).map(|d| d.1).next_back().unwrap_or(0.0);
    let slowest = delta.iter().find(|(_, n)| *n >= all).map_or(f64::INFINITY, |d| d.0);
    (all, all - within, slowest)
}

/// "at most 50 ms", or "over 1000 ms" past the histogram's last finite bound.
fn bound_text(slowest: f64, buckets: &[(f64, f64)]) -> String {
    if slowest.is_finite() {
        format!("at most {:.1} ms", slowest * 1000.0)
    } else {
        let last = buckets.iter().map(|b| b.0).filter(|b| b.is_finite()).fold(0.0, f64::max);
        format!("over {:.0} ms", last * 1000.0)
    }
}

impl WritePath {
    /// What happened between two readings: commands per commit, and the mean time
    /// in microseconds of each stage.
    fn since(&self, before: &WritePath) -> (f64, f64, f64, f64) {
        let mean = |now: (f64, f64), was: (f64, f64)| 1e6 * (now.1 - was.1) / (now.0 - was.0).max(1.0);
        let commits = (self.commits.0 - before.commits.0).max(1.0);
        (
            (self.committed - before.committed) / commits,
            mean(self.queued, before.queued),
            mean(self.commits, before.commits),
            mean(self.projection, before.projection),
        )
    }
}

// ---------------------------------------------------------------------------------
// Latencies
// ---------------------------------------------------------------------------------

fn histogram() -> Result<Histogram<u64>> {
    // Microseconds, 1 us to 10 min, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).map_err(|e| anyhow!("histogram: {e:?}"))
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn lat_json(h: &Histogram<u64>) -> Value {
    json!({
        "count": h.len(),
        "p50_ms": ms(h, 0.5),
        "p99_ms": ms(h, 0.99),
        "p999_ms": ms(h, 0.999),
        "max_ms": h.max() as f64 / 1000.0,
        "mean_ms": h.mean() / 1000.0,
    })
}

fn lat_text(h: &Histogram<u64>) -> String {
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
        ms(h, 0.5),
        ms(h, 0.99),
        ms(h, 0.999),
        h.max() as f64 / 1000.0
    )
}

// ---------------------------------------------------------------------------------
// Load: N clients on N keep-alive connections
// ---------------------------------------------------------------------------------

/// One GET request, as sent again and again.
#[derive(Clone)]
struct Target {
    path: String,
    headers: Vec<(String, String)>,
}

impl Target {
    fn build(&self) -> Result<Request<Body>> {
        let h: Vec<(&str, &str)> = self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        get(&self.path, &h)
    }
}

struct Load {
    ok: u64,
    failed: u64,
    bytes: u64,
    secs: f64,
    hist: Histogram<u64>,
    first_error: Option<String>,
}

impl Load {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs
    }
}

/// `concurrency` clients send `target` for `warmup` + `seconds`; only the
/// measured part counts. Closed loop by default; with `rate` (requests/s in all)
/// each client keeps its own schedule and latency counts from the scheduled time.
async fn hammer(
    addr: SocketAddr,
    target: &Target,
    concurrency: usize,
    warmup: f64,
    seconds: f64,
    rate: Option<f64>,
) -> Result<Load> {
    let mut conns = Vec::with_capacity(concurrency);
    for chunk in (0..concurrency).collect::<Vec<_>>().chunks(64) {
        let opened = futures_util::future::join_all(chunk.iter().map(|_| Conn::open(addr))).await;
        for c in opened {
            conns.push(c?);
        }
    }
    let start = Instant::now() + Duration::from_millis(100);
    let from = start + Duration::from_secs_f64(warmup);
    let end = from + Duration::from_secs_f64(seconds);
    let interval = rate.map(|r| Duration::from_secs_f64(concurrency as f64 / r.max(1e-3)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut conn) in conns.into_iter().enumerate() {
        let target = target.clone();
        tasks.spawn(async move {
            let mut hist = histogram()?;
            let (mut ok, mut failed, mut bytes, mut first_error) = (0u64, 0u64, 0u64, None);
            // Spread the clients' schedules over one interval.
            let mut next =
                start + interval.map_or(Duration::ZERO, |d| d.mul_f64(i as f64 / concurrency as f64));
            sleep_until(next.into()).await;
            loop {
                let at = match interval {
                    Some(d) => {
                        let at = next;
                        next += d;
                        sleep_until(at.into()).await;
                        at
                    }
                    None => Instant::now(),
                };
                if at >= end {
                    break;
                }
                let res = conn.call(target.build()?).await;
                let done = Instant::now();
                let measured = at >= from;
                match res {
                    Ok((status, body)) if status.is_success() => {
                        if measured {
                            ok += 1;
                            bytes += body.len() as u64;
                            hist.saturating_record(us(done - at));
                        }
                    }
                    other => {
                        if measured {
                            failed += 1;
                        }
                        if first_error.is_none() {
                            first_error = Some(match other {
                                Ok((s, b)) => {
                                    format!("{s}: {}", String::from_utf8_lossy(&b[..b.len().min(200)]))
                                }
                                Err(e) => format!("{e:#}"),
                            });
                        }
                        if !conn.usable() {
                            match Conn::open(addr).await {
                                Ok(c) => conn = c,
                                Err(_) => sleep(Duration::from_millis(10)).await,
                            }
                        }
                    }
                }
            }
            anyhow::Ok((hist, ok, failed, bytes, first_error))
        });
    }
    let mut load = Load { ok: 0, failed: 0, bytes: 0, secs: seconds, hist: histogram()?, first_error: None };
    while let Some(r) = tasks.join_next().await {
        let (h, ok, failed, bytes, e) = r??;
        load.hist.add(&h).map_err(|e| anyhow!("{e:?}"))?;
        load.ok += ok;
        load.failed += failed;
        load.bytes += bytes;
        if load.first_error.is_none() {
            load.first_error = e;
        }
    }
    Ok(load)
}

// ---------------------------------------------------------------------------------
// pages
// ---------------------------------------------------------------------------------

const DEMO: &str = "taiyuan-rd-15";

/// The value of cookie `name` among a response's Set-Cookie headers.
fn set_cookie(res: &hyper::Response<hyper::body::Incoming>, name: &str) -> Option<String> {
    res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let (kv, _) = v.split_once(';').unwrap_or((v, ""));
        let (k, val) = kv.split_once('=')?;
        (k.trim() == name).then(|| val.trim().to_owned())
    })
}

/// Logs in through the login form, as a browser does; returns the Cookie header.
async fn browser_login(addr: SocketAddr, username: &str, password: &str) -> Result<String> {
    let mut c = Conn::open(addr).await?;
    let res = c.send(get("/login", &[])?).await?;
    let csrf = set_cookie(&res, "plenum_csrf").ok_or_else(|| anyhow!("GET /login set no CSRF cookie"))?;
    res.into_body().collect().await?;
    let form = format!("username={username}&password={password}&csrf={csrf}&next=%2F");
    let cookie = format!("plenum_csrf={csrf}");
    let req = request(
        Method::POST,
        "/login",
        &[("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookie)],
        Bytes::from(form),
    )?;
    let res = c.send(req).await?;
    let status = res.status();
    let session = set_cookie(&res, "plenum_session");
    res.into_body().collect().await?;
    let session = session.ok_or_else(|| anyhow!("the login as {username} failed: {status}"))?;
    Ok(format!("plenum_session={session}; plenum_csrf={csrf}"))
}

async fn pages(ctx: &Ctx, a: &PagesArgs) -> Result<()> {
    let db = Db::new(Backend::Sqlite, &ctx.postgres).await?;
    let server = demo_server(ctx, &db).await?;
    let addr = server.addr;
    let cookie = browser_login(addr, "deputy", "plenum-demo").await?;
    let public: Vec<(String, String)> = Vec::new();
    let logged_in = vec![("cookie".to_owned(), cookie)];
    let list: Vec<(&str, String, &Vec<(String, String)>)> = vec![
        ("home (public)", "/".to_owned(), &public),
        ("agenda", format!("/assemblies/{DEMO}/sessions/15-1/agenda"), &public),
        ("members (438 rows)", format!("/assemblies/{DEMO}/members"), &public),
        ("member d-0001", format!("/assemblies/{DEMO}/members/d-0001"), &public),
        ("projector", format!("/assemblies/{DEMO}/projector"), &public),
        ("api assembly", format!("/api/v1/assemblies/{DEMO}"), &public),
        ("api members", format!("/api/v1/assemblies/{DEMO}/members"), &public),
        ("dashboard (deputy, cookie)", "/".to_owned(), &logged_in),
    ];
    let mode = a.rate.map_or("closed loop".to_owned(), |r| format!("open loop at {r:.0} req/s"));
    for (i, (name, path, headers)) in list.into_iter().enumerate() {
        if !a.only.is_empty()
            && !a.only.iter().any(|o| name.contains(o.as_str()) || path.contains(o.as_str()))
        {
            continue;
        }
        let target = Target { path: path.clone(), headers: headers.clone() };
        // One look first: the page must answer 200.
        let (status, body) = Conn::open(addr).await?.call(target.build()?).await?;
        if status != StatusCode::OK {
            bail!("{path} answers {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
        }
        if name.starts_with("dashboard") && !String::from_utf8_lossy(&body).contains("logout") {
            eprintln!("warning: the dashboard does not look logged in");
        }
        let load_before = loadavg();
        let perf = ctx.perf(&format!("page{i}"), server.pid(), a.warmup + a.seconds)?;
        let cpu = CpuMeter::start(server.pid());
        let l = hammer(addr, &target, a.concurrency, a.warmup, a.seconds, a.rate).await?;
        let (server_cores, client_cores) = cpu.stop();
        wait_perf(perf);
        let p99 = ms(&l.hist, 0.99);
        let verdict = if p99 < 10.0 { "meets" } else { "MISSES" };
        ctx.say(
            format!(
                "pages {name:<28} {path:<44} {:>8.0} req/s  {}  ({} B/page, {} failed; {verdict} p99 < 10 ms; cpu server {:.2} / bench {:.2} cores)",
                l.rps(),
                lat_text(&l.hist),
                body.len(),
                l.failed,
                server_cores,
                client_cores
            ),
            json!({
                "bench": "pages", "page": name, "path": path, "concurrency": a.concurrency, "mode": mode,
                "rps": l.rps(), "ok": l.ok, "failed": l.failed, "page_bytes": body.len(),
                "mb_per_s": l.bytes as f64 / l.secs / 1e6, "latency": lat_json(&l.hist),
                "server_cores": server_cores, "bench_cores": client_cores, "loadavg_before": load_before,
                "first_error": l.first_error,
            }),
        );
        if let Some(e) = &l.first_error {
            eprintln!("  first error: {e}");
        }
    }
    drop(server);
    Ok(())
}

// ---------------------------------------------------------------------------------
// Server-Sent Events
// ---------------------------------------------------------------------------------

/// Splits an SSE byte stream into events: (id, event type) for each.
#[derive(Default)]
struct SseParser {
    buf: Vec<u8>,
    id: Option<u64>,
    kind: String,
}

impl SseParser {
    fn push(&mut self, chunk: &[u8], out: &mut Vec<(u64, String)>) {
        self.buf.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(n) = self.buf[start..].iter().position(|b| *b == b'\n') {
            let line = &self.buf[start..start + n];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                if let Some(id) = self.id.take() {
                    out.push((id, std::mem::take(&mut self.kind)));
                }
                self.kind.clear();
            } else if let Some(v) = line.strip_prefix(b"id:") {
                self.id = std::str::from_utf8(v).ok().and_then(|s| s.trim().parse().ok());
            } else if let Some(v) = line.strip_prefix(b"event:") {
                self.kind = String::from_utf8_lossy(v).trim().to_owned();
            }
            start += n + 1;
        }
        self.buf.drain(..start);
    }
}

/// An event as one live client saw it.
struct Seen {
    client: usize,
    id: u64,
    kind: String,
    at: Instant,
}

/// Opens a live stream; reports when it is connected, then every event it gets.
/// Ends when the server closes the stream or the task is aborted.
async fn sse_client(
    addr: SocketAddr,
    path: String,
    client: usize,
    events: mpsc::UnboundedSender<Seen>,
) -> Result<impl std::future::Future<Output = ()>> {
    let mut conn = Conn::open(addr).await?;
    let res = conn.send(get(&path, &[("accept", "text/event-stream")])?).await?;
    if res.status() != StatusCode::OK {
        bail!("{path}: {}", res.status());
    }
    let mut body = res.into_body();
    Ok(async move {
        let _conn = conn;
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                parser.push(&data, &mut out);
                let at = Instant::now();
                for (id, kind) in out.drain(..) {
                    if events.send(Seen { client, id, kind, at }).is_err() {
                        return;
                    }
                }
            }
        }
    })
}

async fn sse(ctx: &Ctx, a: &SseArgs) -> Result<()> {
    let db = Db::new(Backend::Sqlite, &ctx.postgres).await?;
    let server = demo_server(ctx, &db).await?;
    let addr = server.addr;
    let mut staff = Api::new(addr);
    staff.login("secretariat", "plenum-demo").await?;
    let rss_idle = proc_kb(server.pid(), "VmRSS");
    let own_idle = proc_kb(std::process::id(), "VmRSS");

    let (events_tx, mut events) = mpsc::unbounded_channel::<Seen>();
    let path = format!("/assemblies/{DEMO}/live");
    let started = Instant::now();
    let mut streams = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(a.connect_concurrency.max(1)));
    let mut connecting = tokio::task::JoinSet::new();
    for client in 0..a.clients {
        let (gate, path, tx) = (gate.clone(), path.clone(), events_tx.clone());
        connecting.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            timeout(Duration::from_secs(30), sse_client(addr, path, client, tx))
                .await
                .map_err(|_| anyhow!("connect timed out"))?
        });
    }
    drop(events_tx);
    while let Some(r) = connecting.join_next().await {
        match r? {
            Ok(stream) => {
                streams.spawn(stream);
            }
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    let connected = streams.len();
    let connect_secs = started.elapsed().as_secs_f64();
    sleep(Duration::from_secs(1)).await;
    let rss_held = proc_kb(server.pid(), "VmRSS");
    let own_held = proc_kb(std::process::id(), "VmRSS");
    ctx.say(
        format!(
            "sse: {connected} of {} clients connected in {connect_secs:.1}s ({} failed{}); server RSS {:.1} MB idle -> {:.1} MB with them ({:.1} kB per client); bench RSS {:.1} MB",
            a.clients,
            failures.len(),
            failures.first().map(|e| format!(", first: {e}")).unwrap_or_default(),
            rss_idle as f64 / 1024.0,
            rss_held as f64 / 1024.0,
            (rss_held.saturating_sub(rss_idle)) as f64 / connected.max(1) as f64,
            own_held.max(own_idle) as f64 / 1024.0,
        ),
        json!({
            "bench": "sse_connect", "clients": a.clients, "connected": connected, "failed": failures.len(),
            "connect_secs": connect_secs, "server_rss_idle_kb": rss_idle, "server_rss_kb": rss_held,
            "bench_rss_kb": own_held,
        }),
    );
    // Anything that arrived so far (keep-alives carry no id) is not measured.
    while events.try_recv().is_ok() {}

    for round in 1..=a.rounds {
        let cpu = CpuMeter::start(server.pid());
        let t0 = Instant::now();
        let command = Command::AmendMemberProfile {
            member: MemberId::parse("d-0001")?,
            changes: ProfileChanges {
                occupation: Some(format!("基准测试 {round}-{:x}", fastrand::u32(..))),
                ..ProfileChanges::default()
            },
        };
        let receipt = staff.command(DEMO, &command, &format!("sse-{round}-{:x}", fastrand::u64(..))).await?;
        let acked = t0.elapsed();
        let position = receipt["position"].as_u64().ok_or_else(|| anyhow!("no position in {receipt}"))?;
        let mut got = vec![false; a.clients];
        let mut hist = histogram()?;
        let mut within_1s = 0usize;
        let deadline = t0 + Duration::from_secs(10);
        while hist.len() < connected as u64 {
            let Ok(Some(seen)) =
                timeout(deadline.saturating_duration_since(Instant::now()), events.recv()).await
            else {
                break;
            };
            if seen.id == position && !got[seen.client] {
                got[seen.client] = true;
                let d = seen.at.saturating_duration_since(t0);
                if d <= Duration::from_secs(1) {
                    within_1s += 1;
                }
                hist.saturating_record(us(d));
            }
        }
        let (server_cores, client_cores) = cpu.stop();
        let all = hist.len() == connected as u64;
        let verdict = if all && hist.max() <= 1_000_000 { "meets" } else { "MISSES" };
        ctx.say(
            format!(
                "sse round {round}: event {position} (acknowledged in {:.1} ms) reached {} of {connected} clients, {within_1s} within 1 s; all by {:.1} ms; per client {} ({verdict}: all within 1 s; cpu server {server_cores:.2} / bench {client_cores:.2} cores)",
                acked.as_secs_f64() * 1000.0,
                hist.len(),
                hist.max() as f64 / 1000.0,
                lat_text(&hist),
            ),
            json!({
                "bench": "sse_event", "round": round, "clients": connected, "position": position,
                "ack_ms": acked.as_secs_f64() * 1000.0, "received": hist.len(), "within_1s": within_1s,
                "all_ms": hist.max() as f64 / 1000.0, "latency": lat_json(&hist),
            }),
        );
        sleep(Duration::from_millis(500)).await;
        while events.try_recv().is_ok() {}
    }
    let rss_after = proc_kb(server.pid(), "VmRSS");
    let hwm = proc_kb(server.pid(), "VmHWM");
    ctx.say(
        format!(
            "sse: server RSS after the rounds {:.1} MB (peak {:.1} MB)",
            rss_after as f64 / 1024.0,
            hwm as f64 / 1024.0
        ),
        json!({"bench": "sse_memory", "server_rss_kb": rss_after, "server_hwm_kb": hwm}),
    );
    streams.abort_all();
    while streams.join_next().await.is_some() {}
    drop(server);
    Ok(())
}

// ---------------------------------------------------------------------------------
// A national-legislature-sized assembly, set up through the API
// ---------------------------------------------------------------------------------

const NAT: &str = "nat-bench";
const PLENARY: &str = "plenary-1";

struct Voter {
    /// The `Authorization` header of the voter's API token, built once.
    auth: header::HeaderValue,
}

/// The benchmark assembly's secretariat client and every voter's token.
struct Electorate {
    staff: Api,
    voters: Vec<Voter>,
}

/// Founds an assembly of kind other with `voters` members in `groups` delegations,
/// opens a plenary with one resolution on its adopted agenda, checks everyone in,
/// issues logins in bulk and logs every voter in.
async fn national(addr: SocketAddr, voters: usize, groups: usize) -> Result<Electorate> {
    let started = Instant::now();
    let mut staff = Api::new(addr);
    staff.login("secretariat", "plenum-demo").await?;
    let commands = plenum_bench::national(voters, groups, PLENARY)?;
    for (i, c) in commands.iter().enumerate() {
        staff.command(NAT, c, &format!("setup-{i}")).await?;
    }
    staff.post(&format!("/api/v1/assemblies/{NAT}/meetings/{PLENARY}/check-in/bulk"), &json!({})).await?;
    let t_accounts = Instant::now();
    let issued = staff.post("/api/v1/accounts/bulk", &json!({"assembly": NAT})).await?;
    let issued = issued.as_array().ok_or_else(|| anyhow!("accounts/bulk: not a list"))?;
    if issued.len() != voters {
        bail!("accounts/bulk issued {} logins for {voters} members", issued.len());
    }
    let accounts_secs = t_accounts.elapsed().as_secs_f64();
    let logins: Arc<Vec<(String, String)>> = Arc::new(
        issued
            .iter()
            .map(|l| {
                (
                    l["username"].as_str().unwrap_or("").to_owned(),
                    l["password"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect(),
    );
    // Every voter logs in for a token, a few at a time.
    let t_tokens = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (logins, next) = (logins.clone(), next.clone());
        tasks.spawn(async move {
            let mut api = Api::new(addr);
            let mut got = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((user, password)) = logins.get(i) else { break };
                let token = api.login(user, password).await?;
                got.push((i, Voter { auth: header::HeaderValue::try_from(format!("Bearer {token}"))? }));
            }
            anyhow::Ok(got)
        });
    }
    let mut all = Vec::with_capacity(voters);
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    all.sort_by_key(|(i, _)| *i);
    let voters: Vec<Voter> = all.into_iter().map(|(_, v)| v).collect();
    eprintln!(
        "set up {NAT}: {} members in {groups} delegations, all checked in; logins issued in {accounts_secs:.1}s, {} tokens in {:.1}s; {:.1}s in all",
        voters.len(),
        voters.len(),
        t_tokens.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(Electorate { staff, voters })
}

async fn open_poll(staff: &mut Api, rule: &str, mode: &str) -> Result<u32> {
    let body = json!({"meeting": PLENARY, "subject": "item", "item": 1, "rule": rule, "mode": mode});
    let v = staff.post(&format!("/api/v1/assemblies/{NAT}/polls"), &body).await?;
    v["poll"].as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| anyhow!("no poll number in {v}"))
}

/// Voter i's choice, as the member of a ballot's JSON body.
fn choice(i: usize) -> &'static str {
    match i % 10 {
        0..=6 => r#""choice":"yes""#,
        7 | 8 => r#""choice":"no""#,
        _ => r#""choice":"abstain""#,
    }
}

/// A ballot as the API takes it. Built by hand rather than through `serde_json::Value`:
/// the load generator shares the machine's two cores with the server, and should
/// spend no more on a ballot than on the trivial request it is compared with.
fn vote_request(poll: u32, auth: &header::HeaderValue, member: &str, key: &str) -> Result<Request<Body>> {
    // Choices, sealed ballots (hex) and keys are the benchmark's own plain ASCII: no
    // JSON escaping needed. `member` is `"choice":"yes"` or `"sealed":"…"`.
    let body = format!(r#"{{{member},"command_id":"{key}"}}"#);
    Ok(Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/assemblies/{NAT}/polls/{poll}/vote"))
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, auth.clone())
        .body(Full::new(Bytes::from(body)))?)
}

/// The API's answer to a ballot (the fields the benchmark checks).
#[derive(serde::Deserialize)]
struct Ack {
    position: u64,
    #[serde(default)]
    replayed: bool,
}

/// Casts one ballot; the journal position of an acknowledged one.
async fn cast(
    conn: &mut Conn,
    poll: u32,
    auth: &header::HeaderValue,
    member: &str,
    key: &str,
) -> Result<u64> {
    let (status, body) = conn.call(vote_request(poll, auth, member, key)?).await?;
    if status != StatusCode::OK {
        bail!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
    }
    let ack: Ack = serde_json::from_slice(&body)
        .with_context(|| format!("no position in {}", String::from_utf8_lossy(&body)))?;
    if ack.replayed {
        bail!("a first ballot was answered as a replay: {}", String::from_utf8_lossy(&body));
    }
    Ok(ack.position)
}

/// Idle keep-alive connections, shared by the ballots of a storm.
struct Pool {
    addr: SocketAddr,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    async fn take(&self) -> Result<Conn> {
        let idle = self.idle.lock().map_err(|_| anyhow!("pool lock"))?.pop();
        match idle {
            Some(c) if c.usable() => Ok(c),
            _ => Conn::open(self.addr).await,
        }
    }
    fn give(&self, c: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(c);
        }
    }
}

/// Follows an assembly's live stream in the background.
async fn follow(
    addr: SocketAddr,
    assembly: &str,
) -> Result<(mpsc::UnboundedReceiver<Seen>, tokio::task::JoinHandle<()>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let stream = sse_client(addr, format!("/assemblies/{assembly}/live"), 0, tx).await?;
    Ok((rx, tokio::spawn(stream)))
}

async fn vote_storm(ctx: &Ctx, a: &StormArgs) -> Result<()> {
    let db = Db::new(a.backend, &ctx.postgres).await?;
    let r = storm_on(ctx, a, &db).await;
    if let Err(e) = db.drop_schema().await {
        eprintln!("dropping the schema failed: {e:#}");
    }
    r
}

async fn storm_on(ctx: &Ctx, a: &StormArgs, db: &Db) -> Result<()> {
    let backend = a.backend.name();
    let server = demo_server(ctx, db).await?;
    let addr = server.addr;
    let Electorate { mut staff, voters } = national(addr, a.voters, a.groups).await?;
    let (mut live, follower) = follow(addr, NAT).await?;
    let mode = if a.mode == "sealed" { "secret" } else { a.mode.as_str() };
    let poll = open_poll(&mut staff, &a.rule, mode).await?;
    // Ballots sealed on the voters' devices: made before the storm, as each phone
    // makes its own before it sends it.
    let sealed: Option<Arc<Vec<String>>> = if a.mode == "sealed" {
        let view = staff.get(&format!("/api/v1/assemblies/{NAT}/polls/{poll}")).await?;
        let public =
            view["public_key"].as_str().ok_or_else(|| anyhow!("no public key in {view}"))?.to_owned();
        let n = voters.len();
        let t = Instant::now();
        let ballots = tokio::task::spawn_blocking(move || {
            (0..n)
                .map(|i| {
                    let c = match choice(i) {
                        r#""choice":"yes""# => plenum_domain::Choice::Yes,
                        r#""choice":"no""# => plenum_domain::Choice::No,
                        _ => plenum_domain::Choice::Abstain,
                    };
                    plenum_domain::sealed::encrypt(&public, c)
                        .map(|b| format!(r#""sealed":"{b}""#))
                        .map_err(anyhow::Error::msg)
                })
                .collect::<Result<Vec<_>>>()
        })
        .await??;
        eprintln!(
            "# {} ballots sealed before the storm in {:.1} s",
            ballots.len(),
            t.elapsed().as_secs_f64()
        );
        Some(Arc::new(ballots))
    } else {
        None
    };
    sleep(Duration::from_millis(200)).await;
    while live.try_recv().is_ok() {}
    let path_before = staff.write_path().await?;

    // The storm: ballot i is due at start + i * interval, each on its own task.
    let voters = Arc::new(voters);
    let pool = Arc::new(Pool { addr, idle: Mutex::new(Vec::new()) });
    let interval = Duration::from_secs_f64(a.seconds / voters.len().max(1) as f64);
    let perf = ctx.perf(&format!("storm-{backend}"), server.pid(), a.seconds)?;
    let syncs = ctx.trace_syncs(server.pid(), a.seconds + 1.0, db.dir.path())?;
    let load_before = loadavg();
    let cpu = CpuMeter::start(server.pid());
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = tokio::task::JoinSet::new();
    let mut max_lag = Duration::ZERO;
    for i in 0..voters.len() {
        let due = start + interval.mul_f64(i as f64);
        sleep_until(due.into()).await;
        max_lag = max_lag.max(Instant::now().saturating_duration_since(due));
        let (voters, pool, sealed) = (voters.clone(), pool.clone(), sealed.clone());
        tasks.spawn(async move {
            let v = &voters[i];
            let key = format!("storm-{poll}-{i}");
            let member = sealed.as_ref().map_or(choice(i), |s| s[i].as_str());
            let sent = Instant::now();
            let r = async {
                let mut conn = pool.take().await?;
                let p = cast(&mut conn, poll, &v.auth, member, &key).await?;
                pool.give(conn);
                anyhow::Ok(p)
            }
            .await;
            let done = Instant::now();
            (i, r, done.saturating_duration_since(due), done.saturating_duration_since(sent))
        });
    }
    let mut hist = histogram()?;
    let mut service = histogram()?;
    let mut acked = Vec::new();
    let mut errors = Vec::new();
    let mut slowest: Vec<(Duration, usize)> = Vec::new();
    let all_in = timeout(Duration::from_secs(120), async {
        while let Some(r) = tasks.join_next().await {
            match r {
                Ok((i, Ok(position), d, s)) => {
                    hist.saturating_record(us(d));
                    service.saturating_record(us(s));
                    acked.push((i, position));
                    slowest.push((d, i));
                }
                Ok((i, Err(e), _, _)) => errors.push(format!("voter {i}: {e:#}")),
                Err(e) => errors.push(format!("task: {e}")),
            }
        }
    })
    .await;
    let storm_secs = start.elapsed().as_secs_f64();
    let (server_cores, client_cores) = cpu.stop();
    wait_perf(perf);
    if all_in.is_err() {
        tasks.abort_all();
        errors.push("some ballots had no answer after 120 s".into());
    }
    let p99 = ms(&hist, 0.99);
    ctx.say(
        format!(
            "vote-storm [{backend}]: {} ballots acknowledged of {} in {storm_secs:.2}s ({:.0}/s offered, {:.0}/s acknowledged); {} errors; latency {} ({} p99 < 20 ms); scheduler lag max {:.1} ms; cpu server {server_cores:.2} / bench {client_cores:.2} cores",
            acked.len(),
            voters.len(),
            voters.len() as f64 / a.seconds,
            acked.len() as f64 / storm_secs,
            errors.len(),
            lat_text(&hist),
            if p99 < 20.0 { "meets" } else { "MISSES" },
            max_lag.as_secs_f64() * 1000.0,
        ),
        json!({
            "bench": "vote_storm", "backend": backend, "mode": a.mode, "voters": voters.len(), "seconds": a.seconds,
            "acked": acked.len(), "errors": errors.len(), "first_errors": errors.iter().take(5).collect::<Vec<_>>(),
            "latency": lat_json(&hist), "storm_secs": storm_secs, "scheduler_lag_max_ms": max_lag.as_secs_f64() * 1000.0,
            "server_cores": server_cores, "bench_cores": client_cores, "rule": a.rule,
        }),
    );
    for e in errors.iter().take(5) {
        eprintln!("  error: {e}");
    }
    slowest.sort_by_key(|x| std::cmp::Reverse(x.0));
    let slow: Vec<String> = slowest
        .iter()
        .take(12)
        .map(|(d, i)| {
            format!("{:.0} ms at {:.2}s", d.as_secs_f64() * 1000.0, interval.mul_f64(*i as f64).as_secs_f64())
        })
        .collect();
    ctx.say(
        format!(
            "vote-storm [{backend}]: from the send instead of the due time: {}; slowest ballots (latency, due time): {}; load average {load_before} -> {}",
            lat_text(&service),
            slow.join(", "),
            loadavg()
        ),
        json!({"bench": "vote_storm_slowest", "backend": backend, "latency_from_send": lat_json(&service),
               "slowest": slow, "loadavg_before": load_before, "loadavg_after": loadavg()}),
    );
    report_syncs(ctx, &format!("vote-storm [{backend}]"), syncs, acked.len())?;
    // Whether the storage held the ballots up: the server's own histogram of its
    // group commits (a commit's time includes its sync).
    let path_after = staff.write_path().await?;
    let (per_commit, queued_us, commit_us, _) = path_after.since(&path_before);
    let (commits, slow, slowest) =
        slow_commits(&path_after.commit_buckets, &path_before.commit_buckets, 0.020);
    ctx.say(
        format!(
            "vote-storm [{backend}] inside the server (/metrics): {commits:.0} commits of {per_commit:.1} commands; a command waited {queued_us:.0} us for the writer and a commit took {commit_us:.0} us on average; {slow:.0} commits took over 20 ms, the slowest {}",
            bound_text(slowest, &path_after.commit_buckets),
        ),
        json!({
            "bench": "vote_storm_commits", "backend": backend, "commits": commits, "commands_per_commit": per_commit,
            "queued_us": queued_us, "commit_us": commit_us, "commits_over_20ms": slow,
            "slowest_commit_at_most_s": if slowest.is_finite() { json!(slowest) } else { Value::Null },
        }),
    );

    // The close, as the live clients see it.
    let mut ballots_seen = 0usize;
    while let Ok(s) = live.try_recv() {
        ballots_seen += usize::from(s.kind == "VoteCast" || s.kind == "SealedBallotCast");
    }
    let t0 = Instant::now();
    let closed = staff.post(&format!("/api/v1/assemblies/{NAT}/polls/{poll}/close"), &json!({})).await?;
    let close_answer = t0.elapsed();
    let mut on_live = None;
    let deadline = t0 + Duration::from_secs(10);
    while let Ok(Some(s)) = timeout(deadline.saturating_duration_since(Instant::now()), live.recv()).await {
        ballots_seen += usize::from(s.kind == "VoteCast" || s.kind == "SealedBallotCast");
        if s.kind == "PollClosed" {
            on_live = Some(s.at.saturating_duration_since(t0));
            break;
        }
    }
    follower.abort();
    let live_ms = on_live.map(|d| d.as_secs_f64() * 1000.0);
    ctx.say(
        format!(
            "vote-storm [{backend}]: close answered in {:.1} ms; PollClosed on the live stream {} after the close began ({}); the live client saw {ballots_seen} of {} ballots; result: {}",
            close_answer.as_secs_f64() * 1000.0,
            live_ms.map_or("never".to_owned(), |m| format!("{m:.1} ms")),
            if live_ms.is_some_and(|m| m < 1000.0) { "meets < 1 s" } else { "MISSES < 1 s" },
            acked.len(),
            closed["result"],
        ),
        json!({
            "bench": "vote_storm_close", "backend": backend, "close_answer_ms": close_answer.as_secs_f64() * 1000.0,
            "poll_closed_on_live_ms": live_ms, "ballots_seen_live": ballots_seen, "result": closed["result"],
        }),
    );

    // The decrypted (or counted) result against the choices the acknowledged ballots
    // carried: nothing lost, nothing changed, sealed or not.
    let mut want = [0u64; 3];
    for (i, _) in &acked {
        want[match i % 10 {
            0..=6 => 0,
            7 | 8 => 1,
            _ => 2,
        }] += 1;
    }
    let got = ["yes", "no", "abstain"].map(|k| closed["result"][k].as_u64().unwrap_or(u64::MAX));
    ctx.say(
        format!(
            "vote-storm [{backend}]: the result {} the acknowledged ballots' choices (yes, no, abstain {want:?})",
            if got == want { "matches" } else { "DIFFERS from" }
        ),
        json!({"bench": "vote_storm_result", "backend": backend, "matches": got == want, "want": want, "got": got}),
    );

    // Durability: the turnout equals the acknowledged ballots, before and after a
    // SIGKILL and a restart on the same database.
    let turnout = |v: &Value| v["turnout"].as_u64().unwrap_or(u64::MAX);
    let before = turnout(&staff.get(&format!("/api/v1/assemblies/{NAT}/polls/{poll}")).await?);
    let pid = server.pid();
    server.kill()?;
    let restarted = Server::start(&ctx.plenum, &["serve", "--listen", "127.0.0.1:0"], Some(db)).await?;
    let after_v = Api::new(restarted.addr).get(&format!("/api/v1/assemblies/{NAT}/polls/{poll}")).await?;
    let after = turnout(&after_v);
    let positions: std::collections::BTreeSet<u64> = acked.iter().map(|(_, p)| *p).collect();
    let durable =
        before == acked.len() as u64 && after == acked.len() as u64 && positions.len() == acked.len();
    ctx.say(
        format!(
            "vote-storm [{backend}]: turnout {before} before and {after} after SIGKILL of {pid} and a restart, {} acknowledged ({} distinct positions): {}",
            acked.len(),
            positions.len(),
            if durable { "every acknowledged ballot is durable" } else { "MISMATCH" }
        ),
        json!({
            "bench": "vote_storm_durability", "backend": backend, "acked": acked.len(), "turnout_before": before,
            "turnout_after_restart": after, "durable": durable, "state": after_v["state"],
        }),
    );
    drop(restarted);
    if !durable {
        bail!("the turnout does not match the acknowledged ballots");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// peak
// ---------------------------------------------------------------------------------

fn trivial_server(max_seconds: u64) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("trivial server at http://{}/", listener.local_addr()?);
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
        tokio::select! {
            r = axum::serve(listener, app) => r?,
            _ = sleep(Duration::from_secs(max_seconds)) => {}
        }
        anyhow::Ok(())
    })
}

/// The same load through reqwest, to compare the clients.
async fn hammer_reqwest(addr: SocketAddr, concurrency: usize, warmup: f64, seconds: f64) -> Result<Load> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).tcp_nodelay(true).build()?;
    let url = format!("http://{addr}/");
    let start = Instant::now();
    let from = start + Duration::from_secs_f64(warmup);
    let end = from + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            let mut hist = histogram()?;
            let (mut ok, mut failed) = (0u64, 0u64);
            loop {
                let at = Instant::now();
                if at >= end {
                    break;
                }
                let r = async { client.get(&url).send().await?.error_for_status()?.bytes().await }.await;
                if at >= from {
                    match r {
                        Ok(_) => {
                            ok += 1;
                            hist.saturating_record(us(at.elapsed()));
                        }
                        Err(_) => failed += 1,
                    }
                }
            }
            anyhow::Ok((hist, ok, failed))
        });
    }
    let mut load = Load { ok: 0, failed: 0, bytes: 0, secs: seconds, hist: histogram()?, first_error: None };
    while let Some(r) = tasks.join_next().await {
        let (h, ok, failed) = r??;
        load.hist.add(&h).map_err(|e| anyhow!("{e:?}"))?;
        load.ok += ok;
        load.failed += failed;
    }
    Ok(load)
}

/// `wrk` against the trivial server, if it is installed: requests/s.
async fn wrk(addr: SocketAddr, concurrency: usize, seconds: f64) -> Result<Option<(f64, String)>> {
    let run = move || {
        std::process::Command::new("wrk")
            .args(["-t2", &format!("-c{concurrency}"), &format!("-d{}s", seconds.ceil() as u64), "--latency"])
            .arg(format!("http://{addr}/"))
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
    };
    let Ok(out) = tokio::task::spawn_blocking(run).await? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok());
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    Ok(rps.map(|r| (r, p99)))
}

struct PeakWorker {
    hist: Histogram<u64>,
    ok: u64,
    ok_total: u64,
    failed: u64,
    first_error: Option<String>,
    /// When each poll rotation began, and how long its close and open took.
    rotations: Vec<(Instant, Duration)>,
}

async fn peak(ctx: &Ctx, a: &PeakArgs) -> Result<()> {
    // (a) The ceiling: a trivial axum handler in another process.
    let exe = std::env::current_exe()?;
    let trivial = Server::start(&exe, &["trivial-server"], None).await?;
    let target = Target { path: "/".into(), headers: Vec::new() };
    let cpu = CpuMeter::start(trivial.pid());
    let ceiling = hammer(trivial.addr, &target, a.concurrency, a.warmup, a.seconds, None).await?;
    let (sc, cc) = cpu.stop();
    ctx.say(
        format!(
            "peak (a) trivial axum GET /, {} clients (hyper client): {:.0} req/s, {}, {} failed; cpu server {sc:.2} / bench {cc:.2} cores",
            a.concurrency,
            ceiling.rps(),
            lat_text(&ceiling.hist),
            ceiling.failed
        ),
        json!({"bench": "peak_trivial", "client": "hyper", "concurrency": a.concurrency, "rps": ceiling.rps(),
               "failed": ceiling.failed, "latency": lat_json(&ceiling.hist), "server_cores": sc, "bench_cores": cc}),
    );
    if a.reqwest {
        let cpu = CpuMeter::start(trivial.pid());
        let r = hammer_reqwest(trivial.addr, a.concurrency, a.warmup, a.seconds).await?;
        let (sc, cc) = cpu.stop();
        ctx.say(
            format!(
                "peak (a) trivial axum GET /, {} clients (reqwest client): {:.0} req/s, {}, {} failed; cpu server {sc:.2} / bench {cc:.2} cores",
                a.concurrency,
                r.rps(),
                lat_text(&r.hist),
                r.failed
            ),
            json!({"bench": "peak_trivial", "client": "reqwest", "concurrency": a.concurrency, "rps": r.rps(),
                   "failed": r.failed, "latency": lat_json(&r.hist), "server_cores": sc, "bench_cores": cc}),
        );
    }
    // The issue states the ceiling as `wrk` measures it: where `wrk` is installed, the
    // verdict is taken against the higher of its figure and the hyper client's.
    let mut wrk_rps = None;
    if !a.no_wrk {
        match wrk(trivial.addr, a.concurrency, a.seconds).await? {
            Some((rps, p99)) => {
                wrk_rps = Some(rps);
                ctx.say(
                    format!("peak (a) trivial axum GET /, {} connections (wrk -t2): {rps:.0} req/s, p99 {p99}", a.concurrency),
                    json!({"bench": "peak_trivial", "client": "wrk", "concurrency": a.concurrency, "rps": rps, "p99": p99}),
                )
            }
            None => eprintln!("wrk is not installed: skipped"),
        }
    }

    // (b) Durable ballots per second: successive polls, each voter once per poll.
    let db = Db::new(a.backend, &ctx.postgres).await?;
    let r = peak_ballots(ctx, a, &db).await;
    if let Err(e) = db.drop_schema().await {
        eprintln!("dropping the schema failed: {e:#}");
    }
    let (ballots, ballot_cores) = r?;

    // (a) again, as the load on this shared machine changes: the ratio to both.
    let cpu = CpuMeter::start(trivial.pid());
    let again = hammer(trivial.addr, &target, a.concurrency, a.warmup, a.seconds, None).await?;
    let (sc2, cc2) = cpu.stop();
    drop(trivial);
    ctx.say(
        format!(
            "peak (a) again after (b), hyper client: {:.0} req/s, {}; cpu server {sc2:.2} / bench {cc2:.2} cores",
            again.rps(),
            lat_text(&again.hist)
        ),
        json!({"bench": "peak_trivial_after", "client": "hyper", "rps": again.rps(), "latency": lat_json(&again.hist),
               "server_cores": sc2, "bench_cores": cc2}),
    );
    let (before, after) = (ceiling.rps(), again.rps());
    let best = before.max(after);
    let ratio = ballots / best.max(1e-9);
    // Server CPU per request: independent of how much of the machine others take.
    let us_trivial = 1e6 * (sc / before.max(1e-9)).min(sc2 / after.max(1e-9));
    let us_ballot = 1e6 * ballot_cores / ballots.max(1e-9);
    let ratio_lower = ballots / before.min(after).max(1e-9);
    let ratio_wrk = wrk_rps.map(|w| ballots / w.max(1e-9));
    let strictest = ratio_wrk.map_or(ratio, |w| w.min(ratio));
    ctx.say(
        format!(
            "peak [{}]: {ballots:.0} durable ballots/s = {:.0} % of the ceiling ({before:.0} req/s before, {after:.0} after; {:.0} % of the lower{}): {} 50 %; server CPU {us_ballot:.0} us per ballot against {us_trivial:.1} us per trivial request",
            a.backend.name(),
            ratio * 100.0,
            100.0 * ratio_lower,
            ratio_wrk.map(|w| format!("; {:.0} % of wrk's", w * 100.0)).unwrap_or_default(),
            if strictest >= 0.5 { "meets" } else { "MISSES" },
        ),
        json!({"bench": "peak_ratio", "backend": a.backend.name(), "ballots_per_s": ballots, "ceiling_before": before,
               "ceiling_after": after, "ceiling_wrk": wrk_rps, "ratio_to_higher": ratio,
               "ratio_to_lower": ratio_lower, "ratio_to_wrk": ratio_wrk,
               "server_us_per_ballot": us_ballot, "server_us_per_trivial": us_trivial}),
    );
    Ok(())
}

/// How many commits the ballots recorded between two instants (µs since 1970)
/// took: the journal stamps every event of one batch with the same time.
async fn ballot_commits(db: &Db, from: i64, to: i64) -> Result<(i64, i64)> {
    let sql = "SELECT COUNT(*), COUNT(DISTINCT recorded_at) FROM events \
               WHERE type = 'VoteCast' AND recorded_at >= $1 AND recorded_at < $2";
    if db.schema.is_some() {
        let c = pg(&db.url).await?;
        let r = c.query_one(sql, &[&from, &to]).await?;
        return Ok((r.try_get(0)?, r.try_get(1)?));
    }
    let path = db.dir.path().join("x.db");
    let sql = sql.replace('$', "?");
    tokio::task::spawn_blocking(move || {
        let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(c.query_row(&sql, [from, to], |r| Ok((r.get(0)?, r.get(1)?)))?)
    })
    .await?
}

/// Durable ballots per second and the server's cores busy meanwhile.
async fn peak_ballots(ctx: &Ctx, a: &PeakArgs, db: &Db) -> Result<(f64, f64)> {
    let backend = a.backend.name();
    let server = demo_server(ctx, db).await?;
    let addr = server.addr;
    let Electorate { mut staff, voters } = national(addr, a.voters, a.groups).await?;
    let staff_token = staff.token.clone().ok_or_else(|| anyhow!("no staff token"))?;
    let first = open_poll(&mut staff, "roberts-rules", "named").await?;
    let n = voters.len();
    let voters = Arc::new(voters);
    let rot = Arc::new(Rotation::new(first, n));
    let mut conns = Vec::with_capacity(a.concurrency);
    for _ in 0..a.concurrency {
        conns.push(Conn::open(addr).await?);
    }
    let start = Instant::now() + Duration::from_millis(100);
    let from = start + Duration::from_secs_f64(a.warmup);
    let end = from + Duration::from_secs_f64(a.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for mut conn in conns {
        let (voters, rot, staff_token) = (voters.clone(), rot.clone(), staff_token.clone());
        tasks.spawn(async move {
            let mut w = PeakWorker {
                hist: histogram()?,
                ok: 0,
                ok_total: 0,
                failed: 0,
                first_error: None,
                rotations: Vec::new(),
            };
            sleep_until(start.into()).await;
            loop {
                if Instant::now() >= end {
                    break;
                }
                let notified = rot.turn.notified();
                let Some((poll, i)) = rot.claim()? else {
                    tokio::select! {
                        _ = notified => {}
                        _ = sleep_until(end.into()) => {}
                    }
                    continue;
                };
                let at = Instant::now();
                let r = cast(&mut conn, poll, &voters[i].auth, choice(i), &format!("peak-{poll}-{i}")).await;
                let done = Instant::now();
                match r {
                    Ok(_) => {
                        w.ok_total += 1;
                        if at >= from && done <= end {
                            w.ok += 1;
                            w.hist.saturating_record(us(done - at));
                        }
                    }
                    Err(e) => {
                        w.failed += 1;
                        if w.first_error.is_none() {
                            w.first_error = Some(format!("{e:#}"));
                        }
                        if !conn.usable() {
                            conn = Conn::open(addr).await?;
                        }
                    }
                }
                if rot.answered(poll)? {
                    // The last ballot of the poll: close it and open the next.
                    let t = Instant::now();
                    let path = format!("/api/v1/assemblies/{NAT}/polls/{poll}/close");
                    let (s, b) = conn.call(post_json(&path, Some(&staff_token), &json!({}))?).await?;
                    if !s.is_success() {
                        bail!("closing poll {poll}: {s}: {}", String::from_utf8_lossy(&b));
                    }
                    let body = json!({"meeting": PLENARY, "subject": "item", "item": 1, "rule": "roberts-rules", "mode": "named"});
                    let path = format!("/api/v1/assemblies/{NAT}/polls");
                    let (s, b) = conn.call(post_json(&path, Some(&staff_token), &body)?).await?;
                    if !s.is_success() {
                        bail!("opening a poll: {s}: {}", String::from_utf8_lossy(&b));
                    }
                    let v: Value = serde_json::from_slice(&b)?;
                    let next = v["poll"].as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| anyhow!("{v}"))?;
                    rot.start(next)?;
                    w.rotations.push((t, t.elapsed()));
                }
            }
            anyhow::Ok(w)
        });
    }
    let perf = ctx.perf(&format!("peak-{backend}"), server.pid(), a.warmup + a.seconds)?;
    sleep_until(from.into()).await;
    let path_before = staff.write_path().await?;
    let syncs = ctx.trace_syncs(server.pid(), a.seconds, db.dir.path())?;
    let load_before = loadavg();
    let wall_from = chrono::Utc::now().timestamp_micros();
    let cpu = CpuMeter::start(server.pid());
    let sched = SchedMeter::start(server.pid());
    let mut hist = histogram()?;
    let (mut ok, mut ok_total, mut failed, mut first_error, mut rotations) =
        (0u64, 0u64, 0u64, None, Vec::new());
    let joined = timeout(Duration::from_secs_f64(a.warmup + a.seconds + 60.0), async {
        while let Some(r) = tasks.join_next().await {
            let w = r??;
            hist.add(&w.hist).map_err(|e| anyhow!("{e:?}"))?;
            ok += w.ok;
            ok_total += w.ok_total;
            failed += w.failed;
            rotations.extend(w.rotations);
            if first_error.is_none() {
                first_error = w.first_error;
            }
        }
        anyhow::Ok(())
    })
    .await;
    let (server_cores, client_cores) = cpu.stop();
    let (threads, idle) = sched.stop();
    let pg_cores = cpu.postgres();
    wait_perf(perf);
    let path_after = staff.write_path().await?;
    let (per_commit, queued_us, commit_us, projection_us) = path_after.since(&path_before);
    let (_, slow, slowest) = slow_commits(&path_after.commit_buckets, &path_before.commit_buckets, 0.020);
    match joined {
        Ok(r) => r?,
        Err(_) => bail!("the peak clients did not finish in time"),
    }
    let rps = ok as f64 / a.seconds;
    rotations.sort_by_key(|(t, _)| *t);
    let rot_ms: Vec<String> =
        rotations.iter().take(8).map(|(_, d)| format!("{:.0}", d.as_secs_f64() * 1000.0)).collect();
    // While a poll is being closed and the next opened, no ballot can be cast.
    let dead: f64 = rotations
        .iter()
        .filter(|(t, _)| *t >= from && *t < end)
        .map(|(t, d)| (*t + *d).min(end).saturating_duration_since(*t).as_secs_f64())
        .sum();
    let open_rps = ok as f64 / (a.seconds - dead).max(1e-9);
    ctx.say(
        format!(
            "peak (b) [{backend}] durable ballots, {} clients: {rps:.0} ballots/s, {}, {failed} failed, {} polls rotated (close+open ms: {}); cpu server {server_cores:.2} / bench {client_cores:.2} / postgres {pg_cores:.2} cores; {dead:.2}s spent closing and opening polls, {open_rps:.0} ballots/s while a poll was open",
            a.concurrency,
            lat_text(&hist),
            rotations.len(),
            rot_ms.join(" "),
        ),
        json!({
            "bench": "peak_ballots", "backend": backend, "concurrency": a.concurrency, "ballots_per_s": rps,
            "failed": failed, "first_error": first_error, "postgres_cores": pg_cores,
            "latency": lat_json(&hist), "polls_rotated": rotations.len(), "rotation_secs": dead,
            "ballots_per_s_while_open": open_rps,
            "server_cores": server_cores, "bench_cores": client_cores,
        }),
    );
    if let Some(e) = &first_error {
        eprintln!("  first error: {e}");
    }
    eprintln!("  load average {load_before} -> {}", loadavg());
    ctx.say(
        format!(
            "peak (b) [{backend}] inside the server (/metrics): {per_commit:.1} commands per commit; a command waits {queued_us:.0} us for the writer, a commit takes {commit_us:.0} us, and a committed batch shows on the read side with its answers sent {projection_us:.0} us after the commit; {slow:.0} commits took over 20 ms, the slowest {}",
            bound_text(slowest, &path_after.commit_buckets),
        ),
        json!({"bench": "peak_write_path", "backend": backend, "commands_per_commit": per_commit,
               "queue_us": queued_us, "commit_us": commit_us, "projection_us": projection_us,
               "commits_over_20ms": slow,
               "slowest_commit_at_most_s": if slowest.is_finite() { json!(slowest) } else { Value::Null }}),
    );
    let per_thread: Vec<String> = threads
        .iter()
        .map(|t| {
            format!(
                "{} ({} that ran) on a CPU {:.0} ms, waiting for one {:.0} ms, {:.0} switches",
                t.name, t.threads, t.run_ms_per_s, t.wait_ms_per_s, t.switches_per_s
            )
        })
        .collect();
    let idle_text = idle.map_or_else(|| "unknown".to_owned(), |i| format!("{:.0} %", i * 100.0));
    ctx.say(
        format!(
            "peak (b) [{backend}] server threads per second (schedstat): {}; the machine idle or waiting on I/O {idle_text}",
            per_thread.join("; ")
        ),
        json!({"bench": "peak_threads", "backend": backend, "machine_idle": idle,
               "threads": threads.iter().map(|t| json!({"name": t.name, "threads": t.threads,
                   "run_ms_per_s": t.run_ms_per_s, "wait_ms_per_s": t.wait_ms_per_s,
                   "switches_per_s": t.switches_per_s})).collect::<Vec<_>>()}),
    );
    report_syncs(ctx, &format!("peak (b) [{backend}]"), syncs, ok as usize)?;
    let wall_to = wall_from + (a.seconds * 1e6) as i64;
    let (recorded, commits) = ballot_commits(db, wall_from, wall_to).await?;
    ctx.say(
        format!(
            "peak (b) [{backend}]: {recorded} ballots recorded in the measured {:.0}s by {commits} commits: {:.1} ballots per commit, one commit every {:.2} ms",
            a.seconds,
            recorded as f64 / commits.max(1) as f64,
            a.seconds * 1000.0 / commits.max(1) as f64
        ),
        json!({"bench": "peak_commits", "backend": backend, "ballots": recorded, "commits": commits}),
    );
    // Every acknowledged ballot is in a turnout.
    let polls = staff.get(&format!("/api/v1/assemblies/{NAT}/polls")).await?;
    let counted: u64 = polls.as_array().map_or(0, |l| l.iter().filter_map(|p| p["turnout"].as_u64()).sum());
    let consistent = counted == ok_total;
    ctx.say(
        format!(
            "peak (b) [{backend}]: {ok_total} ballots acknowledged in all, {counted} counted in the polls' turnouts: {}",
            if consistent { "consistent" } else { "MISMATCH" }
        ),
        json!({"bench": "peak_consistency", "backend": backend, "acked": ok_total, "counted": counted}),
    );
    drop(server);
    Ok((rps, server_cores))
}

// ---------------------------------------------------------------------------------
// The PostgreSQL journal's append transaction, replayed
// ---------------------------------------------------------------------------------

async fn pg_commit_probe(ctx: &Ctx, rows: usize, transactions: usize, prefill: i64) -> Result<()> {
    let db = Db::new(Backend::Postgres, &ctx.postgres).await?;
    let r = pg_probe_on(ctx, &db, rows, transactions, prefill).await;
    db.drop_schema().await?;
    r
}

const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.plenum_journal'))";
const PG_HEAD: &str = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1";
const PG_VERSIONS: &str = "SELECT stream, MAX(version) FROM events WHERE stream = ANY($1) GROUP BY stream";
const PG_INSERT: &str =
    "INSERT INTO events (position, stream, version, type, payload, actor, recorded_at, command_id, hash)
     SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                          $7::bigint[], $8::text[], $9::bytea[])";
/// The same answer by one index-only lookup per stream.
const PG_VERSIONS_INDEXED: &str =
    "SELECT s, (SELECT MAX(version) FROM events WHERE stream = s) FROM UNNEST($1::text[]) s";
const PG_NOTIFY: &str = "SELECT pg_notify($1, current_schema() || ':' || $2::text)";

async fn pg_probe_on(ctx: &Ctx, db: &Db, rows: usize, transactions: usize, prefill: i64) -> Result<()> {
    let mut c = pg(&db.url).await?;
    c.batch_execute(
        "CREATE TABLE events (position BIGINT PRIMARY KEY, stream TEXT NOT NULL, version BIGINT NOT NULL,
         type TEXT NOT NULL, payload TEXT NOT NULL, actor TEXT NOT NULL, recorded_at BIGINT NOT NULL,
         command_id TEXT, hash BYTEA NOT NULL, UNIQUE (stream, version))",
    )
    .await?;
    for variant in [
        "as the journal issues it (unprepared)",
        "prepared once",
        "prepared, per-stream MAX(version) by the index",
        "floor: BEGIN, INSERT, COMMIT",
    ] {
        // The same journal size for every variant.
        c.batch_execute(&format!(
            "TRUNCATE events; INSERT INTO events SELECT g, '{NAT}', g, 'VoteCast', '{{}}', 'a', 0, NULL, '\\x00'
             FROM generate_series(1, {prefill}) g; ANALYZE events"
        ))
        .await?;
        let mut position = prefill;
        let versions_sql = if variant.contains("index") { PG_VERSIONS_INDEXED } else { PG_VERSIONS };
        let prepared = match variant.starts_with("as the journal") {
            true => None,
            false => Some((
                c.prepare(PG_LOCK).await?,
                c.prepare(PG_HEAD).await?,
                c.prepare(versions_sql).await?,
                c.prepare(PG_INSERT).await?,
                c.prepare(PG_NOTIFY).await?,
            )),
        };
        let floor = variant.starts_with("floor");
        let mut hist = histogram()?;
        let started = Instant::now();
        for _ in 0..transactions {
            let t = Instant::now();
            let tx = c.transaction().await?;
            let streams = vec![NAT];
            if !floor {
                match &prepared {
                    None => {
                        tx.execute(PG_LOCK, &[]).await?;
                        tx.query_opt(PG_HEAD, &[]).await?;
                        tx.query(PG_VERSIONS, &[&streams]).await?;
                    }
                    Some((lock, head, versions, _, _)) => {
                        tx.execute(lock, &[]).await?;
                        tx.query_opt(head, &[]).await?;
                        tx.query(versions, &[&streams]).await?;
                    }
                }
            }
            let n = rows as i64;
            let positions: Vec<i64> = (position + 1..=position + n).collect();
            position += n;
            let text: Vec<&str> = vec![NAT; rows];
            let kinds: Vec<&str> = vec!["VoteCast"; rows];
            let payloads: Vec<String> = positions
                .iter()
                .map(|p| format!(r#"{{"poll":1,"member":"n-{p:04}","choice":"yes"}}"#))
                .collect();
            let payloads: Vec<&str> = payloads.iter().map(String::as_str).collect();
            let actors: Vec<&str> = vec!["account:nat-bench.n-0001"; rows];
            let at: Vec<i64> = vec![chrono::Utc::now().timestamp_micros(); rows];
            let keys: Vec<Option<&str>> = vec![Some("account:nat-bench.n-0001|peak-1-1"); rows];
            let hash = [7u8; 32];
            let hashes: Vec<&[u8]> = vec![&hash[..]; rows];
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 9] =
                [&positions, &text, &positions, &kinds, &payloads, &actors, &at, &keys, &hashes];
            match &prepared {
                None => tx.execute(PG_INSERT, &params).await?,
                Some((_, _, _, insert, _)) => tx.execute(insert, &params).await?,
            };
            if !floor {
                let last = position.to_string();
                match &prepared {
                    None => tx.execute(PG_NOTIFY, &[&"plenum_probe", &last]).await?,
                    Some((_, _, _, _, notify)) => tx.execute(notify, &[&"plenum_probe", &last]).await?,
                };
            }
            tx.commit().await?;
            hist.saturating_record(us(t.elapsed()));
        }
        let secs = started.elapsed().as_secs_f64();
        ctx.say(
            format!(
                "pg commit probe, {prefill} events in the journal, {rows} per transaction, {variant}: {} ({:.0} transactions/s, {:.0} events/s)",
                lat_text(&hist),
                transactions as f64 / secs,
                (transactions * rows) as f64 / secs
            ),
            json!({"bench": "pg_commit_probe", "variant": variant, "rows": rows, "prefill": prefill, "latency": lat_json(&hist),
                   "transactions_per_s": transactions as f64 / secs}),
        );
    }
    Ok(())
}

/// Sampling rate of `--perf-out` profiles: `PLENUM_PERF_HZ`, else 199 per second.
fn perf_hz() -> String {
    std::env::var("PLENUM_PERF_HZ").ok().filter(|v| v.parse::<u32>().is_ok()).unwrap_or_else(|| "199".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_commits_are_told_from_two_readings_of_the_histogram() {
        let text = |counts: [u64; 4]| {
            format!(
                "# TYPE plenum_commit_seconds histogram\n\
                 plenum_commit_seconds_bucket{{le=\"0.001\"}} {}\n\
                 plenum_commit_seconds_bucket{{le=\"0.02\"}} {}\n\
                 plenum_commit_seconds_bucket{{le=\"0.25\"}} {}\n\
                 plenum_commit_seconds_bucket{{le=\"+Inf\"}} {}\n\
                 plenum_commit_seconds_sum 1.5\nplenum_commit_seconds_count {}\n",
                counts[0], counts[1], counts[2], counts[3], counts[3]
            )
        };
        let before = buckets(&text([10, 12, 12, 12]), "plenum_commit_seconds").unwrap();
        assert_eq!(before.len(), 4);
        assert!(before[3].0.is_infinite());
        // Since then: 5 commits within 1 ms, 1 within 20 ms, 2 within 250 ms.
        let after = buckets(&text([15, 18, 20, 20]), "plenum_commit_seconds").unwrap();
        let (all, slow, slowest) = slow_commits(&after, &before, 0.020);
        assert_eq!((all, slow, slowest), (8.0, 2.0, 0.25));
        assert_eq!(bound_text(slowest, &after), "at most 250.0 ms");
        // One beyond the last finite bound.
        let beyond = buckets(&text([15, 18, 20, 21]), "plenum_commit_seconds").unwrap();
        let (all, slow, slowest) = slow_commits(&beyond, &before, 0.020);
        assert_eq!((all, slow), (9.0, 3.0));
        assert_eq!(bound_text(slowest, &beyond), "over 250 ms");
        // Nothing committed in between.
        assert_eq!(slow_commits(&before, &before, 0.020), (0.0, 0.0, 0.0));
        // A server without the histogram is an error, not a silent zero.
        assert!(buckets("plenum_commit_seconds_count 3\n", "plenum_commit_seconds").is_err());
    }

    #[test]
    fn sse_events_are_split_across_chunks() {
        let mut p = SseParser::default();
        let mut out = Vec::new();
        p.push(b": keep-alive\n\nevent: VoteCast\nid: 1", &mut out);
        assert!(out.is_empty());
        p.push(b"2\ndata: {}\n\nevent: PollClosed\r\nid: 13\r\ndata: {}\r\n\r\n", &mut out);
        assert_eq!(out, vec![(12, "VoteCast".to_owned()), (13, "PollClosed".to_owned())]);
    }
}
