//! Every query of the schema over real HTTP, one behaviour per test: `me`, `workspace`,
//! `users`, `user`, `chats`, `chat`, `messages`, `message`, `search`, `node`,
//! `apiTokens`, `departments` and `groupTags`.

use std::collections::HashSet;

use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid, rid};
use schema::ids::Kind;

/// The `edges[].node.<key>` strings of a connection, in order.
fn edge_strings(conn: &Value, key: &str) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {conn:#}"))
        .iter()
        .map(|e| e["node"][key].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `[].<key>` strings of a list.
fn list_strings(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .map(|e| e[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The edge of a connection whose node has `id`.
fn edge_of<'a>(conn: &'a Value, id: &str) -> &'a Value {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["id"] == id)
        .map(|e| &e["node"])
        .unwrap_or_else(|| panic!("{id} not in {conn:#}"))
}

/// A workspace `acme` with its owner and two members.
async fn team(app: &TestApp) -> (Actor, Actor, Actor) {
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let carol = app.user("acme", "carol@acme.test", Role::Member).await;
    (owner, bob, carol)
}

const CHATS: &str = r#"
query Chats($memberOnly: Boolean! = false, $includeArchived: Boolean! = false, $kind: ChatKind) {
  chats(first: 100, memberOnly: $memberOnly, includeArchived: $includeArchived, kind: $kind) {
    edges { node { id name kind archived isPublic memberCount unreadCount viewerRole } }
  }
}"#;

async fn chats(app: &TestApp, who: &Actor, vars: Value) -> Value {
    app.gql_ok(&who.token, CHATS, vars).await["chats"].clone()
}

// ---------------------------------------------------------------------------------------
// me, workspace, users, user

#[tokio::test]
async fn me_is_the_authenticated_user() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let data = app
        .gql_ok(
            &bob.token,
            "{ me { id databaseId name firstName email role isBot status { emoji } } }",
            json!({}),
        )
        .await;
    let me = &data["me"];
    assert_eq!(me["id"], bob.gid);
    assert_eq!(me["databaseId"], bob.id);
    assert_eq!(me["name"], "Bob Tester");
    assert_eq!(me["firstName"], "Bob");
    assert_eq!(me["email"], "bob@acme.test");
    assert_eq!(me["role"], "MEMBER");
    assert_eq!(me["isBot"], false);
    assert!(me["status"].is_null());

    let data = app
        .gql_ok(&owner.token, "{ me { id role } }", json!({}))
        .await;
    assert_eq!(data["me"]["id"], owner.gid);
    assert_eq!(data["me"]["role"], "OWNER");
}

#[tokio::test]
async fn me_without_a_credential_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body:#}"
    );
}

#[tokio::test]
async fn workspace_counts_members_and_lists_departments_and_group_tags_by_name() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    // Another workspace's people do not count.
    app.workspace("other").await;
    app.user("other", "x@other.test", Role::Member).await;
    for name in ["Sales", "Engineering"] {
        app.gql_ok(
            &owner.token,
            "mutation($n: String!) { createDepartment(name: $n) { id } }",
            json!({ "n": name }),
        )
        .await;
    }
    let tag = app
        .gql_ok(
            &owner.token,
            r#"mutation { createGroupTag(name: "oncall") { id } }"#,
            json!({}),
        )
        .await["createGroupTag"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        &owner.token,
        r#"mutation { createGroupTag(name: "backend") { id } }"#,
        json!({}),
    )
    .await;
    app.gql_ok(
        &owner.token,
        "mutation($t: ID!, $u: [ID!]!) { addGroupTagMembers(tagId: $t, userIds: $u) { id } }",
        json!({ "t": tag, "u": [carol.gid, bob.gid] }),
    )
    .await;

    let data = app
        .gql_ok(
            &bob.token,
            "{ workspace { id slug name memberCount departments { name } groupTags { name users { id } } } }",
            json!({}),
        )
        .await;
    let ws = &data["workspace"];
    assert_eq!(ws["id"], gid(Kind::Workspace, owner.workspace_id));
    assert_eq!(ws["slug"], "acme");
    assert_eq!(ws["memberCount"], 3);
    assert_eq!(
        list_strings(&ws["departments"], "name"),
        ["Engineering", "Sales"]
    );
    assert_eq!(
        list_strings(&ws["groupTags"], "name"),
        ["backend", "oncall"]
    );
    assert_eq!(ws["groupTags"][0]["users"], json!([]));
    // Members by user id.
    assert_eq!(
        list_strings(&ws["groupTags"][1]["users"], "id"),
        [bob.gid.clone(), carol.gid.clone()]
    );
}

#[tokio::test]
async fn users_paginates_with_first_and_after() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let mut everyone = vec![owner.gid.clone()];
    for i in 0..6 {
        everyone.push(
            app.user("acme", &format!("u{i}@acme.test"), Role::Member)
                .await
                .gid,
        );
    }
    app.workspace("other").await;

    const Q: &str = "query($after: String) { users(first: 3, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app.gql_ok(&owner.token, Q, json!({ "after": after })).await;
        let conn = &data["users"];
        pages += 1;
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
        let ids = edge_strings(conn, "id");
        assert!(!ids.is_empty(), "an empty page: {conn:#}");
        assert_eq!(
            conn["pageInfo"]["endCursor"],
            conn["edges"].as_array().unwrap().last().unwrap()["cursor"]
        );
        seen.extend(ids);
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3, "7 users in pages of 3");
    assert_eq!(seen, everyone, "every user once, by id");
}

#[tokio::test]
async fn users_query_filters_by_name_nickname_or_email() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    app.user("acme", "bobby.tables@elsewhere.test", Role::Member)
        .await;
    let q = "query($q: String) { users(query: $q) { edges { node { id email } } } }";

    let data = app.gql_ok(&owner.token, q, json!({ "q": "CAROL" })).await;
    assert_eq!(
        edge_strings(&data["users"], "id"),
        std::slice::from_ref(&carol.gid)
    );

    let data = app.gql_ok(&owner.token, q, json!({ "q": "bob" })).await;
    let emails = edge_strings(&data["users"], "email");
    assert_eq!(emails, ["bob@acme.test", "bobby.tables@elsewhere.test"]);

    let data = app
        .gql_ok(&owner.token, q, json!({ "q": "elsewhere" }))
        .await;
    assert_eq!(
        edge_strings(&data["users"], "email"),
        ["bobby.tables@elsewhere.test"]
    );

    let data = app
        .gql_ok(&owner.token, q, json!({ "q": "nobody-matches" }))
        .await;
    assert_eq!(data["users"]["edges"], json!([]));

    let data = app.gql_ok(&owner.token, q, json!({ "q": "tester" })).await;
    assert_eq!(
        data["users"]["edges"].as_array().unwrap().len(),
        4,
        "the last name matches everyone"
    );
    let _ = bob;
}

#[tokio::test]
async fn user_returns_one_user_and_null_for_unknown_or_foreign_ids() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let stranger = app.workspace("other").await;
    let q = "query($id: ID!) { user(id: $id) { id name email role } }";

    let data = app.gql_ok(&owner.token, q, json!({ "id": bob.gid })).await;
    assert_eq!(data["user"]["id"], bob.gid);
    assert_eq!(data["user"]["name"], "Bob Tester");
    assert_eq!(data["user"]["role"], "MEMBER");

    let data = app
        .gql_ok(&owner.token, q, json!({ "id": gid(Kind::User, 9999) }))
        .await;
    assert!(data["user"].is_null());
    let data = app
        .gql_ok(&owner.token, q, json!({ "id": stranger.gid }))
        .await;
    assert!(
        data["user"].is_null(),
        "a user of another workspace is not found"
    );

    let (code, body) = app
        .gql_err(&owner.token, q, json!({ "id": gid(Kind::Chat, bob.id) }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "id");
}

// ---------------------------------------------------------------------------------------
// chats, chat

#[tokio::test]
async fn chats_shows_public_chats_of_others_but_not_their_private_ones() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let public = app.create_chat(&owner, "general", true, &[]).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;

    let list = chats(&app, &carol, json!({})).await;
    assert_eq!(edge_strings(&list, "id"), std::slice::from_ref(&public));
    let node = edge_of(&list, &public);
    assert_eq!(node["isPublic"], true);
    assert_eq!(node["memberCount"], 1);
    assert!(node["viewerRole"].is_null(), "not a member");
    assert!(node["unreadCount"].is_null(), "not a member");

    let list = chats(&app, &bob, json!({})).await;
    assert_eq!(edge_strings(&list, "id"), [public, private]);
}

#[tokio::test]
async fn chats_hides_public_chats_from_guests() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let guest = app.user("acme", "gina@acme.test", Role::Guest).await;
    app.create_chat(&owner, "general", true, &[]).await;
    let added = app
        .create_chat(&owner, "with-guest", false, &[&guest])
        .await;

    let list = chats(&app, &guest, json!({})).await;
    assert_eq!(edge_strings(&list, "id"), [added]);
}

#[tokio::test]
async fn chats_member_only_lists_only_the_viewers_chats() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let public = app.create_chat(&owner, "general", true, &[]).await;
    let joined = app
        .create_chat(&owner, "joined-public", true, &[&bob])
        .await;
    let mine = app.create_chat(&bob, "bob-only", false, &[]).await;

    let all = chats(&app, &bob, json!({})).await;
    assert_eq!(
        edge_strings(&all, "id"),
        [public, joined.clone(), mine.clone()]
    );
    let member_only = chats(&app, &bob, json!({ "memberOnly": true })).await;
    assert_eq!(edge_strings(&member_only, "id"), [joined, mine]);
}

#[tokio::test]
async fn chats_include_archived_adds_archived_chats() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let live = app.create_chat(&owner, "live", false, &[&bob]).await;
    let old = app.create_chat(&owner, "old", false, &[&bob]).await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { archiveChat(id: $id) { id } }",
        json!({ "id": old }),
    )
    .await;

    let list = chats(&app, &bob, json!({})).await;
    assert_eq!(edge_strings(&list, "id"), std::slice::from_ref(&live));
    let list = chats(&app, &bob, json!({ "includeArchived": true })).await;
    assert_eq!(edge_strings(&list, "id"), [live, old.clone()]);
    assert_eq!(edge_of(&list, &old)["archived"], true);
}

#[tokio::test]
async fn chats_kind_filters_by_kind_and_threads_appear_only_when_asked_for() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let group = app.create_chat(&owner, "group", false, &[&bob]).await;
    let channel = app
        .gql_ok(
            &owner.token,
            "mutation($i: CreateChatInput!) { createChat(input: $i) { id } }",
            json!({ "i": { "name": "news", "isChannel": true, "memberIds": [bob.gid] } }),
        )
        .await["createChat"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dm = app
        .gql_ok(
            &owner.token,
            r#"mutation($u: ID!) { sendDirectMessage(userId: $u, content: "hi") { chatId } }"#,
            json!({ "u": bob.gid }),
        )
        .await["sendDirectMessage"]["chatId"]
        .as_str()
        .unwrap()
        .to_owned();
    let root = app.send(&owner, &group, "root").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": root }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let all = chats(&app, &bob, json!({})).await;
    assert_eq!(
        edge_strings(&all, "id"),
        [group.clone(), channel.clone(), dm.clone()],
        "no threads by default"
    );
    for (kind, want) in [
        ("GROUP", &group),
        ("CHANNEL", &channel),
        ("DIRECT", &dm),
        ("THREAD", &thread),
    ] {
        let list = chats(&app, &bob, json!({ "kind": kind })).await;
        assert_eq!(
            edge_strings(&list, "id"),
            std::slice::from_ref(want),
            "kind {kind}"
        );
        assert_eq!(list["edges"][0]["node"]["kind"], kind);
    }
}

#[tokio::test]
async fn chats_hides_threads_of_a_private_chat_the_viewer_was_removed_from() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;
    let root = app.send(&owner, &private, "confidential root").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": root }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "{ chats(kind: THREAD) { edges { node { id rootMessage { content } } } } }";
    let data = app.gql_ok(&bob.token, q, json!({})).await;
    assert_eq!(
        edge_strings(&data["chats"], "id"),
        std::slice::from_ref(&thread)
    );

    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id } }",
        json!({ "c": private, "u": bob.gid }),
    )
    .await;
    // Bob is still a member of the thread, but no longer sees its chat.
    let data = app
        .gql_ok(
            &bob.token,
            "query($id: ID!) { chat(id: $id) { id } }",
            json!({ "id": thread }),
        )
        .await;
    assert!(data["chat"].is_null());
    let data = app.gql_ok(&bob.token, q, json!({})).await;
    assert_eq!(data["chats"]["edges"], json!([]), "{data:#}");
    let data = app
        .gql_ok(
            &bob.token,
            "{ chats(kind: THREAD, memberOnly: true) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["chats"]["edges"], json!([]));
}

#[tokio::test]
async fn chats_lists_threads_of_public_chats_the_viewer_follows() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let public = app.create_chat(&owner, "general", true, &[]).await;
    let root = app.send(&owner, &public, "open question").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": root }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = app
        .gql_ok(
            &bob.token,
            "{ chats(kind: THREAD, memberOnly: true) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(edge_strings(&data["chats"], "id"), [thread]);
}

#[tokio::test]
async fn chats_reports_unread_count_member_count_and_viewer_role() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = app
        .create_chat(&owner, "team", false, &[&bob, &carol])
        .await;
    for i in 0..3 {
        app.send(&owner, &chat, &format!("from owner {i}")).await;
    }
    app.send(&bob, &chat, "from bob").await;

    let node = edge_of(&chats(&app, &owner, json!({})).await, &chat).clone();
    assert_eq!(node["memberCount"], 3);
    assert_eq!(node["viewerRole"], "ADMIN");
    assert_eq!(
        node["unreadCount"], 1,
        "bob's message is unread for the owner"
    );

    let node = edge_of(&chats(&app, &bob, json!({})).await, &chat).clone();
    assert_eq!(node["viewerRole"], "MEMBER");
    assert_eq!(node["unreadCount"], 0, "posting reads everything before it");

    let node = edge_of(&chats(&app, &carol, json!({})).await, &chat).clone();
    assert_eq!(node["unreadCount"], 4);
    assert_eq!(node["memberCount"], 3);
}

#[tokio::test]
async fn chat_returns_a_visible_chat_and_null_for_a_private_chat_of_others() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;
    let q = "query($id: ID!) { chat(id: $id) { id databaseId name kind isChannel isPublic archived
        creator { id } memberCount viewerRole members { edges { node { user { id } role } } } } }";

    let data = app.gql_ok(&bob.token, q, json!({ "id": private })).await;
    let chat = &data["chat"];
    assert_eq!(chat["id"], private);
    assert_eq!(chat["databaseId"], rid(&private));
    assert_eq!(chat["name"], "secret");
    assert_eq!(chat["kind"], "GROUP");
    assert_eq!(chat["isChannel"], false);
    assert_eq!(chat["creator"]["id"], owner.gid);
    assert_eq!(chat["viewerRole"], "MEMBER");
    let members: Vec<(String, String)> = chat["members"]["edges"]
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
        members,
        [
            (owner.gid.clone(), "ADMIN".to_owned()),
            (bob.gid.clone(), "MEMBER".to_owned())
        ]
    );

    let data = app.gql_ok(&carol.token, q, json!({ "id": private })).await;
    assert!(
        data["chat"].is_null(),
        "a private chat of others is invisible"
    );
    let data = app
        .gql_ok(&carol.token, q, json!({ "id": gid(Kind::Chat, 424242) }))
        .await;
    assert!(data["chat"].is_null());
}

// ---------------------------------------------------------------------------------------
// messages, message

#[tokio::test]
async fn messages_walks_every_page_newest_first_without_duplicates_or_gaps() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "busy", false, &[&bob]).await;
    let other = app.create_chat(&owner, "elsewhere", false, &[]).await;
    let mut sent = Vec::new();
    for i in 0..25 {
        let author = if i % 3 == 0 { &bob } else { &owner };
        sent.push(app.send(author, &chat, &format!("message {i}")).await);
        if i % 5 == 0 {
            app.send(&owner, &other, "noise").await;
        }
    }
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();
    const Q: &str = "query($chat: ID!, $first: Int!, $after: String) {
        messages(chatId: $chat, first: $first, after: $after) {
          edges { cursor node { id content } }
          pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }";

    // 7 does not divide 25; 5 does (the last page is full and still ends the walk).
    for (first, want_pages) in [(7, 4), (5, 5)] {
        let mut seen: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let data = app
                .gql_ok(
                    &bob.token,
                    Q,
                    json!({ "chat": chat, "first": first, "after": after }),
                )
                .await;
            let conn = &data["messages"];
            pages += 1;
            let edges = conn["edges"].as_array().unwrap();
            assert!(
                !edges.is_empty() && edges.len() <= first,
                "page of {}",
                edges.len()
            );
            for edge in edges {
                let cursor = edge["cursor"].as_str().unwrap();
                assert!(!cursor.is_empty());
                assert_ne!(
                    cursor,
                    edge["node"]["id"].as_str().unwrap(),
                    "cursors are not ids"
                );
                assert!(
                    !cursor.contains(&rid(edge["node"]["id"].as_str().unwrap()).to_string()),
                    "opaque cursor"
                );
            }
            assert_eq!(conn["pageInfo"]["startCursor"], edges[0]["cursor"]);
            assert_eq!(
                conn["pageInfo"]["endCursor"],
                edges.last().unwrap()["cursor"]
            );
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], after.is_some());
            seen.extend(edge_strings(conn, "id"));
            if conn["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
            assert!(pages < 20, "pagination does not end");
        }
        assert_eq!(pages, want_pages, "pages of {first}");
        assert_eq!(
            seen.len(),
            seen.iter().collect::<HashSet<_>>().len(),
            "no duplicates"
        );
        assert_eq!(
            seen, newest_first,
            "every message once, newest first (first: {first})"
        );
    }
}

#[tokio::test]
async fn messages_of_an_invisible_chat_is_not_found() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[]).await;
    app.send(&owner, &private, "hidden").await;
    let (code, _) = app
        .gql_err(
            &carol.token,
            "query($c: ID!) { messages(chatId: $c) { edges { node { id } } } }",
            json!({ "c": private }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn messages_rejects_a_garbage_cursor() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let chat = app.create_chat(&owner, "c", false, &[]).await;
    let (code, body) = app
        .gql_err(
            &owner.token,
            "query($c: ID!) { messages(chatId: $c, after: \"not-a-cursor\") { edges { node { id } } } }",
            json!({ "c": chat }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");
}

const MESSAGE: &str = r#"
query($id: ID!) {
  message(id: $id) {
    id databaseId content kind chatId chat { id name }
    author { id name }
    metadata buttons
    attachments { name kind url fileKey size }
    reactions { emoji count viewerReacted }
    replyTo { id content }
    revisions { content metadata editor { id } replacedAt }
    editedAt createdAt
    readCount readBy { edges { node { id } } }
    thread { id kind rootMessage { id } }
    threadReplyCount
    pinned pinnedAt pinnedBy { id }
  }
}"#;

#[tokio::test]
async fn message_returns_every_relation() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let chat = app
        .create_chat(&owner, "team", false, &[&bob, &carol])
        .await;
    let quoted = app.send(&bob, &chat, "the question").await;
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
            json!({ "i": {
                "chatId": chat,
                "content": "first draft",
                "metadata": { "ticket": "OPS-1", "priority": 2 },
                "buttons": [[{ "text": "Approve", "data": "approve" }, { "text": "Docs", "url": "https://docs.example/x" }]],
                "attachments": [
                    { "name": "report.pdf", "url": "https://files.example/report.pdf", "size": 2048 },
                    { "name": "shot.png", "kind": "image", "fileKey": "uploads/shot.png", "size": 10 }
                ],
                "replyToId": quoted,
            } }),
        )
        .await;
    let id = data["sendMessage"]["id"].as_str().unwrap().to_owned();
    app.gql_ok(
        &owner.token,
        r#"mutation($id: ID!) { editMessage(id: $id, content: "final text", metadata: {ticket: "OPS-2"}) { id } }"#,
        json!({ "id": id }),
    )
    .await;
    for (who, emoji) in [(&bob, "👍"), (&carol, "👍"), (&bob, "🎉")] {
        app.gql_ok(
            &who.token,
            "mutation($m: ID!, $e: String!) { addReaction(messageId: $m, emoji: $e) { id } }",
            json!({ "m": id, "e": emoji }),
        )
        .await;
    }
    app.gql_ok(
        &carol.token,
        "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) { id } }",
        json!({ "c": chat, "m": id }),
    )
    .await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": id }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send(&bob, &chat, "ack").await;
    app.send(&bob, &thread, "reply one").await;
    app.send(&carol, &thread, "reply two").await;
    app.gql_ok(
        &bob.token,
        "mutation($id: ID!) { pinMessage(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;

    let data = app.gql_ok(&bob.token, MESSAGE, json!({ "id": id })).await;
    let m = &data["message"];
    assert_eq!(m["id"], id);
    assert_eq!(m["databaseId"], rid(&id));
    assert_eq!(m["content"], "final text");
    assert_eq!(m["kind"], "INTERACTIVE");
    assert_eq!(m["chatId"], chat);
    assert_eq!(m["chat"]["id"], chat);
    assert_eq!(m["author"]["id"], owner.gid);
    assert_eq!(m["metadata"], json!({ "ticket": "OPS-2" }));
    assert_eq!(
        m["buttons"][0][0],
        json!({ "text": "Approve", "data": "approve" })
    );
    assert_eq!(m["buttons"][0][1]["url"], "https://docs.example/x");
    assert_eq!(
        m["attachments"],
        json!([
            { "name": "report.pdf", "kind": "file", "url": "https://files.example/report.pdf", "fileKey": null, "size": 2048 },
            { "name": "shot.png", "kind": "image", "url": null, "fileKey": "uploads/shot.png", "size": 10 }
        ])
    );
    assert_eq!(
        m["reactions"],
        json!([
            { "emoji": "👍", "count": 2, "viewerReacted": true },
            { "emoji": "🎉", "count": 1, "viewerReacted": true }
        ])
    );
    assert_eq!(
        m["replyTo"],
        json!({ "id": quoted, "content": "the question" })
    );
    assert_eq!(m["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(m["revisions"][0]["content"], "first draft");
    assert_eq!(
        m["revisions"][0]["metadata"],
        json!({ "ticket": "OPS-1", "priority": 2 })
    );
    assert_eq!(m["revisions"][0]["editor"]["id"], owner.gid);
    assert!(m["editedAt"].is_string());
    // Carol read it explicitly; Bob by posting after it.
    assert_eq!(m["readCount"], 2);
    let mut readers = edge_strings(&m["readBy"], "id");
    readers.sort();
    let mut want = vec![bob.gid.clone(), carol.gid.clone()];
    want.sort();
    assert_eq!(readers, want);
    assert_eq!(m["thread"]["id"], thread);
    assert_eq!(m["thread"]["kind"], "THREAD");
    assert_eq!(m["thread"]["rootMessage"]["id"], id);
    assert_eq!(m["threadReplyCount"], 2);
    assert_eq!(m["pinned"], true);
    assert!(m["pinnedAt"].is_string());
    assert_eq!(m["pinnedBy"]["id"], bob.gid);

    // The viewer's own reactions are marked per viewer.
    let data = app.gql_ok(&owner.token, MESSAGE, json!({ "id": id })).await;
    assert_eq!(data["message"]["reactions"][0]["viewerReacted"], false);
}

#[tokio::test]
async fn message_of_a_private_chat_of_others_is_null() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;
    let id = app.send(&owner, &private, "hidden").await;
    let q = "query($id: ID!) { message(id: $id) { id } }";
    assert_eq!(
        app.gql_ok(&bob.token, q, json!({ "id": id })).await["message"]["id"],
        id
    );
    assert!(app.gql_ok(&carol.token, q, json!({ "id": id })).await["message"].is_null());
    assert!(
        app.gql_ok(&carol.token, q, json!({ "id": gid(Kind::Message, 99999) }))
            .await["message"]
            .is_null()
    );
}

// ---------------------------------------------------------------------------------------
// search

const SEARCH_MESSAGES: &str = r#"
query($q: String!, $chat: ID, $author: ID, $from: DateTime, $to: DateTime) {
  search(query: $q, chatId: $chat, authorId: $author, from: $from, to: $to) {
    messages(first: 50) { edges { node { id content createdAt } } }
  }
}"#;

async fn search_messages(app: &TestApp, who: &Actor, vars: Value) -> Vec<String> {
    let data = app.gql_ok(&who.token, SEARCH_MESSAGES, vars).await;
    edge_strings(&data["search"]["messages"], "id")
}

#[tokio::test]
async fn search_matches_word_prefixes_and_requires_every_word() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[&bob]).await;
    let a = app
        .send(&owner, &chat, "The deployment finished at noon")
        .await;
    let b = app.send(&bob, &chat, "Deploying again tomorrow").await;
    app.send(&bob, &chat, "lunch?").await;

    // Newest first.
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "deplo" })).await,
        [b.clone(), a.clone()]
    );
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "DEPLOYMENT" })).await,
        std::slice::from_ref(&a)
    );
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "deplo fin" })).await,
        [a]
    );
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "deplo tomor" })).await,
        [b]
    );
    assert!(
        search_messages(&app, &owner, json!({ "q": "ployment" }))
            .await
            .is_empty(),
        "prefixes, not infixes"
    );
}

#[tokio::test]
async fn search_chat_id_narrows_to_one_chat() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let one = app.create_chat(&owner, "one", false, &[&bob]).await;
    let two = app.create_chat(&owner, "two", true, &[]).await;
    let in_one = app.send(&owner, &one, "release notes").await;
    let in_two = app.send(&owner, &two, "release party").await;

    assert_eq!(
        search_messages(&app, &bob, json!({ "q": "release" })).await,
        [in_two.clone(), in_one.clone()]
    );
    assert_eq!(
        search_messages(&app, &bob, json!({ "q": "release", "chat": one })).await,
        [in_one]
    );
    assert_eq!(
        search_messages(&app, &bob, json!({ "q": "release", "chat": two })).await,
        [in_two]
    );
}

#[tokio::test]
async fn search_author_id_narrows_to_one_author() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[&bob]).await;
    let by_owner = app.send(&owner, &chat, "incident report").await;
    let by_bob = app.send(&bob, &chat, "incident resolved").await;

    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "incident", "author": bob.gid })).await,
        [by_bob]
    );
    assert_eq!(
        search_messages(
            &app,
            &owner,
            json!({ "q": "incident", "author": owner.gid })
        )
        .await,
        [by_owner]
    );
}

#[tokio::test]
async fn search_from_and_to_narrow_to_a_time_window() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(app.send(&owner, &chat, &format!("standup note {i}")).await);
    }
    let data = app
        .gql_ok(&owner.token, SEARCH_MESSAGES, json!({ "q": "standup" }))
        .await;
    let edges = data["search"]["messages"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let created = |id: &str| -> String {
        edges.iter().find(|e| e["node"]["id"] == id).unwrap()["node"]["createdAt"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (t1, t2) = (created(&ids[1]), created(&ids[2]));
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert!(
        at(&created(&ids[0])) < at(&t1) && at(&t1) < at(&t2),
        "distinct send times"
    );

    // `from` is inclusive, `to` exclusive.
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "standup", "from": t1 })).await,
        [ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "standup", "to": t1 })).await,
        [ids[0].clone()]
    );
    assert_eq!(
        search_messages(
            &app,
            &owner,
            json!({ "q": "standup", "from": t1, "to": t2 })
        )
        .await,
        [ids[1].clone()]
    );
    let (code, body) = app
        .gql_err(
            &owner.token,
            SEARCH_MESSAGES,
            json!({ "q": "standup", "from": t2, "to": t1 }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "from");
}

#[tokio::test]
async fn search_does_not_find_deleted_messages() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    let kept = app.send(&owner, &chat, "rollback plan kept").await;
    let gone = app.send(&owner, &chat, "rollback plan deleted").await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteMessage(id: $id) { id } }",
        json!({ "id": gone }),
    )
    .await;
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "rollback" })).await,
        [kept]
    );
}

#[tokio::test]
async fn search_finds_edited_messages_by_their_new_words_only() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let chat = app.create_chat(&owner, "ops", false, &[]).await;
    let id = app.send(&owner, &chat, "draft wording").await;
    app.gql_ok(
        &owner.token,
        r#"mutation($id: ID!) { editMessage(id: $id, content: "polished wording") { id } }"#,
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "polish" })).await,
        std::slice::from_ref(&id)
    );
    assert!(
        search_messages(&app, &owner, json!({ "q": "draft" }))
            .await
            .is_empty()
    );
    assert_eq!(
        search_messages(&app, &owner, json!({ "q": "wording" })).await,
        [id]
    );
}

#[tokio::test]
async fn search_does_not_find_messages_in_private_chats_of_others() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;
    let public = app.create_chat(&owner, "general", true, &[]).await;
    let hidden = app.send(&owner, &private, "merger plans").await;
    let open = app.send(&owner, &public, "merger rumours").await;
    let root = app.send(&owner, &private, "thread root").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": root }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_thread = app.send(&bob, &thread, "merger timeline").await;

    assert_eq!(
        search_messages(&app, &bob, json!({ "q": "merger" })).await,
        [in_thread, open.clone(), hidden],
        "members see their private chat and its threads"
    );
    assert_eq!(
        search_messages(&app, &carol, json!({ "q": "merger" })).await,
        [open],
        "carol sees the public chat only"
    );
}

#[tokio::test]
async fn search_does_not_find_thread_replies_of_a_private_chat_the_viewer_was_removed_from() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[&bob]).await;
    let root = app.send(&owner, &private, "thread root").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": root }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app.send(&owner, &thread, "acquisition shortlist").await;
    assert_eq!(
        search_messages(&app, &bob, json!({ "q": "acquisition" })).await,
        std::slice::from_ref(&reply)
    );

    app.gql_ok(
        &owner.token,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id } }",
        json!({ "c": private, "u": bob.gid }),
    )
    .await;
    // Bob is still a member of the thread, but no longer sees its chat: neither the
    // message nor a search may reveal it.
    let data = app
        .gql_ok(
            &bob.token,
            "query($id: ID!) { message(id: $id) { id } }",
            json!({ "id": reply }),
        )
        .await;
    assert!(data["message"].is_null());
    assert!(
        search_messages(&app, &bob, json!({ "q": "acquisition" }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn search_finds_chats_the_viewer_can_see() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let public = app.create_chat(&owner, "Deployment squad", true, &[]).await;
    let private = app
        .create_chat(&owner, "Deployment secrets", false, &[&bob])
        .await;
    app.create_chat(&owner, "Random", true, &[]).await;
    let q = r#"query($q: String!) { search(query: $q) { chats { edges { node { id name } } } } }"#;

    let data = app.gql_ok(&bob.token, q, json!({ "q": "deplo" })).await;
    assert_eq!(
        edge_strings(&data["search"]["chats"], "id"),
        [private, public.clone()]
    );
    let data = app.gql_ok(&carol.token, q, json!({ "q": "deplo" })).await;
    assert_eq!(edge_strings(&data["search"]["chats"], "id"), [public]);
}

#[tokio::test]
async fn search_finds_users_by_name_prefix() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    app.workspace("other").await;
    app.user("other", "bobcat@other.test", Role::Member).await;
    let q = r#"query($q: String!) { search(query: $q) { users { edges { node { id name } } } } }"#;

    let data = app.gql_ok(&owner.token, q, json!({ "q": "bo" })).await;
    assert_eq!(
        edge_strings(&data["search"]["users"], "id"),
        std::slice::from_ref(&bob.gid),
        "only this workspace"
    );
    let data = app
        .gql_ok(&owner.token, q, json!({ "q": "bob test" }))
        .await;
    assert_eq!(edge_strings(&data["search"]["users"], "id"), [bob.gid]);
}

#[tokio::test]
async fn search_rejects_a_query_without_words() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = team(&app).await;
    let (code, body) = app
        .gql_err(&owner.token, SEARCH_MESSAGES, json!({ "q": " !! " }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "query");
}

// ---------------------------------------------------------------------------------------
// node

const NODE: &str = r#"
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on User { name }
    ... on Chat { name }
    ... on Message { content }
  }
}"#;

#[tokio::test]
async fn node_resolves_users_chats_and_messages() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let chat = app.create_chat(&owner, "team", false, &[&bob]).await;
    let message = app.send(&owner, &chat, "hello node").await;

    let data = app
        .gql_ok(&bob.token, NODE, json!({ "id": owner.gid }))
        .await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "User", "id": owner.gid, "name": "Owner Tester" })
    );
    let data = app.gql_ok(&bob.token, NODE, json!({ "id": chat })).await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Chat", "id": chat, "name": "team" })
    );
    let data = app.gql_ok(&bob.token, NODE, json!({ "id": message })).await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Message", "id": message, "content": "hello node" })
    );
}

#[tokio::test]
async fn node_is_null_for_invisible_or_unknown_objects() {
    let app = TestApp::spawn().await;
    let (owner, _, carol) = team(&app).await;
    let private = app.create_chat(&owner, "secret", false, &[]).await;
    let message = app.send(&owner, &private, "hidden").await;
    for id in [
        private,
        message,
        gid(Kind::User, 9999),
        gid(Kind::Department, 1),
    ] {
        let data = app.gql_ok(&carol.token, NODE, json!({ "id": id })).await;
        assert!(data["node"].is_null(), "{id}: {data:#}");
    }
    let (code, _) = app
        .gql_err(&carol.token, NODE, json!({ "id": "garbage" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

// ---------------------------------------------------------------------------------------
// apiTokens, departments, groupTags

#[tokio::test]
async fn api_tokens_lists_only_the_viewers_tokens_without_secrets() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let scoped = app
        .scoped_token(&bob, &["messages:read", "chats:read"])
        .await;
    let q = "{ apiTokens { id name prefix masked scopes revokedAt createdAt } }";

    let body = app.gql(&bob.token, q, json!({})).await;
    let tokens = body["data"]["apiTokens"].as_array().unwrap();
    assert_eq!(
        list_strings(&body["data"]["apiTokens"], "name"),
        ["test", "scoped"]
    );
    assert_eq!(tokens[0]["scopes"], json!(["*"]));
    assert_eq!(tokens[1]["scopes"], json!(["chats:read", "messages:read"]));
    for (token, secret) in tokens.iter().zip([&bob.token, &scoped]) {
        let prefix = token["prefix"].as_str().unwrap();
        assert!(secret.starts_with(prefix) && prefix.starts_with("sbt_"));
        assert_eq!(
            token["masked"],
            format!("{prefix}...{}", &secret[secret.len() - 4..])
        );
        assert!(token["revokedAt"].is_null());
    }
    let text = body.to_string();
    assert!(
        !text.contains(&bob.token) && !text.contains(&scoped),
        "secrets are never listed"
    );
    assert!(!text.contains(&owner.token));
}

#[tokio::test]
async fn departments_lists_departments_by_name_with_parent_and_manager() {
    let app = TestApp::spawn().await;
    let (owner, bob, _) = team(&app).await;
    let eng = app
        .gql_ok(
            &owner.token,
            r#"mutation { createDepartment(name: "Engineering") { id } }"#,
            json!({}),
        )
        .await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        &owner.token,
        r#"mutation($p: ID!, $m: ID!) { createDepartment(name: "Backend", parentId: $p, managerId: $m) { id } }"#,
        json!({ "p": eng, "m": bob.gid }),
    )
    .await;
    app.workspace("other").await;

    let data = app
        .gql_ok(
            &bob.token,
            "{ departments { id name parent { id name } manager { id } } }",
            json!({}),
        )
        .await;
    let deps = &data["departments"];
    assert_eq!(list_strings(deps, "name"), ["Backend", "Engineering"]);
    assert_eq!(deps[0]["parent"]["id"], eng);
    assert_eq!(deps[0]["manager"]["id"], bob.gid);
    assert!(deps[1]["parent"].is_null());
    assert!(deps[1]["manager"].is_null());
}

#[tokio::test]
async fn group_tags_lists_tags_by_name_with_their_users() {
    let app = TestApp::spawn().await;
    let (owner, bob, carol) = team(&app).await;
    let mut tags = Vec::new();
    for name in ["zeta", "alpha"] {
        tags.push(
            app.gql_ok(
                &owner.token,
                "mutation($n: String!) { createGroupTag(name: $n) { id } }",
                json!({ "n": name }),
            )
            .await["createGroupTag"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.gql_ok(
        &owner.token,
        "mutation($t: ID!, $u: [ID!]!) { addGroupTagMembers(tagId: $t, userIds: $u) { id } }",
        json!({ "t": tags[0], "u": [carol.gid, bob.gid] }),
    )
    .await;

    let data = app
        .gql_ok(
            &bob.token,
            "{ groupTags { id name users { id } } }",
            json!({}),
        )
        .await;
    let list = &data["groupTags"];
    assert_eq!(list_strings(list, "name"), ["alpha", "zeta"]);
    assert_eq!(list[1]["id"], tags[0]);
    assert_eq!(
        list_strings(&list[1]["users"], "id"),
        [bob.gid.clone(), carol.gid.clone()]
    );
    assert_eq!(list[0]["users"], json!([]));
}
