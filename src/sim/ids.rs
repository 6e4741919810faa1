//! Random identifiers in Okta's shapes: user IDs, error IDs, request IDs, UUIDs and tokens.
//!
//! No random-number crate is available, so randomness comes from std's per-process random
//! hash keys mixed with a counter and the clock. That is plenty for unique-looking test IDs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A pseudo-random 64-bit value; different on every call.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.finish()
}

/// A random string of `len` ASCII letters and digits.
pub fn random_alphanumeric(len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut bits = random_u64();
        // Each 64-bit value yields 10 characters of 6 bits each.
        for _ in 0..10 {
            if out.len() == len {
                break;
            }
            let index = (bits & 0x3f) as usize % ALPHANUMERIC.len();
            out.push(char::from(ALPHANUMERIC[index]));
            bits >>= 6;
        }
    }
    out
}

/// A new user ID: `00u` followed by 17 characters (20 in total).
pub fn user_id() -> String {
    format!("00u{}", random_alphanumeric(17))
}

/// A new `errorId`: `oae` followed by 22 characters.
pub fn error_id() -> String {
    format!("oae{}", random_alphanumeric(22))
}

/// A new `X-Okta-Request-Id` value (27 characters, like Okta's).
pub fn request_id() -> String {
    random_alphanumeric(27)
}

/// A new activation or recovery token (20 characters).
pub fn one_time_token() -> String {
    random_alphanumeric(20)
}

/// A new random (version 4) UUID in its lowercase hyphenated form.
pub fn uuid_v4() -> String {
    let high = random_u64();
    let low = random_u64();
    let time_low = high >> 32;
    let time_mid = (high >> 16) & 0xffff;
    let version_and_time_high = 0x4000 | (high & 0x0fff);
    let variant_and_clock = 0x8000 | ((low >> 48) & 0x3fff);
    let node = low & 0xffff_ffff_ffff;
    format!(
        "{time_low:08x}-{time_mid:04x}-{version_and_time_high:04x}-\
         {variant_and_clock:04x}-{node:012x}"
    )
}
