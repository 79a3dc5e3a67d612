//! Hook API administration over GraphQL: integration clients (each with its bot
//! account) and their hooks into internal Desktops. Owners and admins only. Thin: every
//! field calls `resolvers::integrations::hooks`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entities::integration_hooks;
use resolvers::idempotency::{once, once_with_secret};
use resolvers::integrations::hooks;

use crate::context::rctx;
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::types::User;

/// An integration client: its hooks act through its bot account.
pub struct IntegrationClient(pub hooks::IntegrationClient);

#[Object]
impl IntegrationClient {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::IntegrationClient, self.0.client.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.client.name
    }
    /// The bot account every hook of the client posts as.
    async fn bot(&self) -> User {
        User(self.0.bot.clone())
    }
    /// Who created it.
    async fn creator_id(&self) -> ID {
        ids::encode(Kind::User, self.0.client.creator_id)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.client.created_at
    }
    /// The client's hooks, oldest first.
    async fn hooks(&self, ctx: &Context<'_>) -> Result<Vec<Hook>> {
        let list = hooks::list_hooks(rctx(ctx)?, Some(self.0.client.id))
            .await
            .gql()?;
        Ok(list.into_iter().map(Hook).collect())
    }
}

/// A hook: `POST <url>` with `{"message": "…"}` posts into its Desktop as the client's
/// bot. The secret is shown only when created or regenerated.
pub struct Hook(pub integration_hooks::Model);

#[Object]
impl Hook {
    /// Global id (for administration; the URL carries `publicId`).
    async fn id(&self) -> ID {
        ids::encode(Kind::Hook, self.0.id)
    }
    /// The id in the hook's URL (opaque, not secret).
    async fn public_id(&self) -> &str {
        &self.0.public_id
    }
    /// The client whose bot posts.
    async fn client_id(&self) -> ID {
        ids::encode(Kind::IntegrationClient, self.0.client_id)
    }
    /// The Desktop (an internal chat) it posts into.
    async fn chat_id(&self) -> ID {
        ids::encode(Kind::Chat, self.0.chat_id)
    }
    /// The secret, masked: `…` and its last four characters.
    async fn secret_hint(&self) -> String {
        format!("…{}", self.0.secret_last_four)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its secret was last regenerated.
    async fn secret_regenerated_at(&self) -> Option<DateTime<Utc>> {
        self.0.secret_rotated_at
    }
}

/// A hook with its secret and URL, shown this once.
pub struct HookWithSecretPayload {
    hook: integration_hooks::Model,
    /// The secret and the URL holding it; `None` when `createHook` replays an earlier
    /// request with the same idempotency key (they went out with the first answer only).
    shown: Option<(String, String)>,
}

impl From<hooks::HookWithSecret> for HookWithSecretPayload {
    fn from(created: hooks::HookWithSecret) -> Self {
        HookWithSecretPayload {
            hook: created.hook,
            shown: Some((created.secret, created.url)),
        }
    }
}

#[Object]
impl HookWithSecretPayload {
    /// The hook.
    async fn hook(&self) -> Hook {
        Hook(self.hook.clone())
    }
    /// The 64-hex secret. Only its hash is kept: it cannot be shown again. Null when
    /// `createHook` replays an earlier request with the same idempotency key
    /// (`regenerateHookSecret` makes a new one).
    async fn secret(&self) -> Option<&str> {
        self.shown.as_ref().map(|(secret, _)| secret.as_str())
    }
    /// The URL to POST messages to: `<server>/hooks/<publicId>/<secret>/message`; null
    /// with `secret`.
    async fn url(&self) -> Option<&str> {
        self.shown.as_ref().map(|(_, url)| url.as_str())
    }
}

/// Input of `createIntegrationClient`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateIntegrationClientInput {
    /// The client's name (1–255 characters).
    pub name: String,
    /// The bot's display name (default: the client's name).
    pub bot_name: Option<String>,
    /// The bot's picture, an absolute http(s) URL.
    pub bot_avatar_url: Option<String>,
}

/// Hook API queries.
#[derive(Default)]
pub struct HooksQuery;

#[Object]
impl HooksQuery {
    /// The workspace's integration clients, oldest first (owners and admins).
    async fn integration_clients(&self, ctx: &Context<'_>) -> Result<Vec<IntegrationClient>> {
        let list = hooks::list_integration_clients(rctx(ctx)?).await.gql()?;
        Ok(list.into_iter().map(IntegrationClient).collect())
    }
    /// The workspace's hooks, oldest first, optionally of one client (owners and admins).
    async fn hooks(&self, ctx: &Context<'_>, client_id: Option<ID>) -> Result<Vec<Hook>> {
        let client_id = client_id
            .map(|id| ids::decode(&id, Kind::IntegrationClient, "clientId"))
            .transpose()?;
        let list = hooks::list_hooks(rctx(ctx)?, client_id).await.gql()?;
        Ok(list.into_iter().map(Hook).collect())
    }
}

/// Hook API administration.
#[derive(Default)]
pub struct HooksMutation;

#[Object]
impl HooksMutation {
    /// Create an integration client and its bot account (owners and admins).
    async fn create_integration_client(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationClientInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<IntegrationClient> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let input = hooks::CreateIntegrationClientInput {
            name: input.name,
            bot_name: input.bot_name,
            bot_avatar_url: input.bot_avatar_url,
        };
        let created = once(c, None, "createIntegrationClient", &fingerprint, || {
            hooks::create_integration_client(c, input)
        })
        .await
        .gql()?;
        Ok(IntegrationClient(created))
    }
    /// Create a hook of a client into an internal Desktop (a private channel or group
    /// conversation you can see); its bot joins the Desktop. The secret is shown once.
    async fn create_hook(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        chat_id: ID,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<HookWithSecretPayload> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([client_id, chat_id]);
        let client_id = ids::decode(&client_id, Kind::IntegrationClient, "clientId")?;
        let chat_id = ids::decode(&chat_id, Kind::Chat, "chatId")?;
        let (hook, shown) = once_with_secret(c, None, "createHook", &fingerprint, || async {
            let created = hooks::create_hook(c, client_id, chat_id).await?;
            Ok((created.hook, (created.secret, created.url)))
        })
        .await
        .gql()?;
        Ok(HookWithSecretPayload { hook, shown })
    }
    /// Replace a hook's secret; the old URL stops working at once. The new secret is
    /// shown once.
    async fn regenerate_hook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<HookWithSecretPayload> {
        let id = ids::decode(&id, Kind::Hook, "id")?;
        let created = hooks::regenerate_hook_secret(rctx(ctx)?, id).await.gql()?;
        Ok(HookWithSecretPayload::from(created))
    }
    /// Delete a hook; its URL stops working at once.
    async fn delete_hook(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = ids::decode(&id, Kind::Hook, "id")?;
        hooks::delete_hook(rctx(ctx)?, id).await.gql()?;
        Ok(true)
    }
}
