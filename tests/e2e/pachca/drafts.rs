//! Drafts: `GET|POST /drafts`, `GET|PUT|DELETE /drafts/{id}`.

use resolvers::people::Role;
use serde_json::{Value, json};

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

const DRAFT_KEYS: [&str; 12] = [
    "id",
    "content",
    "files",
    "created_at",
    "updated_at",
    "entity_type",
    "entity_id",
    "chat_id",
    "parent_message_id",
    "voice_content",
    "schedule",
    "next_send_at",
];

#[track_caller]
fn assert_draft(d: &Value) {
    for key in DRAFT_KEYS {
        assert!(d.get(key).is_some(), "missing `{key}` in {d:#}");
    }
}

#[tokio::test]
async fn drafts_crud_list_and_errors() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p.post("/chats", json!({"chat": {"name": "Notes"}})).await;
    let chat_id = chat.expect(201)["data"]["id"].as_i64().unwrap();

    let res = p
        .post(
            "/drafts",
            json!({"draft": {"entity_type": "discussion", "entity_id": chat_id,
                             "content": "Half a thought"}}),
        )
        .await;
    let d = res.expect(201)["data"].clone();
    assert_draft(&d);
    assert_eq!(d["content"], "Half a thought");
    assert_eq!(d["entity_type"], "discussion");
    assert_eq!(d["entity_id"], chat_id);
    assert_eq!(d["chat_id"], chat_id);
    assert_eq!(d["files"], json!([]));
    assert_eq!(d["schedule"], Value::Null);
    assert_eq!(d["next_send_at"], Value::Null);
    let id = d["id"].as_i64().unwrap();

    let scheduled = p
        .post(
            "/drafts",
            json!({"draft": {"entity_type": "discussion", "entity_id": chat_id, "content": "Later",
                             "schedule": {"start_date": "2099-01-02T03:04:05.000Z"}}}),
        )
        .await;
    let s = scheduled.expect(201)["data"].clone();
    assert_draft(&s);
    assert_eq!(s["next_send_at"], "2099-01-02T03:04:05.000Z");
    let sid = s["id"].as_i64().unwrap();

    let direct = p
        .post(
            "/drafts",
            json!({"draft": {"entity_type": "user", "entity_id": member.id, "content": "Hi"}}),
        )
        .await;
    let dm = direct.expect(201)["data"].clone();
    assert_eq!(dm["entity_type"], "user");
    assert_eq!(dm["entity_id"], member.id);
    let dm_id = dm["id"].as_i64().unwrap();

    // Lists: regular by default, newest first; scheduled; all; by entity.
    let list = p.get("/drafts").await;
    assert_paginate(list.expect(200));
    assert_eq!(ids(&list.body), vec![dm_id, id]);
    assert_draft(&list.body["data"][0]);
    assert_eq!(
        ids(p.get("/drafts?type=scheduled").await.expect(200)),
        vec![sid]
    );
    assert_eq!(
        ids(p.get("/drafts?type=all&limit=2").await.expect(200)),
        vec![dm_id, sid]
    );
    assert_eq!(
        ids(p
            .get(&format!(
                "/drafts?type=all&entity_type=discussion&entity_id={chat_id}"
            ))
            .await
            .expect(200)),
        vec![sid, id]
    );
    assert_eq!(
        ids(p
            .get(&format!("/drafts?entity_type=user&entity_id={}", member.id))
            .await
            .expect(200)),
        vec![dm_id]
    );
    p.get("/drafts?type=old").await.expect_error(400, "invalid");

    // Read and update.
    assert_draft(&p.get(&format!("/drafts/{id}")).await.expect(200)["data"]);
    let updated = p
        .put(
            &format!("/drafts/{id}"),
            json!({"draft": {"content": "A whole thought"}}),
        )
        .await;
    assert_eq!(updated.expect(200)["data"]["content"], "A whole thought");
    assert_draft(&updated.body["data"]);
    p.put(
        &format!("/drafts/{id}"),
        json!({"draft": {"schedule": {"start_date": "2099-01-01T00:00:00Z"}}}),
    )
    .await
    .expect_error(422, "draft_type_change_forbidden");
    p.put(
        &format!("/drafts/{sid}"),
        json!({"draft": {"schedule": {"start_date": "2001-01-01T00:00:00Z"}}}),
    )
    .await
    .expect_error(422, "next_send_at_invalid");
    p.put(&format!("/drafts/{id}"), json!({"draft": {"content": 5}}))
        .await
        .expect_error(400, "invalid");

    // Bad input on create.
    p.post("/drafts", json!({"draft": {"content": "x"}}))
        .await
        .expect_error(400, "invalid");
    p.post(
        "/drafts",
        json!({"draft": {"entity_type": "group", "entity_id": chat_id}}),
    )
    .await
    .expect_error(422, "inclusion");
    p.post(
        "/drafts",
        json!({"draft": {"entity_type": "discussion", "entity_id": chat_id,
                         "schedule": {"start_date": "whenever"}}}),
    )
    .await
    .expect_error(422, "schedule_invalid");
    p.post(
        "/drafts",
        json!({"draft": {"entity_type": "discussion", "entity_id": chat_id,
                         "content": "x".repeat(10_001)}}),
    )
    .await
    .expect_error(422, "invalid");

    // Privacy, credentials, scopes, tenancy.
    let m = Pachca::new(&app, &member.token);
    m.get(&format!("/drafts/{id}"))
        .await
        .expect_error(404, "not_found");
    m.post(
        "/drafts",
        json!({"draft": {"entity_type": "discussion", "entity_id": chat_id}}),
    )
    .await
    .expect_error(404, "not_found");
    assert_eq!(m.get("/drafts").await.expect(200)["data"], json!([]));
    let o = Pachca::new(&app, &other.token);
    o.get(&format!("/drafts/{id}"))
        .await
        .expect_error(404, "not_found");
    o.put(&format!("/drafts/{id}"), json!({"draft": {"content": "x"}}))
        .await
        .expect_error(404, "not_found");
    o.delete(&format!("/drafts/{id}"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(Pachca::new(&app, "nope").get("/drafts").await.status, 401);
    let unscoped = app.scoped_token(&owner, &["drafts:read"]).await;
    let res = Pachca::new(&app, &unscoped)
        .post(
            "/drafts",
            json!({"draft": {"entity_type": "discussion", "entity_id": chat_id}}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");

    assert_eq!(p.delete(&format!("/drafts/{id}")).await.status, 204);
    p.get(&format!("/drafts/{id}"))
        .await
        .expect_error(404, "not_found");
}
