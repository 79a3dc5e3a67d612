//! Outgoing webhooks: endpoints, the durable delivery outbox, signing and the SSRF guard.
//!
//! Deliveries are enqueued in the same transaction as the change whose event they carry
//! (see `events::record`), so a committed change always has its deliveries and a rolled
//! back one never does. The [`Dispatcher`] drains them.

mod dispatcher;
pub mod signing;
pub mod ssrf;

pub use dispatcher::{Dispatcher, DispatcherConfig, render};

use chrono::Utc;
use entities::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs};
use crate::{Ctx, Error, Result};

/// Input of [`create_webhook_endpoint`].
#[derive(Clone, Debug, Default)]
pub struct CreateEndpointInput {
    /// Where to POST events (http or https; never an internal address).
    pub url: String,
    /// Event types to send (`message_added`, …); empty means all.
    pub event_types: Vec<String>,
}

fn validate_types(types: &[String]) -> Result<String> {
    if types.is_empty() {
        return Ok("*".into());
    }
    for t in types {
        if !crate::events::EVENT_TYPES.contains(&t.as_str()) && t != "*" {
            return Err(Error::invalid(
                "eventTypes",
                format!("unknown event type `{t}`"),
            ));
        }
    }
    Ok(types.join(" "))
}

/// Longest URL Switchboard accepts to call, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Check a URL Switchboard is asked to call, for the input `field`: at most
/// [`MAX_URL_LEN`] bytes, an absolute http(s) URL, and through the SSRF guard (checked
/// again at every delivery).
pub(crate) async fn check_url(ctx: &Ctx, url: &str, field: &str) -> Result<()> {
    if url.len() > MAX_URL_LEN {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    ctx.env
        .guard
        .check_url(url)
        .await
        .map(drop)
        .map_err(|e| Error::invalid(field, e.to_string()))
}

/// Register an endpoint (workspace admins). Returns it with its signing secret.
pub async fn create_webhook_endpoint(
    ctx: &Ctx,
    input: CreateEndpointInput,
) -> Result<webhook_endpoints::Model> {
    ctx.require(Scope::WebhooksWrite)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins manage webhooks".into(),
        ));
    }
    let types = validate_types(&input.event_types)?;
    check_url(ctx, input.url.trim(), "url").await?;
    let txn = ctx.write().await?;
    let endpoint = webhook_endpoints::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        url: Set(input.url.trim().to_owned()),
        event_types: Set(types),
        secret: Set(signing::new_secret()?),
        active: Set(true),
        disabled_reason: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::WebhookEndpointChanged {
            endpoint_id: endpoint.id,
        },
    )
    .await?;
    Ok(endpoint)
}

/// The workspace's endpoints (admins).
pub async fn list_webhook_endpoints(ctx: &Ctx) -> Result<Vec<webhook_endpoints::Model>> {
    ctx.require(Scope::WebhooksRead)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins manage webhooks".into(),
        ));
    }
    Ok(webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(webhook_endpoints::Column::Format.eq("standard"))
        .order_by_asc(webhook_endpoints::Column::Id)
        .all(&ctx.db)
        .await?)
}

async fn own_endpoint(ctx: &Ctx, id: i64) -> Result<webhook_endpoints::Model> {
    if !ctx.principal.is_admin() {
        return Err(Error::NotFound("webhook endpoint"));
    }
    webhook_endpoints::Entity::find_by_id(id)
        .filter(webhook_endpoints::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(webhook_endpoints::Column::Format.eq("standard"))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("webhook endpoint"))
}

/// Turn an endpoint on or off; turning it on clears the reason it was disabled.
pub async fn set_webhook_endpoint_active(
    ctx: &Ctx,
    id: i64,
    active: bool,
) -> Result<webhook_endpoints::Model> {
    ctx.require(Scope::WebhooksWrite)?;
    let endpoint = own_endpoint(ctx, id).await?;
    let mut am: webhook_endpoints::ActiveModel = endpoint.into();
    am.active = Set(active);
    am.disabled_reason = Set((!active).then(|| "disabled by an admin".to_owned()));
    let txn = ctx.write().await?;
    let endpoint = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::WebhookEndpointChanged {
            endpoint_id: endpoint.id,
        },
    )
    .await?;
    Ok(endpoint)
}

/// Delete an endpoint and its deliveries.
pub async fn delete_webhook_endpoint(ctx: &Ctx, id: i64) -> Result<()> {
    ctx.require(Scope::WebhooksWrite)?;
    let endpoint = own_endpoint(ctx, id).await?;
    let txn = ctx.write().await?;
    webhook_endpoints::Entity::delete_by_id(endpoint.id)
        .exec(&txn)
        .await?;
    ctx.commit_one(
        txn,
        EventKind::WebhookEndpointChanged {
            endpoint_id: endpoint.id,
        },
    )
    .await?;
    Ok(())
}

/// Deliveries of an endpoint, newest first (the delivery log).
pub async fn list_deliveries(
    ctx: &Ctx,
    endpoint_id: i64,
    status: Option<String>,
    page: PageArgs,
) -> Result<Page<webhook_deliveries::Model>> {
    ctx.require(Scope::WebhooksRead)?;
    own_endpoint(ctx, endpoint_id).await?;
    deliveries_of(&ctx.db, endpoint_id, status, page).await
}

/// The delivery log of an endpoint whose access the caller has checked.
pub(crate) async fn deliveries_of<C: ConnectionTrait>(
    db: &C,
    endpoint_id: i64,
    status: Option<String>,
    page: PageArgs,
) -> Result<Page<webhook_deliveries::Model>> {
    let mut q = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint_id));
    if let Some(status) = status {
        q = q.filter(webhook_deliveries::Column::Status.eq(status));
    }
    if let Some(after) = page.after {
        q = q.filter(webhook_deliveries::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(webhook_deliveries::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    Ok(Page::from_probe(rows, &page))
}

/// Attempts of deliveries (a batch), oldest first.
pub async fn attempts_of<C: ConnectionTrait>(
    db: &C,
    delivery_ids: &[i64],
) -> Result<Vec<webhook_attempts::Model>> {
    Ok(webhook_attempts::Entity::find()
        .filter(webhook_attempts::Column::DeliveryId.is_in(crate::sql::distinct(delivery_ids)))
        .order_by_asc(webhook_attempts::Column::Id)
        .all(db)
        .await?)
}

/// Queue dead (or all failed) deliveries of an endpoint again, now. Returns how many.
pub async fn replay_deliveries(
    ctx: &Ctx,
    endpoint_id: i64,
    delivery_id: Option<i64>,
) -> Result<u64> {
    ctx.require(Scope::WebhooksWrite)?;
    own_endpoint(ctx, endpoint_id).await?;
    replay_dead(&ctx.db, endpoint_id, delivery_id).await
}

/// Queue the dead deliveries (one, or all) of an endpoint whose access the caller has
/// checked again, now. Returns how many.
pub(crate) async fn replay_dead<C: ConnectionTrait>(
    db: &C,
    endpoint_id: i64,
    delivery_id: Option<i64>,
) -> Result<u64> {
    let mut q = webhook_deliveries::Entity::update_many()
        .col_expr(webhook_deliveries::Column::Status, Expr::value("pending"))
        .col_expr(webhook_deliveries::Column::Attempts, Expr::value(0))
        .col_expr(
            webhook_deliveries::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .filter(webhook_deliveries::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_deliveries::Column::Status.eq("dead"));
    if let Some(id) = delivery_id {
        q = q.filter(webhook_deliveries::Column::Id.eq(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Enqueue deliveries of a just-recorded event, in its transaction.
pub(crate) async fn enqueue<C: ConnectionTrait>(txn: &C, event: &events::Model) -> Result<()> {
    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::WorkspaceId.eq(event.workspace_id))
        .filter(webhook_endpoints::Column::Active.eq(true))
        .filter(webhook_endpoints::Column::Format.eq("standard"))
        .all(txn)
        .await?;
    let wanted: Vec<_> = endpoints
        .into_iter()
        .filter(|e| {
            e.event_types == "*" || e.event_types.split_whitespace().any(|t| t == event.kind)
        })
        .collect();
    let ids: Vec<i64> = wanted.iter().map(|e| e.id).collect();
    insert_deliveries(txn, event, &ids).await
}

/// Queue one delivery of a just-recorded event to each of `endpoint_ids`, in its
/// transaction (idempotent: an (event, endpoint) pair is queued once).
pub(crate) async fn insert_deliveries<C: ConnectionTrait>(
    txn: &C,
    event: &events::Model,
    endpoint_ids: &[i64],
) -> Result<()> {
    if endpoint_ids.is_empty() {
        return Ok(());
    }
    let rows = endpoint_ids
        .iter()
        .map(|endpoint_id| webhook_deliveries::ActiveModel {
            workspace_id: Set(event.workspace_id),
            endpoint_id: Set(*endpoint_id),
            event_id: Set(event.id),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(event.created_at),
            last_status_code: Set(None),
            last_error: Set(None),
            last_latency_ms: Set(None),
            delivered_at: Set(None),
            created_at: Set(event.created_at),
            ..Default::default()
        });
    webhook_deliveries::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                webhook_deliveries::Column::EventId,
                webhook_deliveries::Column::EndpointId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
