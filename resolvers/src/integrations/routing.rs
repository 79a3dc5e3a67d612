//! Which bot hears which event, and what it hears (Pachca's webhook payloads).
//!
//! Runs inside the transaction that records the event (`events::record`): for every
//! bot that should hear it, one `bot_events` row holds the payload (without
//! `webhook_timestamp`), and — when the bot has an outgoing URL — one outbox delivery
//! points at the same event. The dispatcher stamps, serialises and signs the payload at
//! each attempt, and `GET /webhooks/events` lists the same rows, so push and poll agree.
//!
//! Who hears what:
//! - message new/update/delete, reactions, link_shared: bots that are members of the
//!   chat (for a thread, of the thread or of its parent chat), with the event enabled;
//!   `message_new` also honours `trigger_on` (`commands`: only messages starting with
//!   one of the bot's commands) and `ignore_self_messages`;
//! - chat_member add/remove: bots in the chat, and bots that were themselves added or
//!   removed;
//! - company_member: every bot with the event enabled;
//! - button click: the bot that posted the message; view submit: the bot that opened
//!   the view (both regardless of `events`).

use chrono::{DateTime, SecondsFormat, Utc};
use entities::{
    bot_events, bots, chat_members, chats, events, messages, webhook_deliveries, webhook_endpoints,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::{Value as Json, json};

use crate::events::{EventKind, MembershipChange};
use crate::{Ctx, Error, Result};

/// Pachca's date format: UTC with milliseconds, `2024-01-15T07:30:00.000Z`.
pub fn pachca_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Who should hear an event.
enum Audience {
    /// Bots that are members of these chats.
    Chats(Vec<i64>),
    /// Bots that are members of these chats, plus these bots.
    ChatsAnd(Vec<i64>, Vec<i64>),
    /// Every listening bot.
    Company,
    /// Exactly this bot.
    Bot(i64),
}

/// One thing to tell bots: its event name, payload and audience.
struct Notice {
    event_type: &'static str,
    payload: Json,
    audience: Audience,
    /// Required enabled in the bot's `events` (button clicks and view submits are not).
    gated: bool,
    /// The message's author and text, for `message_new`'s trigger rules.
    message: Option<(i64, String)>,
    /// A button click's trigger id.
    trigger_id: Option<String>,
    /// Whether the payload type may appear in the history.
    historic: bool,
}

/// The message's Pachca coordinates: entity type and id, thread, the chats that count
/// for membership.
struct Place {
    entity_type: &'static str,
    entity_id: i64,
    thread: Option<Json>,
    chats: Vec<i64>,
}

async fn place_of<C: ConnectionTrait>(db: &C, chat_id: i64) -> Result<Place> {
    let chat = chats::Entity::find_by_id(chat_id).one(db).await?;
    if let Some(chat) = chat.filter(|c| c.kind == "thread") {
        let root = match chat.root_message_id {
            Some(id) => messages::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        let (thread, mut chats) = match &root {
            Some(root) => (
                Some(json!({"message_id": root.id, "message_chat_id": root.chat_id})),
                vec![chat.id, root.chat_id],
            ),
            None => (None, vec![chat.id]),
        };
        chats.dedup();
        return Ok(Place {
            entity_type: "thread",
            entity_id: chat.id,
            thread,
            chats,
        });
    }
    Ok(Place {
        entity_type: "discussion",
        entity_id: chat_id,
        thread: None,
        chats: vec![chat_id],
    })
}

fn message_url(ctx: &Ctx, chat_id: i64, id: i64) -> String {
    format!("{}/chats/{chat_id}?message={id}", ctx.env.public_url)
}

fn message_payload(
    ctx: &Ctx,
    event: &str,
    m: &messages::Model,
    place: &Place,
    at: DateTime<Utc>,
) -> Json {
    json!({
        "type": "message",
        "event": event,
        "id": m.id,
        "entity_type": place.entity_type,
        "entity_id": place.entity_id,
        "content": m.content,
        "user_id": m.author_id,
        "created_at": pachca_time(m.created_at),
        "changed_at": match event {
            "update" => Some(pachca_time(m.edited_at.unwrap_or(at))),
            "delete" => Some(pachca_time(m.deleted_at.unwrap_or(at))),
            _ => None,
        },
        "url": message_url(ctx, m.chat_id, m.id),
        "chat_id": m.chat_id,
        "parent_message_id": m.reply_to_id,
        "thread": place.thread,
    })
}

/// The links of a text (http and https URLs), with their lower-case host.
pub(crate) fn links_in(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for token in
        text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '(' || c == ')')
    {
        let token = token.trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'', ']']);
        let lower = token.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            continue;
        }
        let Ok(url) = url::Url::parse(token) else {
            continue;
        };
        let Some(host) = url.host_str() else {
            continue;
        };
        let host = host.to_ascii_lowercase();
        if !out.iter().any(|(u, _)| u == token) {
            out.push((token.to_owned(), host));
        }
        if out.len() >= 20 {
            break;
        }
    }
    out
}

fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

async fn notices(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    kind: &EventKind,
    at: DateTime<Utc>,
) -> Result<Vec<Notice>> {
    let mut out = Vec::new();
    match kind {
        EventKind::MessageAdded { message } => {
            let place = place_of(txn, message.chat_id).await?;
            out.push(Notice {
                event_type: "message_new",
                payload: message_payload(ctx, "new", message, &place, at),
                audience: Audience::Chats(place.chats),
                gated: true,
                message: Some((message.author_id, message.content.clone())),
                trigger_id: None,
                historic: true,
            });
        }
        EventKind::MessageUpdated { message }
            if message.deleted_at.is_none() && message.edited_at.is_some() =>
        {
            let place = place_of(txn, message.chat_id).await?;
            out.push(Notice {
                event_type: "message_update",
                payload: message_payload(ctx, "update", message, &place, at),
                audience: Audience::Chats(place.chats),
                gated: true,
                message: None,
                trigger_id: None,
                historic: true,
            });
        }
        EventKind::MessageDeleted {
            chat_id,
            message_id,
        } => {
            let place = place_of(txn, *chat_id).await?;
            if let Some(m) = messages::Entity::find_by_id(*message_id).one(txn).await? {
                out.push(Notice {
                    event_type: "message_delete",
                    payload: message_payload(ctx, "delete", &m, &place, at),
                    audience: Audience::Chats(place.chats),
                    gated: true,
                    message: None,
                    trigger_id: None,
                    historic: true,
                });
            }
        }
        EventKind::ReactionChanged {
            chat_id,
            message_id,
            user_id,
            emoji,
            added,
        } => {
            let place = place_of(txn, *chat_id).await?;
            out.push(Notice {
                event_type: if *added {
                    "reaction_new"
                } else {
                    "reaction_delete"
                },
                payload: json!({
                    "type": "reaction",
                    "event": if *added { "new" } else { "delete" },
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "code": emoji,
                    "name": emoji,
                    "user_id": user_id,
                    "created_at": pachca_time(at),
                }),
                audience: Audience::Chats(place.chats),
                gated: true,
                message: None,
                trigger_id: None,
                historic: true,
            });
        }
        EventKind::ChatMembershipChanged {
            chat_id,
            user_ids,
            change,
        } => {
            let (name, event) = match change {
                MembershipChange::Added | MembershipChange::Joined => ("chat_member_add", "add"),
                MembershipChange::Removed | MembershipChange::Left => {
                    ("chat_member_remove", "remove")
                }
                MembershipChange::RoleChanged => return Ok(out),
            };
            let place = place_of(txn, *chat_id).await?;
            let (chat, thread_id) = if place.entity_type == "thread" {
                (
                    place.chats.last().copied().unwrap_or(*chat_id),
                    Some(*chat_id),
                )
            } else {
                (*chat_id, None)
            };
            out.push(Notice {
                event_type: name,
                payload: json!({
                    "type": "chat_member",
                    "event": event,
                    "chat_id": chat,
                    "thread_id": thread_id,
                    "user_ids": user_ids,
                    "created_at": pachca_time(at),
                }),
                audience: Audience::ChatsAnd(vec![*chat_id], user_ids.clone()),
                gated: true,
                message: None,
                trigger_id: None,
                historic: true,
            });
        }
        EventKind::UserUpdated { user_id } => {
            out.push(company_member(
                "company_member_update",
                "update",
                &[*user_id],
                at,
            ));
        }
        EventKind::LinksShared {
            chat_id,
            message_id,
            bot_links,
        } => {
            let place = place_of(txn, *chat_id).await?;
            let author = messages::Entity::find_by_id(*message_id)
                .one(txn)
                .await?
                .map(|m| m.author_id)
                .unwrap_or_default();
            for (bot_id, links) in bot_links {
                let links: Vec<Json> = links
                    .iter()
                    .map(|(url, domain)| json!({"url": url, "domain": domain, "skip": false}))
                    .collect();
                out.push(Notice {
                    event_type: "message_link_shared",
                    payload: json!({
                        "type": "message",
                        "event": "link_shared",
                        "chat_id": chat_id,
                        "message_id": message_id,
                        "links": links,
                        "user_id": author,
                        "entity_type": place.entity_type,
                        "entity_id": place.entity_id,
                        "thread": place.thread,
                        "created_at": pachca_time(at),
                    }),
                    audience: Audience::Bot(*bot_id),
                    gated: false,
                    message: None,
                    trigger_id: None,
                    historic: true,
                });
            }
        }
        EventKind::ButtonClicked {
            chat_id,
            message_id,
            user_id,
            data,
            trigger_id,
            ..
        } => {
            if let Some(m) = messages::Entity::find_by_id(*message_id).one(txn).await? {
                out.push(Notice {
                    event_type: "button_click",
                    payload: json!({
                        "type": "button",
                        "event": "click",
                        "message_id": message_id,
                        "trigger_id": trigger_id,
                        "data": data,
                        "user_id": user_id,
                        "chat_id": chat_id,
                    }),
                    audience: Audience::Bot(m.author_id),
                    gated: false,
                    message: None,
                    trigger_id: Some(trigger_id.clone()),
                    historic: true,
                });
            }
        }
        EventKind::ViewSubmitted {
            view_id,
            bot_id,
            submit_id,
            user_id,
            chat_id,
            callback_id,
            private_metadata,
            data,
        } => {
            out.push(Notice {
                event_type: "view_submit",
                payload: json!({
                    "type": "view",
                    "event": "submit",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "chat_id": chat_id,
                    "user_id": user_id,
                    "data": data,
                    "view_id": view_id,
                    "submit_id": submit_id,
                }),
                audience: Audience::Bot(*bot_id),
                gated: false,
                message: None,
                trigger_id: None,
                historic: false,
            });
        }
        _ => {}
    }
    Ok(out)
}

fn company_member(name: &'static str, event: &str, user_ids: &[i64], at: DateTime<Utc>) -> Notice {
    Notice {
        event_type: name,
        payload: json!({
            "type": "company_member",
            "event": event,
            "user_ids": user_ids,
            "created_at": pachca_time(at),
        }),
        audience: Audience::Company,
        gated: true,
        message: None,
        trigger_id: None,
        historic: true,
    }
}

fn triggers(bot: &bots::Model, author: i64, content: &str) -> bool {
    if bot.ignore_self_messages && author == bot.user_id {
        return false;
    }
    match bot.trigger_on.as_str() {
        "all_messages" => true,
        "unfurl" => false,
        _ => {
            let commands = super::bots::extras_of(bot).commands;
            if commands.is_empty() {
                return true;
            }
            let first = content.split_whitespace().next().unwrap_or_default();
            commands.iter().any(|c| c == first)
        }
    }
}

/// Route a just-recorded event to bots, in its transaction (see the module docs).
pub(crate) async fn route(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    kind: &EventKind,
    stored: &events::Model,
) -> Result<()> {
    if !matches!(
        kind,
        EventKind::MessageAdded { .. }
            | EventKind::MessageUpdated { .. }
            | EventKind::MessageDeleted { .. }
            | EventKind::ReactionChanged { .. }
            | EventKind::ChatMembershipChanged { .. }
            | EventKind::UserUpdated { .. }
            | EventKind::LinksShared { .. }
            | EventKind::ButtonClicked { .. }
            | EventKind::ViewSubmitted { .. }
    ) {
        return Ok(());
    }
    let bots = super::bots::listening(txn, stored.workspace_id).await?;
    if bots.is_empty() {
        return Ok(());
    }
    let notices = notices(ctx, txn, kind, stored.created_at).await?;
    let mut member_cache: Option<(Vec<i64>, Vec<i64>)> = None;
    for notice in notices {
        let chats = match &notice.audience {
            Audience::Chats(c) | Audience::ChatsAnd(c, _) => Some(c.clone()),
            _ => None,
        };
        let members: Vec<i64> = match chats {
            Some(chats) => {
                if member_cache.as_ref().is_none_or(|(c, _)| *c != chats) {
                    let bot_ids: Vec<i64> = bots.iter().map(|(b, _)| b.user_id).collect();
                    let rows = chat_members::Entity::find()
                        .filter(chat_members::Column::ChatId.is_in(chats.clone()))
                        .filter(chat_members::Column::UserId.is_in(bot_ids))
                        .all(txn)
                        .await?;
                    member_cache = Some((chats, rows.into_iter().map(|m| m.user_id).collect()));
                }
                member_cache
                    .as_ref()
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default()
            }
            None => Vec::new(),
        };
        for (bot, endpoint) in &bots {
            let hears = match &notice.audience {
                Audience::Chats(_) => members.contains(&bot.user_id),
                Audience::ChatsAnd(_, extra) => {
                    members.contains(&bot.user_id) || extra.contains(&bot.user_id)
                }
                Audience::Company => true,
                Audience::Bot(id) => *id == bot.user_id,
            };
            if !hears {
                continue;
            }
            if notice.gated
                && !bot
                    .events
                    .split_whitespace()
                    .any(|e| e == notice.event_type)
            {
                continue;
            }
            if let Some((author, content)) = &notice.message
                && !triggers(bot, *author, content)
            {
                continue;
            }
            deliver(txn, stored, bot, endpoint, &notice).await?;
        }
    }
    if let EventKind::MessageAdded { message } = kind {
        share_links(txn, ctx, message, &bots).await?;
    }
    Ok(())
}

async fn deliver(
    txn: &DatabaseTransaction,
    stored: &events::Model,
    bot: &bots::Model,
    endpoint: &webhook_endpoints::Model,
    notice: &Notice,
) -> Result<()> {
    let in_history = bot.events_history_enabled && notice.historic;
    if !in_history && !endpoint.active {
        return Ok(());
    }
    bot_events::Entity::insert(bot_events::ActiveModel {
        id: Set(super::ulid()?),
        workspace_id: Set(stored.workspace_id),
        bot_id: Set(bot.user_id),
        event_id: Set(stored.id),
        event_type: Set(notice.event_type.to_owned()),
        trigger_id: Set(notice.trigger_id.clone()),
        payload: Set(notice.payload.clone()),
        in_history: Set(in_history),
        deleted_at: Set(None),
        created_at: Set(stored.created_at),
    })
    .on_conflict(
        OnConflict::columns([bot_events::Column::EventId, bot_events::Column::BotId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if endpoint.active {
        webhook_deliveries::Entity::insert(webhook_deliveries::ActiveModel {
            workspace_id: Set(stored.workspace_id),
            endpoint_id: Set(endpoint.id),
            event_id: Set(stored.id),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(stored.created_at),
            last_status_code: Set(None),
            last_error: Set(None),
            last_latency_ms: Set(None),
            delivered_at: Set(None),
            created_at: Set(stored.created_at),
            ..Default::default()
        })
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
    }
    Ok(())
}

/// A new message with links in some bots' unfurl domains: record one `LinksShared`
/// event (in the same transaction), which those bots hear as `link_shared`.
async fn share_links(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    message: &messages::Model,
    bots: &[(bots::Model, webhook_endpoints::Model)],
) -> Result<()> {
    if !bots.iter().any(|(b, _)| !b.unfurl_domains.is_empty()) {
        return Ok(());
    }
    let links = links_in(&message.content);
    if links.is_empty() {
        return Ok(());
    }
    let place = place_of(txn, message.chat_id).await?;
    let members: Vec<i64> = chat_members::Entity::find()
        .filter(chat_members::Column::ChatId.is_in(place.chats.clone()))
        .filter(
            chat_members::Column::UserId
                .is_in(bots.iter().map(|(b, _)| b.user_id).collect::<Vec<_>>()),
        )
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let mut bot_links = Vec::new();
    for (bot, _) in bots {
        if bot.user_id == message.author_id || !members.contains(&bot.user_id) {
            continue;
        }
        let domains = super::bots::split(&bot.unfurl_domains);
        let mine: Vec<(String, String)> = links
            .iter()
            .filter_map(|(url, host)| {
                domains
                    .iter()
                    .find(|d| domain_matches(host, d))
                    .map(|d| (url.clone(), d.clone()))
            })
            .collect();
        if !mine.is_empty() {
            bot_links.push((bot.user_id, mine));
        }
    }
    if bot_links.is_empty() {
        return Ok(());
    }
    let kind = EventKind::LinksShared {
        chat_id: message.chat_id,
        message_id: message.id,
        bot_links,
    };
    // Not published on the bus: subscribers refill the sequence gap from the log.
    Box::pin(crate::events::record(txn, ctx, kind, None)).await?;
    Ok(())
}

/// The body of a `pachca` delivery: the stored payload stamped with `webhook_timestamp`
/// (now), serialised once; the signature is over exactly these bytes.
pub(crate) fn stamp(payload: &Json, now: i64) -> Result<Vec<u8>> {
    let mut body = payload.clone();
    match body.as_object_mut() {
        Some(map) => {
            map.insert("webhook_timestamp".into(), json!(now));
        }
        None => {
            return Err(Error::internal(std::io::Error::other(
                "a bot payload is not an object",
            )));
        }
    }
    serde_json::to_vec(&body).map_err(Error::internal)
}

/// The stored payload of a delivery to `bot_id` of event `event_id`.
pub(crate) async fn payload_for<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
    bot_id: i64,
) -> Result<Option<Json>> {
    Ok(bot_events::Entity::find()
        .filter(bot_events::Column::EventId.eq(event_id))
        .filter(bot_events::Column::BotId.eq(bot_id))
        .one(db)
        .await?
        .map(|r| r.payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_with_their_hosts() {
        let links =
            links_in("see https://Docs.Example.com/a?b=1, and (http://x.test/y). not ftp://z");
        assert_eq!(
            links,
            vec![
                (
                    "https://Docs.Example.com/a?b=1".to_owned(),
                    "docs.example.com".to_owned()
                ),
                ("http://x.test/y".to_owned(), "x.test".to_owned()),
            ]
        );
        assert!(domain_matches("docs.example.com", "example.com"));
        assert!(!domain_matches("badexample.com", "example.com"));
    }

    #[test]
    fn stamping_adds_the_timestamp_and_signs_the_exact_bytes() {
        let body = stamp(
            &json!({"type": "message", "event": "delete", "id": 1}),
            1705303800,
        )
        .unwrap_or_default();
        let v: Json = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(v["webhook_timestamp"], 1705303800);
        let sig = crate::webhooks::signing::hex_sign("pachca-test-secret", &body);
        assert!(crate::webhooks::signing::hex_verify(
            "pachca-test-secret",
            &body,
            &sig
        ));
    }

    #[test]
    fn times_have_milliseconds_and_z() {
        let at = DateTime::parse_from_rfc3339("2024-01-15T07:30:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(pachca_time(at), "2024-01-15T07:30:00.000Z");
    }
}
