//! Application state shared by every handler.

use std::sync::Arc;

use anyhow::Context as _;
use resolvers::Env;
use resolvers::auth::JwtConfig;
use resolvers::events::Bus;
use resolvers::files::FileStore;
use resolvers::meetings::LiveKitConfig;
use resolvers::rate::RateLimits;
use schema::{AppSchema, SchemaConfig};
use sea_orm::DatabaseConnection;

use crate::config::Config;

/// Cheap to clone: one `Arc` around [`App`].
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

/// Everything a request needs.
pub struct App {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Where committed changes are announced (subscriptions read it).
    pub bus: Bus,
    /// Services the domain operations share: the SSRF guard and the rate limits.
    pub env: Arc<Env>,
    /// The executable GraphQL schema.
    pub schema: AppSchema,
    /// Parsed GraphQL documents by query text.
    pub documents: schema::Documents,
    /// Session key.
    pub jwt: JwtConfig,
    /// The WorkAndGo façade's own rate classes (its document's budgets, per key, per
    /// user or per client address), apart from the shared per-credential budgets.
    pub wag_rate: RateLimits,
    /// Settings.
    pub config: Config,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// The context of one request by `principal`, inside the server's shared services.
    pub fn ctx(
        &self,
        principal: resolvers::Principal,
        origin: resolvers::Origin,
    ) -> resolvers::Ctx {
        resolvers::Ctx::within(
            self.env.clone(),
            self.db.clone(),
            self.bus.clone(),
            principal,
        )
        .with_origin(origin)
    }

    /// Assemble the state from a connected, migrated database; connects the bus broker
    /// when one is configured.
    pub async fn new(db: DatabaseConnection, config: Config) -> anyhow::Result<Self> {
        if config.dev_login && !config.dev() {
            anyhow::bail!(
                "SWITCHBOARD_DEV_LOGIN is refused when SWITCHBOARD_ENV=production (it signs anyone in by e-mail)"
            );
        }
        let jwt_secret = match &config.jwt_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None if config.dev() => {
                let mut key = [0_u8; 32];
                getrandom_fill(&mut key)?;
                key.to_vec()
            }
            None => {
                anyhow::bail!("SWITCHBOARD_JWT_SECRET is required when SWITCHBOARD_ENV=production")
            }
        };
        let jwt = JwtConfig::from_secret(&jwt_secret)
            .map_err(|e| anyhow::anyhow!("SWITCHBOARD_JWT_SECRET: {e}"))?;
        // Self-test: a session we sign must verify (catches a missing crypto backend).
        let probe = jwt.issue(0, 0, 60).map_err(|e| anyhow::anyhow!("{e}"))?;
        jwt.verify(&probe)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("JWT self-test failed")?;
        let schema = schema::build_schema(&SchemaConfig {
            introspection: config.dev(),
            ..SchemaConfig::default()
        });
        let bus = match &config.bus {
            Some(url) => Bus::connect(url, &config.bus_namespace)
                .await
                .map_err(|e| anyhow::anyhow!("SWITCHBOARD_BUS: {e}"))?,
            None => Bus::new(),
        };
        let mut guard = resolvers::webhooks::ssrf::Guard {
            allow_loopback: config.webhook_allow_loopback,
            ..Default::default()
        };
        if let Some(lookup) = &config.webhook_lookup {
            guard.lookup = lookup.0.clone();
        }
        let files_secret = match &config.files_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => resolvers::files::derive_secret(&jwt_secret, "switchboard files"),
        };
        let files = FileStore::open(&config.files, &files_secret)
            .map_err(|e| anyhow::anyhow!("SWITCHBOARD_FILES: {e}"))?;
        let livekit = match &config.livekit_api_secret {
            Some(secret) if !config.dev() && secret == resolvers::meetings::DEV_API_SECRET => {
                anyhow::bail!(
                    "SWITCHBOARD_LIVEKIT_API_SECRET: the development secret is refused when SWITCHBOARD_ENV=production"
                )
            }
            Some(secret) => {
                LiveKitConfig::new(&config.livekit_url, &config.livekit_api_key, secret)
            }
            None if config.dev() => LiveKitConfig::new(
                &config.livekit_url,
                resolvers::meetings::DEV_API_KEY,
                resolvers::meetings::DEV_API_SECRET,
            ),
            None => anyhow::bail!(
                "SWITCHBOARD_LIVEKIT_API_SECRET is required when SWITCHBOARD_ENV=production"
            ),
        };
        let env = Arc::new(Env {
            guard,
            rate: RateLimits::with_token_budgets(config.rate_config()),
            files,
            public_url: config
                .public_url
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            livekit,
        });
        Ok(AppState(Arc::new(App {
            db,
            bus,
            env,
            schema,
            documents: schema::Documents::default(),
            jwt,
            wag_rate: RateLimits::new(config.workandgo_rate),
            config,
        })))
    }
}

fn getrandom_fill(buf: &mut [u8]) -> anyhow::Result<()> {
    getrandom::fill(buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))
}
