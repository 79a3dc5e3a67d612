//! The test harness: [`TestApp`] and its clients.

pub mod process;
pub mod ws;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use resolvers::people::{NewUser, Role};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use switchboard::{AppState, Config};
use tokio::sync::oneshot;

pub use ws::{Protocol, WsClient};

/// Where the test databases live.
enum Store {
    /// A temporary SQLite file, removed with the directory.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A PostgreSQL database of its own, dropped with the app.
    Postgres { admin: String, url: String },
}

/// A running Switchboard over a fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// `127.0.0.1:<port>`
    pub addr: std::net::SocketAddr,
    /// The app's database (for arranging state and asserting on rows).
    pub db: DatabaseConnection,
    /// Statements executed on `db` and by the app since start.
    pub statements: Arc<AtomicU64>,
    /// The app state (JWT key, bus).
    pub state: AppState,
    /// The database URL the app uses.
    pub database_url: String,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    background: Option<oneshot::Sender<()>>,
    _store: Store,
}

/// A user with a token.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Bearer token.
    pub token: String,
    /// Row id.
    pub id: i64,
    /// Global GraphQL id.
    pub gid: String,
    /// Workspace row id.
    pub workspace_id: i64,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The PostgreSQL server to use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Replace the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Create a fresh, empty PostgreSQL database and return its URL.
pub async fn fresh_postgres(admin_url: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!(
        "sbtest_{}_{}_{}",
        std::process::id(),
        n,
        chrono::Utc::now().timestamp_micros()
    );
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    admin.close().await.ok();
    with_database(admin_url, &name)
}

impl TestApp {
    /// Start an app on a fresh database (PostgreSQL when `TEST_DATABASE_URL` is set).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Start an app, adjusting its config first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (url, store) = match postgres_url() {
            Some(admin) => {
                let url = fresh_postgres(&admin).await;
                (url.clone(), Store::Postgres { admin, url })
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                (url, Store::Sqlite(dir))
            }
        };
        Self::spawn_on(url, store, adjust).await
    }

    async fn spawn_on(url: String, store: Store, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut db = resolvers::db::connect(&url, 8).await.expect("connect");
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        switchboard::migrate(&db).await.expect("migrate");
        let mut config = Config::for_database(url.clone());
        // Webhook tests post to a receiver on loopback, with a fast retry schedule.
        config.webhook_allow_loopback = true;
        // Budgets no test reaches unless it sets its own; the dispatcher only where a
        // test asks for it (its polling would show in statement counts).
        config.rate = resolvers::rate::RateConfig::unlimited();
        config.dispatcher = false;
        config.delivery.poll = std::time::Duration::from_millis(50);
        config.delivery.schedule = [0, 100, 200, 400, 800, 1600]
            .into_iter()
            .map(std::time::Duration::from_millis)
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.public_url = Some(format!("http://{addr}"));
        adjust(&mut config);
        let state = AppState::new(db.clone(), config).await.expect("state");
        let router = switchboard::build_router(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let (bg_tx, bg_rx) = oneshot::channel::<()>();
        switchboard::spawn_background(&state, async move {
            let _ = bg_rx.await;
        })
        .expect("background tasks");
        tokio::spawn(async move {
            let _ = switchboard::serve(listener, router, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            base: format!("http://{addr}"),
            addr,
            db,
            statements,
            state,
            database_url: url,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
            background: Some(bg_tx),
            _store: store,
        }
    }

    /// The plain HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// Create (or find) a workspace and its owner, with a token of every scope.
    pub async fn workspace(&self, slug: &str) -> Actor {
        self.user(slug, &format!("owner@{slug}.test"), Role::Owner)
            .await
    }

    /// Create (or find) a user of `slug` with `role`, and give them a token.
    pub async fn user(&self, slug: &str, email: &str, role: Role) -> Actor {
        self.user_with(slug, email, role, false).await
    }

    /// Like [`TestApp::user`], for a bot when `is_bot`.
    pub async fn user_with(&self, slug: &str, email: &str, role: Role, is_bot: bool) -> Actor {
        let ws = resolvers::people::ensure_workspace(&self.db, slug, slug)
            .await
            .expect("workspace");
        let local = email.split('@').next().unwrap_or("user");
        let user = resolvers::people::ensure_user(
            &self.db,
            ws.id,
            NewUser {
                email: email.to_owned(),
                first_name: capitalise(local),
                last_name: "Tester".to_owned(),
                role: Some(role),
                is_bot,
                ..Default::default()
            },
        )
        .await
        .expect("user");
        let created = resolvers::auth::issue_api_token(
            &self.db,
            &user,
            resolvers::auth::CreateApiTokenInput {
                name: "test".into(),
                scopes: None,
                expires_at: None,
                rate_limits: Vec::new(),
            },
        )
        .await
        .expect("token");
        Actor {
            token: created.token,
            id: user.id,
            gid: schema::ids::encode(schema::ids::Kind::User, user.id).0,
            workspace_id: ws.id,
        }
    }

    /// A token for `actor` limited to `scopes`.
    pub async fn scoped_token(&self, actor: &Actor, scopes: &[&str]) -> String {
        let user = resolvers::people::users_by_ids(&self.db, actor.workspace_id, &[actor.id])
            .await
            .unwrap()
            .remove(&actor.id)
            .unwrap();
        resolvers::auth::issue_api_token(
            &self.db,
            &user,
            resolvers::auth::CreateApiTokenInput {
                name: "scoped".into(),
                scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
                expires_at: None,
                rate_limits: Vec::new(),
            },
        )
        .await
        .unwrap()
        .token
    }

    /// POST a GraphQL operation; returns the whole response body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        post_graphql(&self.client, &self.base, token, query, variables).await
    }

    /// POST a GraphQL operation that must succeed; returns `data`.
    pub async fn gql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        data_of(self.gql(token, query, variables).await, query)
    }

    /// POST a GraphQL operation that must fail; returns the first error's `extensions.code`.
    pub async fn gql_err(&self, token: &str, query: &str, variables: Value) -> (String, Value) {
        let body = self.gql(token, query, variables).await;
        let err = body["errors"][0].clone();
        assert!(!err.is_null(), "expected an error, got {body:#}");
        (
            err["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body,
        )
    }

    /// Create a chat as `actor`; returns its global id.
    pub async fn create_chat(
        &self,
        actor: &Actor,
        name: &str,
        public: bool,
        members: &[&Actor],
    ) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.gid.as_str()).collect();
        let data = self
            .gql_ok(
                &actor.token,
                "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
                json!({ "input": { "name": name, "isPublic": public, "memberIds": ids } }),
            )
            .await;
        data["createChat"]["id"].as_str().unwrap().to_owned()
    }

    /// Send a message as `actor`; returns its global id.
    pub async fn send(&self, actor: &Actor, chat: &str, content: &str) -> String {
        let data = self
            .gql_ok(&actor.token, SEND_MESSAGE, send_input(chat, content))
            .await;
        data["sendMessage"]["id"].as_str().unwrap().to_owned()
    }

    /// Open a subscription socket authenticated as `token`.
    pub async fn ws(&self, token: &str, protocol: Protocol) -> WsClient {
        ws_at(self.addr, token, protocol).await
    }

    /// Statements executed so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::SeqCst)
    }

    /// Count rows of a table (for asserting that nothing was written).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

/// Open a subscription socket to the server at `addr`, authenticated as `token`.
pub async fn ws_at(addr: std::net::SocketAddr, token: &str, protocol: Protocol) -> WsClient {
    WsClient::connect(
        addr,
        protocol,
        json!({ "Authorization": format!("Bearer {token}") }),
    )
    .await
    .expect("websocket connection acknowledged")
}

/// `sendMessage`, answering the new message's id.
pub const SEND_MESSAGE: &str =
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";

/// The variables of [`SEND_MESSAGE`].
pub fn send_input(chat: &str, content: &str) -> Value {
    json!({ "input": { "chatId": chat, "content": content } })
}

/// POST a GraphQL operation to the server at `base` (`http://host:port`); returns the
/// whole response body.
pub async fn post_graphql(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let res = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    res.json().await.expect("json body")
}

/// The `data` of a response that must have no errors.
pub fn data_of(body: Value, query: &str) -> Value {
    assert!(
        body.get("errors")
            .is_none_or(|e| e.as_array().is_none_or(Vec::is_empty)),
        "unexpected errors: {body:#}\nquery: {query}"
    );
    body["data"].clone()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(tx) = self.background.take() {
            let _ = tx.send(());
        }
        if let Store::Postgres { admin, url } = &self._store {
            // Drop the database from a thread of its own (Drop cannot await); FORCE ends
            // the app's remaining pool connections.
            let (admin, name) = (
                admin.clone(),
                url.rsplit('/').next().unwrap_or_default().to_owned(),
            );
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(db) = Database::connect(&admin).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Global id of a row.
pub fn gid(kind: schema::ids::Kind, id: i64) -> String {
    schema::ids::encode(kind, id).0
}

/// Row id of a global id.
pub fn rid(gid: &str) -> i64 {
    schema::ids::decode_any(gid)
        .map(|(_, id)| id)
        .expect("a global id")
}
