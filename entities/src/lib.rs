#![doc = include_str!("../README.md")]

pub mod workspaces;
pub mod departments;
pub mod users;
pub mod group_tags;
pub mod group_tag_members;
pub mod chats;
pub mod chat_members;
pub mod messages;
pub mod message_revisions;
pub mod attachments;
pub mod reactions;
pub mod api_tokens;
