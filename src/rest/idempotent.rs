//! `Idempotency-Key` for a whole façade route, whatever its handler: the first answer to
//! a creating request is stored and replayed for a retry with the same key and the same
//! request, through the one domain mechanism ([`resolvers::idempotency::once`]).
//!
//! A façade whose handlers create through many different operations (Pachca's) puts
//! [`replay_or_run`] in a middleware in front of its POST routes instead of wrapping each
//! handler. "The same request" is the method, the path with its query and the SHA-256 of
//! the body, so one key used on another route or with another body is refused. Only a
//! success (2xx) is stored: an error releases the key and the retry runs again. A replayed
//! answer carries `Idempotent-Replayed: true`.

use std::sync::Mutex;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use resolvers::{Ctx, Error};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The header set on an answer that was replayed instead of run.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// An answer as stored for its key.
#[derive(Serialize, Deserialize)]
struct Stored {
    status: u16,
    content_type: Option<String>,
    /// The body, base64 (answers may be bytes).
    body: String,
}

/// What makes two requests the same.
#[derive(Serialize)]
struct Fingerprint<'a> {
    method: &'a str,
    target: &'a str,
    body_sha256: String,
}

/// Run the rest of the stack for `req` at most once per `ctx`'s idempotency key (the
/// request's `Idempotency-Key`, read into `ctx.origin`), reading at most `limit` bytes of
/// body. `render` turns a refusal of the mechanism itself (a reused key, a key still in
/// flight, a body over `limit`) into the dialect's error answer; a key still in flight
/// also gets `Retry-After: 1`.
pub async fn replay_or_run(
    ctx: &Ctx,
    req: Request,
    next: Next,
    limit: usize,
    render: impl Fn(Error) -> Response,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let mut res = render(Error::LimitExceeded {
                field: "body".into(),
                message: format!("the body is over {limit} bytes"),
            });
            *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return res;
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let fingerprint = Fingerprint {
        method: parts.method.as_str(),
        target: &target,
        body_sha256: hex::encode(Sha256::digest(&bytes)),
    };
    let req = Request::from_parts(parts.clone(), Body::from(bytes));

    // The answer of a request that ran leaves through this cell as it was: a failure
    // unchanged, a success with its own headers (the stored copy is for replays).
    let ran: Mutex<Option<Response>> = Mutex::new(None);
    let result = resolvers::idempotency::once(ctx, None, "rest", &fingerprint, || async {
        let res = next.run(req).await;
        let status = res.status();
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(Error::internal)?;
        let stored = Stored {
            status: status.as_u16(),
            content_type: parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: BASE64.encode(&body),
        };
        *lock(&ran) = Some(Response::from_parts(parts, Body::from(body)));
        if status.is_success() {
            Ok(stored)
        } else {
            // Any error releases the key; its kind does not matter here.
            Err(Error::rule("REST", "", status.as_str()))
        }
    })
    .await;
    if let Some(res) = lock(&ran).take() {
        return res;
    }

    match result {
        Ok(stored) => {
            let mut res = answer(stored);
            res.headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            res
        }
        Err(err) => {
            let in_flight =
                matches!(&err, Error::Conflict { field, .. } if field == "idempotencyKey");
            let mut res = render(err);
            if in_flight {
                res.headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            res
        }
    }
}

/// Run a handler's creating operation at most once per `ctx`'s idempotency key, for
/// façades that wrap handler by handler: the stored and replayed answer is the JSON body
/// `op` returns. A failure of `op` (in the façade's own shape, `E`) releases the key and
/// leaves unchanged; a refusal of the mechanism itself becomes `E` through `From`.
pub async fn once<E, I, F, Fut>(
    ctx: &Ctx,
    operation: &str,
    input: &I,
    op: F,
) -> Result<serde_json::Value, E>
where
    E: From<Error>,
    I: Serialize + ?Sized,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, E>>,
{
    let (body, _) = once_with_secret(ctx, operation, input, || async {
        op().await.map(|body| (body, ()))
    })
    .await?;
    Ok(body)
}

/// [`once`] for a creation that hands out a secret shown once
/// ([`resolvers::idempotency::once_with_secret`]): `op` answers the body and the secret;
/// only the body is stored, and the secret (`None` on a replay) comes back beside it for
/// the handler to put into the first answer.
pub async fn once_with_secret<E, S, I, F, Fut>(
    ctx: &Ctx,
    operation: &str,
    input: &I,
    op: F,
) -> Result<(serde_json::Value, Option<S>), E>
where
    E: From<Error>,
    I: Serialize + ?Sized,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(serde_json::Value, S), E>>,
{
    let failure: Mutex<Option<E>> = Mutex::new(None);
    let result = resolvers::idempotency::once_with_secret(ctx, None, operation, input, || async {
        match op().await {
            Ok(v) => Ok(v),
            Err(f) => {
                *lock(&failure) = Some(f);
                // Any error releases the key; its kind does not matter here.
                Err(Error::rule("REST", "", "failed"))
            }
        }
    })
    .await;
    result.map_err(|e| lock(&failure).take().unwrap_or_else(|| E::from(e)))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The answer a stored one stands for.
fn answer(stored: Stored) -> Response {
    let Ok(body) = BASE64.decode(stored.body.as_bytes()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = (status, body).into_response();
    match stored
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        Some(ct) => {
            res.headers_mut().insert(CONTENT_TYPE, ct);
        }
        None => {
            res.headers_mut().remove(CONTENT_TYPE);
        }
    }
    res
}
