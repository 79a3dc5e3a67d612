//! Incoming webhooks: `POST /webhooks/incoming` (§6.3). No token: the webhook named in
//! `X-Webhook-Id` fixes the workspace, and `X-Webhook-Signature: sha256=<hex>` must be
//! the HMAC-SHA256 of the raw body bytes under its secret (checked in constant time
//! before the body is parsed). The action then runs as the webhook's bot user, through
//! the same code as the REST routes, with its own rate budget and idempotency scope.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use resolvers::Ctx;
use resolvers::integrations::incoming::{self, Refusal};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::convert::{IdKind, parse_id};
use super::error::Failure;
use super::extract::{DIALECT, once, parse_json, slot_of, to_json};
use super::wire::{
    AddMemberRequest, CreateChannelRequest, CreateDepartmentRequest, IncomingRequest,
    SendMessageRequest,
};
use crate::auth::origin_of;
use crate::state::AppState;

/// Routes: `POST /webhooks/incoming` — HMAC-signed, no token; the webhook's hidden
/// token's standard budget.
pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/incoming", post(incoming))
}

/// A verified incoming request: its context (as the webhook's bot) and raw body.
struct Verified {
    ctx: Ctx,
    webhook: entities::incoming_webhooks::Model,
    body: Bytes,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl FromRequest<AppState> for Verified {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Failure> {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, state.config.body_limit)
            .await
            .map_err(|_| Failure::field("body", "could not read the body").bare())?;
        let webhook_id = header(&parts.headers, "x-webhook-id")
            .and_then(|raw| parse_id(IdKind::Webhook, raw))
            .ok_or_else(Failure::invalid_webhook)?;
        let signature = header(&parts.headers, "x-webhook-signature");
        let verified = incoming::verify(&state.db, webhook_id, &body, signature)
            .await
            .map_err(|r| match r {
                Refusal::UnknownWebhook => Failure::invalid_webhook(),
                Refusal::BadSignature => Failure::invalid_signature(),
                Refusal::Failed(e) => Failure::from(e).bare(),
            })?;
        let ctx = state.ctx(verified.principal, origin_of(&parts, DIALECT));
        slot_of(&parts).spend(&ctx).map_err(Failure::bare)?;
        Ok(Verified {
            ctx,
            webhook: verified.webhook,
            body,
        })
    }
}

/// `POST /api/v1/webhooks/incoming` (document: Webhooks › Incoming Webhooks) → 200
/// `{success: true, action, result}`; errors are `{error, code}` (+ `details`).
async fn incoming(verified: Result<Verified, Failure>) -> Response {
    match run(verified).await {
        Ok(body) => super::extract::ok(body),
        Err(f) => f.bare().into_response(),
    }
}

fn data_as<T: DeserializeOwned>(data: &Value) -> Result<T, Failure> {
    let bytes = serde_json::to_vec(data).map_err(|_| Failure::internal())?;
    parse_json::<T>(&bytes).map_err(|mut f| {
        for d in &mut f.details {
            d.field = format!("data.{}", d.field);
        }
        f
    })
}

async fn run(verified: Result<Verified, Failure>) -> Result<Value, Failure> {
    let Verified { ctx, webhook, body } = verified?;
    let req: IncomingRequest = parse_json(&body)?;
    let action = req
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Failure::field("action", "is required"))?
        .to_owned();
    if !incoming::ACTIONS.iter().any(|(name, _)| *name == action) {
        return Err(Failure::field(
            "action",
            "must be one of send_message, create_channel, create_department, add_member",
        ));
    }
    let data = req
        .data
        .filter(Value::is_object)
        .ok_or_else(|| Failure::field("data", "must be an object"))?;
    if !incoming::allows(&webhook, &action) {
        return Err(
            Failure::insufficient(&action).with_message(format!("this webhook may not `{action}`"))
        );
    }
    let ctx = &ctx;
    let operation = format!("v1.incoming.{action}");
    once(ctx, &operation, &(&action, &data), || async {
        let result = match action.as_str() {
            "send_message" => {
                let r: SendMessageRequest = data_as(&data)?;
                let m = super::messages::send_message(ctx, &r, webhook.chat_id).await?;
                json!({ "messageId": m.id })
            }
            "create_channel" => {
                let r: CreateChannelRequest = data_as(&data)?;
                let c = super::channels::create_channel(ctx, &r).await?;
                json!({ "channelId": c.id })
            }
            "create_department" => {
                let r: CreateDepartmentRequest = data_as(&data)?;
                let d = super::departments::create_department(ctx, &r).await?;
                json!({ "departmentId": d.id })
            }
            _ => {
                let r: AddMemberRequest = data_as(&data)?;
                let m = super::members::add_member(ctx, &r).await?;
                json!({ "memberId": m.id })
            }
        };
        Ok(json!({
            "success": true,
            "action": action,
            "result": to_json(&result)?,
        }))
    })
    .await
}
