//! The upload flow through the façade: parameters, the direct upload, attaching the key
//! to a message, and downloading the bytes.

use serde_json::{Value, json};

use super::Pachca;
use crate::util::TestApp;

const FIELDS: &[&str] = &[
    "Content-Disposition",
    "policy",
    "x-amz-credential",
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-signature",
    "key",
    "acl",
];

/// A multipart body with `params`' fields in SDK order, then `file` last.
fn multipart(params: &Value, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sbtestboundary7MA4YWxk";
    let mut body = Vec::new();
    for key in FIELDS {
        if let Some(v) = params.get(*key).and_then(Value::as_str) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, url: &str, params: &Value, name: &str, bytes: &[u8]) -> u16 {
    let (ct, body) = multipart(params, name, bytes);
    app.http()
        .post(url)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn upload_attach_and_download_a_file() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);

    // Bodiless POST without a content type → 201 bare UploadParams.
    let res = app
        .http()
        .post(p.url("/uploads"))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let params: Value = res.json().await.unwrap();
    for key in FIELDS.iter().chain(&["direct_url"]) {
        assert!(params[*key].is_string(), "missing {key}: {params:#}");
    }
    assert!(params.get("data").is_none());
    assert_eq!(params["Content-Disposition"], "attachment");
    assert_eq!(params["acl"], "private");
    assert_eq!(params["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    let key = params["key"].as_str().unwrap().to_owned();
    assert!(key.ends_with("/${filename}"), "{key}");
    let direct_url = params["direct_url"].as_str().unwrap().to_owned();
    assert!(direct_url.ends_with("/api/shared/v1/direct_url"));
    assert_eq!(
        Pachca::new(&app, "bad").post_empty("/uploads").await.status,
        401
    );

    // The upload needs no credential; the façade is reached through our own base.
    let url = p.url("/direct_url");
    assert_eq!(
        upload(&app, &url, &params, "report.txt", b"hello bytes").await,
        204
    );

    // Tampered signature, key outside the policy, missing fields: refused, nothing stored.
    let mut forged = params.clone();
    forged["x-amz-signature"] = json!("00".repeat(32));
    assert_eq!(upload(&app, &url, &forged, "x.txt", b"x").await, 403);
    let mut moved = params.clone();
    moved["key"] = json!(key.replace("/uploads/", "/avatars/"));
    assert_eq!(upload(&app, &url, &moved, "x.txt", b"x").await, 403);
    let mut escaped = params.clone();
    escaped["key"] = json!(format!("{}../../x", key.trim_end_matches("${filename}")));
    assert_eq!(upload(&app, &url, &escaped, "x.txt", b"x").await, 403);
    let mut nameless = params.clone();
    nameless["key"] = json!(key.trim_end_matches("${filename}"));
    assert_eq!(upload(&app, &url, &nameless, "x.txt", b"x").await, 422);
    let mut partial = params.clone();
    partial.as_object_mut().unwrap().remove("policy");
    assert_eq!(upload(&app, &url, &partial, "x.txt", b"x").await, 400);
    let res = app
        .http()
        .post(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid");

    // Attach the key (placeholder replaced) and download the bytes.
    let file_key = key.replace("${filename}", "report.txt");
    let chat = p
        .post("/chats", json!({"chat": {"name": "files"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let msg = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "see file",
                "files": [{"key": file_key, "name": "report.txt", "file_type": "file", "size": 11}]}}),
        )
        .await;
    let file = &msg.expect(201)["data"]["files"][0];
    let file_id = file["id"].as_i64().unwrap();
    assert!(
        file["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/files/{file_id}"))
    );
    let res = app
        .http()
        .get(p.url(&format!("/files/{file_id}")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..], b"hello bytes");

    // Foreign, unknown and credential-less downloads.
    Pachca::new(&app, &other.token)
        .get(&format!("/files/{file_id}"))
        .await
        .expect_error(404, "not_found");
    p.get("/files/999999").await.expect_error(404, "not_found");
    p.get("/files/abc").await.expect_error(404, "not_found");
    assert_eq!(
        Pachca::new(&app, "nope")
            .get(&format!("/files/{file_id}"))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn a_raw_upload_is_attached_by_its_real_name_with_its_dimensions() {
    let app = TestApp::spawn().await;
    let owner = app.workspace("acme").await;
    let other = app.workspace("globex").await;
    let p = Pachca::new(&app, &owner.token);
    let params = p.post_empty("/uploads").await.expect(201).clone();
    let key = params["key"].as_str().unwrap().to_owned();
    // The SDK sends raw bytes: the part is named `upload`, not the file's name.
    let url = p.url("/direct_url");
    assert_eq!(
        upload(&app, &url, &params, "upload", b"\x89PNG pixels").await,
        204
    );
    let chat = p
        .post("/chats", json!({"chat": {"name": "pics"}}))
        .await
        .expect(201)["data"]["id"]
        .as_i64()
        .unwrap();
    let file_key = key.replace("${filename}", "pixel.png");
    let msg = p
        .post(
            "/messages",
            json!({"message": {"entity_id": chat, "content": "",
                "files": [{"key": file_key, "name": "pixel.png", "file_type": "image", "size": 12, "width": 1, "height": 2}]}}),
        )
        .await;
    let file = msg.expect(201)["data"]["files"][0].clone();
    assert_eq!(
        (file["width"].as_i64(), file["height"].as_i64()),
        (Some(1), Some(2))
    );
    let id = file["id"].as_i64().unwrap();
    let res = app
        .http()
        .get(p.url(&format!("/files/{id}")))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(&res.bytes().await.unwrap()[..], b"\x89PNG pixels");

    // A key nothing was uploaded under, another workspace's key, bad dimensions: refused.
    let fresh = p.post_empty("/uploads").await.expect(201)["key"]
        .as_str()
        .unwrap()
        .replace("${filename}", "ghost.png");
    let theirs = Pachca::new(&app, &other.token)
        .post_empty("/uploads")
        .await
        .expect(201)["key"]
        .as_str()
        .unwrap()
        .replace("${filename}", "x.png");
    for (key, width) in [
        (fresh.as_str(), 1),
        (theirs.as_str(), 1),
        (file_key.as_str(), 0),
    ] {
        let res = p
            .post(
                "/messages",
                json!({"message": {"entity_id": chat, "content": "x",
                    "files": [{"key": key, "name": "x.png", "file_type": "image", "size": 1, "width": width}]}}),
            )
            .await;
        res.expect_error(422, "invalid");
    }
}
