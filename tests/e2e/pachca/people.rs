//! Users, their statuses and group tags through the façade.

use resolvers::people::Role;
use serde_json::json;

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

#[tokio::test]
async fn users_crud_as_admin_and_forbidden_to_members() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let admin = Pachca::new(&app, &owner.token);

    let res = admin
        .post(
            "/users",
            json!({"user": {"email": "new@acme.test", "first_name": "New", "last_name": "Person",
                    "department": "Sales", "list_tags": ["Ops"], "role": "user"}, "skip_email_notify": true}),
        )
        .await;
    let user = res.expect(201)["data"].clone();
    let id = user["id"].as_i64().unwrap();
    assert_eq!(user["department"], "Sales");
    assert_eq!(user["list_tags"], json!(["Ops"]));
    assert_eq!(user["role"], "user");
    assert_eq!(user["invite_status"], "sent");

    admin
        .post("/users", json!({"user": {"email": "new@acme.test"}}))
        .await
        .expect_error(409, "already_exists");
    admin
        .post("/users", json!({"user": {"email": "nope"}}))
        .await
        .expect_error(422, "invalid");
    admin
        .post("/users", json!({"user": {}}))
        .await
        .expect_error(422, "blank");
    admin
        .post(
            "/users",
            json!({"user": {"email": "x@acme.test", "role": "boss"}}),
        )
        .await
        .expect_error(422, "inclusion");

    let res = admin
        .put(
            &format!("/users/{id}"),
            json!({"user": {"nickname": "newbie", "role": "admin"}}),
        )
        .await;
    let updated = &res.expect(200)["data"];
    assert_eq!(updated["nickname"], "newbie");
    assert_eq!(updated["role"], "admin");
    assert_eq!(
        admin.get(&format!("/users/{id}")).await.expect(200)["data"]["id"],
        id
    );

    let m = Pachca::new(&app, &member.token);
    let res = m
        .post("/users", json!({"user": {"email": "z@acme.test"}}))
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");

    assert_eq!(admin.delete(&format!("/users/{id}")).await.status, 204);
    admin
        .get(&format!("/users/{id}"))
        .await
        .expect_error(404, "not_found");
    admin
        .delete(&format!("/users/{}", owner.id))
        .await
        .expect_forbidden();
}

#[tokio::test]
async fn users_list_pages_and_query_uses_the_search_envelope() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    for i in 0..3 {
        app.user("acme", &format!("u{i}@acme.test"), Role::Member)
            .await;
    }
    let p = Pachca::new(&app, &owner.token);
    let page1 = p.get("/users?limit=2").await;
    assert_paginate(page1.expect(200));
    assert_eq!(ids(&page1.body).len(), 2);
    assert_eq!(page1.body["meta"]["paginate"]["has_next"], true);
    assert_eq!(page1.body["meta"]["paginate"]["has_prev"], false);
    let next = page1.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let page2 = p.get(&format!("/users?limit=2&cursor={next}")).await;
    assert_eq!(ids(&page2.body).len(), 2);
    assert_eq!(page2.body["meta"]["paginate"]["has_next"], false);
    // The last page's cursor polls: an empty page with the same next_page.
    let last = page2.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let empty = p.get(&format!("/users?limit=2&cursor={last}")).await;
    assert_eq!(empty.body["data"], json!([]));
    assert_paginate(&empty.body);
    assert_eq!(empty.body["meta"]["paginate"]["next_page"], last.as_str());
    // And prev_page reads back.
    let prev = page2.body["meta"]["paginate"]["prev_page"]
        .as_str()
        .unwrap();
    assert_eq!(
        ids(&p.get(&format!("/users?limit=2&cursor={prev}")).await.body),
        ids(&page1.body)
    );

    p.get("/users?limit=0").await.expect_error(400, "invalid");
    p.get("/users?limit=51").await.expect_error(400, "invalid");
    p.get("/users?cursor=garbage!")
        .await
        .expect_error(400, "invalid");

    let found = p.get("/users?query=u1").await;
    let body = found.expect(200);
    assert_eq!(body["meta"]["total"], 1);
    assert!(body["meta"]["paginate"]["next_page"].is_string());
}

#[tokio::test]
async fn other_users_status_by_admins() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let admin = Pachca::new(&app, &owner.token);
    let path = format!("/users/{}/status", member.id);
    assert_eq!(admin.get(&path).await.expect(200), &json!({"data": null}));
    let set = admin
        .put(&path, json!({"status": {"emoji": "🤒", "title": "Sick"}}))
        .await;
    assert_eq!(set.expect(200)["data"]["title"], "Sick");
    assert_eq!(admin.get(&path).await.body["data"]["emoji"], "🤒");
    let res = Pachca::new(&app, &member.token)
        .put(
            &format!("/users/{}/status", owner.id),
            json!({"status": {"emoji": "x", "title": "y"}}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(admin.get(&path).await.body, json!({"data": null}));
    // Foreign ids are missing ids.
    Pachca::new(&app, &other.token)
        .get(&path)
        .await
        .expect_error(404, "not_found");
}
