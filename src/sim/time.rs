//! Timestamps in the formats Okta uses: ISO 8601 with milliseconds for bodies, RFC 1123 for the
//! `Date` header, epoch seconds for `X-Rate-Limit-Reset`.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// The current time.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `2013-07-02T21:36:25.344Z`: ISO 8601 UTC with milliseconds, as in Okta bodies.
pub fn iso_millis(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `Mon, 02 Jan 2006 15:04:05 GMT`: the RFC 1123 form of the `Date` header.
pub fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses an ISO 8601 timestamp as Okta accepts it in query parameters: with an offset or `Z`,
/// with or without fractional seconds; a timestamp without offset, or a bare date, is taken as
/// UTC.
pub fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| naive.and_utc())
}

/// Resolves `now`, `now-90m`, `now+5s`, `now-2h` or `now-1d` (units s, m, h, d) against
/// `now`; anything else gives `None`.
pub fn parse_relative(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = text.trim().strip_prefix("now")?;
    if offset.is_empty() {
        return Some(now);
    }
    let (sign, rest) = match offset.split_at_checked(1)? {
        ("-", rest) => (-1, rest),
        ("+", rest) => (1, rest),
        _ => return None,
    };
    let (amount, unit) = rest.split_at_checked(rest.len().checked_sub(1)?)?;
    let amount: i64 = amount.parse().ok()?;
    let duration = match unit {
        "s" => Duration::seconds(amount),
        "m" => Duration::minutes(amount),
        "h" => Duration::hours(amount),
        "d" => Duration::days(amount),
        _ => return None,
    };
    Some(now + duration * sign)
}
