//! Tasks and custom property definitions through the façade.

use resolvers::people::Role;
use serde_json::{Value, json};

use super::{Pachca, assert_paginate, ids};
use crate::util::{TestApp, rid};

const TASK_KEYS: [&str; 12] = [
    "id",
    "kind",
    "content",
    "due_at",
    "priority",
    "user_id",
    "chat_id",
    "status",
    "created_at",
    "performer_ids",
    "all_day",
    "custom_properties",
];

/// Define a custom property through GraphQL; its numeric id.
pub async fn define(app: &TestApp, token: &str, entity: &str, name: &str) -> i64 {
    let data = app
        .gql_ok(
            token,
            "mutation($i: CreateCustomPropertyInput!) { createCustomProperty(input: $i) { id } }",
            json!({ "i": { "entityType": entity, "name": name, "dataType": "TEXT" } }),
        )
        .await;
    rid(data["createCustomProperty"]["id"].as_str().unwrap())
}

#[track_caller]
fn assert_task(task: &Value) {
    for key in TASK_KEYS {
        assert!(task.get(key).is_some(), "missing `{key}` in {task:#}");
    }
}

#[tokio::test]
async fn tasks_crud_list_and_errors() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let prop = define(&app, &owner.token, "TASK", "Warehouse").await;

    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "Ops", "member_ids": [member.id]}}),
        )
        .await;
    let chat_id = chat.expect(201)["data"]["id"].as_i64().unwrap();

    let res = p
        .post(
            "/tasks",
            json!({"task": {
                "kind": "call",
                "content": "Call the supplier",
                "due_at": "2030-06-05T12:00:00.000+03:00",
                "priority": 2,
                "performer_ids": [owner.id, member.id],
                "chat_id": chat_id,
                "all_day": false,
                "custom_properties": [{"id": prop, "value": "Blue"}]
            }}),
        )
        .await;
    let task = res.expect(201)["data"].clone();
    assert_task(&task);
    assert_eq!(task["kind"], "call");
    assert_eq!(task["content"], "Call the supplier");
    assert_eq!(task["due_at"], "2030-06-05T09:00:00.000Z");
    assert_eq!(task["priority"], 2);
    assert_eq!(task["user_id"], owner.id);
    assert_eq!(task["chat_id"], chat_id);
    assert_eq!(task["status"], "undone");
    assert_eq!(task["performer_ids"], json!([owner.id, member.id]));
    assert_eq!(task["all_day"], false);
    assert_eq!(task["custom_properties"][0]["id"], prop);
    assert_eq!(task["custom_properties"][0]["name"], "Warehouse");
    assert_eq!(task["custom_properties"][0]["value"], "Blue");
    assert_eq!(task["custom_properties"][0]["data_type"], "string");
    let id = task["id"].as_i64().unwrap();

    // Defaults: the creator performs, priority 1, no chat, no due date.
    let plain = p
        .post("/tasks", json!({"task": {"kind": "reminder"}}))
        .await;
    let plain = plain.expect(201)["data"].clone();
    assert_task(&plain);
    assert_eq!(plain["priority"], 1);
    assert_eq!(plain["performer_ids"], json!([owner.id]));
    assert_eq!(plain["chat_id"], Value::Null);
    assert_eq!(plain["due_at"], Value::Null);
    assert_eq!(plain["custom_properties"], json!([]));
    let plain_id = plain["id"].as_i64().unwrap();

    // Bad input.
    p.post("/tasks", json!({"task": {}}))
        .await
        .expect_error(400, "invalid");
    p.post("/tasks", json!({"task": {"kind": "party"}}))
        .await
        .expect_error(422, "inclusion");
    p.post(
        "/tasks",
        json!({"task": {"kind": "call", "due_at": "soon"}}),
    )
    .await
    .expect_error(400, "invalid");
    let res = p
        .post("/tasks", json!({"task": {"kind": "call", "priority": 7}}))
        .await;
    res.expect_error(422, "invalid");
    assert_eq!(res.body["errors"][0]["key"], "task.priority");
    p.post(
        "/tasks",
        json!({"task": {"kind": "call", "performer_ids": [other.id]}}),
    )
    .await
    .expect_error(422, "invalid");

    // Read and list.
    let shown = p.get(&format!("/tasks/{id}")).await;
    assert_task(&shown.expect(200)["data"]);
    let list = p.get("/tasks?limit=1").await;
    assert_paginate(list.expect(200));
    assert_eq!(ids(&list.body), vec![id]);
    assert_eq!(list.body["meta"]["paginate"]["has_next"], true);
    let next = list.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let page2 = p.get(&format!("/tasks?limit=1&cursor={next}")).await;
    assert_eq!(ids(page2.expect(200)), vec![plain_id]);
    assert_task(&page2.body["data"][0]);
    p.get("/tasks?limit=51").await.expect_error(400, "invalid");
    // The member sees the task they perform, not the owner's own reminder.
    let m = Pachca::new(&app, &member.token);
    assert_eq!(ids(m.get("/tasks").await.expect(200)), vec![id]);

    // Update: done, then back.
    let updated = p
        .put(
            &format!("/tasks/{id}"),
            json!({"task": {"content": "Called", "status": "done", "priority": 3,
                            "custom_properties": [{"id": prop, "value": "Red"}]}}),
        )
        .await;
    let updated = updated.expect(200)["data"].clone();
    assert_task(&updated);
    assert_eq!(updated["status"], "done");
    assert_eq!(updated["content"], "Called");
    assert_eq!(updated["priority"], 3);
    assert_eq!(updated["custom_properties"][0]["value"], "Red");
    let reopened = p
        .put(
            &format!("/tasks/{id}"),
            json!({"task": {"status": "undone"}}),
        )
        .await;
    assert_eq!(reopened.expect(200)["data"]["status"], "undone");
    p.put(
        &format!("/tasks/{id}"),
        json!({"task": {"status": "maybe"}}),
    )
    .await
    .expect_error(422, "inclusion");
    p.put(
        &format!("/tasks/{id}"),
        json!({"task": {"priority": "high"}}),
    )
    .await
    .expect_error(400, "invalid");
    p.put(&format!("/tasks/{id}"), json!({}))
        .await
        .expect_error(400, "invalid");

    // Authorisation and tenancy.
    assert_eq!(Pachca::new(&app, "nope").get("/tasks").await.status, 401);
    m.delete(&format!("/tasks/{id}")).await.expect_forbidden();
    m.get(&format!("/tasks/{plain_id}"))
        .await
        .expect_error(404, "not_found");
    let o = Pachca::new(&app, &other.token);
    o.get(&format!("/tasks/{id}"))
        .await
        .expect_error(404, "not_found");
    o.put(&format!("/tasks/{id}"), json!({"task": {"content": "x"}}))
        .await
        .expect_error(404, "not_found");
    o.delete(&format!("/tasks/{id}"))
        .await
        .expect_error(404, "not_found");
    p.get("/tasks/abc").await.expect_error(404, "not_found");

    assert_eq!(p.delete(&format!("/tasks/{id}")).await.status, 204);
    p.get(&format!("/tasks/{id}"))
        .await
        .expect_error(404, "not_found");
    let empty = o.get("/tasks").await;
    assert_paginate(empty.expect(200));
    assert_eq!(empty.body["data"], json!([]));
}

#[tokio::test]
async fn task_lists_filter_by_status_chat_performer_and_author() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "Ops", "member_ids": [member.id]}}),
        )
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let make = |body: serde_json::Value| {
        let p = &p;
        async move {
            p.post("/tasks", json!({ "task": body })).await.expect(201)["data"]["id"]
                .as_i64()
                .unwrap()
        }
    };
    let in_chat = make(json!({"kind": "call", "content": "in chat", "chat_id": chat})).await;
    let for_member =
        make(json!({"kind": "email", "content": "for member", "performer_ids": [member.id]})).await;
    let done = make(json!({"kind": "reminder", "content": "done"})).await;
    p.put(
        &format!("/tasks/{done}"),
        json!({"task": {"status": "done"}}),
    )
    .await
    .expect(200);
    let by_member = Pachca::new(&app, &member.token)
        .post(
            "/tasks",
            json!({"task": {"kind": "meeting", "content": "mine"}}),
        )
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();

    for (query, want) in [
        ("status=done", vec![done]),
        ("status=undone", vec![in_chat, for_member, by_member]),
        (&format!("chat_ids[]={chat}") as &str, vec![in_chat]),
        (
            &format!("performer_ids[]={}", member.id),
            vec![for_member, by_member],
        ),
        (&format!("author_id={}", member.id), vec![by_member]),
        (
            &format!(
                "status=undone&performer_ids[]={}&author_id={}",
                owner.id, owner.id
            ),
            vec![in_chat],
        ),
    ] {
        let res = p.get(&format!("/tasks?{query}")).await;
        assert_eq!(ids(res.expect(200)), want, "{query}");
    }
    p.get("/tasks?status=maybe")
        .await
        .expect_error(400, "invalid");
    p.get("/tasks?chat_ids[]=x")
        .await
        .expect_error(400, "invalid");
}
