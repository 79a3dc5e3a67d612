//! `GET /audit_events`: the event log read as Pachca's audit trail.

use axum::Router;
use axum::routing::get;
use resolvers::events::EventFilter;
use resolvers::pagination::{Key, Seek, Slice};
use serde_json::{Value, json};

use super::convert::{date, encode_cursor};
use super::error::{Failure, Reply};
use super::extract::{Caller, RailsQuery, ok};
use super::wire::{AuditEvent, List, ListMeta, Paginate};
use crate::state::AppState;

/// Method, path → handler. Credential: the owner's token (`audit_events:read`).
/// Rate class: standard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit_events", get(list))
}

/// Our event types that have a Pachca audit key, with the keys each may show as
/// ([`audit_key`] picks one by the event's payload).
const AUDITED: &[(&str, &[&str])] = &[
    ("message_added", &["message_created"]),
    ("message_updated", &["message_updated"]),
    ("message_deleted", &["message_deleted"]),
    (
        "reaction_changed",
        &["reaction_created", "reaction_deleted"],
    ),
    ("chat_created", &["chat_created", "thread_created"]),
    ("chat_updated", &["chat_renamed", "chat_permission_changed"]),
    (
        "chat_membership_changed",
        &["user_chat_join", "user_chat_leave"],
    ),
    ("user_created", &["user_created"]),
    ("user_updated", &["user_updated"]),
    ("user_deleted", &["user_deleted"]),
    ("group_tag_changed", &["tag_created", "user_added_to_tag"]),
    ("group_tag_deleted", &["tag_deleted"]),
    (
        "chat_group_tags_changed",
        &["tag_added_to_chat", "tag_removed_from_chat"],
    ),
    ("api_token_created", &["access_token_created"]),
    ("api_token_revoked", &["access_token_destroy"]),
];

/// Most log pages read to fill one filtered page (a rare key may be sparse).
const MAX_SCANS: usize = 20;

/// Pachca's `event_key` of one logged event, and its details.
fn audit_key(row: &entities::events::Model) -> (&'static str, Value) {
    let p = &row.payload;
    match row.kind.as_str() {
        "message_added" => ("message_created", json!({})),
        "message_updated" => ("message_updated", json!({})),
        "message_deleted" => ("message_deleted", json!({})),
        "reaction_changed" if p["added"] == json!(false) => ("reaction_deleted", json!({})),
        "reaction_changed" => ("reaction_created", json!({})),
        "chat_created" if p["chat"]["kind"] == json!("thread") => ("thread_created", json!({})),
        "chat_created" => ("chat_created", json!({})),
        "chat_updated" => {
            let summary = row.summary.clone().unwrap_or(Value::Null);
            let (old, new) = (&summary["before"]["name"], &summary["after"]["name"]);
            if old != new {
                ("chat_renamed", json!({ "old_name": old, "new_name": new }))
            } else {
                ("chat_permission_changed", json!({}))
            }
        }
        "chat_membership_changed"
            if matches!(p["change"].as_str(), Some("removed") | Some("left")) =>
        {
            ("user_chat_leave", json!({}))
        }
        "chat_membership_changed" => ("user_chat_join", json!({})),
        "user_created" => ("user_created", json!({})),
        "user_deleted" => ("user_deleted", json!({})),
        "user_updated" => ("user_updated", json!({ "changed_attrs": [] })),
        "group_tag_changed"
            if p["added_user_ids"]
                .as_array()
                .is_some_and(|a| !a.is_empty()) =>
        {
            ("user_added_to_tag", json!({}))
        }
        "group_tag_changed" => ("tag_created", json!({})),
        "group_tag_deleted" => ("tag_deleted", json!({})),
        "chat_group_tags_changed" if p["added"] == json!(false) => {
            ("tag_removed_from_chat", json!({}))
        }
        "chat_group_tags_changed" => ("tag_added_to_chat", json!({})),
        "api_token_created" => ("access_token_created", json!({})),
        _ => ("access_token_destroy", json!({})),
    }
}

/// `GroupTag` → `group_tag` (the inverse of [`entity_type`]).
fn subject_type(entity: &str) -> String {
    let mut out = String::new();
    for (i, c) in entity.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn entity_type(subject: &str) -> String {
    let mut c = subject.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().replace('_', ""),
        None => String::new(),
    }
}

/// `GET /audit_events?start_time=&end_time=&event_key=&actor_id=&actor_type=&entity_id=&
/// entity_type=&limit=&cursor=` → list of AuditEvent, oldest first.
async fn list(caller: Caller, q: RailsQuery) -> Reply {
    let window = q.window(50)?;
    let mut after = match window.seek {
        Seek::Start | Seek::Before(_) => None,
        Seek::After(k) => Some(k.id),
    };
    let started_after = after;
    let event_key = q.str("event_key").map(str::to_owned);
    if let Some(t) = q.str("actor_type")
        && t != "User"
    {
        return Err(
            Failure::bad_request("actor_type", "only User actors are recorded").with_value(t),
        );
    }
    // The key narrows the event types in the query; keys sharing a type are told apart
    // by payload below, reading on until the page is full.
    let kinds: Vec<String> = AUDITED
        .iter()
        .filter(|(_, keys)| event_key.as_deref().is_none_or(|k| keys.contains(&k)))
        .map(|(kind, _)| (*kind).to_owned())
        .collect();
    let entity_id = q.str("entity_id").map(|id| id.trim().parse::<i64>().ok());
    if kinds.is_empty() || entity_id == Some(None) {
        // An unknown key or a non-numeric id matches nothing.
        return Ok(ok(List::<AuditEvent> {
            data: Vec::new(),
            meta: ListMeta {
                paginate: super::convert::paginate(
                    &window,
                    &Slice::<i64> {
                        items: Vec::new(),
                        has_next: false,
                        has_prev: after.is_some(),
                    },
                    |seq| Key::id(*seq),
                ),
            },
        }));
    }
    let filter = EventFilter {
        kinds,
        actor_id: q.int("actor_id")?,
        chat_id: None,
        dialect: None,
        from: q.date("start_time")?,
        to: q.date("end_time")?,
        subject_type: q.str("entity_type").map(subject_type),
        subject_id: entity_id.flatten(),
    };
    let limit = usize::try_from(window.limit).unwrap_or(usize::MAX);
    let mut data: Vec<AuditEvent> = Vec::new();
    let mut seqs: Vec<i64> = Vec::new();
    let mut has_next = false;
    for _ in 0..MAX_SCANS {
        let want = u64::try_from(limit - data.len()).unwrap_or(1);
        let page = resolvers::events::list_events(&caller.ctx, filter.clone(), after, want).await?;
        for row in &page.items {
            after = Some(row.seq);
            let (key, details) = audit_key(row);
            if event_key.as_deref().is_some_and(|k| k != key) {
                continue;
            }
            seqs.push(row.seq);
            data.push(AuditEvent {
                id: row.seq.to_string(),
                created_at: date(row.created_at),
                event_key: key.to_owned(),
                entity_id: row.subject_id.map(|i| i.to_string()).unwrap_or_default(),
                entity_type: entity_type(&row.subject_type),
                actor_id: row.actor_id.to_string(),
                actor_type: "User".to_owned(),
                details,
                ip_address: row.ip.clone(),
                user_agent: None,
            });
        }
        has_next = page.has_next;
        if data.len() >= limit || !has_next {
            break;
        }
    }
    // The next page continues after the last row read, matching or not.
    let mut cursor_rows = seqs;
    if let Some(scanned) = after
        && cursor_rows.last() != Some(&scanned)
    {
        cursor_rows.push(scanned);
    }
    let slice = Slice {
        items: cursor_rows,
        has_next,
        has_prev: started_after.is_some(),
    };
    let paginate: Paginate = super::convert::paginate(&window, &slice, |seq| Key::id(*seq));
    let paginate = Paginate {
        prev_page: encode_cursor(Seek::Start),
        ..paginate
    };
    Ok(ok(List {
        data,
        meta: ListMeta { paginate },
    }))
}
