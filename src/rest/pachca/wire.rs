//! Pachca's request and response shapes, spelled as `pachca-openapi.yaml` defines them
//! (snake_case keys, every listed key emitted, `null` when empty). Dates are rendered
//! strings (see `convert::date`). Request structs ignore unknown keys.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- errors -------------------------------------------------------------------------

/// `ApiError`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    /// The error items.
    pub errors: Vec<ApiErrorItem>,
}

/// `ApiErrorItem`: all five keys are always present.
#[derive(Debug, Serialize)]
pub struct ApiErrorItem {
    /// The field or object at fault.
    pub key: String,
    /// The rejected value, when one is echoed.
    pub value: Option<String>,
    /// Human-readable text.
    pub message: String,
    /// A `ValidationErrorCode`.
    pub code: String,
    /// Extra data (`{id}` for custom properties, `{record, query}` for authorization).
    pub payload: Option<Value>,
}

/// `OAuthError`.
#[derive(Debug, Serialize)]
pub struct OAuthError {
    /// `invalid_token`, `insufficient_scope`, ...
    pub error: String,
    /// Detail.
    pub error_description: String,
}

// ---- envelopes ----------------------------------------------------------------------

/// `{"data": ...}`.
#[derive(Debug, Serialize)]
pub struct Data<T> {
    /// The object.
    pub data: T,
}

/// `meta.paginate` of a list: four keys, cursors never null.
#[derive(Clone, Debug, Serialize)]
pub struct Paginate {
    /// Continues after the last row.
    pub next_page: String,
    /// Reads the rows before the first one (polls for newer rows).
    pub prev_page: String,
    /// Whether more rows follow.
    pub has_next: bool,
    /// Whether rows precede.
    pub has_prev: bool,
}

/// `meta` of a list.
#[derive(Debug, Serialize)]
pub struct ListMeta {
    /// The cursors.
    pub paginate: Paginate,
}

/// `{"data": [...], "meta": {"paginate": {...}}}`.
#[derive(Debug, Serialize)]
pub struct List<T> {
    /// The rows.
    pub data: Vec<T>,
    /// The cursors.
    pub meta: ListMeta,
}

/// `meta.paginate` of a search: `next_page` only, never null.
#[derive(Clone, Debug, Serialize)]
pub struct SearchPaginate {
    /// The next page (an empty one at the end).
    pub next_page: String,
}

/// `meta` of a search.
#[derive(Debug, Serialize)]
pub struct SearchMeta {
    /// Matches in all.
    pub total: i64,
    /// The cursor.
    pub paginate: SearchPaginate,
}

/// `{"data": [...], "meta": {"total", "paginate": {"next_page"}}}`.
#[derive(Debug, Serialize)]
pub struct SearchList<T> {
    /// The rows.
    pub data: Vec<T>,
    /// Total and cursor.
    pub meta: SearchMeta,
}

// ---- users --------------------------------------------------------------------------

/// `User`.
#[derive(Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub nickname: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    /// `admin|user|multi_guest|guest`.
    pub role: &'static str,
    pub suspended: bool,
    /// `confirmed|sent`.
    pub invite_status: &'static str,
    pub inviter_id: Option<i64>,
    pub list_tags: Vec<String>,
    pub custom_properties: Vec<CustomProperty>,
    pub user_status: Option<UserStatus>,
    pub bot: bool,
    pub sso: bool,
    pub created_at: String,
    pub last_activity_at: Option<String>,
    pub time_zone: Option<String>,
    pub image_url: Option<String>,
}

/// `CustomProperty` (a value on a user or task).
#[derive(Debug, Serialize)]
pub struct CustomProperty {
    pub id: i64,
    pub name: String,
    pub data_type: String,
    pub value: Option<String>,
}

/// `UserStatus`.
#[derive(Debug, Serialize)]
pub struct UserStatus {
    pub emoji: String,
    pub title: String,
    pub expires_at: Option<String>,
    pub is_away: bool,
    pub away_message: Option<AwayMessage>,
}

/// `UserStatus.away_message`.
#[derive(Debug, Serialize)]
pub struct AwayMessage {
    pub text: String,
}

/// `GroupTag`.
#[derive(Debug, Serialize)]
pub struct GroupTag {
    pub id: i64,
    pub name: String,
    pub users_count: i64,
}

// ---- chats --------------------------------------------------------------------------

/// `Chat` (the 12 spec keys plus `avatar_url`).
#[derive(Debug, Serialize)]
pub struct Chat {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub owner_id: i64,
    pub member_ids: Vec<i64>,
    pub group_tag_ids: Vec<i64>,
    pub channel: bool,
    pub archived: bool,
    pub personal: bool,
    pub public: bool,
    pub last_message_at: String,
    pub meet_room_url: String,
    pub avatar_url: Option<String>,
}

/// `{"data": Chat, "meta": {"not_found_member_ids": [...]}}` of `POST /chats`.
#[derive(Debug, Serialize)]
pub struct CreatedChat {
    pub data: Chat,
    pub meta: CreatedChatMeta,
}

/// `meta` of `POST /chats`.
#[derive(Debug, Serialize)]
pub struct CreatedChatMeta {
    pub not_found_member_ids: Vec<i64>,
}

/// `Thread`.
#[derive(Debug, Serialize)]
pub struct Thread {
    pub id: i64,
    pub chat_id: i64,
    pub message_id: Option<i64>,
    pub message_chat_id: Option<i64>,
    pub updated_at: String,
}

// ---- messages -----------------------------------------------------------------------

/// `Message`.
#[derive(Debug, Serialize)]
pub struct Message {
    pub id: i64,
    /// `discussion|thread|user`.
    pub entity_type: &'static str,
    pub entity_id: i64,
    pub chat_id: i64,
    pub root_chat_id: i64,
    pub content: String,
    pub user_id: i64,
    pub created_at: String,
    pub url: String,
    pub files: Vec<File>,
    pub voice_content: Option<Value>,
    pub buttons: Option<Value>,
    pub thread: Option<MessageThread>,
    pub forwarding: Option<Value>,
    pub parent_message_id: Option<i64>,
    pub changed_at: Option<String>,
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `Message.thread`.
#[derive(Debug, Serialize)]
pub struct MessageThread {
    pub id: i64,
    pub chat_id: i64,
}

/// `File`.
#[derive(Debug, Serialize)]
pub struct File {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// `file|image`.
    pub file_type: String,
    pub url: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// `Reaction`.
#[derive(Debug, Serialize)]
pub struct Reaction {
    pub user_id: i64,
    pub created_at: String,
    pub code: String,
    pub name: String,
}

// ---- tokens and audit ---------------------------------------------------------------

/// `AccessTokenInfo`.
#[derive(Debug, Serialize)]
pub struct AccessTokenInfo {
    pub id: i64,
    pub token: String,
    pub name: Option<String>,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub expires_in: Option<i64>,
    pub last_used_at: Option<String>,
}

/// `AuditEvent`.
#[derive(Debug, Serialize)]
pub struct AuditEvent {
    pub id: String,
    pub created_at: String,
    pub event_key: String,
    pub entity_id: String,
    pub entity_type: String,
    pub actor_id: String,
    pub actor_type: String,
    pub details: Value,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

// ---- requests -----------------------------------------------------------------------

/// `{"chat": {...}}` of `POST /chats`.
#[derive(Debug, Deserialize)]
pub struct ChatCreateRequest {
    pub chat: ChatCreate,
}

/// `ChatCreateRequest.chat`.
#[derive(Debug, Deserialize)]
pub struct ChatCreate {
    pub name: String,
    #[serde(default)]
    pub member_ids: Vec<i64>,
    #[serde(default)]
    pub group_tag_ids: Vec<i64>,
    #[serde(default)]
    pub channel: bool,
    #[serde(default)]
    pub public: bool,
}

/// `{"chat": {...}}` of `PUT /chats/{id}`.
#[derive(Debug, Deserialize)]
pub struct ChatUpdateRequest {
    pub chat: ChatUpdate,
}

/// `ChatUpdateRequest.chat`.
#[derive(Debug, Deserialize)]
pub struct ChatUpdate {
    pub name: Option<String>,
    pub public: Option<bool>,
}

/// `{"message": {...}, "link_preview"?}` of `POST /messages`.
#[derive(Debug, Deserialize)]
pub struct MessageCreateRequest {
    pub message: MessageCreate,
    #[serde(default)]
    pub link_preview: bool,
}

/// `MessageCreateRequest.message`.
#[derive(Debug, Deserialize)]
pub struct MessageCreate {
    pub entity_type: Option<String>,
    pub entity_id: i64,
    pub content: String,
    #[serde(default)]
    pub files: Vec<FileInput>,
    pub buttons: Option<Value>,
    pub parent_message_id: Option<i64>,
    pub display_avatar_url: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub skip_invite_mentions: bool,
}

/// A file of a new message.
#[derive(Debug, Deserialize)]
pub struct FileInput {
    pub key: String,
    pub name: String,
    pub file_type: Option<String>,
    #[serde(default)]
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// `{"message": {...}}` of `PUT /messages/{id}`.
#[derive(Debug, Deserialize)]
pub struct MessageUpdateRequest {
    pub message: MessageUpdate,
}

/// `MessageUpdateRequest.message`.
#[derive(Debug, Deserialize)]
pub struct MessageUpdate {
    pub content: Option<String>,
    pub files: Option<Vec<FileInput>>,
    pub buttons: Option<Value>,
    pub display_avatar_url: Option<String>,
    pub display_name: Option<String>,
}

/// `{"user": {...}, "skip_email_notify"?}` of `POST /users`.
#[derive(Debug, Deserialize)]
pub struct UserCreateRequest {
    pub user: UserFields,
    #[serde(default)]
    pub skip_email_notify: bool,
}

/// `{"user": {...}}` of `PUT /users/{id}`.
#[derive(Debug, Deserialize)]
pub struct UserUpdateRequest {
    pub user: UserFields,
}

/// The user fields a client may set.
#[derive(Debug, Default, Deserialize)]
pub struct UserFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub nickname: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub role: Option<String>,
    pub suspended: Option<bool>,
    pub list_tags: Option<Vec<String>>,
    pub chat_ids: Option<Vec<i64>>,
    pub custom_properties: Option<Vec<Value>>,
}

/// `{"status": {...}}`.
#[derive(Debug, Deserialize)]
pub struct StatusUpdateRequest {
    pub status: StatusUpdate,
}

/// `StatusUpdateRequest.status`.
#[derive(Debug, Deserialize)]
pub struct StatusUpdate {
    pub emoji: String,
    pub title: String,
    pub expires_at: Option<String>,
    #[serde(default)]
    pub is_away: bool,
    pub away_message: Option<String>,
}

/// `{"group_tag": {"name"}}`.
#[derive(Debug, Deserialize)]
pub struct GroupTagRequest {
    pub group_tag: GroupTagFields,
}

/// `GroupTagRequest.group_tag`.
#[derive(Debug, Deserialize)]
pub struct GroupTagFields {
    pub name: String,
}

/// `{member_ids, silent?}`.
#[derive(Debug, Deserialize)]
pub struct AddMembersRequest {
    pub member_ids: Vec<i64>,
    #[serde(default)]
    pub silent: bool,
}

/// `{group_tag_ids}`.
#[derive(Debug, Deserialize)]
pub struct AddTagsRequest {
    pub group_tag_ids: Vec<i64>,
}

/// `{role}`.
#[derive(Debug, Deserialize)]
pub struct UpdateMemberRoleRequest {
    pub role: String,
}

/// `{code, name?}`.
#[derive(Debug, Deserialize)]
pub struct ReactionRequest {
    pub code: String,
    pub name: Option<String>,
}

/// `{message_id?}` of `PUT /chats/{id}/unread`.
#[derive(Debug, Default, Deserialize)]
pub struct UnreadRequest {
    pub message_id: Option<i64>,
}

/// The spec's `OAuthScope` vocabulary. Token info lists a token's scopes within it; the
/// scopes Switchboard adds (departments, meetings, HR, …) mean nothing to a Pachca client.
pub const OAUTH_SCOPES: &[&str] = &[
    "chats:read",
    "chats:create",
    "chats:update",
    "chats:archive",
    "chats:leave",
    "chat_members:read",
    "chat_members:write",
    "chat_exports:read",
    "chat_exports:write",
    "messages:read",
    "messages:create",
    "messages:update",
    "messages:delete",
    "reactions:read",
    "reactions:write",
    "pins:write",
    "threads:read",
    "threads:create",
    "link_previews:write",
    "users:read",
    "users:create",
    "users:update",
    "users:delete",
    "group_tags:read",
    "group_tags:write",
    "bots:read",
    "bots:write",
    "bot_self:webhook:write",
    "bot_self:write",
    "profile:read",
    "profile_status:read",
    "profile_status:write",
    "profile_avatar:write",
    "user_status:read",
    "user_status:write",
    "user_avatar:write",
    "custom_properties:read",
    "audit_events:read",
    "tasks:read",
    "tasks:create",
    "tasks:update",
    "tasks:delete",
    "files:read",
    "files:write",
    "uploads:write",
    "views:write",
    "webhooks:read",
    "webhooks:write",
    "webhooks:events:read",
    "webhooks:events:delete",
    "search:users",
    "search:chats",
    "search:messages",
];
// ---- tasks and custom properties ----------------------------------------------------

/// `Task`.
#[derive(Debug, Serialize)]
pub struct Task {
    pub id: i64,
    /// `call|meeting|reminder|event|email`.
    pub kind: String,
    pub content: String,
    pub due_at: Option<String>,
    pub priority: i32,
    pub user_id: i64,
    pub chat_id: Option<i64>,
    /// `done|undone`.
    pub status: String,
    pub created_at: String,
    pub performer_ids: Vec<i64>,
    pub all_day: bool,
    pub custom_properties: Vec<CustomProperty>,
}

/// `CustomPropertyDefinition`.
#[derive(Debug, Serialize)]
pub struct CustomPropertyDefinition {
    pub id: i64,
    pub name: String,
    pub data_type: String,
}

/// `{id, value}`: a custom property value to set.
#[derive(Debug, Deserialize)]
pub struct PropertyValueInput {
    pub id: i64,
    pub value: String,
}

/// `{"task": {...}}` of `POST /tasks`.
#[derive(Debug, Deserialize)]
pub struct TaskCreateRequest {
    pub task: TaskCreate,
}

/// `TaskCreateRequest.task`.
#[derive(Debug, Deserialize)]
pub struct TaskCreate {
    pub kind: String,
    pub content: Option<String>,
    pub due_at: Option<String>,
    pub priority: Option<i32>,
    pub performer_ids: Option<Vec<i64>>,
    pub chat_id: Option<i64>,
    pub all_day: Option<bool>,
    pub custom_properties: Option<Vec<PropertyValueInput>>,
}

/// `{"task": {...}}` of `PUT /tasks/{id}`.
#[derive(Debug, Deserialize)]
pub struct TaskUpdateRequest {
    pub task: TaskUpdate,
}

/// `TaskUpdateRequest.task`.
#[derive(Debug, Deserialize)]
pub struct TaskUpdate {
    pub kind: Option<String>,
    pub content: Option<String>,
    pub due_at: Option<String>,
    pub priority: Option<i32>,
    pub performer_ids: Option<Vec<i64>>,
    pub status: Option<String>,
    pub all_day: Option<bool>,
    pub done_at: Option<String>,
    pub custom_properties: Option<Vec<PropertyValueInput>>,
}

// ---- integrations -------------------------------------------------------------------

/// `LinkPreviewsRequest`: previews keyed by the message's URLs.
#[derive(Debug, Deserialize)]
pub struct LinkPreviewsRequest {
    pub link_previews: std::collections::BTreeMap<String, LinkPreview>,
}

/// `LinkPreview`.
#[derive(Debug, Deserialize)]
pub struct LinkPreview {
    pub title: String,
    pub description: String,
    pub image_url: Option<String>,
    pub image: Option<Value>,
}

/// `OpenViewRequest` (flat).
#[derive(Debug, Deserialize)]
pub struct OpenViewRequest {
    #[serde(rename = "type")]
    pub kind: String,
    pub trigger_id: String,
    pub private_metadata: Option<String>,
    pub callback_id: Option<String>,
    pub view: Value,
}

/// `{submit_id*, errors?}` of `POST /views/{view_id}/submit_response`.
#[derive(Debug, Deserialize)]
pub struct SubmitResponseRequest {
    pub submit_id: String,
    pub errors: Option<Value>,
}

/// Bare `{success}` of `POST /views/{view_id}/submit_response`.
#[derive(Debug, Serialize)]
pub struct SubmitResponse {
    pub success: bool,
}

/// `Draft`.
#[derive(Debug, Serialize)]
pub struct Draft {
    pub id: i64,
    pub content: String,
    pub files: Value,
    pub created_at: String,
    pub updated_at: String,
    /// `discussion|thread|user`.
    pub entity_type: &'static str,
    pub entity_id: i64,
    pub chat_id: i64,
    pub parent_message_id: Option<i64>,
    pub voice_content: Option<Value>,
    pub schedule: Option<Value>,
    pub next_send_at: Option<String>,
}

/// `{"draft": {...}}` of `POST /drafts` and `PUT /drafts/{id}`.
#[derive(Debug, Deserialize)]
pub struct DraftRequest {
    pub draft: DraftFields,
}

/// `DraftRequest.draft` (`entity_type` and `entity_id` are required on create).
#[derive(Debug, Deserialize)]
pub struct DraftFields {
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub content: Option<String>,
    pub parent_message_id: Option<i64>,
    pub files: Option<Value>,
    pub schedule: Option<Value>,
}

// ---- integrations -------------------------------------------------------------------

/// `WebhookEvent`: one entry of a bot's event history.
#[derive(Debug, Serialize)]
pub struct WebhookEvent {
    /// String id (ULID-like).
    pub id: String,
    /// A `BotEventName`.
    pub event_type: String,
    /// The webhook payload, stamped with the event's `webhook_timestamp`.
    pub payload: Value,
    /// When the event happened.
    pub created_at: String,
}

/// The spec's `ValidationErrorCode`s (the `code` of an ApiError item).
pub const VALIDATION_CODES: &[&str] = &[
    "blank",
    "too_long",
    "invalid",
    "inclusion",
    "exclusion",
    "taken",
    "wrong_emoji",
    "not_found",
    "already_exists",
    "personal_chat",
    "displayed_error",
    "not_authorized",
    "invalid_date_range",
    "invalid_webhook_url",
    "rate_limit",
    "licenses_limit",
    "user_limit",
    "unique_limit",
    "general_limit",
    "unhandled",
    "trigger_not_found",
    "trigger_expired",
    "required",
    "in",
    "not_applicable",
    "self_update",
    "owner_protected",
    "already_assigned",
    "forbidden",
    "permission_denied",
    "access_denied",
    "wrong_params",
    "payment_required",
    "min_length",
    "max_length",
    "use_of_system_words",
    "export_file_not_found",
    "cannot_kick_owner",
    "pin_failed",
    "message_deleted",
    "thread_message",
];

/// `BotWebhook`: a bot's settings as the webhook object spells them.
#[derive(Debug, Serialize)]
pub struct BotWebhook {
    pub name: String,
    pub nickname: String,
    pub outgoing_url: Option<String>,
    pub events: Vec<String>,
    pub trigger_on: String,
    pub commands: Vec<String>,
    pub scopes: Vec<String>,
    pub template: Option<String>,
    pub template_engine: String,
    pub challenge_key: Option<String>,
    pub link_preview_enabled: bool,
    pub ignore_self_messages: bool,
    pub events_history_enabled: bool,
    pub single_chat: bool,
    pub can_edit: Vec<String>,
    pub who_can_add: String,
    /// Absent on the self endpoints (`/bot/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_domains: Option<Vec<String>>,
}

/// `permissions` of a bot: what the caller may do with it.
#[derive(Debug, Serialize)]
pub struct BotPermissions {
    pub update_oauth_client: bool,
    pub recreate_token: bool,
    pub destroy: bool,
}

/// `BotResponse` / `BotCreateResponse` with the SDK's extra keys.
#[derive(Debug, Serialize)]
pub struct Bot {
    pub id: i64,
    /// Absent on the self endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_users_count: Option<i64>,
    pub webhook: BotWebhook,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_client_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BotPermissions>,
    /// Shown once: on create and token rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<i64>,
    /// When the OAuth client is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_client: Option<BotOAuthClient>,
    /// Shown once: on `rotate_client_secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// `BotOAuthClient` (SDK): a bot's OAuth client.
#[derive(Debug, Serialize)]
pub struct BotOAuthClient {
    pub client_id: String,
    pub client_secret_preview: String,
    pub confidential: bool,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

/// `oauth_client` of `BotCreateRequest` / `BotUpdateRequest` (SDK).
#[derive(Debug, Default, Deserialize)]
pub struct BotOAuthClientInput {
    pub confidential: Option<bool>,
    pub redirect_uris: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
}

/// `BotAccessToken` (SDK): one of a bot's named tokens.
#[derive(Debug, Serialize)]
pub struct BotAccessToken {
    pub id: i64,
    /// Whole once (create, reissue), masked afterwards.
    pub token: String,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub name: Option<String>,
    pub revoked_at: Option<String>,
    pub expires_in: Option<i64>,
    pub last_used_at: Option<String>,
}

/// `{name*, scopes?}` of `POST /bots/{id}/tokens`.
#[derive(Debug, Deserialize)]
pub struct BotTokenCreateRequest {
    pub name: String,
    pub scopes: Option<Vec<String>>,
}

/// `{name?, scopes?}` of `PUT /bots/{id}/tokens/{token_id}`.
#[derive(Debug, Deserialize)]
pub struct BotTokenUpdateRequest {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
}

/// `BotScopeCatalog` (SDK): `GET /bots/{id}/scopes`, a bare object.
#[derive(Debug, Serialize)]
pub struct BotScopeCatalog {
    pub scopes: Vec<BotScopeCatalogItem>,
    pub groups: Vec<BotScopeCatalogGroup>,
    pub presets: Vec<BotScopeCatalogPreset>,
}

/// One scope of the catalogue.
#[derive(Debug, Serialize)]
pub struct BotScopeCatalogItem {
    pub id: String,
    pub title: String,
    pub group: String,
    pub preset: Vec<String>,
}

/// One group of the catalogue.
#[derive(Debug, Serialize)]
pub struct BotScopeCatalogGroup {
    pub id: String,
    pub title: String,
    pub description: String,
}

/// One preset of the catalogue.
#[derive(Debug, Serialize)]
pub struct BotScopeCatalogPreset {
    pub id: String,
    pub title: String,
}

/// `AvatarData`: `{image_url}`.
#[derive(Debug, Serialize)]
pub struct AvatarData {
    pub image_url: String,
}

/// `OAuthToken` (SDK): the bare answer of `POST /oauth/token`.
#[derive(Debug, Serialize)]
pub struct OAuthToken {
    pub access_token: String,
    pub token_type: String,
    pub refresh_token: String,
    pub scope: String,
    pub created_at: i64,
}

/// The form of `POST /oauth/token` (RFC 6749 §4.1.3 and §6).
#[derive(Debug, Default, Deserialize)]
pub struct OAuthTokenForm {
    #[serde(default)]
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The form of `POST /oauth/revoke` (RFC 7009).
#[derive(Debug, Default, Deserialize)]
pub struct OAuthRevokeForm {
    #[serde(default)]
    pub token: String,
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The `webhook` object of `BotCreateRequest` / `BotUpdateRequest` (every key optional
/// here; the resolver names what is missing).
#[derive(Debug, Default, Deserialize)]
pub struct BotWebhookInput {
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub outgoing_url: Option<String>,
    pub events: Option<Vec<String>>,
    pub trigger_on: Option<String>,
    pub commands: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
    pub template: Option<String>,
    pub template_engine: Option<String>,
    pub challenge_key: Option<String>,
    pub link_preview_enabled: Option<bool>,
    pub ignore_self_messages: Option<bool>,
    pub events_history_enabled: Option<bool>,
    pub who_can_add: Option<String>,
    pub can_edit: Option<Vec<String>>,
    pub single_chat: Option<bool>,
    pub unfurl_domains: Option<Vec<String>>,
}

/// `{webhook: {...}}` of `POST /bots`.
#[derive(Debug, Deserialize)]
pub struct BotCreateRequest {
    pub webhook: BotWebhookInput,
    pub oauth_client: Option<BotOAuthClientInput>,
}

/// `{bot: {webhook: {...}}}`, the older envelope of `PUT /bots/{id}`.
#[derive(Debug, Deserialize)]
pub struct BotEnvelope {
    pub webhook: BotWebhookInput,
}

/// `PUT /bots/{id}`: `{webhook: {...}}` or `{bot: {webhook: {...}}}`.
#[derive(Debug, Deserialize)]
pub struct BotUpdateRequest {
    pub webhook: Option<BotWebhookInput>,
    pub bot: Option<BotEnvelope>,
    pub oauth_client: Option<BotOAuthClientInput>,
}

/// `{outgoing_url*}` of `PUT /bot/webhook`.
#[derive(Debug, Deserialize)]
pub struct BotWebhookSelfInput {
    pub outgoing_url: String,
}

/// `BotWebhookSelfUpdateRequest`.
#[derive(Debug, Deserialize)]
pub struct BotWebhookSelfUpdateRequest {
    pub webhook: BotWebhookSelfInput,
}

/// `UploadParams` (bare, `POST /uploads`). Literal keys, each renamed explicitly.
#[derive(Debug, Serialize)]
pub struct UploadParams {
    #[serde(rename = "Content-Disposition")]
    pub content_disposition: String,
    #[serde(rename = "acl")]
    pub acl: String,
    #[serde(rename = "policy")]
    pub policy: String,
    #[serde(rename = "x-amz-credential")]
    pub x_amz_credential: String,
    #[serde(rename = "x-amz-algorithm")]
    pub x_amz_algorithm: String,
    #[serde(rename = "x-amz-date")]
    pub x_amz_date: String,
    #[serde(rename = "x-amz-signature")]
    pub x_amz_signature: String,
    #[serde(rename = "key")]
    pub key: String,
    #[serde(rename = "direct_url")]
    pub direct_url: String,
}

/// `ExportRequest` of `POST /chats/exports`.
#[derive(Debug, Deserialize)]
pub struct ExportRequest {
    pub start_at: String,
    pub end_at: String,
    /// Required by the spec, optional in SDK 1.6.1 (then no notice is sent).
    pub webhook_url: Option<String>,
    pub chat_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub skip_chats_file: bool,
}

/// `{id}` of a requested export (202 with `Prefer: return=representation`).
#[derive(Debug, Serialize)]
pub struct ExportCreated {
    pub id: i64,
}
