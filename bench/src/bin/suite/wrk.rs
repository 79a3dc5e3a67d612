//! HTTP load with `wrk` (one thread, N connections, closed loop), pinned to the client
//! core; interleaved repetitions of several targets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// One wrk run, as printed by `lua/post.lua`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Run {
    pub target: String,
    pub rps: f64,
    pub requests: u64,
    pub duration_s: f64,
    /// Non-2xx/3xx answers.
    pub status_errors: u64,
    /// Connect, read, write errors and timeouts.
    pub socket_errors: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

#[derive(Deserialize)]
struct Raw {
    requests: u64,
    duration_us: u64,
    errors: RawErrors,
    latency_us: RawLatency,
}
#[derive(Deserialize)]
struct RawErrors {
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
}
#[derive(Deserialize)]
struct RawLatency {
    mean: f64,
    max: u64,
    p50: u64,
    p90: u64,
    p99: u64,
}

/// A load target: a URL and either one body (with an optional bearer token) or a file
/// of `token<TAB>body` lines sent in turn (`token<TAB>path` GET requests when `get`).
#[derive(Clone, Debug)]
pub struct Target {
    pub label: String,
    pub url: String,
    pub body: PathBuf,
    pub token: Option<String>,
    pub requests: Option<PathBuf>,
    pub get: bool,
}

/// How to drive wrk.
#[derive(Clone, Debug)]
pub struct Load {
    pub script: PathBuf,
    pub cpu: String,
    pub connections: u32,
    pub seconds: u32,
}

/// Run wrk once against `target` for `seconds`.
pub async fn run(load: &Load, target: &Target, seconds: u32) -> anyhow::Result<Run> {
    let mut cmd = tokio::process::Command::new("taskset");
    cmd.arg("-c")
        .arg(&load.cpu)
        .arg("wrk")
        .arg("-t1")
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{seconds}s"))
        .arg("--timeout")
        .arg("5s")
        .arg("-s")
        .arg(&load.script)
        .arg(&target.url)
        .env("WRK_BODY", &target.body)
        .env("WRK_TOKEN", target.token.as_deref().unwrap_or(""))
        .env(
            "WRK_REQUESTS",
            target.requests.as_deref().unwrap_or(Path::new("")),
        )
        .env("WRK_METHOD", if target.get { "GET" } else { "POST" })
        .kill_on_drop(true);
    let bound = Duration::from_secs(u64::from(seconds) + 30);
    let out = tokio::time::timeout(bound, cmd.output())
        .await
        .context("wrk did not finish in time")??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRKJSON "))
        .with_context(|| {
            format!(
                "wrk printed no summary: {}{}",
                stdout,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let raw: Raw = serde_json::from_str(line)?;
    let duration_s = raw.duration_us as f64 / 1e6;
    Ok(Run {
        target: target.label.clone(),
        rps: raw.requests as f64 / duration_s.max(1e-9),
        requests: raw.requests,
        duration_s,
        status_errors: raw.errors.status,
        socket_errors: raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout,
        p50_ms: raw.latency_us.p50 as f64 / 1e3,
        p90_ms: raw.latency_us.p90 as f64 / 1e3,
        p99_ms: raw.latency_us.p99 as f64 / 1e3,
        max_ms: raw.latency_us.max as f64 / 1e3,
        mean_ms: raw.latency_us.mean / 1e3,
    })
}

/// Warm every target up, then run `reps` rounds; each round runs every target once,
/// the order reversed every other round (A B, B A, …) so drift hits both sides alike.
/// Returns the runs per target, in target order.
pub async fn interleaved(
    load: &Load,
    targets: &[Target],
    reps: usize,
    warmup: u32,
) -> anyhow::Result<Vec<Vec<Run>>> {
    for t in targets {
        if warmup > 0 {
            run(load, t, warmup).await?;
        }
    }
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); targets.len()];
    for rep in 0..reps {
        let order: Vec<usize> = if rep % 2 == 0 {
            (0..targets.len()).collect()
        } else {
            (0..targets.len()).rev().collect()
        };
        for i in order {
            let r = run(load, &targets[i], load.seconds).await?;
            eprintln!(
                "    {:<28} {:>9.0} req/s  p99 {:>7.2} ms  errors {}/{}",
                r.target, r.rps, r.p99_ms, r.status_errors, r.socket_errors
            );
            runs[i].push(r);
        }
    }
    Ok(runs)
}

/// Write a `token<TAB>body` request list.
pub fn lines_file(dir: &Path, name: &str, lines: &[(String, String)]) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.tsv"));
    let mut text = String::new();
    for (token, body) in lines {
        anyhow::ensure!(
            !body.contains('\n') && !token.contains('\t'),
            "bad request line"
        );
        text.push_str(token);
        text.push('\t');
        text.push_str(body);
        text.push('\n');
    }
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Write a request body file.
pub fn body_file(dir: &Path, name: &str, body: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, body)?;
    Ok(path)
}
