//! A bot's event history: `GET /webhooks/events`, `DELETE /webhooks/events/{id}`.

use axum::Router;
use axum::extract::Path;
use axum::routing::{delete, get};
use resolvers::integrations::history::{
    Direction, decode_history_cursor, encode_history_cursor, list_bot_events,
};

use super::convert::{self, date};
use super::error::{Failure, Reply};
use super::extract::{Caller, RailsQuery, RateClass, no_content, ok};
use super::wire::{List, ListMeta, Paginate, WebhookEvent};
use crate::state::AppState;

/// Method, path → handler. Credential: a bot's token (`webhooks:events:read|delete`).
/// Rate class: webhook events for the list, standard for the delete.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/events", get(list))
        .route("/webhooks/events/{id}", delete(destroy))
}

/// The lowest possible id: "older than it" is always empty, "newer than it" is everything.
const FLOOR: &str = "00000000000000000000000000";

/// A page cursor: `o` (older than) or `n` (newer than) + a history cursor.
fn cursor(direction: Direction, id: &str) -> String {
    let tag = match direction {
        Direction::Older => 'o',
        Direction::Newer => 'n',
    };
    format!("{tag}{}", encode_history_cursor(id))
}

fn parse_cursor(raw: &str) -> Result<(Direction, String), Failure> {
    let bad = || Failure::bad_request("cursor", "not a valid cursor").with_value(raw);
    let mut chars = raw.trim().chars();
    let direction = match chars.next() {
        Some('o') => Direction::Older,
        Some('n') => Direction::Newer,
        _ => return Err(bad()),
    };
    let id = decode_history_cursor(chars.as_str(), "cursor").map_err(|_| bad())?;
    Ok((direction, id))
}

/// `GET /webhooks/events?limit=&cursor=` → list of WebhookEvent, newest first.
/// `next_page` reads older rows, `prev_page` newer ones; both stay valid on empty pages.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    caller.spend(RateClass::WebhookEvents)?;
    let limit = convert::window(q.int("limit")?, None, 50)?.limit;
    let given = q.str("cursor").map(parse_cursor).transpose()?;
    let (direction, after) = match given {
        Some((d, id)) => (d, Some(id)),
        None => (Direction::Older, None),
    };
    let page = list_bot_events(&caller.ctx, after.clone(), direction, limit).await?;
    let first = page.items.first().map(|r| r.id.clone());
    let last = page.items.last().map(|r| r.id.clone());
    let anchor = after.unwrap_or_else(|| FLOOR.to_owned());
    let next_page = cursor(Direction::Older, last.as_deref().unwrap_or(&anchor));
    let prev_page = cursor(Direction::Newer, first.as_deref().unwrap_or(&anchor));
    let data = page
        .items
        .into_iter()
        .map(|row| WebhookEvent {
            payload: resolvers::integrations::history::stamped_payload(&row),
            id: row.id,
            event_type: row.event_type,
            created_at: date(row.created_at),
        })
        .collect();
    Ok(ok(List {
        data,
        meta: ListMeta {
            paginate: Paginate {
                next_page,
                prev_page,
                has_next: page.has_next,
                has_prev: page.has_prev,
            },
        },
    }))
}

/// `DELETE /webhooks/events/{id}` → 204; unknown, foreign or deleted ids → 404.
async fn destroy(caller: Caller, Path(id): Path<String>) -> Reply {
    resolvers::integrations::history::delete_bot_event(&caller.ctx, &id).await?;
    Ok(no_content())
}
