//! REST compatibility façades, one module per dialect, each mounted under its document's
//! base path. A façade is a translation only: request shape → `resolvers` call →
//! response shape.

pub mod fields;
pub mod hooks;
pub mod idempotent;
pub mod messaging_v1;
pub mod pachca;
pub mod workandgo;

use axum::Router;

use crate::state::AppState;

/// Every façade, mounted under its base path. WorkAndGo's `/api` holds the other
/// `/api/…` façades' prefixes: the router picks the most specific prefix, so `/api/v1/…`
/// and `/api/shared/v1/…` (unknown paths included) stay with their own façades.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .nest(pachca::BASE_PATH, pachca::router(state))
        .nest(hooks::BASE_PATH, hooks::router(state))
        .nest(messaging_v1::BASE_PATH, messaging_v1::router(state))
        .nest(workandgo::BASE_PATH, workandgo::router(state))
}
