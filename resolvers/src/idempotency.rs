//! Idempotency keys: a client's retry of a creating request never creates twice.
//!
//! The first request with a key runs and its result is stored; a later request with the
//! same key (for the same principal and operation) and the same input gets the stored
//! result back, for at least 24 hours; the same key with a different input is refused.
//! Concurrent requests with one key run exactly once: one claims the key (a unique row),
//! the others wait for its result. A request that fails leaves nothing behind, so its
//! retry runs again.
//!
//! Limit, stated honestly: the result is stored just after the operation's own
//! transaction commits. A process killed between the two leaves the key claimed without
//! a result; retries then get a conflict (never a duplicate) until the claim expires.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use entities::idempotency_keys;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{Credential, Ctx, Error, Result};

/// How long a stored result is replayed.
pub const RETENTION_HOURS: i64 = 24;
/// Longest key.
pub const MAX_KEY: usize = 255;
/// How long a concurrent request waits for the first one's result.
const WAIT: Duration = Duration::from_secs(10);

/// Why a request with a key was refused, for edges that have a code for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The key was used before with a different request.
    Reused,
    /// The first request with the key is still running (after waiting for it).
    InProgress,
}

const REUSED: &str = "this key was already used with a different request";
const IN_PROGRESS: &str = "a request with this key is still in progress";

/// Which refusal of [`once`] `err` is, if it is one (its GraphQL form stays a plain
/// `BAD_USER_INPUT` / `CONFLICT` on `idempotencyKey`).
pub fn refusal(err: &Error) -> Option<Refusal> {
    match err {
        Error::Invalid { field, message } if field == "idempotencyKey" && message == REUSED => {
            Some(Refusal::Reused)
        }
        Error::Conflict { field, message }
            if field == "idempotencyKey" && message == IN_PROGRESS =>
        {
            Some(Refusal::InProgress)
        }
        _ => None,
    }
}

fn principal_key(ctx: &Ctx) -> String {
    match &ctx.principal.credential {
        Credential::ApiToken { id, .. } => format!("token:{id}"),
        Credential::Session => format!("user:{}", ctx.user_id()),
        Credential::Hook { id, .. } => format!("hook:{id}"),
    }
}

/// Run `op` at most once per idempotency key. Without a key (`None`, and none on the
/// request's origin) it just runs. `input` is what makes two requests "the same".
pub async fn once<T, I, F, Fut>(
    ctx: &Ctx,
    key: Option<&str>,
    operation: &str,
    input: &I,
    op: F,
) -> Result<T>
where
    T: Serialize + DeserializeOwned,
    I: Serialize + ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let key = key
        .map(str::to_owned)
        .or_else(|| ctx.origin.idempotency_key.clone());
    let Some(key) = key else { return op().await };
    let key = key.trim().to_owned();
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(Error::invalid(
            "idempotencyKey",
            format!("must be 1 to {MAX_KEY} characters"),
        ));
    }
    let canonical = serde_json::to_vec(&(operation, input)).map_err(Error::internal)?;
    let fingerprint = hex::encode(Sha256::digest(&canonical));
    let scope = format!("{}|{operation}", principal_key(ctx));
    let now = Utc::now();
    // Forget an expired claim so the key can be used again.
    idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(idempotency_keys::Column::Principal.eq(scope.clone()))
        .filter(idempotency_keys::Column::Key.eq(key.clone()))
        .filter(idempotency_keys::Column::ExpiresAt.lt(now))
        .exec(&ctx.db)
        .await?;
    let claimed = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        workspace_id: Set(ctx.workspace_id()),
        principal: Set(scope.clone()),
        key: Set(key.clone()),
        fingerprint: Set(fingerprint.clone()),
        status: Set("in_flight".into()),
        response: Set(None),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(RETENTION_HOURS)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            idempotency_keys::Column::WorkspaceId,
            idempotency_keys::Column::Principal,
            idempotency_keys::Column::Key,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;

    let find = || {
        idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::WorkspaceId.eq(ctx.workspace_id()))
            .filter(idempotency_keys::Column::Principal.eq(scope.clone()))
            .filter(idempotency_keys::Column::Key.eq(key.clone()))
            .one(&ctx.db)
    };

    if claimed == 0 {
        // Someone used this key first: replay their result (waiting if it is running).
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let Some(row) = find().await? else {
                return Err(Error::conflict(
                    "idempotencyKey",
                    "the first request with this key failed; retry",
                ));
            };
            if row.fingerprint != fingerprint {
                return Err(Error::invalid("idempotencyKey", REUSED));
            }
            if let (Some(response), "done") = (&row.response, row.status.as_str()) {
                return serde_json::from_value(response.clone()).map_err(Error::internal);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::conflict("idempotencyKey", IN_PROGRESS));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    match op().await {
        Ok(value) => {
            let stored = serde_json::to_value(&value).map_err(Error::internal)?;
            if let Some(row) = find().await? {
                let mut am: idempotency_keys::ActiveModel = row.into();
                am.status = Set("done".into());
                am.response = Set(Some(stored));
                am.update(&ctx.db).await?;
            }
            Ok(value)
        }
        Err(err) => {
            // Nothing happened: release the key so a retry runs again.
            idempotency_keys::Entity::delete_many()
                .filter(idempotency_keys::Column::WorkspaceId.eq(ctx.workspace_id()))
                .filter(idempotency_keys::Column::Principal.eq(scope.clone()))
                .filter(idempotency_keys::Column::Key.eq(key.clone()))
                .exec(&ctx.db)
                .await?;
            Err(err)
        }
    }
}

/// [`once`] for a creation that hands out a secret shown once (a token, a hook URL, a
/// signing key). `op` answers the created record and its secret; only the record is
/// stored. The first answer carries the secret; a replay answers the same record with
/// `None` in its place, because a secret is never written anywhere but where it belongs.
/// So a retry never mints a second credential nobody knows of: a client that lost the
/// first answer learns which record was made, and revokes or rotates it.
pub async fn once_with_secret<T, S, I, F, Fut>(
    ctx: &Ctx,
    key: Option<&str>,
    operation: &str,
    input: &I,
    op: F,
) -> Result<(T, Option<S>)>
where
    T: Serialize + DeserializeOwned,
    I: Serialize + ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(T, S)>>,
{
    let secret = std::sync::Mutex::new(None);
    let record = once(ctx, key, operation, input, || async {
        let (record, fresh) = op().await?;
        *secret
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fresh);
        Ok(record)
    })
    .await?;
    let secret = secret
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok((record, secret))
}
