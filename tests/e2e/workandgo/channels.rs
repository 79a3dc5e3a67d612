//! `/api/channels`: every route of §5.2, and tenancy.

use reqwest::Method;
use resolvers::people::Role;
use serde_json::{Value, json};

use super::{Res, Wag, key_for, spawn};
use crate::util::{gid, rid};

#[tokio::test]
async fn wag_channels_every_route_follows_the_document() {
    let app = spawn().await;
    let owner = app.workspace("acme").await;
    let bea = app.user("acme", "bea@acme.test", Role::Member).await;
    let cal = app.user("acme", "cal@acme.test", Role::Member).await;
    let a = Wag::key(&app, &key_for(&app, "owner@acme.test", None).await);
    let b = Wag::key(&app, &key_for(&app, "bea@acme.test", None).await);

    // #2 create.
    let created = a
        .post(
            "/api/channels",
            json!({"name": "general", "description": "All hands", "type": "public"}),
        )
        .await;
    let ch = created.ok(201).clone();
    let id = ch["id"].as_i64().unwrap();
    assert_eq!(ch["name"], "general");
    assert_eq!(ch["description"], "All hands");
    assert_eq!(ch["type"], "public");
    assert_eq!(ch["isMember"], true);
    assert_eq!(ch["memberCount"], 1);
    assert_eq!(ch["unreadCount"], 0);
    assert_eq!(ch["createdBy"], owner.id);
    assert!(ch["updatedAt"].is_string());

    // #3 show; #1 list with filters.
    assert_eq!(
        a.get(&format!("/api/channels/{id}")).await.ok(200)["id"],
        id
    );
    let listed = b.get("/api/channels").await;
    let mine = listed.ok(200).as_array().unwrap().clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["isMember"], false);
    assert_eq!(b.get("/api/channels?joined=true").await.ok(200), &json!([]));
    assert_eq!(
        b.get("/api/channels?joined=false").await.ok(200)[0]["id"],
        id
    );
    assert_eq!(
        b.get("/api/channels?type=private").await.ok(200),
        &json!([])
    );

    // #6 join (twice: unchanged).
    let joined = b.post(&format!("/api/channels/{id}/join"), json!({})).await;
    let joined = joined.ok(200);
    assert_eq!(joined["isMember"], true);
    assert_eq!(joined["memberCount"], 2);
    b.post(&format!("/api/channels/{id}/join"), json!({}))
        .await
        .ok(200);

    // #8 members, paged.
    let page = a.get(&format!("/api/channels/{id}/members?limit=1")).await;
    let first = page.ok(200).as_array().unwrap().clone();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["userId"], owner.id);
    assert_eq!(first[0]["role"], "admin");
    assert_eq!(page.body["pagination"]["hasMore"], true);
    let cursor = page.body["pagination"]["nextCursor"].as_str().unwrap();
    let next = a
        .get(&format!(
            "/api/channels/{id}/members?limit=1&cursor={cursor}"
        ))
        .await;
    let second = next.ok(200).as_array().unwrap().clone();
    assert_eq!(second[0]["userId"], bea.id);
    assert_eq!(second[0]["role"], "member");
    assert_eq!(second[0]["name"], "Bea Tester");
    assert_eq!(next.body["pagination"]["hasMore"], false);

    // #11 unread and #12 read.
    let chat = gid(schema::ids::Kind::Chat, id);
    app.send(&owner, &chat, "one").await;
    let last = rid(&app.send(&owner, &chat, "two").await);
    let unread = b.get("/api/channels/unread").await;
    let unread = unread.ok(200);
    assert_eq!(unread["total"], 2);
    assert_eq!(
        unread["channels"],
        json!([{"channelId": id, "unreadCount": 2, "lastReadMessageId": null, "lastReadAt": null}])
    );
    assert_eq!(
        b.get(&format!("/api/channels/{id}")).await.ok(200)["unreadCount"],
        2
    );
    let read = b
        .call(Method::POST, &format!("/api/channels/{id}/read"), None)
        .await;
    let read = read.ok(200);
    assert_eq!(read["unreadCount"], 0);
    assert_eq!(read["lastReadMessageId"], last);
    // The read point never moves backwards.
    let back = b
        .post(
            &format!("/api/channels/{id}/read"),
            json!({"messageId": last - 1}),
        )
        .await;
    assert_eq!(back.ok(200)["lastReadMessageId"], last);

    // #4 update: channel admins only; `null` clears the description.
    b.patch(&format!("/api/channels/{id}"), json!({"name": "mine"}))
        .await
        .err(403, "FORBIDDEN");
    a.patch(&format!("/api/channels/{id}"), json!({"name": null}))
        .await
        .err(400, "VALIDATION_ERROR");
    let updated = a
        .patch(
            &format!("/api/channels/{id}"),
            json!({"name": "renamed", "description": null}),
        )
        .await;
    let updated = updated.ok(200);
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["type"], "public");

    // #9 add members (existing ones skipped) and #10 remove one.
    let added = a
        .post(
            &format!("/api/channels/{id}/members"),
            json!({"userIds": [cal.id, bea.id], "role": "editor"}),
        )
        .await;
    let added = added.ok(201).as_array().unwrap().clone();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["userId"], cal.id);
    assert_eq!(added[0]["role"], "editor");
    let none = a
        .post(
            &format!("/api/channels/{id}/members"),
            json!({"userIds": [cal.id]}),
        )
        .await;
    assert_eq!(none.ok(201), &json!([]));
    let empty = a
        .post(
            &format!("/api/channels/{id}/members"),
            json!({"userIds": []}),
        )
        .await;
    empty.err(400, "VALIDATION_ERROR");
    b.post(
        &format!("/api/channels/{id}/members"),
        json!({"userIds": [cal.id]}),
    )
    .await
    .err(403, "FORBIDDEN");
    let removed = a
        .delete(&format!("/api/channels/{id}/members/{}", cal.id))
        .await;
    assert_eq!(*removed.ok(200), Value::Null);

    // #7 leave.
    let left = b
        .post(&format!("/api/channels/{id}/leave"), json!({}))
        .await;
    assert_eq!(*left.ok(200), Value::Null);
    b.post(&format!("/api/channels/{id}/leave"), json!({}))
        .await
        .err(409, "CONFLICT");

    // Private channels are invisible to non-members.
    let private = a
        .post(
            "/api/channels",
            json!({"name": "secret", "type": "private"}),
        )
        .await;
    let pid = private.ok(201)["id"].as_i64().unwrap();
    b.get(&format!("/api/channels/{pid}"))
        .await
        .err(404, "NOT_FOUND");
    b.post(&format!("/api/channels/{pid}/join"), json!({}))
        .await
        .err(404, "NOT_FOUND");

    // #5 delete: its messages go with it.
    b.delete(&format!("/api/channels/{id}"))
        .await
        .err(403, "FORBIDDEN");
    let deleted = a.delete(&format!("/api/channels/{id}")).await;
    assert_eq!(*deleted.ok(200), Value::Null);
    a.get(&format!("/api/channels/{id}"))
        .await
        .err(404, "NOT_FOUND");
    let gone = app
        .gql(
            &owner.token,
            "query($id: ID!) { message(id: $id) { id } }",
            json!({ "id": gid(schema::ids::Kind::Message, last) }),
        )
        .await;
    assert!(
        gone["data"]["message"].is_null(),
        "the channel's messages are gone: {gone}"
    );
}

fn same_404(res: &Res, missing: &Res) {
    res.err(404, "NOT_FOUND");
    assert_eq!(res.body, missing.body);
}

#[tokio::test]
async fn wag_another_organisations_channel_answers_like_a_missing_one() {
    let app = spawn().await;
    app.workspace("acme").await;
    app.workspace("globex").await;
    let a = Wag::key(&app, &key_for(&app, "owner@acme.test", None).await);
    let g = Wag::key(&app, &key_for(&app, "owner@globex.test", None).await);
    let id = a
        .post("/api/channels", json!({"name": "acme only"}))
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let missing_id = id + 100_000;
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/channels/{}".into(), None),
        (
            Method::PATCH,
            "/api/channels/{}".into(),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, "/api/channels/{}".into(), None),
        (
            Method::POST,
            "/api/channels/{}/join".into(),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/channels/{}/leave".into(),
            Some(json!({})),
        ),
        (Method::GET, "/api/channels/{}/members".into(), None),
        (
            Method::POST,
            "/api/channels/{}/members".into(),
            Some(json!({"userIds": [1]})),
        ),
        (Method::DELETE, "/api/channels/{}/members/1".into(), None),
        (
            Method::POST,
            "/api/channels/{}/read".into(),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in routes {
        let foreign = g
            .call(
                method.clone(),
                &path.replace("{}", &id.to_string()),
                body.clone(),
            )
            .await;
        let missing = g
            .call(method, &path.replace("{}", &missing_id.to_string()), body)
            .await;
        same_404(&foreign, &missing);
    }
    // Not listed, not counted.
    assert_eq!(g.get("/api/channels").await.ok(200), &json!([]));
    assert_eq!(
        g.get("/api/channels/unread").await.ok(200),
        &json!({"total": 0, "channels": []})
    );
    // Still there for its own organisation.
    a.get(&format!("/api/channels/{id}")).await.ok(200);
}
