//! Link previews: a bot that heard `link_shared` attaches previews of the message's
//! links (`POST /messages/{id}/link_previews`).

use chrono::Utc;
use entities::link_previews;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, Result};

/// One preview to attach.
#[derive(Clone, Debug, Default)]
pub struct PreviewInput {
    /// The link, as it appears in the message.
    pub url: String,
    /// Up to 255 characters.
    pub title: String,
    /// Up to 1000 characters.
    pub description: String,
    /// An http(s) image URL.
    pub image_url: Option<String>,
}

/// Attach previews to a message the caller can see (`link_previews:write`). Each URL
/// must be a link of the message; attaching again replaces a preview.
pub async fn add_link_previews(
    ctx: &Ctx,
    message_id: i64,
    previews: Vec<PreviewInput>,
) -> Result<Vec<link_previews::Model>> {
    ctx.require(Scope::LinkPreviewsWrite)?;
    let message = crate::messages::get_message_unchecked(&ctx.db, ctx.workspace_id(), message_id)
        .await
        .map_err(|_| Error::NotFound("message"))?;
    if !crate::chats::can_read(&ctx.db, &ctx.principal, message.chat_id).await? {
        return Err(Error::NotFound("message"));
    }
    if previews.is_empty() || previews.len() > 20 {
        return Err(Error::invalid("link_previews", "give 1–20 previews"));
    }
    let links: Vec<String> = super::routing::links_in(&message.content)
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    for p in &previews {
        if !links.contains(&p.url) {
            return Err(Error::invalid(
                "link_previews",
                format!("`{}` is not a link of the message", p.url),
            ));
        }
        if p.title.chars().count() > 255 {
            return Err(Error::invalid(
                "link_previews.title",
                "at most 255 characters",
            ));
        }
        if p.description.chars().count() > 1000 {
            return Err(Error::invalid(
                "link_previews.description",
                "at most 1000 characters",
            ));
        }
        if let Some(img) = &p.image_url {
            let ok = url::Url::parse(img).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !ok {
                return Err(Error::invalid(
                    "link_previews.image_url",
                    "must be an http(s) URL",
                ));
            }
        }
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    for p in &previews {
        link_previews::Entity::insert(link_previews::ActiveModel {
            workspace_id: Set(ctx.workspace_id()),
            message_id: Set(message.id),
            url: Set(p.url.clone()),
            title: Set(p.title.trim().to_owned()),
            description: Set(p.description.trim().to_owned()),
            image_url: Set(p.image_url.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([link_previews::Column::MessageId, link_previews::Column::Url])
                .update_columns([
                    link_previews::Column::Title,
                    link_previews::Column::Description,
                    link_previews::Column::ImageUrl,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    ctx.commit_one(
        txn,
        EventKind::LinkPreviewsChanged {
            chat_id: message.chat_id,
            message_id: message.id,
        },
    )
    .await?;
    previews_of(&ctx.db, ctx.workspace_id(), message.id).await
}

/// The previews of a message (no visibility check: callers checked the message).
pub async fn previews_of<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    message_id: i64,
) -> Result<Vec<link_previews::Model>> {
    Ok(link_previews::Entity::find()
        .filter(link_previews::Column::WorkspaceId.eq(workspace_id))
        .filter(link_previews::Column::MessageId.eq(message_id))
        .order_by_asc(link_previews::Column::Id)
        .all(db)
        .await?)
}

/// The previews of a message the caller can see.
pub async fn list_link_previews(ctx: &Ctx, message_id: i64) -> Result<Vec<link_previews::Model>> {
    let message = crate::messages::get_message(ctx, message_id).await?;
    previews_of(&ctx.db, ctx.workspace_id(), message.id).await
}
