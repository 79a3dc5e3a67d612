//! Incoming webhooks (Messaging API v1, `POST /api/v1/webhooks/incoming`): external
//! services trigger a few actions in a workspace without a token, signing each body.
//!
//! An admin creates one (name, optional target chat, allowed actions) and receives its
//! secret once; rotating replaces it at once. A request names the webhook in
//! `X-Webhook-Id` and signs the **raw body bytes** with HMAC-SHA256 under the secret
//! (`X-Webhook-Signature: sha256=<hex>`), checked in constant time before the body is
//! parsed ([`verify`]).
//!
//! Like a workspace token, a webhook acts as a bot user of its own, through a hidden API
//! token (prefix [`HIDDEN_TOKEN_PREFIX`], never shown, its secret discarded at creation)
//! whose permissions are those of its allowed actions: its writes go through the same
//! operations, with the same events, audit rows (the hidden token's prefix), rate budget
//! and idempotency scope as any token's.

use chrono::Utc;
use entities::{api_tokens, incoming_webhooks};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::auth::{Scope, Scopes};
use crate::chats::ChatKind;
use crate::events::{EventKind, record};
use crate::people::Role;
use crate::{Ctx, Error, Principal, Result};

/// Prefix of the hidden tokens incoming webhooks act with.
pub const HIDDEN_TOKEN_PREFIX: &str = "wsi_";

/// The actions an incoming webhook may be allowed, each with the permission it needs.
pub const ACTIONS: &[(&str, Scope)] = &[
    ("send_message", Scope::SendMessages),
    ("create_channel", Scope::WriteChannels),
    ("create_department", Scope::WriteDepartments),
    ("add_member", Scope::WriteMembers),
];

/// Input of [`create_incoming_webhook`].
#[derive(Clone, Debug, Default)]
pub struct CreateIncomingWebhookInput {
    /// Name, 1–255 characters.
    pub name: String,
    /// Default chat of `send_message` (a channel or group of the workspace).
    pub chat_id: Option<i64>,
    /// Allowed actions (see [`ACTIONS`]); at least one.
    pub actions: Vec<String>,
}

/// A webhook with its secret, which is shown this once.
#[derive(Clone, Debug)]
pub struct IncomingWebhookWithSecret {
    /// The webhook.
    pub webhook: incoming_webhooks::Model,
    /// Its HMAC key.
    pub secret: String,
}

/// The allowed actions of a webhook.
pub fn actions_of(webhook: &incoming_webhooks::Model) -> Vec<String> {
    crate::integrations::bots::split(&webhook.actions)
}

/// Whether `webhook` may perform `action`.
pub fn allows(webhook: &incoming_webhooks::Model, action: &str) -> bool {
    actions_of(webhook).iter().any(|a| a == action)
}

fn ensure_admin(ctx: &Ctx) -> Result<()> {
    ctx.require(Scope::WebhooksWrite)?;
    if ctx.principal.is_admin() && !ctx.principal.is_bot {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only workspace owners and admins manage incoming webhooks".into(),
        ))
    }
}

fn validate_actions(actions: &[String]) -> Result<(String, Scopes)> {
    let mut names: Vec<&str> = Vec::new();
    let mut permissions = Vec::new();
    for action in actions {
        let action = action.trim();
        let (name, permission) = ACTIONS
            .iter()
            .find(|(name, _)| *name == action)
            .ok_or_else(|| {
                Error::invalid(
                    "actions",
                    format!(
                        "unknown action `{action}` (one of {})",
                        ACTIONS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        if !names.contains(name) {
            names.push(name);
            permissions.push(permission.as_str().to_owned());
        }
    }
    if names.is_empty() {
        return Err(Error::invalid("actions", "at least one action is required"));
    }
    let scopes = Scopes::parse_workspace_permissions(&permissions, "actions")?;
    Ok((names.join(" "), scopes))
}

async fn check_chat(ctx: &Ctx, chat_id: i64) -> Result<()> {
    let chat = entities::chats::Entity::find_by_id(chat_id)
        .filter(entities::chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?;
    let ok = chat.is_some_and(|c| {
        matches!(
            c.kind.parse::<ChatKind>(),
            Ok(ChatKind::Channel | ChatKind::Group)
        )
    });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("channelId", "no such channel"))
    }
}

fn new_secret() -> Result<String> {
    crate::webhooks::signing::new_secret()
}

/// Create an incoming webhook (owners and admins); its secret is in the answer only.
pub async fn create_incoming_webhook(
    ctx: &Ctx,
    input: CreateIncomingWebhookInput,
) -> Result<IncomingWebhookWithSecret> {
    ensure_admin(ctx)?;
    let name = crate::people::validate_name(&input.name, "name")?;
    let (actions, permissions) = validate_actions(&input.actions)?;
    if let Some(chat) = input.chat_id {
        check_chat(ctx, chat).await?;
    }
    let secret = new_secret()?;
    let minted = crate::auth::mint_with_prefix(HIDDEN_TOKEN_PREFIX)?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let bot = crate::integrations::bots::insert_integration_user(
        &txn,
        ctx.workspace_id(),
        &name,
        Role::Admin,
        None,
    )
    .await?;
    let token = crate::auth::insert_token_row(
        &txn,
        &bot,
        &format!("incoming webhook: {name}"),
        &minted,
        &permissions.to_stored(),
        None,
        None,
    )
    .await?;
    let webhook = incoming_webhooks::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        name: Set(name),
        chat_id: Set(input.chat_id),
        actions: Set(actions),
        secret: Set(secret.clone()),
        user_id: Set(bot.id),
        token_id: Set(token.id),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let user_created = record(&txn, ctx, EventKind::UserCreated { user_id: bot.id }, None).await?;
    let changed = record(
        &txn,
        ctx,
        EventKind::IncomingWebhookChanged {
            webhook_id: webhook.id,
        },
        None,
    )
    .await?;
    ctx.commit(txn, [user_created, changed]).await?;
    Ok(IncomingWebhookWithSecret { webhook, secret })
}

/// The workspace's incoming webhooks (owners and admins), oldest first.
pub async fn list_incoming_webhooks(ctx: &Ctx) -> Result<Vec<incoming_webhooks::Model>> {
    ensure_admin(ctx)?;
    Ok(incoming_webhooks::Entity::find()
        .filter(incoming_webhooks::Column::WorkspaceId.eq(ctx.workspace_id()))
        .order_by_asc(incoming_webhooks::Column::Id)
        .all(&ctx.db)
        .await?)
}

async fn find(ctx: &Ctx, id: i64) -> Result<incoming_webhooks::Model> {
    incoming_webhooks::Entity::find_by_id(id)
        .filter(incoming_webhooks::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("incoming webhook"))
}

/// Replace a webhook's secret (owners and admins): the old one stops working at once.
pub async fn rotate_incoming_webhook_secret(
    ctx: &Ctx,
    id: i64,
) -> Result<IncomingWebhookWithSecret> {
    ensure_admin(ctx)?;
    let webhook = find(ctx, id).await?;
    let secret = new_secret()?;
    let mut am: incoming_webhooks::ActiveModel = webhook.into();
    am.secret = Set(secret.clone());
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let webhook = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::IncomingWebhookChanged {
            webhook_id: webhook.id,
        },
    )
    .await?;
    Ok(IncomingWebhookWithSecret { webhook, secret })
}

/// Deactivate a webhook (owners and admins): it answers `INVALID_WEBHOOK` from now on,
/// and its hidden token is revoked.
pub async fn delete_incoming_webhook(ctx: &Ctx, id: i64) -> Result<incoming_webhooks::Model> {
    ensure_admin(ctx)?;
    let webhook = find(ctx, id).await?;
    let token_id = webhook.token_id;
    let mut am: incoming_webhooks::ActiveModel = webhook.into();
    am.active = Set(false);
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let webhook = am.update(&txn).await?;
    api_tokens::Entity::update_many()
        .col_expr(
            api_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_tokens::Column::Id.eq(token_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    ctx.commit_one(
        txn,
        EventKind::IncomingWebhookChanged {
            webhook_id: webhook.id,
        },
    )
    .await?;
    Ok(webhook)
}

/// Why an incoming request was refused before anything ran.
#[derive(Debug)]
pub enum Refusal {
    /// No such webhook, or it is inactive (`INVALID_WEBHOOK`).
    UnknownWebhook,
    /// The signature header is missing, malformed or wrong (`INVALID_SIGNATURE`).
    BadSignature,
    /// Anything else (the database).
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Failed(e)
    }
}

/// A verified incoming request: the webhook and the principal it acts as.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The webhook.
    pub webhook: incoming_webhooks::Model,
    /// Its bot user, through its hidden token.
    pub principal: Principal,
}

/// Identify webhook `webhook_id` and check `signature` (`sha256=<hex>`) over the raw
/// `body`, in constant time. Nothing is parsed before this succeeds.
pub async fn verify(
    db: &sea_orm::DatabaseConnection,
    webhook_id: i64,
    body: &[u8],
    signature: Option<&str>,
) -> std::result::Result<Verified, Refusal> {
    let webhook = incoming_webhooks::Entity::find_by_id(webhook_id)
        .one(db)
        .await
        .map_err(Error::from)?
        .filter(|w| w.active)
        .ok_or(Refusal::UnknownWebhook)?;
    let signature = signature
        .map(str::trim)
        .and_then(|s| s.strip_prefix("sha256="))
        .filter(|hex| !hex.is_empty())
        .ok_or(Refusal::BadSignature)?;
    if !crate::webhooks::signing::hex_verify(&webhook.secret, body, signature) {
        return Err(Refusal::BadSignature);
    }
    let token = api_tokens::Entity::find_by_id(webhook.token_id)
        .filter(api_tokens::Column::WorkspaceId.eq(webhook.workspace_id))
        .one(db)
        .await
        .map_err(Error::from)?
        .ok_or(Refusal::UnknownWebhook)?;
    let (principal, _) = match crate::auth::principal_of_token(db, token).await {
        Ok(p) => p,
        Err(Error::Unauthenticated) => return Err(Refusal::UnknownWebhook),
        Err(e) => return Err(Refusal::Failed(e)),
    };
    Ok(Verified { webhook, principal })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_validated_and_deduplicated() {
        let (names, scopes) = validate_actions(&[
            "send_message".into(),
            "add_member".into(),
            "send_message".into(),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names, "send_message add_member");
        assert!(scopes.contains(Scope::SendMessages));
        assert!(scopes.contains(Scope::WriteMembers));
        assert!(!scopes.contains(Scope::WriteChannels));
        assert!(validate_actions(&["delete_everything".into()]).is_err());
        assert!(validate_actions(&[]).is_err());
    }
}
