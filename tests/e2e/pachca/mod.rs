//! The Pachca-compatible façade (`/api/shared/v1`) over real HTTP: statuses, envelopes,
//! pagination, error shapes, and every operation with its failure cases.

mod avatars;
mod bots;
mod chats;
mod custom_properties;
mod drafts;
mod exports;
mod file_uploads;
mod framework;
mod groups;
mod idempotency;
mod interop;
mod messages;
mod oauth;
mod people;
mod previews;
mod search;
mod tasks;
mod views;
mod webhooks;

use reqwest::Method;
use serde_json::Value;

use crate::util::TestApp;

/// A thin client for the façade: bearer token, JSON in, status and JSON out.
pub struct Pachca<'a> {
    app: &'a TestApp,
    token: String,
}

/// Status and parsed body (`Value::Null` when empty).
pub struct Res {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    /// The first ApiError item's code.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }

    /// Assert the status, printing the body otherwise.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {:#}",
            self.body
        );
        &self.body
    }

    /// Assert an ApiError with `status` and `code`, every item carrying the five keys.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {:#}",
            self.body
        );
        let items = self.body["errors"].as_array().expect("ApiError body");
        assert!(!items.is_empty());
        for item in items {
            for key in ["key", "value", "message", "code", "payload"] {
                assert!(item.get(key).is_some(), "missing `{key}` in {item:#}");
            }
        }
        assert_eq!(self.code(), code, "body: {:#}", self.body);
    }

    /// Assert a 403 refused by a business rule: an OAuthError `role_forbidden` (the spec's
    /// 403 shape), never an `errors` list beside it.
    #[track_caller]
    pub fn expect_forbidden(&self) {
        assert_eq!(self.status, 403, "unexpected status; body: {:#}", self.body);
        assert_eq!(
            self.body["error"], "role_forbidden",
            "body: {:#}",
            self.body
        );
        assert!(
            self.body["error_description"].is_string(),
            "body: {:#}",
            self.body
        );
        assert!(self.body.get("errors").is_none(), "body: {:#}", self.body);
    }
}

impl<'a> Pachca<'a> {
    pub fn new(app: &'a TestApp, token: &str) -> Self {
        Pachca {
            app,
            token: token.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/shared/v1{path}", self.app.base)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Res {
        self.call_with(method, path, body, &[]).await
    }

    /// [`Pachca::call`] with extra request headers.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self
            .app
            .http()
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("non-JSON body: {}", String::from_utf8_lossy(&bytes)))
        };
        Res {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn post_empty(&self, path: &str) -> Res {
        self.call(Method::POST, path, None).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Res {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn put_empty(&self, path: &str) -> Res {
        self.call(Method::PUT, path, None).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        self.call(Method::DELETE, path, None).await
    }
}

/// Assert the four-key paginate meta with string cursors.
#[track_caller]
pub fn assert_paginate(body: &Value) {
    let p = &body["meta"]["paginate"];
    assert!(p["next_page"].is_string(), "next_page: {body:#}");
    assert!(p["prev_page"].is_string(), "prev_page: {body:#}");
    assert!(p["has_next"].is_boolean(), "has_next: {body:#}");
    assert!(p["has_prev"].is_boolean(), "has_prev: {body:#}");
}

/// The ids of a list body's `data`.
pub fn ids(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect()
}
