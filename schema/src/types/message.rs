//! Messages, reactions, attachments and revisions.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{attachments, message_revisions, messages, reactions};
use resolvers::events::Event;
use resolvers::messages::MessageKind;
use resolvers::pagination::PageArgs;
use serde_json::Value;

use super::{Chat, User, UserConnection, connection, page_cost};
use crate::context::{loaders, rctx};
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;

/// The kind of a message.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(name = "MessageKind")]
pub enum MessageKindGql {
    /// Written by a person.
    Text,
    /// Posted by an integration or bot.
    Integration,
    /// Written by Switchboard.
    System,
    /// Has buttons.
    Interactive,
}

impl From<MessageKind> for MessageKindGql {
    fn from(k: MessageKind) -> Self {
        match k {
            MessageKind::Text => MessageKindGql::Text,
            MessageKind::Integration => MessageKindGql::Integration,
            MessageKind::System => MessageKindGql::System,
            MessageKind::Interactive => MessageKindGql::Interactive,
        }
    }
}

impl From<MessageKindGql> for MessageKind {
    fn from(k: MessageKindGql) -> Self {
        match k {
            MessageKindGql::Text => MessageKind::Text,
            MessageKindGql::Integration => MessageKind::Integration,
            MessageKindGql::System => MessageKind::System,
            MessageKindGql::Interactive => MessageKind::Interactive,
        }
    }
}

/// A message, and the event that delivered it when it came through a subscription.
pub struct Message {
    /// The row.
    pub row: messages::Model,
    /// On subscription payloads: the event that carried it, shared by every subscriber
    /// it reaches (its cursor, and relations loaded once for all of them).
    pub event: Option<Arc<Event>>,
}

/// Wrap a row (a constructor function named like the type, so `.map(Message)` reads as
/// it would for a tuple struct).
#[allow(non_snake_case)]
pub fn Message(row: messages::Model) -> Message {
    Message { row, event: None }
}

#[Object]
impl Message {
    /// On a subscription payload: the cursor of the event that carried it. Pass it as
    /// `after` when subscribing again to resume exactly after it. Null elsewhere.
    async fn event_cursor(&self) -> Option<String> {
        self.event
            .as_ref()
            .map(|ev| resolvers::events::encode_event_cursor(ev.seq))
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Message, self.row.id)
    }
    /// The row id, as the REST dialects render it.
    async fn database_id(&self) -> i64 {
        self.row.id
    }
    /// Text, up to 10,000 characters.
    async fn content(&self) -> &str {
        &self.row.content
    }
    /// Kind.
    async fn kind(&self) -> Result<MessageKindGql> {
        Ok(self.row.kind.parse::<MessageKind>().gql()?.into())
    }
    /// The author.
    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        let author = match &self.event {
            // Live: one lookup per event for every subscriber of this workspace.
            Some(ev) if ev.workspace_id == rctx(ctx)?.workspace_id() => {
                ev.user(&rctx(ctx)?.db, self.row.author_id).await.gql()?
            }
            _ => loaders(ctx)?
                .users
                .load_one(self.row.author_id)
                .await
                .map_err(load_err)?,
        };
        author
            .map(User)
            .ok_or_else(|| crate::error::to_gql(resolvers::Error::NotFound("user")))
    }
    /// The chat (a thread is a chat too).
    async fn chat(&self, ctx: &Context<'_>) -> Result<Chat> {
        loaders(ctx)?
            .chats
            .load_one(self.row.chat_id)
            .await
            .map_err(load_err)?
            .map(Chat)
            .ok_or_else(|| crate::error::to_gql(resolvers::Error::NotFound("chat")))
    }
    /// The chat's global id (no lookup).
    async fn chat_id(&self) -> ID {
        ids::encode(Kind::Chat, self.row.chat_id)
    }
    /// Free-form JSON from the sender.
    async fn metadata(&self) -> Option<Json<Value>> {
        self.row.metadata.clone().map(Json)
    }
    /// Rows of buttons.
    async fn buttons(&self) -> Option<Json<Value>> {
        self.row.buttons.clone().map(Json)
    }
    /// Files.
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        let rows = loaders(ctx)?
            .attachments
            .load_one(self.row.id)
            .await
            .map_err(load_err)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Attachment)
            .collect())
    }
    /// Reactions grouped by emoji, in order of first use.
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Vec<ReactionGroup>> {
        let groups = loaders(ctx)?
            .reactions
            .load_one(self.row.id)
            .await
            .map_err(load_err)?;
        Ok(groups
            .unwrap_or_default()
            .into_iter()
            .map(|g| ReactionGroup {
                emoji: g.emoji,
                count: g.count,
                viewer_reacted: g.viewer_reacted,
            })
            .collect())
    }
    /// The thread attached to this message, if any.
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Chat>> {
        let l = loaders(ctx)?;
        let Some(summary) = l
            .threads
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .flatten()
        else {
            return Ok(None);
        };
        Ok(l.chats
            .load_one(summary.chat_id)
            .await
            .map_err(load_err)?
            .map(Chat))
    }
    /// Replies in this message's thread (0 without a thread).
    async fn thread_reply_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let summary = loaders(ctx)?
            .threads
            .load_one(self.row.id)
            .await
            .map_err(load_err)?;
        Ok(summary.flatten().map(|s| s.reply_count).unwrap_or(0))
    }
    /// How many members other than the author have read it.
    async fn read_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(loaders(ctx)?
            .read_counts
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .unwrap_or(0))
    }
    /// Who has read it (read receipts), by user id.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn read_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = resolvers::messages::list_readers(rctx(ctx)?, self.row.id, page)
            .await
            .gql()?;
        Ok(connection(rows, |u| u.id, User))
    }
    /// The message this one quotes.
    async fn reply_to(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let Some(id) = self.row.reply_to_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .messages
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Message))
    }
    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When it was last edited.
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.row.edited_at
    }
    /// Whether it has been pinned.
    async fn pinned(&self) -> bool {
        self.row.pinned_at.is_some()
    }
    /// When it was pinned.
    async fn pinned_at(&self) -> Option<DateTime<Utc>> {
        self.row.pinned_at
    }
    /// Who pinned it.
    async fn pinned_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.row.pinned_by_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .users
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// Where clicks on its buttons are delivered, and the secret that signs them: for the
    /// message's sender only (null for everyone else, and without a callback).
    async fn callback(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::integrations::MessageCallback>> {
        Ok(resolvers::messages::callback_of(rctx(ctx)?, &self.row)
            .await
            .gql()?
            .map(crate::integrations::MessageCallback))
    }
    /// Previous versions, oldest first.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<MessageRevision>> {
        let rows = resolvers::messages::list_revisions(rctx(ctx)?, self.row.id)
            .await
            .gql()?;
        Ok(rows.into_iter().map(MessageRevision).collect())
    }
    /// Tasks created from this message (those you can see).
    async fn tasks(&self, ctx: &Context<'_>) -> Result<Vec<crate::tasks::Task>> {
        Ok(crate::tasks::loaders::task_loaders(ctx)?
            .message_tasks
            .load_one(self.row.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default()
            .into_iter()
            .map(crate::tasks::Task)
            .collect())
    }
}

/// Reactions with one emoji on one message.
#[derive(SimpleObject)]
pub struct ReactionGroup {
    /// The emoji.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: i64,
    /// Whether you did.
    pub viewer_reacted: bool,
}

/// One user's reaction.
pub struct Reaction(pub reactions::Model);

#[Object]
impl Reaction {
    /// The emoji.
    async fn emoji(&self) -> &str {
        &self.0.emoji
    }
    /// Who reacted.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A file on a message.
pub struct Attachment(pub attachments::Model);

#[Object]
impl Attachment {
    /// File name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// `file` or `image`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// External URL, when the file lives elsewhere.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Key in Switchboard's file store.
    async fn file_key(&self) -> Option<&str> {
        self.0.file_key.as_deref()
    }
    /// Size in bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }
    /// An image's width in pixels, as the uploader reported it.
    async fn width(&self) -> Option<i64> {
        self.0.width
    }
    /// An image's height in pixels, as the uploader reported it.
    async fn height(&self) -> Option<i64> {
        self.0.height
    }
}

/// A previous version of an edited message.
pub struct MessageRevision(pub message_revisions::Model);

#[Object]
impl MessageRevision {
    /// The text as it was.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The metadata as it was.
    async fn metadata(&self) -> Option<Json<Value>> {
        self.0.metadata.clone().map(Json)
    }
    /// When the edit replaced this version.
    async fn replaced_at(&self) -> DateTime<Utc> {
        self.0.replaced_at
    }
    /// Who edited.
    async fn editor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.editor_id)
            .await
            .map_err(load_err)?
            .map(User))
    }
}

/// The result of clicking a message's button.
#[derive(SimpleObject)]
pub struct ButtonClick {
    /// The message, as it is after the click.
    pub message: Message,
    /// The clicked button's data.
    pub data: String,
    /// Identifies this click (valid for a few seconds to open a form in answer to it).
    pub trigger_id: String,
}

/// A deleted message: what remains visible of it.
#[derive(SimpleObject)]
pub struct DeletedMessage {
    /// On a subscription payload: the event's cursor (pass it as `after` to resume).
    pub event_cursor: Option<String>,
    /// Its global id.
    pub id: ID,
    /// Its chat's global id.
    pub chat_id: ID,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A file to attach.
#[derive(InputObject, serde::Serialize)]
pub struct AttachmentInput {
    /// File name.
    pub name: String,
    /// `file` (default) or `image`.
    #[graphql(default_with = "String::from(\"file\")")]
    pub kind: String,
    /// External http(s) URL …
    pub url: Option<String>,
    /// … or a key in Switchboard's file store.
    pub file_key: Option<String>,
    /// Size in bytes.
    #[graphql(default)]
    pub size: i64,
    /// An image's width in pixels.
    pub width: Option<i64>,
    /// An image's height in pixels.
    pub height: Option<i64>,
}

impl From<AttachmentInput> for resolvers::messages::AttachmentInput {
    fn from(a: AttachmentInput) -> Self {
        resolvers::messages::AttachmentInput {
            name: a.name,
            kind: a.kind,
            url: a.url,
            file_key: a.file_key,
            size: a.size,
            width: a.width,
            height: a.height,
            content_type: None,
        }
    }
}

/// Input of `sendMessage`.
#[derive(InputObject, serde::Serialize)]
pub struct SendMessageInput {
    /// The chat (or thread).
    pub chat_id: ID,
    /// Text, up to 10,000 characters.
    pub content: String,
    /// Kind (default `TEXT`; `INTERACTIVE` when buttons are given).
    pub kind: Option<MessageKindGql>,
    /// Free-form JSON object.
    pub metadata: Option<Json<Value>>,
    /// Rows of buttons: `[[{"text": "Approve", "data": "approve"}]]`.
    pub buttons: Option<Json<Value>>,
    /// Files.
    #[graphql(default)]
    pub attachments: Vec<AttachmentInput>,
    /// Quote-reply to this message of the same chat.
    pub reply_to_id: Option<ID>,
    /// Where to POST every click on the message's `data` buttons (http or https, never
    /// an internal address): signed for you, see `Message.callback`.
    pub callback_url: Option<String>,
}
