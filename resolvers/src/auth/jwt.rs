//! JWT user sessions, validated in one place with every check spelled out.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

const ISSUER: &str = "switchboard";
const AUDIENCE: &str = "switchboard";
/// The audience of cookie session tokens: never accepted as a bearer session.
const COOKIE_AUDIENCE: &str = "switchboard:session-cookie";
/// Clock skew tolerated on `exp`/`nbf`, in seconds.
const LEEWAY: u64 = 30;

/// The claims of a Switchboard session token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    /// The workspace id.
    pub ws: i64,
    /// Issuer: always `switchboard`.
    pub iss: String,
    /// Audience: always `switchboard`.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
}

/// The claims of a cookie session token: a short-lived signed name of a server-side
/// session (`sid`), which alone decides whether the session still lives.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CookieClaims {
    /// The user id, as a string.
    pub sub: String,
    /// The workspace id.
    pub ws: i64,
    /// The session row id.
    pub sid: i64,
    /// Issuer: always `switchboard`.
    pub iss: String,
    /// Audience: always `switchboard:session-cookie`.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
}

impl SessionClaims {
    pub(crate) fn user_id(&self) -> Result<i64> {
        self.sub.parse().map_err(|_| Error::Unauthenticated)
    }
}

/// The HS256 key for sessions, from configuration.
#[derive(Clone)]
pub struct JwtConfig {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtConfig(<secret>)")
    }
}

impl JwtConfig {
    /// Keys from a shared secret (at least 32 bytes).
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::invalid("jwt_secret", "must be at least 32 bytes"));
        }
        Ok(JwtConfig {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    /// Issue a session for a user, valid for `ttl_seconds`.
    pub fn issue(&self, workspace_id: i64, user_id: i64, ttl_seconds: i64) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = SessionClaims {
            sub: user_id.to_string(),
            ws: workspace_id,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now + ttl_seconds,
            nbf: now,
            iat: now,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))
    }

    /// Verify a session token: HS256 only, signature, `exp`, `nbf`, issuer, audience, all
    /// required claims present, and `iat` not in the future.
    pub fn verify(&self, token: &str) -> Result<SessionClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY;
        let data = decode::<SessionClaims>(token, &self.decoding, &validation)
            .map_err(|_| Error::Unauthenticated)?;
        let leeway = i64::try_from(LEEWAY).unwrap_or(0);
        if data.claims.iat > Utc::now().timestamp() + leeway {
            return Err(Error::Unauthenticated);
        }
        Ok(data.claims)
    }
}

impl JwtConfig {
    /// Sign a cookie token naming session `session_id` of `user_id`, valid `ttl_seconds`.
    pub fn issue_cookie(
        &self,
        workspace_id: i64,
        user_id: i64,
        session_id: i64,
        ttl_seconds: i64,
    ) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = CookieClaims {
            sub: user_id.to_string(),
            ws: workspace_id,
            sid: session_id,
            iss: ISSUER.to_owned(),
            aud: COOKIE_AUDIENCE.to_owned(),
            exp: now + ttl_seconds,
            nbf: now,
            iat: now,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))
    }

    /// Verify a cookie token: HS256 only, signature, issuer, the cookie audience, every
    /// claim present, `nbf`, and `iat` not in the future. Its `exp` may have passed by
    /// at most `grace_seconds`: the token only names a session, and an expired token
    /// of a session that still lives (checked by the caller against its row) is
    /// renewed rather than refused — the idle window, not the token, ends a session.
    pub fn verify_cookie(&self, token: &str, grace_seconds: u64) -> Result<CookieClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[COOKIE_AUDIENCE]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = grace_seconds.max(LEEWAY);
        let data = decode::<CookieClaims>(token, &self.decoding, &validation)
            .map_err(|_| Error::Unauthenticated)?;
        let leeway = i64::try_from(LEEWAY).unwrap_or(0);
        let now = Utc::now().timestamp();
        if data.claims.iat > now + leeway || data.claims.nbf > now + leeway {
            return Err(Error::Unauthenticated);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> JwtConfig {
        JwtConfig::from_secret(&[7_u8; 32]).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn issued_sessions_verify() {
        let cfg = config();
        let token = cfg.issue(3, 9, 60).unwrap_or_default();
        let claims = cfg.verify(&token).ok();
        assert_eq!(claims.map(|c| (c.ws, c.sub)), Some((3, "9".to_owned())));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_fail() {
        let cfg = config();
        let expired = cfg.issue(1, 1, -120).unwrap_or_default();
        assert!(cfg.verify(&expired).is_err());
        let good = cfg.issue(1, 1, 60).unwrap_or_default();
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push('A');
        assert!(cfg.verify(&tampered).is_err() || tampered == good);
        let other = JwtConfig::from_secret(&[8_u8; 32]).unwrap_or_else(|_| unreachable!());
        assert!(other.verify(&good).is_err());
        // alg "none" with a valid-looking payload.
        let parts: Vec<&str> = good.split('.').collect();
        let none = format!(
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
            parts.get(1).copied().unwrap_or("")
        );
        assert!(cfg.verify(&none).is_err());
    }

    #[test]
    fn cookie_tokens_are_not_bearer_sessions_and_bearer_sessions_are_not_cookies() {
        let cfg = config();
        let cookie = cfg.issue_cookie(3, 9, 42, 60).unwrap_or_default();
        assert_eq!(cfg.verify_cookie(&cookie, 0).ok().map(|c| c.sid), Some(42));
        assert!(cfg.verify(&cookie).is_err());
        let bearer = cfg.issue(3, 9, 60).unwrap_or_default();
        assert!(cfg.verify_cookie(&bearer, 0).is_err());
        // Expired: refused without grace, accepted within it.
        let old = cfg.issue_cookie(3, 9, 42, -600).unwrap_or_default();
        assert!(cfg.verify_cookie(&old, 0).is_err());
        assert!(cfg.verify_cookie(&old, 3_600).is_ok());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtConfig::from_secret(b"short").is_err());
    }
}
