//! Wire objects assembled from `resolvers` rows, batching what each list needs (one
//! statement per related table, never one per row).

use chrono::Utc;
use entities::users;
use resolvers::Ctx;
use resolvers::people::{Status, active_status, role_of};

use super::convert::{date, date_opt, role_name};
use super::error::Failure;
use super::wire;

/// `UserStatus` of a domain status.
pub fn status(s: Status) -> wire::UserStatus {
    wire::UserStatus {
        emoji: s.emoji,
        title: s.title,
        expires_at: date_opt(s.expires_at),
        is_away: s.is_away,
        away_message: s.away_message.map(|text| wire::AwayMessage { text }),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `User` objects for `rows`, in order (tags and departments in one statement each).
pub async fn users(ctx: &Ctx, rows: Vec<users::Model>) -> Result<Vec<wire::User>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let mut tags =
        resolvers::people::group_tag_names_of_users(&ctx.db, ctx.workspace_id(), &ids).await?;
    let dep_ids: Vec<i64> = rows.iter().filter_map(|u| u.department_id).collect();
    let deps = resolvers::people::departments_by_ids(&ctx.db, ctx.workspace_id(), &dep_ids).await?;
    let now = Utc::now();
    rows.into_iter()
        .map(|u| {
            let role = role_of(&u)?;
            Ok(wire::User {
                id: u.id,
                first_name: Some(u.first_name.clone()),
                last_name: Some(u.last_name.clone()),
                nickname: u.nickname.clone(),
                email: u.email.clone(),
                phone_number: non_empty(&u.phone),
                department: u
                    .department_id
                    .and_then(|d| deps.get(&d))
                    .map(|d| d.name.clone()),
                title: non_empty(&u.title),
                role: role_name(role),
                suspended: u.suspended,
                invite_status: if u.last_activity_at.is_some() || u.is_bot {
                    "confirmed"
                } else {
                    "sent"
                },
                inviter_id: None,
                list_tags: tags.remove(&u.id).unwrap_or_default(),
                custom_properties: Vec::new(),
                user_status: active_status(&u, now).map(status),
                bot: u.is_bot,
                sso: false,
                created_at: date(u.created_at),
                last_activity_at: date_opt(u.last_activity_at),
                time_zone: non_empty(&u.time_zone),
                image_url: u.avatar_url.clone(),
            })
        })
        .collect::<Result<Vec<_>, resolvers::Error>>()
        .map_err(Failure::from)
}

/// One `User`.
pub async fn user(ctx: &Ctx, row: users::Model) -> Result<wire::User, Failure> {
    users(ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("user", "user"))
}

/// `Chat` objects for `rows`, in order (members and tags in one statement each).
pub async fn chats(
    ctx: &Ctx,
    base: &str,
    rows: Vec<entities::chats::Model>,
) -> Result<Vec<wire::Chat>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut members =
        resolvers::chats::member_ids_by_chat(&ctx.db, ctx.workspace_id(), &ids).await?;
    let mut tags =
        resolvers::chats::group_tag_ids_by_chat(&ctx.db, ctx.workspace_id(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| wire::Chat {
            id: c.id,
            name: c.name.clone(),
            created_at: date(c.created_at),
            owner_id: c.creator_id,
            member_ids: members.remove(&c.id).unwrap_or_default(),
            group_tag_ids: tags.remove(&c.id).unwrap_or_default(),
            channel: c.kind == "channel",
            archived: c.archived_at.is_some(),
            personal: c.kind == "direct",
            public: c.is_public,
            last_message_at: date(c.last_message_at),
            meet_room_url: format!("{base}/meet/{}", c.id),
            avatar_url: c.avatar_url.clone(),
        })
        .collect())
}

/// One `Chat`.
pub async fn chat(
    ctx: &Ctx,
    base: &str,
    row: entities::chats::Model,
) -> Result<wire::Chat, Failure> {
    chats(ctx, base, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("chat", "chat"))
}

/// `Thread` of a thread chat.
pub async fn thread(ctx: &Ctx, row: &entities::chats::Model) -> Result<wire::Thread, Failure> {
    let root = resolvers::chats::thread_root(ctx, row).await?;
    Ok(wire::Thread {
        id: row.id,
        chat_id: row.id,
        message_id: root.as_ref().map(|m| m.id),
        message_chat_id: root.as_ref().map(|m| m.chat_id),
        updated_at: date(row.last_message_at),
    })
}

/// `GroupTag` objects with their member counts.
pub async fn group_tags(
    ctx: &Ctx,
    rows: Vec<entities::group_tags::Model>,
) -> Result<Vec<wire::GroupTag>, Failure> {
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let counts =
        resolvers::people::group_tag_user_counts(&ctx.db, ctx.workspace_id(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|t| wire::GroupTag {
            users_count: counts.get(&t.id).copied().unwrap_or(0),
            id: t.id,
            name: t.name,
        })
        .collect())
}

/// `Reaction` of a reaction row.
pub fn reaction(r: entities::reactions::Model) -> wire::Reaction {
    wire::Reaction {
        user_id: r.user_id,
        created_at: date(r.created_at),
        code: r.emoji,
        name: String::new(),
    }
}

/// `Message` objects for `rows`, in order: their chats, threads and files in one
/// statement each. `url` is `<public URL>/chats/{chat_id}?message={id}`.
pub async fn messages(
    ctx: &Ctx,
    base: &str,
    rows: Vec<entities::messages::Model>,
) -> Result<Vec<wire::Message>, Failure> {
    use resolvers::messages::batch;
    let ws = ctx.workspace_id();
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let chat_ids: Vec<i64> = rows.iter().map(|m| m.chat_id).collect();
    let chats = resolvers::chats::chats_by_ids(&ctx.db, ws, &chat_ids).await?;
    let roots: Vec<i64> = chats.values().filter_map(|c| c.root_message_id).collect();
    let root_messages = batch::messages_by_ids(&ctx.db, ws, &roots).await?;
    let threads = resolvers::chats::threads_by_root(&ctx.db, ws, &ids).await?;
    let mut files = batch::attachments(&ctx.db, ws, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let chat = chats.get(&m.chat_id);
            let kind = chat.map(|c| c.kind.as_str()).unwrap_or("group");
            let (entity_type, entity_id, root_chat_id) = match kind {
                "thread" => {
                    let parent = chat
                        .and_then(|c| c.root_message_id)
                        .and_then(|r| root_messages.get(&r))
                        .map(|r| r.chat_id)
                        .unwrap_or(m.chat_id);
                    ("thread", m.chat_id, parent)
                }
                "direct" => {
                    let other = chat
                        .and_then(|c| c.direct_key.as_deref())
                        .and_then(|k| k.split_once(':'))
                        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
                        .map(|(a, b)| if a == m.author_id { b } else { a })
                        .unwrap_or(m.author_id);
                    ("user", other, m.chat_id)
                }
                _ => ("discussion", m.chat_id, m.chat_id),
            };
            let files = files
                .remove(&m.id)
                .unwrap_or_default()
                .into_iter()
                .map(|f| {
                    let key = f.file_key.clone().unwrap_or_default();
                    wire::File {
                        url: f
                            .url
                            .clone()
                            .unwrap_or_else(|| format!("{base}/api/shared/v1/files/{}", f.id)),
                        id: f.id,
                        key,
                        name: f.name,
                        file_type: f.kind,
                        width: f.width,
                        height: f.height,
                    }
                })
                .collect();
            let meta = |k: &str| {
                m.metadata
                    .as_ref()
                    .and_then(|v| v.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            wire::Message {
                id: m.id,
                entity_type,
                entity_id,
                chat_id: m.chat_id,
                root_chat_id,
                url: format!("{base}/chats/{}?message={}", m.chat_id, m.id),
                user_id: m.author_id,
                created_at: date(m.created_at),
                files,
                voice_content: None,
                buttons: m.buttons.clone(),
                thread: threads.get(&m.id).map(|t| wire::MessageThread {
                    id: t.id,
                    chat_id: t.id,
                }),
                forwarding: None,
                parent_message_id: m.reply_to_id,
                changed_at: date_opt(m.edited_at),
                deleted_at: date_opt(m.deleted_at),
                display_avatar_url: meta("display_avatar_url"),
                display_name: meta("display_name"),
                content: m.content,
            }
        })
        .collect())
}

/// One `Message`.
pub async fn message(
    ctx: &Ctx,
    base: &str,
    row: entities::messages::Model,
) -> Result<wire::Message, Failure> {
    messages(ctx, base, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("message", "message"))
}

/// `{"data": [...], "meta": {"paginate": ...}}` of a page.
pub fn list<T, W>(
    window: &resolvers::pagination::Window,
    slice: &resolvers::pagination::Slice<T>,
    key: impl Fn(&T) -> resolvers::pagination::Key,
    data: Vec<W>,
) -> wire::List<W> {
    wire::List {
        meta: wire::ListMeta {
            paginate: super::convert::paginate(window, slice, key),
        },
        data,
    }
}

/// `Task` objects for `rows`, in order (performers and custom properties in one
/// statement each).
pub async fn tasks(
    ctx: &Ctx,
    rows: Vec<entities::tasks::Model>,
) -> Result<Vec<wire::Task>, Failure> {
    use resolvers::custom_properties::{EntityType, values_of};
    let ws = ctx.workspace_id();
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut performers = resolvers::tasks::batch::performer_ids(&ctx.db, ws, &ids).await?;
    let mut props = values_of(&ctx.db, ws, EntityType::Task, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|t| wire::Task {
            id: t.id,
            kind: t.kind,
            content: t.content,
            due_at: date_opt(t.due_at),
            priority: t.priority,
            user_id: t.creator_id,
            chat_id: t.chat_id,
            status: t.status,
            created_at: date(t.created_at),
            performer_ids: performers.remove(&t.id).unwrap_or_default(),
            all_day: t.all_day,
            custom_properties: props
                .remove(&t.id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| wire::CustomProperty {
                    id: v.property.id,
                    name: v.property.name,
                    data_type: super::convert::data_type_name(&v.property.data_type),
                    value: Some(v.value),
                })
                .collect(),
        })
        .collect())
}

/// One `Task`.
pub async fn task(ctx: &Ctx, row: entities::tasks::Model) -> Result<wire::Task, Failure> {
    tasks(ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("task", "task"))
}

/// `Draft` objects for `rows` (the caller's own), in order (their chats in one
/// statement). A direct chat's draft names the other user as `entity_id`.
pub async fn drafts(
    ctx: &Ctx,
    rows: Vec<entities::drafts::Model>,
) -> Result<Vec<wire::Draft>, Failure> {
    let chat_ids: Vec<i64> = rows.iter().map(|d| d.chat_id).collect();
    let chats = resolvers::chats::chats_by_ids(&ctx.db, ctx.workspace_id(), &chat_ids).await?;
    let me = ctx.user_id();
    Ok(rows
        .into_iter()
        .map(|d| {
            let chat = chats.get(&d.chat_id);
            let (entity_type, entity_id) = match chat.map(|c| c.kind.as_str()) {
                Some("thread") => ("thread", d.chat_id),
                Some("direct") => {
                    let other = chat
                        .and_then(|c| c.direct_key.as_deref())
                        .and_then(|k| k.split_once(':'))
                        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
                        .map(|(a, b)| if a == me { b } else { a })
                        .unwrap_or(me);
                    ("user", other)
                }
                _ => ("discussion", d.chat_id),
            };
            wire::Draft {
                id: d.id,
                content: d.content,
                files: d.files,
                created_at: date(d.created_at),
                updated_at: date(d.updated_at),
                entity_type,
                entity_id,
                chat_id: d.chat_id,
                parent_message_id: d.parent_message_id,
                voice_content: None,
                schedule: d.schedule,
                next_send_at: date_opt(d.next_send_at),
            }
        })
        .collect())
}

/// One `Draft`.
pub async fn draft(ctx: &Ctx, row: entities::drafts::Model) -> Result<wire::Draft, Failure> {
    drafts(ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Failure::not_found("draft", "draft"))
}
