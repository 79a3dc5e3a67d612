//! Buttons, views, link previews and the bot event history over GraphQL.

use std::time::Duration;

use serde_json::{Value, json};

use super::support::{BotHandle, Receiver, app_with_dispatcher, assert_signed, create_bot};
use crate::util::{Actor, TestApp, rid};

const SEND: &str = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }";
const CLICK: &str =
    "mutation($m: ID!, $d: String!) { clickMessageButton(messageId: $m, data: $d) { triggerId } }";
const OPEN: &str = "mutation($t: String!, $v: JSON!, $c: String) { openView(triggerId: $t, view: $v, callbackId: $c, privateMetadata: \"meta\") { id state } }";
const HISTORY: &str = "query($after: String) { botEvents(first: 50, after: $after) { pageInfo { hasNextPage } edges { cursor node { id eventType payload createdAt } } } }";

fn actor(bot: &BotHandle, ws: i64) -> Actor {
    Actor {
        token: bot.token.clone(),
        id: bot.id,
        gid: bot.gid.clone(),
        workspace_id: ws,
    }
}

async fn bot_message_with_button(app: &TestApp, bot: &BotHandle, chat: &str) -> String {
    let data = app
        .gql_ok(&bot.token, SEND, json!({"input": {"chatId": chat, "content": "Approve?", "buttons": [[{"text": "Yes", "data": "yes"}]]}}))
        .await;
    data["sendMessage"]["id"].as_str().unwrap().to_owned()
}

fn view() -> Value {
    json!({"title": "Leave request", "blocks": [{"type": "input", "name": "reason", "label": "Why?"}]})
}

#[tokio::test]
async fn a_click_reaches_the_bot_which_opens_a_view_the_user_submits_and_the_bot_closes() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let rx = Receiver::default();
    let url = rx.start().await;
    let bot = create_bot(
        &app,
        &owner,
        json!({"name": "Approver", "outgoingUrl": url}),
    )
    .await;
    let chat = app
        .create_chat(&owner, "ops", false, &[&actor(&bot, owner.workspace_id)])
        .await;
    let message = bot_message_with_button(&app, &bot, &chat).await;
    let click = app
        .gql_ok(&owner.token, CLICK, json!({"m": message, "d": "yes"}))
        .await;
    let trigger = click["clickMessageButton"]["triggerId"]
        .as_str()
        .unwrap()
        .to_owned();

    let got = rx.wait_for(1, |v| v["type"] == "button").await;
    assert_signed(&got[0], &bot.secret);
    assert_eq!(got[0].json["event"], "click");
    assert_eq!(got[0].json["trigger_id"], trigger.as_str());
    assert_eq!(got[0].json["data"], "yes");
    assert_eq!(got[0].json["message_id"], rid(&message));
    assert_eq!(got[0].json["user_id"], owner.id);
    assert_eq!(got[0].json["chat_id"], rid(&chat));

    let opened = app
        .gql_ok(
            &bot.token,
            OPEN,
            json!({"t": trigger, "v": view(), "c": "leave"}),
        )
        .await;
    let view_id = opened["openView"]["id"].as_str().unwrap().to_owned();
    let mine = app
        .gql_ok(&owner.token, "{ myViews { id state view } }", json!({}))
        .await;
    assert_eq!(mine["myViews"][0]["id"], view_id.as_str());
    assert_eq!(mine["myViews"][0]["view"]["title"], "Leave request");

    app.gql_ok(
        &owner.token,
        "mutation($id: String!) { submitView(id: $id, data: {reason: \"vacation\"}) { state } }",
        json!({"id": view_id}),
    )
    .await;
    let got = rx.wait_for(1, |v| v["type"] == "view").await;
    let submit = &got[0].json;
    assert_signed(&got[0], &bot.secret);
    assert_eq!(submit["event"], "submit");
    assert_eq!(submit["view_id"], view_id.as_str());
    assert_eq!(submit["callback_id"], "leave");
    assert_eq!(submit["private_metadata"], "meta");
    assert_eq!(submit["data"], json!({"reason": "vacation"}));
    assert_eq!(submit["user_id"], owner.id);
    let submit_id = submit["submit_id"].as_str().unwrap().to_owned();

    let answer = "mutation($v: String!, $s: String!, $e: JSON) { answerViewSubmission(viewId: $v, submitId: $s, errors: $e) }";
    let wrong = app
        .gql_ok(&bot.token, answer, json!({"v": view_id, "s": "nope"}))
        .await;
    assert_eq!(wrong["answerViewSubmission"], false);
    let with_errors = app
        .gql_ok(
            &bot.token,
            answer,
            json!({"v": view_id, "s": submit_id, "e": {"reason": "too short"}}),
        )
        .await;
    assert_eq!(with_errors["answerViewSubmission"], true);
    let mine = app
        .gql_ok(&owner.token, "{ myViews { state errors } }", json!({}))
        .await;
    assert_eq!(mine["myViews"][0]["state"], "open");
    assert_eq!(mine["myViews"][0]["errors"], json!({"reason": "too short"}));
    app.gql_ok(&owner.token, "mutation($id: String!) { submitView(id: $id, data: {reason: \"family vacation\"}) { state } }", json!({"id": view_id}))
        .await;
    let got = rx.wait_for(2, |v| v["type"] == "view").await;
    let second = got
        .iter()
        .map(|d| d.json["submit_id"].as_str().unwrap().to_owned())
        .find(|s| *s != submit_id)
        .unwrap();
    let closed = app
        .gql_ok(&bot.token, answer, json!({"v": view_id, "s": second}))
        .await;
    assert_eq!(closed["answerViewSubmission"], true);
    let mine = app
        .gql_ok(&owner.token, "{ myViews { id } }", json!({}))
        .await;
    assert_eq!(mine["myViews"], json!([]));
}

#[tokio::test]
async fn a_trigger_older_than_three_seconds_cannot_open_a_view() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bot = create_bot(
        &app,
        &owner,
        json!({"name": "Approver", "eventsHistoryEnabled": true}),
    )
    .await;
    let other = create_bot(
        &app,
        &owner,
        json!({"name": "Other", "eventsHistoryEnabled": true}),
    )
    .await;
    let chat = app
        .create_chat(&owner, "ops", false, &[&actor(&bot, owner.workspace_id)])
        .await;
    let message = bot_message_with_button(&app, &bot, &chat).await;
    let click = app
        .gql_ok(&owner.token, CLICK, json!({"m": message, "d": "yes"}))
        .await;
    let trigger = click["clickMessageButton"]["triggerId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another bot cannot use this bot's trigger; an unknown trigger is missing too.
    assert_eq!(
        app.gql_err(&other.token, OPEN, json!({"t": trigger, "v": view()}))
            .await
            .0,
        "NOT_FOUND"
    );
    assert_eq!(
        app.gql_err(&bot.token, OPEN, json!({"t": "nope", "v": view()}))
            .await
            .0,
        "NOT_FOUND"
    );
    let (code, body) = app
        .gql_err(
            &bot.token,
            OPEN,
            json!({"t": trigger, "v": {"title": "x".repeat(25), "blocks": []}}),
        )
        .await;
    assert_eq!(
        (
            code.as_str(),
            body["errors"][0]["extensions"]["field"].as_str()
        ),
        ("BAD_USER_INPUT", Some("view.title"))
    );
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let (code, body) = app
        .gql_err(&bot.token, OPEN, json!({"t": trigger, "v": view()}))
        .await;
    assert_eq!(code, "CONFLICT", "{body}");
    assert!(body.to_string().contains("trigger_expired"));
    assert_eq!(app.count("views").await, 0);
}

#[tokio::test]
async fn the_history_lists_what_the_bot_hears_newest_first_and_deleted_entries_never_return() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other_ws = app.workspace("globex").await;
    let bot = create_bot(&app, &owner, json!({"name": "Poller", "eventsHistoryEnabled": true, "events": ["message_new", "reaction_new"], "triggerOn": "all_messages"})).await;
    let chat = app
        .create_chat(&owner, "ops", false, &[&actor(&bot, owner.workspace_id)])
        .await;
    let m1 = app.send(&owner, &chat, "first").await;
    app.send(&owner, &chat, "second").await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { addReaction(messageId: $id, emoji: \"🔥\") { id } }",
        json!({"id": m1}),
    )
    .await;
    // Outside the bot's chats: not heard.
    let elsewhere = app.create_chat(&owner, "private", false, &[]).await;
    app.send(&owner, &elsewhere, "unheard").await;

    let page = app.gql_ok(&bot.token, HISTORY, json!({})).await;
    let edges = page["botEvents"]["edges"].as_array().unwrap().clone();
    let types: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["reaction_new", "message_new", "message_new"]);
    assert_eq!(edges[1]["node"]["payload"]["content"], "second");
    // Stamped with the event's time, like the payload a push would carry.
    assert!(
        edges[0]["node"]["payload"]["webhook_timestamp"]
            .as_i64()
            .is_some_and(|t| (t - chrono::Utc::now().timestamp()).abs() < 300)
    );
    let id = edges[1]["node"]["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 26);

    app.gql_ok(
        &bot.token,
        "mutation($id: String!) { deleteBotEvent(id: $id) }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(
        app.gql_err(
            &bot.token,
            "mutation($id: String!) { deleteBotEvent(id: $id) }",
            json!({"id": id})
        )
        .await
        .0,
        "NOT_FOUND"
    );
    let page = app.gql_ok(&bot.token, HISTORY, json!({})).await;
    let ids: Vec<&str> = page["botEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&id.as_str()));
    // A cursor pages on; a person's token has no history at all.
    let after = page["botEvents"]["edges"][0]["cursor"].as_str().unwrap();
    let next = app
        .gql_ok(&bot.token, HISTORY, json!({"after": after}))
        .await;
    assert_eq!(next["botEvents"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.gql_err(&owner.token, HISTORY, json!({})).await.0,
        "INSUFFICIENT_SCOPE"
    );
    assert_eq!(
        app.gql_err(
            &other_ws.token,
            "mutation($id: String!) { deleteBotEvent(id: $id) }",
            json!({"id": ids[0]})
        )
        .await
        .0,
        "INSUFFICIENT_SCOPE"
    );
}

#[tokio::test]
async fn a_link_in_an_unfurl_domain_is_shared_with_the_bot_which_attaches_a_preview() {
    let app = app_with_dispatcher(100).await;
    let owner = app.workspace("acme").await;
    let rx = Receiver::default();
    let url = rx.start().await;
    let bot = create_bot(&app, &owner, json!({"name": "Unfurler", "outgoingUrl": url, "unfurlDomains": ["example.com"], "triggerOn": "unfurl"})).await;
    let chat = app
        .create_chat(&owner, "ops", false, &[&actor(&bot, owner.workspace_id)])
        .await;
    let message = app
        .send(
            &owner,
            &chat,
            "see https://docs.example.com/page and https://other.test/x",
        )
        .await;
    let got = rx.wait_for(1, |v| v["event"] == "link_shared").await;
    assert_signed(&got[0], &bot.secret);
    let p = &got[0].json;
    assert_eq!(p["type"], "message");
    assert_eq!(p["message_id"], rid(&message));
    assert_eq!(p["entity_type"], "discussion");
    assert_eq!(
        p["links"],
        json!([{"url": "https://docs.example.com/page", "domain": "example.com", "skip": false}])
    );
    let add = "mutation($m: ID!, $p: [LinkPreviewInput!]!) { addLinkPreviews(messageId: $m, previews: $p) { url title } }";
    let added = app
        .gql_ok(
            &bot.token,
            add,
            json!({"m": message, "p": [{"url": "https://docs.example.com/page", "title": "Docs"}]}),
        )
        .await;
    assert_eq!(added["addLinkPreviews"][0]["title"], "Docs");
    let (code, body) = app
        .gql_err(
            &bot.token,
            add,
            json!({"m": message, "p": [{"url": "https://evil.test/", "title": "x"}]}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body}");
    let seen = app
        .gql_ok(
            &owner.token,
            "query($m: ID!) { linkPreviews(messageId: $m) { url title } }",
            json!({"m": message}),
        )
        .await;
    assert_eq!(
        seen["linkPreviews"],
        json!([{"url": "https://docs.example.com/page", "title": "Docs"}])
    );
    // A bot outside the chat cannot attach previews to it.
    let stranger = create_bot(&app, &owner, json!({"name": "Stranger"})).await;
    assert_eq!(
        app.gql_err(
            &stranger.token,
            add,
            json!({"m": message, "p": [{"url": "https://docs.example.com/page", "title": "x"}]})
        )
        .await
        .0,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn drafts_are_private_to_their_author() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app
        .user("acme", "bob@acme.test", resolvers::people::Role::Member)
        .await;
    let chat = app.create_chat(&owner, "ops", false, &[&bob]).await;
    let created = app
        .gql_ok(&owner.token, "mutation($c: ID!) { createDraft(chatId: $c, content: \"half a thought\") { id content } }", json!({"c": chat}))
        .await;
    let id = created["createDraft"]["id"].as_i64().unwrap();
    let updated = app.gql_ok(&owner.token, "mutation($id: Int!) { updateDraft(id: $id, content: \"a whole thought\") { content } }", json!({"id": id})).await;
    assert_eq!(updated["updateDraft"]["content"], "a whole thought");
    let list = app
        .gql_ok(
            &owner.token,
            "{ drafts { edges { node { id content } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["drafts"]["edges"][0]["node"]["id"], id);
    let theirs = app
        .gql_ok(
            &bob.token,
            "{ drafts { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(theirs["drafts"]["edges"], json!([]));
    assert_eq!(
        app.gql_err(
            &bob.token,
            "mutation($id: Int!) { deleteDraft(id: $id) }",
            json!({"id": id})
        )
        .await
        .0,
        "NOT_FOUND"
    );
    let stranger = app.workspace("globex").await;
    assert_eq!(
        app.gql_err(
            &stranger.token,
            "mutation($c: ID!) { createDraft(chatId: $c, content: \"x\") { id } }",
            json!({"c": chat})
        )
        .await
        .0,
        "NOT_FOUND"
    );
    app.gql_ok(
        &owner.token,
        "mutation($id: Int!) { deleteDraft(id: $id) }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(app.count("drafts").await, 0);
}
