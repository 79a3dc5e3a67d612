//! Bot management over GraphQL: create, read, update, tokens, delete, tenancy.

use serde_json::json;

use super::support::create_bot;
use crate::util::TestApp;

const BOT_FIELDS: &str = "id name nickname outgoingUrl events triggerOn scopes eventsHistoryEnabled unfurlDomains canEdit whoCanAdd templateEngine";

#[tokio::test]
async fn a_bot_is_created_with_defaults_and_its_token_works_once_shown() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bot = create_bot(
        &app,
        &owner,
        json!({"name": "Tasks Bot", "events": ["message_new"]}),
    )
    .await;
    assert!(bot.token.starts_with("sbt_"));
    assert!(bot.secret.starts_with("whsec_"));
    let data = app
        .gql_ok(
            &owner.token,
            &format!("query($id: ID!) {{ bot(id: $id) {{ {BOT_FIELDS} }} }}"),
            json!({"id": bot.gid}),
        )
        .await;
    let b = &data["bot"];
    assert_eq!(b["name"], "Tasks Bot");
    assert_eq!(b["nickname"], "tasks_bot");
    assert_eq!(b["outgoingUrl"], serde_json::Value::Null);
    assert_eq!(b["events"], json!(["message_new"]));
    assert_eq!(b["triggerOn"], "commands");
    assert_eq!(b["canEdit"], json!(["admin"]));
    assert_eq!(b["whoCanAdd"], "creator");
    assert_eq!(b["templateEngine"], "liquid");
    // The bot's own token authenticates as the bot.
    let me = app.gql_ok(&bot.token, "{ me { id } }", json!({})).await;
    assert_eq!(me["me"]["id"], bot.gid);
}

#[tokio::test]
async fn bad_bot_settings_name_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let before = app.count("bots").await;
    for (input, field) in [
        (json!({"name": ""}), "webhook.name"),
        (json!({"name": "B", "events": ["nope"]}), "webhook.events"),
        (
            json!({"name": "B", "triggerOn": "sometimes"}),
            "webhook.trigger_on",
        ),
        (
            json!({"name": "B", "outgoingUrl": "http://10.0.0.1/hook"}),
            "webhook.outgoing_url",
        ),
        (
            json!({"name": "B", "outgoingUrl": "http://167772161/"}),
            "webhook.outgoing_url",
        ),
        (
            json!({"name": "B", "scopes": ["users:delete"]}),
            "webhook.scopes",
        ),
        (
            json!({"name": "B", "unfurlDomains": ["not a domain"]}),
            "webhook.unfurl_domains",
        ),
        (
            json!({"name": "B", "nickname": "bad nick!"}),
            "webhook.nickname",
        ),
    ] {
        let (code, body) = app
            .gql_err(
                &owner.token,
                "mutation($input: BotSettingsInput!) { createBot(input: $input) { accessToken } }",
                json!({"input": input}),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(app.count("bots").await, before);
}

#[tokio::test]
async fn updating_and_recreating_the_token_rotates_access() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bot = create_bot(&app, &owner, json!({"name": "Bot"})).await;
    let data = app
        .gql_ok(
            &owner.token,
            &format!("mutation($id: ID!, $input: BotSettingsInput!) {{ updateBot(id: $id, input: $input) {{ {BOT_FIELDS} }} }}"),
            json!({"id": bot.gid, "input": {"events": ["reaction_new", "message_new"], "eventsHistoryEnabled": true, "unfurlDomains": ["Example.com"], "nickname": "helper"}}),
        )
        .await;
    assert_eq!(
        data["updateBot"]["events"],
        json!(["message_new", "reaction_new"])
    );
    assert_eq!(data["updateBot"]["eventsHistoryEnabled"], true);
    assert_eq!(data["updateBot"]["unfurlDomains"], json!(["example.com"]));
    assert_eq!(data["updateBot"]["nickname"], "helper");
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!) { recreateBotToken(id: $id) { accessToken } }",
            json!({"id": bot.gid}),
        )
        .await;
    let fresh = data["recreateBotToken"]["accessToken"].as_str().unwrap();
    let (code, _) = app.gql_err(&bot.token, "{ me { id } }", json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED", "the old token stops at once");
    app.gql_ok(fresh, "{ me { id } }", json!({})).await;
}

#[tokio::test]
async fn named_bot_tokens_are_listed_masked_renamed_reissued_and_revoked() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bot = create_bot(&app, &owner, json!({"name": "Bot"})).await;
    let data = app
        .gql_ok(&owner.token, "mutation($b: ID!) { createBotToken(botId: $b, name: \"ci\", scopes: [\"messages:read\"]) { id token scopes } }", json!({"b": bot.gid}))
        .await;
    let t = &data["createBotToken"];
    let tid = t["id"].as_str().unwrap().to_owned();
    let secret = t["token"].as_str().unwrap().to_owned();
    assert_eq!(t["scopes"], json!(["messages:read"]));
    app.gql_ok(&secret, "{ me { id } }", json!({})).await;
    let list = app
        .gql_ok(
            &owner.token,
            "query($b: ID!) { botTokens(botId: $b) { edges { node { id name token } } } }",
            json!({"b": bot.gid}),
        )
        .await;
    let edges = list["botTokens"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    for e in edges {
        let shown = e["node"]["token"].as_str().unwrap();
        assert!(
            shown.contains("...") && shown.len() == 15,
            "masked: {shown}"
        );
    }
    let renamed = app
        .gql_ok(&owner.token, "mutation($b: ID!, $t: ID!) { updateBotToken(botId: $b, tokenId: $t, name: \"deploy\") { name } }", json!({"b": bot.gid, "t": tid}))
        .await;
    assert_eq!(renamed["updateBotToken"]["name"], "deploy");
    let re = app
        .gql_ok(
            &owner.token,
            "mutation($b: ID!, $t: ID!) { reissueBotToken(botId: $b, tokenId: $t) { id token } }",
            json!({"b": bot.gid, "t": tid}),
        )
        .await;
    assert_eq!(re["reissueBotToken"]["id"], tid.as_str());
    let new_secret = re["reissueBotToken"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.gql_err(&secret, "{ me { id } }", json!({})).await.0,
        "UNAUTHENTICATED"
    );
    app.gql_ok(&new_secret, "{ me { id } }", json!({})).await;
    app.gql_ok(
        &owner.token,
        "mutation($b: ID!, $t: ID!) { revokeBotToken(botId: $b, tokenId: $t) }",
        json!({"b": bot.gid, "t": tid}),
    )
    .await;
    assert_eq!(
        app.gql_err(&new_secret, "{ me { id } }", json!({})).await.0,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn another_workspace_and_non_managers_see_a_bot_as_missing() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let stranger = app.workspace("globex").await;
    let member = app
        .user("acme", "m@acme.test", resolvers::people::Role::Member)
        .await;
    let bot = create_bot(&app, &owner, json!({"name": "Bot"})).await;
    for token in [&stranger.token, &member.token] {
        for q in [
            "query($id: ID!) { bot(id: $id) { id } }",
            "mutation($id: ID!) { updateBot(id: $id, input: {name: \"x\"}) { id } }",
            "mutation($id: ID!) { deleteBot(id: $id) }",
            "mutation($id: ID!) { recreateBotToken(id: $id) { accessToken } }",
            "query($id: ID!) { botTokens(botId: $id) { edges { cursor } } }",
        ] {
            let (code, body) = app.gql_err(token, q, json!({"id": bot.gid})).await;
            assert_eq!(code, "NOT_FOUND", "{q}: {body}");
        }
    }
    let list = app
        .gql_ok(&stranger.token, "{ bots { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(list["bots"]["edges"], json!([]));
    let list = app
        .gql_ok(
            &owner.token,
            "{ bots { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["bots"]["edges"][0]["node"]["id"], bot.gid.as_str());
}

#[tokio::test]
async fn a_deleted_bot_loses_its_tokens_and_chats() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bot = create_bot(&app, &owner, json!({"name": "Bot"})).await;
    let bot_actor = crate::util::Actor {
        token: bot.token.clone(),
        id: bot.id,
        gid: bot.gid.clone(),
        workspace_id: owner.workspace_id,
    };
    app.create_chat(&owner, "ops", false, &[&bot_actor]).await;
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteBot(id: $id) }",
        json!({"id": bot.gid}),
    )
    .await;
    assert_eq!(
        app.gql_err(&bot.token, "{ me { id } }", json!({})).await.0,
        "UNAUTHENTICATED"
    );
    let (code, _) = app
        .gql_err(
            &owner.token,
            "query($id: ID!) { bot(id: $id) { id } }",
            json!({"id": bot.gid}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let n = app
        .count(&format!("chat_members WHERE user_id = {}", bot.id))
        .await;
    assert_eq!(n, 0);
}
