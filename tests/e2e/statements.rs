//! N+1 freedom: a page of messages with author, reactions, attachments, thread reply
//! counts and read counts costs the same number of SQL statements at page size 1 and
//! 100, because every relation is loaded by a DataLoader in one statement per batch.

use resolvers::messages::{AttachmentInput, SendMessageInput};
use resolvers::people::Role;
use serde_json::json;

use crate::util::{Protocol, TestApp, gid};

const PAGE_QUERY: &str = r#"
query Page($chat: ID!, $first: Int!) {
  messages(chatId: $chat, first: $first) {
    edges { cursor node {
      id content createdAt
      author { id name }
      reactions { emoji count viewerReacted }
      attachments { name size }
      threadReplyCount
      readCount
    } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

/// Seed a chat with 120 messages, each with reactions and an attachment, some with
/// threads, and read positions for three members.
async fn seed(app: &TestApp) -> (crate::util::Actor, String) {
    let owner = app.workspace("acme").await;
    let others = [
        app.user("acme", "bob@acme.test", Role::Member).await,
        app.user("acme", "cy@acme.test", Role::Member).await,
    ];
    let chat = app
        .create_chat(&owner, "busy", false, &[&others[0], &others[1]])
        .await;
    let chat_id = crate::util::rid(&chat);
    let ctx_of = |token: &str| {
        let token = token.to_owned();
        let db = app.db.clone();
        let bus = app.state.bus.clone();
        let jwt = app.state.jwt.clone();
        async move {
            let (p, _) = resolvers::auth::authenticate(&db, &jwt, &token)
                .await
                .unwrap();
            resolvers::Ctx::new(db, bus, p)
        }
    };
    let owner_ctx = ctx_of(&owner.token).await;
    let bob_ctx = ctx_of(&others[0].token).await;
    let mut last = 0;
    for i in 0..120 {
        let m = resolvers::messages::send_message(
            &owner_ctx,
            SendMessageInput {
                chat_id,
                content: format!("message {i}"),
                attachments: vec![AttachmentInput {
                    name: format!("f{i}.txt"),
                    kind: "file".into(),
                    url: Some("https://files.example/f".into()),
                    file_key: None,
                    size: i,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        resolvers::messages::add_reaction(&bob_ctx, m.id, "👍")
            .await
            .unwrap();
        resolvers::messages::add_reaction(&owner_ctx, m.id, "🎉")
            .await
            .unwrap();
        if i % 10 == 0 {
            let thread = resolvers::chats::create_thread(&bob_ctx, m.id)
                .await
                .unwrap();
            resolvers::messages::send_message(
                &bob_ctx,
                SendMessageInput {
                    chat_id: thread.id,
                    content: "reply".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        last = m.id;
    }
    resolvers::messages::mark_read(&bob_ctx, chat_id, last - 50)
        .await
        .unwrap();
    (owner, gid(schema::ids::Kind::Chat, chat_id))
}

async fn statements_for(
    app: &TestApp,
    token: &str,
    chat: &str,
    first: i64,
) -> (u64, serde_json::Value) {
    let before = app.statement_count();
    let data = app
        .gql_ok(token, PAGE_QUERY, json!({ "chat": chat, "first": first }))
        .await;
    (app.statement_count() - before, data)
}

#[tokio::test]
async fn a_page_of_messages_costs_the_same_statements_at_1_20_and_100() {
    let app = TestApp::spawn().await;
    let (owner, chat) = seed(&app).await;
    // Warm-up: the first request records token and user activity (at most once a minute).
    statements_for(&app, &owner.token, &chat, 1).await;

    let (one, data1) = statements_for(&app, &owner.token, &chat, 1).await;
    let (twenty, _) = statements_for(&app, &owner.token, &chat, 20).await;
    let (hundred, data100) = statements_for(&app, &owner.token, &chat, 100).await;
    println!(
        "P4 statements per messages page: first:1 = {one}, first:20 = {twenty}, first:100 = {hundred}"
    );

    assert_eq!(data1["messages"]["edges"].as_array().unwrap().len(), 1);
    let edges = data100["messages"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 100);
    // The page really carries every relation, so the count is not flat by omission.
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["reactions"].as_array().unwrap().len() == 2)
    );
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["attachments"].as_array().unwrap().len() == 1)
    );
    assert!(edges.iter().any(|e| e["node"]["threadReplyCount"] == 1));
    assert!(edges.iter().any(|e| e["node"]["readCount"] == 1));
    assert!(edges.iter().any(|e| e["node"]["readCount"] == 0));
    assert_eq!(one, twenty, "statements must not grow with the page size");
    assert_eq!(one, hundred, "statements must not grow with the page size");
    // auth (1) + chat access (1) + page (1) + one per relation (5)
    assert!(one <= 8, "a messages page took {one} statements");
}

/// Q3 of `bench/`: a chat view through `chat(id:)`.
const CHAT_VIEW: &str = r#"
query Q3($chat: ID!, $first: Int!) {
  chat(id: $chat) { id name messages(first: $first) { edges { node {
    id content createdAt author { id name } reactions { emoji count }
  } } } }
}"#;

#[tokio::test]
async fn a_chat_view_lists_messages_on_the_access_its_chat_established() {
    let app = TestApp::spawn().await;
    let (owner, chat) = seed(&app).await;
    let count = |first: i64| {
        let (app, token, chat) = (&app, owner.token.clone(), chat.clone());
        async move {
            let before = app.statement_count();
            let data = app
                .gql_ok(&token, CHAT_VIEW, json!({ "chat": chat, "first": first }))
                .await;
            let edges = data["chat"]["messages"]["edges"].as_array().unwrap();
            assert_eq!(edges.len() as i64, first);
            // Authors read with the page are the real ones.
            for e in edges {
                let author = &e["node"]["author"];
                assert!(
                    author["id"].is_string() && author["name"].is_string(),
                    "{e}"
                );
            }
            app.statement_count() - before
        }
    };
    count(1).await; // warm-up: token and user activity
    let (one, twenty, hundred) = (count(1).await, count(20).await, count(100).await);
    println!(
        "P4 statements per chat view: first:1 = {one}, first:20 = {twenty}, first:100 = {hundred}"
    );
    assert_eq!(one, twenty, "statements must not grow with the page size");
    assert_eq!(one, hundred, "statements must not grow with the page size");
    // token with its user (1) + chat with the viewer's membership, decided once for
    // `chat` and reused by `messages` (1) + page with its authors (1) + reaction groups (1)
    assert_eq!(one, 4, "a chat view took {one} statements");
}

#[tokio::test]
async fn an_access_decided_for_someone_else_is_not_reused() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let eve = app.user("acme", "eve@acme.test", Role::Member).await;
    let private = app.create_chat(&owner, "private", false, &[&bob]).await;
    let chat_id = crate::util::rid(&private);
    let ctx_of = |token: String| {
        let (db, bus, jwt) = (app.db.clone(), app.state.bus.clone(), app.state.jwt.clone());
        async move {
            let (p, _) = resolvers::auth::authenticate(&db, &jwt, &token)
                .await
                .unwrap();
            resolvers::Ctx::new(db, bus, p)
        }
    };
    let bob_ctx = ctx_of(bob.token.clone()).await;
    let eve_ctx = ctx_of(eve.token.clone()).await;
    let page = resolvers::pagination::PageArgs::parse(Some(20), None).unwrap();
    let bobs = resolvers::chats::get_chat_access(&bob_ctx, chat_id)
        .await
        .unwrap();
    // Bob's decision lists for Bob…
    resolvers::messages::list_messages_of(&bob_ctx, &bobs, page, true)
        .await
        .unwrap();
    // …but handed to Eve, who is not a member of the private chat, it is decided again.
    assert!(matches!(
        resolvers::chats::get_chat_access(&eve_ctx, chat_id).await,
        Err(resolvers::Error::NotFound(_))
    ));
    assert!(matches!(
        resolvers::messages::list_messages_of(&eve_ctx, &bobs, page, false).await,
        Err(resolvers::Error::NotFound(_))
    ));
    // Through GraphQL, Eve sees no chat and no messages.
    let data = app
        .gql_ok(
            &eve.token,
            CHAT_VIEW,
            json!({ "chat": gid(schema::ids::Kind::Chat, chat_id), "first": 20 }),
        )
        .await;
    assert!(data["chat"].is_null());
}

const LIVE_QUERY: &str =
    "subscription($chat: ID!) { messageAdded(chatId: $chat) { id author { id name } } }";

/// Statements the server runs from one `sendMessage` until each of `subscribers` has
/// its `messageAdded` payload (author selected).
async fn statements_per_event(
    app: &TestApp,
    sender: &crate::util::Actor,
    chat: &str,
    subscribers: &[crate::util::Actor],
) -> u64 {
    let attached = app.state.bus.receivers();
    let mut sockets = Vec::new();
    for s in subscribers {
        let mut ws = app.ws(&s.token, Protocol::TransportWs).await;
        ws.subscribe("1", LIVE_QUERY, json!({ "chat": chat }))
            .await
            .unwrap();
        sockets.push(ws);
    }
    // graphql-transport-ws does not acknowledge a subscription: wait until every feed is
    // on the bus, then for its starting position (one read after attaching), so that the
    // warm-up message is after every subscriber's "now".
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.state.bus.receivers() < attached + subscribers.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "subscriptions did not attach"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    // Attached to the bus, and token activity recorded: the warm-up message.
    let warm = app.send(sender, chat, "warm-up").await;
    for ws in &mut sockets {
        assert_eq!(ws.next_data().await["messageAdded"]["id"], warm);
    }
    let before = app.statement_count();
    let sent = app.send(sender, chat, "counted").await;
    for ws in &mut sockets {
        let data = ws.next_data().await;
        assert_eq!(data["messageAdded"]["id"], sent);
        assert_eq!(data["messageAdded"]["author"]["id"], sender.gid);
    }
    let spent = app.statement_count() - before;
    for ws in sockets {
        ws.close().await;
    }
    // Leave the bus as it was found: the next measurement counts its own feeds.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.state.bus.receivers() > attached {
        assert!(
            tokio::time::Instant::now() < deadline,
            "subscriptions did not detach"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    spent
}

#[tokio::test]
async fn live_fan_out_costs_no_statement_per_subscriber() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let mut members = Vec::new();
    for i in 0..10 {
        members.push(
            app.user("acme", &format!("m{i}@acme.test"), Role::Member)
                .await,
        );
    }
    let refs: Vec<&crate::util::Actor> = members.iter().collect();
    let chat = app.create_chat(&owner, "live", false, &refs).await;
    let one = statements_per_event(&app, &owner, &chat, &members[..1]).await;
    let ten = statements_per_event(&app, &owner, &chat, &members).await;
    println!(
        "P4 statements per sendMessage + messageAdded fan-out: 1 subscriber = {one}, 10 = {ten}"
    );
    // The author is loaded once per event for every subscriber (`Event::user`), not once
    // per subscriber; a little slack for background work sharing the counter.
    assert!(
        ten <= one + 2,
        "fan-out to 10 subscribers took {ten} statements, to 1 took {one}"
    );
}
