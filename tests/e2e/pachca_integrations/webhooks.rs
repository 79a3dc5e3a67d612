//! Outgoing bot webhooks in Pachca's shape: who hears what, `Pachca-Signature` on every
//! delivery, a re-stamped and re-signed retry after a 503.

use std::sync::atomic::Ordering;

use serde_json::json;

use super::support::{Receiver, app_with_dispatcher, assert_signed, create_bot};
use crate::util::{Actor, rid};

fn as_actor(bot: &super::support::BotHandle, workspace_id: i64) -> Actor {
    Actor {
        token: bot.token.clone(),
        id: bot.id,
        gid: bot.gid.clone(),
        workspace_id,
    }
}

#[test]
fn the_guide_test_vector_verifies() {
    let body = br#"{"type":"message","event":"delete","id":1,"webhook_timestamp":1705303800}"#;
    assert_eq!(
        resolvers::webhooks::signing::hex_sign("pachca-test-secret", body),
        "c7e03152a51319aa12c298f044befedff83abdba3a628ac498b36775b6057457"
    );
}

#[tokio::test]
async fn a_bot_in_a_chat_gets_signed_message_events_and_a_bot_outside_gets_none() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let inside_rx = Receiver::default();
    let outside_rx = Receiver::default();
    let inside_url = inside_rx.start().await;
    let outside_url = outside_rx.start().await;
    let all = [
        "message_new",
        "message_update",
        "message_delete",
        "reaction_new",
        "reaction_delete",
        "chat_member_add",
    ];
    let inside = create_bot(&app, &owner, json!({"name": "In", "outgoingUrl": inside_url, "events": all, "triggerOn": "all_messages"})).await;
    let _outside = create_bot(&app, &owner, json!({"name": "Out", "outgoingUrl": outside_url, "events": all, "triggerOn": "all_messages"})).await;
    let chat = app
        .create_chat(
            &owner,
            "ops",
            false,
            &[&as_actor(&inside, owner.workspace_id)],
        )
        .await;
    let msg = app.send(&owner, &chat, "hello bots").await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { editMessage(id: $id, content: \"edited\") { id } }",
        json!({"id": msg}),
    )
    .await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { addReaction(messageId: $id, emoji: \"👍\") { id } }",
        json!({"id": msg}),
    )
    .await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteMessage(id: $id) { __typename } }",
        json!({"id": msg}),
    )
    .await;

    let got = inside_rx
        .wait_for(4, |v| v["type"] == "message" || v["type"] == "reaction")
        .await;
    for d in &got {
        assert_signed(d, &inside.secret);
    }
    let find = |t: &str, e: &str| {
        got.iter()
            .find(|d| d.json["type"] == t && d.json["event"] == e)
            .unwrap_or_else(|| panic!("no {t}/{e}"))
            .json
            .clone()
    };
    let new = find("message", "new");
    let mid = rid(&msg);
    assert_eq!(new["id"], mid);
    assert_eq!(new["content"], "hello bots");
    assert_eq!(new["entity_type"], "discussion");
    assert_eq!(new["chat_id"], rid(&chat));
    assert_eq!(new["entity_id"], rid(&chat));
    assert_eq!(new["user_id"], owner.id);
    assert!(
        new["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/chats/{}?message={mid}", rid(&chat)))
    );
    assert!(new["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(find("message", "update")["content"], "edited");
    assert_eq!(find("message", "delete")["id"], mid);
    let reaction = find("reaction", "new");
    assert_eq!(reaction["message_id"], mid);
    assert_eq!(reaction["code"], "👍");
    // The outside bot heard nothing about this chat.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        outside_rx
            .all()
            .iter()
            .all(|d| d.json["chat_id"] != rid(&chat)),
        "{:?}",
        outside_rx.all().iter().map(|d| &d.json).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_delivery_answered_503_is_retried_with_a_fresh_timestamp_and_signature() {
    // `webhook_timestamp` counts whole seconds and the retry waits its delay ±20 %
    // jitter after the refused attempt: 1.3 s keeps even the earliest retry (1.04 s) in a
    // later second than the first attempt.
    let app = app_with_dispatcher(1_300).await;
    let owner = app.workspace("acme").await;
    let rx = Receiver::default();
    rx.fail_first.store(1, Ordering::SeqCst);
    let url = rx.start().await;
    let bot = create_bot(&app, &owner, json!({"name": "B", "outgoingUrl": url, "events": ["message_new"], "triggerOn": "all_messages"})).await;
    let chat = app
        .create_chat(&owner, "ops", false, &[&as_actor(&bot, owner.workspace_id)])
        .await;
    app.send(&owner, &chat, "one").await;
    rx.wait_for(1, |v| v["type"] == "message").await;
    let all: Vec<_> = rx
        .all()
        .into_iter()
        .filter(|d| d.json["type"] == "message")
        .collect();
    assert_eq!(all.len(), 2, "one refused attempt, one accepted retry");
    assert!(!all[0].accepted && all[1].accepted);
    for d in &all {
        assert_signed(d, &bot.secret);
    }
    let (t0, t1) = (
        all[0].json["webhook_timestamp"].as_i64().unwrap(),
        all[1].json["webhook_timestamp"].as_i64().unwrap(),
    );
    assert!(t1 > t0, "the retry is re-stamped: {t0} then {t1}");
    assert_ne!(
        all[0].headers["pachca-signature"],
        all[1].headers["pachca-signature"]
    );
    assert_eq!(all[0].json["id"], all[1].json["id"]);
}

#[tokio::test]
async fn commands_trigger_only_matching_messages_and_ignore_self_is_honoured() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let rx = Receiver::default();
    let url = rx.start().await;
    let bot = create_bot(&app, &owner, json!({"name": "B", "outgoingUrl": url, "events": ["message_new"], "commands": ["/task"], "ignoreSelfMessages": true})).await;
    let bot_actor = as_actor(&bot, owner.workspace_id);
    let chat = app.create_chat(&owner, "ops", false, &[&bot_actor]).await;
    app.send(&owner, &chat, "just chatting").await;
    app.send(&bot_actor, &chat, "/task from myself").await;
    app.send(&owner, &chat, "/task buy milk").await;
    let got = rx.wait_for(1, |v| v["type"] == "message").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let got_all = rx.accepted(|v| v["type"] == "message");
    assert_eq!(
        got_all.len(),
        1,
        "{:?}",
        got_all.iter().map(|d| &d.json).collect::<Vec<_>>()
    );
    assert_eq!(got[0].json["content"], "/task buy milk");
}

#[tokio::test]
async fn membership_changes_reach_the_bot_that_was_added() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let rx = Receiver::default();
    let url = rx.start().await;
    let bot = create_bot(&app, &owner, json!({"name": "B", "outgoingUrl": url, "events": ["chat_member_add", "chat_member_remove"]})).await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({"c": chat, "u": [bot.gid]}),
    )
    .await;
    let got = rx
        .wait_for(1, |v| v["type"] == "chat_member" && v["event"] == "add")
        .await;
    assert_signed(&got[0], &bot.secret);
    assert_eq!(got[0].json["chat_id"], rid(&chat));
    assert_eq!(got[0].json["user_ids"], json!([bot.id]));
    assert_eq!(got[0].json["thread_id"], serde_json::Value::Null);
}
