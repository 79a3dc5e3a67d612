//! A bot's event history (`GET /webhooks/events`, `DELETE /webhooks/events/{id}`): the
//! same `bot_events` rows the outgoing webhook pushes, newest first, kept while the
//! bot's `events_history_enabled` is on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entities::bot_events;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::pagination::Page;
use crate::{Ctx, Error, Result};

/// The payload of a history entry as the bot would have received it: stamped with
/// `webhook_timestamp`, here the moment of the event (a push stamps the moment of
/// sending), so a client parses polled and pushed payloads alike.
pub fn stamped_payload(row: &entities::bot_events::Model) -> serde_json::Value {
    let mut payload = row.payload.clone();
    if let Some(map) = payload.as_object_mut() {
        map.insert(
            "webhook_timestamp".into(),
            serde_json::json!(row.created_at.timestamp()),
        );
    }
    payload
}

/// Encode a history cursor (a row id).
pub fn encode_history_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("h:{id}"))
}

/// Decode a history cursor, naming `field` when it is malformed.
pub fn decode_history_cursor(cursor: &str, field: &str) -> Result<String> {
    let bad = || Error::invalid(field, "not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("h:")
        .filter(|id| id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .ok_or_else(bad)
}

/// Direction of a history page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Older than the cursor (the default, newest first).
    Older,
    /// Newer than the cursor (polling for new rows), still newest first.
    Newer,
}

fn ensure_bot(ctx: &Ctx, scope: Scope) -> Result<()> {
    if !ctx.principal.is_bot {
        return Err(Error::MissingScope(scope.as_str()));
    }
    ctx.require(scope)
}

/// The calling bot's history, newest first (`webhooks:events:read`, bot tokens only).
pub async fn list_bot_events(
    ctx: &Ctx,
    cursor: Option<String>,
    direction: Direction,
    limit: u64,
) -> Result<Page<bot_events::Model>> {
    ensure_bot(ctx, Scope::WebhooksEventsRead)?;
    let mut q = bot_events::Entity::find()
        .filter(bot_events::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(bot_events::Column::BotId.eq(ctx.user_id()))
        .filter(bot_events::Column::InHistory.eq(true))
        .filter(bot_events::Column::DeletedAt.is_null());
    let rows = match (&cursor, direction) {
        (Some(c), Direction::Newer) => {
            // The `limit` rows just after the cursor, returned newest first.
            let mut rows = q
                .filter(bot_events::Column::Id.gt(c.clone()))
                .order_by_asc(bot_events::Column::Id)
                .limit(limit + 1)
                .all(&ctx.db)
                .await?;
            let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            rows.reverse();
            return Ok(Page {
                items: rows,
                has_next: true,
                has_prev: more,
            });
        }
        (Some(c), Direction::Older) => {
            q = q.filter(bot_events::Column::Id.lt(c.clone()));
            q.order_by_desc(bot_events::Column::Id)
                .limit(limit + 1)
                .all(&ctx.db)
                .await?
        }
        (None, _) => {
            q.order_by_desc(bot_events::Column::Id)
                .limit(limit + 1)
                .all(&ctx.db)
                .await?
        }
    };
    let mut rows = rows;
    let has_next = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(Page {
        items: rows,
        has_next,
        has_prev: cursor.is_some(),
    })
}

/// Remove one event from the calling bot's history (`webhooks:events:delete`); it never
/// returns. Unknown, foreign or already deleted ids are NOT_FOUND.
pub async fn delete_bot_event(ctx: &Ctx, id: &str) -> Result<()> {
    ensure_bot(ctx, Scope::WebhooksEventsDelete)?;
    let row = bot_events::Entity::find_by_id(id.to_owned())
        .filter(bot_events::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(bot_events::Column::BotId.eq(ctx.user_id()))
        .filter(bot_events::Column::InHistory.eq(true))
        .filter(bot_events::Column::DeletedAt.is_null())
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("webhook event"))?;
    let mut am: bot_events::ActiveModel = row.into();
    am.deleted_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::BotEventDeleted {
            bot_id: row.bot_id,
            id: row.id,
        },
    )
    .await?;
    Ok(())
}
