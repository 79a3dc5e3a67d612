//! Callback URLs of interactive messages: every click on a message's buttons POSTed to
//! the URL its sender gave, through the durable webhook queue, signed with the sender's
//! secret; the URL behind the SSRF guard at send time and at every delivery; the
//! callback and its secret visible to the sender alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use futures::future::BoxFuture;
use resolvers::people::Role;
use resolvers::webhooks::ssrf::{HostLookup, SharedLookup};
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid, rid};

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id callback { url secret active } } }";
const CLICK: &str =
    "mutation($m: ID!, $d: String!) { clickMessageButton(messageId: $m, data: $d) { triggerId } }";
const CALLBACK: &str = "query($id: ID!) { message(id: $id) { id callback { url secret active disabledReason deliveries(first: 50) { nodes { id status attempts lastError attemptLog { statusCode error } } } } } }";
/// A loopback URL (tests allow loopback) for tests whose clicks are never delivered.
const HOOK: &str = "http://127.0.0.1:9/click";
const EDIT_CALLBACK: &str = "mutation($id: ID!, $url: String) { editMessage(id: $id, callbackUrl: $url) { id callback { url active } } }";

/// A loopback receiver: records every POST, answers 503 while down.
#[derive(Clone, Default)]
struct Receiver {
    up: Arc<AtomicBool>,
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    refused: Arc<AtomicUsize>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !r.up.load(Ordering::SeqCst) {
        r.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.got.lock().unwrap().push((headers, body));
    StatusCode::OK
}

impl Receiver {
    fn up() -> Receiver {
        let r = Receiver::default();
        r.up.store(true, Ordering::SeqCst);
        r
    }

    async fn start(&self) -> String {
        let router = axum::Router::new()
            .route("/click", axum::routing::post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}/click")
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, Bytes)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.received().len() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} callbacks arrived",
                self.received().len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.received()
    }
}

/// Wait until `check` holds, polling (no timing is asserted: the deadline only ends a
/// hung test).
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn buttons() -> Value {
    json!([[{"text": "Approve", "data": "approve"}, {"text": "Docs", "url": "https://docs.test"}]])
}

/// Send an interactive message with a callback as `sender`; returns (message id, secret).
async fn send_with_callback(
    app: &TestApp,
    sender: &Actor,
    chat: &str,
    url: &str,
) -> (String, String) {
    let data = app
        .gql_ok(
            &sender.token,
            SEND,
            json!({"input": {"chatId": chat, "content": "Ship it?", "buttons": buttons(), "callbackUrl": url}}),
        )
        .await;
    let m = &data["sendMessage"];
    assert_eq!(m["callback"]["url"], url);
    assert_eq!(m["callback"]["active"], true);
    (
        m["id"].as_str().unwrap().to_owned(),
        m["callback"]["secret"].as_str().unwrap().to_owned(),
    )
}

async fn click(app: &TestApp, actor: &Actor, message: &str) -> String {
    app.gql_ok(&actor.token, CLICK, json!({"m": message, "d": "approve"}))
        .await["clickMessageButton"]["triggerId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Deliveries queued for the callback endpoint of `message`.
async fn queued(app: &TestApp, message: &str) -> i64 {
    app.count(&format!(
        "webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.message_id = {}",
        rid(message)
    ))
    .await
}

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    resolvers::webhooks::signing::standard_verify(
        secret,
        &h("webhook-id"),
        h("webhook-timestamp").parse().unwrap(),
        body,
        &h("webhook-signature"),
        chrono::Utc::now().timestamp(),
    )
}

#[tokio::test]
async fn a_click_is_posted_to_the_callback_url_signed_with_the_senders_secret() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "deploys", false, &[&bob]).await;
    let receiver = Receiver::up();
    let url = receiver.start().await;
    let (message, secret) = send_with_callback(&app, &owner, &chat, &url).await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    let trigger = click(&app, &bob, &message).await;
    let got = receiver.wait_for(1).await;
    let (headers, body) = &got[0];
    assert!(
        verify(&secret, headers, body),
        "the signature verifies with the sender's secret"
    );
    assert!(
        !verify(
            "whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            headers,
            body
        ),
        "and with no other"
    );
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["type"], "button_clicked");
    assert_eq!(payload["id"], headers["webhook-id"].to_str().unwrap());
    assert_eq!(payload["data"]["message_id"], rid(&message));
    assert_eq!(payload["data"]["chat_id"], rid(&chat));
    assert_eq!(payload["data"]["user_id"], bob.id);
    assert_eq!(payload["data"]["data"], "approve");
    assert_eq!(payload["data"]["trigger_id"], trigger.as_str());
    assert!(
        chrono::DateTime::parse_from_rfc3339(payload["created_at"].as_str().unwrap()).is_ok(),
        "{payload}"
    );

    // One secret per sender: the next message's callback is signed alike.
    let (_, again) = send_with_callback(&app, &owner, &chat, &url).await;
    assert_eq!(again, secret);
    let (_, bobs) = send_with_callback(&app, &bob, &chat, &url).await;
    assert_ne!(bobs, secret, "another sender has a secret of their own");

    // The delivery log on the message.
    let data = app
        .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
        .await;
    let deliveries = data["message"]["callback"]["deliveries"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(deliveries.len(), 1);
    eventually("the delivery is marked delivered", async || {
        let data = app
            .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
            .await;
        data["message"]["callback"]["deliveries"]["nodes"][0]["status"] == "delivered"
    })
    .await;
}

#[tokio::test]
async fn a_callback_receiver_that_was_down_gets_the_click_once_it_is_back() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "deploys", false, &[]).await;
    let receiver = Receiver::default(); // down
    let url = receiver.start().await;
    let (message, secret) = send_with_callback(&app, &owner, &chat, &url).await;
    let trigger = click(&app, &owner, &message).await;

    eventually("two attempts failed", async || {
        receiver.refused.load(Ordering::SeqCst) >= 2
    })
    .await;
    assert!(receiver.received().is_empty());
    receiver.up.store(true, Ordering::SeqCst);
    let got = receiver.wait_for(1).await;
    let (headers, body) = &got[0];
    assert!(verify(&secret, headers, body));
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["data"]["trigger_id"], trigger.as_str());

    eventually("the log shows the failures, then the success", async || {
        let data = app
            .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
            .await;
        let d = &data["message"]["callback"]["deliveries"]["nodes"][0];
        d["status"] == "delivered"
            && d["attempts"].as_i64().unwrap() >= 3
            && d["attemptLog"][0]["statusCode"] == 503
    })
    .await;
}

#[tokio::test]
async fn a_dead_click_delivery_is_replayed_by_its_sender_only() {
    let app = TestApp::spawn_with(|c| {
        c.dispatcher = true;
        c.delivery.schedule = [0, 50, 50].into_iter().map(Duration::from_millis).collect();
    })
    .await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "deploys", false, &[&bob]).await;
    let receiver = Receiver::default(); // down until after the budget is spent
    let url = receiver.start().await;
    let (message, secret) = send_with_callback(&app, &owner, &chat, &url).await;
    click(&app, &bob, &message).await;
    eventually("the delivery is dead", async || {
        let data = app
            .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
            .await;
        data["message"]["callback"]["deliveries"]["nodes"][0]["status"] == "dead"
    })
    .await;
    receiver.up.store(true, Ordering::SeqCst);

    const REPLAY: &str = "mutation($m: ID!) { replayMessageCallbackDeliveries(messageId: $m) }";
    let (code, _) = app.gql_err(&bob.token, REPLAY, json!({"m": message})).await;
    assert_eq!(code, "NOT_FOUND", "a reader of the message cannot replay");
    let n = app
        .gql_ok(&owner.token, REPLAY, json!({"m": message}))
        .await;
    assert_eq!(n["replayMessageCallbackDeliveries"], 1);
    let got = receiver.wait_for(1).await;
    assert!(verify(&secret, &got[0].0, &got[0].1));
}

#[tokio::test]
async fn editing_changes_or_clears_the_callback_and_deleting_the_message_stops_deliveries() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "deploys", false, &[&bob]).await;
    let (first, second) = (Receiver::up(), Receiver::up());
    let (url_a, url_b) = (first.start().await, second.start().await);
    let (message, secret) = send_with_callback(&app, &owner, &chat, &url_a).await;
    click(&app, &bob, &message).await;
    first.wait_for(1).await;

    // Another URL: later clicks go there, signed alike.
    let data = app
        .gql_ok(
            &owner.token,
            EDIT_CALLBACK,
            json!({"id": message, "url": url_b}),
        )
        .await;
    assert_eq!(data["editMessage"]["callback"]["url"], url_b);
    click(&app, &bob, &message).await;
    let got = second.wait_for(1).await;
    assert!(verify(&secret, &got[0].0, &got[0].1));
    assert_eq!(first.received().len(), 1);

    // An edit of the text alone keeps the callback.
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { editMessage(id: $id, content: \"Ship it now?\") { id } }",
        json!({"id": message}),
    )
    .await;
    click(&app, &bob, &message).await;
    second.wait_for(2).await;

    // Cleared: a click queues nothing (deliveries are queued in the click's transaction).
    let data = app
        .gql_ok(
            &owner.token,
            EDIT_CALLBACK,
            json!({"id": message, "url": null}),
        )
        .await;
    assert_eq!(data["editMessage"]["callback"]["active"], false);
    let before = queued(&app, &message).await;
    click(&app, &bob, &message).await;
    assert_eq!(queued(&app, &message).await, before);

    // Set again, then deleted: the message takes no more clicks and queues nothing.
    app.gql_ok(
        &owner.token,
        EDIT_CALLBACK,
        json!({"id": message, "url": url_b}),
    )
    .await;
    click(&app, &bob, &message).await;
    second.wait_for(3).await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteMessage(id: $id) { id } }",
        json!({"id": message}),
    )
    .await;
    let before = queued(&app, &message).await;
    let (code, _) = app
        .gql_err(&bob.token, CLICK, json!({"m": message, "d": "approve"}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(queued(&app, &message).await, before);

    // Removing every `data` button clears the callback: nothing is left to click.
    let (other, _) = send_with_callback(&app, &owner, &chat, &url_a).await;
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!, $b: JSON!) { editMessage(id: $id, buttons: $b) { callback { active } } }",
            json!({"id": other, "b": [[{"text": "Docs", "url": "https://docs.test"}]]}),
        )
        .await;
    assert_eq!(data["editMessage"]["callback"]["active"], false);
}

#[tokio::test]
async fn a_callback_needs_a_data_button_and_a_valid_url() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "deploys", false, &[]).await;
    let before = app.count("messages").await;
    let refuse = |buttons: Value, url: String| {
        let app = &app;
        let owner = &owner;
        let chat = chat.clone();
        async move {
            let (code, body) = app
                .gql_err(
                    &owner.token,
                    SEND,
                    json!({"input": {"chatId": chat, "content": "x", "buttons": buttons, "callbackUrl": url}}),
                )
                .await;
            assert_eq!(code, "BAD_USER_INPUT", "{body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"], "callbackUrl",
                "{body}"
            );
        }
    };
    refuse(Value::Null, "https://example.com/".into()).await;
    refuse(
        json!([[{"text": "Docs", "url": "https://docs.test"}]]),
        "https://example.com/".into(),
    )
    .await;
    refuse(
        buttons(),
        format!("https://example.com/{}", "a".repeat(2048)),
    )
    .await;
    refuse(buttons(), "ftp://example.com/".into()).await;
    refuse(buttons(), "".into()).await;
    assert_eq!(app.count("messages").await, before, "nothing was written");
    assert_eq!(app.count("webhook_endpoints").await, 0);
}

/// A resolver for test names (no DNS), counting lookups; `rebind.test` answers what
/// `rebind` holds at the time.
struct StubLookup {
    names: HashMap<&'static str, Vec<IpAddr>>,
    rebind: Arc<Mutex<Vec<IpAddr>>>,
    lookups: Arc<AtomicUsize>,
}

impl HostLookup for StubLookup {
    fn lookup(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let found = if host == "rebind.test" {
            Some(self.rebind.lock().unwrap().clone())
        } else {
            self.names.get(host).cloned()
        };
        Box::pin(async move { found.ok_or_else(|| std::io::Error::other("nxdomain")) })
    }
}

/// A loopback listener counting every TCP connection made to it.
async fn trap() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connects = Arc::new(AtomicUsize::new(0));
    let counted = connects.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, connects)
}

#[tokio::test]
async fn internal_callback_urls_are_refused_at_send_time_and_at_delivery_without_a_connection() {
    let (port, connects) = trap().await;
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let rebind = Arc::new(Mutex::new(vec![ip("93.184.216.34")]));
    let lookups = Arc::new(AtomicUsize::new(0));
    let stub = StubLookup {
        names: HashMap::from([
            ("trap.test", vec![ip("127.0.0.1")]),
            ("internal.test", vec![ip("10.1.2.3")]),
            ("metadata.test", vec![ip("169.254.169.254")]),
            ("mixed.test", vec![ip("93.184.216.34"), ip("192.168.1.1")]),
            ("v6local.test", vec![ip("fd00::1")]),
        ]),
        rebind: rebind.clone(),
        lookups: lookups.clone(),
    };
    let app = TestApp::spawn_with(|c| {
        c.webhook_allow_loopback = false;
        c.webhook_lookup = Some(SharedLookup(Arc::new(stub)));
        c.dispatcher = true;
    })
    .await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "deploys", false, &[&bob]).await;
    let before = app.count("messages").await;

    let refused = [
        format!("http://127.0.0.1:{port}/click"),
        format!("http://localhost.:{port}/click"),
        format!("http://[::1]:{port}/click"),
        format!("http://[::ffff:127.0.0.1]:{port}/click"),
        format!("http://2130706433:{port}/click"),
        format!("http://0x7f000001:{port}/click"),
        format!("http://0177.0.0.1:{port}/click"),
        format!("http://trap.test:{port}/click"),
        format!("http://good@127.0.0.1:{port}/click"),
        "http://10.0.0.1/click".to_owned(),
        "http://172.16.0.1/click".to_owned(),
        "http://192.168.0.1/click".to_owned(),
        "http://100.64.0.1/click".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://0.0.0.0/".to_owned(),
        "http://[fc00::1]/".to_owned(),
        "http://[fe80::1]/".to_owned(),
        "http://[::ffff:10.0.0.1]/".to_owned(),
        "http://internal.test/click".to_owned(),
        "http://metadata.test/".to_owned(),
        "http://mixed.test/click".to_owned(),
        "http://v6local.test/click".to_owned(),
        "http://nxdomain.test/click".to_owned(),
    ];
    for url in &refused {
        let (code, body) = app
            .gql_err(
                &owner.token,
                SEND,
                json!({"input": {"chatId": chat, "content": "x", "buttons": buttons(), "callbackUrl": url}}),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "callbackUrl");
    }
    // The same guard on the other ways in: a direct message, an edit.
    let (code, _) = app
        .gql_err(
            &owner.token,
            "mutation($u: ID!, $b: JSON!, $url: String!) { sendDirectMessage(userId: $u, content: \"x\", buttons: $b, callbackUrl: $url) { id } }",
            json!({"u": bob.gid, "b": buttons(), "url": "http://10.0.0.1/"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        app.count("chats WHERE kind = 'direct'").await,
        0,
        "the refused direct message opened no chat"
    );
    let plain = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({"input": {"chatId": chat, "content": "x", "buttons": buttons()}}),
        )
        .await["sendMessage"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, body) = app
        .gql_err(
            &owner.token,
            EDIT_CALLBACK,
            json!({"id": plain, "url": "http://192.168.1.1/"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "callbackUrl");
    assert_eq!(
        app.count("messages").await,
        before + 1,
        "only the message without a callback was written"
    );
    assert_eq!(app.count("webhook_endpoints").await, 0);

    // A name that resolved publicly when the message was sent and to a blocked address
    // at delivery (DNS rebinding): the delivery is refused, no connection is made.
    let (message, _) = send_with_callback(
        &app,
        &owner,
        &chat,
        &format!("http://rebind.test:{port}/click"),
    )
    .await;
    *rebind.lock().unwrap() = vec![ip("127.0.0.1")];
    click(&app, &bob, &message).await;
    eventually("the delivery attempt is refused by the guard", async || {
        let data = app
            .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
            .await;
        data["message"]["callback"]["deliveries"]["nodes"][0]["attemptLog"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not publicly routable"))
    })
    .await;

    assert!(
        lookups.load(Ordering::SeqCst) >= 6,
        "names went through the stub resolver"
    );
    assert_eq!(
        connects.load(Ordering::SeqCst),
        0,
        "no connection was attempted to a refused address"
    );
    println!(
        "T15 callback URLs: {}/{} refused at send time, rebinding refused at delivery, connect attempts 0",
        refused.len(),
        refused.len()
    );
}

#[tokio::test]
async fn only_the_sender_sees_a_messages_callback_and_its_secret() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let alice = app.user("acme", "alice@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app
        .create_chat(&owner, "deploys", false, &[&alice, &bob])
        .await;
    let (message, secret) = send_with_callback(&app, &alice, &chat, HOOK).await;

    let seen = app
        .gql_ok(&alice.token, CALLBACK, json!({"id": message}))
        .await;
    assert_eq!(seen["message"]["callback"]["secret"], secret.as_str());
    for (who, reader) in [("a member", &bob), ("the workspace owner", &owner)] {
        let data = app
            .gql_ok(&reader.token, CALLBACK, json!({"id": message}))
            .await;
        assert_eq!(
            data["message"]["id"],
            message.as_str(),
            "{who} reads the message"
        );
        assert!(
            data["message"]["callback"].is_null(),
            "{who} must not see the callback: {data}"
        );
        let (code, _) = app
            .gql_err(
                &reader.token,
                "mutation($m: ID!) { replayMessageCallbackDeliveries(messageId: $m) }",
                json!({"m": message}),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
        let (code, _) = app
            .gql_err(
                &reader.token,
                EDIT_CALLBACK,
                json!({"id": message, "url": "http://127.0.0.2:9/evil"}),
            )
            .await;
        assert_eq!(code, "FORBIDDEN", "only the author edits");
    }
    // The secret never appears in what others can read about the message.
    let events = app
        .gql_ok(
            &owner.token,
            "{ events(first: 100) { edges { node { payload } } } }",
            json!({}),
        )
        .await;
    assert!(!events.to_string().contains(&secret));
}

#[tokio::test]
async fn another_workspace_cannot_see_or_touch_the_message_or_its_callback() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "deploys", false, &[]).await;
    let (message, secret) = send_with_callback(&app, &owner, &chat, HOOK).await;
    let intruder = app.workspace("other").await;
    let missing = gid(schema::ids::Kind::Message, 999_999);
    let probes = [
        (CALLBACK, json!({"id": "<ID>"})),
        (CLICK, json!({"m": "<ID>", "d": "approve"})),
        (
            EDIT_CALLBACK,
            json!({"id": "<ID>", "url": "http://127.0.0.2:9/evil"}),
        ),
        (
            "mutation($m: ID!) { replayMessageCallbackDeliveries(messageId: $m) }",
            json!({"m": "<ID>"}),
        ),
    ];
    for (query, vars) in probes {
        let fill = |id: &str| {
            serde_json::from_str::<Value>(&vars.to_string().replace("<ID>", id)).unwrap()
        };
        let blank = |mut body: Value, id: &str| {
            if let Some(errors) = body["errors"].as_array_mut() {
                for e in errors {
                    if let Some(m) = e["message"].as_str() {
                        e["message"] = Value::String(m.replace(&rid(id).to_string(), "<n>"));
                    }
                }
            }
            body
        };
        let foreign = blank(
            app.gql(&intruder.token, query, fill(&message)).await,
            &message,
        );
        let absent = blank(
            app.gql(&intruder.token, query, fill(&missing)).await,
            &missing,
        );
        assert_eq!(
            foreign, absent,
            "`{query}` tells a foreign message from a missing one"
        );
        assert!(!foreign.to_string().contains(&secret));
    }
    let data = app
        .gql_ok(&owner.token, CALLBACK, json!({"id": message}))
        .await;
    assert_eq!(
        data["message"]["callback"]["url"], HOOK,
        "nothing the intruder tried changed the callback"
    );
    assert_eq!(app.count("webhook_deliveries").await, 0);
}
