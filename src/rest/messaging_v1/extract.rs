//! The façade's extractors: the caller (a `wst_` workspace token, its budget spent, its
//! permission checked — all declared in the handler's signature as
//! `Caller<Permission>`), JSON bodies that fail as `INVALID_REQUEST_BODY` naming the
//! field, and the per-request slot through which the rate-limit state reaches the
//! response headers of every answer, errors included ([`track`]).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use resolvers::auth::{Scope, WORKSPACE_TOKEN_PREFIX};
use resolvers::rate::Category;
use resolvers::{Ctx, Principal};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::convert::period_name;
use super::error::Failure;
use crate::auth::{authenticate, bearer, origin_of};
use crate::state::AppState;

/// The front-door name recorded with every event this façade causes.
pub const DIALECT: &str = "v1";

/// What the response headers report of the caller's budget.
#[derive(Clone, Copy, Debug)]
struct RateState {
    limit: u32,
    remaining: u32,
    /// Unix seconds when the budget is full again.
    reset: u64,
}

#[derive(Default)]
struct SlotInner {
    rate: Option<RateState>,
    token: Option<String>,
}

/// Per-request slot filled once the credential is known (see [`track`]).
#[derive(Clone, Default)]
pub struct RateSlot(Arc<Mutex<SlotInner>>);

impl RateSlot {
    fn with<R>(&self, f: impl FnOnce(&mut SlotInner) -> R) -> R {
        let mut inner = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut inner)
    }

    /// Spend one standard request of `principal` and remember what to report: `Err` is
    /// the 429, naming the token's own limit.
    pub fn spend(&self, ctx: &Ctx) -> Result<(), Failure> {
        let principal: &Principal = &ctx.principal;
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        let token = match &principal.credential {
            resolvers::Credential::ApiToken { prefix, .. } => Some(prefix.clone()),
            resolvers::Credential::Session | resolvers::Credential::Hook { .. } => None,
        };
        match ctx.env.rate.check(principal, Category::Standard, None) {
            Ok(a) => {
                self.with(|s| {
                    s.token = token;
                    s.rate = Some(RateState {
                        limit: a.limit,
                        remaining: a.remaining,
                        reset: now + a.reset_after,
                    });
                });
                Ok(())
            }
            Err(resolvers::Error::RateLimited { retry_after }) => {
                let budget = ctx.env.rate.budget_of(principal, Category::Standard);
                self.with(|s| {
                    s.token = token;
                    s.rate = Some(RateState {
                        limit: budget.burst,
                        remaining: 0,
                        reset: now + retry_after,
                    });
                });
                Err(Failure::rate_limited(
                    budget.per_period,
                    &period_name(budget.period.as_secs()),
                    retry_after,
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Middleware: give the request a [`RateSlot`]; on the way out, put the
/// `X-RateLimit-*` headers on the response (success or error) when a credential was
/// identified, and log the call with the token prefix and the dialect (writes are also
/// in the audit trail, through their events).
pub async fn track(mut req: Request, next: Next) -> Response {
    let slot = RateSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let (rate, token) = slot.with(|s| (s.rate, s.token.clone()));
    if let Some(r) = rate {
        crate::rate::insert_x_ratelimit(res.headers_mut(), r.limit, r.remaining, r.reset);
    }
    tracing::info!(
        dialect = DIALECT,
        token = token.as_deref().unwrap_or("-"),
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        "api call"
    );
    res
}

/// The slot of this request (a fresh one if the middleware is absent).
pub fn slot_of(parts: &Parts) -> RateSlot {
    parts
        .extensions
        .get::<RateSlot>()
        .cloned()
        .unwrap_or_default()
}

/// A permission a route requires, declared as the type parameter of [`Caller`].
pub trait Permission {
    /// The scope.
    const SCOPE: Scope;
}

macro_rules! permissions {
    ($($name:ident => $scope:ident,)*) => {
        $(
            #[doc = concat!("The `", stringify!($scope), "` permission.")]
            pub struct $name;
            impl Permission for $name {
                const SCOPE: Scope = Scope::$scope;
            }
        )*
    };
}

permissions! {
    ReadMembers => ReadMembers,
    WriteMembers => WriteMembers,
    ReadChannels => ReadChannels,
    WriteChannels => WriteChannels,
    SendMessages => SendMessages,
    ReadDepartments => ReadDepartments,
    WriteDepartments => WriteDepartments,
}

/// The authenticated caller holding permission `P`: `Authorization: Bearer wst_…`
/// (401 `INVALID_API_KEY` for anything else: missing, unknown, revoked, expired, or
/// not a workspace token), one request spent (429), then `P` checked (403).
pub struct Caller<P> {
    /// The domain context of the request (dialect `v1`).
    pub ctx: Ctx,
    _permission: PhantomData<P>,
}

impl<P: Permission + Send + Sync> FromRequestParts<AppState> for Caller<P> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .filter(|t| t.starts_with(WORKSPACE_TOKEN_PREFIX))
            .ok_or_else(Failure::invalid_api_key)?;
        let ctx = authenticate(state, token, origin_of(parts, DIALECT))
            .await
            .map_err(|_| Failure::invalid_api_key())?;
        if !ctx.principal.is_workspace_level() {
            return Err(Failure::invalid_api_key());
        }
        slot_of(parts).spend(&ctx)?;
        if !ctx.principal.scopes.contains(P::SCOPE) {
            return Err(Failure::insufficient(P::SCOPE.as_str()));
        }
        Ok(Caller {
            ctx,
            _permission: PhantomData,
        })
    }
}

/// A JSON body: bad JSON or a wrong type is a 400 `INVALID_REQUEST_BODY` naming the
/// field. Unknown keys are ignored.
pub struct V1Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for V1Json<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| Failure::field("body", format!("could not read the body: {e}")))?;
        parse_json(&bytes).map(V1Json)
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

pub use crate::rest::fields::Problems;

/// 200 with a JSON body.
pub fn ok<T: Serialize>(body: T) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// 201 with a JSON body.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
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

/// Serialise a wire value into the JSON stored and replayed for an idempotency key.
pub fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, Failure> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "messaging v1: could not serialise a response");
        Failure::internal()
    })
}
