//! The WorkAndGo shapes (§1, §4): the success and error envelopes, pagination, and the
//! objects of the groups served so far, spelled as the document spells them (camelCase,
//! integer ids, ISO 8601 UTC instants with milliseconds).
//!
//! Request fields are optional here so that every missing or ill-typed field can be
//! named at once in `details`; handlers check what is required.

use serde::{Deserialize, Serialize};

/// `{"success": true, "data": …}` (+ `pagination` on lists).
#[derive(Debug, Serialize)]
pub struct Envelope<T: Serialize> {
    /// Always `true`.
    pub success: bool,
    /// The answer (`null` for a DELETE with nothing left to show).
    pub data: T,
    /// On lists only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

/// The page facts of a list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// The page size used.
    pub limit: u64,
    /// Where the next page starts (`?cursor=`), or `null` at the end.
    pub next_cursor: Option<String>,
    /// Whether more rows follow.
    pub has_more: bool,
}

/// `{"success": false, "error": {…}}`.
#[derive(Debug, Serialize)]
pub struct ErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// What went wrong.
    pub error: ErrorBody,
}

/// The error object.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// §1's code.
    pub code: String,
    /// Readable message.
    pub message: String,
    /// One entry per field at fault (`[]` when none is).
    pub details: Vec<FieldError>,
}

pub use crate::rest::fields::FieldError;

// ---- auth -------------------------------------------------------------------------

/// `User` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub email: Option<String>,
    pub name: String,
    pub avatar_url: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
    pub role: String,
    pub hr_admin: bool,
    pub department_id: Option<i64>,
    pub created_at: String,
}

/// `{id, name}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedRef {
    pub id: i64,
    pub name: String,
}

/// The key a `Me` was asked with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeKey {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub app: Option<String>,
}

/// `Me` (§4): a `User` with its organisation and the key used, if any.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    pub organisation: NamedRef,
    pub api_key: Option<MeKey>,
}

/// `Session` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: i64,
    pub current: bool,
    pub method: String,
    pub device: Option<String>,
    pub ip_address: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

/// `{user: Me, session: Session}` (dev-login).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: Me,
    pub session: Session,
}

/// `ApiKey` (§4); `key` only in the create response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub scopes: Vec<String>,
    pub app: Option<String>,
    pub created_by: NamedRef,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `POST /api/auth/dev-login`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevLoginRequest {
    pub email: Option<String>,
    pub name: Option<String>,
    /// Switchboard's addition: which organisation, when several have the e-mail.
    pub organisation_id: Option<i64>,
}

/// `POST /api/auth/api-keys`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKeyRequest {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub expires_at: Option<String>,
    pub app: Option<String>,
}

// ---- channels ---------------------------------------------------------------------

/// `Channel` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub is_member: bool,
    pub member_count: i64,
    pub unread_count: i64,
    pub created_by: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// `ChannelMember` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelMember {
    pub user_id: i64,
    pub name: String,
    pub avatar_url: Option<String>,
    pub role: String,
    pub joined_at: String,
}

/// `Unread` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unread {
    pub channel_id: i64,
    pub unread_count: i64,
    pub last_read_message_id: Option<i64>,
    pub last_read_at: Option<String>,
}

/// `GET /api/channels/unread`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnreadSummary {
    pub total: i64,
    pub channels: Vec<Unread>,
}

/// `POST /api/channels`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateChannelRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub member_ids: Option<Vec<i64>>,
}

/// `POST /api/channels/{id}/members`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddMembersRequest {
    pub user_ids: Option<Vec<i64>>,
    pub role: Option<String>,
}

/// `POST /api/channels/{id}/read`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadRequest {
    pub message_id: Option<i64>,
}

// ---- messages ---------------------------------------------------------------------

/// A message's author.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub avatar_url: Option<String>,
    pub is_bot: bool,
}

/// `Attachment` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub mime_type: Option<String>,
    pub size: i64,
    pub url: String,
}

/// `Reaction` (§4); the reaction list adds `users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    pub reacted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<NamedRef>>,
}

/// `Message` (§4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub channel_id: i64,
    pub parent_id: Option<i64>,
    pub author: Author,
    pub content: String,
    pub attachments: Vec<Attachment>,
    pub reactions: Vec<Reaction>,
    pub reply_count: i64,
    pub last_reply_at: Option<String>,
    pub pinned: bool,
    pub pinned_at: Option<String>,
    pub pinned_by: Option<i64>,
    pub task_ids: Vec<i64>,
    pub edited_at: Option<String>,
    pub created_at: String,
}

/// `POST /api/messages`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    pub channel_id: Option<i64>,
    pub content: Option<String>,
    pub attachment_ids: Option<Vec<i64>>,
}

/// `PATCH /api/messages/{id}`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EditMessageRequest {
    pub content: Option<String>,
}

/// `POST /api/messages/{id}/reactions`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ReactionRequest {
    pub emoji: Option<String>,
}
