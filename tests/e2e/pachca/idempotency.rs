//! `Idempotency-Key` on the façade's creating requests: replayed for a retry, refused
//! with another request, released by a failure, exactly one resource under concurrency,
//! scoped to the caller.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Pachca, Res, ids};
use crate::util::TestApp;

async fn post_keyed(p: &Pachca<'_>, path: &str, body: Value, key: &str) -> Res {
    p.call_with(Method::POST, path, Some(body), &[("idempotency-key", key)])
        .await
}

fn replayed(res: &Res) -> bool {
    res.headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn room(p: &Pachca<'_>) -> i64 {
    p.post("/chats", json!({"chat": {"name": "Room"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap()
}

async fn messages_in(p: &Pachca<'_>, chat: i64) -> Vec<i64> {
    ids(p
        .get(&format!("/messages?chat_id={chat}&per=50"))
        .await
        .expect(200))
}

#[tokio::test]
async fn pachca_fifty_concurrent_posts_with_one_key_create_one_message() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&p).await;
    let body = json!({"message": {"entity_id": chat, "content": "exactly once"}});

    let answers = futures::future::join_all(
        (0..50).map(|_| post_keyed(&p, "/messages", body.clone(), "send-once-1")),
    )
    .await;
    let first_id = answers[0].expect(201)["data"]["id"].as_i64().unwrap();
    for res in &answers {
        assert_eq!(
            res.expect(201)["data"]["id"],
            first_id,
            "every answer is the one message"
        );
    }
    assert_eq!(
        answers.iter().filter(|r| !replayed(r)).count(),
        1,
        "one request ran"
    );
    assert_eq!(messages_in(&p, chat).await, vec![first_id]);

    // A later retry is replayed with the first answer, byte for byte.
    let again = post_keyed(&p, "/messages", body, "send-once-1").await;
    assert!(replayed(&again));
    assert_eq!(again.body, answers[0].body);
    assert_eq!(messages_in(&p, chat).await, vec![first_id]);
}

#[tokio::test]
async fn pachca_a_key_with_another_request_is_refused_and_a_failure_releases_it() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&p).await;

    let sent = post_keyed(
        &p,
        "/messages",
        json!({"message": {"entity_id": chat, "content": "one"}}),
        "k-1",
    )
    .await;
    sent.expect(201);
    // Same key, another body: a clear error naming the key; nothing is created.
    let other = post_keyed(
        &p,
        "/messages",
        json!({"message": {"entity_id": chat, "content": "two"}}),
        "k-1",
    )
    .await;
    other.expect_error(422, "invalid");
    assert_eq!(other.body["errors"][0]["key"], "idempotency_key");
    // Same key on another route: another request, refused as well.
    let elsewhere = post_keyed(&p, "/chats", json!({"chat": {"name": "Other"}}), "k-1").await;
    elsewhere.expect_error(422, "invalid");
    assert_eq!(messages_in(&p, chat).await.len(), 1);

    // A request that fails stores nothing: the retry, corrected, runs.
    let failed = post_keyed(
        &p,
        "/messages",
        json!({"message": {"entity_id": chat + 1000, "content": "lost"}}),
        "k-2",
    )
    .await;
    assert_eq!(failed.status, 404, "body: {:#}", failed.body);
    assert!(!replayed(&failed));
    let fixed = post_keyed(
        &p,
        "/messages",
        json!({"message": {"entity_id": chat, "content": "found"}}),
        "k-2",
    )
    .await;
    fixed.expect(201);
    assert!(!replayed(&fixed));
    assert_eq!(messages_in(&p, chat).await.len(), 2);

    // An empty or overlong key is bad input.
    let long = "x".repeat(256);
    let bad = post_keyed(&p, "/chats", json!({"chat": {"name": "Long"}}), &long).await;
    bad.expect_error(422, "invalid");
    assert_eq!(bad.body["errors"][0]["key"], "idempotency_key");
}

#[tokio::test]
async fn pachca_idempotency_keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let acme = app.workspace("acme").await;
    let globex = app.workspace("globex").await;
    let a = Pachca::new(&app, &acme.token);
    let g = Pachca::new(&app, &globex.token);
    let body = json!({"chat": {"name": "Shared name"}});
    let first = post_keyed(&a, "/chats", body.clone(), "same-key").await;
    let second = post_keyed(&g, "/chats", body, "same-key").await;
    let (first, second) = (first.expect(201), second.expect(201));
    assert_ne!(
        first["data"]["id"], second["data"]["id"],
        "two workspaces, two chats"
    );
    // Without a credential the key changes nothing: the 401 is the handler's own.
    let anonymous = app
        .http()
        .post(a.url("/chats"))
        .header("idempotency-key", "same-key")
        .json(&json!({"chat": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
