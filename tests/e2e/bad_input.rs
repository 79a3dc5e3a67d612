//! Bad input over real HTTP: every malformed argument is a `BAD_USER_INPUT` that names
//! the field at fault, nothing is half-written, and the HTTP guards in front of the
//! schema (JSON only, no mutation over GET, the body limit, the batch cap) answer with
//! a 4xx — never a 5xx.

use reqwest::StatusCode;
use reqwest::header::{ALLOW, CONTENT_TYPE};
use resolvers::people::Role;
use schema::ids::Kind;
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid};

const SEND: &str =
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id content kind } }";

/// POST a JSON body to `/graphql` (optionally with a bearer token); never a 5xx.
async fn post_json(app: &TestApp, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut req = app.http().post(format!("{}/graphql", app.base)).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    assert!(
        !status.is_server_error(),
        "a 5xx ({status}) for {body}: {text}"
    );
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, json)
}

/// POST raw bytes with a given content type; never a 5xx.
async fn post_raw(
    app: &TestApp,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut req = app
        .http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    assert!(!status.is_server_error(), "a 5xx ({status}): {text}");
    (status, text)
}

/// Run one GraphQL operation as `token`; HTTP 200 and never a 5xx.
async fn run(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (status, body) = post_json(
        app,
        Some(token),
        &json!({ "query": query, "variables": variables }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body
}

/// The body holds exactly a `BAD_USER_INPUT` error naming `field`, and no data was produced.
#[track_caller]
fn assert_bad_input(body: &Value, field: &str) {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors, got {body:#}"));
    assert_eq!(errors.len(), 1, "one error expected: {body:#}");
    let ext = &errors[0]["extensions"];
    assert_eq!(ext["code"], "BAD_USER_INPUT", "{body:#}");
    assert_eq!(
        ext["field"], field,
        "the error must name `{field}`: {body:#}"
    );
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("internal"), "{body:#}");
}

async fn send(app: &TestApp, actor: &Actor, input: Value) -> Value {
    run(app, &actor.token, SEND, json!({ "input": input })).await
}

async fn setup() -> (TestApp, Actor, String) {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "general", true, &[]).await;
    (app, owner, chat)
}

#[tokio::test]
async fn content_is_limited_to_10000_characters_not_bytes() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;

    let body = send(
        &app,
        &owner,
        json!({ "chatId": chat, "content": "a".repeat(10_001) }),
    )
    .await;
    assert_bad_input(&body, "content");
    assert!(body["data"].is_null(), "{body:#}");
    let body = send(
        &app,
        &owner,
        json!({ "chatId": chat, "content": "я".repeat(10_001) }),
    )
    .await;
    assert_bad_input(&body, "content");
    assert_eq!(
        app.count("messages").await,
        before,
        "a rejected message must not be stored"
    );

    let ascii = "a".repeat(10_000);
    let data = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({ "input": { "chatId": chat, "content": ascii } }),
        )
        .await;
    assert_eq!(
        data["sendMessage"]["content"].as_str().unwrap().len(),
        10_000
    );

    // 10,000 Cyrillic letters are 20,000 bytes but 10,000 characters: accepted, intact.
    let cyrillic = "я".repeat(10_000);
    let data = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({ "input": { "chatId": chat, "content": cyrillic } }),
        )
        .await;
    assert_eq!(data["sendMessage"]["content"], cyrillic);
    assert_eq!(app.count("messages").await, before + 2);
}

#[tokio::test]
async fn empty_or_blank_content_is_bad_input() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;
    for content in ["", "   ", "\n\t "] {
        let body = send(&app, &owner, json!({ "chatId": chat, "content": content })).await;
        assert_bad_input(&body, "content");
    }
    // sendDirectMessage checks the same rule.
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let body = run(
        &app,
        &owner.token,
        "mutation($u: ID!) { sendDirectMessage(userId: $u, content: \"\") { id } }",
        json!({ "u": bob.gid }),
    )
    .await;
    assert_bad_input(&body, "content");
    assert_eq!(app.count("messages").await, before);
}

#[tokio::test]
async fn page_size_out_of_range_is_bad_input_naming_first() {
    let (app, owner, chat) = setup().await;
    app.send(&owner, &chat, "hello").await;
    for first in [0, 101, -1] {
        let body = run(
            &app,
            &owner.token,
            "query($f: Int) { chats(first: $f) { edges { cursor } } }",
            json!({ "f": first }),
        )
        .await;
        assert_bad_input(&body, "first");
        let body = run(
            &app,
            &owner.token,
            "query($c: ID!, $f: Int) { messages(chatId: $c, first: $f) { edges { cursor } } }",
            json!({ "c": chat, "f": first }),
        )
        .await;
        assert_bad_input(&body, "first");
        let body = run(
            &app,
            &owner.token,
            "query($f: Int) { users(first: $f) { edges { cursor } } }",
            json!({ "f": first }),
        )
        .await;
        assert_bad_input(&body, "first");
    }
    // Nested connections check it too (the error then carries a path).
    let body = run(
        &app,
        &owner.token,
        "query($c: ID!) { chat(id: $c) { messages(first: 101) { edges { cursor } } } }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body:#}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "first",
        "{body:#}"
    );

    // The bounds themselves are fine.
    for first in [1, 100] {
        app.gql_ok(
            &owner.token,
            "query($f: Int) { chats(first: $f) { edges { cursor } } }",
            json!({ "f": first }),
        )
        .await;
    }
}

#[tokio::test]
async fn a_garbage_cursor_is_bad_input_naming_after() {
    let (app, owner, chat) = setup().await;
    app.send(&owner, &chat, "hello").await;
    // Not base64; base64 of something that is not a cursor; an empty string.
    for after in ["%%% garbage %%%", "bm90LWEtY3Vyc29y", "Yzp4", ""] {
        let body = run(
            &app,
            &owner.token,
            "query($a: String) { chats(after: $a) { edges { cursor } } }",
            json!({ "a": after }),
        )
        .await;
        assert_bad_input(&body, "after");
        let body = run(
            &app,
            &owner.token,
            "query($c: ID!, $a: String) { messages(chatId: $c, after: $a) { edges { cursor } } }",
            json!({ "c": chat, "a": after }),
        )
        .await;
        assert_bad_input(&body, "after");
        let body = run(
            &app,
            &owner.token,
            "query($a: String) { users(after: $a) { edges { cursor } } }",
            json!({ "a": after }),
        )
        .await;
        assert_bad_input(&body, "after");
    }
    // A real cursor works.
    let data = app
        .gql_ok(
            &owner.token,
            "{ chats(first: 1) { edges { cursor } } }",
            json!({}),
        )
        .await;
    let cursor = data["chats"]["edges"][0]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        &owner.token,
        "query($a: String) { chats(after: $a) { edges { cursor } } }",
        json!({ "a": cursor }),
    )
    .await;
}

#[tokio::test]
async fn a_malformed_id_is_bad_input_naming_the_argument() {
    let (app, owner, chat) = setup().await;
    let message = app.send(&owner, &chat, "hello").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "query($id: ID!) { chat(id: $id) { id } }",
            json!({ "id": "not-an-id" }),
            "id",
        ),
        (
            "query($id: ID!) { message(id: $id) { id } }",
            json!({ "id": "not-an-id" }),
            "id",
        ),
        (
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": "-5" }),
            "id",
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "not-an-id" }),
            "id",
        ),
        (
            "query($id: ID!) { messages(chatId: $id) { edges { cursor } } }",
            json!({ "id": "not-an-id" }),
            "chatId",
        ),
        (
            SEND,
            json!({ "input": { "chatId": "not-an-id", "content": "x" } }),
            "chatId",
        ),
        (
            SEND,
            json!({ "input": { "chatId": chat, "content": "x", "replyToId": "not-an-id" } }),
            "replyToId",
        ),
        (
            "mutation($id: ID!) { addReaction(messageId: $id, emoji: \"👍\") { id } }",
            json!({ "id": "not-an-id" }),
            "messageId",
        ),
        (
            "mutation($id: ID!) { editMessage(id: $id, content: \"x\") { id } }",
            json!({ "id": "0" }),
            "id",
        ),
        (
            "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
            json!({ "c": chat, "u": ["not-an-id"] }),
            "userIds",
        ),
        (
            "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
            json!({ "input": { "name": "x", "memberIds": ["not-an-id"] } }),
            "memberIds",
        ),
        (
            "query($id: ID) { search(query: \"x\", chatId: $id) { messages { edges { cursor } } } }",
            json!({ "id": "nope" }),
            "chatId",
        ),
    ];
    let messages = app.count("messages").await;
    let chats = app.count("chats").await;
    for (query, variables, field) in cases {
        let body = run(&app, &owner.token, query, variables).await;
        assert_bad_input(&body, field);
    }
    assert_eq!(app.count("messages").await, messages);
    assert_eq!(app.count("chats").await, chats);
    // The well-formed ids work.
    app.gql_ok(
        &owner.token,
        "query($id: ID!) { message(id: $id) { id } }",
        json!({ "id": message }),
    )
    .await;
}

#[tokio::test]
async fn an_id_of_the_wrong_type_is_bad_input() {
    let (app, owner, chat) = setup().await;
    let message = app.send(&owner, &chat, "hello").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        // A Message id where a Chat id is expected, and the other way round.
        (
            "query($id: ID!) { chat(id: $id) { id } }",
            json!({ "id": message }),
            "id",
        ),
        (
            "query($id: ID!) { messages(chatId: $id) { edges { cursor } } }",
            json!({ "id": message }),
            "chatId",
        ),
        (
            SEND,
            json!({ "input": { "chatId": message, "content": "x" } }),
            "chatId",
        ),
        (
            "query($id: ID!) { message(id: $id) { id } }",
            json!({ "id": chat }),
            "id",
        ),
        (
            "mutation($id: ID!) { createThread(messageId: $id) { id } }",
            json!({ "id": chat }),
            "messageId",
        ),
        // A User id where a Chat id is expected; a Chat id where a User id is expected.
        (
            "mutation($id: ID!) { joinChat(chatId: $id) { id } }",
            json!({ "id": owner.gid }),
            "chatId",
        ),
        (
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": chat }),
            "id",
        ),
        (
            "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
            json!({ "input": { "name": "x", "memberIds": [chat] } }),
            "memberIds",
        ),
    ];
    let before = (app.count("messages").await, app.count("chats").await);
    for (query, variables, field) in cases {
        let body = run(&app, &owner.token, query, variables).await;
        assert_bad_input(&body, field);
    }
    assert_eq!(
        (app.count("messages").await, app.count("chats").await),
        before
    );
}

#[tokio::test]
async fn metadata_must_be_a_json_object() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;
    for metadata in [json!([1, 2]), json!("text"), json!(42), json!(true)] {
        let body = send(
            &app,
            &owner,
            json!({ "chatId": chat, "content": "x", "metadata": metadata }),
        )
        .await;
        assert_bad_input(&body, "metadata");
    }
    // Too large (16 KiB of JSON at most).
    let big = json!({ "blob": "x".repeat(17 * 1024) });
    let body = send(
        &app,
        &owner,
        json!({ "chatId": chat, "content": "x", "metadata": big }),
    )
    .await;
    assert_bad_input(&body, "metadata");
    assert_eq!(app.count("messages").await, before);

    // editMessage checks it too.
    let id = app.send(&owner, &chat, "hello").await;
    let body = run(
        &app,
        &owner.token,
        "mutation($id: ID!, $m: JSON) { editMessage(id: $id, metadata: $m) { id } }",
        json!({ "id": id, "m": [1] }),
    )
    .await;
    assert_bad_input(&body, "metadata");

    let data = app
        .gql_ok(
            &owner.token,
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { metadata } }",
            json!({ "input": { "chatId": chat, "content": "x", "metadata": { "ticket": 7, "tags": ["a"] } } }),
        )
        .await;
    assert_eq!(
        data["sendMessage"]["metadata"],
        json!({ "ticket": 7, "tags": ["a"] })
    );
}

#[tokio::test]
async fn malformed_buttons_are_bad_input_naming_the_button() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;
    let cases = [
        (json!({ "text": "x", "data": "y" }), "buttons"),
        (json!("approve"), "buttons"),
        (json!(["approve"]), "buttons[0]"),
        (json!([[]]), "buttons[0]"),
        (json!([["approve"]]), "buttons[0][0]"),
        (
            json!([[{ "text": "", "data": "go" }]]),
            "buttons[0][0].text",
        ),
        (json!([[{ "data": "go" }]]), "buttons[0][0].text"),
        (json!([[{ "text": "Go" }]]), "buttons[0][0]"),
        (
            json!([[{ "text": "Go", "data": "a", "url": "https://x.test" }]]),
            "buttons[0][0]",
        ),
        (
            json!([[{ "text": "Go", "url": "javascript:alert(1)" }]]),
            "buttons[0][0].url",
        ),
        (
            json!([[{ "text": "Ok", "data": "ok" }], [{ "text": "Go", "data": "d".repeat(256) }]]),
            "buttons[1][0].data",
        ),
        (
            json!([(0..9)
                .map(|i| json!({ "text": format!("b{i}"), "data": "x" }))
                .collect::<Vec<_>>()]),
            "buttons[0]",
        ),
    ];
    for (buttons, field) in cases {
        let body = send(
            &app,
            &owner,
            json!({ "chatId": chat, "content": "pick", "buttons": buttons }),
        )
        .await;
        assert_bad_input(&body, field);
    }
    // INTERACTIVE without buttons.
    let body = send(
        &app,
        &owner,
        json!({ "chatId": chat, "content": "pick", "kind": "INTERACTIVE" }),
    )
    .await;
    assert_bad_input(&body, "buttons");
    assert_eq!(app.count("messages").await, before);

    let data = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({ "input": { "chatId": chat, "content": "pick", "buttons": [[{ "text": "Approve", "data": "approve" }, { "text": "Docs", "url": "https://docs.test" }]] } }),
        )
        .await;
    assert_eq!(data["sendMessage"]["kind"], "INTERACTIVE");
}

#[tokio::test]
async fn malformed_attachments_are_bad_input_naming_the_attachment_field() {
    let (app, owner, chat) = setup().await;
    let (messages, attachments) = (app.count("messages").await, app.count("attachments").await);
    let ok = json!({ "name": "a.txt", "url": "https://files.test/a.txt" });
    let cases = [
        (json!([{ "name": "a.txt" }]), "attachments[0].url"),
        (
            json!([ok, { "name": "b.txt", "size": 3 }]),
            "attachments[1].url",
        ),
        (
            json!([{ "name": "a.txt", "url": "https://files.test/a", "fileKey": "k" }]),
            "attachments[0].url",
        ),
        (
            json!([{ "name": "a.txt", "url": "ftp://files.test/a" }]),
            "attachments[0].url",
        ),
        (
            json!([{ "name": "a.txt", "fileKey": "   " }]),
            "attachments[0].fileKey",
        ),
        (
            json!([{ "name": "", "url": "https://files.test/a" }]),
            "attachments[0].name",
        ),
        (
            json!([{ "name": "a.mp4", "kind": "video", "url": "https://files.test/a" }]),
            "attachments[0].kind",
        ),
        (
            json!([{ "name": "a.txt", "url": "https://files.test/a", "size": -1 }]),
            "attachments[0].size",
        ),
    ];
    for (files, field) in cases {
        let body = send(
            &app,
            &owner,
            json!({ "chatId": chat, "content": "files", "attachments": files }),
        )
        .await;
        assert_bad_input(&body, field);
    }
    assert_eq!(app.count("messages").await, messages);
    assert_eq!(app.count("attachments").await, attachments);

    // With a file, empty content is fine.
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { attachments { name url fileKey } } }",
            json!({ "input": { "chatId": chat, "content": "", "attachments": [ok, { "name": "b.png", "kind": "image", "fileKey": "store/b" }] } }),
        )
        .await;
    assert_eq!(
        data["sendMessage"]["attachments"].as_array().unwrap().len(),
        2
    );
    assert_eq!(app.count("attachments").await, attachments + 2);
}

#[tokio::test]
async fn create_chat_with_an_unknown_member_fails_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let stranger = app.workspace("other").await;
    let before = (app.count("chats").await, app.count("chat_members").await);
    let create = "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }";

    for unknown in [
        gid(Kind::User, 999_999),
        stranger.gid.clone(),
        "999999".to_owned(),
    ] {
        let body = run(
            &app,
            &owner.token,
            create,
            json!({ "input": { "name": "planning", "memberIds": [bob.gid, unknown] } }),
        )
        .await;
        assert_bad_input(&body, "memberIds");
        assert!(body["data"].is_null(), "{body:#}");
    }
    // Other bad fields of the input are named too.
    let body = run(
        &app,
        &owner.token,
        create,
        json!({ "input": { "name": "   " } }),
    )
    .await;
    assert_bad_input(&body, "name");
    let body = run(
        &app,
        &owner.token,
        create,
        json!({ "input": { "name": "x", "description": "d".repeat(4001) } }),
    )
    .await;
    assert_bad_input(&body, "description");

    assert_eq!(
        (app.count("chats").await, app.count("chat_members").await),
        before,
        "a failed createChat must not leave a chat or members behind"
    );
    // The same chat without the unknown member is created with both members.
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($input: CreateChatInput!) { createChat(input: $input) { memberCount } }",
            json!({ "input": { "name": "planning", "memberIds": [bob.gid] } }),
        )
        .await;
    assert_eq!(data["createChat"]["memberCount"], 2);
    assert_eq!(app.count("chats").await, before.0 + 1);
}

#[tokio::test]
async fn an_invalid_json_body_is_a_400_with_an_errors_array() {
    let (app, owner, _) = setup().await;
    let bodies: [&[u8]; 6] = [
        b"{not json",
        b"",
        b"null",
        b"{\"query\": 5}",
        b"[]",
        b"\xff\xfe\x00garbage",
    ];
    for body in bodies {
        let (status, text) =
            post_raw(&app, &owner.token, Some("application/json"), body.to_vec()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{:?} → {text}",
            String::from_utf8_lossy(body)
        );
        let json: Value = serde_json::from_str(&text).unwrap();
        let errors = json["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors array: {text}"));
        assert!(!errors.is_empty());
        assert!(errors[0]["message"].is_string(), "{text}");
        assert!(errors[0]["extensions"]["code"].is_string(), "{text}");
    }
}

#[tokio::test]
async fn non_json_content_types_are_415_and_execute_nothing() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;
    let mutation = json!({
        "query": "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
        "variables": { "input": { "chatId": chat, "content": "from a form" } },
    })
    .to_string();
    let form = format!(
        "query={}",
        "mutation%20%7B%20createChat(input%3A%20%7Bname%3A%20%22x%22%7D)%20%7B%20id%20%7D%20%7D"
    );
    let cases: Vec<(Option<&str>, Vec<u8>)> = vec![
        (Some("text/plain"), mutation.clone().into_bytes()),
        (
            Some("text/plain;charset=UTF-8"),
            mutation.clone().into_bytes(),
        ),
        (Some("application/x-www-form-urlencoded"), form.into_bytes()),
        (
            Some("multipart/form-data; boundary=x"),
            mutation.clone().into_bytes(),
        ),
        (None, mutation.clone().into_bytes()),
    ];
    let chats = app.count("chats").await;
    for (content_type, body) in cases {
        let (status, text) = post_raw(&app, &owner.token, content_type, body).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?} → {text}"
        );
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    assert_eq!(
        app.count("messages").await,
        before,
        "nothing may be executed"
    );
    assert_eq!(app.count("chats").await, chats, "nothing may be executed");
    // The same body as JSON works (with a charset parameter too).
    let (status, text) = post_raw(
        &app,
        &owner.token,
        Some("application/json; charset=utf-8"),
        mutation.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(app.count("messages").await, before + 1);
}

fn graphql_url(app: &TestApp, params: &[(&str, &str)]) -> reqwest::Url {
    reqwest::Url::parse_with_params(&format!("{}/graphql", app.base), params).unwrap()
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_writes_nothing() {
    let (app, owner, chat) = setup().await;
    let before = (app.count("chats").await, app.count("messages").await);
    let send = format!(
        "mutation {{ sendMessage(input: {{chatId: \"{chat}\", content: \"x\"}}) {{ id }} }}"
    );
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![(
            "query",
            "mutation { createChat(input: {name: \"via get\"}) { id } }",
        )],
        vec![("query", send.as_str())],
        // The mutation picked by operationName out of a mixed document.
        vec![
            (
                "query",
                "query Q { __typename } mutation M { createChat(input: {name: \"via get\"}) { id } }",
            ),
            ("operationName", "M"),
        ],
        // No operationName, but the document holds a mutation.
        vec![
            (
                "query",
                "mutation M { createChat(input: {name: \"via get\"}) { id } }",
            ),
            ("variables", "{}"),
        ],
    ];
    for params in cases {
        let res = app
            .http()
            .get(graphql_url(&app, &params))
            .bearer_auth(&owner.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{params:?}");
        assert_eq!(
            res.headers().get(ALLOW).and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED",
            "{body:#}"
        );
    }
    assert_eq!(
        (app.count("chats").await, app.count("messages").await),
        before,
        "GET must never write"
    );
}

#[tokio::test]
async fn a_query_over_get_works() {
    let (app, owner, _) = setup().await;
    let res = app
        .http()
        .get(graphql_url(&app, &[("query", "{__typename}")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));

    // Authenticated, with variables and a named query out of a mixed document.
    let params = [
        (
            "query",
            "query Me($n: Int) { me { name } chats(first: $n) { edges { cursor } } } mutation M { clearStatus { id } }",
        ),
        ("variables", "{\"n\": 1}"),
        ("operationName", "Me"),
    ];
    let res = app
        .http()
        .get(graphql_url(&app, &params))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["me"]["name"], "Owner Tester");
    assert_eq!(body["data"]["chats"]["edges"].as_array().unwrap().len(), 1);

    // A GET without a query (and not from a browser) is a 400, not a 5xx.
    let res = app
        .http()
        .get(format!("{}/graphql", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .http()
        .get(graphql_url(&app, &[("variables", "{not json")]))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let (app, owner, chat) = setup().await;
    let before = app.count("messages").await;
    // A well-formed request whose content alone is over the limit.
    let body = json!({
        "query": SEND,
        "variables": { "input": { "chatId": chat, "content": "a".repeat(1024 * 1024) } },
    })
    .to_string()
    .into_bytes();
    assert!(body.len() > 1024 * 1024);
    let (status, _) = post_raw(&app, &owner.token, Some("application/json"), body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("messages").await, before);

    // Just under the limit passes the HTTP guard (and meets the content rule instead).
    let overhead =
        json!({ "query": SEND, "variables": { "input": { "chatId": chat, "content": "" } } })
            .to_string()
            .len();
    let pad = 1024 * 1024 - overhead - 100;
    let under = json!({ "query": SEND, "variables": { "input": { "chatId": chat, "content": "a".repeat(pad) } } }).to_string();
    let (status, text) = post_raw(
        &app,
        &owner.token,
        Some("application/json"),
        under.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_bad_input(&json, "content");

    // The server is fine afterwards.
    let res = app
        .http()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn batches_are_capped_at_ten_operations() {
    let (app, owner, _) = setup().await;
    let chats = app.count("chats").await;
    let op = json!({ "query": "mutation { createChat(input: {name: \"batched\"}) { id } }" });
    let eleven: Vec<Value> = (0..11).map(|_| op.clone()).collect();
    let (status, body) = post_json(&app, Some(&owner.token), &Value::Array(eleven)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body:#}"
    );
    assert_eq!(
        app.count("chats").await,
        chats,
        "no operation of a refused batch may run"
    );

    // An empty batch is a 400 too.
    let (status, _) = post_json(&app, Some(&owner.token), &json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A batch of 2 works: one answer per operation, in order.
    let two = json!([
        { "query": "{ me { name } }" },
        { "query": "query($n: Int) { chats(first: $n) { edges { cursor } } }", "variables": { "n": 1 } },
    ]);
    let (status, body) = post_json(&app, Some(&owner.token), &two).await;
    assert_eq!(status, StatusCode::OK);
    let answers = body
        .as_array()
        .unwrap_or_else(|| panic!("a batch answers with an array: {body:#}"));
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["data"]["me"]["name"], "Owner Tester");
    assert_eq!(
        answers[1]["data"]["chats"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Exactly 10 is allowed.
    let ten: Vec<Value> = (0..10).map(|_| op.clone()).collect();
    let (status, body) = post_json(&app, Some(&owner.token), &Value::Array(ten)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 10);
    assert_eq!(app.count("chats").await, chats + 10);
}
