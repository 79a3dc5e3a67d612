//! Modal views: a bot opens one for the user who clicked its button (within 3 s of the
//! click, with the click's trigger id); the user submits it, which sends the bot a
//! `view` webhook; the bot answers the submission (`submit_response`): no errors close
//! the view, field errors keep it open with the errors shown.

use chrono::{Duration, Utc};
use entities::{bot_events, views};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value as Json;

use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, OnConstraint, Result};

/// How long a button's trigger id can open a view.
pub const TRIGGER_TTL_MS: i64 = 3_000;
/// How long a bot may take to answer a submission.
pub const SUBMIT_TTL_SECS: i64 = 60;

/// Input of [`open_view`].
#[derive(Clone, Debug, Default)]
pub struct OpenViewInput {
    /// Must be `modal`.
    pub kind: String,
    /// The trigger id of the button click.
    pub trigger_id: String,
    /// Returned with the submission, up to 3000 characters.
    pub private_metadata: Option<String>,
    /// Returned with the submission, up to 255 characters.
    pub callback_id: Option<String>,
    /// `{title (≤ 24), close_text?, submit_text?, blocks (≤ 100)}`.
    pub view: Json,
}

fn validate_view(view: &Json) -> Result<()> {
    let Some(obj) = view.as_object() else {
        return Err(Error::invalid("view", "must be an object"));
    };
    let title = obj.get("title").and_then(Json::as_str).unwrap_or_default();
    if title.trim().is_empty() || title.chars().count() > 24 {
        return Err(Error::invalid("view.title", "must be 1–24 characters"));
    }
    for key in ["close_text", "submit_text"] {
        if let Some(v) = obj.get(key).filter(|v| !v.is_null())
            && v.as_str().is_none_or(|s| s.chars().count() > 24)
        {
            return Err(Error::invalid(
                format!("view.{key}"),
                "must be text of at most 24 characters",
            ));
        }
    }
    let Some(blocks) = obj.get("blocks").and_then(Json::as_array) else {
        return Err(Error::invalid("view.blocks", "must be a list"));
    };
    if blocks.len() > 100 {
        return Err(Error::invalid("view.blocks", "at most 100 blocks"));
    }
    if blocks
        .iter()
        .any(|b| b.get("type").and_then(Json::as_str).is_none())
    {
        return Err(Error::invalid("view.blocks", "every block needs a `type`"));
    }
    Ok(())
}

/// Open a view for the user whose click produced `trigger_id` (`views:write`, bots).
/// A trigger older than 3 s fails with a conflict on `trigger_id` whose message starts
/// with `trigger_expired`; an unknown or foreign trigger is NOT_FOUND.
pub async fn open_view(ctx: &Ctx, input: OpenViewInput) -> Result<views::Model> {
    ctx.require(Scope::ViewsWrite)?;
    if input.kind != "modal" {
        return Err(Error::invalid("type", "must be `modal`"));
    }
    if input.trigger_id.trim().is_empty() || input.trigger_id.len() > 255 {
        return Err(Error::invalid("trigger_id", "must be 1–255 characters"));
    }
    if input
        .private_metadata
        .as_ref()
        .is_some_and(|m| m.chars().count() > 3000)
    {
        return Err(Error::invalid(
            "private_metadata",
            "at most 3000 characters",
        ));
    }
    if input
        .callback_id
        .as_ref()
        .is_some_and(|m| m.chars().count() > 255)
    {
        return Err(Error::invalid("callback_id", "at most 255 characters"));
    }
    validate_view(&input.view)?;
    let click = bot_events::Entity::find()
        .filter(bot_events::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(bot_events::Column::BotId.eq(ctx.user_id()))
        .filter(bot_events::Column::TriggerId.eq(input.trigger_id.clone()))
        .order_by_desc(bot_events::Column::CreatedAt)
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("trigger"))?;
    let now = Utc::now();
    if now.signed_duration_since(click.created_at) > Duration::milliseconds(TRIGGER_TTL_MS) {
        return Err(Error::conflict(
            "trigger_id",
            "trigger_expired: the trigger is older than 3 seconds",
        ));
    }
    let user_id = click
        .payload
        .get("user_id")
        .and_then(Json::as_i64)
        .ok_or(Error::NotFound("trigger"))?;
    let chat_id = click.payload.get("chat_id").and_then(Json::as_i64);
    let txn = ctx.write().await?;
    let view = views::ActiveModel {
        id: Set(super::ulid()?),
        workspace_id: Set(ctx.workspace_id()),
        bot_id: Set(ctx.user_id()),
        user_id: Set(user_id),
        trigger_id: Set(input.trigger_id),
        chat_id: Set(chat_id),
        callback_id: Set(input.callback_id),
        private_metadata: Set(input.private_metadata),
        view: Set(input.view),
        state: Set("open".into()),
        submit_id: Set(None),
        submit_data: Set(None),
        submit_errors: Set(None),
        submitted_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .on_unique("trigger_id", "a view was already opened with this trigger")?;
    ctx.commit_one(
        txn,
        EventKind::ViewChanged {
            view_id: view.id.clone(),
            user_id,
        },
    )
    .await?;
    Ok(view)
}

/// One of the caller's views (the user it was opened for).
pub async fn get_view(ctx: &Ctx, view_id: &str) -> Result<views::Model> {
    views::Entity::find_by_id(view_id.to_owned())
        .filter(views::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(views::Column::UserId.eq(ctx.user_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("view"))
}

/// The caller's views that are still open, newest first.
pub async fn list_open_views(ctx: &Ctx) -> Result<Vec<views::Model>> {
    Ok(views::Entity::find()
        .filter(views::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(views::Column::UserId.eq(ctx.user_id()))
        .filter(views::Column::State.ne("closed"))
        .order_by_desc(views::Column::CreatedAt)
        .all(&ctx.db)
        .await?)
}

/// Submit a view with its field values: the bot hears a `view` webhook carrying a new
/// `submit_id`. Returns the view, now awaiting the bot's answer.
pub async fn submit_view(ctx: &Ctx, view_id: &str, data: Json) -> Result<views::Model> {
    let view = get_view(ctx, view_id).await?;
    if view.state == "closed" {
        return Err(Error::conflict("id", "the view is closed"));
    }
    if !data.is_object() {
        return Err(Error::invalid("data", "must be an object of field values"));
    }
    if serde_json::to_vec(&data)
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
        > 64 * 1024
    {
        return Err(Error::invalid("data", "at most 64 KiB"));
    }
    let submit_id = super::ulid()?;
    let mut am: views::ActiveModel = view.clone().into();
    am.state = Set("submitted".into());
    am.submit_id = Set(Some(submit_id.clone()));
    am.submit_data = Set(Some(data.clone()));
    am.submit_errors = Set(None);
    am.submitted_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let view = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::ViewSubmitted {
            view_id: view.id.clone(),
            bot_id: view.bot_id,
            submit_id,
            user_id: view.user_id,
            chat_id: view.chat_id,
            callback_id: view.callback_id.clone(),
            private_metadata: view.private_metadata.clone(),
            data,
        },
    )
    .await?;
    Ok(view)
}

/// Close one of the caller's views without submitting it.
pub async fn close_view(ctx: &Ctx, view_id: &str) -> Result<views::Model> {
    let view = get_view(ctx, view_id).await?;
    let mut am: views::ActiveModel = view.into();
    am.state = Set("closed".into());
    let txn = ctx.write().await?;
    let view = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::ViewChanged {
            view_id: view.id.clone(),
            user_id: view.user_id,
        },
    )
    .await?;
    Ok(view)
}

/// The bot answers a submission (`views:write`): no `errors` closes the view, field
/// errors (`{field: message}`) keep it open showing them. `false` when `submit_id` is
/// not the view's pending submission or it is older than a minute.
pub async fn answer_submission(
    ctx: &Ctx,
    view_id: &str,
    submit_id: &str,
    errors: Option<Json>,
) -> Result<bool> {
    ctx.require(Scope::ViewsWrite)?;
    if submit_id.trim().is_empty() {
        return Err(Error::invalid("submit_id", "must not be empty"));
    }
    let errors = errors.filter(|e| !e.is_null() && e.as_object().is_none_or(|o| !o.is_empty()));
    if let Some(e) = &errors {
        let ok = e
            .as_object()
            .is_some_and(|o| o.values().all(Json::is_string));
        if !ok {
            return Err(Error::invalid("errors", "must map field names to messages"));
        }
    }
    let view = views::Entity::find_by_id(view_id.to_owned())
        .filter(views::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(views::Column::BotId.eq(ctx.user_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("view"))?;
    let pending = view.state == "submitted"
        && view.submit_id.as_deref() == Some(submit_id)
        && view.submitted_at.is_some_and(|at| {
            Utc::now().signed_duration_since(at) <= Duration::seconds(SUBMIT_TTL_SECS)
        });
    if !pending {
        return Ok(false);
    }
    let mut am: views::ActiveModel = view.into();
    match errors {
        Some(e) => {
            am.state = Set("open".into());
            am.submit_errors = Set(Some(e));
        }
        None => {
            am.state = Set("closed".into());
            am.submit_errors = Set(None);
        }
    }
    let txn = ctx.write().await?;
    let view = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::ViewChanged {
            view_id: view.id.clone(),
            user_id: view.user_id,
        },
    )
    .await?;
    Ok(true)
}
