//! Calls of a meeting or a chat: start, join, leave, end, with participants tracked and
//! a signed media-server join token (LiveKit-compatible claims) on every join.
//!
//! One call runs per meeting or chat (a unique `active_key` while it runs). Starting and
//! ending post a `system` message to the call's chat in the same transaction, so the
//! notice is in the chat on every path; a meeting without a chat posts nothing.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entities::{call_participants, calls, meetings};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::{CallChange, Media, MeetingStatus, can_see, visible_meeting};
use crate::OnConstraint;
use crate::auth::Scope;
use crate::chats::{ChatKind, access};
use crate::ctx::Principal;
use crate::events::{Event, EventKind, record};
use crate::{Ctx, Error, Result};

/// A call's state.
const ACTIVE: &str = "active";
/// A call's state once over.
const ENDED: &str = "ended";

/// Where join tokens are valid: the media server's URL and API key pair.
#[derive(Clone)]
pub struct LiveKitConfig {
    /// The URL clients connect to with the token (`wss://…`).
    pub url: String,
    /// API key: the token's issuer (`iss`).
    pub api_key: String,
    /// API secret: the HS256 key. Never logged.
    api_secret: String,
    /// How long a join token is valid.
    pub token_ttl: Duration,
}

impl std::fmt::Debug for LiveKitConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveKitConfig")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("api_secret", &"<secret>")
            .finish()
    }
}

/// The development media server's well-known pair (`livekit-server --dev`).
pub const DEV_API_KEY: &str = "devkey";
/// The development media server's well-known secret: refused in production.
pub const DEV_API_SECRET: &str = "secret";

impl Default for LiveKitConfig {
    fn default() -> Self {
        LiveKitConfig::new("ws://127.0.0.1:7880", DEV_API_KEY, DEV_API_SECRET)
    }
}

impl LiveKitConfig {
    /// A configuration with ten-minute tokens.
    pub fn new(
        url: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        LiveKitConfig {
            url: url.into(),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            token_ttl: Duration::minutes(10),
        }
    }

    /// Whether the secret is the development one (production refuses it).
    pub fn uses_dev_secret(&self) -> bool {
        self.api_secret == DEV_API_SECRET
    }
}

/// The grant of a join token (LiveKit's `video` claim).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoGrant {
    /// The room: one per call.
    pub room: String,
    /// May join the room.
    pub room_join: bool,
    /// May publish tracks.
    pub can_publish: bool,
    /// May subscribe to others' tracks.
    pub can_subscribe: bool,
    /// For audio calls: only the microphone may be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish_sources: Option<Vec<String>>,
}

/// The claims of a join token, as LiveKit reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinClaims {
    /// The API key.
    pub iss: String,
    /// The participant's identity: the user id.
    pub sub: String,
    /// The participant's display name.
    pub name: String,
    /// Not before (seconds since the epoch).
    pub nbf: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// The grant.
    pub video: VideoGrant,
}

/// A call with its participants.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallView {
    /// The row.
    pub call: calls::Model,
    /// Everyone who joined, by first join.
    pub participants: Vec<call_participants::Model>,
}

/// What a joiner needs: the call, a signed token for the media server and its URL.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallJoin {
    /// The call.
    pub call: CallView,
    /// HS256 JWT with LiveKit claims.
    pub join_token: String,
    /// Where to connect with it.
    pub media_url: String,
    /// The media server's room name.
    pub room: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
}

/// What a call is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CallTarget {
    /// A meeting (its calls post to its chat, if it has one).
    Meeting(i64),
    /// A chat.
    Chat(i64),
}

/// Input of [`start_call`].
#[derive(Clone, Debug, Serialize)]
pub struct StartCallInput {
    /// The meeting or chat.
    pub target: CallTarget,
    /// Default: the meeting's media, else `video`.
    pub media: Option<Media>,
}

fn room_name(call: &calls::Model) -> String {
    format!("sb-{}-call-{}", call.workspace_id, call.id)
}

fn active_key(target: CallTarget) -> String {
    match target {
        CallTarget::Meeting(id) => format!("meeting:{id}"),
        CallTarget::Chat(id) => format!("chat:{id}"),
    }
}

/// Sign a join token for `user` in `call`.
pub fn sign_join_token(
    config: &LiveKitConfig,
    call: &calls::Model,
    user_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>)> {
    let expires_at = now + config.token_ttl;
    let audio_only = call.media == Media::Audio.as_str();
    let claims = JoinClaims {
        iss: config.api_key.clone(),
        sub: user_id.to_string(),
        name: name.to_owned(),
        nbf: now.timestamp(),
        exp: expires_at.timestamp(),
        video: VideoGrant {
            room: room_name(call),
            room_join: true,
            can_publish: true,
            can_subscribe: true,
            can_publish_sources: audio_only.then(|| vec!["microphone".to_owned()]),
        },
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(config.api_secret.as_bytes()),
    )
    .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    Ok((token, expires_at))
}

/// Whether `p` may see `call`: whoever sees its meeting or reads its chat, and its
/// participants.
pub(crate) async fn can_see_call<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    call: &calls::Model,
) -> Result<bool> {
    if call.workspace_id != p.workspace_id {
        return Ok(false);
    }
    let by_target = match (call.meeting_id, call.chat_id) {
        (Some(meeting_id), _) => match meetings::Entity::find_by_id(meeting_id).one(db).await? {
            Some(m) => can_see(db, p, &m).await?,
            None => false,
        },
        (None, Some(chat)) => crate::chats::can_read(db, p, chat).await?,
        (None, None) => false,
    };
    if by_target {
        return Ok(true);
    }
    Ok(call_participants::Entity::find_by_id((call.id, p.user_id))
        .one(db)
        .await?
        .is_some())
}

/// The call `id` if `p` may see it; "call not found" otherwise.
pub(crate) async fn visible_call<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    id: i64,
) -> Result<calls::Model> {
    let call = calls::Entity::find_by_id(id)
        .filter(calls::Column::WorkspaceId.eq(p.workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("call"))?;
    if can_see_call(db, p, &call).await? {
        Ok(call)
    } else {
        Err(Error::NotFound("call"))
    }
}

/// Whether the principal may see call `id` (for filtering events).
pub async fn can_see_call_id(ctx: &Ctx, id: i64) -> Result<bool> {
    match visible_call(&ctx.db, &ctx.principal, id).await {
        Ok(_) => Ok(true),
        Err(Error::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn call_view<C: ConnectionTrait>(db: &C, call: calls::Model) -> Result<CallView> {
    let participants = call_participants::Entity::find()
        .filter(call_participants::Column::CallId.eq(call.id))
        .order_by_asc(call_participants::Column::JoinedAt)
        .order_by_asc(call_participants::Column::UserId)
        .all(db)
        .await?;
    Ok(CallView { call, participants })
}

/// The running call of each meeting (one statement).
pub(crate) async fn running_by_meeting<C: ConnectionTrait>(
    db: &C,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    if meeting_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(calls::Entity::find()
        .filter(calls::Column::MeetingId.is_in(meeting_ids.to_vec()))
        .filter(calls::Column::Status.eq(ACTIVE))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| c.meeting_id.map(|m| (m, c.id)))
        .collect())
}

async fn running<C: ConnectionTrait>(
    db: &C,
    workspace_id: i64,
    target: CallTarget,
) -> Result<Option<calls::Model>> {
    let q = calls::Entity::find()
        .filter(calls::Column::WorkspaceId.eq(workspace_id))
        .filter(calls::Column::Status.eq(ACTIVE));
    let q = match target {
        CallTarget::Meeting(id) => q.filter(calls::Column::MeetingId.eq(id)),
        // A meeting's call in this chat counts too: one conversation at a time.
        CallTarget::Chat(id) => q.filter(calls::Column::ChatId.eq(id)),
    };
    Ok(q.one(db).await?)
}

/// The id of the call running for a meeting or chat the caller can see (what a
/// `startCall` conflict points at).
pub async fn running_call_id(ctx: &Ctx, target: CallTarget) -> Result<Option<i64>> {
    ctx.require(Scope::MeetingsRead)?;
    match running(&ctx.db, ctx.workspace_id(), target).await? {
        Some(call) if can_see_call(&ctx.db, &ctx.principal, &call).await? => Ok(Some(call.id)),
        _ => Ok(None),
    }
}

async fn display_name_of<C: ConnectionTrait>(db: &C, ctx: &Ctx) -> Result<String> {
    Ok(
        crate::people::users_by_ids(db, ctx.workspace_id(), &[ctx.user_id()])
            .await?
            .remove(&ctx.user_id())
            .map(|u| crate::people::display_name(&u))
            .unwrap_or_default(),
    )
}

async fn join_token(ctx: &Ctx, call: CallView, name: &str) -> Result<CallJoin> {
    let (join_token, expires_at) = sign_join_token(
        &ctx.env.livekit,
        &call.call,
        ctx.user_id(),
        name,
        Utc::now(),
    )?;
    Ok(CallJoin {
        room: room_name(&call.call),
        call,
        join_token,
        media_url: ctx.env.livekit.url.clone(),
        expires_at,
    })
}

/// Start a call for a meeting (anyone who sees it) or a chat (its members). The
/// starter joins it; a system message goes to the chat. One already running →
/// conflict naming it.
pub async fn start_call(ctx: &Ctx, input: StartCallInput) -> Result<CallJoin> {
    ctx.require(Scope::MeetingsWrite)?;
    let (meeting_id, chat_id, media, field) = match input.target {
        CallTarget::Meeting(id) => {
            let m = visible_meeting(&ctx.db, &ctx.principal, id).await?;
            if m.status == MeetingStatus::Cancelled.as_str() {
                return Err(Error::conflict("meetingId", "the meeting is cancelled"));
            }
            let media = match input.media {
                Some(media) => media,
                None => m.media.parse()?,
            };
            (Some(m.id), m.chat_id, media, "meetingId")
        }
        CallTarget::Chat(id) => {
            let acc = access(&ctx.db, &ctx.principal, id).await?;
            if acc.kind()? == ChatKind::Thread {
                return Err(Error::invalid(
                    "chatId",
                    "calls happen in chats, not threads",
                ));
            }
            if acc.membership.is_none() {
                return Err(Error::Forbidden(
                    "only members of the chat can start a call".into(),
                ));
            }
            if acc.chat.archived_at.is_some() {
                return Err(Error::conflict("chatId", "the chat is archived"));
            }
            (
                None,
                Some(id),
                input.media.unwrap_or(Media::Video),
                "chatId",
            )
        }
    };
    let conflict =
        |id: i64| Error::conflict(field, format!("a call is already running: call {id}"));
    if let Some(call) = running(&ctx.db, ctx.workspace_id(), input.target).await? {
        return Err(conflict(call.id));
    }
    let now = Utc::now();
    let name = display_name_of(&ctx.db, ctx).await?;
    let txn = ctx.write().await?;
    let call = calls::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        meeting_id: Set(meeting_id),
        chat_id: Set(chat_id),
        media: Set(media.as_str().to_owned()),
        status: Set(ACTIVE.to_owned()),
        active_key: Set(Some(active_key(input.target))),
        started_by_id: Set(ctx.user_id()),
        started_at: Set(now),
        ended_at: Set(None),
        start_message_id: Set(None),
        end_message_id: Set(None),
        transcript_language: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .on_unique(field, "a call is already running")?;
    upsert_participant(&txn, ctx, call.id, now).await?;
    let mut events = Vec::new();
    let call = match chat_id {
        Some(chat) => {
            let posted = crate::messages::post_system_message(
                &txn,
                ctx,
                chat,
                format!("📞 {name} started a {} call", media.as_str()),
                Some(serde_json::json!({ "call": { "id": call.id, "event": "started" } })),
            )
            .await?;
            match posted {
                Some((message, event)) => {
                    events.push(event);
                    let mut am: calls::ActiveModel = call.into();
                    am.start_message_id = Set(Some(message.id));
                    am.update(&txn).await?
                }
                None => call,
            }
        }
        None => call,
    };
    events.push(
        record(
            &txn,
            ctx,
            EventKind::CallChanged {
                call: call.clone(),
                change: CallChange::Started,
                user_id: Some(ctx.user_id()),
            },
            None,
        )
        .await?,
    );
    let view = call_view(&txn, call).await?;
    ctx.commit(txn, events).await?;
    join_token(ctx, view, &name).await
}

async fn upsert_participant(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    call_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    call_participants::Entity::insert(call_participants::ActiveModel {
        call_id: Set(call_id),
        user_id: Set(ctx.user_id()),
        workspace_id: Set(ctx.workspace_id()),
        joined_at: Set(now),
        left_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            call_participants::Column::CallId,
            call_participants::Column::UserId,
        ])
        .update_columns([
            call_participants::Column::JoinedAt,
            call_participants::Column::LeftAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// One call the caller can see.
pub async fn get_call(ctx: &Ctx, call_id: i64) -> Result<CallView> {
    ctx.require(Scope::MeetingsRead)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    call_view(&ctx.db, call).await
}

/// Join a running call (anyone who can see it); an ended call takes no one.
pub async fn join_call(ctx: &Ctx, call_id: i64) -> Result<CallJoin> {
    ctx.require(Scope::MeetingsWrite)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    if call.status != ACTIVE {
        return Err(Error::conflict("id", "the call has ended"));
    }
    let name = display_name_of(&ctx.db, ctx).await?;
    let already_in = call_participants::Entity::find_by_id((call.id, ctx.user_id()))
        .one(&ctx.db)
        .await?
        .is_some_and(|p| p.left_at.is_none());
    if already_in {
        // Another device of someone already in: a fresh token, no change.
        let view = call_view(&ctx.db, call).await?;
        return join_token(ctx, view, &name).await;
    }
    let txn = ctx.write().await?;
    // Re-read in the write transaction: the call may have ended meanwhile.
    let call = calls::Entity::find_by_id(call.id)
        .one(&txn)
        .await?
        .filter(|c| c.status == ACTIVE)
        .ok_or_else(|| Error::conflict("id", "the call has ended"))?;
    upsert_participant(&txn, ctx, call.id, Utc::now()).await?;
    let event = record(
        &txn,
        ctx,
        EventKind::CallChanged {
            call: call.clone(),
            change: CallChange::Joined,
            user_id: Some(ctx.user_id()),
        },
        None,
    )
    .await?;
    let view = call_view(&txn, call).await?;
    ctx.commit(txn, [event]).await?;
    join_token(ctx, view, &name).await
}

/// Leave a call (participants only). Leaving an ended call changes nothing.
pub async fn leave_call(ctx: &Ctx, call_id: i64) -> Result<CallView> {
    ctx.require(Scope::MeetingsWrite)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    let me = call_participants::Entity::find_by_id((call.id, ctx.user_id()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::Forbidden("you are not a participant of this call".into()))?;
    if call.status != ACTIVE || me.left_at.is_some() {
        return call_view(&ctx.db, call).await;
    }
    let txn = ctx.write().await?;
    call_participants::Entity::update_many()
        .col_expr(call_participants::Column::LeftAt, Expr::value(Utc::now()))
        .filter(call_participants::Column::CallId.eq(call.id))
        .filter(call_participants::Column::UserId.eq(ctx.user_id()))
        .exec(&txn)
        .await?;
    let event = record(
        &txn,
        ctx,
        EventKind::CallChanged {
            call: call.clone(),
            change: CallChange::Left,
            user_id: Some(ctx.user_id()),
        },
        None,
    )
    .await?;
    let view = call_view(&txn, call).await?;
    ctx.commit(txn, [event]).await?;
    Ok(view)
}

/// May the principal end `call`: its starter, the meeting's organiser, the chat's admins,
/// workspace admins.
async fn ensure_can_end(ctx: &Ctx, call: &calls::Model) -> Result<()> {
    let p = &ctx.principal;
    if p.is_admin() || call.started_by_id == p.user_id {
        return Ok(());
    }
    if let Some(meeting_id) = call.meeting_id
        && let Some(m) = meetings::Entity::find_by_id(meeting_id)
            .one(&ctx.db)
            .await?
        && m.organiser_id == p.user_id
    {
        return Ok(());
    }
    if let Some(chat) = call.chat_id
        && let Ok(acc) = access(&ctx.db, p, chat).await
        && acc.ensure_manager(p).is_ok()
    {
        return Ok(());
    }
    Err(Error::Forbidden(
        "only the call's starter, the meeting's organiser or the chat's admins can end it".into(),
    ))
}

/// End a call: no more joins, everyone still in leaves, a system message goes to the
/// chat. Ending an ended call changes nothing.
pub async fn end_call(ctx: &Ctx, call_id: i64) -> Result<CallView> {
    ctx.require(Scope::MeetingsWrite)?;
    let call = visible_call(&ctx.db, &ctx.principal, call_id).await?;
    ensure_can_end(ctx, &call).await?;
    if call.status != ACTIVE {
        return call_view(&ctx.db, call).await;
    }
    let txn = ctx.write().await?;
    let (ended, events) = end_in(&txn, ctx, call).await?;
    let view = call_view(&txn, ended).await?;
    ctx.commit(txn, events).await?;
    Ok(view)
}

/// End the running call of a meeting, if any (cancelling the meeting).
pub(crate) async fn end_running_for_meeting(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    meeting_id: i64,
) -> Result<Vec<Event>> {
    match running(txn, ctx.workspace_id(), CallTarget::Meeting(meeting_id)).await? {
        Some(call) => Ok(end_in(txn, ctx, call).await?.1),
        None => Ok(Vec::new()),
    }
}

async fn end_in(
    txn: &DatabaseTransaction,
    ctx: &Ctx,
    call: calls::Model,
) -> Result<(calls::Model, Vec<Event>)> {
    let now = Utc::now();
    call_participants::Entity::update_many()
        .col_expr(call_participants::Column::LeftAt, Expr::value(now))
        .filter(call_participants::Column::CallId.eq(call.id))
        .filter(call_participants::Column::LeftAt.is_null())
        .exec(txn)
        .await?;
    let mut events = Vec::new();
    let mut end_message_id = None;
    if let Some(chat) = call.chat_id {
        let minutes = (now - call.started_at).num_minutes();
        let posted = crate::messages::post_system_message(
            txn,
            ctx,
            chat,
            format!("📞 The call ended after {minutes} min"),
            Some(serde_json::json!({ "call": { "id": call.id, "event": "ended" } })),
        )
        .await?;
        if let Some((message, event)) = posted {
            end_message_id = Some(message.id);
            events.push(event);
        }
    }
    let mut am: calls::ActiveModel = call.into();
    am.status = Set(ENDED.to_owned());
    am.active_key = Set(None);
    am.ended_at = Set(Some(now));
    am.end_message_id = Set(end_message_id);
    let ended = am.update(txn).await?;
    events.push(
        record(
            txn,
            ctx,
            EventKind::CallChanged {
                call: ended.clone(),
                change: CallChange::Ended,
                user_id: None,
            },
            None,
        )
        .await?,
    );
    Ok((ended, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode};

    fn call(media: &str) -> calls::Model {
        calls::Model {
            id: 7,
            workspace_id: 3,
            meeting_id: None,
            chat_id: Some(1),
            media: media.to_owned(),
            status: ACTIVE.to_owned(),
            active_key: Some("chat:1".to_owned()),
            started_by_id: 5,
            started_at: Utc::now(),
            ended_at: None,
            start_message_id: None,
            end_message_id: None,
            transcript_language: None,
        }
    }

    #[test]
    fn join_tokens_carry_livekit_claims_and_verify_with_the_secret() {
        let config = LiveKitConfig::new("wss://media.test", "key-1", "s3cret-s3cret-s3cret");
        let now = Utc::now();
        let (token, exp) = sign_join_token(&config, &call("audio"), 5, "Ann", now)
            .unwrap_or_else(|_| unreachable!());
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&["key-1"]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        let data = decode::<JoinClaims>(
            &token,
            &DecodingKey::from_secret(b"s3cret-s3cret-s3cret"),
            &validation,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(data.claims.sub, "5");
        assert_eq!(data.claims.video.room, "sb-3-call-7");
        assert!(data.claims.video.room_join);
        assert_eq!(
            data.claims.video.can_publish_sources,
            Some(vec!["microphone".to_owned()])
        );
        assert_eq!(data.claims.exp, exp.timestamp());
        assert!(
            decode::<JoinClaims>(&token, &DecodingKey::from_secret(b"other"), &validation).is_err()
        );
    }
}
