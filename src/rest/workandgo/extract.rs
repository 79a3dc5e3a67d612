//! The façade's extractors and its one middleware.
//!
//! [`track`] runs first on every request of the façade, unknown routes included: it
//! identifies the caller once (an `X-API-Key: wag_…` key, else the `session_token`
//! cookie, else nobody), spends one request of the route's rate class from the caller's
//! bucket — per key, per user for cookies, per client address otherwise — answers 429
//! when the bucket is empty, and on the way out puts `X-RateLimit-Remaining` on the
//! response (whatever it is) and renews the session cookie.
//!
//! Handlers then declare what they accept in their signature: [`Caller<G>`] (cookie or
//! key; a key needs `G:read` for GET and `G:write` otherwise; cookie writes need the
//! app's `Origin`), [`SessionCaller`] (cookie only), [`Body<T>`] (JSON, 415/413/400)
//! and [`Params`] (query parameters).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use resolvers::auth::{API_KEY_PREFIX, Scope};
use resolvers::pagination::{PageArgs, decode_cursor, encode_cursor};
use resolvers::{Ctx, Origin};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{Failure, Reply};
use super::wire::{Envelope, Pagination};
use crate::state::AppState;

/// The front-door name recorded with every event this façade causes.
pub const DIALECT: &str = "workandgo";
/// The session cookie.
pub const COOKIE_NAME: &str = "session_token";
/// `X-API-Key`.
const API_KEY_HEADER: &str = "x-api-key";
/// `X-RateLimit-Remaining`.
const REMAINING: &str = "x-ratelimit-remaining";

/// Who is calling, decided once per request by [`track`].
#[derive(Clone)]
pub enum Auth {
    /// No credential was sent.
    Nobody,
    /// A credential was sent and did not authenticate.
    Invalid,
    /// An API key.
    Key(Ctx),
    /// A session cookie.
    Cookie {
        /// The member's context.
        ctx: Ctx,
        /// The session the cookie names.
        session_id: i64,
    },
}

/// The client's address, as the socket saw it.
fn client_ip(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// The value of cookie `name`, if the request sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for the session cookie: `value` kept `max_age` seconds (0 clears it).
pub fn session_cookie(value: &str, max_age: i64) -> HeaderValue {
    let text =
        format!("{COOKIE_NAME}={value}; Max-Age={max_age}; Path=/; HttpOnly; Secure; SameSite=Lax");
    HeaderValue::from_str(&text).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "session_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
        )
    })
}

/// Identify the caller; for a live session, also the renewed cookie (token, max age).
async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    origin: Origin,
) -> (Auth, Option<(String, i64)>) {
    if let Some(value) = headers.get(API_KEY_HEADER) {
        let Some(key) = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| k.starts_with(API_KEY_PREFIX))
        else {
            return (Auth::Invalid, None);
        };
        return match crate::auth::authenticate(state, key, origin).await {
            Ok(ctx) if ctx.principal.credential.is_api_key() => (Auth::Key(ctx), None),
            _ => (Auth::Invalid, None),
        };
    }
    let Some(token) = cookie(headers, COOKIE_NAME) else {
        return (Auth::Nobody, None);
    };
    match resolvers::auth::sessions::authenticate_cookie(&state.db, &state.jwt, &token).await {
        Ok(live) => {
            if let Err(e) = resolvers::people::touch_activity(&state.db, &live.user).await {
                tracing::warn!(error = %e, "could not record user activity");
            }
            let session_id = live.session.id;
            let ctx = state.ctx(live.principal, origin);
            (
                Auth::Cookie { ctx, session_id },
                Some((live.token, live.max_age)),
            )
        }
        Err(resolvers::Error::Internal(e)) => {
            tracing::error!(error = %e, "workandgo: session lookup failed");
            (Auth::Invalid, None)
        }
        Err(_) => (Auth::Invalid, None),
    }
}

/// Middleware: identify the caller, spend the route's rate class, answer 429 when
/// over, then put `X-RateLimit-Remaining` on every response and renew the cookie.
pub async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let category = super::rate_class(&method, &path);
    let ip = client_ip(&req);
    let origin = Origin {
        dialect: DIALECT,
        ip: ip.clone(),
        idempotency_key: req
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let (auth, renewal) = identify(&state, req.headers(), origin).await;
    let limits = &state.wag_rate;
    let (spent, who) = match &auth {
        Auth::Key(ctx) | Auth::Cookie { ctx, .. } => (
            limits.check(&ctx.principal, category, None),
            resolvers::rate::key_of(&ctx.principal, None),
        ),
        Auth::Nobody | Auth::Invalid => {
            let ip = ip.as_deref().unwrap_or("unknown");
            (
                limits.check_address(ip, category),
                resolvers::rate::address_key(ip),
            )
        }
    };
    let (mut res, remaining) = match spent {
        Ok(allowance) => {
            req.extensions_mut().insert(auth);
            (next.run(req).await, allowance.remaining)
        }
        Err(resolvers::Error::RateLimited { retry_after }) => {
            let budget = limits.budget(category);
            let name = super::rate_class_name(category);
            (
                Failure::rate_limited(name, budget.burst, retry_after).into_response(),
                0,
            )
        }
        Err(e) => (Failure::from(e).into_response(), 0),
    };
    res.headers_mut()
        .insert(REMAINING, HeaderValue::from(remaining));
    if let Some((token, max_age)) = renewal
        && !res.headers().contains_key(SET_COOKIE)
    {
        res.headers_mut()
            .insert(SET_COOKIE, session_cookie(&token, max_age));
    }
    tracing::info!(
        dialect = DIALECT,
        bucket = %who,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        "api call"
    );
    res
}

fn auth_of(parts: &Parts) -> Auth {
    parts
        .extensions
        .get::<Auth>()
        .cloned()
        .unwrap_or(Auth::Nobody)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD)
}

/// The CSRF rule: a cookie-authenticated write must carry an `Origin` equal to the
/// configured app origin (no configured origin: every cookie write is refused).
fn check_origin(parts: &Parts, state: &AppState) -> Result<(), Failure> {
    if !is_write(&parts.method) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim().trim_end_matches('/'));
    match (sent, state.config.app_origin()) {
        (Some(sent), Some(app)) if sent == app => Ok(()),
        _ => Err(Failure::csrf()),
    }
}

/// A group of the document, whose key scopes (`<group>:read`, `<group>:write`) a route
/// needs from a key; declared as the type parameter of [`Caller`].
pub trait Group {
    /// The group's name (`channels`).
    const NAME: &'static str;
}

macro_rules! groups {
    ($($name:ident => $group:literal,)*) => {
        $(
            #[doc = concat!("The `", $group, "` group.")]
            pub struct $name;
            impl Group for $name {
                const NAME: &'static str = $group;
            }
        )*
    };
}

groups! {
    Profile => "profile",
    Channels => "channels",
    Messages => "messages",
}

/// An authenticated caller of a `G` route (auth column `CK`): a session cookie (writes
/// checked against the app origin) or an API key holding `G:read` (GET) or `G:write`.
pub struct Caller<G> {
    /// The domain context (dialect `workandgo`).
    pub ctx: Ctx,
    /// The session the cookie names (`None` for a key).
    pub session_id: Option<i64>,
    _group: PhantomData<G>,
}

impl<G: Group + Send + Sync> FromRequestParts<AppState> for Caller<G> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        match auth_of(parts) {
            Auth::Nobody | Auth::Invalid => Err(Failure::unauthenticated()),
            Auth::Key(ctx) => {
                let write = is_write(&parts.method);
                let held = Scope::key_scope(G::NAME, write)
                    .is_some_and(|s| ctx.principal.scopes.contains(s));
                if !held {
                    let access = if write { "write" } else { "read" };
                    return Err(Failure::forbidden(format!(
                        "This API key lacks the `{}:{access}` scope",
                        G::NAME
                    )));
                }
                Ok(Caller {
                    ctx,
                    session_id: None,
                    _group: PhantomData,
                })
            }
            Auth::Cookie { ctx, session_id } => {
                check_origin(parts, state)?;
                Ok(Caller {
                    ctx,
                    session_id: Some(session_id),
                    _group: PhantomData,
                })
            }
        }
    }
}

/// A caller signed in with the session cookie (auth column `C`): API keys are refused
/// (keys cannot manage keys); writes are checked against the app origin.
pub struct SessionCaller {
    /// The domain context.
    pub ctx: Ctx,
    /// The session the cookie names.
    pub session_id: i64,
}

impl FromRequestParts<AppState> for SessionCaller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        match auth_of(parts) {
            Auth::Nobody | Auth::Invalid => Err(Failure::unauthenticated()),
            Auth::Key(_) => Err(Failure::forbidden(
                "This route needs a signed-in session; API keys cannot use it",
            )),
            Auth::Cookie { ctx, session_id } => {
                check_origin(parts, state)?;
                Ok(SessionCaller { ctx, session_id })
            }
        }
    }
}

/// Where a request comes from, for the sessions it starts.
pub struct ClientMeta(pub resolvers::auth::sessions::SessionMeta);

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Failure> {
        Ok(ClientMeta(resolvers::auth::sessions::SessionMeta {
            device: parts
                .headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            ip_address: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip().to_string()),
        }))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Failure> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::too_large()
        } else {
            Failure::field("body", format!("could not read the body: {e}"))
        }
    })
}

/// A JSON body: another `Content-Type` is 415, over the limit 413, bad JSON or an
/// ill-typed field 400 `VALIDATION_ERROR` naming it. Unknown keys are ignored.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        if !is_json(req.headers()) {
            return Err(Failure::media_type());
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(Body)
    }
}

/// Like [`Body`], for routes whose body may be left out (`T::default()` then).
pub struct OptionalBody<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalBody<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        let json = is_json(req.headers());
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalBody(T::default()));
        }
        if !json {
            return Err(Failure::media_type());
        }
        parse_json(&bytes).map(OptionalBody)
    }
}

/// Parse JSON into `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::field("body", "a JSON body is required"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path == "?" || path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        Failure::field(&field, e.inner().to_string())
    })
}

/// A PATCH body: an object whose absent keys leave fields unchanged and whose `null`
/// clears them.
pub struct Patch(pub Map<String, Value>);

/// One key of a [`Patch`].
#[derive(Debug, PartialEq)]
pub enum Change<T> {
    /// Absent: leave as it is.
    Keep,
    /// `null`: clear.
    Clear,
    /// A new value.
    Set(T),
}

impl Patch {
    /// Whether the body has `key` (even `null`).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// A string key; another type is a problem named after it.
    pub fn string(&self, key: &str, p: &mut Problems) -> Change<String> {
        match self.0.get(key) {
            None => Change::Keep,
            Some(Value::Null) => Change::Clear,
            Some(Value::String(s)) => Change::Set(s.clone()),
            Some(_) => {
                p.add(key, "must be a string or null");
                Change::Keep
            }
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for Patch {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        let Body(value) = Body::<Value>::from_request(req, state).await?;
        match value {
            Value::Object(map) => Ok(Patch(map)),
            _ => Err(Failure::field("body", "must be a JSON object")),
        }
    }
}

/// The query parameters, decoded (never a rejection: handlers name bad ones).
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Failure> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Params(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    /// A parameter, when given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// `?limit=` (1–100, default 50) and `?cursor=`.
    pub fn page(&self, p: &mut Problems) -> PageArgs {
        let first = match self.get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    p.add("limit", format!("must be an integer from 1 to {MAX_LIMIT}"));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match self.get("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => match decode_cursor(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    p.add("cursor", "is not a cursor this server gave out");
                    None
                }
            },
        };
        PageArgs { first, after }
    }

    /// A boolean parameter (`true`/`false`).
    pub fn flag(&self, key: &str, p: &mut Problems) -> Option<bool> {
        match self.get(key)? {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                p.add(key, "must be true or false");
                None
            }
        }
    }
}

/// Page size when `?limit=` is absent.
pub const DEFAULT_LIMIT: u64 = 50;
/// Largest `?limit=`.
pub const MAX_LIMIT: u64 = 100;

/// The `pagination` object of a page whose last row has id `last`.
pub fn pagination(args: &PageArgs, has_more: bool, last: Option<i64>) -> Pagination {
    Pagination {
        limit: args.first,
        next_cursor: last.filter(|_| has_more).map(encode_cursor),
        has_more,
    }
}

pub use crate::rest::fields::Problems;

/// The success envelope around `data`, as JSON (what idempotent routes store).
pub fn envelope<T: Serialize>(data: T) -> Result<Value, Failure> {
    to_json(&Envelope {
        success: true,
        data,
        pagination: None,
    })
}

/// `status` with the success envelope around `data`.
pub fn reply<T: Serialize>(status: StatusCode, data: T) -> Reply {
    Ok((status, axum::Json(envelope(data)?)).into_response())
}

/// 200 with a page of `items`.
pub fn page<T: Serialize>(items: Vec<T>, pagination: Pagination) -> Reply {
    let body = Envelope {
        success: true,
        data: items,
        pagination: Some(pagination),
    };
    Ok((StatusCode::OK, axum::Json(to_json(&body)?)).into_response())
}

/// Serialise a wire value.
pub fn to_json<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "workandgo: could not serialise a response");
        Failure::internal()
    })
}

/// Run a creating operation at most once per `Idempotency-Key`: the shared mechanism
/// ([`crate::rest::idempotent::once`]) answering in this façade's failures. `input` is
/// what makes two requests the same; the stored and replayed answer is the JSON body.
pub async fn once<I, F, Fut>(
    ctx: &Ctx,
    operation: &str,
    input: &I,
    op: F,
) -> Result<serde_json::Value, Failure>
where
    I: Serialize + ?Sized,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, Failure>>,
{
    crate::rest::idempotent::once(ctx, operation, input, op).await
}
