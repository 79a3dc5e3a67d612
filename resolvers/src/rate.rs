//! Rate limits: keyed GCRA (the `governor` crate) per credential and category, shared by
//! every front door so a token's budget is one budget whichever dialect it calls.
//!
//! Categories: `Standard` (every request, checked at the edge), `Search`, `Upload`, and
//! `MessageWrite` (per credential *and* chat, checked by `send_message`). A refusal is
//! [`Error::RateLimited`] with the seconds to wait; each edge renders it (429 +
//! `Retry-After` + a JSON body) and the remaining budget in its dialect's headers.
//!
//! An API token may have budgets of its own for any category ([`TokenBudgets`], set by
//! workspace admins, stored on the token row and carried in its principal): the
//! server's shared limiters ([`RateLimits::with_token_budgets`]) spend those instead of
//! the defaults.
//!
//! Hooks (the Hook API) have a budget of their own per hook, in two windows — requests
//! per hour and per day ([`HookWindows`]) — spent by [`RateLimits::check_hook`]; see
//! there for how `Used` and `Remaining` are counted exactly.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};

use crate::ctx::{Credential, Principal};
use crate::{Error, Result};

/// What a request spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Any request.
    Standard,
    /// Full-text search.
    Search,
    /// File uploads.
    Upload,
    /// Posting messages, per chat.
    MessageWrite,
}

impl Category {
    /// Every category, in the order budgets are listed.
    pub const ALL: [Category; 4] = [
        Category::Standard,
        Category::Search,
        Category::Upload,
        Category::MessageWrite,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Standard => "standard",
            Category::Search => "search",
            Category::Upload => "upload",
            Category::MessageWrite => "message_write",
        }
    }
}

/// Budgets: requests per period, with a burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Budget {
    /// Requests replenished per `period`.
    pub per_period: u32,
    /// The period.
    pub period: Duration,
    /// Requests that may be spent at once.
    pub burst: u32,
}

impl Budget {
    fn quota(self) -> Quota {
        let n = NonZeroU32::new(self.per_period.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let every = self.period / n.get();
        Quota::with_period(every.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(n))
            .allow_burst(burst)
    }
}

/// Most requests per period, and largest burst, a token's own budget may name.
pub const MAX_TOKEN_REQUESTS: u32 = 100_000;
/// Shortest and longest period of a token's own budget, in seconds (1 s to 1 day).
pub const TOKEN_PERIOD_SECONDS: std::ops::RangeInclusive<i64> = 1..=86_400;

/// One of a token's own budgets as a caller gives it (checked by
/// [`TokenBudgets::from_input`]). Integers are wide so that out-of-range values reach
/// validation instead of failing to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetInput {
    /// The category it replaces the default of.
    pub category: Category,
    /// Requests replenished per period.
    pub per_period: i64,
    /// The period, in seconds.
    pub period_seconds: i64,
    /// Requests that may be spent at once.
    pub burst: i64,
}

/// A token's own budgets, by category (`None`: the server's default for that category).
///
/// Read with the token row when the token authenticates and carried in the principal's
/// [`Credential`], so applying them costs no query per request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenBudgets {
    standard: Option<Budget>,
    search: Option<Budget>,
    upload: Option<Budget>,
    message_write: Option<Budget>,
}

/// The stored form of one budget (`api_tokens.rate_limits` is a JSON array of these).
#[derive(Serialize, Deserialize)]
struct StoredBudget {
    category: Category,
    per_period: u32,
    period_seconds: u64,
    burst: u32,
}

impl TokenBudgets {
    /// The token's own budget of `category`, if it has one.
    pub fn get(&self, category: Category) -> Option<Budget> {
        match category {
            Category::Standard => self.standard,
            Category::Search => self.search,
            Category::Upload => self.upload,
            Category::MessageWrite => self.message_write,
        }
    }

    fn slot(&mut self, category: Category) -> &mut Option<Budget> {
        match category {
            Category::Standard => &mut self.standard,
            Category::Search => &mut self.search,
            Category::Upload => &mut self.upload,
            Category::MessageWrite => &mut self.message_write,
        }
    }

    /// Whether every category keeps the server's default.
    pub fn is_empty(&self) -> bool {
        Category::ALL.iter().all(|c| self.get(*c).is_none())
    }

    /// The overridden categories and their budgets, in [`Category::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Category, Budget)> + '_ {
        Category::ALL
            .into_iter()
            .filter_map(|c| self.get(c).map(|b| (c, b)))
    }

    /// Check budgets a caller asks for: each category at most once, `perPeriod` and
    /// `burst` from 1 to [`MAX_TOKEN_REQUESTS`], `periodSeconds` from 1 s to 1 day.
    /// Errors name `field[i].<part>`.
    pub fn from_input(inputs: &[BudgetInput], field: &str) -> Result<Self> {
        let mut out = TokenBudgets::default();
        let max = i64::from(MAX_TOKEN_REQUESTS);
        for (i, input) in inputs.iter().enumerate() {
            let at = |part: &str| format!("{field}[{i}].{part}");
            let per_period = u32::try_from(input.per_period)
                .ok()
                .filter(|n| (1..=MAX_TOKEN_REQUESTS).contains(n))
                .ok_or_else(|| {
                    Error::invalid(at("perPeriod"), format!("must be from 1 to {max}"))
                })?;
            let burst = u32::try_from(input.burst)
                .ok()
                .filter(|n| (1..=MAX_TOKEN_REQUESTS).contains(n))
                .ok_or_else(|| Error::invalid(at("burst"), format!("must be from 1 to {max}")))?;
            if !TOKEN_PERIOD_SECONDS.contains(&input.period_seconds) {
                return Err(Error::invalid(
                    at("periodSeconds"),
                    "must be from 1 (a second) to 86400 (a day)",
                ));
            }
            let period = Duration::from_secs(input.period_seconds.unsigned_abs());
            let slot = out.slot(input.category);
            if slot.is_some() {
                return Err(Error::invalid(
                    at("category"),
                    format!("`{}` is given more than once", input.category.as_str()),
                ));
            }
            *slot = Some(Budget {
                per_period,
                period,
                burst,
            });
        }
        Ok(out)
    }

    /// Read the stored form (`None`: no budgets of its own).
    pub fn from_stored(stored: Option<&str>) -> Result<Self> {
        let Some(stored) = stored.filter(|s| !s.trim().is_empty()) else {
            return Ok(TokenBudgets::default());
        };
        let rows: Vec<StoredBudget> = serde_json::from_str(stored).map_err(Error::internal)?;
        let mut out = TokenBudgets::default();
        for row in rows {
            *out.slot(row.category) = Some(Budget {
                per_period: row.per_period,
                period: Duration::from_secs(row.period_seconds),
                burst: row.burst,
            });
        }
        Ok(out)
    }

    /// The stored form (`None` when every category keeps the default).
    pub fn to_stored(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let rows: Vec<StoredBudget> = self
            .iter()
            .map(|(category, b)| StoredBudget {
                category,
                per_period: b.per_period,
                period_seconds: b.period.as_secs(),
                burst: b.burst,
            })
            .collect();
        serde_json::to_string(&rows).ok()
    }
}

/// The budgets of each category.
#[derive(Clone, Copy, Debug)]
pub struct RateConfig {
    /// Every request: 50 per second, bursts of 100.
    pub standard: Budget,
    /// Search: 60 per minute, bursts of 20.
    pub search: Budget,
    /// Uploads: 60 per minute, bursts of 20.
    pub upload: Budget,
    /// Message writes per chat: 4 per second, bursts of 30.
    pub message_write: Budget,
    /// Each hook's two windows (Hook API): 1,000 per hour and 10,000 per day.
    pub hook: HookWindows,
}

/// Default requests per hour of one hook.
pub const DEFAULT_HOOK_PER_HOUR: u32 = 1_000;
/// Default requests per day of one hook.
pub const DEFAULT_HOOK_PER_DAY: u32 = 10_000;

/// The two windows of one hook's budget: requests per hour and requests per day (the
/// Hook API's `X-Rate-Limit-Total-Per-Hour` and `-Per-Day`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HookWindows {
    /// Requests per hour.
    pub per_hour: u32,
    /// Requests per day.
    pub per_day: u32,
}

impl Default for HookWindows {
    fn default() -> Self {
        HookWindows {
            per_hour: DEFAULT_HOOK_PER_HOUR,
            per_day: DEFAULT_HOOK_PER_DAY,
        }
    }
}

impl HookWindows {
    /// The window sizes as GCRA budgets: a bucket of the window's total, refilled evenly
    /// over the window (one request every hour / `per_hour`, day / `per_day`).
    fn budgets(self) -> [Budget; 2] {
        let window = |total: u32, secs: u64| Budget {
            per_period: total.max(1),
            period: Duration::from_secs(secs),
            burst: total.max(1),
        };
        [window(self.per_hour, 3_600), window(self.per_day, 86_400)]
    }
}

/// A hook's standing after a request, as the Hook API reports it: both window sizes,
/// and `used` / `remaining` of the window that runs out first (the one with fewer
/// requests remaining; the hour on a tie). `used + remaining` is that window's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookStanding {
    /// Requests per hour.
    pub per_hour: u32,
    /// Requests per day.
    pub per_day: u32,
    /// Requests spent and not yet replenished, in the tighter window.
    pub used: u32,
    /// Requests left right now, in the tighter window.
    pub remaining: u32,
}

/// A hook over one of its windows: its standing (the refusing window's, fully used) and
/// the seconds until a request would be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookRefused {
    /// The standing to report with the refusal.
    pub standing: HookStanding,
    /// Seconds to wait (`Retry-After`).
    pub retry_after: u64,
}

impl From<HookRefused> for Error {
    fn from(refused: HookRefused) -> Self {
        Error::RateLimited {
            retry_after: refused.retry_after,
        }
    }
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig {
            standard: Budget {
                per_period: 50,
                period: Duration::from_secs(1),
                burst: 100,
            },
            search: Budget {
                per_period: 60,
                period: Duration::from_secs(60),
                burst: 20,
            },
            upload: Budget {
                per_period: 60,
                period: Duration::from_secs(60),
                burst: 20,
            },
            message_write: Budget {
                per_period: 4,
                period: Duration::from_secs(1),
                burst: 30,
            },
            hook: HookWindows::default(),
        }
    }
}

type Limiter = RateLimiter<
    String,
    governor::state::keyed::DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// The remaining budget after an allowed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// The burst size of the category.
    pub limit: u32,
    /// Requests left right now.
    pub remaining: u32,
    /// Seconds until the budget is full again.
    pub reset_after: u64,
}

/// Limiters of tokens' own budgets: one keyed limiter per (category, budget), keyed like
/// the shared ones (token, and chat for message writes).
///
/// governor's keyed limiter has one quota for all its keys, so a token with a budget of
/// its own cannot use the shared limiter of its category. Keying the cache by the
/// *budget* rather than by the token keeps it as small as the number of distinct budgets
/// administrators set (tokens with equal budgets share a limiter, never a bucket, since
/// the key names the token); message writes stay per chat for free; and a changed
/// budget selects another limiter — a fresh bucket under the new quota — on the very
/// next request. A `std` mutex: it is held for a map lookup, never across an `.await`.
type CustomLimiters = Mutex<HashMap<(Category, Budget), Arc<Limiter>>>;

/// The limiters.
#[derive(Clone)]
pub struct RateLimits {
    config: RateConfig,
    limiters: Arc<[Limiter; 4]>,
    /// Each hook's hour and day windows, keyed by the hook's row id.
    hooks: Arc<[Limiter; 2]>,
    /// Limiters of tokens' own budgets; `None` when this instance applies only its own
    /// configuration (see [`RateLimits::new`]).
    custom: Option<Arc<CustomLimiters>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("config", &self.config)
            .field("hooks", &self.config.hook)
            .field("token_budgets", &self.custom.is_some())
            .finish()
    }
}

fn keyed(budget: Budget) -> Limiter {
    RateLimiter::keyed(budget.quota()).with_middleware::<StateInformationMiddleware>()
}

/// Spend one request of `key` on `limiter`, whose quota is `budget`.
fn spend(limiter: &Limiter, budget: Budget, key: String) -> Result<Allowance> {
    match limiter.check_key(&key) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let per = budget.period.as_secs_f64() / f64::from(budget.per_period.max(1));
            let missing = f64::from(budget.burst.saturating_sub(remaining));
            Ok(Allowance {
                limit: budget.burst,
                remaining,
                reset_after: (missing * per).ceil() as u64,
            })
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Err(Error::RateLimited {
                retry_after: wait.as_secs().max(1),
            })
        }
    }
}

impl RateLimits {
    /// Limiters with these budgets for every credential, whatever budgets of its own a
    /// token has: for narrower, derived classes (a façade's own budgets), which a
    /// token's budget for the whole category must not widen or narrow.
    pub fn new(config: RateConfig) -> Self {
        let [hour, day] = config.hook.budgets();
        RateLimits {
            config,
            limiters: Arc::new([
                keyed(config.standard),
                keyed(config.search),
                keyed(config.upload),
                keyed(config.message_write),
            ]),
            hooks: Arc::new([keyed(hour), keyed(day)]),
            custom: None,
        }
    }

    /// The hook windows in force.
    pub fn hook_windows(&self) -> HookWindows {
        self.config.hook
    }

    /// Spend one request of hook `hook_id` (its row id) in both of its windows.
    ///
    /// Each window is a governor GCRA bucket holding the window's total and refilled
    /// evenly over the window, so a quiet hour (day) restores the whole hourly (daily)
    /// budget. `Used` and `Remaining` are exact readings of that state rather than a
    /// separate counter: governor's state snapshot after an allowed request gives the
    /// requests still available in the bucket (`remaining`), and `used` is the total
    /// minus that — requests spent and not yet replenished. Both windows are read on
    /// every allowed request and the one with fewer remaining is reported.
    ///
    /// The hour is spent first and the day only when the hour allows, so a request the
    /// hour refuses costs the day nothing (bursts cannot drain the daily budget). A
    /// request the day refuses has spent one hourly request; the day then stays the
    /// tighter window, and the hour refills (one request every hour / `per_hour`) at
    /// least as fast as a client honouring `Retry-After` comes back.
    pub fn check_hook(&self, hook_id: i64) -> std::result::Result<HookStanding, HookRefused> {
        let windows = self.config.hook;
        let [hour_budget, day_budget] = windows.budgets();
        let [hour, day] = &*self.hooks;
        let key = format!("h{hook_id}");
        let refused = |budget: Budget, retry_after: u64| HookRefused {
            standing: HookStanding {
                per_hour: windows.per_hour,
                per_day: windows.per_day,
                used: budget.burst,
                remaining: 0,
            },
            retry_after,
        };
        let hour_left = match spend(hour, hour_budget, key.clone()) {
            Ok(a) => a.remaining,
            Err(Error::RateLimited { retry_after }) => {
                return Err(refused(hour_budget, retry_after));
            }
            Err(_) => return Err(refused(hour_budget, 1)),
        };
        let day_left = match spend(day, day_budget, key) {
            Ok(a) => a.remaining,
            Err(Error::RateLimited { retry_after }) => {
                return Err(refused(day_budget, retry_after));
            }
            Err(_) => return Err(refused(day_budget, 1)),
        };
        let (total, remaining) = if day_left < hour_left {
            (day_budget.burst, day_left)
        } else {
            (hour_budget.burst, hour_left)
        };
        Ok(HookStanding {
            per_hour: windows.per_hour,
            per_day: windows.per_day,
            used: total.saturating_sub(remaining),
            remaining,
        })
    }

    /// The server's shared limiters: these budgets by default, and an API token's own
    /// budget (carried in its principal) for each category it has one for.
    pub fn with_token_budgets(config: RateConfig) -> Self {
        RateLimits {
            custom: Some(Arc::new(Mutex::new(HashMap::new()))),
            ..Self::new(config)
        }
    }

    fn pick(&self, category: Category) -> (&Limiter, Budget) {
        let [standard, search, upload, write] = &*self.limiters;
        match category {
            Category::Standard => (standard, self.config.standard),
            Category::Search => (search, self.config.search),
            Category::Upload => (upload, self.config.upload),
            Category::MessageWrite => (write, self.config.message_write),
        }
    }

    /// The configured budget of `category`.
    pub fn budget(&self, category: Category) -> Budget {
        self.pick(category).1
    }

    /// Spend one request of `category` for a client address (requests without a
    /// credential), on the configured budget.
    pub fn check_address(&self, ip: &str, category: Category) -> Result<Allowance> {
        self.check_key(address_key(ip), category)
    }

    /// Spend one request of `category` for `key`, on the configured budget.
    pub fn check_key(&self, key: String, category: Category) -> Result<Allowance> {
        let (limiter, budget) = self.pick(category);
        spend(limiter, budget, key)
    }

    /// The limiter of a token's own `budget` of `category` (created on first use).
    fn custom_limiter(&self, category: Category, budget: Budget) -> Option<Arc<Limiter>> {
        let custom = self.custom.as_ref()?;
        let mut map = custom
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(
            map.entry((category, budget))
                .or_insert_with(|| Arc::new(keyed(budget)))
                .clone(),
        )
    }

    /// Spend one request of `category` for the principal's credential (`scope` narrows
    /// the key, e.g. a chat for message writes): on the token's own budget of the
    /// category when it has one (and this instance honours them), else on the default.
    pub fn check(
        &self,
        principal: &Principal,
        category: Category,
        scope: Option<i64>,
    ) -> Result<Allowance> {
        let key = key_of(principal, scope);
        if let Credential::ApiToken { budgets, .. } = &principal.credential
            && let Some(budget) = budgets.get(category)
            && let Some(limiter) = self.custom_limiter(category, budget)
        {
            return spend(&limiter, budget, key);
        }
        self.check_key(key, category)
    }

    /// The budget `principal` spends for `category`: its token's own, when it has one
    /// and this instance honours them, else the configured one.
    pub fn budget_of(&self, principal: &Principal, category: Category) -> Budget {
        if self.custom.is_some()
            && let Credential::ApiToken { budgets, .. } = &principal.credential
            && let Some(budget) = budgets.get(category)
        {
            return budget;
        }
        self.pick(category).1
    }

    /// Forget idle keys, and the limiters of tokens' budgets no longer in use (call now
    /// and then).
    pub fn prune(&self) {
        for l in self.limiters.iter().chain(self.hooks.iter()) {
            l.retain_recent();
        }
        if let Some(custom) = &self.custom {
            let mut map = custom
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.retain(|_, l| {
                l.retain_recent();
                !l.is_empty()
            });
        }
    }
}

impl RateConfig {
    /// The WorkAndGo document's budgets (§3), each a minute's worth that may be spent at
    /// once and refills evenly over the minute: `std` 100, `search` 30, `upload` 20 per
    /// minute. Message writes and hooks are not its categories (left unlimited here).
    pub fn workandgo() -> Self {
        let per_minute = |n: u32| Budget {
            per_period: n,
            period: Duration::from_secs(60),
            burst: n,
        };
        RateConfig {
            standard: per_minute(100),
            search: per_minute(30),
            upload: per_minute(20),
            ..Self::unlimited()
        }
    }

    /// Budgets no client reaches: for the operator's own contexts (CLI, seed) and tests.
    pub fn unlimited() -> Self {
        let huge = Budget {
            per_period: 1_000_000,
            period: Duration::from_secs(1),
            burst: 1_000_000,
        };
        RateConfig {
            standard: huge,
            search: huge,
            upload: huge,
            message_write: huge,
            hook: HookWindows {
                per_hour: 1_000_000,
                per_day: 1_000_000,
            },
        }
    }
}

impl Default for RateLimits {
    /// Unlimited: a context built without the server's configuration (the operator's CLI,
    /// the demo seed) is not a client and spends no budget.
    fn default() -> Self {
        Self::new(RateConfig::unlimited())
    }
}

/// The budget key of a client address: unauthenticated requests share their address's.
pub fn address_key(ip: &str) -> String {
    format!("a{ip}")
}

/// The budget key of a credential: each API token has its own budget; sessions share
/// their user's.
pub fn key_of(principal: &Principal, scope: Option<i64>) -> String {
    let base = match &principal.credential {
        Credential::ApiToken { id, .. } => format!("t{id}"),
        Credential::Session => format!("u{}", principal.user_id),
        Credential::Hook { id, .. } => format!("h{id}"),
    };
    match scope {
        Some(s) => format!("{base}:{s}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scopes;
    use crate::people::Role;

    fn token(id: i64, budgets: TokenBudgets) -> Principal {
        Principal {
            workspace_id: 1,
            user_id: 1,
            role: Role::Member,
            is_bot: false,
            scopes: Scopes::for_role(Role::Member, false),
            credential: Credential::ApiToken {
                id,
                prefix: format!("sbt_{id}"),
                budgets,
            },
        }
    }

    fn budgets(inputs: &[(Category, i64, i64, i64)]) -> TokenBudgets {
        let inputs: Vec<BudgetInput> = inputs
            .iter()
            .map(
                |&(category, per_period, period_seconds, burst)| BudgetInput {
                    category,
                    per_period,
                    period_seconds,
                    burst,
                },
            )
            .collect();
        TokenBudgets::from_input(&inputs, "rateLimits").unwrap_or_else(|e| panic!("{e}"))
    }

    fn allowed(limits: &RateLimits, p: &Principal, category: Category, n: usize) -> usize {
        (0..n)
            .filter(|_| limits.check(p, category, None).is_ok())
            .count()
    }

    #[test]
    fn a_token_with_its_own_budget_spends_it_and_its_neighbour_keeps_the_default() {
        let limits = RateLimits::with_token_budgets(RateConfig::unlimited());
        let tight = token(1, budgets(&[(Category::Standard, 1, 60, 3)]));
        let neighbour = token(2, TokenBudgets::default());
        assert_eq!(allowed(&limits, &tight, Category::Standard, 10), 3);
        match limits.check(&tight, Category::Standard, None) {
            Err(Error::RateLimited { retry_after }) => assert!((1..=60).contains(&retry_after)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(allowed(&limits, &neighbour, Category::Standard, 100), 100);
        // Only the overridden category is narrowed.
        assert_eq!(allowed(&limits, &tight, Category::Search, 100), 100);
        // The allowance reports the token's own burst.
        let other = token(3, budgets(&[(Category::Standard, 1, 60, 3)]));
        let first = limits.check(&other, Category::Standard, None);
        assert!(
            matches!(
                first,
                Ok(Allowance {
                    limit: 3,
                    remaining: 2,
                    ..
                })
            ),
            "{first:?}"
        );
        assert_eq!(
            allowed(&limits, &other, Category::Standard, 10),
            2,
            "tokens with equal budgets have buckets of their own"
        );
    }

    #[test]
    fn a_changed_budget_applies_to_the_next_request() {
        let limits = RateLimits::with_token_budgets(RateConfig::unlimited());
        let before = token(1, budgets(&[(Category::Standard, 1, 60, 2)]));
        assert_eq!(allowed(&limits, &before, Category::Standard, 5), 2);
        let raised = token(1, budgets(&[(Category::Standard, 1, 60, 4)]));
        assert_eq!(allowed(&limits, &raised, Category::Standard, 10), 4);
        let cleared = token(1, TokenBudgets::default());
        assert_eq!(allowed(&limits, &cleared, Category::Standard, 50), 50);
    }

    #[test]
    fn message_write_budgets_of_a_token_stay_per_chat() {
        let limits = RateLimits::with_token_budgets(RateConfig::unlimited());
        let p = token(1, budgets(&[(Category::MessageWrite, 1, 60, 2)]));
        let sent = |chat| {
            (0..5)
                .filter(|_| limits.check(&p, Category::MessageWrite, Some(chat)).is_ok())
                .count()
        };
        assert_eq!(sent(10), 2);
        assert_eq!(sent(11), 2);
    }

    #[test]
    fn limiters_built_with_new_ignore_token_budgets() {
        let limits = RateLimits::new(RateConfig::unlimited());
        let p = token(1, budgets(&[(Category::Standard, 1, 60, 1)]));
        assert_eq!(allowed(&limits, &p, Category::Standard, 20), 20);
    }

    #[test]
    fn token_budgets_are_validated_naming_the_field() {
        let bad = |per_period, period_seconds, burst| {
            let input = [BudgetInput {
                category: Category::Search,
                per_period,
                period_seconds,
                burst,
            }];
            match TokenBudgets::from_input(&input, "limits") {
                Err(Error::Invalid { field, .. }) => field,
                other => panic!("expected bad input, got {other:?}"),
            }
        };
        assert_eq!(bad(0, 60, 5), "limits[0].perPeriod");
        assert_eq!(bad(-1, 60, 5), "limits[0].perPeriod");
        assert_eq!(bad(100_001, 60, 5), "limits[0].perPeriod");
        assert_eq!(bad(5, 0, 5), "limits[0].periodSeconds");
        assert_eq!(bad(5, 86_401, 5), "limits[0].periodSeconds");
        assert_eq!(bad(5, 60, 0), "limits[0].burst");
        assert_eq!(bad(5, 60, i64::MAX), "limits[0].burst");
        let twice = [
            BudgetInput {
                category: Category::Upload,
                per_period: 1,
                period_seconds: 1,
                burst: 1,
            },
            BudgetInput {
                category: Category::Upload,
                per_period: 2,
                period_seconds: 86_400,
                burst: 100_000,
            },
        ];
        assert!(matches!(
            TokenBudgets::from_input(&twice, "limits"),
            Err(Error::Invalid { field, .. }) if field == "limits[1].category"
        ));
        assert!(TokenBudgets::from_input(&twice[..1], "limits").is_ok());
    }

    #[test]
    fn token_budgets_round_trip_through_their_stored_form() {
        let b = budgets(&[
            (Category::MessageWrite, 4, 1, 30),
            (Category::Standard, 10, 60, 20),
        ]);
        let stored = b.to_stored();
        assert!(stored.is_some());
        let back = TokenBudgets::from_stored(stored.as_deref()).unwrap_or_default();
        assert_eq!(back, b);
        assert_eq!(
            back.iter().map(|(c, _)| c).collect::<Vec<_>>(),
            [Category::Standard, Category::MessageWrite]
        );
        assert_eq!(TokenBudgets::default().to_stored(), None);
        assert_eq!(
            TokenBudgets::from_stored(None).unwrap_or(b),
            TokenBudgets::default()
        );
        assert!(TokenBudgets::from_stored(Some("not json")).is_err());
    }

    fn hooks(per_hour: u32, per_day: u32) -> RateLimits {
        RateLimits::new(RateConfig {
            hook: HookWindows { per_hour, per_day },
            ..RateConfig::unlimited()
        })
    }

    #[test]
    fn a_hook_reports_the_window_that_runs_out_first() {
        // The hour is tighter: 3 an hour, 10 a day.
        let limits = hooks(3, 10);
        let first = limits.check_hook(1);
        assert_eq!(
            first,
            Ok(HookStanding {
                per_hour: 3,
                per_day: 10,
                used: 1,
                remaining: 2
            })
        );
        assert!(matches!(
            limits.check_hook(1),
            Ok(HookStanding {
                used: 2,
                remaining: 1,
                ..
            })
        ));
        assert!(matches!(
            limits.check_hook(1),
            Ok(HookStanding {
                used: 3,
                remaining: 0,
                ..
            })
        ));
        match limits.check_hook(1) {
            Err(HookRefused {
                standing,
                retry_after,
            }) => {
                assert_eq!((standing.used, standing.remaining), (3, 0));
                assert!((1..=1_200).contains(&retry_after), "{retry_after}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // A neighbour keeps its own budget.
        assert!(matches!(
            limits.check_hook(2),
            Ok(HookStanding {
                used: 1,
                remaining: 2,
                ..
            })
        ));
    }

    #[test]
    fn a_hook_refused_by_the_hour_keeps_its_day() {
        // The day is tighter: 5 an hour, 2 a day.
        let limits = hooks(5, 2);
        assert!(matches!(
            limits.check_hook(1),
            Ok(HookStanding {
                used: 1,
                remaining: 1,
                ..
            })
        ));
        assert!(matches!(
            limits.check_hook(1),
            Ok(HookStanding {
                used: 2,
                remaining: 0,
                ..
            })
        ));
        match limits.check_hook(1) {
            Err(HookRefused {
                standing,
                retry_after,
            }) => {
                assert_eq!((standing.used, standing.remaining), (2, 0));
                assert!(retry_after > 3_600, "a day's refill is slow: {retry_after}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Refused by the hour: nothing of the day is spent.
        let limits = hooks(1, 3);
        assert!(limits.check_hook(7).is_ok());
        assert!(limits.check_hook(7).is_err());
        assert!(limits.check_hook(7).is_err());
        let [_, day] = &*limits.hooks;
        let day_budget = HookWindows {
            per_hour: 1,
            per_day: 3,
        }
        .budgets()[1];
        assert!(matches!(
            spend(day, day_budget, "h7".into()),
            Ok(Allowance { remaining: 1, .. })
        ));
    }

    #[test]
    fn addresses_have_buckets_of_their_own_per_category() {
        let limits = RateLimits::new(RateConfig {
            standard: Budget {
                per_period: 2,
                period: Duration::from_secs(60),
                burst: 2,
            },
            ..RateConfig::workandgo()
        });
        assert!(limits.check_address("10.0.0.1", Category::Standard).is_ok());
        assert!(limits.check_address("10.0.0.1", Category::Standard).is_ok());
        assert!(
            limits
                .check_address("10.0.0.1", Category::Standard)
                .is_err()
        );
        // Another category and another address are untouched.
        assert!(matches!(
            limits.check_address("10.0.0.1", Category::Search),
            Ok(Allowance {
                limit: 30,
                remaining: 29,
                ..
            })
        ));
        assert!(limits.check_address("10.0.0.2", Category::Standard).is_ok());
        assert_eq!(RateConfig::workandgo().upload.burst, 20);
    }

    #[test]
    fn a_key_over_its_budget_is_refused_and_a_neighbour_is_not() {
        let limits = RateLimits::new(RateConfig {
            standard: Budget {
                per_period: 1,
                period: Duration::from_secs(60),
                burst: 3,
            },
            ..RateConfig::default()
        });
        for _ in 0..3 {
            assert!(limits.check_key("a".into(), Category::Standard).is_ok());
        }
        match limits.check_key("a".into(), Category::Standard) {
            Err(Error::RateLimited { retry_after }) => assert!((1..=60).contains(&retry_after)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let first = limits.check_key("b".into(), Category::Standard);
        assert!(
            matches!(
                first,
                Ok(Allowance {
                    limit: 3,
                    remaining: 2,
                    ..
                })
            ),
            "{first:?}"
        );
    }
}
