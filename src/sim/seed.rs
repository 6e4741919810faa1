//! The seed: initial token, users, app assignments, System Log events, faults and rate limits.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::faults::Fault;
use super::ratelimit::RateLimits;

/// The API token accepted when the seed does not name one.
pub const DEFAULT_TOKEN: &str = "test-token-0123456789";

/// An app assignment: the AppUser returned by `GET /apps/{appId}/users/{appUser.id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedAppUser {
    /// The application ID (`0oa...`).
    pub app_id: String,
    /// The AppUser object, returned as given; its `id` is the user ID.
    pub app_user: Value,
}

/// Initial state of a simulator. Every field is optional in the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Seed {
    /// The SSWS API token that authenticates requests.
    pub token: String,
    /// The token owner returned by `/users/me`: a user object (added to the users when its ID
    /// is new) or the ID of a seeded user. A default admin is created when absent.
    pub me: Option<Value>,
    /// Okta user objects, kept as given (key order and extra fields included).
    pub users: Vec<Value>,
    /// App assignments.
    pub app_users: Vec<SeedAppUser>,
    /// System Log events, in persistence order.
    pub log_events: Vec<Value>,
    /// Faults pending from the start.
    pub faults: Vec<Fault>,
    /// Requests per minute per endpoint group.
    pub rate_limits: RateLimits,
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            token: DEFAULT_TOKEN.to_string(),
            me: None,
            users: Vec::new(),
            app_users: Vec::new(),
            log_events: Vec::new(),
            faults: Vec::new(),
            rate_limits: RateLimits::default(),
        }
    }
}

impl Seed {
    /// Reads a seed from a JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> anyhow::Result<Seed> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading seed file {}", path.display()))?;
        Self::from_json_str(&text).with_context(|| format!("parsing seed file {}", path.display()))
    }

    /// Parses a seed from JSON text.
    pub fn from_json_str(text: &str) -> anyhow::Result<Seed> {
        Ok(serde_json::from_str(text)?)
    }
}
