//! The per-request context every operation takes: database, event bus and principal.

use std::sync::Arc;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::auth::{Scope, Scopes};
use crate::events::Bus;
use crate::people::Role;
use crate::{Error, Result};

/// Who is calling: always exactly one workspace and one acting user (a person or a bot).
///
/// Every operation takes the workspace from here, never from its input, which is what
/// makes cross-workspace access impossible by construction.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The tenant.
    pub workspace_id: i64,
    /// The acting user (bots are users with `is_bot`).
    pub user_id: i64,
    /// The user's workspace role at authentication time.
    pub role: Role,
    /// Whether the acting user is a bot.
    pub is_bot: bool,
    /// What this credential may do (already capped by the role).
    pub scopes: Scopes,
    /// How the principal authenticated.
    pub credential: Credential,
}

/// The credential a principal presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A signed user session (JWT).
    Session,
    /// An API token, identified by its row id and visible prefix.
    ApiToken {
        /// Row id in `api_tokens`.
        id: i64,
        /// Visible prefix, safe to log.
        prefix: String,
        /// The token's own rate-limit budgets, read with the row at authentication (so a
        /// change applies from the next request, at no extra query).
        budgets: crate::rate::TokenBudgets,
    },
    /// A hook's id and secret (Hook API): the principal is the hook's integration
    /// client's bot account.
    Hook {
        /// Row id in `integration_hooks`.
        id: i64,
        /// The hook's public id (the URL's first segment, not secret), safe to log.
        public_id: String,
    },
}

impl Credential {
    /// Whether this is a workspace-level token (Messaging API v1: a `wst_` token, or
    /// the hidden token an incoming webhook acts with): it sees every channel and group
    /// of its workspace and holds the permissions it was granted, whatever its bot
    /// user's role.
    pub fn is_workspace_level(&self) -> bool {
        match self {
            Credential::ApiToken { prefix, .. } => {
                prefix.starts_with(crate::auth::WORKSPACE_TOKEN_PREFIX)
                    || prefix.starts_with(crate::integrations::incoming::HIDDEN_TOKEN_PREFIX)
            }
            Credential::Session | Credential::Hook { .. } => false,
        }
    }
}

impl Credential {
    /// Whether this is a WorkAndGo API key (`wag_`, sent as `X-API-Key`): it acts with
    /// its member's rights, narrowed by its key scopes.
    pub fn is_api_key(&self) -> bool {
        matches!(self, Credential::ApiToken { prefix, .. } if prefix.starts_with(crate::auth::API_KEY_PREFIX))
    }
}

impl Principal {
    /// Whether the principal acts through a workspace-level token (see
    /// [`Credential::is_workspace_level`]).
    pub fn is_workspace_level(&self) -> bool {
        self.credential.is_workspace_level()
    }

    /// Whether the principal is a workspace owner or admin.
    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::Owner | Role::Admin)
    }

    /// Fails with [`Error::MissingScope`] unless the credential carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Error::MissingScope(scope.as_str()))
        }
    }
}

/// Where a request came from: recorded with every event it causes (the audit trail).
#[derive(Clone, Debug)]
pub struct Origin {
    /// The front door: `graphql`, `cli`, `system`, or a REST dialect's name.
    pub dialect: &'static str,
    /// The client's address, when known.
    pub ip: Option<String>,
    /// The request's idempotency key, if it carried one.
    pub idempotency_key: Option<String>,
}

impl Default for Origin {
    fn default() -> Self {
        Origin {
            dialect: "system",
            ip: None,
            idempotency_key: None,
        }
    }
}

/// Process-wide services operations need besides the database: the SSRF guard for
/// user-supplied URLs, the rate limits, the file store and the public address.
#[derive(Clone, Default)]
pub struct Env {
    /// Checks every URL Switchboard is asked to call.
    pub guard: crate::webhooks::ssrf::Guard,
    /// Per-credential budgets.
    pub rate: crate::rate::RateLimits,
    /// Where files live, and how their download links are signed.
    pub files: crate::files::FileStore,
    /// The base URL clients reach this server at (no trailing slash), for links
    /// Switchboard hands out (download URLs, message links, upload targets). Empty when
    /// unknown: links are then relative.
    pub public_url: String,
    /// The media server calls join (meetings).
    pub livekit: crate::meetings::LiveKitConfig,
}

/// Database, bus, principal and origin of one request (or one WebSocket connection).
#[derive(Clone)]
pub struct Ctx {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Where committed changes are announced.
    pub bus: Bus,
    /// The caller.
    pub principal: Principal,
    /// Where the request came from.
    pub origin: Origin,
    /// Shared services.
    pub env: Arc<Env>,
}

impl Ctx {
    /// Build a context with a default origin (`system`) and environment of its own.
    ///
    /// Building an environment builds its services (six rate limiters, each calibrating a
    /// clock, the SSRF guard, the file store): for the CLI, the seed and tests. A request
    /// uses the server's shared environment through [`Ctx::within`], which costs nothing.
    pub fn new(db: DatabaseConnection, bus: Bus, principal: Principal) -> Self {
        Self::within(Arc::new(Env::default()), db, bus, principal)
    }

    /// Build a context with a default origin (`system`) inside the shared services of
    /// `env`.
    pub fn within(env: Arc<Env>, db: DatabaseConnection, bus: Bus, principal: Principal) -> Self {
        Ctx {
            db,
            bus,
            principal,
            origin: Origin::default(),
            env,
        }
    }

    /// The same context, from `origin`.
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// The same context carrying `key` as its idempotency key (when given), so the
    /// events it records name the key in the audit trail.
    pub fn with_idempotency_key(&self, key: Option<&str>) -> Ctx {
        let mut ctx = self.clone();
        if let Some(key) = key {
            ctx.origin.idempotency_key = Some(key.to_owned());
        }
        ctx
    }

    /// The same context, with shared services.
    pub fn with_env(mut self, env: Arc<Env>) -> Self {
        self.env = env;
        self
    }

    /// The caller's workspace.
    pub fn workspace_id(&self) -> i64 {
        self.principal.workspace_id
    }

    /// The acting user.
    pub fn user_id(&self) -> i64 {
        self.principal.user_id
    }

    /// Shorthand for `self.principal.require(scope)`.
    pub fn require(&self, scope: Scope) -> Result<()> {
        self.principal.require(scope)
    }

    /// Start a write transaction (see [`write_txn`]).
    pub async fn write(&self) -> Result<DatabaseTransaction> {
        write_txn(&self.db).await
    }
}

/// Start a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write
/// lock up front: a deferred transaction that reads and then writes can fail with
/// `SQLITE_BUSY` at the upgrade, which `busy_timeout` does not cover.
pub async fn write_txn(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = match db.get_database_backend() {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        },
        _ => TransactionOptions::default(),
    };
    Ok(db.begin_with_options(options).await?)
}
