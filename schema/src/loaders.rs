//! Per-request DataLoaders over the `resolvers` batch functions.
//!
//! Each loader turns one batch of keys into one SQL statement, so a page of messages
//! costs the same number of statements at any page size. Loaders are built per request
//! (or per WebSocket connection) for one principal, and never cache across requests.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{attachments, chat_members, chats, departments, messages, users};
use resolvers::Ctx;
use resolvers::messages::batch::{self, ReactionGroup, ThreadSummary};

/// The error type of every loader: cheap to clone, already a GraphQL error.
pub type LoadError = Arc<async_graphql::Error>;

fn err(e: resolvers::Error) -> LoadError {
    Arc::new(crate::error::to_gql(e))
}

macro_rules! loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, |$ctx:ident, $keys:ident| $body:expr) => {
        $(#[$doc])*
        pub struct $name(Ctx);

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, $keys: &[i64]) -> Result<HashMap<i64, $value>, LoadError> {
                let $ctx = &self.0;
                $body.await.map_err(err)
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
    ReactionLoader, Vec<ReactionGroup>, |c, keys| batch::reaction_groups(&c.db, c.workspace_id(), c.user_id(), keys)
);
loader!(
    /// Attachments by message id.
    AttachmentLoader, Vec<attachments::Model>, |c, keys| batch::attachments(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Thread summaries by root message id.
    ThreadLoader, ThreadSummary, |c, keys| batch::thread_summaries(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Read counts by message id.
    ReadCountLoader, i64, |c, keys| batch::read_counts(&c.db, c.workspace_id(), keys)
);
loader!(
    /// The viewer's unread counts by chat id.
    UnreadLoader, i64, |c, keys| batch::unread_counts(&c.db, c.workspace_id(), c.user_id(), keys)
);
loader!(
    /// Member counts by chat id.
    MemberCountLoader, i64, |c, keys| resolvers::chats::member_counts(&c.db, c.workspace_id(), keys)
);
loader!(
    /// The viewer's memberships by chat id.
    MembershipLoader, chat_members::Model, |c, keys| resolvers::chats::memberships_of(&c.db, c.user_id(), keys)
);
loader!(
    /// Departments by id.
    DepartmentLoader, departments::Model, |c, keys| resolvers::people::departments_by_ids(&c.db, c.workspace_id(), keys)
);
loader!(
    /// Group tag member ids by tag id.
    TagMembersLoader, Vec<i64>, |c, keys| resolvers::people::group_tag_member_ids(&c.db, c.workspace_id(), keys)
);

/// Every loader of one request.
pub struct Loaders {
    /// Users by id.
    pub users: DataLoader<UserLoader>,
    /// Chats by id.
    pub chats: DataLoader<ChatLoader>,
    /// Messages by id.
    pub messages: DataLoader<MessageLoader>,
    /// Reaction groups by message id.
    pub reactions: DataLoader<ReactionLoader>,
    /// Attachments by message id.
    pub attachments: DataLoader<AttachmentLoader>,
    /// Thread summaries by root message id.
    pub threads: DataLoader<ThreadLoader>,
    /// Read counts by message id.
    pub read_counts: DataLoader<ReadCountLoader>,
    /// Unread counts by chat id.
    pub unread: DataLoader<UnreadLoader>,
    /// Member counts by chat id.
    pub member_counts: DataLoader<MemberCountLoader>,
    /// The viewer's memberships by chat id.
    pub memberships: DataLoader<MembershipLoader>,
    /// Departments by id.
    pub departments: DataLoader<DepartmentLoader>,
    /// Tag members by tag id.
    pub tag_members: DataLoader<TagMembersLoader>,
}

impl Loaders {
    /// Loaders for one principal.
    pub fn new(ctx: &Ctx) -> Self {
        fn dl<L: Send + Sync + 'static>(l: L) -> DataLoader<L> {
            DataLoader::new(l, tokio::spawn)
        }
        Loaders {
            users: dl(UserLoader(ctx.clone())),
            chats: dl(ChatLoader(ctx.clone())),
            messages: dl(MessageLoader(ctx.clone())),
            reactions: dl(ReactionLoader(ctx.clone())),
            attachments: dl(AttachmentLoader(ctx.clone())),
            threads: dl(ThreadLoader(ctx.clone())),
            read_counts: dl(ReadCountLoader(ctx.clone())),
            unread: dl(UnreadLoader(ctx.clone())),
            member_counts: dl(MemberCountLoader(ctx.clone())),
            memberships: dl(MembershipLoader(ctx.clone())),
            departments: dl(DepartmentLoader(ctx.clone())),
            tag_members: dl(TagMembersLoader(ctx.clone())),
        }
    }
}

/// Map a loader error back to a GraphQL error.
pub fn load_err(e: LoadError) -> async_graphql::Error {
    (*e).clone()
}
