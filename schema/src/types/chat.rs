//! Chats and their members.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entities::{chat_members, chats};
use resolvers::chats::{Access, ChatKind, ChatRole};
use resolvers::pagination::PageArgs;

use super::{
    ChatMemberConnection, Department, Message, MessageConnection, User, connection, page_cost,
};
use crate::context::{loaders, rctx};
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;

/// The kind of a chat.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ChatKind")]
pub enum ChatKindGql {
    /// Announcement channel: admins and editors post.
    Channel,
    /// Group conversation.
    Group,
    /// Direct conversation between two users.
    Direct,
    /// Thread attached to a message.
    Thread,
}

impl From<ChatKind> for ChatKindGql {
    fn from(k: ChatKind) -> Self {
        match k {
            ChatKind::Channel => ChatKindGql::Channel,
            ChatKind::Group => ChatKindGql::Group,
            ChatKind::Direct => ChatKindGql::Direct,
            ChatKind::Thread => ChatKindGql::Thread,
        }
    }
}

impl From<ChatKindGql> for ChatKind {
    fn from(k: ChatKindGql) -> Self {
        match k {
            ChatKindGql::Channel => ChatKind::Channel,
            ChatKindGql::Group => ChatKind::Group,
            ChatKindGql::Direct => ChatKind::Direct,
            ChatKindGql::Thread => ChatKind::Thread,
        }
    }
}

/// A member's role in a chat.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChatMemberRole {
    /// Manages the chat.
    Admin,
    /// Posts in channels.
    Editor,
    /// Reads (and posts in groups).
    Member,
}

impl From<ChatRole> for ChatMemberRole {
    fn from(r: ChatRole) -> Self {
        match r {
            ChatRole::Admin => ChatMemberRole::Admin,
            ChatRole::Editor => ChatMemberRole::Editor,
            ChatRole::Member => ChatMemberRole::Member,
        }
    }
}

impl From<ChatMemberRole> for ChatRole {
    fn from(r: ChatMemberRole) -> Self {
        match r {
            ChatMemberRole::Admin => ChatRole::Admin,
            ChatMemberRole::Editor => ChatRole::Editor,
            ChatMemberRole::Member => ChatRole::Member,
        }
    }
}

/// A channel, group conversation, direct conversation or thread.
pub struct Chat {
    /// The row.
    pub row: chats::Model,
    /// The access decision that admitted it, when it was read with one in this request
    /// (`chat(id:)`): `messages` reuses it instead of deciding again.
    access: Option<Access>,
}

/// Wrap a row (a constructor function named like the type, so `.map(Chat)` reads as it
/// would for a tuple struct). Its fields decide access for themselves.
#[allow(non_snake_case)]
pub fn Chat(row: chats::Model) -> Chat {
    Chat { row, access: None }
}

impl Chat {
    /// A chat with the access decision that admitted it in this request.
    pub fn with_access(access: Access) -> Chat {
        Chat {
            row: access.chat.clone(),
            access: Some(access),
        }
    }
}

#[Object]
impl Chat {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Chat, self.row.id)
    }
    /// The row id, as the REST dialects render it.
    async fn database_id(&self) -> i64 {
        self.row.id
    }
    /// Name (empty for direct chats and threads).
    async fn name(&self) -> &str {
        &self.row.name
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.row.description
    }
    /// Kind.
    async fn kind(&self) -> Result<ChatKindGql> {
        Ok(self.row.kind.parse::<ChatKind>().gql()?.into())
    }
    /// Whether this is an announcement channel.
    async fn is_channel(&self) -> bool {
        self.row.kind == ChatKind::Channel.as_str()
    }
    /// Whether every non-guest member of the workspace can see and join it.
    async fn is_public(&self) -> bool {
        self.row.is_public
    }
    /// Whether the chat is archived (read-only).
    async fn archived(&self) -> bool {
        self.row.archived_at.is_some()
    }
    /// When it was archived.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.row.archived_at
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When its last message was posted.
    async fn last_message_at(&self) -> DateTime<Utc> {
        self.row.last_message_at
    }
    /// Its picture (channels and group chats), if one was uploaded.
    async fn avatar_url(&self) -> Option<&str> {
        self.row.avatar_url.as_deref()
    }
    /// Who created it.
    async fn creator(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.row.creator_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// Department it belongs to.
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<Department>> {
        let Some(id) = self.row.department_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .departments
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Department))
    }
    /// Number of members.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(loaders(ctx)?
            .member_counts
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .unwrap_or(0))
    }
    /// The viewer's unread messages here; null when the viewer is not a member.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        let l = loaders(ctx)?;
        let member = l
            .memberships
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .flatten()
            .is_some();
        if !member {
            return Ok(None);
        }
        l.unread.load_one(self.row.id).await.map_err(load_err)
    }
    /// The viewer's role here; null when not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<ChatMemberRole>> {
        let m = loaders(ctx)?
            .memberships
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .flatten();
        Ok(m.and_then(|m| m.role.parse::<ChatRole>().ok())
            .map(Into::into))
    }
    /// The viewer's read position here; null when not a member.
    async fn viewer_last_read_message_id(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        let m = loaders(ctx)?
            .memberships
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .flatten();
        Ok(m.filter(|m| m.last_read_message_id > 0)
            .map(|m| ids::encode(Kind::Message, m.last_read_message_id)))
    }
    /// For a thread: the message it is attached to.
    async fn root_message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(id) = self.row.root_message_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .messages
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Message))
    }
    /// Messages, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MessageConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let c = rctx(ctx)?;
        let rows = match &self.access {
            Some(acc) => {
                // The authors come with the page (one statement), when selected.
                let authors = crate::loaders::selects_author(ctx);
                let (rows, authors) = resolvers::messages::list_messages_of(c, acc, page, authors)
                    .await
                    .gql()?;
                crate::loaders::feed_users(ctx, authors).await;
                rows
            }
            None => resolvers::messages::list_messages(c, self.row.id, page)
                .await
                .gql()?,
        };
        crate::loaders::prefetch_messages(ctx, &rows.items).await?;
        Ok(connection(rows, |m| m.id, Message))
    }
    /// Pinned messages, most recently pinned first.
    async fn pinned_messages(&self, ctx: &Context<'_>) -> Result<Vec<Message>> {
        let rows = resolvers::messages::list_pinned(rctx(ctx)?, self.row.id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Message).collect())
    }
    /// Members, by user id.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ChatMemberConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::chats::list_chat_members(rctx(ctx)?, self.row.id, page)
            .await
            .gql()?;
        Ok(connection(rows, |m| m.user_id, ChatMember))
    }
}

/// A user's membership of a chat.
pub struct ChatMember(pub chat_members::Model);

#[Object]
impl ChatMember {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// Role in the chat.
    async fn role(&self) -> Result<ChatMemberRole> {
        Ok(self.0.role.parse::<ChatRole>().gql()?.into())
    }
    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    /// Their read position (null when they have read nothing).
    async fn last_read_message_id(&self) -> Option<ID> {
        (self.0.last_read_message_id > 0)
            .then(|| ids::encode(Kind::Message, self.0.last_read_message_id))
    }
}

/// Input of `createChat`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateChatInput {
    /// Name, 1–255 characters.
    pub name: String,
    /// An announcement channel (default: a group conversation).
    #[graphql(default)]
    pub is_channel: bool,
    /// Visible to every non-guest member (default: private).
    #[graphql(default)]
    pub is_public: bool,
    /// Initial members besides you.
    #[graphql(default)]
    pub member_ids: Vec<ID>,
    /// Description.
    #[graphql(default)]
    pub description: String,
    /// Department.
    pub department_id: Option<ID>,
}

/// Input of `updateChat`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateChatInput {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New visibility.
    pub is_public: Option<bool>,
}
