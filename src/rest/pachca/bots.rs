//! Bots: `GET`/`POST /bots`, `GET`/`PUT`/`DELETE /bots/{id}`,
//! `POST /bots/{id}/recreate_token`, the SDK's named tokens (`/bots/{id}/tokens...`),
//! scope catalogue and `rotate_client_secret`, `GET /company/bots`, and a bot's own
//! `PUT /bot/webhook`, `POST /bot/recreate_token`. (Bot avatars live with the others in
//! `avatars`.)

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post, put};
use chrono::Utc;
use resolvers::integrations::bots::{self as domain, BotInput};
use resolvers::integrations::oauth::{self, OAuthClientInput};
use resolvers::pagination::{Key, Page, PageArgs, Seek, Slice, Window};

use super::convert::{self, date, date_opt};
use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, Ids, RailsQuery, created, no_content, ok, ok_data};
use super::wire::{
    self, BotCreateRequest, BotOAuthClientInput, BotTokenCreateRequest, BotTokenUpdateRequest,
    BotUpdateRequest, BotWebhookInput, BotWebhookSelfUpdateRequest, List, ListMeta,
};
use crate::state::AppState;

/// Method, path → handler. Credential: a person's token with `bots:write` (managers of
/// the bot), an admin's with `company_bots:read`, or the bot's own token for `/bot/...`.
/// Rate class: standard. The recreate-token POSTs take no body.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bots", get(list).post(create))
        .route("/bots/{id}", get(show).put(update).delete(destroy))
        .route("/bots/{id}/recreate_token", post(recreate))
        .route(
            "/bots/{id}/rotate_client_secret",
            post(rotate_client_secret),
        )
        .route("/bots/{id}/scopes", get(scopes))
        .route("/bots/{id}/tokens", get(tokens).post(create_token))
        .route(
            "/bots/{id}/tokens/{token_id}",
            put(update_token).delete(revoke_token),
        )
        .route("/bots/{id}/tokens/{token_id}/reissue", post(reissue_token))
        .route("/company/bots", get(company))
        .route("/bot/webhook", put(self_webhook))
        .route("/bot/recreate_token", post(self_recreate))
}

fn input(w: BotWebhookInput, client: Option<BotOAuthClientInput>) -> BotInput {
    BotInput {
        oauth_client: client.map(|c| OAuthClientInput {
            confidential: c.confidential,
            redirect_uris: c.redirect_uris,
            scopes: c.scopes,
        }),
        name: w.name,
        nickname: w.nickname,
        outgoing_url: w.outgoing_url,
        events: w.events,
        trigger_on: w.trigger_on,
        commands: w.commands,
        scopes: w.scopes,
        template: w.template,
        template_engine: w.template_engine,
        challenge_key: w.challenge_key,
        link_preview_enabled: w.link_preview_enabled,
        ignore_self_messages: w.ignore_self_messages,
        events_history_enabled: w.events_history_enabled,
        who_can_add: w.who_can_add,
        can_edit: w.can_edit,
        single_chat: w.single_chat,
        unfurl_domains: w.unfurl_domains,
    }
}

fn webhook(bot: &domain::Bot, with_domains: bool) -> wire::BotWebhook {
    let extras = bot.extras();
    wire::BotWebhook {
        name: bot.name(),
        nickname: bot.user.nickname.clone(),
        outgoing_url: bot.outgoing_url().map(str::to_owned),
        events: bot.events(),
        trigger_on: bot.bot.trigger_on.clone(),
        commands: extras.commands,
        scopes: bot.scopes(),
        template: extras.template,
        template_engine: extras.template_engine,
        challenge_key: extras.challenge_key,
        link_preview_enabled: bot.bot.link_preview_enabled,
        ignore_self_messages: bot.bot.ignore_self_messages,
        events_history_enabled: bot.bot.events_history_enabled,
        single_chat: extras.single_chat,
        can_edit: extras.can_edit,
        who_can_add: extras.who_can_add,
        unfurl_domains: with_domains.then(|| bot.unfurl_domains()),
    }
}

/// The full Bot object (managers' endpoints).
fn bot(caller: &Caller, bot: &domain::Bot, access_token: Option<String>) -> wire::Bot {
    let p = domain::permissions(&caller.ctx, bot);
    wire::Bot {
        id: bot.id(),
        name: Some(bot.name()),
        nickname: Some(bot.user.nickname.clone()),
        created_at: Some(date(bot.bot.created_at)),
        authorized_users_count: Some(bot.authorized_users),
        avatar_url: bot.user.avatar_url.clone(),
        creator_id: Some(bot.bot.creator_id),
        oauth_client: oauth::client_of(&bot.bot).map(|c| wire::BotOAuthClient {
            client_id: c.client_id,
            client_secret_preview: c.client_secret_preview,
            confidential: c.confidential,
            redirect_uris: c.redirect_uris,
            scopes: c.scopes,
        }),
        client_secret: None,
        webhook: webhook(bot, true),
        oauth_client_enabled: Some(bot.extras().oauth_client_enabled),
        permissions: Some(wire::BotPermissions {
            update_oauth_client: p.update_oauth_client,
            recreate_token: p.recreate_token,
            destroy: p.destroy,
        }),
        access_token,
    }
}

/// `{id, webhook}` without `unfurl_domains` (the bot's own endpoints).
fn own(bot: &domain::Bot, access_token: Option<String>) -> wire::Bot {
    wire::Bot {
        id: bot.id(),
        name: None,
        nickname: None,
        created_at: None,
        authorized_users_count: None,
        webhook: webhook(bot, false),
        oauth_client_enabled: None,
        permissions: None,
        access_token,
        avatar_url: None,
        creator_id: None,
        oauth_client: None,
        client_secret: None,
    }
}

/// `POST /bots` `{webhook: {name*, ...}}` → 201 `{data: Bot + access_token}`.
async fn create(caller: Caller, Body(body): Body<BotCreateRequest>) -> Reply {
    let made = domain::create_bot(&caller.ctx, input(body.webhook, body.oauth_client)).await?;
    Ok(created(wire::Data {
        data: bot(&caller, &made.bot, Some(made.access_token)),
    }))
}

/// `PUT /bots/{id}` `{webhook: {...}}` or `{bot: {webhook: {...}}}` → 200 `{data: Bot}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<BotUpdateRequest>) -> Reply {
    let w = match (body.webhook, body.bot) {
        (Some(w), _) => w,
        (None, Some(b)) => b.webhook,
        (None, None) if body.oauth_client.is_some() => BotWebhookInput::default(),
        (None, None) => return Err(Failure::bad_request("webhook", "missing field `webhook`")),
    };
    let updated = domain::update_bot(&caller.ctx, id, input(w, body.oauth_client)).await?;
    Ok(ok_data(bot(&caller, &updated, None)))
}

/// `POST /bots/{id}/recreate_token` (no body) → 200 `{data: Bot + access_token}`.
async fn recreate(caller: Caller, Id(id): Id) -> Reply {
    let made = domain::recreate_bot_token(&caller.ctx, id).await?;
    Ok(ok_data(bot(&caller, &made.bot, Some(made.access_token))))
}

/// A forward-only page window of `q` (bots and tokens are listed oldest first).
fn forward(q: &RailsQuery) -> Result<(Window, PageArgs), Failure> {
    let window = q.window(50)?;
    let after = match window.seek {
        Seek::After(k) => Some(k.id),
        Seek::Start | Seek::Before(_) => None,
    };
    let page = PageArgs {
        first: window.limit,
        after,
    };
    Ok((window, page))
}

/// A list envelope of `page`, rendered item by item.
fn listing<T, W: serde::Serialize>(
    window: &Window,
    args: &PageArgs,
    page: &Page<T>,
    id: impl Fn(&T) -> i64,
    render: impl Fn(&T) -> W,
) -> Response {
    let slice = Slice {
        items: page.items.iter().map(&id).collect::<Vec<_>>(),
        has_next: page.has_next,
        has_prev: args.after.is_some(),
    };
    ok(List {
        data: page.items.iter().map(render).collect(),
        meta: ListMeta {
            paginate: convert::paginate(window, &slice, |id| Key::id(*id)),
        },
    })
}

/// `GET /bots?query=&limit=&cursor=` → the bots the caller manages, oldest first.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let (window, args) = forward(&q)?;
    let page = domain::list_bots(&caller.ctx, q.str("query"), args).await?;
    Ok(listing(&window, &args, &page, domain::Bot::id, |b| {
        bot(&caller, b, None)
    }))
}

/// `GET /company/bots?limit=&cursor=` → every bot of the workspace, oldest first (admins).
async fn company(caller: Caller, q: RailsQuery) -> Reply {
    let (window, args) = forward(&q)?;
    let page = domain::list_company_bots(&caller.ctx, args).await?;
    Ok(listing(&window, &args, &page, domain::Bot::id, |b| {
        bot(&caller, b, None)
    }))
}

/// `GET /bots/{id}` → 200 `{data: Bot}`.
async fn show(caller: Caller, Id(id): Id) -> Reply {
    let found = domain::get_bot(&caller.ctx, id).await?;
    Ok(ok_data(bot(&caller, &found, None)))
}

/// `DELETE /bots/{id}` → 204: its tokens stop at once, it leaves every chat.
async fn destroy(caller: Caller, Id(id): Id) -> Reply {
    domain::delete_bot(&caller.ctx, id).await?;
    Ok(no_content())
}

/// `POST /bots/{id}/rotate_client_secret` (no body) → 200 `{data: Bot + client_secret}`.
async fn rotate_client_secret(caller: Caller, Id(id): Id) -> Reply {
    let (rotated, secret) = domain::rotate_client_secret(&caller.ctx, id).await?;
    let mut out = bot(&caller, &rotated, None);
    out.client_secret = Some(secret);
    Ok(ok_data(out))
}

/// `GET /bots/{id}/scopes` → 200 bare `BotScopeCatalog`.
async fn scopes(caller: Caller, Id(id): Id) -> Reply {
    let catalog = domain::bot_scope_catalog(&caller.ctx, id).await?;
    let mut groups: Vec<wire::BotScopeCatalogGroup> = Vec::new();
    for s in &catalog {
        if !groups.iter().any(|g| g.id == s.group) {
            groups.push(wire::BotScopeCatalogGroup {
                id: s.group.clone(),
                title: title_case(&s.group),
                description: format!("Access to {}", s.group.replace('_', " ")),
            });
        }
    }
    let scopes = catalog
        .into_iter()
        .map(|s| wire::BotScopeCatalogItem {
            title: scope_title(&s.id),
            id: s.id,
            group: s.group,
            preset: s.presets,
        })
        .collect();
    Ok(ok(wire::BotScopeCatalog {
        scopes,
        groups,
        presets: vec![
            wire::BotScopeCatalogPreset {
                id: "full".into(),
                title: "Full access".into(),
            },
            wire::BotScopeCatalogPreset {
                id: "read_only".into(),
                title: "Read only".into(),
            },
        ],
    }))
}

/// `chat_members` → `Chat members`.
fn title_case(group: &str) -> String {
    let words = group.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `messages:create` → `Messages: create`.
fn scope_title(id: &str) -> String {
    match id.split_once(':') {
        Some((group, action)) => format!("{}: {}", title_case(group), action.replace('_', " ")),
        None => title_case(id),
    }
}

fn token(t: &domain::BotToken) -> wire::BotAccessToken {
    wire::BotAccessToken {
        id: t.row.id,
        token: t.display(),
        user_id: t.row.user_id,
        scopes: t.scopes(),
        created_at: date(t.row.created_at),
        name: Some(t.row.name.clone()),
        revoked_at: date_opt(t.row.revoked_at),
        expires_in: t
            .row
            .expires_at
            .map(|at| at.signed_duration_since(Utc::now()).num_seconds().max(0)),
        last_used_at: date_opt(t.row.last_used_at),
    }
}

/// `GET /bots/{id}/tokens?limit=&cursor=` → a bot's live tokens, masked, oldest first.
async fn tokens(caller: Caller, Id(id): Id, q: RailsQuery) -> Reply {
    let (window, args) = forward(&q)?;
    let page = domain::list_bot_tokens(&caller.ctx, id, args).await?;
    Ok(listing(&window, &args, &page, |t| t.row.id, token))
}

/// `POST /bots/{id}/tokens` `{name*, scopes?}` → 201 `{data: BotAccessToken}` (whole once).
async fn create_token(
    caller: Caller,
    Id(id): Id,
    Body(body): Body<BotTokenCreateRequest>,
) -> Reply {
    let made = domain::create_bot_token(&caller.ctx, id, &body.name, body.scopes).await?;
    Ok(created(wire::Data { data: token(&made) }))
}

/// `PUT /bots/{id}/tokens/{token_id}` `{name?, scopes?}` → 200 `{data: BotAccessToken}`.
async fn update_token(
    caller: Caller,
    Ids(id, token_id): Ids,
    Body(body): Body<BotTokenUpdateRequest>,
) -> Reply {
    let updated =
        domain::update_bot_token(&caller.ctx, id, token_id, body.name, body.scopes).await?;
    Ok(ok_data(token(&updated)))
}

/// `POST /bots/{id}/tokens/{token_id}/reissue` (no body) → 200 `{data: BotAccessToken}`.
async fn reissue_token(caller: Caller, Ids(id, token_id): Ids) -> Reply {
    let reissued = domain::reissue_bot_token(&caller.ctx, id, token_id).await?;
    Ok(ok_data(token(&reissued)))
}

/// `DELETE /bots/{id}/tokens/{token_id}` → 204.
async fn revoke_token(caller: Caller, Ids(id, token_id): Ids) -> Reply {
    domain::revoke_bot_token(&caller.ctx, id, token_id).await?;
    Ok(no_content())
}

/// `PUT /bot/webhook` `{webhook: {outgoing_url*}}` → 200 `{data: {id, webhook}}`.
async fn self_webhook(caller: Caller, Body(body): Body<BotWebhookSelfUpdateRequest>) -> Reply {
    let updated = domain::set_own_webhook(&caller.ctx, &body.webhook.outgoing_url).await?;
    Ok(ok_data(own(&updated, None)))
}

/// `POST /bot/recreate_token` (no body) → 200 `{data: {id, webhook, access_token}}`.
async fn self_recreate(caller: Caller) -> Reply {
    let made = domain::recreate_own_token(&caller.ctx).await?;
    Ok(ok_data(own(&made.bot, Some(made.access_token))))
}
