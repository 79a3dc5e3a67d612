//! Request limits over real HTTP: depth, aliases, root fields, tokens, directives and
//! complexity. Every rejection carries an `extensions.code` and is decided before
//! execution: it costs no SQL statement beyond the credential check every request pays.
//! Introspection (and "did you mean" suggestions) are on in dev, off in production.

use reqwest::StatusCode;
use resolvers::people::Role;
use serde_json::{Value, json};

use crate::util::TestApp;

/// POST an operation, with or without a token; never a 5xx. Returns the body and the SQL
/// statements it cost.
async fn post_counted(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: &Value,
) -> (Value, u64) {
    let before = app.statement_count();
    let mut req = app
        .http()
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    let cost = app.statement_count() - before;
    assert_eq!(status, StatusCode::OK, "{text}");
    (
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
        cost,
    )
}

/// A caller with a warmed-up token, and the statements its credential check costs.
struct Caller {
    token: String,
    auth_cost: u64,
}

async fn caller(app: &TestApp) -> Caller {
    let owner = app.workspace("acme").await;
    // Warm-up: the first request of a token records token and user activity.
    app.gql_ok(&owner.token, "{ me { id } }", json!({})).await;
    let (body, auth_cost) =
        post_counted(app, Some(&owner.token), "{ __typename }", &json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query");
    assert!(
        auth_cost <= 2,
        "checking an API token took {auth_cost} statements"
    );
    // Stable: the same again.
    let (_, again) = post_counted(app, Some(&owner.token), "{ __typename }", &json!({})).await;
    assert_eq!(again, auth_cost);
    Caller {
        token: owner.token,
        auth_cost,
    }
}

/// The document is rejected with `code`, executing nothing: no SQL beyond the credential
/// check, none at all without a credential, and no data.
async fn assert_rejected(
    app: &TestApp,
    caller: &Caller,
    query: &str,
    variables: Value,
    code: &str,
) -> Value {
    assert_rejected_with(app, caller, query, variables, &[code]).await
}

/// Like [`assert_rejected`], with any of `codes`.
async fn assert_rejected_with(
    app: &TestApp,
    caller: &Caller,
    query: &str,
    variables: Value,
    codes: &[&str],
) -> Value {
    let (body, cost) = post_counted(app, Some(&caller.token), query, &variables).await;
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected a rejection, got {body:#}"));
    assert!(!errors.is_empty(), "{body:#}");
    for err in errors {
        let c = err["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error without a code: {body:#}"));
        assert!(!c.is_empty());
    }
    let code = errors[0]["extensions"]["code"].as_str().unwrap_or_default();
    assert!(codes.contains(&code), "expected one of {codes:?}: {body:#}");
    assert!(
        body["data"].is_null(),
        "a rejected document must not produce data: {body:#}"
    );
    assert_eq!(
        cost,
        caller.auth_cost,
        "a rejected document executed {} statements",
        cost - caller.auth_cost
    );

    let (anon, cost) = post_counted(app, None, query, &variables).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], code, "{anon:#}");
    assert_eq!(cost, 0, "an anonymous rejected document executed SQL");
    body
}

async fn assert_healthy(app: &TestApp) {
    let res = app
        .http()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ok" }));
}

/// `root` followed by `cycle` repeated, `depth` fields in all, the leaf included (a
/// scalar: `__typename` does not count towards depth).
fn nested(root: &str, cycle: &[&str], depth: usize) -> String {
    let mut fields = vec![root.to_owned()];
    let mut i = 0;
    while fields.len() < depth - 1 {
        fields.push(cycle[i % cycle.len()].to_owned());
        i += 1;
    }
    let leaf = match fields.last().map(String::as_str) {
        Some("edges") => "cursor",
        Some(f) if f.starts_with("messages") => panic!("no scalar leaf right under a connection"),
        _ => "id",
    };
    let mut doc = String::from("query($id: ID!) ");
    for f in &fields {
        doc.push_str("{ ");
        doc.push_str(f);
        doc.push(' ');
    }
    doc.push_str("{ ");
    doc.push_str(leaf);
    doc.push(' ');
    for _ in 0..=fields.len() {
        doc.push_str("} ");
    }
    doc
}

#[tokio::test]
async fn documents_deeper_than_12_are_rejected_before_execution() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "deep", false, &[]).await;
    let message = app.send(&owner, &chat, "root").await;
    app.gql_ok(
        &owner.token,
        "mutation($m: ID!) { createThread(messageId: $m) { id } }",
        json!({ "m": message }),
    )
    .await;

    // chat { messages { edges { node { chat { messages { … (first: 1 keeps complexity low)
    let connections = ["messages(first: 1)", "edges", "node", "chat"];
    let ok = nested("chat(id: $id)", &connections, 12);
    let data = app.gql_ok(&c.token, &ok, json!({ "id": chat })).await;
    assert!(!data["chat"].is_null());
    for depth in [13, 14, 30] {
        let body = assert_rejected(
            &app,
            &c,
            &nested("chat(id: $id)", &connections, depth),
            json!({ "id": chat }),
            "LIMIT_EXCEEDED",
        )
        .await;
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("deep"),
            "{body:#}"
        );
    }

    // message { thread { rootMessage { chat { … through object fields only.
    let objects = ["thread", "rootMessage", "chat", "rootMessage"];
    let ok = nested("message(id: $id)", &objects, 12);
    app.gql_ok(&c.token, &ok, json!({ "id": message })).await;
    assert_rejected(
        &app,
        &c,
        &nested("message(id: $id)", &objects, 13),
        json!({ "id": message }),
        "LIMIT_EXCEEDED",
    )
    .await;

    // The same depth hidden in fragments.
    let fragmented = "query($id: ID!) { chat(id: $id) { ...C } }
        fragment C on Chat { messages(first: 1) { edges { node { ...M } } } }
        fragment M on Message { chat { messages(first: 1) { edges { node { chat { messages(first: 1) { edges { node { chat { id } } } } } } } } } }";
    assert_rejected(
        &app,
        &c,
        fragmented,
        json!({ "id": chat }),
        "LIMIT_EXCEEDED",
    )
    .await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_deeply_nested_document_is_refused_without_harming_the_server() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    // Past the recursion limit (32).
    let doc = format!("{}{}", "{ me ".repeat(40), "} ".repeat(40));
    let body = assert_rejected(&app, &c, &doc, json!({}), "LIMIT_EXCEEDED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("recursion"),
        "{body:#}"
    );
    // ~4,900 levels stays under the token limit: the parser must not overflow its stack
    // (it gives up with a parse error, or the recursion limit answers).
    let doc = format!("{}{}", "{ me ".repeat(4_900), "} ".repeat(4_900));
    assert_rejected_with(
        &app,
        &c,
        &doc,
        json!({}),
        &["LIMIT_EXCEEDED", "GRAPHQL_PARSE_FAILED"],
    )
    .await;
    assert_healthy(&app).await;
    app.gql_ok(&c.token, "{ me { id } }", json!({})).await;
}

#[tokio::test]
async fn more_than_30_aliases_are_rejected() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let aliases = |n: usize| {
        (0..n)
            .map(|i| format!("a{i}: id"))
            .collect::<Vec<_>>()
            .join(" ")
    };

    let data = app
        .gql_ok(
            &c.token,
            &format!("{{ me {{ {} }} }}", aliases(30)),
            json!({}),
        )
        .await;
    assert_eq!(data["me"].as_object().unwrap().len(), 30);
    assert!(data["me"]["a29"].is_string());

    let body = assert_rejected(
        &app,
        &c,
        &format!("{{ me {{ {} }} }}", aliases(31)),
        json!({}),
        "LIMIT_EXCEEDED",
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("alias"),
        "{body:#}"
    );
    // Aliases in fragments count too.
    let split = format!(
        "{{ me {{ {} ...F }} }} fragment F on User {{ {} }}",
        aliases(16),
        (16..31)
            .map(|i| format!("b{i}: name"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert_rejected(&app, &c, &split, json!({}), "LIMIT_EXCEEDED").await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn more_than_20_root_fields_are_rejected() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let roots = |n: usize| {
        (0..n)
            .map(|i| format!("f{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    };

    let data = app
        .gql_ok(&c.token, &format!("{{ {} }}", roots(20)), json!({}))
        .await;
    assert_eq!(data.as_object().unwrap().len(), 20);

    assert_rejected(
        &app,
        &c,
        &format!("{{ {} }}", roots(21)),
        json!({}),
        "LIMIT_EXCEEDED",
    )
    .await;
    // Without aliases: 21 selections of root fields (each runs a resolver).
    let plain = (0..21).map(|_| "me { id }").collect::<Vec<_>>().join(" ");
    assert_rejected(
        &app,
        &c,
        &format!("{{ {plain} }}"),
        json!({}),
        "LIMIT_EXCEEDED",
    )
    .await;
    // Spread over fragments.
    let split = "{ ...A ...B }
        fragment A on Query { a0: me { id } a1: workspace { id } a2: departments { id } a3: groupTags { id } a4: apiTokens { name } a5: chats { edges { cursor } } a6: users { edges { cursor } } a7: __typename a8: __typename a9: __typename a10: __typename }
        fragment B on Query { b0: me { id } b1: workspace { id } b2: departments { id } b3: groupTags { id } b4: apiTokens { name } b5: chats { edges { cursor } } b6: users { edges { cursor } } b7: __typename b8: __typename b9: __typename }";
    assert_rejected(&app, &c, split, json!({}), "LIMIT_EXCEEDED").await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_document_of_more_than_15000_tokens_is_rejected() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    // `{ me {` … `} }` is 5 tokens; 14,996 more make 15,001.
    let doc = format!("{{ me {{ {}}} }}", "id ".repeat(14_996));
    let body = assert_rejected(&app, &c, &doc, json!({}), "LIMIT_EXCEEDED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("tokens"),
        "{body:#}"
    );
    // Commas are not tokens, but strings, punctuation and names are.
    let doc = format!(
        "{{ me {{ id }} {} }}",
        (0..5_000)
            .map(|i| format!("f{i}: __typename"))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_rejected(&app, &c, &doc, json!({}), "LIMIT_EXCEEDED").await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn more_than_5_directives_on_a_field_are_rejected() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let five = "@include(if: true) ".repeat(5);
    // Five is within the limit (the duplicate directive is then a validation error, still coded).
    let (body, _) = post_counted(
        &app,
        Some(&c.token),
        &format!("{{ me {five} {{ id }} }}"),
        &json!({}),
    )
    .await;
    assert!(
        body["errors"]
            .as_array()
            .is_none_or(|e| e.iter().all(|e| e["extensions"]["code"].is_string())),
        "{body:#}"
    );
    let six = "@include(if: true) ".repeat(6);
    assert_rejected(
        &app,
        &c,
        &format!("{{ me {six} {{ id }} }}"),
        json!({}),
        "LIMIT_EXCEEDED",
    )
    .await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn nested_connections_are_rejected_for_complexity() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let nested = "{ chats(first: 100) { edges { node { messages(first: 100) { edges { node { id content author { name } } } } } } } }";
    let body = assert_rejected(&app, &c, nested, json!({}), "LIMIT_EXCEEDED").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{body:#}"
    );
    // The default page size (20) is assumed when `first` is absent: 20 × 20 × … still too much.
    let defaults = "{ chats { edges { node { messages { edges { node { id content author { name } readBy { edges { node { name } } } } } } members { edges { node { user { name } } } } } } } }";
    assert_rejected(&app, &c, defaults, json!({}), "LIMIT_EXCEEDED").await;
    // Page sizes given as variables are counted with their values.
    let variables = "query($a: Int, $b: Int) { chats(first: $a) { edges { node { messages(first: $b) { edges { node { id content author { name } } } } } } } }";
    assert_rejected(
        &app,
        &c,
        variables,
        json!({ "a": 100, "b": 100 }),
        "LIMIT_EXCEEDED",
    )
    .await;
    app.gql_ok(&c.token, variables, json!({ "a": 5, "b": 5 }))
        .await;
    // Nested via search and read receipts.
    let search = "{ search(query: \"x\") { messages(first: 100) { edges { node { readBy(first: 100) { edges { node { id name email } } } } } } } }";
    assert_rejected(&app, &c, search, json!({}), "LIMIT_EXCEEDED").await;

    // An ordinary full page of messages is well within the limit.
    let owner = app.workspace("acme").await;
    let chat = app.create_chat(&owner, "page", false, &[]).await;
    let page = "query($c: ID!) { messages(chatId: $c, first: 100) { edges { cursor node {
        id content createdAt author { id name } reactions { emoji count viewerReacted }
        attachments { name size } threadReplyCount readCount } } pageInfo { hasNextPage endCursor } } }";
    app.gql_ok(&c.token, page, json!({ "c": chat })).await;
    let small = "{ chats(first: 10) { edges { node { name messages(first: 10) { edges { node { id content author { name } } } } } } } }";
    app.gql_ok(&c.token, small, json!({})).await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn the_graphql_response_media_type_turns_a_rejection_into_a_400() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let res = app
        .http()
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&c.token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": format!("{{ {} }}", (0..21).map(|i| format!("f{i}: __typename")).collect::<Vec<_>>().join(" ")) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
}

#[tokio::test]
async fn parse_and_validation_errors_carry_a_code_and_execute_nothing() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    assert_rejected(&app, &c, "{ me { id ", json!({}), "GRAPHQL_PARSE_FAILED").await;
    assert_rejected(
        &app,
        &c,
        "{ me { nosuchfield } }",
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    assert_rejected(
        &app,
        &c,
        "query($n: Int!) { chats(first: $n) { edges { cursor } } }",
        json!({ "n": "ten" }),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    assert_healthy(&app).await;
}

#[tokio::test]
async fn introspection_and_suggestions_are_on_in_dev() {
    let app = TestApp::spawn().await;
    let c = caller(&app).await;
    let data = app
        .gql_ok(
            &c.token,
            "{ __schema { queryType { name } types { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    assert!(
        data["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Message")
    );
    let data = app
        .gql_ok(
            &c.token,
            "{ __type(name: \"User\") { fields { name } } }",
            json!({}),
        )
        .await;
    assert!(
        data["__type"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "email")
    );
    // Anonymous introspection works too (GraphiQL loads the schema before signing in).
    let (body, _) = post_counted(
        &app,
        None,
        "{ __schema { queryType { name } } }",
        &json!({}),
    )
    .await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body:#}"
    );

    for typo in ["{ workspac { slug } }", "{ me { emaill } }"] {
        let (body, _) = post_counted(&app, Some(&c.token), typo, &json!({})).await;
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("Did you mean"),
            "dev suggests fields: {message}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
}

#[tokio::test]
async fn introspection_and_suggestions_are_off_in_production() {
    let app = TestApp::spawn_with(|c| c.profile = switchboard::Profile::Production).await;
    let c = caller(&app).await;
    // Introspection answers nothing (null), and reveals no type.
    for query in [
        "{ __schema { queryType { name } types { name } } }",
        "{ __type(name: \"User\") { name fields { name } } }",
    ] {
        let (body, _) = post_counted(&app, Some(&c.token), query, &json!({})).await;
        assert!(
            body["errors"]
                .as_array()
                .is_none_or(|e| e.iter().all(|e| e["extensions"]["code"].is_string())),
            "{body:#}"
        );
        let data = &body["data"];
        assert!(
            data.is_null() || data.as_object().unwrap().values().all(Value::is_null),
            "introspection answered: {body:#}"
        );
        let text = body.to_string();
        assert!(
            !text.contains("Message") && !text.contains("email"),
            "{text}"
        );
    }
    let (body, _) = post_counted(
        &app,
        Some(&c.token),
        "{ me { id } __schema { types { name } } }",
        &json!({}),
    )
    .await;
    assert!(body["data"]["__schema"].is_null(), "{body:#}");
    assert!(body["data"]["me"]["id"].is_string(), "{body:#}");
    // Typos are refused without suggestions.
    for query in [
        "{ workspac { slug } }",
        "{ me { emaill } }",
        "{ chats(firstt: 1) { edges { cursor } } }",
    ] {
        let body = assert_rejected(&app, &c, query, json!({}), "GRAPHQL_VALIDATION_FAILED").await;
        let text = body.to_string();
        assert!(
            !text.contains("Did you mean"),
            "production must not suggest names: {text}"
        );
    }
    // Ordinary queries, and `__typename`, still work.
    let data = app
        .gql_ok(&c.token, "{ __typename me { name } }", json!({}))
        .await;
    assert_eq!(data["__typename"], "Query");
    let member = app.user("acme", "bob@acme.test", Role::Member).await;
    app.gql_ok(&member.token, "{ me { name } }", json!({}))
        .await;
    assert_healthy(&app).await;
}

/// GraphiQL's introspection query nests `ofType` deeper than the depth limit; it must
/// still work in dev (introspection is off in production), while data stays limited.
#[tokio::test]
async fn graphiql_style_introspection_passes_the_depth_limit_in_dev() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let type_ref = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";
    let query = format!(
        "query IntrospectionQuery {{ __schema {{ queryType {{ name }} types {{ kind name fields(includeDeprecated: true) {{ name args {{ name type {{ {type_ref} }} }} type {{ {type_ref} }} }} }} }} }}"
    );
    let data = app.gql_ok(&owner.token, &query, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}
