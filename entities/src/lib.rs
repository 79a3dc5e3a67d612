#![doc = include_str!("../README.md")]

pub mod api_tokens;
pub mod attachments;
pub mod chat_members;
pub mod chats;
pub mod departments;
pub mod group_tag_members;
pub mod group_tags;
pub mod message_revisions;
pub mod messages;
pub mod reactions;
pub mod users;
pub mod workspaces;
