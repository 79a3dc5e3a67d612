//! Workspace, users, status, departments, group tags and API tokens.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{api_tokens, departments, group_tags, users, workspaces};
use resolvers::people::Role;

use crate::context::{loaders, rctx};
use crate::error::GqlResult;
use crate::ids::{self, Kind};
use crate::loaders::load_err;

/// A workspace role.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceRole {
    /// Created the workspace.
    Owner,
    /// Manages people and settings.
    Admin,
    /// A regular member.
    Member,
    /// Sees only the chats they are added to.
    Guest,
}

impl From<Role> for WorkspaceRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => WorkspaceRole::Owner,
            Role::Admin => WorkspaceRole::Admin,
            Role::Member => WorkspaceRole::Member,
            Role::Guest => WorkspaceRole::Guest,
        }
    }
}

/// The tenant: a team's workspace.
pub struct Workspace(pub workspaces::Model);

#[Object]
impl Workspace {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Workspace, self.0.id)
    }
    /// Unique handle.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When the workspace was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Active (not suspended) users.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<u64> {
        resolvers::people::count_users(rctx(ctx)?).await.gql()
    }
    /// Departments, by name.
    async fn departments(&self, ctx: &Context<'_>) -> Result<Vec<Department>> {
        let rows = resolvers::people::list_departments(rctx(ctx)?)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Department).collect())
    }
    /// Group tags, by name.
    async fn group_tags(&self, ctx: &Context<'_>) -> Result<Vec<GroupTag>> {
        let rows = resolvers::people::list_group_tags(rctx(ctx)?).await.gql()?;
        Ok(rows.into_iter().map(GroupTag).collect())
    }
}

/// A person or bot of the workspace.
pub struct User(pub users::Model);

/// A user's status.
#[derive(SimpleObject)]
pub struct UserStatus {
    /// One emoji.
    pub emoji: String,
    /// Short text.
    pub title: String,
    /// When it clears itself.
    pub expires_at: Option<DateTime<Utc>>,
    /// Away mode.
    pub is_away: bool,
    /// Auto-reply while away.
    pub away_message: Option<String>,
}

#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }
    /// The row id, as the REST dialects render it.
    async fn database_id(&self) -> i64 {
        self.0.id
    }
    /// Display name: first and last name, else nickname.
    async fn name(&self) -> String {
        resolvers::people::display_name(&self.0)
    }
    /// Given name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Family name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// Handle.
    async fn nickname(&self) -> &str {
        &self.0.nickname
    }
    /// Email address (bots may have none).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Whether this user is a bot.
    async fn is_bot(&self) -> bool {
        self.0.is_bot
    }
    /// Workspace role.
    async fn role(&self) -> Result<WorkspaceRole> {
        Ok(resolvers::people::role_of(&self.0).gql()?.into())
    }
    /// Job title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Department, if any.
    async fn department(&self, ctx: &Context<'_>) -> Result<Option<Department>> {
        let Some(id) = self.0.department_id else {
            return Ok(None);
        };
        let dep = loaders(ctx)?
            .departments
            .load_one(id)
            .await
            .map_err(load_err)?;
        Ok(dep.map(Department))
    }
    /// Whether the user is suspended (cannot sign in).
    async fn suspended(&self) -> bool {
        self.0.suspended
    }
    /// Phone number.
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    /// Avatar image URL.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// IANA time zone.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Current status; null when none is set or it expired.
    async fn status(&self) -> Option<UserStatus> {
        resolvers::people::active_status(&self.0, Utc::now()).map(|s| UserStatus {
            emoji: s.emoji,
            title: s.title,
            expires_at: s.expires_at,
            is_away: s.is_away,
            away_message: s.away_message,
        })
    }
    /// Last time the user made a request.
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }
    /// When the user joined.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Custom properties set on this user (live definitions with a value).
    async fn custom_properties(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::tasks::CustomPropertyValue>> {
        Ok(crate::tasks::loaders::task_loaders(ctx)?
            .user_props
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default()
            .into_iter()
            .map(crate::tasks::CustomPropertyValue)
            .collect())
    }
}

/// A department of the organisation tree.
pub struct Department(pub departments::Model);

#[Object]
impl Department {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::Department, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Parent department.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Department>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .departments
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(Department))
    }
    /// Manager.
    async fn manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.manager_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .users
            .load_one(id)
            .await
            .map_err(load_err)?
            .map(User))
    }
}

/// A named group of users.
pub struct GroupTag(pub group_tags::Model);

#[Object]
impl GroupTag {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::GroupTag, self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Members.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let l = loaders(ctx)?;
        let ids = l
            .tag_members
            .load_one(self.0.id)
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        let users = l
            .users
            .load_many(ids.iter().copied())
            .await
            .map_err(load_err)?;
        Ok(ids
            .iter()
            .filter_map(|id| users.get(id).cloned())
            .map(User)
            .collect())
    }
}

/// An API token, as listed (its secret is never shown again).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ApiToken {
    /// The stored row (hash never exposed).
    #[graphql(skip)]
    pub row: api_tokens::Model,
    /// Label.
    pub name: String,
    /// The visible start of the token.
    pub prefix: String,
    /// Scopes; `*` means everything the owner's role allows.
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl ApiToken {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::ApiToken, self.row.id)
    }
    /// `prefix...last4`, for display.
    async fn masked(&self) -> String {
        format!("{}...{}", self.row.prefix, self.row.last_four)
    }
    /// The token's own rate-limit budgets; a category not listed uses the server's
    /// default.
    async fn rate_limits(&self) -> Result<Vec<RateLimit>> {
        Ok(resolvers::auth::rate_limits_of(&self.row)
            .gql()?
            .into_iter()
            .map(|(category, b)| RateLimit {
                category: category.into(),
                per_period: i64::from(b.per_period),
                period_seconds: i64::try_from(b.period.as_secs()).unwrap_or(i64::MAX),
                burst: i64::from(b.burst),
            })
            .collect())
    }
}

/// What a request spends of a rate-limit budget.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RateLimitCategory {
    /// Every request.
    Standard,
    /// Full-text search.
    Search,
    /// File uploads.
    Upload,
    /// Posting messages (counted per chat).
    MessageWrite,
}

impl From<resolvers::rate::Category> for RateLimitCategory {
    fn from(c: resolvers::rate::Category) -> Self {
        use resolvers::rate::Category;
        match c {
            Category::Standard => RateLimitCategory::Standard,
            Category::Search => RateLimitCategory::Search,
            Category::Upload => RateLimitCategory::Upload,
            Category::MessageWrite => RateLimitCategory::MessageWrite,
        }
    }
}

impl From<RateLimitCategory> for resolvers::rate::Category {
    fn from(c: RateLimitCategory) -> Self {
        use resolvers::rate::Category;
        match c {
            RateLimitCategory::Standard => Category::Standard,
            RateLimitCategory::Search => Category::Search,
            RateLimitCategory::Upload => Category::Upload,
            RateLimitCategory::MessageWrite => Category::MessageWrite,
        }
    }
}

/// A token's own budget of one category: `perPeriod` requests every `periodSeconds`,
/// with bursts of up to `burst`.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// The category.
    pub category: RateLimitCategory,
    /// Requests replenished per period.
    pub per_period: i64,
    /// The period, in seconds.
    pub period_seconds: i64,
    /// Requests that may be spent at once.
    pub burst: i64,
}

/// A budget to give a token for one category: `perPeriod` and `burst` from 1 to
/// 100,000, `periodSeconds` from 1 to 86,400 (a day).
#[derive(InputObject, Clone, Copy, serde::Serialize)]
pub struct RateLimitInput {
    /// The category.
    pub category: RateLimitCategory,
    /// Requests replenished per period.
    pub per_period: i64,
    /// The period, in seconds.
    pub period_seconds: i64,
    /// Requests that may be spent at once.
    pub burst: i64,
}

impl From<RateLimitInput> for resolvers::rate::BudgetInput {
    fn from(r: RateLimitInput) -> Self {
        resolvers::rate::BudgetInput {
            category: r.category.into(),
            per_period: r.per_period,
            period_seconds: r.period_seconds,
            burst: r.burst,
        }
    }
}

impl From<api_tokens::Model> for ApiToken {
    fn from(row: api_tokens::Model) -> Self {
        ApiToken {
            name: row.name.clone(),
            prefix: row.prefix.clone(),
            scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            created_at: row.created_at,
            row,
        }
    }
}

/// A token just created: the only time its secret is shown.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The secret. Store it now: only its hash is kept. Null when the answer replays an
    /// earlier request with the same idempotency key: the secret went out with the first
    /// answer only (revoke the token if that answer was lost).
    pub token: Option<String>,
    /// The token's record.
    pub api_token: ApiToken,
}

/// Input of `setStatus`.
#[derive(InputObject)]
pub struct SetStatusInput {
    /// One emoji.
    pub emoji: String,
    /// Short text.
    #[graphql(default)]
    pub title: String,
    /// When the status clears itself.
    pub expires_at: Option<DateTime<Utc>>,
    /// Away mode.
    #[graphql(default)]
    pub is_away: bool,
    /// Auto-reply while away.
    pub away_message: Option<String>,
}

/// Input of `createApiToken`.
#[derive(InputObject, serde::Serialize)]
pub struct CreateApiTokenInput {
    /// Label.
    pub name: String,
    /// Scopes (e.g. `messages:read`); omit for everything your role allows. Messaging
    /// API v1 permissions instead (`read:members`, `write:members`, `read:channels`,
    /// `write:channels`, `send:messages`, `read:departments`, `write:departments`; all
    /// of them v1 names, owners and admins only) make a workspace token: `wst_` + 64
    /// hex, acting as a bot user of its own named after the token, 1,000 requests per
    /// hour unless `rateLimits` says otherwise.
    pub scopes: Option<Vec<String>>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// The token's own rate-limit budgets (workspace owners and admins); omitted
    /// categories use the server's defaults.
    #[graphql(default)]
    pub rate_limits: Vec<RateLimitInput>,
}
