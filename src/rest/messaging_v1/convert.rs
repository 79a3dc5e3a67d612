//! Pure translations between the Messaging API v1's spellings and the core's: prefixed
//! ids (`channel_42`), whole-second UTC dates, page arithmetic, field names.

use chrono::{DateTime, Utc};

/// The prefix of each id kind the document shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// `channel_<n>`: a chat.
    Channel,
    /// `msg_<n>`: a message.
    Message,
    /// `user_<n>`: a user.
    User,
    /// `member_<n>`: a user as a member of the workspace (same number as `user_<n>`).
    Member,
    /// `dept_<n>`: a department.
    Department,
    /// `workspace_<n>`: the workspace.
    Workspace,
    /// `action_<n>`: an action of an interactive message.
    Action,
    /// `webhook_<n>`: an incoming webhook.
    Webhook,
    /// `team_<n>`: a group tag.
    Team,
}

impl IdKind {
    /// The prefix, with its underscore.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Channel => "channel_",
            IdKind::Message => "msg_",
            IdKind::User => "user_",
            IdKind::Member => "member_",
            IdKind::Department => "dept_",
            IdKind::Workspace => "workspace_",
            IdKind::Action => "action_",
            IdKind::Webhook => "webhook_",
            IdKind::Team => "team_",
        }
    }
}

/// Render row `id` as a `kind` id (`channel_42`).
pub fn id(kind: IdKind, id: i64) -> String {
    format!("{}{id}", kind.prefix())
}

/// Parse a `kind` id back to its row id: the prefix followed by a positive integer.
pub fn parse_id(kind: IdKind, raw: &str) -> Option<i64> {
    raw.trim()
        .strip_prefix(kind.prefix())
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
}

/// ISO 8601 UTC with whole seconds: `2025-01-01T12:00:00Z`.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `totalPages` for `total` items at `limit` per page.
pub fn total_pages(total: u64, limit: u64) -> u64 {
    total.div_ceil(limit.max(1))
}

/// The unit of a rate-limit period, for "Rate limit of N requests per <unit> exceeded".
pub fn period_name(seconds: u64) -> String {
    match seconds {
        1 => "second".into(),
        60 => "minute".into(),
        3_600 => "hour".into(),
        86_400 => "day".into(),
        n => format!("{n} seconds"),
    }
}

/// A core field name in the document's spelling (`chatId` → `channelId`, …), keeping
/// any index and sub-field (`attachments[0].kind` → `attachments[0].type`).
pub fn field_name(core: &str) -> String {
    let renamed = [
        ("chatId", "channelId"),
        ("kind", "messageType"),
        ("buttons", "actions"),
        ("tagIds", "teamIds"),
        ("parentId", "parentId"),
    ];
    for (from, to) in renamed {
        if core == from {
            return to.to_owned();
        }
        if let Some(rest) = core.strip_prefix(from)
            && (rest.starts_with('[') || rest.starts_with('.'))
        {
            return format!("{to}{rest}");
        }
    }
    if let Some((head, tail)) = core.rsplit_once('.')
        && head.starts_with("attachments[")
    {
        let tail = match tail {
            "kind" => "type",
            other => other,
        };
        return format!("{head}.{tail}");
    }
    core.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_with_their_prefix_only() {
        assert_eq!(id(IdKind::Channel, 42), "channel_42");
        assert_eq!(parse_id(IdKind::Channel, "channel_42"), Some(42));
        assert_eq!(parse_id(IdKind::Channel, " channel_7 "), Some(7));
        assert_eq!(parse_id(IdKind::Channel, "msg_42"), None);
        assert_eq!(parse_id(IdKind::Channel, "channel_"), None);
        assert_eq!(parse_id(IdKind::Channel, "channel_-1"), None);
        assert_eq!(parse_id(IdKind::Channel, "general"), None);
        assert_eq!(parse_id(IdKind::Department, "dept_3"), Some(3));
    }

    #[test]
    fn dates_have_whole_seconds() {
        let at = DateTime::parse_from_rfc3339("2025-01-01T12:00:00.987Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(date(at), "2025-01-01T12:00:00Z");
    }

    #[test]
    fn pages_and_periods() {
        assert_eq!(total_pages(125, 50), 3);
        assert_eq!(total_pages(0, 50), 0);
        assert_eq!(total_pages(100, 50), 2);
        assert_eq!(period_name(3_600), "hour");
        assert_eq!(period_name(90), "90 seconds");
    }

    #[test]
    fn core_fields_take_the_documents_names() {
        assert_eq!(field_name("chatId"), "channelId");
        assert_eq!(field_name("kind"), "messageType");
        assert_eq!(field_name("buttons[0][1].text"), "actions[0][1].text");
        assert_eq!(field_name("attachments[2].kind"), "attachments[2].type");
        assert_eq!(field_name("attachments[2].url"), "attachments[2].url");
        assert_eq!(field_name("tagIds"), "teamIds");
        assert_eq!(field_name("content"), "content");
    }
}
