//! `graphql-transport-ws` load client: opens N subscriptions to `messageAdded(chatId)`,
//! posts messages with `sendMessage`, and records per-subscriber delivery latency, the
//! `sendMessage` latency, and the server's memory from `/proc/<pid>/status`.
//!
//! One run serves three figures:
//! - P5 fan-out: `--subscribers 10000 --events 20 --rate 5`;
//! - P6 idle-socket memory: ΔRSS between "no socket" and "N sockets subscribed, idle";
//! - P9 send latency under fan-out: `--subscribers 1000` vs `--subscribers 0`.
//!
//! Latency of an event = frame received by a subscriber − the instant the client started
//! the `sendMessage` request that caused it (both clocks are this process's `Instant`).
//! Every wait is bounded (`--timeout`); loads target 127.0.0.1 only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bench::{Manifest, Summary, percentile, proc_memory};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

#[derive(Parser, Debug, Clone)]
#[command(about = "graphql-transport-ws subscription load client")]
struct Args {
    /// Server base, e.g. `http://127.0.0.1:18080` (`/graphql` and `/graphql/ws` are added).
    #[arg(long)]
    server: String,
    /// The seed manifest (tokens, chat ids).
    #[arg(long)]
    manifest: std::path::PathBuf,
    /// Subscribers to open (0: none; P9's baseline).
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Messages to post once everyone is subscribed.
    #[arg(long, default_value_t = 20)]
    events: usize,
    /// Messages per second.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Seconds to wait after subscribing before measuring idle memory.
    #[arg(long, default_value_t = 2.0)]
    settle: f64,
    /// Server process id, for memory readings.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Subscribe without `author { id name }` (no per-subscriber lookup).
    #[arg(long)]
    no_author: bool,
    /// Only connect and authenticate (`connection_init` → `connection_ack`), no
    /// subscription: splits P6's per-socket memory into connection and subscription.
    #[arg(long)]
    no_subscribe: bool,
    /// Connections opened concurrently.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Upper bound on the whole run, in seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Label of this run (goes into the message text and the output).
    #[arg(long, default_value = "run")]
    label: String,
    /// Write the result here as JSON (also printed on stdout).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

#[derive(Serialize, Debug, Default)]
struct Output {
    label: String,
    subscribers: usize,
    connected: usize,
    connect_errors: usize,
    connect_secs: f64,
    /// Server RSS (KiB): before any socket, with N idle subscribers, after the events.
    rss_baseline_kib: u64,
    rss_idle_kib: u64,
    rss_after_kib: u64,
    /// (idle − baseline) / N, in bytes.
    idle_bytes_per_socket: f64,
    events: usize,
    sends_ok: usize,
    expected: usize,
    delivered: usize,
    delivered_pct: f64,
    /// Delivery latency over every (subscriber, event), ms.
    latency_ms: Latency,
    /// `sendMessage` round trip, ms.
    send_latency_ms: Latency,
    /// Frames that were errors or `complete` (a subscription ended early).
    error_frames: usize,
    /// Per event: the slowest subscriber's latency (ms), in event order.
    event_max_ms: Vec<f64>,
}

#[derive(Serialize, Debug, Default)]
struct Latency {
    n: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    samples_summary: Summary,
}

impl Latency {
    fn of(mut v: Vec<f64>) -> Latency {
        v.sort_by(f64::total_cmp);
        Latency {
            n: v.len(),
            p50: percentile(&v, 50.0),
            p90: percentile(&v, 90.0),
            p99: percentile(&v, 99.0),
            max: v.last().copied().unwrap_or(f64::NAN),
            samples_summary: Summary::of(&v),
        }
    }
}

/// What the subscribers share: when each event was sent, and what arrived.
struct Shared {
    /// Event k was sent at `sent[k]` (set before its request starts).
    sent: Mutex<Vec<Option<Instant>>>,
    /// Every (event, receive instant) of every subscriber.
    received: Mutex<Vec<(usize, Instant)>>,
    delivered: AtomicUsize,
    error_frames: AtomicUsize,
    subscribed: AtomicUsize,
}

fn prefix_of(label: &str) -> String {
    format!("wsbench {label} event ")
}

/// The event number in a `next` frame, if it is one of ours.
fn event_of(text: &str, prefix: &str) -> Option<usize> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("type")?.as_str()? != "next" {
        return None;
    }
    let content = v.pointer("/payload/data/messageAdded/content")?.as_str()?;
    content.strip_prefix(prefix)?.parse().ok()
}

/// What every subscriber task is given.
#[derive(Clone)]
struct Setup {
    ws_url: String,
    query: &'static str,
    chat_gid: String,
    prefix: String,
    subscribe: bool,
    shared: Arc<Shared>,
    gate: Arc<Semaphore>,
    stop: tokio::sync::watch::Receiver<bool>,
}

async fn subscriber(setup: Setup, token: String) -> anyhow::Result<()> {
    let Setup {
        ws_url,
        query,
        chat_gid,
        prefix,
        subscribe,
        shared,
        gate,
        mut stop,
    } = setup;
    let permit = gate.acquire().await?;
    let mut request = ws_url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    // Small client buffers: the client's memory is not what is measured, but 10k × 128 KiB
    // would crowd the machine.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    ws.send(WsMessage::text(
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})
            .to_string(),
    ))
    .await?;
    // Wait for the ack (bounded).
    let ack = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(msg) = ws.next().await {
            if let WsMessage::Text(t) = msg? {
                let v: Value = serde_json::from_str(t.as_str())?;
                match v.get("type").and_then(Value::as_str) {
                    Some("connection_ack") => return Ok::<(), anyhow::Error>(()),
                    Some("ping") => {
                        ws.send(WsMessage::text(r#"{"type":"pong"}"#)).await?;
                    }
                    other => anyhow::bail!("unexpected frame before ack: {other:?}"),
                }
            }
        }
        anyhow::bail!("closed before connection_ack")
    })
    .await
    .context("no connection_ack in 30 s")?;
    ack?;
    if subscribe {
        ws.send(WsMessage::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"chat": chat_gid}}})
                .to_string(),
        ))
        .await?;
    }
    shared.subscribed.fetch_add(1, Ordering::SeqCst);
    drop(permit);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            msg = ws.next() => {
                let Some(msg) = msg else { break };
                let at = Instant::now();
                match msg? {
                    WsMessage::Text(t) => {
                        let t = t.as_str();
                        if let Some(k) = event_of(t, &prefix) {
                            shared.received.lock().await.push((k, at));
                            shared.delivered.fetch_add(1, Ordering::SeqCst);
                        } else if t.contains("\"ping\"") {
                            ws.send(WsMessage::text(r#"{"type":"pong"}"#)).await?;
                        } else if t.contains("\"error\"") || t.contains("\"complete\"") || t.contains("\"errors\"") {
                            shared.error_frames.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    WsMessage::Close(_) => break,
                    _ => {}
                }
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// Who posts event `k`: the fanout chat's members in turn (the owner when the manifest
/// has none), so no credential meets its per-chat write budget.
fn sender(m: &Manifest, k: usize) -> &str {
    m.fanout_posters
        .get(k % m.fanout_posters.len().max(1))
        .and_then(|i| m.user_tokens.get(*i))
        .unwrap_or(&m.owner_token)
}

fn rss(pid: Option<u32>) -> u64 {
    pid.and_then(|p| proc_memory(p).ok())
        .map(|(rss, _)| rss)
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    let deadline = Duration::from_secs(args.timeout);
    match tokio::time::timeout(deadline, run(args.clone())).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!("wsbench: gave up after {} s", args.timeout),
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let manifest = Manifest::load(&args.manifest)?;
    anyhow::ensure!(
        args.server.starts_with("http://127.0.0.1:")
            || args.server.starts_with("http://localhost:"),
        "wsbench only targets 127.0.0.1"
    );
    let ws_url = format!("{}/graphql/ws", args.server.replacen("http://", "ws://", 1));
    let http_url = format!("{}/graphql", args.server);
    let chat_gid = schema::ids::encode(schema::ids::Kind::Chat, manifest.fanout_chat).0;
    let query = if args.no_author {
        bench::ops::SUBSCRIBE_NO_AUTHOR
    } else {
        bench::ops::SUBSCRIBE
    };
    let prefix = prefix_of(&args.label);
    let shared = Arc::new(Shared {
        sent: Mutex::new(vec![None; args.events]),
        received: Mutex::new(Vec::with_capacity(args.subscribers * args.events)),
        delivered: AtomicUsize::new(0),
        error_frames: AtomicUsize::new(0),
        subscribed: AtomicUsize::new(0),
    });
    let mut out = Output {
        label: args.label.clone(),
        subscribers: args.subscribers,
        events: args.events,
        expected: if args.no_subscribe {
            0
        } else {
            args.subscribers * args.events
        },
        ..Default::default()
    };
    out.rss_baseline_kib = rss(args.server_pid);

    // Connect and subscribe everyone.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let setup = Setup {
        ws_url,
        query,
        chat_gid,
        prefix: prefix.clone(),
        subscribe: !args.no_subscribe,
        shared: shared.clone(),
        gate: Arc::new(Semaphore::new(args.connect_concurrency.max(1))),
        stop: stop_rx,
    };
    let failures = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(Mutex::new(None::<String>));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.subscribers);
    for i in 0..args.subscribers {
        let token = manifest.user_tokens[i % manifest.user_tokens.len()].clone();
        let setup = setup.clone();
        let (failures, first_error) = (failures.clone(), first_error.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = subscriber(setup, token).await {
                failures.fetch_add(1, Ordering::SeqCst);
                first_error.lock().await.get_or_insert(format!("{e:#}"));
            }
        }));
    }
    // Bounded wait until every subscriber subscribed or failed.
    let connect_deadline = Instant::now() + Duration::from_secs(args.timeout / 2);
    loop {
        let done =
            shared.subscribed.load(Ordering::SeqCst) + failures.load(Ordering::SeqCst) as usize;
        if done >= args.subscribers || Instant::now() > connect_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    out.connect_secs = started.elapsed().as_secs_f64();
    out.connected = shared.subscribed.load(Ordering::SeqCst);
    out.connect_errors = failures.load(Ordering::SeqCst) as usize;
    if let Some(e) = first_error.lock().await.as_ref() {
        eprintln!("wsbench: first connect error: {e}");
    }
    // Let the server finish processing the subscribe frames, then read idle memory.
    tokio::time::sleep(Duration::from_secs_f64(args.settle)).await;
    out.rss_idle_kib = rss(args.server_pid);
    if args.subscribers > 0 && out.rss_baseline_kib > 0 {
        out.idle_bytes_per_socket = (out.rss_idle_kib.saturating_sub(out.rss_baseline_kib) * 1024)
            as f64
            / args.subscribers as f64;
    }

    // Post the events at a fixed rate, timing each request.
    let client = reqwest::Client::new();
    let target_chat = schema::ids::encode(schema::ids::Kind::Chat, manifest.fanout_chat).0;
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(0.01));
    let t0 = Instant::now();
    let mut send_lat = Vec::new();
    for k in 0..args.events {
        let at = t0 + interval * k as u32;
        tokio::time::sleep_until(at.into()).await;
        let body = bench::ops::body(
            bench::ops::SEND,
            json!({"chat": target_chat, "content": format!("{prefix}{k}")}),
        );
        let start = Instant::now();
        shared.sent.lock().await[k] = Some(start);
        let res = client
            .post(&http_url)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", sender(&manifest, k)))
            .body(body)
            .send()
            .await;
        let ok = match res {
            Ok(r) if r.status().is_success() => {
                let v: Value = r.json().await.unwrap_or(Value::Null);
                v.pointer("/data/sendMessage/id").is_some()
            }
            _ => false,
        };
        send_lat.push(start.elapsed().as_secs_f64() * 1e3);
        if ok {
            out.sends_ok += 1;
        }
    }
    // Wait (bounded) for the deliveries to arrive.
    let want = if args.no_subscribe {
        0
    } else {
        out.connected * out.sends_ok
    };
    let drain_deadline = Instant::now() + Duration::from_secs(15);
    while shared.delivered.load(Ordering::SeqCst) < want && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    out.rss_after_kib = rss(args.server_pid);
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }

    let sent = shared.sent.lock().await.clone();
    let received = std::mem::take(&mut *shared.received.lock().await);
    let mut lat = Vec::with_capacity(received.len());
    let mut per_event: Vec<f64> = vec![0.0; args.events];
    for (k, at) in received {
        if let Some(Some(s)) = sent.get(k) {
            let ms = at.saturating_duration_since(*s).as_secs_f64() * 1e3;
            lat.push(ms);
            if let Some(slot) = per_event.get_mut(k) {
                *slot = slot.max(ms);
            }
        }
    }
    out.delivered = lat.len();
    out.delivered_pct = if out.expected > 0 {
        100.0 * out.delivered as f64 / out.expected as f64
    } else {
        100.0
    };
    out.latency_ms = Latency::of(lat);
    out.send_latency_ms = Latency::of(send_lat);
    out.error_frames = shared.error_frames.load(Ordering::SeqCst);
    out.event_max_ms = per_event;
    let text = serde_json::to_string_pretty(&out)?;
    if let Some(path) = &args.out {
        std::fs::write(path, &text)?;
    }
    println!("{text}");
    Ok(())
}
