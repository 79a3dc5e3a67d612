//! GraphQL object and input types: thin wrappers over `entities` rows whose fields call
//! `resolvers` (directly or through loaders). No rule lives here.

mod chat;
mod connection;
/// Meetings ("Pulse").
pub mod meeting;
mod message;
mod people;

pub use chat::{Chat, ChatKindGql, ChatMember, ChatMemberRole, CreateChatInput, UpdateChatInput};
pub use connection::{
    ChatConnection, ChatMemberConnection, MessageConnection, ReactionConnection, UserConnection,
    connection,
};
pub use message::{
    Attachment, AttachmentInput, ButtonClick, DeletedMessage, Message, MessageKindGql,
    MessageRevision, Reaction, ReactionGroup, SendMessageInput,
};
pub use people::{
    ApiToken, CreateApiTokenInput, CreatedApiToken, Department, GroupTag, RateLimit,
    RateLimitCategory, RateLimitInput, SetStatusInput, User, UserStatus, Workspace, WorkspaceRole,
};

/// The complexity of a connection field: its page size times its selection.
pub(crate) fn page_cost(first: Option<i32>, child: usize) -> usize {
    let n = first.unwrap_or(20).clamp(1, 100);
    usize::try_from(n)
        .unwrap_or(100)
        .saturating_mul(child.max(1))
}
