//! Domain events, announced on the bus after their transaction commits.
//!
//! Events carry what their consumers need (a message event carries the message row), so
//! a subscriber never queries the database to render one.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entities::{chats, messages};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// One committed change.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
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
    /// A chat's attributes changed (name, visibility, archived).
    ChatUpdated {
        /// The chat as it now is.
        chat: chats::Model,
    },
}

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
            | EventKind::ReadStateChanged { chat_id, .. } => Some(*chat_id),
            EventKind::ChatUpdated { chat } => Some(chat.id),
        }
    }
}

/// Fan-out of committed events to this process's consumers.
///
/// In-process (a `tokio::sync::broadcast` channel). A subscriber that falls more than
/// [`Bus::CAPACITY`] events behind is told it lagged rather than slowing the writers.
#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Bus {
    /// Events buffered per subscriber before it is considered lagging.
    pub const CAPACITY: usize = 4096;

    /// A new, empty bus.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(Self::CAPACITY);
        Bus { tx }
    }

    /// Announce a committed event. Having no subscriber is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(Arc::new(event));
    }

    /// Receive every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::Ctx {
    /// Announce `kind` as done by this context's principal, now.
    pub(crate) fn emit(&self, kind: EventKind) {
        self.bus.publish(Event {
            workspace_id: self.workspace_id(),
            actor_id: self.user_id(),
            at: Utc::now(),
            kind,
        });
    }
}
