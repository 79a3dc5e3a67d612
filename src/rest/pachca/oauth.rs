//! OAuth: `GET /oauth/token/info` (the presented token, masked), and the token
//! endpoints of bots' OAuth clients, `POST /oauth/token` and `POST /oauth/revoke`
//! (form bodies, no bearer credential; see `resolvers::integrations::oauth`).

use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL};
use axum::http::{HeaderValue, StatusCode};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use resolvers::integrations::oauth::{self, ClientAuth, TokenRequest};
use resolvers::rate::Category;
use resolvers::{Ctx, Principal};

use super::convert::{date, date_opt, mask_token};
use super::error::{Failure, Reply};
use super::extract::{Caller, DIALECT, ok, ok_data};
use super::wire::{AccessTokenInfo, OAUTH_SCOPES, OAuthRevokeForm, OAuthToken, OAuthTokenForm};
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer for the token info; the client's own
/// (form fields or HTTP Basic) for the token endpoints. Rate class: standard (per client
/// id on the token endpoints).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token/info", get(token_info))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
}

/// `GET /oauth/token/info` → 200 `{data: AccessTokenInfo}`. A JWT session is described
/// as a token without a row (`id` 0, no name), carrying the session's scopes.
async fn token_info(caller: Caller) -> Reply {
    let ctx = &caller.ctx;
    let scopes: Vec<String> = ctx
        .principal
        .scopes
        .iter()
        .map(|s| s.as_str())
        .filter(|s| OAUTH_SCOPES.contains(s))
        .map(str::to_owned)
        .collect();
    let info = match resolvers::auth::current_api_token(ctx).await? {
        Some(row) => AccessTokenInfo {
            id: row.id,
            token: mask_token(&row.prefix, &row.last_four),
            name: Some(row.name),
            user_id: row.user_id,
            scopes,
            created_at: date(row.created_at),
            revoked_at: date_opt(row.revoked_at),
            expires_in: row
                .expires_at
                .map(|at| at.signed_duration_since(Utc::now()).num_seconds().max(0)),
            last_used_at: date_opt(row.last_used_at),
        },
        None => AccessTokenInfo {
            id: 0,
            token: "session".to_owned(),
            name: None,
            user_id: ctx.user_id(),
            scopes,
            created_at: date(Utc::now()),
            revoked_at: None,
            expires_in: None,
            last_used_at: None,
        },
    };
    Ok(ok_data(info))
}

/// Where the request came from (address, idempotency key), and the request back.
fn origin(req: Request) -> (resolvers::Origin, Request) {
    let (parts, body) = req.into_parts();
    let origin = crate::auth::origin_of(&parts, DIALECT);
    (origin, Request::from_parts(parts, body))
}

/// A form body (`application/x-www-form-urlencoded`); anything else is OAuth's
/// `invalid_request`.
async fn form<T: serde::de::DeserializeOwned>(
    req: Request,
) -> Result<(T, Option<ClientAuth>), Failure> {
    let basic = basic_auth(req.headers());
    let axum::Form(body) = axum::Form::<T>::from_request(req, &())
        .await
        .map_err(|e| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", e.body_text()))?;
    Ok((body, basic))
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1), if sent.
fn basic_auth(headers: &axum::http::HeaderMap) -> Option<ClientAuth> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some(ClientAuth {
        client_id: Some(unescape(id)),
        client_secret: Some(unescape(secret)),
    })
}

fn oauth_error(status: StatusCode, error: &'static str, description: impl Into<String>) -> Failure {
    Failure::OAuth {
        status,
        error,
        description: description.into(),
    }
}

/// OAuth's own error codes in the token endpoint's shape (RFC 6749 §5.2).
fn token_failure(err: resolvers::Error) -> Failure {
    match &err {
        resolvers::Error::Rule { code, message, .. } => {
            let (status, error) = match *code {
                "INVALID_CLIENT" => (StatusCode::UNAUTHORIZED, "invalid_client"),
                "INVALID_GRANT" => (StatusCode::BAD_REQUEST, "invalid_grant"),
                "INVALID_REQUEST" => (StatusCode::BAD_REQUEST, "invalid_request"),
                "UNSUPPORTED_GRANT_TYPE" => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
                "UNAUTHORIZED_CLIENT" => (StatusCode::BAD_REQUEST, "unauthorized_client"),
                _ => return err.into(),
            };
            oauth_error(status, error, message.clone())
        }
        _ => err.into(),
    }
}

/// The context a token endpoint acts in once the grant names its person.
fn ctx_for(state: &AppState, req_origin: resolvers::Origin) -> impl FnOnce(Principal) -> Ctx {
    let (db, bus, env) = (state.db.clone(), state.bus.clone(), state.env.clone());
    move |principal| Ctx::within(env, db, bus, principal).with_origin(req_origin)
}

/// Client credentials: HTTP Basic wins over form fields.
fn client(basic: Option<ClientAuth>, id: Option<String>, secret: Option<String>) -> ClientAuth {
    basic.unwrap_or(ClientAuth {
        client_id: id,
        client_secret: secret,
    })
}

/// One standard request per client id (the endpoints take no bearer credential).
fn spend(state: &AppState, client: &ClientAuth) -> Result<(), Failure> {
    let key = format!("oauth:{}", client.client_id.as_deref().unwrap_or_default());
    state.env.rate.check_key(key, Category::Standard)?;
    Ok(())
}

/// `POST /oauth/token` (form, no bearer): `authorization_code` (with PKCE) or
/// `refresh_token` → 200 bare `OAuthToken`; failures are OAuthError 400/401.
async fn token(State(state): State<AppState>, req: Request) -> Reply {
    let (origin, req) = origin(req);
    let (body, basic): (OAuthTokenForm, _) = form(req).await?;
    let client = client(basic, body.client_id, body.client_secret);
    spend(&state, &client)?;
    let request = TokenRequest {
        grant_type: body.grant_type,
        code: body.code,
        redirect_uri: body.redirect_uri,
        code_verifier: body.code_verifier,
        refresh_token: body.refresh_token,
        client,
    };
    let issued = oauth::exchange(&state.db, ctx_for(&state, origin), request)
        .await
        .map_err(token_failure)?;
    let mut res = ok(OAuthToken {
        access_token: issued.access_token,
        token_type: "Bearer".to_owned(),
        refresh_token: issued.refresh_token,
        scope: issued.scopes.join(" "),
        created_at: issued.created_at,
    });
    // RFC 6749 §5.1: token responses are never cached.
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `POST /oauth/revoke` (form, no bearer; RFC 7009) → 200 `{}`, also for an unknown token.
async fn revoke(State(state): State<AppState>, req: Request) -> Reply {
    let (origin, req) = origin(req);
    let (body, basic): (OAuthRevokeForm, _) = form(req).await?;
    let client = client(basic, body.client_id, body.client_secret);
    spend(&state, &client)?;
    oauth::revoke(
        &state.db,
        ctx_for(&state, origin),
        &client,
        body.token.trim(),
    )
    .await
    .map_err(token_failure)?;
    Ok(ok(serde_json::json!({})))
}
