//! Files: `POST /uploads` (upload parameters), `POST /direct_url` (the upload itself,
//! multipart, no credential: the signed policy is the credential) and `GET /files/{id}`
//! (an attachment's bytes).

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use bytes::Bytes;

use super::error::{Failure, Reply};
use super::extract::{Caller, Id, created, no_content};
use super::wire::UploadParams;
use crate::state::AppState;

/// Method, path → handler. Credential: any bearer (`uploads:write`, `messages:read`);
/// none on `/direct_url`. Rate class: standard. `POST /uploads` takes no body.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/uploads", post(params))
        .route("/files/{id}", get(download))
}

/// `POST /direct_url`: mounted apart, with the upload body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/direct_url", post(direct_upload))
}

/// `POST /uploads` (no body) → 201 bare UploadParams pointing at our `/direct_url`.
async fn params(State(state): State<AppState>, caller: Caller) -> Reply {
    let t = resolvers::files::issue_upload(&caller.ctx)?;
    Ok(created(UploadParams {
        content_disposition: "attachment".to_owned(),
        acl: "private".to_owned(),
        policy: t.policy,
        x_amz_credential: t.credential,
        x_amz_algorithm: "AWS4-HMAC-SHA256".to_owned(),
        x_amz_date: t.date,
        x_amz_signature: t.signature,
        key: t.key,
        direct_url: format!("{}{}/direct_url", state.env.public_url, super::BASE_PATH),
    }))
}

fn bad(key: &str, message: impl Into<String>) -> Failure {
    Failure::bad_request(key, message)
}

/// `POST /direct_url` multipart `{Content-Disposition, acl, policy, x-amz-*, key, file}`
/// (the file last) → 204. A bad signature, an expired policy or a key outside it is 403.
async fn direct_upload(State(state): State<AppState>, req: Request) -> Reply {
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad("body", format!("a multipart body is required: {e}")))?;
    let (mut policy, mut signature, mut key) = (None, None, None);
    let mut file: Option<(String, Bytes)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad("body", format!("unreadable multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Failure::api(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "file",
                        "invalid",
                        e.to_string(),
                    )
                } else {
                    bad("file", format!("unreadable file: {e}"))
                }
            })?;
            file = Some((file_name, bytes));
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| bad(&name, format!("unreadable field: {e}")))?;
        match name.as_str() {
            "policy" => policy = Some(text),
            "x-amz-signature" => signature = Some(text),
            "key" => key = Some(text),
            _ => {}
        }
    }
    let policy = policy.ok_or_else(|| bad("policy", "is required"))?;
    let signature = signature.ok_or_else(|| bad("x-amz-signature", "is required"))?;
    let key = key.ok_or_else(|| bad("key", "is required"))?;
    let (file_name, bytes) = file.ok_or_else(|| bad("file", "is required"))?;
    resolvers::files::accept_upload(
        &state.env.files,
        &state.env.rate,
        &policy,
        &signature,
        &key,
        &file_name,
        bytes,
    )
    .await?;
    Ok(no_content())
}

/// `GET /files/{id}?target=` → 200 with the attachment's raw bytes (never a redirect).
async fn download(caller: Caller, Id(id): Id) -> Reply {
    let (name, bytes) = resolvers::files::attachment_file(&caller.ctx, id).await?;
    Ok(crate::files::file_response(&name, bytes))
}
