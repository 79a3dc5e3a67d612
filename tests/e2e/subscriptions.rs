//! Subscriptions over a real WebSocket, driven by mutations over real HTTP: every event
//! kind reaches subscribers on both protocols, and nobody hears about a chat they cannot
//! see (another workspace's, a private one, one they were removed from).
//!
//! Neither protocol acknowledges a `subscribe`: the server checks access and attaches to
//! the event bus asynchronously. [`subscribe`] therefore waits [`SETTLE`] (asserting
//! silence meanwhile) before the test acts.

use std::time::Duration;

use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::ws::Event;
use crate::util::{Actor, Protocol, TestApp, WsClient, gid};
use schema::ids::Kind;

/// Time for a fresh subscription to check access and attach to the bus.
const SETTLE: Duration = Duration::from_millis(100);
/// How long "nothing arrives" is watched for.
const SILENCE: Duration = Duration::from_millis(300);
/// How long an expected message may take.
const WAIT: Duration = Duration::from_secs(5);

const MESSAGE_ADDED: &str = "subscription($chat: ID!) { messageAdded(chatId: $chat) { \
    id content chatId author { id name } reactions { emoji count viewerReacted } } }";
const MESSAGE_UPDATED: &str = "subscription($chat: ID!) { messageUpdated(chatId: $chat) { \
    id content editedAt pinned pinnedBy { id name } } }";
const MESSAGE_DELETED: &str =
    "subscription($chat: ID!) { messageDeleted(chatId: $chat) { id chatId deletedAt } }";
const REACTION_CHANGED: &str = "subscription($chat: ID!) { reactionChanged(chatId: $chat) { \
    messageId chatId userId emoji added message { id reactions { emoji count } } } }";
const MEMBERSHIP_CHANGED: &str = "subscription($chat: ID) { chatMembershipChanged(chatId: $chat) { \
    chatId chat { id name } userIds change actor { id name } } }";
const READ_STATE_CHANGED: &str = "subscription($chat: ID) { readStateChanged(chatId: $chat) { chatId userId lastReadMessageId } }";

/// Start subscription `id` and give the server time to attach it to the bus.
async fn subscribe(ws: &mut WsClient, id: &str, query: &str, variables: Value) {
    ws.subscribe(id, query, variables).await.unwrap();
    ws.expect_silence(SETTLE).await;
}

/// The next result of subscription `id` (which must carry no errors): its `data`.
async fn data_of(ws: &mut WsClient, id: &str) -> Value {
    match ws.next_event(WAIT).await.unwrap() {
        (Some(got), Event::Next(payload)) if got == id => {
            assert!(
                payload.get("errors").is_none_or(Value::is_null),
                "subscription {id} failed: {payload}"
            );
            payload["data"].clone()
        }
        other => panic!("expected a result of subscription {id}, got {other:?}"),
    }
}

/// Subscription `id` must fail at its start; returns its (first) GraphQL error.
///
/// What the server sends is what the graphql-ws reference server sends for an error
/// raised by a subscription's resolver: one result with `data: null` and the errors,
/// then `complete`. (`error` would also end the operation and is accepted too.)
async fn start_error_of(ws: &mut WsClient, id: &str) -> Value {
    match ws.next_event(WAIT).await.unwrap() {
        (Some(got), Event::Next(payload)) if got == id => {
            assert!(
                payload["data"].is_null(),
                "a failed subscription has no data: {payload}"
            );
            let error = payload["errors"][0].clone();
            assert!(
                !error.is_null(),
                "expected an error for subscription {id}, got {payload}"
            );
            match ws.next_event(WAIT).await.unwrap() {
                (Some(got), Event::Complete) if got == id => {}
                other => {
                    panic!("expected subscription {id} to complete after its error, got {other:?}")
                }
            }
            error
        }
        (Some(got), Event::Error(payload)) if got == id => payload[0].clone(),
        other => panic!("expected subscription {id} to fail, got {other:?}"),
    }
}

/// Subscription `id` must end (the server completes it).
async fn expect_complete(ws: &mut WsClient, id: &str) {
    match ws.next_event(WAIT).await.unwrap() {
        (Some(got), Event::Complete) if got == id => {}
        other => panic!("expected subscription {id} to complete, got {other:?}"),
    }
}

/// A workspace `acme` with its owner and two members.
async fn team(app: &TestApp) -> (Actor, Actor, Actor) {
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let carol = app.user("acme", "carol@acme.test", Role::Member).await;
    (owner, bob, carol)
}

async fn create_thread(app: &TestApp, actor: &Actor, message: &str) -> String {
    let data = app
        .gql_ok(
            &actor.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": message }),
        )
        .await;
    data["createThread"]["id"].as_str().unwrap().to_owned()
}

async fn remove_member(app: &TestApp, by: &Actor, chat: &str, user: &Actor) {
    app.gql_ok(
        &by.token,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id } }",
        json!({ "c": chat, "u": user.gid }),
    )
    .await;
}

async fn message_added_delivers_an_http_message(protocol: Protocol) {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let mut ws = app.ws(&bob.token, protocol).await;
    subscribe(&mut ws, "1", MESSAGE_ADDED, json!({ "chat": chat })).await;

    let sent = app.send(&owner, &chat, "hello over http").await;

    let data = data_of(&mut ws, "1").await;
    assert_eq!(
        data["messageAdded"],
        json!({
            "id": sent,
            "content": "hello over http",
            "chatId": chat,
            "author": { "id": owner.gid, "name": "Owner Tester" },
            "reactions": [],
        })
    );
}

#[tokio::test]
async fn message_added_delivers_a_message_sent_over_http_on_graphql_transport_ws() {
    message_added_delivers_an_http_message(Protocol::TransportWs).await;
}

#[tokio::test]
async fn message_added_delivers_a_message_sent_over_http_on_legacy_graphql_ws() {
    message_added_delivers_an_http_message(Protocol::LegacyWs).await;
}

#[tokio::test]
async fn message_updated_delivers_an_edit() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&owner, &chat, "first draft").await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "upd", MESSAGE_UPDATED, json!({ "chat": chat })).await;

    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { editMessage(id: $id, content: \"final text\") { id } }",
        json!({ "id": message }),
    )
    .await;

    let updated = &data_of(&mut ws, "upd").await["messageUpdated"];
    assert_eq!(updated["id"], json!(message));
    assert_eq!(updated["content"], "final text");
    assert!(
        updated["editedAt"].is_string(),
        "an edit sets editedAt: {updated}"
    );
    assert_eq!(updated["pinned"], false);
}

#[tokio::test]
async fn message_updated_delivers_a_pin() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&owner, &chat, "remember this").await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "upd", MESSAGE_UPDATED, json!({ "chat": chat })).await;

    app.gql_ok(
        &bob.token,
        "mutation($id: ID!) { pinMessage(id: $id) { id } }",
        json!({ "id": message }),
    )
    .await;

    let updated = &data_of(&mut ws, "upd").await["messageUpdated"];
    assert_eq!(updated["id"], json!(message));
    assert_eq!(updated["content"], "remember this");
    assert_eq!(updated["pinned"], true);
    assert_eq!(
        updated["pinnedBy"],
        json!({ "id": bob.gid, "name": "Bob Tester" })
    );
    assert!(
        updated["editedAt"].is_null(),
        "a pin is not an edit: {updated}"
    );
}

#[tokio::test]
async fn message_deleted_delivers_the_deleted_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&bob, &chat, "oops").await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "del", MESSAGE_DELETED, json!({ "chat": chat })).await;

    app.gql_ok(
        &bob.token,
        "mutation($id: ID!) { deleteMessage(id: $id) { id } }",
        json!({ "id": message }),
    )
    .await;

    let deleted = &data_of(&mut ws, "del").await["messageDeleted"];
    assert_eq!(deleted["id"], json!(message));
    assert_eq!(deleted["chatId"], json!(chat));
    assert!(deleted["deletedAt"].is_string(), "{deleted}");
}

#[tokio::test]
async fn reaction_changed_delivers_added_and_removed_reactions() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&owner, &chat, "ship it?").await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "r", REACTION_CHANGED, json!({ "chat": chat })).await;
    let react = |mutation: &str| {
        format!("mutation($m: ID!) {{ {mutation}(messageId: $m, emoji: \"👍\") {{ id }} }}")
    };

    app.gql_ok(&bob.token, &react("addReaction"), json!({ "m": message }))
        .await;
    let added = data_of(&mut ws, "r").await["reactionChanged"].clone();
    app.gql_ok(
        &bob.token,
        &react("removeReaction"),
        json!({ "m": message }),
    )
    .await;
    let removed = data_of(&mut ws, "r").await["reactionChanged"].clone();

    assert_eq!(
        added,
        json!({
            "messageId": message,
            "chatId": chat,
            "userId": bob.gid,
            "emoji": "👍",
            "added": true,
            "message": { "id": message, "reactions": [{ "emoji": "👍", "count": 1 }] },
        })
    );
    assert_eq!(
        removed,
        json!({
            "messageId": message,
            "chatId": chat,
            "userId": bob.gid,
            "emoji": "👍",
            "added": false,
            "message": { "id": message, "reactions": [] },
        })
    );
}

#[tokio::test]
async fn chat_membership_changed_delivers_added_members() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "m", MEMBERSHIP_CHANGED, json!({ "chat": chat })).await;

    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({ "c": chat, "u": [carol.gid] }),
    )
    .await;

    assert_eq!(
        data_of(&mut ws, "m").await["chatMembershipChanged"],
        json!({
            "chatId": chat,
            "chat": { "id": chat, "name": "general" },
            "userIds": [carol.gid],
            "change": "ADDED",
            "actor": { "id": owner.gid, "name": "Owner Tester" },
        })
    );
}

#[tokio::test]
async fn chat_membership_changed_tells_a_user_added_to_a_private_chat_about_themselves() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "m", MEMBERSHIP_CHANGED, json!({})).await;

    // Created while Bob is not in it: Bob cannot see it, so he hears nothing of it ...
    let chat = app.create_chat(&owner, "board room", false, &[]).await;
    ws.expect_silence(SILENCE).await;
    // ... until he is added: that change concerns him.
    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({ "c": chat, "u": [bob.gid] }),
    )
    .await;

    assert_eq!(
        data_of(&mut ws, "m").await["chatMembershipChanged"],
        json!({
            "chatId": chat,
            "chat": { "id": chat, "name": "board room" },
            "userIds": [bob.gid],
            "change": "ADDED",
            "actor": { "id": owner.gid, "name": "Owner Tester" },
        })
    );
}

#[tokio::test]
async fn chat_membership_changed_delivers_removals_and_leaves() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = app
        .create_chat(&owner, "general", false, &[&bob, &carol])
        .await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "m", MEMBERSHIP_CHANGED, json!({ "chat": chat })).await;

    remove_member(&app, &owner, &chat, &bob).await;
    let removed = data_of(&mut ws, "m").await["chatMembershipChanged"].clone();
    app.gql_ok(
        &carol.token,
        "mutation($c: ID!) { leaveChat(chatId: $c) { id } }",
        json!({ "c": chat }),
    )
    .await;
    let left = data_of(&mut ws, "m").await["chatMembershipChanged"].clone();

    assert_eq!(removed["userIds"], json!([bob.gid]));
    assert_eq!(removed["change"], "REMOVED");
    assert_eq!(removed["actor"]["id"], json!(owner.gid));
    assert_eq!(left["userIds"], json!([carol.gid]));
    assert_eq!(left["change"], "LEFT");
    assert_eq!(left["actor"]["id"], json!(carol.gid));
}

#[tokio::test]
async fn chat_membership_changed_tells_a_user_removed_from_a_private_chat_without_showing_it() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "board room", false, &[&bob]).await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "m", MEMBERSHIP_CHANGED, json!({})).await;

    remove_member(&app, &owner, &chat, &bob).await;

    assert_eq!(
        data_of(&mut ws, "m").await["chatMembershipChanged"],
        json!({
            "chatId": chat,
            "chat": null,
            "userIds": [bob.gid],
            "change": "REMOVED",
            "actor": { "id": owner.gid, "name": "Owner Tester" },
        })
    );
}

#[tokio::test]
async fn read_state_changed_delivers_mark_read() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&owner, &chat, "please read").await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "rs", READ_STATE_CHANGED, json!({ "chat": chat })).await;

    app.gql_ok(
        &bob.token,
        "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) { id } }",
        json!({ "c": chat, "m": message }),
    )
    .await;

    assert_eq!(
        data_of(&mut ws, "rs").await["readStateChanged"],
        json!({ "chatId": chat, "userId": bob.gid, "lastReadMessageId": message })
    );
}

#[tokio::test]
async fn no_events_of_another_workspace_reach_a_subscriber() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let other = app.workspace("globex").await;
    let other_member = app.user("globex", "dan@globex.test", Role::Member).await;
    let mut ws = app.ws(&other.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "m", MEMBERSHIP_CHANGED, json!({})).await;
    subscribe(&mut ws, "rs", READ_STATE_CHANGED, json!({})).await;

    // Everything happens in acme, including in a public chat.
    let chat = app.create_chat(&owner, "general", true, &[]).await;
    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({ "c": chat, "u": [bob.gid] }),
    )
    .await;
    let message = app.send(&owner, &chat, "acme only").await;
    app.gql_ok(
        &bob.token,
        "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) { id } }",
        json!({ "c": chat, "m": message }),
    )
    .await;
    ws.expect_silence(SILENCE).await;

    // The subscriptions are live: globex's own change arrives.
    let own = app
        .create_chat(&other, "globex chat", false, &[&other_member])
        .await;
    let data = data_of(&mut ws, "m").await;
    assert_eq!(data["chatMembershipChanged"]["chatId"], json!(own));
}

#[tokio::test]
async fn subscribing_to_another_workspaces_chat_fails_like_a_missing_chat() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", true, &[]).await;
    let other = app.workspace("globex").await;
    let mut ws = app.ws(&other.token, Protocol::TransportWs).await;

    ws.subscribe("foreign", MESSAGE_ADDED, json!({ "chat": chat }))
        .await
        .unwrap();
    let foreign = start_error_of(&mut ws, "foreign").await;
    ws.subscribe(
        "missing",
        MESSAGE_ADDED,
        json!({ "chat": gid(Kind::Chat, 999_999) }),
    )
    .await
    .unwrap();
    let missing = start_error_of(&mut ws, "missing").await;
    app.send(&owner, &chat, "acme only").await;

    assert_eq!(foreign["extensions"]["code"], "NOT_FOUND");
    assert_eq!(
        foreign, missing,
        "a foreign chat must look exactly like a missing one"
    );
    ws.expect_silence(SILENCE).await;
}

#[tokio::test]
async fn subscribing_to_a_private_chat_one_is_not_in_fails_with_not_found() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = app
        .create_chat(&owner, "board room", false, &[&carol])
        .await;
    let mut transport = app.ws(&bob.token, Protocol::TransportWs).await;
    let mut legacy = app.ws(&bob.token, Protocol::LegacyWs).await;
    let subscriptions = [
        ("added", MESSAGE_ADDED),
        ("updated", MESSAGE_UPDATED),
        ("deleted", MESSAGE_DELETED),
        ("reactions", REACTION_CHANGED),
        ("members", MEMBERSHIP_CHANGED),
        ("reads", READ_STATE_CHANGED),
    ];

    for ws in [&mut transport, &mut legacy] {
        for (id, query) in subscriptions {
            ws.subscribe(id, query, json!({ "chat": chat }))
                .await
                .unwrap();
            let error = start_error_of(ws, id).await;
            assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{id}: {error}");
            assert_eq!(error["message"], "chat not found", "{id}: {error}");
        }
    }
    app.send(&owner, &chat, "board only").await;
    transport.expect_silence(SILENCE).await;
    legacy.expect_silence(SILENCE).await;
}

#[tokio::test]
async fn a_guest_cannot_subscribe_to_a_public_chat_it_is_not_in() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let guest = app.user("acme", "gus@acme.test", Role::Guest).await;
    let chat = app.create_chat(&owner, "general", true, &[]).await;
    let mut ws = app.ws(&guest.token, Protocol::TransportWs).await;

    ws.subscribe("1", MESSAGE_ADDED, json!({ "chat": chat }))
        .await
        .unwrap();
    let error = start_error_of(&mut ws, "1").await;

    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_member_removed_from_a_private_chat_has_its_stream_completed_and_hears_nothing_more() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "board room", false, &[&bob]).await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "1", MESSAGE_ADDED, json!({ "chat": chat })).await;
    app.send(&owner, &chat, "while you are here").await;
    assert_eq!(
        data_of(&mut ws, "1").await["messageAdded"]["content"],
        "while you are here"
    );

    remove_member(&app, &owner, &chat, &bob).await;
    expect_complete(&mut ws, "1").await;
    app.send(&owner, &chat, "after you left").await;

    ws.expect_silence(SILENCE).await;
}

#[tokio::test]
async fn leaving_a_private_chat_completes_ones_streams() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "board room", false, &[&bob]).await;
    let mut ws = app.ws(&bob.token, Protocol::LegacyWs).await;
    subscribe(&mut ws, "1", MESSAGE_ADDED, json!({ "chat": chat })).await;

    app.gql_ok(
        &bob.token,
        "mutation($c: ID!) { leaveChat(chatId: $c) { id } }",
        json!({ "c": chat }),
    )
    .await;
    expect_complete(&mut ws, "1").await;
    app.send(&owner, &chat, "after you left").await;

    ws.expect_silence(SILENCE).await;
}

#[tokio::test]
async fn message_added_on_a_thread_delivers_its_replies_and_only_there() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let root = app.send(&owner, &chat, "thoughts?").await;
    let thread = create_thread(&app, &owner, &root).await;
    let mut ws = app.ws(&owner.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "thread", MESSAGE_ADDED, json!({ "chat": thread })).await;
    subscribe(&mut ws, "chat", MESSAGE_ADDED, json!({ "chat": chat })).await;

    let reply = app.send(&bob, &thread, "in the thread").await;

    let data = data_of(&mut ws, "thread").await;
    assert_eq!(data["messageAdded"]["id"], json!(reply));
    assert_eq!(data["messageAdded"]["chatId"], json!(thread));
    assert_eq!(data["messageAdded"]["author"]["name"], "Bob Tester");
    ws.expect_silence(SILENCE).await; // the chat's own subscribers do not get thread replies
}

#[tokio::test]
async fn a_thread_stream_ends_when_the_subscriber_is_removed_from_the_threads_private_chat() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "board room", false, &[&bob]).await;
    let root = app.send(&owner, &chat, "thoughts?").await;
    let thread = create_thread(&app, &owner, &root).await;
    let mut ws = app.ws(&bob.token, Protocol::TransportWs).await;
    subscribe(&mut ws, "thread", MESSAGE_ADDED, json!({ "chat": thread })).await;

    remove_member(&app, &owner, &chat, &bob).await;
    expect_complete(&mut ws, "thread").await;
    app.send(&owner, &thread, "not for bob").await;

    ws.expect_silence(SILENCE).await;
}

/// What the server answers a `connection_init` carrying `payload`: its first message,
/// or the close frame (`{"type": "__closed", ...}`), or `null` if the socket just ends.
async fn answer_to_init(app: &TestApp, protocol: Protocol, payload: Option<Value>) -> Value {
    let mut ws = WsClient::open(app.addr, protocol).await.unwrap();
    let init = match payload {
        Some(payload) => json!({ "type": "connection_init", "payload": payload }),
        None => json!({ "type": "connection_init" }),
    };
    ws.send(init).await.unwrap();
    ws.recv(WAIT).await.unwrap().unwrap_or(Value::Null)
}

/// A refusal as each protocol spells it: graphql-transport-ws closes the socket,
/// legacy graphql-ws sends `connection_error`.
fn assert_refused(protocol: Protocol, answer: &Value) {
    match protocol {
        Protocol::TransportWs => {
            assert_eq!(
                answer["type"], "__closed",
                "expected the socket to close, got {answer}"
            );
            assert!(
                answer["code"].as_u64().is_some_and(|c| c != 1000),
                "a refusal is not a normal close: {answer}"
            );
        }
        Protocol::LegacyWs => assert_eq!(answer["type"], "connection_error", "got {answer}"),
    }
}

#[tokio::test]
async fn connection_init_with_a_bad_token_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let forged = format!("{}x", owner.token);

    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        for token in ["not-a-token", forged.as_str()] {
            let refused = WsClient::connect(
                app.addr,
                protocol,
                json!({ "Authorization": format!("Bearer {token}") }),
            )
            .await;
            assert!(
                refused.is_err(),
                "{protocol:?} acknowledged the token {token:?}"
            );
            let answer = answer_to_init(
                &app,
                protocol,
                Some(json!({ "Authorization": format!("Bearer {token}") })),
            )
            .await;
            assert_refused(protocol, &answer);
        }
    }
}

#[tokio::test]
async fn connection_init_without_a_token_is_refused() {
    let app = TestApp::spawn().await;

    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        assert!(
            WsClient::connect(app.addr, protocol, json!({}))
                .await
                .is_err(),
            "{protocol:?}"
        );
        for payload in [
            None,
            Some(json!({})),
            Some(json!({ "Authorization": "Bearer " })),
        ] {
            let answer = answer_to_init(&app, protocol, payload.clone()).await;
            assert_refused(protocol, &answer);
            assert_ne!(answer["type"], "connection_ack", "{protocol:?} {payload:?}");
        }
    }
}
