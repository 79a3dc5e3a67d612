//! Apollo Federation v2 over real HTTP: the subgraph SDL (`_service`) keys `User`, `Chat`
//! and `Message` by `id` and includes subscriptions; `_entities` resolves references with
//! the caller's visibility (another workspace's object is null) and takes at most 1,000
//! representations. And the checked-in `schema/schema.graphql` must equal `schema::sdl()`.

use resolvers::people::Role;
use schema::ids::Kind;
use serde_json::{Value, json};

use crate::util::{TestApp, gid};

const ENTITIES: &str = r#"query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on User { id name email }
    ... on Chat { id name }
    ... on Message { id content author { name } }
  }
}"#;

fn representation(typename: &str, id: &str) -> Value {
    json!({ "__typename": typename, "id": id })
}

/// The line of the SDL that opens `type <name> …`.
fn type_line<'a>(sdl: &'a str, name: &str) -> &'a str {
    let open = format!("type {name} ");
    sdl.lines()
        .find(|l| l.starts_with(&open))
        .unwrap_or_else(|| panic!("no `type {name}` in the SDL:\n{sdl}"))
}

#[tokio::test]
async fn the_service_sdl_keys_entities_by_id_and_includes_subscriptions() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let data = app
        .gql_ok(&owner.token, "{ _service { sdl } }", json!({}))
        .await;
    let sdl = data["_service"]["sdl"].as_str().unwrap();
    for entity in ["User", "Chat", "Message"] {
        let line = type_line(sdl, entity);
        assert!(
            line.contains(r#"@key(fields: "id")"#),
            "{entity} must be keyed by id: {line}"
        );
    }
    for plain in ["Workspace", "Department", "ApiToken"] {
        assert!(
            !type_line(sdl, plain).contains("@key"),
            "{plain} is not an entity"
        );
    }
    assert!(
        sdl.contains("type Subscription"),
        "subscriptions belong to the subgraph SDL"
    );
    assert!(
        sdl.contains("messageAdded(")
            && sdl.contains("chatId: ID!,")
            && sdl.contains("): Message!")
    );
    assert!(
        sdl.contains("specs.apollo.dev/federation/v2"),
        "a Federation v2 subgraph"
    );
    // The federation plumbing itself is not part of the subgraph's own SDL.
    assert!(!sdl.contains("_entities("), "{sdl}");

    // A gateway asks without a user credential.
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ _service { sdl } }" }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["_service"]["sdl"].as_str(), Some(sdl));
}

#[tokio::test]
async fn entities_resolve_own_objects_and_null_for_other_workspaces() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "general", false, &[&bob]).await;
    let message = app.send(&bob, &chat, "hello federation").await;

    let stranger = app.workspace("globex").await;
    let their_chat = app.create_chat(&stranger, "secret", true, &[]).await;
    let their_message = app.send(&stranger, &their_chat, "not for acme").await;

    let reps = json!([
        representation("User", &bob.gid),
        representation("Chat", &chat),
        representation("Message", &message),
    ]);
    let data = app
        .gql_ok(&owner.token, ENTITIES, json!({ "r": reps }))
        .await;
    let entities = data["_entities"].as_array().unwrap();
    assert_eq!(entities.len(), 3);
    assert_eq!(entities[0]["__typename"], "User");
    assert_eq!(entities[0]["id"], bob.gid.as_str());
    assert_eq!(entities[0]["name"], "Bob Tester");
    assert_eq!(entities[0]["email"], "bob@acme.test");
    assert_eq!(entities[1]["__typename"], "Chat");
    assert_eq!(entities[1]["name"], "general");
    assert_eq!(entities[2]["__typename"], "Message");
    assert_eq!(entities[2]["content"], "hello federation");
    assert_eq!(entities[2]["author"]["name"], "Bob Tester");

    // Another workspace's objects, in the same request, in order: null each, no error,
    // and nothing of theirs leaks.
    let reps = json!([
        representation("User", &stranger.gid),
        representation("Chat", &their_chat),
        representation("Message", &their_message),
        representation("User", &owner.gid),
        representation("Chat", &gid(Kind::Chat, 999_999)),
    ]);
    let body = app.gql(&owner.token, ENTITIES, json!({ "r": reps })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let entities = body["data"]["_entities"].as_array().unwrap();
    assert_eq!(entities.len(), 5);
    assert!(entities[0].is_null(), "{body:#}");
    assert!(entities[1].is_null(), "{body:#}");
    assert!(entities[2].is_null(), "{body:#}");
    assert_eq!(entities[3]["name"], "Owner Tester");
    assert!(entities[4].is_null());
    assert!(!body.to_string().contains("not for acme"));

    // A private chat the caller is not a member of is invisible too.
    let carol = app.user("acme", "carol@acme.test", Role::Member).await;
    let data = app
        .gql_ok(
            &carol.token,
            ENTITIES,
            json!({ "r": [representation("Chat", &chat), representation("Message", &message)] }),
        )
        .await;
    assert_eq!(data["_entities"], json!([null, null]));

    // A malformed or mistyped id is bad input, not a panic or an internal error.
    let (code, body) = app
        .gql_err(
            &owner.token,
            ENTITIES,
            json!({ "r": [representation("Chat", &message)] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{body:#}");
    let (code, _) = app
        .gql_err(
            &owner.token,
            ENTITIES,
            json!({ "r": [representation("User", "not-an-id")] }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // Without a credential, entities need one.
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(
            &json!({ "query": ENTITIES, "variables": { "r": [representation("User", &bob.gid)] } }),
        )
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body:#}"
    );
    assert!(!body.to_string().contains("Bob"), "{body:#}");
}

#[tokio::test]
async fn more_than_1000_representations_are_rejected() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    app.gql_ok(&owner.token, "{ me { id } }", json!({})).await; // warm-up
    let many: Vec<Value> = (0..1001)
        .map(|_| representation("User", &owner.gid))
        .collect();

    let before = app.statement_count();
    let (code, body) = app
        .gql_err(&owner.token, ENTITIES, json!({ "r": many }))
        .await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body:#}");
    assert!(body["data"].is_null(), "{body:#}");
    assert!(
        app.statement_count() - before <= 2,
        "only the credential check may run"
    );

    // Written inline rather than as a variable, the same limit holds.
    let inline = (0..1001)
        .map(|_| format!("{{__typename: \"User\", id: \"{}\"}}", owner.gid))
        .collect::<Vec<_>>()
        .join(",");
    let query = format!("{{ _entities(representations: [{inline}]) {{ __typename }} }}");
    let before = app.statement_count();
    let (code, body) = app.gql_err(&owner.token, &query, json!({})).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body:#}");
    assert!(
        app.statement_count() - before <= 2,
        "only the credential check may run"
    );

    // As a variable's default value.
    let query = format!(
        "query($r: [_Any!]! = [{inline}]) {{ _entities(representations: $r) {{ __typename }} }}"
    );
    let (code, body) = app.gql_err(&owner.token, &query, json!({})).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body:#}");
    // Split over two `_entities` fields of one operation (600 + 401), or over a fragment.
    let (six, four) = (
        (0..600)
            .map(|_| format!("{{__typename: \"User\", id: \"{}\"}}", owner.gid))
            .collect::<Vec<_>>()
            .join(","),
        (0..401)
            .map(|_| format!("{{__typename: \"User\", id: \"{}\"}}", owner.gid))
            .collect::<Vec<_>>()
            .join(","),
    );
    let query = format!(
        "{{ a: _entities(representations: [{six}]) {{ __typename }} b: _entities(representations: [{four}]) {{ __typename }} }}"
    );
    let (code, body) = app.gql_err(&owner.token, &query, json!({})).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body:#}");
    let query = format!(
        "query($r: [_Any!]!) {{ a: _entities(representations: $r) {{ __typename }} ...F }} fragment F on Query {{ b: _entities(representations: [{four}]) {{ __typename }} }}"
    );
    let six: Vec<Value> = (0..600)
        .map(|_| representation("User", &owner.gid))
        .collect();
    let (code, body) = app.gql_err(&owner.token, &query, json!({ "r": six })).await;
    assert_eq!(code, "LIMIT_EXCEEDED", "{body:#}");

    // A modest batch works and resolves each.
    let few: Vec<Value> = (0..50)
        .map(|_| representation("User", &owner.gid))
        .collect();
    let data = app
        .gql_ok(&owner.token, ENTITIES, json!({ "r": few }))
        .await;
    assert_eq!(data["_entities"].as_array().unwrap().len(), 50);
    assert!(
        data["_entities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] == "Owner Tester")
    );
}

#[test]
fn the_checked_in_sdl_matches_the_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/schema.graphql");
    let checked_in =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let generated = schema::sdl();
    if checked_in != generated {
        let first_difference = checked_in
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  checked in: {a}\n  generated:  {b}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "one is a prefix of the other ({} vs {} lines)",
                    checked_in.lines().count(),
                    generated.lines().count()
                )
            });
        panic!(
            "schema/schema.graphql is out of date with the schema; regenerate it with \
             `cargo run -- schema > schema/schema.graphql` and commit the result.\nFirst difference at {first_difference}"
        );
    }
}
