//! Webhook signatures, outgoing and incoming, verified in constant time over raw bytes.
//!
//! - Standard Webhooks 1.0 (our native endpoints): `webhook-id`, `webhook-timestamp`,
//!   `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`, with the key
//!   the base64-decoded part of a `whsec_…` secret.
//! - Pachca: `Pachca-Signature: <hex HMAC-SHA256(secret, body)>`.
//! - GitHub-style (Messaging v1): `sha256=<hex HMAC-SHA256(secret, body)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The tolerance on a Standard Webhooks timestamp, in seconds.
pub const TIMESTAMP_TOLERANCE: i64 = 300;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// A new `whsec_` signing secret (32 random bytes).
pub fn new_secret() -> crate::Result<String> {
    let mut key = [0_u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| crate::Error::internal(std::io::Error::other(e.to_string())))?;
    Ok(format!("whsec_{}", STANDARD.encode(key)))
}

fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()
}

/// The `webhook-signature` header value for a Standard Webhooks delivery.
pub fn standard_sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = secret_key(secret)?;
    let mut m = mac(&key);
    m.update(format!("{id}.{timestamp}.").as_bytes());
    m.update(body);
    Some(format!("v1,{}", STANDARD.encode(m.finalize().into_bytes())))
}

/// Verify a Standard Webhooks signature header (any of its space-separated `v1,` entries)
/// at time `now` (seconds).
pub fn standard_verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
) -> bool {
    if (now - timestamp).abs() > TIMESTAMP_TOLERANCE {
        return false;
    }
    let Some(key) = secret_key(secret) else {
        return false;
    };
    header.split_whitespace().any(|entry| {
        let Some(sig) = entry.strip_prefix("v1,") else {
            return false;
        };
        let Ok(sig) = STANDARD.decode(sig) else {
            return false;
        };
        let mut m = mac(&key);
        m.update(format!("{id}.{timestamp}.").as_bytes());
        m.update(body);
        m.verify_slice(&sig).is_ok()
    })
}

/// Lower-hex HMAC-SHA256 of the body: Pachca's `Pachca-Signature`.
pub fn hex_sign(secret: &str, body: &[u8]) -> String {
    let mut m = mac(secret.as_bytes());
    m.update(body);
    hex::encode(m.finalize().into_bytes())
}

/// Verify a hex HMAC-SHA256 of the body (with or without a `sha256=` prefix).
pub fn hex_verify(secret: &str, body: &[u8], header: &str) -> bool {
    let sig = header.trim();
    let sig = sig.strip_prefix("sha256=").unwrap_or(sig);
    let Ok(sig) = hex::decode(sig) else {
        return false;
    };
    if sig.is_empty() {
        return false;
    }
    let mut m = mac(secret.as_bytes());
    m.update(body);
    m.verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_vector() {
        let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let sig = standard_sign(secret, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        assert_eq!(
            sig.as_deref(),
            Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
        );
        let header = sig.unwrap_or_default();
        assert!(standard_verify(
            secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            body,
            &header,
            1649367553
        ));
        // Rotation: any one of several entries.
        assert!(standard_verify(
            secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            body,
            &format!("v1,AAAA {header}"),
            1649367600
        ));
    }

    #[test]
    fn standard_webhooks_negatives() {
        let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        let good = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
        let ts = 1649367553;
        assert!(!standard_verify(secret, id, ts, body, "v1,", ts));
        assert!(!standard_verify(secret, id, ts, body, "", ts));
        assert!(!standard_verify(
            secret,
            id,
            ts,
            body,
            &good[..good.len() - 4],
            ts
        ));
        assert!(!standard_verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            id,
            ts,
            body,
            good,
            ts
        ));
        assert!(!standard_verify(
            secret,
            id,
            ts,
            br#"{"email":"test@example.com","username":"test_usEr"}"#,
            good,
            ts
        ));
        assert!(!standard_verify(
            secret,
            id,
            ts,
            br#"{"email": "test@example.com","username":"test_user"}"#,
            good,
            ts
        ));
        assert!(!standard_verify(secret, id, ts, body, good, ts + 301));
        assert!(!standard_verify(secret, id, ts, body, good, ts - 301));
        assert!(!standard_verify(secret, "msg_other", ts, body, good, ts));
    }

    #[test]
    fn github_and_pachca_vectors() {
        assert_eq!(
            format!(
                "sha256={}",
                hex_sign("It's a Secret to Everybody", b"Hello, World!")
            ),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        let body = br#"{"type":"message","event":"delete","id":1,"webhook_timestamp":1705303800}"#;
        assert_eq!(
            hex_sign("pachca-test-secret", body),
            "c7e03152a51319aa12c298f044befedff83abdba3a628ac498b36775b6057457"
        );
        assert!(hex_verify(
            "pachca-test-secret",
            body,
            "c7e03152a51319aa12c298f044befedff83abdba3a628ac498b36775b6057457"
        ));
        assert!(!hex_verify("pachca-test-secret", body, "sha256="));
        assert!(!hex_verify("pachca-test-secret", body, "zz"));
        assert!(!hex_verify("pachca-test-secret", body, "c7e03152"));
    }
}
