//! `GET /files/signed/{token}`: the bytes behind a signed download link.
//!
//! Links are minted by the domain ([`resolvers::files::FileStore::sign`] with purpose
//! [`DOWNLOAD`]) for whoever may read the file at that moment — an export's requester, a
//! message's reader — and expire quickly. The route itself needs no credential: the
//! token is the credential. A tampered, expired or unknown token answers 404.
//!
//! HR vault links ([`resolvers::hr::vault::PURPOSE`]) are served here too, but through
//! the vault's own operation: it re-checks that the user the link was issued to may
//! still see the document and records the download (who, which document, from which
//! address) in the event log before any byte is sent.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use resolvers::files::{Grant, display_name};

use crate::AppState;

/// The purpose of links served by this route.
pub const DOWNLOAD: &str = "download";

/// The absolute URL of a download link for `grant`.
pub fn signed_url(state: &AppState, grant: &Grant) -> String {
    format!(
        "{}/files/signed/{}",
        state.env.public_url,
        state.env.files.sign(grant)
    )
}

/// Serve the file a valid token grants.
pub async fn download(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Path(token): Path<String>,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let grant = match state.env.files.verify(&token, DOWNLOAD) {
        Ok(grant) => grant,
        Err(_) => return vault_download(&state, ip, &token).await,
    };
    match state.env.files.get(&grant.key).await {
        Ok(bytes) => file_response(&grant.name, bytes),
        Err(resolvers::Error::NotFound(_)) => not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "file store read failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// `GET /avatars/{workspace}/{name}`: an avatar's bytes, for anyone who has its
/// unguessable URL (see `resolvers::avatars`); cached for good, since a new picture gets
/// a new name.
pub async fn avatar(
    State(state): State<AppState>,
    Path((workspace, name)): Path<(i64, String)>,
) -> Response {
    match resolvers::avatars::serve(&state.env.files, workspace, &name).await {
        Ok((bytes, mime)) => {
            let mut res = (StatusCode::OK, bytes).into_response();
            let headers = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&mime) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            res
        }
        Err(resolvers::Error::Internal(e)) => {
            tracing::error!(error = %e, "file store read failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
        Err(_) => not_found(),
    }
}

/// A 200 with `bytes` as an attachment named `name`, typed by its extension.
pub fn file_response(name: &str, bytes: bytes::Bytes) -> Response {
    let name = display_name(name);
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        name.replace(|c: char| !c.is_ascii() || c == '%', "_"),
        urlencoding(&name)
    );
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.essence_str()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A vault document's bytes, audited by the domain; any other token is a 404.
async fn vault_download(state: &AppState, ip: Option<String>, token: &str) -> Response {
    match resolvers::hr::vault::download(&state.db, &state.bus, &state.env, token, ip).await {
        Ok(found) => {
            let mut response = file_response(&found.document.file_name, found.bytes);
            if let Ok(v) = HeaderValue::from_str(&found.document.mime_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            response
        }
        Err(resolvers::Error::NotFound(_)) => not_found(),
        Err(e) => {
            tracing::error!(error = ?e, "vault download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "not_found", "message": "file not found"})),
    )
        .into_response()
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
