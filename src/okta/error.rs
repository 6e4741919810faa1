//! What can go wrong when calling Okta, keeping everything Okta said.

use serde_json::Value;

/// Okta's code for a token whose admin may not make the call: a problem of the instance's
/// configuration, not a refusal of the operation.
const NO_PERMISSION: &str = "E0000006";

/// Longest excerpt of an unexpected response body quoted in an error.
const EXCERPT_CHARS: usize = 200;

/// An error answer from Okta: its status and its error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP method of the request that failed.
    pub method: &'static str,
    /// Path of the request that failed, without the query.
    pub path: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// Okta's `errorCode`, such as `E0000007`.
    pub code: Option<String>,
    /// Okta's `errorSummary`.
    pub summary: Option<String>,
    /// The `errorSummary` of each entry of Okta's `errorCauses`.
    pub causes: Vec<String>,
    /// Okta's whole error body, as sent.
    pub body: Value,
    /// Okta's `X-Okta-Request-Id`, for support cases.
    pub request_id: Option<String>,
    /// What the retry policy concluded, for a failure retrying could fix (429, 5xx); it
    /// replaces the general advice in the message.
    pub retry_note: Option<Box<RetryNote>>,
}

/// What the retry policy concluded about a failed call, as one sentence; boxed in [`ApiError`]
/// to keep that type small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNote(pub String);

impl ApiError {
    /// Reads an error answer; `body` is the parsed JSON body, or Null when there was none.
    pub fn new(
        method: &'static str,
        path: String,
        status: u16,
        body: Value,
        request_id: Option<String>,
    ) -> ApiError {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
        let causes = match body.get("errorCauses") {
            Some(Value::Array(causes)) => causes.iter().filter_map(cause_summary).collect(),
            Some(cause @ Value::Object(_)) => cause_summary(cause).into_iter().collect(),
            _ => Vec::new(),
        };
        ApiError {
            method,
            path,
            status,
            code: text("errorCode"),
            summary: text("errorSummary"),
            causes,
            body,
            request_id,
            retry_note: None,
        }
    }

    /// Okta's summary followed by each cause it listed, as one line.
    pub fn message(&self) -> String {
        let mut message = match &self.summary {
            Some(summary) => summary.clone(),
            None => format!("Okta answered HTTP {}", self.status),
        };
        if !self.causes.is_empty() {
            if !message.ends_with('.') {
                message.push('.');
            }
            message.push_str(" Causes: ");
            message.push_str(&self.causes.join("; "));
        }
        message
    }

    /// Whether Okta refused the operation itself (not found, invalid, wrong status …), as
    /// opposed to refusing the caller (bad token, throttling) or failing (5xx).
    pub fn is_refusal(&self) -> bool {
        let caller_lacks_permission = self.code.as_deref() == Some(NO_PERMISSION);
        (400..500).contains(&self.status)
            && !matches!(self.status, 401 | 407 | 429)
            && !caller_lacks_permission
    }
}

fn cause_summary(cause: &Value) -> Option<String> {
    cause
        .get("errorSummary")
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Okta answered HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, " to {} {}: {}", self.method, self.path, self.message())?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        match (self.status, &self.retry_note) {
            (429, Some(note)) => write!(f, ". {}", note.0)?,
            (500..=599, Some(note)) => write!(f, ". Okta failed to answer. {}", note.0)?,
            (401, _) => {
                f.write_str(". The API token is invalid, expired or revoked: create a new one")?
            }
            (403, _) => f.write_str(". The token's admin lacks the permission for this call")?,
            (429, _) => {
                f.write_str(". Okta throttled the call: try again after the rate limit resets")?
            }
            (500..=599, _) => f.write_str(". Okta failed to answer: try again later")?,
            _ => {}
        }
        Ok(())
    }
}

/// Why a call to Okta did not give the answer expected.
#[derive(Debug, Clone, PartialEq)]
pub enum OktaError {
    /// Okta answered with an error status.
    Api(Box<ApiError>),
    /// No usable answer arrived: no connection, a TLS failure, or a body that is not Okta JSON.
    Transport(String),
    /// The request was sent but its answer never arrived whole (a timeout or a dropped
    /// connection), so Okta may have acted on it.
    Interrupted(String),
}

impl OktaError {
    /// A failure to reach Okta or read its answer.
    pub fn transport(method: &str, path: &str, why: impl std::fmt::Display) -> OktaError {
        OktaError::Transport(format!("{method} {path} failed: {why}"))
    }

    /// Whether Okta may have acted on the request although the call failed (a 5xx answer, a
    /// timeout or a dropped connection), so repeating a change could apply it twice.
    pub fn may_have_acted(&self) -> bool {
        match self {
            OktaError::Api(error) => error.status >= 500,
            OktaError::Interrupted(_) => true,
            OktaError::Transport(_) => false,
        }
    }

    /// The same error with what the retry policy concluded added to its message.
    pub fn with_retry_note(self, note: Option<String>) -> OktaError {
        let Some(note) = note else {
            return self;
        };
        match self {
            OktaError::Api(mut error) => {
                error.retry_note = Some(Box::new(RetryNote(note)));
                OktaError::Api(error)
            }
            OktaError::Transport(why) => OktaError::Transport(format!("{why}. {note}")),
            OktaError::Interrupted(why) => OktaError::Interrupted(format!("{why}. {note}")),
        }
    }

    /// An answer whose body is not the JSON expected, quoted in a short, clean excerpt.
    pub fn unexpected_body(method: &str, path: &str, status: u16, body: &str) -> OktaError {
        let why = if body.trim().is_empty() {
            format!("Okta answered HTTP {status} with an empty body where JSON was expected")
        } else {
            format!(
                "Okta answered HTTP {status} with a body that is not JSON: \"{}\"",
                excerpt(body)
            )
        };
        OktaError::transport(
            method,
            path,
            why + "; check the 'url' parameter and any proxy",
        )
    }
}

impl std::fmt::Display for OktaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OktaError::Api(error) => error.fmt(f),
            OktaError::Transport(why) | OktaError::Interrupted(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for OktaError {}

/// The start of a body, on one line, without control characters.
fn excerpt(body: &str) -> String {
    let mut cleaned: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.chars().count() > EXCERPT_CHARS {
        cleaned.push('…');
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duplicate_login() -> ApiError {
        let body = json!({"errorCode": "E0000001", "errorSummary": "Api validation failed: login",
            "errorLink": "E0000001", "errorId": "oae4hfGdCgIRMeduMeGyL4RmQ",
            "errorCauses": [{"errorSummary":
                "login: An object with this field already exists in the current organization"}]});
        ApiError::new(
            "POST",
            "/api/v1/users".into(),
            400,
            body,
            Some("req-1".into()),
        )
    }

    #[test]
    fn message_joins_summary_and_causes() {
        assert_eq!(
            duplicate_login().message(),
            "Api validation failed: login. Causes: login: An object with this field already \
             exists in the current organization"
        );
    }

    #[test]
    fn a_summary_ending_in_a_period_gets_no_second_one() {
        let body = json!({"errorCode": "E0000053", "errorSummary": "Invalid SCIM filter.",
            "errorCauses": [{"errorSummary": "bad operator"}]});
        let error = ApiError::new("GET", "/api/v1/logs".into(), 400, body, None);
        assert_eq!(error.message(), "Invalid SCIM filter. Causes: bad operator");
    }

    #[test]
    fn lenient_about_missing_or_odd_error_fields() {
        let error = ApiError::new("GET", "/x".into(), 404, Value::Null, None);
        assert_eq!(error.message(), "Okta answered HTTP 404");
        let single = json!({"errorSummary": "bad", "errorCauses": {"errorSummary": "one"}});
        let error = ApiError::new("GET", "/x".into(), 400, single, None);
        assert_eq!(error.causes, vec!["one".to_string()]);
    }

    #[test]
    fn refusals_are_the_operation_level_4xx() {
        let status = |status| ApiError::new("GET", "/x".into(), status, Value::Null, None);
        assert!(status(400).is_refusal());
        assert!(status(404).is_refusal());
        assert!(status(403).is_refusal());
        assert!(!status(401).is_refusal());
        assert!(!status(429).is_refusal());
        assert!(!status(500).is_refusal());
    }

    #[test]
    fn display_names_status_code_request_and_remedy() {
        let body = json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"});
        let error = ApiError::new("GET", "/api/v1/users/me".into(), 401, body, None);
        assert_eq!(
            error.to_string(),
            "Okta answered HTTP 401 E0000011 to GET /api/v1/users/me: Invalid token provided. \
             The API token is invalid, expired or revoked: create a new one"
        );
    }

    #[test]
    fn unexpected_bodies_are_quoted_short_and_clean() {
        let html = format!("<html>\n<body>{}</body></html>", "x".repeat(500));
        let error = OktaError::unexpected_body("GET", "/api/v1/users/me", 502, &html);
        let text = error.to_string();
        assert!(
            text.starts_with("GET /api/v1/users/me failed: Okta answered HTTP 502 with a body")
        );
        assert!(text.contains("\"<html> <body>xxx"));
        assert!(text.contains("…\""));
        assert!(text.len() < 400);
    }
}
