//! Chat exports: an owner asks for the messages of some chats over a date range; a
//! background job ([`ExportWorker`]) builds a zip (`chats.json` and one
//! `messages/<chat id>.json` per chat), records `ChatExportReady` and sends
//! `{"type":"export","event":"ready",...}` to the request's `webhook_url` through the
//! outbox (never into a bot's history). The archive is downloaded from a short-lived
//! signed URL on Switchboard itself.

use std::io::Write;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use entities::{chat_exports, chats, messages, webhook_deliveries, webhook_endpoints};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value as Json, json};

use crate::auth::Scope;
use crate::events::{Bus, EventKind};
use crate::files::FileStore;
use crate::{Ctx, Env, Error, Result};

/// How long a download link works.
pub const DOWNLOAD_TTL_SECS: i64 = 60;
/// The widest range one export may cover.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The purpose of the download links (the one `GET /files/signed/{token}` serves).
const DOWNLOAD_PURPOSE: &str = "download";

/// Input of [`request_export`].
#[derive(Clone, Debug, Default)]
pub struct ExportInput {
    /// First day, `YYYY-MM-DD` (UTC).
    pub start_at: String,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub end_at: String,
    /// Where the ready notice goes (http or https; never an internal address); none: the
    /// requester polls for the download instead.
    pub webhook_url: Option<String>,
    /// Only these chats (default: every chat of the workspace).
    pub chat_ids: Option<Vec<i64>>,
    /// Leave `chats.json` out of the archive.
    pub skip_chats_file: bool,
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, "must be a date, YYYY-MM-DD"))
}

/// Ask for an export (`chat_exports:write`, the workspace owner). A bad range is a
/// limit error on `start_at` whose message starts with `invalid_date_range`.
pub async fn request_export(ctx: &Ctx, input: ExportInput) -> Result<chat_exports::Model> {
    ctx.require(Scope::ChatExportsWrite)?;
    let start = parse_day("start_at", &input.start_at)?;
    let end = parse_day("end_at", &input.end_at)?;
    if end < start || (end - start).num_days() >= MAX_RANGE_DAYS {
        return Err(Error::limit(
            "start_at",
            format!(
                "invalid_date_range: end_at must be on or after start_at, within {MAX_RANGE_DAYS} days"
            ),
        ));
    }
    // Stored empty when there is none: no notice is sent.
    let url = input.webhook_url.unwrap_or_default().trim().to_owned();
    if url.len() > 2048 {
        return Err(Error::invalid(
            "webhook_url",
            "must be at most 2048 characters",
        ));
    }
    if !url.is_empty() {
        ctx.env
            .guard
            .check_url(&url)
            .await
            .map_err(|e| Error::invalid("webhook_url", e.to_string()))?;
    }
    let chat_ids = match input.chat_ids {
        Some(ids) if !ids.is_empty() => {
            if ids.len() > 1000 {
                return Err(Error::invalid("chat_ids", "at most 1000 chats"));
            }
            let found = chats::Entity::find()
                .filter(chats::Column::WorkspaceId.eq(ctx.workspace_id()))
                .filter(chats::Column::Id.is_in(ids.clone()))
                .all(&ctx.db)
                .await?;
            if let Some(missing) = ids.iter().find(|id| !found.iter().any(|c| c.id == **id)) {
                let _ = missing;
                return Err(Error::NotFound("chat"));
            }
            let mut ids = ids;
            ids.sort_unstable();
            ids.dedup();
            Some(json!(ids))
        }
        _ => None,
    };
    let txn = ctx.write().await?;
    let row = chat_exports::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        requested_by: Set(ctx.user_id()),
        start_date: Set(start.format("%Y-%m-%d").to_string()),
        end_date: Set(end.format("%Y-%m-%d").to_string()),
        chat_ids: Set(chat_ids),
        skip_chats_file: Set(input.skip_chats_file),
        webhook_url: Set(url),
        status: Set("pending".into()),
        file_key: Set(None),
        size: Set(None),
        error: Set(None),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    ctx.commit_one(txn, EventKind::ChatExportRequested { export_id: row.id })
        .await?;
    Ok(row)
}

async fn own_export(ctx: &Ctx, id: i64) -> Result<chat_exports::Model> {
    ctx.require(Scope::ChatExportsRead)?;
    chat_exports::Entity::find_by_id(id)
        .filter(chat_exports::Column::WorkspaceId.eq(ctx.workspace_id()))
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("export_file"))
}

/// An export of the workspace (`chat_exports:read`).
pub async fn get_export(ctx: &Ctx, id: i64) -> Result<chat_exports::Model> {
    own_export(ctx, id).await
}

/// A short-lived signed download URL of a ready export (`chat_exports:read`), served
/// by `GET /files/signed/{token}`; an export that is unknown, foreign or not ready is
/// NOT_FOUND (`export_file`).
pub async fn export_download_url(ctx: &Ctx, id: i64) -> Result<String> {
    let row = own_export(ctx, id).await?;
    let key = match (row.status.as_str(), row.file_key) {
        ("ready", Some(key)) => key,
        _ => return Err(Error::NotFound("export_file")),
    };
    let mut grant = FileStore::grant(
        key,
        format!("export-{id}.zip"),
        DOWNLOAD_PURPOSE,
        DOWNLOAD_TTL_SECS,
    );
    grant.record = Some(id);
    grant.user = Some(ctx.user_id());
    Ok(format!(
        "{}/files/signed/{}",
        ctx.env.public_url,
        ctx.env.files.sign(&grant)
    ))
}

/// Builds pending exports, one at a time, and announces them.
#[derive(Clone)]
pub struct ExportWorker {
    db: DatabaseConnection,
    bus: Bus,
    env: Arc<Env>,
    poll: std::time::Duration,
}

impl ExportWorker {
    /// A worker over `db`, announcing on `bus`.
    pub fn new(db: DatabaseConnection, bus: Bus, env: Arc<Env>, poll: std::time::Duration) -> Self {
        ExportWorker { db, bus, env, poll }
    }

    /// Run until `shutdown` resolves.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let worked = match self.tick().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "export worker tick failed");
                    false
                }
            };
            if worked {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Build one pending export, if any; returns whether one was built.
    pub async fn tick(&self) -> Result<bool> {
        // Claim: only the worker whose update flips `pending` to `running` builds it.
        let Some(row) = chat_exports::Entity::find()
            .filter(chat_exports::Column::Status.eq("pending"))
            .order_by_asc(chat_exports::Column::Id)
            .one(&self.db)
            .await?
        else {
            return Ok(false);
        };
        let claimed = chat_exports::Entity::update_many()
            .col_expr(chat_exports::Column::Status, Expr::value("running"))
            .filter(chat_exports::Column::Id.eq(row.id))
            .filter(chat_exports::Column::Status.eq("pending"))
            .exec(&self.db)
            .await?
            .rows_affected;
        if claimed == 0 {
            return Ok(true);
        }
        let result = build_archive(&self.db, &row).await;
        let user = crate::people::find_user(&self.db, row.workspace_id, row.requested_by)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let principal = crate::auth::principal_for_user(user)?;
        let ctx = Ctx::within(
            self.env.clone(),
            self.db.clone(),
            self.bus.clone(),
            principal,
        );
        let now = Utc::now();
        let mut am: chat_exports::ActiveModel = row.clone().into();
        am.finished_at = Set(Some(now));
        match result {
            Ok(bytes) => {
                let key = FileStore::key(
                    row.workspace_id,
                    "exports",
                    &format!("export-{}.zip", row.id),
                )?;
                am.size = Set(Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX)));
                self.env.files.put(&key, bytes.into()).await?;
                am.file_key = Set(Some(key));
                am.status = Set("ready".into());
            }
            Err(e) => {
                tracing::warn!(export = row.id, error = %e, "export failed");
                am.status = Set("failed".into());
                am.error = Set(Some("the archive could not be built".into()));
            }
        }
        let txn = ctx.write().await?;
        let row = am.update(&txn).await?;
        if row.status == "ready" {
            let event = crate::events::record(
                &txn,
                &ctx,
                EventKind::ChatExportReady { export_id: row.id },
                None,
            )
            .await?;
            if !row.webhook_url.is_empty() {
                notify(&txn, &row, event.id, now).await?;
            }
            ctx.commit(txn, [event]).await?;
        } else {
            txn.commit().await?;
        }
        Ok(true)
    }
}

/// Queue the export-ready notice to the export's `webhook_url` (a one-shot endpoint of
/// format `export`) inside `txn`.
async fn notify(
    txn: &sea_orm::DatabaseTransaction,
    row: &chat_exports::Model,
    event_id: i64,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let endpoint = webhook_endpoints::ActiveModel {
        workspace_id: Set(row.workspace_id),
        url: Set(row.webhook_url.clone()),
        event_types: Set(String::new()),
        secret: Set(crate::webhooks::signing::new_secret()?),
        active: Set(true),
        disabled_reason: Set(None),
        created_at: Set(now),
        format: Set("export".into()),
        owner_id: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    webhook_deliveries::ActiveModel {
        workspace_id: Set(row.workspace_id),
        endpoint_id: Set(endpoint.id),
        event_id: Set(event_id),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_status_code: Set(None),
        last_error: Set(None),
        last_latency_ms: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The body of an export-ready notice.
pub(crate) fn ready_body(payload: &Json, created_at: chrono::DateTime<Utc>) -> Result<Vec<u8>> {
    let export_id = payload
        .get("export_id")
        .and_then(Json::as_i64)
        .unwrap_or_default();
    serde_json::to_vec(&json!({
        "type": "export",
        "event": "ready",
        "export_id": export_id,
        "created_at": super::pachca_time(created_at),
    }))
    .map_err(Error::internal)
}

async fn build_archive<C: ConnectionTrait>(db: &C, row: &chat_exports::Model) -> Result<Vec<u8>> {
    let start = parse_day("start_at", &row.start_date)?;
    let end = parse_day("end_at", &row.end_date)?;
    let from = start
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or_default();
    let to = end
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or_default();
    let mut q = chats::Entity::find().filter(chats::Column::WorkspaceId.eq(row.workspace_id));
    if let Some(ids) = row.chat_ids.as_ref().and_then(Json::as_array) {
        let ids: Vec<i64> = ids.iter().filter_map(Json::as_i64).collect();
        q = q.filter(chats::Column::Id.is_in(ids));
    }
    let chat_rows = q.order_by_asc(chats::Column::Id).all(db).await?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if !row.skip_chats_file {
        let list: Vec<Json> = chat_rows
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "kind": c.kind,
                    "public": c.is_public,
                    "created_at": super::pachca_time(c.created_at),
                })
            })
            .collect();
        zip.start_file("chats.json", options)
            .map_err(Error::internal)?;
        zip.write_all(&serde_json::to_vec_pretty(&list).map_err(Error::internal)?)
            .map_err(Error::internal)?;
    }
    for chat in &chat_rows {
        let msgs = messages::Entity::find()
            .filter(messages::Column::WorkspaceId.eq(row.workspace_id))
            .filter(messages::Column::ChatId.eq(chat.id))
            .filter(messages::Column::DeletedAt.is_null())
            .filter(messages::Column::CreatedAt.gte(from))
            .filter(messages::Column::CreatedAt.lt(to))
            .order_by_asc(messages::Column::Id)
            .all(db)
            .await?;
        let list: Vec<Json> = msgs
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "chat_id": m.chat_id,
                    "user_id": m.author_id,
                    "content": m.content,
                    "created_at": super::pachca_time(m.created_at),
                    "changed_at": m.edited_at.map(super::pachca_time),
                    "parent_message_id": m.reply_to_id,
                })
            })
            .collect();
        zip.start_file(format!("messages/{}.json", chat.id), options)
            .map_err(Error::internal)?;
        zip.write_all(&serde_json::to_vec_pretty(&list).map_err(Error::internal)?)
            .map_err(Error::internal)?;
    }
    let cursor = zip.finish().map_err(Error::internal)?;
    Ok(cursor.into_inner())
}
