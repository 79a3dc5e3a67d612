//! Reference servers, measured side by side with Switchboard in the same run:
//!
//! - `POST /raw/{name}` — P1's ceiling: a bare axum route that reads the request body and
//!   answers the bytes of `<fixtures>/{name}.json` (captured from Switchboard's own answer
//!   to the same request, so both send identical bytes).
//! - `POST /ref/q3` — P2's DB ceiling: a hand-written sqlx handler that runs the same SQL
//!   statements Switchboard runs for Q3 (token with its user → chat with the viewer's
//!   membership → page with its authors → reaction groups), on one pooled connection,
//!   and writes the same JSON.
//!   Diagnostics: `?mode=each` runs the same statements with one pool checkout each (as
//!   sea-orm does), `?mode=twice` decides access a second time (5 statements, as
//!   Switchboard would without `Chat.messages` reusing its parent's access).
//! - `POST /ref/insert` — P9's write ceiling: one single-row `INSERT … RETURNING id` into
//!   `messages` in autocommit, the same driver and durability as the product.
//!
//! - `GET /graphql/ws` + `POST /graphql` — P5/P6's minimal subscription server: a bare
//!   async-graphql schema whose `messageAdded(chatId)` streams from a
//!   `tokio::sync::broadcast` channel (no auth, no database, `author` carried in the event),
//!   served with the product's WebSocket settings; `POST /graphql` with a `sendMessage`
//!   body publishes one event. `wsbench` drives it exactly like Switchboard.
//!
//! The pool is opened by `resolvers::db::connect`, so size, SQLite pragmas (WAL,
//! `synchronous=FULL`, busy timeout, foreign keys) and statement caching match the product.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bench::Manifest;
use chrono::{DateTime, Utc};
use clap::Parser;
use sea_orm::sqlx::{self, Row};
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[command(about = "Reference servers for the Switchboard benchmarks")]
struct Args {
    /// Database URL (the same one Switchboard uses).
    #[arg(long)]
    database_url: String,
    /// Listen address (127.0.0.1 only).
    #[arg(long, default_value = "127.0.0.1:18083")]
    addr: SocketAddr,
    /// Pool size (Switchboard's default is 8).
    #[arg(long, default_value_t = 8)]
    pool: u32,
    /// The seed manifest (the write figure posts to its write chat as its owner).
    #[arg(long)]
    manifest: PathBuf,
    /// Directory of `<name>.json` files served by `/raw/{name}`.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// WebSocket read buffer of the minimal subscription server (the product's default).
    #[arg(long, default_value_t = 4096)]
    ws_read_buffer: usize,
    /// WebSocket write buffer of the minimal subscription server (the product's default).
    #[arg(long, default_value_t = 0)]
    ws_write_buffer: usize,
}

/// The minimal subscription server (P5/P6 reference).
mod live {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
    use async_graphql::{
        Context, Data, EmptyMutation, ID, Object, Schema, SimpleObject, Subscription,
    };
    use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
    use axum::extract::{State, WebSocketUpgrade};
    use axum::response::Response;
    use chrono::{DateTime, Utc};
    use futures::Stream;
    use tokio::sync::broadcast;

    /// An author, carried in the event.
    #[derive(SimpleObject, Clone)]
    pub struct Author {
        id: ID,
        name: String,
    }

    /// A message event.
    #[derive(SimpleObject, Clone)]
    pub struct Message {
        id: ID,
        content: String,
        created_at: DateTime<Utc>,
        author: Author,
        #[graphql(skip)]
        chat: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn hello(&self) -> &str {
            "hello"
        }
    }

    pub struct Subscription;

    #[Subscription]
    impl Subscription {
        async fn message_added(
            &self,
            ctx: &Context<'_>,
            chat_id: ID,
        ) -> impl Stream<Item = Message> + use<> {
            let rx = ctx
                .data_opt::<broadcast::Sender<Message>>()
                .map(broadcast::Sender::subscribe);
            let chat = chat_id.0;
            futures::stream::unfold(rx, move |rx| {
                let chat = chat.clone();
                async move {
                    let mut rx = rx?;
                    loop {
                        match rx.recv().await {
                            Ok(m) if m.chat == chat => return Some((m, Some(rx))),
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    }
                }
            })
        }
    }

    pub type LiveSchema = Schema<Query, EmptyMutation, Subscription>;

    pub struct Live {
        pub schema: LiveSchema,
        pub tx: broadcast::Sender<Message>,
        next: AtomicI64,
        read_buffer: usize,
        write_buffer: usize,
    }

    impl Live {
        pub fn new(read_buffer: usize, write_buffer: usize) -> Live {
            let (tx, _) = broadcast::channel(4096);
            let schema = Schema::build(Query, EmptyMutation, Subscription)
                .data(tx.clone())
                .finish();
            Live {
                schema,
                tx,
                next: AtomicI64::new(1),
                read_buffer,
                write_buffer,
            }
        }

        /// Publish a message to `chat`; returns (global id, createdAt).
        pub fn publish(&self, chat: String, content: String) -> (String, String) {
            let id = self.next.fetch_add(1, Ordering::SeqCst);
            let now = Utc::now();
            let gid = super::gid(schema::ids::Kind::Message, id);
            let _ = self.tx.send(Message {
                id: ID(gid.clone()),
                content,
                created_at: now,
                author: Author {
                    id: ID(super::gid(schema::ids::Kind::User, 1)),
                    name: "Olivia Owner".into(),
                },
                chat,
            });
            (gid, now.to_rfc3339())
        }
    }

    /// The product's WebSocket settings around a bare schema.
    pub async fn ws(
        State(app): State<super::Shared>,
        protocol: GraphQLProtocol,
        upgrade: WebSocketUpgrade,
    ) -> Response {
        let live = &app.live;
        let schema = live.schema.clone();
        upgrade
            .protocols(ALL_WEBSOCKET_PROTOCOLS)
            .read_buffer_size(live.read_buffer)
            .write_buffer_size(live.write_buffer)
            .max_message_size(1024 * 1024)
            .on_upgrade(move |socket| {
                GraphQLWebSocket::new(socket, schema, protocol)
                    .on_connection_init(|_| async {
                        Ok::<Data, async_graphql::Error>(Data::default())
                    })
                    .keepalive_timeout(Duration::from_secs(30))
                    .serve()
            })
    }
}

use bench::sql;

/// The JSON of Q3's answer, field for field in selection order.
#[derive(Serialize)]
struct Answer {
    data: Data,
}
#[derive(Serialize)]
struct Data {
    chat: Option<ChatOut>,
}
#[derive(Serialize)]
struct ChatOut {
    id: String,
    name: String,
    messages: Connection,
}
#[derive(Serialize)]
struct Connection {
    edges: Vec<Edge>,
}
#[derive(Serialize)]
struct Edge {
    node: Node,
}
#[derive(Serialize)]
struct Node {
    id: String,
    content: String,
    #[serde(rename = "createdAt")]
    created_at: String,
    author: Author,
    reactions: Vec<Reaction>,
}
#[derive(Serialize, Clone)]
struct Author {
    id: String,
    name: String,
}
#[derive(Serialize, Clone)]
struct Reaction {
    emoji: String,
    count: i64,
}

/// The variables of a Q3 request body.
#[derive(Deserialize)]
struct Q3Request {
    variables: Q3Vars,
}
#[derive(Deserialize)]
struct Q3Vars {
    chat: String,
    first: i64,
}

fn gid(kind: schema::ids::Kind, id: i64) -> String {
    schema::ids::encode(kind, id).0
}

/// "First Last", else the nickname, else the email (as `resolvers::people::display_name`).
fn display_name(first: &str, last: &str, nickname: &str, email: Option<&str>) -> String {
    let full = format!("{} {}", first.trim(), last.trim());
    let full = full.trim();
    if !full.is_empty() {
        full.to_owned()
    } else if !nickname.is_empty() {
        nickname.to_owned()
    } else {
        email.unwrap_or_default().to_owned()
    }
}

fn hash_token(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The handler bodies, once per driver (the SQL differs only in placeholders).
macro_rules! driver {
    ($module:ident, $db:ty, $postgres:expr) => {
        mod $module {
            use super::*;

            type Pool = sqlx::Pool<$db>;

            /// Statements with placeholders numbered for this driver, built once.
            pub struct Sql {
                token_user: String,
                touch_token: String,
                touch_user: String,
                chat_membership: String,
                page_authors: String,
                insert: String,
            }

            impl Sql {
                pub fn new() -> Self {
                    let n = |s: &str| sql::numbered(s, $postgres);
                    Sql {
                        token_user: n(sql::TOKEN_USER),
                        touch_token: n(sql::TOUCH_TOKEN),
                        touch_user: n(sql::TOUCH_USER),
                        chat_membership: n(sql::CHAT_MEMBERSHIP),
                        page_authors: n(sql::PAGE_AUTHORS),
                        insert: n(sql::INSERT),
                    }
                }
            }

            fn q(s: &str) -> sqlx::query::Query<'_, $db, <$db as sqlx::Database>::Arguments> {
                sqlx::query(sqlx::AssertSqlSafe(s))
            }

            /// Where each statement runs: one connection held for the request (what a
            /// hand-written handler does), or a fresh pool checkout per statement (what
            /// sea-orm does; a diagnostic).
            pub enum Conn<'p> {
                Held(sqlx::pool::PoolConnection<$db>),
                Each {
                    pool: &'p Pool,
                    current: Option<sqlx::pool::PoolConnection<$db>>,
                },
            }

            impl Conn<'_> {
                async fn get(&mut self) -> anyhow::Result<&mut <$db as sqlx::Database>::Connection> {
                    match self {
                        Conn::Held(c) => Ok(&mut **c),
                        Conn::Each { pool, current } => {
                            // Back to the pool first, as a statement's checkout ends.
                            *current = None;
                            Ok(&mut **current.insert(pool.acquire().await?))
                        }
                    }
                }
            }

            /// Whether the chat is visible to (user, role): a member, or a public
            /// channel/group for a non-guest (Switchboard's `access`, threads aside).
            async fn access(
                conn: &mut Conn<'_>,
                s: &Sql,
                chat_id: i64,
                ws: i64,
                user: i64,
                role: &str,
            ) -> anyhow::Result<Option<String>> {
                // The chat and the user's membership, one statement (`LEFT JOIN`).
                let Some(chat) = q(&s.chat_membership)
                    .bind(user)
                    .bind(chat_id)
                    .bind(ws)
                    .bind(1_i64)
                    .fetch_optional(conn.get().await?)
                    .await?
                else {
                    return Ok(None);
                };
                let member = chat.try_get::<Option<i64>, _>("B_chat_id")?.is_some();
                let kind: String = chat.try_get("A_kind")?;
                let public: bool = chat.try_get("A_is_public")?;
                let visible = member
                    || (public && role != "guest" && (kind == "channel" || kind == "group"));
                Ok(visible.then(|| chat.try_get("A_name")).transpose()?)
            }

            /// Token → (workspace, user, role), with the once-a-minute activity writes.
            async fn authenticate(
                conn: &mut Conn<'_>,
                s: &Sql,
                token: &str,
            ) -> anyhow::Result<Option<(i64, i64, String)>> {
                // The token and its user, one statement (`INNER JOIN`).
                let Some(t) = q(&s.token_user)
                    .bind(hash_token(token))
                    .bind(1_i64)
                    .fetch_optional(conn.get().await?)
                    .await?
                else {
                    return Ok(None);
                };
                let now = Utc::now();
                let revoked: Option<DateTime<Utc>> = t.try_get("A_revoked_at")?;
                let expires: Option<DateTime<Utc>> = t.try_get("A_expires_at")?;
                if revoked.is_some() || expires.is_some_and(|at| at <= now) {
                    return Ok(None);
                }
                let (token_id, ws, user_id): (i64, i64, i64) =
                    (t.try_get("A_id")?, t.try_get("A_workspace_id")?, t.try_get("A_user_id")?);
                let stale = |at: Option<DateTime<Utc>>| {
                    !at.is_some_and(|at| now.signed_duration_since(at).num_seconds() < 60)
                };
                if stale(t.try_get("A_last_used_at")?) {
                    q(&s.touch_token).bind(now).bind(token_id).execute(conn.get().await?).await?;
                }
                if t.try_get::<bool, _>("B_suspended")? {
                    return Ok(None);
                }
                if stale(t.try_get("B_last_activity_at")?) {
                    q(&s.touch_user).bind(now).bind(user_id).execute(conn.get().await?).await?;
                }
                Ok(Some((ws, user_id, t.try_get("B_role")?)))
            }

            pub async fn q3(
                pool: &Pool,
                s: &Sql,
                token: &str,
                chat_id: i64,
                first: i64,
                mode: Mode,
            ) -> anyhow::Result<Vec<u8>> {
                let mut conn = match mode {
                    Mode::Each => Conn::Each { pool, current: None },
                    _ => Conn::Held(pool.acquire().await?),
                };
                let Some((ws, user, role)) = authenticate(&mut conn, s, token).await? else {
                    anyhow::bail!("unauthenticated");
                };
                // `chat(id:)` checks access; `messages` reuses it (`twice`: checks again).
                let name = access(&mut conn, s, chat_id, ws, user, &role).await?;
                let Some(name) = name else {
                    return Ok(serde_json::to_vec(&Answer { data: Data { chat: None } })?);
                };
                if mode == Mode::Twice && access(&mut conn, s, chat_id, ws, user, &role).await?.is_none() {
                    anyhow::bail!("chat vanished");
                }
                // The page with its authors, one statement (`LEFT JOIN`).
                let rows = q(&s.page_authors)
                    .bind(ws)
                    .bind(chat_id)
                    .bind(first + 1)
                    .fetch_all(conn.get().await?)
                    .await?;
                let mut page = Vec::with_capacity(rows.len());
                let mut authors: HashMap<i64, Author> = HashMap::new();
                for r in rows.iter().take(first as usize) {
                    let id: i64 = r.try_get("A_id")?;
                    let author: i64 = r.try_get("A_author_id")?;
                    let content: String = r.try_get("A_content")?;
                    let at: DateTime<Utc> = r.try_get("A_created_at")?;
                    page.push((id, author, content, at));
                    if let Some(uid) = r.try_get::<Option<i64>, _>("B_id")? {
                        let first: String = r.try_get("B_first_name")?;
                        let last: String = r.try_get("B_last_name")?;
                        let nick: String = r.try_get("B_nickname")?;
                        let email: Option<String> = r.try_get("B_email")?;
                        authors.entry(uid).or_insert_with(|| Author {
                            id: gid(schema::ids::Kind::User, uid),
                            name: display_name(&first, &last, &nick, email.as_deref()),
                        });
                    }
                }
                let mut groups: HashMap<i64, Vec<Reaction>> = HashMap::new();
                if !page.is_empty() {
                    let mut message_ids: Vec<i64> = page.iter().map(|p| p.0).collect();
                    message_ids.sort_unstable();
                    let text = sql::numbered(
                        &sql::REACTIONS.replace("{}", &sql::list(message_ids.len())),
                        $postgres,
                    );
                    let mut query = q(&text).bind(user).bind(ws);
                    for id in &message_ids {
                        query = query.bind(*id);
                    }
                    for r in query.fetch_all(conn.get().await?).await? {
                        groups
                            .entry(r.try_get("message_id")?)
                            .or_default()
                            .push(Reaction {
                                emoji: r.try_get("emoji")?,
                                count: r.try_get("n")?,
                            });
                    }
                }
                let mut edges = Vec::with_capacity(page.len());
                for (id, author, content, at) in page {
                    edges.push(Edge {
                        node: Node {
                            id: gid(schema::ids::Kind::Message, id),
                            content,
                            created_at: at.to_rfc3339(),
                            author: authors.get(&author).cloned().context("author")?,
                            reactions: groups.remove(&id).unwrap_or_default(),
                        },
                    });
                }
                Ok(serde_json::to_vec(&Answer {
                    data: Data {
                        chat: Some(ChatOut {
                            id: gid(schema::ids::Kind::Chat, chat_id),
                            name,
                            messages: Connection { edges },
                        }),
                    },
                })?)
            }

            pub async fn insert(
                pool: &Pool,
                s: &Sql,
                ws: i64,
                chat: i64,
                author: i64,
                content: &str,
            ) -> anyhow::Result<Vec<u8>> {
                let now = Utc::now();
                let row = q(&s.insert)
                    .bind(ws)
                    .bind(chat)
                    .bind(author)
                    .bind("text")
                    .bind(content)
                    .bind(now)
                    .fetch_one(pool)
                    .await?;
                let id: i64 = row.try_get(0)?;
                Ok(serde_json::to_vec(&serde_json::json!({
                    "data": { "sendMessage": {
                        "id": gid(schema::ids::Kind::Message, id),
                        "createdAt": now.to_rfc3339(),
                    } }
                }))?)
            }
        }
    };
}

driver!(sqlite, sqlx::Sqlite, false);
driver!(postgres, sqlx::Postgres, true);

enum Db {
    Sqlite(sqlx::SqlitePool, sqlite::Sql),
    Postgres(sqlx::PgPool, postgres::Sql),
}

struct App {
    db: Db,
    live: live::Live,
    fixtures: HashMap<String, Bytes>,
    manifest: Manifest,
}

type Shared = Arc<App>;

fn fail(e: anyhow::Error) -> Response {
    eprintln!("refserver: {e:#}");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")).into_response()
}

fn json(bytes: impl Into<Bytes>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes.into()).into_response()
}

async fn raw(State(app): State<Shared>, Path(name): Path<String>, _body: Bytes) -> Response {
    match app.fixtures.get(&name) {
        Some(bytes) => json(bytes.clone()),
        None => (StatusCode::NOT_FOUND, "no such fixture").into_response(),
    }
}

/// How `/ref/q3` runs: `same` (default), `each`, `twice`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// Switchboard's 4 statements on one connection held for the request.
    #[default]
    Same,
    /// The same statements, each with its own pool checkout (as sea-orm runs them).
    Each,
    /// Access decided twice (as `chat(id:)` then `messages` did before): 5 statements,
    /// one connection.
    Twice,
}

#[derive(Deserialize)]
struct Q3Params {
    #[serde(default)]
    mode: Mode,
}

async fn q3(
    State(app): State<Shared>,
    Query(params): Query<Q3Params>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let run = async {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .context("no bearer token")?;
        let req: Q3Request = serde_json::from_slice(&body)?;
        let chat = match schema::ids::decode_any(&req.variables.chat) {
            Some((schema::ids::Kind::Chat, id)) => id,
            _ => anyhow::bail!("not a chat id"),
        };
        match &app.db {
            Db::Sqlite(pool, s) => {
                sqlite::q3(pool, s, token, chat, req.variables.first, params.mode).await
            }
            Db::Postgres(pool, s) => {
                postgres::q3(pool, s, token, chat, req.variables.first, params.mode).await
            }
        }
    };
    match run.await {
        Ok(bytes) => json(bytes),
        Err(e) => fail(e),
    }
}

/// `POST /ref/insert`: one message into the chat of the body's `variables.chat` (the
/// manifest's write chat without one), as the owner.
async fn insert(State(app): State<Shared>, body: Bytes) -> Response {
    let m = &app.manifest;
    let chat = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v["variables"]["chat"]
                .as_str()
                .and_then(schema::ids::decode_any)
        })
        .filter(|(kind, _)| *kind == schema::ids::Kind::Chat)
        .map(|(_, id)| id)
        .unwrap_or(m.write_chat);
    let result = match &app.db {
        Db::Sqlite(pool, s) => {
            sqlite::insert(pool, s, m.workspace_id, chat, m.owner_id, "p9 throughput").await
        }
        Db::Postgres(pool, s) => {
            postgres::insert(pool, s, m.workspace_id, chat, m.owner_id, "p9 throughput").await
        }
    };
    match result {
        Ok(bytes) => json(bytes),
        Err(e) => fail(e),
    }
}

/// `POST /graphql` with a `sendMessage` body: publish one event to the minimal
/// subscription server and answer like Switchboard would.
async fn publish(State(app): State<Shared>, body: Bytes) -> Response {
    let v: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return fail(e.into()),
    };
    let chat = v["variables"]["chat"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let content = v["variables"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (id, at) = app.live.publish(chat, content);
    json(
        serde_json::json!({"data": {"sendMessage": {"id": id, "createdAt": at}}})
            .to_string()
            .into_bytes(),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    anyhow::ensure!(args.addr.ip().is_loopback(), "listen on 127.0.0.1 only");
    let conn = resolvers::db::connect(&args.database_url, args.pool).await?;
    let db = if args.database_url.starts_with("postgres") {
        Db::Postgres(
            conn.get_postgres_connection_pool().clone(),
            postgres::Sql::new(),
        )
    } else {
        Db::Sqlite(
            conn.get_sqlite_connection_pool().clone(),
            sqlite::Sql::new(),
        )
    };
    let mut fixtures = HashMap::new();
    if let Some(dir) = args.fixtures.as_ref().filter(|d| d.is_dir()) {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
            {
                fixtures.insert(stem.to_owned(), Bytes::from(std::fs::read(&path)?));
            }
        }
    }
    let app = Arc::new(App {
        db,
        live: live::Live::new(args.ws_read_buffer, args.ws_write_buffer),
        fixtures,
        manifest: Manifest::load(&args.manifest)?,
    });
    let router = Router::new()
        .route("/raw/{name}", post(raw))
        .route("/ref/q3", post(q3))
        .route("/ref/insert", post(insert))
        .route("/graphql/ws", get(live::ws))
        .route("/graphql", post(publish))
        .route("/healthz", get(|| async { "ok" }).post(|| async { "ok" }))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    axum::serve(listener, router).await?;
    Ok(())
}
