//! Per-request DataLoaders of the tasks area, over `resolvers::tasks::batch` and
//! `resolvers::custom_properties::values_of`: one statement per batch, for one
//! principal (the `visible_*` loaders apply its visibility rule in that statement).
//!
//! As for messages, list resolvers prime them for a whole page ([`prefetch_tasks`]), so
//! a page's statement count is fixed by the query's shape, not by its size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Result};
use entities::{chats, messages, tasks};
use resolvers::Ctx;
use resolvers::custom_properties::{EntityType, PropertyValue, values_of};
use resolvers::tasks::batch::{self, BlockerRef};

use crate::loaders::{Base, Lazy, LoadError, Loaders, load_err};

fn err(e: resolvers::Error) -> LoadError {
    Arc::new(crate::error::to_gql(e))
}

macro_rules! task_loader {
    // Total loaders: absent keys mean "none", so a cached miss never costs a second statement.
    (@fill true, $map:ident, $keys:ident) => {
        for key in $keys {
            $map.entry(*key).or_default();
        }
    };
    (@fill false, $map:ident, $keys:ident) => {};
    ($(#[$doc:meta])* $name:ident, $value:ty, $total:tt, |$ctx:ident, $keys:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name(Ctx);

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, $keys: &[i64]) -> std::result::Result<HashMap<i64, $value>, LoadError> {
                let $ctx = &self.0;
                #[allow(unused_mut)]
                let mut map = $body.await.map_err(err)?;
                task_loader!(@fill $total, map, $keys);
                Ok(map)
            }
        }
    };
}

task_loader!(
    /// Performer ids by task id.
    PerformersLoader, Vec<i64>, true, |c, keys| batch::performer_ids(&c.db, c.workspace_id(), keys)
);
task_loader!(
    /// Blockers (with their status) by task id.
    BlockersLoader, Vec<BlockerRef>, true, |c, keys| batch::blockers(&c.db, c.workspace_id(), keys)
);
task_loader!(
    /// Blocked task ids by blocker id.
    BlockingLoader, Vec<i64>, true, |c, keys| batch::blocking(&c.db, c.workspace_id(), keys)
);
task_loader!(
    /// Tasks the viewer can see, by id.
    VisibleTaskLoader, tasks::Model, false, |c, keys| batch::visible_tasks_by_ids(&c.db, &c.principal, keys)
);
task_loader!(
    /// Tasks the viewer can see, by source message id.
    MessageTasksLoader, Vec<tasks::Model>, true, |c, keys| batch::visible_tasks_by_message(&c.db, &c.principal, keys)
);
task_loader!(
    /// Chats the viewer can see, by id.
    VisibleChatLoader, chats::Model, false, |c, keys| batch::visible_chats_by_ids(&c.db, &c.principal, keys)
);
task_loader!(
    /// Live messages the viewer can see, by id.
    VisibleMessageLoader, messages::Model, false, |c, keys| batch::visible_messages_by_ids(&c.db, &c.principal, keys)
);
task_loader!(
    /// Task custom property values by task id.
    TaskPropsLoader, Vec<PropertyValue>, true, |c, keys| values_of(&c.db, c.workspace_id(), EntityType::Task, keys)
);
task_loader!(
    /// User custom property values by user id.
    UserPropsLoader, Vec<PropertyValue>, true, |c, keys| values_of(&c.db, c.workspace_id(), EntityType::User, keys)
);

/// Every loader of the tasks area for one request (or socket).
pub struct TaskLoaders {
    /// Performer ids by task id.
    pub performers: Lazy<PerformersLoader>,
    /// Blockers by task id.
    pub blockers: Lazy<BlockersLoader>,
    /// Blocked task ids by blocker id.
    pub blocking: Lazy<BlockingLoader>,
    /// Visible tasks by id.
    pub tasks: Lazy<VisibleTaskLoader>,
    /// Visible tasks by source message id.
    pub message_tasks: Lazy<MessageTasksLoader>,
    /// Visible chats by id.
    pub chats: Lazy<VisibleChatLoader>,
    /// Visible messages by id.
    pub messages: Lazy<VisibleMessageLoader>,
    /// Task custom properties by task id.
    pub task_props: Lazy<TaskPropsLoader>,
    /// User custom properties by user id.
    pub user_props: Lazy<UserPropsLoader>,
}

impl TaskLoaders {
    /// Loaders for one principal; `cache` for one request, not for a long-lived socket.
    pub fn new(ctx: &Ctx, cache: bool) -> Self {
        let base = Base::new(ctx, cache);
        TaskLoaders {
            performers: Lazy::new(&base, PerformersLoader),
            blockers: Lazy::new(&base, BlockersLoader),
            blocking: Lazy::new(&base, BlockingLoader),
            tasks: Lazy::new(&base, VisibleTaskLoader),
            message_tasks: Lazy::new(&base, MessageTasksLoader),
            chats: Lazy::new(&base, VisibleChatLoader),
            messages: Lazy::new(&base, VisibleMessageLoader),
            task_props: Lazy::new(&base, TaskPropsLoader),
            user_props: Lazy::new(&base, UserPropsLoader),
        }
    }
}

/// The request's task loaders.
pub fn task_loaders<'a>(ctx: &Context<'a>) -> Result<&'a TaskLoaders> {
    ctx.data_opt::<TaskLoaders>()
        .ok_or_else(crate::error::unauthenticated)
}

/// Prime the loaders with the relations a page of tasks selects (`edges.node.*`),
/// one statement per relation for the whole page.
pub async fn prefetch_tasks(ctx: &Context<'_>, rows: &[tasks::Model]) -> Result<()> {
    let (Some(l), Some(core)) = (ctx.data_opt::<TaskLoaders>(), ctx.data_opt::<Loaders>()) else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let node = ctx.look_ahead().field("edges").field("node");
    let sel = |f: &str| node.field(f).exists();
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let chat_ids: Vec<i64> = rows.iter().filter_map(|t| t.chat_id).collect();
    let message_ids: Vec<i64> = rows.iter().filter_map(|t| t.source_message_id).collect();
    let (performers, blockers, blocking, props, chats, messages) = futures::join!(
        async {
            if sel("performers") {
                l.performers.load_many(ids.clone()).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if sel("blockers") || sel("isBlocked") {
                l.blockers.load_many(ids.clone()).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if sel("blocking") {
                l.blocking.load_many(ids.clone()).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if sel("customProperties") {
                l.task_props.load_many(ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("chat") && !chat_ids.is_empty() {
                l.chats.load_many(chat_ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if sel("message") && !message_ids.is_empty() {
                l.messages.load_many(message_ids.clone()).await.map(drop)
            } else {
                Ok(())
            }
        },
    );
    props.and(chats).and(messages).map_err(load_err)?;
    // Second level: the users and tasks those relations name.
    let mut users: Vec<i64> = Vec::new();
    if sel("creator") {
        users.extend(rows.iter().map(|t| t.creator_id));
    }
    if let Some(found) = performers.map_err(load_err)? {
        users.extend(found.into_values().flatten());
    }
    let mut related: Vec<i64> = Vec::new();
    if sel("blockers")
        && let Some(found) = blockers.map_err(load_err)?
    {
        related.extend(found.into_values().flatten().map(|b| b.id));
    }
    if let Some(found) = blocking.map_err(load_err)? {
        related.extend(found.into_values().flatten());
    }
    let (a, b) = futures::join!(
        async {
            if users.is_empty() {
                Ok(())
            } else {
                core.users.load_many(users.clone()).await.map(drop)
            }
        },
        async {
            if related.is_empty() {
                Ok(())
            } else {
                l.tasks.load_many(related.clone()).await.map(drop)
            }
        },
    );
    a.and(b).map_err(load_err)
}
