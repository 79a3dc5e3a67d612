//! The file store: bytes of uploads, avatars, exports and HR documents.
//!
//! Storage is an [`object_store::ObjectStore`], so where bytes live is configuration: a
//! local directory by default (`./data/files`), any S3-compatible service with
//! `s3://bucket` (credentials and endpoint from the standard `AWS_*` variables), or memory
//! for tests. Keys are always under `ws/<workspace id>/`, built by [`FileStore::key`], so
//! no path from a request can name another workspace's object.
//!
//! Downloads go through short-lived **signed tokens** ([`FileStore::sign`] /
//! [`FileStore::verify`]): `base64url(claims) "." base64url(HMAC-SHA256(claims))`, keyed
//! with a server secret. The claims carry the key, the file name to present, a purpose
//! (so a token minted for one route cannot be replayed on another) and an expiry. Tokens
//! are bearer credentials: keep their lifetime short.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::Utc;
use futures::{StreamExt as _, TryStreamExt as _};
use hmac::{Hmac, KeyInit, Mac};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Where a workspace's files are kept, and how their download links are signed.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    secret: Arc<[u8]>,
    /// How the store was configured, for logs (`memory:`, a directory, `s3://bucket`).
    pub location: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Default for FileStore {
    /// An in-memory store with a random signing secret (tests and embedding).
    fn default() -> Self {
        let mut secret = [0_u8; 32];
        let _ = getrandom::fill(&mut secret);
        FileStore::new(
            Arc::new(object_store::memory::InMemory::new()),
            &secret,
            "memory:",
        )
    }
}

/// What a signed download token grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The object's key.
    #[serde(rename = "k")]
    pub key: String,
    /// The file name to present (`Content-Disposition`).
    #[serde(rename = "n")]
    pub name: String,
    /// What the token is for, e.g. `download` or `vault`; checked by the route serving it.
    #[serde(rename = "p")]
    pub purpose: String,
    /// A row the purpose refers to (a document id, an export id), if any.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub record: Option<i64>,
    /// The user the token was issued to, if any (for audit).
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<i64>,
    /// Expiry, Unix seconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
}

impl FileStore {
    /// A store over `store`, signing with `secret`.
    pub fn new(store: Arc<dyn ObjectStore>, secret: &[u8], location: impl Into<String>) -> Self {
        FileStore {
            store,
            secret: Arc::from(secret),
            location: location.into(),
        }
    }

    /// Open the store a configuration string names: `memory:`, `s3://bucket[/prefix]`,
    /// `file:///abs/dir`, or a plain directory path (created if absent).
    pub fn open(spec: &str, secret: &[u8]) -> std::result::Result<Self, String> {
        if spec == "memory:" || spec == "memory://" {
            return Ok(FileStore::new(
                Arc::new(object_store::memory::InMemory::new()),
                secret,
                spec,
            ));
        }
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("{spec}: {e}"))?;
            let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
            };
            return Ok(FileStore::new(store, secret, spec));
        }
        let dir = spec.strip_prefix("file://").unwrap_or(spec);
        std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("{dir}: {e}"))?;
        Ok(FileStore::new(Arc::new(local), secret, dir))
    }

    /// The key of a workspace's object: `ws/<workspace>/<area>/<name>`. `name` may hold
    /// `/`-separated parts; empty parts and `.`/`..` are refused.
    pub fn key(workspace_id: i64, area: &str, name: &str) -> Result<String> {
        let ok = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && !p.contains('\\')
                && !p.chars().any(char::is_control)
        };
        if !ok(area) || area.contains('/') || !name.split('/').all(ok) || name.len() > 512 {
            return Err(Error::invalid("key", "not a valid file name"));
        }
        Ok(format!("ws/{workspace_id}/{area}/{name}"))
    }

    /// Whether `key` lies in `workspace_id`'s part of the store.
    pub fn belongs_to(key: &str, workspace_id: i64) -> bool {
        key.strip_prefix(&format!("ws/{workspace_id}/"))
            .is_some_and(|rest| !rest.is_empty() && rest.split('/').all(|p| p != ".."))
    }

    /// Store `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let path = parse(key)?;
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map_err(Error::internal)?;
        Ok(())
    }

    /// The bytes under `key`; NOT_FOUND (`file`) when there are none.
    pub async fn get(&self, key: &str) -> Result<Bytes> {
        let path = parse(key)?;
        match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map_err(Error::internal),
            Err(object_store::Error::NotFound { .. }) => Err(Error::NotFound("file")),
            Err(e) => Err(Error::internal(e)),
        }
    }

    /// The stored key an attachment's `key` stands for. Keys in the store's namespace
    /// (`ws/…`) must be this workspace's and name an uploaded file; an upload ticket's key
    /// also stands for the one file uploaded under that ticket whatever name the client
    /// gave the part (clients send raw bytes, named `upload` or `file`, and then attach
    /// the key with the file's real name). Other strings are opaque references, kept as
    /// given.
    pub async fn resolve_upload(
        &self,
        workspace_id: i64,
        key: &str,
        field: &str,
    ) -> Result<String> {
        if !key.starts_with("ws/") {
            return Ok(key.to_owned());
        }
        let missing = || Error::invalid(field, "no file was uploaded under this key");
        if !Self::belongs_to(key, workspace_id) {
            return Err(missing());
        }
        let path = parse(key)?;
        match self.store.head(&path).await {
            Ok(_) => return Ok(key.to_owned()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(Error::internal(e)),
        }
        // Only an upload ticket's directory stands for its one file.
        let Some((dir, _)) = key.rsplit_once('/') else {
            return Err(missing());
        };
        if !dir.starts_with(&format!("ws/{workspace_id}/uploads/")) {
            return Err(missing());
        }
        let listed: Vec<object_store::ObjectMeta> = self
            .store
            .list(Some(&parse(dir)?))
            .take(2)
            .try_collect()
            .await
            .map_err(Error::internal)?;
        match listed.as_slice() {
            [one] => Ok(one.location.to_string()),
            _ => Err(missing()),
        }
    }

    /// Remove the object under `key` (absent is fine).
    pub async fn delete(&self, key: &str) -> Result<()> {
        let path = parse(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(Error::internal(e)),
        }
    }

    /// A token granting `grant` until its expiry.
    pub fn sign(&self, grant: &Grant) -> String {
        let claims = serde_json::to_vec(grant).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(claims);
        let tag = URL_SAFE_NO_PAD.encode(self.mac(body.as_bytes()).finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// A grant for `key` valid `ttl_seconds` from now.
    pub fn grant(
        key: impl Into<String>,
        name: impl Into<String>,
        purpose: &str,
        ttl_seconds: i64,
    ) -> Grant {
        Grant {
            key: key.into(),
            name: name.into(),
            purpose: purpose.to_owned(),
            record: None,
            user: None,
            expires_at: Utc::now().timestamp() + ttl_seconds,
        }
    }

    /// The grant of a token minted by [`FileStore::sign`] for `purpose`. A tampered,
    /// expired or foreign-purpose token is NOT_FOUND (`file`), like a missing file: the
    /// route learns nothing it could probe with.
    pub fn verify(&self, token: &str, purpose: &str) -> Result<Grant> {
        let (body, tag) = token.split_once('.').ok_or(Error::NotFound("file"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| Error::NotFound("file"))?;
        self.mac(body.as_bytes())
            .verify_slice(&tag)
            .map_err(|_| Error::NotFound("file"))?;
        let claims = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| Error::NotFound("file"))?;
        let grant: Grant = serde_json::from_slice(&claims).map_err(|_| Error::NotFound("file"))?;
        if grant.purpose != purpose || grant.expires_at < Utc::now().timestamp() {
            return Err(Error::NotFound("file"));
        }
        Ok(grant)
    }

    /// HMAC-SHA256 of `data` under this store's secret (also used by upload policies).
    pub fn mac(&self, data: &[u8]) -> HmacSha256 {
        let mut mac = match <HmacSha256 as KeyInit>::new_from_slice(&self.secret) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(data);
        mac
    }
}

/// A secret for one purpose derived from a master secret (HMAC-SHA256 of the label).
pub fn derive_secret(master: &[u8], label: &str) -> Vec<u8> {
    let mut mac = match <HmacSha256 as KeyInit>::new_from_slice(master) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

// ---- direct uploads -----------------------------------------------------------------

/// The placeholder a client's file name replaces in an upload key.
pub const FILENAME_PLACEHOLDER: &str = "${filename}";
/// How long an upload ticket stays usable.
pub const UPLOAD_TTL_SECONDS: i64 = 3600;

/// What a client needs to upload one file straight to the store: a key with
/// [`FILENAME_PLACEHOLDER`] under an unguessable workspace prefix, and a policy (prefix,
/// workspace, expiry) signed with the server secret.
#[derive(Clone, Debug)]
pub struct UploadTicket {
    /// `ws/<workspace>/uploads/<random>/${filename}`.
    pub key: String,
    /// base64url of the policy claims.
    pub policy: String,
    /// Who signed (informational, `switchboard/<yyyymmdd>/uploads`).
    pub credential: String,
    /// When it was signed, `yyyymmddThhmmssZ`.
    pub date: String,
    /// Lower-case hex HMAC-SHA256 of `policy`.
    pub signature: String,
}

#[derive(Serialize, Deserialize)]
struct UploadPolicy {
    #[serde(rename = "p")]
    prefix: String,
    #[serde(rename = "w")]
    workspace: i64,
    #[serde(rename = "e")]
    expires_at: i64,
    /// The budget key of the credential that asked (uploads spend its `Upload` budget).
    #[serde(rename = "k", default)]
    budget: String,
}

impl FileStore {
    fn policy_mac(&self, policy: &str) -> HmacSha256 {
        let mut mac = self.mac(b"upload-policy\n");
        mac.update(policy.as_bytes());
        mac
    }
}

/// Issue an upload ticket for the caller's workspace (`uploads:write`).
pub fn issue_upload(ctx: &crate::Ctx) -> Result<UploadTicket> {
    ctx.require(crate::auth::Scope::UploadsWrite)?;
    let mut raw = [0_u8; 16];
    getrandom::fill(&mut raw).map_err(Error::internal)?;
    let prefix = format!(
        "{}/",
        FileStore::key(ctx.workspace_id(), "uploads", &hex::encode(raw))?
    );
    let now = Utc::now();
    let claims = UploadPolicy {
        prefix: prefix.clone(),
        workspace: ctx.workspace_id(),
        expires_at: now.timestamp() + UPLOAD_TTL_SECONDS,
        budget: crate::rate::key_of(&ctx.principal, None),
    };
    let policy = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).map_err(Error::internal)?);
    let signature = hex::encode(ctx.env.files.policy_mac(&policy).finalize().into_bytes());
    Ok(UploadTicket {
        key: format!("{prefix}{FILENAME_PLACEHOLDER}"),
        policy,
        credential: format!("switchboard/{}/uploads", now.format("%Y%m%d")),
        date: now.format("%Y%m%dT%H%M%SZ").to_string(),
        signature,
    })
}

/// Store an uploaded file under `key` if `signature` is the server's signature of
/// `policy` (checked in constant time), the policy has not expired, and `key` (with
/// [`FILENAME_PLACEHOLDER`] replaced by `file_name`) is one file directly under the
/// policy's prefix. A bad signature, an expired policy or a key outside the prefix is
/// FORBIDDEN. Each accepted upload spends one `Upload` request of the credential that
/// asked for the policy. Returns the stored key.
pub async fn accept_upload(
    files: &FileStore,
    rate: &crate::rate::RateLimits,
    policy: &str,
    signature: &str,
    key: &str,
    file_name: &str,
    bytes: Bytes,
) -> Result<String> {
    let denied = |why: &str| Error::Forbidden(format!("upload refused: {why}"));
    let tag = hex::decode(signature.trim()).map_err(|_| denied("bad signature"))?;
    files
        .policy_mac(policy)
        .verify_slice(&tag)
        .map_err(|_| denied("bad signature"))?;
    let claims = URL_SAFE_NO_PAD
        .decode(policy)
        .ok()
        .and_then(|b| serde_json::from_slice::<UploadPolicy>(&b).ok())
        .ok_or_else(|| denied("bad policy"))?;
    if claims.expires_at < Utc::now().timestamp() {
        return Err(denied("the policy has expired"));
    }
    rate.check_key(claims.budget.clone(), crate::rate::Category::Upload)?;
    let key = key.replace(FILENAME_PLACEHOLDER, file_name);
    let name = key
        .strip_prefix(&claims.prefix)
        .ok_or_else(|| denied("the key is outside the policy"))?;
    if !FileStore::belongs_to(&key, claims.workspace) {
        return Err(denied("the key is outside the policy"));
    }
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.len() > 255
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
    {
        return Err(Error::invalid("file", "not a valid file name"));
    }
    files.put(&key, bytes).await?;
    Ok(key)
}

/// The name and bytes of a message attachment the caller may read (`messages:read`).
/// Unknown, foreign, unreadable or link-only attachments are NOT_FOUND (`file`).
pub async fn attachment_file(ctx: &crate::Ctx, id: i64) -> Result<(String, Bytes)> {
    use entities::attachments;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = attachments::Entity::find_by_id(id)
        .filter(attachments::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("file"))?;
    crate::messages::get_message(ctx, row.message_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound("file"),
            other => other,
        })?;
    let key = row
        .file_key
        .filter(|k| FileStore::belongs_to(k, ctx.workspace_id()))
        .ok_or(Error::NotFound("file"))?;
    let stored = ctx
        .env
        .files
        .resolve_upload(ctx.workspace_id(), &key, "file")
        .await
        .map_err(|_| Error::NotFound("file"))?;
    let bytes = ctx.env.files.get(&stored).await?;
    Ok((row.name, bytes))
}

fn parse(key: &str) -> Result<Path> {
    Path::parse(key).map_err(|_| Error::invalid("key", "not a valid file key"))
}

/// A file name safe to put in a `Content-Disposition` header: printable, no quotes or
/// path separators, at most 255 characters.
pub fn display_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/'))
        .take(255)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn put_get_delete_round_trip_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        for store in [
            FileStore::default(),
            FileStore::open(dir.path().to_str().unwrap(), b"secret").unwrap(),
        ] {
            let key = FileStore::key(7, "uploads", "abc/report.pdf").unwrap();
            assert_eq!(key, "ws/7/uploads/abc/report.pdf");
            store.put(&key, Bytes::from_static(b"%PDF")).await.unwrap();
            assert_eq!(store.get(&key).await.unwrap(), Bytes::from_static(b"%PDF"));
            store.delete(&key).await.unwrap();
            assert!(matches!(
                store.get(&key).await,
                Err(Error::NotFound("file"))
            ));
            store.delete(&key).await.unwrap();
        }
    }

    #[test]
    fn keys_stay_inside_their_workspace() {
        assert!(FileStore::key(1, "uploads", "../2/x").is_err());
        assert!(FileStore::key(1, "up/loads", "x").is_err());
        assert!(FileStore::key(1, "uploads", "a//b").is_err());
        assert!(FileStore::key(1, "uploads", "").is_err());
        assert!(FileStore::belongs_to("ws/1/uploads/x", 1));
        assert!(!FileStore::belongs_to("ws/12/uploads/x", 1));
        assert!(!FileStore::belongs_to("ws/1/../2/x", 1));
        assert!(!FileStore::belongs_to("ws/1/", 1));
    }

    #[test]
    fn tokens_verify_only_untampered_unexpired_and_for_their_purpose() {
        let store = FileStore::open("memory:", b"secret").unwrap();
        let grant = FileStore::grant("ws/1/a/b", "b.txt", "download", 60);
        let token = store.sign(&grant);
        assert_eq!(store.verify(&token, "download").unwrap(), grant);
        assert!(store.verify(&token, "vault").is_err());
        let other = FileStore::open("memory:", b"other").unwrap();
        assert!(other.verify(&token, "download").is_err());
        let (body, tag) = token.split_once('.').unwrap();
        let mut forged = grant.clone();
        forged.key = "ws/2/a/b".into();
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert!(
            store
                .verify(&format!("{forged_body}.{tag}"), "download")
                .is_err()
        );
        assert!(store.verify(body, "download").is_err());
        let expired = store.sign(&FileStore::grant("ws/1/a/b", "b", "download", -1));
        assert!(store.verify(&expired, "download").is_err());
    }

    #[test]
    fn display_names_are_header_safe() {
        assert_eq!(display_name("a\"b/c\\d\n.txt"), "abcd.txt");
        assert_eq!(display_name("\n"), "file");
    }
}
