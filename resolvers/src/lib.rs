#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod avatars;
pub mod bus;
pub mod chats;
mod ctx;
pub mod db;
mod error;
pub mod events;
pub mod files;
pub mod hr;
pub mod idempotency;
pub mod integrations;
pub mod meetings;
pub mod messages;
pub mod pagination;
pub mod people;
pub mod rate;
pub mod search;
pub mod seed;
mod sql;
pub mod webhooks;
// Tasks and custom properties.
pub mod custom_properties;
pub mod tasks;

pub use ctx::{Credential, Ctx, Env, Origin, Principal, write_txn};
pub use error::{Error, OnConstraint, Result};
