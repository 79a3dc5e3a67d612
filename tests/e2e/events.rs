//! The event log and what stands on it: resumable subscriptions, durable signed
//! webhooks, idempotency keys, the audit trail, rate limits, and replicas sharing one
//! database through a broker.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::process::Server;
use crate::util::{Protocol, TestApp, postgres_url};

const ADDED: &str = "subscription($chat: ID!, $after: String) { messageAdded(chatId: $chat, after: $after) { content eventCursor } }";

#[tokio::test]
async fn a_subscriber_that_resumes_from_its_cursor_misses_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let other = app.create_chat(&owner, "other", false, &[]).await;

    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    ws.subscribe("1", ADDED, json!({ "chat": chat }))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.send(&owner, &chat, "m0").await;
    let first = ws.next_data().await;
    assert_eq!(first["messageAdded"]["content"], "m0");
    let cursor = first["messageAdded"]["eventCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    ws.close().await;

    // While the subscriber is away: five messages here, noise elsewhere.
    for i in 1..=5 {
        app.send(&owner, &chat, &format!("m{i}")).await;
        app.send(&owner, &other, "elsewhere").await;
    }

    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    ws.subscribe("1", ADDED, json!({ "chat": chat, "after": cursor }))
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 1..=5 {
        got.push(
            ws.next_data().await["messageAdded"]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        got,
        ["m1", "m2", "m3", "m4", "m5"],
        "every missed message, in order"
    );
    app.send(&owner, &chat, "m6").await;
    assert_eq!(
        ws.next_data().await["messageAdded"]["content"],
        "m6",
        "then live"
    );
    ws.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_bad_event_cursor_is_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    ws.subscribe("1", ADDED, json!({ "chat": chat, "after": "nope" }))
        .await
        .unwrap();
    let (_, event) = ws.next_event(Duration::from_secs(5)).await.unwrap();
    let text = format!("{event:?}");
    assert!(
        text.contains("BAD_USER_INPUT") && text.contains("after"),
        "{text}"
    );
}

/// A webhook receiver on loopback that records what it gets.
#[derive(Clone, Default)]
struct Receiver {
    up: Arc<AtomicBool>,
    /// Requests to hold open (to kill a dispatcher mid-delivery).
    hang: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if r.hang.load(Ordering::SeqCst) > 0 {
        r.hang.fetch_sub(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if !r.up.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.received.lock().unwrap().push((headers, body));
    StatusCode::OK
}

impl Receiver {
    async fn start(self) -> String {
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}/hook")
    }

    /// Distinct webhook ids received so far.
    fn ids(&self) -> HashSet<String> {
        let got = self.received.lock().unwrap();
        got.iter()
            .map(|(h, _)| h.get("webhook-id").unwrap().to_str().unwrap().to_owned())
            .collect()
    }

    async fn wait_for(&self, n: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.ids().len() < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} webhooks arrived",
                self.ids().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn register(app: &TestApp, token: &str, url: &str) -> (String, String) {
    let data = app
        .gql_ok(
            token,
            "mutation($url: String!) { createWebhookEndpoint(url: $url, eventTypes: [\"message_added\"]) { id secret } }",
            json!({ "url": url }),
        )
        .await;
    let e = &data["createWebhookEndpoint"];
    (
        e["id"].as_str().unwrap().to_owned(),
        e["secret"].as_str().unwrap().to_owned(),
    )
}

/// Poll the only endpoint's delivery log until there are 20 deliveries and `done` holds
/// for each (10 s at most); its id and the deliveries.
async fn deliveries_until(
    app: &TestApp,
    token: &str,
    done: impl Fn(&Value) -> bool,
) -> (Value, Vec<Value>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let data = app
            .gql_ok(
                token,
                "{ webhookEndpoints { id deliveries(first: 50) { nodes { status attempts attemptLog { statusCode } } } } }",
                json!({}),
            )
            .await;
        let endpoint = data["webhookEndpoints"][0].clone();
        let deliveries = endpoint["deliveries"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if deliveries.len() == 20 && deliveries.iter().all(&done) {
            return (endpoint["id"].clone(), deliveries);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the delivery log never got there: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_webhook_receiver_that_was_down_gets_every_event_once_back_with_valid_signatures() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let owner = app.workspace("acme").await;
    let receiver = Receiver::default();
    let url = receiver.clone().start().await;
    let (endpoint, secret) = register(&app, &owner.token, &url).await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;

    for i in 0..20 {
        app.send(&owner, &chat, &format!("event {i}")).await;
    }
    // Every delivery fails at least once while the receiver is down.
    deliveries_until(&app, &owner.token, |d| d["attempts"].as_i64() >= Some(1)).await;
    assert!(receiver.ids().is_empty());
    receiver.up.store(true, Ordering::SeqCst);
    receiver.wait_for(20, Duration::from_secs(20)).await;

    let now = chrono::Utc::now().timestamp();
    let got = receiver.received.lock().unwrap().clone();
    let mut contents = HashSet::new();
    for (headers, body) in &got {
        let h = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
        let ts: i64 = h("webhook-timestamp").parse().unwrap();
        assert!(
            resolvers::webhooks::signing::standard_verify(
                &secret,
                &h("webhook-id"),
                ts,
                body,
                &h("webhook-signature"),
                now
            ),
            "a delivery's signature does not verify"
        );
        let payload: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(payload["type"], "message_added");
        contents.insert(
            payload["data"]["message"]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(contents.len(), 20, "every event arrived");
    println!(
        "T13 webhook receiver down then up: delivered {}/20, signature-valid 100 %",
        contents.len()
    );

    // The delivery log shows the failed attempts before success (the log is written
    // once the receiver's answer is back, a moment after it counted the request).
    let (endpoint_id, deliveries) =
        deliveries_until(&app, &owner.token, |d| d["status"] == "delivered").await;
    assert_eq!(endpoint_id, endpoint);
    assert!(
        deliveries
            .iter()
            .all(|d| d["attempts"].as_i64().unwrap() >= 2)
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d["attemptLog"][0]["statusCode"] == 503)
    );
}

#[tokio::test]
async fn a_dispatcher_killed_mid_delivery_loses_nothing() {
    let app = TestApp::spawn().await; // no dispatcher of its own: this test runs them
    let owner = app.workspace("acme").await;
    let receiver = Receiver {
        hang: Arc::new(AtomicUsize::new(1)),
        ..Receiver::default()
    };
    receiver.up.store(true, Ordering::SeqCst);
    let url = receiver.clone().start().await;
    register(&app, &owner.token, &url).await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    for i in 0..5 {
        app.send(&owner, &chat, &format!("event {i}")).await;
    }
    let config = resolvers::webhooks::DispatcherConfig {
        lease: Duration::from_millis(800),
        poll: Duration::from_millis(50),
        concurrency: 1,
        ..Default::default()
    };
    let guard = resolvers::webhooks::ssrf::Guard {
        allow_loopback: true,
        ..Default::default()
    };
    let first = resolvers::webhooks::Dispatcher::new(app.db.clone(), guard.clone(), config.clone())
        .unwrap();
    let task = tokio::spawn(first.run(std::future::pending()));
    // Kill it while it waits on the receiver's first (hanging) request.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while receiver.hang.load(Ordering::SeqCst) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dispatcher never called"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    let _ = task.await;

    let second = resolvers::webhooks::Dispatcher::new(app.db.clone(), guard, config).unwrap();
    let task = tokio::spawn(second.run(std::future::pending()));
    receiver.wait_for(5, Duration::from_secs(20)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app
        .count("webhook_deliveries WHERE status = 'delivered'")
        .await
        < 5
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries not marked delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(receiver.ids().len(), 5, "each event once (by webhook id)");
    println!(
        "T14 dispatcher killed mid-delivery: lost 0 of 5, received {} requests",
        receiver.received.lock().unwrap().len()
    );
}

#[tokio::test]
async fn webhook_urls_pointing_inside_the_network_are_refused() {
    let app = TestApp::spawn_with(|c| c.webhook_allow_loopback = false).await;
    let owner = app.workspace("acme").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "ftp://example.com/",
    ] {
        let (code, body) = app
            .gql_err(
                &owner.token,
                "mutation($url: String!) { createWebhookEndpoint(url: $url) { id } }",
                json!({ "url": url }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "url");
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let (code, _) = app
        .gql_err(
            &member.token,
            "mutation { createWebhookEndpoint(url: \"https://example.com/\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

const SEND_KEYED: &str = "mutation($chat: ID!, $text: String!, $key: String) { sendMessage(input: { chatId: $chat, content: $text }, idempotencyKey: $key) { id content } }";

#[tokio::test]
async fn fifty_concurrent_requests_with_one_idempotency_key_create_one_message() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let before = app.count("messages").await;
    let requests = (0..50).map(|_| {
        app.gql(
            &owner.token,
            SEND_KEYED,
            json!({ "chat": chat, "text": "once", "key": "k-1" }),
        )
    });
    let answers = futures::future::join_all(requests).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|a| {
            assert!(a.get("errors").is_none(), "{a}");
            a["data"]["sendMessage"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every answer is the one message");
    assert_eq!(
        app.count("messages").await - before,
        1,
        "exactly one message was created"
    );
    println!("T16 idempotency: 50 concurrent requests, 1 effect, 50 identical answers");

    // The same key with another body is refused; a new key creates anew.
    let (code, body) = app
        .gql_err(
            &owner.token,
            SEND_KEYED,
            json!({ "chat": chat, "text": "other", "key": "k-1" }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "idempotencyKey");
    app.gql_ok(
        &owner.token,
        SEND_KEYED,
        json!({ "chat": chat, "text": "once", "key": "k-2" }),
    )
    .await;
    assert_eq!(app.count("messages").await - before, 2);
}

/// Each creating mutation that takes `idempotencyKey` and the table its row lands in:
/// (mutation, variables without `key`, the same with another input, table).
fn keyed_creations(chat: &str, meeting: &str) -> Vec<(&'static str, Value, Value, &'static str)> {
    vec![
        (
            "mutation($k: String, $n: String!) { createDepartment(name: $n, idempotencyKey: $k) { id } }",
            json!({ "n": "Sales" }),
            json!({ "n": "Support" }),
            "departments",
        ),
        (
            "mutation($k: String, $n: String!) { createGroupTag(name: $n, idempotencyKey: $k) { id } }",
            json!({ "n": "oncall" }),
            json!({ "n": "backend" }),
            "group_tags",
        ),
        (
            "mutation($k: String, $n: String!) { createCustomProperty(input: { entityType: USER, name: $n, dataType: TEXT }, idempotencyKey: $k) { id } }",
            json!({ "n": "Shoe size" }),
            json!({ "n": "Desk" }),
            "custom_properties",
        ),
        (
            "mutation($k: String, $c: ID!, $t: String!) { createDraft(chatId: $c, content: $t, idempotencyKey: $k) { id } }",
            json!({ "c": chat, "t": "draft one" }),
            json!({ "c": chat, "t": "draft two" }),
            "drafts",
        ),
        (
            "mutation($k: String, $from: String!) { requestChatExport(input: { startAt: $from, endAt: \"2026-12-01\" }, idempotencyKey: $k) { id } }",
            json!({ "from": "2026-11-01" }),
            json!({ "from": "2026-10-01" }),
            "chat_exports",
        ),
        (
            "mutation($k: String, $m: ID!, $t: String!) { createMeetingNote(meetingId: $m, content: $t, idempotencyKey: $k) { id } }",
            json!({ "m": meeting, "t": "minutes" }),
            json!({ "m": meeting, "t": "other minutes" }),
            "meeting_notes",
        ),
        (
            "mutation($k: String, $n: String!) { createSite(input: { name: $n, latitude: 52.52, longitude: 13.40, radiusMeters: 100 }, idempotencyKey: $k) { id } }",
            json!({ "n": "HQ" }),
            json!({ "n": "Depot" }),
            "hr_sites",
        ),
        (
            "mutation($k: String, $n: String!) { createLeaveType(input: { name: $n, allowanceDays: 20 }, idempotencyKey: $k) { id } }",
            json!({ "n": "Annual" }),
            json!({ "n": "Sick" }),
            "hr_leave_types",
        ),
        (
            "mutation($k: String, $n: String!) { createIntegrationClient(input: { name: $n }, idempotencyKey: $k) { id } }",
            json!({ "n": "CRM" }),
            json!({ "n": "Monitoring" }),
            "integration_clients",
        ),
    ]
}

fn with_key(mut variables: Value, key: &str) -> Value {
    variables["k"] = json!(key);
    variables
}

#[tokio::test]
async fn every_keyed_creating_mutation_runs_once_per_key() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let meeting = app
        .gql_ok(
            &owner.token,
            "mutation { scheduleMeeting(input: { title: \"Weekly\", startsAt: \"2027-01-04T09:00:00Z\", endsAt: \"2027-01-04T09:30:00Z\" }) { id } }",
            json!({}),
        )
        .await["scheduleMeeting"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (mutation, input, other, table) in keyed_creations(&chat, &meeting) {
        let before = app.count(table).await;
        let field = |data: &Value| data.as_object().unwrap().values().next().unwrap()["id"].clone();
        let first = field(
            &app.gql_ok(&owner.token, mutation, with_key(input.clone(), "k-1"))
                .await,
        );
        let again = field(
            &app.gql_ok(&owner.token, mutation, with_key(input.clone(), "k-1"))
                .await,
        );
        assert_eq!(first, again, "{mutation}: a retry answers the first result");
        assert_eq!(app.count(table).await - before, 1, "{mutation}: one row");
        let (code, body) = app
            .gql_err(&owner.token, mutation, with_key(other.clone(), "k-1"))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{mutation}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "idempotencyKey");
        let fresh = field(
            &app.gql_ok(&owner.token, mutation, with_key(other, "k-2"))
                .await,
        );
        assert_ne!(fresh, first, "{mutation}: a new key creates anew");
        assert_eq!(app.count(table).await - before, 2, "{mutation}: two rows");
    }
}

#[tokio::test]
async fn a_retried_creation_that_hands_out_a_secret_answers_the_same_record_without_it() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let desktop = app.create_chat(&owner, "desk", false, &[]).await;
    let client = app
        .gql_ok(
            &owner.token,
            "mutation { createIntegrationClient(input: { name: \"CRM\" }) { id } }",
            json!({}),
        )
        .await["createIntegrationClient"]["id"]
        .clone();
    let bot = app
        .gql_ok(
            &owner.token,
            "mutation { createBot(input: { name: \"Helper\" }) { bot { id } } }",
            json!({}),
        )
        .await["createBot"]["bot"]["id"]
        .clone();
    // (mutation, variables, table, where the record's id is, where the secret is)
    let cases = [
        (
            "mutation($k: String) { createApiToken(input: { name: \"ci\" }, idempotencyKey: $k) { token apiToken { id } } }",
            json!({}),
            "api_tokens",
            "/createApiToken/apiToken/id",
            "/createApiToken/token",
        ),
        (
            "mutation($k: String) { createBot(input: { name: \"Deployer\" }, idempotencyKey: $k) { accessToken bot { id } } }",
            json!({}),
            "bots",
            "/createBot/bot/id",
            "/createBot/accessToken",
        ),
        (
            "mutation($k: String, $b: ID!, $c: ID!) { createHook(clientId: $b, chatId: $c, idempotencyKey: $k) { secret url hook { id } } }",
            json!({ "b": client, "c": desktop }),
            "integration_hooks",
            "/createHook/hook/id",
            "/createHook/secret",
        ),
        (
            "mutation($k: String) { createIncomingWebhook(input: { name: \"alerts\", actions: [\"send_message\"] }, idempotencyKey: $k) { secret webhook { id } } }",
            json!({}),
            "incoming_webhooks",
            "/createIncomingWebhook/webhook/id",
            "/createIncomingWebhook/secret",
        ),
    ];
    for (mutation, variables, table, id_at, secret_at) in cases {
        let before = app.count(table).await;
        let first = app
            .gql_ok(&owner.token, mutation, with_key(variables.clone(), "k-1"))
            .await;
        let again = app
            .gql_ok(&owner.token, mutation, with_key(variables.clone(), "k-1"))
            .await;
        assert_eq!(first.pointer(id_at), again.pointer(id_at), "{mutation}");
        assert!(
            first.pointer(secret_at).is_some_and(Value::is_string),
            "{mutation}: the first answer shows the secret: {first}"
        );
        assert_eq!(
            again.pointer(secret_at),
            Some(&Value::Null),
            "{mutation}: a replay does not: {again}"
        );
        assert_eq!(app.count(table).await - before, 1, "{mutation}: one record");
    }
    // The token of the first answer works; the replay minted no second one.
    let minted = app
        .gql_ok(
            &owner.token,
            "mutation($k: String) { createApiToken(input: { name: \"ci\" }, idempotencyKey: $k) { token } }",
            json!({ "k": "k-9" }),
        )
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = app.gql_ok(&minted, "{ me { id } }", json!({})).await;
    assert_eq!(me["me"]["id"], owner.gid);

    // A bot's named token: the replay shows it masked, as every later read does.
    let create_token = "mutation($k: String, $b: ID!) { createBotToken(botId: $b, name: \"ci\", idempotencyKey: $k) { id token } }";
    let first = app
        .gql_ok(&owner.token, create_token, json!({ "b": bot, "k": "k-1" }))
        .await;
    let again = app
        .gql_ok(&owner.token, create_token, json!({ "b": bot, "k": "k-1" }))
        .await;
    assert_eq!(first["createBotToken"]["id"], again["createBotToken"]["id"]);
    let (whole, masked) = (
        first["createBotToken"]["token"].as_str().unwrap(),
        again["createBotToken"]["token"].as_str().unwrap(),
    );
    assert!(
        masked.contains("...") && !whole.contains("..."),
        "{whole} / {masked}"
    );
}

#[tokio::test]
async fn the_idempotency_key_header_works_like_the_argument() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let send = || async {
        let res = app
            .http()
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&owner.token)
            .header("Idempotency-Key", "retry-me")
            .json(&json!({ "query": SEND_KEYED, "variables": { "chat": chat, "text": "hello" } }))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["data"]["sendMessage"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = send().await;
    let again = send().await;
    assert_eq!(first, again);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn a_token_over_its_limit_gets_429s_while_a_neighbour_token_is_unaffected() {
    let app = TestApp::spawn_with(|c| {
        c.rate.standard = resolvers::rate::Budget {
            per_period: 1,
            period: Duration::from_secs(60),
            burst: 5,
        };
    })
    .await;
    let owner = app.workspace("acme").await;
    let neighbour = app.user("acme", "n@acme.test", Role::Member).await;
    let app = &app;
    let call = |token: String| async move {
        app.http()
            .post(format!("{}/graphql", app.base))
            .bearer_auth(token)
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
            .await
            .unwrap()
    };
    let mut statuses = BTreeMap::new();
    for _ in 0..10 {
        let res = call(owner.token.clone()).await;
        let status = res.status().as_u16();
        if status == 429 {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry >= 1);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        } else {
            assert!(res.headers().contains_key("x-ratelimit-remaining"));
        }
        *statuses.entry(status).or_insert(0) += 1;
    }
    assert_eq!(statuses.get(&200), Some(&5), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&5), "{statuses:?}");
    for _ in 0..5 {
        assert_eq!(
            call(neighbour.token.clone()).await.status(),
            200,
            "the neighbour is unaffected"
        );
    }
    println!("T11 rate limit: over-limit token 5×200 + 5×429 (Retry-After), neighbour 5×200");
}

#[tokio::test]
async fn message_writes_are_limited_per_chat() {
    let app = TestApp::spawn_with(|c| {
        c.rate.message_write = resolvers::rate::Budget {
            per_period: 1,
            period: Duration::from_secs(60),
            burst: 3,
        };
    })
    .await;
    let owner = app.workspace("acme").await;
    let a = app.create_chat(&owner, "a", false, &[]).await;
    let b = app.create_chat(&owner, "b", false, &[]).await;
    for i in 0..3 {
        app.send(&owner, &a, &format!("{i}")).await;
    }
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&owner.token)
        .json(&json!({ "query": SEND_KEYED, "variables": { "chat": a, "text": "one too many" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    app.send(&owner, &b, "another chat has its own budget")
        .await;
}

#[tokio::test]
async fn every_change_is_in_the_audit_trail_with_its_actor_and_front_door() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "news", false, &[&member]).await;
    let msg = app.send(&owner, &chat, "draft").await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { editMessage(id: $id, content: \"final\") { id } }",
        json!({ "id": msg }),
    )
    .await;
    app.gql_ok(
        &owner.token,
        SEND_KEYED,
        json!({ "chat": chat, "text": "keyed", "key": "audit-key" }),
    )
    .await;

    let q = "query($after: String) { events(first: 100, after: $after) { edges { cursor node { type dialect tokenPrefix idempotencyKey actor { id } summary } } pageInfo { hasNextPage } } }";
    let data = app.gql_ok(&owner.token, q, json!({})).await;
    let edges = data["events"]["edges"].as_array().unwrap();
    let types: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["type"].as_str().unwrap())
        .collect();
    for wanted in [
        "chat_created",
        "chat_membership_changed",
        "message_added",
        "message_updated",
    ] {
        assert!(types.contains(&wanted), "{wanted} missing from {types:?}");
    }
    let edit = edges
        .iter()
        .find(|e| e["node"]["type"] == "message_updated")
        .unwrap();
    assert_eq!(edit["node"]["summary"]["before"]["content"], "draft");
    assert_eq!(edit["node"]["summary"]["after"]["content"], "final");
    assert_eq!(edit["node"]["dialect"], "graphql");
    assert_eq!(edit["node"]["actor"]["id"], owner.gid);
    assert!(
        owner
            .token
            .starts_with(edit["node"]["tokenPrefix"].as_str().unwrap())
    );
    assert!(
        edges
            .iter()
            .any(|e| e["node"]["idempotencyKey"] == "audit-key")
    );

    // Polling from the last cursor returns only what is new.
    let last = edges.last().unwrap()["cursor"].as_str().unwrap().to_owned();
    app.send(&owner, &chat, "later").await;
    let data = app.gql_ok(&owner.token, q, json!({ "after": last })).await;
    let newer = data["events"]["edges"].as_array().unwrap();
    assert_eq!(newer.len(), 1);
    assert_eq!(newer[0]["node"]["type"], "message_added");

    let (code, _) = app.gql_err(&member.token, q, json!({})).await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
}

async fn reachable(addr: &str) -> bool {
    tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(addr))
        .await
        .is_ok_and(|r| r.is_ok())
}

/// Two `switchboard serve` processes on one PostgreSQL database and one broker: a
/// subscriber on each; a message written on B, then one on A; each subscriber gets both,
/// in order, once.
async fn server_processes_deliver_to_subscribers_on_both(bus: &str) {
    let app = TestApp::spawn().await; // the migrated database and the workspace
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    let namespace = format!(
        "sbtest-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let env = [
        ("SWITCHBOARD_BUS", bus),
        ("SWITCHBOARD_BUS_NAMESPACE", namespace.as_str()),
        ("SWITCHBOARD_DISPATCHER", "false"),
    ];
    let a = Server::start(&app.database_url, &env).await;
    let b = Server::start(&app.database_url, &env).await;
    let mut on_a = a.ws(&owner.token, Protocol::TransportWs).await;
    let mut on_b = b.ws(&owner.token, Protocol::TransportWs).await;
    for ws in [&mut on_a, &mut on_b] {
        ws.subscribe("1", ADDED, json!({ "chat": chat }))
            .await
            .unwrap();
    }
    // graphql-transport-ws does not acknowledge a subscription: give both feeds time to
    // reach the bus before the first write (generously: CI machines are busy).
    tokio::time::sleep(Duration::from_secs(1)).await;
    b.send(&owner.token, &chat, "written on B").await;
    a.send(&owner.token, &chat, "written on A").await;
    for ws in [&mut on_a, &mut on_b] {
        let mut got = Vec::new();
        for _ in 0..2 {
            got.push(ws.next_data().await["messageAdded"]["content"].clone());
        }
        assert_eq!(got, [json!("written on B"), json!("written on A")]);
        ws.expect_silence(Duration::from_millis(300)).await;
    }
    println!(
        "two server processes over {bus}: 2 events × 2 subscribers, each delivered exactly once"
    );
}

#[tokio::test]
async fn two_server_processes_on_one_postgres_share_events_through_nats() {
    if postgres_url().is_none() || !reachable("127.0.0.1:4222").await {
        eprintln!("needs TEST_DATABASE_URL and NATS on 127.0.0.1:4222: skipped");
        return;
    }
    server_processes_deliver_to_subscribers_on_both("nats://127.0.0.1:4222").await;
}

#[tokio::test]
async fn two_server_processes_on_one_postgres_share_events_through_redis() {
    if postgres_url().is_none() || !reachable("127.0.0.1:6379").await {
        eprintln!("needs TEST_DATABASE_URL and Redis on 127.0.0.1:6379: skipped");
        return;
    }
    server_processes_deliver_to_subscribers_on_both("redis://127.0.0.1:6379").await;
}

/// The whole server process dies (SIGKILL) while a delivery waits on the receiver; the
/// next process delivers every pending event once its claim runs out.
#[tokio::test]
async fn a_server_process_killed_mid_delivery_delivers_everything_after_a_restart() {
    let app = TestApp::spawn().await; // writes the events; runs no dispatcher
    let owner = app.workspace("acme").await;
    let receiver = Receiver {
        hang: Arc::new(AtomicUsize::new(1)),
        ..Receiver::default()
    };
    receiver.up.store(true, Ordering::SeqCst);
    let url = receiver.clone().start().await;
    register(&app, &owner.token, &url).await;
    let chat = app.create_chat(&owner, "news", false, &[]).await;
    for i in 0..5 {
        app.send(&owner, &chat, &format!("event {i}")).await;
    }
    let env = [
        ("SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK", "true"),
        // Claims run out 3 s after they are made (two 1 s attempt waves fit in that).
        ("SWITCHBOARD_WEBHOOK_TIMEOUT", "1"),
        ("SWITCHBOARD_WEBHOOK_LEASE", "3"),
    ];
    let mut first = Server::start(&app.database_url, &env).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while receiver.hang.load(Ordering::SeqCst) > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first process never called the receiver"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill().await;
    let before_restart = receiver.ids().len();
    assert!(
        before_restart < 5,
        "one delivery was still waiting when the process died"
    );

    let _second = Server::start(&app.database_url, &env).await;
    receiver.wait_for(5, Duration::from_secs(30)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app
        .count("webhook_deliveries WHERE status = 'delivered'")
        .await
        < 5
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries not marked delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.ids().len(), 5, "each event, by webhook id");
    println!(
        "server process killed mid-delivery: {before_restart} of 5 delivered before the kill, 5 of 5 after the restart ({} requests in all)",
        receiver.received.lock().unwrap().len()
    );
}
