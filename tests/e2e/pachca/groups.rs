//! Group tags, and their sync into the chats they are linked to.

use resolvers::people::Role;
use serde_json::json;

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

#[tokio::test]
async fn group_tags_crud_list_and_users() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);

    let tag = p
        .post("/group_tags", json!({"group_tag": {"name": "Design"}}))
        .await;
    let tag = tag.expect(201)["data"].clone();
    assert_eq!(tag["users_count"], 0);
    let id = tag["id"].as_i64().unwrap();
    p.post("/group_tags", json!({"group_tag": {"name": "Design"}}))
        .await
        .expect_error(409, "already_exists");
    p.post("/group_tags", json!({"group_tag": {"name": " "}}))
        .await
        .expect_error(422, "blank");
    p.post("/group_tags", json!({"group_tag": {}}))
        .await
        .expect_error(400, "invalid");
    p.post("/group_tags", json!({"group_tag": {"name": "Ops"}}))
        .await
        .expect(201);

    let renamed = p
        .put(
            &format!("/group_tags/{id}"),
            json!({"group_tag": {"name": "UX"}}),
        )
        .await;
    assert_eq!(renamed.expect(200)["data"]["name"], "UX");
    let filtered = p.get("/group_tags?names[]=UX&names[]=Nope").await;
    assert_paginate(filtered.expect(200));
    assert_eq!(ids(&filtered.body), vec![id]);

    // A member joins the tag through the user update.
    p.put(
        &format!("/users/{}", member.id),
        json!({"user": {"list_tags": ["UX"]}}),
    )
    .await
    .expect(200);
    let users = p.get(&format!("/group_tags/{id}/users")).await;
    assert_eq!(ids(users.expect(200)), vec![member.id]);
    assert_eq!(
        p.get(&format!("/group_tags/{id}")).await.body["data"]["users_count"],
        1
    );

    let m = Pachca::new(&app, &member.token);
    assert_eq!(
        m.post("/group_tags", json!({"group_tag": {"name": "X"}}))
            .await
            .status,
        403
    );
    Pachca::new(&app, &other.token)
        .get(&format!("/group_tags/{id}"))
        .await
        .expect_error(404, "not_found");

    assert_eq!(p.delete(&format!("/group_tags/{id}")).await.status, 204);
    p.get(&format!("/group_tags/{id}"))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn a_linked_tag_keeps_its_members_in_the_chat() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let a = app.user("acme", "a@acme.test", Role::Member).await;
    let b = app.user("acme", "b@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let tag = p
        .post("/group_tags", json!({"group_tag": {"name": "Team"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    p.put(
        &format!("/users/{}", a.id),
        json!({"user": {"list_tags": ["Team"]}}),
    )
    .await
    .expect(200);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Room"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();

    let res = p
        .post(
            &format!("/chats/{chat}/group_tags"),
            json!({"group_tag_ids": [tag]}),
        )
        .await;
    assert_eq!(res.status, 204, "{:#}", res.body);
    let shown = p.get(&format!("/chats/{chat}")).await;
    assert_eq!(shown.body["data"]["group_tag_ids"], json!([tag]));
    assert!(
        shown.body["data"]["member_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(a.id))
    );

    // Joining the tag later joins the chat.
    p.put(
        &format!("/users/{}", b.id),
        json!({"user": {"list_tags": ["Team"]}}),
    )
    .await
    .expect(200);
    let members = p.get(&format!("/chats/{chat}/members")).await;
    assert!(ids(&members.body).contains(&b.id));

    p.post(
        &format!("/chats/{chat}/group_tags"),
        json!({"group_tag_ids": [999999]}),
    )
    .await
    .expect_error(404, "not_found");
    assert_eq!(
        p.delete(&format!("/chats/{chat}/group_tags/{tag}"))
            .await
            .status,
        204
    );
    p.delete(&format!("/chats/{chat}/group_tags/{tag}"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        p.get(&format!("/chats/{chat}")).await.body["data"]["group_tag_ids"],
        json!([])
    );
}
