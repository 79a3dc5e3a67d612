//! `switchboard`: serve, migrate, print the schema, create tokens.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use switchboard::{AppState, Config, Listen};
use tracing_subscriber::EnvFilter;

/// Switchboard: a team-workspace API platform with a GraphQL core.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server. With no configuration: an embedded SQLite file, migrated and (when
    /// empty) seeded with a demo workspace whose admin token is printed once.
    Serve {
        #[command(flatten)]
        listen: Listen,
        #[command(flatten)]
        config: Config,
    },
    /// Apply pending database migrations (the release step for PostgreSQL).
    Migrate {
        #[command(flatten)]
        config: Config,
    },
    /// Print the GraphQL schema (Federation v2 SDL).
    Schema,
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print a signed user session (JWT) for a user.
    Session {
        /// Workspace slug.
        #[arg(long)]
        workspace: String,
        /// The user's email.
        #[arg(long)]
        user: String,
        /// Lifetime in minutes.
        #[arg(long, default_value_t = 15)]
        ttl_minutes: i64,
        #[command(flatten)]
        config: Config,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it (only it) on stdout. Creates the workspace and
    /// the user if absent; the first user of a workspace is its owner.
    Create {
        /// Workspace slug (a-z, 0-9, '-').
        #[arg(long)]
        workspace: String,
        /// The user's email (default: `admin@<workspace>.local`).
        #[arg(long)]
        user: Option<String>,
        /// Comma-separated scopes (default: everything the user's role allows).
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        config: Config,
    },
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // SWITCHBOARD_LOG_FORMAT=json: one JSON object per line (for log shippers).
    if std::env::var("SWITCHBOARD_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let _ = rustls::crypto::ring::default_provider().install_default();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, config } => serve(listen, config).await,
        Command::Migrate { config } => {
            let db = switchboard::connect(&config).await?;
            switchboard::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    workspace,
                    user,
                    scopes,
                    name,
                    config,
                },
        } => {
            let db = ready_database(&config).await?;
            let ws = resolvers::people::ensure_workspace(&db, &workspace, &workspace).await?;
            let email = user.unwrap_or_else(|| format!("admin@{workspace}.local"));
            let user = resolvers::people::ensure_user(
                &db,
                ws.id,
                resolvers::people::NewUser {
                    email,
                    ..Default::default()
                },
            )
            .await?;
            let input = resolvers::auth::CreateApiTokenInput {
                name,
                scopes,
                expires_at: None,
                rate_limits: Vec::new(),
            };
            let created = resolvers::auth::issue_api_token(&db, &user, input).await?;
            println!("{}", created.token);
            Ok(())
        }
        Command::Session {
            workspace,
            user,
            ttl_minutes,
            config,
        } => {
            let db = ready_database(&config).await?;
            let state = AppState::new(db.clone(), config).await?;
            let ws = resolvers::people::ensure_workspace(&db, &workspace, &workspace).await?;
            let user = resolvers::people::ensure_user(
                &db,
                ws.id,
                resolvers::people::NewUser {
                    email: user,
                    ..Default::default()
                },
            )
            .await?;
            println!(
                "{}",
                state
                    .jwt
                    .issue(ws.id, user.id, ttl_minutes.saturating_mul(60))?
            );
            Ok(())
        }
    }
}

/// Connect; migrate the embedded SQLite file (or anything in dev); otherwise require
/// `switchboard migrate` to have been run.
async fn ready_database(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = switchboard::connect(config).await?;
    if config.is_sqlite() || config.dev() {
        switchboard::migrate(&db).await?;
    } else {
        switchboard::refuse_newer_schema(&db).await?;
        let pending = switchboard::pending_migrations(&db).await?;
        if pending > 0 {
            anyhow::bail!("{pending} migration(s) pending: run `switchboard migrate` first");
        }
    }
    Ok(db)
}

async fn serve(listen: Listen, mut config: Config) -> anyhow::Result<()> {
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{}", listen.addr));
    }
    let db = ready_database(&config).await?;
    let seeded = if resolvers::seed::is_empty(&db).await? {
        Some(
            resolvers::seed::seed_demo(&db)
                .await
                .context("seeding the demo workspace")?,
        )
    } else {
        None
    };
    let dev = config.dev();
    let state = AppState::new(db, config).await?;
    let listener = tokio::net::TcpListener::bind(listen.addr)
        .await
        .with_context(|| format!("binding {}", listen.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "Switchboard listening");
    if let Some(created) = seeded {
        println!("Seeded the demo workspace `demo` (owner: ada@demo.test).");
        println!("Admin API token (shown once): {}", created.token);
        if dev {
            println!("GraphiQL: http://{addr}/graphql#token={}", created.token);
        }
    } else if dev {
        println!("GraphiQL: http://{addr}/graphql");
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut stop = stop_rx.clone();
    let background = switchboard::spawn_background(&state, async move {
        let _ = stop.changed().await;
    })?;
    let mut stop_housekeeping = stop_rx.clone();
    let housekeeping = switchboard::spawn_housekeeping(&state, async move {
        let _ = stop_housekeeping.changed().await;
    });
    tracing::info!(bus = state.bus.kind(), "event bus ready");
    switchboard::serve(
        listener,
        switchboard::build_router(state),
        shutdown_signal(),
    )
    .await?;
    let _ = stop_tx.send(true);
    if let Some(task) = background {
        let _ = task.await;
    }
    let _ = housekeeping.await;
    tracing::info!("Switchboard stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
