//! A loopback webhook receiver and helpers shared by the integration suites.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::util::{Actor, TestApp};

/// One POST the receiver got.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub json: Value,
    /// Whether the receiver answered 2xx.
    pub accepted: bool,
}

/// Records every POST; answers 503 to the first `fail_first` of them.
#[derive(Clone, Default)]
pub struct Receiver {
    pub fail_first: Arc<AtomicUsize>,
    pub got: Arc<Mutex<Vec<Delivery>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let fail = r
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    r.got.lock().unwrap().push(Delivery {
        headers,
        body,
        json,
        accepted: !fail,
    });
    if fail {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

impl Receiver {
    /// Serve on loopback; returns the URL to register.
    pub async fn start(&self) -> String {
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}/hook")
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    /// Accepted deliveries whose body matches `pred`.
    pub fn accepted(&self, pred: impl Fn(&Value) -> bool) -> Vec<Delivery> {
        self.all()
            .into_iter()
            .filter(|d| d.accepted && pred(&d.json))
            .collect()
    }

    /// Wait until `n` accepted deliveries match `pred`.
    pub async fn wait_for(&self, n: usize, pred: impl Fn(&Value) -> bool) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.accepted(&pred);
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} deliveries arrived: {:#?}",
                got.len(),
                self.all()
                    .iter()
                    .map(|d| d.json.clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Verify a delivery's `Pachca-Signature` against the exact body bytes.
pub fn assert_signed(d: &Delivery, secret: &str) {
    let sig = d
        .headers
        .get("pachca-signature")
        .expect("a Pachca-Signature header")
        .to_str()
        .unwrap();
    assert_eq!(sig.len(), 64, "lower-case hex of 32 bytes: {sig}");
    assert!(
        sig.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    assert_eq!(
        sig,
        resolvers::webhooks::signing::hex_sign(secret, &d.body),
        "signature over the exact body"
    );
    let ts = d.json["webhook_timestamp"]
        .as_i64()
        .expect("webhook_timestamp");
    assert!((chrono::Utc::now().timestamp() - ts).abs() <= 60);
}

/// A created bot: its id (row and global), token and signing secret.
#[derive(Clone, Debug)]
pub struct BotHandle {
    pub id: i64,
    pub gid: String,
    pub token: String,
    pub secret: String,
}

/// Create a bot over GraphQL as `owner` with `settings` (camelCase keys).
pub async fn create_bot(app: &TestApp, owner: &Actor, settings: Value) -> BotHandle {
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($input: BotSettingsInput!) { createBot(input: $input) { accessToken bot { id signingSecret } } }",
            json!({ "input": settings }),
        )
        .await;
    let gid = data["createBot"]["bot"]["id"].as_str().unwrap().to_owned();
    BotHandle {
        id: crate::util::rid(&gid),
        gid,
        token: data["createBot"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
        secret: data["createBot"]["bot"]["signingSecret"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// An app whose dispatcher runs, retrying after `retry_ms`.
pub async fn app_with_dispatcher(retry_ms: u64) -> TestApp {
    TestApp::spawn_with(|c| {
        c.dispatcher = true;
        c.delivery.schedule = [0, retry_ms, retry_ms, retry_ms]
            .into_iter()
            .map(Duration::from_millis)
            .collect();
    })
    .await
}
