//! When to send an Okta request again, as one pure decision.
//!
//! [`decide`] looks at what one attempt produced (the status, the `X-Rate-Limit-*` headers, the
//! answer's own `Date`) and at how far the call has come (retries so far, time spent, whether the
//! request may be repeated) and answers: deliver the result, retry after a wait, or give up with
//! a reason. It never reads a clock, sleeps or sends anything; `OktaClient` applies it in a small
//! loop with an injected sleeper.
//!
//! - 429 (rate or concurrency limit; Okta did not run the request, so any method may retry):
//!   wait `max(1, min(X-Rate-Limit-Reset) − Date + 1)` seconds, as Okta's SDKs do, measured
//!   against the answer's `Date` so a skewed local clock does not matter. A 429 without
//!   `X-Rate-Limit-Reset` or `Date` is not retried, since the wait cannot be known.
//! - 500, 502, 503, 504 and connections dropped before a complete answer: retried with
//!   exponential backoff for idempotent requests (GET) only. A POST may have reached Okta, and
//!   sending it again could create a user twice.
//! - Every retry is bounded by a retry count, a longest single wait and a total deadline.
//! - Timeouts, refused connections and TLS failures never reach this function: the client
//!   reports them at once, since another try would fail the same way or take as long again.
//!
//! Limitation: waits have no random jitter. One run sends one request at a time, so there is no
//! herd of requests to spread; many instances throttled together would retry together.
//!
//! See: <https://developer.okta.com/docs/reference/rl-best-practices/>

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// How often and how long a call may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most retries after the first attempt. Defaults to 3 (Okta's SDKs use 2 to 4).
    pub max_retries: u32,
    /// Longest single wait. A 429 asking for more is not waited for; 5xx backoff stops growing
    /// here. Defaults to 30 s, the Go SDK's maximum backoff.
    pub max_wait: Duration,
    /// Longest time one call may take from its first attempt, waits included: a retry whose
    /// wait would end later is not made. Defaults to 120 s. (Each attempt is also bounded by
    /// the `timeout` parameter.)
    pub deadline: Duration,
    /// Wait before the first retry after a 5xx or a dropped connection; it doubles with each
    /// further retry. Defaults to 500 ms, so three retries wait 3.5 s in all.
    pub backoff_base: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            backoff_base: Duration::from_millis(500),
        }
    }
}

/// The values of Okta's rate-limit headers in one answer; Okta may repeat each header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// Every `X-Rate-Limit-Limit` value.
    pub limit: Vec<u64>,
    /// Every `X-Rate-Limit-Remaining` value.
    pub remaining: Vec<u64>,
    /// Every `X-Rate-Limit-Reset` value, in UTC epoch seconds.
    pub reset: Vec<i64>,
}

impl RateLimitHeaders {
    /// Reads the three headers from all their values (repeated headers, or values joined with
    /// commas); values that are not whole numbers are ignored.
    pub fn parse<'a>(
        limit: impl IntoIterator<Item = &'a str>,
        remaining: impl IntoIterator<Item = &'a str>,
        reset: impl IntoIterator<Item = &'a str>,
    ) -> RateLimitHeaders {
        RateLimitHeaders {
            limit: numbers(limit),
            remaining: numbers(remaining),
            reset: numbers(reset),
        }
    }

    /// The earliest reset, which the SDKs wait for when several are given.
    pub fn earliest_reset(&self) -> Option<i64> {
        self.reset.iter().copied().min()
    }

    /// Whether the answer reports Okta's concurrent-request limit (limit and remaining 0).
    pub fn is_concurrency_limit(&self) -> bool {
        self.limit.contains(&0) && self.remaining.contains(&0)
    }
}

fn numbers<'a, T: std::str::FromStr>(values: impl IntoIterator<Item = &'a str>) -> Vec<T> {
    values
        .into_iter()
        .flat_map(|value| value.split(','))
        .filter_map(|value| value.trim().parse().ok())
        .collect()
}

/// What one attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status; `None` when the connection dropped before a complete answer.
    pub status: Option<u16>,
    /// The rate-limit headers.
    pub rate_limit: RateLimitHeaders,
    /// The `Date` header, as sent (RFC 1123).
    pub date: Option<String>,
    /// `X-Okta-Request-Id`, which a retry names in `X-Okta-Retry-For`.
    pub request_id: Option<String>,
}

/// How far a call has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Retries already made (0 after the first attempt).
    pub retries: u32,
    /// Time since the first attempt started, from a monotonic clock.
    pub elapsed: Duration,
    /// Whether sending the request twice does no harm (GET).
    pub idempotent: bool,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The result stands: a success, or a failure that retrying cannot fix.
    Deliver,
    /// Send the request again after this wait.
    Retry {
        /// How long to wait first.
        after: Duration,
    },
    /// A failure that retrying might fix, but the policy forbids it: why, and what to do.
    GiveUp {
        /// One sentence for the error message.
        why: String,
    },
}

/// Decides what follows one attempt.
pub fn decide(answer: &Answer, progress: Progress, policy: &RetryPolicy) -> Decision {
    match answer.status {
        Some(429) => rate_limited(answer, progress, policy),
        Some(500 | 502 | 503 | 504) | None => transient(progress, policy),
        Some(_) => Decision::Deliver,
    }
}

fn rate_limited(answer: &Answer, progress: Progress, policy: &RetryPolicy) -> Decision {
    let limit = if answer.rate_limit.is_concurrency_limit() {
        "its concurrent-request limit"
    } else {
        "its rate limit"
    };
    let reset = answer.rate_limit.earliest_reset();
    let date = answer.date.as_deref().and_then(http_date_epoch);
    let (reset, date) = match (reset, date) {
        (Some(reset), Some(date)) => (reset, date),
        (reset, _) => {
            let missing = if reset.is_none() {
                "X-Rate-Limit-Reset header"
            } else {
                "readable Date header"
            };
            return give_up(format!(
                "Okta throttled the call ({limit}) without saying when to try again (the answer \
                 has no {missing}), so it was not retried; try again in a minute"
            ));
        }
    };

    let again = iso_time(reset);
    let seconds = reset.saturating_sub(date).saturating_add(1);
    let wait = Duration::from_secs(u64::try_from(seconds).unwrap_or(0).max(1));
    if progress.retries >= policy.max_retries {
        return give_up(format!(
            "Okta throttled the call ({limit}) and it was retried {} time(s) without getting \
             through; try again after {again}",
            progress.retries
        ));
    }
    if wait > policy.max_wait {
        return give_up(format!(
            "Okta throttled the call ({limit}) and asked for a wait of {} s, more than the {} s \
             this integration waits; try again after {again}",
            wait.as_secs(),
            policy.max_wait.as_secs()
        ));
    }
    if progress.elapsed + wait > policy.deadline {
        return give_up(format!(
            "Okta throttled the call ({limit}) and waiting {} s more would pass the {} s one \
             call may take; try again after {again}",
            wait.as_secs(),
            policy.deadline.as_secs()
        ));
    }
    Decision::Retry { after: wait }
}

fn transient(progress: Progress, policy: &RetryPolicy) -> Decision {
    if !progress.idempotent {
        return give_up(
            "It was not retried, because the request may have reached Okta and sending it \
             again could apply it twice"
                .to_string(),
        );
    }
    if progress.retries >= policy.max_retries {
        return give_up(format!(
            "It was retried {} time(s) without success; Okta may be having an outage, so try \
             again later",
            progress.retries
        ));
    }
    let wait = backoff(progress.retries, policy);
    if progress.elapsed + wait > policy.deadline {
        return give_up(format!(
            "It was retried {} time(s), and another try would pass the {} s one call may \
             take; try again later",
            progress.retries,
            policy.deadline.as_secs()
        ));
    }
    Decision::Retry { after: wait }
}

/// `backoff_base × 2^retries`, at most `max_wait`.
fn backoff(retries: u32, policy: &RetryPolicy) -> Duration {
    let factor = 2u32.checked_pow(retries).unwrap_or(u32::MAX);
    policy
        .backoff_base
        .checked_mul(factor)
        .unwrap_or(policy.max_wait)
        .min(policy.max_wait)
}

fn give_up(why: String) -> Decision {
    Decision::GiveUp { why }
}

/// Reads an HTTP `Date` header (RFC 1123, such as `Mon, 02 Jan 2006 15:04:05 GMT`) as epoch
/// seconds.
pub fn http_date_epoch(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|date| date.timestamp())
}

/// Epoch seconds as an ISO 8601 UTC timestamp, such as `2024-05-01T10:00:03Z`.
fn iso_time(epoch: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch, 0).map_or_else(
        || format!("epoch second {epoch}"),
        |time| time.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// A wait as people read it: `2 s`, `0.5 s`.
pub fn seconds(wait: Duration) -> String {
    format!("{} s", wait.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Date` of every answer below: 2024-05-01T10:00:00Z.
    const DATE: &str = "Wed, 01 May 2024 10:00:00 GMT";
    const NOW: i64 = 1_714_557_600;

    fn throttled(limit: &[&str], remaining: &[&str], reset: &[&str], date: Option<&str>) -> Answer {
        Answer {
            status: Some(429),
            rate_limit: RateLimitHeaders::parse(
                limit.iter().copied(),
                remaining.iter().copied(),
                reset.iter().copied(),
            ),
            date: date.map(str::to_string),
            request_id: Some("req-1".to_string()),
        }
    }

    fn reset_in(seconds: i64) -> String {
        (NOW + seconds).to_string()
    }

    fn first(idempotent: bool) -> Progress {
        Progress {
            retries: 0,
            elapsed: Duration::ZERO,
            idempotent,
        }
    }

    fn status(status: u16) -> Answer {
        Answer {
            status: Some(status),
            ..Answer::default()
        }
    }

    fn retry_after(seconds: u64) -> Decision {
        Decision::Retry {
            after: Duration::from_secs(seconds),
        }
    }

    fn why(decision: Decision) -> String {
        match decision {
            Decision::GiveUp { why } => why,
            other => panic!("expected to give up, got {other:?}"),
        }
    }

    #[test]
    fn the_date_header_reads_as_epoch_seconds() {
        assert_eq!(http_date_epoch(DATE), Some(NOW));
        assert_eq!(http_date_epoch("yesterday"), None);
    }

    /// A table of named 429 cases, each (name, answer, progress, expected decision or the
    /// start of the reason for giving up).
    #[test]
    fn rate_limit_cases() {
        let policy = RetryPolicy::default();
        let reset_2 = reset_in(2);
        let reset_5 = reset_in(5);
        let reset_past = reset_in(-30);
        let reset_far = reset_in(300);
        let waits: Vec<(&str, Answer, Progress, Decision)> = vec![
            (
                "waits reset - Date + 1",
                throttled(&["600"], &["0"], &[&reset_2], Some(DATE)),
                first(true),
                retry_after(3),
            ),
            (
                "several resets: the earliest counts",
                throttled(
                    &["600", "300"],
                    &["0", "0"],
                    &[&reset_5, &reset_2],
                    Some(DATE),
                ),
                first(true),
                retry_after(3),
            ),
            (
                "resets joined in one header",
                throttled(
                    &["600"],
                    &["0"],
                    &[&format!("{reset_5}, {reset_2}")],
                    Some(DATE),
                ),
                first(true),
                retry_after(3),
            ),
            (
                "concurrency limit (0/0) is handled the same",
                throttled(&["0"], &["0"], &[&reset_2], Some(DATE)),
                first(true),
                retry_after(3),
            ),
            (
                "reset already past: one second",
                throttled(&["600"], &["0"], &[&reset_past], Some(DATE)),
                first(true),
                retry_after(1),
            ),
            (
                "a POST may retry a 429: Okta did not run it",
                throttled(&["600"], &["0"], &[&reset_2], Some(DATE)),
                first(false),
                retry_after(3),
            ),
        ];
        for (name, answer, progress, expected) in waits {
            assert_eq!(decide(&answer, progress, &policy), expected, "{name}");
        }

        let exhausted = Progress {
            retries: 3,
            ..first(true)
        };
        let late = Progress {
            elapsed: Duration::from_secs(118),
            ..first(true)
        };
        let give_ups: Vec<(&str, Answer, Progress, &str)> = vec![
            (
                "no reset header",
                throttled(&["600"], &["0"], &[], Some(DATE)),
                first(true),
                "Okta throttled the call (its rate limit) without saying when to try again (the \
                 answer has no X-Rate-Limit-Reset header), so it was not retried",
            ),
            (
                "no Date header",
                throttled(&["600"], &["0"], &[&reset_2], None),
                first(true),
                "Okta throttled the call (its rate limit) without saying when to try again (the \
                 answer has no readable Date header)",
            ),
            (
                "retries exhausted",
                throttled(&["600"], &["0"], &[&reset_2], Some(DATE)),
                exhausted,
                "Okta throttled the call (its rate limit) and it was retried 3 time(s) without \
                 getting through; try again after 2024-05-01T10:00:02Z",
            ),
            (
                "wait above the cap",
                throttled(&["600"], &["0"], &[&reset_far], Some(DATE)),
                first(true),
                "Okta throttled the call (its rate limit) and asked for a wait of 301 s, more \
                 than the 30 s this integration waits; try again after 2024-05-01T10:05:00Z",
            ),
            (
                "deadline exceeded",
                throttled(&["600"], &["0"], &[&reset_5], Some(DATE)),
                late,
                "Okta throttled the call (its rate limit) and waiting 6 s more would pass the \
                 120 s one call may take",
            ),
            (
                "concurrency limit named",
                throttled(&["0"], &["0"], &[&reset_2], Some(DATE)),
                exhausted,
                "Okta throttled the call (its concurrent-request limit)",
            ),
        ];
        for (name, answer, progress, expected) in give_ups {
            let why = why(decide(&answer, progress, &policy));
            assert!(why.starts_with(expected), "{name}: {why}");
        }
    }

    #[test]
    fn server_errors_and_drops_back_off_for_gets_only() {
        let policy = RetryPolicy::default();
        for code in [500, 502, 503, 504] {
            let answer = status(code);
            let waits: Vec<Decision> = (0..3)
                .map(|retries| {
                    let progress = Progress {
                        retries,
                        ..first(true)
                    };
                    decide(&answer, progress, &policy)
                })
                .collect();
            let millis = |ms| Decision::Retry {
                after: Duration::from_millis(ms),
            };
            assert_eq!(
                waits,
                vec![millis(500), millis(1000), millis(2000)],
                "{code}"
            );
            let why = why(decide(&answer, first(false), &policy));
            assert!(why.contains("may have reached Okta"), "{why}");
        }
        let dropped = Answer::default();
        assert_eq!(
            decide(&dropped, first(true), &policy),
            Decision::Retry {
                after: Duration::from_millis(500)
            }
        );
        assert!(why(decide(&dropped, first(false), &policy)).contains("not retried"));
        let exhausted = Progress {
            retries: 3,
            ..first(true)
        };
        assert!(why(decide(&dropped, exhausted, &policy)).starts_with("It was retried 3 time(s)"));
        let late = Progress {
            elapsed: Duration::from_secs(120),
            ..first(true)
        };
        assert!(why(decide(&status(503), late, &policy)).contains("pass the 120 s"));
    }

    #[test]
    fn other_statuses_are_delivered_as_they_are() {
        let policy = RetryPolicy::default();
        for code in [200, 201, 204, 400, 401, 403, 404, 405, 501, 505] {
            assert_eq!(
                decide(&status(code), first(true), &policy),
                Decision::Deliver,
                "{code}"
            );
        }
    }

    #[test]
    fn backoff_stops_growing_at_the_longest_wait() {
        let policy = RetryPolicy {
            max_retries: 40,
            deadline: Duration::from_secs(u64::MAX / 4),
            ..RetryPolicy::default()
        };
        assert_eq!(backoff(6, &policy), Duration::from_secs(30));
        assert_eq!(backoff(39, &policy), Duration::from_secs(30));
    }

    #[test]
    fn waits_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
    }
}
