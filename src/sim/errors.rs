//! Okta's error envelope (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`)
//! and constructors for the codes the simulator returns.

use serde_json::{Value, json};

use super::ids;

/// An Okta API error: the HTTP status plus the body fields.
#[derive(Debug, Clone, PartialEq)]
pub struct OktaError {
    /// HTTP status code of the response.
    pub status: u16,
    /// Okta error code such as `E0000007`.
    pub code: &'static str,
    /// Human-readable `errorSummary`.
    pub summary: String,
    /// The `errorSummary` of each entry of `errorCauses`.
    pub causes: Vec<String>,
}

impl OktaError {
    /// An error with no causes.
    pub fn new(status: u16, code: &'static str, summary: impl Into<String>) -> Self {
        OktaError {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// Adds one entry to `errorCauses`.
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    /// The JSON body, with a fresh `errorId`.
    pub fn to_json(&self) -> Value {
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|cause| json!({ "errorSummary": cause }))
            .collect();
        json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": ids::error_id(),
            "errorCauses": causes,
        })
    }

    /// 400 E0000001 `Api validation failed: {field}` with one cause.
    pub fn validation(field: &str, cause: impl Into<String>) -> Self {
        Self::new(400, "E0000001", format!("Api validation failed: {field}")).with_cause(cause)
    }

    /// 400 E0000003: the request body is not well-formed JSON.
    pub fn malformed_body() -> Self {
        Self::new(400, "E0000003", "The request body was not well-formed.")
    }

    /// 404 E0000007 for a resource of the given type (`User`, `AppUser`, ...).
    pub fn not_found(what: &str, resource_type: &str) -> Self {
        Self::new(
            404,
            "E0000007",
            format!("Not found: Resource not found: {what} ({resource_type})"),
        )
    }

    /// 404 E0000008: no such endpoint.
    pub fn path_not_found() -> Self {
        Self::new(404, "E0000008", "The requested path was not found")
    }

    /// 500 E0000009.
    pub fn internal() -> Self {
        Self::new(500, "E0000009", "Internal Server Error")
    }

    /// 401 E0000011: missing, wrong or expired API token.
    pub fn invalid_token() -> Self {
        Self::new(401, "E0000011", "Invalid token provided")
    }

    /// 405 E0000022: the endpoint exists but not for this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// 400 E0000031: the `search` or `filter` expression is invalid.
    pub fn invalid_search() -> Self {
        Self::new(400, "E0000031", "Invalid search criteria.")
    }

    /// 403 E0000038: the lifecycle operation is not allowed in the user's status.
    pub fn wrong_status() -> Self {
        Self::new(
            403,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        )
    }

    /// 429 E0000047: rate limit exceeded.
    pub fn rate_limited() -> Self {
        Self::new(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// 400 E0000053: invalid System Log filter, with the detailed reason as a cause.
    pub fn invalid_scim_filter(detail: impl Into<String>) -> Self {
        Self::new(400, "E0000053", "Invalid SCIM filter.").with_cause(detail)
    }

    /// A generic error body for an arbitrary HTTP status (used by `status` faults).
    pub fn for_status(status: u16) -> Self {
        match status {
            400 => Self::new(400, "E0000001", "Api validation failed"),
            401 => Self::invalid_token(),
            403 => Self::new(
                403,
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            404 => Self::path_not_found(),
            405 => Self::method_not_allowed(),
            409 => Self::new(
                409,
                "E0000112",
                "Cannot update this user because they are still being activated. \
                 Please try again in a few minutes.",
            ),
            429 => Self::rate_limited(),
            _ => OktaError {
                status,
                ..Self::internal()
            },
        }
    }
}
