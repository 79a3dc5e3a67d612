//! Apollo Federation v2 entity resolvers: `User`, `Chat` and `Message` are keyed by `id`.
//!
//! A gateway resolves a reference with the same visibility rules as any query: an entity
//! the principal cannot see (or of another workspace) resolves to null. At most
//! [`MAX_REPRESENTATIONS`] representations are accepted per request (see `limits.rs`).

use async_graphql::{Context, ID, Object, Result};

use crate::context::rctx;
use crate::ids::{self, Kind};
use crate::types::{Chat, Message, User};

/// Most `_entities` representations in one request.
pub const MAX_REPRESENTATIONS: usize = 1000;

/// The entity resolvers (not fields of Query; federation calls them via `_entities`).
#[derive(Default)]
pub struct FederationEntities;

fn visible<T>(r: resolvers::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(resolvers::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(crate::error::to_gql(e)),
    }
}

#[Object]
impl FederationEntities {
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = ids::decode(&id, Kind::User, "id")?;
        Ok(visible(resolvers::people::get_user(rctx(ctx)?, id).await)?.map(User))
    }

    #[graphql(entity)]
    async fn find_chat_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Chat>> {
        let id = ids::decode(&id, Kind::Chat, "id")?;
        Ok(visible(resolvers::chats::get_chat(rctx(ctx)?, id).await)?.map(Chat))
    }

    #[graphql(entity)]
    async fn find_message_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Message>> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        Ok(visible(resolvers::messages::get_message(rctx(ctx)?, id).await)?.map(Message))
    }
}
