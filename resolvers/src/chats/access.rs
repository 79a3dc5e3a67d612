//! The one place that decides who may see, post in and manage a chat.

use std::fmt;
use std::str::FromStr;

use entities::{chat_members, chats, messages};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
};

use crate::ctx::Principal;
use crate::people::Role;
use crate::{Error, Result};

/// The kind of a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatKind {
    /// Announcement channel: chat admins and editors post, members read (and reply in threads).
    Channel,
    /// Group conversation: every member posts.
    Group,
    /// Direct conversation between two users (or one user with themselves).
    Direct,
    /// Thread attached to a root message.
    Thread,
}

impl ChatKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Channel => "channel",
            ChatKind::Group => "group",
            ChatKind::Direct => "direct",
            ChatKind::Thread => "thread",
        }
    }
}

impl FromStr for ChatKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "channel" => Ok(ChatKind::Channel),
            "group" => Ok(ChatKind::Group),
            "direct" => Ok(ChatKind::Direct),
            "thread" => Ok(ChatKind::Thread),
            other => Err(Error::invalid(
                "kind",
                format!("unknown chat kind `{other}`"),
            )),
        }
    }
}

/// A member's role in a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatRole {
    /// Manages the chat and its members.
    Admin,
    /// Posts in channels.
    Editor,
    /// Reads, and posts in group conversations.
    Member,
}

impl ChatRole {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatRole::Admin => "admin",
            ChatRole::Editor => "editor",
            ChatRole::Member => "member",
        }
    }
}

impl fmt::Display for ChatRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChatRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "admin" => Ok(ChatRole::Admin),
            "editor" => Ok(ChatRole::Editor),
            "member" => Ok(ChatRole::Member),
            other => Err(Error::invalid(
                "role",
                format!("unknown chat role `{other}`"),
            )),
        }
    }
}

/// A chat the principal can see, with their membership (if any).
#[derive(Clone, Debug)]
pub struct Access {
    /// The chat.
    pub chat: chats::Model,
    /// The principal's membership of the chat, if they are a member.
    pub membership: Option<chat_members::Model>,
    /// For a thread: the chat of its root message, as the principal sees it.
    pub parent: Option<Box<Access>>,
    /// Whom it was decided for (workspace, user, role): only [`access`] makes an
    /// `Access`, so a function given one may trust it for that principal (and no other).
    decided_for: (i64, i64, Role),
}

impl Access {
    /// Whether this decision was made for `p` (and may stand in for deciding again).
    pub fn decided_for(&self, p: &Principal) -> bool {
        self.decided_for == (p.workspace_id, p.user_id, p.role)
    }

    /// The chat's kind.
    pub fn kind(&self) -> Result<ChatKind> {
        self.chat.kind.parse()
    }

    /// The principal's role in the chat, if a member.
    pub fn role(&self) -> Option<ChatRole> {
        self.membership.as_ref().and_then(|m| m.role.parse().ok())
    }

    /// May the principal manage the chat (rename, archive, add and remove members)?
    pub fn ensure_manager(&self, p: &Principal) -> Result<()> {
        if p.is_admin() || self.role() == Some(ChatRole::Admin) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "only the chat's admins can do this".into(),
            ))
        }
    }

    /// May the principal post a message here?
    pub fn ensure_can_post(&self, p: &Principal) -> Result<()> {
        if self.chat.archived_at.is_some() {
            return Err(Error::conflict("chatId", "the chat is archived"));
        }
        match self.kind()? {
            // Whoever sees the root message may reply in its thread.
            ChatKind::Thread => match &self.parent {
                Some(parent) if parent.chat.archived_at.is_some() => {
                    Err(Error::conflict("chatId", "the chat is archived"))
                }
                Some(_) => Ok(()),
                // A standalone thread: its members post.
                None if self.membership.is_some() => Ok(()),
                None => Err(Error::NotFound("chat")),
            },
            ChatKind::Channel => match self.role() {
                Some(ChatRole::Admin | ChatRole::Editor) => Ok(()),
                Some(ChatRole::Member) if p.is_admin() => Ok(()),
                // A workspace-level token posts in any channel (joining it as it does).
                None if p.is_workspace_level() => Ok(()),
                Some(ChatRole::Member) => Err(Error::Forbidden(
                    "only the channel's admins and editors can post; reply in a thread instead"
                        .into(),
                )),
                None => Err(Error::Forbidden("join the chat before posting".into())),
            },
            ChatKind::Group | ChatKind::Direct => match self.membership {
                Some(_) => Ok(()),
                None if p.is_workspace_level() && self.kind()? == ChatKind::Group => Ok(()),
                None => Err(Error::Forbidden("join the chat before posting".into())),
            },
        }
    }
}

/// The chat `chat_id` as `p` may see it, or "chat not found" — the same answer for a
/// chat that does not exist, belongs to another workspace, or is private to others.
pub async fn access<C: ConnectionTrait>(db: &C, p: &Principal, chat_id: i64) -> Result<Access> {
    // The chat and the principal's membership of it, in one statement.
    let (chat, membership) = chats::Entity::find_by_id(chat_id)
        .filter(chats::Column::WorkspaceId.eq(p.workspace_id))
        .select_also(chat_members::Entity)
        .join(JoinType::LeftJoin, membership_of(p.user_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("chat"))?;
    let kind: ChatKind = chat.kind.parse()?;
    if kind == ChatKind::Thread {
        // A standalone thread (no root message) is visible to its members only.
        let Some(root_id) = chat.root_message_id else {
            if membership.is_none() {
                return Err(Error::NotFound("chat"));
            }
            return Ok(Access {
                chat,
                membership,
                parent: None,
                decided_for: (p.workspace_id, p.user_id, p.role),
            });
        };
        let root = messages::Entity::find_by_id(root_id)
            .filter(messages::Column::WorkspaceId.eq(p.workspace_id))
            .one(db)
            .await?
            .ok_or(Error::NotFound("chat"))?;
        let parent = Box::pin(access(db, p, root.chat_id)).await?;
        return Ok(Access {
            chat,
            membership,
            parent: Some(Box::new(parent)),
            decided_for: (p.workspace_id, p.user_id, p.role),
        });
    }
    let visible = membership.is_some()
        || (chat.is_public
            && p.role != Role::Guest
            && matches!(kind, ChatKind::Channel | ChatKind::Group))
        // A workspace-level token (Messaging API v1) sees every channel and group.
        || (p.is_workspace_level() && matches!(kind, ChatKind::Channel | ChatKind::Group));
    if !visible {
        return Err(Error::NotFound("chat"));
    }
    Ok(Access {
        chat,
        membership,
        parent: None,
        decided_for: (p.workspace_id, p.user_id, p.role),
    })
}

/// A chat's membership row of `user_id`, for a `LEFT JOIN` from `chats`.
fn membership_of(user_id: i64) -> RelationDef {
    chats::Entity::belongs_to(chat_members::Entity)
        .from(chats::Column::Id)
        .to(chat_members::Column::ChatId)
        .on_condition(move |_chat, member| {
            Expr::col((member, chat_members::Column::UserId))
                .eq(user_id)
                .into_condition()
        })
        .into()
}

/// Whether `p` may see chat `chat_id` (for filtering events).
pub async fn can_read<C: ConnectionTrait>(db: &C, p: &Principal, chat_id: i64) -> Result<bool> {
    match access(db, p, chat_id).await {
        Ok(_) => Ok(true),
        Err(Error::NotFound(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The ids of the chats `p` may see, as a subquery: the same rule as [`access`] in SQL
/// (membership; public channels and groups for non-guests; a thread while its root
/// message's chat is visible), for lists that filter by chat visibility in one statement.
pub fn visible_chat_ids(p: &Principal) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Condition, Query};
    let mine = Query::select()
        .column(chat_members::Column::ChatId)
        .from(chat_members::Entity)
        .and_where(chat_members::Column::UserId.eq(p.user_id))
        .to_owned();
    let open_kinds = [ChatKind::Channel.as_str(), ChatKind::Group.as_str()];
    let mut own = Condition::any().add(chats::Column::Id.in_subquery(mine.clone()));
    let mut roots = Condition::any().add(messages::Column::ChatId.in_subquery(mine));
    if p.role != Role::Guest {
        own = own.add(
            Condition::all()
                .add(chats::Column::IsPublic.eq(true))
                .add(chats::Column::Kind.is_in(open_kinds)),
        );
        let public = Query::select()
            .column(chats::Column::Id)
            .from(chats::Entity)
            .and_where(chats::Column::WorkspaceId.eq(p.workspace_id))
            .and_where(chats::Column::IsPublic.eq(true))
            .and_where(chats::Column::Kind.is_in(open_kinds))
            .to_owned();
        roots = roots.add(messages::Column::ChatId.in_subquery(public));
    }
    let visible_roots = Query::select()
        .column(messages::Column::Id)
        .from(messages::Entity)
        .and_where(messages::Column::WorkspaceId.eq(p.workspace_id))
        .cond_where(roots)
        .to_owned();
    Query::select()
        .column(chats::Column::Id)
        .from(chats::Entity)
        .and_where(chats::Column::WorkspaceId.eq(p.workspace_id))
        .cond_where(
            Condition::any()
                .add(
                    Condition::all()
                        .add(chats::Column::Kind.ne(ChatKind::Thread.as_str()))
                        .add(own),
                )
                .add(
                    Condition::all()
                        .add(chats::Column::Kind.eq(ChatKind::Thread.as_str()))
                        .add(chats::Column::RootMessageId.in_subquery(visible_roots)),
                ),
        )
        .to_owned()
}
