//! The action model of interactive messages (Messaging API v1, §6.1), kept in the
//! message's buttons: each action is a `data` button (`data` = its `actionId`) with
//! its `style`, `value`, `disabled` flag and `actionId`, all in one row. So every front
//! door sees and clicks the same buttons ([`super::buttons`]), a click is the same
//! [`crate::events::EventKind::ButtonClicked`] event, and the message's callback goes
//! through the one outbox ([`super::callbacks`]); a message whose buttons are actions
//! gets the v1 callback shape.
//!
//! Rules of actions, applied to every click on them: a disabled action refuses clicks,
//! and each person responds once per message.
//!
//! An action's server id (`action_<n>`) is derived — `message id × 100 + position` —
//! since actions are not rows of their own; it is unique in the workspace.

use entities::messages;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value as Json, json};

use crate::auth::Scope;
use crate::events::EventKind;
use crate::{Ctx, Error, Result};

/// Most actions on one message.
pub const MAX_ACTIONS: usize = 5;
/// The styles an action may have.
pub const STYLES: &[&str] = &["default", "primary", "danger"];

/// One action as a sender gives it.
#[derive(Clone, Debug, Default)]
pub struct ActionInput {
    /// Unique within the message; what callbacks name.
    pub action_id: String,
    /// Button text.
    pub label: String,
    /// `default` (when absent), `primary` or `danger`.
    pub style: Option<String>,
    /// Sent back in callbacks.
    pub value: Option<String>,
}

/// One action of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageAction {
    /// Server id (see the module docs).
    pub id: i64,
    /// The sender's id for it.
    pub action_id: String,
    /// Button text.
    pub label: String,
    /// `default`, `primary` or `danger`.
    pub style: String,
    /// Sent back in callbacks.
    pub value: Option<String>,
    /// Disabled actions refuse clicks.
    pub disabled: bool,
    /// 0-based position.
    pub order: i64,
}

/// The buttons of `actions` (1 to [`MAX_ACTIONS`], unique ids), ready for
/// [`super::SendMessageInput::buttons`]. Errors name `actions[i].<field>`.
pub fn buttons_of(actions: &[ActionInput]) -> Result<Json> {
    if actions.is_empty() || actions.len() > MAX_ACTIONS {
        return Err(Error::invalid(
            "actions",
            format!("1 to {MAX_ACTIONS} actions required"),
        ));
    }
    let mut row = Vec::with_capacity(actions.len());
    let mut seen: Vec<&str> = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let field = |f: &str| format!("actions[{i}].{f}");
        let id = a.action_id.trim();
        if id.is_empty() || id.chars().count() > 255 {
            return Err(Error::invalid(
                field("actionId"),
                "1 to 255 characters required",
            ));
        }
        if seen.contains(&id) {
            return Err(Error::invalid(
                field("actionId"),
                "must be unique within the message",
            ));
        }
        seen.push(id);
        let label = a.label.trim();
        if label.is_empty() || label.chars().count() > 255 {
            return Err(Error::invalid(
                field("label"),
                "1 to 255 characters required",
            ));
        }
        let style = a.style.as_deref().unwrap_or("default");
        if !STYLES.contains(&style) {
            return Err(Error::invalid(
                field("style"),
                format!("must be one of {}", STYLES.join(", ")),
            ));
        }
        if a.value.as_ref().is_some_and(|v| v.chars().count() > 2_000) {
            return Err(Error::invalid(
                field("value"),
                "must be at most 2000 characters",
            ));
        }
        row.push(json!({
            "text": label,
            "data": id,
            "actionId": id,
            "style": style,
            "value": a.value,
            "disabled": false,
        }));
    }
    Ok(json!([row]))
}

/// Whether `buttons` are actions (the v1 model) rather than plain buttons.
pub fn are_actions(buttons: Option<&Json>) -> bool {
    action_buttons(buttons).next().is_some()
}

fn action_buttons(buttons: Option<&Json>) -> impl Iterator<Item = &serde_json::Map<String, Json>> {
    buttons
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
        .flatten()
        .filter_map(Json::as_object)
        .filter(|b| b.get("actionId").and_then(Json::as_str).is_some())
}

/// The actions of a message, in order (empty for a message without any).
pub fn actions_of(message: &messages::Model) -> Vec<MessageAction> {
    action_buttons(message.buttons.as_ref())
        .enumerate()
        .map(|(i, b)| {
            let order = i64::try_from(i).unwrap_or(0);
            let text = |k: &str| b.get(k).and_then(Json::as_str).map(str::to_owned);
            MessageAction {
                id: message.id.saturating_mul(100).saturating_add(order),
                action_id: text("actionId").unwrap_or_default(),
                label: text("text").unwrap_or_default(),
                style: text("style").unwrap_or_else(|| "default".to_owned()),
                value: text("value"),
                disabled: b.get("disabled").and_then(Json::as_bool).unwrap_or(false),
                order,
            }
        })
        .collect()
}

/// Check a click on `data` of `message` against the action rules (nothing to check on
/// plain buttons): the action must be enabled, and the clicking user must not have
/// responded to this message already.
pub(crate) async fn check_click(ctx: &Ctx, message: &messages::Model, data: &str) -> Result<()> {
    let actions = actions_of(message);
    let Some(action) = actions.iter().find(|a| a.action_id == data) else {
        return Ok(());
    };
    if action.disabled {
        return Err(Error::conflict("actionId", "this action is disabled"));
    }
    let earlier = entities::events::Entity::find()
        .filter(entities::events::Column::WorkspaceId.eq(ctx.workspace_id()))
        .filter(entities::events::Column::Kind.eq("button_clicked"))
        .filter(entities::events::Column::SubjectId.eq(message.id))
        .filter(entities::events::Column::ActorId.eq(ctx.user_id()))
        .count(&ctx.db)
        .await?;
    if earlier > 0 {
        return Err(Error::conflict(
            "actionId",
            "you already responded to this message",
        ));
    }
    Ok(())
}

/// Respond to an action of a message the caller can read, optionally with a comment
/// (≤ 2,000 characters): a click with the comment, delivered to the message's callback.
pub async fn respond_to_message_action(
    ctx: &Ctx,
    message_id: i64,
    action_id: &str,
    comment: Option<String>,
) -> Result<super::ButtonClick> {
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2_000) {
        return Err(Error::invalid("comment", "must be at most 2000 characters"));
    }
    let (message, _) = super::visible_message(ctx, message_id).await?;
    if !actions_of(&message)
        .iter()
        .any(|a| a.action_id == action_id)
    {
        return Err(Error::invalid(
            "actionId",
            "the message has no action with this id",
        ));
    }
    super::buttons::click_with(ctx, message_id, action_id, comment).await
}

/// Disable or enable actions of a message (its sender, or a workspace admin): the ones
/// named, or all when `action_ids` is `None`.
pub async fn set_message_actions_disabled(
    ctx: &Ctx,
    message_id: i64,
    action_ids: Option<Vec<String>>,
    disabled: bool,
) -> Result<messages::Model> {
    ctx.require(Scope::MessagesUpdate)?;
    let (message, _) = super::visible_message(ctx, message_id).await?;
    if message.author_id != ctx.user_id() && !ctx.principal.is_admin() {
        return Err(Error::Forbidden(
            "only the message's sender or a workspace admin can do this".into(),
        ));
    }
    let known: Vec<String> = actions_of(&message)
        .into_iter()
        .map(|a| a.action_id)
        .collect();
    if known.is_empty() {
        return Err(Error::invalid("messageId", "the message has no actions"));
    }
    if let Some(ids) = &action_ids
        && let Some(unknown) = ids.iter().find(|id| !known.contains(id))
    {
        return Err(Error::invalid(
            "actionIds",
            format!("the message has no action `{unknown}`"),
        ));
    }
    let mut buttons = message.buttons.clone().unwrap_or(Json::Null);
    for row in buttons.as_array_mut().into_iter().flatten() {
        for b in row.as_array_mut().into_iter().flatten() {
            let Some(obj) = b.as_object_mut() else {
                continue;
            };
            let Some(id) = obj
                .get("actionId")
                .and_then(Json::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            if action_ids.as_ref().is_none_or(|ids| ids.contains(&id)) {
                obj.insert("disabled".into(), Json::Bool(disabled));
            }
        }
    }
    let mut am: messages::ActiveModel = message.into();
    am.buttons = sea_orm::Set(Some(buttons));
    let txn = ctx.write().await?;
    let message = sea_orm::ActiveModelTrait::update(am, &txn).await?;
    ctx.commit_one(
        txn,
        EventKind::MessageUpdated {
            message: message.clone(),
        },
    )
    .await?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, style: Option<&str>) -> ActionInput {
        ActionInput {
            action_id: id.into(),
            label: id.to_uppercase(),
            style: style.map(str::to_owned),
            value: None,
        }
    }

    #[test]
    fn actions_become_one_row_of_data_buttons() {
        let buttons = buttons_of(&[action("approve", Some("primary")), action("reject", None)])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(are_actions(Some(&buttons)));
        assert!(super::super::callbacks::clickable(Some(&buttons)));
        let message = messages::Model {
            id: 7,
            workspace_id: 1,
            chat_id: 1,
            author_id: 1,
            kind: "interactive".into(),
            content: String::new(),
            metadata: None,
            buttons: Some(buttons),
            reply_to_id: None,
            created_at: chrono::Utc::now(),
            edited_at: None,
            deleted_at: None,
            pinned_at: None,
            pinned_by_id: None,
        };
        let got = actions_of(&message);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].id, got[0].order, got[0].style.as_str()),
            (700, 0, "primary")
        );
        assert_eq!((got[1].id, got[1].style.as_str()), (701, "default"));
        assert_eq!(got[1].value, None);
    }

    #[test]
    fn bad_actions_name_the_field() {
        let field = |actions: &[ActionInput]| match buttons_of(actions) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(&[]), "actions");
        assert_eq!(field(&vec![action("a", None); 6]), "actions");
        assert_eq!(
            field(&[action("a", None), action("a", None)]),
            "actions[1].actionId"
        );
        assert_eq!(field(&[action("a", Some("loud"))]), "actions[0].style");
        assert!(!are_actions(Some(&json!([[{"text": "x", "data": "y"}]]))));
    }
}
