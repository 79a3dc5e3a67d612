//! The WorkAndGo façade (`/api/*`) over real HTTP: envelopes and error codes, routing
//! beside the other `/api/…` façades, `X-RateLimit-Remaining` and 429 per bucket,
//! idempotency keys, server-side sessions behind the `session_token` cookie (dev-login,
//! renewal, revocation, CSRF), `wag_` API keys with group scopes, and channels.

mod auth;
mod channels;
mod framework;
mod messages;

use reqwest::Method;
use serde_json::{Value, json};

use crate::util::TestApp;

/// The app origin the test servers are configured with.
pub const APP_ORIGIN: &str = "http://app.wag.test";

/// A server with development login on and the app origin set.
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Like [`spawn`], adjusting the config further.
pub async fn spawn_with(adjust: impl FnOnce(&mut switchboard::Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.dev_login = true;
        c.app_origin = Some(APP_ORIGIN.to_owned());
        adjust(c);
    })
    .await
}

/// Status, headers and parsed body.
pub struct Res {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    /// Assert a success envelope with `status`; returns `data`.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {:#}",
            self.body
        );
        assert_eq!(self.body["success"], true, "body: {:#}", self.body);
        assert!(self.body.get("data").is_some(), "body: {:#}", self.body);
        &self.body["data"]
    }

    /// Assert an error envelope: status, code, `details` an array; returns `error`.
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {:#}",
            self.body
        );
        assert_eq!(self.body["success"], false, "body: {:#}", self.body);
        assert_eq!(self.body["error"]["code"], code, "body: {:#}", self.body);
        assert!(
            self.body["error"]["message"].is_string(),
            "body: {:#}",
            self.body
        );
        assert!(
            self.body["error"]["details"].is_array(),
            "body: {:#}",
            self.body
        );
        &self.body["error"]
    }

    /// The fields named in `error.details`.
    pub fn fields(&self) -> Vec<String> {
        self.body["error"]["details"]
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

    /// `X-RateLimit-Remaining`, which every answer carries.
    #[track_caller]
    pub fn remaining(&self) -> u64 {
        self.header("x-ratelimit-remaining")
            .unwrap_or_else(|| panic!("no X-RateLimit-Remaining on a {}", self.status))
            .parse()
            .unwrap()
    }

    /// The `session_token` this answer sets (value, whole header), if any.
    pub fn set_cookie(&self) -> Option<(String, String)> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("session_token="))
            .map(|v| {
                let value = v
                    .trim_start_matches("session_token=")
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (value, v.to_owned())
            })
    }
}

/// How a [`Wag`] client authenticates.
#[derive(Clone)]
pub enum Cred {
    /// Nothing.
    None,
    /// `Cookie: session_token=…` (writes send the app's `Origin`).
    Cookie(String),
    /// `X-API-Key`.
    Key(String),
}

/// A thin WorkAndGo client.
pub struct Wag<'a> {
    pub app: &'a TestApp,
    pub cred: Cred,
}

impl<'a> Wag<'a> {
    pub fn new(app: &'a TestApp, cred: Cred) -> Self {
        Wag { app, cred }
    }

    pub fn anon(app: &'a TestApp) -> Self {
        Self::new(app, Cred::None)
    }

    pub fn cookie(app: &'a TestApp, token: &str) -> Self {
        Self::new(app, Cred::Cookie(token.to_owned()))
    }

    pub fn key(app: &'a TestApp, key: &str) -> Self {
        Self::new(app, Cred::Key(key.to_owned()))
    }

    /// A request with this client's credential (and, for cookie writes, the app's
    /// `Origin` unless `headers` name one).
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let write = !matches!(method, Method::GET | Method::HEAD);
        let mut req = self
            .app
            .http()
            .request(method, format!("{}{path}", self.app.base));
        match &self.cred {
            Cred::None => {}
            Cred::Cookie(token) => {
                req = req.header("cookie", format!("session_token={token}"));
                if write
                    && !headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("origin"))
                {
                    req = req.header("origin", APP_ORIGIN);
                }
            }
            Cred::Key(key) => req = req.header("x-api-key", key.as_str()),
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_res(req.send().await.unwrap()).await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Res {
        self.call_with(method, path, body, &[]).await
    }

    pub async fn get(&self, path: &str) -> Res {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Res {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Res {
        self.call(Method::DELETE, path, None).await
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

/// Sign in as the member with `email` (development login): (cookie value, answer).
pub async fn login(app: &TestApp, email: &str) -> (String, Res) {
    let res = Wag::anon(app)
        .post("/api/auth/dev-login", json!({ "email": email }))
        .await;
    res.ok(200);
    let (cookie, _) = res.set_cookie().expect("dev-login sets the session cookie");
    (cookie, res)
}

/// A key of the member with `email` (signed in for it), with `scopes` (`None`: all).
pub async fn key_for(app: &TestApp, email: &str, scopes: Option<&[&str]>) -> String {
    let (cookie, _) = login(app, email).await;
    let mut body = json!({ "name": "test key" });
    if let Some(s) = scopes {
        body["scopes"] = json!(s);
    }
    let res = Wag::cookie(app, &cookie)
        .post("/api/auth/api-keys", body)
        .await;
    res.ok(201)["key"].as_str().unwrap().to_owned()
}
