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
use std::sync::Arc;

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
    pub users: DataLoader<UserLoader, HashMapCache>,
    /// Chats by id.
    pub chats: DataLoader<ChatLoader, HashMapCache>,
    /// Messages by id.
    pub messages: DataLoader<MessageLoader, HashMapCache>,
    /// Reaction groups by message id.
    pub reactions: DataLoader<ReactionLoader, HashMapCache>,
    /// Attachments by message id.
    pub attachments: DataLoader<AttachmentLoader, HashMapCache>,
    /// Thread summaries by root message id.
    pub threads: DataLoader<ThreadLoader, HashMapCache>,
    /// Read counts by message id.
    pub read_counts: DataLoader<ReadCountLoader, HashMapCache>,
    /// Unread counts by chat id.
    pub unread: DataLoader<UnreadLoader, HashMapCache>,
    /// Member counts by chat id.
    pub member_counts: DataLoader<MemberCountLoader, HashMapCache>,
    /// The viewer's memberships by chat id.
    pub memberships: DataLoader<MembershipLoader, HashMapCache>,
    /// Departments by id.
    pub departments: DataLoader<DepartmentLoader, HashMapCache>,
    /// Tag members by tag id.
    pub tag_members: DataLoader<TagMembersLoader, HashMapCache>,
    /// HR sites by id.
    pub sites: DataLoader<SiteLoader, HashMapCache>,
    /// Leave types by id.
    pub leave_types: DataLoader<LeaveTypeLoader, HashMapCache>,
}

impl Loaders {
    /// Loaders for one principal; `cache` for one request, not for a long-lived socket.
    pub fn new(ctx: &Ctx, cache: bool) -> Self {
        fn dl<L: Send + Sync + 'static>(l: L, cache: bool) -> DataLoader<L, HashMapCache> {
            let loader = DataLoader::with_cache(l, tokio::spawn, HashMapCache::default());
            loader.enable_all_cache(cache);
            loader
        }
        Loaders {
            users: dl(UserLoader(ctx.clone()), cache),
            chats: dl(ChatLoader(ctx.clone()), cache),
            messages: dl(MessageLoader(ctx.clone()), cache),
            reactions: dl(ReactionLoader(ctx.clone()), cache),
            attachments: dl(AttachmentLoader(ctx.clone()), cache),
            threads: dl(ThreadLoader(ctx.clone()), cache),
            read_counts: dl(ReadCountLoader(ctx.clone()), cache),
            unread: dl(UnreadLoader(ctx.clone()), cache),
            member_counts: dl(MemberCountLoader(ctx.clone()), cache),
            memberships: dl(MembershipLoader(ctx.clone()), cache),
            departments: dl(DepartmentLoader(ctx.clone()), cache),
            tag_members: dl(TagMembersLoader(ctx.clone()), cache),
            sites: dl(SiteLoader(ctx.clone()), cache),
            leave_types: dl(LeaveTypeLoader(ctx.clone()), cache),
        }
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
