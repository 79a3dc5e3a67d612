//! A bot's event history through the façade.

use serde_json::{Value, json};

use super::{Pachca, assert_paginate};
use crate::util::TestApp;

/// Create a bot that keeps a history of every message in its chats; returns (id, token).
pub async fn history_bot(p: &Pachca<'_>, name: &str) -> (i64, String) {
    let res = p
        .post(
            "/bots",
            json!({"webhook": {"name": name, "events_history_enabled": true,
                "events": ["message_new", "reaction_new"], "trigger_on": "all_messages"}}),
        )
        .await;
    let body = res.expect(201);
    (
        body["data"]["id"].as_i64().unwrap(),
        body["data"]["access_token"].as_str().unwrap().to_owned(),
    )
}

fn event_ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|e| e["id"].as_str().expect("string id").to_owned())
        .collect()
}

#[tokio::test]
async fn history_lists_newest_first_pages_polls_and_deletes() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let (bot_id, bot_token) = history_bot(&p, "Poller").await;
    let bot = Pachca::new(&app, &bot_token);

    // Empty history: four paginate keys, string cursors that stay empty.
    let empty = bot.get("/webhooks/events").await;
    assert_paginate(empty.expect(200));
    assert_eq!(empty.body["data"], json!([]));
    assert_eq!(empty.body["meta"]["paginate"]["has_next"], false);
    assert_eq!(empty.body["meta"]["paginate"]["has_prev"], false);
    let next = empty.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap();
    let again = bot.get(&format!("/webhooks/events?cursor={next}")).await;
    assert_eq!(again.expect(200)["data"], json!([]));

    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "ops", "member_ids": [bot_id]}}),
        )
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    for text in ["one", "two", "three"] {
        p.post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": text}}),
        )
        .await
        .expect(201);
    }

    let all = bot.get("/webhooks/events").await;
    assert_paginate(all.expect(200));
    let data = all.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    for key in ["id", "event_type", "payload", "created_at"] {
        assert!(data[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(data[0]["event_type"], "message_new");
    assert_eq!(data[0]["payload"]["content"], "three");
    assert_eq!(data[0]["payload"]["type"], "message");
    assert!(data[0]["created_at"].as_str().unwrap().ends_with('Z'));
    // Stamped like a push (SDK payload models require it): the event's own time.
    let stamp = data[0]["payload"]["webhook_timestamp"].as_i64().unwrap();
    assert!(
        (stamp - chrono::Utc::now().timestamp()).abs() < 300,
        "{stamp}"
    );
    let ids = event_ids(&all.body);

    // Pages of one, newest first, then older.
    let first = bot.get("/webhooks/events?limit=1").await;
    assert_eq!(event_ids(first.expect(200)), ids[..1].to_vec());
    assert_eq!(first.body["meta"]["paginate"]["has_next"], true);
    let next = first.body["meta"]["paginate"]["next_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = bot
        .get(&format!("/webhooks/events?limit=2&cursor={next}"))
        .await;
    assert_eq!(event_ids(second.expect(200)), ids[1..].to_vec());
    assert_eq!(second.body["meta"]["paginate"]["has_next"], false);
    assert_eq!(second.body["meta"]["paginate"]["has_prev"], true);
    // prev_page polls for newer rows.
    let prev = second.body["meta"]["paginate"]["prev_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let newer = bot.get(&format!("/webhooks/events?cursor={prev}")).await;
    assert_eq!(event_ids(newer.expect(200)), ids[..1].to_vec());

    // Delete: 204, gone from the list, a second delete is 404.
    bot.delete(&format!("/webhooks/events/{}", ids[1]))
        .await
        .expect(204);
    let after = bot.get("/webhooks/events").await;
    assert_eq!(
        event_ids(after.expect(200)),
        vec![ids[0].clone(), ids[2].clone()]
    );
    bot.delete(&format!("/webhooks/events/{}", ids[1]))
        .await
        .expect_error(404, "not_found");
    bot.delete("/webhooks/events/01KAJZ2XDSS2S3DSW9EXJZ0TBV")
        .await
        .expect_error(404, "not_found");

    // Bad input: limit and cursor are 400s.
    bot.get("/webhooks/events?limit=51")
        .await
        .expect_error(400, "invalid");
    bot.get("/webhooks/events?limit=x")
        .await
        .expect_error(400, "invalid");
    bot.get("/webhooks/events?cursor=garbage")
        .await
        .expect_error(400, "invalid");

    // People's tokens: 403 insufficient_scope; no token: 401.
    let res = p.get("/webhooks/events").await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");
    let res = Pachca::new(&app, &other.token)
        .delete(&format!("/webhooks/events/{}", ids[0]))
        .await;
    assert_eq!(res.status, 403);
    let res = Pachca::new(&app, "nope").get("/webhooks/events").await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body["error"], "invalid_token");

    // Another bot never sees or deletes this bot's events.
    let (_, other_bot) = history_bot(&Pachca::new(&app, &other.token), "Foreign").await;
    let foreign = Pachca::new(&app, &other_bot);
    assert_eq!(
        foreign.get("/webhooks/events").await.expect(200)["data"],
        json!([])
    );
    foreign
        .delete(&format!("/webhooks/events/{}", ids[0]))
        .await
        .expect_error(404, "not_found");
}
