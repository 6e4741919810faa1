//! Per-bucket request counters with 60-second windows, producing the `X-Rate-Limit-*` values
//! that every `/api` response carries and the 429 when a bucket is exhausted.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Length of a rate-limit window in seconds.
const WINDOW_SECS: i64 = 60;

/// Requests per minute for each endpoint group (defaults: Okta Workforce values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimits {
    /// `GET`/`POST /api/v1/users` (list, search, create).
    pub users: u32,
    /// `GET /api/v1/users/{idOrLogin}` including `/users/me`.
    pub user_by_id: u32,
    /// `POST`/`PUT`/`DELETE /api/v1/users/{id}` and lifecycle operations.
    pub user_mutations: u32,
    /// `/api/v1/apps/*`.
    pub apps: u32,
    /// `/api/v1/logs`.
    pub logs: u32,
    /// Any other `/api` path.
    pub other: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            users: 600,
            user_by_id: 2000,
            user_mutations: 600,
            apps: 100,
            logs: 120,
            other: 600,
        }
    }
}

/// The rate-limit header values for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateStatus {
    /// `X-Rate-Limit-Limit`.
    pub limit: u32,
    /// `X-Rate-Limit-Remaining`.
    pub remaining: u32,
    /// `X-Rate-Limit-Reset` in epoch seconds.
    pub reset_epoch: i64,
    /// True when the request exceeded the bucket and must get a 429.
    pub exceeded: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bucket {
    Users,
    UserById,
    UserMutations,
    Apps,
    Logs,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_epoch: i64,
    used: u32,
}

/// Counts requests per bucket.
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: RateLimits,
    windows: HashMap<Bucket, Window>,
}

impl RateLimiter {
    /// A limiter with the given per-bucket limits.
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits,
            windows: HashMap::new(),
        }
    }

    /// Counts one request at `now_epoch` (seconds) and returns the header values.
    pub fn consume(&mut self, method: &str, path: &str, now_epoch: i64) -> RateStatus {
        let bucket = bucket_for(method, path);
        let limit = match bucket {
            Bucket::Users => self.limits.users,
            Bucket::UserById => self.limits.user_by_id,
            Bucket::UserMutations => self.limits.user_mutations,
            Bucket::Apps => self.limits.apps,
            Bucket::Logs => self.limits.logs,
            Bucket::Other => self.limits.other,
        };
        let window = self.windows.entry(bucket).or_insert(Window {
            start_epoch: now_epoch,
            used: 0,
        });
        if now_epoch >= window.start_epoch + WINDOW_SECS {
            *window = Window {
                start_epoch: now_epoch,
                used: 0,
            };
        }
        let exceeded = window.used >= limit;
        if !exceeded {
            window.used += 1;
        }
        RateStatus {
            limit,
            remaining: limit.saturating_sub(window.used),
            reset_epoch: window.start_epoch + WINDOW_SECS,
            exceeded,
        }
    }
}

fn bucket_for(method: &str, path: &str) -> Bucket {
    let rest = path.trim_start_matches("/api/v1/");
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (segments.first().copied(), segments.len(), method) {
        (Some("users"), 1, _) => Bucket::Users,
        (Some("users"), 2, "GET") => Bucket::UserById,
        (Some("users"), _, _) => Bucket::UserMutations,
        (Some("apps"), _, _) => Bucket::Apps,
        (Some("logs"), _, _) => Bucket::Logs,
        _ => Bucket::Other,
    }
}
