//! Messages: send, edit (keeping every revision), soft delete, pins, and reads of them.
//! Reactions and read state live in their own modules; [`batch`] holds the one-statement
//! batch lookups behind GraphQL's DataLoaders.

pub mod actions;
pub mod batch;
mod browse;
pub mod buttons;
pub mod callbacks;
mod reactions;
mod reads;

pub use actions::{
    ActionInput, MessageAction, actions_of, respond_to_message_action, set_message_actions_disabled,
};
pub use browse::{list_messages_window, list_reactions_window, list_reader_ids};
pub use buttons::{ButtonClick, click_button};
pub use callbacks::{
    CallbackChange, MessageCallback, callback_of, list_callback_deliveries,
    replay_callback_deliveries,
};
pub use reactions::{
    MAX_REACTIONS_PER_MESSAGE, MAX_UNIQUE_PER_MESSAGE, MAX_UNIQUE_PER_USER, add_reaction,
    list_reactions, remove_reaction,
};
pub use reads::{list_readers, mark_read};

use std::str::FromStr;

use chrono::Utc;
use entities::{attachments, chat_members, chats, message_revisions, messages, users};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationDef, Set,
};
use serde_json::Value as Json;

use crate::auth::Scope;
use crate::chats::{Access, ChatKind, ChatRole, access};
use crate::events::{EventKind, record};
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, Result};

/// Longest message, in characters.
pub const MAX_CONTENT: usize = 10_000;
/// Most attachments on one message.
pub const MAX_ATTACHMENTS: usize = 50;
/// Most buttons on one message, and per row.
pub const MAX_BUTTONS: usize = 100;
/// Most buttons in one row.
pub const MAX_BUTTONS_PER_ROW: usize = 8;
/// Largest metadata document, in bytes of JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// The kind of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Written by a person.
    Text,
    /// Posted by an integration or bot.
    Integration,
    /// Written by Switchboard itself (calls, membership notices).
    System,
    /// Carries buttons whose actions call back.
    Interactive,
}

impl MessageKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Integration => "integration",
            MessageKind::System => "system",
            MessageKind::Interactive => "interactive",
        }
    }
}

impl FromStr for MessageKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "text" => Ok(MessageKind::Text),
            "integration" => Ok(MessageKind::Integration),
            "system" => Ok(MessageKind::System),
            "interactive" => Ok(MessageKind::Interactive),
            other => Err(Error::invalid(
                "kind",
                format!("unknown message kind `{other}`"),
            )),
        }
    }
}

/// A file attached to a new message.
#[derive(Clone, Debug, Default)]
pub struct AttachmentInput {
    /// File name, 1–255 characters.
    pub name: String,
    /// `file` or `image`.
    pub kind: String,
    /// An external URL (http or https) …
    pub url: Option<String>,
    /// … or a key in Switchboard's file store; exactly one of the two.
    pub file_key: Option<String>,
    /// Size in bytes.
    pub size: i64,
    /// An image's width in pixels.
    pub width: Option<i64>,
    /// An image's height in pixels.
    pub height: Option<i64>,
    /// The file's MIME type, when the sender gave one.
    pub content_type: Option<String>,
}

/// Input of [`send_message`].
#[derive(Clone, Debug, Default)]
pub struct SendMessageInput {
    /// Target chat (a thread is a chat too).
    pub chat_id: i64,
    /// Up to 10,000 characters; may be empty only when attachments are present.
    pub content: String,
    /// `text` (default), `integration` (bots) or `interactive` (implied by buttons).
    pub kind: Option<MessageKind>,
    /// Free-form JSON object, up to 16 KiB.
    pub metadata: Option<Json>,
    /// Rows of buttons: `[[{"text", "url"? , "data"?}]]`.
    pub buttons: Option<Json>,
    /// Files.
    pub attachments: Vec<AttachmentInput>,
    /// Quote-reply to a message of the same chat.
    pub reply_to_id: Option<i64>,
}

/// What a sender may add to a message beyond [`SendMessageInput`] (kept apart so that
/// callers building the input field by field need not name it).
#[derive(Clone, Debug, Default)]
pub struct SendOptions {
    /// Where to POST every click on the message's buttons (see [`callbacks`]); needs at
    /// least one `data` button.
    pub callback_url: Option<String>,
}

/// Post a message. The author's read position moves to it; the chat's activity time
/// is bumped; replying in a thread makes the author a member of the thread.
pub async fn send_message(ctx: &Ctx, input: SendMessageInput) -> Result<messages::Model> {
    send_message_with(ctx, input, SendOptions::default()).await
}

/// [`send_message`] with [`SendOptions`]: the message and its callback are written in
/// one transaction.
pub async fn send_message_with(
    ctx: &Ctx,
    input: SendMessageInput,
    options: SendOptions,
) -> Result<messages::Model> {
    ctx.require(Scope::MessagesCreate)?;
    let acc = access(&ctx.db, &ctx.principal, input.chat_id).await?;
    acc.ensure_can_post(&ctx.principal)?;
    ctx.env.rate.check(
        &ctx.principal,
        crate::rate::Category::MessageWrite,
        Some(input.chat_id),
    )?;
    let kind = resolve_kind(ctx, input.kind, input.buttons.as_ref())?;
    validate_content(&input.content, !input.attachments.is_empty())?;
    validate_metadata(input.metadata.as_ref())?;
    validate_buttons(input.buttons.as_ref())?;
    validate_attachments(&input.attachments)?;
    // Keys are kept as the client gave them (it reads them back); the file behind one is
    // found again at download.
    for (i, file) in input.attachments.iter().enumerate() {
        if let Some(key) = &file.file_key {
            let field = format!("attachments[{i}].fileKey");
            ctx.env
                .files
                .resolve_upload(ctx.workspace_id(), key, &field)
                .await?;
        }
    }
    let callback_url = match &options.callback_url {
        Some(url) => Some(callbacks::checked_url(ctx, url, input.buttons.as_ref()).await?),
        None => None,
    };
    if let Some(reply_to) = input.reply_to_id {
        let target = get_message_unchecked(&ctx.db, ctx.workspace_id(), reply_to)
            .await
            .map_err(|_| Error::invalid("replyToId", "no such message in this chat"))?;
        if target.chat_id != input.chat_id {
            return Err(Error::invalid("replyToId", "no such message in this chat"));
        }
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    let message = messages::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        chat_id: Set(input.chat_id),
        author_id: Set(ctx.user_id()),
        kind: Set(kind.as_str().to_owned()),
        content: Set(input.content),
        metadata: Set(input.metadata),
        buttons: Set(input.buttons),
        reply_to_id: Set(input.reply_to_id),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        pinned_at: Set(None),
        pinned_by_id: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if !input.attachments.is_empty() {
        let rows = input
            .attachments
            .into_iter()
            .map(|a| attachments::ActiveModel {
                workspace_id: Set(ctx.workspace_id()),
                message_id: Set(message.id),
                name: Set(a.name.trim().to_owned()),
                kind: Set(a.kind),
                url: Set(a.url),
                file_key: Set(a.file_key),
                size: Set(a.size),
                width: Set(a.width),
                height: Set(a.height),
                content_type: Set(a.content_type),
                created_at: Set(now),
                ..Default::default()
            });
        attachments::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    chats::Entity::update_many()
        .col_expr(chats::Column::LastMessageAt, Expr::value(now))
        .filter(chats::Column::Id.eq(input.chat_id))
        .exec(&txn)
        .await?;
    if acc.membership.is_none() {
        // Replying in a thread: follow it.
        chat_members::Entity::insert(chat_members::ActiveModel {
            chat_id: Set(input.chat_id),
            user_id: Set(ctx.user_id()),
            workspace_id: Set(ctx.workspace_id()),
            role: Set(ChatRole::Member.as_str().to_owned()),
            last_read_message_id: Set(message.id),
            joined_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([chat_members::Column::ChatId, chat_members::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    } else {
        reads::advance(&txn, input.chat_id, ctx.user_id(), message.id).await?;
    }
    let added = record(
        &txn,
        ctx,
        EventKind::MessageAdded {
            message: message.clone(),
        },
        None,
    )
    .await?;
    let callback = match callback_url {
        Some(url) => callbacks::replace(&txn, ctx, &message, Some(url)).await?,
        None => None,
    };
    ctx.commit(txn, std::iter::once(added).chain(callback))
        .await?;
    Ok(message)
}

/// Post into the direct chat with `user_id`, creating it on first use.
pub async fn send_direct_message(
    ctx: &Ctx,
    user_id: i64,
    input: SendMessageInput,
) -> Result<messages::Model> {
    send_direct_message_with(ctx, user_id, input, SendOptions::default()).await
}

/// [`send_direct_message`] with [`SendOptions`].
pub async fn send_direct_message_with(
    ctx: &Ctx,
    user_id: i64,
    mut input: SendMessageInput,
    options: SendOptions,
) -> Result<messages::Model> {
    ctx.require(Scope::MessagesCreate)?;
    if let Some(url) = &options.callback_url {
        // Refused before the direct chat is created on first use: no partial write.
        callbacks::checked_url(ctx, url, input.buttons.as_ref()).await?;
    }
    let chat = crate::chats::direct_chat_with(ctx, user_id).await?;
    input.chat_id = chat.id;
    send_message_with(ctx, input, options).await
}

/// Input of [`edit_message`]; `None` leaves a part unchanged.
#[derive(Clone, Debug, Default)]
pub struct EditMessageInput {
    /// New text.
    pub content: Option<String>,
    /// New metadata.
    pub metadata: Option<Json>,
    /// New buttons (an empty array removes them).
    pub buttons: Option<Json>,
}

/// What an edit may change beyond [`EditMessageInput`] (kept apart so that callers
/// building the input field by field need not name it).
#[derive(Clone, Debug, Default)]
pub struct EditOptions {
    /// The message's callback URL (see [`callbacks`]).
    pub callback: CallbackChange,
}

/// Edit one's own message. The previous version is kept as a revision.
pub async fn edit_message(
    ctx: &Ctx,
    message_id: i64,
    input: EditMessageInput,
) -> Result<messages::Model> {
    edit_message_with(ctx, message_id, input, EditOptions::default()).await
}

/// [`edit_message`] with [`EditOptions`]. A change of the callback alone is no new
/// revision of the message (its text, metadata and buttons are unchanged).
pub async fn edit_message_with(
    ctx: &Ctx,
    message_id: i64,
    input: EditMessageInput,
    options: EditOptions,
) -> Result<messages::Model> {
    ctx.require(Scope::MessagesUpdate)?;
    let (message, acc) = visible_message(ctx, message_id).await?;
    if message.author_id != ctx.user_id() {
        return Err(Error::Forbidden(
            "only the author can edit a message".into(),
        ));
    }
    if acc.chat.archived_at.is_some() {
        return Err(Error::conflict("messageId", "the chat is archived"));
    }
    let revises = input.content.is_some() || input.metadata.is_some() || input.buttons.is_some();
    if !revises && options.callback == CallbackChange::Keep {
        return Err(Error::invalid("content", "nothing to change"));
    }
    if let Some(content) = &input.content {
        let has_files = !batch::attachments(&ctx.db, ctx.workspace_id(), &[message.id])
            .await?
            .is_empty();
        validate_content(content, has_files)?;
    }
    validate_metadata(input.metadata.as_ref())?;
    validate_buttons(input.buttons.as_ref())?;
    let buttons_after = match &input.buttons {
        Some(b) if b.as_array().is_some_and(Vec::is_empty) => None,
        Some(b) => Some(b),
        None => message.buttons.as_ref(),
    };
    // `Some(url)`: point the callback at `url` (`None`: clear it); `None`: leave it.
    let callback: Option<Option<String>> = match &options.callback {
        CallbackChange::Set(url) => {
            Some(Some(callbacks::checked_url(ctx, url, buttons_after).await?))
        }
        CallbackChange::Clear => Some(None),
        CallbackChange::Keep if input.buttons.is_some() && !callbacks::clickable(buttons_after) => {
            Some(None)
        }
        CallbackChange::Keep => None,
    };
    let now = Utc::now();
    let txn = ctx.write().await?;
    let mut events = Vec::new();
    let updated = if revises {
        message_revisions::ActiveModel {
            workspace_id: Set(ctx.workspace_id()),
            message_id: Set(message.id),
            content: Set(message.content.clone()),
            metadata: Set(message.metadata.clone()),
            buttons: Set(message.buttons.clone()),
            editor_id: Set(ctx.user_id()),
            replaced_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let before = serde_json::json!({ "content": message.content });
        let mut am: messages::ActiveModel = message.into();
        if let Some(content) = input.content {
            am.content = Set(content);
        }
        if let Some(metadata) = input.metadata {
            am.metadata = Set(Some(metadata));
        }
        if let Some(buttons) = input.buttons {
            let empty = buttons.as_array().is_some_and(Vec::is_empty);
            am.buttons = Set((!empty).then_some(buttons));
        }
        am.edited_at = Set(Some(now));
        let updated = am.update(&txn).await?;
        let summary =
            serde_json::json!({ "before": before, "after": { "content": updated.content } });
        events.push(
            record(
                &txn,
                ctx,
                EventKind::MessageUpdated {
                    message: updated.clone(),
                },
                Some(summary),
            )
            .await?,
        );
        updated
    } else {
        message
    };
    if let Some(url) = callback {
        events.extend(callbacks::replace(&txn, ctx, &updated, url).await?);
    }
    ctx.commit(txn, events).await?;
    Ok(updated)
}

/// Soft-delete a message (its author, the chat's admins, workspace admins).
pub async fn delete_message(ctx: &Ctx, message_id: i64) -> Result<messages::Model> {
    ctx.require(Scope::MessagesDelete)?;
    let (message, acc) = visible_message(ctx, message_id).await?;
    if message.author_id != ctx.user_id() {
        acc.ensure_manager(&ctx.principal).map_err(|_| {
            Error::Forbidden("only the author or the chat's admins can delete a message".into())
        })?;
    }
    let mut am: messages::ActiveModel = message.into();
    am.deleted_at = Set(Some(Utc::now()));
    am.pinned_at = Set(None);
    am.pinned_by_id = Set(None);
    let txn = ctx.write().await?;
    let deleted = am.update(&txn).await?;
    let gone = EventKind::MessageDeleted {
        chat_id: deleted.chat_id,
        message_id: deleted.id,
    };
    ctx.commit_one(txn, gone).await?;
    Ok(deleted)
}

/// Pin (`true`) or unpin (`false`) a message (members of its chat).
pub async fn set_pinned(ctx: &Ctx, message_id: i64, pinned: bool) -> Result<messages::Model> {
    ctx.require(Scope::PinsWrite)?;
    let (message, acc) = visible_message(ctx, message_id).await?;
    if acc.membership.is_none() && !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only members of the chat can pin messages".into(),
        ));
    }
    if message.pinned_at.is_some() == pinned {
        return Ok(message);
    }
    let mut am: messages::ActiveModel = message.into();
    am.pinned_at = Set(pinned.then(Utc::now));
    am.pinned_by_id = Set(pinned.then_some(ctx.user_id()));
    let txn = ctx.write().await?;
    let updated = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::MessageUpdated {
            message: updated.clone(),
        },
    )
    .await?;
    Ok(updated)
}

/// One message the caller can see.
pub async fn get_message(ctx: &Ctx, message_id: i64) -> Result<messages::Model> {
    ctx.require(Scope::MessagesRead)?;
    Ok(visible_message(ctx, message_id).await?.0)
}

/// The messages of a chat, newest first.
pub async fn list_messages(
    ctx: &Ctx,
    chat_id: i64,
    page: PageArgs,
) -> Result<Page<messages::Model>> {
    ctx.require(Scope::MessagesRead)?;
    access(&ctx.db, &ctx.principal, chat_id).await?;
    Ok(page_of_chat(ctx, chat_id, page, false).await?.0)
}

/// The messages of a chat whose [`Access`] the caller established earlier in the same
/// request ([`crate::chats::get_chat_access`]), newest first: the same rows and scope as
/// [`list_messages`] without deciding access twice. An `Access` decided for another
/// principal is not reused: access is decided again. With `with_authors`, the authors
/// of the page (people of the workspace) are read in the same statement.
pub async fn list_messages_of(
    ctx: &Ctx,
    acc: &Access,
    page: PageArgs,
    with_authors: bool,
) -> Result<(Page<messages::Model>, Vec<users::Model>)> {
    ctx.require(Scope::MessagesRead)?;
    if !acc.decided_for(&ctx.principal) {
        access(&ctx.db, &ctx.principal, acc.chat.id).await?;
    }
    page_of_chat(ctx, acc.chat.id, page, with_authors).await
}

/// A page of a chat's messages, newest first, and with `with_authors` their authors;
/// the caller has decided access.
async fn page_of_chat(
    ctx: &Ctx,
    chat_id: i64,
    page: PageArgs,
    with_authors: bool,
) -> Result<(Page<messages::Model>, Vec<users::Model>)> {
    let mut q = messages::Entity::find()
        .filter(messages::Column::ChatId.eq(chat_id))
        .filter(messages::Column::DeletedAt.is_null());
    if let Some(after) = page.after {
        q = q.filter(messages::Column::Id.lt(after));
    }
    let q = q.order_by_desc(messages::Column::Id).limit(page.fetch());
    if !with_authors {
        let rows = q.all(&ctx.db).await?;
        return Ok((Page::from_probe(rows, &page), Vec::new()));
    }
    let (rows, authors): (Vec<_>, Vec<_>) = q
        .select_also(users::Entity)
        .join(JoinType::LeftJoin, author_of(ctx.workspace_id()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .unzip();
    let authors = authors.into_iter().flatten().collect();
    Ok((Page::from_probe(rows, &page), authors))
}

/// A message's author, a person of `workspace_id`, for a `LEFT JOIN` from `messages`.
fn author_of(workspace_id: i64) -> RelationDef {
    messages::Entity::belongs_to(users::Entity)
        .from(messages::Column::AuthorId)
        .to(users::Column::Id)
        .on_condition(move |_message, user| {
            Expr::col((user, users::Column::WorkspaceId))
                .eq(workspace_id)
                .into_condition()
        })
        .into()
}

/// The pinned messages of a chat, most recently pinned first.
pub async fn list_pinned(ctx: &Ctx, chat_id: i64) -> Result<Vec<messages::Model>> {
    ctx.require(Scope::MessagesRead)?;
    access(&ctx.db, &ctx.principal, chat_id).await?;
    Ok(messages::Entity::find()
        .filter(messages::Column::ChatId.eq(chat_id))
        .filter(messages::Column::DeletedAt.is_null())
        .filter(messages::Column::PinnedAt.is_not_null())
        .order_by_desc(messages::Column::PinnedAt)
        .limit(100)
        .all(&ctx.db)
        .await?)
}

/// Every previous version of a message, oldest first.
pub async fn list_revisions(ctx: &Ctx, message_id: i64) -> Result<Vec<message_revisions::Model>> {
    ctx.require(Scope::MessagesRead)?;
    visible_message(ctx, message_id).await?;
    Ok(message_revisions::Entity::find()
        .filter(message_revisions::Column::MessageId.eq(message_id))
        .order_by_asc(message_revisions::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// A live (not deleted) message of the workspace, without a visibility check.
pub(crate) async fn get_message_unchecked<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_id: i64,
) -> Result<messages::Model> {
    messages::Entity::find_by_id(message_id)
        .filter(messages::Column::WorkspaceId.eq(workspace_id))
        .filter(messages::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(Error::NotFound("message"))
}

/// A message the caller can see, with its chat access; "message not found" otherwise.
pub(crate) async fn visible_message(
    ctx: &Ctx,
    message_id: i64,
) -> Result<(messages::Model, crate::chats::Access)> {
    let message = get_message_unchecked(&ctx.db, ctx.workspace_id(), message_id).await?;
    let acc = access(&ctx.db, &ctx.principal, message.chat_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("message"),
            other => other,
        })?;
    Ok((message, acc))
}

fn resolve_kind(
    ctx: &Ctx,
    requested: Option<MessageKind>,
    buttons: Option<&Json>,
) -> Result<MessageKind> {
    let has_buttons = buttons
        .and_then(Json::as_array)
        .is_some_and(|rows| !rows.is_empty());
    match requested {
        // Workspace-level integrations (Messaging API v1) may post system notices.
        Some(MessageKind::System) if ctx.principal.is_workspace_level() => Ok(MessageKind::System),
        Some(MessageKind::System) => Err(Error::invalid(
            "kind",
            "system messages are written by Switchboard only",
        )),
        Some(MessageKind::Integration) if !ctx.principal.is_bot => Err(Error::invalid(
            "kind",
            "only bots post integration messages",
        )),
        Some(MessageKind::Interactive) if !has_buttons => Err(Error::invalid(
            "buttons",
            "an interactive message needs at least one button",
        )),
        Some(kind)
            if has_buttons
                && kind != MessageKind::Interactive
                && kind != MessageKind::Integration =>
        {
            Ok(MessageKind::Interactive)
        }
        Some(kind) => Ok(kind),
        None if has_buttons => Ok(MessageKind::Interactive),
        None if ctx.principal.is_bot => Ok(MessageKind::Integration),
        None => Ok(MessageKind::Text),
    }
}

fn validate_content(content: &str, has_files: bool) -> Result<()> {
    if content.trim().is_empty() && !has_files {
        return Err(Error::invalid("content", "must not be empty"));
    }
    let n = content.chars().count();
    if n > MAX_CONTENT {
        return Err(Error::invalid(
            "content",
            format!("must be at most {MAX_CONTENT} characters, got {n}"),
        ));
    }
    Ok(())
}

fn validate_metadata(metadata: Option<&Json>) -> Result<()> {
    let Some(metadata) = metadata else {
        return Ok(());
    };
    if !metadata.is_object() {
        return Err(Error::invalid("metadata", "must be a JSON object"));
    }
    let size = serde_json::to_vec(metadata)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_METADATA_BYTES {
        return Err(Error::invalid(
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }
    Ok(())
}

fn validate_buttons(buttons: Option<&Json>) -> Result<()> {
    let Some(buttons) = buttons else {
        return Ok(());
    };
    let rows = buttons
        .as_array()
        .ok_or_else(|| Error::invalid("buttons", "must be an array of rows"))?;
    let mut total = 0;
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| {
            Error::invalid(format!("buttons[{i}]"), "must be an array of buttons")
        })?;
        if row.is_empty() || row.len() > MAX_BUTTONS_PER_ROW {
            return Err(Error::invalid(
                format!("buttons[{i}]"),
                format!("a row holds 1 to {MAX_BUTTONS_PER_ROW} buttons"),
            ));
        }
        for (j, button) in row.iter().enumerate() {
            let field = format!("buttons[{i}][{j}]");
            let obj = button
                .as_object()
                .ok_or_else(|| Error::invalid(&field, "must be an object"))?;
            let text = obj.get("text").and_then(Json::as_str).unwrap_or_default();
            if text.trim().is_empty() || text.chars().count() > 255 {
                return Err(Error::invalid(
                    format!("{field}.text"),
                    "1 to 255 characters required",
                ));
            }
            let url = obj.get("url").and_then(Json::as_str);
            let data = obj.get("data").and_then(Json::as_str);
            match (url, data) {
                (Some(url), None) if url.starts_with("https://") || url.starts_with("http://") => {}
                (Some(_), None) => {
                    return Err(Error::invalid(
                        format!("{field}.url"),
                        "must be an http(s) URL",
                    ));
                }
                (None, Some(data)) if data.chars().count() <= 255 => {}
                (None, Some(_)) => {
                    return Err(Error::invalid(
                        format!("{field}.data"),
                        "must be at most 255 characters",
                    ));
                }
                _ => {
                    return Err(Error::invalid(
                        &field,
                        "needs exactly one of `url` and `data`",
                    ));
                }
            }
            total += 1;
        }
    }
    if total > MAX_BUTTONS {
        return Err(Error::invalid(
            "buttons",
            format!("at most {MAX_BUTTONS} buttons"),
        ));
    }
    Ok(())
}

fn validate_attachments(files: &[AttachmentInput]) -> Result<()> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(
            "attachments",
            format!("at most {MAX_ATTACHMENTS} files"),
        ));
    }
    for (i, file) in files.iter().enumerate() {
        let field = |f: &str| format!("attachments[{i}].{f}");
        if file.name.trim().is_empty() || file.name.chars().count() > 255 {
            return Err(Error::invalid(
                field("name"),
                "1 to 255 characters required",
            ));
        }
        if file.kind != "file" && file.kind != "image" {
            return Err(Error::invalid(field("kind"), "must be `file` or `image`"));
        }
        match (&file.url, &file.file_key) {
            (Some(url), None) if url.starts_with("https://") || url.starts_with("http://") => {}
            (Some(_), None) => return Err(Error::invalid(field("url"), "must be an http(s) URL")),
            (None, Some(key)) if !key.trim().is_empty() && key.len() <= 512 => {}
            (None, Some(_)) => {
                return Err(Error::invalid(
                    field("fileKey"),
                    "1 to 512 characters required",
                ));
            }
            _ => {
                return Err(Error::invalid(
                    field("url"),
                    "give exactly one of `url` and `fileKey`",
                ));
            }
        }
        if file.size < 0 {
            return Err(Error::invalid(field("size"), "must not be negative"));
        }
        for (name, value) in [("width", file.width), ("height", file.height)] {
            if value.is_some_and(|v| !(1..=100_000).contains(&v)) {
                return Err(Error::invalid(field(name), "must be 1 to 100000 pixels"));
            }
        }
    }
    Ok(())
}

/// Whether a chat is a thread (for callers that render threads differently).
pub fn is_thread(chat: &chats::Model) -> bool {
    chat.kind == ChatKind::Thread.as_str()
}

/// Post a `system` message (call started, call ended) into `chat_id` inside the caller's
/// transaction, authored by `ctx`'s principal: the same row and the same `MessageAdded`
/// event as [`send_message`], so it shows on every path. Post rights are not checked
/// (the notice belongs to the chat's call, not to what the actor may write) and the
/// actor never becomes a member; an archived or missing chat takes no notice (`None`).
/// Publish the returned event after the commit.
pub(crate) async fn post_system_message(
    txn: &sea_orm::DatabaseTransaction,
    ctx: &Ctx,
    chat_id: i64,
    content: String,
    metadata: Option<Json>,
) -> Result<Option<(messages::Model, crate::events::Event)>> {
    let Some(chat) = chats::Entity::find_by_id(chat_id)
        .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    if chat.archived_at.is_some() {
        return Ok(None);
    }
    let now = Utc::now();
    let message = messages::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        chat_id: Set(chat_id),
        author_id: Set(ctx.user_id()),
        kind: Set(MessageKind::System.as_str().to_owned()),
        content: Set(content),
        metadata: Set(metadata),
        buttons: Set(None),
        reply_to_id: Set(None),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        pinned_at: Set(None),
        pinned_by_id: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    chats::Entity::update_many()
        .col_expr(chats::Column::LastMessageAt, Expr::value(now))
        .filter(chats::Column::Id.eq(chat_id))
        .exec(txn)
        .await?;
    reads::advance(txn, chat_id, ctx.user_id(), message.id).await?;
    let event = record(
        txn,
        ctx,
        EventKind::MessageAdded {
            message: message.clone(),
        },
        None,
    )
    .await?;
    Ok(Some((message, event)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buttons_need_text_and_one_action() {
        assert!(
            validate_buttons(Some(&json!([[{"text": "Open", "url": "https://x.test"}]]))).is_ok()
        );
        assert!(validate_buttons(Some(&json!([[{"text": "Go", "data": "go"}]]))).is_ok());
        assert!(validate_buttons(Some(&json!([[{"text": "", "data": "go"}]]))).is_err());
        assert!(
            validate_buttons(Some(
                &json!([[{"text": "Both", "data": "a", "url": "https://x"}]])
            ))
            .is_err()
        );
        assert!(validate_buttons(Some(&json!([[]]))).is_err());
        assert!(validate_buttons(Some(&json!({"text": "x"}))).is_err());
    }

    #[test]
    fn content_is_limited_in_characters_not_bytes() {
        assert!(validate_content(&"я".repeat(MAX_CONTENT), false).is_ok());
        assert!(validate_content(&"a".repeat(MAX_CONTENT + 1), false).is_err());
        assert!(validate_content("  ", false).is_err());
        assert!(validate_content("", true).is_ok());
    }
}
