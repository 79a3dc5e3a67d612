//! Authentication over real HTTP: no credential is an anonymous caller (GraphQL
//! `UNAUTHENTICATED` on fields that need one); a credential that fails — wrong, expired,
//! revoked, forged, of a suspended user, or of another scheme — is an HTTP 401 with
//! `WWW-Authenticate: Bearer`. API tokens are stored hashed. Also: the health check and
//! the embedded GraphiQL (dev only).

use chrono::{Duration, Utc};
use entities::{api_tokens, users};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, WWW_AUTHENTICATE};
use resolvers::auth::{CreateApiTokenInput, JwtConfig, issue_api_token};
use resolvers::people::Role;
use schema::ids::Kind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, Statement};
use serde_json::{Value, json};

use crate::util::{Actor, TestApp, gid};

const ME: &str = "{ me { id name email } }";

/// POST `{ me … }` with a raw `Authorization` value (or none); never a 5xx.
async fn me_with(
    app: &TestApp,
    authorization: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": ME }));
    if let Some(value) = authorization {
        req = req.header(AUTHORIZATION, value);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    assert!(!status.is_server_error(), "{status}");
    let challenge = res
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.json().await.expect("a JSON body");
    (status, challenge, body)
}

/// The credential is refused with a 401, a Bearer challenge and `UNAUTHENTICATED`.
#[track_caller]
fn assert_refused((status, challenge, body): &(StatusCode, Option<String>, Value), what: &str) {
    assert_eq!(*status, StatusCode::UNAUTHORIZED, "{what}: {body:#}");
    assert_eq!(challenge.as_deref(), Some("Bearer"), "{what}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{what}: {body:#}"
    );
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{what}: {body:#}"
    );
}

async fn refused_bearer(app: &TestApp, token: &str, what: &str) {
    let res = me_with(app, Some(&format!("Bearer {token}"))).await;
    assert_refused(&res, what);
}

/// The bearer authenticates as `actor`.
async fn accepted_bearer(app: &TestApp, token: &str, actor: &Actor) {
    let (status, _, body) = me_with(app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["me"]["id"], actor.gid.as_str(), "{body:#}");
}

async fn user_row(app: &TestApp, id: i64) -> users::Model {
    users::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the user")
}

#[tokio::test]
async fn no_credential_is_anonymous_and_me_is_unauthenticated() {
    let app = TestApp::spawn().await;
    app.workspace("acme").await;
    let (status, challenge, body) = me_with(&app, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "no credential is not an HTTP error: {body:#}"
    );
    assert_eq!(challenge, None);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body:#}"
    );
    assert!(body["data"].is_null(), "{body:#}");

    // Every domain field needs a principal; `__typename` does not.
    for query in [
        "{ workspace { slug } }",
        "{ chats { edges { cursor } } }",
        "mutation { clearStatus { id } }",
    ] {
        let body = app.gql("", query, json!({})).await;
        // `app.gql` sends `Bearer ` with an empty token: that is a credential that fails.
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body:#}"
        );
        let res = app
            .http()
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body:#}"
        );
    }
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "data": { "__typename": "Query" } })
    );
}

#[tokio::test]
async fn a_wrong_token_is_a_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    accepted_bearer(&app, &owner.token, &owner).await;

    // Same shape, one character changed; a made-up token; rubbish.
    let mut wrong = owner.token.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    refused_bearer(&app, &wrong, "a token with one character changed").await;
    refused_bearer(&app, &format!("sbt_{}", "0".repeat(64)), "a made-up token").await;
    refused_bearer(&app, "not-a-token", "rubbish").await;
    refused_bearer(&app, &owner.token[..12], "the visible prefix alone").await;

    // An empty bearer, and no token after the scheme.
    assert_refused(&me_with(&app, Some("Bearer ")).await, "an empty bearer");
    assert_refused(&me_with(&app, Some("Bearer")).await, "no token");

    // The 401 also guards GET.
    let url = reqwest::Url::parse_with_params(
        &format!("{}/graphql", app.base),
        &[("query", "{ me { id } }")],
    )
    .unwrap();
    let res = app
        .http()
        .get(url)
        .bearer_auth(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers().get(WWW_AUTHENTICATE).unwrap(), "Bearer");
}

#[tokio::test]
async fn other_authorization_schemes_are_a_401() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    for value in [
        "Basic b3duZXJAYWNtZS50ZXN0OnBhc3N3b3Jk".to_owned(),
        format!("Basic {}", owner.token),
        format!("Token {}", owner.token),
        owner.token.clone(),
        format!("Digest username=\"owner\", response=\"{}\"", owner.token),
    ] {
        assert_refused(&me_with(&app, Some(&value)).await, &value);
    }
    // The scheme is case-insensitive.
    let (status, _, body) = me_with(&app, Some(&format!("bearer {}", owner.token))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["me"]["id"], owner.gid.as_str());
}

#[tokio::test]
async fn a_jwt_session_authenticates_as_its_user() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let session = app
        .state
        .jwt
        .issue(owner.workspace_id, owner.id, 300)
        .unwrap();
    accepted_bearer(&app, &session, &owner).await;
    let session = app.state.jwt.issue(bob.workspace_id, bob.id, 300).unwrap();
    accepted_bearer(&app, &session, &bob).await;
    let data = app
        .gql_ok(
            &session,
            "{ me { email role } workspace { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(data["me"]["email"], "bob@acme.test");
    assert_eq!(data["me"]["role"], "MEMBER");
    assert_eq!(data["workspace"]["slug"], "acme");
    // Within the 30 s leeway an only just expired session still works.
    let session = app
        .state
        .jwt
        .issue(owner.workspace_id, owner.id, -5)
        .unwrap();
    accepted_bearer(&app, &session, &owner).await;
}

#[tokio::test]
async fn expired_forged_tampered_and_unsigned_jwts_are_a_401() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let other = app.workspace("other").await;
    let jwt = &app.state.jwt;

    let expired = jwt.issue(owner.workspace_id, owner.id, -120).unwrap();
    refused_bearer(&app, &expired, "expired beyond the leeway").await;

    let foreign_key = JwtConfig::from_secret(&[9u8; 32]).unwrap();
    let forged = foreign_key
        .issue(owner.workspace_id, owner.id, 300)
        .unwrap();
    refused_bearer(&app, &forged, "signed with another key").await;

    // Tampered: bob's claims under the owner's signature, and the other way round.
    let owner_session = jwt.issue(owner.workspace_id, owner.id, 300).unwrap();
    let bob_session = jwt.issue(bob.workspace_id, bob.id, 300).unwrap();
    let o: Vec<&str> = owner_session.split('.').collect();
    let b: Vec<&str> = bob_session.split('.').collect();
    assert_ne!(o[1], b[1]);
    refused_bearer(
        &app,
        &format!("{}.{}.{}", o[0], b[1], o[2]),
        "bob's payload, owner's signature",
    )
    .await;
    refused_bearer(
        &app,
        &format!("{}.{}.{}", b[0], o[1], b[2]),
        "owner's payload, bob's signature",
    )
    .await;
    // A signature with one character changed.
    let mut sig = o[2].to_owned();
    let first = sig.remove(0);
    sig.insert(0, if first == 'A' { 'B' } else { 'A' });
    refused_bearer(
        &app,
        &format!("{}.{}.{}", o[0], o[1], sig),
        "a changed signature",
    )
    .await;

    // alg: none — {"alg":"none","typ":"JWT"} — without a signature, and with the old one.
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    refused_bearer(&app, &format!("{none}.{}.", o[1]), "alg none, no signature").await;
    refused_bearer(
        &app,
        &format!("{none}.{}.{}", o[1], o[2]),
        "alg none, a signature",
    )
    .await;
    // alg: HS512 header over the same payload and signature.
    let hs512 = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9";
    refused_bearer(&app, &format!("{hs512}.{}.{}", o[1], o[2]), "alg switched").await;

    // Well signed, but for a user of another workspace, or a user that does not exist.
    let cross = jwt.issue(other.workspace_id, owner.id, 300).unwrap();
    refused_bearer(&app, &cross, "a workspace the user is not in").await;
    let ghost = jwt.issue(owner.workspace_id, 999_999, 300).unwrap();
    refused_bearer(&app, &ghost, "no such user").await;
    // Malformed three-part tokens.
    refused_bearer(&app, "a.b.c", "three parts of rubbish").await;
    refused_bearer(&app, "..", "three empty parts").await;

    // The genuine sessions still work.
    accepted_bearer(&app, &owner_session, &owner).await;
    accepted_bearer(&app, &bob_session, &bob).await;
}

#[tokio::test]
async fn credentials_of_a_suspended_user_are_a_401() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let session = app.state.jwt.issue(bob.workspace_id, bob.id, 300).unwrap();
    accepted_bearer(&app, &bob.token, &bob).await;
    accepted_bearer(&app, &session, &bob).await;

    let mut row: users::ActiveModel = user_row(&app, bob.id).await.into();
    row.suspended = Set(true);
    row.update(&app.db).await.unwrap();

    refused_bearer(&app, &bob.token, "the API token of a suspended user").await;
    refused_bearer(&app, &session, "the session of a suspended user").await;
    // Others are unaffected, and see bob as suspended.
    accepted_bearer(&app, &owner.token, &owner).await;
    let data = app
        .gql_ok(
            &owner.token,
            "query($id: ID!) { user(id: $id) { suspended } }",
            json!({ "id": bob.gid }),
        )
        .await;
    assert_eq!(data["user"]["suspended"], true);

    // Reinstated, the same token works again.
    let mut row: users::ActiveModel = user_row(&app, bob.id).await.into();
    row.suspended = Set(false);
    row.update(&app.db).await.unwrap();
    accepted_bearer(&app, &bob.token, &bob).await;
}

#[tokio::test]
async fn expired_and_revoked_api_tokens_are_a_401() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let user = user_row(&app, owner.id).await;

    let expired = issue_api_token(
        &app.db,
        &user,
        CreateApiTokenInput {
            name: "old".into(),
            scopes: None,
            expires_at: Some(Utc::now() - Duration::minutes(5)),
            rate_limits: Vec::new(),
        },
    )
    .await
    .unwrap();
    refused_bearer(&app, &expired.token, "an expired API token").await;

    let later = issue_api_token(
        &app.db,
        &user,
        CreateApiTokenInput {
            name: "later".into(),
            scopes: None,
            expires_at: Some(Utc::now() + Duration::hours(1)),
            rate_limits: Vec::new(),
        },
    )
    .await
    .unwrap();
    accepted_bearer(&app, &later.token, &owner).await;
    // Once its expiry passes, it stops working.
    let mut row: api_tokens::ActiveModel = later.row.clone().into();
    row.expires_at = Set(Some(Utc::now() - Duration::seconds(1)));
    row.update(&app.db).await.unwrap();
    refused_bearer(&app, &later.token, "a token whose expiry passed").await;

    // createApiToken refuses a past expiry.
    let (code, body) = app
        .gql_err(
            &owner.token,
            "mutation($at: DateTime) { createApiToken(input: {name: \"x\", expiresAt: $at}) { token } }",
            json!({ "at": (Utc::now() - Duration::hours(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "expiresAt");

    // A revoked token stops working on the next request.
    let created = app
        .gql_ok(
            &owner.token,
            "mutation { createApiToken(input: {name: \"ci\"}) { token apiToken { id } } }",
            json!({}),
        )
        .await;
    let token = created["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    accepted_bearer(&app, &token, &owner).await;
    let id = created["createApiToken"]["apiToken"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id, gid(Kind::ApiToken, crate::util::rid(&id)));
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({ "id": id }),
    )
    .await;
    refused_bearer(&app, &token, "a revoked token").await;
    accepted_bearer(&app, &owner.token, &owner).await;
}

#[tokio::test]
async fn api_tokens_are_stored_hashed() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let created = app
        .gql_ok(&owner.token, "mutation { createApiToken(input: {name: \"ci\"}) { token apiToken { prefix masked } } }", json!({}))
        .await;
    let minted = created["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens = [owner.token.clone(), bob.token.clone(), minted.clone()];
    for t in &tokens {
        assert!(t.starts_with("sbt_") && t.len() == 68, "{t}");
    }
    assert_eq!(
        created["createApiToken"]["apiToken"]["prefix"],
        &minted[..12]
    );
    let masked = created["createApiToken"]["apiToken"]["masked"]
        .as_str()
        .unwrap();
    assert!(!masked.contains(&minted[12..minted.len() - 4]), "{masked}");

    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT token_hash, prefix, last_four, name, scopes FROM api_tokens".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let mut hashes = Vec::new();
    for row in &rows {
        let hash: String = row.try_get("", "token_hash").unwrap();
        let prefix: String = row.try_get("", "prefix").unwrap();
        assert_eq!(hash.len(), 64, "a SHA-256 in hex: {hash}");
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{hash}"
        );
        assert_eq!(prefix.len(), 12);
        assert!(
            tokens.iter().any(|t| t.starts_with(&prefix)),
            "the prefix is the visible start of a token"
        );
        for column in ["token_hash", "prefix", "last_four", "name", "scopes"] {
            let value: String = row.try_get("", column).unwrap();
            for t in &tokens {
                assert!(
                    !value.contains(t.as_str()),
                    "`{column}` holds a whole token"
                );
                assert!(
                    !value.contains(&t[4..]),
                    "`{column}` holds a token's secret part"
                );
            }
        }
        hashes.push(hash);
    }
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 3);
    // Nothing in any column of any row of the table either.
    let all = api_tokens::Entity::find().all(&app.db).await.unwrap();
    let dump = serde_json::to_string(&all).unwrap();
    for t in &tokens {
        assert!(
            !dump.contains(&t[4..]),
            "the api_tokens table holds a token"
        );
    }
    // The listing never shows a secret.
    let listed = app
        .gql_ok(
            &owner.token,
            "{ apiTokens { name prefix masked scopes } }",
            json!({}),
        )
        .await;
    let listed = listed.to_string();
    for t in &tokens {
        assert!(
            !listed.contains(&t[4..]),
            "apiTokens shows a secret: {listed}"
        );
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let res = app
        .http()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get(CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
    // No credential needed, and a bad one does not matter here.
    let res = app
        .http()
        .get(format!("{}/healthz", app.base))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_in_dev() {
    let app = TestApp::spawn().await;
    let res = app
        .http()
        .get(format!("{}/graphql", app.base))
        .header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get(CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("GraphiQL"), "{page}");
    assert!(page.contains("/graphiql/assets/graphiql.min.js"), "{page}");
    assert!(
        !page.contains("cdn") && !page.contains("unpkg"),
        "assets come from the binary, not a CDN"
    );

    // Every asset the page references is served.
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphql-ws.min.js",
    ] {
        let res = app
            .http()
            .get(format!("{}/graphiql/assets/{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
        assert_eq!(
            res.headers().get(CONTENT_ENCODING).unwrap(),
            "gzip",
            "{asset}"
        );
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.len() > 1000, "{asset}");
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{asset} is gzip data");
    }
    let res = app
        .http()
        .get(format!("{}/graphiql/assets/graphiql.min.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get(CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let res = app
        .http()
        .get(format!("{}/graphiql/assets/switchboard.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .http()
        .get(format!("{}/graphiql/assets/..%2Fsecret", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .http()
        .get(format!("{}/graphiql/assets/nope.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A non-browser GET without a query is not served the page.
    let res = app
        .http()
        .get(format!("{}/graphql", app.base))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn graphiql_is_not_served_in_production() {
    let app = TestApp::spawn_with(|c| c.profile = switchboard::Profile::Production).await;
    let res = app
        .http()
        .get(format!("{}/graphql", app.base))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::OK);
    assert!(res.status().is_client_error(), "{}", res.status());
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(!content_type.starts_with("text/html"), "{content_type}");
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("GraphiQL") && !body.contains("<html"),
        "{body}"
    );
    // The API itself works.
    let owner = app.workspace("acme").await;
    let data = app.gql_ok(&owner.token, "{ me { name } }", json!({})).await;
    assert_eq!(data["me"]["name"], "Owner Tester");
}
