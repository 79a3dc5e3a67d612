//! Server-side sessions: what the WorkAndGo façade's `session_token` cookie names.
//!
//! A session is a row (`sessions`): who, how it began, from where, when it was last
//! seen, its absolute end and its revocation. The cookie carries a short-lived signed
//! token naming the row ([`JwtConfig::issue_cookie`], at most [`COOKIE_TOKEN_SECONDS`]);
//! every request checks the row, so a revoked session fails on its next request, and
//! every answer renews the token while the session lives — [`IDLE_DAYS`] without a
//! request, [`ABSOLUTE_DAYS`] in all. A cookie session's principal is an ordinary user
//! session ([`Credential::Session`]) with every scope of the member's role.

use chrono::{DateTime, Duration, Utc};
use entities::{sessions, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::JwtConfig;
use crate::ctx::Principal;
use crate::{Ctx, Error, Result};

/// A session ends after this many days without a request.
pub const IDLE_DAYS: i64 = 7;
/// A session ends this many days after it began, whatever the activity.
pub const ABSOLUTE_DAYS: i64 = 30;
/// Lifetime of one cookie token (15 minutes); each answer renews it.
pub const COOKIE_TOKEN_SECONDS: i64 = 15 * 60;
/// `last_seen_at` is written at most this often (seconds).
const TOUCH_EVERY: i64 = 60;

/// Where a sign-in comes from.
#[derive(Clone, Debug, Default)]
pub struct SessionMeta {
    /// The client's `User-Agent`.
    pub device: Option<String>,
    /// The client's address.
    pub ip_address: Option<String>,
}

/// A live session and what the cookie should carry now.
#[derive(Clone, Debug)]
pub struct LiveSession {
    /// The member, as a principal.
    pub principal: Principal,
    /// The member's row.
    pub user: users::Model,
    /// The session row.
    pub session: sessions::Model,
    /// A fresh cookie token naming the session.
    pub token: String,
    /// Seconds the cookie may be kept (until the session's idle or absolute end).
    pub max_age: i64,
}

fn idle_end(s: &sessions::Model) -> DateTime<Utc> {
    s.last_seen_at + Duration::days(IDLE_DAYS)
}

/// When the session ends if no further request comes: its idle or absolute end.
pub fn session_end(s: &sessions::Model) -> DateTime<Utc> {
    idle_end(s).min(s.expires_at)
}

fn live(s: &sessions::Model, now: DateTime<Utc>) -> bool {
    s.revoked_at.is_none() && now < session_end(s)
}

fn principal_of(user: users::Model) -> Result<(Principal, users::Model)> {
    if user.suspended || user.deleted_at.is_some() || user.is_bot {
        return Err(Error::Unauthenticated);
    }
    // A user session: every scope of the member's role.
    let principal = super::principal_for_user(user.clone())?;
    Ok((principal, user))
}

fn renew(jwt: &JwtConfig, s: &sessions::Model, now: DateTime<Utc>) -> Result<(String, i64)> {
    let left = (session_end(s) - now).num_seconds().max(0);
    let token = jwt.issue_cookie(
        s.workspace_id,
        s.user_id,
        s.id,
        COOKIE_TOKEN_SECONDS.min(left.max(1)),
    )?;
    // The cookie outlives its token: an expired token of a live session is renewed.
    let max_age = (s.expires_at - now)
        .num_seconds()
        .max(0)
        .min(left + COOKIE_TOKEN_SECONDS);
    Ok((token, max_age))
}

/// Start a session for `user` (the sign-in flows call this once they know the member).
pub async fn start_session(
    db: &DatabaseConnection,
    jwt: &JwtConfig,
    user: users::Model,
    method: &str,
    meta: SessionMeta,
) -> Result<LiveSession> {
    let (principal, user) = principal_of(user)?;
    let now = Utc::now();
    let device = meta
        .device
        .map(|d| d.chars().take(255).collect::<String>())
        .filter(|d| !d.trim().is_empty());
    let session = sessions::ActiveModel {
        workspace_id: Set(user.workspace_id),
        user_id: Set(user.id),
        method: Set(method.to_owned()),
        device: Set(device),
        ip_address: Set(meta.ip_address),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::days(ABSOLUTE_DAYS)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tracing::info!(
        session = session.id,
        user = user.id,
        workspace = user.workspace_id,
        method,
        "session started"
    );
    let (token, max_age) = renew(jwt, &session, now)?;
    Ok(LiveSession {
        principal,
        user,
        session,
        token,
        max_age,
    })
}

/// Input of [`dev_login`].
#[derive(Clone, Debug, Default)]
pub struct DevLoginInput {
    /// The member's e-mail.
    pub email: String,
    /// The organisation, when members of several share the e-mail.
    pub organisation_id: Option<i64>,
}

/// Development login: a session for the member with this e-mail, no password. The
/// server offers it only when configured to (never in production). Signs members in;
/// never creates one (`NOT_A_MEMBER`).
pub async fn dev_login(
    db: &DatabaseConnection,
    jwt: &JwtConfig,
    input: DevLoginInput,
    meta: SessionMeta,
) -> Result<LiveSession> {
    let email = input.email.trim().to_lowercase();
    if email.is_empty() || !email.contains('@') || email.len() > 255 {
        return Err(Error::invalid("email", "must be an e-mail address"));
    }
    let mut q = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .filter(users::Column::IsBot.eq(false))
        .filter(users::Column::DeletedAt.is_null());
    if let Some(org) = input.organisation_id {
        q = q.filter(users::Column::WorkspaceId.eq(org));
    }
    let mut found = q.order_by_asc(users::Column::Id).all(db).await?;
    if found.len() > 1 {
        return Err(Error::invalid(
            "organisationId",
            "members of several organisations have this e-mail; name the organisation",
        ));
    }
    let user = found
        .pop()
        .ok_or_else(|| Error::rule("NOT_A_MEMBER", "email", "no member has this e-mail"))?;
    start_session(db, jwt, user, "dev", meta).await
}

/// The live session a cookie token names, with a renewed token; any failure (bad
/// signature, unknown, revoked, idle or past its end, user gone or suspended) is
/// [`Error::Unauthenticated`]. Records the session's activity (at most once a minute).
pub async fn authenticate_cookie(
    db: &DatabaseConnection,
    jwt: &JwtConfig,
    token: &str,
) -> Result<LiveSession> {
    let grace = u64::try_from(Duration::days(IDLE_DAYS).num_seconds()).unwrap_or(0);
    let claims = jwt.verify_cookie(token.trim(), grace)?;
    let user_id: i64 = claims.sub.parse().map_err(|_| Error::Unauthenticated)?;
    let session = sessions::Entity::find_by_id(claims.sid)
        .filter(sessions::Column::WorkspaceId.eq(claims.ws))
        .filter(sessions::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let now = Utc::now();
    if !live(&session, now) {
        return Err(Error::Unauthenticated);
    }
    let user = users::Entity::find_by_id(user_id)
        .filter(users::Column::WorkspaceId.eq(claims.ws))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let (principal, user) = principal_of(user)?;
    let session = if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY {
        let mut am: sessions::ActiveModel = session.into();
        am.last_seen_at = Set(now);
        am.update(db).await?
    } else {
        session
    };
    let (token, max_age) = renew(jwt, &session, now)?;
    Ok(LiveSession {
        principal,
        user,
        session,
        token,
        max_age,
    })
}

/// The caller's live sessions, most recently seen first.
pub async fn list_sessions(ctx: &Ctx) -> Result<Vec<sessions::Model>> {
    let now = Utc::now();
    Ok(sessions::Entity::find()
        .filter(sessions::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(sessions::Column::UserId.eq(ctx.user_id()))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .order_by_desc(sessions::Column::LastSeenAt)
        .order_by_desc(sessions::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|s| live(s, now))
        .collect())
}

/// Revoke one of the caller's sessions: it fails from its next request. Anyone else's
/// session, or one already ended, is "not found".
pub async fn revoke_session(ctx: &Ctx, session_id: i64) -> Result<sessions::Model> {
    let session = sessions::Entity::find_by_id(session_id)
        .filter(sessions::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(sessions::Column::UserId.eq(ctx.user_id()))
        .one(&ctx.db)
        .await?
        .filter(|s| live(s, Utc::now()))
        .ok_or(Error::NotFound("session"))?;
    let mut am: sessions::ActiveModel = session.into();
    am.revoked_at = Set(Some(Utc::now()));
    let session = am.update(&ctx.db).await?;
    tracing::info!(
        session = session.id,
        user = session.user_id,
        by = ctx.user_id(),
        "session revoked"
    );
    Ok(session)
}
