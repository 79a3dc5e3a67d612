//! Incoming webhooks (§6.3): HMAC over the raw body, the four actions, allowed actions,
//! rotation, deactivation, idempotency, rate headers.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{Res, V1, into_res, setup};
use crate::util::{TestApp, rid};

const CREATE: &str = "mutation($input: CreateIncomingWebhookInput!) { createIncomingWebhook(input: $input) { secret webhook { id webhookId actions active } } }";

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post(
    app: &TestApp,
    id: &str,
    signature: Option<&str>,
    body: &[u8],
    key: Option<&str>,
) -> Res {
    let mut req = app
        .http()
        .post(format!("{}/api/v1/webhooks/incoming", app.base))
        .header("x-webhook-id", id)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("x-webhook-signature", s);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    into_res(req.send().await.unwrap()).await
}

#[tokio::test]
async fn v1_incoming_webhooks_verify_the_raw_body_and_run_allowed_actions() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let chat = app.create_chat(&owner, "deploys", true, &[]).await;
    let created = app
        .gql_ok(
            &owner.token,
            CREATE,
            json!({"input": {"name": "GitHub Deployments", "channelId": chat, "actions": ["send_message", "create_channel"]}}),
        )
        .await;
    let secret = created["createIncomingWebhook"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let hook = created["createIncomingWebhook"]["webhook"].clone();
    let id = hook["webhookId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("webhook_"));
    assert_eq!(hook["actions"], json!(["send_message", "create_channel"]));
    // The document's sample, emoji and all, to the webhook's target channel.
    let body = "{\"action\": \"send_message\", \"data\": {\"content\": \"Deployment to production completed successfully! 🚀\"}}".as_bytes();
    let res = post(&app, &id, Some(&sign(&secret, body)), body, None).await;
    let ok = res.expect(200);
    assert_eq!(ok["success"], true);
    assert_eq!(ok["action"], "send_message");
    assert!(
        ok["result"]["messageId"]
            .as_str()
            .unwrap()
            .starts_with("msg_")
    );
    res.expect_rate_headers();
    let list = V1::new(&app, &token).get("/channels").await;
    let deploys = list.body["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == format!("channel_{}", rid(&chat)))
        .cloned()
        .unwrap();
    assert_eq!(deploys["_count"]["messages"], 1);
    // Bad signatures: missing, empty, wrong secret, another body, re-serialised JSON.
    let reformatted = serde_json::to_vec(&serde_json::from_slice::<Value>(body).unwrap()).unwrap();
    for sig in [
        None,
        Some("sha256=".to_owned()),
        Some("zz".to_owned()),
        Some(sign("not-the-secret", body)),
        Some(sign(&secret, &reformatted)),
        Some(sign(&secret, body).replace("sha256=", "")),
    ] {
        let res = post(&app, &id, sig.as_deref(), body, None).await;
        res.expect_error(401, "INVALID_SIGNATURE");
        assert!(res.body.get("message").is_none(), "{}", res.body);
    }
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, &reformatted)),
        &reformatted,
        None,
    )
    .await;
    res.expect(200);
    // Unknown webhook.
    post(
        &app,
        "webhook_999999",
        Some(&sign(&secret, body)),
        body,
        None,
    )
    .await
    .expect_error(404, "INVALID_WEBHOOK");
    post(&app, "nonsense", Some(&sign(&secret, body)), body, None)
        .await
        .expect_error(404, "INVALID_WEBHOOK");
    // create_channel, then an action this webhook may not run, then an unknown one.
    let body = json!({"action": "create_channel", "data": {"name": "incident-2025-01", "description": "January 2025 incident response", "type": "private"}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    assert!(
        res.expect(200)["result"]["channelId"]
            .as_str()
            .unwrap()
            .starts_with("channel_")
    );
    let body = json!({"action": "add_member", "data": {"email": "contractor@example.com", "role": "guest"}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    res.expect_error(403, "INSUFFICIENT_PERMISSIONS");
    let body = json!({"action": "drop_tables", "data": {}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["action"]);
    let body = json!({"action": "create_channel", "data": {"type": "public"}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["name"]);
    // Rotation kills the old secret at once; deactivation kills the webhook.
    let rotated = app
        .gql_ok(
            &owner.token,
            "mutation($id: ID!) { rotateIncomingWebhookSecret(id: $id) { secret } }",
            json!({"id": hook["id"]}),
        )
        .await["rotateIncomingWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"action": "send_message", "data": {"content": "after rotation"}}).to_string();
    post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await
    .expect_error(401, "INVALID_SIGNATURE");
    post(
        &app,
        &id,
        Some(&sign(&rotated, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await
    .expect(200);
    app.gql_ok(
        &owner.token,
        "mutation($id: ID!) { deleteIncomingWebhook(id: $id) { active } }",
        json!({"id": hook["id"]}),
    )
    .await;
    post(
        &app,
        &id,
        Some(&sign(&rotated, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await
    .expect_error(404, "INVALID_WEBHOOK");
}

#[tokio::test]
async fn v1_incoming_webhook_actions_replay_by_idempotency_key_and_stay_in_their_workspace() {
    let app = TestApp::spawn().await;
    let (owner, token) = setup(&app, "acme").await;
    let (other, _) = setup(&app, "globex").await;
    let theirs = app.create_chat(&other, "theirs", true, &[]).await;
    let created = app
        .gql_ok(
            &owner.token,
            CREATE,
            json!({"input": {"name": "HR sync", "actions": ["send_message", "create_department", "add_member"]}}),
        )
        .await;
    let secret = created["createIncomingWebhook"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created["createIncomingWebhook"]["webhook"]["webhookId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another workspace cannot target this one's webhook, nor can it name the other's channel.
    let (code, _) = app
        .gql_err(
            &owner.token,
            CREATE,
            json!({"input": {"name": "x", "channelId": theirs, "actions": ["send_message"]}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let body = json!({"action": "send_message", "data": {"channelId": format!("channel_{}", rid(&theirs)), "content": "x"}}).to_string();
    post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await
    .expect_error(404, "CHANNEL_NOT_FOUND");
    // No target channel and none given.
    let body = json!({"action": "send_message", "data": {"content": "x"}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    res.expect_error(400, "INVALID_REQUEST_BODY");
    assert_eq!(res.detail_fields(), ["channelId"]);
    // Replays.
    let body = json!({"action": "create_department", "data": {"name": "Customer Success", "description": "Customer success team"}}).to_string();
    let sig = sign(&secret, body.as_bytes());
    let first = post(&app, &id, Some(&sig), body.as_bytes(), Some("k-1")).await;
    let again = post(&app, &id, Some(&sig), body.as_bytes(), Some("k-1")).await;
    assert_eq!(first.expect(200), again.expect(200));
    assert!(
        first.body["result"]["departmentId"]
            .as_str()
            .unwrap()
            .starts_with("dept_")
    );
    let depts = V1::new(&app, &token).get("/departments").await;
    assert_eq!(depts.body["departments"].as_array().unwrap().len(), 1);
    let body = json!({"action": "add_member", "data": {"email": "contractor@example.com", "role": "guest"}}).to_string();
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    assert!(
        res.expect(200)["result"]["memberId"]
            .as_str()
            .unwrap()
            .starts_with("member_")
    );
    let res = post(
        &app,
        &id,
        Some(&sign(&secret, body.as_bytes())),
        body.as_bytes(),
        None,
    )
    .await;
    res.expect_error(409, "ALREADY_MEMBER");
    assert!(res.body.get("message").is_none());
}
