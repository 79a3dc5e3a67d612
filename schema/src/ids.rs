//! Opaque global ids: `base64url("<Type>:<id>")`, as Relay's `node(id:)` needs.
//!
//! One row has one integer id everywhere; GraphQL renders it with its type so any id
//! can be resolved by `node`. For interoperability with the REST dialects, a bare
//! integer is accepted wherever an id of a known type is expected.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `User`
    User,
    /// `Chat`
    Chat,
    /// `Message`
    Message,
    /// `Department`
    Department,
    /// `GroupTag`
    GroupTag,
    /// `ApiToken`
    ApiToken,
    /// `Workspace`
    Workspace,
    /// `WebhookEndpoint`
    WebhookEndpoint,
    /// `WebhookDelivery`
    WebhookDelivery,
    /// `IncomingWebhook`
    IncomingWebhook,
    /// `Task`
    Task,
    /// `CustomProperty`
    CustomProperty,
    // meetings (Pulse)
    /// `Meeting`
    Meeting,
    /// `Call`
    Call,
    /// `MeetingNote`
    MeetingNote,
    /// `TranscriptSegment`
    TranscriptSegment,
    // HR
    /// `Site`
    Site,
    /// `AttendanceEntry`
    AttendanceEntry,
    /// `LeaveType`
    LeaveType,
    /// `LeaveRequest`
    LeaveRequest,
    /// `Shift`
    Shift,
    /// `HrDocument`
    HrDocument,
    // Hook API
    /// `IntegrationClient`
    IntegrationClient,
    /// `Hook`
    Hook,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Chat => "Chat",
            Kind::Message => "Message",
            Kind::Department => "Department",
            Kind::GroupTag => "GroupTag",
            Kind::ApiToken => "ApiToken",
            Kind::Workspace => "Workspace",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
            Kind::IncomingWebhook => "IncomingWebhook",
            Kind::Task => "Task",
            Kind::CustomProperty => "CustomProperty",
            Kind::Meeting => "Meeting",
            Kind::Call => "Call",
            Kind::MeetingNote => "MeetingNote",
            Kind::TranscriptSegment => "TranscriptSegment",
            Kind::Site => "Site",
            Kind::AttendanceEntry => "AttendanceEntry",
            Kind::LeaveType => "LeaveType",
            Kind::LeaveRequest => "LeaveRequest",
            Kind::Shift => "Shift",
            Kind::HrDocument => "HrDocument",
            Kind::IntegrationClient => "IntegrationClient",
            Kind::Hook => "Hook",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        [
            Kind::User,
            Kind::Chat,
            Kind::Message,
            Kind::Department,
            Kind::GroupTag,
            Kind::ApiToken,
            Kind::Workspace,
            Kind::WebhookEndpoint,
            Kind::WebhookDelivery,
            Kind::IncomingWebhook,
            Kind::Task,
            Kind::CustomProperty,
            Kind::Meeting,
            Kind::Call,
            Kind::MeetingNote,
            Kind::TranscriptSegment,
            Kind::Site,
            Kind::AttendanceEntry,
            Kind::LeaveType,
            Kind::LeaveRequest,
            Kind::Shift,
            Kind::HrDocument,
            Kind::IntegrationClient,
            Kind::Hook,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The global id of row `id` of type `kind`.
pub fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Split any global id into its type and row id.
pub fn decode_any(id: &str) -> Option<(Kind, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (name, raw) = text.split_once(':')?;
    Some((Kind::from_name(name)?, raw.parse().ok()?))
}

/// Decode an id expected to be of `kind`, for the argument `field`. A bare positive
/// integer is taken as the row id. Anything else is a `BAD_USER_INPUT` naming the field.
pub fn decode(id: &ID, kind: Kind, field: &str) -> async_graphql::Result<i64> {
    if let Ok(raw) = id.parse::<i64>()
        && raw > 0
    {
        return Ok(raw);
    }
    match decode_any(id) {
        Some((k, raw)) if k == kind && raw > 0 => Ok(raw),
        _ => Err(crate::error::to_gql(resolvers::Error::invalid(
            field,
            format!("not a valid {} id", kind.name()),
        ))),
    }
}

/// Decode a list of ids of one kind.
pub fn decode_all(ids: &[ID], kind: Kind, field: &str) -> async_graphql::Result<Vec<i64>> {
    ids.iter().map(|id| decode(id, kind, field)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_check_their_type() {
        let id = encode(Kind::Chat, 42);
        assert_eq!(decode_any(&id), Some((Kind::Chat, 42)));
        assert_eq!(decode(&id, Kind::Chat, "id").ok(), Some(42));
        assert!(decode(&id, Kind::Message, "id").is_err());
        assert_eq!(decode(&ID::from("42"), Kind::Message, "id").ok(), Some(42));
        assert!(decode(&ID::from("-1"), Kind::Message, "id").is_err());
        assert!(decode(&ID::from("garbage"), Kind::Message, "id").is_err());
    }
}
