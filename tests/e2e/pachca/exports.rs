//! Chat exports through the façade: request (204 / 202), the 302 download, the errors.

use std::time::Duration;

use resolvers::people::Role;
use serde_json::{Value, json};

use super::Pachca;
use crate::util::TestApp;

async fn request(app: &TestApp, token: &str, prefer: bool, body: Value) -> (u16, Value) {
    let mut req = app
        .http()
        .post(format!("{}/api/shared/v1/chats/exports", app.base))
        .bearer_auth(token)
        .json(&body);
    if prefer {
        req = req.header("Prefer", "return=representation");
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

/// Poll `GET /chats/exports/{id}` (404 `export_file_not_found` until ready) for its 302;
/// returns the `Location`.
async fn wait_ready(app: &TestApp, token: &str, id: i64) -> String {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let res = no_redirect
            .get(format!("{}/api/shared/v1/chats/exports/{id}", app.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if res.status() == 302 {
            return res.headers()["location"].to_str().unwrap().to_owned();
        }
        assert_eq!(res.status(), 404);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "export_file_not_found");
        assert!(tokio::time::Instant::now() < deadline, "export never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_export_is_requested_and_downloaded_through_a_redirect() {
    let app = TestApp::spawn_with(|c| c.dispatcher = true).await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "ops"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    p.post(
        "/messages",
        json!({"message": {"entity_id": chat, "content": "to be archived"}}),
    )
    .await
    .expect(201);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let body = json!({"start_at": today, "end_at": today, "webhook_url": "http://127.0.0.1:9/x", "chat_ids": [chat]});

    // Without Prefer: 204, no body.
    let (status, res) = request(&app, &owner.token, false, body.clone()).await;
    assert_eq!(status, 204);
    assert_eq!(res, Value::Null);
    // With Prefer: 202 {data: {id}}.
    let (status, res) = request(&app, &owner.token, true, body.clone()).await;
    assert_eq!(status, 202, "{res:#}");
    let id = res["data"]["id"].as_i64().unwrap();

    // Until ready: 404 export_file_not_found; then a 302 to a signed download.
    let location = wait_ready(&app, &owner.token, id).await;
    assert!(location.contains("/files/signed/"), "{location}");
    let path = &location[location.find("/files/signed/").unwrap()..];
    let zip = app
        .http()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(zip.status(), 200);
    let bytes = zip.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");

    // Foreign and unknown exports: 404 export_file_not_found.
    Pachca::new(&app, &other.token)
        .get(&format!("/chats/exports/{id}"))
        .await
        .expect_error(404, "export_file_not_found");
    p.get("/chats/exports/999999")
        .await
        .expect_error(404, "export_file_not_found");

    // Errors: reversed range 422, bad date 422, missing key 400, foreign chat 404,
    // a member 403, no token 401.
    let (status, res) = request(
        &app,
        &owner.token,
        false,
        json!({"start_at": "2024-02-01", "end_at": "2024-01-01", "webhook_url": "http://127.0.0.1:9/x"}),
    )
    .await;
    assert_eq!(
        (status, res["errors"][0]["code"].as_str()),
        (422, Some("invalid_date_range"))
    );
    let (status, res) = request(
        &app,
        &owner.token,
        false,
        json!({"start_at": "nope", "end_at": "2024-01-01", "webhook_url": "http://127.0.0.1:9/x"}),
    )
    .await;
    assert_eq!(status, 422, "{res:#}");
    assert_eq!(res["errors"][0]["key"], "start_at");
    // No webhook_url (optional in SDK 1.6.1): accepted, no notice, polled to completion.
    let (status, res) = request(
        &app,
        &owner.token,
        true,
        json!({"start_at": today, "end_at": today, "chat_ids": [chat]}),
    )
    .await;
    assert_eq!(status, 202, "{res:#}");
    let quiet = res["data"]["id"].as_i64().unwrap();
    assert!(
        wait_ready(&app, &owner.token, quiet)
            .await
            .contains("/files/signed/")
    );
    let (status, res) = request(&app, &owner.token, false, json!({"start_at": "2024-01-01"})).await;
    assert_eq!(
        (status, res["errors"][0]["key"].as_str()),
        (400, Some("end_at"))
    );
    let foreign = Pachca::new(&app, &other.token)
        .post("/chats", json!({"chat": {"name": "theirs"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let (status, res) = request(
        &app,
        &owner.token,
        false,
        json!({"start_at": "2024-01-01", "end_at": "2024-01-02", "webhook_url": "http://127.0.0.1:9/x", "chat_ids": [foreign]}),
    )
    .await;
    assert_eq!(
        (status, res["errors"][0]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = request(&app, &member.token, false, body.clone()).await;
    assert_eq!(status, 403);
    let (status, res) = request(&app, "bad", false, body).await;
    assert_eq!(
        (status, res["error"].as_str()),
        (401, Some("invalid_token"))
    );
}
