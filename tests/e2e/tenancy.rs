//! Tenant isolation: two workspaces seeded identically (same chat names, messages, user
//! emails), and every id-taking query and mutation, made with one workspace's token on
//! the other's objects, answers exactly like the same request with an id that does not
//! exist. Lists and search never show the other workspace's rows, and nothing the
//! intruder tries changes anything. The same "exactly like missing" rule holds inside a
//! workspace for a private chat and for guests.

use std::collections::HashSet;

use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid, rid};

/// Where a probe's variables take the id under test.
const ID: &str = "<ID>";
/// A row id that exists in no workspace.
const MISSING: i64 = 999_999;

/// One workspace, seeded by [`seed`]; every workspace seeded so looks the same.
struct Tenant {
    owner: Actor,
    alice: Actor,
    bob: Actor,
    /// Public group: owner, Alice, Bob.
    general: String,
    /// Private group: owner, Alice.
    secret: String,
    /// The thread of `hello`.
    thread: String,
    /// The direct chat of the owner and Alice.
    direct: String,
    /// Alice's message in `general`, with 👍 (Bob) and 🎉 (owner) and a thread.
    hello: String,
    /// The owner's message in `secret`.
    note: String,
    /// Bob's reply in `thread`.
    reply: String,
    /// The owner's message to Alice.
    dm: String,
}

impl Tenant {
    fn users(&self) -> Vec<&str> {
        vec![&self.owner.gid, &self.alice.gid, &self.bob.gid]
    }
    fn chats(&self) -> Vec<&str> {
        vec![&self.general, &self.secret, &self.thread, &self.direct]
    }
    fn messages(&self) -> Vec<&str> {
        vec![&self.hello, &self.note, &self.reply, &self.dm]
    }
    fn ids(&self) -> HashSet<String> {
        let mut all = self.users();
        all.extend(self.chats());
        all.extend(self.messages());
        all.into_iter().map(str::to_owned).collect()
    }
}

/// Seed workspace `slug` over GraphQL, the same way every time.
async fn seed(app: &TestApp, slug: &str) -> Tenant {
    let owner = app.workspace(slug).await;
    let alice = app.user(slug, "alice@team.test", Role::Member).await;
    let bob = app.user(slug, "bob@team.test", Role::Member).await;
    let general = app
        .create_chat(&owner, "roadmap general", true, &[&alice, &bob])
        .await;
    let secret = app
        .create_chat(&owner, "roadmap secret", false, &[&alice])
        .await;
    let hello = app.send(&alice, &general, "quarterly roadmap review").await;
    for (who, emoji) in [(&bob, "👍"), (&owner, "🎉")] {
        app.gql_ok(
            &who.token,
            "mutation($m: ID!, $e: String!) { addReaction(messageId: $m, emoji: $e) { id } }",
            json!({ "m": hello, "e": emoji }),
        )
        .await;
    }
    let note = app.send(&owner, &secret, "roadmap salaries draft").await;
    let thread = app
        .gql_ok(
            &bob.token,
            "mutation($m: ID!) { createThread(messageId: $m) { id } }",
            json!({ "m": hello }),
        )
        .await["createThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app.send(&bob, &thread, "roadmap thread reply").await;
    app.gql_ok(
        &bob.token,
        "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) { id } }",
        json!({ "c": general, "m": hello }),
    )
    .await;
    let dm = app
        .gql_ok(
            &owner.token,
            "mutation($u: ID!) { sendDirectMessage(userId: $u, content: \"roadmap direct note\") { id chatId } }",
            json!({ "u": alice.gid }),
        )
        .await["sendDirectMessage"]
        .clone();
    Tenant {
        owner,
        alice,
        bob,
        general,
        secret,
        thread,
        direct: dm["chatId"].as_str().unwrap().to_owned(),
        hello,
        note,
        reply,
        dm: dm["id"].as_str().unwrap().to_owned(),
    }
}

/// Two identical workspaces: `alpha` (the target) and `beta` (the intruder).
async fn two_tenants(app: &TestApp) -> (Tenant, Tenant) {
    (seed(app, "alpha").await, seed(app, "beta").await)
}

/// `vars` with every `"<ID>"` string replaced by `id`.
fn fill(vars: &Value, id: &str) -> Value {
    match vars {
        Value::String(s) if s == ID => Value::String(id.to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, id)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), fill(v, id))).collect())
        }
        other => other.clone(),
    }
}

/// The answer to `query` with `id` filled in, the id's number blanked in error messages.
async fn answer(app: &TestApp, token: &str, query: &str, vars: &Value, id: &str) -> Value {
    let mut body = app.gql(token, query, fill(vars, id)).await;
    let number = rid(id).to_string();
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(message) = error["message"].as_str() {
                error["message"] = Value::String(message.replace(&number, "<n>"));
            }
        }
    }
    body
}

/// Ask about `foreign` and about a missing id of the same kind: the two answers must be
/// identical (apart from the id's number in a message). Returns the answer.
async fn like_missing(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: &Value,
    foreign: &str,
) -> Value {
    let (kind, _) = schema::ids::decode_any(foreign).expect("a global id");
    let foreign_answer = answer(app, token, query, vars, foreign).await;
    let missing_answer = answer(app, token, query, vars, &gid(kind, MISSING)).await;
    assert_eq!(
        foreign_answer, missing_answer,
        "`{query}` tells {foreign} (another workspace's or hidden) apart from a missing id"
    );
    foreign_answer
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// A request to try on someone else's objects.
struct Probe {
    query: &'static str,
    vars: Value,
    /// The id put in place of `"<ID>"`.
    target: String,
}

fn probe(query: &'static str, vars: Value, target: &str) -> Probe {
    Probe {
        query,
        vars,
        target: target.to_owned(),
    }
}

/// Each probe must fail with `expected` exactly as it does for a missing id.
async fn assert_all_like_missing(app: &TestApp, token: &str, probes: &[Probe], expected: &str) {
    for p in probes {
        let body = like_missing(app, token, p.query, &p.vars, &p.target).await;
        assert_eq!(
            code(&body),
            expected,
            "`{}` on {}: {body:#}",
            p.query,
            p.target
        );
    }
}

/// Lookups by id that answer `null` for what the caller cannot see.
fn lookups(target: &Tenant) -> Vec<Probe> {
    let mut probes = Vec::new();
    for chat in target.chats() {
        probes.push(probe(
            "query($id: ID!) { chat(id: $id) { id name } }",
            json!({ "id": ID }),
            chat,
        ));
    }
    for message in target.messages() {
        probes.push(probe(
            "query($id: ID!) { message(id: $id) { id content } }",
            json!({ "id": ID }),
            message,
        ));
    }
    for user in target.users() {
        probes.push(probe(
            "query($id: ID!) { user(id: $id) { id name } }",
            json!({ "id": ID }),
            user,
        ));
    }
    for id in target.ids() {
        probes.push(probe(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": ID }),
            &id,
        ));
    }
    probes
}

/// Mutations on the target's messages.
fn message_mutations(target: &Tenant) -> Vec<Probe> {
    let queries = [
        "mutation($id: ID!) { addReaction(messageId: $id, emoji: \"👍\") { id } }",
        "mutation($id: ID!) { removeReaction(messageId: $id, emoji: \"👍\") { id } }",
        "mutation($id: ID!) { editMessage(id: $id, content: \"hijacked\") { id } }",
        "mutation($id: ID!) { deleteMessage(id: $id) { id } }",
        "mutation($id: ID!) { pinMessage(id: $id) { id } }",
        "mutation($id: ID!) { unpinMessage(id: $id) { id } }",
        "mutation($id: ID!) { createThread(messageId: $id) { id } }",
    ];
    let mut probes = Vec::new();
    for message in target.messages() {
        for query in queries {
            probes.push(probe(query, json!({ "id": ID }), message));
        }
    }
    probes
}

/// Mutations on the target's chats, by `intruder` (whose own ids fill the other arguments).
fn chat_mutations(target: &Tenant, intruder: &Tenant) -> Vec<Probe> {
    let mut probes = Vec::new();
    for chat in target.chats() {
        probes.extend([
            probe(
                "mutation($id: ID!) { updateChat(id: $id, input: { name: \"hijacked\" }) { id } }",
                json!({ "id": ID }),
                chat,
            ),
            probe("mutation($id: ID!) { archiveChat(id: $id) { id } }", json!({ "id": ID }), chat),
            probe("mutation($id: ID!) { unarchiveChat(id: $id) { id } }", json!({ "id": ID }), chat),
            probe("mutation($id: ID!) { joinChat(chatId: $id) { id } }", json!({ "id": ID }), chat),
            probe("mutation($id: ID!) { leaveChat(chatId: $id) { id } }", json!({ "id": ID }), chat),
            probe(
                "mutation($id: ID!, $u: [ID!]!) { addChatMembers(chatId: $id, userIds: $u) { id } }",
                json!({ "id": ID, "u": [intruder.owner.gid] }),
                chat,
            ),
            probe(
                "mutation($id: ID!, $u: ID!) { removeChatMember(chatId: $id, userId: $u) { id } }",
                json!({ "id": ID, "u": target.alice.gid }),
                chat,
            ),
            probe(
                "mutation($id: ID!, $u: ID!) { setChatMemberRole(chatId: $id, userId: $u, role: ADMIN) { role } }",
                json!({ "id": ID, "u": target.alice.gid }),
                chat,
            ),
            probe(
                "mutation($id: ID!, $m: ID!) { markRead(chatId: $id, messageId: $m) { id } }",
                json!({ "id": ID, "m": target.hello }),
                chat,
            ),
        ]);
    }
    probes
}

/// Posting into the target's chats.
fn sends(target: &Tenant) -> Vec<Probe> {
    target
        .chats()
        .into_iter()
        .map(|chat| {
            probe(
                "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
                json!({ "input": { "chatId": ID, "content": "hijacked" } }),
                chat,
            )
        })
        .collect()
}

/// What the target's owner sees of their workspace.
async fn snapshot(app: &TestApp, target: &Tenant) -> Value {
    const VIEW: &str = r#"
    query($general: ID!, $secret: ID!, $hello: ID!) {
      chats(includeArchived: true) { nodes { id name description isPublic archived memberCount } }
      threads: chats(kind: THREAD) { nodes { id memberCount } }
      directs: chats(kind: DIRECT) { nodes { id memberCount } }
      users { nodes { id name role } }
      general: chat(id: $general) {
        members { nodes { user { id } role lastReadMessageId } }
        pinnedMessages { id }
        messages { nodes { id content editedAt pinned } }
      }
      secret: chat(id: $secret) { members { nodes { user { id } role } } messages { nodes { id content } } }
      hello: message(id: $hello) {
        content editedAt pinned
        reactions { emoji count }
        threadReplyCount readCount
        revisions { content }
        thread { id messages { nodes { id content } } }
      }
      apiTokens { id revokedAt }
    }"#;
    app.gql_ok(
        &target.owner.token,
        VIEW,
        json!({ "general": target.general, "secret": target.secret, "hello": target.hello }),
    )
    .await
}

async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "chats",
        "chat_members",
        "messages",
        "message_revisions",
        "reactions",
        "attachments",
    ] {
        counts.push((table, app.count(table).await));
    }
    counts
}

#[tokio::test]
async fn lookups_of_another_workspaces_objects_answer_null_like_missing_ids() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;

    for p in lookups(&a) {
        let body = like_missing(&app, &b.owner.token, p.query, &p.vars, &p.target).await;
        assert!(
            body.get("errors").is_none(),
            "`{}` on {}: {body:#}",
            p.query,
            p.target
        );
        let data = body["data"].as_object().unwrap();
        assert!(
            data.values().all(Value::is_null),
            "`{}` on {} answered {body:#}",
            p.query,
            p.target
        );
    }
}

#[tokio::test]
async fn messages_of_another_workspaces_chat_are_not_found_like_a_missing_chat() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let probes: Vec<Probe> = a
        .chats()
        .into_iter()
        .map(|chat| {
            probe(
                "query($id: ID!) { messages(chatId: $id) { nodes { id content } } }",
                json!({ "id": ID }),
                chat,
            )
        })
        .collect();

    assert_all_like_missing(&app, &b.owner.token, &probes, "NOT_FOUND").await;
}

#[tokio::test]
async fn sending_into_another_workspaces_chat_is_not_found_like_a_missing_chat() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let before = app.count("messages").await;

    assert_all_like_missing(&app, &b.owner.token, &sends(&a), "NOT_FOUND").await;
    assert_eq!(app.count("messages").await, before, "nothing was posted");
}

#[tokio::test]
async fn message_mutations_on_another_workspaces_messages_are_not_found_like_missing_ones() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;

    assert_all_like_missing(&app, &b.owner.token, &message_mutations(&a), "NOT_FOUND").await;
}

#[tokio::test]
async fn chat_mutations_and_mark_read_on_another_workspaces_chats_are_not_found_like_missing_ones()
{
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;

    assert_all_like_missing(&app, &b.owner.token, &chat_mutations(&a, &b), "NOT_FOUND").await;
}

#[tokio::test]
async fn adding_another_workspaces_users_to_a_chat_is_bad_input_like_missing_users() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let add = probe(
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({ "c": b.general, "u": [b.alice.gid, ID] }),
        &a.alice.gid,
    );
    let create = probe(
        "mutation($u: [ID!]!) { createChat(input: { name: \"roadmap extra\", memberIds: $u }) { id } }",
        json!({ "u": [ID] }),
        &a.bob.gid,
    );
    let before = row_counts(&app).await;

    let added = like_missing(&app, &b.owner.token, add.query, &add.vars, &add.target).await;
    let created = like_missing(
        &app,
        &b.owner.token,
        create.query,
        &create.vars,
        &create.target,
    )
    .await;

    assert_eq!(code(&added), "BAD_USER_INPUT", "{added:#}");
    assert_eq!(added["errors"][0]["extensions"]["field"], "userIds");
    assert_eq!(added["errors"][0]["message"], "userIds: no such user: <n>");
    assert_eq!(code(&created), "BAD_USER_INPUT", "{created:#}");
    assert_eq!(created["errors"][0]["extensions"]["field"], "memberIds");
    assert_eq!(
        row_counts(&app).await,
        before,
        "a rejected request writes nothing"
    );
}

#[tokio::test]
async fn a_direct_message_to_another_workspaces_user_is_not_found_like_a_missing_user() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let before = row_counts(&app).await;
    let query = "mutation($u: ID!) { sendDirectMessage(userId: $u, content: \"hi\") { id } }";

    for user in a.users() {
        let body = like_missing(&app, &b.owner.token, query, &json!({ "u": ID }), user).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body:#}");
    }
    assert_eq!(
        row_counts(&app).await,
        before,
        "no direct chat and no message were made"
    );
}

#[tokio::test]
async fn another_workspaces_ids_inside_requests_about_ones_own_chats_are_unknown() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let cases = [
        (
            probe(
                "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id } }",
                json!({ "c": b.general, "u": ID }),
                &a.alice.gid,
            ),
            "NOT_FOUND",
        ),
        (
            probe(
                "mutation($c: ID!, $u: ID!) { setChatMemberRole(chatId: $c, userId: $u, role: ADMIN) { role } }",
                json!({ "c": b.general, "u": ID }),
                &a.alice.gid,
            ),
            "NOT_FOUND",
        ),
        (
            probe(
                "mutation($c: ID!, $m: ID!) { markRead(chatId: $c, messageId: $m) { id } }",
                json!({ "c": b.general, "m": ID }),
                &a.hello,
            ),
            "BAD_USER_INPUT",
        ),
        (
            probe(
                "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
                json!({ "input": { "chatId": b.general, "content": "quoting", "replyToId": ID } }),
                &a.hello,
            ),
            "BAD_USER_INPUT",
        ),
    ];
    let before = row_counts(&app).await;

    for (p, expected) in &cases {
        let body = like_missing(&app, &b.owner.token, p.query, &p.vars, &p.target).await;
        assert_eq!(code(&body), *expected, "`{}`: {body:#}", p.query);
    }
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn people_mutations_with_another_workspaces_ids_answer_like_missing_ids() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let a_department = app
        .gql_ok(
            &a.owner.token,
            "mutation { createDepartment(name: \"Roadmap\") { id } }",
            json!({}),
        )
        .await["createDepartment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_tag = app
        .gql_ok(
            &a.owner.token,
            "mutation { createGroupTag(name: \"roadmap\") { id } }",
            json!({}),
        )
        .await["createGroupTag"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_tag = app
        .gql_ok(
            &b.owner.token,
            "mutation { createGroupTag(name: \"roadmap\") { id } }",
            json!({}),
        )
        .await["createGroupTag"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_token = app
        .gql_ok(&a.owner.token, "{ apiTokens { id } }", json!({}))
        .await["apiTokens"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (
            probe(
                "mutation($m: ID!) { createDepartment(name: \"Stolen\", managerId: $m) { id } }",
                json!({ "m": ID }),
                &a.alice.gid,
            ),
            "BAD_USER_INPUT",
        ),
        (
            probe(
                "mutation($p: ID!) { createDepartment(name: \"Stolen\", parentId: $p) { id } }",
                json!({ "p": ID }),
                &a_department,
            ),
            "BAD_USER_INPUT",
        ),
        (
            probe(
                "mutation($t: ID!, $u: [ID!]!) { addGroupTagMembers(tagId: $t, userIds: $u) { id } }",
                json!({ "t": ID, "u": [b.alice.gid] }),
                &a_tag,
            ),
            "NOT_FOUND",
        ),
        (
            probe(
                "mutation($t: ID!, $u: [ID!]!) { addGroupTagMembers(tagId: $t, userIds: $u) { id } }",
                json!({ "t": b_tag, "u": [ID] }),
                &a.alice.gid,
            ),
            "BAD_USER_INPUT",
        ),
        (
            probe(
                "mutation($t: ID!) { revokeApiToken(id: $t) { id } }",
                json!({ "t": ID }),
                &a_token,
            ),
            "NOT_FOUND",
        ),
    ];

    for (p, expected) in &cases {
        let body = like_missing(&app, &b.owner.token, p.query, &p.vars, &p.target).await;
        assert_eq!(code(&body), *expected, "`{}`: {body:#}", p.query);
    }
    let filtered = like_missing(
        &app,
        &b.owner.token,
        "query($d: ID!) { users(departmentId: $d) { nodes { id } } }",
        &json!({ "d": ID }),
        &a_department,
    )
    .await;
    assert_eq!(
        filtered["data"]["users"]["nodes"],
        json!([]),
        "{filtered:#}"
    );
    let a_tokens = app
        .gql_ok(&a.owner.token, "{ apiTokens { revokedAt } }", json!({}))
        .await;
    assert!(
        a_tokens["apiTokens"][0]["revokedAt"].is_null(),
        "alpha's token was revoked: {a_tokens}"
    );
    let departments = app
        .gql_ok(&b.owner.token, "{ departments { id } }", json!({}))
        .await;
    assert_eq!(
        departments["departments"],
        json!([]),
        "no department was created in beta"
    );
}

#[tokio::test]
async fn chat_and_user_lists_contain_none_of_another_workspaces_rows() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    const LISTS: &str = r#"{
      chats(includeArchived: true) { nodes { id name } }
      threads: chats(kind: THREAD) { nodes { id } }
      directs: chats(kind: DIRECT) { nodes { id } }
      mine: chats(memberOnly: true) { nodes { id } }
      users(includeSuspended: true) { nodes { id name } }
    }"#;

    let seen_by_b = app.gql_ok(&b.owner.token, LISTS, json!({})).await;
    let seen_by_a = app.gql_ok(&a.owner.token, LISTS, json!({})).await;

    let ids = |data: &Value| -> HashSet<String> {
        data.as_object()
            .unwrap()
            .values()
            .flat_map(|list| list["nodes"].as_array().unwrap().iter())
            .map(|node| node["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (b_ids, a_ids) = (ids(&seen_by_b), ids(&seen_by_a));
    assert!(
        b_ids.is_disjoint(&a.ids()),
        "beta sees alpha's rows: {:?}",
        b_ids.intersection(&a.ids())
    );
    assert!(
        b_ids.is_subset(&b.ids()),
        "beta sees rows that are not its own: {b_ids:?}"
    );
    assert!(a_ids.is_subset(&a.ids()));
    assert_eq!(
        b_ids.len(),
        a_ids.len(),
        "each sees as much of its own workspace"
    );
    let names = |data: &Value, list: &str| -> Vec<Value> {
        data[list]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].clone())
            .collect()
    };
    assert_eq!(
        names(&seen_by_b, "chats"),
        names(&seen_by_a, "chats"),
        "the two workspaces look the same"
    );
    assert_eq!(names(&seen_by_b, "users"), names(&seen_by_a, "users"));
}

#[tokio::test]
async fn search_finds_none_of_another_workspaces_rows() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    const SEARCH: &str = r#"query($q: String!) {
      search(query: $q) {
        messages { nodes { id } }
        chats { nodes { id } }
        users { nodes { id } }
      }
    }"#;
    let found = |data: &Value| -> HashSet<String> {
        ["messages", "chats", "users"]
            .iter()
            .flat_map(|list| data["search"][list]["nodes"].as_array().unwrap().clone())
            .map(|node| node["id"].as_str().unwrap().to_owned())
            .collect()
    };

    for query in ["roadmap", "tester", "alice", "quarterly review", "bob"] {
        let by_b = found(
            &app.gql_ok(&b.owner.token, SEARCH, json!({ "q": query }))
                .await,
        );
        let by_a = found(
            &app.gql_ok(&a.owner.token, SEARCH, json!({ "q": query }))
                .await,
        );
        assert!(
            by_b.is_disjoint(&a.ids()),
            "searching {query:?}, beta finds alpha's rows"
        );
        assert!(
            by_b.is_subset(&b.ids()),
            "searching {query:?}, beta finds {by_b:?}"
        );
        assert_eq!(
            by_b.len(),
            by_a.len(),
            "searching {query:?} finds as much in each workspace"
        );
        assert!(
            !by_b.is_empty(),
            "searching {query:?} finds beta's own rows"
        );
    }
    let scoped = r#"query($id: ID!) { search(query: "roadmap", chatId: $id) { messages { nodes { id } } } }"#;
    let by_author = r#"query($id: ID!) { search(query: "roadmap", authorId: $id) { messages { nodes { id } } } }"#;
    for (query, target) in [
        (scoped, &a.general),
        (scoped, &a.secret),
        (by_author, &a.owner.gid),
    ] {
        let body = like_missing(&app, &b.owner.token, query, &json!({ "id": ID }), target).await;
        assert_eq!(
            body["data"]["search"]["messages"]["nodes"],
            json!([]),
            "{body:#}"
        );
    }
}

#[tokio::test]
async fn another_workspaces_attempts_leave_the_data_unchanged() {
    let app = TestApp::spawn().await;
    let (a, b) = two_tenants(&app).await;
    let view_before = snapshot(&app, &a).await;
    let rows_before = row_counts(&app).await;
    let mut attempts = message_mutations(&a);
    attempts.extend(chat_mutations(&a, &b));
    attempts.extend(sends(&a));

    for p in &attempts {
        let body = app
            .gql(&b.owner.token, p.query, fill(&p.vars, &p.target))
            .await;
        assert!(
            !code(&body).is_empty(),
            "`{}` on {} did not fail: {body:#}",
            p.query,
            p.target
        );
    }

    assert_eq!(
        snapshot(&app, &a).await,
        view_before,
        "alpha's data changed"
    );
    assert_eq!(row_counts(&app).await, rows_before, "rows were written");
    let hello = &view_before["hello"];
    assert_eq!(hello["content"], "quarterly roadmap review");
    assert_eq!(
        hello["reactions"],
        json!([{ "emoji": "👍", "count": 1 }, { "emoji": "🎉", "count": 1 }])
    );
    assert_eq!(hello["pinned"], false);
    assert_eq!(hello["threadReplyCount"], 1);
}

#[tokio::test]
async fn a_private_chat_answers_a_non_member_exactly_like_a_missing_chat() {
    let app = TestApp::spawn().await;
    let a = seed(&app, "alpha").await;
    let bob = &a.bob; // a member of the workspace, not of `secret`
    let null_lookups = [
        probe(
            "query($id: ID!) { chat(id: $id) { id name } }",
            json!({ "id": ID }),
            &a.secret,
        ),
        probe(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": ID }),
            &a.secret,
        ),
        probe(
            "query($id: ID!) { message(id: $id) { id content } }",
            json!({ "id": ID }),
            &a.note,
        ),
        probe(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": ID }),
            &a.note,
        ),
    ];
    let not_found = [
        probe(
            "query($id: ID!) { messages(chatId: $id) { nodes { id } } }",
            json!({ "id": ID }),
            &a.secret,
        ),
        probe(
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({ "input": { "chatId": ID, "content": "let me in" } }),
            &a.secret,
        ),
        probe(
            "mutation($id: ID!) { joinChat(chatId: $id) { id } }",
            json!({ "id": ID }),
            &a.secret,
        ),
        probe(
            "mutation($id: ID!, $m: ID!) { markRead(chatId: $id, messageId: $m) { id } }",
            json!({ "id": ID, "m": a.note }),
            &a.secret,
        ),
        probe(
            "mutation($id: ID!) { addReaction(messageId: $id, emoji: \"👀\") { id } }",
            json!({ "id": ID }),
            &a.note,
        ),
        probe(
            "mutation($id: ID!) { createThread(messageId: $id) { id } }",
            json!({ "id": ID }),
            &a.note,
        ),
        probe(
            "mutation($id: ID!) { pinMessage(id: $id) { id } }",
            json!({ "id": ID }),
            &a.note,
        ),
    ];

    for p in &null_lookups {
        let body = like_missing(&app, &bob.token, p.query, &p.vars, &p.target).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        assert!(
            body["data"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_null),
            "{body:#}"
        );
    }
    assert_all_like_missing(&app, &bob.token, &not_found, "NOT_FOUND").await;
    let chats = app
        .gql_ok(&bob.token, "{ chats { nodes { id } } }", json!({}))
        .await;
    assert!(
        !chats.to_string().contains(&a.secret),
        "the chat list shows the private chat: {chats}"
    );
    let found = app
        .gql_ok(
            &bob.token,
            "{ search(query: \"salaries\") { messages { nodes { id } } chats { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["search"]["messages"]["nodes"], json!([]), "{found}");
    let found = app
        .gql_ok(
            &bob.token,
            "{ search(query: \"secret\") { chats { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["search"]["chats"]["nodes"], json!([]), "{found}");
}

#[tokio::test]
async fn a_guest_sees_a_public_chat_only_once_a_member() {
    let app = TestApp::spawn().await;
    let a = seed(&app, "alpha").await;
    let guest = app.user("alpha", "gus@team.test", Role::Guest).await;
    let hidden = [
        (
            probe(
                "query($id: ID!) { chat(id: $id) { id name } }",
                json!({ "id": ID }),
                &a.general,
            ),
            "",
        ),
        (
            probe(
                "query($id: ID!) { message(id: $id) { id } }",
                json!({ "id": ID }),
                &a.hello,
            ),
            "",
        ),
        (
            probe(
                "query($id: ID!) { messages(chatId: $id) { nodes { id } } }",
                json!({ "id": ID }),
                &a.general,
            ),
            "NOT_FOUND",
        ),
        (
            probe(
                "mutation($id: ID!) { joinChat(chatId: $id) { id } }",
                json!({ "id": ID }),
                &a.general,
            ),
            "NOT_FOUND",
        ),
    ];
    const LIST: &str =
        "{ chats { nodes { id } } search(query: \"quarterly\") { messages { nodes { id } } } }";

    for (p, expected) in &hidden {
        let body = like_missing(&app, &guest.token, p.query, &p.vars, &p.target).await;
        assert_eq!(code(&body), *expected, "`{}`: {body:#}", p.query);
    }
    let before = app.gql_ok(&guest.token, LIST, json!({})).await;
    app.gql_ok(
        &a.owner.token,
        "mutation($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id } }",
        json!({ "c": a.general, "u": [guest.gid] }),
    )
    .await;
    let after = app.gql_ok(&guest.token, LIST, json!({})).await;
    let chat = app
        .gql_ok(
            &guest.token,
            "query($id: ID!) { chat(id: $id) { name } }",
            json!({ "id": a.general }),
        )
        .await;

    assert_eq!(before["chats"]["nodes"], json!([]), "{before}");
    assert_eq!(before["search"]["messages"]["nodes"], json!([]), "{before}");
    assert_eq!(after["chats"]["nodes"], json!([{ "id": a.general }]));
    assert_eq!(
        after["search"]["messages"]["nodes"],
        json!([{ "id": a.hello }])
    );
    assert_eq!(chat["chat"]["name"], "roadmap general");
}

#[tokio::test]
async fn a_guest_cannot_create_chats() {
    let app = TestApp::spawn().await;
    let a = seed(&app, "alpha").await;
    let guest = app.user("alpha", "gus@team.test", Role::Guest).await;
    let before = row_counts(&app).await;

    let (code, body) = app
        .gql_err(
            &guest.token,
            "mutation($input: CreateChatInput!) { createChat(input: $input) { id } }",
            json!({ "input": { "name": "guest room", "isPublic": true, "memberIds": [a.alice.gid] } }),
        )
        .await;

    assert_eq!(code, "INSUFFICIENT_SCOPE", "{body:#}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("chats:create"),
        "{body:#}"
    );
    assert_eq!(row_counts(&app).await, before, "no chat was created");
}
