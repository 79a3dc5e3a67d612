//! The Hook API façade (`POST /hooks/{id}/{secret}/message`) and its GraphQL
//! administration: the message arrives as the client's bot (GraphQL and a live
//! subscription), every error in the OAuth-like body, secret regeneration and deletion,
//! tenancy, the rate headers and 429, idempotency, and no secret in the request logs.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::{Actor, Protocol, TestApp};

const CREATE_CLIENT: &str = "mutation($i: CreateIntegrationClientInput!) { \
    createIntegrationClient(input: $i) { id name bot { id name isBot avatarUrl } } }";
const CREATE_HOOK: &str = "mutation($c: ID!, $chat: ID!) { createHook(clientId: $c, chatId: $chat) { \
    secret url hook { id publicId clientId chatId secretHint } } }";
const REGENERATE: &str =
    "mutation($id: ID!) { regenerateHookSecret(id: $id) { secret url hook { id publicId } } }";
const DELETE: &str = "mutation($id: ID!) { deleteHook(id: $id) }";
const DENIED: &str = "The resource owner or authorization server denied the request.";

/// A hook as its creator sees it once.
struct Hook {
    id: String,
    public_id: String,
    secret: String,
    url: String,
}

fn hook_of(payload: &Value) -> Hook {
    Hook {
        id: payload["hook"]["id"].as_str().unwrap().to_owned(),
        public_id: payload["hook"]["publicId"].as_str().unwrap().to_owned(),
        secret: payload["secret"].as_str().unwrap().to_owned(),
        url: payload["url"].as_str().unwrap().to_owned(),
    }
}

async fn create_client(app: &TestApp, admin: &Actor, name: &str) -> Value {
    app.gql_ok(
        &admin.token,
        CREATE_CLIENT,
        json!({ "i": { "name": name, "botAvatarUrl": "https://example.com/bot.png" } }),
    )
    .await["createIntegrationClient"]
        .clone()
}

async fn create_hook(app: &TestApp, admin: &Actor, client: &str, chat: &str) -> Hook {
    let data = app
        .gql_ok(
            &admin.token,
            CREATE_HOOK,
            json!({ "c": client, "chat": chat }),
        )
        .await;
    hook_of(&data["createHook"])
}

/// A workspace with a private channel, a client and a hook into the channel.
async fn arrange(app: &TestApp, slug: &str) -> (Actor, String, Value, Hook) {
    let owner = app.workspace(slug).await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    let client = create_client(app, &owner, "Deploy Bot").await;
    let hook = create_hook(app, &owner, client["id"].as_str().unwrap(), &chat).await;
    (owner, chat, client, hook)
}

async fn post(app: &TestApp, url: &str, body: Value) -> reqwest::Response {
    app.http().post(url).json(&body).send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `(per hour, per day, used, remaining)` from the four rate headers.
fn rate(res: &reqwest::Response) -> Option<(u64, u64, u64, u64)> {
    let n = |h: &str| header(res, h).map(|v| v.parse::<u64>().unwrap());
    Some((
        n("x-rate-limit-total-per-hour")?,
        n("x-rate-limit-total-per-day")?,
        n("x-rate-limit-used")?,
        n("x-rate-limit-remaining")?,
    ))
}

/// The response's status and OAuth-like error body (checking its shape).
async fn error_of(res: reqwest::Response) -> (StatusCode, String, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let obj = body.as_object().unwrap();
    assert_eq!(obj.len(), 3, "{body}");
    assert_eq!(body["error_description"], body["message"], "{body}");
    (
        status,
        body["error"].as_str().unwrap().to_owned(),
        body["message"].as_str().unwrap().to_owned(),
    )
}

async fn latest_messages(app: &TestApp, actor: &Actor, chat: &str) -> Vec<Value> {
    let data = app
        .gql_ok(
            &actor.token,
            "query($c: ID!) { chat(id: $c) { messages(first: 10) { edges { node { \
             content kind author { id name isBot } } } } } }",
            json!({ "c": chat }),
        )
        .await;
    data["chat"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn hooks_a_message_arrives_as_the_clients_bot_live_and_in_queries() {
    let app = TestApp::spawn().await;
    let (owner, chat, client, hook) = arrange(&app, "acme").await;
    assert_eq!(client["bot"]["isBot"], true);
    assert_eq!(client["bot"]["name"], "Deploy Bot");
    assert_eq!(client["bot"]["avatarUrl"], "https://example.com/bot.png");
    assert_eq!(hook.secret.len(), 64);
    assert!(hook.secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        hook.url,
        format!(
            "{}/hooks/{}/{}/message",
            app.base, hook.public_id, hook.secret
        )
    );
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    ws.subscribe(
        "1",
        "subscription($c: ID!) { messageAdded(chatId: $c) { content author { id name isBot } } }",
        json!({ "c": chat }),
    )
    .await
    .unwrap();
    ws.expect_silence(Duration::from_millis(150)).await;

    let res = post(
        &app,
        &hook.url,
        json!({"message": "Hello World from Hook API!"}),
    )
    .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(&res, "content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(rate(&res), Some((1000, 10000, 1, 999)));
    assert_eq!(res.text().await.unwrap(), "ok");
    let live = ws.next_data().await;
    assert_eq!(
        live["messageAdded"]["content"],
        "Hello World from Hook API!"
    );
    assert_eq!(live["messageAdded"]["author"]["id"], client["bot"]["id"]);
    assert_eq!(live["messageAdded"]["author"]["isBot"], true);
    let listed = latest_messages(&app, &owner, &chat).await;
    assert_eq!(listed[0]["content"], "Hello World from Hook API!");
    assert_eq!(listed[0]["kind"], "INTEGRATION");
    assert_eq!(listed[0]["author"]["name"], "Deploy Bot");
    // Audited through the `hook` front door, naming the hook (never its secret).
    let events = app
        .gql_ok(
            &owner.token,
            "{ events(types: [\"message_added\"]) { edges { node { dialect tokenPrefix } } } }",
            json!({}),
        )
        .await;
    let audit = &events["events"]["edges"][0]["node"];
    assert_eq!(audit["dialect"], "hook", "{events}");
    assert_eq!(
        audit["tokenPrefix"],
        format!("hook:{}", hook.public_id),
        "{events}"
    );
}

#[tokio::test]
async fn hooks_every_error_has_the_oauth_like_body() {
    let app = TestApp::spawn().await;
    let (owner, chat, _, hook) = arrange(&app, "acme").await;
    let base = format!("{}/hooks/{}", app.base, hook.public_id);
    let other_secret = "ab".repeat(32);

    // 401: wrong secret, unknown id, malformed secret — the document's exact body, no
    // rate headers (nothing is identified).
    for url in [
        format!("{base}/{other_secret}/message"),
        format!(
            "{}/hooks/35d7bef2-3d7e-11ec-bfa2-42010a200115/{}/message",
            app.base, hook.secret
        ),
        format!("{base}/not-hex/message"),
        format!("{base}/{}/message", &hook.secret[..63]),
    ] {
        let res = post(&app, &url, json!({"message": "hi"})).await;
        assert_eq!(rate(&res), None);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "access_denied", "error_description": DENIED, "message": DENIED})
        );
    }
    let res = post(&app, &format!("{base}/{other_secret}/message"), json!({})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // 400: bad JSON, missing, empty, non-string, too long — naming `message`, with the
    // rate headers (the hook is identified).
    let bad_bodies: Vec<reqwest::RequestBuilder> = vec![
        app.http().post(&hook.url).body("{not json"),
        app.http().post(&hook.url).json(&json!({})),
        app.http().post(&hook.url).json(&json!({"message": ""})),
        app.http().post(&hook.url).json(&json!({"message": 42})),
        app.http()
            .post(&hook.url)
            .json(&json!({"message": "x".repeat(10_001)})),
    ];
    for req in bad_bodies {
        let res = req.send().await.unwrap();
        assert!(rate(&res).is_some());
        let (status, error, message) = error_of(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
        assert_eq!(error, "invalid_request");
        assert!(
            message.contains("message") || message.contains("JSON"),
            "{message}"
        );
    }

    // 405 for another method, 404 for another path under /hooks.
    let res = app.http().get(&hook.url).send().await.unwrap();
    assert_eq!(header(&res, "allow").as_deref(), Some("POST"));
    let (status, error, _) = error_of(res).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "invalid_request")
    );
    let res = post(&app, &format!("{base}/{}/other", hook.secret), json!({})).await;
    assert_eq!(error_of(res).await.0, StatusCode::NOT_FOUND);

    // 403: the Desktop made public, then archived.
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { updateChat(id: $id, input: { isPublic: true }) { id } }",
        json!({ "id": chat }),
    )
    .await;
    let res = post(&app, &hook.url, json!({"message": "public now"})).await;
    assert!(rate(&res).is_some());
    let (status, error, _) = error_of(res).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "access_denied")
    );
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { updateChat(id: $id, input: { isPublic: false }) { id } }",
        json!({ "id": chat }),
    )
    .await;
    assert_eq!(
        post(&app, &hook.url, json!({"message": "private again"}))
            .await
            .status(),
        StatusCode::OK
    );
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { archiveChat(id: $id) { id } }",
        json!({ "id": chat }),
    )
    .await;
    let res = post(&app, &hook.url, json!({"message": "archived"})).await;
    let (status, error, _) = error_of(res).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "access_denied")
    );

    // Nothing but the one accepted message was written by the bot.
    let contents: Vec<Value> = latest_messages(&app, &owner, &chat)
        .await
        .into_iter()
        .filter(|m| m["author"]["isBot"] == true)
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(contents, vec![json!("private again")]);
}

#[tokio::test]
async fn hooks_regenerating_the_secret_or_deleting_the_hook_kills_the_old_url() {
    let app = TestApp::spawn().await;
    let (owner, _, client, hook) = arrange(&app, "acme").await;
    let listed = app
        .gql_ok(
            &owner.token,
            "{ hooks { id publicId secretHint } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["hooks"],
        json!([{ "id": hook.id, "publicId": hook.public_id,
                  "secretHint": format!("…{}", &hook.secret[60..]) }])
    );
    assert!(!listed.to_string().contains(&hook.secret));

    let data = app
        .gql_ok(&owner.token, REGENERATE, json!({ "id": hook.id }))
        .await;
    let renewed = hook_of(&data["regenerateHookSecret"]);

    assert_eq!(renewed.public_id, hook.public_id);
    assert_ne!(renewed.secret, hook.secret);
    let res = post(&app, &hook.url, json!({"message": "old"})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = post(&app, &renewed.url, json!({"message": "new"})).await;
    assert_eq!(res.status(), StatusCode::OK);

    // A second hook of the client keeps working when the first is deleted.
    let other_chat = app.create_chat(&owner, "alerts", false, &[]).await;
    let second = create_hook(&app, &owner, client["id"].as_str().unwrap(), &other_chat).await;
    app.gql_ok(&owner.token, DELETE, json!({ "id": hook.id }))
        .await;
    let res = post(&app, &renewed.url, json!({"message": "deleted"})).await;
    let (status, error, _) = error_of(res).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "access_denied")
    );
    let res = post(&app, &second.url, json!({"message": "still here"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (code, _) = app
        .gql_err(&owner.token, DELETE, json!({ "id": hook.id }))
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn hooks_administration_is_for_admins_of_the_workspace_only() {
    let app = TestApp::spawn().await;
    let (owner, chat, client, hook) = arrange(&app, "acme").await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    let stranger = app.workspace("globex").await;
    let their_chat = app.create_chat(&stranger, "theirs", false, &[]).await;
    let their_client = create_client(&app, &stranger, "Their Bot").await;
    let their_client_id = their_client["id"].as_str().unwrap();

    // Another workspace sees none of it, and its ids answer like missing ones.
    let seen = app
        .gql_ok(
            &stranger.token,
            "{ integrationClients { id } hooks { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        seen["integrationClients"],
        json!([{ "id": their_client_id }])
    );
    assert_eq!(seen["hooks"], json!([]));
    for (query, vars) in [
        (CREATE_HOOK, json!({ "c": client_id, "chat": their_chat })),
        (CREATE_HOOK, json!({ "c": their_client_id, "chat": chat })),
        (REGENERATE, json!({ "id": hook.id })),
        (DELETE, json!({ "id": hook.id })),
    ] {
        let (code, body) = app.gql_err(&stranger.token, query, vars).await;
        assert_eq!(code, "NOT_FOUND", "{body}");
    }
    let mine = app
        .gql_ok(
            &stranger.token,
            "query($c: ID) { hooks(clientId: $c) { id } }",
            json!({ "c": client_id }),
        )
        .await;
    assert_eq!(mine["hooks"], json!([]));

    // A member who is not an admin may not administer hooks.
    let member = app.user("acme", "mia@acme.test", Role::Member).await;
    let (code, _) = app
        .gql_err(
            &member.token,
            CREATE_CLIENT,
            json!({ "i": { "name": "Mine" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(&member.token, REGENERATE, json!({ "id": hook.id }))
        .await;
    assert_eq!(code, "FORBIDDEN");

    // Only internal Desktops: a public chat is refused, naming the field; bad input too.
    let public = app.create_chat(&owner, "town-square", true, &[]).await;
    let (code, body) = app
        .gql_err(
            &owner.token,
            CREATE_HOOK,
            json!({ "c": client_id, "chat": public }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    assert!(body.to_string().contains("chatId"), "{body}");
    let (code, body) = app
        .gql_err(
            &owner.token,
            CREATE_CLIENT,
            json!({ "i": { "name": " ", "botAvatarUrl": "ftp://x" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    assert_eq!(app.count("integration_hooks").await, 1);

    // The hook posts only into its own Desktop.
    let res = post(&app, &hook.url, json!({"message": "to acme"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let theirs = latest_messages(&app, &stranger, &their_chat).await;
    assert!(theirs.is_empty(), "{theirs:?}");
    assert_eq!(latest_messages(&app, &owner, &chat).await.len(), 1);
}

#[tokio::test]
async fn hooks_are_refused_with_429_after_their_budget_and_a_neighbour_is_not() {
    let app = TestApp::spawn_with(|c| {
        c.hook_rate_per_hour = 3;
        c.hook_rate_per_day = 50;
    })
    .await;
    let (owner, chat, client, hook) = arrange(&app, "acme").await;
    let neighbour = create_hook(&app, &owner, client["id"].as_str().unwrap(), &chat).await;

    let mut seen = Vec::new();
    for i in 0..3 {
        let res = post(&app, &hook.url, json!({"message": format!("m{i}")})).await;
        assert_eq!(res.status(), StatusCode::OK);
        seen.push(rate(&res).unwrap());
    }
    assert_eq!(seen, vec![(3, 50, 1, 2), (3, 50, 2, 1), (3, 50, 3, 0)]);

    let res = post(&app, &hook.url, json!({"message": "one too many"})).await;
    assert_eq!(rate(&res), Some((3, 50, 3, 0)));
    let retry: u64 = header(&res, "retry-after").unwrap().parse().unwrap();
    assert!((1..=1200).contains(&retry), "{retry}");
    let (status, error, _) = error_of(res).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded")
    );
    // Refused before the body is read: a bad body is still a 429.
    let res = post(&app, &hook.url, json!({})).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    let res = post(&app, &neighbour.url, json!({"message": "neighbour"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rate(&res), Some((3, 50, 1, 2)));
    assert_eq!(latest_messages(&app, &owner, &chat).await.len(), 4);
}

#[tokio::test]
async fn hooks_report_the_day_when_it_runs_out_first() {
    let app = TestApp::spawn_with(|c| {
        c.hook_rate_per_hour = 10;
        c.hook_rate_per_day = 2;
    })
    .await;
    let (_, _, _, hook) = arrange(&app, "acme").await;
    let first = post(&app, &hook.url, json!({"message": "a"})).await;
    assert_eq!(rate(&first), Some((10, 2, 1, 1)));
    let second = post(&app, &hook.url, json!({"message": "b"})).await;
    assert_eq!(rate(&second), Some((10, 2, 2, 0)));
    let third = post(&app, &hook.url, json!({"message": "c"})).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rate(&third), Some((10, 2, 2, 0)));
    let retry: u64 = header(&third, "retry-after").unwrap().parse().unwrap();
    assert!(retry > 3600, "the day refills slowly: {retry}");
}

#[tokio::test]
async fn hooks_replay_a_request_with_the_same_idempotency_key() {
    let app = TestApp::spawn().await;
    let (owner, chat, _, hook) = arrange(&app, "acme").await;
    let send = |key: &'static str, message: &'static str| {
        app.http()
            .post(&hook.url)
            .header("Idempotency-Key", key)
            .json(&json!({ "message": message }))
            .send()
    };

    let first = send("deploy-42", "Deployed build 42").await.unwrap();
    let again = send("deploy-42", "Deployed build 42").await.unwrap();

    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.text().await.unwrap(), "ok");
    assert_eq!(latest_messages(&app, &owner, &chat).await.len(), 1);
    let reused = send("deploy-42", "Something else").await.unwrap();
    let (status, error, message) = error_of(reused).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    assert!(message.contains("idempotencyKey"), "{message}");
    assert_eq!(latest_messages(&app, &owner, &chat).await.len(), 1);
}

/// A log sink for the request traces of this test's thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn hooks_secrets_stay_out_of_the_request_logs() {
    // The test runtime is single-threaded: the server's tasks log on this thread.
    let sink = Captured::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::spawn().await;
    let (_, _, _, hook) = arrange(&app, "acme").await;

    let ok = post(&app, &hook.url, json!({"message": "logged?"})).await;
    let wrong = post(
        &app,
        &format!(
            "{}/hooks/{}/{}/message",
            app.base,
            hook.public_id,
            "cd".repeat(32)
        ),
        json!({"message": "wrong"}),
    )
    .await;

    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains(&format!("/hooks/{}/[redacted]/message", hook.public_id)),
        "the request trace names the hook: {logs}"
    );
    assert!(!logs.contains(&hook.secret), "the secret was logged");
    assert!(
        !logs.contains(&"cd".repeat(32)),
        "a presented secret was logged"
    );
}
