//! Child processes: servers pinned to the server core, clients to the client core, each
//! killed when its handle drops, every wait bounded.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::process::{Child, Command};

/// A running child process (killed on drop).
pub struct Proc {
    pub pid: u32,
    pub log: PathBuf,
    child: Child,
    pub started: Instant,
}

impl Proc {
    /// Stop the process and wait for it (bounded).
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// How to start a server.
pub struct Spec<'a> {
    pub name: &'a str,
    pub cpu: &'a str,
    pub program: &'a Path,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<&'a Path>,
    pub log_dir: &'a Path,
}

/// Variables a benchmark server must not inherit from the caller's shell.
const SCRUB: [&str; 12] = [
    "DATABASE_URL",
    "SWITCHBOARD_ADDR",
    "SWITCHBOARD_ENV",
    "SWITCHBOARD_JWT_SECRET",
    "SWITCHBOARD_DB_POOL",
    "SWITCHBOARD_BODY_LIMIT",
    "SWITCHBOARD_MAX_BATCH",
    "SWITCHBOARD_WS_READ_BUFFER",
    "SWITCHBOARD_WS_WRITE_BUFFER",
    "SWITCHBOARD_LOG_FORMAT",
    "RUST_LOG",
    "NODE_OPTIONS",
];

/// Start `spec.program` under `taskset -c <cpu>` (taskset execs, so the pid is the
/// server's), stdout and stderr to `<log_dir>/<name>.log`.
pub fn spawn(spec: Spec<'_>) -> anyhow::Result<Proc> {
    std::fs::create_dir_all(spec.log_dir)?;
    let log = spec.log_dir.join(format!("{}.log", spec.name));
    let out = std::fs::File::create(&log)?;
    let err = out.try_clone()?;
    let mut cmd = Command::new("taskset");
    cmd.arg("-c")
        .arg(spec.cpu)
        .arg(spec.program)
        .args(&spec.args);
    for key in SCRUB {
        cmd.env_remove(key);
    }
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    if let Some(dir) = spec.cwd {
        cmd.current_dir(dir);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", spec.program.display()))?;
    let pid = child.id().context("child pid")?;
    Ok(Proc {
        pid,
        log,
        child,
        started,
    })
}

/// POST `body` to `url` until it answers 200 (bounded by `timeout`). Returns the time
/// from `since` to the first 200 and the answer.
pub async fn wait_ok(
    url: &str,
    body: &str,
    since: Instant,
    timeout: Duration,
    poll: Duration,
) -> anyhow::Result<(Duration, Vec<u8>)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()?;
    let deadline = Instant::now() + timeout;
    loop {
        let res = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await;
        if let Ok(r) = res
            && r.status().is_success()
        {
            let at = since.elapsed();
            return Ok((at, r.bytes().await?.to_vec()));
        }
        if Instant::now() > deadline {
            anyhow::bail!("{url} did not answer 200 within {timeout:?}");
        }
        tokio::time::sleep(poll).await;
    }
}

/// Fail early when a port the suite needs is taken.
pub fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// Run a short command and return its trimmed stdout ("" on failure).
pub fn capture(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The last lines of a log, for error messages.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
