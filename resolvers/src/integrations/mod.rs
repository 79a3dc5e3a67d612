//! Integrations: bots, their Pachca-shaped outgoing webhooks and event history,
//! interactive views, link previews, chat exports and drafts.
//!
//! # Layout
//! - `bots` — bot users with webhook settings; their access tokens.
//! - `routing` — which bot hears which event, and the Pachca payloads: one
//!   `bot_events` row per (event, bot), written in the change's own transaction, both
//!   pushed through the outbox (stamped and signed at delivery time) and listed in the
//!   history.
//! - `history` — `GET/DELETE /webhooks/events` for bots.
//! - `views` — modal views opened from a button's trigger id, submitted by users.
//! - `previews` — link previews a bot attaches to a message.
//! - `exports` — chat-export jobs and their download links.
//! - `drafts` — a user's unsent messages.
//! - `oauth` — a bot's OAuth client: people authorize apps, which act for them.
//! - `hooks` — integration clients (each with a bot account) and their hooks: secret
//!   URLs posting into internal Desktops (the Hook API).
//! - `workspace_tokens` — the Messaging API v1's `wst_` tokens, each acting as a bot.
//! - `incoming` — the Messaging API v1's signed incoming webhooks.

pub mod bots;
pub mod drafts;
pub mod exports;
pub mod history;
pub mod hooks;
pub mod incoming;
pub mod oauth;
pub mod previews;
pub(crate) mod routing;
pub(crate) use routing::route;
pub mod views;
pub mod workspace_tokens;

pub use routing::pachca_time;

use crate::{Error, Result};
use chrono::Utc;

/// Crockford base32, as ULIDs spell it.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new ULID-like id: 48 bits of milliseconds then 80 random bits, 26 characters of
/// Crockford base32, so string order is (roughly) time order.
pub(crate) fn ulid() -> Result<String> {
    let mut random = [0_u8; 10];
    getrandom::fill(&mut random)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    let ms = u128::try_from(Utc::now().timestamp_millis().max(0)).unwrap_or_default();
    let mut value: u128 = ms << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    let mut out = [0_u8; 26];
    for (i, slot) in out.iter_mut().enumerate().rev() {
        let idx = usize::try_from(value & 31).unwrap_or_default();
        *slot = CROCKFORD.get(idx).copied().unwrap_or(b'0');
        value >>= 5;
        let _ = i;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `n` random bytes as lower hex.
pub(crate) fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0_u8; n];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids_are_26_crockford_characters_in_time_order() {
        let a = ulid().unwrap_or_default();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = ulid().unwrap_or_default();
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|c| CROCKFORD.contains(&c)));
        assert!(a < b);
    }
}
