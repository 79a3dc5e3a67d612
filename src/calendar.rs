//! `GET /calendar/{token}.ics`: a user's meetings as an iCalendar feed, for calendar apps
//! to subscribe to.
//!
//! The secret token in the path is the credential (calendar apps send no headers), made
//! and rotated by its owner with `rotateCalendarFeed`. An unknown, rotated or disabled
//! token — or a path without the `.ics` suffix — answers 404.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Serve the feed behind the token in `file` (`<token>.ics`).
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    match resolvers::meetings::calendar_feed_events(&state.db, token).await {
        Ok(body) => {
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"switchboard.ics\""),
            );
            response
        }
        Err(resolvers::Error::NotFound(_)) => not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "calendar feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "not_found", "message": "calendar feed not found"})),
    )
        .into_response()
}
