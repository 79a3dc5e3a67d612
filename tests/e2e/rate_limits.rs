//! Per-token rate limits: an admin gives an API token budgets of its own; the token is
//! held to them on every front door (GraphQL and the Pachca façade) while its
//! neighbours keep the server's defaults, and a change applies to its next request.

use std::time::Duration;

use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid};

const CREATE: &str = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id rateLimits { category perPeriod periodSeconds burst } } } }";
const SET: &str = "mutation($t: ID!, $l: [RateLimitInput!]!) { setApiTokenRateLimits(tokenId: $t, limits: $l) { id rateLimits { category perPeriod periodSeconds burst } } }";

/// A server whose default budget (20 per minute, bursts of 20) no test here exhausts.
async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.rate.standard = resolvers::rate::Budget {
            per_period: 20,
            period: Duration::from_secs(60),
            burst: 20,
        };
    })
    .await
}

/// A new token of `admin` with a standard budget of `burst` per minute; returns
/// (secret, global id).
async fn limited_token(app: &TestApp, admin: &Actor, burst: i64) -> (String, String) {
    let data = app
        .gql_ok(
            &admin.token,
            CREATE,
            json!({"input": {"name": "integration", "rateLimits": [
                {"category": "STANDARD", "perPeriod": 1, "periodSeconds": 60, "burst": burst}
            ]}}),
        )
        .await;
    let created = &data["createApiToken"];
    assert_eq!(
        created["apiToken"]["rateLimits"],
        json!([{"category": "STANDARD", "perPeriod": 1, "periodSeconds": 60, "burst": burst}])
    );
    (
        created["token"].as_str().unwrap().to_owned(),
        created["apiToken"]["id"].as_str().unwrap().to_owned(),
    )
}

async fn graphql(app: &TestApp, token: &str) -> reqwest::Response {
    app.http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap()
}

async fn pachca(app: &TestApp, token: &str) -> reqwest::Response {
    app.http()
        .get(format!("{}/api/shared/v1/profile", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Statuses of `n` calls, and the `Retry-After` of each refusal (which must be ≥ 1).
async fn spend<F, Fut>(n: usize, call: F) -> (usize, usize)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..n {
        let res = call().await;
        match res.status().as_u16() {
            200 => ok += 1,
            429 => {
                let retry: u64 = res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&retry), "Retry-After {retry}");
                let body: Value = res.json().await.unwrap();
                assert!(
                    body.to_string().to_lowercase().contains("rate"),
                    "a 429 says why: {body}"
                );
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    (ok, refused)
}

#[tokio::test]
async fn a_token_over_its_own_limit_gets_429s_on_graphql_while_a_neighbour_keeps_the_default() {
    let app = app().await;
    let owner = app.workspace("acme").await;
    let neighbour = app.user("acme", "n@acme.test", Role::Member).await;
    let (token, _) = limited_token(&app, &owner, 3).await;

    let first = graphql(&app, &token).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-ratelimit-limit"], "3", "its own burst");
    let (ok, refused) = spend(7, || graphql(&app, &token)).await;
    assert_eq!((ok, refused), (2, 5));
    let res = graphql(&app, &token).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");

    let (ok, refused) = spend(10, || graphql(&app, &neighbour.token)).await;
    assert_eq!((ok, refused), (10, 0), "the neighbour is unaffected");
    let res = graphql(&app, &owner.token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["x-ratelimit-limit"],
        "20",
        "the owner's other token keeps the default"
    );
    println!("T11 per-token limit (GraphQL): own budget 3 → 3×200 + 5×429, neighbour 10×200");
}

#[tokio::test]
async fn a_token_over_its_own_limit_gets_429s_on_the_pachca_facade_while_a_neighbour_does_not() {
    let app = app().await;
    let owner = app.workspace("acme").await;
    let neighbour = app.user("acme", "n@acme.test", Role::Member).await;
    let (token, _) = limited_token(&app, &owner, 2).await;

    let (ok, refused) = spend(6, || pachca(&app, &token)).await;
    assert_eq!((ok, refused), (2, 4));
    let (ok, refused) = spend(6, || pachca(&app, &neighbour.token)).await;
    assert_eq!((ok, refused), (6, 0), "the neighbour is unaffected");
    // One budget whichever door: the token spent it on Pachca, GraphQL refuses too.
    assert_eq!(graphql(&app, &token).await.status(), 429);
    println!("T11 per-token limit (Pachca): own budget 2 → 2×200 + 4×429, neighbour 6×200");
}

#[tokio::test]
async fn a_changed_limit_applies_to_the_tokens_next_request() {
    let app = app().await;
    let owner = app.workspace("acme").await;
    let (token, id) = limited_token(&app, &owner, 2).await;
    assert_eq!(spend(3, || graphql(&app, &token)).await, (2, 1));

    // Raised: the next request is allowed, on both doors.
    let data = app
        .gql_ok(
            &owner.token,
            SET,
            json!({"t": id, "l": [{"category": "STANDARD", "perPeriod": 1, "periodSeconds": 60, "burst": 5}]}),
        )
        .await;
    assert_eq!(data["setApiTokenRateLimits"]["rateLimits"][0]["burst"], 5);
    assert_eq!(pachca(&app, &token).await.status(), 200);
    assert_eq!(spend(6, || graphql(&app, &token)).await, (4, 2));

    // Cleared: back on the default budget (20).
    let data = app
        .gql_ok(&owner.token, SET, json!({"t": id, "l": []}))
        .await;
    assert_eq!(data["setApiTokenRateLimits"]["rateLimits"], json!([]));
    let res = graphql(&app, &token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-ratelimit-limit"], "20");

    // Lowered: held to it at once.
    app.gql_ok(
        &owner.token,
        SET,
        json!({"t": id, "l": [{"category": "STANDARD", "perPeriod": 1, "periodSeconds": 3600, "burst": 1}]}),
    )
    .await;
    assert_eq!(spend(3, || pachca(&app, &token)).await, (1, 2));

    // Every change is in the audit trail.
    let events = app
        .gql_ok(
            &owner.token,
            "{ events(first: 100, types: [\"api_token_updated\"]) { edges { node { type } } } }",
            json!({}),
        )
        .await;
    assert_eq!(events["events"]["edges"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_search_budget_of_its_own_limits_only_that_tokens_searches() {
    let app = app().await;
    let owner = app.workspace("acme").await;
    let data = app
        .gql_ok(
            &owner.token,
            CREATE,
            json!({"input": {"name": "search bot", "rateLimits": [
                {"category": "SEARCH", "perPeriod": 1, "periodSeconds": 3600, "burst": 1}
            ]}}),
        )
        .await;
    let token = data["createApiToken"]["token"].as_str().unwrap().to_owned();
    const SEARCH: &str = "{ search(query: \"hello\") { messages(first: 5) { nodes { id } } } }";
    app.gql_ok(&token, SEARCH, json!({})).await;
    let (code, _) = app.gql_err(&token, SEARCH, json!({})).await;
    assert_eq!(code, "RATE_LIMITED");
    app.gql_ok(&token, "{ me { id } }", json!({})).await; // other categories untouched
    for _ in 0..3 {
        app.gql_ok(&owner.token, SEARCH, json!({})).await;
    }
}

#[tokio::test]
async fn only_admins_set_token_limits_and_bad_budgets_are_refused_naming_the_field() {
    let app = app().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let (_, id) = limited_token(&app, &owner, 5).await;
    let tokens = app.count("api_tokens").await;

    let budget = |per: i64, secs: i64, burst: i64| json!([{"category": "STANDARD", "perPeriod": per, "periodSeconds": secs, "burst": burst}]);
    let (code, _) = app
        .gql_err(
            &member.token,
            CREATE,
            json!({"input": {"name": "mine", "rateLimits": budget(100, 1, 100)}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .gql_err(
            &member.token,
            SET,
            json!({"t": id, "l": budget(100, 1, 100)}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    for (limits, field) in [
        (budget(0, 60, 5), "limits[0].perPeriod"),
        (budget(100_001, 60, 5), "limits[0].perPeriod"),
        (budget(5, 0, 5), "limits[0].periodSeconds"),
        (budget(5, 86_401, 5), "limits[0].periodSeconds"),
        (budget(5, 60, 0), "limits[0].burst"),
        (budget(5, 60, -3), "limits[0].burst"),
        (
            json!([
                {"category": "SEARCH", "perPeriod": 1, "periodSeconds": 1, "burst": 1},
                {"category": "SEARCH", "perPeriod": 2, "periodSeconds": 2, "burst": 2}
            ]),
            "limits[1].category",
        ),
    ] {
        let (code, body) = app
            .gql_err(&owner.token, SET, json!({"t": id, "l": limits}))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let (code, body) = app
        .gql_err(
            &owner.token,
            CREATE,
            json!({"input": {"name": "bad", "rateLimits": budget(5, 60, 0)}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "rateLimits[0].burst"
    );
    assert_eq!(app.count("api_tokens").await, tokens, "nothing was written");
    let data = app
        .gql_ok(
            &owner.token,
            "{ apiTokens { id rateLimits { burst } } }",
            json!({}),
        )
        .await;
    let listed = data["apiTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["rateLimits"][0]["burst"], 5, "unchanged");

    // Another workspace's token answers like a missing one.
    let intruder = app.workspace("other").await;
    let foreign = app
        .gql(&intruder.token, SET, json!({"t": id, "l": budget(1, 1, 1)}))
        .await;
    let missing = app
        .gql(
            &intruder.token,
            SET,
            json!({"t": gid(schema::ids::Kind::ApiToken, 999_999), "l": budget(1, 1, 1)}),
        )
        .await;
    assert_eq!(foreign, missing);
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
