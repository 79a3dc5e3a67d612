//! Chats, members and threads through the façade.

use resolvers::people::Role;
use serde_json::json;

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

#[tokio::test]
async fn create_chat_reports_unknown_members_and_renders_every_key() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let foreign = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let res = p
        .post(
            "/chats",
            json!({"chat": {"name": "General", "member_ids": [member.id, foreign.id, 999999], "channel": false, "public": true}}),
        )
        .await;
    let body = res.expect(201);
    assert_eq!(
        body["meta"]["not_found_member_ids"],
        json!([foreign.id, 999999])
    );
    let chat = &body["data"];
    for key in [
        "id",
        "name",
        "created_at",
        "owner_id",
        "member_ids",
        "group_tag_ids",
        "channel",
        "archived",
        "personal",
        "public",
        "last_message_at",
        "meet_room_url",
        "avatar_url",
    ] {
        assert!(chat.get(key).is_some(), "missing {key}");
    }
    assert_eq!(chat["member_ids"], json!([owner.id, member.id]));
    assert_eq!(chat["owner_id"], owner.id);
    assert_eq!(chat["public"], true);

    p.post("/chats", json!({"chat": {"name": ""}}))
        .await
        .expect_error(422, "blank");
    p.post("/chats", json!({"chat": {"channel": true}}))
        .await
        .expect_error(400, "invalid");
    p.post("/chats", json!({"nope": 1}))
        .await
        .expect_error(400, "invalid");
    let none = p.post("/chats", json!({"chat": {"name": "Solo"}})).await;
    assert_eq!(none.expect(201)["meta"]["not_found_member_ids"], json!([]));
}

#[tokio::test]
async fn chats_list_sorts_filters_and_pages() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let mut made = Vec::new();
    for name in ["A", "B", "C"] {
        made.push(
            p.post("/chats", json!({"chat": {"name": name}})).await.body["data"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Default: id desc.
    let all = p.get("/chats").await;
    assert_paginate(all.expect(200));
    assert_eq!(
        ids(&all.body),
        made.iter().rev().copied().collect::<Vec<_>>()
    );
    let asc = p.get("/chats?order=asc&limit=2").await;
    assert_eq!(ids(&asc.body), made[..2].to_vec());
    let next = asc.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(&p
            .get(&format!("/chats?order=asc&limit=2&cursor={next}"))
            .await
            .body),
        made[2..].to_vec()
    );

    // Activity order follows the newest message.
    p.post(
        "/messages",
        json!({"message": {"entity_id": made[0], "content": "bump"}}),
    )
    .await
    .expect(201);
    let by_activity = p
        .get("/chats?sort=last_message_at&order=desc&limit=1")
        .await;
    assert_eq!(ids(&by_activity.body), vec![made[0]]);
    let next = by_activity.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = p
        .get(&format!(
            "/chats?sort=last_message_at&order=desc&limit=1&cursor={next}"
        ))
        .await;
    assert_eq!(ids(&second.body).len(), 1);
    assert_ne!(ids(&second.body), vec![made[0]]);

    // Archive and unarchive are bodiless PUTs.
    let res = app
        .http()
        .put(format!(
            "{}/api/shared/v1/chats/{}/archive",
            app.base, made[1]
        ))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert!(!ids(&p.get("/chats").await.body).contains(&made[1]));
    assert_eq!(
        ids(&p.get("/chats?archived=true").await.body),
        vec![made[1]]
    );
    assert_eq!(
        p.get(&format!("/chats/{}", made[1])).await.body["data"]["archived"],
        true
    );
    assert_eq!(
        p.put_empty(&format!("/chats/{}/unarchive", made[1]))
            .await
            .status,
        204
    );

    p.get("/chats?sort=name").await.expect_error(400, "invalid");
    p.get("/chats?archived=maybe")
        .await
        .expect_error(400, "invalid");
    p.get("/chats?last_message_at_after=yesterday")
        .await
        .expect_error(400, "invalid");

    let company = p.get("/company/chats?activity=active").await;
    assert_eq!(ids(company.expect(200)).len(), 3);
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    Pachca::new(&app, &member.token)
        .get("/company/chats")
        .await
        .expect_forbidden();
}

#[tokio::test]
async fn update_chat_and_foreign_ids() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Old"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    let res = p
        .put(
            &format!("/chats/{chat}"),
            json!({"chat": {"name": "New", "public": true}}),
        )
        .await;
    assert_eq!(res.expect(200)["data"]["name"], "New");
    let o = Pachca::new(&app, &other.token);
    o.get(&format!("/chats/{chat}"))
        .await
        .expect_error(404, "not_found");
    o.put(&format!("/chats/{chat}"), json!({"chat": {"name": "x"}}))
        .await
        .expect_error(404, "not_found");
    o.put_empty(&format!("/chats/{chat}/archive"))
        .await
        .expect_error(404, "not_found");
    o.get(&format!("/chats/{chat}/members"))
        .await
        .expect_error(404, "not_found");
    p.get("/chats/999999").await.expect_error(404, "not_found");
}

#[tokio::test]
async fn members_add_role_filter_remove_and_leave() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let a = app.user("acme", "a@acme.test", Role::Member).await;
    let b = app.user("acme", "b@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Team", "channel": true}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    let res = p
        .post(
            &format!("/chats/{chat}/members"),
            json!({"member_ids": [a.id, b.id], "silent": true}),
        )
        .await;
    assert_eq!(res.status, 204, "{:#}", res.body);
    p.post(
        &format!("/chats/{chat}/members"),
        json!({"member_ids": [999999]}),
    )
    .await
    .expect_error(422, "invalid");
    p.post(
        &format!("/chats/{chat}/members"),
        json!({"member_ids": "x"}),
    )
    .await
    .expect_error(400, "invalid");

    let all = p.get(&format!("/chats/{chat}/members")).await;
    assert_paginate(all.expect(200));
    assert_eq!(ids(&all.body), vec![owner.id, a.id, b.id]);
    assert_eq!(
        p.put(
            &format!("/chats/{chat}/members/{}", a.id),
            json!({"role": "editor"})
        )
        .await
        .status,
        204
    );
    p.put(
        &format!("/chats/{chat}/members/{}", a.id),
        json!({"role": "king"}),
    )
    .await
    .expect_error(422, "inclusion");
    assert_eq!(
        ids(&p
            .get(&format!("/chats/{chat}/members?role=editor"))
            .await
            .body),
        vec![a.id]
    );
    assert_eq!(
        ids(&p
            .get(&format!("/chats/{chat}/members?role=owner"))
            .await
            .body),
        vec![owner.id]
    );
    assert_eq!(
        ids(&p
            .get(&format!("/chats/{chat}/members?role=admin"))
            .await
            .body),
        vec![owner.id]
    );

    // A plain member cannot remove others.
    let pa = Pachca::new(&app, &b.token);
    pa.delete(&format!("/chats/{chat}/members/{}", a.id))
        .await
        .expect_forbidden();
    assert_eq!(
        p.delete(&format!("/chats/{chat}/members/{}", a.id))
            .await
            .status,
        204
    );
    p.delete(&format!("/chats/{chat}/members/{}", a.id))
        .await
        .expect_error(404, "not_found");
    assert_eq!(pa.delete(&format!("/chats/{chat}/leave")).await.status, 204);
    assert_eq!(
        ids(&p.get(&format!("/chats/{chat}/members")).await.body),
        vec![owner.id]
    );
}

#[tokio::test]
async fn threads_for_messages_and_standalone() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Room"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    let msg = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "root"}}),
        )
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();

    // Bodiless POST without a content type.
    let res = app
        .http()
        .post(format!("{}/api/shared/v1/messages/{msg}/thread", app.base))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let thread: serde_json::Value = res.json().await.unwrap();
    let thread = &thread["data"];
    assert_eq!(thread["message_id"], msg);
    assert_eq!(thread["message_chat_id"], chat);
    let tid = thread["id"].as_i64().unwrap();
    // Again: the same thread, still 201.
    let again = p.post_empty(&format!("/messages/{msg}/thread")).await;
    assert_eq!(again.expect(201)["data"]["id"], tid);

    let reply = p
        .post(
            "/messages",
            json!({"message": {"entity_type": "thread", "entity_id": tid, "content": "in thread"}}),
        )
        .await;
    let reply = &reply.expect(201)["data"];
    assert_eq!(reply["entity_type"], "thread");
    assert_eq!(reply["chat_id"], tid);
    assert_eq!(reply["root_chat_id"], chat);
    let root = p.get(&format!("/messages/{msg}")).await;
    assert_eq!(
        root.body["data"]["thread"],
        json!({"id": tid, "chat_id": tid})
    );

    let standalone = p.post_empty("/threads").await;
    let sid = standalone.expect(201)["data"]["id"].as_i64().unwrap();
    assert_eq!(
        standalone.body["data"]["message_id"],
        serde_json::Value::Null
    );
    assert_eq!(
        p.get(&format!("/threads/{sid}")).await.expect(200)["data"]["id"],
        sid
    );
    let listed = p.get("/threads").await;
    assert_paginate(listed.expect(200));
    let listed = ids(&listed.body);
    assert!(listed.contains(&tid) && listed.contains(&sid));

    let o = Pachca::new(&app, &other.token);
    o.get(&format!("/threads/{sid}"))
        .await
        .expect_error(404, "not_found");
    o.post_empty(&format!("/messages/{msg}/thread"))
        .await
        .expect_error(404, "not_found");
    p.get(&format!("/threads/{chat}"))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn a_chats_owner_cannot_be_removed_but_may_leave() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let a = app.user("acme", "a@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "Owned", "member_ids": [a.id]}}),
        )
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    p.put(
        &format!("/chats/{chat}/members/{}", a.id),
        json!({"role": "admin"}),
    )
    .await
    .expect(204);
    let res = Pachca::new(&app, &a.token)
        .delete(&format!("/chats/{chat}/members/{}", owner.id))
        .await;
    res.expect_error(422, "cannot_kick_owner");
    let members = p.get(&format!("/chats/{chat}/members")).await;
    assert!(ids(members.expect(200)).contains(&owner.id));
    p.delete(&format!("/chats/{chat}/leave")).await.expect(204);
}
