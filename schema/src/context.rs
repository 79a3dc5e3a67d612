//! Reading the per-request data async-graphql carries: the domain context and loaders.

use async_graphql::Context;

use crate::error::unauthenticated;
use crate::loaders::Loaders;

/// The caller's domain context, or `UNAUTHENTICATED` when the request had no valid
/// credential.
pub fn rctx<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a resolvers::Ctx> {
    ctx.data_opt::<resolvers::Ctx>().ok_or_else(unauthenticated)
}

/// The request's loaders (present whenever a domain context is).
pub fn loaders<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data_opt::<Loaders>().ok_or_else(unauthenticated)
}
