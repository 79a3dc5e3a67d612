//! Chat exports: `POST /chats/exports`, `GET /chats/exports/{id}`.

use axum::Router;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use resolvers::integrations::exports::{self as domain, ExportInput};

use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, no_content};
use super::wire::{Data, ExportCreated, ExportRequest};
use crate::state::AppState;

/// Method, path → handler. Credential: the owner's token (`chat_exports:write|read`).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chats/exports", post(request))
        .route("/chats/exports/{id}", get(download))
}

/// Pachca's codes for the export errors.
fn failure(err: resolvers::Error) -> Failure {
    match err {
        resolvers::Error::NotFound("export_file") => Failure::api(
            StatusCode::NOT_FOUND,
            "id",
            "export_file_not_found",
            "export file not found",
        ),
        resolvers::Error::LimitExceeded { field, message }
            if message.starts_with("invalid_date_range") =>
        {
            Failure::unprocessable(&field, "invalid_date_range", message)
        }
        resolvers::Error::NotFound("chat") => Failure::not_found("chat_ids", "chat"),
        other => Failure::from(other),
    }
}

fn wants_representation(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .any(|p| p.trim().eq_ignore_ascii_case("return=representation"))
}

/// `POST /chats/exports` `{start_at*, end_at*, webhook_url?, chat_ids?, skip_chats_file?}`
/// → 204, or 202 `{data: {id}}` with `Prefer: return=representation`.
async fn request(caller: Caller, headers: HeaderMap, Body(body): Body<ExportRequest>) -> Reply {
    let row = domain::request_export(
        &caller.ctx,
        ExportInput {
            start_at: body.start_at,
            end_at: body.end_at,
            webhook_url: body.webhook_url,
            chat_ids: body.chat_ids,
            skip_chats_file: body.skip_chats_file,
        },
    )
    .await
    .map_err(failure)?;
    if wants_representation(&headers) {
        Ok((
            StatusCode::ACCEPTED,
            axum::Json(Data {
                data: ExportCreated { id: row.id },
            }),
        )
            .into_response())
    } else {
        Ok(no_content())
    }
}

/// `GET /chats/exports/{id}` → 302 to a short-lived signed download; unknown, foreign or
/// not ready → 404 `export_file_not_found`.
async fn download(caller: Caller, Id(id): Id) -> Reply {
    let url = domain::export_download_url(&caller.ctx, id)
        .await
        .map_err(failure)?;
    let location =
        HeaderValue::from_str(&url).map_err(|e| Failure::from(resolvers::Error::internal(e)))?;
    let mut res = StatusCode::FOUND.into_response();
    res.headers_mut().insert(LOCATION, location);
    Ok(res)
}
