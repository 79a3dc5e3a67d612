//! The Messaging API v1's shapes, spelled as the document spells them (camelCase,
//! `_count`, prefixed string ids, whole-second dates).
//!
//! Request fields are all optional here so that every missing or malformed field can
//! be reported at once in `details`; the handlers check what is required.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The error body.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// Human-readable summary.
    pub error: String,
    /// Machine code.
    pub code: String,
    /// Detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Field problems of a validation failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<FieldError>>,
}

pub use crate::rest::fields::FieldError;

// ---- messages ---------------------------------------------------------------------

/// `POST /messages` body (plain and interactive).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    /// `channel_<n>`, or a channel's exact name.
    pub channel_id: Option<String>,
    /// ≤ 10,000 characters.
    pub content: Option<String>,
    /// `text`, `integration` (default), `system`, `interactive`.
    pub message_type: Option<String>,
    /// Any JSON object.
    pub metadata: Option<Value>,
    /// Files by URL.
    pub attachments: Option<Vec<AttachmentRequest>>,
    /// Interactive messages: 1–5 actions.
    pub actions: Option<Vec<ActionRequest>>,
    /// Interactive messages: where responses are POSTed.
    pub callback_url: Option<String>,
}

/// One attachment of a new message.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentRequest {
    /// File name.
    pub name: Option<String>,
    /// MIME type.
    #[serde(rename = "type")]
    pub mime: Option<String>,
    /// http(s) URL.
    pub url: Option<String>,
    /// Bytes.
    pub size: Option<i64>,
}

/// One action of an interactive message.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRequest {
    /// Unique within the message.
    pub action_id: Option<String>,
    /// Button text.
    pub label: Option<String>,
    /// `default`, `primary`, `danger`.
    pub style: Option<String>,
    /// Sent back in the callback.
    pub value: Option<String>,
}

/// A message in a response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageOut {
    /// `msg_<n>`.
    pub id: String,
    /// `channel_<n>`.
    pub channel_id: String,
    /// As sent.
    pub content: String,
    /// `text`, `integration`, `system`, `interactive`.
    pub message_type: String,
    /// As sent (plus `callbackUrl` for interactive messages).
    pub metadata: Value,
    /// As sent.
    pub attachments: Vec<AttachmentOut>,
    /// Interactive messages only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<ActionOut>>,
    /// Whole seconds, UTC.
    pub created_at: String,
    /// The token's bot user.
    pub user: UserRef,
}

/// An attachment in a response.
#[derive(Debug, Serialize)]
pub struct AttachmentOut {
    /// File name.
    pub name: String,
    /// MIME type (`null` when none was given).
    #[serde(rename = "type")]
    pub mime: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Bytes.
    pub size: i64,
}

/// An action in a response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionOut {
    /// `action_<n>`.
    pub id: String,
    /// The sender's id for it.
    pub action_id: String,
    /// Button text.
    pub label: String,
    /// `default`, `primary`, `danger`.
    pub style: String,
    /// `null` when absent.
    pub value: Option<String>,
    /// `false` when created.
    pub disabled: bool,
    /// 0-based position.
    pub order: i64,
}

/// A user as messages, departments and members show one.
#[derive(Debug, Serialize)]
pub struct UserRef {
    /// `user_<n>`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `null` for bots.
    pub email: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Presence (members only): `online`, `away`, `offline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

// ---- channels ---------------------------------------------------------------------

/// `POST /channels` body.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateChannelRequest {
    /// ≤ 100 characters.
    pub name: Option<String>,
    /// ≤ 500 characters.
    pub description: Option<String>,
    /// `public` (default) or `private`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `dept_<n>`.
    pub department_id: Option<String>,
}

/// A channel in a response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelOut {
    /// `channel_<n>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description (`null` when empty).
    pub description: Option<String>,
    /// `public` or `private`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `workspace_<n>`.
    pub workspace_id: String,
    /// `dept_<n>`.
    pub department_id: Option<String>,
    /// Whole seconds, UTC.
    pub created_at: String,
    /// `{id, name}` or `null`.
    pub department: Option<NamedRef>,
    /// Lists only.
    #[serde(rename = "_count", skip_serializing_if = "Option::is_none")]
    pub count: Option<ChannelCount>,
}

/// `{id, name}`.
#[derive(Debug, Serialize)]
pub struct NamedRef {
    /// Prefixed id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A channel's `_count`.
#[derive(Debug, Serialize)]
pub struct ChannelCount {
    /// Live messages.
    pub messages: i64,
    /// Members.
    pub members: i64,
}

// ---- departments ------------------------------------------------------------------

/// `POST /departments` body.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDepartmentRequest {
    /// ≤ 100 characters.
    pub name: Option<String>,
    /// ≤ 500 characters.
    pub description: Option<String>,
    /// `user_<n>`.
    pub manager_id: Option<String>,
    /// `dept_<n>`.
    pub parent_id: Option<String>,
}

/// A department in a response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentOut {
    /// `dept_<n>`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `workspace_<n>`.
    pub workspace_id: String,
    /// `user_<n>`.
    pub manager_id: Option<String>,
    /// `dept_<n>`.
    pub parent_id: Option<String>,
    /// Whole seconds, UTC.
    pub created_at: String,
    /// The manager, or `null`.
    pub manager: Option<UserRef>,
    /// Lists only: the parent `{id, name}`, or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Option<NamedRef>>,
    /// Lists only.
    #[serde(rename = "_count", skip_serializing_if = "Option::is_none")]
    pub count: Option<DepartmentCount>,
}

/// A department's `_count`.
#[derive(Debug, Serialize)]
pub struct DepartmentCount {
    /// People in it.
    pub members: i64,
    /// Its channels.
    pub channels: i64,
    /// Departments directly below it.
    pub children: i64,
}

// ---- members ----------------------------------------------------------------------

/// `POST /members` body.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddMemberRequest {
    /// Email address.
    pub email: Option<String>,
    /// `owner`, `admin`, `member` (default), `guest`.
    pub role: Option<String>,
    /// `dept_<n>`.
    pub department_id: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// `team_<n>` (group tags).
    pub team_ids: Option<Vec<String>>,
}

/// A member in a response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOut {
    /// `member_<n>`.
    pub id: String,
    /// `workspace_<n>`.
    pub workspace_id: String,
    /// `user_<n>`.
    pub user_id: String,
    /// `owner`, `admin`, `member`, `guest`.
    pub role: String,
    /// `dept_<n>`.
    pub department_id: Option<String>,
    /// Job title (`null` when empty).
    pub title: Option<String>,
    /// Whole seconds, UTC.
    pub joined_at: String,
    /// The user (with `status` in lists).
    pub user: UserRef,
    /// Lists only: `{id, name}` or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<Option<NamedRef>>,
}

/// `pagination`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// 1-based page.
    pub page: u64,
    /// Items per page.
    pub limit: u64,
    /// Items in all.
    pub total: u64,
    /// Pages in all.
    pub total_pages: u64,
}

// ---- incoming webhooks ------------------------------------------------------------

/// `POST /webhooks/incoming` body.
#[derive(Debug, Deserialize)]
pub struct IncomingRequest {
    /// `send_message`, `create_channel`, `create_department`, `add_member`.
    pub action: Option<String>,
    /// The action's fields.
    pub data: Option<Value>,
}
