//! Views: `POST /views/open` and `POST /views/{view_id}/submit_response`.

use std::time::Duration;

use sea_orm::EntityTrait;
use serde_json::{Value, json};

use super::Pachca;
use crate::util::{Actor, TestApp};

/// A bot created over GraphQL by `owner`, as an actor with its token.
async fn bot(app: &TestApp, owner: &Actor, name: &str) -> Actor {
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($input: BotSettingsInput!) { createBot(input: $input) { accessToken bot { id } } }",
            json!({ "input": { "name": name, "eventsHistoryEnabled": true } }),
        )
        .await;
    let gid = data["createBot"]["bot"]["id"].as_str().unwrap().to_owned();
    Actor {
        token: data["createBot"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
        id: crate::util::rid(&gid),
        gid,
        workspace_id: owner.workspace_id,
    }
}

/// A button click on a message of `bot` by `owner`; its trigger id.
async fn click(app: &TestApp, owner: &Actor, bot: &Actor) -> String {
    let chat = app.create_chat(owner, "ops", false, &[bot]).await;
    let sent = app
        .gql_ok(
            &bot.token,
            "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
            json!({"input": {"chatId": chat, "content": "Approve?", "buttons": [[{"text": "Yes", "data": "yes"}]]}}),
        )
        .await;
    let clicked = app
        .gql_ok(
            &owner.token,
            "mutation($m: ID!, $d: String!) { clickMessageButton(messageId: $m, data: $d) { triggerId } }",
            json!({"m": sent["sendMessage"]["id"], "d": "yes"}),
        )
        .await;
    clicked["clickMessageButton"]["triggerId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn open_body(trigger: &str) -> Value {
    json!({
        "type": "modal",
        "trigger_id": trigger,
        "callback_id": "leave",
        "private_metadata": "{\"id\":1}",
        "view": {"title": "Leave request", "submit_text": "Send",
                 "blocks": [{"type": "input", "name": "reason", "label": "Why?"}]}
    })
}

#[tokio::test]
async fn a_bot_opens_a_view_and_answers_its_submission() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let approver = bot(&app, &owner, "Approver").await;
    let intruder = bot(&app, &owner, "Intruder").await;
    let other = app.workspace("other").await;
    let trigger = click(&app, &owner, &approver).await;
    let b = Pachca::new(&app, &approver.token);

    // Errors first (the trigger lives 3 s).
    b.post("/views/open", json!({"type": "modal", "view": {}}))
        .await
        .expect_error(400, "invalid");
    let mut long = open_body(&trigger);
    long["view"]["title"] = json!("x".repeat(25));
    let res = b.post("/views/open", long).await;
    res.expect_error(422, "invalid");
    assert_eq!(res.body["errors"][0]["key"], "view.title");
    let mut popup = open_body(&trigger);
    popup["type"] = json!("popup");
    b.post("/views/open", popup)
        .await
        .expect_error(422, "invalid");
    b.post("/views/open", open_body("unknown"))
        .await
        .expect_error(404, "trigger_not_found");
    Pachca::new(&app, &intruder.token)
        .post("/views/open", open_body(&trigger))
        .await
        .expect_error(404, "trigger_not_found");
    Pachca::new(&app, &other.token)
        .post("/views/open", open_body(&trigger))
        .await
        .expect_error(404, "trigger_not_found");
    assert_eq!(
        Pachca::new(&app, "nope")
            .post("/views/open", open_body(&trigger))
            .await
            .status,
        401
    );
    let unscoped = app.scoped_token(&approver, &["messages:read"]).await;
    let res = Pachca::new(&app, &unscoped)
        .post("/views/open", open_body(&trigger))
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");

    let res = b.post("/views/open", open_body(&trigger)).await;
    assert_eq!(res.status, 201, "body: {:#}", res.body);
    assert_eq!(res.body, Value::Null);

    // The user submits; the bot answers.
    let mine = app
        .gql_ok(&owner.token, "{ myViews { id } }", json!({}))
        .await;
    let view_id = mine["myViews"][0]["id"].as_str().unwrap().to_owned();
    app.gql_ok(
        &owner.token,
        "mutation($id: String!) { submitView(id: $id, data: {reason: \"vacation\"}) { state } }",
        json!({"id": view_id}),
    )
    .await;
    let row = entities::views::Entity::find_by_id(view_id.clone())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let submit_id = row.submit_id.unwrap();
    let path = format!("/views/{view_id}/submit_response");

    b.post(&path, json!({})).await.expect_error(400, "invalid");
    b.post(&path, json!({"submit_id": "x", "errors": {"reason": 5}}))
        .await
        .expect_error(422, "invalid");
    Pachca::new(&app, &intruder.token)
        .post(&path, json!({"submit_id": submit_id}))
        .await
        .expect_error(404, "view_not_found");
    Pachca::new(&app, &other.token)
        .post(&path, json!({"submit_id": submit_id}))
        .await
        .expect_error(404, "view_not_found");
    let wrong = b.post(&path, json!({"submit_id": "nope"})).await;
    assert_eq!(wrong.expect(200), &json!({"success": false}));
    let kept = b
        .post(
            &path,
            json!({"submit_id": submit_id, "errors": {"reason": "too short"}}),
        )
        .await;
    assert_eq!(kept.expect(200), &json!({"success": true}));
    let mine = app
        .gql_ok(&owner.token, "{ myViews { state errors } }", json!({}))
        .await;
    assert_eq!(mine["myViews"][0]["state"], "open");
    assert_eq!(mine["myViews"][0]["errors"], json!({"reason": "too short"}));
}

#[tokio::test]
async fn an_expired_trigger_is_gone() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let approver = bot(&app, &owner, "Approver").await;
    let trigger = click(&app, &owner, &approver).await;
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    Pachca::new(&app, &approver.token)
        .post("/views/open", open_body(&trigger))
        .await
        .expect_error(410, "trigger_expired");
}
