//! The Switchboard server: configuration, startup, the HTTP router and its handlers.
//! `main.rs` is the CLI around it; the end-to-end tests drive [`build_router`] over
//! real HTTP and WebSocket.

pub mod auth;
pub mod calendar;
pub mod config;
pub mod files;
pub mod graphiql;
pub mod graphql;
pub mod rate;
pub mod rest;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use config::{Config, Listen, Profile};
pub use state::AppState;

/// The whole HTTP surface.
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(graphql::ws))
        .route("/graphiql/assets/{file}", get(graphiql::asset))
        .route("/healthz", get(healthz))
        .route("/files/signed/{token}", get(files::download))
        .route("/avatars/{workspace}/{name}", get(files::avatar))
        .route("/calendar/{file}", get(calendar::feed))
        .layer(RequestBodyLimitLayer::new(body_limit))
        // The façades set their own limits (JSON routes and upload routes differ).
        .merge(rest::router(&state))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request in logs and traces: method, path and version, with secrets
/// that travel in paths (the Hook API's) redacted.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let path = rest::hooks::redact_path(req.uri().path());
    let uri = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.into_owned(),
    };
    tracing::debug_span!(
        "request",
        method = %req.method(),
        uri = %uri,
        version = ?req.version(),
    )
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

/// Serve `router` on a bound listener until `shutdown` resolves, then drain.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Start the background work of a replica (the webhook dispatcher, when enabled) until
/// `shutdown` resolves.
pub fn spawn_background(
    state: &AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if !state.config.dispatcher {
        return Ok(None);
    }
    let dispatcher = resolvers::webhooks::Dispatcher::new(
        state.db.clone(),
        state.env.guard.clone(),
        state.config.delivery_config()?,
    )
    .map_err(|e| anyhow::anyhow!("webhook dispatcher: {e}"))?;
    let exports = resolvers::integrations::exports::ExportWorker::new(
        state.db.clone(),
        state.bus.clone(),
        state.env.clone(),
        state.config.delivery.poll,
    );
    Ok(Some(tokio::spawn(async move {
        let shutdown = futures::future::FutureExt::shared(Box::pin(shutdown));
        tokio::join!(dispatcher.run(shutdown.clone()), exports.run(shutdown));
    })))
}

/// Forget idle rate-limit keys once a minute until `shutdown` resolves, so the limiters'
/// memory follows the credentials in use, not every credential ever seen.
pub fn spawn_housekeeping(
    state: &AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let rate = state.env.rate.clone();
    let wag_rate = state.wag_rate.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let work = async {
            loop {
                tick.tick().await;
                rate.prune();
                wag_rate.prune();
            }
        };
        tokio::select! {
            () = work => {}
            () = shutdown => {}
        }
    })
}

/// Connect to the configured database (no migration).
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let db = resolvers::db::connect(&config.database_url, config.db_pool)
        .await
        .with_context(|| "connecting to the database (DATABASE_URL)")?;
    for (name, value) in resolvers::db::durability_report(&db).await? {
        tracing::info!(setting = %name, value = %value, "database durability");
    }
    Ok(db)
}

/// Apply every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    refuse_newer_schema(db).await?;
    Migrator::up(db, None)
        .await
        .context("applying migrations")?;
    Ok(())
}

/// Whether migrations are pending.
pub async fn pending_migrations(db: &DatabaseConnection) -> anyhow::Result<usize> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

/// Refuse to run against a database migrated by a newer Switchboard: it may hold
/// columns or rules this binary does not know.
pub async fn refuse_newer_schema(db: &DatabaseConnection) -> anyhow::Result<()> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let backend = db.get_database_backend();
    let rows = match db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations".to_owned(),
        ))
        .await
    {
        Ok(rows) => rows,
        Err(_) => return Ok(()), // a fresh database has no migration table yet
    };
    for row in rows {
        let version: String = row.try_get("", "version")?;
        if !known.contains(&version) {
            anyhow::bail!(
                "the database was migrated by a newer Switchboard (unknown migration `{version}`); upgrade this binary"
            );
        }
    }
    Ok(())
}
