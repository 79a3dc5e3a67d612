//! Bots: users with `is_bot`, webhook settings and access tokens.
//!
//! Who manages a bot: its creator, and workspace admins when the bot's `can_edit`
//! includes `admin` (the default). Anyone else gets NOT_FOUND, exactly as for a bot of
//! another workspace. A bot's outgoing URL passes the SSRF guard when set (and again at
//! every delivery); its signing secret keys the `Pachca-Signature` HMAC.

use chrono::{DateTime, Utc};
use entities::{api_tokens, bots, chat_members, users, webhook_endpoints};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::{Scope, Scopes};
use crate::events::EventKind;
use crate::pagination::{Page, PageArgs};
use crate::people::Role;
use crate::{Ctx, Error, Result};

/// Pachca's bot event names (`BotEventName`).
pub const BOT_EVENTS: &[&str] = &[
    "message_new",
    "message_update",
    "message_delete",
    "reaction_new",
    "reaction_delete",
    "button_click",
    "message_link_shared",
    "chat_member_add",
    "chat_member_remove",
    "company_member_invite",
    "company_member_confirm",
    "company_member_suspend",
    "company_member_activate",
    "company_member_delete",
    "company_member_update",
    "video_call_started",
    "video_call_finished",
    "video_call_recording_ready",
];

const TRIGGER_ON: &[&str] = &["commands", "all_messages", "unfurl"];
const TEMPLATE_ENGINES: &[&str] = &["liquid", "mustache"];
const WHO_CAN_ADD: &[&str] = &["creator", "creator_admin", "creator_admin_user", "anyone"];
const CAN_EDIT: &[&str] = &["admin", "chat_owners"];
/// The name of the token `recreate_token` rotates (a bot's other named tokens survive).
pub const PRIMARY_TOKEN_NAME: &str = "access_token";

/// The settings clients round-trip without Switchboard acting on them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BotExtras {
    /// Trigger words (`/task`).
    pub commands: Vec<String>,
    /// Message template.
    pub template: Option<String>,
    /// `liquid` or `mustache`.
    pub template_engine: String,
    /// Challenge key.
    pub challenge_key: Option<String>,
    /// `creator`, `creator_admin`, `creator_admin_user` or `anyone`.
    pub who_can_add: String,
    /// `admin` and/or `chat_owners`.
    pub can_edit: Vec<String>,
    /// Whether the bot lives in one chat only.
    pub single_chat: bool,
    /// Whether the bot has an OAuth client.
    pub oauth_client_enabled: bool,
    /// Whether the client keeps a secret (`None`: yes); see [`super::oauth`].
    pub oauth_confidential: Option<bool>,
    /// The client's registered redirect URIs.
    pub oauth_redirect_uris: Vec<String>,
    /// The scopes the client may ask for (empty: any a person's role allows).
    pub oauth_scopes: Vec<String>,
    /// The first characters of the client secret, once one was issued.
    pub oauth_secret_preview: Option<String>,
}

impl BotExtras {
    /// Whether the OAuth client is confidential (the default).
    pub fn oauth_confidential(&self) -> bool {
        self.oauth_confidential.unwrap_or(true)
    }
}

/// A bot: its user, its settings and its outgoing-webhook endpoint.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Bot {
    /// The bot's user row (id, name, nickname, avatar).
    pub user: users::Model,
    /// Settings.
    pub bot: bots::Model,
    /// The outgoing-webhook endpoint (URL and signing secret).
    pub endpoint: webhook_endpoints::Model,
    /// People with a live token of the bot's OAuth client.
    pub authorized_users: i64,
}

impl Bot {
    /// The bot's id (its user id).
    pub fn id(&self) -> i64 {
        self.user.id
    }
    /// Display name.
    pub fn name(&self) -> String {
        crate::people::display_name(&self.user)
    }
    /// Where events are POSTed, if anywhere.
    pub fn outgoing_url(&self) -> Option<&str> {
        Some(self.endpoint.url.as_str()).filter(|u| !u.is_empty())
    }
    /// The key of `Pachca-Signature` (managers only ever see it).
    pub fn signing_secret(&self) -> &str {
        &self.endpoint.secret
    }
    /// Enabled event names.
    pub fn events(&self) -> Vec<String> {
        split(&self.bot.events)
    }
    /// Scopes the bot's tokens get.
    pub fn scopes(&self) -> Vec<String> {
        split(&self.bot.scopes)
    }
    /// Link domains the bot unfurls.
    pub fn unfurl_domains(&self) -> Vec<String> {
        split(&self.bot.unfurl_domains)
    }
    /// The round-tripped settings.
    pub fn extras(&self) -> BotExtras {
        extras_of(&self.bot)
    }
}

pub(crate) fn extras_of(bot: &bots::Model) -> BotExtras {
    serde_json::from_value(bot.settings.clone()).unwrap_or_default()
}

pub(crate) fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// Settings of [`create_bot`] and [`update_bot`]; `None` keeps (or defaults) a value.
#[derive(Clone, Debug, Default)]
pub struct BotInput {
    /// Display name, 1–255 characters (required on create).
    pub name: Option<String>,
    /// Handle, 1–255 of `[a-z0-9_]`; derived from the name when absent on create.
    pub nickname: Option<String>,
    /// Outgoing webhook URL; `Some("")` removes it.
    pub outgoing_url: Option<String>,
    /// Event names (see [`BOT_EVENTS`]).
    pub events: Option<Vec<String>>,
    /// `commands` (default), `all_messages` or `unfurl`.
    pub trigger_on: Option<String>,
    /// Trigger words.
    pub commands: Option<Vec<String>>,
    /// Scopes of the bot's tokens (empty: every scope a bot may hold).
    pub scopes: Option<Vec<String>>,
    /// Message template.
    pub template: Option<String>,
    /// `liquid` (default) or `mustache`.
    pub template_engine: Option<String>,
    /// Challenge key.
    pub challenge_key: Option<String>,
    /// Link previews on the bot's own messages (default true).
    pub link_preview_enabled: Option<bool>,
    /// Skip the bot's own messages (default false).
    pub ignore_self_messages: Option<bool>,
    /// Keep a pollable event history (default false).
    pub events_history_enabled: Option<bool>,
    /// Who may add the bot to chats (default `creator`).
    pub who_can_add: Option<String>,
    /// Who besides the creator may edit it (default `[admin]`).
    pub can_edit: Option<Vec<String>>,
    /// One chat only (default false).
    pub single_chat: Option<bool>,
    /// Domains whose links raise `link_shared` for this bot.
    pub unfurl_domains: Option<Vec<String>>,
    /// The bot's OAuth client (enables it).
    pub oauth_client: Option<super::oauth::OAuthClientInput>,
}

/// A bot with a freshly issued secret, shown once.
#[derive(Clone, Debug)]
pub struct BotWithToken {
    /// The bot.
    pub bot: Bot,
    /// The new access token.
    pub access_token: String,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid(
            field,
            format!("must be one of {}", allowed.join(", ")),
        ))
    }
}

fn validate_events(events: &[String]) -> Result<String> {
    for e in events {
        one_of("webhook.events", e, BOT_EVENTS)?;
    }
    let mut v: Vec<&str> = events.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.dedup();
    Ok(v.join(" "))
}

fn validate_domains(domains: &[String]) -> Result<String> {
    let mut out = Vec::new();
    for d in domains {
        let d = d.trim().trim_start_matches("*.").to_ascii_lowercase();
        let ok = !d.is_empty()
            && d.len() <= 253
            && d.contains('.')
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !ok {
            return Err(Error::invalid(
                "webhook.unfurl_domains",
                format!("`{d}` is not a domain name"),
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.len() > 100 {
        return Err(Error::invalid("webhook.unfurl_domains", "at most 100"));
    }
    Ok(out.join(" "))
}

fn validate_scopes(scopes: &[String]) -> Result<String> {
    if scopes.is_empty() {
        return Ok("*".into());
    }
    Ok(Scopes::parse_requested(scopes, Role::Member, true, "webhook.scopes")?.to_stored())
}

fn validate_nickname(nick: &str) -> Result<String> {
    let nick = nick.trim().trim_start_matches('@');
    if nick.is_empty() || nick.len() > 255 {
        return Err(Error::invalid(
            "webhook.nickname",
            "must be 1–255 characters",
        ));
    }
    if !nick
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Err(Error::invalid(
            "webhook.nickname",
            "may contain only latin letters, digits, `_`, `-` and `.`",
        ));
    }
    Ok(nick.to_owned())
}

pub(crate) fn nickname_from(name: &str) -> String {
    let base: String = name
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' || c == '_' || c == '-' {
                Some('_')
            } else {
                None
            }
        })
        .collect();
    // Room for `_bot` and a dedup number within the 255 characters of a nickname.
    let base: String = base.trim_matches('_').chars().take(240).collect();
    let base = base.trim_matches('_');
    if base.is_empty() {
        "bot".to_owned()
    } else if base.ends_with("bot") {
        base.to_owned()
    } else {
        format!("{base}_bot")
    }
}

pub(crate) async fn nickname_taken<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    nickname: &str,
    except: Option<i64>,
) -> Result<bool> {
    let mut q = users::Entity::find()
        .filter(users::Column::WorkspaceId.eq(workspace_id))
        .filter(
            Expr::expr(Func::lower(Expr::col(users::Column::Nickname))).eq(nickname.to_lowercase()),
        );
    if let Some(id) = except {
        q = q.filter(users::Column::Id.ne(id));
    }
    Ok(q.one(db).await?.is_some())
}

/// Insert the bot user of a workspace-level integration (a workspace token, an incoming
/// webhook, a Hook API client) inside `txn`: named `name`, with a nickname derived from it
/// and made unique, holding `role` (what it may do is still limited by its token's
/// permissions).
pub(crate) async fn insert_integration_user(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    name: &str,
    role: Role,
    avatar_url: Option<String>,
) -> Result<users::Model> {
    let base = nickname_from(name);
    let mut nick = base.clone();
    let mut n = 1;
    while nickname_taken(txn, workspace_id, &nick, None).await? {
        n += 1;
        nick = format!("{base}{n}");
    }
    insert_bot_user(txn, workspace_id, name, nick, role, avatar_url).await
}

/// Insert a bot user with this (already unique) nickname.
async fn insert_bot_user(
    txn: &DatabaseTransaction,
    workspace_id: i64,
    name: &str,
    nickname: String,
    role: Role,
    avatar_url: Option<String>,
) -> Result<users::Model> {
    let now = Utc::now();
    Ok(users::ActiveModel {
        workspace_id: Set(workspace_id),
        email: Set(None),
        first_name: Set(name.to_owned()),
        last_name: Set(String::new()),
        nickname: Set(nickname),
        is_bot: Set(true),
        role: Set(role.as_str().to_owned()),
        title: Set(String::new()),
        department_id: Set(None),
        suspended: Set(false),
        phone: Set(String::new()),
        avatar_url: Set(avatar_url),
        time_zone: Set("UTC".to_owned()),
        status_emoji: Set(None),
        status_title: Set(None),
        status_expires_at: Set(None),
        status_is_away: Set(false),
        status_away_message: Set(None),
        last_activity_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

async fn check_url(ctx: &Ctx, url: &str) -> Result<()> {
    if url.len() > 2048 {
        return Err(Error::invalid(
            "webhook.outgoing_url",
            "must be at most 2048 characters",
        ));
    }
    ctx.env
        .guard
        .check_url(url)
        .await
        .map(drop)
        .map_err(|e| Error::invalid("webhook.outgoing_url", e.to_string()))
}

fn can_manage(ctx: &Ctx, bot: &bots::Model) -> bool {
    if ctx.principal.is_bot {
        return false;
    }
    bot.creator_id == ctx.user_id()
        || (ctx.principal.is_admin() && extras_of(bot).can_edit.iter().any(|c| c == "admin"))
}

/// What the caller may do with a bot (Pachca's `permissions`).
#[derive(Clone, Copy, Debug)]
pub struct BotPermissions {
    /// Change the OAuth client.
    pub update_oauth_client: bool,
    /// Rotate the access token.
    pub recreate_token: bool,
    /// Delete the bot.
    pub destroy: bool,
}

/// The caller's permissions on `bot`.
pub fn permissions(ctx: &Ctx, bot: &Bot) -> BotPermissions {
    let manage = can_manage(ctx, &bot.bot);
    BotPermissions {
        update_oauth_client: manage,
        recreate_token: manage,
        destroy: manage,
    }
}

async fn load<C: ConnectionTrait>(db: &C, workspace_id: i64, bot_id: i64) -> Result<Option<Bot>> {
    let Some(bot) = bots::Entity::find_by_id(bot_id)
        .filter(bots::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let user = crate::people::find_user(db, workspace_id, bot_id).await?;
    let endpoint = webhook_endpoints::Entity::find_by_id(bot.endpoint_id)
        .one(db)
        .await?;
    let authorized = super::oauth::authorized_users(db, &[bot_id]).await?;
    Ok(match (user, endpoint) {
        (Some(user), Some(endpoint)) => Some(Bot {
            user,
            bot,
            endpoint,
            authorized_users: authorized.get(&bot_id).copied().unwrap_or(0),
        }),
        _ => None,
    })
}

async fn load_many<C: ConnectionTrait>(db: &C, rows: Vec<bots::Model>) -> Result<Vec<Bot>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|b| b.user_id).collect();
    let endpoint_ids: Vec<i64> = rows.iter().map(|b| b.endpoint_id).collect();
    let workspace_id = rows.first().map(|b| b.workspace_id).unwrap_or_default();
    let mut users = crate::people::users_by_ids(db, workspace_id, &ids).await?;
    let endpoints: std::collections::HashMap<i64, webhook_endpoints::Model> =
        webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::Id.is_in(endpoint_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    let authorized = super::oauth::authorized_users(db, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|bot| {
            let user = users.remove(&bot.user_id)?;
            let endpoint = endpoints.get(&bot.endpoint_id)?.clone();
            Some(Bot {
                authorized_users: authorized.get(&bot.user_id).copied().unwrap_or(0),
                user,
                bot,
                endpoint,
            })
        })
        .collect())
}

/// A bot the caller manages, or NOT_FOUND.
pub(crate) async fn managed(ctx: &Ctx, bot_id: i64) -> Result<Bot> {
    let bot = load(&ctx.db, ctx.workspace_id(), bot_id)
        .await?
        .ok_or(Error::NotFound("bot"))?;
    if !can_manage(ctx, &bot.bot) {
        return Err(Error::NotFound("bot"));
    }
    Ok(bot)
}

/// The calling bot itself (bot tokens only).
async fn me(ctx: &Ctx) -> Result<Bot> {
    if !ctx.principal.is_bot {
        return Err(Error::Forbidden(
            "only a bot's own token may do this".into(),
        ));
    }
    load(&ctx.db, ctx.workspace_id(), ctx.user_id())
        .await?
        .ok_or(Error::NotFound("bot"))
}

pub(crate) use crate::auth::hash_secret;

/// Issue a token for a bot inside `txn` (its secret is returned once).
async fn issue_token(
    txn: &DatabaseTransaction,
    bot: &bots::Model,
    name: &str,
    scopes: Option<&[String]>,
) -> Result<(api_tokens::Model, String)> {
    let stored = match scopes {
        Some(list) if !list.is_empty() => {
            Scopes::parse_requested(list, Role::Member, true, "scopes")?.to_stored()
        }
        _ => bot.scopes.clone(),
    };
    let minted = crate::auth::mint_token()?;
    let row = api_tokens::ActiveModel {
        workspace_id: Set(bot.workspace_id),
        user_id: Set(bot.user_id),
        name: Set(name.to_owned()),
        prefix: Set(minted.prefix),
        last_four: Set(minted.last_four),
        token_hash: Set(minted.hash),
        scopes: Set(stored),
        expires_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok((row, minted.token))
}

/// Create a bot (`bots:write`); the caller becomes its creator. Returns its token, once.
pub async fn create_bot(ctx: &Ctx, input: BotInput) -> Result<BotWithToken> {
    ctx.require(Scope::BotsWrite)?;
    if ctx.principal.is_bot || ctx.principal.role == Role::Guest {
        return Err(Error::Forbidden(
            "bots cannot be created by this user".into(),
        ));
    }
    let name =
        crate::people::validate_name(input.name.as_deref().unwrap_or_default(), "webhook.name")?;
    let nickname = match input.nickname.as_deref() {
        Some(n) => validate_nickname(n)?,
        None => nickname_from(&name),
    };
    let url = input
        .outgoing_url
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if !url.is_empty() {
        check_url(ctx, &url).await?;
    }
    let events = validate_events(&input.events.clone().unwrap_or_default())?;
    let trigger_on = one_of(
        "webhook.trigger_on",
        input.trigger_on.as_deref().unwrap_or("commands"),
        TRIGGER_ON,
    )?;
    let scopes = validate_scopes(&input.scopes.clone().unwrap_or_default())?;
    let domains = validate_domains(&input.unfurl_domains.clone().unwrap_or_default())?;
    let extras = merge_extras(BotExtras::default(), &input, true)?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    let mut nick = nickname.clone();
    let mut n = 1;
    while nickname_taken(&txn, ctx.workspace_id(), &nick, None).await? {
        if input.nickname.is_some() {
            return Err(Error::conflict("webhook.nickname", "is already taken"));
        }
        n += 1;
        nick = format!("{nickname}{n}");
    }
    let user = insert_bot_user(&txn, ctx.workspace_id(), &name, nick, Role::Member, None).await?;
    let endpoint = webhook_endpoints::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        url: Set(url.clone()),
        event_types: Set(String::new()),
        secret: Set(crate::webhooks::signing::new_secret()?),
        active: Set(!url.is_empty()),
        disabled_reason: Set(None),
        created_at: Set(now),
        format: Set("pachca".to_owned()),
        owner_id: Set(Some(user.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let bot = bots::ActiveModel {
        user_id: Set(user.id),
        workspace_id: Set(ctx.workspace_id()),
        creator_id: Set(ctx.user_id()),
        endpoint_id: Set(endpoint.id),
        events: Set(events),
        trigger_on: Set(trigger_on),
        scopes: Set(scopes),
        link_preview_enabled: Set(input.link_preview_enabled.unwrap_or(true)),
        ignore_self_messages: Set(input.ignore_self_messages.unwrap_or(false)),
        events_history_enabled: Set(input.events_history_enabled.unwrap_or(false)),
        unfurl_domains: Set(domains),
        settings: Set(serde_json::to_value(&extras).map_err(Error::internal)?),
        client_id: Set(random_client_id()?),
        client_secret_hash: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let (_, token) = issue_token(&txn, &bot, PRIMARY_TOKEN_NAME, None).await?;
    ctx.commit_one(txn, EventKind::BotChanged { bot_id: user.id })
        .await?;
    Ok(BotWithToken {
        bot: Bot {
            user,
            bot,
            endpoint,
            authorized_users: 0,
        },
        access_token: token,
    })
}

fn random_client_id() -> Result<String> {
    super::random_hex(16)
}

fn merge_extras(mut extras: BotExtras, input: &BotInput, creating: bool) -> Result<BotExtras> {
    if creating {
        extras.template_engine = "liquid".into();
        extras.who_can_add = "creator".into();
        extras.can_edit = vec!["admin".into()];
    }
    if let Some(c) = &input.commands {
        if c.len() > 100 || c.iter().any(|c| c.trim().is_empty() || c.len() > 255) {
            return Err(Error::invalid(
                "webhook.commands",
                "at most 100 non-empty commands of up to 255 characters",
            ));
        }
        extras.commands = c.iter().map(|c| c.trim().to_owned()).collect();
    }
    if let Some(t) = &input.template {
        if t.len() > 10_000 {
            return Err(Error::invalid(
                "webhook.template",
                "must be at most 10000 characters",
            ));
        }
        extras.template = Some(t.clone()).filter(|t| !t.is_empty());
    }
    if let Some(e) = &input.template_engine {
        extras.template_engine = one_of("webhook.template_engine", e, TEMPLATE_ENGINES)?;
    }
    if let Some(k) = &input.challenge_key {
        extras.challenge_key = Some(k.clone()).filter(|k| !k.is_empty());
    }
    if let Some(w) = &input.who_can_add {
        extras.who_can_add = one_of("webhook.who_can_add", w, WHO_CAN_ADD)?;
    }
    if let Some(c) = &input.can_edit {
        let mut v = Vec::new();
        for x in c {
            let x = one_of("webhook.can_edit", x, CAN_EDIT)?;
            if !v.contains(&x) {
                v.push(x);
            }
        }
        extras.can_edit = v;
    }
    if let Some(s) = input.single_chat {
        extras.single_chat = s;
    }
    if let Some(client) = &input.oauth_client {
        super::oauth::merge_client(&mut extras, client)?;
    }
    Ok(extras)
}

/// One bot the caller manages (`bots:read`).
pub async fn get_bot(ctx: &Ctx, bot_id: i64) -> Result<Bot> {
    ctx.require(Scope::BotsRead)?;
    managed(ctx, bot_id).await
}

/// The bots the caller manages, oldest first, optionally by name (`bots:read`).
pub async fn list_bots(ctx: &Ctx, query: Option<&str>, page: PageArgs) -> Result<Page<Bot>> {
    ctx.require(Scope::BotsRead)?;
    let mut q = bots::Entity::find().filter(bots::Column::WorkspaceId.eq(ctx.workspace_id()));
    let admin_edit = ctx.principal.is_admin() && !ctx.principal.is_bot;
    if !admin_edit {
        q = q.filter(bots::Column::CreatorId.eq(ctx.user_id()));
    }
    if let Some(after) = page.after {
        q = q.filter(bots::Column::UserId.gt(after));
    }
    let rows = q.order_by_asc(bots::Column::UserId).all(&ctx.db).await?;
    // `can_edit` lives in JSON: filter in memory (a workspace has few bots).
    let needle = query
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let rows: Vec<bots::Model> = rows.into_iter().filter(|b| can_manage(ctx, b)).collect();
    let mut bots = load_many(&ctx.db, rows).await?;
    if let Some(needle) = needle {
        bots.retain(|b| {
            b.name().to_lowercase().contains(&needle)
                || b.user.nickname.to_lowercase().contains(&needle)
        });
    }
    let limit = usize::try_from(page.fetch()).unwrap_or(usize::MAX);
    bots.truncate(limit);
    Ok(Page::from_probe(bots, &page))
}

/// Every bot of the workspace (`company_bots:read`, admins).
pub async fn list_company_bots(ctx: &Ctx, page: PageArgs) -> Result<Page<Bot>> {
    ctx.require(Scope::CompanyBotsRead)?;
    if !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only workspace admins list every bot".into(),
        ));
    }
    let mut q = bots::Entity::find().filter(bots::Column::WorkspaceId.eq(ctx.workspace_id()));
    if let Some(after) = page.after {
        q = q.filter(bots::Column::UserId.gt(after));
    }
    let rows = q
        .order_by_asc(bots::Column::UserId)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(load_many(&ctx.db, rows).await?, &page))
}

async fn apply_update(ctx: &Ctx, bot: Bot, input: BotInput) -> Result<Bot> {
    let Bot {
        user,
        bot,
        endpoint,
        authorized_users,
    } = bot;
    let mut user_am: users::ActiveModel = user.clone().into();
    let mut bot_am: bots::ActiveModel = bot.clone().into();
    let mut ep_am: webhook_endpoints::ActiveModel = endpoint.clone().into();
    let now = Utc::now();
    if let Some(name) = &input.name {
        user_am.first_name = Set(crate::people::validate_name(name, "webhook.name")?);
        user_am.last_name = Set(String::new());
    }
    let nickname = input
        .nickname
        .as_deref()
        .map(validate_nickname)
        .transpose()?;
    if let Some(url) = &input.outgoing_url {
        let url = url.trim();
        if !url.is_empty() {
            check_url(ctx, url).await?;
        }
        ep_am.url = Set(url.to_owned());
        ep_am.active = Set(!url.is_empty());
        ep_am.disabled_reason = Set(None);
    }
    if let Some(e) = &input.events {
        bot_am.events = Set(validate_events(e)?);
    }
    if let Some(t) = &input.trigger_on {
        bot_am.trigger_on = Set(one_of("webhook.trigger_on", t, TRIGGER_ON)?);
    }
    if let Some(s) = &input.scopes {
        bot_am.scopes = Set(validate_scopes(s)?);
    }
    if let Some(d) = &input.unfurl_domains {
        bot_am.unfurl_domains = Set(validate_domains(d)?);
    }
    if let Some(v) = input.link_preview_enabled {
        bot_am.link_preview_enabled = Set(v);
    }
    if let Some(v) = input.ignore_self_messages {
        bot_am.ignore_self_messages = Set(v);
    }
    if let Some(v) = input.events_history_enabled {
        bot_am.events_history_enabled = Set(v);
    }
    let extras = merge_extras(extras_of(&bot), &input, false)?;
    bot_am.settings = Set(serde_json::to_value(&extras).map_err(Error::internal)?);
    bot_am.updated_at = Set(now);
    user_am.updated_at = Set(now);
    let txn = ctx.write().await?;
    if let Some(nick) = nickname {
        if nickname_taken(&txn, ctx.workspace_id(), &nick, Some(user.id)).await? {
            return Err(Error::conflict("webhook.nickname", "is already taken"));
        }
        user_am.nickname = Set(nick);
    }
    let user = user_am.update(&txn).await?;
    let bot = bot_am.update(&txn).await?;
    let endpoint = if ep_am.is_changed() {
        ep_am.update(&txn).await?
    } else {
        endpoint
    };
    ctx.commit_one(txn, EventKind::BotChanged { bot_id: user.id })
        .await?;
    Ok(Bot {
        user,
        bot,
        endpoint,
        authorized_users,
    })
}

/// Change a bot's settings (`bots:write`, its managers).
pub async fn update_bot(ctx: &Ctx, bot_id: i64, input: BotInput) -> Result<Bot> {
    ctx.require(Scope::BotsWrite)?;
    let bot = managed(ctx, bot_id).await?;
    apply_update(ctx, bot, input).await
}

/// A bot sets its own outgoing URL (`bot_self:webhook:write`; `""` removes it).
pub async fn set_own_webhook(ctx: &Ctx, outgoing_url: &str) -> Result<Bot> {
    ctx.require(Scope::BotSelfWebhookWrite)?;
    let bot = me(ctx).await?;
    apply_update(
        ctx,
        bot,
        BotInput {
            outgoing_url: Some(outgoing_url.to_owned()),
            ..Default::default()
        },
    )
    .await
}

/// Delete a bot: its tokens stop working at once, it leaves every chat, its webhook is
/// removed. The user row stays (suspended) so its messages keep their author.
pub async fn delete_bot(ctx: &Ctx, bot_id: i64) -> Result<()> {
    ctx.require(Scope::BotsWrite)?;
    let bot = managed(ctx, bot_id).await?;
    let now = Utc::now();
    let txn = ctx.write().await?;
    revoke_all(&txn, bot.id(), None, now).await?;
    chat_members::Entity::delete_many()
        .filter(chat_members::Column::UserId.eq(bot.id()))
        .exec(&txn)
        .await?;
    users::Entity::update_many()
        .col_expr(users::Column::Suspended, Expr::value(true))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(bot.id()))
        .exec(&txn)
        .await?;
    bots::Entity::delete_by_id(bot.id()).exec(&txn).await?;
    webhook_endpoints::Entity::delete_by_id(bot.endpoint.id)
        .exec(&txn)
        .await?;
    ctx.commit_one(txn, EventKind::BotDeleted { bot_id: bot.id() })
        .await?;
    Ok(())
}

async fn revoke_all(
    txn: &DatabaseTransaction,
    bot_id: i64,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut q = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(now))
        .filter(api_tokens::Column::UserId.eq(bot_id))
        .filter(api_tokens::Column::RevokedAt.is_null());
    if let Some(name) = name {
        q = q.filter(api_tokens::Column::Name.eq(name));
    }
    q.exec(txn).await?;
    Ok(())
}

async fn recreate(ctx: &Ctx, bot: Bot) -> Result<BotWithToken> {
    let txn = ctx.write().await?;
    revoke_all(&txn, bot.id(), Some(PRIMARY_TOKEN_NAME), Utc::now()).await?;
    if let crate::Credential::ApiToken { id, .. } = &ctx.principal.credential
        && ctx.principal.user_id == bot.id()
    {
        // The token used for a self-rotation stops working too.
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(api_tokens::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    let (_, token) = issue_token(&txn, &bot.bot, PRIMARY_TOKEN_NAME, None).await?;
    ctx.commit_one(txn, EventKind::BotChanged { bot_id: bot.id() })
        .await?;
    Ok(BotWithToken {
        bot,
        access_token: token,
    })
}

/// Rotate a bot's access token (`bots:write`, its managers): the old one stops at once.
pub async fn recreate_bot_token(ctx: &Ctx, bot_id: i64) -> Result<BotWithToken> {
    ctx.require(Scope::BotsWrite)?;
    let bot = managed(ctx, bot_id).await?;
    recreate(ctx, bot).await
}

/// A bot rotates its own access token (`bot_self:write`); the calling token stops at once.
pub async fn recreate_own_token(ctx: &Ctx) -> Result<BotWithToken> {
    ctx.require(Scope::BotSelfWrite)?;
    let bot = me(ctx).await?;
    recreate(ctx, bot).await
}

/// The calling bot itself.
pub async fn get_own_bot(ctx: &Ctx) -> Result<Bot> {
    me(ctx).await
}

/// Issue a new OAuth client secret for a bot (shown once).
pub async fn rotate_client_secret(ctx: &Ctx, bot_id: i64) -> Result<(Bot, String)> {
    ctx.require(Scope::BotsWrite)?;
    let bot = managed(ctx, bot_id).await?;
    let secret = format!("sbcs_{}", super::random_hex(32)?);
    let mut extras = bot.extras();
    extras.oauth_client_enabled = true;
    extras.oauth_secret_preview = Some(secret.chars().take(12).collect());
    let mut am: bots::ActiveModel = bot.bot.clone().into();
    am.client_secret_hash = Set(Some(hash_secret(&secret)));
    am.settings = Set(serde_json::to_value(&extras).map_err(Error::internal)?);
    am.updated_at = Set(Utc::now());
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::BotChanged { bot_id: bot.id() })
        .await?;
    Ok((Bot { bot: row, ..bot }, secret))
}

/// One scope of the catalogue.
#[derive(Clone, Debug)]
pub struct ScopeInfo {
    /// `messages:create`.
    pub id: String,
    /// Its group (`messages`).
    pub group: String,
    /// Presets including it.
    pub presets: Vec<String>,
}

/// The scopes a bot may hold (`bots:read`): id, group and presets of each.
pub async fn bot_scope_catalog(ctx: &Ctx, bot_id: i64) -> Result<Vec<ScopeInfo>> {
    ctx.require(Scope::BotsRead)?;
    managed(ctx, bot_id).await?;
    Ok(Scope::ALL
        .iter()
        .filter(|s| s.allowed_for(Role::Member, true))
        .map(|s| {
            let id = s.as_str().to_owned();
            let group = id.split(':').next().unwrap_or_default().to_owned();
            let read_only = id.ends_with(":read");
            let mut presets = vec!["full".to_owned()];
            if read_only {
                presets.push("read_only".to_owned());
            }
            ScopeInfo { id, group, presets }
        })
        .collect())
}

// ---- named bot tokens -----------------------------------------------------------

/// A bot's token, with its secret when just issued.
#[derive(Clone, Debug)]
pub struct BotToken {
    /// The row (prefix, scopes, dates).
    pub row: api_tokens::Model,
    /// The whole token, only right after issuance.
    pub token: Option<String>,
}

impl BotToken {
    /// The token as shown: whole once, masked (first 8 + `...` + last 4) afterwards.
    pub fn display(&self) -> String {
        match &self.token {
            Some(t) => t.clone(),
            None => {
                let head: String = self.row.prefix.chars().take(8).collect();
                format!("{head}...{}", self.row.last_four)
            }
        }
    }
    /// The scopes the token carries.
    pub fn scopes(&self) -> Vec<String> {
        if self.row.scopes.trim() == "*" {
            return Scopes::for_role(Role::Member, true)
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
        }
        split(&self.row.scopes)
    }
}

async fn token_of(ctx: &Ctx, bot_id: i64, token_id: i64) -> Result<api_tokens::Model> {
    api_tokens::Entity::find_by_id(token_id)
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(api_tokens::Column::UserId.eq(bot_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("token"))
}

/// A bot's live tokens, oldest first (`bots:read`).
pub async fn list_bot_tokens(ctx: &Ctx, bot_id: i64, page: PageArgs) -> Result<Page<BotToken>> {
    ctx.require(Scope::BotsRead)?;
    managed(ctx, bot_id).await?;
    let mut q = api_tokens::Entity::find()
        .filter(api_tokens::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(api_tokens::Column::UserId.eq(bot_id))
        .filter(api_tokens::Column::RevokedAt.is_null());
    if let Some(after) = page.after {
        q = q.filter(api_tokens::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(api_tokens::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    Ok(Page::from_probe(rows, &page).map(|row| BotToken { row, token: None }))
}

/// Issue a named token for a bot (`bots:write`).
pub async fn create_bot_token(
    ctx: &Ctx,
    bot_id: i64,
    name: &str,
    scopes: Option<Vec<String>>,
) -> Result<BotToken> {
    ctx.require(Scope::BotsWrite)?;
    let bot = managed(ctx, bot_id).await?;
    let name = crate::people::validate_name(name, "name")?;
    let txn = ctx.write().await?;
    let (row, token) = issue_token(&txn, &bot.bot, &name, scopes.as_deref()).await?;
    ctx.commit_one(
        txn,
        EventKind::ApiTokenCreated {
            token_id: row.id,
            prefix: row.prefix.clone(),
        },
    )
    .await?;
    Ok(BotToken {
        row,
        token: Some(token),
    })
}

/// Rename a bot's token or change its scopes (`bots:write`).
pub async fn update_bot_token(
    ctx: &Ctx,
    bot_id: i64,
    token_id: i64,
    name: Option<String>,
    scopes: Option<Vec<String>>,
) -> Result<BotToken> {
    ctx.require(Scope::BotsWrite)?;
    managed(ctx, bot_id).await?;
    let row = token_of(ctx, bot_id, token_id).await?;
    let mut am: api_tokens::ActiveModel = row.into();
    if let Some(name) = name {
        am.name = Set(crate::people::validate_name(&name, "name")?);
    }
    if let Some(scopes) = scopes {
        am.scopes = Set(validate_scopes(&scopes)?);
    }
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::BotChanged { bot_id })
        .await?;
    Ok(BotToken { row, token: None })
}

/// Replace a token's secret, keeping its id, name and scopes (`bots:write`).
pub async fn reissue_bot_token(ctx: &Ctx, bot_id: i64, token_id: i64) -> Result<BotToken> {
    ctx.require(Scope::BotsWrite)?;
    managed(ctx, bot_id).await?;
    let row = token_of(ctx, bot_id, token_id).await?;
    let minted = crate::auth::mint_token()?;
    let token = minted.token;
    let mut am: api_tokens::ActiveModel = row.into();
    am.prefix = Set(minted.prefix);
    am.last_four = Set(minted.last_four);
    am.token_hash = Set(minted.hash);
    am.last_used_at = Set(None);
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::BotChanged { bot_id })
        .await?;
    Ok(BotToken {
        row,
        token: Some(token),
    })
}

/// Revoke a bot's token (`bots:write`); effective on the next request.
pub async fn revoke_bot_token(ctx: &Ctx, bot_id: i64, token_id: i64) -> Result<()> {
    ctx.require(Scope::BotsWrite)?;
    managed(ctx, bot_id).await?;
    let row = token_of(ctx, bot_id, token_id).await?;
    let mut am: api_tokens::ActiveModel = row.into();
    am.revoked_at = Set(Some(Utc::now()));
    let txn = ctx.write().await?;
    let row = am.update(&txn).await?;
    ctx.commit_one(txn, EventKind::ApiTokenRevoked { token_id: row.id })
        .await?;
    Ok(())
}

/// Every bot of a workspace with something to receive (an active endpoint or a
/// history), for routing inside a change's transaction.
pub(crate) async fn listening<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
) -> Result<Vec<(bots::Model, webhook_endpoints::Model)>> {
    let rows = bots::Entity::find()
        .filter(bots::Column::WorkspaceId.eq(workspace_id))
        .find_also_related_endpoint(db)
        .await?;
    Ok(rows)
}

trait FindEndpoint {
    async fn find_also_related_endpoint<C: ConnectionTrait>(
        self,
        db: &C,
    ) -> Result<Vec<(bots::Model, webhook_endpoints::Model)>>;
}

impl FindEndpoint for sea_orm::Select<bots::Entity> {
    async fn find_also_related_endpoint<C: ConnectionTrait>(
        self,
        db: &C,
    ) -> Result<Vec<(bots::Model, webhook_endpoints::Model)>> {
        let bots = self.all(db).await?;
        if bots.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = bots.iter().map(|b| b.endpoint_id).collect();
        let endpoints: std::collections::HashMap<i64, webhook_endpoints::Model> =
            webhook_endpoints::Entity::find()
                .filter(webhook_endpoints::Column::Id.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
        Ok(bots
            .into_iter()
            .filter_map(|b| {
                let e = endpoints.get(&b.endpoint_id)?.clone();
                (e.active || b.events_history_enabled).then_some((b, e))
            })
            .collect())
    }
}
