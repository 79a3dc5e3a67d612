//! Interactive messages: clicking one of a message's buttons.
//!
//! A button carries either a `url` (the client opens it; Switchboard is not involved) or
//! `data` (≤ 255 characters). Clicking a `data` button records a
//! [`EventKind::ButtonClicked`] event with a fresh **trigger id**; everything that reacts
//! to clicks reads that event: the message's bot gets its `button` webhook, the
//! message's callback URL (when its sender gave one, see [`super::callbacks`]) gets a
//! signed POST, a form may be opened against the trigger id, subscriptions see it.
//!
//! Buttons whose data starts with `sb:` are **built-in actions** performed by Switchboard
//! itself (`sb:<area>:<verb>:<id>`, e.g. the approve/reject buttons of a leave request's
//! direct message). The action runs as the person who clicked, through that area's own
//! operation and its usual authorization — so a copied or forged button grants nothing
//! the clicking user could not already do.

use entities::messages;
use serde_json::Value as Json;

use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, Result};

/// Prefix of built-in actions.
pub const BUILTIN_PREFIX: &str = "sb:";

/// What a click did.
#[derive(Clone, Debug)]
pub struct ButtonClick {
    /// The message, as it is after the click (a built-in action may have changed it).
    pub message: messages::Model,
    /// The clicked button's data.
    pub data: String,
    /// Identifies this click (e.g. to open a form in answer to it).
    pub trigger_id: String,
    /// The sequence number of the click event.
    pub event_seq: i64,
}

/// Click the button with `data` on a message the caller can read.
pub async fn click_button(ctx: &Ctx, message_id: i64, data: &str) -> Result<ButtonClick> {
    click_with(ctx, message_id, data, None).await
}

/// [`click_button`] with a comment (Messaging API v1 action responses). Buttons that are
/// actions ([`super::actions`]) refuse a click when disabled or when the user already
/// responded to the message.
pub(crate) async fn click_with(
    ctx: &Ctx,
    message_id: i64,
    data: &str,
    comment: Option<String>,
) -> Result<ButtonClick> {
    ctx.require(Scope::MessagesRead)?;
    let (message, _) = super::visible_message(ctx, message_id).await?;
    if !has_data_button(message.buttons.as_ref(), data) {
        return Err(Error::invalid(
            "data",
            "the message has no button with this data",
        ));
    }
    super::actions::check_click(ctx, &message, data).await?;
    if let Some(action) = data.strip_prefix(BUILTIN_PREFIX) {
        perform_builtin(ctx, &message, action).await?;
    }
    let trigger_id = trigger_id()?;
    let txn = ctx.write().await?;
    let event = ctx
        .commit_one(
            txn,
            EventKind::ButtonClicked {
                chat_id: message.chat_id,
                message_id: message.id,
                user_id: ctx.user_id(),
                data: data.to_owned(),
                trigger_id: trigger_id.clone(),
                comment,
            },
        )
        .await?;
    let message = super::get_message_unchecked(&ctx.db, ctx.workspace_id(), message_id)
        .await
        .unwrap_or(message);
    Ok(ButtonClick {
        message,
        data: data.to_owned(),
        trigger_id,
        event_seq: event.seq,
    })
}

/// Run a built-in action (`<area>:<verb>:<id>`) as the clicking user.
async fn perform_builtin(ctx: &Ctx, message: &messages::Model, action: &str) -> Result<()> {
    let (area, rest) = action.split_once(':').unwrap_or((action, ""));
    // One arm per area that posts actionable messages; each calls that area's own
    // operation, whose authorization applies to the clicking user.
    match area {
        "leave" => crate::hr::leave::perform_button(ctx, rest).await,
        _ => {
            let _ = (ctx, message, rest);
            Err(Error::invalid(
                "data",
                format!("unknown built-in action `{area}`"),
            ))
        }
    }
}

fn has_data_button(buttons: Option<&Json>, data: &str) -> bool {
    buttons
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
        .flatten()
        .any(|b| b.get("data").and_then(Json::as_str) == Some(data))
}

fn trigger_id() -> Result<String> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::has_data_button;

    #[test]
    fn only_data_buttons_of_the_message_match() {
        let buttons = json!([[{"text": "Yes", "data": "yes"}, {"text": "Docs", "url": "https://x.test"}], [{"text": "No", "data": "no"}]]);
        assert!(has_data_button(Some(&buttons), "yes"));
        assert!(has_data_button(Some(&buttons), "no"));
        assert!(!has_data_button(Some(&buttons), "https://x.test"));
        assert!(!has_data_button(Some(&buttons), "maybe"));
        assert!(!has_data_button(None, "yes"));
    }
}
