//! Fault injection: the next N matching `/api` requests get a rate-limit 429, an error status,
//! a delay, a non-JSON body or a dropped connection instead of (or before) normal handling.

use serde::{Deserialize, Serialize};

/// What a fault does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// 429 E0000047 with `X-Rate-Limit-Remaining: 0` and `X-Rate-Limit-Reset` =
    /// now + `resetSecs`.
    RateLimit,
    /// Concurrency-limit 429: `X-Rate-Limit-Limit: 0` and `X-Rate-Limit-Remaining: 0`.
    ConcurrencyLimit,
    /// 429 E0000047 without any `X-Rate-Limit-Reset` header (a client must not spin on it).
    RateLimitNoReset,
    /// The given `status` with an Okta error body (5xx: E0000009).
    Status,
    /// Normal answer, sent after `delayMs` milliseconds.
    Slow,
    /// An HTML page instead of JSON, with `status` (default 502).
    NonJson,
    /// The connection is closed without any response.
    Drop,
    /// Normal answer carrying a second, lower set of `X-Rate-Limit-*` headers.
    DuplicateRateLimitHeaders,
}

/// One fault rule, as posted to `/__sim/faults` or listed in the seed's `faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Only requests with this method (case-insensitive); any method when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path starts with this prefix (default `/api/`).
    #[serde(default = "default_path_prefix")]
    pub path_prefix: String,
    /// How many matching requests get the fault (default 1).
    #[serde(default = "default_count")]
    pub count: u32,
    /// How many matching requests pass untouched before the fault starts (default 0).
    #[serde(default)]
    pub skip: u32,
    /// What happens to a matching request.
    pub kind: FaultKind,
    /// HTTP status for `status` (default 503) and `nonJson` (default 502) faults.
    #[serde(default)]
    pub status: Option<u16>,
    /// Delay for `slow` faults in milliseconds (default 1000).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Seconds until `X-Rate-Limit-Reset` for rate-limit faults (default 1).
    #[serde(default)]
    pub reset_secs: Option<u64>,
}

fn default_path_prefix() -> String {
    "/api/".to_string()
}

fn default_count() -> u32 {
    1
}

impl Fault {
    /// A fault of the given kind for the next `/api` request of any method.
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            method: None,
            path_prefix: default_path_prefix(),
            count: 1,
            skip: 0,
            kind,
            status: None,
            delay_ms: None,
            reset_secs: None,
        }
    }

    /// Restricts the fault to paths starting with `prefix`.
    pub fn on_path(mut self, prefix: &str) -> Self {
        self.path_prefix = prefix.to_string();
        self
    }

    /// Restricts the fault to one HTTP method.
    pub fn on_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }

    /// Applies the fault to the next `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Lets the next `count` matching requests through before the fault starts.
    pub fn after_requests(mut self, count: u32) -> Self {
        self.skip = count;
        self
    }

    /// Sets the status of a `status` or `nonJson` fault.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the delay of a `slow` fault.
    pub fn with_delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = Some(delay_ms);
        self
    }

    /// Sets the reset delay of a rate-limit fault.
    pub fn with_reset_secs(mut self, reset_secs: u64) -> Self {
        self.reset_secs = Some(reset_secs);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_matches = self
            .method
            .as_deref()
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(method));
        method_matches && path.starts_with(&self.path_prefix)
    }
}

/// Pending faults, consumed in the order they were added.
#[derive(Debug, Default)]
pub struct FaultQueue {
    pending: Vec<Fault>,
}

impl FaultQueue {
    /// Queues a fault; a fault with `count` 0 is ignored.
    pub fn add(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.pending.push(fault);
        }
    }

    /// Consumes one use of the first fault matching the request, if any.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self
            .pending
            .iter()
            .position(|fault| fault.matches(method, path))?;
        let fault = &mut self.pending[index];
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.count -= 1;
        let taken = Fault {
            count: 1,
            ..fault.clone()
        };
        if fault.count == 0 {
            self.pending.remove(index);
        }
        Some(taken)
    }

    /// The faults still pending.
    pub fn pending(&self) -> &[Fault] {
        &self.pending
    }

    /// Removes every pending fault.
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}
