//! Views: `POST /views/open`, `POST /views/{view_id}/submit_response`.

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use resolvers::integrations::views::OpenViewInput;

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, ok};
use super::wire::{OpenViewRequest, SubmitResponse, SubmitResponseRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: a bot's bearer (scope `views:write`). Rate
/// class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/views/open", post(open))
        .route("/views/{view_id}/submit_response", post(submit_response))
}

/// `POST /views/open` `{type: "modal", trigger_id*, private_metadata?, callback_id?,
/// view*}` → 201 with no body; a trigger older than 3 s → 410 `trigger_expired`.
async fn open(caller: Caller, Body(body): Body<OpenViewRequest>) -> Reply {
    let input = OpenViewInput {
        kind: body.kind,
        trigger_id: body.trigger_id,
        private_metadata: body.private_metadata,
        callback_id: body.callback_id,
        view: body.view,
    };
    resolvers::integrations::views::open_view(&caller.ctx, input)
        .await
        .map_err(|e| match e {
            resolvers::Error::Conflict { message, .. }
                if message.starts_with("trigger_expired") =>
            {
                Failure::api(StatusCode::GONE, "trigger_id", "trigger_expired", message)
            }
            resolvers::Error::NotFound("trigger") => Failure::api(
                StatusCode::NOT_FOUND,
                "trigger_id",
                "trigger_not_found",
                "trigger not found",
            ),
            other => Failure::from(other),
        })?;
    Ok(StatusCode::CREATED.into_response())
}

/// `POST /views/{view_id}/submit_response` `{submit_id*, errors?: {field: message}}` →
/// 200 bare `{success}`: `false` when `submit_id` is not the pending submission.
async fn submit_response(
    caller: Caller,
    Path(view_id): Path<String>,
    Body(body): Body<SubmitResponseRequest>,
) -> Reply {
    let success = resolvers::integrations::views::answer_submission(
        &caller.ctx,
        &view_id,
        &body.submit_id,
        body.errors,
    )
    .await
    .map_err(|e| match e {
        resolvers::Error::NotFound("view") => Failure::api(
            StatusCode::NOT_FOUND,
            "view_id",
            "view_not_found",
            "view not found",
        ),
        other => Failure::from(other),
    })?;
    Ok(ok(SubmitResponse { success }))
}
