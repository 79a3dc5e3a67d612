//! The Mutation root: each field decodes ids, calls one `resolvers` operation, wraps.

use async_graphql::MaybeUndefined;
use async_graphql::{Context, ID, Json, MergedObject, Object, Result};
use resolvers::chats::ChatRole;
use resolvers::messages::{
    CallbackChange, EditMessageInput, EditOptions, SendMessageInput as DomainSend, SendOptions,
};
use serde_json::Value;

use resolvers::idempotency::{once, once_with_secret};

use crate::context::rctx;
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::types::*;

/// Mutations of chats and membership.
#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// Create a channel or group conversation; you become its admin.
    async fn create_chat(
        &self,
        ctx: &Context<'_>,
        input: CreateChatInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Chat> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::chats::CreateChatInput {
            name: input.name,
            is_channel: input.is_channel,
            is_public: input.is_public,
            member_ids: ids::decode_all(&input.member_ids, Kind::User, "memberIds")?,
            description: input.description,
            department_id: input
                .department_id
                .map(|id| ids::decode(&id, Kind::Department, "departmentId"))
                .transpose()?,
        };
        let chat = once(c, None, "createChat", &fingerprint, || {
            resolvers::chats::create_chat(c, input)
        })
        .await
        .gql()?;
        Ok(Chat(chat))
    }
    /// Rename a chat or change its description or visibility.
    async fn update_chat(&self, ctx: &Context<'_>, id: ID, input: UpdateChatInput) -> Result<Chat> {
        let id = ids::decode(&id, Kind::Chat, "id")?;
        let input = resolvers::chats::UpdateChatInput {
            name: input.name,
            description: input.description,
            is_public: input.is_public,
        };
        Ok(Chat(
            resolvers::chats::update_chat(rctx(ctx)?, id, input)
                .await
                .gql()?,
        ))
    }
    /// Archive a chat: it stays readable and takes no new messages.
    async fn archive_chat(&self, ctx: &Context<'_>, id: ID) -> Result<Chat> {
        let id = ids::decode(&id, Kind::Chat, "id")?;
        Ok(Chat(
            resolvers::chats::set_chat_archived(rctx(ctx)?, id, true)
                .await
                .gql()?,
        ))
    }
    /// Bring an archived chat back.
    async fn unarchive_chat(&self, ctx: &Context<'_>, id: ID) -> Result<Chat> {
        let id = ids::decode(&id, Kind::Chat, "id")?;
        Ok(Chat(
            resolvers::chats::set_chat_archived(rctx(ctx)?, id, false)
                .await
                .gql()?,
        ))
    }
    /// Add users to a chat.
    async fn add_chat_members(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_ids: Vec<ID>,
        #[graphql(default_with = "ChatMemberRole::Member")] role: ChatMemberRole,
    ) -> Result<Chat> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let user_ids = ids::decode_all(&user_ids, Kind::User, "userIds")?;
        let chat = resolvers::chats::add_chat_members(
            rctx(ctx)?,
            chat_id,
            &user_ids,
            ChatRole::from(role),
        )
        .await
        .gql()?;
        Ok(Chat(chat))
    }
    /// Remove a member from a chat.
    async fn remove_chat_member(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_id: ID,
    ) -> Result<Chat> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        Ok(Chat(
            resolvers::chats::remove_chat_member(rctx(ctx)?, chat_id, user_id)
                .await
                .gql()?,
        ))
    }
    /// Change a member's role in a chat.
    async fn set_chat_member_role(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_id: ID,
        role: ChatMemberRole,
    ) -> Result<ChatMember> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        let m = resolvers::chats::set_chat_member_role(rctx(ctx)?, chat_id, user_id, role.into())
            .await
            .gql()?;
        Ok(ChatMember(m))
    }
    /// Leave a chat.
    async fn leave_chat(&self, ctx: &Context<'_>, chat_id: ID) -> Result<Chat> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        Ok(Chat(
            resolvers::chats::leave_chat(rctx(ctx)?, chat_id)
                .await
                .gql()?,
        ))
    }
    /// Join a public chat.
    async fn join_chat(&self, ctx: &Context<'_>, chat_id: ID) -> Result<Chat> {
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        Ok(Chat(
            resolvers::chats::join_chat(rctx(ctx)?, chat_id)
                .await
                .gql()?,
        ))
    }
    /// Start (or get) the thread of a message.
    async fn create_thread(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Chat> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([message_id]);
        let message_id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let chat = once(c, None, "createThread", &fingerprint, || {
            resolvers::chats::create_thread(c, message_id)
        })
        .await
        .gql()?;
        Ok(Chat(chat))
    }
    /// Mark everything up to a message as read; returns the chat with its new unread count.
    async fn mark_read(&self, ctx: &Context<'_>, chat_id: ID, message_id: ID) -> Result<Chat> {
        let c = rctx(ctx)?;
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let message_id = ids::decode(&message_id, Kind::Message, "messageId")?;
        resolvers::messages::mark_read(c, chat_id, message_id)
            .await
            .gql()?;
        Ok(Chat(resolvers::chats::get_chat(c, chat_id).await.gql()?))
    }
}

/// Mutations of messages.
#[derive(Default)]
pub struct MessageMutation;

fn domain_send(
    chat_id: i64,
    content: String,
    kind: Option<MessageKindGql>,
    metadata: Option<Json<Value>>,
    buttons: Option<Json<Value>>,
    attachments: Vec<AttachmentInput>,
    reply_to_id: Option<i64>,
) -> DomainSend {
    DomainSend {
        chat_id,
        content,
        kind: kind.map(Into::into),
        metadata: metadata.map(|j| j.0),
        buttons: buttons.map(|j| j.0),
        attachments: attachments.into_iter().map(Into::into).collect(),
        reply_to_id,
    }
}

#[Object]
impl MessageMutation {
    /// Post a message to a chat or thread.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Message> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let chat_id = ids::decode(&input.chat_id, Kind::Chat, "chatId")?;
        let reply_to = input
            .reply_to_id
            .map(|id| ids::decode(&id, Kind::Message, "replyToId"))
            .transpose()?;
        let send = domain_send(
            chat_id,
            input.content,
            input.kind,
            input.metadata,
            input.buttons,
            input.attachments,
            reply_to,
        );
        let options = SendOptions {
            callback_url: input.callback_url,
        };
        let message = once(c, None, "sendMessage", &fingerprint, || {
            resolvers::messages::send_message_with(c, send, options)
        })
        .await
        .gql()?;
        Ok(Message(message))
    }
    /// Post to the direct chat with a user (created on first use).
    #[allow(clippy::too_many_arguments, reason = "one GraphQL argument each")]
    async fn send_direct_message(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        content: String,
        metadata: Option<Json<Value>>,
        buttons: Option<Json<Value>>,
        #[graphql(default)] attachments: Vec<AttachmentInput>,
        #[graphql(
            desc = "Where to POST every click on the message's `data` buttons (see `Message.callback`)."
        )]
        callback_url: Option<String>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Message> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([
            user_id,
            content,
            metadata,
            buttons,
            attachments,
            callback_url
        ]);
        let user_id = ids::decode(&user_id, Kind::User, "userId")?;
        let send = domain_send(0, content, None, metadata, buttons, attachments, None);
        let options = SendOptions { callback_url };
        let message = once(c, None, "sendDirectMessage", &fingerprint, || {
            resolvers::messages::send_direct_message_with(c, user_id, send, options)
        })
        .await
        .gql()?;
        Ok(Message(message))
    }
    /// Edit your message; the previous version is kept as a revision.
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        id: ID,
        content: Option<String>,
        metadata: Option<Json<Value>>,
        buttons: Option<Json<Value>>,
        #[graphql(
            desc = "A new callback URL for clicks on the message's buttons; `null` stops deliveries; omitted, it stays (removing every `data` button clears it)."
        )]
        callback_url: MaybeUndefined<String>,
    ) -> Result<Message> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        let input = EditMessageInput {
            content,
            metadata: metadata.map(|j| j.0),
            buttons: buttons.map(|j| j.0),
        };
        let options = EditOptions {
            callback: match callback_url {
                MaybeUndefined::Undefined => CallbackChange::Keep,
                MaybeUndefined::Null => CallbackChange::Clear,
                MaybeUndefined::Value(url) => CallbackChange::Set(url),
            },
        };
        Ok(Message(
            resolvers::messages::edit_message_with(rctx(ctx)?, id, input, options)
                .await
                .gql()?,
        ))
    }
    /// Delete a message (yours, or any as the chat's admin).
    async fn delete_message(&self, ctx: &Context<'_>, id: ID) -> Result<DeletedMessage> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        let m = resolvers::messages::delete_message(rctx(ctx)?, id)
            .await
            .gql()?;
        Ok(DeletedMessage {
            event_cursor: None,
            id: ids::encode(Kind::Message, m.id),
            chat_id: ids::encode(Kind::Chat, m.chat_id),
            deleted_at: m.deleted_at,
        })
    }
    /// Pin a message in its chat.
    async fn pin_message(&self, ctx: &Context<'_>, id: ID) -> Result<Message> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        Ok(Message(
            resolvers::messages::set_pinned(rctx(ctx)?, id, true)
                .await
                .gql()?,
        ))
    }
    /// Unpin a message.
    async fn unpin_message(&self, ctx: &Context<'_>, id: ID) -> Result<Message> {
        let id = ids::decode(&id, Kind::Message, "id")?;
        Ok(Message(
            resolvers::messages::set_pinned(rctx(ctx)?, id, false)
                .await
                .gql()?,
        ))
    }
    /// Click a `data` button of an interactive message. Built-in actions (data starting
    /// with `sb:`, such as a leave request's Approve / Reject) are performed as you; any
    /// other click is delivered to the message's integrations as a `button_clicked` event.
    async fn click_message_button(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        data: String,
    ) -> Result<ButtonClick> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let click = resolvers::messages::click_button(rctx(ctx)?, id, &data)
            .await
            .gql()?;
        Ok(ButtonClick {
            message: Message(click.message),
            data: click.data,
            trigger_id: click.trigger_id,
        })
    }
    /// React with an emoji (limits: 20 distinct per user, 30 distinct and 1,000 in all per message).
    async fn add_reaction(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        emoji: String,
    ) -> Result<Message> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        Ok(Message(
            resolvers::messages::add_reaction(rctx(ctx)?, id, &emoji)
                .await
                .gql()?,
        ))
    }
    /// Take back your reaction.
    async fn remove_reaction(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        emoji: String,
    ) -> Result<Message> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        Ok(Message(
            resolvers::messages::remove_reaction(rctx(ctx)?, id, &emoji)
                .await
                .gql()?,
        ))
    }
}

/// Mutations of people, status and tokens.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Set your status.
    async fn set_status(&self, ctx: &Context<'_>, input: SetStatusInput) -> Result<User> {
        let input = resolvers::people::SetStatusInput {
            emoji: input.emoji,
            title: input.title,
            expires_at: input.expires_at,
            is_away: input.is_away,
            away_message: input.away_message,
        };
        Ok(User(
            resolvers::people::set_status(rctx(ctx)?, input)
                .await
                .gql()?,
        ))
    }
    /// Clear your status.
    async fn clear_status(&self, ctx: &Context<'_>) -> Result<User> {
        Ok(User(
            resolvers::people::clear_status(rctx(ctx)?).await.gql()?,
        ))
    }
    /// Create an API token for yourself. Its secret is in the answer and never again.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<CreatedApiToken> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = resolvers::auth::CreateApiTokenInput {
            name: input.name,
            scopes: input.scopes,
            expires_at: input.expires_at,
            rate_limits: input.rate_limits.into_iter().map(Into::into).collect(),
        };
        let (row, token) = once_with_secret(c, None, "createApiToken", &fingerprint, || async {
            let created = resolvers::auth::create_api_token(c, input).await?;
            Ok((created.row, created.token))
        })
        .await
        .gql()?;
        Ok(CreatedApiToken {
            token,
            api_token: row.into(),
        })
    }
    /// Revoke an API token (yours; admins: any in the workspace).
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<ApiToken> {
        let id = ids::decode(&id, Kind::ApiToken, "id")?;
        Ok(resolvers::auth::revoke_api_token(rctx(ctx)?, id)
            .await
            .gql()?
            .into())
    }
    /// Give a token of the workspace rate-limit budgets of its own (owners and admins):
    /// the categories listed replace the server's defaults, the others keep them; an
    /// empty list clears them. Applies from the token's next request.
    async fn set_api_token_rate_limits(
        &self,
        ctx: &Context<'_>,
        token_id: ID,
        limits: Vec<RateLimitInput>,
    ) -> Result<ApiToken> {
        let id = ids::decode(&token_id, Kind::ApiToken, "tokenId")?;
        let limits = limits.into_iter().map(Into::into).collect();
        Ok(
            resolvers::auth::set_api_token_rate_limits(rctx(ctx)?, id, limits)
                .await
                .gql()?
                .into(),
        )
    }
    /// Create a department (admins).
    async fn create_department(
        &self,
        ctx: &Context<'_>,
        name: String,
        parent_id: Option<ID>,
        manager_id: Option<ID>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Department> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([name, parent_id, manager_id]);
        let input = resolvers::people::CreateDepartmentInput {
            name,
            parent_id: parent_id
                .map(|id| ids::decode(&id, Kind::Department, "parentId"))
                .transpose()?,
            manager_id: manager_id
                .map(|id| ids::decode(&id, Kind::User, "managerId"))
                .transpose()?,
            description: None,
        };
        let department = once(c, None, "createDepartment", &fingerprint, || {
            resolvers::people::create_department(c, input)
        })
        .await
        .gql()?;
        Ok(Department(department))
    }
    /// Create a group tag (admins).
    async fn create_group_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<GroupTag> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let tag = once(c, None, "createGroupTag", &name, || {
            resolvers::people::create_group_tag(c, &name)
        })
        .await
        .gql()?;
        Ok(GroupTag(tag))
    }
    /// Add users to a group tag (admins).
    async fn add_group_tag_members(
        &self,
        ctx: &Context<'_>,
        tag_id: ID,
        user_ids: Vec<ID>,
    ) -> Result<GroupTag> {
        let tag_id = ids::decode(&tag_id, Kind::GroupTag, "tagId")?;
        let user_ids = ids::decode_all(&user_ids, Kind::User, "userIds")?;
        Ok(GroupTag(
            resolvers::people::add_group_tag_members(rctx(ctx)?, tag_id, &user_ids)
                .await
                .gql()?,
        ))
    }
}

/// The Mutation root, merged from per-area objects.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    ChatMutation,
    MessageMutation,
    PeopleMutation,
    crate::integrations::IntegrationsMutation,
    crate::tasks::TaskMutation,
    crate::bots::BotsMutation,
    crate::meetings::MeetingsMutation,
    crate::hr::HrMutation,
    crate::hooks::HooksMutation,
    crate::messaging_v1::MessagingV1Mutation,
);
