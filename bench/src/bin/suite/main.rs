//! The benchmark suite's driver: seeds (or reuses) the data, starts Switchboard, the
//! references and the peer pinned to the server core, drives them from the client core,
//! and writes `bench/results/*.json` and `bench/REPORT.md`. `bench/run.sh` builds and
//! calls it; see `bench/README.md`.

mod figures;
mod procs;
mod report;
mod statements;
mod wrk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bench::Manifest;
use clap::{Parser, ValueEnum};
use procs::{Proc, Spec};
use report::{Environment, Figure, Results, Row, Status};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Quick,
    Full,
}

#[derive(Parser, Debug, Clone)]
#[command(about = "Run the Switchboard benchmark suite")]
struct Opts {
    /// quick (≤ 5 minutes) or full.
    #[arg(long, value_enum, default_value = "quick")]
    mode: Mode,
    /// Repository root.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Where the release binaries are.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// PostgreSQL database for the PostgreSQL figures (created by the seeder); none: skip.
    #[arg(long)]
    pg_url: Option<String>,
    /// Whether `pg_stat_statements` is loaded on that server (private cluster).
    #[arg(long)]
    pg_stat_statements: bool,
    /// Directory with PostGraphile installed (`node_modules/`); none: skip the peer.
    #[arg(long)]
    peer_dir: Option<PathBuf>,
    /// CPU list for load generators (wrk, wsbench, probes).
    #[arg(long, default_value = "0")]
    client_cpu: String,
    /// CPU list for servers (Switchboard, references, PostGraphile; PostgreSQL when private).
    #[arg(long, default_value = "1")]
    server_cpu: String,
    /// Seed again even when seeded data of the same version exists.
    #[arg(long)]
    reseed: bool,
    /// Run only these figures (e.g. `P1,P4`); for development.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Commands to record in the report (set by run.sh).
    #[arg(long)]
    command_line: Vec<String>,
    /// Only render `bench/REPORT.md` again from `bench/results/latest.json` (e.g. after
    /// editing `bench/FINDINGS.md`); runs nothing.
    #[arg(long)]
    render_only: bool,
    /// How the PostgreSQL server was provided (set by run.sh).
    #[arg(long, default_value = "")]
    pg_note: String,
}

/// Durations and sizes of a mode.
#[derive(Clone, Debug)]
struct Plan {
    reps: usize,
    seconds: u32,
    warmup: u32,
    connections: u32,
    fanout: Vec<usize>,
    fanout_reps: usize,
    idle_n: usize,
    idle_reps: usize,
    send_events: usize,
    send_reps: usize,
    starts: usize,
    extra: bool,
}

impl Plan {
    fn of(mode: Mode) -> Plan {
        match mode {
            Mode::Quick => Plan {
                reps: 3,
                seconds: 3,
                warmup: 1,
                connections: 32,
                fanout: vec![1_000],
                fanout_reps: 1,
                idle_n: 1_000,
                idle_reps: 1,
                send_events: 40,
                send_reps: 1,
                starts: 5,
                extra: false,
            },
            Mode::Full => Plan {
                reps: 3,
                seconds: 10,
                warmup: 5,
                connections: 32,
                fanout: vec![1_000, 5_000, 10_000],
                fanout_reps: 3,
                idle_n: 5_000,
                idle_reps: 3,
                send_events: 200,
                send_reps: 3,
                starts: 5,
                extra: true,
            },
        }
    }
}

const PORT_SB_SQLITE: u16 = 18081;
const PORT_SB_PG: u16 = 18082;
const PORT_REF_SQLITE: u16 = 18083;
const PORT_REF_PG: u16 = 18084;
const PORT_PEER: u16 = 18085;
const PORT_WS: u16 = 18086;
const PORT_START: u16 = 18088;
const PORT_PEER_START: u16 = 18089;

/// Bump when the seeder's output changes, so cached data is rebuilt (the schema's
/// migrations are part of the stamp too).
const SEED_VERSION: &str = "seed-v2 users=1000 chats=100 messages=200000 seed=20261121";

/// The seed stamp: seeder version, schema migrations, database.
fn seed_stamp(database_url: &str) -> String {
    use migration::MigratorTrait as _;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    format!(
        "{SEED_VERSION} migrations={} url={database_url}",
        names.join(",")
    )
}

struct Suite {
    opts: Opts,
    plan: Plan,
    root: PathBuf,
    bin: PathBuf,
    work: PathBuf,
    logs: PathBuf,
    bodies: PathBuf,
    load: wrk::Load,
    raw: BTreeMap<String, Value>,
    figures: Vec<Figure>,
}

fn url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

fn gid(kind: schema::ids::Kind, id: i64) -> String {
    schema::ids::encode(kind, id).0
}

fn medians(runs: &[wrk::Run], f: impl Fn(&wrk::Run) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

fn errors(runs: &[wrk::Run]) -> u64 {
    runs.iter().map(|r| r.status_errors + r.socket_errors).sum()
}

impl Suite {
    fn wanted(&self, id: &str) -> bool {
        self.opts.only.is_empty() || self.opts.only.iter().any(|o| o.eq_ignore_ascii_case(id))
    }

    fn spec<'a>(&'a self, name: &'a str, program: &'a Path, args: Vec<String>) -> Spec<'a> {
        Spec {
            name,
            cpu: &self.opts.server_cpu,
            program,
            args,
            env: Vec::new(),
            cwd: None,
            log_dir: &self.logs,
        }
    }

    async fn switchboard(
        &self,
        name: &str,
        database_url: &str,
        port: u16,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Proc> {
        anyhow::ensure!(procs::port_free(port), "port {port} is taken");
        let program = self.bin.join("switchboard");
        let mut spec = self.spec(name, &program, vec!["serve".into()]);
        spec.env = vec![
            ("DATABASE_URL".into(), database_url.into()),
            ("SWITCHBOARD_ADDR".into(), format!("127.0.0.1:{port}")),
        ];
        spec.env
            .extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let p = procs::spawn(spec)?;
        let since = p.started;
        procs::wait_ok(
            &url(port, "/graphql"),
            r#"{"query":"{ __typename }"}"#,
            since,
            Duration::from_secs(30),
            Duration::from_millis(5),
        )
        .await
        .with_context(|| format!("{name}: {}", procs::tail(&p.log, 20)))?;
        Ok(p)
    }

    async fn refserver(
        &self,
        name: &str,
        manifest: &Path,
        database_url: &str,
        port: u16,
    ) -> anyhow::Result<Proc> {
        anyhow::ensure!(procs::port_free(port), "port {port} is taken");
        let program = self.bin.join("refserver");
        let args = vec![
            "--database-url".into(),
            database_url.into(),
            "--addr".into(),
            format!("127.0.0.1:{port}"),
            "--manifest".into(),
            manifest.display().to_string(),
            "--fixtures".into(),
            self.work.join("fixtures").display().to_string(),
        ];
        let p = procs::spawn(self.spec(name, &program, args))?;
        let since = p.started;
        procs::wait_ok(
            &url(port, "/healthz"),
            "{}",
            since,
            Duration::from_secs(30),
            Duration::from_millis(5),
        )
        .await
        .with_context(|| format!("{name}: {}", procs::tail(&p.log, 20)))?;
        Ok(p)
    }

    fn peer_paths(&self) -> Option<(PathBuf, PathBuf)> {
        let dir = self.opts.peer_dir.as_ref()?;
        let node = dir.join("node_modules/node/bin/node");
        let cli = dir.join("node_modules/postgraphile/dist/cli-run.js");
        (node.exists() && cli.exists()).then_some((node, cli))
    }

    async fn postgraphile(&self, port: u16, pg_url: &str) -> anyhow::Result<(Proc, Duration)> {
        anyhow::ensure!(procs::port_free(port), "port {port} is taken");
        let (node, cli) = self.peer_paths().context("PostGraphile is not installed")?;
        let args = vec![
            cli.display().to_string(),
            "-P".into(),
            "postgraphile/presets/amber".into(),
            "-c".into(),
            pg_url.into(),
            "-s".into(),
            "public".into(),
            "-p".into(),
            port.to_string(),
            "-n".into(),
            "127.0.0.1".into(),
        ];
        let mut spec = self.spec("postgraphile", &node, args);
        spec.env = vec![
            ("NODE_ENV".into(), "production".into()),
            ("GRAPHILE_ENV".into(), "production".into()),
        ];
        let dir = self.opts.peer_dir.clone().context("peer dir")?;
        spec.cwd = Some(&dir);
        let p = procs::spawn(spec)?;
        let since = p.started;
        let (at, _) = procs::wait_ok(
            &url(port, "/graphql"),
            r#"{"query":"{ __typename }"}"#,
            since,
            Duration::from_secs(60),
            Duration::from_millis(5),
        )
        .await
        .with_context(|| format!("postgraphile: {}", procs::tail(&p.log, 20)))?;
        Ok((p, at))
    }

    /// POST once and return the answer's bytes; fails on a non-200 or GraphQL errors.
    async fn fetch(&self, url: &str, body: &str, token: Option<&str>) -> anyhow::Result<Vec<u8>> {
        let client = reqwest::Client::new();
        let mut req = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let res = req.send().await?;
        let status = res.status();
        let bytes = res.bytes().await?.to_vec();
        anyhow::ensure!(
            status.is_success(),
            "{url}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let v: Value = serde_json::from_slice(&bytes)?;
        anyhow::ensure!(v.get("errors").is_none(), "{url}: {v}");
        Ok(bytes)
    }

    fn target(
        &self,
        label: &str,
        url: String,
        name: &str,
        body: &str,
        token: Option<&str>,
    ) -> anyhow::Result<wrk::Target> {
        Ok(wrk::Target {
            label: label.into(),
            url,
            body: wrk::body_file(&self.bodies, name, body)?,
            token: token.map(str::to_owned),
            requests: None,
            get: false,
        })
    }

    /// A target sending `lines` (token, body) in turn.
    fn target_lines(
        &self,
        label: &str,
        url: String,
        name: &str,
        lines: &[(String, String)],
    ) -> anyhow::Result<wrk::Target> {
        let first = lines.first().context("no request")?;
        Ok(wrk::Target {
            label: label.into(),
            url,
            body: wrk::body_file(&self.bodies, name, &first.1)?,
            token: None,
            requests: Some(wrk::lines_file(&self.bodies, name, lines)?),
            get: false,
        })
    }

    /// A target sending GET requests for `lines` (token, path with query) in turn.
    fn target_get_lines(
        &self,
        label: &str,
        url: String,
        name: &str,
        lines: &[(String, String)],
    ) -> anyhow::Result<wrk::Target> {
        Ok(wrk::Target {
            get: true,
            ..self.target_lines(label, url, name, lines)?
        })
    }

    /// GET once with a bearer token and return the answer's bytes; fails on a non-200.
    async fn fetch_get(&self, url: &str, token: &str) -> anyhow::Result<Vec<u8>> {
        let res = reqwest::Client::new()
            .get(url)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await?;
        let status = res.status();
        let bytes = res.bytes().await?.to_vec();
        anyhow::ensure!(
            status.is_success(),
            "{url}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        Ok(bytes)
    }

    async fn compare(
        &mut self,
        key: &str,
        targets: &[wrk::Target],
    ) -> anyhow::Result<Vec<Vec<wrk::Run>>> {
        eprintln!(
            "  {key}: {} × {} s, interleaved",
            self.plan.reps, self.plan.seconds
        );
        let runs = wrk::interleaved(&self.load, targets, self.plan.reps, self.plan.warmup).await?;
        self.raw.insert(key.into(), serde_json::to_value(&runs)?);
        Ok(runs)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call site per figure; a struct would only rename them"
    )]
    async fn wsbench(
        &mut self,
        key: &str,
        manifest: &Path,
        server_pid: u32,
        subscribers: usize,
        events: usize,
        rate: f64,
        extra: &[&str],
    ) -> anyhow::Result<Value> {
        let out = self.work.join(format!("{key}.json"));
        let mut cmd = tokio::process::Command::new("taskset");
        cmd.arg("-c")
            .arg(&self.opts.client_cpu)
            .arg(self.bin.join("wsbench"))
            .arg("--server")
            .arg(url(PORT_WS, ""))
            .arg("--manifest")
            .arg(manifest)
            .arg("--subscribers")
            .arg(subscribers.to_string())
            .arg("--events")
            .arg(events.to_string())
            .arg("--rate")
            .arg(rate.to_string())
            .arg("--server-pid")
            .arg(server_pid.to_string())
            .arg("--label")
            .arg(key)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .kill_on_drop(true);
        let res = tokio::time::timeout(Duration::from_secs(200), cmd.output())
            .await
            .context("wsbench did not finish in time")??;
        anyhow::ensure!(
            res.status.success(),
            "wsbench {key}: {}",
            String::from_utf8_lossy(&res.stderr)
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
        eprintln!(
            "    {key}: connected {}/{} in {:.1}s, delivered {:.1}%, p50 {:.1} ms, p99 {:.1} ms, idle {:.0} B/socket, send p99 {:.1} ms",
            v["connected"],
            v["subscribers"],
            v["connect_secs"].as_f64().unwrap_or(0.0),
            v["delivered_pct"].as_f64().unwrap_or(0.0),
            v["latency_ms"]["p50"].as_f64().unwrap_or(f64::NAN),
            v["latency_ms"]["p99"].as_f64().unwrap_or(f64::NAN),
            v["idle_bytes_per_socket"].as_f64().unwrap_or(0.0),
            v["send_latency_ms"]["p99"].as_f64().unwrap_or(f64::NAN)
        );
        self.raw.insert(key.into(), v.clone());
        Ok(v)
    }
}

/// Seed a database unless seeded data of this version is there already.
async fn ensure_seeded(
    s: &Suite,
    name: &str,
    database_url: &str,
) -> anyhow::Result<(Manifest, PathBuf)> {
    let manifest = s.work.join(format!("{name}.json"));
    let stamp = s.work.join(format!("{name}.stamp"));
    let fresh = s.opts.mode == Mode::Full || s.opts.reseed;
    let current = std::fs::read_to_string(&stamp).unwrap_or_default();
    let want = seed_stamp(database_url);
    if fresh || current.trim() != want || !manifest.exists() {
        eprintln!("==> seeding {name} ({database_url})");
        let _ = std::fs::remove_file(&stamp);
        let status = tokio::process::Command::new(s.bin.join("seed"))
            .arg("--database-url")
            .arg(database_url)
            .arg("--out")
            .arg(&manifest)
            .arg("--fresh")
            .status()
            .await?;
        anyhow::ensure!(status.success(), "seeding {name} failed");
        std::fs::write(&stamp, &want)?;
    } else {
        eprintln!(
            "==> reusing seeded {name} (delete {} to reseed)",
            stamp.display()
        );
    }
    Ok((Manifest::load(&manifest)?, manifest))
}

fn environment(s: &Suite) -> Environment {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB RAM", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let root = s.root.display().to_string();
    let sha = procs::capture("git", &["-C", &root, "rev-parse", "HEAD"]);
    let dirty = !procs::capture("git", &["-C", &root, "status", "--porcelain"]).is_empty();
    let mut tools = BTreeMap::new();
    tools.insert("rustc".into(), procs::capture("rustc", &["--version"]));
    let wrk = std::process::Command::new("wrk")
        .arg("-v")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    tools.insert("wrk".into(), wrk);
    if let Some(url) = &s.opts.pg_url {
        tools.insert(
            "PostgreSQL".into(),
            format!(
                "{} — {}",
                procs::capture("psql", &[url.as_str(), "-Atqc", "SHOW server_version"]),
                s.opts.pg_note
            ),
        );
    }
    if let Some((node, cli)) = s.peer_paths() {
        let dir = s.opts.peer_dir.clone().unwrap_or_default();
        let version = std::fs::read_to_string(dir.join("node_modules/postgraphile/package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = cli;
        tools.insert(
            "peer".into(),
            format!(
                "PostGraphile {version} (Amber preset) on Node {}",
                procs::capture(&node.display().to_string(), &["--version"])
            ),
        );
    }
    Environment {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        mode: format!("{:?}", s.opts.mode).to_lowercase(),
        git_sha: sha,
        git_dirty: dirty,
        // Not `available_parallelism`: the suite itself runs pinned to the client core.
        nproc: std::fs::read_to_string("/proc/cpuinfo")
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
            .to_string(),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        cpu_model: cpu,
        memory: mem,
        tools,
        pinning: format!(
            "servers (Switchboard, references, PostGraphile{}) on CPU {}; load generators (wrk -t1 -c{}, wsbench, probes) on CPU {} (`taskset`)",
            if s.opts.pg_note.contains("private") {
                ", PostgreSQL"
            } else {
                ""
            },
            s.opts.server_cpu,
            s.plan.connections,
            s.opts.client_cpu
        ),
        commands: s.opts.command_line.clone(),
        data: String::new(),
        duration_s: 0.0,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut opts = Opts::parse();
    let root = std::fs::canonicalize(&opts.root)?;
    if opts.render_only {
        let text = std::fs::read_to_string(root.join("bench/results/latest.json"))?;
        let results: Results = serde_json::from_str(&text)?;
        let findings = std::fs::read_to_string(root.join("bench/FINDINGS.md")).ok();
        std::fs::write(
            root.join("bench/REPORT.md"),
            report::markdown(&results, findings.as_deref()),
        )?;
        eprintln!("==> rendered bench/REPORT.md from bench/results/latest.json");
        return Ok(());
    }
    opts.peer_dir = opts
        .peer_dir
        .as_ref()
        .and_then(|d| std::fs::canonicalize(d).ok());
    let work = root.join("bench/.work");
    std::fs::create_dir_all(&work)?;
    let plan = Plan::of(opts.mode);
    let load = wrk::Load {
        script: root.join("bench/lua/post.lua"),
        cpu: opts.client_cpu.clone(),
        connections: plan.connections,
        seconds: plan.seconds,
    };
    let mut s = Suite {
        bin: root.join(&opts.bin_dir),
        logs: work.join("logs"),
        bodies: work.join("bodies"),
        root: root.clone(),
        work,
        plan,
        load,
        opts,
        raw: BTreeMap::new(),
        figures: Vec::new(),
    };
    let started = Instant::now();
    let mut env = environment(&s);

    let sqlite_url = format!("sqlite://{}", s.work.join("sqlite/bench.db").display());
    let (sqlite, sqlite_manifest) = ensure_seeded(&s, "sqlite", &sqlite_url).await?;
    let pg = match s.opts.pg_url.clone() {
        Some(u) => Some(ensure_seeded(&s, "pg", &u).await?),
        None => None,
    };
    let c = &sqlite.counts;
    env.data = format!(
        "seed {}: {} users, {} chats (+{} threads), {} messages (+{} thread replies), {} reactions, {} memberships; same rows in SQLite{}",
        sqlite.seed,
        c.users,
        c.chats,
        c.threads,
        c.messages,
        c.thread_replies,
        c.reactions,
        c.chat_members,
        if pg.is_some() { " and PostgreSQL" } else { "" }
    );

    // Each group adds its figures; a failing group is reported, not fatal.
    let mut p = Partial::default();
    if s.wanted("P4") {
        let r = figures::p4(&mut s, &sqlite, pg.as_ref().map(|x| &x.0), &mut p).await;
        p.note("P4", r);
    }
    let r = figures::group_sqlite(&mut s, &sqlite, &sqlite_manifest, &mut p).await;
    p.note("SQLite HTTP figures", r);
    if let Some((pgm, pgm_path)) = &pg {
        let r = figures::group_pg(&mut s, pgm, pgm_path, &mut p).await;
        p.note("PostgreSQL HTTP figures", r);
    }
    let r = figures::group_ws(&mut s, &sqlite_manifest, &sqlite_url, &mut p).await;
    p.note("WebSocket figures", r);
    if s.wanted("P7") {
        let peer_pg = pg.as_ref().map(|x| x.0.database_url.clone());
        let r = figures::p7(&mut s, peer_pg, &mut p).await;
        p.note("P7", r);
    }
    figures::assemble(&mut s, p, pg.is_some());

    env.duration_s = started.elapsed().as_secs_f64();
    let results = Results {
        environment: env,
        figures: s.figures.clone(),
        raw: s.raw.clone(),
    };
    let dir = s.root.join("bench/results");
    std::fs::create_dir_all(&dir)?;
    let json = serde_json::to_string_pretty(&results)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let short = results
        .environment
        .git_sha
        .chars()
        .take(10)
        .collect::<String>();
    std::fs::write(
        dir.join(format!("{stamp}-{short}-{}.json", results.environment.mode)),
        &json,
    )?;
    std::fs::write(dir.join("latest.json"), &json)?;
    let findings = std::fs::read_to_string(s.root.join("bench/FINDINGS.md")).ok();
    let md = report::markdown(&results, findings.as_deref());
    std::fs::write(s.root.join("bench/REPORT.md"), md)?;
    eprintln!(
        "==> wrote bench/REPORT.md and bench/results/latest.json in {:.0} s",
        results.environment.duration_s
    );
    for f in &results.figures {
        eprintln!("  {:<3} {:<16} {}", f.id, f.verdict(), f.title);
    }
    Ok(())
}

/// What the groups measured, gathered into figures at the end.
#[derive(Default)]
struct Partial {
    p1: Vec<Row>,
    p1_notes: Vec<String>,
    p2: Vec<Row>,
    p2_notes: Vec<String>,
    p3: Vec<Row>,
    p3_notes: Vec<String>,
    p3_status: Option<Status>,
    p4: Vec<Row>,
    p4_notes: Vec<String>,
    p5: Vec<Row>,
    p5_notes: Vec<String>,
    p6: Vec<Row>,
    p6_notes: Vec<String>,
    p7: Vec<Row>,
    p7_notes: Vec<String>,
    p8: Vec<Row>,
    p8_notes: Vec<String>,
    p9: Vec<Row>,
    p9_notes: Vec<String>,
    errors: BTreeMap<String, String>,
}

impl Partial {
    /// Record a group's failure (the other groups still run).
    fn note(&mut self, name: &str, result: anyhow::Result<()>) {
        if let Err(e) = result {
            eprintln!("!! {name} failed: {e:#}");
            self.errors.insert(name.to_owned(), format!("{e:#}"));
        }
    }
}
