//! `POST /hooks/{id}/{secret}/message` (Hook API, "Post chat message").

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use resolvers::Ctx;
use resolvers::rate::HookStanding;

use super::error::Failure;
use super::wire::{self, OK};
use crate::auth::origin_of;
use crate::state::AppState;

/// The dialect recorded with every change a hook makes (the audit trail's front door).
pub const DIALECT: &str = "hook";

/// `POST /hooks/{id}/{secret}/message` `{"message"*: string}` → 200 `ok` (text/plain).
///
/// Order: the hook is authenticated first (401 for a wrong id or secret, before
/// anything else is looked at, and without rate headers: an unknown hook has no
/// budget to report); then its budget is spent (429); then the body is read (400,
/// 413); then the message is posted as the client's bot (403 when the Desktop is
/// archived or no longer internal). From the budget on, every answer carries the four
/// `X-Rate-Limit-*` headers.
pub async fn post_message(
    State(state): State<AppState>,
    Path((id, secret)): Path<(String, String)>,
    parts: Parts,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (principal, hook) =
        match resolvers::integrations::hooks::authenticate_hook(&state.db, &id, &secret).await {
            Ok(found) => found,
            Err(resolvers::Error::Internal(e)) => return Failure::internal(&e).into_response(),
            Err(_) => return Failure::unauthorized().into_response(),
        };
    let standing = match state.env.rate.check_hook(hook.id) {
        Ok(standing) => standing,
        Err(refused) => {
            return with_rate(
                Failure::rate_limited(refused.retry_after).into_response(),
                refused.standing,
            );
        }
    };
    let ctx = state.ctx(principal, origin_of(&parts, DIALECT));
    let reply = post(&ctx, &hook, body).await;
    with_rate(reply.unwrap_or_else(IntoResponse::into_response), standing)
}

async fn post(
    ctx: &Ctx,
    hook: &entities::integration_hooks::Model,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::too_large()
        } else {
            Failure::invalid("the body could not be read")
        }
    })?;
    let message = wire::message_of(&body).map_err(Failure::invalid)?;
    resolvers::integrations::hooks::post_hook_message(ctx, hook, message).await?;
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        OK,
    )
        .into_response())
}

/// Add the four `X-Rate-Limit-*` headers of `standing` to `res`.
fn with_rate(mut res: Response, standing: HookStanding) -> Response {
    let headers: &mut HeaderMap = res.headers_mut();
    for (name, value) in [
        (wire::TOTAL_PER_HOUR, standing.per_hour),
        (wire::TOTAL_PER_DAY, standing.per_day),
        (wire::USED, standing.used),
        (wire::REMAINING, standing.remaining),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    res
}
