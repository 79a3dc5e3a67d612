//! N+1 freedom: a page of messages with author, reactions, attachments, thread reply
//! counts and read counts costs the same number of SQL statements at page size 1 and
//! 100, because every relation is loaded by a DataLoader in one statement per batch.

use resolvers::messages::{AttachmentInput, SendMessageInput};
use resolvers::people::Role;
use serde_json::json;

use crate::util::{TestApp, gid};

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
    // auth (2) + chat access (2) + page (1) + one per relation (5)
    assert!(one <= 10, "a messages page took {one} statements");
}
