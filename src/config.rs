//! Configuration, read from the environment (and flags) in one place. Every variable is
//! documented where it is read; tests build a [`Config`] in code.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

/// The two profiles: `dev` (GraphiQL and introspection on, generated session key) and
/// `production` (both off, a session key required).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Local development: what `switchboard serve` runs with no configuration.
    Dev,
    /// Deployment: set `SWITCHBOARD_ENV=production`.
    Production,
}

/// Server settings.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database URL: `sqlite://path.db` (created and migrated on start) or
    /// `postgres://user@host/db` (migrate with `switchboard migrate` first).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://./switchboard.db"
    )]
    pub database_url: String,

    /// `dev` or `production`.
    #[arg(
        long = "env",
        env = "SWITCHBOARD_ENV",
        value_enum,
        default_value = "dev"
    )]
    pub profile: Profile,

    /// HS256 key for JWT user sessions, at least 32 bytes. Required in production; in
    /// dev a random key is generated per start (sessions then end with the process).
    #[arg(long, env = "SWITCHBOARD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Database connections in the pool.
    #[arg(long, env = "SWITCHBOARD_DB_POOL", default_value_t = 8)]
    pub db_pool: u32,

    /// Largest request body on `/graphql` and the REST routes, in bytes (larger → 413).
    #[arg(long, env = "SWITCHBOARD_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Largest upload body (`/direct_url`), in bytes (larger → 413). Avatars stop just
    /// above their own 5 MiB (or at this, if lower); every other route keeps `body_limit`.
    #[arg(long, env = "SWITCHBOARD_UPLOAD_LIMIT", default_value_t = 64 * 1024 * 1024)]
    pub upload_limit: usize,

    /// WebSocket read buffer per connection, in bytes. tungstenite's 128 KiB default
    /// costs ~140 KB per idle subscriber; 4 KiB keeps it near 15 KB.
    #[arg(long, env = "SWITCHBOARD_WS_READ_BUFFER", default_value_t = 4096)]
    pub ws_read_buffer: usize,

    /// WebSocket write buffer per connection, in bytes (0: write through).
    #[arg(long, env = "SWITCHBOARD_WS_WRITE_BUFFER", default_value_t = 0)]
    pub ws_write_buffer: usize,

    /// Most operations in one batched request.
    #[arg(long, env = "SWITCHBOARD_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Event bus broker shared by replicas: `nats://host:4222` or `redis://host:6379`.
    /// Unset: in-process (one replica).
    #[arg(long, env = "SWITCHBOARD_BUS")]
    pub bus: Option<String>,

    /// Namespace of this deployment on the bus broker (subject `<namespace>.events`).
    #[arg(long, env = "SWITCHBOARD_BUS_NAMESPACE", default_value = "switchboard")]
    pub bus_namespace: String,

    /// Let webhook endpoints point at loopback addresses (development and tests only;
    /// every other internal address stays refused).
    #[arg(
        long,
        env = "SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK",
        default_value_t = false
    )]
    pub webhook_allow_loopback: bool,

    /// Run the webhook dispatcher in this process.
    #[arg(long, env = "SWITCHBOARD_DISPATCHER", default_value_t = true, action = clap::ArgAction::Set)]
    pub dispatcher: bool,

    /// Seconds a webhook receiver has to answer one delivery attempt before it counts as
    /// failed and is retried along the schedule.
    #[arg(
        long,
        env = "SWITCHBOARD_WEBHOOK_TIMEOUT",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub webhook_timeout_secs: u64,

    /// Seconds a dispatcher's claim on a delivery lasts. When a replica dies mid-delivery
    /// the delivery is due again this long after it was claimed. It must outlast the
    /// longest a claim can wait for its attempt (two timeouts with the built-in batch),
    /// so a live claim never runs out under slow receivers.
    #[arg(
        long,
        env = "SWITCHBOARD_WEBHOOK_LEASE",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub webhook_lease_secs: u64,

    /// Where files are stored: a directory (default `./data/files`), `file:///dir`,
    /// `s3://bucket[/prefix]` (S3-compatible; credentials, region and endpoint from the
    /// standard `AWS_*` variables) or `memory:` (lost at exit).
    #[arg(long, env = "SWITCHBOARD_FILES", default_value = "./data/files")]
    pub files: String,

    /// Key that signs download links and upload policies. Unset: derived from the JWT
    /// secret, so replicas sharing that secret accept each other's links.
    #[arg(long, env = "SWITCHBOARD_FILES_SECRET", hide_env_values = true)]
    pub files_secret: Option<String>,

    /// The base URL clients reach this server at (e.g. `https://chat.example.com`), used
    /// in links Switchboard hands out. Unset: `http://<listen address>`.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The media server calls join (LiveKit-compatible): the URL clients connect to with
    /// their join token.
    #[arg(
        long,
        env = "SWITCHBOARD_LIVEKIT_URL",
        default_value = "ws://127.0.0.1:7880"
    )]
    pub livekit_url: String,

    /// The media server's API key: the issuer (`iss`) of every join token.
    #[arg(long, env = "SWITCHBOARD_LIVEKIT_API_KEY", default_value = "devkey")]
    pub livekit_api_key: String,

    /// The media server's API secret, which signs join tokens (HS256). Required in
    /// production (and must not be the development server's well-known `secret`); in dev
    /// the development server's pair (`devkey` / `secret`) is used when unset.
    #[arg(long, env = "SWITCHBOARD_LIVEKIT_API_SECRET", hide_env_values = true)]
    pub livekit_api_secret: Option<String>,

    /// Rate-limit budgets (built-in defaults; tests set their own). Its hook windows
    /// are replaced by `hook_rate_per_hour` and `hook_rate_per_day`.
    #[arg(skip)]
    pub rate: resolvers::rate::RateConfig,

    /// Requests one hook (`/hooks/{id}/{secret}/message`) may make per hour
    /// (`X-Rate-Limit-Total-Per-Hour`).
    #[arg(
        long,
        env = "SWITCHBOARD_HOOK_RATE_PER_HOUR",
        default_value_t = resolvers::rate::DEFAULT_HOOK_PER_HOUR,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub hook_rate_per_hour: u32,

    /// Requests one hook may make per day (`X-Rate-Limit-Total-Per-Day`).
    #[arg(
        long,
        env = "SWITCHBOARD_HOOK_RATE_PER_DAY",
        default_value_t = resolvers::rate::DEFAULT_HOOK_PER_DAY,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub hook_rate_per_day: u32,

    /// Offer `POST /api/auth/dev-login` (WorkAndGo): a session for any member by e-mail,
    /// without a password. Development only: refused at startup in production.
    #[arg(long, env = "SWITCHBOARD_DEV_LOGIN", default_value_t = false, action = clap::ArgAction::Set)]
    pub dev_login: bool,

    /// The web app's origin (`https://app.example.com`): WorkAndGo cookie-authenticated
    /// writes must carry it as `Origin` (CSRF). Unset: the origin of
    /// `SWITCHBOARD_PUBLIC_URL`; with neither, every cookie write is refused.
    #[arg(long, env = "SWITCHBOARD_APP_ORIGIN")]
    pub app_origin: Option<String>,

    /// The WorkAndGo façade's rate classes (`std` 100, `search` 30, `upload` 20 per
    /// minute; tests set their own).
    #[arg(skip = resolvers::rate::RateConfig::workandgo())]
    pub workandgo_rate: resolvers::rate::RateConfig,

    /// Webhook delivery schedule, polling, batch and concurrency (built-in defaults; tests
    /// set their own). Its timeout and lease come from `webhook_timeout_secs` and
    /// `webhook_lease_secs`: see [`Config::delivery_config`].
    #[arg(skip)]
    pub delivery: resolvers::webhooks::DispatcherConfig,

    /// How the SSRF guard resolves host names (unset: the system resolver; tests inject
    /// a stub that maps test names to chosen addresses, without DNS).
    #[arg(skip)]
    pub webhook_lookup: Option<resolvers::webhooks::ssrf::SharedLookup>,
}

impl Config {
    /// Defaults for tests and embedding: dev profile, the given database, a fixed key.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            profile: Profile::Dev,
            jwt_secret: Some("switchboard-test-secret-0123456789abcdef".to_owned()),
            db_pool: 8,
            body_limit: 1024 * 1024,
            upload_limit: 8 * 1024 * 1024,
            ws_read_buffer: 4096,
            ws_write_buffer: 0,
            max_batch: 10,
            bus: None,
            bus_namespace: "switchboard".to_owned(),
            webhook_allow_loopback: false,
            dispatcher: true,
            webhook_timeout_secs: 15,
            webhook_lease_secs: 60,
            files: "memory:".to_owned(),
            files_secret: None,
            public_url: None,
            livekit_url: "ws://127.0.0.1:7880".to_owned(),
            livekit_api_key: "switchboard-test".to_owned(),
            livekit_api_secret: Some("switchboard-test-livekit-secret-0123456789".to_owned()),
            rate: resolvers::rate::RateConfig::default(),
            hook_rate_per_hour: resolvers::rate::DEFAULT_HOOK_PER_HOUR,
            hook_rate_per_day: resolvers::rate::DEFAULT_HOOK_PER_DAY,
            delivery: resolvers::webhooks::DispatcherConfig::default(),
            webhook_lookup: None,
            dev_login: false,
            app_origin: None,
            workandgo_rate: resolvers::rate::RateConfig::workandgo(),
        }
    }

    /// The origin cookie-authenticated writes must come from (`scheme://host[:port]`):
    /// `app_origin`, else that of `public_url`.
    pub fn app_origin(&self) -> Option<String> {
        let raw = self.app_origin.as_deref().or(self.public_url.as_deref())?;
        let url = url::Url::parse(raw.trim()).ok()?;
        let origin = url.origin();
        origin.is_tuple().then(|| origin.ascii_serialization())
    }

    /// Whether GraphiQL and introspection are served.
    pub fn dev(&self) -> bool {
        self.profile == Profile::Dev
    }

    /// The rate budgets in force: `rate`, with the hook windows from their variables.
    pub fn rate_config(&self) -> resolvers::rate::RateConfig {
        resolvers::rate::RateConfig {
            hook: resolvers::rate::HookWindows {
                per_hour: self.hook_rate_per_hour.max(1),
                per_day: self.hook_rate_per_day.max(1),
            },
            ..self.rate
        }
    }

    /// The webhook dispatcher's settings: `delivery` with the timeout and lease from
    /// their variables. A lease that does not outlast the longest a claim can wait for
    /// its attempt is refused: the claim could run out while the attempt is still
    /// waiting, and a second replica would deliver the same event again.
    pub fn delivery_config(&self) -> anyhow::Result<resolvers::webhooks::DispatcherConfig> {
        let config = resolvers::webhooks::DispatcherConfig {
            timeout: std::time::Duration::from_secs(self.webhook_timeout_secs),
            lease: std::time::Duration::from_secs(self.webhook_lease_secs),
            ..self.delivery.clone()
        };
        let longest = config.longest_claim();
        if config.lease <= longest {
            anyhow::bail!(
                "SWITCHBOARD_WEBHOOK_LEASE ({} s) must be longer than a claim can wait for its attempt: {} s \
                 ({} deliveries claimed at a time, {} at once, SWITCHBOARD_WEBHOOK_TIMEOUT {} s each)",
                self.webhook_lease_secs,
                longest.as_secs(),
                config.batch,
                config.concurrency,
                self.webhook_timeout_secs
            );
        }
        Ok(config)
    }

    /// Whether the database is an embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Where `serve` listens.
#[derive(Clone, Debug, Args)]
pub struct Listen {
    /// Address to listen on.
    #[arg(long, env = "SWITCHBOARD_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_lease_outlasts_every_claim() {
        let config = Config::for_database("sqlite::memory:");
        let delivery = config.delivery_config().unwrap_or_else(|e| panic!("{e}"));
        assert!(delivery.lease > delivery.longest_claim());
        assert_eq!(delivery.timeout, std::time::Duration::from_secs(15));
    }

    #[test]
    fn a_lease_a_live_claim_could_outlast_is_refused_naming_both_variables() {
        let mut config = Config::for_database("sqlite::memory:");
        config.webhook_timeout_secs = 15;
        config.webhook_lease_secs = 30; // two waves of 15 s attempts: 30 s
        let err = config.delivery_config().err().map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.contains("SWITCHBOARD_WEBHOOK_LEASE (30 s)")
                && err.contains("SWITCHBOARD_WEBHOOK_TIMEOUT 15 s"),
            "{err}"
        );
        config.webhook_lease_secs = 31;
        assert!(config.delivery_config().is_ok());
    }
}
