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
    // `total` counts every match, not the page.
    assert_eq!(body["meta"]["total"], 3);
    for limit in [1, 3, 50] {
        let res = p
            .get(&format!("/search/messages?query=deploy&limit={limit}"))
            .await;
        assert_eq!(res.expect(200)["meta"]["total"], 3, "limit {limit}");
    }
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

    // Filters apply before paging: full pages and exact totals.
    let other_chat = p
        .post("/chats", json!({"chat": {"name": "Deployment two"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    for i in 0..3 {
        Pachca::new(&app, &member.token)
            .post(
                "/messages",
                json!({"message": {"entity_id": chat, "content": format!("deploy by member {i}")}}),
            )
            .await
            .expect(201);
    }
    let by_member = p
        .get(&format!(
            "/search/messages?query=deploy&limit=2&user_ids[]={}",
            member.id
        ))
        .await;
    let body = by_member.expect(200);
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert_eq!(body["meta"]["total"], 3);
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["user_id"] == member.id)
    );
    let in_other = p
        .get(&format!(
            "/search/messages?query=deploy&chat_ids[]={other_chat}"
        ))
        .await;
    assert_eq!(in_other.expect(200)["meta"]["total"], 0);
    p.put_empty(&format!("/chats/{other_chat}/archive"))
        .await
        .expect(204);
    let active = p
        .get("/search/chats?query=deployment&active=true&limit=1")
        .await;
    assert_eq!(active.expect(200)["data"][0]["id"], chat);
    assert_eq!(active.body["meta"]["total"], 1);
    let archived = p.get("/search/chats?query=deployment&active=false").await;
    assert_eq!(archived.expect(200)["data"][0]["id"], other_chat);
    let personal = p.get("/search/chats?query=deployment&personal=true").await;
    assert_eq!(personal.expect(200)["meta"]["total"], 0);
    let admins = p
        .get("/search/users?query=owner&company_roles[]=admin")
        .await;
    assert_eq!(admins.expect(200)["data"][0]["id"], owner.id);
    p.get("/search/users?query=x&company_roles[]=king")
        .await
        .expect_error(422, "inclusion");

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

    // Filters apply before paging: a rare key among many events still fills its page,
    // and the cursor walks on from the last row read.
    for i in 0..30 {
        p.post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": format!("noise {i}")}}),
        )
        .await
        .expect(201);
    }
    p.put(
        &format!("/chats/{chat}"),
        json!({"chat": {"name": "Renamed"}}),
    )
    .await
    .expect(200);
    let renamed = p.get("/audit_events?event_key=chat_renamed&limit=1").await;
    let events = renamed.expect(200)["data"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{:#}", renamed.body);
    assert_eq!(events[0]["details"]["new_name"], "Renamed");
    assert_eq!(events[0]["entity_id"], chat.to_string());
    let first = p
        .get("/audit_events?event_key=message_created&limit=20")
        .await;
    assert_eq!(first.expect(200)["data"].as_array().unwrap().len(), 20);
    let next = first.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap();
    let rest = p
        .get(&format!(
            "/audit_events?event_key=message_created&limit=20&cursor={next}"
        ))
        .await;
    assert_eq!(rest.expect(200)["data"].as_array().unwrap().len(), 11);
    let by_entity = p
        .get(&format!(
            "/audit_events?entity_type=Chat&entity_id={chat}&event_key=chat_created"
        ))
        .await;
    assert_eq!(by_entity.expect(200)["data"].as_array().unwrap().len(), 1);
    let unknown = p.get("/audit_events?event_key=no_such_key").await;
    assert_eq!(unknown.expect(200)["data"], json!([]));
    assert_paginate(&unknown.body);
    let res = Pachca::new(&app, &member.token).get("/audit_events").await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");
    p.get("/audit_events?start_time=nope")
        .await
        .expect_error(400, "invalid");
}
