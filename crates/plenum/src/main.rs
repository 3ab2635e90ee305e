//! The `plenum` command: run the server, the demo, imports, journal checks and the tellers' offline steps.

mod config;
mod tally;
mod teller;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use plenum_app::App;
use plenum_domain::{AssemblyId, Command};
use plenum_journal::{AnyJournal, Journal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "plenum",
    version,
    about = "Plenum: the software an assembly runs on, and that follows what it decided."
)]
struct Cli {
    /// Settings file (TOML). Default: ./plenum.toml if it exists.
    #[arg(long, global = true, env = "PLENUM_CONFIG")]
    config: Option<PathBuf>,
    /// Journal database: a SQLite file (`sqlite:plenum.db`) or `postgres://...`.
    #[arg(long, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Open (creating if needed) a local demo database with a recreated session, and serve it.
    Demo {
        #[arg(long)]
        listen: Option<String>,
        /// Create the demo data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Delete the demo database first and create it anew.
        #[arg(long)]
        reset: bool,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// Inspect the journal.
    Journal {
        #[command(subcommand)]
        what: JournalCmd,
    },
    /// Count a resolution or an election round from a JSON file (`-`: stdin) and print the result.
    Tally { file: PathBuf },
    /// For a teller (监票人) of secret polls and election rounds whose key the tellers hold: make a key,
    /// compute a share.
    Teller {
        #[command(subcommand)]
        what: TellerCmd,
    },
}

/// Run by each teller on their own device, offline; neither needs a database.
#[derive(Subcommand)]
enum TellerCmd {
    /// Make a key pair: write it to a new file (mode 0600) and print the public key to register.
    Keygen {
        /// The key file to create; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a closed poll's or election round's ballots and print this teller's share of decrypting
    /// their sums (a round's: one per candidate).
    Share {
        /// The key file made by `plenum teller keygen`.
        #[arg(long)]
        key: PathBuf,
        /// The count input (JSON, from the poll's or the election's page; `-`: stdin).
        #[arg(long)]
        input: PathBuf,
    },
    /// Before the vote: check that this teller's key is one of the poll's or round's key holders.
    Check {
        /// The key file made by `plenum teller keygen`.
        #[arg(long)]
        key: PathBuf,
        /// The count input (JSON, from the poll's or the election's page; `-`: stdin).
        #[arg(long)]
        input: PathBuf,
    },
    /// For anyone: check a counted poll's or round's ballots and every teller's share, and print the
    /// totals (a round's: per candidate).
    Verify {
        /// The count input (JSON, from the poll's or the election's page; `-`: stdin).
        #[arg(long)]
        input: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Register members from a CSV (UTF-8 or GBK) or XLSX file. All rows or none.
    Members {
        file: PathBuf,
        /// The assembly (needed when the journal holds more than one).
        #[arg(long)]
        assembly: Option<String>,
        /// The term the members belong to. Default: the latest.
        #[arg(long)]
        term: Option<u32>,
        /// Registration date, YYYY-MM-DD. Default: today.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum JournalCmd {
    /// Recompute the hash chain; exit non-zero at the first altered, removed or reordered event.
    Verify,
    /// Counts of events per assembly and type.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Write a snapshot of the projections now.
    Snapshot,
}

/// mimalloc: a server allocating small objects on every request from two threads
/// spends markedly less time in the allocator than with glibc's (BENCHMARKS.md).
/// Built without transparent huge pages (`no_thp`): with them every fresh region the
/// allocator touches is zeroed 2 MB at a time, which took 5-9 % of the server's CPU
/// under a ballot storm, against under 2 % with ordinary pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Offline, on a teller's device: no settings, journal or runtime.
    if let Cmd::Teller { what } = &cli.command {
        return match what {
            TellerCmd::Keygen { out } => teller::keygen(out),
            TellerCmd::Share { key, input } => teller::share(key, input),
            TellerCmd::Verify { input } => teller::verify(input),
            TellerCmd::Check { key, input } => teller::check(key, input),
        };
    }
    tracing_subscriber::fmt()
        .with_max_level(match std::env::var("PLENUM_LOG").as_deref() {
            Ok("debug") => tracing::Level::DEBUG,
            Ok("warn") => tracing::Level::WARN,
            Ok("error") => tracing::Level::ERROR,
            _ => tracing::Level::INFO,
        })
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("plenum: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("plenum: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(db) = cli.database {
        config.database = plenum_journal::DatabaseUrl::new(db);
    }
    match cli.command {
        Cmd::Tally { file } => return Ok(tally::run(&file)),
        // Handled in `main`, before any of this.
        Cmd::Teller { .. } => bail!("plenum teller runs without a database"),
        Cmd::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            let app = start(&config).await?;
            serve(app, &config).await?;
        }
        Cmd::Demo { listen, no_serve, reset } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if std::env::var_os("PLENUM_DATABASE").is_none() && !config_names_database(&cli.config) {
                config.database = plenum_journal::DatabaseUrl::new("sqlite:plenum-demo.db");
            }
            if reset {
                if config.database.is_postgres() {
                    bail!("--reset only deletes a SQLite demo file; drop the PostgreSQL schema yourself");
                }
                let path = config.database.sqlite_path().to_owned();
                for suffix in ["", "-wal", "-shm"] {
                    match std::fs::remove_file(format!("{path}{suffix}")) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e).with_context(|| format!("deleting {path}{suffix}")),
                    }
                }
            }
            let app = start(&config).await?;
            let seeded = plenum_app::seed_demo(&app).await?;
            if seeded {
                eprintln!("demo data created in {}", config.database);
            }
            let logins = plenum_web::demo::seed_accounts(&app).await.map_err(anyhow::Error::msg)?;
            if !no_serve {
                let listener = bind(&config.listen).await?;
                println!("Plenum demo is running at http://{}/", listener.local_addr()?);
                println!("Demo logins (password for all: {}):", plenum_web::demo::DEMO_PASSWORD);
                for l in &logins {
                    println!("  {:<12} {:<22} {}", l.username, plenum_web::i18n::Lang::En.t(l.title), l.name);
                }
                plenum_web::serve(app, config.web(), listener).await?;
            }
        }
        Cmd::Import { what: ImportCmd::Members { file, assembly, term, date } } => {
            let app = start(&config).await?;
            import_members(&app, &file, assembly, term, date).await?;
        }
        Cmd::Journal { what } => {
            if !config.database.is_postgres() && !std::path::Path::new(config.database.sqlite_path()).exists()
            {
                bail!("no journal at {} (set --database or PLENUM_DATABASE)", config.database);
            }
            let journal = AnyJournal::open(&config.database).await.context("opening the journal")?;
            match what {
                JournalCmd::Verify => {
                    let v = journal.verify().await?;
                    if let Some(bad) = v.first_bad {
                        eprintln!(
                            "journal verify: FAILED at position {bad}: {} ({} events before it verify)",
                            v.reason.unwrap_or_default(),
                            v.events
                        );
                        return Ok(ExitCode::from(2));
                    }
                    println!("journal verify: ok, {} events, head hash {}", v.events, hex_str(&v.head_hash));
                }
                JournalCmd::Stats { json } => {
                    let s = journal.stats().await?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&s)?);
                    } else {
                        println!("backend:   {}", journal.backend());
                        println!("events:    {}", s.events);
                        println!("head:      {} ({})", s.head, s.head_hash);
                        if let (Some(a), Some(b)) = (s.first_at, s.last_at) {
                            let t = |m| {
                                chrono::DateTime::from_timestamp_micros(m)
                                    .map(|d| d.to_rfc3339())
                                    .unwrap_or_default()
                            };
                            println!("first/last: {} / {}", t(a), t(b));
                        }
                        println!("streams:");
                        for (name, n) in &s.streams {
                            println!("  {name:<24} {n:>10}");
                        }
                        println!("types:");
                        for (name, n) in &s.types {
                            println!("  {name:<24} {n:>10}");
                        }
                        for (name, p) in &s.snapshots {
                            println!("snapshot {name} at position {p}");
                        }
                    }
                }
                JournalCmd::Snapshot => {
                    drop(journal);
                    let app = start(&config).await?;
                    let p = app.snapshot().await?;
                    println!("snapshot written at position {p}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn hex_str(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn config_names_database(file: &Option<PathBuf>) -> bool {
    file.is_some() || std::path::Path::new("plenum.toml").exists()
}

async fn start(config: &Config) -> Result<App> {
    tracing::info!(database = %config.database, "opening the journal");
    let journal = AnyJournal::open(&config.database)
        .await
        .with_context(|| format!("opening the journal at {}", config.database))?;
    let (app, _) = App::start(journal).await?;
    Ok(app)
}

async fn bind(listen: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))
}

async fn serve(app: App, config: &Config) -> Result<()> {
    let listener = bind(&config.listen).await?;
    println!("Plenum is running at http://{}/", listener.local_addr()?);
    plenum_web::serve(app, config.web(), listener).await?;
    Ok(())
}

async fn import_members(
    app: &App,
    file: &std::path::Path,
    assembly: Option<String>,
    term: Option<u32>,
    date: Option<chrono::NaiveDate>,
) -> Result<()> {
    let ids: Vec<AssemblyId> = app.read_all(|p| p.assemblies.keys().cloned().collect());
    let assembly = match assembly {
        Some(a) => AssemblyId::parse(a).context("--assembly")?,
        None if ids.len() == 1 => ids[0].clone(),
        None => bail!(
            "--assembly is needed: the journal holds {}",
            ids.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    let Some(state) = app.read(&assembly, |a| a.clone()) else {
        bail!("no assembly {assembly} in the journal");
    };
    let term = match term.or_else(|| state.terms.keys().last().copied()) {
        Some(t) => t,
        None => bail!("assembly {assembly} has no term yet"),
    };
    let opts = plenum_app::import::ImportOptions {
        term,
        registered_on: date.unwrap_or_else(|| chrono::Utc::now().date_naive()),
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("reading {}", file.display()));
    let drafts = plenum_app::import::read_members(file, &state, &opts, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let drafts = drafts.map_err(|e| anyhow::anyhow!("{e}\nnothing was imported"))?;
    let n = drafts.len();
    app.execute(&assembly, "import", Command::RegisterMembers { members: drafts }, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}\nnothing was imported"))?;
    println!("imported {n} members into {assembly}");
    Ok(())
}
