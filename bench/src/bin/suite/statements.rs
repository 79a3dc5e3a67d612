//! P4: SQL statements per request, counted with sea-orm's metric callback on an
//! in-process Switchboard (`build_router` over the seeded database), one request at a
//! time. Also the statements one `messageAdded` event costs with K subscribers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bench::{Manifest, ops};
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// Statement counts of one database.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// (page size, statements) for Q3.
    pub q3: Vec<(i64, usize)>,
    /// The statements of Q3 at `first: 20`, in execution order.
    pub q3_statements: Vec<String>,
    /// Statements of one `sendMessage`.
    pub send: usize,
    /// The statements of one `sendMessage`.
    pub send_statements: Vec<String>,
    /// (subscribers, statements) for one `messageAdded` event delivered to all of them.
    pub per_event: Vec<(usize, usize)>,
}

struct App {
    base: String,
    log: Arc<Mutex<Vec<String>>>,
    client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl App {
    async fn start(url: &str) -> anyhow::Result<App> {
        let mut db = resolvers::db::connect(url, 8).await?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        db.set_metric_callback(move |info| {
            if let Ok(mut l) = sink.lock() {
                l.push(info.statement.sql.clone());
            }
        });
        let state = switchboard::AppState::new(db, switchboard::Config::for_database(url)).await?;
        let router = switchboard::build_router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = switchboard::serve(listener, router, async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(App {
            base: format!("http://{addr}"),
            log,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
        })
    }

    fn take(&self) -> Vec<String> {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }

    async fn get(&self, token: &str, path: &str) -> anyhow::Result<Value> {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await?;
        let status = res.status();
        let v: Value = res.json().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: {status}: {v}");
        Ok(v)
    }

    async fn post(&self, token: &str, body: String) -> anyhow::Result<Value> {
        let v: Value = self
            .client
            .post(format!("{}/graphql", self.base))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(body)
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(v.get("errors").is_none(), "GraphQL errors: {v}");
        Ok(v)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// P8's statements: one façade `GET /messages?chat_id=&limit=20` and one run of its
/// GraphQL twin, as the owner, after a warm-up of each.
#[derive(Clone, Debug, Default, Serialize)]
pub struct P8Counts {
    /// The façade read's statements, in execution order.
    pub rest: Vec<String>,
    /// The GraphQL twin's statements, in execution order.
    pub graphql: Vec<String>,
}

/// Count P8's statements on the seeded database of `m`.
pub async fn count_p8(m: &Manifest) -> anyhow::Result<P8Counts> {
    let app = App::start(&m.database_url).await?;
    let chat = schema::ids::encode(schema::ids::Kind::Chat, m.read_chat).0;
    let path = ops::rest_messages(m.read_chat, 20);
    let body = ops::body(ops::P8_GQL, json!({"chat": chat, "first": 20}));
    // Warm-up of both (token and user activity is written at most once a minute).
    app.get(&m.owner_token, &path).await?;
    app.post(&m.owner_token, body.clone()).await?;
    app.take();
    let v = app.get(&m.owner_token, &path).await?;
    let rest = app.take();
    let n = v
        .pointer("/data")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);
    anyhow::ensure!(n == 20, "the façade list gave {n} messages");
    app.post(&m.owner_token, body).await?;
    let graphql = app.take();
    Ok(P8Counts { rest, graphql })
}

/// Count statements for Q3 at page sizes 1, 20, 100, one `sendMessage`, and one event
/// with `subscribers` listeners.
pub async fn count(m: &Manifest, subscribers: &[usize]) -> anyhow::Result<Counts> {
    let app = App::start(&m.database_url).await?;
    let chat = schema::ids::encode(schema::ids::Kind::Chat, m.read_chat).0;
    let q3 = |first: i64| ops::body(ops::Q3, json!({"chat": chat, "first": first}));
    // Warm-up: records token and user activity (a write at most once a minute).
    app.post(&m.owner_token, q3(1)).await?;
    app.take();
    let mut counts = Counts::default();
    for first in [1_i64, 20, 100] {
        let v = app.post(&m.owner_token, q3(first)).await?;
        let edges = v
            .pointer("/data/chat/messages/edges")
            .and_then(Value::as_array)
            .map(Vec::len)
            .unwrap_or(0);
        anyhow::ensure!(edges as i64 == first, "Q3 first:{first} gave {edges} edges");
        let stmts = app.take();
        counts.q3.push((first, stmts.len()));
        if first == 20 {
            counts.q3_statements = stmts;
        }
    }

    let fanout = schema::ids::encode(schema::ids::Kind::Chat, m.fanout_chat).0;
    let send = |text: &str| ops::body(ops::SEND, json!({"chat": fanout, "content": text}));
    app.post(&m.owner_token, send("p4 warm-up")).await?;
    app.take();
    app.post(&m.owner_token, send("p4 count")).await?;
    counts.send_statements = app.take();
    counts.send = counts.send_statements.len();

    for &k in subscribers {
        let cost = event_cost(&app, m, k).await?;
        counts.per_event.push((k, cost.saturating_sub(counts.send)));
    }
    Ok(counts)
}

/// Statements executed from posting one message until its delivery to `k` subscribers
/// (the `sendMessage` itself included; the caller subtracts it).
async fn event_cost(app: &App, m: &Manifest, k: usize) -> anyhow::Result<usize> {
    let ws_url = format!("{}/graphql/ws", app.base.replacen("http://", "ws://", 1));
    let chat = schema::ids::encode(schema::ids::Kind::Chat, m.fanout_chat).0;
    let mut sockets = Vec::new();
    for i in 0..k {
        let mut req = ws_url.as_str().into_client_request()?;
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let token = &m.user_tokens[(i + 1) % m.user_tokens.len()];
        ws.send(WsMessage::text(
            json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}).to_string(),
        ))
        .await?;
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await?
                .context("socket closed")??;
            if let WsMessage::Text(t) = msg
                && t.as_str().contains("connection_ack")
            {
                break;
            }
        }
        ws.send(WsMessage::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": ops::SUBSCRIBE, "variables": {"chat": chat}}}).to_string(),
        ))
        .await?;
        sockets.push(ws);
    }
    // Let the subscriptions start (each checks access once), then count from zero.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let marker = format!("p4 event with {k} subscribers");
    let body = ops::body(ops::SEND, json!({"chat": chat, "content": marker}));
    app.take();
    app.post(&m.owner_token, body).await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    for ws in &mut sockets {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = tokio::time::timeout(left, ws.next())
                .await?
                .context("socket closed")??;
            if let WsMessage::Text(t) = msg
                && t.as_str().contains(&marker)
            {
                break;
            }
        }
    }
    // Statements still in flight for the last subscribers have finished by now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let total = app.take().len();
    for mut ws in sockets {
        let _ = ws.close(None).await;
    }
    Ok(total)
}
