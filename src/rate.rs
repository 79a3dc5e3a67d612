//! Rate-limit headers shared by the front doors that send `X-RateLimit-*` (GraphQL and
//! the Messaging API v1): the names once, each door choosing what `Reset` counts
//! (GraphQL: seconds until the budget is full; v1: the Unix time of that moment).

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
pub fn x_ratelimit(limit: u32, remaining: u32, reset: u64) -> [(HeaderName, HeaderValue); 3] {
    [
        (
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderValue::from(limit),
        ),
        (
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderValue::from(remaining),
        ),
        (
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderValue::from(reset),
        ),
    ]
}

/// Set the three headers on `headers`.
pub fn insert_x_ratelimit(headers: &mut HeaderMap, limit: u32, remaining: u32, reset: u64) {
    for (name, value) in x_ratelimit(limit, remaining, reset) {
        headers.insert(name, value);
    }
}
