//! Bots through the façade: create, update (both envelopes), token rotation, the
//! workspace list and a bot's own endpoints.

use resolvers::people::Role;
use serde_json::{Value, json};

use super::{Pachca, assert_paginate, ids};
use crate::util::TestApp;

const WEBHOOK_KEYS: &[&str] = &[
    "name",
    "nickname",
    "outgoing_url",
    "events",
    "trigger_on",
    "commands",
    "scopes",
    "template",
    "template_engine",
    "challenge_key",
    "link_preview_enabled",
    "ignore_self_messages",
    "events_history_enabled",
    "single_chat",
    "can_edit",
    "who_can_add",
];

#[track_caller]
fn assert_bot(bot: &Value) {
    for key in [
        "id",
        "name",
        "nickname",
        "created_at",
        "authorized_users_count",
        "webhook",
        "oauth_client_enabled",
        "permissions",
    ] {
        assert!(bot.get(key).is_some(), "missing {key}: {bot:#}");
    }
    for key in WEBHOOK_KEYS.iter().chain(&["unfurl_domains"]) {
        assert!(bot["webhook"].get(*key).is_some(), "missing webhook.{key}");
    }
    for key in ["update_oauth_client", "recreate_token", "destroy"] {
        assert!(bot["permissions"][key].is_boolean(), "permissions.{key}");
    }
}

#[tokio::test]
async fn create_update_and_rotate_a_bot() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);

    // The SDK sends extra keys; they are ignored.
    let res = p
        .post(
            "/bots",
            json!({"webhook": {"name": "Tasks", "nickname": "tasks_bot", "events": ["message_new"],
                "commands": ["/task"], "extra_key": 1}}),
        )
        .await;
    let body = res.expect(201);
    assert_bot(&body["data"]);
    let id = body["data"]["id"].as_i64().unwrap();
    let token = body["data"]["access_token"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["webhook"]["name"], "Tasks");
    assert_eq!(body["data"]["webhook"]["nickname"], "tasks_bot");
    assert_eq!(body["data"]["webhook"]["commands"], json!(["/task"]));
    assert_eq!(body["data"]["webhook"]["trigger_on"], "commands");
    assert_eq!(body["data"]["webhook"]["outgoing_url"], Value::Null);
    assert_eq!(body["data"]["permissions"]["destroy"], true);

    // Bad input.
    p.post("/bots", json!({"webhook": {"name": ""}}))
        .await
        .expect_error(422, "blank");
    p.post(
        "/bots",
        json!({"webhook": {"name": "X", "trigger_on": "never"}}),
    )
    .await
    .expect_error(422, "invalid");
    p.post("/bots", json!({"webhook": {"name": 5}}))
        .await
        .expect_error(400, "invalid");
    p.post("/bots", json!({"nope": {}}))
        .await
        .expect_error(400, "invalid");

    // PUT with `{webhook}` and with the older `{bot: {webhook}}`.
    let res = p
        .put(
            &format!("/bots/{id}"),
            json!({"webhook": {"events_history_enabled": true}}),
        )
        .await;
    assert_bot(&res.expect(200)["data"]);
    assert_eq!(res.body["data"]["webhook"]["events_history_enabled"], true);
    let res = p
        .put(
            &format!("/bots/{id}"),
            json!({"bot": {"webhook": {"name": "Renamed"}}}),
        )
        .await;
    assert_eq!(res.expect(200)["data"]["webhook"]["name"], "Renamed");
    assert!(res.body["data"].get("access_token").is_none());
    p.put(&format!("/bots/{id}"), json!({"other": 1}))
        .await
        .expect_error(400, "invalid");
    p.put(
        &format!("/bots/{id}"),
        json!({"webhook": {"trigger_on": "x"}}),
    )
    .await
    .expect_error(422, "invalid");
    // Foreign or unknown bots are 404; a plain member does not manage it.
    for (token, path) in [
        (&other.token, format!("/bots/{id}")),
        (&owner.token, "/bots/999999".to_owned()),
        (&member.token, format!("/bots/{id}")),
    ] {
        Pachca::new(&app, token)
            .put(&path, json!({"webhook": {"name": "Hijack"}}))
            .await
            .expect_error(404, "not_found");
    }
    let res = Pachca::new(&app, "bad")
        .put(&format!("/bots/{id}"), json!({"webhook": {}}))
        .await;
    assert_eq!(res.status, 401);

    // Rotation: bodiless POST; the old token stops working.
    let res = app
        .http()
        .post(p.url(&format!("/bots/{id}/recreate_token")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_bot(&body["data"]);
    let rotated = body["data"]["access_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, token);
    assert_eq!(Pachca::new(&app, &token).get("/profile").await.status, 401);
    Pachca::new(&app, &other.token)
        .post_empty(&format!("/bots/{id}/recreate_token"))
        .await
        .expect_error(404, "not_found");

    // The bot's own endpoints: `{id, webhook}` without unfurl_domains.
    let me = Pachca::new(&app, &rotated);
    let res = me
        .put("/bot/webhook", json!({"webhook": {"outgoing_url": ""}}))
        .await;
    let data = &res.expect(200)["data"];
    assert_eq!(data["id"], id);
    for key in WEBHOOK_KEYS {
        assert!(data["webhook"].get(*key).is_some(), "missing webhook.{key}");
    }
    assert!(data["webhook"].get("unfurl_domains").is_none());
    assert_eq!(data["webhook"]["outgoing_url"], Value::Null);
    me.put("/bot/webhook", json!({"webhook": {}}))
        .await
        .expect_error(400, "invalid");
    me.put(
        "/bot/webhook",
        json!({"webhook": {"outgoing_url": "not a url"}}),
    )
    .await
    .expect_error(422, "invalid");
    let res = p
        .put("/bot/webhook", json!({"webhook": {"outgoing_url": ""}}))
        .await;
    assert!(matches!(res.status, 403 | 404), "a person is not a bot");

    let res = me.post_empty("/bot/recreate_token").await;
    let data = &res.expect(200)["data"];
    assert_eq!(data["id"], id);
    let newest = data["access_token"].as_str().unwrap().to_owned();
    assert!(data["webhook"].get("unfurl_domains").is_none());
    // The calling token stops at once.
    assert_eq!(me.post_empty("/bot/recreate_token").await.status, 401);
    assert_eq!(Pachca::new(&app, &newest).get("/profile").await.status, 200);
}

#[tokio::test]
async fn company_bots_lists_every_bot_for_admins() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let mut made = Vec::new();
    for name in ["A", "B", "C"] {
        made.push(
            p.post("/bots", json!({"webhook": {"name": name}}))
                .await
                .expect(201)["data"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    Pachca::new(&app, &other.token)
        .post("/bots", json!({"webhook": {"name": "Foreign"}}))
        .await
        .expect(201);

    let all = p.get("/company/bots").await;
    assert_paginate(all.expect(200));
    assert_eq!(ids(&all.body), made);
    assert_bot(&all.body["data"][0]);
    let page = p.get("/company/bots?limit=2").await;
    assert_eq!(ids(&page.body), made[..2].to_vec());
    assert_eq!(page.body["meta"]["paginate"]["has_next"], true);
    let next = page.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let rest = p.get(&format!("/company/bots?limit=2&cursor={next}")).await;
    assert_eq!(ids(&rest.body), made[2..].to_vec());
    assert_eq!(rest.body["meta"]["paginate"]["has_next"], false);
    let next = rest.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let empty = p.get(&format!("/company/bots?cursor={next}")).await;
    assert_paginate(empty.expect(200));
    assert_eq!(empty.body["data"], json!([]));

    p.get("/company/bots?limit=0")
        .await
        .expect_error(400, "invalid");
    p.get("/company/bots?cursor=zzz")
        .await
        .expect_error(400, "invalid");
    let res = Pachca::new(&app, &member.token).get("/company/bots").await;
    assert_eq!(res.status, 403, "{:#}", res.body);
    assert_eq!(
        Pachca::new(&app, "x").get("/company/bots").await.status,
        401
    );
}
