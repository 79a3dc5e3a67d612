//! The Query root.

use async_graphql::{Context, ID, Interface, MergedObject, Object, Result};
use chrono::{DateTime, Utc};
use resolvers::chats::ChatFilter;
use resolvers::pagination::PageArgs;
use resolvers::people::UserFilter;
use resolvers::search::MessageSearch;

use crate::context::rctx;
use crate::error::GqlResult;
use crate::federation::FederationEntities;
use crate::ids::{self, Kind};
use crate::types::*;

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    /// A user.
    User(User),
    /// A chat.
    Chat(Chat),
    /// A message.
    Message(Message),
}

/// Queries about people and the workspace.
#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The authenticated user.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(resolvers::people::get_me(rctx(ctx)?).await.gql()?))
    }
    /// The authenticated user's workspace.
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Workspace> {
        Ok(Workspace(
            resolvers::people::get_workspace(rctx(ctx)?).await.gql()?,
        ))
    }
    /// Users of the workspace, by id.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only users whose name, nickname or email contains this text.")]
        query: Option<String>,
        department_id: Option<ID>,
        #[graphql(default)] include_suspended: bool,
    ) -> Result<UserConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let department_id = department_id
            .map(|id| ids::decode(&id, Kind::Department, "departmentId"))
            .transpose()?;
        let filter = UserFilter {
            query,
            department_id,
            include_suspended,
        };
        let rows = resolvers::people::list_users(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        Ok(connection(rows, |u| u.id, User))
    }
    /// One user.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = ids::decode(&id, Kind::User, "id")?;
        not_found_is_null(resolvers::people::get_user(rctx(ctx)?, id).await).map(|u| u.map(User))
    }
    /// Departments, by name.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let rows = resolvers::people::list_departments(rctx(ctx)?)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Department).collect())
    }
    /// Group tags, by name.
    async fn group_tags(&self, ctx: &Context<'_>) -> Result<Vec<GroupTag>> {
        let rows = resolvers::people::list_group_tags(rctx(ctx)?).await.gql()?;
        Ok(rows.into_iter().map(GroupTag).collect())
    }
    /// Your API tokens (never their secrets).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let rows = resolvers::auth::list_api_tokens(rctx(ctx)?).await.gql()?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }
}

/// Queries about chats and messages.
#[derive(Default)]
pub struct MessagingQuery;

#[Object]
impl MessagingQuery {
    /// Chats you can see (your chats and public ones), by id.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn chats(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only chats you are a member of.", default)] member_only: bool,
        #[graphql(desc = "Include archived chats.", default)] include_archived: bool,
        #[graphql(desc = "Only chats of this kind (threads only when asked for).")] kind: Option<
            ChatKindGql,
        >,
    ) -> Result<ChatConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let filter = ChatFilter {
            member_only,
            include_archived,
            kind: kind.map(Into::into),
            ..ChatFilter::default()
        };
        let rows = resolvers::chats::list_chats(rctx(ctx)?, filter, page)
            .await
            .gql()?;
        crate::loaders::prefetch_chats(ctx, &rows.items).await?;
        Ok(connection(rows, |c| c.id, Chat))
    }
    /// One chat; null when it does not exist or you cannot see it.
    async fn chat(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Chat>> {
        let id = ids::decode(&id, Kind::Chat, "id")?;
        not_found_is_null(resolvers::chats::get_chat_access(rctx(ctx)?, id).await)
            .map(|c| c.map(Chat::with_access))
    }
    /// A chat's messages, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageConnection> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::messages::list_messages(rctx(ctx)?, chat_id, page)
            .await
            .gql()?;
        crate::loaders::prefetch_messages(ctx, &rows.items).await?;
        Ok(connection(rows, |m| m.id, Message))
    }
    /// One message; null when it does not exist or you cannot see it.
    async fn message(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Message>> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        not_found_is_null(resolvers::messages::get_message(rctx(ctx)?, id).await)
            .map(|m| m.map(Message))
    }
    /// Full-text search over messages, chats and users (every word must match, as a prefix).
    async fn search(
        &self,
        query: String,
        #[graphql(desc = "Messages of this chat only.")] chat_id: Option<ID>,
        #[graphql(desc = "Messages by this author only.")] author_id: Option<ID>,
        #[graphql(desc = "Messages sent at or after this time.")] from: Option<DateTime<Utc>>,
        #[graphql(desc = "Messages sent before this time.")] to: Option<DateTime<Utc>>,
    ) -> Result<SearchResults> {
        let chat_id = chat_id
            .map(|id| ids::decode(&id, Kind::Chat, "chatId"))
            .transpose()?;
        let author_id = author_id
            .map(|id| ids::decode(&id, Kind::User, "authorId"))
            .transpose()?;
        Ok(SearchResults(MessageSearch {
            query,
            chat_id,
            author_id,
            from,
            to,
            ..Default::default()
        }))
    }
    /// Any object by its global id; null when it does not exist or you cannot see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let Some((kind, raw)) = ids::decode_any(&id) else {
            return Err(crate::error::to_gql(resolvers::Error::invalid(
                "id",
                "not a valid global id",
            )));
        };
        let c = rctx(ctx)?;
        Ok(match kind {
            Kind::User => not_found_is_null(resolvers::people::get_user(c, raw).await)?
                .map(|u| Node::User(User(u))),
            Kind::Chat => not_found_is_null(resolvers::chats::get_chat(c, raw).await)?
                .map(|x| Node::Chat(Chat(x))),
            Kind::Message => not_found_is_null(resolvers::messages::get_message(c, raw).await)?
                .map(|m| Node::Message(Message(m))),
            _ => None,
        })
    }
}

/// The results of `search`, each list paginated on its own.
pub struct SearchResults(MessageSearch);

#[Object]
impl SearchResults {
    /// Matching messages in chats you can read, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::search::search_messages(rctx(ctx)?, self.0.clone(), page)
            .await
            .gql()?
            .page;
        crate::loaders::prefetch_messages(ctx, &rows.items).await?;
        Ok(connection(rows, |m| m.id, Message))
    }
    /// Matching chats you can see.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn chats(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ChatConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let search = resolvers::search::ChatSearch {
            query: self.0.query.clone(),
            ..Default::default()
        };
        let rows = resolvers::search::search_chats(rctx(ctx)?, &search, page)
            .await
            .gql()?
            .page;
        Ok(connection(rows, |c| c.id, Chat))
    }
    /// Matching users.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let search = resolvers::search::UserSearch {
            query: self.0.query.clone(),
            ..Default::default()
        };
        let rows = resolvers::search::search_users(rctx(ctx)?, &search, page)
            .await
            .gql()?
            .page;
        Ok(connection(rows, |u| u.id, User))
    }
    /// Matching transcript segments of calls you can see, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn transcript_segments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Segments of this meeting's calls only.")] meeting_id: Option<ID>,
        #[graphql(desc = "Segments of this call only.")] call_id: Option<ID>,
    ) -> Result<async_graphql::connection::Connection<String, meeting::TranscriptSegment>> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let search = resolvers::search::TranscriptSearch {
            query: self.0.query.clone(),
            meeting_id: meeting_id
                .map(|id| ids::decode(&id, Kind::Meeting, "meetingId"))
                .transpose()?,
            call_id: call_id
                .map(|id| ids::decode(&id, Kind::Call, "callId"))
                .transpose()?,
        };
        let rows = resolvers::search::search_transcripts(rctx(ctx)?, search, page)
            .await
            .gql()?;
        Ok(connection(rows, |s| s.id, meeting::TranscriptSegment))
    }
}

/// A missing (or invisible, or foreign) object is `null` for nullable lookups; every
/// other error stays an error.
fn not_found_is_null<T>(r: resolvers::Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(resolvers::Error::NotFound(_)) => Ok(None),
        Err(e) => Err(crate::error::to_gql(e)),
    }
}

/// The Query root, merged from per-area objects.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(
    PeopleQuery,
    MessagingQuery,
    crate::integrations::IntegrationsQuery,
    crate::tasks::TaskQuery,
    crate::bots::BotsQuery,
    crate::meetings::MeetingsQuery,
    crate::hr::HrQuery,
    crate::hooks::HooksQuery,
    crate::messaging_v1::MessagingV1Query,
    FederationEntities,
);
