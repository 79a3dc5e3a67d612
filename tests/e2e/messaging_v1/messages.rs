//! `POST /messages`: plain messages, channel names, validation, tenancy, and the
//! message seen through GraphQL authored by the token's bot.

use serde_json::json;

use super::{V1, setup};
use crate::util::{TestApp, rid};

#[tokio::test]
async fn v1_send_message_answers_201_with_the_documented_message() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let chat = app.create_chat(&owner, "general", true, &[]).await;
    let n = rid(&chat);
    let v1 = V1::new(&app, &token);
    let res = v1
        .post(
            "/messages",
            json!({
                "channelId": format!("channel_{n}"),
                "content": "Hello from the API! 🚀",
                "metadata": {"source": "my-app", "tags": ["automated"]},
                "attachments": [{"name": "report.pdf", "type": "application/pdf", "url": "https://example.com/files/report.pdf", "size": 1024000}],
                "unknownKey": true
            }),
        )
        .await;
    let body = res.expect(201);
    res.expect_rate_headers();
    assert_eq!(body["success"], true);
    let m = &body["message"];
    assert!(m["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(m["channelId"], format!("channel_{n}"));
    assert_eq!(m["content"], "Hello from the API! 🚀");
    assert_eq!(m["messageType"], "integration");
    assert_eq!(
        m["metadata"],
        json!({"source": "my-app", "tags": ["automated"]})
    );
    assert_eq!(
        m["attachments"],
        json!([{"name": "report.pdf", "type": "application/pdf", "url": "https://example.com/files/report.pdf", "size": 1024000}])
    );
    let created = m["createdAt"].as_str().unwrap();
    assert_eq!(created.len(), 20, "{created}");
    assert!(created.ends_with('Z') && !created.contains('.'));
    assert!(m["user"]["id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(m["user"]["name"], "API Bot");
    assert!(m["user"].get("email").is_some() && m["user"].get("avatar").is_some());
    assert!(m.get("actions").is_none());
    // The same message through GraphQL, by the token's bot.
    let data = app
        .gql_ok(
            &owner.token,
            "query($id: ID!) { chat(id: $id) { messages(first: 5) { nodes { content author { name isBot } } } } }",
            json!({ "id": chat }),
        )
        .await;
    let nodes = data["chat"]["messages"]["nodes"].as_array().unwrap();
    assert!(
        nodes
            .iter()
            .any(|n| n["content"] == "Hello from the API! 🚀"
                && n["author"]["isBot"] == true
                && n["author"]["name"] == "API Bot"),
        "{data}"
    );
    // messageType text and system are accepted.
    for t in ["text", "system"] {
        let res = v1
            .post(
                "/messages",
                json!({"channelId": format!("channel_{n}"), "content": t, "messageType": t}),
            )
            .await;
        assert_eq!(res.expect(201)["message"]["messageType"], t);
    }
}

#[tokio::test]
async fn v1_channel_names_are_accepted_private_channels_too() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let private = app.create_chat(&owner, "approvals", false, &[]).await;
    let v1 = V1::new(&app, &token);
    let res = v1
        .post(
            "/messages",
            json!({"channelId": "approvals", "content": "Budget request"}),
        )
        .await;
    assert_eq!(
        res.expect(201)["message"]["channelId"],
        format!("channel_{}", rid(&private))
    );
    let res = v1
        .post(
            "/messages",
            json!({"channelId": "no-such-channel", "content": "x"}),
        )
        .await;
    res.expect_error(404, "CHANNEL_NOT_FOUND");
    // Two channels with one name: ambiguous.
    app.create_chat(&owner, "team", true, &[]).await;
    app.create_chat(&owner, "team", true, &[]).await;
    let res = v1
        .post("/messages", json!({"channelId": "team", "content": "x"}))
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["channelId"]);
}

#[tokio::test]
async fn v1_bad_messages_name_every_field() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let chat = format!(
        "channel_{}",
        rid(&app.create_chat(&owner, "general", true, &[]).await)
    );
    let v1 = V1::new(&app, &token);
    let res = v1
        .post("/messages", json!({"messageType": "loud", "metadata": [1]}))
        .await;
    let body = res.expect_error(400, "INVALID_REQUEST_BODY");
    assert!(body["message"].is_string());
    assert_eq!(
        res.detail_fields(),
        ["channelId", "content", "messageType", "metadata"]
    );
    for d in body["details"].as_array().unwrap() {
        assert!(d["message"].is_string());
    }
    let long = "x".repeat(10_001);
    let res = v1
        .post("/messages", json!({"channelId": chat, "content": long}))
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["content"]);
    let res = v1
        .post("/messages", json!({"channelId": chat, "content": "x", "attachments": [{"name": "a", "url": "ftp://x"}]}))
        .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["attachments[0].url"]);
    let res = v1
        .post("/messages", json!({"channelId": 5, "content": "x"}))
        .await;
    assert_eq!(res.detail_fields(), ["channelId"]);
    // Nothing was written.
    let data = app
        .gql_ok(
            &owner.token,
            "{ events(types: [\"message_added\"]) { nodes { seq } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["events"]["nodes"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn v1_another_workspaces_channel_is_not_found_exactly_like_a_missing_one() {
    let app = TestApp::spawn().await;
    let (_, token) = setup(&app, "acme").await;
    let (other_owner, _) = setup(&app, "globex").await;
    let theirs = rid(&app.create_chat(&other_owner, "secret", true, &[]).await);
    app.create_chat(&other_owner, "by-name", true, &[]).await;
    let v1 = V1::new(&app, &token);
    let foreign = v1
        .post(
            "/messages",
            json!({"channelId": format!("channel_{theirs}"), "content": "x"}),
        )
        .await;
    let missing = v1
        .post(
            "/messages",
            json!({"channelId": "channel_999999", "content": "x"}),
        )
        .await;
    foreign.expect_error(404, "CHANNEL_NOT_FOUND");
    assert_eq!(foreign.body, missing.body);
    v1.post("/messages", json!({"channelId": "by-name", "content": "x"}))
        .await
        .expect_error(404, "CHANNEL_NOT_FOUND");
    // Nor do their channels show in our list.
    let list = v1.get("/channels").await;
    assert!(
        list.body["channels"].as_array().unwrap().is_empty(),
        "{}",
        list.body
    );
}
