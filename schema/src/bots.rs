//! Integrations over GraphQL: bot management (settings, tokens), the views a bot opened
//! for the caller, link previews, drafts and chat exports. Thin: every field calls
//! `resolvers::integrations`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{chat_exports, drafts, link_previews, views};
use resolvers::idempotency::{once, once_with_secret};
use resolvers::integrations::{
    bots, drafts as rdrafts, exports, history, oauth, previews, views as rviews,
};
use resolvers::pagination::PageArgs;
use serde_json::Value;

use crate::context::rctx;
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::types::{connection, page_cost};

/// A bot: a user with webhook settings, managed by its creator (and admins).
pub struct Bot(pub bots::Bot);

#[Object]
impl Bot {
    /// Global id (a bot is a user: this is its user id).
    async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id())
    }
    /// Display name.
    async fn name(&self) -> String {
        self.0.name()
    }
    /// Handle.
    async fn nickname(&self) -> &str {
        &self.0.user.nickname
    }
    /// Who created it.
    async fn creator_id(&self) -> ID {
        ids::encode(Kind::User, self.0.bot.creator_id)
    }
    /// Where events are POSTed (Pachca-shaped, `Pachca-Signature` signed).
    async fn outgoing_url(&self) -> Option<&str> {
        self.0.outgoing_url()
    }
    /// The HMAC-SHA256 key of `Pachca-Signature`.
    async fn signing_secret(&self) -> &str {
        self.0.signing_secret()
    }
    /// Enabled events (`message_new`, `reaction_new`, ...).
    async fn events(&self) -> Vec<String> {
        self.0.events()
    }
    /// `commands`, `all_messages` or `unfurl`.
    async fn trigger_on(&self) -> &str {
        &self.0.bot.trigger_on
    }
    /// Trigger words.
    async fn commands(&self) -> Vec<String> {
        self.0.extras().commands
    }
    /// Scopes of the bot's tokens (`*`: every scope a bot may hold).
    async fn scopes(&self) -> Vec<String> {
        self.0.scopes()
    }
    /// Link previews on the bot's messages.
    async fn link_preview_enabled(&self) -> bool {
        self.0.bot.link_preview_enabled
    }
    /// Whether the bot skips its own messages.
    async fn ignore_self_messages(&self) -> bool {
        self.0.bot.ignore_self_messages
    }
    /// Whether events are kept for polling.
    async fn events_history_enabled(&self) -> bool {
        self.0.bot.events_history_enabled
    }
    /// Domains whose links the bot unfurls.
    async fn unfurl_domains(&self) -> Vec<String> {
        self.0.unfurl_domains()
    }
    /// `liquid` or `mustache`.
    async fn template_engine(&self) -> String {
        self.0.extras().template_engine
    }
    /// Who may add it to chats.
    async fn who_can_add(&self) -> String {
        self.0.extras().who_can_add
    }
    /// Who besides its creator may edit it.
    async fn can_edit(&self) -> Vec<String> {
        self.0.extras().can_edit
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.bot.created_at
    }
    /// Its picture.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.user.avatar_url.as_deref()
    }
    /// People with a live token of its OAuth client.
    async fn authorized_users_count(&self) -> i64 {
        self.0.authorized_users
    }
    /// Its OAuth client, when enabled.
    async fn oauth_client(&self) -> Option<OAuthClient> {
        oauth::client_of(&self.0.bot).map(|c| OAuthClient {
            client_id: c.client_id,
            client_secret_preview: c.client_secret_preview,
            confidential: c.confidential,
            redirect_uris: c.redirect_uris,
            scopes: c.scopes,
        })
    }
}

/// A bot's OAuth client: apps acting for the people who authorize them.
#[derive(SimpleObject)]
pub struct OAuthClient {
    /// The public client id.
    pub client_id: String,
    /// The secret's first characters (the secret is shown once, on rotation).
    pub client_secret_preview: String,
    /// Confidential (authenticates with its secret) or public (PKCE only).
    pub confidential: bool,
    /// Where an authorization may send the person back.
    pub redirect_uris: Vec<String>,
    /// Scopes the client may ask for (empty: any the person's role allows).
    pub scopes: Vec<String>,
}

/// Settings of a bot's OAuth client; absent fields keep their value.
#[derive(InputObject, Default, serde::Serialize)]
pub struct OAuthClientInput {
    /// Confidential (default) or public.
    pub confidential: Option<bool>,
    /// Redirect URIs: https, or http to a loopback address.
    pub redirect_uris: Option<Vec<String>>,
    /// Scopes the client may ask for.
    pub scopes: Option<Vec<String>>,
}

/// A bot with its new OAuth client secret (shown once).
#[derive(SimpleObject)]
pub struct BotClientSecretPayload {
    /// The bot.
    pub bot: Bot,
    /// The client secret; only its hash is stored.
    pub client_secret: String,
}

/// An app's authorization request, as the consent screen received it.
#[derive(InputObject)]
pub struct OAuthAuthorizeInput {
    /// The app (a bot's OAuth client id).
    pub client_id: String,
    /// One of the client's registered redirect URIs.
    pub redirect_uri: String,
    /// Scopes asked for (default: every scope of the client your role allows).
    pub scopes: Option<Vec<String>>,
    /// PKCE: base64url SHA-256 of the verifier (required of public clients).
    pub code_challenge: Option<String>,
    /// `S256` (the only method).
    pub code_challenge_method: Option<String>,
    /// Opaque value handed back to the app with the code.
    pub state: Option<String>,
}

impl From<OAuthAuthorizeInput> for oauth::AuthorizeInput {
    fn from(i: OAuthAuthorizeInput) -> Self {
        oauth::AuthorizeInput {
            client_id: i.client_id,
            redirect_uri: i.redirect_uri,
            scopes: i.scopes,
            code_challenge: i.code_challenge,
            code_challenge_method: i.code_challenge_method,
        }
    }
}

/// What a person granted an app: the code the app exchanges at `/oauth/token`.
#[derive(SimpleObject)]
pub struct OAuthAuthorizationPayload {
    /// Single use, valid ten minutes.
    pub code: String,
    /// The redirect URI with `code` (and `state`, when given) appended: where to send
    /// the person.
    pub redirect_to: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// When the code expires.
    pub expires_at: DateTime<Utc>,
}

/// A bot with its access token (shown once).
#[derive(SimpleObject)]
pub struct BotWithTokenPayload {
    /// The bot.
    pub bot: Bot,
    /// The access token; only its hash is stored. Null when `createBot` replays an
    /// earlier request with the same idempotency key: the token went out with the first
    /// answer only (`recreateBotToken` issues a new one).
    pub access_token: Option<String>,
}

/// A bot's access token.
pub struct BotToken(pub bots::BotToken);

#[Object]
impl BotToken {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::ApiToken, self.0.row.id)
    }
    /// Label.
    async fn name(&self) -> &str {
        &self.0.row.name
    }
    /// The token: whole right after issuance, masked afterwards.
    async fn token(&self) -> String {
        self.0.display()
    }
    /// Scopes.
    async fn scopes(&self) -> Vec<String> {
        self.0.scopes()
    }
    /// When it was issued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
    /// When it was last used.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.row.last_used_at
    }
}

/// Settings of a bot; absent fields keep their value (or default on create).
#[derive(InputObject, Default, serde::Serialize)]
pub struct BotSettingsInput {
    /// Display name (required on create).
    pub name: Option<String>,
    /// Handle (`[a-z0-9_.-]`), derived from the name when absent.
    pub nickname: Option<String>,
    /// Outgoing webhook URL; `""` removes it.
    pub outgoing_url: Option<String>,
    /// Events to send.
    pub events: Option<Vec<String>>,
    /// `commands`, `all_messages` or `unfurl`.
    pub trigger_on: Option<String>,
    /// Trigger words.
    pub commands: Option<Vec<String>>,
    /// Scopes of the bot's tokens.
    pub scopes: Option<Vec<String>>,
    /// `liquid` or `mustache`.
    pub template_engine: Option<String>,
    /// Link previews on the bot's messages.
    pub link_preview_enabled: Option<bool>,
    /// Skip the bot's own messages.
    pub ignore_self_messages: Option<bool>,
    /// Keep events for polling.
    pub events_history_enabled: Option<bool>,
    /// Who may add it to chats.
    pub who_can_add: Option<String>,
    /// Who besides its creator may edit it (`admin`, `chat_owners`).
    pub can_edit: Option<Vec<String>>,
    /// Domains whose links the bot unfurls.
    pub unfurl_domains: Option<Vec<String>>,
    /// The bot's OAuth client (enables it).
    pub oauth_client: Option<OAuthClientInput>,
}

impl From<BotSettingsInput> for bots::BotInput {
    fn from(i: BotSettingsInput) -> Self {
        bots::BotInput {
            name: i.name,
            nickname: i.nickname,
            outgoing_url: i.outgoing_url,
            events: i.events,
            trigger_on: i.trigger_on,
            commands: i.commands,
            scopes: i.scopes,
            template_engine: i.template_engine,
            link_preview_enabled: i.link_preview_enabled,
            ignore_self_messages: i.ignore_self_messages,
            events_history_enabled: i.events_history_enabled,
            who_can_add: i.who_can_add,
            can_edit: i.can_edit,
            unfurl_domains: i.unfurl_domains,
            oauth_client: i.oauth_client.map(|c| oauth::OAuthClientInput {
                confidential: c.confidential,
                redirect_uris: c.redirect_uris,
                scopes: c.scopes,
            }),
            ..Default::default()
        }
    }
}

/// A modal view a bot opened for the caller.
pub struct View(pub views::Model);

#[Object]
impl View {
    /// The view's id.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// The bot that opened it.
    async fn bot_id(&self) -> ID {
        ids::encode(Kind::User, self.0.bot_id)
    }
    /// `open`, `submitted` (awaiting the bot) or `closed`.
    async fn state(&self) -> &str {
        &self.0.state
    }
    /// `{title, close_text?, submit_text?, blocks}`.
    async fn view(&self) -> Json<Value> {
        Json(self.0.view.clone())
    }
    /// The bot's field errors for the last submission.
    async fn errors(&self) -> Option<Json<Value>> {
        self.0.submit_errors.clone().map(Json)
    }
    /// When it was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A link preview attached to a message.
pub struct LinkPreview(pub link_previews::Model);

#[Object]
impl LinkPreview {
    /// The link.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Image.
    async fn image_url(&self) -> Option<&str> {
        self.0.image_url.as_deref()
    }
}

/// An unsent message of the caller.
pub struct Draft(pub drafts::Model);

#[Object]
impl Draft {
    /// Row id.
    async fn id(&self) -> i64 {
        self.0.id
    }
    /// The chat.
    async fn chat_id(&self) -> ID {
        ids::encode(Kind::Chat, self.0.chat_id)
    }
    /// Text.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The message it answers.
    async fn parent_message_id(&self) -> Option<ID> {
        self.0
            .parent_message_id
            .map(|id| ids::encode(Kind::Message, id))
    }
    /// When a scheduled draft is sent next.
    async fn next_send_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_send_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A chat export.
pub struct ChatExport(pub chat_exports::Model);

#[Object]
impl ChatExport {
    /// Row id.
    async fn id(&self) -> i64 {
        self.0.id
    }
    /// `pending`, `running`, `ready` or `failed`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Archive size in bytes, once ready.
    async fn size(&self) -> Option<i64> {
        self.0.size
    }
    /// A short-lived download URL, once ready.
    async fn download_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if self.0.status != "ready" {
            return Ok(None);
        }
        exports::export_download_url(rctx(ctx)?, self.0.id)
            .await
            .map(Some)
            .gql()
    }
}

/// Input of `requestChatExport`.
#[derive(InputObject, serde::Serialize)]
pub struct ChatExportInput {
    /// First day, `YYYY-MM-DD`.
    pub start_at: String,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub end_at: String,
    /// Where the ready notice is POSTed (none: poll `chatExport`).
    pub webhook_url: Option<String>,
    /// Only these chats (default: all).
    pub chat_ids: Option<Vec<ID>>,
    /// Leave `chats.json` out.
    #[graphql(default)]
    pub skip_chats_file: bool,
}

/// One entry of a bot's event history: the payload its webhook was (or would be) sent.
pub struct BotEvent(pub entities::bot_events::Model);

#[Object]
impl BotEvent {
    /// ULID-like id (stable; pass it to `deleteBotEvent`).
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// Pachca's event name (`message_new`, `reaction_delete`, ...).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The Pachca webhook payload (without `webhook_timestamp`).
    async fn payload(&self) -> Json<Value> {
        Json(history::stamped_payload(&self.0))
    }
    /// When the event happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Input of `addLinkPreviews`.
#[derive(InputObject)]
pub struct LinkPreviewInput {
    /// A link of the message.
    pub url: String,
    /// Title.
    pub title: String,
    /// Description.
    #[graphql(default)]
    pub description: String,
    /// Image URL.
    pub image_url: Option<String>,
}

/// Queries of integrations.
#[derive(Default)]
pub struct BotsQuery;

#[Object]
impl BotsQuery {
    /// The bots the caller manages.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn bots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only bots whose name or nickname contains this.")] query: Option<String>,
    ) -> Result<Connection<String, Bot>> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = bots::list_bots(rctx(ctx)?, query.as_deref(), page)
            .await
            .gql()?;
        Ok(connection(rows, |b| b.id(), Bot))
    }
    /// One bot the caller manages.
    async fn bot(&self, ctx: &Context<'_>, id: ID) -> Result<Bot> {
        let id = ids::decode(&id, Kind::User, "id")?;
        Ok(Bot(bots::get_bot(rctx(ctx)?, id).await.gql()?))
    }
    /// A bot's live tokens.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn bot_tokens(
        &self,
        ctx: &Context<'_>,
        bot_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, BotToken>> {
        let bot_id = ids::decode(&bot_id, Kind::User, "botId")?;
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let rows = bots::list_bot_tokens(rctx(ctx)?, bot_id, page)
            .await
            .gql()?;
        Ok(connection(rows, |t| t.row.id, BotToken))
    }
    /// The calling bot's event history, newest first (bot tokens with
    /// `webhooks:events:read`; kept while `eventsHistoryEnabled` is on).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn bot_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, BotEvent>> {
        let page = PageArgs::parse(first, None).gql()?;
        let after = after
            .map(|c| history::decode_history_cursor(&c, "after"))
            .transpose()
            .gql()?;
        let rows =
            history::list_bot_events(rctx(ctx)?, after, history::Direction::Older, page.first)
                .await
                .gql()?;
        let mut conn = Connection::new(rows.has_prev, rows.has_next);
        conn.edges.extend(rows.items.into_iter().map(|e| {
            async_graphql::connection::Edge::new(history::encode_history_cursor(&e.id), BotEvent(e))
        }));
        Ok(conn)
    }
    /// Views bots opened for the caller that are not closed yet.
    async fn my_views(&self, ctx: &Context<'_>) -> Result<Vec<View>> {
        let rows = rviews::list_open_views(rctx(ctx)?).await.gql()?;
        Ok(rows.into_iter().map(View).collect())
    }
    /// Link previews of a message.
    async fn link_previews(&self, ctx: &Context<'_>, message_id: ID) -> Result<Vec<LinkPreview>> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let rows = previews::list_link_previews(rctx(ctx)?, id).await.gql()?;
        Ok(rows.into_iter().map(LinkPreview).collect())
    }
    /// The caller's drafts, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn drafts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "`regular` (default), `scheduled` or `all`.")] kind: Option<String>,
        chat_id: Option<ID>,
    ) -> Result<Connection<String, Draft>> {
        let page = PageArgs::parse(first, after.as_deref()).gql()?;
        let kind = parse_draft_kind(kind.as_deref())?;
        let chat_id = chat_id
            .map(|id| ids::decode(&id, Kind::Chat, "chatId"))
            .transpose()?;
        let rows = rdrafts::list_drafts(rctx(ctx)?, kind, chat_id, page)
            .await
            .gql()?;
        Ok(connection(rows, |d| d.id, Draft))
    }
    /// A chat export of the workspace.
    async fn chat_export(&self, ctx: &Context<'_>, id: i64) -> Result<ChatExport> {
        Ok(ChatExport(exports::get_export(rctx(ctx)?, id).await.gql()?))
    }
}

fn parse_draft_kind(kind: Option<&str>) -> Result<rdrafts::DraftKind> {
    match kind.unwrap_or("regular") {
        "regular" => Ok(rdrafts::DraftKind::Regular),
        "scheduled" => Ok(rdrafts::DraftKind::Scheduled),
        "all" => Ok(rdrafts::DraftKind::All),
        _ => Err(crate::error::to_gql(resolvers::Error::invalid(
            "kind",
            "must be regular, scheduled or all",
        ))),
    }
}

/// Mutations of integrations.
#[derive(Default)]
pub struct BotsMutation;

#[Object]
impl BotsMutation {
    /// Create a bot; you become its creator. Its access token is shown once.
    async fn create_bot(
        &self,
        ctx: &Context<'_>,
        input: BotSettingsInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<BotWithTokenPayload> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let (bot, access_token) = once_with_secret(c, None, "createBot", &fingerprint, || async {
            let created = bots::create_bot(c, input.into()).await?;
            Ok((created.bot, created.access_token))
        })
        .await
        .gql()?;
        Ok(BotWithTokenPayload {
            bot: Bot(bot),
            access_token,
        })
    }
    /// Change a bot's settings.
    async fn update_bot(&self, ctx: &Context<'_>, id: ID, input: BotSettingsInput) -> Result<Bot> {
        let id = ids::decode(&id, Kind::User, "id")?;
        Ok(Bot(bots::update_bot(rctx(ctx)?, id, input.into())
            .await
            .gql()?))
    }
    /// Delete a bot: its tokens stop working and it leaves every chat.
    async fn delete_bot(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = ids::decode(&id, Kind::User, "id")?;
        bots::delete_bot(rctx(ctx)?, id).await.gql()?;
        Ok(true)
    }
    /// Rotate a bot's access token; the old one stops at once.
    async fn recreate_bot_token(&self, ctx: &Context<'_>, id: ID) -> Result<BotWithTokenPayload> {
        let id = ids::decode(&id, Kind::User, "id")?;
        let created = bots::recreate_bot_token(rctx(ctx)?, id).await.gql()?;
        Ok(BotWithTokenPayload {
            bot: Bot(created.bot),
            access_token: Some(created.access_token),
        })
    }
    /// Issue a new secret for a bot's OAuth client (shown once), enabling the client.
    async fn rotate_bot_client_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<BotClientSecretPayload> {
        let id = ids::decode(&id, Kind::User, "id")?;
        let (bot, client_secret) = bots::rotate_client_secret(rctx(ctx)?, id).await.gql()?;
        Ok(BotClientSecretPayload {
            bot: Bot(bot),
            client_secret,
        })
    }
    /// Consent, as the signed-in person, to an app (a bot's OAuth client) acting for
    /// you: the answer is the code to send the person back to the app with. App
    /// sessions only.
    async fn authorize_oauth_client(
        &self,
        ctx: &Context<'_>,
        input: OAuthAuthorizeInput,
    ) -> Result<OAuthAuthorizationPayload> {
        let state = input.state.clone();
        let granted = oauth::authorize(rctx(ctx)?, input.into()).await.gql()?;
        let redirect_to = granted.redirect_to(state.as_deref());
        Ok(OAuthAuthorizationPayload {
            code: granted.code,
            redirect_to,
            scopes: granted.scopes,
            expires_at: granted.expires_at,
        })
    }
    /// Issue a named token for a bot (shown once in `token`).
    async fn create_bot_token(
        &self,
        ctx: &Context<'_>,
        bot_id: ID,
        name: String,
        scopes: Option<Vec<String>>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<BotToken> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([bot_id, name, scopes]);
        let bot_id = ids::decode(&bot_id, Kind::User, "botId")?;
        let (row, token) = once_with_secret(c, None, "createBotToken", &fingerprint, || async {
            let created = bots::create_bot_token(c, bot_id, &name, scopes).await?;
            Ok((created.row, created.token))
        })
        .await
        .gql()?;
        // A replay shows the token masked, as every later read does.
        Ok(BotToken(bots::BotToken {
            row,
            token: token.flatten(),
        }))
    }
    /// Rename a bot's token or change its scopes.
    async fn update_bot_token(
        &self,
        ctx: &Context<'_>,
        bot_id: ID,
        token_id: ID,
        name: Option<String>,
        scopes: Option<Vec<String>>,
    ) -> Result<BotToken> {
        let bot_id = ids::decode(&bot_id, Kind::User, "botId")?;
        let token_id = ids::decode(&token_id, Kind::ApiToken, "tokenId")?;
        Ok(BotToken(
            bots::update_bot_token(rctx(ctx)?, bot_id, token_id, name, scopes)
                .await
                .gql()?,
        ))
    }
    /// Give a bot's token a new secret (shown once), keeping its id and scopes.
    async fn reissue_bot_token(
        &self,
        ctx: &Context<'_>,
        bot_id: ID,
        token_id: ID,
    ) -> Result<BotToken> {
        let bot_id = ids::decode(&bot_id, Kind::User, "botId")?;
        let token_id = ids::decode(&token_id, Kind::ApiToken, "tokenId")?;
        Ok(BotToken(
            bots::reissue_bot_token(rctx(ctx)?, bot_id, token_id)
                .await
                .gql()?,
        ))
    }
    /// Revoke a bot's token.
    async fn revoke_bot_token(&self, ctx: &Context<'_>, bot_id: ID, token_id: ID) -> Result<bool> {
        let bot_id = ids::decode(&bot_id, Kind::User, "botId")?;
        let token_id = ids::decode(&token_id, Kind::ApiToken, "tokenId")?;
        bots::revoke_bot_token(rctx(ctx)?, bot_id, token_id)
            .await
            .gql()?;
        Ok(true)
    }
    /// Remove an event from the calling bot's history (`webhooks:events:delete`).
    async fn delete_bot_event(&self, ctx: &Context<'_>, id: String) -> Result<bool> {
        history::delete_bot_event(rctx(ctx)?, &id).await.gql()?;
        Ok(true)
    }
    /// A bot opens a modal view for the user whose button click gave `triggerId`
    /// (within 3 s of the click).
    async fn open_view(
        &self,
        ctx: &Context<'_>,
        trigger_id: String,
        view: Json<Value>,
        callback_id: Option<String>,
        private_metadata: Option<String>,
    ) -> Result<View> {
        let input = rviews::OpenViewInput {
            kind: "modal".into(),
            trigger_id,
            private_metadata,
            callback_id,
            view: view.0,
        };
        Ok(View(rviews::open_view(rctx(ctx)?, input).await.gql()?))
    }
    /// A bot answers a view submission: no `errors` closes the view. `false` when the
    /// submission is not the view's pending one.
    async fn answer_view_submission(
        &self,
        ctx: &Context<'_>,
        view_id: String,
        submit_id: String,
        errors: Option<Json<Value>>,
    ) -> Result<bool> {
        rviews::answer_submission(rctx(ctx)?, &view_id, &submit_id, errors.map(|e| e.0))
            .await
            .gql()
    }
    /// Attach link previews to a message (a bot unfurling `link_shared` links).
    async fn add_link_previews(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        previews: Vec<LinkPreviewInput>,
    ) -> Result<Vec<LinkPreview>> {
        let id = ids::decode(&message_id, Kind::Message, "messageId")?;
        let previews = previews
            .into_iter()
            .map(|p| previews::PreviewInput {
                url: p.url,
                title: p.title,
                description: p.description,
                image_url: p.image_url,
            })
            .collect();
        let rows = previews::add_link_previews(rctx(ctx)?, id, previews)
            .await
            .gql()?;
        Ok(rows.into_iter().map(LinkPreview).collect())
    }
    /// Submit a view a bot opened for you, with its field values; the bot answers.
    async fn submit_view(&self, ctx: &Context<'_>, id: String, data: Json<Value>) -> Result<View> {
        Ok(View(
            rviews::submit_view(rctx(ctx)?, &id, data.0).await.gql()?,
        ))
    }
    /// Close a view without submitting it.
    async fn close_view(&self, ctx: &Context<'_>, id: String) -> Result<View> {
        Ok(View(rviews::close_view(rctx(ctx)?, &id).await.gql()?))
    }
    /// Save a draft in a chat.
    async fn create_draft(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        content: String,
        parent_message_id: Option<ID>,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<Draft> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::json!([chat_id, content, parent_message_id]);
        let input = rdrafts::DraftInput {
            chat_id: Some(ids::decode(&chat_id, Kind::Chat, "chatId")?),
            content: Some(content),
            parent_message_id: parent_message_id
                .map(|id| ids::decode(&id, Kind::Message, "parentMessageId"))
                .transpose()?,
            ..Default::default()
        };
        let draft = once(c, None, "createDraft", &fingerprint, || {
            rdrafts::create_draft(c, input)
        })
        .await
        .gql()?;
        Ok(Draft(draft))
    }
    /// Change a draft's text.
    async fn update_draft(&self, ctx: &Context<'_>, id: i64, content: String) -> Result<Draft> {
        let input = rdrafts::DraftInput {
            content: Some(content),
            ..Default::default()
        };
        Ok(Draft(
            rdrafts::update_draft(rctx(ctx)?, id, input).await.gql()?,
        ))
    }
    /// Delete a draft.
    async fn delete_draft(&self, ctx: &Context<'_>, id: i64) -> Result<bool> {
        rdrafts::delete_draft(rctx(ctx)?, id).await.gql()?;
        Ok(true)
    }
    /// Export chats' messages over a date range (owners); a notice is POSTed to
    /// `webhookUrl` when the archive is ready.
    async fn request_chat_export(
        &self,
        ctx: &Context<'_>,
        input: ChatExportInput,
        #[graphql(
            desc = "Run at most once per key: a retry with the same key and input gets the first result (also read from the `Idempotency-Key` header)."
        )]
        idempotency_key: Option<String>,
    ) -> Result<ChatExport> {
        let c = &rctx(ctx)?.with_idempotency_key(idempotency_key.as_deref());
        let fingerprint = serde_json::to_value(&input).unwrap_or_default();
        let chat_ids = input
            .chat_ids
            .map(|ids| ids::decode_all(&ids, Kind::Chat, "chatIds"))
            .transpose()?;
        let input = exports::ExportInput {
            start_at: input.start_at,
            end_at: input.end_at,
            webhook_url: input.webhook_url,
            chat_ids,
            skip_chats_file: input.skip_chats_file,
        };
        let export = once(c, None, "requestChatExport", &fingerprint, || {
            exports::request_export(c, input)
        })
        .await
        .gql()?;
        Ok(ChatExport(export))
    }
}
