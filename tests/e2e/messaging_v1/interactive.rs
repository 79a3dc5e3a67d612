//! Interactive messages (§6.1, §6.2): actions stored as the message's buttons, a
//! response from GraphQL delivered through the durable outbox to a real receiver with
//! the v1 headers and body, signed with the workspace's callback secret.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use resolvers::people::Role;
use serde_json::{Value, json};
use sha2::Sha256;

use super::{V1, setup};
use crate::util::{TestApp, gid, rid};

type Got = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receive(State(got): State<Got>, headers: HeaderMap, body: Bytes) -> axum::Json<Value> {
    got.lock().unwrap().push((headers, body));
    axum::Json(json!({"success": true, "message": "Deployment initiated"}))
}

/// A receiver on loopback: its URL and what it got.
async fn receiver() -> (String, Got) {
    let got = Got::default();
    let router = axum::Router::new()
        .route("/callback", axum::routing::post(receive))
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/callback"), got)
}

async fn wait_for(got: &Got, n: usize) -> Vec<(HeaderMap, Bytes)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let now = got.lock().unwrap().clone();
        if now.len() >= n {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} callbacks",
            now.len()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

const RESPOND: &str = "mutation($m: ID!, $a: String!, $c: String) { respondToMessageAction(messageId: $m, actionId: $a, comment: $c) { data } }";

#[tokio::test]
async fn v1_interactive_message_actions_and_the_signed_callback() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let (owner, token) = setup(&app, "acme").await;
    let jane = app.user("acme", "jane@acme.test", Role::Member).await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app
        .create_chat(&owner, "deploys", true, &[&jane, &bob])
        .await;
    let secret = app
        .gql_ok(
            &owner.token,
            "mutation { rotateCallbackSigningSecret }",
            json!({}),
        )
        .await["rotateCallbackSigningSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (url, got) = receiver().await;
    let v1 = V1::new(&app, &token);
    let res = v1
        .post(
            "/messages",
            json!({
                "channelId": format!("channel_{}", rid(&chat)),
                "content": "🚀 **Deployment Request**",
                "messageType": "interactive",
                "actions": [
                    {"actionId": "approve", "label": "Approve Deployment", "style": "primary", "value": "approved"},
                    {"actionId": "reject", "label": "Reject", "style": "danger"}
                ],
                "callbackUrl": url,
                "metadata": {"deploymentId": "deploy_789", "environment": "production"}
            }),
        )
        .await;
    let m = &res.expect(201)["message"];
    assert_eq!(m["messageType"], "interactive");
    assert_eq!(
        m["metadata"],
        json!({"deploymentId": "deploy_789", "environment": "production", "callbackUrl": url})
    );
    let actions = m["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2);
    assert!(actions[0]["id"].as_str().unwrap().starts_with("action_"));
    assert_ne!(actions[0]["id"], actions[1]["id"]);
    assert_eq!(actions[0]["actionId"], "approve");
    assert_eq!(actions[0]["label"], "Approve Deployment");
    assert_eq!(actions[0]["style"], "primary");
    assert_eq!(actions[0]["value"], "approved");
    assert_eq!(
        (actions[0]["disabled"].clone(), actions[0]["order"].clone()),
        (json!(false), json!(0))
    );
    assert_eq!(
        (actions[1]["value"].clone(), actions[1]["order"].clone()),
        (json!(null), json!(1))
    );
    let msg_n: i64 = m["id"]
        .as_str()
        .unwrap()
        .trim_start_matches("msg_")
        .parse()
        .unwrap();
    let message = gid(schema::ids::Kind::Message, msg_n);

    // Jane responds with a comment; the callback arrives, signed over its raw bytes.
    app.gql_ok(
        &jane.token,
        RESPOND,
        json!({"m": message, "a": "approve", "c": "LGTM! Deploying now."}),
    )
    .await;
    let (headers, body) = wait_for(&got, 1).await.remove(0);
    assert_eq!(headers["x-webhook-event"], "message.action_response");
    assert_eq!(headers["content-type"], "application/json");
    let delivery_id = headers["x-webhook-id"].to_str().unwrap().to_owned();
    assert!(!delivery_id.is_empty());
    assert_eq!(
        headers["x-webhook-signature"].to_str().unwrap(),
        sign(&secret, &body)
    );
    assert_ne!(
        headers["x-webhook-signature"].to_str().unwrap(),
        sign("wrong", &body)
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    // Compact JSON: re-stringifying the parsed body gives the same bytes.
    assert_eq!(serde_json::to_vec(&v).unwrap(), body.to_vec());
    assert_eq!(v["event"], "message.action_response");
    assert_eq!(
        v["workspace"],
        json!({"id": format!("workspace_{}", owner.workspace_id), "name": "acme"})
    );
    assert_eq!(
        v["message"],
        json!({"id": format!("msg_{msg_n}"), "content": "🚀 **Deployment Request**", "channelId": format!("channel_{}", rid(&chat))})
    );
    assert_eq!(
        v["action"],
        json!({"id": "approve", "label": "Approve Deployment"})
    );
    let r = &v["response"];
    assert_eq!(r["userId"], format!("user_{}", jane.id));
    assert_eq!(r["userName"], "Jane Tester");
    assert_eq!(r["userEmail"], "jane@acme.test");
    assert_eq!(r["actionValue"], "approved");
    assert_eq!(r["comment"], "LGTM! Deploying now.");
    assert_eq!(
        r["metadata"],
        json!({"deploymentId": "deploy_789", "environment": "production"})
    );
    for t in [&v["timestamp"], &r["respondedAt"]] {
        let t = t.as_str().unwrap();
        assert!(t.ends_with('Z') && t.len() == 20, "{t}");
    }

    // Once per person per message.
    let (code, _) = app
        .gql_err(&jane.token, RESPOND, json!({"m": message, "a": "reject"}))
        .await;
    assert_eq!(code, "CONFLICT");
    // Disabled actions refuse clicks; an action without a value sends its actionId.
    app.gql_ok(
        &owner.token,
        "mutation($m: ID!) { setMessageActionsDisabled(messageId: $m, actionIds: [\"approve\"], disabled: true) { id } }",
        json!({"m": message}),
    )
    .await;
    let (code, _) = app
        .gql_err(&bob.token, RESPOND, json!({"m": message, "a": "approve"}))
        .await;
    assert_eq!(code, "CONFLICT");
    app.gql_ok(&bob.token, RESPOND, json!({"m": message, "a": "reject"}))
        .await;
    let all = wait_for(&got, 2).await;
    let (h2, b2) = &all[1];
    let v2: Value = serde_json::from_slice(b2).unwrap();
    assert_eq!(v2["response"]["actionValue"], "reject");
    assert_eq!(v2["response"]["comment"], json!(null));
    assert_ne!(h2["x-webhook-id"], headers["x-webhook-id"]);
    // Rotating the secret signs later deliveries with the new one.
    let rotated = app
        .gql_ok(
            &owner.token,
            "mutation { rotateCallbackSigningSecret }",
            json!({}),
        )
        .await["rotateCallbackSigningSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rotated, secret);
    app.gql_ok(&owner.token, RESPOND, json!({"m": message, "a": "reject"}))
        .await;
    let all = wait_for(&got, 3).await;
    let (h3, b3) = &all[2];
    assert_eq!(
        h3["x-webhook-signature"].to_str().unwrap(),
        sign(&rotated, b3)
    );
}

#[tokio::test]
async fn v1_interactive_messages_are_validated() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let chat = format!(
        "channel_{}",
        rid(&app.create_chat(&owner, "c", true, &[]).await)
    );
    let v1 = V1::new(&app, &token);
    let action = |id: &str| json!({"actionId": id, "label": id});
    let base = |actions: Value, url: Option<&str>| {
        let mut b = json!({"channelId": chat, "content": "x", "messageType": "interactive", "actions": actions});
        if let Some(u) = url {
            b["callbackUrl"] = json!(u);
        }
        b
    };
    let cases = [
        (
            base(
                json!((0..6).map(|i| action(&i.to_string())).collect::<Vec<_>>()),
                Some("https://example.com/cb"),
            ),
            "actions",
        ),
        (base(json!([action("a")]), None), "callbackUrl"),
        (
            base(
                json!([{"actionId": "a", "label": "A", "style": "loud"}]),
                Some("https://example.com/cb"),
            ),
            "actions[0].style",
        ),
        (
            base(
                json!([action("a"), action("a")]),
                Some("https://example.com/cb"),
            ),
            "actions[1].actionId",
        ),
        (
            base(json!([{"label": "A"}]), Some("https://example.com/cb")),
            "actions[0].actionId",
        ),
        (
            base(json!([action("a")]), Some("http://10.0.0.1/cb")),
            "callbackUrl",
        ),
        (
            json!({"channelId": chat, "content": "x", "actions": [action("a")]}),
            "actions",
        ),
    ];
    for (body, field) in cases {
        let res = v1.post("/messages", body).await;
        res.expect_error(400, "INVALID_REQUEST_BODY");
        assert_eq!(res.detail_fields(), [field], "{}", res.body);
    }
    let data = app
        .gql_ok(
            &owner.token,
            "{ events(types: [\"message_added\"]) { nodes { seq } } }",
            json!({}),
        )
        .await;
    assert!(data["events"]["nodes"].as_array().unwrap().is_empty());
}
