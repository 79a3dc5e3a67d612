//! Chat exports over GraphQL: request → background build → `export`/`ready` webhook to
//! the request's URL → a signed, short-lived download of the zip.

use serde_json::json;

use super::support::{Receiver, app_with_dispatcher};
use crate::util::rid;

#[tokio::test]
async fn an_export_is_built_announced_and_downloadable_once_signed() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    app.send(&owner, &chat, "to be archived").await;
    let rx = Receiver::default();
    let url = rx.start().await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($i: ChatExportInput!) { requestChatExport(input: $i) { id status } }",
            json!({"i": {"startAt": today, "endAt": today, "webhookUrl": url, "chatIds": [chat]}}),
        )
        .await;
    let id = data["requestChatExport"]["id"].as_i64().unwrap();
    let got = rx.wait_for(1, |v| v["type"] == "export").await;
    assert_eq!(got[0].json["event"], "ready");
    assert_eq!(got[0].json["export_id"], id);
    assert!(got[0].headers.get("pachca-signature").is_none());
    let data = app
        .gql_ok(
            &owner.token,
            "query($id: Int!) { chatExport(id: $id) { status size downloadUrl } }",
            json!({"id": id}),
        )
        .await;
    let e = &data["chatExport"];
    assert_eq!(e["status"], "ready");
    let link = e["downloadUrl"]
        .as_str()
        .unwrap()
        .replace("http://127.0.0.1:8080", &app.base);
    let res = app.http().get(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "a zip archive");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("to be archived"));
    assert!(text.contains(&format!("messages/{}.json", rid(&chat))));
    // A tampered signature is a 404, like a missing export.
    let bad = format!("{}0", link);
    assert_eq!(app.http().get(&bad).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_reversed_range_foreign_chats_and_internal_urls_are_refused() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("globex").await;
    let foreign = app.create_chat(&other, "theirs", false, &[]).await;
    let q = "mutation($i: ChatExportInput!) { requestChatExport(input: $i) { id } }";
    let (code, body) = app
        .gql_err(&owner.token, q, json!({"i": {"startAt": "2024-02-01", "endAt": "2024-01-01", "webhookUrl": "http://127.0.0.1:9/x"}}))
        .await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body}");
    assert!(body.to_string().contains("invalid_date_range"));
    let (code, _) = app
        .gql_err(&owner.token, q, json!({"i": {"startAt": "2024-01-01", "endAt": "2024-01-02", "webhookUrl": "http://10.1.2.3/x"}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .gql_err(&owner.token, q, json!({"i": {"startAt": "2024-01-01", "endAt": "2024-01-02", "webhookUrl": "http://127.0.0.1:9/x", "chatIds": [foreign]}}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .gql_err(
            &other.token,
            "query { chatExport(id: 1) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(app.count("chat_exports").await, 0);
}
