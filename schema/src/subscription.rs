//! The Subscription root: live views over the injected event bus.
//!
//! A subscription checks at start that its principal may see what it asks for, then
//! forwards only events of that principal's workspace that it may still see: when the
//! principal leaves or is removed from a chat (or the chat turns private), the stream
//! re-checks access and ends if it was lost. Payloads come from the event itself; no
//! per-subscriber query renders a message.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, MergedSubscription, Result, SimpleObject, Subscription};
use futures::Stream;
use futures::stream::{self, StreamExt};
use resolvers::auth::Scope;
use resolvers::events::{Event, EventKind, MembershipChange};

use crate::context::rctx;
use crate::error::{GqlResult, to_gql};
use crate::feed::Feed;
use crate::ids::{self, Kind};
use crate::types::{Chat, DeletedMessage, Message, User};

/// What happened to the users of a membership change.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MembershipChangeKind {
    /// Added by someone.
    Added,
    /// Joined by themselves.
    Joined,
    /// Removed by someone.
    Removed,
    /// Left by themselves.
    Left,
    /// Role changed.
    RoleChanged,
}

impl From<MembershipChange> for MembershipChangeKind {
    fn from(c: MembershipChange) -> Self {
        match c {
            MembershipChange::Added => MembershipChangeKind::Added,
            MembershipChange::Joined => MembershipChangeKind::Joined,
            MembershipChange::Removed => MembershipChangeKind::Removed,
            MembershipChange::Left => MembershipChangeKind::Left,
            MembershipChange::RoleChanged => MembershipChangeKind::RoleChanged,
        }
    }
}

/// A reaction added or removed.
#[derive(SimpleObject)]
pub struct ReactionChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// The message's global id.
    pub message_id: ID,
    /// The chat's global id.
    pub chat_id: ID,
    /// The message as it now is.
    pub message: Option<Message>,
    /// Who reacted.
    pub user_id: ID,
    /// With what.
    pub emoji: String,
    /// `true` when added, `false` when removed.
    pub added: bool,
}

/// Users joined, left, were added, removed, or changed role in a chat.
#[derive(SimpleObject)]
pub struct ChatMembershipChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// The chat's global id.
    pub chat_id: ID,
    /// The chat, when you can still see it.
    pub chat: Option<Chat>,
    /// The users concerned.
    pub user_ids: Vec<ID>,
    /// What happened.
    pub change: MembershipChangeKind,
    /// Who did it.
    pub actor: Option<User>,
}

/// A member's read position moved.
#[derive(SimpleObject)]
pub struct ReadStateChange {
    /// The event's cursor: pass it as `after` to resume after it.
    pub event_cursor: String,
    /// The chat's global id.
    pub chat_id: ID,
    /// The reader's global id.
    pub user_id: ID,
    /// Their new read position.
    pub last_read_message_id: ID,
}

type Item<T> = Result<T>;

/// The chat a subscription follows and, for a thread, the chat whose visibility it
/// inherits.
#[derive(Clone, Copy)]
struct Watched {
    chat_id: i64,
    parent: Option<i64>,
}

/// Events of one chat that the principal may see, until they may no longer. For a
/// thread, sight follows its parent chat, so the parent's access changes are watched too.
fn chat_events(feed: Feed, watched: Watched) -> impl Stream<Item = Item<Arc<Event>>> {
    let Watched { chat_id, parent } = watched;
    stream::unfold(Some(feed), move |state| async move {
        let mut feed = state?;
        loop {
            let ev = match feed.next().await {
                Ok(Some(ev)) => ev,
                Ok(None) => return None,
                Err(e) => return Some((Err(to_gql(e)), None)),
            };
            let own = ev.kind.chat_id() == Some(chat_id);
            let of_parent = parent.is_some() && ev.kind.chat_id() == parent;
            if !own && !of_parent {
                continue;
            }
            let rc = feed.ctx();
            if may_change_access(&ev.kind, rc.user_id()) {
                match resolvers::chats::can_read(&rc.db, &rc.principal, chat_id).await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                }
            }
            if !own {
                continue;
            }
            return Some((Ok(ev), Some(feed)));
        }
    })
}

/// Events of the principal's workspace about chats they can see (or about themselves).
fn workspace_events(feed: Feed, only_chat: Option<i64>) -> impl Stream<Item = Item<Arc<Event>>> {
    stream::unfold(Some(feed), move |state| async move {
        let mut feed = state?;
        loop {
            let ev = match feed.next().await {
                Ok(Some(ev)) => ev,
                Ok(None) => return None,
                Err(e) => return Some((Err(to_gql(e)), None)),
            };
            let Some(chat_id) = ev.kind.chat_id() else {
                continue;
            };
            if only_chat.is_some_and(|only| only != chat_id) {
                continue;
            }
            let rc = feed.ctx();
            let about_me = matches!(&ev.kind,
                EventKind::ChatMembershipChanged { user_ids, .. } if user_ids.contains(&rc.user_id()));
            if !about_me {
                match resolvers::chats::can_read(&rc.db, &rc.principal, chat_id).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => return Some((Err(to_gql(e)), None)),
                }
            }
            return Some((Ok(ev), Some(feed)));
        }
    })
}

/// The messages that `pick` finds in the events, each with its event's cursor.
fn messages_of(
    events: impl Stream<Item = Item<Arc<Event>>>,
    pick: fn(&EventKind) -> Option<&entities::messages::Model>,
) -> impl Stream<Item = Item<Message>> {
    events.filter_map(move |ev| async move {
        match ev {
            Ok(ev) => pick(&ev.kind).map(|row| {
                Ok(Message {
                    row: row.clone(),
                    event: Some(ev.clone()),
                })
            }),
            Err(e) => Some(Err(e)),
        }
    })
}

/// Decode a subscription's `after` cursor.
fn after_seq(after: Option<&str>) -> Result<Option<i64>> {
    after
        .map(|a| resolvers::events::decode_event_cursor(a, "after"))
        .transpose()
        .gql()
}

/// Whether an event may have taken away the principal's sight of its chat.
fn may_change_access(kind: &EventKind, me: i64) -> bool {
    match kind {
        EventKind::ChatMembershipChanged {
            user_ids, change, ..
        } => {
            matches!(change, MembershipChange::Removed | MembershipChange::Left)
                && user_ids.contains(&me)
        }
        EventKind::ChatUpdated { .. } | EventKind::ChatDeleted { .. } => true,
        _ => false,
    }
}

/// Start a chat subscription: authenticate, check the scope and that the chat is visible,
/// and open the feed (from `after`, when resuming).
async fn start(
    ctx: &Context<'_>,
    chat_id: &ID,
    scope: Scope,
    after: Option<&str>,
) -> Result<(Feed, Watched)> {
    let after = after_seq(after)?;
    let rc = rctx(ctx)?.clone();
    rc.require(scope).gql()?;
    let chat_id = ids::decode(chat_id, Kind::Chat, "chatId")?;
    // What `get_chat` checks, keeping the access to learn a thread's parent chat.
    rc.require(Scope::ChatsRead).gql()?;
    let access = resolvers::chats::access(&rc.db, &rc.principal, chat_id)
        .await
        .gql()?;
    let parent = access.parent.map(|p| p.chat.id);
    let feed = Feed::start(rc, after).await.gql()?;
    Ok((feed, Watched { chat_id, parent }))
}

/// Live updates of chats and messages.
#[derive(Default)]
pub struct MessagingSubscription;

#[Subscription]
impl MessagingSubscription {
    /// Messages posted to a chat (or thread) from now on.
    async fn message_added(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<Message>>> {
        let (feed, chat_id) = start(ctx, &chat_id, Scope::MessagesRead, after.as_deref()).await?;
        Ok(messages_of(chat_events(feed, chat_id), |kind| match kind {
            EventKind::MessageAdded { message } => Some(message),
            _ => None,
        }))
    }

    /// Messages of a chat edited, pinned or unpinned.
    async fn message_updated(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<Message>>> {
        let (feed, chat_id) = start(ctx, &chat_id, Scope::MessagesRead, after.as_deref()).await?;
        Ok(messages_of(chat_events(feed, chat_id), |kind| match kind {
            EventKind::MessageUpdated { message } => Some(message),
            _ => None,
        }))
    }

    /// Messages of a chat deleted.
    async fn message_deleted(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<DeletedMessage>>> {
        let (feed, chat_id) = start(ctx, &chat_id, Scope::MessagesRead, after.as_deref()).await?;
        Ok(chat_events(feed, chat_id).filter_map(|ev| async move {
            match ev {
                Ok(ev) => match &ev.kind {
                    EventKind::MessageDeleted {
                        chat_id,
                        message_id,
                    } => Some(Ok(DeletedMessage {
                        event_cursor: Some(resolvers::events::encode_event_cursor(ev.seq)),
                        id: ids::encode(Kind::Message, *message_id),
                        chat_id: ids::encode(Kind::Chat, *chat_id),
                        deleted_at: Some(ev.at),
                    })),
                    _ => None,
                },
                Err(e) => Some(Err(e)),
            }
        }))
    }

    /// Reactions added to or removed from messages of a chat.
    async fn reaction_changed(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<ReactionChange>>> {
        let (feed, chat_id) = start(ctx, &chat_id, Scope::ReactionsRead, after.as_deref()).await?;
        let db_ctx = feed.ctx().clone();
        Ok(chat_events(feed, chat_id).filter_map(move |ev| {
            let db_ctx = db_ctx.clone();
            async move {
                match ev {
                    Ok(ev) => match &ev.kind {
                        EventKind::ReactionChanged {
                            chat_id,
                            message_id,
                            user_id,
                            emoji,
                            added,
                        } => {
                            let message = resolvers::messages::get_message(&db_ctx, *message_id)
                                .await
                                .ok()
                                .map(Message);
                            Some(Ok(ReactionChange {
                                event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                                message_id: ids::encode(Kind::Message, *message_id),
                                chat_id: ids::encode(Kind::Chat, *chat_id),
                                message,
                                user_id: ids::encode(Kind::User, *user_id),
                                emoji: emoji.clone(),
                                added: *added,
                            }))
                        }
                        _ => None,
                    },
                    Err(e) => Some(Err(e)),
                }
            }
        }))
    }

    /// Membership changes in chats you can see, and every change that concerns you
    /// (being added to a private chat, being removed). Optionally for one chat.
    async fn chat_membership_changed(
        &self,
        ctx: &Context<'_>,
        chat_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<ChatMembershipChange>>> {
        let after = after_seq(after.as_deref())?;
        let rc = rctx(ctx)?.clone();
        rc.require(Scope::ChatMembersRead).gql()?;
        let only = match chat_id {
            Some(id) => {
                let id = ids::decode(&id, Kind::Chat, "chatId")?;
                resolvers::chats::get_chat(&rc, id).await.gql()?;
                Some(id)
            }
            None => None,
        };
        let db_ctx = rc.clone();
        let feed = Feed::start(rc, after).await.gql()?;
        Ok(workspace_events(feed, only).filter_map(move |ev| {
            let db_ctx = db_ctx.clone();
            async move {
                match ev {
                    Ok(ev) => match &ev.kind {
                        EventKind::ChatMembershipChanged {
                            chat_id,
                            user_ids,
                            change,
                        } => {
                            let chat = resolvers::chats::get_chat(&db_ctx, *chat_id)
                                .await
                                .ok()
                                .map(Chat);
                            let actor = resolvers::people::get_user(&db_ctx, ev.actor_id)
                                .await
                                .ok()
                                .map(User);
                            Some(Ok(ChatMembershipChange {
                                event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                                chat_id: ids::encode(Kind::Chat, *chat_id),
                                chat,
                                user_ids: user_ids
                                    .iter()
                                    .map(|id| ids::encode(Kind::User, *id))
                                    .collect(),
                                change: (*change).into(),
                                actor,
                            }))
                        }
                        _ => None,
                    },
                    Err(e) => Some(Err(e)),
                }
            }
        }))
    }

    /// Read positions moving in chats you can see (read receipts). Optionally for one chat.
    async fn read_state_changed(
        &self,
        ctx: &Context<'_>,
        chat_id: Option<ID>,
        #[graphql(
            desc = "Resume after this event cursor (from a payload's `eventCursor`): every event since is delivered, none twice."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Item<ReadStateChange>>> {
        let after = after_seq(after.as_deref())?;
        let rc = rctx(ctx)?.clone();
        rc.require(Scope::MessagesRead).gql()?;
        let only = match chat_id {
            Some(id) => {
                let id = ids::decode(&id, Kind::Chat, "chatId")?;
                resolvers::chats::get_chat(&rc, id).await.gql()?;
                Some(id)
            }
            None => None,
        };
        let feed = Feed::start(rc, after).await.gql()?;
        Ok(workspace_events(feed, only).filter_map(|ev| async move {
            match ev {
                Ok(ev) => match &ev.kind {
                    EventKind::ReadStateChanged {
                        chat_id,
                        user_id,
                        last_read_message_id,
                    } => Some(Ok(ReadStateChange {
                        event_cursor: resolvers::events::encode_event_cursor(ev.seq),
                        chat_id: ids::encode(Kind::Chat, *chat_id),
                        user_id: ids::encode(Kind::User, *user_id),
                        last_read_message_id: ids::encode(Kind::Message, *last_read_message_id),
                    })),
                    _ => None,
                },
                Err(e) => Some(Err(e)),
            }
        }))
    }
}

/// The Subscription root.
#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct Subscription(
    MessagingSubscription,
    crate::tasks::TaskSubscription,
    crate::meetings::MeetingsSubscription,
    crate::hr::HrSubscription,
);
