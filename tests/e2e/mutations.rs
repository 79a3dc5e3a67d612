//! Every mutation of the schema over real HTTP, one behaviour per test: chats and their
//! members, messages (send, edit, delete, pins, threads, reactions, reads), status, API
//! tokens, departments and group tags.

use resolvers::people::{NewUser, Role};
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid, rid};
use schema::ids::Kind;

/// A workspace `acme` with its owner and two members.
async fn team(app: &TestApp) -> (Actor, Actor, Actor) {
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let carol = app.user("acme", "carol@acme.test", Role::Member).await;
    (owner, bob, carol)
}

/// `extensions.field` of the first error.
fn field(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["field"]
}

/// The `[].<key>` strings of a list.
fn strings(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .map(|e| e[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `edges[].node.<key>` strings of a connection.
fn edge_strings(conn: &Value, key: &str) -> Vec<String> {
    strings(
        &Value::Array(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone())
                .collect(),
        ),
        key,
    )
}

const CREATE_CHAT: &str = r#"
mutation($i: CreateChatInput!) {
  createChat(input: $i) {
    id name description kind isChannel isPublic archived memberCount viewerRole creator { id }
    members { edges { node { user { id } role } } }
  }
}"#;

async fn create_chat(app: &TestApp, who: &Actor, input: Value) -> Value {
    app.gql_ok(&who.token, CREATE_CHAT, json!({ "i": input }))
        .await["createChat"]
        .clone()
}

/// A channel of `owner` with `members` as plain members; returns its id.
async fn channel(app: &TestApp, owner: &Actor, public: bool, members: &[&Actor]) -> String {
    let ids: Vec<&str> = members.iter().map(|m| m.gid.as_str()).collect();
    create_chat(
        app,
        owner,
        json!({ "name": "news", "isChannel": true, "isPublic": public, "memberIds": ids }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const CHAT: &str =
    "query($id: ID!) { chat(id: $id) { id name description isPublic archived archivedAt
    memberCount unreadCount viewerRole viewerLastReadMessageId
    pinnedMessages { id } messages(first: 100) { edges { node { id content } } } } }";

async fn chat(app: &TestApp, who: &Actor, id: &str) -> Value {
    app.gql_ok(&who.token, CHAT, json!({ "id": id })).await["chat"].clone()
}

const SEND: &str = r#"
mutation($i: SendMessageInput!) {
  sendMessage(input: $i) {
    id content kind chatId author { id } metadata buttons
    attachments { name kind url fileKey size }
    replyTo { id content }
  }
}"#;

async fn send_err(app: &TestApp, who: &Actor, input: Value) -> (String, Value) {
    app.gql_err(&who.token, SEND, json!({ "i": input })).await
}

const MESSAGE: &str =
    "query($id: ID!) { message(id: $id) { id content editedAt pinned pinnedBy { id }
    revisions { content editor { id } } reactions { emoji count viewerReacted }
    readCount readBy { edges { node { id } } } threadReplyCount thread { id } } }";

async fn message(app: &TestApp, who: &Actor, id: &str) -> Value {
    app.gql_ok(&who.token, MESSAGE, json!({ "id": id })).await["message"].clone()
}

const REACT: &str = "mutation($m: ID!, $e: String!) { addReaction(messageId: $m, emoji: $e) {
    id reactions { emoji count viewerReacted } } }";
const UNREACT: &str = "mutation($m: ID!, $e: String!) { removeReaction(messageId: $m, emoji: $e) {
    id reactions { emoji count viewerReacted } } }";

async fn react(app: &TestApp, who: &Actor, message: &str, emoji: &str) -> Value {
    app.gql_ok(&who.token, REACT, json!({ "m": message, "e": emoji }))
        .await["addReaction"]["reactions"]
        .clone()
}

async fn create_thread(app: &TestApp, who: &Actor, message: &str) -> Value {
    app.gql_ok(
        &who.token,
        "mutation($m: ID!) { createThread(messageId: $m) { id kind name rootMessage { id } } }",
        json!({ "m": message }),
    )
    .await["createThread"]
        .clone()
}

const MARK_READ: &str = "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) {
    id unreadCount viewerLastReadMessageId } }";

// ---------------------------------------------------------------------------------------
// createChat, updateChat, archiveChat, unarchiveChat

#[tokio::test]
async fn create_chat_makes_a_private_group_with_the_creator_as_admin() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = create_chat(
        &app,
        &bob,
        json!({ "name": "  planning  ", "description": "Q3", "memberIds": [carol.gid, bob.gid, carol.gid] }),
    )
    .await;
    assert_eq!(chat["name"], "planning", "names are trimmed");
    assert_eq!(chat["description"], "Q3");
    assert_eq!(chat["kind"], "GROUP");
    assert_eq!(chat["isChannel"], false);
    assert_eq!(chat["isPublic"], false);
    assert_eq!(chat["archived"], false);
    assert_eq!(chat["creator"]["id"], bob.gid);
    assert_eq!(chat["viewerRole"], "ADMIN");
    assert_eq!(
        chat["memberCount"], 2,
        "duplicates and the creator are counted once"
    );
    let roles: Vec<(String, String)> = chat["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["user"]["id"].as_str().unwrap().to_owned(),
                e["node"]["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            (bob.gid.clone(), "ADMIN".to_owned()),
            (carol.gid.clone(), "MEMBER".to_owned())
        ]
    );
    // Private: the owner of the workspace, not a member, does not see it.
    assert!(chat_is_null(&app, &owner, chat["id"].as_str().unwrap()).await);
}

async fn chat_is_null(app: &TestApp, who: &Actor, id: &str) -> bool {
    chat(app, who, id).await.is_null()
}

#[tokio::test]
async fn create_chat_makes_a_public_channel_visible_to_non_members() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let chat = create_chat(
        &app,
        &owner,
        json!({ "name": "announcements", "isChannel": true, "isPublic": true }),
    )
    .await;
    assert_eq!(chat["kind"], "CHANNEL");
    assert_eq!(chat["isChannel"], true);
    assert_eq!(chat["isPublic"], true);
    assert_eq!(chat["memberCount"], 1);
    assert_eq!(chat["viewerRole"], "ADMIN");
    let seen = self::chat(&app, &carol, chat["id"].as_str().unwrap()).await;
    assert_eq!(seen["id"], chat["id"]);
    assert!(seen["viewerRole"].is_null());
}

#[tokio::test]
async fn create_chat_with_an_unknown_or_foreign_member_is_bad_input_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let stranger = app.user("other", "x@other.test", Role::Member).await;
    let before = app.count("chats").await;
    for id in [gid(Kind::User, 9999), stranger.gid.clone()] {
        let (code, body) = app
            .gql_err(
                &owner.token,
                CREATE_CHAT,
                json!({ "i": { "name": "x", "memberIds": [id] } }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(field(&body), "memberIds");
    }
    assert_eq!(app.count("chats").await, before);
}

#[tokio::test]
async fn create_chat_is_refused_to_guests() {
    let app = TestApp::spawn().await;
    team(&app).await;
    let guest = app.user("acme", "gina@acme.test", Role::Guest).await;
    let (code, _) = app
        .gql_err(
            &guest.token,
            CREATE_CHAT,
            json!({ "i": { "name": "mine" } }),
        )
        .await;
    // Guests never hold `chats:create`.
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    assert_eq!(app.count("chats").await, 0);
}

const UPDATE_CHAT: &str =
    "mutation($id: ID!, $i: UpdateChatInput!) { updateChat(id: $id, input: $i) {
    id name description isPublic } }";

#[tokio::test]
async fn update_chat_renames_and_changes_visibility() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&bob, "old name", false, &[]).await;
    let data = app
        .gql_ok(
            &bob.token,
            UPDATE_CHAT,
            json!({ "id": id, "i": { "name": "new name", "isPublic": true } }),
        )
        .await;
    assert_eq!(
        data["updateChat"],
        json!({ "id": id, "name": "new name", "description": "", "isPublic": true })
    );
    // Omitted fields stay as they are.
    let data = app
        .gql_ok(
            &bob.token,
            UPDATE_CHAT,
            json!({ "id": id, "i": { "description": "about" } }),
        )
        .await;
    assert_eq!(data["updateChat"]["name"], "new name");
    assert_eq!(data["updateChat"]["description"], "about");
    assert_eq!(
        chat(&app, &carol, &id).await["name"],
        "new name",
        "now public"
    );
    let _ = owner;
}

#[tokio::test]
async fn update_chat_by_a_non_admin_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (_, bob, carol) = team(&app).await;
    let id = app.create_chat(&bob, "bob's", false, &[&carol]).await;
    let (code, _) = app
        .gql_err(
            &carol.token,
            UPDATE_CHAT,
            json!({ "id": id, "i": { "name": "carol's" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(chat(&app, &bob, &id).await["name"], "bob's");
}

#[tokio::test]
async fn archive_chat_refuses_new_messages_until_unarchive_chat() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[&bob]).await;
    let before = app.send(&bob, &id, "before").await;

    let data = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!) { archiveChat(id: $id) { id archived archivedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["archiveChat"]["archived"], true);
    assert!(data["archiveChat"]["archivedAt"].is_string());

    let (code, body) = send_err(&app, &bob, json!({ "chatId": id, "content": "after" })).await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(field(&body), "chatId");
    // Still readable.
    assert_eq!(
        edge_strings(&chat(&app, &bob, &id).await["messages"], "id"),
        [before]
    );

    let data = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!) { unarchiveChat(id: $id) { archived archivedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["unarchiveChat"],
        json!({ "archived": false, "archivedAt": null })
    );
    app.send(&bob, &id, "after").await;
}

#[tokio::test]
async fn archive_chat_by_a_non_admin_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[&bob]).await;
    let (code, _) = app
        .gql_err(
            &bob.token,
            "mutation($id: ID!) { archiveChat(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(chat(&app, &bob, &id).await["archived"], false);
}

// ---------------------------------------------------------------------------------------
// addChatMembers, removeChatMember, setChatMemberRole, leaveChat, joinChat

const ADD_MEMBERS: &str = "mutation($c: ID!, $u: [ID!]!, $r: ChatMemberRole! = MEMBER) {
    addChatMembers(chatId: $c, userIds: $u, role: $r) { id memberCount } }";

#[tokio::test]
async fn add_chat_members_adds_users_with_the_given_role() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[]).await;
    assert!(chat_is_null(&app, &carol, &id).await);

    let data = app
        .gql_ok(
            &owner.token,
            ADD_MEMBERS,
            json!({ "c": id, "u": [bob.gid] }),
        )
        .await;
    assert_eq!(data["addChatMembers"]["memberCount"], 2);
    let data = app
        .gql_ok(
            &owner.token,
            ADD_MEMBERS,
            json!({ "c": id, "u": [carol.gid, bob.gid], "r": "EDITOR" }),
        )
        .await;
    assert_eq!(data["addChatMembers"]["memberCount"], 3);

    assert_eq!(chat(&app, &carol, &id).await["viewerRole"], "EDITOR");
    assert_eq!(
        chat(&app, &bob, &id).await["viewerRole"],
        "MEMBER",
        "existing members keep their role"
    );
}

#[tokio::test]
async fn add_chat_members_by_a_non_admin_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[&bob]).await;
    let (code, _) = app
        .gql_err(
            &bob.token,
            ADD_MEMBERS,
            json!({ "c": id, "u": [carol.gid] }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert!(chat_is_null(&app, &carol, &id).await);
}

const REMOVE_MEMBER: &str =
    "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id memberCount } }";

#[tokio::test]
async fn remove_chat_member_hides_a_private_chat_from_the_removed_user() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app
        .create_chat(&owner, "project", false, &[&bob, &carol])
        .await;
    let data = app
        .gql_ok(
            &owner.token,
            REMOVE_MEMBER,
            json!({ "c": id, "u": bob.gid }),
        )
        .await;
    assert_eq!(data["removeChatMember"]["memberCount"], 2);
    assert!(chat_is_null(&app, &bob, &id).await);
    let (code, _) = send_err(
        &app,
        &bob,
        json!({ "chatId": id, "content": "still here?" }),
    )
    .await;
    assert_eq!(code, "NOT_FOUND");
    // Removing a non-member is "not found".
    let (code, _) = app
        .gql_err(
            &owner.token,
            REMOVE_MEMBER,
            json!({ "c": id, "u": bob.gid }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn remove_chat_member_by_a_non_admin_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app
        .create_chat(&owner, "project", false, &[&bob, &carol])
        .await;
    let (code, _) = app
        .gql_err(
            &bob.token,
            REMOVE_MEMBER,
            json!({ "c": id, "u": carol.gid }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(chat(&app, &carol, &id).await["memberCount"], 3);
}

const SET_ROLE: &str = "mutation($c: ID!, $u: ID!, $r: ChatMemberRole!) {
    setChatMemberRole(chatId: $c, userId: $u, role: $r) { user { id } role } }";

#[tokio::test]
async fn set_chat_member_role_makes_an_editor_who_may_post_in_a_channel() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = channel(&app, &owner, false, &[&bob]).await;
    let (code, _) = send_err(&app, &bob, json!({ "chatId": id, "content": "hello" })).await;
    assert_eq!(code, "FORBIDDEN");

    let data = app
        .gql_ok(
            &owner.token,
            SET_ROLE,
            json!({ "c": id, "u": bob.gid, "r": "EDITOR" }),
        )
        .await;
    assert_eq!(
        data["setChatMemberRole"],
        json!({ "user": { "id": bob.gid }, "role": "EDITOR" })
    );
    assert_eq!(chat(&app, &bob, &id).await["viewerRole"], "EDITOR");
    app.send(&bob, &id, "hello").await;
}

#[tokio::test]
async fn set_chat_member_role_of_a_non_member_is_not_found_and_of_a_non_admin_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[&bob]).await;
    let (code, _) = app
        .gql_err(
            &owner.token,
            SET_ROLE,
            json!({ "c": id, "u": carol.gid, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .gql_err(
            &bob.token,
            SET_ROLE,
            json!({ "c": id, "u": bob.gid, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "a member cannot promote themselves");
}

const LEAVE: &str = "mutation($c: ID!) { leaveChat(chatId: $c) { id } }";

#[tokio::test]
async fn leave_chat_removes_the_viewer_from_the_chat() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let private = app.create_chat(&owner, "private", false, &[&bob]).await;
    app.gql_ok(&bob.token, LEAVE, json!({ "c": private })).await;
    assert!(chat_is_null(&app, &bob, &private).await);
    assert_eq!(chat(&app, &owner, &private).await["memberCount"], 1);

    // A public chat stays visible after leaving; leaving twice is a conflict.
    let public = app.create_chat(&owner, "public", true, &[&bob]).await;
    app.gql_ok(&bob.token, LEAVE, json!({ "c": public })).await;
    let seen = chat(&app, &bob, &public).await;
    assert!(seen["viewerRole"].is_null());
    let (code, _) = app.gql_err(&bob.token, LEAVE, json!({ "c": public })).await;
    assert_eq!(code, "CONFLICT");
}

const JOIN: &str = "mutation($c: ID!) { joinChat(chatId: $c) { id memberCount viewerRole } }";

#[tokio::test]
async fn join_chat_joins_a_public_chat_as_a_member() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let id = app.create_chat(&owner, "public", true, &[]).await;
    let data = app.gql_ok(&carol.token, JOIN, json!({ "c": id })).await;
    assert_eq!(
        data["joinChat"],
        json!({ "id": id, "memberCount": 2, "viewerRole": "MEMBER" })
    );
    // Joining again changes nothing.
    let data = app.gql_ok(&carol.token, JOIN, json!({ "c": id })).await;
    assert_eq!(data["joinChat"]["memberCount"], 2);
    app.send(&carol, &id, "hi all").await;
}

#[tokio::test]
async fn join_chat_of_a_private_chat_is_not_found() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let id = app.create_chat(&owner, "private", false, &[]).await;
    let (code, _) = app.gql_err(&carol.token, JOIN, json!({ "c": id })).await;
    assert_eq!(code, "NOT_FOUND");
    assert!(chat_is_null(&app, &carol, &id).await);
}

#[tokio::test]
async fn join_chat_of_a_public_chat_is_not_found_for_guests() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let guest = app.user("acme", "gina@acme.test", Role::Guest).await;
    let id = app.create_chat(&owner, "public", true, &[]).await;
    let (code, _) = app.gql_err(&guest.token, JOIN, json!({ "c": id })).await;
    assert_eq!(code, "NOT_FOUND");
}

// ---------------------------------------------------------------------------------------
// sendMessage, sendDirectMessage

#[tokio::test]
async fn send_message_stores_metadata_attachments_and_the_quoted_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "project", false, &[&bob]).await;
    let quoted = app.send(&owner, &id, "can someone review?").await;
    let data = app
        .gql_ok(
            &bob.token,
            SEND,
            json!({ "i": {
                "chatId": id,
                "content": "on it",
                "metadata": { "source": "ci", "build": { "number": 42, "green": true }, "tags": ["a", "b"] },
                "attachments": [
                    { "name": "log.txt", "url": "https://ci.example/log.txt", "size": 512 },
                    { "name": "diagram.png", "kind": "image", "fileKey": "f/diagram.png" }
                ],
                "replyToId": quoted,
            } }),
        )
        .await;
    let m = &data["sendMessage"];
    assert_eq!(m["content"], "on it");
    assert_eq!(m["kind"], "TEXT");
    assert_eq!(m["chatId"], id);
    assert_eq!(m["author"]["id"], bob.gid);
    assert_eq!(
        m["metadata"],
        json!({ "source": "ci", "build": { "number": 42, "green": true }, "tags": ["a", "b"] })
    );
    assert!(m["buttons"].is_null());
    assert_eq!(
        m["attachments"],
        json!([
            { "name": "log.txt", "kind": "file", "url": "https://ci.example/log.txt", "fileKey": null, "size": 512 },
            { "name": "diagram.png", "kind": "image", "url": null, "fileKey": "f/diagram.png", "size": 0 }
        ])
    );
    assert_eq!(
        m["replyTo"],
        json!({ "id": quoted, "content": "can someone review?" })
    );
    // And it is the newest message of the chat.
    let listed = edge_strings(&chat(&app, &owner, &id).await["messages"], "id");
    assert_eq!(listed[0], m["id"].as_str().unwrap());
}

#[tokio::test]
async fn send_message_with_buttons_is_interactive() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let id = app.create_chat(&owner, "approvals", false, &[]).await;
    let buttons = json!([[{ "text": "Approve", "data": "approve" }, { "text": "Reject", "data": "reject" }],
                         [{ "text": "Open", "url": "https://app.example/req/1" }]]);
    let data = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({ "i": { "chatId": id, "content": "Deploy?", "buttons": buttons } }),
        )
        .await;
    assert_eq!(data["sendMessage"]["kind"], "INTERACTIVE");
    assert_eq!(data["sendMessage"]["buttons"], buttons);
}

#[tokio::test]
async fn send_message_with_metadata_that_is_not_an_object_is_bad_input() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[]).await;
    let before = app.count("messages").await;
    for metadata in [json!([1, 2]), json!("text"), json!(7)] {
        let (code, body) = send_err(
            &app,
            &owner,
            json!({ "chatId": id, "content": "x", "metadata": metadata }),
        )
        .await;
        assert_eq!(code, "BAD_USER_INPUT");
        assert_eq!(field(&body), "metadata");
    }
    assert_eq!(app.count("messages").await, before);
}

#[tokio::test]
async fn send_message_replying_to_a_message_of_another_chat_is_bad_input() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let one = app.create_chat(&owner, "one", false, &[]).await;
    let two = app.create_chat(&owner, "two", false, &[]).await;
    let elsewhere = app.send(&owner, &two, "elsewhere").await;
    let (code, body) = send_err(
        &app,
        &owner,
        json!({ "chatId": one, "content": "re", "replyToId": elsewhere }),
    )
    .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "replyToId");
}

#[tokio::test]
async fn send_message_in_a_channel_is_for_admins_and_editors_only() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = channel(&app, &bob, true, &[&carol]).await;
    app.send(&bob, &id, "announcement from the channel admin")
        .await;
    let before = app.count("messages").await;
    let (code, _) = send_err(&app, &carol, json!({ "chatId": id, "content": "me too" })).await;
    assert_eq!(
        code, "FORBIDDEN",
        "a plain member does not post in a channel"
    );
    let (code, _) = send_err(&app, &owner, json!({ "chatId": id, "content": "hello" })).await;
    assert_eq!(code, "FORBIDDEN", "a non-member must join first");
    assert_eq!(app.count("messages").await, before);
}

const DM: &str = "mutation($u: ID!, $c: String!) { sendDirectMessage(userId: $u, content: $c) {
    id chatId chat { kind memberCount } } }";

#[tokio::test]
async fn send_direct_message_uses_exactly_one_chat_per_pair() {
    let app = TestApp::spawn().await;
    let (_, bob, carol) = team(&app).await;
    let mut chats = Vec::new();
    for (from, to, text) in [
        (&bob, &carol, "hi carol"),
        (&carol, &bob, "hi bob"),
        (&bob, &carol, "lunch?"),
        (&carol, &bob, "sure"),
    ] {
        let data = app
            .gql_ok(&from.token, DM, json!({ "u": to.gid, "c": text }))
            .await;
        let m = &data["sendDirectMessage"];
        assert_eq!(m["chat"], json!({ "kind": "DIRECT", "memberCount": 2 }));
        chats.push(m["chatId"].as_str().unwrap().to_owned());
    }
    assert!(chats.iter().all(|c| *c == chats[0]), "one chat: {chats:?}");
    let q = "{ chats(kind: DIRECT) { edges { node { id } } } }";
    for who in [&bob, &carol] {
        let data = app.gql_ok(&who.token, q, json!({})).await;
        assert_eq!(edge_strings(&data["chats"], "id"), [chats[0].clone()]);
    }
    let contents = edge_strings(&chat(&app, &bob, &chats[0]).await["messages"], "content");
    assert_eq!(contents, ["sure", "lunch?", "hi bob", "hi carol"]);
}

#[tokio::test]
async fn send_direct_message_is_private_to_the_pair() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let data = app
        .gql_ok(&bob.token, DM, json!({ "u": carol.gid, "c": "psst" }))
        .await;
    let id = data["sendDirectMessage"]["chatId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        chat_is_null(&app, &owner, &id).await,
        "not even the workspace owner sees it"
    );
    let (code, _) = app
        .gql_err(
            &bob.token,
            DM,
            json!({ "u": gid(Kind::User, 9999), "c": "hello?" }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

// ---------------------------------------------------------------------------------------
// editMessage, deleteMessage

const EDIT: &str = "mutation($id: ID!, $c: String) { editMessage(id: $id, content: $c) {
    id content editedAt revisions { content editor { id } replacedAt } } }";

#[tokio::test]
async fn edit_message_keeps_every_previous_version_in_order() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let m = app.send(&bob, &id, "v1").await;
    assert!(message(&app, &bob, &m).await["editedAt"].is_null());

    app.gql_ok(&bob.token, EDIT, json!({ "id": m, "c": "v2" }))
        .await;
    let data = app
        .gql_ok(&bob.token, EDIT, json!({ "id": m, "c": "v3" }))
        .await;
    let edited = &data["editMessage"];
    assert_eq!(edited["content"], "v3");
    assert!(edited["editedAt"].is_string());
    assert_eq!(strings(&edited["revisions"], "content"), ["v1", "v2"]);
    assert!(
        edited["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["editor"]["id"] == bob.gid)
    );
    let at = |i: usize| {
        chrono::DateTime::parse_from_rfc3339(edited["revisions"][i]["replacedAt"].as_str().unwrap())
            .unwrap()
    };
    assert!(at(0) <= at(1));
    // Others see the same history.
    let seen = message(&app, &owner, &m).await;
    assert_eq!(seen["content"], "v3");
    assert_eq!(strings(&seen["revisions"], "content"), ["v1", "v2"]);
}

#[tokio::test]
async fn edit_message_by_anyone_but_the_author_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let m = app.send(&bob, &id, "mine").await;
    let (code, _) = app
        .gql_err(
            &owner.token,
            EDIT,
            json!({ "id": m, "c": "the owner's now" }),
        )
        .await;
    assert_eq!(
        code, "FORBIDDEN",
        "not even the workspace owner and chat admin"
    );
    let seen = message(&app, &bob, &m).await;
    assert_eq!(seen["content"], "mine");
    assert_eq!(seen["revisions"], json!([]));
}

const DELETE: &str = "mutation($id: ID!) { deleteMessage(id: $id) { id chatId deletedAt } }";

#[tokio::test]
async fn delete_message_is_soft_and_hides_the_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let kept = app.send(&bob, &id, "kept").await;
    let gone = app.send(&bob, &id, "oops").await;
    let rows = app.count("messages").await;

    let data = app.gql_ok(&bob.token, DELETE, json!({ "id": gone })).await;
    assert_eq!(data["deleteMessage"]["id"], gone);
    assert_eq!(data["deleteMessage"]["chatId"], id);
    assert!(data["deleteMessage"]["deletedAt"].is_string());

    assert!(message(&app, &owner, &gone).await.is_null());
    assert_eq!(
        edge_strings(&chat(&app, &owner, &id).await["messages"], "id"),
        [kept]
    );
    assert_eq!(
        app.count("messages").await,
        rows,
        "the row stays (soft delete)"
    );
    assert_eq!(app.count("messages WHERE deleted_at IS NOT NULL").await, 1);
    // Deleting it again finds nothing.
    let (code, _) = app.gql_err(&bob.token, DELETE, json!({ "id": gone })).await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn delete_message_by_the_chat_admin_is_allowed() {
    let app = TestApp::spawn().await;
    let (_, bob, carol) = team(&app).await;
    // Bob is a plain workspace member but this chat's admin.
    let id = app.create_chat(&bob, "bob's", false, &[&carol]).await;
    let m = app.send(&carol, &id, "spam").await;
    app.gql_ok(&bob.token, DELETE, json!({ "id": m })).await;
    assert!(message(&app, &carol, &m).await.is_null());
}

#[tokio::test]
async fn delete_message_by_another_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let m = app.send(&bob, &id, "bob's words").await;
    let (code, _) = app.gql_err(&carol.token, DELETE, json!({ "id": m })).await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(message(&app, &carol, &m).await["content"], "bob's words");
}

// ---------------------------------------------------------------------------------------
// pinMessage, unpinMessage

const PIN: &str =
    "mutation($id: ID!) { pinMessage(id: $id) { id pinned pinnedAt pinnedBy { id } } }";
const UNPIN: &str =
    "mutation($id: ID!) { unpinMessage(id: $id) { id pinned pinnedAt pinnedBy { id } } }";

#[tokio::test]
async fn pin_message_lists_it_in_pinned_messages_until_unpin_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let a = app.send(&owner, &id, "a").await;
    let b = app.send(&owner, &id, "b").await;
    app.send(&owner, &id, "c").await;

    let data = app.gql_ok(&bob.token, PIN, json!({ "id": b })).await;
    assert_eq!(data["pinMessage"]["pinned"], true);
    assert!(data["pinMessage"]["pinnedAt"].is_string());
    assert_eq!(data["pinMessage"]["pinnedBy"]["id"], bob.gid);
    app.gql_ok(&owner.token, PIN, json!({ "id": a })).await;
    // Pinning again is a no-op (keeps its place).
    app.gql_ok(&bob.token, PIN, json!({ "id": b })).await;
    assert_eq!(
        strings(&chat(&app, &bob, &id).await["pinnedMessages"], "id"),
        [a.clone(), b.clone()],
        "most recent first"
    );

    let data = app.gql_ok(&bob.token, UNPIN, json!({ "id": a })).await;
    assert_eq!(
        data["unpinMessage"],
        json!({ "id": a, "pinned": false, "pinnedAt": null, "pinnedBy": null })
    );
    assert_eq!(
        strings(&chat(&app, &bob, &id).await["pinnedMessages"], "id"),
        [b]
    );
}

#[tokio::test]
async fn pin_message_by_a_non_member_is_forbidden() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let id = app.create_chat(&owner, "public", true, &[]).await;
    let m = app.send(&owner, &id, "visible to all").await;
    let (code, _) = app.gql_err(&carol.token, PIN, json!({ "id": m })).await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(chat(&app, &owner, &id).await["pinnedMessages"], json!([]));
}

// ---------------------------------------------------------------------------------------
// createThread

#[tokio::test]
async fn create_thread_is_idempotent() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let root = app.send(&owner, &id, "root").await;
    let first = create_thread(&app, &bob, &root).await;
    assert_eq!(first["kind"], "THREAD");
    assert_eq!(first["name"], "");
    assert_eq!(first["rootMessage"]["id"], root);
    let again = create_thread(&app, &owner, &root).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.count("chats WHERE kind = 'thread'").await, 1);
}

#[tokio::test]
async fn create_thread_replies_count_on_the_root_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let root = app.send(&owner, &id, "root").await;
    assert_eq!(message(&app, &owner, &root).await["threadReplyCount"], 0);
    let thread = create_thread(&app, &bob, &root).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r1 = app.send(&bob, &thread, "reply 1").await;
    let r2 = app.send(&carol, &thread, "reply 2").await;

    let m = message(&app, &owner, &root).await;
    assert_eq!(m["threadReplyCount"], 2);
    assert_eq!(m["thread"]["id"], thread);
    assert_eq!(
        edge_strings(&chat(&app, &owner, &thread).await["messages"], "id"),
        [r2, r1]
    );
    let parent = edge_strings(&chat(&app, &owner, &id).await["messages"], "id");
    assert_eq!(parent, [root], "replies stay in the thread");
}

#[tokio::test]
async fn create_thread_lets_plain_channel_members_reply() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = channel(&app, &owner, false, &[&bob]).await;
    let root = app.send(&owner, &id, "announcement").await;
    let thread = create_thread(&app, &bob, &root).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send(&bob, &thread, "question about it").await;
    assert_eq!(message(&app, &owner, &root).await["threadReplyCount"], 1);
}

#[tokio::test]
async fn create_thread_on_a_thread_message_is_bad_input() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[]).await;
    let root = app.send(&owner, &id, "root").await;
    let thread = create_thread(&app, &owner, &root).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app.send(&owner, &thread, "reply").await;
    let (code, body) = app
        .gql_err(
            &owner.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": reply }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "messageId");
    assert_eq!(app.count("chats WHERE kind = 'thread'").await, 1);
}

// ---------------------------------------------------------------------------------------
// addReaction, removeReaction

#[tokio::test]
async fn add_reaction_groups_reactions_by_emoji_with_the_viewers_marked() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let m = app.send(&owner, &id, "ship it").await;
    react(&app, &bob, &m, "🚀").await;
    react(&app, &carol, &m, "👀").await;
    let groups = react(&app, &carol, &m, "🚀").await;
    assert_eq!(
        groups,
        json!([
            { "emoji": "🚀", "count": 2, "viewerReacted": true },
            { "emoji": "👀", "count": 1, "viewerReacted": true }
        ]),
        "in order of first use"
    );
    let seen = message(&app, &bob, &m).await;
    assert_eq!(
        seen["reactions"],
        json!([
            { "emoji": "🚀", "count": 2, "viewerReacted": true },
            { "emoji": "👀", "count": 1, "viewerReacted": false }
        ])
    );
}

#[tokio::test]
async fn add_reaction_twice_with_the_same_emoji_is_a_no_op() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[]).await;
    let m = app.send(&owner, &id, "x").await;
    react(&app, &owner, &m, "👍").await;
    let groups = react(&app, &owner, &m, "👍").await;
    assert_eq!(
        groups,
        json!([{ "emoji": "👍", "count": 1, "viewerReacted": true }])
    );
    assert_eq!(app.count("reactions").await, 1);
}

#[tokio::test]
async fn remove_reaction_takes_back_only_the_viewers_reaction() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let m = app.send(&owner, &id, "x").await;
    react(&app, &owner, &m, "👍").await;
    react(&app, &bob, &m, "👍").await;
    react(&app, &bob, &m, "🎉").await;

    let data = app
        .gql_ok(&bob.token, UNREACT, json!({ "m": m, "e": "👍" }))
        .await;
    assert_eq!(
        data["removeReaction"]["reactions"],
        json!([
            { "emoji": "👍", "count": 1, "viewerReacted": false },
            { "emoji": "🎉", "count": 1, "viewerReacted": true }
        ])
    );
    let data = app
        .gql_ok(&bob.token, UNREACT, json!({ "m": m, "e": "🎉" }))
        .await;
    assert_eq!(
        data["removeReaction"]["reactions"],
        json!([{ "emoji": "👍", "count": 1, "viewerReacted": false }])
    );
    // Taking back a reaction one never made changes nothing.
    let data = app
        .gql_ok(&bob.token, UNREACT, json!({ "m": m, "e": "👍" }))
        .await;
    assert_eq!(data["removeReaction"]["reactions"][0]["count"], 1);
    assert_eq!(app.count("reactions").await, 1);
}

#[tokio::test]
async fn add_reaction_allows_20_distinct_emoji_per_user_per_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let m = app.send(&owner, &id, "react away").await;
    for i in 0..20 {
        react(&app, &bob, &m, &format!("e{i}")).await;
    }
    let (code, body) = app
        .gql_err(&bob.token, REACT, json!({ "m": m, "e": "e20" }))
        .await;
    assert_eq!(code, "LIMIT_EXCEEDED");
    assert_eq!(field(&body), "emoji");
    // Repeating one of them is still a no-op, and others may still react.
    react(&app, &bob, &m, "e0").await;
    react(&app, &owner, &m, "e20").await;
    assert_eq!(app.count("reactions").await, 21);
}

#[tokio::test]
async fn add_reaction_allows_30_distinct_emoji_per_message_across_users() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let m = app.send(&owner, &id, "popular").await;
    for i in 0..20 {
        react(&app, &bob, &m, &format!("e{i}")).await;
    }
    for i in 20..30 {
        react(&app, &carol, &m, &format!("e{i}")).await;
    }
    let (code, body) = app
        .gql_err(&carol.token, REACT, json!({ "m": m, "e": "e30" }))
        .await;
    assert_eq!(code, "LIMIT_EXCEEDED");
    assert_eq!(field(&body), "emoji");
    // An emoji already on the message is still welcome.
    let groups = react(&app, &carol, &m, "e0").await;
    assert_eq!(groups.as_array().unwrap().len(), 30);
    assert_eq!(
        groups[0],
        json!({ "emoji": "e0", "count": 2, "viewerReacted": true })
    );
}

#[tokio::test]
async fn add_reaction_allows_1000_reactions_per_message() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let m = app.send(&owner, &id, "viral").await;
    // Arrange 999 reactions directly in the database (49 users × 20 emoji + 19, drawn
    // from 30 emoji); the 1,000th and 1,001st go over HTTP.
    let mut rows = Vec::new();
    for u in 0..50 {
        let user = resolvers::people::ensure_user(
            &app.db,
            owner.workspace_id,
            NewUser {
                email: format!("fan{u}@acme.test"),
                first_name: format!("Fan{u}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for j in 0..20 {
            if rows.len() == 999 {
                break;
            }
            rows.push(entities::reactions::ActiveModel {
                workspace_id: Set(owner.workspace_id),
                message_id: Set(rid(&m)),
                user_id: Set(user.id),
                emoji: Set(format!("e{}", (u + j) % 30)),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            });
        }
    }
    for chunk in rows.chunks(250) {
        entities::reactions::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .unwrap();
    }
    assert_eq!(app.count("reactions").await, 999);

    react(&app, &bob, &m, "e0").await;
    let (code, body) = app
        .gql_err(&carol.token, REACT, json!({ "m": m, "e": "e1" }))
        .await;
    assert_eq!(code, "LIMIT_EXCEEDED");
    assert_eq!(field(&body), "emoji");
    assert_eq!(app.count("reactions").await, 1000);
}

// ---------------------------------------------------------------------------------------
// markRead

#[tokio::test]
async fn mark_read_lowers_the_unread_count_and_records_the_reader() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob, &carol]).await;
    let mut sent = Vec::new();
    for i in 0..4 {
        sent.push(app.send(&owner, &id, &format!("m{i}")).await);
    }
    assert_eq!(chat(&app, &bob, &id).await["unreadCount"], 4);
    assert!(chat(&app, &bob, &id).await["viewerLastReadMessageId"].is_null());

    let data = app
        .gql_ok(&bob.token, MARK_READ, json!({ "c": id, "m": sent[2] }))
        .await;
    assert_eq!(data["markRead"]["unreadCount"], 1);
    assert_eq!(data["markRead"]["viewerLastReadMessageId"], sent[2]);

    let read = message(&app, &owner, &sent[1]).await;
    assert_eq!(read["readCount"], 1);
    assert_eq!(
        edge_strings(&read["readBy"], "id"),
        std::slice::from_ref(&bob.gid)
    );
    let unread = message(&app, &owner, &sent[3]).await;
    assert_eq!(unread["readCount"], 0);
    assert_eq!(unread["readBy"]["edges"], json!([]));

    app.gql_ok(&carol.token, MARK_READ, json!({ "c": id, "m": sent[3] }))
        .await;
    let read = message(&app, &owner, &sent[0]).await;
    assert_eq!(read["readCount"], 2);
    assert_eq!(
        edge_strings(&read["readBy"], "id"),
        [bob.gid.clone(), carol.gid.clone()]
    );
    assert_eq!(chat(&app, &carol, &id).await["unreadCount"], 0);
}

#[tokio::test]
async fn mark_read_never_moves_the_watermark_backward() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let id = app.create_chat(&owner, "c", false, &[&bob]).await;
    let mut sent = Vec::new();
    for i in 0..3 {
        sent.push(app.send(&owner, &id, &format!("m{i}")).await);
    }
    app.gql_ok(&bob.token, MARK_READ, json!({ "c": id, "m": sent[1] }))
        .await;
    let data = app
        .gql_ok(&bob.token, MARK_READ, json!({ "c": id, "m": sent[0] }))
        .await;
    assert_eq!(data["markRead"]["viewerLastReadMessageId"], sent[1]);
    assert_eq!(data["markRead"]["unreadCount"], 1);
    assert_eq!(message(&app, &owner, &sent[1]).await["readCount"], 1);
}

#[tokio::test]
async fn mark_read_with_a_message_of_another_chat_is_bad_input() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let one = app.create_chat(&owner, "one", false, &[&bob]).await;
    let two = app.create_chat(&owner, "two", false, &[&bob]).await;
    let m = app.send(&owner, &two, "elsewhere").await;
    let (code, body) = app
        .gql_err(&bob.token, MARK_READ, json!({ "c": one, "m": m }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "messageId");
}

// ---------------------------------------------------------------------------------------
// setStatus, clearStatus

const SET_STATUS: &str = "mutation($i: SetStatusInput!) { setStatus(input: $i) {
    id status { emoji title expiresAt isAway awayMessage } } }";
const ME_STATUS: &str = "{ me { status { emoji title expiresAt isAway awayMessage } } }";

#[tokio::test]
async fn set_status_is_shown_on_me_until_clear_status() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let expires = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let data = app
        .gql_ok(
            &bob.token,
            SET_STATUS,
            json!({ "i": { "emoji": "🌴", "title": "On holiday", "expiresAt": expires, "isAway": true,
                           "awayMessage": "Back Monday" } }),
        )
        .await;
    assert_eq!(data["setStatus"]["id"], bob.gid);
    let status = app.gql_ok(&bob.token, ME_STATUS, json!({})).await["me"]["status"].clone();
    assert_eq!(status["emoji"], "🌴");
    assert_eq!(status["title"], "On holiday");
    assert_eq!(status["isAway"], true);
    assert_eq!(status["awayMessage"], "Back Monday");
    let got = chrono::DateTime::parse_from_rfc3339(status["expiresAt"].as_str().unwrap()).unwrap();
    let want = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
    assert!((got - want).num_milliseconds().abs() < 1, "{got} vs {want}");
    assert_eq!(data["setStatus"]["status"]["emoji"], "🌴");
    // Others see it too.
    let seen = app
        .gql_ok(
            &owner.token,
            "query($id: ID!) { user(id: $id) { status { emoji } } }",
            json!({ "id": bob.gid }),
        )
        .await;
    assert_eq!(seen["user"]["status"]["emoji"], "🌴");

    let data = app
        .gql_ok(
            &bob.token,
            "mutation { clearStatus { id status { emoji } } }",
            json!({}),
        )
        .await;
    assert!(data["clearStatus"]["status"].is_null());
    assert!(app.gql_ok(&bob.token, ME_STATUS, json!({})).await["me"]["status"].is_null());
}

#[tokio::test]
async fn set_status_with_an_expiry_in_the_past_is_bad_input() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let (code, body) = app
        .gql_err(
            &bob.token,
            SET_STATUS,
            json!({ "i": { "emoji": "🕐", "expiresAt": past } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "expiresAt");
    assert!(app.gql_ok(&bob.token, ME_STATUS, json!({})).await["me"]["status"].is_null());
}

// ---------------------------------------------------------------------------------------
// createApiToken, revokeApiToken

const CREATE_TOKEN: &str = "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) {
    token apiToken { id name prefix masked scopes expiresAt revokedAt } } }";

async fn create_token(app: &TestApp, who: &Actor, input: Value) -> (String, Value) {
    let data = app
        .gql_ok(&who.token, CREATE_TOKEN, json!({ "i": input }))
        .await;
    let created = &data["createApiToken"];
    (
        created["token"].as_str().unwrap().to_owned(),
        created["apiToken"].clone(),
    )
}

#[tokio::test]
async fn create_api_token_returns_a_working_token_shown_only_once() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let (token, record) = create_token(&app, &bob, json!({ "name": "ci" })).await;
    assert!(token.starts_with("sbt_") && token.len() > 40);
    assert_eq!(record["name"], "ci");
    assert_eq!(record["scopes"], json!(["*"]));
    let prefix = record["prefix"].as_str().unwrap();
    assert!(token.starts_with(prefix) && prefix.len() < token.len());
    assert_eq!(
        record["masked"],
        format!("{prefix}...{}", &token[token.len() - 4..])
    );

    let data = app.gql_ok(&token, "{ me { id } }", json!({})).await;
    assert_eq!(
        data["me"]["id"], bob.gid,
        "the new token authenticates as its creator"
    );

    let body = app
        .gql(
            &bob.token,
            "{ apiTokens { id name prefix masked } }",
            json!({}),
        )
        .await;
    assert!(
        !body.to_string().contains(&token),
        "the secret is never listed"
    );
    let listed = body["data"]["apiTokens"].as_array().unwrap();
    let ours = listed.iter().find(|t| t["id"] == record["id"]).unwrap();
    assert_eq!(ours["prefix"], record["prefix"]);
    assert_eq!(ours["masked"], record["masked"]);
    assert_eq!(
        app.count(&format!("api_tokens WHERE token_hash = '{token}'"))
            .await,
        0,
        "only a hash is stored"
    );
}

#[tokio::test]
async fn create_api_token_with_scopes_limits_what_the_token_may_do() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let (token, record) = create_token(
        &app,
        &bob,
        json!({ "name": "directory", "scopes": ["users:read"] }),
    )
    .await;
    assert_eq!(record["scopes"], json!(["users:read"]));
    let data = app
        .gql_ok(&token, "{ users { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(data["users"]["edges"].as_array().unwrap().len(), 3);
    let (code, _) = app
        .gql_err(&token, "{ chats { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
}

#[tokio::test]
async fn create_api_token_with_a_scope_above_the_role_is_bad_input() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let before = app.count("api_tokens").await;
    for scopes in [json!(["users:delete"]), json!(["no:such-scope"]), json!([])] {
        let (code, body) = app
            .gql_err(
                &bob.token,
                CREATE_TOKEN,
                json!({ "i": { "name": "x", "scopes": scopes } }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{scopes}");
        assert_eq!(field(&body), "scopes");
    }
    assert_eq!(app.count("api_tokens").await, before);
}

#[tokio::test]
async fn create_api_token_cannot_widen_the_current_credential() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let narrow = app.scoped_token(&bob, &["api_tokens:write"]).await;
    let (code, body) = app
        .gql_err(
            &narrow,
            CREATE_TOKEN,
            json!({ "i": { "name": "wider", "scopes": ["messages:read"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "scopes");
}

#[tokio::test]
async fn create_api_token_with_an_expiry_in_the_past_is_bad_input() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    let (code, body) = app
        .gql_err(
            &bob.token,
            CREATE_TOKEN,
            json!({ "i": { "name": "x", "expiresAt": past } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "expiresAt");
}

const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }";

#[tokio::test]
async fn revoke_api_token_stops_the_token_at_once() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let (token, record) = create_token(&app, &bob, json!({ "name": "short-lived" })).await;
    app.gql_ok(&token, "{ me { id } }", json!({})).await;

    let data = app
        .gql_ok(&bob.token, REVOKE, json!({ "id": record["id"] }))
        .await;
    assert_eq!(data["revokeApiToken"]["id"], record["id"]);
    assert!(data["revokeApiToken"]["revokedAt"].is_string());

    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Bob's other token still works.
    app.gql_ok(&bob.token, "{ me { id } }", json!({})).await;
}

#[tokio::test]
async fn revoke_api_token_of_another_user_is_not_found_for_members_and_allowed_for_admins() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let (token, record) = create_token(&app, &bob, json!({ "name": "bob's" })).await;
    let (code, _) = app
        .gql_err(&carol.token, REVOKE, json!({ "id": record["id"] }))
        .await;
    assert_eq!(code, "NOT_FOUND");
    app.gql_ok(&token, "{ me { id } }", json!({})).await;

    app.gql_ok(&owner.token, REVOKE, json!({ "id": record["id"] }))
        .await;
    let body = app.gql(&token, "{ me { id } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------
// createDepartment, createGroupTag, addGroupTagMembers

const CREATE_DEPARTMENT: &str = "mutation($n: String!, $p: ID, $m: ID) {
    createDepartment(name: $n, parentId: $p, managerId: $m) { id name parent { id name } manager { id } } }";

#[tokio::test]
async fn create_department_with_a_parent_and_a_manager() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let eng = app
        .gql_ok(
            &owner.token,
            CREATE_DEPARTMENT,
            json!({ "n": "Engineering" }),
        )
        .await["createDepartment"]
        .clone();
    assert_eq!(eng["name"], "Engineering");
    assert!(eng["parent"].is_null() && eng["manager"].is_null());
    let data = app
        .gql_ok(
            &owner.token,
            CREATE_DEPARTMENT,
            json!({ "n": "Platform", "p": eng["id"], "m": bob.gid }),
        )
        .await;
    let platform = &data["createDepartment"];
    assert_eq!(
        platform["parent"],
        json!({ "id": eng["id"], "name": "Engineering" })
    );
    assert_eq!(platform["manager"]["id"], bob.gid);

    let (code, body) = app
        .gql_err(
            &owner.token,
            CREATE_DEPARTMENT,
            json!({ "n": "Orphan", "p": gid(Kind::Department, 999) }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(field(&body), "parentId");
}

#[tokio::test]
async fn create_department_by_a_member_is_insufficient_scope() {
    let app = TestApp::spawn().await;
    let (_, bob, _) = team(&app).await;
    let (code, _) = app
        .gql_err(&bob.token, CREATE_DEPARTMENT, json!({ "n": "Shadow IT" }))
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    assert_eq!(app.count("departments").await, 0);
}

const CREATE_TAG: &str =
    "mutation($n: String!) { createGroupTag(name: $n) { id name users { id } } }";

#[tokio::test]
async fn create_group_tag_creates_an_empty_tag_with_a_unique_name() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let data = app
        .gql_ok(&owner.token, CREATE_TAG, json!({ "n": "oncall" }))
        .await;
    assert_eq!(data["createGroupTag"]["name"], "oncall");
    assert_eq!(data["createGroupTag"]["users"], json!([]));
    let (code, body) = app
        .gql_err(&owner.token, CREATE_TAG, json!({ "n": " oncall " }))
        .await;
    assert_eq!(code, "CONFLICT");
    assert_eq!(field(&body), "name");
    assert_eq!(app.count("group_tags").await, 1);
}

const ADD_TAG_MEMBERS: &str =
    "mutation($t: ID!, $u: [ID!]!) { addGroupTagMembers(tagId: $t, userIds: $u) {
    id users { id } } }";

#[tokio::test]
async fn add_group_tag_members_adds_each_user_once() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let tag = app
        .gql_ok(&owner.token, CREATE_TAG, json!({ "n": "oncall" }))
        .await["createGroupTag"]["id"]
        .clone();
    let data = app
        .gql_ok(
            &owner.token,
            ADD_TAG_MEMBERS,
            json!({ "t": tag, "u": [carol.gid] }),
        )
        .await;
    assert_eq!(
        strings(&data["addGroupTagMembers"]["users"], "id"),
        std::slice::from_ref(&carol.gid)
    );
    let data = app
        .gql_ok(
            &owner.token,
            ADD_TAG_MEMBERS,
            json!({ "t": tag, "u": [bob.gid, carol.gid, bob.gid] }),
        )
        .await;
    assert_eq!(
        strings(&data["addGroupTagMembers"]["users"], "id"),
        [bob.gid.clone(), carol.gid.clone()]
    );
    assert_eq!(app.count("group_tag_members").await, 2);
}

#[tokio::test]
async fn add_group_tag_members_by_a_member_is_insufficient_scope() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let tag = app
        .gql_ok(&owner.token, CREATE_TAG, json!({ "n": "oncall" }))
        .await["createGroupTag"]["id"]
        .clone();
    let (code, _) = app
        .gql_err(
            &bob.token,
            ADD_TAG_MEMBERS,
            json!({ "t": tag, "u": [bob.gid] }),
        )
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
    assert_eq!(app.count("group_tag_members").await, 0);
}
