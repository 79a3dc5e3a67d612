//! Relay connections built from `resolvers` pages.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};
use resolvers::pagination::{Page, encode_cursor};

use super::{Chat, ChatMember, Message, Reaction, User};

/// Messages, newest first.
pub type MessageConnection = Connection<String, Message>;
/// Chats.
pub type ChatConnection = Connection<String, Chat>;
/// Users.
pub type UserConnection = Connection<String, User>;
/// Chat members.
pub type ChatMemberConnection = Connection<String, ChatMember>;
/// Reactions.
pub type ReactionConnection = Connection<String, Reaction>;

/// Build a connection from a page: `key` gives each row's cursor key, `wrap` its node.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    key: impl Fn(&T) -> i64,
    wrap: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut conn = Connection::new(page.has_prev, page.has_next);
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|row| Edge::new(encode_cursor(key(&row)), wrap(row))),
    );
    conn
}
