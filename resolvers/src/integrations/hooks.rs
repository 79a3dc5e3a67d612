//! The Hook API's domain: integration clients, each with its own bot account, and their
//! hooks — secret URLs that post into one internal Desktop as that bot.
//!
//! - **Internal Desktop.** A Desktop is a chat; "internal" means a channel or group
//!   conversation that is not public (`is_public = false`): only its members see it. A
//!   public chat, a direct chat or a thread is refused when the hook is created, and a
//!   Desktop that is later made public or archived refuses the hook's messages
//!   (`FORBIDDEN`) until it is private and active again.
//! - **Bot account.** Creating a client creates its bot (a `users` row with `is_bot`,
//!   named after the client unless given a name, with an optional avatar URL). Creating
//!   a hook makes the bot a member of the Desktop (an editor in a channel, so it may
//!   post), through the membership event like any other addition.
//! - **Secrets.** A hook's URL carries an opaque id (UUID-shaped, random, not secret)
//!   and a 64-hex secret (256 random bits), shown once; only its SHA-256 is stored, and
//!   a presented secret is compared with it in constant time. Regenerating replaces the
//!   hash, so the old URL stops working at once; deleting the hook removes it.
//! - **Administration** is for workspace owners and admins only (people, not bots);
//!   another workspace's client or hook answers exactly like a missing one.
//! - **Posting** goes through [`crate::messages::send_message`] as the bot (events,
//!   subscriptions, webhooks, audit with the origin's dialect, per-chat write limits),
//!   under the caller's idempotency key.

use chrono::Utc;
use entities::{integration_clients, integration_hooks, messages, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::auth::{Scope, Scopes};
use crate::chats::{ChatKind, ChatRole, access};
use crate::events::{EventKind, MembershipChange, record};
use crate::messages::{MessageKind, SendMessageInput};
use crate::people::Role;
use crate::{Credential, Ctx, Error, Principal, Result};

/// Characters of a hook secret (lower hex).
pub const SECRET_LEN: usize = 64;
/// Longest avatar URL.
const MAX_URL: usize = 2048;

/// An integration client and its bot account.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IntegrationClient {
    /// The client.
    pub client: integration_clients::Model,
    /// Its bot account.
    pub bot: users::Model,
}

/// Input of [`create_integration_client`].
#[derive(Clone, Debug, Default)]
pub struct CreateIntegrationClientInput {
    /// The client's name, 1–255 characters.
    pub name: String,
    /// The bot's display name (default: the client's name).
    pub bot_name: Option<String>,
    /// The bot's picture: an `http(s)` URL (shown by clients, never fetched by us).
    pub bot_avatar_url: Option<String>,
}

/// A hook with its secret, which is shown only here.
#[derive(Clone, Debug)]
pub struct HookWithSecret {
    /// The hook.
    pub hook: integration_hooks::Model,
    /// The 64-hex secret.
    pub secret: String,
    /// The whole URL to POST messages to (`<public URL>/hooks/<id>/<secret>/message`).
    pub url: String,
}

fn require_admin(ctx: &Ctx) -> Result<()> {
    if ctx.principal.is_admin() && !ctx.principal.is_bot {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only workspace owners and admins manage integration clients and hooks".into(),
        ))
    }
}

use crate::auth::hash_secret;

/// 16 random bytes spelled as a version-4 UUID (the shape the Hook API's document shows).
fn new_public_id() -> Result<String> {
    let mut b = [0_u8; 16];
    getrandom::fill(&mut b).map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x40;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let h = hex::encode(b);
    let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default().to_owned();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    ))
}

fn hook_url(ctx: &Ctx, public_id: &str, secret: &str) -> String {
    format!("{}/hooks/{public_id}/{secret}/message", ctx.env.public_url)
}

fn validate_avatar_url(url: &str) -> Result<Option<String>> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let parsed = url::Url::parse(url)
        .map_err(|_| Error::invalid("botAvatarUrl", "must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || url.len() > MAX_URL {
        return Err(Error::invalid(
            "botAvatarUrl",
            format!("must be an absolute http(s) URL of at most {MAX_URL} characters"),
        ));
    }
    Ok(Some(url.to_owned()))
}

/// Create an integration client and its bot account (owners and admins).
pub async fn create_integration_client(
    ctx: &Ctx,
    input: CreateIntegrationClientInput,
) -> Result<IntegrationClient> {
    require_admin(ctx)?;
    let name = crate::people::validate_name(&input.name, "name")?;
    let bot_name = match input.bot_name.as_deref() {
        Some(n) => crate::people::validate_name(n, "botName")?,
        None => name.clone(),
    };
    let avatar = match input.bot_avatar_url.as_deref() {
        Some(url) => validate_avatar_url(url)?,
        None => None,
    };
    let now = Utc::now();
    let txn = ctx.write().await?;
    let bot = super::bots::insert_integration_user(
        &txn,
        ctx.workspace_id(),
        &bot_name,
        Role::Member,
        avatar,
    )
    .await?;
    let client = integration_clients::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        bot_user_id: Set(bot.id),
        name: Set(name),
        creator_id: Set(ctx.user_id()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(
        txn,
        EventKind::IntegrationClientChanged {
            client_id: client.id,
            bot_id: bot.id,
        },
    )
    .await?;
    Ok(IntegrationClient { client, bot })
}

/// The workspace's integration clients, oldest first (owners and admins).
pub async fn list_integration_clients(ctx: &Ctx) -> Result<Vec<IntegrationClient>> {
    require_admin(ctx)?;
    let clients = integration_clients::Entity::find()
        .filter(integration_clients::Column::WorkspaceId.eq(ctx.workspace_id()))
        .order_by_asc(integration_clients::Column::Id)
        .all(&ctx.db)
        .await?;
    let ids: Vec<i64> = clients.iter().map(|c| c.bot_user_id).collect();
    let mut bots = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), &ids).await?;
    Ok(clients
        .into_iter()
        .filter_map(|client| {
            let bot = bots.remove(&client.bot_user_id)?;
            Some(IntegrationClient { client, bot })
        })
        .collect())
}

async fn find_client(ctx: &Ctx, client_id: i64) -> Result<integration_clients::Model> {
    integration_clients::Entity::find_by_id(client_id)
        .filter(integration_clients::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("integration client"))
}

async fn find_hook(ctx: &Ctx, hook_id: i64) -> Result<integration_hooks::Model> {
    integration_hooks::Entity::find_by_id(hook_id)
        .filter(integration_hooks::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("hook"))
}

/// Whether a chat is an internal Desktop: a channel or group conversation that is not
/// public (see the module documentation).
pub fn is_internal(chat: &entities::chats::Model) -> bool {
    !chat.is_public
        && matches!(
            chat.kind.parse::<ChatKind>(),
            Ok(ChatKind::Channel | ChatKind::Group)
        )
}

fn new_secret() -> Result<String> {
    super::random_hex(SECRET_LEN / 2)
}

/// Create a hook of `client_id` into the internal Desktop `chat_id` (owners and admins
/// who can see the Desktop). The secret is in the answer only.
pub async fn create_hook(ctx: &Ctx, client_id: i64, chat_id: i64) -> Result<HookWithSecret> {
    require_admin(ctx)?;
    let client = find_client(ctx, client_id).await?;
    let acc = access(&ctx.db, &ctx.principal, chat_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("chat"),
            other => other,
        })?;
    if !is_internal(&acc.chat) {
        return Err(Error::invalid(
            "chatId",
            "must be an internal Desktop: a private channel or group conversation",
        ));
    }
    if acc.chat.archived_at.is_some() {
        return Err(Error::conflict("chatId", "the chat is archived"));
    }
    let role = match acc.kind()? {
        ChatKind::Channel => ChatRole::Editor,
        _ => ChatRole::Member,
    };
    let secret = new_secret()?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let was_member = entities::chat_members::Entity::find_by_id((chat_id, client.bot_user_id))
        .one(&txn)
        .await?
        .is_some();
    let hook = integration_hooks::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        client_id: Set(client.id),
        chat_id: Set(chat_id),
        public_id: Set(new_public_id()?),
        secret_hash: Set(hash_secret(&secret)),
        secret_last_four: Set(secret.get(SECRET_LEN - 4..).unwrap_or_default().to_owned()),
        creator_id: Set(ctx.user_id()),
        created_at: Set(now),
        secret_rotated_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut events = Vec::new();
    if !was_member {
        crate::chats::insert_members(&txn, &acc.chat, &[client.bot_user_id], role).await?;
        events.push(
            record(
                &txn,
                ctx,
                EventKind::ChatMembershipChanged {
                    chat_id,
                    user_ids: vec![client.bot_user_id],
                    change: MembershipChange::Added,
                },
                None,
            )
            .await?,
        );
    }
    events.push(
        record(
            &txn,
            ctx,
            EventKind::HookChanged {
                hook_id: hook.id,
                chat_id,
                change: "created".into(),
            },
            None,
        )
        .await?,
    );
    ctx.commit(txn, events).await?;
    let url = hook_url(ctx, &hook.public_id, &secret);
    Ok(HookWithSecret { hook, secret, url })
}

/// The workspace's hooks, oldest first, optionally of one client (owners and admins).
pub async fn list_hooks(
    ctx: &Ctx,
    client_id: Option<i64>,
) -> Result<Vec<integration_hooks::Model>> {
    require_admin(ctx)?;
    let mut q = integration_hooks::Entity::find()
        .filter(integration_hooks::Column::WorkspaceId.eq(ctx.workspace_id()));
    if let Some(id) = client_id {
        q = q.filter(integration_hooks::Column::ClientId.eq(id));
    }
    Ok(q.order_by_asc(integration_hooks::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// Replace a hook's secret (owners and admins): the old URL stops working at once.
pub async fn regenerate_hook_secret(ctx: &Ctx, hook_id: i64) -> Result<HookWithSecret> {
    require_admin(ctx)?;
    let hook = find_hook(ctx, hook_id).await?;
    let secret = new_secret()?;
    let txn = ctx.write().await?;
    let mut am: integration_hooks::ActiveModel = hook.into();
    am.secret_hash = Set(hash_secret(&secret));
    am.secret_last_four = Set(secret.get(SECRET_LEN - 4..).unwrap_or_default().to_owned());
    am.secret_rotated_at = Set(Some(Utc::now()));
    let hook = am.update(&txn).await?;
    ctx.commit_one(
        txn,
        EventKind::HookChanged {
            hook_id: hook.id,
            chat_id: hook.chat_id,
            change: "secret_regenerated".into(),
        },
    )
    .await?;
    let url = hook_url(ctx, &hook.public_id, &secret);
    Ok(HookWithSecret { hook, secret, url })
}

/// Delete a hook (owners and admins): its URL stops working at once. The bot stays a
/// member of the Desktop (other hooks of its client may post there; its messages keep
/// their author).
pub async fn delete_hook(ctx: &Ctx, hook_id: i64) -> Result<()> {
    require_admin(ctx)?;
    let hook = find_hook(ctx, hook_id).await?;
    let txn = ctx.write().await?;
    integration_hooks::Entity::delete_by_id(hook.id)
        .exec(&txn)
        .await?;
    ctx.commit_one(
        txn,
        EventKind::HookChanged {
            hook_id: hook.id,
            chat_id: hook.chat_id,
            change: "deleted".into(),
        },
    )
    .await?;
    Ok(())
}

/// Authenticate a hook's id and secret (from its URL) into the principal of its
/// client's bot. Any failure — malformed, unknown id, wrong secret, a suspended bot —
/// is [`Error::Unauthenticated`], with no hint of which.
pub async fn authenticate_hook(
    db: &DatabaseConnection,
    public_id: &str,
    secret: &str,
) -> Result<(Principal, integration_hooks::Model)> {
    let well_formed = !public_id.is_empty()
        && public_id.len() <= 64
        && secret.len() == SECRET_LEN
        && secret.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(Error::Unauthenticated);
    }
    let given = hash_secret(&secret.to_ascii_lowercase());
    let hook = integration_hooks::Entity::find()
        .filter(integration_hooks::Column::PublicId.eq(public_id))
        .one(db)
        .await?;
    // Compare even when the id is unknown, so both failures take the same time.
    let stored = hook
        .as_ref()
        .map_or_else(|| "0".repeat(SECRET_LEN), |h| h.secret_hash.clone());
    let matches = super::oauth::constant_time_eq(given.as_bytes(), stored.as_bytes());
    let Some(hook) = hook.filter(|_| matches) else {
        return Err(Error::Unauthenticated);
    };
    let client = integration_clients::Entity::find_by_id(hook.client_id)
        .filter(integration_clients::Column::WorkspaceId.eq(hook.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let bot = users::Entity::find_by_id(client.bot_user_id)
        .filter(users::Column::WorkspaceId.eq(hook.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if bot.suspended {
        return Err(Error::Unauthenticated);
    }
    let principal = Principal {
        workspace_id: hook.workspace_id,
        user_id: bot.id,
        role: Role::Member,
        is_bot: true,
        scopes: Scopes::from_stored(Scope::MessagesCreate.as_str(), Role::Member, true),
        credential: Credential::Hook {
            id: hook.id,
            public_id: hook.public_id.clone(),
        },
    };
    Ok((principal, hook))
}

/// Post `message` into the hook's Desktop as its client's bot (the caller is a hook
/// principal from [`authenticate_hook`]), under the origin's idempotency key. A Desktop
/// that is archived, no longer internal, or that the bot was removed from is
/// [`Error::Forbidden`]; the text follows the rules of every message (`content`).
pub async fn post_hook_message(
    ctx: &Ctx,
    hook: &integration_hooks::Model,
    message: String,
) -> Result<messages::Model> {
    let Credential::Hook { id, .. } = &ctx.principal.credential else {
        return Err(Error::Forbidden("only a hook posts through a hook".into()));
    };
    if *id != hook.id || hook.workspace_id != ctx.workspace_id() {
        return Err(Error::Forbidden("only a hook posts through a hook".into()));
    }
    let refused =
        || Error::Forbidden("the hook's Desktop is archived or no longer internal".into());
    let chat = entities::chats::Entity::find_by_id(hook.chat_id)
        .filter(entities::chats::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or_else(refused)?;
    if !is_internal(&chat) || chat.archived_at.is_some() {
        return Err(refused());
    }
    let input = SendMessageInput {
        chat_id: hook.chat_id,
        content: message,
        kind: Some(MessageKind::Integration),
        ..Default::default()
    };
    let fingerprint = serde_json::json!({ "hook": hook.id, "message": input.content });
    crate::idempotency::once(ctx, None, "hookMessage", &fingerprint, || {
        crate::messages::send_message(ctx, input)
    })
    .await
    .map_err(|e| match e {
        Error::NotFound("chat") | Error::Forbidden(_) => refused(),
        Error::Conflict { field, .. } if field == "chatId" => refused(),
        other => other,
    })
}
