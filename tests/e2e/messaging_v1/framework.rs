//! Workspace tokens, credentials, permissions, rate headers and 429, unknown routes, the
//! audit trail and idempotency, across the v1 routes.

use reqwest::Method;
use resolvers::people::Role;
use serde_json::json;

use super::{ALL, V1, into_res, setup, token_with};
use crate::util::TestApp;

/// Every route with a body that passes validation (unknown ids are fine: permission and
/// credential checks come first).
fn routes() -> Vec<(
    Method,
    &'static str,
    Option<serde_json::Value>,
    &'static str,
)> {
    vec![
        (
            Method::POST,
            "/messages",
            Some(json!({"channelId": "channel_1", "content": "x"})),
            "send:messages",
        ),
        (Method::GET, "/channels", None, "read:channels"),
        (
            Method::POST,
            "/channels",
            Some(json!({"name": "x"})),
            "write:channels",
        ),
        (Method::GET, "/departments", None, "read:departments"),
        (
            Method::POST,
            "/departments",
            Some(json!({"name": "x"})),
            "write:departments",
        ),
        (Method::GET, "/members", None, "read:members"),
        (
            Method::POST,
            "/members",
            Some(json!({"email": "x@y.test"})),
            "write:members",
        ),
    ]
}

#[tokio::test]
async fn v1_workspace_tokens_are_wst_hex_with_their_permissions_and_a_bot_of_their_own() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let (token, record) = token_with(
        &app,
        &owner,
        "Deploy Bot",
        &["send:messages", "read:channels"],
    )
    .await;
    let hex = token.strip_prefix("wst_").expect("wst_ prefix");
    assert_eq!(hex.len(), 64);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let scopes: Vec<&str> = record["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["read:channels", "send:messages"]);
    // Listed for admins, never with its secret.
    let listed = app
        .gql_ok(&owner.token, "{ apiTokens { prefix masked } }", json!({}))
        .await;
    assert!(
        listed["apiTokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["prefix"] == record["prefix"])
    );
    assert!(!listed.to_string().contains(hex));
    // Mixing core scopes and v1 permissions is refused; members cannot make them.
    let (code, _) = app
        .gql_err(
            &owner.token,
            "mutation { createApiToken(input: {name: \"x\", scopes: [\"send:messages\", \"chats:read\"]}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let (code, _) = app
        .gql_err(
            &member.token,
            "mutation { createApiToken(input: {name: \"x\", scopes: [\"send:messages\"]}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // The default budget is the document's 1,000 requests per hour.
    let res = V1::new(&app, &token).get("/channels").await;
    res.expect(200);
    let (limit, remaining, _) = res.expect_rate_headers();
    assert_eq!((limit, remaining), (1000, 999));
}

#[tokio::test]
async fn v1_bad_credentials_are_invalid_api_key_without_rate_headers() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let unknown = format!("wst_{}", "0".repeat(64));
    for bad in [
        None,
        Some("wst_nope"),
        Some(unknown.as_str()),
        Some(owner.token.as_str()),
    ] {
        let mut req = app.http().get(format!("{}/api/v1/channels", app.base));
        if let Some(b) = bad {
            req = req.bearer_auth(b);
        }
        let res = into_res(req.send().await.unwrap()).await;
        let body = res.expect_error(401, "INVALID_API_KEY");
        assert!(body["message"].is_string());
        assert!(res.header("x-ratelimit-limit").is_none());
    }
    // Revoked: refused from the next request.
    let (second, record) = token_with(&app, &owner, "Second", ALL).await;
    V1::new(&app, &second).get("/channels").await.expect(200);
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({ "id": record["id"] }),
    )
    .await;
    V1::new(&app, &second)
        .get("/channels")
        .await
        .expect_error(401, "INVALID_API_KEY");
    // Expired.
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1200)).to_rfc3339();
    let data = app
        .gql_ok(
            &owner.token,
            "mutation($at: DateTime!) { createApiToken(input: {name: \"Brief\", scopes: [\"read:channels\"], expiresAt: $at}) { token } }",
            json!({ "at": soon }),
        )
        .await;
    let brief = data["createApiToken"]["token"].as_str().unwrap().to_owned();
    V1::new(&app, &brief).get("/channels").await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    V1::new(&app, &brief)
        .get("/channels")
        .await
        .expect_error(401, "INVALID_API_KEY");
    // The token itself still works.
    V1::new(&app, &token).get("/channels").await.expect(200);
}

#[tokio::test]
async fn v1_each_route_needs_its_permission_and_answers_403_with_rate_headers() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    for (method, path, body, needed) in routes() {
        let others: Vec<&str> = ALL.iter().copied().filter(|p| *p != needed).collect();
        let (token, _) = token_with(&app, &owner, "Narrow", &others).await;
        let res = V1::new(&app, &token)
            .call(method.clone(), path, body.clone())
            .await;
        let err = res.expect_error(403, "INSUFFICIENT_PERMISSIONS");
        assert!(err["message"].as_str().unwrap().contains(needed), "{err}");
        res.expect_rate_headers();
        let (only, _) = token_with(&app, &owner, "Only", &[needed]).await;
        let res = V1::new(&app, &only).call(method, path, body).await;
        assert_ne!(res.status, 403, "{path} with {needed}: {}", res.body);
        assert_ne!(res.status, 401);
    }
}

#[tokio::test]
async fn v1_rate_limit_is_the_tokens_own_shared_with_graphql_and_429_says_so() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let data = app
        .gql_ok(
            &owner.token,
            "mutation { createApiToken(input: {name: \"Tight\", scopes: [\"read:channels\"], rateLimits: [{category: STANDARD, perPeriod: 3, periodSeconds: 3600, burst: 3}]}) { token } }",
            json!({}),
        )
        .await;
    let token = data["createApiToken"]["token"].as_str().unwrap().to_owned();
    let (_, neighbour) = setup(&app, "acme").await;
    let v1 = V1::new(&app, &token);
    let first = v1.get("/channels").await;
    first.expect(200);
    assert_eq!(first.expect_rate_headers().0, 3);
    assert_eq!(first.expect_rate_headers().1, 2);
    // The same budget through GraphQL.
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-ratelimit-remaining"], "1");
    v1.get("/channels").await.expect(200);
    let refused = v1.get("/channels").await;
    let body = refused.expect_error(429, "RATE_LIMIT_EXCEEDED");
    assert_eq!(body["error"], "Rate limit exceeded");
    assert_eq!(
        body["message"],
        "Rate limit of 3 requests per hour exceeded"
    );
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry));
    let (limit, remaining, _) = refused.expect_rate_headers();
    assert_eq!((limit, remaining), (3, 0));
    // A neighbour token is unaffected.
    V1::new(&app, &neighbour).get("/channels").await.expect(200);
}

#[tokio::test]
async fn v1_unknown_routes_and_bad_json_keep_the_error_shape() {
    let app = TestApp::spawn().await;
    let (_, token) = setup(&app, "acme").await;
    let v1 = V1::new(&app, &token);
    let res = v1.get("/nothing-here").await;
    assert_eq!(res.status, 404);
    assert!(res.body["code"].is_string());
    let res = app
        .http()
        .post(v1.url("/channels"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let res = into_res(res).await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["body"]);
    res.expect_rate_headers();
    let res = v1.post("/channels", json!({"name": 5})).await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["name"]);
}

#[tokio::test]
async fn v1_writes_are_audited_with_the_token_prefix_and_dialect_and_replayed_by_idempotency_key() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let v1 = V1::new(&app, &token);
    let headers = [("idempotency-key", "create-eng-1")];
    let first = v1
        .call_with(
            Method::POST,
            "/channels",
            Some(json!({"name": "eng"})),
            &headers,
        )
        .await;
    first.expect(201);
    let again = v1
        .call_with(
            Method::POST,
            "/channels",
            Some(json!({"name": "eng"})),
            &headers,
        )
        .await;
    again.expect(201);
    assert_eq!(first.body, again.body);
    let listed = v1.get("/channels").await;
    let names: Vec<&str> = listed.body["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.iter().filter(|n| **n == "eng").count(), 1);
    // Same key, another body: refused, nothing created.
    let other = v1
        .call_with(
            Method::POST,
            "/channels",
            Some(json!({"name": "ops"})),
            &headers,
        )
        .await;
    other.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(other.detail_fields(), ["idempotencyKey"]);
    // The audit trail: dialect v1, the token's prefix.
    let data = app
        .gql_ok(
            &owner.token,
            "{ events(dialect: \"v1\", types: [\"chat_created\"]) { nodes { dialect tokenPrefix } } }",
            json!({}),
        )
        .await;
    let nodes = data["events"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{data}");
    assert_eq!(nodes[0]["dialect"], "v1");
    assert_eq!(nodes[0]["tokenPrefix"], token[..12].to_string());
}
