//! `/api/auth` (§5.1, rows 3–8 and 11–13): development login, the caller's profile, their
//! sessions, logout, and API keys. OAuth (rows 1–2), the WebSocket ticket (9) and the
//! socket (10) are not served yet.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use resolvers::Ctx;
use resolvers::auth::sessions::{DevLoginInput, LiveSession};
use resolvers::people::ProfileChanges;

use super::convert;
use super::error::{Failure, Reply};
use super::extract::{
    Body, Caller, Change, ClientMeta, Params, Patch, Problems, Profile, SessionCaller, envelope,
    reply, session_cookie,
};
use super::wire::{CreateApiKeyRequest, DevLoginRequest, Me, NamedRef, SignedIn};
use crate::state::AppState;

/// Routes. Auth: dev-login none (and only when `dev_login` is configured; otherwise the
/// path is unknown, 404); `me` and sessions `CK` (keys need `profile:*`); logout and
/// API keys `C`. Rate class: `std`.
pub fn routes(dev_login: bool) -> Router<AppState> {
    let mut r = Router::new()
        .route("/auth/me", get(me).patch(update_me))
        .route("/auth/sessions", get(sessions))
        .route("/auth/sessions/{id}", delete(revoke_session))
        .route("/auth/logout", post(logout))
        .route("/auth/api-keys", get(list_keys).post(create_key))
        .route("/auth/api-keys/{id}", delete(revoke_key));
    if dev_login {
        r = r.route("/auth/dev-login", post(dev_login_handler));
    }
    r
}

/// A path id: anything but a positive integer names nothing (404).
pub(super) fn path_id(raw: &str, what: &str) -> Result<i64, Failure> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Failure::not_found(what))
}

async fn me_of(ctx: &Ctx) -> Result<Me, Failure> {
    let user = resolvers::people::get_profile(ctx).await?;
    let org = resolvers::people::get_workspace(ctx).await?;
    let key = resolvers::auth::current_api_token(ctx).await?;
    Ok(convert::me(&user, &org, key.as_ref()))
}

/// `POST /api/auth/dev-login` (§5.1 #3) → 200 `{user: Me, session: Session}` and the
/// `session_token` cookie. Signs in the member with that e-mail (never creates one).
async fn dev_login_handler(
    State(state): State<AppState>,
    ClientMeta(meta): ClientMeta,
    Body(req): Body<DevLoginRequest>,
) -> Reply {
    let mut p = Problems::default();
    let email = p.required("email", req.email.as_deref(), 255);
    p.finish()?;
    let live: LiveSession = resolvers::auth::sessions::dev_login(
        &state.db,
        &state.jwt,
        DevLoginInput {
            email,
            organisation_id: req.organisation_id,
        },
        meta,
    )
    .await?;
    let ctx = state.ctx(live.principal.clone(), resolvers::Origin::default());
    let body = SignedIn {
        user: me_of(&ctx).await?,
        session: convert::session(&live.session, Some(live.session.id)),
    };
    let mut res = reply(StatusCode::OK, body)?;
    res.headers_mut()
        .insert(SET_COOKIE, session_cookie(&live.token, live.max_age));
    Ok(res)
}

/// `GET /api/auth/me` (§5.1 #4) → `Me`.
async fn me(caller: Caller<Profile>) -> Reply {
    reply(StatusCode::OK, me_of(&caller.ctx).await?)
}

/// `PATCH /api/auth/me` (§5.1 #5) → `Me`. `email` and `role` are not the caller's to
/// change (400); `locale` is not stored (400 unless `null`).
async fn update_me(caller: Caller<Profile>, patch: Patch) -> Reply {
    let mut p = Problems::default();
    for fixed in ["email", "role"] {
        if patch.has(fixed) {
            p.add(fixed, "cannot be changed here");
        }
    }
    if let Change::Set(_) = patch.string("locale", &mut p) {
        p.add(
            "locale",
            "is not stored by this server (send null or leave it out)",
        );
    }
    let text = |key: &str, p: &mut Problems| match patch.string(key, p) {
        Change::Keep => None,
        Change::Clear => Some(String::new()),
        Change::Set(v) => Some(v),
    };
    let name = match patch.string("name", &mut p) {
        Change::Keep => None,
        Change::Clear => {
            p.add("name", "cannot be cleared");
            None
        }
        Change::Set(v) => Some(v),
    };
    let avatar_url = match patch.string("avatarUrl", &mut p) {
        Change::Keep => None,
        Change::Clear => Some(None),
        Change::Set(v) => Some(Some(v)),
    };
    let title = text("title", &mut p);
    let phone = text("phone", &mut p);
    let time_zone = match patch.string("timezone", &mut p) {
        Change::Keep => None,
        Change::Clear => {
            p.add("timezone", "cannot be cleared");
            None
        }
        Change::Set(v) => Some(v),
    };
    p.finish()?;
    resolvers::people::update_profile(
        &caller.ctx,
        ProfileChanges {
            name,
            avatar_url,
            title,
            phone,
            time_zone,
        },
    )
    .await?;
    reply(StatusCode::OK, me_of(&caller.ctx).await?)
}

/// `GET /api/auth/sessions` (§5.1 #6) → `[Session]`, the caller's own.
async fn sessions(caller: Caller<Profile>) -> Reply {
    let rows = resolvers::auth::sessions::list_sessions(&caller.ctx).await?;
    let out: Vec<_> = rows
        .iter()
        .map(|s| convert::session(s, caller.session_id))
        .collect();
    reply(StatusCode::OK, out)
}

/// `DELETE /api/auth/sessions/{id}` (§5.1 #7) → `null`; the session fails from its next
/// request (revoking the current one also clears the cookie).
async fn revoke_session(caller: Caller<Profile>, Path(id): Path<String>) -> Reply {
    let id = path_id(&id, "Session")?;
    resolvers::auth::sessions::revoke_session(&caller.ctx, id).await?;
    let mut res = reply(StatusCode::OK, ())?;
    if caller.session_id == Some(id) {
        res.headers_mut().insert(SET_COOKIE, session_cookie("", 0));
    }
    Ok(res)
}

/// `POST /api/auth/logout` (§5.1 #8) → `null`; the current session is revoked and the
/// cookie cleared (`Max-Age=0`).
async fn logout(caller: SessionCaller) -> Reply {
    resolvers::auth::sessions::revoke_session(&caller.ctx, caller.session_id).await?;
    let mut res = reply(StatusCode::OK, ())?;
    res.headers_mut().insert(SET_COOKIE, session_cookie("", 0));
    Ok(res)
}

async fn creators(ctx: &Ctx, ids: &[i64]) -> Result<HashMap<i64, NamedRef>, Failure> {
    let users = resolvers::people::users_by_ids(&ctx.db, ctx.workspace_id(), ids).await?;
    Ok(users
        .into_iter()
        .map(|(id, u)| {
            (
                id,
                NamedRef {
                    id,
                    name: resolvers::people::display_name(&u),
                },
            )
        })
        .collect())
}

fn creator_of(map: &HashMap<i64, NamedRef>, id: i64) -> NamedRef {
    map.get(&id).cloned().unwrap_or(NamedRef {
        id,
        name: String::new(),
    })
}

/// `POST /api/auth/api-keys` (§5.1 #11) → 201 `ApiKey` with `key`, shown once.
///
/// With `Idempotency-Key`, a retry gets the same `ApiKey` back — no second key — but
/// without `key`: the secret is never stored, not even for a replay. A client that lost
/// the first answer sees which key was made, revokes it and asks for another.
async fn create_key(caller: SessionCaller, Body(req): Body<CreateApiKeyRequest>) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let name = p.required("name", req.name.as_deref(), resolvers::auth::MAX_KEY_NAME);
    let expires_at = match req.expires_at.as_deref() {
        None => None,
        Some(raw) => {
            let at = convert::parse_time(raw);
            if at.is_none() {
                p.add(
                    "expiresAt",
                    "must be an ISO 8601 instant with Z or an offset",
                );
            }
            at
        }
    };
    if req.app.is_some() {
        p.add("app", "suite app bindings are not served yet");
    }
    p.finish()?;
    // The secret leaves beside the stored (replayable) answer, never in it.
    let once = crate::rest::idempotent::once_with_secret;
    let (mut body, secret) = once(ctx, "workandgo.createApiKey", &req, || async {
        let created = resolvers::auth::create_api_key(
            ctx,
            resolvers::auth::CreateApiKeyInput {
                name,
                scopes: req.scopes.clone(),
                expires_at,
            },
        )
        .await?;
        let by = creators(ctx, &[created.row.user_id]).await?;
        let key = convert::api_key(&created.row, &creator_of(&by, created.row.user_id), None);
        Ok::<_, Failure>((envelope(key)?, created.token))
    })
    .await?;
    if let Some(key) = secret {
        body["data"]["key"] = serde_json::Value::String(key);
    }
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// `GET /api/auth/api-keys` (§5.1 #12) → `[ApiKey]`, masked; `?all=true` every key of
/// the organisation (owners and admins).
async fn list_keys(caller: SessionCaller, params: Params) -> Reply {
    let ctx = &caller.ctx;
    let mut p = Problems::default();
    let all = params.flag("all", &mut p).unwrap_or(false);
    p.finish()?;
    let rows = resolvers::auth::list_api_keys(ctx, all).await?;
    let ids: Vec<i64> = rows.iter().map(|k| k.user_id).collect();
    let by = creators(ctx, &ids).await?;
    let out: Vec<_> = rows
        .iter()
        .map(|k| convert::api_key(k, &creator_of(&by, k.user_id), None))
        .collect();
    reply(StatusCode::OK, out)
}

/// `DELETE /api/auth/api-keys/{id}` (§5.1 #13) → `null`; refused from its next request.
async fn revoke_key(caller: SessionCaller, Path(id): Path<String>) -> Reply {
    let id = path_id(&id, "Api key")?;
    resolvers::auth::revoke_api_key(&caller.ctx, id).await?;
    reply(StatusCode::OK, ())
}
