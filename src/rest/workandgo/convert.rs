//! Pure translations between the WorkAndGo spellings and the core's: instants with
//! milliseconds, roles, cursors, and the §4 objects of the groups served so far.

use chrono::{DateTime, SecondsFormat, Utc};
use entities::{api_tokens, chat_members, chats, sessions, users, workspaces};
use resolvers::auth::{Scope, sessions::session_end};
use resolvers::chats::ReadState;

use super::wire::{
    ApiKey, Attachment, Author, Channel, ChannelMember, Me, MeKey, NamedRef, Reaction, Session,
    Unread, User,
};

/// ISO 8601 UTC with milliseconds: `2025-01-01T12:00:00.000Z`.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse an instant that carries `Z` or an offset.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A non-empty string, else `None`.
fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// `User` of a member row.
pub fn user(u: &users::Model) -> User {
    User {
        id: u.id,
        email: u.email.clone(),
        name: resolvers::people::display_name(u),
        avatar_url: u.avatar_url.clone(),
        title: some(&u.title),
        phone: some(&u.phone),
        timezone: some(&u.time_zone),
        // Not stored by Switchboard (see the README's WorkAndGo section).
        locale: None,
        role: u.role.clone(),
        hr_admin: u.hr_admin,
        department_id: u.department_id,
        created_at: time(u.created_at),
    }
}

/// The wire names of a key's scopes: a key stored with `*` holds every key scope.
pub fn key_scopes(stored: &str) -> Vec<String> {
    let all = stored.trim() == "*";
    Scope::KEY_SCOPES
        .iter()
        .filter(|s| all || stored.split_whitespace().any(|n| n == s.as_str()))
        .map(|s| s.key_wire_name().to_owned())
        .collect()
}

/// `Me` of a member, their organisation and the key they called with (if any).
pub fn me(u: &users::Model, org: &workspaces::Model, key: Option<&api_tokens::Model>) -> Me {
    Me {
        user: user(u),
        organisation: NamedRef {
            id: org.id,
            name: org.name.clone(),
        },
        api_key: key.map(|k| MeKey {
            id: k.id,
            name: k.name.clone(),
            scopes: key_scopes(&k.scopes),
            app: None,
        }),
    }
}

/// `Session` of a row (`current`: the one the request came with).
pub fn session(s: &sessions::Model, current: Option<i64>) -> Session {
    Session {
        id: s.id,
        current: current == Some(s.id),
        method: s.method.clone(),
        device: s.device.clone(),
        ip_address: s.ip_address.clone(),
        created_at: time(s.created_at),
        last_seen_at: time(s.last_seen_at),
        expires_at: time(session_end(s)),
    }
}

/// `ApiKey` of a token row, with its creator; `key` only when just created.
pub fn api_key(k: &api_tokens::Model, creator: &NamedRef, key: Option<String>) -> ApiKey {
    ApiKey {
        id: k.id,
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        last_four: k.last_four.clone(),
        scopes: key_scopes(&k.scopes),
        app: None,
        created_by: creator.clone(),
        created_at: time(k.created_at),
        expires_at: k.expires_at.map(time),
        last_used_at: k.last_used_at.map(time),
        key,
    }
}

/// What a channel's listing adds to its row, for the caller.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChannelFacts {
    /// The caller is a member.
    pub is_member: bool,
    /// Members.
    pub member_count: i64,
    /// Others' messages the caller has not read.
    pub unread_count: i64,
}

/// `Channel` of a chat row. A chat has no separate modification time: `updatedAt` is
/// its creation time until Switchboard records one.
pub fn channel(c: &chats::Model, facts: ChannelFacts) -> Channel {
    Channel {
        id: c.id,
        name: c.name.clone(),
        description: some(&c.description),
        kind: if c.is_public { "public" } else { "private" }.to_owned(),
        is_member: facts.is_member,
        member_count: facts.member_count,
        unread_count: facts.unread_count,
        created_by: c.creator_id,
        created_at: time(c.created_at),
        updated_at: time(c.created_at),
    }
}

/// `ChannelMember` of a membership and its user (if found).
pub fn channel_member(m: &chat_members::Model, u: Option<&users::Model>) -> ChannelMember {
    ChannelMember {
        user_id: m.user_id,
        name: u.map(resolvers::people::display_name).unwrap_or_default(),
        avatar_url: u.and_then(|u| u.avatar_url.clone()),
        role: m.role.clone(),
        joined_at: time(m.joined_at),
    }
}

/// `Unread` of a read state. The time of the read is not recorded (`lastReadAt` is
/// `null`); a watermark of 0 means nothing read yet.
pub fn unread(r: &ReadState) -> Unread {
    Unread {
        channel_id: r.chat_id,
        unread_count: r.unread,
        last_read_message_id: (r.last_read_message_id > 0).then_some(r.last_read_message_id),
        last_read_at: None,
    }
}

/// A message's `author` (a deleted account keeps its id, without a name).
pub fn author(id: i64, u: Option<&users::Model>) -> Author {
    Author {
        id,
        name: u.map(resolvers::people::display_name).unwrap_or_default(),
        avatar_url: u.and_then(|u| u.avatar_url.clone()),
        is_bot: u.is_some_and(|u| u.is_bot),
    }
}

/// `Attachment` of a stored file (its bytes at `/api/messages/attachments/{id}`).
pub fn attachment(a: &entities::attachments::Model) -> Attachment {
    Attachment {
        id: a.id,
        name: a.name.clone(),
        mime_type: a.content_type.clone(),
        size: a.size,
        url: format!("/api/messages/attachments/{}", a.id),
    }
}

/// `Reaction` of a reaction group, with who reacted when listed.
pub fn reaction(
    g: &resolvers::messages::batch::ReactionGroup,
    users: Option<Vec<NamedRef>>,
) -> Reaction {
    Reaction {
        emoji: g.emoji.clone(),
        count: g.count,
        reacted: g.viewer_reacted,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_have_milliseconds_and_z() {
        let at = DateTime::parse_from_rfc3339("2025-01-01T12:00:00+02:00")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(time(at), "2025-01-01T10:00:00.000Z");
        assert_eq!(parse_time("2025-01-01T10:00:00Z"), Some(at));
        assert_eq!(parse_time("2025-01-01 10:00"), None);
    }

    #[test]
    fn key_scopes_render_in_wire_names() {
        assert_eq!(
            key_scopes("wag:messages:read wag:channels:write"),
            ["channels:write", "messages:read"]
        );
        assert_eq!(key_scopes("*").len(), Scope::KEY_SCOPES.len());
    }
}
