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

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::{chats, events, messages};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

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
    "user_updated",
    "department_changed",
    "group_tag_changed",
    "api_token_created",
    "api_token_revoked",
    "webhook_endpoint_changed",
    "button_clicked",
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
            | EventKind::ButtonClicked { chat_id, .. } => Some(*chat_id),
            EventKind::ChatCreated { chat } | EventKind::ChatUpdated { chat } => Some(chat.id),
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
            EventKind::UserUpdated { .. } => "user_updated",
            EventKind::DepartmentChanged { .. } => "department_changed",
            EventKind::GroupTagChanged { .. } => "group_tag_changed",
            EventKind::ApiTokenCreated { .. } => "api_token_created",
            EventKind::ApiTokenRevoked { .. } => "api_token_revoked",
            EventKind::WebhookEndpointChanged { .. } => "webhook_endpoint_changed",
            EventKind::ButtonClicked { .. } => "button_clicked",
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
            | EventKind::ReadStateChanged { chat_id, .. } => ("chat", Some(*chat_id)),
            EventKind::ChatCreated { chat } | EventKind::ChatUpdated { chat } => {
                ("chat", Some(chat.id))
            }
            EventKind::UserUpdated { user_id } => ("user", Some(*user_id)),
            EventKind::DepartmentChanged { department_id } => ("department", Some(*department_id)),
            EventKind::GroupTagChanged { tag_id, .. } => ("group_tag", Some(*tag_id)),
            EventKind::ApiTokenCreated { token_id, .. }
            | EventKind::ApiTokenRevoked { token_id } => ("api_token", Some(*token_id)),
            EventKind::WebhookEndpointChanged { endpoint_id } => {
                ("webhook_endpoint", Some(*endpoint_id))
            }
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
    Ok(Event {
        id: stored.id,
        seq,
        workspace_id: ctx.workspace_id(),
        actor_id: ctx.user_id(),
        at: now,
        kind,
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
