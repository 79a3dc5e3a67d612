//! Conventions across the façade: envelopes, error codes, routing beside the other
//! `/api/…` façades, rate limits, idempotency.

use std::time::Duration;

use reqwest::Method;
use resolvers::people::Role;
use resolvers::rate::{Budget, RateConfig};
use serde_json::json;

use super::{Wag, into_res, key_for, spawn, spawn_with};

fn is_instant_with_millis(v: &serde_json::Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 24 && s.ends_with('Z') && s.as_bytes().get(19) == Some(&b'.'))
}

#[tokio::test]
async fn wag_envelopes_and_error_codes_follow_the_document() {
    let app = spawn().await;
    app.workspace("acme").await;
    let key = key_for(&app, "owner@acme.test", None).await;
    let wag = Wag::key(&app, &key);

    // Success: `{success, data}`, lists with `pagination`; camelCase, integer ids,
    // instants with milliseconds.
    let created = wag.post("/api/channels", json!({"name": "general"})).await;
    let channel = created.ok(201).clone();
    assert!(channel["id"].is_i64());
    assert!(is_instant_with_millis(&channel["createdAt"]), "{channel}");
    assert_eq!(channel["isMember"], true);
    let list = wag.get("/api/channels").await;
    list.ok(200);
    assert_eq!(
        list.body["pagination"],
        json!({"limit": 50, "nextCursor": null, "hasMore": false})
    );

    // No credential: 401 UNAUTHENTICATED, details [].
    let anon = Wag::anon(&app).get("/api/channels").await;
    assert_eq!(anon.err(401, "UNAUTHENTICATED")["details"], json!([]));
    // An unknown or malformed key is the same 401.
    Wag::key(&app, "wag_0000")
        .get("/api/channels")
        .await
        .err(401, "UNAUTHENTICATED");
    // Bearer tokens are not a credential of this dialect.
    let owner = app.workspace("acme").await;
    let bearer = app
        .http()
        .get(format!("{}/api/channels", app.base))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    into_res(bearer).await.err(401, "UNAUTHENTICATED");

    // Unknown route: 404 NOT_FOUND; known route, other method: 405.
    wag.get("/api/no/such/route").await.err(404, "NOT_FOUND");
    Wag::anon(&app)
        .get("/api/nothing")
        .await
        .err(404, "NOT_FOUND");
    wag.call(Method::PUT, "/api/channels", Some(json!({})))
        .await
        .err(405, "METHOD_NOT_ALLOWED");

    // Wrong Content-Type: 415.
    let text = app
        .http()
        .post(format!("{}/api/channels", app.base))
        .header("x-api-key", &key)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    into_res(text).await.err(415, "UNSUPPORTED_MEDIA_TYPE");

    // Over 1 MiB: 413.
    let big = "x".repeat(1024 * 1024 + 1);
    let res = app
        .http()
        .post(format!("{}/api/channels", app.base))
        .header("x-api-key", &key)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    into_res(res).await.err(413, "PAYLOAD_TOO_LARGE");

    // Bad input: 400 VALIDATION_ERROR naming each field.
    let bad = wag
        .post(
            "/api/channels",
            json!({"name": "", "description": "d".repeat(501), "type": "secret"}),
        )
        .await;
    bad.err(400, "VALIDATION_ERROR");
    assert_eq!(bad.fields(), ["name", "description", "type"]);
    let typed = wag.post("/api/channels", json!({"name": 5})).await;
    typed.err(400, "VALIDATION_ERROR");
    assert_eq!(typed.fields(), ["name"]);
    let broken = app
        .http()
        .post(format!("{}/api/channels", app.base))
        .header("x-api-key", &key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    into_res(broken).await.err(400, "VALIDATION_ERROR");
    wag.get("/api/channels?limit=0")
        .await
        .err(400, "VALIDATION_ERROR");
    let cursor = wag.get("/api/channels?cursor=nope&limit=500").await;
    cursor.err(400, "VALIDATION_ERROR");
    assert_eq!(cursor.fields(), ["limit", "cursor"]);
}

#[tokio::test]
async fn wag_other_api_facades_keep_their_prefixes() {
    let app = spawn().await;
    // Messaging API v1: its own error shape, known and unknown routes alike.
    let v1 = into_res(
        app.http()
            .get(format!("{}/api/v1/channels", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v1.status, 401);
    assert_eq!(v1.body["code"], "INVALID_API_KEY", "{}", v1.body);
    assert!(v1.body.get("success").is_none());
    let v1_missing = into_res(
        app.http()
            .get(format!("{}/api/v1/no-such-route", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v1_missing.status, 404);
    assert!(v1_missing.body["error"].is_string(), "{}", v1_missing.body);
    // Pachca: its own 401 (OAuthError), never the WorkAndGo envelope.
    let pachca = into_res(
        app.http()
            .get(format!("{}/api/shared/v1/users", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(pachca.status, 401);
    assert!(pachca.body.get("success").is_none(), "{}", pachca.body);
    // Everything else under /api is WorkAndGo's.
    Wag::anon(&app)
        .get("/api/shared")
        .await
        .err(404, "NOT_FOUND");
    Wag::anon(&app)
        .get("/api/v2/channels")
        .await
        .err(404, "NOT_FOUND");
}

fn tight(standard: u32) -> impl FnOnce(&mut switchboard::Config) {
    move |c| {
        c.workandgo_rate = RateConfig {
            standard: Budget {
                per_period: standard,
                period: Duration::from_secs(60),
                burst: standard,
            },
            ..RateConfig::workandgo()
        };
    }
}

#[tokio::test]
async fn wag_rate_limit_remaining_is_on_every_answer_and_429_spares_neighbours() {
    let app = spawn_with(tight(4)).await;
    app.workspace("acme").await;
    app.user("acme", "bea@acme.test", Role::Member).await;
    // Keys are made through sessions, whose budgets are the users' own.
    let key_a = key_for(&app, "owner@acme.test", None).await;
    let key_b = key_for(&app, "bea@acme.test", None).await;
    let a = Wag::key(&app, &key_a);

    let ok = a.get("/api/channels").await;
    ok.ok(200);
    assert_eq!(ok.remaining(), 3);
    let missing = a.get("/api/no-such-route").await;
    missing.err(404, "NOT_FOUND");
    assert_eq!(missing.remaining(), 2);
    let bad = a.post("/api/channels", json!({})).await;
    bad.err(400, "VALIDATION_ERROR");
    assert_eq!(bad.remaining(), 1);
    let forbidden = a.get("/api/channels/999999").await;
    forbidden.err(404, "NOT_FOUND");
    assert_eq!(forbidden.remaining(), 0);
    let limited = a.get("/api/channels").await;
    limited.err(429, "RATE_LIMITED");
    assert_eq!(limited.remaining(), 0);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // A request counts only in its own class: search is still whole for this key.
    let search = a.get("/api/messages/search?q=x").await;
    assert_eq!(search.status, 404, "not served yet: {}", search.body);
    assert_eq!(search.remaining(), 29);

    // The neighbour's bucket is untouched.
    let neighbour = Wag::key(&app, &key_b).get("/api/channels").await;
    neighbour.ok(200);
    assert_eq!(neighbour.remaining(), 3);

    // Without a credential, the client address has a bucket of its own (sign-ins above
    // spent from it too, so only its decrease is pinned).
    let first = Wag::anon(&app).get("/api/channels").await;
    first.err(401, "UNAUTHENTICATED");
    let second = Wag::anon(&app).get("/api/channels").await;
    if second.status == 401 {
        assert_eq!(second.remaining() + 1, first.remaining());
    } else {
        second.err(429, "RATE_LIMITED");
    }
}

#[tokio::test]
async fn wag_idempotency_keys_replay_refuse_reuse_and_run_once() {
    let app = spawn().await;
    let owner = app.workspace("acme").await;
    let key = key_for(&app, "owner@acme.test", None).await;
    let wag = Wag::key(&app, &key);
    let body = json!({"name": "ops", "description": "Operations"});

    let first = wag
        .call_with(
            Method::POST,
            "/api/channels",
            Some(body.clone()),
            &[("idempotency-key", "k-1")],
        )
        .await;
    first.ok(201);
    let replay = wag
        .call_with(
            Method::POST,
            "/api/channels",
            Some(body.clone()),
            &[("idempotency-key", "k-1")],
        )
        .await;
    replay.ok(201);
    assert_eq!(replay.body, first.body);
    let reused = wag
        .call_with(
            Method::POST,
            "/api/channels",
            Some(json!({"name": "other"})),
            &[("idempotency-key", "k-1")],
        )
        .await;
    reused.err(422, "IDEMPOTENCY_KEY_REUSED");

    // 20 concurrent requests with one key: one channel, twenty identical answers.
    let race = json!({"name": "race"});
    let calls = (0..20).map(|_| {
        wag.call_with(
            Method::POST,
            "/api/channels",
            Some(race.clone()),
            &[("idempotency-key", "k-race")],
        )
    });
    let answers = futures::future::join_all(calls).await;
    for a in &answers {
        a.ok(201);
        assert_eq!(a.body, answers[0].body);
    }
    let ids: std::collections::HashSet<i64> = answers
        .iter()
        .map(|a| a.body["data"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1);
    let named = app
        .gql_ok(
            &owner.token,
            "{ chats(first: 100) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    let races = named["chats"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["name"] == "race")
        .count();
    assert_eq!(races, 1);
    let ops = named["chats"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["name"] == "ops")
        .count();
    assert_eq!(ops, 1);
}
