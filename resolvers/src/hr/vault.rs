//! The document vault: documents about a member, stored through the file store
//! ([`crate::files::FileStore`]: a local directory by default, S3-compatible by
//! configuration). A document is seen by its owner (the member it concerns), the members
//! it is explicitly shared with (until the share expires) and HR administrators; anyone
//! else gets NOT_FOUND. Bytes leave only through a short-lived signed URL, and every
//! download is recorded in the event log (who, which document, when, from which address).

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entities::{hr_document_shares, hr_documents, users};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{HrEvent, is_hr_admin, me};
use crate::auth::{Scope, Scopes};
use crate::events::{Bus, EventKind, record};
use crate::files::FileStore;
use crate::pagination::{Page, PageArgs};
use crate::people::role_of;
use crate::{Credential, Ctx, Env, Error, Origin, Principal, Result};

/// Largest document, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// Lifetime of a signed download URL, in seconds.
pub const DOWNLOAD_TTL_SECONDS: i64 = 60;
/// The purpose signed into vault download tokens.
pub const PURPOSE: &str = "hr-document";

/// Largest document sent inline as base64 (the GraphQL `contentBase64` field): the
/// request body limit (1 MiB) must hold its base64 form.
pub const MAX_INLINE_DOCUMENT_BYTES: usize = 512 * 1024;

/// Decode a document sent inline as base64, refusing more than
/// [`MAX_INLINE_DOCUMENT_BYTES`] (PAYLOAD_TOO_LARGE on `field`) before decoding.
pub fn decode_inline(content: &str, field: &str) -> Result<Vec<u8>> {
    use base64::Engine as _;
    let content = content.trim();
    let decoded_len = content.len() / 4 * 3;
    if decoded_len > MAX_INLINE_DOCUMENT_BYTES + 3 {
        return Err(Error::rule(
            "PAYLOAD_TOO_LARGE",
            field,
            format!(
                "an inline document holds at most {MAX_INLINE_DOCUMENT_BYTES} bytes (about {decoded_len} sent)"
            ),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| Error::invalid(field, "not valid base64"))?;
    if bytes.is_empty() {
        return Err(Error::invalid(field, "the document is empty"));
    }
    if bytes.len() > MAX_INLINE_DOCUMENT_BYTES {
        return Err(Error::rule(
            "PAYLOAD_TOO_LARGE",
            field,
            format!(
                "an inline document holds at most {MAX_INLINE_DOCUMENT_BYTES} bytes ({} sent)",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

/// Input of [`upload_document`].
#[derive(Clone, Debug, Default)]
pub struct UploadDocumentInput {
    /// The member it concerns (default: the caller). Others' vaults are HR's only.
    pub owner_id: Option<i64>,
    /// 1–255 characters (default: the file name).
    pub title: Option<String>,
    /// Up to 100 characters (`contract`, `payslip`, …).
    pub category: String,
    /// 1–255 characters.
    pub file_name: String,
    /// Default: guessed from nothing, `application/octet-stream`.
    pub mime_type: Option<String>,
    /// The bytes (at most [`MAX_DOCUMENT_BYTES`]).
    pub content: Vec<u8>,
}

/// A document with its shares.
#[derive(Clone, Debug)]
pub struct Document {
    /// The row.
    pub document: hr_documents::Model,
    /// Who it is shared with.
    pub shares: Vec<hr_document_shares::Model>,
}

fn too_large(size: usize) -> Error {
    Error::rule(
        "PAYLOAD_TOO_LARGE",
        "content",
        format!("the document is {size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes"),
    )
}

/// Check a size announced before the bytes are decoded (e.g. base64 length).
pub fn check_size(size: usize) -> Result<()> {
    if size > MAX_DOCUMENT_BYTES {
        Err(too_large(size))
    } else {
        Ok(())
    }
}

/// Whether `viewer` may see `document` (owner, active share, HR).
async fn may_see<C: ConnectionTrait>(
    db: &C,
    viewer: &users::Model,
    document: &hr_documents::Model,
) -> Result<bool> {
    if document.owner_id == viewer.id || is_hr_admin(viewer) {
        return Ok(true);
    }
    let now = Utc::now();
    Ok(hr_document_shares::Entity::find()
        .filter(hr_document_shares::Column::DocumentId.eq(document.id))
        .filter(hr_document_shares::Column::UserId.eq(viewer.id))
        .one(db)
        .await?
        .is_some_and(|s| s.expires_at.is_none_or(|at| at > now)))
}

async fn find<C: ConnectionTrait>(db: &C, ctx: &Ctx, id: i64) -> Result<hr_documents::Model> {
    hr_documents::Entity::find_by_id(id)
        .filter(hr_documents::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("document"))
}

/// A document the caller may see (NOT_FOUND otherwise), and the caller's row.
async fn visible(ctx: &Ctx, id: i64) -> Result<(hr_documents::Model, users::Model)> {
    let doc = find(&ctx.db, ctx, id).await?;
    let me = me(&ctx.db, ctx).await?;
    if may_see(&ctx.db, &me, &doc).await? {
        Ok((doc, me))
    } else {
        Err(Error::NotFound("document"))
    }
}

/// Whether the caller may manage the document's shares (its owner or HR).
fn may_manage(me: &users::Model, doc: &hr_documents::Model) -> bool {
    doc.owner_id == me.id || is_hr_admin(me)
}

async fn shares_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<hr_document_shares::Model>>> {
    let rows = hr_document_shares::Entity::find()
        .filter(hr_document_shares::Column::DocumentId.is_in(crate::sql::distinct(ids)))
        .order_by_asc(hr_document_shares::Column::UserId)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        out.entry(row.document_id).or_default().push(row);
    }
    Ok(out)
}

async fn with_shares(ctx: &Ctx, docs: Vec<hr_documents::Model>) -> Result<Vec<Document>> {
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    let mut shares = shares_of(&ctx.db, &ids).await?;
    Ok(docs
        .into_iter()
        .map(|document| Document {
            shares: shares.remove(&document.id).unwrap_or_default(),
            document,
        })
        .collect())
}

/// Upload a document into a member's vault: one's own, or anyone's for HR. Over the
/// size limit → PAYLOAD_TOO_LARGE (`content`).
pub async fn upload_document(ctx: &Ctx, input: UploadDocumentInput) -> Result<Document> {
    ctx.require(Scope::HrWrite)?;
    check_size(input.content.len())?;
    if input.content.is_empty() {
        return Err(Error::invalid("content", "the document is empty"));
    }
    let file_name = super::required_text(&input.file_name, "fileName", 255)?;
    let title = match &input.title {
        Some(t) => super::required_text(t, "title", 255)?,
        None => file_name.clone(),
    };
    let category = super::short_text(&input.category, "category", 100)?;
    let mime_type = match input.mime_type.as_deref().map(str::trim) {
        None | Some("") => "application/octet-stream".to_owned(),
        Some(m) if m.len() <= 255 && m.contains('/') && !m.chars().any(char::is_control) => {
            m.to_owned()
        }
        Some(_) => return Err(Error::invalid("mimeType", "not a media type")),
    };
    let me = me(&ctx.db, ctx).await?;
    let owner = match input.owner_id.filter(|id| *id != me.id) {
        None => me.clone(),
        Some(id) => {
            let owner = super::member(&ctx.db, ctx, id, "ownerId").await?;
            if !is_hr_admin(&me) {
                return Err(Error::Forbidden(
                    "only HR administrators may file documents into another member's vault".into(),
                ));
            }
            owner
        }
    };
    let mut nonce = [0_u8; 16];
    getrandom::fill(&mut nonce)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    let key = FileStore::key(
        ctx.workspace_id(),
        "hr-vault",
        &format!("{}/{}", owner.id, hex::encode(nonce)),
    )?;
    let size = i64::try_from(input.content.len()).map_err(Error::internal)?;
    ctx.env.files.put(&key, Bytes::from(input.content)).await?;
    let saved = async {
        let txn = ctx.write().await?;
        let doc = hr_documents::ActiveModel {
            workspace_id: Set(ctx.workspace_id()),
            owner_id: Set(owner.id),
            uploaded_by_id: Set(me.id),
            title: Set(title),
            category: Set(category),
            file_name: Set(file_name),
            mime_type: Set(mime_type),
            size: Set(size),
            storage_key: Set(key.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let event = EventKind::Hr {
            event: HrEvent::DocumentUploaded {
                document: doc.clone(),
            },
        };
        ctx.commit_one(txn, event).await?;
        Ok::<_, Error>(doc)
    }
    .await;
    match saved {
        Ok(document) => Ok(Document {
            document,
            shares: Vec::new(),
        }),
        Err(e) => {
            // No row: leave no orphaned bytes behind.
            let _ = ctx.env.files.delete(&key).await;
            Err(e)
        }
    }
}

/// One document the caller may see.
pub async fn get_document(ctx: &Ctx, id: i64) -> Result<Document> {
    ctx.require(Scope::HrRead)?;
    let (doc, _) = visible(ctx, id).await?;
    let mut out = with_shares(ctx, vec![doc]).await?;
    out.pop().ok_or(Error::NotFound("document"))
}

/// Filters of [`list_documents`].
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// Only documents about this member.
    pub owner_id: Option<i64>,
    /// Only of this category.
    pub category: Option<String>,
}

/// Documents the caller may see (own, shared with them, all for HR), newest first.
pub async fn list_documents(
    ctx: &Ctx,
    filter: DocumentFilter,
    page: PageArgs,
) -> Result<Page<Document>> {
    ctx.require(Scope::HrRead)?;
    let me = me(&ctx.db, ctx).await?;
    let mut q = hr_documents::Entity::find()
        .filter(hr_documents::Column::WorkspaceId.eq(ctx.workspace_id()));
    if !is_hr_admin(&me) {
        let now = Utc::now();
        let shared: Vec<i64> = hr_document_shares::Entity::find()
            .filter(hr_document_shares::Column::UserId.eq(me.id))
            .filter(
                Condition::any()
                    .add(hr_document_shares::Column::ExpiresAt.is_null())
                    .add(hr_document_shares::Column::ExpiresAt.gt(now)),
            )
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|s| s.document_id)
            .collect();
        q = q.filter(
            Condition::any()
                .add(hr_documents::Column::OwnerId.eq(me.id))
                .add(hr_documents::Column::Id.is_in(shared)),
        );
    }
    if let Some(owner) = filter.owner_id {
        q = q.filter(hr_documents::Column::OwnerId.eq(owner));
    }
    if let Some(category) = filter.category {
        q = q.filter(hr_documents::Column::Category.eq(category));
    }
    if let Some(after) = page.after {
        q = q.filter(hr_documents::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(hr_documents::Column::Id)
        .limit(page.fetch())
        .all(&ctx.db)
        .await?;
    let rows = Page::from_probe(rows, &page);
    let items = with_shares(ctx, rows.items).await?;
    Ok(Page {
        items,
        has_next: rows.has_next,
        has_prev: rows.has_prev,
    })
}

/// Share a document with members, optionally until `expires_at` (its owner or HR).
/// Sharing again updates the expiry.
pub async fn share_document(
    ctx: &Ctx,
    id: i64,
    user_ids: &[i64],
    expires_at: Option<DateTime<Utc>>,
) -> Result<Document> {
    ctx.require(Scope::HrWrite)?;
    let (doc, me) = visible(ctx, id).await?;
    if !may_manage(&me, &doc) {
        return Err(Error::Forbidden(
            "only the document's owner or HR may share it".into(),
        ));
    }
    if user_ids.is_empty() || user_ids.len() > 100 {
        return Err(Error::invalid("userIds", "give 1 to 100 members"));
    }
    if expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::invalid("expiresAt", "must be in the future"));
    }
    let found = crate::people::users_by_ids(&ctx.db, ctx.workspace_id(), user_ids).await?;
    if let Some(missing) = user_ids.iter().find(|id| !found.contains_key(id)) {
        return Err(Error::invalid(
            "userIds",
            format!("no such user: {missing}"),
        ));
    }
    let now = Utc::now();
    let txn = ctx.write().await?;
    for user_id in crate::sql::distinct(user_ids) {
        hr_document_shares::Entity::insert(hr_document_shares::ActiveModel {
            document_id: Set(doc.id),
            user_id: Set(user_id),
            workspace_id: Set(ctx.workspace_id()),
            shared_by_id: Set(me.id),
            shared_at: Set(now),
            expires_at: Set(expires_at),
        })
        .on_conflict(
            OnConflict::columns([
                hr_document_shares::Column::DocumentId,
                hr_document_shares::Column::UserId,
            ])
            .update_columns([
                hr_document_shares::Column::ExpiresAt,
                hr_document_shares::Column::SharedById,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    shares_changed(ctx, txn, doc).await
}

/// Stop sharing a document with a member (its owner or HR).
pub async fn unshare_document(ctx: &Ctx, id: i64, user_id: i64) -> Result<Document> {
    ctx.require(Scope::HrWrite)?;
    let (doc, me) = visible(ctx, id).await?;
    if !may_manage(&me, &doc) {
        return Err(Error::Forbidden(
            "only the document's owner or HR may change its shares".into(),
        ));
    }
    let txn = ctx.write().await?;
    hr_document_shares::Entity::delete_many()
        .filter(hr_document_shares::Column::DocumentId.eq(doc.id))
        .filter(hr_document_shares::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    shares_changed(ctx, txn, doc).await
}

async fn shares_changed(
    ctx: &Ctx,
    txn: sea_orm::DatabaseTransaction,
    doc: hr_documents::Model,
) -> Result<Document> {
    let shares = shares_of(&txn, &[doc.id])
        .await?
        .remove(&doc.id)
        .unwrap_or_default();
    let event = EventKind::Hr {
        event: HrEvent::DocumentShared {
            document_id: doc.id,
            owner_id: doc.owner_id,
            user_ids: shares.iter().map(|s| s.user_id).collect(),
        },
    };
    ctx.commit_one(txn, event).await?;
    Ok(Document {
        document: doc,
        shares,
    })
}

/// Delete a document and erase its bytes (its uploader or HR).
pub async fn delete_document(ctx: &Ctx, id: i64) -> Result<i64> {
    ctx.require(Scope::HrWrite)?;
    let (doc, me) = visible(ctx, id).await?;
    if doc.uploaded_by_id != me.id && !is_hr_admin(&me) {
        return Err(Error::Forbidden(
            "only the uploader or HR may delete a document".into(),
        ));
    }
    let txn = ctx.write().await?;
    hr_documents::Entity::delete_by_id(doc.id)
        .exec(&txn)
        .await?;
    let event = EventKind::Hr {
        event: HrEvent::DocumentDeleted {
            document_id: doc.id,
            owner_id: doc.owner_id,
        },
    };
    ctx.commit_one(txn, event).await?;
    ctx.env.files.delete(&doc.storage_key).await?;
    Ok(doc.id)
}

/// A signed download link.
#[derive(Clone, Debug)]
pub struct DownloadUrl {
    /// `<public url>/files/signed/<token>` (relative without a public URL).
    pub url: String,
    /// The bare token.
    pub token: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// A short-lived signed URL for a document the caller may see (owner, shared-with, HR).
pub async fn download_url(ctx: &Ctx, id: i64) -> Result<DownloadUrl> {
    ctx.require(Scope::HrRead)?;
    let (doc, me) = visible(ctx, id).await?;
    let mut grant = FileStore::grant(
        doc.storage_key.clone(),
        crate::files::display_name(&doc.file_name),
        PURPOSE,
        DOWNLOAD_TTL_SECONDS,
    );
    grant.record = Some(doc.id);
    grant.user = Some(me.id);
    let expires_at = DateTime::from_timestamp(grant.expires_at, 0).unwrap_or_else(Utc::now);
    let token = ctx.env.files.sign(&grant);
    Ok(DownloadUrl {
        url: format!("{}/files/signed/{token}", ctx.env.public_url),
        token,
        expires_at,
    })
}

/// What a download serves.
#[derive(Clone, Debug)]
pub struct Download {
    /// The document.
    pub document: hr_documents::Model,
    /// Its bytes.
    pub bytes: Bytes,
}

/// Serve a signed download token: verify it (tampered, expired or foreign → NOT_FOUND),
/// check that the user it was issued to may still see the document, record the download
/// in the event log (the audit trail: who, which document, when, `ip`), then return the
/// bytes.
pub async fn download(
    db: &DatabaseConnection,
    bus: &Bus,
    env: &std::sync::Arc<Env>,
    token: &str,
    ip: Option<String>,
) -> Result<Download> {
    let grant = env.files.verify(token, PURPOSE)?;
    let (Some(doc_id), Some(user_id)) = (grant.record, grant.user) else {
        return Err(Error::NotFound("file"));
    };
    let doc = hr_documents::Entity::find_by_id(doc_id)
        .one(db)
        .await?
        .filter(|d| d.storage_key == grant.key)
        .ok_or(Error::NotFound("file"))?;
    let user = crate::people::find_user(db, doc.workspace_id, user_id)
        .await?
        .filter(|u| !u.suspended)
        .ok_or(Error::NotFound("file"))?;
    if !may_see(db, &user, &doc).await? {
        return Err(Error::NotFound("file"));
    }
    let role = role_of(&user)?;
    let principal = Principal {
        workspace_id: doc.workspace_id,
        user_id: user.id,
        role,
        is_bot: user.is_bot,
        scopes: Scopes::for_role(role, user.is_bot),
        credential: Credential::Session,
    };
    let ctx = Ctx::within(env.clone(), db.clone(), bus.clone(), principal).with_origin(Origin {
        dialect: "download",
        ip,
        idempotency_key: None,
    });
    let bytes = env.files.get(&doc.storage_key).await?;
    let txn = ctx.write().await?;
    let event = record(
        &txn,
        &ctx,
        EventKind::Hr {
            event: HrEvent::DocumentDownloaded {
                document_id: doc.id,
                owner_id: doc.owner_id,
                user_id: user.id,
            },
        },
        Some(serde_json::json!({ "fileName": doc.file_name, "size": doc.size })),
    )
    .await?;
    ctx.commit(txn, [event]).await?;
    Ok(Download {
        document: doc,
        bytes,
    })
}
