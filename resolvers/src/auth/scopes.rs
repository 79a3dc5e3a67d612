//! The scope vocabulary and which roles may hold which scope.
//!
//! The names are Pachca's OAuth scopes (`../shared/reference/pachca-openapi.yaml`,
//! `OAuthScope` and `x-scope-roles`), so one token means the same thing on every façade,
//! plus `api_tokens:write` of our own. A token stores either an explicit list or `*`,
//! "everything the user's role allows", which follows the role as it changes.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::people::Role;

macro_rules! scopes {
    ($($variant:ident => $name:literal [$($role:ident)*],)*) => {
        /// One permission a credential may carry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Scope {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Scope {
            /// Every scope, in declaration order.
            pub const ALL: &'static [Scope] = &[$(Scope::$variant,)*];

            /// The scope's wire name, e.g. `messages:create`.
            pub fn as_str(self) -> &'static str {
                match self { $(Scope::$variant => $name,)* }
            }

            /// Whether a user of `role` (or a bot, `is_bot`) may hold this scope.
            pub fn allowed_for(self, role: Role, is_bot: bool) -> bool {
                let roles: &[&str] = match self { $(Scope::$variant => &[$(stringify!($role)),*],)* };
                let key = if is_bot { "bot" } else { role.scope_key() };
                roles.contains(&key)
            }
        }

        impl FromStr for Scope {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Scope::$variant),)*
                    other => Err(format!("unknown scope `{other}`")),
                }
            }
        }
    };
}

// Roles: owner, admin, member (Pachca's "user"), guest, bot.
scopes! {
    ChatsRead => "chats:read" [owner admin member guest bot],
    ChatsCreate => "chats:create" [owner admin member bot],
    ChatsUpdate => "chats:update" [owner admin member bot],
    ChatsArchive => "chats:archive" [owner admin member bot],
    ChatsLeave => "chats:leave" [owner admin member guest bot],
    ChatMembersRead => "chat_members:read" [owner admin member guest bot],
    ChatMembersWrite => "chat_members:write" [owner admin member bot],
    ChatExportsRead => "chat_exports:read" [owner],
    ChatExportsWrite => "chat_exports:write" [owner],
    MessagesRead => "messages:read" [owner admin member guest bot],
    MessagesCreate => "messages:create" [owner admin member guest bot],
    MessagesUpdate => "messages:update" [owner admin member guest bot],
    MessagesDelete => "messages:delete" [owner admin member guest bot],
    ReactionsRead => "reactions:read" [owner admin member guest bot],
    ReactionsWrite => "reactions:write" [owner admin member guest bot],
    PinsWrite => "pins:write" [owner admin member guest bot],
    ThreadsRead => "threads:read" [owner admin member guest bot],
    ThreadsCreate => "threads:create" [owner admin member guest bot],
    LinkPreviewsWrite => "link_previews:write" [owner admin member bot],
    UsersRead => "users:read" [owner admin member guest bot],
    UsersCreate => "users:create" [owner admin],
    UsersUpdate => "users:update" [owner admin],
    UsersDelete => "users:delete" [owner admin],
    GroupTagsRead => "group_tags:read" [owner admin member guest bot],
    GroupTagsWrite => "group_tags:write" [owner admin],
    BotsRead => "bots:read" [owner admin member],
    BotsWrite => "bots:write" [owner admin member],
    BotSelfWebhookWrite => "bot_self:webhook:write" [bot],
    BotSelfWrite => "bot_self:write" [bot],
    ProfileRead => "profile:read" [owner admin member guest bot],
    ProfileStatusRead => "profile_status:read" [owner admin member guest bot],
    ProfileStatusWrite => "profile_status:write" [owner admin member guest bot],
    ProfileAvatarWrite => "profile_avatar:write" [owner admin member guest bot],
    UserStatusRead => "user_status:read" [owner admin member guest bot],
    UserStatusWrite => "user_status:write" [owner admin],
    UserAvatarWrite => "user_avatar:write" [owner admin],
    CustomPropertiesRead => "custom_properties:read" [owner admin member guest bot],
    AuditEventsRead => "audit_events:read" [owner],
    TasksRead => "tasks:read" [owner admin member guest bot],
    TasksCreate => "tasks:create" [owner admin member guest bot],
    TasksUpdate => "tasks:update" [owner admin member guest bot],
    TasksDelete => "tasks:delete" [owner admin member guest bot],
    FilesRead => "files:read" [owner admin member guest bot],
    FilesWrite => "files:write" [owner admin member guest bot],
    UploadsWrite => "uploads:write" [owner admin member guest bot],
    ViewsWrite => "views:write" [owner admin member bot],
    WebhooksRead => "webhooks:read" [owner admin member bot],
    WebhooksWrite => "webhooks:write" [owner admin member bot],
    WebhooksEventsRead => "webhooks:events:read" [owner admin member bot],
    WebhooksEventsDelete => "webhooks:events:delete" [owner admin member bot],
    SearchUsers => "search:users" [owner admin member guest bot],
    SearchChats => "search:chats" [owner admin member guest bot],
    SearchMessages => "search:messages" [owner admin member guest bot],
    DepartmentsWrite => "departments:write" [owner admin],
    ApiTokensWrite => "api_tokens:write" [owner admin member guest bot],
    CustomPropertiesWrite => "custom_properties:write" [owner admin],
    // integrations (SDK 1.6.1 scopes the stored spec lacks)
    CompanyBotsRead => "company_bots:read" [owner admin],
    DraftsRead => "drafts:read" [owner admin member guest],
    DraftsWrite => "drafts:write" [owner admin member guest],
    // meetings (Pulse)
    MeetingsRead => "meetings:read" [owner admin member guest bot],
    MeetingsWrite => "meetings:write" [owner admin member guest bot],
    // HR: attendance, leave, rosters, the document vault.
    HrRead => "hr:read" [owner admin member bot],
    HrWrite => "hr:write" [owner admin member bot],
    // Messaging API v1 permissions: held by workspace tokens only (no role holds them;
    // see `Scopes::workspace`).
    ReadMembers => "read:members" [],
    WriteMembers => "write:members" [],
    ReadChannels => "read:channels" [],
    WriteChannels => "write:channels" [],
    SendMessages => "send:messages" [],
    ReadDepartments => "read:departments" [],
    WriteDepartments => "write:departments" [],
    // WorkAndGo API key scopes (`wag_` keys, `X-API-Key`): one read and one write scope
    // per group of the document; held by keys only (no role holds them; see
    // `Scopes::api_key`). The wire spells them without the `wag:` prefix.
    KeyProfileRead => "wag:profile:read" [],
    KeyProfileWrite => "wag:profile:write" [],
    KeyChannelsRead => "wag:channels:read" [],
    KeyChannelsWrite => "wag:channels:write" [],
    KeyMessagesRead => "wag:messages:read" [],
    KeyMessagesWrite => "wag:messages:write" [],
    KeyPulseRead => "wag:pulse:read" [],
    KeyPulseWrite => "wag:pulse:write" [],
    KeyTasksRead => "wag:tasks:read" [],
    KeyTasksWrite => "wag:tasks:write" [],
    KeyHrRead => "wag:hr:read" [],
    KeyHrWrite => "wag:hr:write" [],
    KeyWebhooksRead => "wag:webhooks:read" [],
    KeyWebhooksWrite => "wag:webhooks:write" [],
    KeySuiteRead => "wag:suite:read" [],
    KeySuiteWrite => "wag:suite:write" [],
}

/// The prefix of API key scopes in their stored names (`wag:channels:read`).
pub const KEY_SCOPE_PREFIX: &str = "wag:";

impl Scope {
    /// The Messaging API v1 permissions, in the document's order.
    pub const WORKSPACE_PERMISSIONS: &'static [Scope] = &[
        Scope::ReadMembers,
        Scope::WriteMembers,
        Scope::ReadChannels,
        Scope::WriteChannels,
        Scope::SendMessages,
        Scope::ReadDepartments,
        Scope::WriteDepartments,
    ];

    /// Whether this is a Messaging API v1 permission (a workspace token's).
    pub fn is_workspace_permission(self) -> bool {
        Self::WORKSPACE_PERMISSIONS.contains(&self)
    }

    /// The core scopes a workspace permission grants (empty for any other scope).
    pub fn implied(self) -> &'static [Scope] {
        match self {
            Scope::ReadMembers => &[Scope::UsersRead, Scope::GroupTagsRead],
            Scope::WriteMembers => &[Scope::UsersRead, Scope::UsersCreate, Scope::GroupTagsRead],
            Scope::ReadChannels => &[Scope::ChatsRead, Scope::ChatMembersRead],
            Scope::WriteChannels => &[Scope::ChatsRead, Scope::ChatsCreate],
            Scope::SendMessages => &[Scope::ChatsRead, Scope::MessagesRead, Scope::MessagesCreate],
            Scope::ReadDepartments => &[Scope::UsersRead],
            Scope::WriteDepartments => &[Scope::UsersRead, Scope::DepartmentsWrite],
            // API key scopes: a group's write scope implies its reads too (writes read
            // what they change).
            Scope::KeyProfileRead => &[
                Scope::ProfileRead,
                Scope::ProfileStatusRead,
                Scope::UsersRead,
            ],
            Scope::KeyProfileWrite => &[
                Scope::ProfileRead,
                Scope::ProfileStatusRead,
                Scope::ProfileStatusWrite,
                Scope::ProfileAvatarWrite,
                Scope::UsersRead,
            ],
            Scope::KeyChannelsRead => &[
                Scope::ChatsRead,
                Scope::ChatMembersRead,
                Scope::MessagesRead,
                Scope::UsersRead,
            ],
            Scope::KeyChannelsWrite => &[
                Scope::ChatsRead,
                Scope::ChatsCreate,
                Scope::ChatsUpdate,
                Scope::ChatsArchive,
                Scope::ChatsLeave,
                Scope::ChatMembersRead,
                Scope::ChatMembersWrite,
                Scope::MessagesRead,
                Scope::UsersRead,
            ],
            Scope::KeyMessagesRead => &[
                Scope::ChatsRead,
                Scope::MessagesRead,
                Scope::ReactionsRead,
                Scope::ThreadsRead,
                Scope::SearchMessages,
                Scope::FilesRead,
                Scope::UsersRead,
            ],
            Scope::KeyMessagesWrite => &[
                Scope::ChatsRead,
                Scope::MessagesRead,
                Scope::MessagesCreate,
                Scope::MessagesUpdate,
                Scope::MessagesDelete,
                Scope::ReactionsRead,
                Scope::ReactionsWrite,
                Scope::PinsWrite,
                Scope::ThreadsRead,
                Scope::ThreadsCreate,
                Scope::FilesRead,
                Scope::FilesWrite,
                Scope::UploadsWrite,
                Scope::UsersRead,
            ],
            Scope::KeyPulseRead => &[Scope::MeetingsRead],
            Scope::KeyPulseWrite => &[Scope::MeetingsRead, Scope::MeetingsWrite],
            Scope::KeyTasksRead => &[Scope::TasksRead],
            Scope::KeyTasksWrite => &[
                Scope::TasksRead,
                Scope::TasksCreate,
                Scope::TasksUpdate,
                Scope::TasksDelete,
            ],
            Scope::KeyHrRead => &[Scope::HrRead],
            Scope::KeyHrWrite => &[Scope::HrRead, Scope::HrWrite],
            Scope::KeyWebhooksRead => &[Scope::WebhooksRead, Scope::WebhooksEventsRead],
            Scope::KeyWebhooksWrite => &[
                Scope::WebhooksRead,
                Scope::WebhooksEventsRead,
                Scope::WebhooksWrite,
            ],
            _ => &[],
        }
    }

    /// The API key scopes, in the document's group order.
    pub const KEY_SCOPES: &'static [Scope] = &[
        Scope::KeyProfileRead,
        Scope::KeyProfileWrite,
        Scope::KeyChannelsRead,
        Scope::KeyChannelsWrite,
        Scope::KeyMessagesRead,
        Scope::KeyMessagesWrite,
        Scope::KeyPulseRead,
        Scope::KeyPulseWrite,
        Scope::KeyTasksRead,
        Scope::KeyTasksWrite,
        Scope::KeyHrRead,
        Scope::KeyHrWrite,
        Scope::KeyWebhooksRead,
        Scope::KeyWebhooksWrite,
        Scope::KeySuiteRead,
        Scope::KeySuiteWrite,
    ];

    /// Whether this is an API key scope.
    pub fn is_key_scope(self) -> bool {
        Self::KEY_SCOPES.contains(&self)
    }

    /// The API key scope of `group` (`channels`, …) for reading or writing, if the
    /// group exists.
    pub fn key_scope(group: &str, write: bool) -> Option<Scope> {
        let access = if write { "write" } else { "read" };
        format!("{KEY_SCOPE_PREFIX}{group}:{access}").parse().ok()
    }

    /// The wire name of an API key scope (`channels:read`); other scopes keep theirs.
    pub fn key_wire_name(self) -> &'static str {
        let name = self.as_str();
        name.strip_prefix(KEY_SCOPE_PREFIX).unwrap_or(name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a credential may do: a set of scopes, already intersected with the role.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Every scope the role allows.
    pub fn for_role(role: Role, is_bot: bool) -> Self {
        Scopes(
            Scope::ALL
                .iter()
                .copied()
                .filter(|s| s.allowed_for(role, is_bot))
                .collect(),
        )
    }

    /// Parse a stored scope string (`*` or space-separated names) and intersect it with
    /// the role, so a demoted user's old tokens lose what the new role may not do.
    pub fn from_stored(stored: &str, role: Role, is_bot: bool) -> Self {
        let all = Self::for_role(role, is_bot);
        if stored.trim() == "*" {
            return all;
        }
        Scopes(
            stored
                .split_whitespace()
                .filter_map(|s| s.parse::<Scope>().ok())
                .filter(|s| all.0.contains(s))
                .collect(),
        )
    }

    /// Parse a caller-supplied list, rejecting unknown names and names above the role.
    pub fn parse_requested(
        names: &[String],
        role: Role,
        is_bot: bool,
        field: &str,
    ) -> crate::Result<Self> {
        let mut set = BTreeSet::new();
        for name in names {
            let scope: Scope = name.parse().map_err(|e| crate::Error::invalid(field, e))?;
            if !scope.allowed_for(role, is_bot) {
                return Err(crate::Error::invalid(
                    field,
                    format!(
                        "scope `{scope}` is not available to the role `{}`",
                        role.as_str()
                    ),
                ));
            }
            set.insert(scope);
        }
        if set.is_empty() {
            return Err(crate::Error::invalid(
                field,
                "at least one scope is required",
            ));
        }
        Ok(Scopes(set))
    }

    /// The scopes of a workspace token (Messaging API v1): its stored permissions and
    /// the core scopes each implies. Not capped by the role of the token's bot user: a
    /// workspace owner or admin granted exactly these when creating the token.
    pub fn workspace(stored: &str) -> Self {
        let mut set = BTreeSet::new();
        for scope in stored
            .split_whitespace()
            .filter_map(|s| s.parse::<Scope>().ok())
            .filter(|s| s.is_workspace_permission())
        {
            set.insert(scope);
            set.extend(scope.implied().iter().copied());
        }
        Scopes(set)
    }

    /// The scopes of an API key (`wag_`): its stored key scopes (`*`: every one of
    /// them) and the core scopes they imply, capped by the role of the member who owns
    /// it: a key acts with that member's rights, narrowed by its scopes.
    pub fn api_key(stored: &str, role: Role, is_bot: bool) -> Self {
        let role_scopes = Self::for_role(role, is_bot);
        let keys: Vec<Scope> = if stored.trim() == "*" {
            Scope::KEY_SCOPES.to_vec()
        } else {
            stored
                .split_whitespace()
                .filter_map(|s| s.parse::<Scope>().ok())
                .filter(|s| s.is_key_scope())
                .collect()
        };
        let mut set = BTreeSet::new();
        for key in keys {
            set.insert(key);
            set.extend(
                key.implied()
                    .iter()
                    .copied()
                    .filter(|s| role_scopes.contains(*s)),
            );
        }
        Scopes(set)
    }

    /// Parse the scopes asked for an API key (`channels:read`, …; the wire names):
    /// unknown names are refused naming `field`; an empty list is refused too (omit
    /// the field for every scope).
    pub fn parse_key_scopes(names: &[String], field: &str) -> crate::Result<Self> {
        let mut set = BTreeSet::new();
        for name in names {
            let scope = format!("{KEY_SCOPE_PREFIX}{}", name.trim())
                .parse::<Scope>()
                .ok()
                .filter(|s| s.is_key_scope())
                .ok_or_else(|| {
                    crate::Error::invalid(
                        field,
                        format!("unknown scope `{name}` (`<group>:read` or `<group>:write`)"),
                    )
                })?;
            set.insert(scope);
        }
        if set.is_empty() {
            return Err(crate::Error::invalid(
                field,
                "at least one scope is required (omit it for every scope)",
            ));
        }
        Ok(Scopes(set))
    }

    /// Parse the permissions asked for a workspace token: every name must be a
    /// Messaging API v1 permission, and at least one is required.
    pub fn parse_workspace_permissions(names: &[String], field: &str) -> crate::Result<Self> {
        let mut set = BTreeSet::new();
        for name in names {
            let scope: Scope = name
                .trim()
                .parse()
                .ok()
                .filter(|s: &Scope| s.is_workspace_permission())
                .ok_or_else(|| {
                    crate::Error::invalid(
                        field,
                        format!(
                            "`{name}` is not a workspace permission (one of {})",
                            Scope::WORKSPACE_PERMISSIONS
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            set.insert(scope);
        }
        if set.is_empty() {
            return Err(crate::Error::invalid(
                field,
                "at least one permission is required",
            ));
        }
        Ok(Scopes(set))
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The scopes, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The space-separated form stored with a token.
    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(*scope));
        }
    }

    #[test]
    fn stored_scopes_are_capped_by_role() {
        let scopes = Scopes::from_stored("users:create messages:read", Role::Member, false);
        assert!(scopes.contains(Scope::MessagesRead));
        assert!(!scopes.contains(Scope::UsersCreate));
    }

    #[test]
    fn guests_cannot_create_chats() {
        assert!(!Scopes::for_role(Role::Guest, false).contains(Scope::ChatsCreate));
        assert!(Scopes::for_role(Role::Member, false).contains(Scope::ChatsCreate));
    }

    #[test]
    fn workspace_permissions_imply_core_scopes_and_no_role_holds_them() {
        let scopes = Scopes::workspace("send:messages read:departments users:delete");
        assert!(scopes.contains(Scope::SendMessages));
        assert!(scopes.contains(Scope::MessagesCreate));
        assert!(scopes.contains(Scope::UsersRead));
        assert!(!scopes.contains(Scope::UsersDelete));
        assert!(!scopes.contains(Scope::WriteMembers));
        assert!(!Scopes::for_role(Role::Owner, false).contains(Scope::SendMessages));
        assert!(!Scopes::for_role(Role::Admin, true).contains(Scope::ReadMembers));
        assert!(Scopes::parse_workspace_permissions(&["chats:read".into()], "p").is_err());
        assert!(Scopes::parse_workspace_permissions(&[], "p").is_err());
    }

    #[test]
    fn api_key_scopes_imply_core_scopes_capped_by_the_role() {
        let scopes = Scopes::api_key("wag:channels:read", Role::Member, false);
        assert!(scopes.contains(Scope::KeyChannelsRead));
        assert!(scopes.contains(Scope::ChatsRead));
        assert!(!scopes.contains(Scope::ChatsCreate));
        assert!(!scopes.contains(Scope::KeyChannelsWrite));
        let guest = Scopes::api_key("*", Role::Guest, false);
        assert!(guest.contains(Scope::KeyChannelsWrite));
        assert!(!guest.contains(Scope::ChatsCreate));
        assert!(!Scopes::for_role(Role::Owner, false).contains(Scope::KeyChannelsRead));
        assert_eq!(
            Scope::key_scope("channels", true),
            Some(Scope::KeyChannelsWrite)
        );
        assert_eq!(Scope::KeyChannelsWrite.key_wire_name(), "channels:write");
        assert!(Scopes::parse_key_scopes(&["channels:read".into()], "s").is_ok());
        assert!(Scopes::parse_key_scopes(&["chats:read".into()], "s").is_err());
        assert!(Scopes::parse_key_scopes(&[], "s").is_err());
    }

    #[test]
    fn requesting_a_scope_above_the_role_is_rejected() {
        let err = Scopes::parse_requested(&["users:delete".into()], Role::Member, false, "scopes");
        assert!(matches!(err, Err(crate::Error::Invalid { .. })));
    }
}
