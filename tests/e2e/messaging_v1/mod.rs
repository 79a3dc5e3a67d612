//! The Messaging API v1 façade (`/api/v1`) over real HTTP: workspace tokens, envelopes,
//! prefixed ids, error codes and `details`, rate headers and 429, tenancy, idempotency,
//! interactive callbacks to a real receiver, signed incoming webhooks.

mod channels;
mod departments;
mod framework;
mod interactive;
mod members;
mod messages;
mod webhooks;

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::{Actor, TestApp};

/// Every v1 permission.
pub const ALL: &[&str] = &[
    "read:members",
    "write:members",
    "read:channels",
    "write:channels",
    "send:messages",
    "read:departments",
    "write:departments",
];

/// A thin v1 client: bearer token, JSON in, status, headers and JSON out.
pub struct V1<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

/// Status, headers and parsed body (`Value::Null` when empty).
pub struct Res {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
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

    /// Assert a v1 error: status, code, and the `{error, code, ...}` shape.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {:#}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {:#}", self.body);
        assert!(self.body["error"].is_string(), "body: {:#}", self.body);
        &self.body
    }

    /// The fields named in `details`.
    pub fn detail_fields(&self) -> Vec<String> {
        self.body["details"]
            .as_array()
            .map(|d| {
                d.iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Assert the three `X-RateLimit-*` headers are present and sane.
    #[track_caller]
    pub fn expect_rate_headers(&self) -> (u64, u64, u64) {
        let n = |h: &str| -> u64 {
            self.header(h)
                .unwrap_or_else(|| panic!("missing {h}; status {}", self.status))
                .parse()
                .unwrap()
        };
        let (limit, remaining, reset) = (
            n("x-ratelimit-limit"),
            n("x-ratelimit-remaining"),
            n("x-ratelimit-reset"),
        );
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
        assert!(remaining <= limit);
        assert!(
            reset + 5 >= now && reset <= now + 86_400 * 2,
            "reset {reset} vs now {now}"
        );
        (limit, remaining, reset)
    }
}

impl<'a> V1<'a> {
    pub fn new(app: &'a TestApp, token: &str) -> Self {
        V1 {
            app,
            token: token.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.app.base)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Res {
        self.call_with(method, path, body, &[]).await
    }

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
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        into_res(res).await
    }

    pub async fn get(&self, path: &str) -> Res {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(body)).await
    }
}

pub async fn into_res(res: reqwest::Response) -> Res {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Res {
        status,
        body,
        headers,
    }
}

/// A workspace token of `admin` with `permissions`: (token, its GraphQL record).
pub async fn token_with(
    app: &TestApp,
    admin: &Actor,
    name: &str,
    permissions: &[&str],
) -> (String, Value) {
    let data = app
        .gql_ok(
            &admin.token,
            "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id prefix scopes } } }",
            json!({ "input": { "name": name, "scopes": permissions } }),
        )
        .await;
    let created = &data["createApiToken"];
    (
        created["token"].as_str().unwrap().to_owned(),
        created["apiToken"].clone(),
    )
}

/// A workspace (`slug`) with its owner and a token holding every v1 permission.
pub async fn setup(app: &TestApp, slug: &str) -> (Actor, String) {
    let owner = app.workspace(slug).await;
    let (token, _) = token_with(app, &owner, "API Bot", ALL).await;
    (owner, token)
}
