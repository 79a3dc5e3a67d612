//! The façade's framework: credentials, error shapes, bad JSON, rate limits, routing.

use resolvers::people::Role;
use serde_json::json;

use super::Pachca;
use crate::util::TestApp;

#[tokio::test]
async fn missing_and_bad_tokens_are_401_oauth_errors() {
    let app = TestApp::spawn().await;
    let res = app
        .http()
        .get(format!("{}/api/shared/v1/profile", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert!(body["error_description"].is_string());
    assert!(body.get("errors").is_none());

    let bad = Pachca::new(&app, "sbt_not-a-real-token");
    let res = bad.get("/profile").await;
    assert_eq!(res.status, 401);
    assert_eq!(res.body["error"], "invalid_token");
}

#[tokio::test]
async fn a_jwt_session_is_accepted() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let jwt = app
        .state
        .jwt
        .issue(owner.id, owner.workspace_id, 600)
        .unwrap();
    let res = Pachca::new(&app, &jwt).get("/profile").await;
    assert_eq!(res.expect(200)["data"]["id"], owner.id);
    let info = Pachca::new(&app, &jwt).get("/oauth/token/info").await;
    assert_eq!(info.expect(200)["data"]["id"], 0);
}

#[tokio::test]
async fn a_missing_scope_is_403_insufficient_scope() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let token = app.scoped_token(&owner, &["chats:read"]).await;
    let res = Pachca::new(&app, &token).get("/profile").await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["error"], "insufficient_scope");
}

#[tokio::test]
async fn malformed_json_is_a_400_api_error_naming_the_key() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let res = app
        .http()
        .put(format!("{}/api/shared/v1/profile/status", app.base))
        .bearer_auth(&owner.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid");

    let p = Pachca::new(&app, &owner.token);
    let res = p
        .put(
            "/profile/status",
            json!({"status": {"emoji": 5, "title": "x"}}),
        )
        .await;
    res.expect_error(400, "invalid");
    assert_eq!(res.body["errors"][0]["key"], "status.emoji");
    let res = p
        .put("/profile/status", json!({"status": {"emoji": "🏖"}}))
        .await;
    res.expect_error(400, "invalid");
    assert_eq!(res.body["errors"][0]["key"], "status.title");
}

#[tokio::test]
async fn over_budget_is_a_json_429_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.rate.standard = resolvers::rate::Budget {
            per_period: 1,
            period: std::time::Duration::from_secs(60),
            burst: 2,
        };
    })
    .await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    p.get("/profile").await.expect(200);
    p.get("/profile").await.expect(200);
    let res = p.get("/profile").await;
    res.expect_error(429, "rate_limit");
    let retry: u64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
}

#[tokio::test]
async fn unknown_routes_and_ids_are_json_404s() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    p.get("/no/such/route").await.expect_error(404, "not_found");
    p.get("/users/not-a-number")
        .await
        .expect_error(404, "not_found");
}

#[tokio::test]
async fn profile_and_own_status_round_trip() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let me = p.get("/profile").await;
    let me = &me.expect(200)["data"];
    assert_eq!(me["id"], owner.id);
    assert_eq!(me["role"], "admin");
    for key in [
        "first_name",
        "last_name",
        "nickname",
        "email",
        "phone_number",
        "department",
        "title",
        "suspended",
        "invite_status",
        "inviter_id",
        "list_tags",
        "custom_properties",
        "user_status",
        "bot",
        "sso",
        "created_at",
        "last_activity_at",
        "time_zone",
        "image_url",
    ] {
        assert!(me.get(key).is_some(), "missing {key}");
    }
    assert!(
        me["created_at"].as_str().unwrap().ends_with(".000Z")
            || me["created_at"].as_str().unwrap().ends_with('Z')
    );

    let none = p.get("/profile/status").await;
    assert_eq!(none.expect(200), &json!({"data": null}));

    let set = p
        .put(
            "/profile/status",
            json!({"status": {"emoji": "🏖", "title": "Vacation", "expires_at": "2099-01-16T09:00:00+00:00", "is_away": true, "away_message": "Back soon"}}),
        )
        .await;
    let data = &set.expect(200)["data"];
    assert_eq!(data["emoji"], "🏖");
    assert_eq!(data["expires_at"], "2099-01-16T09:00:00.000Z");
    assert_eq!(data["away_message"], json!({"text": "Back soon"}));
    assert_eq!(
        p.get("/profile/status").await.expect(200)["data"]["title"],
        "Vacation"
    );

    let past = p
        .put(
            "/profile/status",
            json!({"status": {"emoji": "🏖", "title": "x", "expires_at": "2000-01-01T00:00:00Z"}}),
        )
        .await;
    past.expect_error(422, "invalid");

    assert_eq!(p.delete("/profile/status").await.status, 204);
    assert_eq!(p.get("/profile/status").await.body, json!({"data": null}));
}

#[tokio::test]
async fn token_info_masks_the_token() {
    let app = TestApp::spawn().await;
    app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let res = Pachca::new(&app, &member.token)
        .get("/oauth/token/info")
        .await;
    let data = &res.expect(200)["data"];
    let masked = data["token"].as_str().unwrap();
    assert!(masked.starts_with("sbt_") && masked.contains("..."));
    assert_eq!(masked.len(), 8 + 3 + 4);
    assert!(masked.ends_with(&member.token[member.token.len() - 4..]));
    assert_eq!(data["user_id"], member.id);
    assert!(
        data["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "messages:read")
    );
    assert!(
        !data["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "users:create")
    );
}
