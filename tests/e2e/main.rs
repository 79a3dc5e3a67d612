//! Switchboard's end-to-end tests: one integration binary driving the real router over
//! real HTTP and WebSocket.
//!
//! A tour:
//! - `util/` — [`util::TestApp`]: a server on `127.0.0.1:0` over a fresh, migrated
//!   database (a new SQLite file per test; a new PostgreSQL database per test when
//!   `TEST_DATABASE_URL` points at a server), a statement counter, helpers to create
//!   workspaces and users with tokens, a GraphQL client and a WebSocket subscription
//!   client for both `graphql-transport-ws` and the legacy `graphql-ws` protocol.
//! - one module per area: queries, mutations, subscriptions, statement counts, tenant
//!   isolation, bad input and limits, federation, the CLI.
//!
//! Every test runs on SQLite; set `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! to run the same suite on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

mod auth;
mod bad_input;
mod callbacks;
mod cli;
mod events;
mod federation;
mod hooks;
mod hr;
mod interactive;
mod limits;
mod meetings;
mod messaging_v1;
mod mutations;
mod pachca;
mod pachca_integrations;
mod queries;
mod rate_limits;
mod statements;
mod subscriptions;
mod tasks;
mod tenancy;
mod workandgo;
