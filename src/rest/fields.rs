//! Field problems, collected so that one answer names them all. The Messaging API v1
//! and WorkAndGo dialects both answer them as `details: [{field, message}]`; each
//! façade turns the list into its own failure (`From<Vec<FieldError>>`), so a handler
//! ends its checks with `problems.finish()?`.

use serde::Serialize;

/// One field problem.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    /// The field, as the request spelled it (`actions[1].style`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Field problems noted so far.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Note a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A required, non-blank string of at most `max` characters, trimmed.
    pub fn required(&mut self, field: &str, value: Option<&str>, max: usize) -> String {
        match value.map(str::trim) {
            None | Some("") => {
                self.add(field, "is required");
                String::new()
            }
            Some(v) => {
                self.max(field, v, max);
                v.to_owned()
            }
        }
    }

    /// A string of at most `max` characters.
    pub fn max(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// One of `allowed` (or `default` when absent).
    pub fn choice<'a>(
        &mut self,
        field: &str,
        value: Option<&'a str>,
        allowed: &[&'a str],
        default: &'a str,
    ) -> &'a str {
        match value {
            None => default,
            Some(v) if allowed.contains(&v) => v,
            Some(_) => {
                self.add(field, format!("must be one of {}", allowed.join(", ")));
                default
            }
        }
    }

    /// `Err` with every problem noted, if any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
