//! `/api/messages` rows 1–5 and 7–9: messages and their reactions.

use resolvers::people::Role;
use serde_json::{Value, json};

use super::{Wag, key_for, spawn};

#[tokio::test]
async fn wag_messages_send_list_edit_delete_and_react() {
    let app = spawn().await;
    let owner = app.workspace("acme").await;
    let bea = app.user("acme", "bea@acme.test", Role::Member).await;
    app.workspace("globex").await;
    let a = Wag::key(&app, &key_for(&app, "owner@acme.test", None).await);
    let b = Wag::key(&app, &key_for(&app, "bea@acme.test", None).await);
    let g = Wag::key(&app, &key_for(&app, "owner@globex.test", None).await);
    let channel = a
        .post("/api/channels", json!({"name": "general"}))
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();

    // #1 send: members only (public channels: read without joining, write after).
    b.post(
        "/api/messages",
        json!({"channelId": channel, "content": "hi"}),
    )
    .await
    .err(403, "FORBIDDEN");
    let first = a
        .post(
            "/api/messages",
            json!({"channelId": channel, "content": "hello"}),
        )
        .await;
    let first = first.ok(201).clone();
    assert_eq!(first["channelId"], channel);
    assert_eq!(first["parentId"], Value::Null);
    assert_eq!(first["author"]["id"], owner.id);
    assert_eq!(first["author"]["isBot"], false);
    assert_eq!(first["content"], "hello");
    assert_eq!(first["attachments"], json!([]));
    assert_eq!(first["reactions"], json!([]));
    assert_eq!(first["replyCount"], 0);
    assert_eq!(first["pinned"], false);
    assert_eq!(first["taskIds"], json!([]));
    assert_eq!(first["editedAt"], Value::Null);
    let id = first["id"].as_i64().unwrap();
    let second = a
        .post(
            "/api/messages",
            json!({"channelId": channel, "content": "again"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let bad = a.post("/api/messages", json!({})).await;
    bad.err(400, "VALIDATION_ERROR");
    assert_eq!(bad.fields(), ["channelId", "content"]);

    // #2 list, newest first, paged.
    let page = b
        .get(&format!("/api/messages?channelId={channel}&limit=1"))
        .await;
    assert_eq!(page.ok(200)[0]["id"], second);
    assert_eq!(page.body["pagination"]["hasMore"], true);
    let cursor = page.body["pagination"]["nextCursor"].as_str().unwrap();
    let next = b
        .get(&format!(
            "/api/messages?channelId={channel}&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(next.ok(200)[0]["id"], id);
    let missing = b.get("/api/messages").await;
    missing.err(400, "VALIDATION_ERROR");
    assert_eq!(missing.fields(), ["channelId"]);

    // #3 show; #4 edit (the author only).
    assert_eq!(
        b.get(&format!("/api/messages/{id}")).await.ok(200)["content"],
        "hello"
    );
    b.call(
        reqwest::Method::PATCH,
        &format!("/api/messages/{id}"),
        Some(json!({"content": "mine"})),
    )
    .await
    .err(403, "FORBIDDEN");
    let edited = a
        .patch(&format!("/api/messages/{id}"), json!({"content": "edited"}))
        .await;
    let edited = edited.ok(200);
    assert_eq!(edited["content"], "edited");
    assert!(edited["editedAt"].is_string());

    // #8 react (again: a no-op, 200); #7 list with users; #9 remove one's own.
    let reacted = b
        .post(
            &format!("/api/messages/{id}/reactions"),
            json!({"emoji": "👍"}),
        )
        .await;
    assert_eq!(
        reacted.ok(201),
        &json!([{"emoji": "👍", "count": 1, "reacted": true, "users": [{"id": bea.id, "name": "Bea Tester"}]}])
    );
    let again = b
        .post(
            &format!("/api/messages/{id}/reactions"),
            json!({"emoji": "👍"}),
        )
        .await;
    again.ok(200);
    let seen = a.get(&format!("/api/messages/{id}/reactions")).await;
    assert_eq!(seen.ok(200)[0]["reacted"], false);
    assert_eq!(seen.ok(200)[0]["users"][0]["id"], bea.id);
    assert_eq!(
        a.get(&format!("/api/messages/{id}")).await.ok(200)["reactions"],
        json!([{"emoji": "👍", "count": 1, "reacted": false}])
    );
    let removed = b
        .delete(&format!("/api/messages/{id}/reactions/%F0%9F%91%8D"))
        .await;
    assert_eq!(removed.ok(200), &json!([]));

    // Another organisation sees nothing: the same 404 as a missing id.
    let foreign = g.get(&format!("/api/messages/{id}")).await;
    let absent = g.get(&format!("/api/messages/{}", id + 100_000)).await;
    foreign.err(404, "NOT_FOUND");
    assert_eq!(foreign.body, absent.body);
    g.get(&format!("/api/messages?channelId={channel}"))
        .await
        .err(404, "NOT_FOUND");

    // Scopes: a key without `messages:*` is refused.
    let narrow = Wag::key(
        &app,
        &key_for(&app, "owner@acme.test", Some(&["channels:read"])).await,
    );
    narrow
        .get(&format!("/api/messages?channelId={channel}"))
        .await
        .err(403, "FORBIDDEN");

    // #5 delete: the author or admins.
    b.delete(&format!("/api/messages/{id}"))
        .await
        .err(403, "FORBIDDEN");
    assert_eq!(
        *a.delete(&format!("/api/messages/{id}")).await.ok(200),
        Value::Null
    );
    b.get(&format!("/api/messages/{id}"))
        .await
        .err(404, "NOT_FOUND");
}
