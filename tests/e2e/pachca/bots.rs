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

async fn new_bot(p: &Pachca<'_>, name: &str) -> (i64, String) {
    let body = p
        .post("/bots", json!({"webhook": {"name": name}}))
        .await
        .expect(201)
        .clone();
    (
        body["data"]["id"].as_i64().unwrap(),
        body["data"]["access_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn list_show_and_delete_the_bots_one_manages() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let (tasks, tasks_token) = new_bot(&p, "Tasks").await;
    let (deploy, _) = new_bot(&p, "Deploy").await;
    let (mine, _) = new_bot(&Pachca::new(&app, &member.token), "Mine").await;

    // The owner (an admin) manages every bot whose can_edit includes admin; a member
    // only their own; another workspace none of them.
    let res = p.get("/bots").await;
    assert_paginate(res.expect(200));
    assert_eq!(ids(&res.body), vec![tasks, deploy, mine]);
    for bot in res.body["data"].as_array().unwrap() {
        assert_bot(bot);
    }
    let res = Pachca::new(&app, &member.token).get("/bots").await;
    assert_eq!(ids(res.expect(200)), vec![mine]);
    let res = Pachca::new(&app, &other.token).get("/bots").await;
    assert_eq!(ids(res.expect(200)), Vec::<i64>::new());
    assert_paginate(&res.body);

    // Search by name, and pages of one following the cursor.
    let res = p.get("/bots?query=dep").await;
    assert_eq!(ids(res.expect(200)), vec![deploy]);
    let first = p.get("/bots?limit=1").await;
    assert_eq!(ids(first.expect(200)), vec![tasks]);
    assert_eq!(first.body["meta"]["paginate"]["has_next"], true);
    let cursor = first.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap();
    let second = p.get(&format!("/bots?limit=1&cursor={cursor}")).await;
    assert_eq!(ids(second.expect(200)), vec![deploy]);
    p.get("/bots?limit=0").await.expect_error(400, "invalid");
    p.get("/bots?limit=51").await.expect_error(400, "invalid");

    // One bot.
    let res = p.get(&format!("/bots/{tasks}")).await;
    let data = &res.expect(200)["data"];
    assert_bot(data);
    assert_eq!(data["webhook"]["name"], "Tasks");
    assert!(data.get("access_token").is_none(), "shown once only");
    for (token, path) in [
        (&other.token, format!("/bots/{tasks}")),
        (&member.token, format!("/bots/{tasks}")),
        (&owner.token, "/bots/999999".to_owned()),
        (&owner.token, format!("/bots/{}", member.id)),
    ] {
        Pachca::new(&app, token)
            .get(&path)
            .await
            .expect_error(404, "not_found");
    }

    // Delete: 204, then it is gone and its token stops at once.
    Pachca::new(&app, &other.token)
        .delete(&format!("/bots/{tasks}"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        Pachca::new(&app, &tasks_token).get("/profile").await.status,
        200
    );
    let res = p.delete(&format!("/bots/{tasks}")).await;
    assert_eq!(res.expect(204), &Value::Null);
    p.get(&format!("/bots/{tasks}"))
        .await
        .expect_error(404, "not_found");
    p.delete(&format!("/bots/{tasks}"))
        .await
        .expect_error(404, "not_found");
    assert_eq!(
        Pachca::new(&app, &tasks_token).get("/profile").await.status,
        401
    );
    let res = p.get("/bots").await;
    assert_eq!(ids(res.expect(200)), vec![deploy, mine]);
}

#[tokio::test]
async fn a_bots_named_tokens_scopes_and_client_secret() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let (bot, primary) = new_bot(&p, "Reporter").await;

    // Issue: whole once, with the asked scopes.
    let res = p
        .post(
            &format!("/bots/{bot}/tokens"),
            json!({"name": "ci", "scopes": ["messages:read", "chats:read"]}),
        )
        .await;
    let data = res.expect(201)["data"].clone();
    for key in ["id", "token", "user_id", "scopes", "created_at"] {
        assert!(data.get(key).is_some(), "missing {key}: {data:#}");
    }
    assert_eq!(data["user_id"], bot);
    assert_eq!(data["name"], "ci");
    let mut scopes: Vec<String> = serde_json::from_value(data["scopes"].clone()).unwrap();
    scopes.sort();
    assert_eq!(scopes, vec!["chats:read", "messages:read"]);
    let token_id = data["id"].as_i64().unwrap();
    let secret = data["token"].as_str().unwrap().to_owned();
    let ci = Pachca::new(&app, &secret);
    let info = ci.get("/oauth/token/info").await;
    assert_eq!(info.expect(200)["data"]["user_id"], bot);
    // Its scopes hold: reading yes, writing no.
    assert_eq!(ci.get("/chats").await.status, 200);
    let res = ci.post("/chats", json!({"chat": {"name": "x"}})).await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");

    // Listed masked, beside the primary token, oldest first.
    let res = p.get(&format!("/bots/{bot}/tokens")).await;
    assert_paginate(res.expect(200));
    let list = res.body["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["id"], token_id);
    let masked = list[1]["token"].as_str().unwrap();
    assert!(masked.contains("...") && masked != secret, "{masked}");
    assert!(!primary.is_empty());

    // Bad input.
    p.post(&format!("/bots/{bot}/tokens"), json!({"scopes": []}))
        .await
        .expect_error(400, "invalid");
    p.post(
        &format!("/bots/{bot}/tokens"),
        json!({"name": "x", "scopes": ["no:such"]}),
    )
    .await
    .expect_error(422, "invalid");
    p.post(&format!("/bots/{bot}/tokens"), json!({"name": ""}))
        .await
        .expect_error(422, "blank");

    // Rename and narrow.
    let res = p
        .put(
            &format!("/bots/{bot}/tokens/{token_id}"),
            json!({"name": "ci-2", "scopes": ["chats:read"]}),
        )
        .await;
    let data = &res.expect(200)["data"];
    assert_eq!(data["name"], "ci-2");
    assert_eq!(data["scopes"], json!(["chats:read"]));
    assert!(data["token"].as_str().unwrap().contains("..."));
    assert_eq!(ci.get("/messages?chat_id=1").await.status, 403);

    // Reissue: same id, new secret; the old one stops.
    let res = p
        .post_empty(&format!("/bots/{bot}/tokens/{token_id}/reissue"))
        .await;
    let data = &res.expect(200)["data"];
    assert_eq!(data["id"], token_id);
    let reissued = data["token"].as_str().unwrap().to_owned();
    assert_ne!(reissued, secret);
    assert_eq!(ci.get("/chats").await.status, 401);
    let ci = Pachca::new(&app, &reissued);
    assert_eq!(ci.get("/chats").await.status, 200);

    // Another workspace sees none of it; unknown token ids are 404.
    let foreign = Pachca::new(&app, &other.token);
    foreign
        .get(&format!("/bots/{bot}/tokens"))
        .await
        .expect_error(404, "not_found");
    foreign
        .delete(&format!("/bots/{bot}/tokens/{token_id}"))
        .await
        .expect_error(404, "not_found");
    p.delete(&format!("/bots/{bot}/tokens/999999"))
        .await
        .expect_error(404, "not_found");

    // Revoke: 204, then the token is dead and no longer listed.
    assert_eq!(
        p.delete(&format!("/bots/{bot}/tokens/{token_id}"))
            .await
            .expect(204),
        &Value::Null
    );
    assert_eq!(ci.get("/chats").await.status, 401);
    let res = p.get(&format!("/bots/{bot}/tokens")).await;
    assert_eq!(res.expect(200)["data"].as_array().unwrap().len(), 1);

    // The scope catalogue: a bare object.
    let res = p.get(&format!("/bots/{bot}/scopes")).await;
    let body = res.expect(200);
    assert!(body.get("data").is_none());
    let scopes = body["scopes"].as_array().unwrap();
    assert!(scopes.iter().any(|s| s["id"] == "messages:create"));
    for s in scopes {
        for key in ["id", "title", "group", "preset"] {
            assert!(s.get(key).is_some(), "missing {key}: {s:#}");
        }
    }
    let groups = body["groups"].as_array().unwrap();
    assert!(groups.iter().any(|g| g["id"] == "messages"));
    for g in groups {
        for key in ["id", "title", "description"] {
            assert!(g[key].is_string(), "group {key}: {g:#}");
        }
    }
    assert!(body["presets"].as_array().unwrap().len() >= 2);
    foreign
        .get(&format!("/bots/{bot}/scopes"))
        .await
        .expect_error(404, "not_found");

    // Rotating the client secret enables the OAuth client; the secret is shown once.
    let res = p
        .post_empty(&format!("/bots/{bot}/rotate_client_secret"))
        .await;
    let data = &res.expect(200)["data"];
    assert_bot(data);
    let client_secret = data["client_secret"].as_str().unwrap();
    assert_eq!(data["oauth_client_enabled"], true);
    let client = &data["oauth_client"];
    assert!(client["client_id"].is_string());
    assert!(client_secret.starts_with(client["client_secret_preview"].as_str().unwrap()));
    assert_eq!(client["confidential"], true);
    let res = p.get(&format!("/bots/{bot}")).await;
    assert!(res.expect(200)["data"].get("client_secret").is_none());
    foreign
        .post_empty(&format!("/bots/{bot}/rotate_client_secret"))
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn a_derived_nickname_fits_the_spec_however_long_the_name() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let name = "0".repeat(255);
    for _ in 0..2 {
        let res = p.post("/bots", json!({"webhook": {"name": name}})).await;
        let nickname = res.expect(201)["data"]["webhook"]["nickname"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(nickname.len() <= 255, "{} characters", nickname.len());
        assert!(
            nickname.ends_with("_bot") || nickname.ends_with("_bot2"),
            "{nickname}"
        );
    }
}
