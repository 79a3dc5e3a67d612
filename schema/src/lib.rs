#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod bots;
pub mod context;
pub mod documents;
pub mod error;
pub mod federation;
pub mod feed;
pub mod hooks;
pub mod hr;
pub mod ids;
pub mod integrations;
pub mod limits;
pub mod loaders;
pub mod meetings;
pub mod messaging_v1;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod tasks;
pub mod types;

use async_graphql::{Data, Request, SDLExportOptions, Schema};

pub use documents::Documents;
pub use limits::Limits;
pub use loaders::Loaders;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Schema settings (all defaults are the production ones).
#[derive(Clone, Debug)]
pub struct SchemaConfig {
    /// Allow introspection and "did you mean" suggestions (development only).
    pub introspection: bool,
    /// Most nesting of selection sets.
    pub max_depth: usize,
    /// Most complexity points; a connection costs `first` × its selection.
    ///
    /// 10,000 rather than the 1,000 of the security guide: with every field costing one
    /// point, a single `messages(first: 100)` page selecting author, reactions and
    /// attachments already costs ~1,500, so 1,000 would forbid ordinary pages while
    /// nested connections (100 chats × 100 messages) still exceed 10,000 and are refused.
    pub max_complexity: usize,
    /// Token, alias, root-field and representation limits.
    pub limits: Limits,
}

impl Default for SchemaConfig {
    fn default() -> Self {
        SchemaConfig {
            introspection: false,
            max_depth: 12,
            max_complexity: 10_000,
            limits: Limits::default(),
        }
    }
}

/// Build the schema: a Federation v2 subgraph (subscriptions included in its SDL), with
/// every limit on.
pub fn build_schema(config: &SchemaConfig) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .enable_federation()
    .enable_subscription_in_federation()
    .limit_complexity(config.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(5)
    .extension(Limits {
        max_depth: config.max_depth,
        ..config.limits
    });
    if !config.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The federation SDL of the schema: what `schema/schema.graphql` holds and
/// `switchboard schema` prints.
pub fn sdl() -> String {
    build_schema(&SchemaConfig::default()).sdl_with_options(SDLExportOptions::new().federation())
}

/// Attach a principal's domain context (and fresh loaders) to an HTTP request.
pub fn with_principal(request: Request, ctx: resolvers::Ctx) -> Request {
    let loaders = Loaders::new(&ctx, true);
    let task_loaders = tasks::TaskLoaders::new(&ctx, true);
    request.data(ctx).data(loaders).data(task_loaders)
}

/// The per-connection data of an authenticated WebSocket.
pub fn connection_data(ctx: resolvers::Ctx) -> Data {
    let mut data = Data::default();
    data.insert(Loaders::new(&ctx, false));
    data.insert(tasks::TaskLoaders::new(&ctx, false));
    data.insert(ctx);
    data
}
