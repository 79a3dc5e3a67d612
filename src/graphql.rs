//! The GraphQL endpoints: `POST /graphql`, `GET /graphql` (GraphiQL in dev, or a query
//! in the URL), and subscriptions over WebSocket at `/graphql/ws`.
//!
//! Guards in front of the schema: JSON bodies only (415 otherwise, so no browser form
//! can post a mutation), no mutation over GET (405), a batch cap, and the body limit
//! set on the router.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, parse_query_string};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, Data};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use resolvers::rate::Category;

use crate::auth::{MaybePrincipal, authenticate, bearer};
use crate::state::AppState;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A request-level error in GraphQL's shape, with a status.
fn request_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message.into(), "extensions": { "code": code } }]
    });
    (status, axum::Json(body)).into_response()
}

fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(GRAPHQL_RESPONSE))
}

/// Serialise a response; with `application/graphql-response+json`, a request error
/// (nothing executed) is a 400, as the GraphQL-over-HTTP spec asks.
fn respond(response: BatchResponse, graphql_response: bool) -> Response {
    let failed_request = match &response {
        BatchResponse::Single(r) => {
            r.data == async_graphql::Value::Null
                && r.errors.iter().all(|e| e.path.is_empty())
                && !r.errors.is_empty()
        }
        BatchResponse::Batch(_) => false,
    };
    let body = match serde_json::to_vec(&response) {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a GraphQL response");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "internal error",
            );
        }
    };
    let (status, content_type) = if graphql_response {
        let status = if failed_request {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        (status, GRAPHQL_RESPONSE)
    } else {
        (StatusCode::OK, "application/json")
    };
    let retry_after = rate_limited(&response);
    let status = if retry_after.is_some() {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        status
    };
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(seconds) = retry_after {
        res.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    res
}

/// The longest `retryAfter` of any `RATE_LIMITED` error in the response.
fn rate_limited(response: &BatchResponse) -> Option<u64> {
    let responses: Vec<&async_graphql::Response> = match response {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter().collect(),
    };
    responses
        .iter()
        .flat_map(|r| r.errors.iter())
        .filter(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == async_graphql::Value::from("RATE_LIMITED"))
        })
        .map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("retryAfter"))
                .and_then(|v| match v {
                    async_graphql::Value::Number(n) => n.as_u64(),
                    _ => None,
                })
                .unwrap_or(1)
        })
        .max()
}

/// Spend one request of the caller's standard budget: `Err` is the 429 to send, `Ok`
/// the `X-RateLimit-*` headers to add.
fn spend(
    state: &AppState,
    ctx: &resolvers::Ctx,
) -> Result<[(HeaderName, HeaderValue); 3], Box<Response>> {
    match state
        .env
        .rate
        .check(&ctx.principal, Category::Standard, None)
    {
        Ok(a) => Ok(crate::rate::x_ratelimit(
            a.limit,
            a.remaining,
            a.reset_after,
        )),
        Err(resolvers::Error::RateLimited { retry_after }) => {
            let body = serde_json::json!({
                "errors": [{
                    "message": format!("rate limit exceeded: retry in {retry_after} s"),
                    "extensions": { "code": "RATE_LIMITED", "retryAfter": retry_after }
                }]
            });
            let mut res = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            Err(Box::new(res))
        }
        Err(_) => Ok(crate::rate::x_ratelimit(0, 0, 0)),
    }
}

/// Read a JSON body as one request or a batch. serde also reads a struct from a JSON
/// array, so an array must be taken as a batch explicitly (`[]` would otherwise run as an
/// empty document instead of being refused as an empty batch).
fn parse_body(body: &[u8]) -> serde_json::Result<BatchRequest> {
    if body.trim_ascii_start().first() == Some(&b'[') {
        serde_json::from_slice::<Vec<async_graphql::Request>>(body).map(BatchRequest::Batch)
    } else {
        serde_json::from_slice::<async_graphql::Request>(body).map(BatchRequest::Single)
    }
}

/// The GraphQL-over-HTTP `operationName` URL parameter (async-graphql's
/// `parse_query_string` only reads `operation_name`).
fn operation_name_param(uri: &Uri) -> Option<String> {
    let Query(params) = Query::<HashMap<String, String>>::try_from_uri(uri).ok()?;
    params.get("operationName").cloned()
}

/// `POST /graphql` with a JSON body: one operation or a batch.
pub async fn post(
    State(state): State<AppState>,
    MaybePrincipal(principal): MaybePrincipal,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send GraphQL requests as `Content-Type: application/json`",
        );
    }
    let batch: BatchRequest = match parse_body(&body) {
        Ok(batch) => batch,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the body is not a GraphQL request: {e}"),
            );
        }
    };
    let batch = match batch {
        BatchRequest::Batch(requests) if requests.is_empty() => {
            return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "an empty batch");
        }
        BatchRequest::Batch(requests) if requests.len() > state.config.max_batch => {
            return request_error(
                StatusCode::BAD_REQUEST,
                "LIMIT_EXCEEDED",
                format!("at most {} operations per batch", state.config.max_batch),
            );
        }
        other => other,
    };
    let mut rate_headers = None;
    if let Some(ctx) = &principal {
        match spend(&state, ctx) {
            Ok(h) => rate_headers = Some(h),
            Err(res) => return *res,
        }
    }
    let prepare = |r: async_graphql::Request| {
        let r = state.documents.prepare(r);
        match &principal {
            Some(ctx) => schema::with_principal(r, ctx.clone()),
            None => r,
        }
    };
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    let mut res = respond(
        state.schema.execute_batch(batch).await,
        wants_graphql_response(&headers),
    );
    for (name, value) in rate_headers.into_iter().flatten() {
        res.headers_mut().insert(name, value);
    }
    res
}

/// `GET /graphql`: GraphiQL for a browser in dev; otherwise a query (never a mutation)
/// from the URL.
pub async fn get(
    State(state): State<AppState>,
    MaybePrincipal(principal): MaybePrincipal,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let html = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if uri.query().is_none_or(str::is_empty) {
        if html && state.config.dev() {
            return crate::graphiql::page().await;
        }
        return request_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "pass `query` in the URL, or POST JSON",
        );
    }
    let mut request = match parse_query_string(uri.query().unwrap_or_default()) {
        Ok(r) => r,
        Err(e) => return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", e.to_string()),
    };
    if request.operation_name.is_none() {
        request.operation_name = operation_name_param(&uri);
    }
    if is_mutation(&request.query, request.operation_name.as_deref()) {
        let mut res = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations must be sent with POST",
        );
        res.headers_mut()
            .insert("allow", HeaderValue::from_static("POST"));
        return res;
    }
    let request = state.documents.prepare(request);
    let request = match principal {
        Some(ctx) => schema::with_principal(request, ctx),
        None => request,
    };
    let response = BatchResponse::Single(state.schema.execute(request).await);
    respond(response, wants_graphql_response(&headers))
}

fn is_mutation(query: &str, operation: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        op.node.ty == OperationType::Mutation
            && operation.is_none_or(|wanted| name.is_some_and(|n| n.as_str() == wanted))
    })
}

/// Pull a bearer token out of a `connection_init` payload. Accepted shapes:
/// `{"Authorization": "Bearer …"}` (any case), `{"headers": {"Authorization": …}}`,
/// `{"authToken": "…"}` and `{"token": "…"}`.
pub fn token_from_init(payload: &serde_json::Value) -> Option<String> {
    let obj = payload.as_object()?;
    let from_map = |map: &serde_json::Map<String, serde_json::Value>| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .and_then(|(_, v)| v.as_str())
            .and_then(bearer)
            .map(str::to_owned)
    };
    from_map(obj)
        .or_else(|| {
            obj.get("headers")
                .and_then(|h| h.as_object())
                .and_then(from_map)
        })
        .or_else(|| {
            ["authToken", "token"]
                .iter()
                .find_map(|k| obj.get(*k).and_then(|v| v.as_str()))
                .map(|t| t.trim_start_matches("Bearer ").trim().to_owned())
        })
        .filter(|t| !t.is_empty())
}

/// `GET /graphql/ws`: subscriptions over `graphql-transport-ws` or the legacy
/// `graphql-ws` protocol. The connection authenticates in `connection_init`; buffers are
/// small (see `Config::ws_read_buffer`) so idle subscribers cost little memory.
pub async fn ws(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let config = &state.config;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(config.ws_read_buffer)
        .write_buffer_size(config.ws_write_buffer)
        .max_message_size(1024 * 1024)
        .on_upgrade(move |socket| {
            let schema = state.schema.clone();
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| {
                    let state = state.clone();
                    async move {
                        let token = token_from_init(&payload).ok_or_else(|| {
                            async_graphql::Error::new("connection_init must carry a bearer token")
                        })?;
                        let origin = resolvers::Origin {
                            dialect: "graphql",
                            ..resolvers::Origin::default()
                        };
                        let ctx = authenticate(&state, &token, origin)
                            .await
                            .map_err(|_| async_graphql::Error::new("authentication required"))?;
                        Ok::<Data, async_graphql::Error>(schema::connection_data(ctx))
                    }
                })
                .keepalive_timeout(Duration::from_secs(30))
                .serve()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn init_payload_shapes() {
        assert_eq!(
            token_from_init(&json!({"Authorization": "Bearer a"})).as_deref(),
            Some("a")
        );
        assert_eq!(
            token_from_init(&json!({"authorization": "Bearer b"})).as_deref(),
            Some("b")
        );
        assert_eq!(
            token_from_init(&json!({"headers": {"Authorization": "Bearer c"}})).as_deref(),
            Some("c")
        );
        assert_eq!(
            token_from_init(&json!({"authToken": "d"})).as_deref(),
            Some("d")
        );
        assert_eq!(token_from_init(&json!({})), None);
        assert_eq!(token_from_init(&json!(null)), None);
    }

    #[test]
    fn a_json_array_is_a_batch() {
        assert!(matches!(parse_body(b" []"), Ok(BatchRequest::Batch(v)) if v.is_empty()));
        assert!(
            matches!(parse_body(br#"[{"query": "{ a }"}]"#), Ok(BatchRequest::Batch(v)) if v.len() == 1)
        );
        assert!(matches!(
            parse_body(br#"{"query": "{ a }"}"#),
            Ok(BatchRequest::Single(_))
        ));
        assert!(parse_body(b"null").is_err());
    }

    #[test]
    fn mutations_are_detected() {
        assert!(is_mutation("mutation { a }", None));
        assert!(!is_mutation("query { a }", None));
        assert!(!is_mutation("query Q { a } mutation M { b }", Some("Q")));
        assert!(is_mutation("query Q { a } mutation M { b }", Some("M")));
    }
}
