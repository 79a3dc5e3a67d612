//! Interactive messages and signed file downloads: the shared pieces the work domains
//! and the façades build on.

use resolvers::files::FileStore;
use resolvers::people::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::util::{TestApp, rid};

const SEND: &str =
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id kind buttons } }";
const CLICK: &str = "mutation($m: ID!, $d: String!) { clickMessageButton(messageId: $m, data: $d) { data triggerId message { id } } }";

#[tokio::test]
async fn clicking_a_data_button_records_one_event_with_a_fresh_trigger_id() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let bob = app.user("acme", "bob@acme.test", Role::Member).await;
    let chat = app.create_chat(&owner, "deploys", false, &[&bob]).await;
    let buttons = json!([[{"text": "Approve", "data": "approve"}, {"text": "Docs", "url": "https://docs.test"}]]);
    let sent = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({"input": {"chatId": chat, "content": "Ship it?", "buttons": buttons}}),
        )
        .await;
    assert_eq!(sent["sendMessage"]["kind"], "INTERACTIVE");
    let message = sent["sendMessage"]["id"].as_str().unwrap().to_owned();

    let first = app
        .gql_ok(&bob.token, CLICK, json!({"m": message, "d": "approve"}))
        .await;
    let second = app
        .gql_ok(&bob.token, CLICK, json!({"m": message, "d": "approve"}))
        .await;
    let (t1, t2) = (
        first["clickMessageButton"]["triggerId"].as_str().unwrap(),
        second["clickMessageButton"]["triggerId"].as_str().unwrap(),
    );
    assert_eq!(t1.len(), 32);
    assert_ne!(t1, t2, "every click has its own trigger id");
    assert_eq!(
        first["clickMessageButton"]["message"]["id"],
        message.as_str()
    );

    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT actor_id, subject_id, payload FROM events WHERE kind = 'button_clicked' ORDER BY seq",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let actor: i64 = rows[0].try_get("", "actor_id").unwrap();
    let subject: i64 = rows[0].try_get("", "subject_id").unwrap();
    assert_eq!((actor, subject), (bob.id, rid(&message)));
}

#[tokio::test]
async fn a_click_must_name_a_data_button_of_a_message_the_caller_can_read() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let outsider = app.user("acme", "eve@acme.test", Role::Member).await;
    let foreign = app.workspace("other").await;
    let chat = app.create_chat(&owner, "private", false, &[]).await;
    let buttons = json!([[{"text": "Go", "data": "go"}, {"text": "Web", "url": "https://x.test"}], [{"text": "Magic", "data": "sb:nothing:do:1"}]]);
    let sent = app
        .gql_ok(
            &owner.token,
            SEND,
            json!({"input": {"chatId": chat, "content": "Pick", "buttons": buttons}}),
        )
        .await;
    let message = sent["sendMessage"]["id"].as_str().unwrap().to_owned();
    let plain = app.send(&owner, &chat, "no buttons").await;

    for (data, on) in [
        ("stop", &message),
        ("https://x.test", &message),
        ("go", &plain),
    ] {
        let (code, body) = app
            .gql_err(&owner.token, CLICK, json!({"m": on, "d": data}))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "data", "{body}");
    }
    let (code, body) = app
        .gql_err(
            &owner.token,
            CLICK,
            json!({"m": message, "d": "sb:nothing:do:1"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown built-in action `nothing`"),
        "{body}"
    );
    // Not a member of the private chat, or another workspace: like a missing message.
    for token in [&outsider.token, &foreign.token] {
        let (code, _) = app
            .gql_err(token, CLICK, json!({"m": message, "d": "go"}))
            .await;
        assert_eq!(code, "NOT_FOUND");
    }
    let (code, _) = app
        .gql_err(&owner.token, CLICK, json!({"m": "999999", "d": "go"}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(app.count("events WHERE kind = 'button_clicked'").await, 0);
}

#[tokio::test]
async fn signed_download_links_serve_the_file_until_they_expire() {
    let app = TestApp::spawn().await;
    let files = &app.state.env.files;
    let key = FileStore::key(1, "exports", "9/report.csv").unwrap();
    files
        .put(&key, bytes::Bytes::from_static(b"id,name\n1,Ada\n"))
        .await
        .unwrap();
    let grant = FileStore::grant(&key, "report \"Q3\".csv", switchboard::files::DOWNLOAD, 60);
    let url = switchboard::files::signed_url(&app.state, &grant);
    assert!(
        url.starts_with(&format!("{}/files/signed/", app.base)),
        "{url}"
    );
    let res = app.http().get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"report Q3.csv\""),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"id,name\n1,Ada\n");

    let token = url.rsplit('/').next().unwrap();
    let (body, tag) = token.split_once('.').unwrap();
    let expired = files.sign(&FileStore::grant(
        &key,
        "r.csv",
        switchboard::files::DOWNLOAD,
        -5,
    ));
    let other_purpose = files.sign(&FileStore::grant(&key, "r.csv", "vault", 60));
    let missing = files.sign(&FileStore::grant(
        "ws/1/exports/none",
        "r.csv",
        switchboard::files::DOWNLOAD,
        60,
    ));
    for bad in [
        format!("{body}.{}", tag.chars().rev().collect::<String>()),
        body.to_owned(),
        expired,
        other_purpose,
        missing,
        "nonsense".to_owned(),
    ] {
        let res = app
            .http()
            .get(format!("{}/files/signed/{bad}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{bad}");
    }
}
