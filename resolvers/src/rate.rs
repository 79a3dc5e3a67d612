//! Rate limits: keyed GCRA (the `governor` crate) per credential and category, shared by
//! every front door so a token's budget is one budget whichever dialect it calls.
//!
//! Categories: `Standard` (every request, checked at the edge), `Search`, `Upload`, and
//! `MessageWrite` (per credential *and* chat, checked by `send_message`). A refusal is
//! [`Error::RateLimited`] with the seconds to wait; each edge renders it (429 +
//! `Retry-After` + a JSON body) and the remaining budget in its dialect's headers.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::{Quota, RateLimiter};

use crate::ctx::{Credential, Principal};
use crate::{Error, Result};

/// What a request spends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Budgets: requests per period, with a burst.
#[derive(Clone, Copy, Debug)]
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

/// The limiters.
#[derive(Clone)]
pub struct RateLimits {
    config: RateConfig,
    limiters: Arc<[Limiter; 4]>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("config", &self.config)
            .finish()
    }
}

impl RateLimits {
    /// Limiters with these budgets.
    pub fn new(config: RateConfig) -> Self {
        let make = |b: Budget| {
            RateLimiter::keyed(b.quota()).with_middleware::<StateInformationMiddleware>()
        };
        RateLimits {
            config,
            limiters: Arc::new([
                make(config.standard),
                make(config.search),
                make(config.upload),
                make(config.message_write),
            ]),
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

    /// Spend one request of `category` for `key`.
    pub fn check_key(&self, key: String, category: Category) -> Result<Allowance> {
        let (limiter, budget) = self.pick(category);
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

    /// Spend one request of `category` for the principal's credential (`scope` narrows
    /// the key, e.g. a chat for message writes).
    pub fn check(
        &self,
        principal: &Principal,
        category: Category,
        scope: Option<i64>,
    ) -> Result<Allowance> {
        self.check_key(key_of(principal, scope), category)
    }

    /// Forget idle keys (call now and then).
    pub fn prune(&self) {
        for l in self.limiters.iter() {
            l.retain_recent();
        }
    }
}

impl RateConfig {
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

/// The budget key of a credential: each API token has its own budget; sessions share
/// their user's.
pub fn key_of(principal: &Principal, scope: Option<i64>) -> String {
    let base = match &principal.credential {
        Credential::ApiToken { id, .. } => format!("t{id}"),
        Credential::Session => format!("u{}", principal.user_id),
    };
    match scope {
        Some(s) => format!("{base}:{s}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
