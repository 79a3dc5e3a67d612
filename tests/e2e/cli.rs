//! The `switchboard` binary: `token create` prints a working token and nothing else,
//! `schema` prints the SDL.

use std::process::Command;

use serde_json::json;

use crate::util::TestApp;

fn switchboard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
}

#[tokio::test]
async fn token_create_prints_only_a_token_that_authenticates_as_the_owner() {
    let app = TestApp::spawn().await;
    let out = switchboard()
        .args([
            "token",
            "create",
            "--workspace",
            "cli-corp",
            "--user",
            "boss@cli.test",
            "--name",
            "ci",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stdout must hold only the token: {stdout:?}"
    );
    let token = lines[0];
    assert!(token.starts_with("sbt_"));

    let data = app
        .gql_ok(
            token,
            "{ me { name role email } workspace { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["me"]["role"], "OWNER",
        "the first user of a workspace is its owner"
    );
    assert_eq!(data["me"]["email"], "boss@cli.test");
    assert_eq!(data["workspace"]["slug"], "cli-corp");

    // A second user of the same workspace is a member, and a scoped token is limited.
    let out = switchboard()
        .args([
            "token",
            "create",
            "--workspace",
            "cli-corp",
            "--user",
            "dev@cli.test",
            "--scopes",
            "users:read",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scoped = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let data = app.gql_ok(&scoped, "{ me { role } }", json!({})).await;
    assert_eq!(data["me"]["role"], "MEMBER");
    let (code, _) = app
        .gql_err(&scoped, "{ chats { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(code, "INSUFFICIENT_SCOPE");
}

#[tokio::test]
async fn token_create_rejects_a_bad_scope_and_a_bad_slug() {
    let app = TestApp::spawn().await;
    let out = switchboard()
        .args([
            "token",
            "create",
            "--workspace",
            "ok",
            "--scopes",
            "no:such",
        ])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope"));
    assert!(out.stdout.is_empty());
    let out = switchboard()
        .args(["token", "create", "--workspace", "Not A Slug"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn schema_prints_the_federation_sdl() {
    let out = switchboard().arg("schema").output().unwrap();
    assert!(out.status.success());
    let sdl = String::from_utf8(out.stdout).unwrap();
    assert!(sdl.contains("type Message implements Node @key(fields: \"id\")"));
    assert!(sdl.contains("type Subscription"));
}
