//! The façade's extractors and reply helpers: the authenticated caller (with the
//! request's rate-limit spend), JSON bodies and paths that fail as `ApiError` (never
//! axum's plain-text rejections), Rails-bracket query strings.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use resolvers::Ctx;
use resolvers::rate::{Budget, Category, RateConfig, RateLimits};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::convert;
use super::error::Failure;
use super::wire::Data;
use crate::auth::{authenticate, bearer, origin_of};
use crate::state::AppState;

/// The front-door name recorded with every event this façade causes.
pub const DIALECT: &str = "pachca";

/// The rate-limit class of a route (guide §6), declared next to it. `Standard` is spent
/// by every authenticated request; message writes are counted per chat by
/// `resolvers::messages::send_message`, searches by `resolvers::search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateClass {
    /// ~50 requests per second per token.
    Standard,
    /// ~10 requests per second per token: message reads.
    MessageRead,
    /// ~5 requests per 2 seconds per token: webhook event history.
    WebhookEvents,
}

/// The façade's own budgets, beside the shared per-credential ones. Kept in the
/// router as an extension, derived from the configured standard budget (a fifth of it
/// for message reads, a tenth over two seconds for event history), so a test that lifts
/// the standard budget lifts these too.
#[derive(Clone)]
pub struct FacadeLimits {
    message_read: RateLimits,
    webhook_events: RateLimits,
}

impl FacadeLimits {
    /// Budgets derived from `config`.
    pub fn new(config: &RateConfig) -> Self {
        let standard = config.standard;
        let scaled = |divisor: u32, period_secs: u64| RateConfig {
            standard: Budget {
                per_period: (standard.per_period / divisor).max(1),
                period: standard.period * u32::try_from(period_secs).unwrap_or(1),
                burst: (standard.burst / divisor).max(1),
            },
            ..*config
        };
        FacadeLimits {
            message_read: RateLimits::new(scaled(5, 1)),
            webhook_events: RateLimits::new(scaled(10, 2)),
        }
    }
}

/// The authenticated caller (`Authorization: Bearer <token>`: an API token or a JWT
/// session). Extracting it spends one `Standard` request; a missing or bad credential
/// is a 401 OAuthError, an exhausted budget a 429.
pub struct Caller {
    /// The domain context of the request.
    pub ctx: Ctx,
    limits: Option<Arc<FacadeLimits>>,
}

impl Caller {
    /// Spend one request of a narrower class.
    pub fn spend(&self, class: RateClass) -> Result<(), Failure> {
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        let limiter = match class {
            RateClass::Standard => &self.ctx.env.rate,
            RateClass::MessageRead => &limits.message_read,
            RateClass::WebhookEvents => &limits.webhook_events,
        };
        limiter.check(&self.ctx.principal, Category::Standard, None)?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let ctx = match parts.extensions.remove::<Authenticated>() {
            Some(Authenticated(ctx)) => ctx,
            None => {
                let token = parts
                    .headers
                    .get(AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(bearer)
                    .ok_or_else(Failure::invalid_token)?;
                authenticate(state, token, origin_of(parts, DIALECT))
                    .await
                    .map_err(|_| Failure::invalid_token())?
            }
        };
        ctx.env
            .rate
            .check(&ctx.principal, Category::Standard, None)?;
        let limits = parts.extensions.get::<Arc<FacadeLimits>>().cloned();
        Ok(Caller { ctx, limits })
    }
}

/// The caller as [`idempotent`] authenticated it, for [`Caller`] to reuse.
#[derive(Clone)]
struct Authenticated(Ctx);

/// Middleware: a POST carrying `Idempotency-Key` runs at most once per key and caller
/// (the mechanism shared by every REST dialect, [`crate::rest::idempotent`]); a retry
/// with the same key and the same request gets the first answer back. The caller is
/// authenticated here so the key is scoped to them, and [`Caller`] reuses that
/// context. Without a usable credential the request goes on untouched and its handler
/// answers the 401.
pub async fn idempotent(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.headers().contains_key("idempotency-key") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let token = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    let ctx = match token {
        Some(token) => authenticate(&state, &token, origin_of(&parts, DIALECT))
            .await
            .ok(),
        None => None,
    };
    let Some(ctx) = ctx else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    parts.extensions.insert(Authenticated(ctx.clone()));
    let req = Request::from_parts(parts, body);
    crate::rest::idempotent::replay_or_run(&ctx, req, next, state.config.upload_limit, |e| {
        Failure::from(e).into_response()
    })
    .await
}

/// A JSON body. Any content type is accepted; bad JSON, a wrong type or a missing
/// required key is a 400 ApiError naming the key.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            Failure::api(
                StatusCode::BAD_REQUEST,
                "body",
                "invalid",
                format!("could not read the body: {e}"),
            )
        })?;
        parse_json(&bytes).map(Body)
    }
}

/// Parse a JSON body into `T`, naming the offending key on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Failure::bad_request("body", "a JSON body is required"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let key = if path == "." || path.is_empty() {
            // "missing field `name`" at the root names the field itself.
            missing_field(&inner).unwrap_or_else(|| "body".to_owned())
        } else {
            match missing_field(&inner) {
                Some(field) => format!("{path}.{field}"),
                None => path,
            }
        };
        Failure::bad_request(&key, inner)
    })
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// An integer path parameter; anything else answers 404 (no such object).
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| Failure::not_found("id", "object"))?;
        raw.parse()
            .map(Id)
            .map_err(|_| Failure::not_found("id", "object"))
    }
}

/// Two integer path parameters (`/chats/{id}/members/{user_id}`); anything else is a 404.
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| Failure::not_found("id", "object"))?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(Failure::not_found("id", "object")),
        }
    }
}

/// A query string with Rails-bracket arrays (`names[]=A&names[]=B`), read through typed
/// accessors that answer a 400 naming the parameter.
#[derive(Debug, Default)]
pub struct RailsQuery {
    values: HashMap<String, Vec<String>>,
}

impl<S: Send + Sync> FromRequestParts<S> for RailsQuery {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Failure> {
        Ok(RailsQuery::parse(parts.uri.query().unwrap_or("")))
    }
}

impl RailsQuery {
    /// Parse a raw query string (`names[]` and `names` collect into one list).
    pub fn parse(query: &str) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let key = key.strip_suffix("[]").unwrap_or(&key).to_owned();
            values.entry(key).or_default().push(value.into_owned());
        }
        RailsQuery { values }
    }

    /// The last value of `key`, if given and not empty.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .and_then(|v| v.last())
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Every value of `key` (`key[]=a&key[]=b`; empty values skipped).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.values
            .get(key)
            .map(|v| v.iter().filter(|s| !s.is_empty()).cloned().collect())
            .unwrap_or_default()
    }

    /// An integer parameter.
    pub fn int(&self, key: &str) -> Result<Option<i64>, Failure> {
        self.str(key)
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| Failure::bad_request(key, "must be an integer").with_value(s))
            })
            .transpose()
    }

    /// A list of integers.
    pub fn ints(&self, key: &str) -> Result<Vec<i64>, Failure> {
        self.list(key)
            .iter()
            .map(|s| {
                s.trim().parse().map_err(|_| {
                    Failure::bad_request(key, "must be a list of integers").with_value(s.clone())
                })
            })
            .collect()
    }

    /// A boolean parameter (`true`/`false`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Failure> {
        match self.str(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => {
                Err(Failure::bad_request(key, "must be true or false").with_value(other))
            }
        }
    }

    /// A date-time parameter.
    pub fn date(&self, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, Failure> {
        self.str(key)
            .map(|s| convert::parse_date_field(key, s))
            .transpose()
    }

    /// One of `allowed`, or `default` when absent.
    pub fn choice<'a>(
        &'a self,
        key: &str,
        allowed: &[&'a str],
        default: &'a str,
    ) -> Result<&'a str, Failure> {
        match self.str(key) {
            None => Ok(default),
            Some(v) if allowed.contains(&v) => Ok(v),
            Some(v) => Err(Failure::bad_request(
                key,
                format!("must be one of {}", allowed.join(", ")),
            )
            .with_value(v)),
        }
    }

    /// The list window of this request (`limit`, `cursor`).
    pub fn window(&self, max: u64) -> Result<resolvers::pagination::Window, Failure> {
        convert::window(self.int("limit")?, self.str("cursor"), max)
    }
}

/// 200 with a body.
pub fn ok<T: Serialize>(body: T) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// 200 `{"data": ...}`.
pub fn ok_data<T: Serialize>(data: T) -> Response {
    ok(Data { data })
}

/// 201 with a body.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// 204, no body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rails_arrays_collect() {
        let q = RailsQuery::parse("names[]=A&names[]=B%20C&limit=5&archived=true");
        assert_eq!(q.list("names"), vec!["A", "B C"]);
        assert_eq!(q.int("limit").ok().flatten(), Some(5));
        assert_eq!(q.bool("archived").ok().flatten(), Some(true));
        assert!(RailsQuery::parse("limit=x").int("limit").is_err());
        assert!(RailsQuery::parse("archived=yes").bool("archived").is_err());
    }

    #[test]
    fn json_errors_name_the_key() {
        #[derive(serde::Deserialize, Debug)]
        struct Inner {
            #[allow(dead_code)]
            name: String,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Outer {
            #[allow(dead_code)]
            chat: Inner,
        }
        let err = parse_json::<Outer>(br#"{"chat":{}}"#).err();
        assert!(matches!(err, Some(Failure::Api { ref items, .. }) if items[0].key == "chat.name"));
        let err = parse_json::<Outer>(br#"{"chat":{"name":5}}"#).err();
        assert!(matches!(err, Some(Failure::Api { ref items, .. }) if items[0].key == "chat.name"));
        let err = parse_json::<Outer>(b"{").err();
        assert!(
            matches!(err, Some(Failure::Api { status, .. }) if status == StatusCode::BAD_REQUEST)
        );
    }
}
