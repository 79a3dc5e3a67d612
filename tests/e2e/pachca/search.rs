//! Search through the façade: envelopes, end-of-results cursors, audit events.

use resolvers::people::Role;
use serde_json::json;

use super::{Pachca, assert_paginate};
use crate::util::TestApp;

#[tokio::test]
async fn searches_end_with_an_empty_page_not_a_null_cursor() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "finder@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "Deployment room", "member_ids": [member.id]}}),
        )
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    for i in 0..3 {
        p.post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": format!("deploy number {i}")}}),
        )
        .await
        .expect(201);
    }

    let page = p.get("/search/messages?query=deploy&limit=2").await;
    let body = page.expect(200);
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert!(body["meta"]["total"].is_i64());
    let mut cursor = body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut seen = 2;
    for _ in 0..5 {
        let res = p
            .get(&format!(
                "/search/messages?query=deploy&limit=2&cursor={cursor}"
            ))
            .await;
        let n = res.body["data"].as_array().unwrap().len();
        if n == 0 {
            break;
        }
        seen += n;
        cursor = res.body["meta"]["paginate"]["next_page"]
            .as_str()
            .expect("never null")
            .to_owned();
    }
    assert_eq!(seen, 3);

    let chats = p.get("/search/chats?query=deploy").await;
    assert_eq!(chats.expect(200)["data"][0]["id"], chat);
    assert!(chats.body["meta"]["paginate"]["next_page"].is_string());
    let users = p
        .get("/search/users?query=finder&company_roles[]=user")
        .await;
    assert_eq!(users.expect(200)["data"][0]["id"], member.id);
    let none = p
        .get("/search/users?query=finder&company_roles[]=admin")
        .await;
    assert_eq!(none.body["data"], json!([]));

    p.get("/search/messages").await.expect_error(400, "invalid");
    p.get("/search/messages?query=deploy&limit=201")
        .await
        .expect_error(400, "invalid");
    p.get("/search/chats?query=deploy&limit=101")
        .await
        .expect_error(400, "invalid");
    // Another workspace finds nothing of ours.
    let other = app.workspace("other").await;
    let theirs = Pachca::new(&app, &other.token)
        .get("/search/messages?query=deploy")
        .await;
    assert_eq!(theirs.expect(200)["data"], json!([]));
}

#[tokio::test]
async fn audit_events_for_the_owner_only() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Audited"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    p.post(
        "/messages",
        json!({"message": {"entity_id": chat, "content": "hi"}}),
    )
    .await
    .expect(201);
    let res = p.get("/audit_events?event_key=message_created").await;
    assert_paginate(res.expect(200));
    let events = res.body["data"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_key"], "message_created");
    assert_eq!(events[0]["actor_id"], owner.id.to_string());
    assert!(events[0]["id"].is_string());
    let all = p.get("/audit_events?limit=1").await;
    assert_eq!(all.body["meta"]["paginate"]["has_next"], true);
    let res = Pachca::new(&app, &member.token).get("/audit_events").await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");
    p.get("/audit_events?start_time=nope")
        .await
        .expect_error(400, "invalid");
}
