//! Bots' OAuth clients: a person authorizes an app (GraphQL, in an app session), the app
//! exchanges the code at `POST /oauth/token` (form, no bearer), refreshes and revokes.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use resolvers::people::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Pachca;
use crate::util::TestApp;

const REDIRECT: &str = "https://app.example.com/callback";

const AUTHORIZE: &str = "mutation($client: String!, $redirect: String!, $scopes: [String!], $challenge: String, $state: String) {
  authorizeOauthClient(input: {clientId: $client, redirectUri: $redirect, scopes: $scopes, codeChallenge: $challenge, state: $state}) {
    code redirectTo scopes expiresAt
  }
}";

/// `application/x-www-form-urlencoded` of `fields`.
fn encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// POST a form to the token endpoints; status and JSON body.
async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let res = app
        .http()
        .post(format!("{}/api/shared/v1{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(fields))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A bot with an OAuth client; returns (bot id, client id, client secret).
async fn client(p: &Pachca<'_>, confidential: bool) -> (i64, String, String) {
    let body = p
        .post(
            "/bots",
            json!({"webhook": {"name": "Planner"},
                   "oauth_client": {"confidential": confidential, "redirect_uris": [REDIRECT, "http://127.0.0.1:8765/cb"],
                                    "scopes": ["messages:read", "chats:read", "profile:read"]}}),
        )
        .await
        .expect(201)
        .clone();
    let bot = body["data"]["id"].as_i64().unwrap();
    assert_eq!(body["data"]["oauth_client"]["confidential"], confidential);
    let rotated = p
        .post_empty(&format!("/bots/{bot}/rotate_client_secret"))
        .await
        .expect(200)
        .clone();
    (
        bot,
        rotated["data"]["oauth_client"]["client_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        rotated["data"]["client_secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[tokio::test]
async fn a_confidential_client_gets_refreshes_and_revokes_a_persons_token() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let p = Pachca::new(&app, &owner.token);
    let (bot, client_id, secret) = client(&p, true).await;
    let session = app
        .state
        .jwt
        .issue(member.workspace_id, member.id, 300)
        .unwrap();

    // The person consents in an app session; the redirect carries the code and state.
    let data = app
        .gql_ok(
            &session,
            AUTHORIZE,
            json!({"client": client_id, "redirect": REDIRECT, "scopes": ["messages:read", "chats:read"], "state": "xyz"}),
        )
        .await;
    let grant = &data["authorizeOauthClient"];
    let code = grant["code"].as_str().unwrap().to_owned();
    let to = grant["redirectTo"].as_str().unwrap();
    assert!(to.starts_with(&format!("{REDIRECT}?code={code}")), "{to}");
    assert!(to.ends_with("&state=xyz"), "{to}");

    // A wrong secret, a wrong redirect, a missing client: refused, the code survives.
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body:#}"
    );
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8765/cb"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body:#}"
    );
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body:#}"
    );
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type")),
        "{body:#}"
    );
    let res = app
        .http()
        .post(format!("{}/api/shared/v1/oauth/token", app.base))
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a JSON body is not a form");

    // The exchange: a bare OAuthToken for the person, with the granted scopes only.
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    for key in ["access_token", "token_type", "refresh_token", "scope"] {
        assert!(body[key].is_string(), "{key}: {body:#}");
    }
    assert!(body["created_at"].is_i64(), "{body:#}");
    assert_eq!(body["token_type"], "Bearer");
    let mut scope: Vec<&str> = body["scope"].as_str().unwrap().split(' ').collect();
    scope.sort_unstable();
    assert_eq!(scope, ["chats:read", "messages:read"]);
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let app_client = Pachca::new(&app, &access);
    let info = app_client.get("/oauth/token/info").await;
    assert_eq!(info.expect(200)["data"]["user_id"], member.id);
    assert_eq!(app_client.get("/chats").await.status, 200);
    let res = app_client
        .post("/chats", json!({"chat": {"name": "x"}}))
        .await;
    assert_eq!(
        (res.status, res.body["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
    let res = p.get(&format!("/bots/{bot}")).await;
    assert_eq!(res.expect(200)["data"]["authorized_users_count"], 1);

    // A code is spent once.
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body:#}"
    );

    // Refresh (client credentials by HTTP Basic): a new pair; the old access token stops.
    let basic = STANDARD.encode(format!("{client_id}:{secret}"));
    let res = app
        .http()
        .post(format!("{}/api/shared/v1/oauth/token", app.base))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    let access2 = body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    assert_eq!(app_client.get("/chats").await.status, 401);
    assert_eq!(Pachca::new(&app, &access2).get("/chats").await.status, 200);
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "a refresh token is spent once"
    );

    // Another client cannot revoke it; the owning client can (RFC 7009: 200, and 200
    // again for a token that is no longer alive).
    let (_, other_id, other_secret) = client(&p, true).await;
    let (status, body) = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", &access2),
            ("client_id", &other_id),
            ("client_secret", &other_secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{body:#}"
    );
    assert_eq!(Pachca::new(&app, &access2).get("/chats").await.status, 200);
    let (status, _) = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", &refresh2),
            ("token_type_hint", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(Pachca::new(&app, &access2).get("/chats").await.status, 401);
    let (status, _) = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", &access2),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = form(
        &app,
        "/oauth/revoke",
        &[
            ("token", "sbt_unknown"),
            ("client_id", &client_id),
            ("client_secret", "bad"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let res = p.get(&format!("/bots/{bot}")).await;
    assert_eq!(res.expect(200)["data"]["authorized_users_count"], 0);
}

#[tokio::test]
async fn a_public_client_proves_pkce_and_consent_is_checked() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let (_, client_id, _) = client(&p, false).await;
    let session = app
        .state
        .jwt
        .issue(member.workspace_id, member.id, 300)
        .unwrap();
    let verifier = "a-long-and-random-pkce-verifier-0123456789-abcdefghijkl";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));

    // Consent is checked: PKCE for a public client, a registered redirect, the client's
    // scopes, an app session (not an API token), the person's own workspace.
    for (token, vars, code) in [
        (
            &session,
            json!({"client": client_id, "redirect": REDIRECT}),
            "BAD_USER_INPUT",
        ),
        (
            &session,
            json!({"client": client_id, "redirect": "https://evil.example/cb", "challenge": challenge}),
            "BAD_USER_INPUT",
        ),
        (
            &session,
            json!({"client": client_id, "redirect": REDIRECT, "challenge": challenge, "scopes": ["messages:create"]}),
            "BAD_USER_INPUT",
        ),
        (
            &member.token,
            json!({"client": client_id, "redirect": REDIRECT, "challenge": challenge}),
            "FORBIDDEN",
        ),
        (
            &other.token,
            json!({"client": client_id, "redirect": REDIRECT, "challenge": challenge}),
            "FORBIDDEN",
        ),
    ] {
        let (got, body) = app.gql_err(token, AUTHORIZE, vars).await;
        assert_eq!(got, code, "{body:#}");
    }
    let foreign_session = app
        .state
        .jwt
        .issue(other.workspace_id, other.id, 300)
        .unwrap();
    let (got, _) = app
        .gql_err(
            &foreign_session,
            AUTHORIZE,
            json!({"client": client_id, "redirect": REDIRECT, "challenge": challenge}),
        )
        .await;
    assert_eq!(
        got, "BAD_USER_INPUT",
        "another workspace's client is unknown"
    );

    let data = app
        .gql_ok(
            &session,
            AUTHORIZE,
            json!({"client": client_id, "redirect": REDIRECT, "challenge": challenge}),
        )
        .await;
    let code = data["authorizeOauthClient"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut scopes: Vec<String> =
        serde_json::from_value(data["authorizeOauthClient"]["scopes"].clone()).unwrap();
    scopes.sort();
    assert_eq!(scopes, ["chats:read", "messages:read", "profile:read"]);
    // A wrong verifier spends nothing; the right one, without a secret, gets the token.
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            (
                "code_verifier",
                "not-the-verifier-not-the-verifier-not-the-verifier",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body:#}"
    );
    let (status, body) = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    let access = body["access_token"].as_str().unwrap();
    let res = Pachca::new(&app, access).get("/profile").await;
    assert_eq!(res.expect(200)["data"]["id"], member.id);
}
