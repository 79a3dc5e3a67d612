//! Integrations: bots, their Pachca-shaped outgoing webhooks and history, views, link
//! previews, exports and drafts — over GraphQL and the Pachca REST façade, against a
//! loopback receiver that verifies `Pachca-Signature` on every delivery.

mod bots;
mod exports;
mod interactive;
mod support;
mod webhooks;
