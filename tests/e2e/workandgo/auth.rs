//! `/api/auth`: development login, sessions behind the cookie (renewal, revocation,
//! logout, CSRF), the profile, and API keys.

use reqwest::Method;
use resolvers::people::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Cred, Wag, key_for, login, spawn};
use crate::util::TestApp;

#[tokio::test]
async fn wag_dev_login_is_404_unless_configured_and_refused_in_production() {
    let app = TestApp::spawn().await;
    app.workspace("acme").await;
    let res = Wag::anon(&app)
        .post("/api/auth/dev-login", json!({"email": "owner@acme.test"}))
        .await;
    res.err(404, "NOT_FOUND");
    assert!(res.set_cookie().is_none());
    assert!(res.header("x-ratelimit-remaining").is_some());

    let mut config = switchboard::Config::for_database(app.database_url.clone());
    config.profile = switchboard::Profile::Production;
    config.dev_login = true;
    let refused = switchboard::AppState::new(app.db.clone(), config).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("SWITCHBOARD_DEV_LOGIN"), "{message}");
}

#[tokio::test]
async fn wag_dev_login_sets_a_session_cookie_renewed_while_the_session_lives() {
    let app = spawn().await;
    let owner = app.workspace("acme").await;
    let (cookie, res) = login(&app, "owner@acme.test").await;
    let (_, header) = res.set_cookie().unwrap();
    for part in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(header.contains(part), "{header}");
    }
    let data = res.ok(200);
    assert_eq!(data["user"]["id"], owner.id);
    assert_eq!(data["user"]["email"], "owner@acme.test");
    assert_eq!(data["user"]["role"], "owner");
    assert_eq!(data["user"]["organisation"]["id"], owner.workspace_id);
    assert_eq!(data["user"]["apiKey"], serde_json::Value::Null);
    assert_eq!(data["session"]["method"], "dev");
    assert_eq!(data["session"]["current"], true);

    // Every answer to the cookie renews it.
    let me = Wag::cookie(&app, &cookie).get("/api/auth/me").await;
    assert_eq!(me.ok(200)["id"], owner.id);
    let (renewed, _) = me.set_cookie().expect("renewed cookie");
    Wag::cookie(&app, &renewed)
        .get("/api/auth/me")
        .await
        .ok(200);

    // An expired token of a live session is renewed, not refused: the session's idle
    // window ends it, not the token.
    let sid = data["session"]["id"].as_i64().unwrap();
    let old = app
        .state
        .jwt
        .issue_cookie(owner.workspace_id, owner.id, sid, -3_600)
        .unwrap();
    let again = Wag::cookie(&app, &old).get("/api/auth/me").await;
    again.ok(200);
    let (fresh, _) = again.set_cookie().unwrap();
    assert_ne!(fresh, old);

    // A forged or foreign token is refused.
    let last = if cookie.ends_with('A') { 'B' } else { 'A' };
    let forged = format!("{}{last}", &cookie[..cookie.len() - 1]);
    Wag::cookie(&app, &forged)
        .get("/api/auth/me")
        .await
        .err(401, "UNAUTHENTICATED");
    // A cookie token is not a bearer session on GraphQL.
    let gql = app.gql(&cookie, "{ me { id } }", json!({})).await;
    assert!(gql.get("errors").is_some(), "{gql}");

    // Signing in never creates a member.
    Wag::anon(&app)
        .post("/api/auth/dev-login", json!({"email": "nobody@acme.test"}))
        .await
        .err(403, "NOT_A_MEMBER");
    let missing = Wag::anon(&app).post("/api/auth/dev-login", json!({})).await;
    missing.err(400, "VALIDATION_ERROR");
    assert_eq!(missing.fields(), ["email"]);
}

#[tokio::test]
async fn wag_revoked_and_logged_out_sessions_fail_on_their_next_request() {
    let app = spawn().await;
    app.workspace("acme").await;
    app.user("acme", "bea@acme.test", Role::Member).await;
    let (first, _) = login(&app, "owner@acme.test").await;
    let (second, res) = login(&app, "owner@acme.test").await;
    let second_id = res.body["data"]["session"]["id"].as_i64().unwrap();
    let (bea, bea_res) = login(&app, "bea@acme.test").await;
    let bea_session = bea_res.body["data"]["session"]["id"].as_i64().unwrap();

    let me = Wag::cookie(&app, &first);
    let list = me.get("/api/auth/sessions").await;
    let sessions = list.ok(200).as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["expiresAt"].is_string()));

    // Someone else's session is not found.
    me.delete(&format!("/api/auth/sessions/{bea_session}"))
        .await
        .err(404, "NOT_FOUND");
    Wag::cookie(&app, &bea).get("/api/auth/me").await.ok(200);

    let revoked = me.delete(&format!("/api/auth/sessions/{second_id}")).await;
    assert_eq!(*revoked.ok(200), serde_json::Value::Null);
    Wag::cookie(&app, &second)
        .get("/api/auth/me")
        .await
        .err(401, "UNAUTHENTICATED");

    let out = me.post("/api/auth/logout", json!({})).await;
    out.ok(200);
    let (cleared, header) = out.set_cookie().unwrap();
    assert!(cleared.is_empty());
    assert!(header.contains("Max-Age=0"), "{header}");
    me.get("/api/auth/me").await.err(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn wag_cookie_writes_need_the_app_origin() {
    let app = spawn().await;
    app.workspace("acme").await;
    let (cookie, _) = login(&app, "owner@acme.test").await;
    let wag = Wag::cookie(&app, &cookie);
    let body = Some(json!({"name": "csrf"}));
    // No Origin, another origin: refused; nothing created.
    let none = app
        .http()
        .post(format!("{}/api/channels", app.base))
        .header("cookie", format!("session_token={cookie}"))
        .json(&json!({"name": "csrf"}))
        .send()
        .await
        .unwrap();
    super::into_res(none).await.err(403, "CSRF_REJECTED");
    wag.call_with(
        Method::POST,
        "/api/channels",
        body.clone(),
        &[("origin", "https://evil.test")],
    )
    .await
    .err(403, "CSRF_REJECTED");
    // Reads need no Origin; the app's origin passes.
    let list = wag.get("/api/channels").await;
    assert_eq!(list.ok(200).as_array().unwrap().len(), 0);
    wag.call(Method::POST, "/api/channels", body).await.ok(201);
    // Keys are not cookies: no origin check.
    let key = key_for(&app, "owner@acme.test", None).await;
    Wag::key(&app, &key)
        .post("/api/channels", json!({"name": "by key"}))
        .await
        .ok(201);
}

#[tokio::test]
async fn wag_profile_reads_and_updates_the_caller() {
    let app = spawn().await;
    app.workspace("acme").await;
    let (cookie, _) = login(&app, "owner@acme.test").await;
    let wag = Wag::cookie(&app, &cookie);
    let res = wag
        .patch(
            "/api/auth/me",
            json!({"name": "Ada Lovelace", "title": "Engineer", "timezone": "Europe/Paris", "phone": null}),
        )
        .await;
    let me = res.ok(200);
    assert_eq!(me["name"], "Ada Lovelace");
    assert_eq!(me["title"], "Engineer");
    assert_eq!(me["timezone"], "Europe/Paris");
    assert_eq!(me["phone"], serde_json::Value::Null);
    let bad = wag
        .patch(
            "/api/auth/me",
            json!({"email": "x@y.test", "role": "admin", "timezone": "Mars/Olympus"}),
        )
        .await;
    bad.err(400, "VALIDATION_ERROR");
    assert_eq!(bad.fields(), ["email", "role"]);
    let tz = wag
        .patch("/api/auth/me", json!({"timezone": "Mars/Olympus"}))
        .await;
    tz.err(400, "VALIDATION_ERROR");
    assert_eq!(tz.fields(), ["timezone"]);
}

#[tokio::test]
async fn wag_api_keys_are_shown_once_hashed_scoped_and_revocable() {
    let app = spawn().await;
    let owner = app.workspace("acme").await;
    let (cookie, _) = login(&app, "owner@acme.test").await;
    let session = Wag::cookie(&app, &cookie);

    let created = session
        .post(
            "/api/auth/api-keys",
            json!({"name": "CI", "scopes": ["channels:read"]}),
        )
        .await;
    let data = created.ok(201).clone();
    let key = data["key"].as_str().unwrap().to_owned();
    let hex = key.strip_prefix("wag_").expect("wag_ prefix");
    assert_eq!(hex.len(), 64);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_eq!(data["scopes"], json!(["channels:read"]));
    assert_eq!(data["lastFour"], &key[key.len() - 4..]);
    assert!(key.starts_with(data["prefix"].as_str().unwrap()));
    assert_eq!(data["createdBy"]["id"], owner.id);

    // Stored as a hash only.
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT token_hash, prefix, scopes FROM api_tokens WHERE prefix LIKE 'wag_%'"
                .to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let hash: String = rows[0].try_get("", "token_hash").unwrap();
    assert_eq!(hash, hex::encode(Sha256::digest(key.as_bytes())));

    // Listed masked, never with the key.
    let list = session.get("/api/auth/api-keys").await;
    let keys = list.ok(200).as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].get("key").is_none());
    assert!(!list.body.to_string().contains(&key));

    // Scopes: GET needs `:read`, other methods `:write`; the profile is another group.
    let k = Wag::key(&app, &key);
    k.get("/api/channels").await.ok(200);
    k.post("/api/channels", json!({"name": "x"}))
        .await
        .err(403, "FORBIDDEN");
    k.get("/api/auth/me").await.err(403, "FORBIDDEN");
    // Keys cannot manage keys.
    k.get("/api/auth/api-keys").await.err(403, "FORBIDDEN");
    k.post("/api/auth/api-keys", json!({"name": "child"}))
        .await
        .err(403, "FORBIDDEN");

    // Without scopes a key holds them all; `me` names it.
    let all = key_for(&app, "owner@acme.test", None).await;
    let me = Wag::key(&app, &all).get("/api/auth/me").await;
    let me = me.ok(200);
    assert_eq!(me["apiKey"]["name"], "test key");
    assert!(me["apiKey"]["scopes"].as_array().unwrap().len() >= 16);

    // Unknown scopes are refused naming the field.
    let bad = session
        .post(
            "/api/auth/api-keys",
            json!({"name": "bad", "scopes": ["chats:read"]}),
        )
        .await;
    bad.err(400, "VALIDATION_ERROR");
    assert_eq!(bad.fields(), ["scopes"]);

    // Another member cannot revoke it; its owner can, effective on the next request.
    app.user("acme", "bea@acme.test", Role::Member).await;
    let (bea, _) = login(&app, "bea@acme.test").await;
    let id = data["id"].as_i64().unwrap();
    Wag::cookie(&app, &bea)
        .delete(&format!("/api/auth/api-keys/{id}"))
        .await
        .err(404, "NOT_FOUND");
    session
        .delete(&format!("/api/auth/api-keys/{id}"))
        .await
        .ok(200);
    k.get("/api/channels").await.err(401, "UNAUTHENTICATED");

    // Other token kinds are not keys.
    let sbt = Wag::new(&app, Cred::Key(owner.token.clone()));
    sbt.get("/api/channels").await.err(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn wag_a_retried_key_creation_makes_one_key_and_never_replays_the_secret() {
    let app = spawn().await;
    app.workspace("acme").await;
    let (cookie, _) = login(&app, "owner@acme.test").await;
    let session = Wag::cookie(&app, &cookie);
    let body = json!({"name": "deploy", "scopes": ["channels:read"]});
    let headers = [("idempotency-key", "key-once")];
    let first = session
        .call_with(
            Method::POST,
            "/api/auth/api-keys",
            Some(body.clone()),
            &headers,
        )
        .await;
    let first = first.ok(201).clone();
    assert!(first["key"].as_str().is_some_and(|k| k.starts_with("wag_")));
    let again = session
        .call_with(Method::POST, "/api/auth/api-keys", Some(body), &headers)
        .await;
    let again = again.ok(201).clone();
    assert_eq!(again["id"], first["id"], "the same key, not a second one");
    assert!(
        again.get("key").is_none(),
        "the secret is not replayed: {again:#}"
    );
    let listed = session.get("/api/auth/api-keys").await;
    assert_eq!(listed.ok(200).as_array().map(Vec::len), Some(1));
    // The secret is stored nowhere in clear, the idempotency records included.
    let key = first["key"].as_str().unwrap_or_default();
    let stored = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(response AS TEXT) AS response FROM idempotency_keys".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "the creation's answer is kept for replays");
    for row in stored {
        let text: String = row.try_get("", "response").unwrap();
        assert!(text.contains("deploy") && !text.contains(key), "{text}");
    }
}
