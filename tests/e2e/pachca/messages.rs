//! Messages, pins, reactions, readers and unread marks through the façade.

use resolvers::people::Role;
use serde_json::json;

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

async fn room(app: &TestApp, p: &Pachca<'_>, members: &[i64]) -> i64 {
    let _ = app;
    p.post(
        "/chats",
        json!({"chat": {"name": "Room", "member_ids": members}}),
    )
    .await
    .body["data"]["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn send_read_edit_delete_a_message() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&app, &p, &[member.id]).await;

    // The SDK's request shape, with explicit defaults.
    let res = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "entity_type": "discussion", "content": "Hello!",
                   "skip_invite_mentions": false,
                   "buttons": [[{"text": "Open", "url": "https://example.com"}]]},
                   "link_preview": false}),
        )
        .await;
    let m = res.expect(201)["data"].clone();
    for key in [
        "id",
        "entity_type",
        "entity_id",
        "chat_id",
        "root_chat_id",
        "content",
        "user_id",
        "created_at",
        "url",
        "files",
        "buttons",
        "thread",
        "forwarding",
        "parent_message_id",
        "changed_at",
        "deleted_at",
        "voice_content",
    ] {
        assert!(m.get(key).is_some(), "missing {key}");
    }
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["entity_type"], "discussion");
    assert_eq!(m["root_chat_id"], chat);
    assert_eq!(m["url"], format!("{}/chats/{chat}?message={id}", app.base));
    assert_eq!(m["buttons"][0][0]["text"], "Open");
    assert_eq!(m["files"], json!([]));

    let reply = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "re", "parent_message_id": id}}),
        )
        .await;
    assert_eq!(reply.expect(201)["data"]["parent_message_id"], id);

    let got = p.get(&format!("/messages/{id}")).await;
    assert_eq!(got.expect(200)["data"]["content"], "Hello!");
    let edited = p
        .put(
            &format!("/messages/{id}"),
            json!({"message": {"content": "Hi!"}}),
        )
        .await;
    let edited = &edited.expect(200)["data"];
    assert_eq!(edited["content"], "Hi!");
    assert!(edited["changed_at"].is_string());
    Pachca::new(&app, &member.token)
        .put(
            &format!("/messages/{id}"),
            json!({"message": {"content": "hijack"}}),
        )
        .await
        .expect_forbidden();

    p.post(
        "/messages",
        json!({"message": {"entity_id": chat, "content": ""}}),
    )
    .await
    .expect_error(422, "blank");
    p.post("/messages", json!({"message": {"entity_id": chat}}))
        .await
        .expect_error(400, "invalid");
    p.post(
        "/messages",
        json!({"message": {"entity_id": chat, "content": "x", "entity_type": "planet"}}),
    )
    .await
    .expect_error(422, "inclusion");
    p.post(
        "/messages",
        json!({"message": {"entity_id": 999999, "content": "x"}}),
    )
    .await
    .expect_error(404, "not_found");

    assert_eq!(p.delete(&format!("/messages/{id}")).await.status, 204);
    p.get(&format!("/messages/{id}"))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn direct_messages_by_user_id() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let res = p
        .post(
            "/messages",
            json!({"message": {"entity_type": "user", "entity_id": member.id, "content": "psst"}}),
        )
        .await;
    let m = &res.expect(201)["data"];
    assert_eq!(m["entity_type"], "user");
    assert_eq!(m["entity_id"], member.id);
    let chat = m["chat_id"].as_i64().unwrap();
    assert_eq!(
        p.get(&format!("/chats/{chat}")).await.body["data"]["personal"],
        true
    );
    p.post(
        "/messages",
        json!({"message": {"entity_type": "user", "entity_id": other.id, "content": "x"}}),
    )
    .await
    .expect_error(404, "not_found");
}

#[tokio::test]
async fn message_list_orders_and_polls() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&app, &p, &[]).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let r = p
            .post(
                "/messages",
                json!({"message": {"entity_id": chat, "content": format!("m{i}")}}),
            )
            .await;
        sent.push(r.body["data"]["id"].as_i64().unwrap());
    }
    let first = p.get(&format!("/messages?chat_id={chat}&limit=2")).await;
    assert_paginate(first.expect(200));
    assert_eq!(ids(&first.body), vec![sent[4], sent[3]]);
    let next = first.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = p
        .get(&format!("/messages?chat_id={chat}&limit=2&cursor={next}"))
        .await;
    assert_eq!(ids(&second.body), vec![sent[2], sent[1]]);
    let asc = p
        .get(&format!("/messages?chat_id={chat}&order=asc&sort=id"))
        .await;
    assert_eq!(ids(&asc.body), sent);

    // prev_page of the first page polls for newer messages.
    let prev = first.body["meta"]["paginate"]["prev_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let nothing = p
        .get(&format!("/messages?chat_id={chat}&cursor={prev}"))
        .await;
    assert_eq!(nothing.body["data"], json!([]));
    assert_paginate(&nothing.body);
    let newer = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "new"}}),
        )
        .await;
    let newer = newer.body["data"]["id"].as_i64().unwrap();
    assert_eq!(
        ids(&p
            .get(&format!("/messages?chat_id={chat}&cursor={prev}"))
            .await
            .body),
        vec![newer]
    );

    p.get("/messages").await.expect_error(400, "invalid");
    p.get(&format!("/messages?chat_id={chat}&order=up"))
        .await
        .expect_error(400, "invalid");
    Pachca::new(&app, &other.token)
        .get(&format!("/messages?chat_id={chat}"))
        .await
        .expect_error(404, "not_found");
    Pachca::new(&app, &other.token)
        .get(&format!("/messages/{}", sent[0]))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn pins_readers_and_unread() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&app, &p, &[member.id]).await;
    let id = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "pin me"}}),
        )
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();

    let res = app
        .http()
        .post(format!("{}/api/shared/v1/messages/{id}/pin", app.base))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    p.post_empty(&format!("/messages/{id}/pin"))
        .await
        .expect_error(409, "already_exists");
    assert_eq!(p.delete(&format!("/messages/{id}/pin")).await.status, 204);

    let none = p.get(&format!("/messages/{id}/read_member_ids")).await;
    assert_paginate(none.expect(200));
    assert_eq!(none.body["data"], json!([]));
    // The member reads it (marking through GraphQL's markRead equivalent: sending advances).
    let m = Pachca::new(&app, &member.token);
    m.post(
        "/messages",
        json!({"message": {"entity_id": chat, "content": "seen"}}),
    )
    .await
    .expect(201);
    let readers = p
        .get(&format!("/messages/{id}/read_member_ids?limit=300"))
        .await;
    assert_eq!(readers.body["data"], json!([member.id]));
    p.get(&format!("/messages/{id}/read_member_ids?limit=301"))
        .await
        .expect_error(400, "invalid");

    // Unread from that message on: the member no longer counts as a reader.
    let res = m
        .put(&format!("/chats/{chat}/unread"), json!({"message_id": id}))
        .await;
    assert_eq!(res.status, 204, "{:#}", res.body);
    assert_eq!(
        p.get(&format!("/messages/{id}/read_member_ids")).await.body["data"],
        json!([])
    );
    assert_eq!(
        m.put_empty(&format!("/chats/{chat}/unread")).await.status,
        204
    );
    m.put(
        &format!("/chats/{chat}/unread"),
        json!({"message_id": 999999}),
    )
    .await
    .expect_error(422, "invalid");
}

#[tokio::test]
async fn reactions_add_list_remove_and_limits() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = room(&app, &p, &[]).await;
    let id = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "react"}}),
        )
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/messages/{id}/reactions");
    let r = p.post(&path, json!({"code": "👍", "name": ":+1:"})).await;
    let r = r.expect(201);
    assert_eq!(r["code"], "👍");
    assert_eq!(r["user_id"], owner.id);
    assert!(r.get("data").is_none(), "a bare Reaction");
    let list = p.get(&path).await;
    assert_paginate(list.expect(200));
    assert_eq!(list.body["data"][0]["code"], "👍");
    assert!(list.body["data"][0]["name"].is_string());

    p.post(&path, json!({"code": ""}))
        .await
        .expect_error(422, "wrong_emoji");
    p.post(&path, json!({})).await.expect_error(400, "invalid");
    for i in 0..19 {
        p.post(&path, json!({"code": format!("e{i}")}))
            .await
            .expect(201);
    }
    p.post(&path, json!({"code": "one-too-many"}))
        .await
        .expect_error(422, "user_limit");

    assert_eq!(
        p.delete(&format!("{path}?code=%F0%9F%91%8D")).await.status,
        204
    );
    p.delete(&path).await.expect_error(400, "invalid");
    Pachca::new(&app, &other.token)
        .get(&path)
        .await
        .expect_error(404, "not_found");
}
