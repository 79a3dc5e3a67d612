//! One message, two front doors: a message sent through the façade reaches GraphQL
//! queries and subscriptions, and one sent through GraphQL is in the façade's list.

use serde_json::json;

use super::{Pachca, ids};
use crate::util::{Protocol, TestApp, gid, rid};
use schema::ids::Kind;

#[tokio::test]
async fn facade_and_graphql_see_the_same_messages() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post("/chats", json!({"chat": {"name": "Bridge"}}))
        .await
        .body["data"]["id"]
        .as_i64()
        .unwrap();
    let chat_gid = gid(Kind::Chat, chat);

    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    ws.subscribe(
        "1",
        "subscription($chatId: ID!) { messageAdded(chatId: $chatId) { id content } }",
        json!({ "chatId": chat_gid }),
    )
    .await
    .unwrap();
    // Let the subscription register before the message is sent.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let sent = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "from REST"}}),
        )
        .await;
    let rest_id = sent.expect(201)["data"]["id"].as_i64().unwrap();
    let pushed = ws.next_data().await;
    assert_eq!(pushed["messageAdded"]["content"], "from REST");
    assert_eq!(rid(pushed["messageAdded"]["id"].as_str().unwrap()), rest_id);

    let gql_id = rid(&app.send(&owner, &chat_gid, "from GraphQL").await);
    let listed = p.get(&format!("/messages?chat_id={chat}")).await;
    assert_eq!(ids(&listed.body), vec![gql_id, rest_id]);
    let data = app
        .gql_ok(
            &owner.token,
            "query($id: ID!) { node(id: $id) { ... on Message { content } } }",
            json!({ "id": gid(Kind::Message, rest_id) }),
        )
        .await;
    assert_eq!(data["node"]["content"], "from REST");
}
