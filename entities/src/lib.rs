#![doc = include_str!("../README.md")]

pub mod api_tokens;
pub mod attachments;
pub mod chat_group_tags;
pub mod chat_members;
pub mod chats;
pub mod departments;
pub mod events;
pub mod group_tag_members;
pub mod group_tags;
pub mod idempotency_keys;
pub mod message_revisions;
pub mod messages;
pub mod reactions;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod workspace_cursors;
pub mod workspaces;
// Tasks and custom properties.
pub mod custom_properties;
pub mod custom_property_values;
pub mod task_dependencies;
pub mod task_performers;
pub mod tasks;
