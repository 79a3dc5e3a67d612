//! Link previews: `POST /messages/{id}/link_previews`.

use resolvers::people::Role;
use serde_json::json;

use super::Pachca;
use crate::util::TestApp;

#[tokio::test]
async fn previews_attach_to_the_message_links() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let outsider = app.user("acme", "o@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p.post("/chats", json!({"chat": {"name": "Links"}})).await;
    let chat_id = chat.expect(201)["data"]["id"].as_i64().unwrap();
    let msg = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat_id,
                               "content": "See https://example.com/a and https://example.org/b"}}),
        )
        .await;
    let msg_id = msg.expect(201)["data"]["id"].as_i64().unwrap();
    let path = format!("/messages/{msg_id}/link_previews");

    let res = p
        .post(
            &path,
            json!({"link_previews": {
                "https://example.com/a": {"title": "A", "description": "First",
                                           "image_url": "https://example.com/a.png"},
                "https://example.org/b": {"title": "B", "description": "Second"}
            }}),
        )
        .await;
    assert_eq!(res.status, 204, "body: {:#}", res.body);
    assert_eq!(res.body, serde_json::Value::Null);
    let stored =
        resolvers::integrations::previews::previews_of(&app.db, owner.workspace_id, msg_id)
            .await
            .unwrap();
    let mut titles: Vec<&str> = stored.iter().map(|s| s.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(titles, vec!["A", "B"]);

    // Bad input.
    p.post(&path, json!({})).await.expect_error(400, "invalid");
    p.post(
        &path,
        json!({"link_previews": {"https://example.com/a": {"title": "A"}}}),
    )
    .await
    .expect_error(400, "invalid");
    p.post(
        &path,
        json!({"link_previews": {"https://elsewhere.test/": {"title": "X", "description": "Y"}}}),
    )
    .await
    .expect_error(422, "invalid");
    p.post(&path, json!({"link_previews": {}}))
        .await
        .expect_error(422, "invalid");

    // Credentials, scopes, visibility, tenancy.
    assert_eq!(
        Pachca::new(&app, "nope")
            .post(&path, json!({"link_previews": {}}))
            .await
            .status,
        401
    );
    let unscoped = app.scoped_token(&owner, &["messages:read"]).await;
    let res = Pachca::new(&app, &unscoped)
        .post(
            &path,
            json!({"link_previews": {"https://example.com/a": {"title": "A", "description": "D"}}}),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");
    let body =
        json!({"link_previews": {"https://example.com/a": {"title": "A", "description": "D"}}});
    Pachca::new(&app, &outsider.token)
        .post(&path, body.clone())
        .await
        .expect_error(404, "not_found");
    Pachca::new(&app, &other.token)
        .post(&path, body.clone())
        .await
        .expect_error(404, "not_found");
    p.post("/messages/999999/link_previews", body)
        .await
        .expect_error(404, "not_found");
}
