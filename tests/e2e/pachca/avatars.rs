//! Avatars: PUT and POST (the spec's and the SDK's verbs) with a multipart `image`,
//! DELETE, on the profile, people, chats and bots; served back without a credential.

use resolvers::people::Role;
use serde_json::{Value, json};

use super::Pachca;
use crate::util::TestApp;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRpng-bytes";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIFjpeg-bytes";

/// A multipart body with one file field `field` (as httpx sends `files={"image": b}`).
fn multipart(field: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sbavatarboundary42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Send `bytes` as the `image` of `method path`; status and JSON body.
async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    field: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let (ct, body) = multipart(field, bytes);
    let res = app
        .http()
        .request(method, format!("{}/api/shared/v1{path}", app.base))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = res.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

/// The bytes and content type behind an avatar URL, fetched without a credential.
async fn fetch(app: &TestApp, url: &str) -> (u16, String, Vec<u8>) {
    let res = app.http().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn own_avatar_by_post_and_put_is_served_replaced_and_removed() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);

    let (status, body) = send(
        &app,
        &owner.token,
        reqwest::Method::POST,
        "/profile/avatar",
        "image",
        PNG,
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    let first = body["data"]["image_url"].as_str().unwrap().to_owned();
    assert!(
        first.starts_with(&app.base) || first.starts_with("/avatars/"),
        "{first}"
    );
    let (status, ct, bytes) = fetch(&app, &first).await;
    assert_eq!(
        (status, ct.as_str(), bytes.as_slice()),
        (200, "image/png", PNG)
    );
    let res = p.get("/profile").await;
    assert_eq!(res.expect(200)["data"]["image_url"], first.as_str());

    // PUT (the spec's verb) replaces it: a new URL, the old bytes are gone.
    let (status, body) = send(
        &app,
        &owner.token,
        reqwest::Method::PUT,
        "/profile/avatar",
        "image",
        JPEG,
    )
    .await;
    assert_eq!(status, 200, "{body:#}");
    let second = body["data"]["image_url"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let (status, ct, _) = fetch(&app, &second).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(fetch(&app, &first).await.0, 404);

    // GraphQL sees the same picture.
    let data = app
        .gql_ok(&owner.token, "{ me { avatarUrl } }", json!({}))
        .await;
    assert_eq!(data["me"]["avatarUrl"], second.as_str());

    // Remove: 204, no picture, the bytes are gone; removing again is fine.
    assert_eq!(p.delete("/profile/avatar").await.expect(204), &Value::Null);
    assert_eq!(
        p.get("/profile").await.body["data"]["image_url"],
        Value::Null
    );
    assert_eq!(fetch(&app, &second).await.0, 404);
    assert_eq!(p.delete("/profile/avatar").await.status, 204);
}

#[tokio::test]
async fn bad_avatar_uploads_are_refused_naming_the_image() {
    let app = TestApp::spawn_with(|c| c.upload_limit = 64 * 1024).await;
    let owner = app.workspace("acme").await;
    let p = Pachca::new(&app, &owner.token);
    let post = reqwest::Method::POST;

    // Not an image (whatever the client calls it), no `image` field, not multipart.
    for (field, bytes, code) in [
        ("image", b"<svg onload=alert(1)>".as_slice(), "invalid"),
        ("image", b"".as_slice(), "invalid"),
        ("avatar", PNG, "blank"),
    ] {
        let (status, body) = send(
            &app,
            &owner.token,
            post.clone(),
            "/profile/avatar",
            field,
            bytes,
        )
        .await;
        assert_eq!(status, 422, "{field}: {body:#}");
        assert_eq!(body["errors"][0]["key"], "image", "{body:#}");
        assert_eq!(body["errors"][0]["code"], code, "{body:#}");
    }
    let res = p.post("/profile/avatar", json!({"image": "x"})).await;
    res.expect_error(422, "invalid");
    // Over the upload limit: refused before it is stored.
    let mut big = PNG.to_vec();
    big.resize(128 * 1024, 0);
    let (status, _) = send(
        &app,
        &owner.token,
        post.clone(),
        "/profile/avatar",
        "image",
        &big,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        p.get("/profile").await.body["data"]["image_url"],
        Value::Null
    );
    // No credential.
    let (status, body) = send(&app, "nope", post, "/profile/avatar", "image", PNG).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
    // Served names are ours only.
    let (status, _, _) = fetch(
        &app,
        &format!("{}/avatars/{}/../x.png", app.base, owner.workspace_id),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn admins_set_peoples_avatars_and_managers_set_chats_and_bots() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let member = app.user("acme", "m@acme.test", Role::Member).await;
    let other = app.workspace("globex").await;
    let put = reqwest::Method::PUT;
    let post = reqwest::Method::POST;

    // People: admins only (the member's token lacks `user_avatar:write`).
    let path = format!("/users/{}/avatar", member.id);
    let (status, body) = send(&app, &owner.token, put.clone(), &path, "image", PNG).await;
    assert_eq!(status, 200, "{body:#}");
    let url = body["data"]["image_url"].as_str().unwrap().to_owned();
    let res = Pachca::new(&app, &member.token).get("/profile").await;
    assert_eq!(res.body["data"]["image_url"], url.as_str());
    let (status, body) = send(
        &app,
        &member.token,
        put.clone(),
        &format!("/users/{}/avatar", owner.id),
        "image",
        PNG,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("insufficient_scope")),
        "{body:#}"
    );
    for id in [other.id, 999_999] {
        let (status, body) = send(
            &app,
            &owner.token,
            put.clone(),
            &format!("/users/{id}/avatar"),
            "image",
            PNG,
        )
        .await;
        assert_eq!(status, 404, "{body:#}");
    }
    let res = Pachca::new(&app, &owner.token).delete(&path).await;
    assert_eq!(res.status, 204);
    assert_eq!(fetch(&app, &url).await.0, 404);

    // Chats: the chat's managers; members and strangers are refused.
    let p = Pachca::new(&app, &owner.token);
    let chat = p
        .post(
            "/chats",
            json!({"chat": {"name": "General", "member_ids": [member.id]}}),
        )
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/chats/{chat}/avatar");
    let (status, body) = send(&app, &owner.token, post.clone(), &path, "image", PNG).await;
    assert_eq!(status, 200, "{body:#}");
    let url = body["data"]["image_url"].as_str().unwrap().to_owned();
    let res = p.get(&format!("/chats/{chat}")).await;
    assert_eq!(res.expect(200)["data"]["avatar_url"], url.as_str());
    let data = app
        .gql_ok(
            &member.token,
            "query($id: ID!) { chat(id: $id) { avatarUrl } }",
            json!({"id": chat.to_string()}),
        )
        .await;
    assert_eq!(data["chat"]["avatarUrl"], url.as_str());
    let (status, body) = send(&app, &member.token, post.clone(), &path, "image", PNG).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("role_forbidden")),
        "{body:#}"
    );
    let (status, _) = send(&app, &other.token, post.clone(), &path, "image", PNG).await;
    assert_eq!(status, 404);
    assert_eq!(
        Pachca::new(&app, &member.token).delete(&path).await.status,
        403
    );
    assert_eq!(p.delete(&path).await.status, 204);
    assert_eq!(
        p.get(&format!("/chats/{chat}")).await.body["data"]["avatar_url"],
        Value::Null
    );

    // Bots: their managers.
    let bot = p
        .post("/bots", json!({"webhook": {"name": "Pic"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/bots/{bot}/avatar");
    let (status, body) = send(&app, &owner.token, post.clone(), &path, "image", JPEG).await;
    assert_eq!(status, 200, "{body:#}");
    let url = body["data"]["image_url"].as_str().unwrap().to_owned();
    let res = p.get(&format!("/bots/{bot}")).await;
    assert_eq!(res.expect(200)["data"]["avatar_url"], url.as_str());
    let (status, _) = send(&app, &member.token, post.clone(), &path, "image", JPEG).await;
    assert_eq!(status, 404, "a member does not manage the bot");
    let (status, _) = send(
        &app,
        &owner.token,
        post,
        &format!("/users/{bot}/avatar"),
        "image",
        JPEG,
    )
    .await;
    assert_eq!(status, 404, "a bot is not a person");
    assert_eq!(p.delete(&path).await.status, 204);
    assert_eq!(fetch(&app, &url).await.0, 404);
}

#[tokio::test]
async fn an_avatar_over_five_mib_is_refused_without_reading_an_upload_sized_body() {
    let app = TestApp::spawn_with(|c| c.upload_limit = 64 * 1024 * 1024).await;
    let owner = app.workspace("acme").await;
    let post = reqwest::Method::POST;
    // Just over the avatar cap: the resolver's limit (422 naming the image).
    let mut big = PNG.to_vec();
    big.resize(resolvers::avatars::MAX_AVATAR_BYTES + 1, 0);
    let (status, body) = send(
        &app,
        &owner.token,
        post.clone(),
        "/profile/avatar",
        "image",
        &big,
    )
    .await;
    assert_eq!(status, 422, "{body:#}");
    assert_eq!(body["errors"][0]["key"], "image");
    // Far over it, though well under the upload limit: cut off at the door (413).
    big.resize(8 * 1024 * 1024, 0);
    let (status, _) = send(&app, &owner.token, post, "/profile/avatar", "image", &big).await;
    assert_eq!(status, 413);
}
