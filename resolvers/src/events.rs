//! Domain events and the durable event log.
//!
//! Every committed change appends one [`Event`] to the `events` table **in the same
//! transaction as the change** ([`record`]), with a per-workspace sequence number that is
//! gapless and in commit order (a row lock on the workspace's cursor serialises writers
//! of one workspace). After the commit the events are published on the [`Bus`].
//! Consumers — subscriptions (which resume from a cursor and refill any gap from the
//! log), outgoing webhooks (enqueued in the same transaction), event polling and the
//! audit trail — all read this one log. The `events` row carries the audit columns
//! (actor, token prefix, dialect, IP, idempotency key, before/after summary), so the
//! audit trail is the log itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::{calls, chats, events, meetings, messages, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tokio::sync::OnceCell;

use crate::auth::Scope;
pub use crate::bus::Bus;
use crate::pagination::{Page, PageArgs};
use crate::sql::stmt;
use crate::{Ctx, Error, Result};

/// One committed change, as published.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    /// Row id in the log (stable; the webhook id is `evt_<id>`).
    pub id: i64,
    /// Per-workspace sequence number: the cursor to resume from.
    pub seq: i64,
    /// The tenant the change belongs to; consumers never see another tenant's events.
    pub workspace_id: i64,
    /// Who made the change.
    pub actor_id: i64,
    /// When it committed.
    pub at: DateTime<Utc>,
    /// What changed.
    pub kind: EventKind,
    /// Relations of the event resolved once per process for all of its consumers.
    #[serde(skip)]
    pub memo: Memo,
}

/// Relations of one event, loaded at most once per process and shared by every consumer
/// of it. Live fan-out is the reason: every subscriber of a chat selects the new message's
/// `author`, and one lookup per event must serve them all, not one per subscriber (which
/// made fan-out cost O(subscribers) statements). Every consumer of an event is of its
/// workspace, and a workspace's people are visible to all its members, so what one
/// consumer loads any other may read. Never serialised: each process loads its own.
#[derive(Clone, Debug, Default)]
pub struct Memo {
    users: Arc<Mutex<HashMap<i64, MemoCell<users::Model>>>>,
}

/// One relation of an event: loaded by its first reader, awaited by the others.
type MemoCell<T> = Arc<OnceCell<Option<T>>>;

impl Event {
    /// A person of the event's workspace (the author of a new message, a reactor),
    /// loaded once per process for every consumer of this event.
    pub async fn user<C: ConnectionTrait>(&self, db: &C, id: i64) -> Result<Option<users::Model>> {
        let cell = {
            let mut users = self.memo.users.lock().unwrap_or_else(|e| e.into_inner());
            users.entry(id).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let mut found = crate::people::users_by_ids(db, self.workspace_id, &[id]).await?;
            Ok::<_, Error>(found.remove(&id))
        })
        .await
        .cloned()
    }
}

/// What changed, with the data consumers render.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A message was posted.
    MessageAdded {
        /// The new message.
        message: messages::Model,
    },
    /// A message was edited, pinned or unpinned.
    MessageUpdated {
        /// The message as it now is.
        message: messages::Model,
    },
    /// A message was deleted.
    MessageDeleted {
        /// Its chat.
        chat_id: i64,
        /// Its id.
        message_id: i64,
    },
    /// A reaction was added or removed.
    ReactionChanged {
        /// The message's chat.
        chat_id: i64,
        /// The message.
        message_id: i64,
        /// Who reacted.
        user_id: i64,
        /// With what.
        emoji: String,
        /// `true` when added, `false` when removed.
        added: bool,
    },
    /// Users joined, left, were added to or removed from a chat, or changed role.
    ChatMembershipChanged {
        /// The chat.
        chat_id: i64,
        /// The users concerned.
        user_ids: Vec<i64>,
        /// What happened to them.
        change: MembershipChange,
    },
    /// A member's read position moved.
    ReadStateChanged {
        /// The chat.
        chat_id: i64,
        /// The reader.
        user_id: i64,
        /// Their new watermark.
        last_read_message_id: i64,
    },
    /// A chat was created (channel, group, direct or thread).
    ChatCreated {
        /// The new chat.
        chat: chats::Model,
    },
    /// A chat's attributes changed (name, visibility, archived).
    ChatUpdated {
        /// The chat as it now is.
        chat: chats::Model,
    },
    /// A channel or group conversation was deleted, with its messages.
    ChatDeleted {
        /// The chat that was.
        chat_id: i64,
    },
    /// A user's profile, status, role or department changed.
    UserUpdated {
        /// The user.
        user_id: i64,
    },
    /// A department was created or changed.
    DepartmentChanged {
        /// The department.
        department_id: i64,
    },
    /// A group tag was created or its members changed.
    GroupTagChanged {
        /// The tag.
        tag_id: i64,
        /// Users added.
        added_user_ids: Vec<i64>,
    },
    /// An API token was created.
    ApiTokenCreated {
        /// The token row.
        token_id: i64,
        /// Its visible prefix.
        prefix: String,
    },
    /// An API token was revoked.
    ApiTokenRevoked {
        /// The token row.
        token_id: i64,
    },
    /// An API token's settings (its own rate-limit budgets) changed.
    ApiTokenUpdated {
        /// The token row.
        token_id: i64,
    },
    /// A webhook endpoint was registered, changed or removed.
    WebhookEndpointChanged {
        /// The endpoint.
        endpoint_id: i64,
    },
    /// A button of an interactive message was clicked.
    ButtonClicked {
        /// The message's chat.
        chat_id: i64,
        /// The message.
        message_id: i64,
        /// Who clicked.
        user_id: i64,
        /// The button's data.
        data: String,
        /// Identifies this click.
        trigger_id: String,
        /// What the person wrote with the click (Messaging API v1 action responses).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// An incoming webhook (Messaging API v1) was created, its secret rotated, or it
    /// was deactivated.
    IncomingWebhookChanged {
        /// The webhook.
        webhook_id: i64,
    },
    /// The workspace's callback signing secret (Messaging API v1) was replaced.
    CallbackSecretRotated {},
    // Tasks and custom properties (resolvers::tasks, resolvers::custom_properties).
    /// A task was created.
    TaskCreated {
        /// The task as created, with its performers.
        task: crate::tasks::TaskSnapshot,
    },
    /// A task's attributes changed (status not crossing `done`).
    TaskUpdated {
        /// The task as it now is.
        task: crate::tasks::TaskSnapshot,
    },
    /// A task was marked done.
    TaskCompleted {
        /// The task as it now is.
        task: crate::tasks::TaskSnapshot,
    },
    /// A done task was marked undone again.
    TaskReopened {
        /// The task as it now is.
        task: crate::tasks::TaskSnapshot,
    },
    /// A task was deleted (with its dependency edges).
    TaskDeleted {
        /// The task as it was.
        task: crate::tasks::TaskSnapshot,
    },
    /// A "blocked by" edge was added or removed.
    TaskDependencyChanged {
        /// The blocked task.
        task: crate::tasks::TaskSnapshot,
        /// The task that blocks it.
        blocker_id: i64,
        /// `true` when added, `false` when removed.
        added: bool,
    },
    /// A custom property definition was created or deleted.
    CustomPropertyChanged {
        /// The definition.
        property_id: i64,
        /// `User` or `Task`.
        entity_type: String,
        /// `true` when it was deleted.
        deleted: bool,
    },
    // -- Directory (users, group tags linked to chats), as the Pachca façade drives it --
    /// A user was added to the workspace.
    UserCreated {
        /// The new user.
        user_id: i64,
    },
    /// A user was removed from the workspace.
    UserDeleted {
        /// The removed user.
        user_id: i64,
    },
    /// A group tag was renamed or its members removed.
    GroupTagUpdated {
        /// The tag.
        tag_id: i64,
        /// Users removed from it.
        removed_user_ids: Vec<i64>,
    },
    /// A group tag was deleted.
    GroupTagDeleted {
        /// The tag.
        tag_id: i64,
    },
    /// Group tags were linked to or unlinked from a chat.
    ChatGroupTagsChanged {
        /// The chat.
        chat_id: i64,
        /// The tags.
        tag_ids: Vec<i64>,
        /// `true` when linked, `false` when unlinked.
        added: bool,
    },
    // ---- integrations (bots, views, link previews, exports, drafts) ----
    /// A bot was created or its settings or tokens changed.
    BotChanged {
        /// The bot (its user id).
        bot_id: i64,
    },
    /// A person authorized a bot's OAuth client (a code was issued).
    OAuthAuthorized {
        /// The client's bot.
        bot_id: i64,
        /// The authorization code's row.
        code_id: i64,
    },
    /// An integration client (Hook API) was created.
    IntegrationClientChanged {
        /// The client.
        client_id: i64,
        /// Its bot account.
        bot_id: i64,
    },
    /// A hook was created, its secret regenerated, or it was deleted.
    HookChanged {
        /// The hook.
        hook_id: i64,
        /// Its Desktop.
        chat_id: i64,
        /// `created`, `secret_regenerated` or `deleted`.
        change: String,
    },
    /// A bot was deleted.
    BotDeleted {
        /// The bot (its user id).
        bot_id: i64,
    },
    /// A bot removed an event from its history.
    BotEventDeleted {
        /// The bot.
        bot_id: i64,
        /// The history entry.
        id: String,
    },
    /// A new message has links in the unfurl domains of bots in its chat.
    LinksShared {
        /// The message's chat.
        chat_id: i64,
        /// The message.
        message_id: i64,
        /// Per bot: its links, as (url, matched domain).
        bot_links: Vec<(i64, Vec<(String, String)>)>,
    },
    /// A bot attached link previews to a message.
    LinkPreviewsChanged {
        /// The message's chat.
        chat_id: i64,
        /// The message.
        message_id: i64,
    },
    /// A view was opened, answered or closed.
    ViewChanged {
        /// The view.
        view_id: String,
        /// The user it is shown to.
        user_id: i64,
    },
    /// A user submitted a view.
    ViewSubmitted {
        /// The view.
        view_id: String,
        /// The bot that opened it.
        bot_id: i64,
        /// This submission.
        submit_id: String,
        /// Who submitted it.
        user_id: i64,
        /// The chat of the button that opened it.
        chat_id: Option<i64>,
        /// The bot's callback id.
        callback_id: Option<String>,
        /// The bot's metadata.
        private_metadata: Option<String>,
        /// Field values.
        data: Json,
    },
    /// A chat export was requested.
    ChatExportRequested {
        /// The export.
        export_id: i64,
    },
    /// A chat export's archive is ready.
    ChatExportReady {
        /// The export.
        export_id: i64,
    },
    /// A draft was saved, changed or deleted (private to its author).
    DraftChanged {
        /// The draft.
        draft_id: i64,
        /// Its chat.
        chat_id: i64,
    },
    // --- meetings (Pulse) ---
    /// A meeting was scheduled, updated or cancelled, an attendee answered, or one of
    /// its notes changed.
    MeetingChanged {
        /// The meeting as it now is.
        meeting: meetings::Model,
        /// What happened.
        change: crate::meetings::MeetingChange,
        /// The attendee who answered (RSVP).
        user_id: Option<i64>,
        /// The note concerned (note changes).
        note_id: Option<i64>,
    },
    /// A call started, someone joined or left, it ended, or transcript segments arrived.
    CallChanged {
        /// The call as it now is.
        call: calls::Model,
        /// What happened.
        change: crate::meetings::CallChange,
        /// Who joined or left.
        user_id: Option<i64>,
    },
    /// A user's calendar feed URL was rotated or disabled.
    CalendarFeedChanged {
        /// The feed's owner.
        user_id: i64,
        /// Whether a feed URL now works.
        enabled: bool,
    },
    /// HR: attendance, leave, rosters, sites, the document vault (see [`crate::hr::HrEvent`]).
    Hr {
        /// What changed.
        event: crate::hr::HrEvent,
    },
}

/// Every event type name, as stored and as webhook subscribers name them.
pub const EVENT_TYPES: &[&str] = &[
    "message_added",
    "message_updated",
    "message_deleted",
    "reaction_changed",
    "chat_membership_changed",
    "read_state_changed",
    "chat_created",
    "chat_updated",
    "chat_deleted",
    "user_updated",
    "department_changed",
    "group_tag_changed",
    "api_token_created",
    "api_token_revoked",
    "api_token_updated",
    "webhook_endpoint_changed",
    "button_clicked",
    "incoming_webhook_changed",
    "callback_secret_rotated",
    // Tasks and custom properties.
    "task_created",
    "task_updated",
    "task_completed",
    "task_reopened",
    "task_deleted",
    "task_dependency_changed",
    "custom_property_changed",
    // Directory, as the Pachca façade drives it.
    "user_created",
    "user_deleted",
    "group_tag_updated",
    "group_tag_deleted",
    "chat_group_tags_changed",
    // integrations
    "bot_changed",
    "bot_deleted",
    "bot_event_deleted",
    "integration_client_changed",
    "hook_changed",
    "links_shared",
    "link_previews_changed",
    "view_changed",
    "view_submitted",
    "chat_export_requested",
    "chat_export_ready",
    "draft_changed",
    // meetings (Pulse)
    "meeting_changed",
    "call_changed",
    "calendar_feed_changed",
    // HR
    "hr_site_changed",
    "hr_attendance_clocked_in",
    "hr_attendance_clocked_out",
    "hr_leave_type_changed",
    "hr_leave_balance_changed",
    "hr_leave_requested",
    "hr_leave_approved",
    "hr_leave_rejected",
    "hr_leave_cancelled",
    "hr_shift_changed",
    "hr_roster_published",
    "hr_document_uploaded",
    "hr_document_shared",
    "hr_document_deleted",
    "hr_document_downloaded",
    "hr_admin_changed",
];

/// What happened to the users of a [`EventKind::ChatMembershipChanged`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipChange {
    /// Added by someone else, or created the chat with them in it.
    Added,
    /// Joined a public chat themselves.
    Joined,
    /// Removed by someone else.
    Removed,
    /// Left by themselves.
    Left,
    /// Their chat role changed.
    RoleChanged,
}

impl EventKind {
    /// The chat the event concerns, if any.
    pub fn chat_id(&self) -> Option<i64> {
        match self {
            EventKind::MessageAdded { message } | EventKind::MessageUpdated { message } => {
                Some(message.chat_id)
            }
            EventKind::MessageDeleted { chat_id, .. }
            | EventKind::ReactionChanged { chat_id, .. }
            | EventKind::ChatMembershipChanged { chat_id, .. }
            | EventKind::ReadStateChanged { chat_id, .. }
            | EventKind::ButtonClicked { chat_id, .. }
            | EventKind::ChatDeleted { chat_id } => Some(*chat_id),
            EventKind::ChatCreated { chat } | EventKind::ChatUpdated { chat } => Some(chat.id),
            // Tasks: the chat the task is linked to.
            EventKind::TaskCreated { task }
            | EventKind::TaskUpdated { task }
            | EventKind::TaskCompleted { task }
            | EventKind::TaskReopened { task }
            | EventKind::TaskDeleted { task }
            | EventKind::TaskDependencyChanged { task, .. } => task.task.chat_id,
            EventKind::ChatGroupTagsChanged { chat_id, .. } => Some(*chat_id),
            // integrations
            EventKind::LinksShared { chat_id, .. }
            | EventKind::LinkPreviewsChanged { chat_id, .. } => Some(*chat_id),
            _ => None,
        }
    }

    /// The stored type name (the serde tag).
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::MessageAdded { .. } => "message_added",
            EventKind::MessageUpdated { .. } => "message_updated",
            EventKind::MessageDeleted { .. } => "message_deleted",
            EventKind::ReactionChanged { .. } => "reaction_changed",
            EventKind::ChatMembershipChanged { .. } => "chat_membership_changed",
            EventKind::ReadStateChanged { .. } => "read_state_changed",
            EventKind::ChatCreated { .. } => "chat_created",
            EventKind::ChatUpdated { .. } => "chat_updated",
            EventKind::ChatDeleted { .. } => "chat_deleted",
            EventKind::UserUpdated { .. } => "user_updated",
            EventKind::DepartmentChanged { .. } => "department_changed",
            EventKind::GroupTagChanged { .. } => "group_tag_changed",
            EventKind::ApiTokenCreated { .. } => "api_token_created",
            EventKind::ApiTokenRevoked { .. } => "api_token_revoked",
            EventKind::ApiTokenUpdated { .. } => "api_token_updated",
            EventKind::WebhookEndpointChanged { .. } => "webhook_endpoint_changed",
            EventKind::ButtonClicked { .. } => "button_clicked",
            EventKind::IncomingWebhookChanged { .. } => "incoming_webhook_changed",
            EventKind::CallbackSecretRotated {} => "callback_secret_rotated",
            // Tasks and custom properties.
            EventKind::TaskCreated { .. } => "task_created",
            EventKind::TaskUpdated { .. } => "task_updated",
            EventKind::TaskCompleted { .. } => "task_completed",
            EventKind::TaskReopened { .. } => "task_reopened",
            EventKind::TaskDeleted { .. } => "task_deleted",
            EventKind::TaskDependencyChanged { .. } => "task_dependency_changed",
            EventKind::CustomPropertyChanged { .. } => "custom_property_changed",
            EventKind::UserCreated { .. } => "user_created",
            EventKind::UserDeleted { .. } => "user_deleted",
            EventKind::GroupTagUpdated { .. } => "group_tag_updated",
            EventKind::GroupTagDeleted { .. } => "group_tag_deleted",
            EventKind::ChatGroupTagsChanged { .. } => "chat_group_tags_changed",
            // integrations
            EventKind::BotChanged { .. } => "bot_changed",
            EventKind::BotDeleted { .. } => "bot_deleted",
            EventKind::IntegrationClientChanged { .. } => "integration_client_changed",
            EventKind::HookChanged { .. } => "hook_changed",
            EventKind::OAuthAuthorized { .. } => "oauth_authorization_granted",
            EventKind::BotEventDeleted { .. } => "bot_event_deleted",
            EventKind::LinksShared { .. } => "links_shared",
            EventKind::LinkPreviewsChanged { .. } => "link_previews_changed",
            EventKind::ViewChanged { .. } => "view_changed",
            EventKind::ViewSubmitted { .. } => "view_submitted",
            EventKind::ChatExportRequested { .. } => "chat_export_requested",
            EventKind::ChatExportReady { .. } => "chat_export_ready",
            EventKind::DraftChanged { .. } => "draft_changed",
            // meetings (Pulse)
            EventKind::MeetingChanged { .. } => "meeting_changed",
            EventKind::CallChanged { .. } => "call_changed",
            EventKind::CalendarFeedChanged { .. } => "calendar_feed_changed",
            EventKind::Hr { event } => event.type_name(),
        }
    }

    /// The object changed: its type and id (for the audit trail).
    pub fn subject(&self) -> (&'static str, Option<i64>) {
        match self {
            EventKind::MessageAdded { message } | EventKind::MessageUpdated { message } => {
                ("message", Some(message.id))
            }
            EventKind::MessageDeleted { message_id, .. }
            | EventKind::ReactionChanged { message_id, .. }
            | EventKind::ButtonClicked { message_id, .. } => ("message", Some(*message_id)),
            EventKind::ChatMembershipChanged { chat_id, .. }
            | EventKind::ReadStateChanged { chat_id, .. }
            | EventKind::ChatDeleted { chat_id } => ("chat", Some(*chat_id)),
            EventKind::ChatCreated { chat } | EventKind::ChatUpdated { chat } => {
                ("chat", Some(chat.id))
            }
            EventKind::UserUpdated { user_id } => ("user", Some(*user_id)),
            EventKind::DepartmentChanged { department_id } => ("department", Some(*department_id)),
            EventKind::GroupTagChanged { tag_id, .. } => ("group_tag", Some(*tag_id)),
            EventKind::ApiTokenCreated { token_id, .. }
            | EventKind::ApiTokenRevoked { token_id }
            | EventKind::ApiTokenUpdated { token_id } => ("api_token", Some(*token_id)),
            EventKind::WebhookEndpointChanged { endpoint_id } => {
                ("webhook_endpoint", Some(*endpoint_id))
            }
            EventKind::IncomingWebhookChanged { webhook_id } => {
                ("incoming_webhook", Some(*webhook_id))
            }
            EventKind::CallbackSecretRotated {} => ("workspace", None),
            // Tasks and custom properties.
            EventKind::TaskCreated { task }
            | EventKind::TaskUpdated { task }
            | EventKind::TaskCompleted { task }
            | EventKind::TaskReopened { task }
            | EventKind::TaskDeleted { task }
            | EventKind::TaskDependencyChanged { task, .. } => ("task", Some(task.task.id)),
            EventKind::CustomPropertyChanged { property_id, .. } => {
                ("custom_property", Some(*property_id))
            }
            EventKind::UserCreated { user_id } | EventKind::UserDeleted { user_id } => {
                ("user", Some(*user_id))
            }
            EventKind::GroupTagUpdated { tag_id, .. } | EventKind::GroupTagDeleted { tag_id } => {
                ("group_tag", Some(*tag_id))
            }
            EventKind::ChatGroupTagsChanged { chat_id, .. } => ("chat", Some(*chat_id)),

            // integrations
            EventKind::BotChanged { bot_id }
            | EventKind::BotDeleted { bot_id }
            | EventKind::OAuthAuthorized { bot_id, .. }
            | EventKind::BotEventDeleted { bot_id, .. } => ("bot", Some(*bot_id)),
            EventKind::IntegrationClientChanged { client_id, .. } => {
                ("integration_client", Some(*client_id))
            }
            EventKind::HookChanged { hook_id, .. } => ("hook", Some(*hook_id)),
            EventKind::LinksShared { message_id, .. }
            | EventKind::LinkPreviewsChanged { message_id, .. } => ("message", Some(*message_id)),
            EventKind::ViewChanged { .. } | EventKind::ViewSubmitted { .. } => ("view", None),
            EventKind::ChatExportRequested { export_id }
            | EventKind::ChatExportReady { export_id } => ("chat_export", Some(*export_id)),
            EventKind::DraftChanged { draft_id, .. } => ("draft", Some(*draft_id)),
            // meetings (Pulse)
            EventKind::MeetingChanged { meeting, .. } => ("meeting", Some(meeting.id)),
            EventKind::CallChanged { call, .. } => ("call", Some(call.id)),
            EventKind::CalendarFeedChanged { user_id, .. } => ("calendar_feed", Some(*user_id)),
            EventKind::Hr { event } => event.subject(),
        }
    }
}

/// The opaque cursor of an event (its per-workspace sequence number).
pub fn encode_event_cursor(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("e:{seq}"))
}

/// Decode an event cursor, for the argument `field`.
pub fn decode_event_cursor(cursor: &str, field: &str) -> Result<i64> {
    let bad = || Error::invalid(field, "not a valid event cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("e:")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s >= 0)
        .ok_or_else(bad)
}

/// Append `kind` to the log inside `txn`, as done by `ctx`'s principal through its
/// front door, and enqueue its webhook deliveries. Publish the returned event after the
/// commit (see [`Ctx::commit`]).
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    kind: EventKind,
    summary: Option<Json>,
) -> Result<Event> {
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(stmt(
            backend,
            "INSERT INTO workspace_cursors (workspace_id, last_seq) VALUES (?, 1) \
             ON CONFLICT (workspace_id) DO UPDATE SET last_seq = workspace_cursors.last_seq + 1 \
             RETURNING last_seq",
            vec![ctx.workspace_id().into()],
        ))
        .await?
        .ok_or_else(|| Error::internal(std::io::Error::other("no cursor returned")))?;
    let seq: i64 = row.try_get("", "last_seq")?;
    let now = Utc::now();
    let (subject_type, subject_id) = kind.subject();
    let token_prefix = match &ctx.principal.credential {
        crate::Credential::ApiToken { prefix, .. } => Some(prefix.clone()),
        crate::Credential::Session => None,
        // The hook's public id (never its secret): which URL made the change.
        crate::Credential::Hook { public_id, .. } => Some(format!("hook:{public_id}")),
    };
    let payload = serde_json::to_value(&kind).map_err(Error::internal)?;
    let stored = events::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        seq: Set(seq),
        kind: Set(kind.type_name().to_owned()),
        chat_id: Set(kind.chat_id()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        actor_id: Set(ctx.user_id()),
        dialect: Set(ctx.origin.dialect.to_owned()),
        token_prefix: Set(token_prefix),
        ip: Set(ctx.origin.ip.clone()),
        idempotency_key: Set(ctx.origin.idempotency_key.clone()),
        payload: Set(payload),
        summary: Set(summary),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    crate::webhooks::enqueue(txn, &stored).await?;
    crate::messages::callbacks::enqueue(txn, &kind, &stored).await?;
    crate::integrations::route(txn, ctx, &kind, &stored).await?;
    Ok(Event {
        id: stored.id,
        seq,
        workspace_id: ctx.workspace_id(),
        actor_id: ctx.user_id(),
        at: now,
        kind,
        memo: Memo::default(),
    })
}

impl Ctx {
    /// Commit `txn`, then publish its recorded events.
    pub(crate) async fn commit(
        &self,
        txn: DatabaseTransaction,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<()> {
        txn.commit().await?;
        for event in events {
            self.bus.publish(event);
        }
        Ok(())
    }

    /// Record one event in a transaction of its own, committed and published (for
    /// operations whose change is a single statement).
    pub(crate) async fn commit_one(
        &self,
        txn: DatabaseTransaction,
        kind: EventKind,
    ) -> Result<Event> {
        let event = record(&txn, self, kind, None).await?;
        txn.commit().await?;
        self.bus.publish(event.clone());
        Ok(event)
    }
}

fn from_row(row: events::Model) -> Result<Event> {
    let kind: EventKind = serde_json::from_value(row.payload).map_err(Error::internal)?;
    Ok(Event {
        id: row.id,
        seq: row.seq,
        workspace_id: row.workspace_id,
        actor_id: row.actor_id,
        at: row.created_at,
        kind,
        memo: Memo::default(),
    })
}

/// Events of a workspace after `after_seq`, oldest first (at most `limit`), optionally of
/// one chat: what a resuming subscriber or a gap refill reads. No visibility check:
/// callers filter per principal.
pub async fn replay<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    after_seq: i64,
    chat_id: Option<i64>,
    limit: u64,
) -> Result<Vec<Arc<Event>>> {
    let mut q = events::Entity::find()
        .filter(events::Column::WorkspaceId.eq(workspace_id))
        .filter(events::Column::Seq.gt(after_seq));
    if let Some(chat) = chat_id {
        q = q.filter(events::Column::ChatId.eq(chat));
    }
    q.order_by_asc(events::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|row| from_row(row).map(Arc::new))
        .collect()
}

/// The workspace's latest event sequence number (0 before any event).
pub async fn latest_seq<C: ConnectionTrait>(db: &C, workspace_id: i64) -> Result<i64> {
    Ok(
        entities::workspace_cursors::Entity::find_by_id(workspace_id)
            .one(db)
            .await?
            .map(|c| c.last_seq)
            .unwrap_or(0),
    )
}

/// Filters of [`list_events`].
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Only these types.
    pub kinds: Vec<String>,
    /// Only by this actor.
    pub actor_id: Option<i64>,
    /// Only about this chat.
    pub chat_id: Option<i64>,
    /// Only through this front door (`graphql`, `cli`, …).
    pub dialect: Option<String>,
    /// Only at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only about subjects of this type (`chat`, `user`, …).
    pub subject_type: Option<String>,
    /// Only about this subject.
    pub subject_id: Option<i64>,
}

/// The event log — the audit trail — of the workspace, oldest first from a cursor
/// (workspace owners and admins; `audit_events:read` for owners, admins need
/// `webhooks:events:read`).
pub async fn list_events(
    ctx: &Ctx,
    filter: EventFilter,
    after: Option<i64>,
    first: u64,
) -> Result<Page<events::Model>> {
    if !(ctx.principal.scopes.contains(Scope::AuditEventsRead)
        || (ctx.principal.is_admin() && ctx.principal.scopes.contains(Scope::WebhooksEventsRead)))
    {
        return Err(Error::MissingScope(Scope::AuditEventsRead.as_str()));
    }
    for kind in &filter.kinds {
        if !EVENT_TYPES.contains(&kind.as_str()) {
            return Err(Error::invalid(
                "kinds",
                format!("unknown event type `{kind}`"),
            ));
        }
    }
    let mut q = events::Entity::find().filter(events::Column::WorkspaceId.eq(ctx.workspace_id()));
    if !filter.kinds.is_empty() {
        q = q.filter(events::Column::Kind.is_in(filter.kinds));
    }
    if let Some(actor) = filter.actor_id {
        q = q.filter(events::Column::ActorId.eq(actor));
    }
    if let Some(chat) = filter.chat_id {
        q = q.filter(events::Column::ChatId.eq(chat));
    }
    if let Some(dialect) = filter.dialect {
        q = q.filter(events::Column::Dialect.eq(dialect));
    }
    if let Some(subject) = filter.subject_type {
        q = q.filter(events::Column::SubjectType.eq(subject));
    }
    if let Some(id) = filter.subject_id {
        q = q.filter(events::Column::SubjectId.eq(id));
    }
    if let Some(from) = filter.from {
        q = q.filter(events::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(events::Column::CreatedAt.lt(to));
    }
    if let Some(after) = after {
        q = q.filter(events::Column::Seq.gt(after));
    }
    let page = PageArgs { first, after };
    let rows = q
        .order_by_asc(events::Column::Seq)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}
