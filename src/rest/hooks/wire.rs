//! The Hook API's shapes, as its document spells them.

use serde::Serialize;

/// The error body: OAuth 2.0's `error` and `error_description`, plus `message` with the
/// same text (as the document's 401 example shows).
#[derive(Debug, Serialize)]
pub struct HookError {
    /// OAuth 2.0 error code: `access_denied`, `invalid_request`, `rate_limit_exceeded`,
    /// `server_error`, `temporarily_unavailable`.
    pub error: &'static str,
    /// Human-readable detail.
    pub error_description: String,
    /// The same text.
    pub message: String,
}

/// The 401 text, exactly as the document gives it.
pub const ACCESS_DENIED: &str = "The resource owner or authorization server denied the request.";

/// The success body.
pub const OK: &str = "ok";

/// The rate-limit headers (spelled as the document spells them).
pub const TOTAL_PER_HOUR: &str = "x-rate-limit-total-per-hour";
/// See [`TOTAL_PER_HOUR`].
pub const TOTAL_PER_DAY: &str = "x-rate-limit-total-per-day";
/// See [`TOTAL_PER_HOUR`].
pub const USED: &str = "x-rate-limit-used";
/// See [`TOTAL_PER_HOUR`].
pub const REMAINING: &str = "x-rate-limit-remaining";

/// The request body's one parameter.
pub const MESSAGE: &str = "message";

/// Read `{"message": "<text>"}` from a body: the text, or what is wrong (naming the
/// field). Unknown keys are ignored; the content type is not checked (the document's
/// own PHP sample sends none).
pub fn message_of(body: &[u8]) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        format!("the body is not valid JSON ({e}); send {{\"message\": \"<text>\"}}")
    })?;
    let Some(object) = value.as_object() else {
        return Err("the body must be a JSON object: {\"message\": \"<text>\"}".into());
    };
    match object.get(MESSAGE) {
        None | Some(serde_json::Value::Null) => Err("`message` is required".into()),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
            Err("`message` must not be empty".into())
        }
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err("`message` must be a string".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::message_of;

    #[test]
    fn the_message_is_read_or_named_as_missing() {
        assert_eq!(
            message_of(br#"{"message":"hi","x":1}"#),
            Ok("hi".to_owned())
        );
        for bad in [
            &b"{}"[..],
            br#"{"message":null}"#,
            br#"{"message":""}"#,
            br#"{"message":"  "}"#,
            br#"{"message":5}"#,
            br#"["message"]"#,
            b"not json",
            b"",
        ] {
            let err = message_of(bad).err().unwrap_or_default();
            assert!(err.contains("message") || err.contains("JSON"), "{err}");
        }
    }
}
