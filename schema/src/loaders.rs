//! Per-request DataLoaders over the `resolvers` batch functions.
//!
//! Each loader turns one batch of keys into one SQL statement. Loaders are built per
//! request (or per WebSocket connection) for one principal and never outlive it.
//!
//! Over HTTP the loaders cache for the one request, and list resolvers *prime* them
//! ([`prefetch_messages`], [`prefetch_chats`]): the relations the query selects (by
//! look-ahead) are loaded for the whole page in one statement each before any node
//! resolves. The statement count of a page is then fixed by the query's shape, not by
//! how the batch window of the DataLoader happens to fall. On a WebSocket the cache is
//! off, since one connection lives through many events.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Result};
use entities::{
    attachments, chat_members, chats, departments, hr_leave_types, hr_sites, messages, users,
};
use resolvers::Ctx;
use resolvers::messages::batch::{self, ReactionGroup, ThreadSummary};

/// The error type of every loader: cheap to clone, already a GraphQL error.
pub type LoadError = Arc<async_graphql::Error>;

fn err(e: resolvers::Error) -> LoadError {
    Arc::new(crate::error::to_gql(e))
}

macro_rules! loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, |$ctx:ident, $keys:ident| $body:expr) => {
        loader!(@impl $(#[$doc])* $name, $value, |$ctx, $keys| $body, |_map, _keys| {});
    };
    // A loader whose absent keys mean "none": every key gets an entry (empty, zero),
    // so a cached miss never triggers a second statement.
    ($(#[$doc:meta])* $name:ident, $value:ty, total |$ctx:ident, $keys:ident| $body:expr) => {
        loader!(@impl $(#[$doc])* $name, $value, |$ctx, $keys| $body, |map, keys| {
            for key in keys {
                map.entry(*key).or_default();
            }
        });
    };
    (@impl $(#[$doc:meta])* $name:ident, $value:ty, |$ctx:ident, $keys:ident| $body:expr, |$map:ident, $k:ident| $fill:block) => {
        $(#[$doc])*
        pub struct $name(Ctx);

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, $keys: &[i64]) -> std::result::Result<HashMap<i64, $value>, LoadError> {
                let $ctx = &self.0;
                #[allow(unused_mut)]
                let mut $map = $body.await.map_err(err)?;
                let $k = $keys;
                $fill
                Ok($map)
            }
        }
    };
}

loader!(
    /// Users by id.
    UserLoader, users::Model, |c, keys| resolvers::people::users_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Chats by id (visibility is checked by whoever holds the id).
    ChatLoader, chats::Model, |c, keys| resolvers::chats::chats_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Live messages by id.
    MessageLoader, messages::Model, |c, keys| batch::messages_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Reaction groups by message id, with the viewer's own marked.
    ReactionLoader, Vec<ReactionGroup>, total |c, keys| batch::reaction_groups(&c.db, c.workspace_id(), c.user_id(), keys)
);
loader!(
    /// Attachments by message id.
    AttachmentLoader, Vec<attachments::Model>, total |c, keys| batch::attachments(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Thread summaries by root message id.
    ThreadLoader, Option<ThreadSummary>, total |c, keys| async {
        let found = batch::thread_summaries(&c.db, c.workspace_id(), keys).await?;
        Ok::<_, resolvers::Error>(found.into_iter().map(|(k, v)| (k, Some(v))).collect::<HashMap<_, _>>())
    }
);
loader!(
    /// Read counts by message id.
    ReadCountLoader, i64, total |c, keys| batch::read_counts(&c.db, c.workspace_id(), keys)
);
loader!(
    /// The viewer's unread counts by chat id.
    UnreadLoader, i64, total |c, keys| batch::unread_counts(&c.db, c.workspace_id(), c.user_id(), keys)
);
loader!(
    /// Member counts by chat id.
    MemberCountLoader, i64, total |c, keys| resolvers::chats::member_counts(&c.db, c.workspace_id(), keys)
);
loader!(
    /// The viewer's memberships by chat id.
    MembershipLoader, Option<chat_members::Model>, total |c, keys| async {
        let found = resolvers::chats::memberships_of(&c.db, c.user_id(), keys).await?;
        Ok::<_, resolvers::Error>(found.into_iter().map(|(k, v)| (k, Some(v))).collect::<HashMap<_, _>>())
    }
);
loader!(
    /// Departments by id.
    DepartmentLoader, departments::Model, |c, keys| resolvers::people::departments_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Group tag member ids by tag id.
    TagMembersLoader, Vec<i64>, total |c, keys| resolvers::people::group_tag_member_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// HR sites by id.
    SiteLoader, hr_sites::Model, |c, keys| resolvers::hr::sites::sites_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Leave types by id.
    LeaveTypeLoader, hr_leave_types::Model, |c, keys| resolvers::hr::leave::leave_types_by_ids(&c.db, c.workspace_id(), keys)
);

/// Every loader of one request.
pub struct Loaders {
    /// Users by id.
    pub users: Lazy<UserLoader>,
    /// Chats by id.
    pub chats: Lazy<ChatLoader>,
    /// Messages by id.
    pub messages: Lazy<MessageLoader>,
    /// Reaction groups by message id.
    pub reactions: Lazy<ReactionLoader>,
    /// Attachments by message id.
    pub attachments: Lazy<AttachmentLoader>,
    /// Thread summaries by root message id.
    pub threads: Lazy<ThreadLoader>,
    /// Read counts by message id.
    pub read_counts: Lazy<ReadCountLoader>,
    /// Unread counts by chat id.
    pub unread: Lazy<UnreadLoader>,
    /// Member counts by chat id.
    pub member_counts: Lazy<MemberCountLoader>,
    /// The viewer's memberships by chat id.
    pub memberships: Lazy<MembershipLoader>,
    /// Departments by id.
    pub departments: Lazy<DepartmentLoader>,
    /// Tag members by tag id.
    pub tag_members: Lazy<TagMembersLoader>,
    /// HR sites by id.
    pub sites: Lazy<SiteLoader>,
    /// Leave types by id.
    pub leave_types: Lazy<LeaveTypeLoader>,
}

impl Loaders {
    /// Loaders for one principal; `cache` for one request, not for a long-lived socket.
    pub fn new(ctx: &Ctx, cache: bool) -> Self {
        let base = Base::new(ctx, cache);
        Loaders {
            users: Lazy::new(&base, UserLoader),
            chats: Lazy::new(&base, ChatLoader),
            messages: Lazy::new(&base, MessageLoader),
            reactions: Lazy::new(&base, ReactionLoader),
            attachments: Lazy::new(&base, AttachmentLoader),
            threads: Lazy::new(&base, ThreadLoader),
            read_counts: Lazy::new(&base, ReadCountLoader),
            unread: Lazy::new(&base, UnreadLoader),
            member_counts: Lazy::new(&base, MemberCountLoader),
            memberships: Lazy::new(&base, MembershipLoader),
            departments: Lazy::new(&base, DepartmentLoader),
            tag_members: Lazy::new(&base, TagMembersLoader),
            sites: Lazy::new(&base, SiteLoader),
            leave_types: Lazy::new(&base, LeaveTypeLoader),
        }
    }
}

/// What every loader of one request (or socket) is built from.
pub struct Base {
    ctx: Ctx,
    cache: bool,
}

impl Base {
    /// The principal's context; `cache` for one request, not for a long-lived socket.
    pub fn new(ctx: &Ctx, cache: bool) -> Arc<Base> {
        Arc::new(Base {
            ctx: ctx.clone(),
            cache,
        })
    }
}

/// A DataLoader built on its first use. A request touches a few of the loaders and a
/// socket holds all of them for its lifetime, so building every one up front (each
/// with its own state, cache and copy of the context) cost every request and every
/// idle socket for loaders it never used.
pub struct Lazy<L> {
    base: Arc<Base>,
    make: fn(Ctx) -> L,
    cell: OnceLock<DataLoader<L, HashMapCache>>,
}

impl<L: Send + Sync + 'static> Lazy<L> {
    /// A loader made by `make` from the base's context when first used.
    pub fn new(base: &Arc<Base>, make: fn(Ctx) -> L) -> Self {
        Lazy {
            base: base.clone(),
            make,
            cell: OnceLock::new(),
        }
    }
}

impl<L: Send + Sync + 'static> std::ops::Deref for Lazy<L> {
    type Target = DataLoader<L, HashMapCache>;

    fn deref(&self) -> &Self::Target {
        self.cell.get_or_init(|| {
            let loader = DataLoader::with_cache(
                (self.make)(self.base.ctx.clone()),
                tokio::spawn,
                HashMapCache::default(),
            );
            loader.enable_all_cache(self.base.cache);
            loader
        })
    }
}

/// Whether a connection of messages selects `edges.node.author` (its authors can then
/// be read with the page).
pub fn selects_author(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<Loaders>().is_some()
        && ctx
            .look_ahead()
            .field("edges")
            .field("node")
            .field("author")
            .exists()
}

/// Prime the request's user loader with people already read.
pub async fn feed_users(ctx: &Context<'_>, users: Vec<users::Model>) {
    if let Some(l) = ctx.data_opt::<Loaders>()
        && !users.is_empty()
    {
        l.users
            .feed_many(users.into_iter().map(|u| (u.id, u)))
            .await;
    }
}

/// Prime the loaders with the relations a page of messages selects (`edges.node.*`).
pub async fn prefetch_messages(ctx: &Context<'_>, rows: &[messages::Model]) -> Result<()> {
    let Some(l) = ctx.data_opt::<Loaders>() else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let authors: Vec<i64> = rows.iter().map(|m| m.author_id).collect();
    let sel = |f: &str| node.field(f).exists();
    let (a, b, c, d, e) = futures::join!(
        async {
            if sel("author") {
                l.users.load_many(authors).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("reactions") {
                l.reactions.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("attachments") {
                l.attachments.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("threadReplyCount") || sel("thread") {
                l.threads.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("readCount") {
                l.read_counts.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
    );
    a.and(b).and(c).and(d).and(e).map_err(load_err)
}

/// Prime the loaders with the relations a page of chats selects (`edges.node.*`).
pub async fn prefetch_chats(ctx: &Context<'_>, rows: &[chats::Model]) -> Result<()> {
    let Some(l) = ctx.data_opt::<Loaders>() else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let sel = |f: &str| node.field(f).exists();
    let (a, b, c) = futures::join!(
        async {
            if sel("unreadCount") {
                l.unread.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("memberCount") {
                l.member_counts.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("viewerRole") || sel("viewerLastReadMessageId") {
                l.memberships.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
    );
    a.and(b).and(c).map_err(load_err)
}

/// Map a loader error back to a GraphQL error.
pub fn load_err(e: LoadError) -> async_graphql::Error {
    (*e).clone()
}
