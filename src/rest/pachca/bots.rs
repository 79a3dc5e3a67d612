//! Bots: `POST /bots`, `PUT /bots/{id}`, `POST /bots/{id}/recreate_token`,
//! `GET /company/bots`, and a bot's own `PUT /bot/webhook`, `POST /bot/recreate_token`.

use axum::Router;
use axum::routing::{get, post, put};
use resolvers::integrations::bots::{self as domain, BotInput};
use resolvers::pagination::{Key, PageArgs, Seek, Slice};

use super::convert::{self, date};
use super::error::{Failure, Reply};
use super::extract::{Body, Caller, Id, RailsQuery, created, ok, ok_data};
use super::wire::{
    self, BotCreateRequest, BotUpdateRequest, BotWebhookInput, BotWebhookSelfUpdateRequest, List,
    ListMeta,
};
use crate::state::AppState;

/// Method, path → handler. Credential: a person's token with `bots:write` (managers of
/// the bot), an admin's with `company_bots:read`, or the bot's own token for `/bot/...`.
/// Rate class: standard. The recreate-token POSTs take no body.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bots", post(create))
        .route("/bots/{id}", put(update))
        .route("/bots/{id}/recreate_token", post(recreate))
        .route("/company/bots", get(company))
        .route("/bot/webhook", put(self_webhook))
        .route("/bot/recreate_token", post(self_recreate))
}

fn input(w: BotWebhookInput) -> BotInput {
    BotInput {
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
        authorized_users_count: Some(0),
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
    }
}

/// `POST /bots` `{webhook: {name*, ...}}` → 201 `{data: Bot + access_token}`.
async fn create(caller: Caller, Body(body): Body<BotCreateRequest>) -> Reply {
    let made = domain::create_bot(&caller.ctx, input(body.webhook)).await?;
    Ok(created(wire::Data {
        data: bot(&caller, &made.bot, Some(made.access_token)),
    }))
}

/// `PUT /bots/{id}` `{webhook: {...}}` or `{bot: {webhook: {...}}}` → 200 `{data: Bot}`.
async fn update(caller: Caller, Id(id): Id, Body(body): Body<BotUpdateRequest>) -> Reply {
    let w = match (body.webhook, body.bot) {
        (Some(w), _) => w,
        (None, Some(b)) => b.webhook,
        (None, None) => return Err(Failure::bad_request("webhook", "missing field `webhook`")),
    };
    let updated = domain::update_bot(&caller.ctx, id, input(w)).await?;
    Ok(ok_data(bot(&caller, &updated, None)))
}

/// `POST /bots/{id}/recreate_token` (no body) → 200 `{data: Bot + access_token}`.
async fn recreate(caller: Caller, Id(id): Id) -> Reply {
    let made = domain::recreate_bot_token(&caller.ctx, id).await?;
    Ok(ok_data(bot(&caller, &made.bot, Some(made.access_token))))
}

/// `GET /company/bots?limit=&cursor=` → list of Bot, oldest first (admins).
async fn company(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let after = match window.seek {
        Seek::After(k) => Some(k.id),
        Seek::Start | Seek::Before(_) => None,
    };
    let page = domain::list_company_bots(
        &caller.ctx,
        PageArgs {
            first: window.limit,
            after,
        },
    )
    .await?;
    let data = page.items.iter().map(|b| bot(&caller, b, None)).collect();
    let slice = Slice {
        items: page.items.iter().map(domain::Bot::id).collect::<Vec<_>>(),
        has_next: page.has_next,
        has_prev: after.is_some(),
    };
    Ok(ok(List {
        data,
        meta: ListMeta {
            paginate: convert::paginate(&window, &slice, |id| Key::id(*id)),
        },
    }))
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
