//! The simulator's mutable state, shared by all request threads behind one mutex.

use anyhow::Context;
use serde_json::{Value, json};

use super::faults::FaultQueue;
use super::http::ApiRequest;
use super::journal::JournalEntry;
use super::logs::{self, LogStore};
use super::ratelimit::RateLimiter;
use super::seed::{Seed, SeedAppUser};
use super::time;
use super::users::{DEFAULT_USER_TYPE_ID, UserStore};

/// Everything a request can read or change.
#[derive(Debug)]
pub struct SimState {
    /// The accepted SSWS token.
    pub token: String,
    /// ID of the token owner (`/users/me`).
    pub me_id: String,
    /// Users.
    pub users: UserStore,
    /// App assignments.
    pub app_users: Vec<SeedAppUser>,
    /// System Log.
    pub logs: LogStore,
    /// Pending faults.
    pub faults: FaultQueue,
    /// Every `/api` request received.
    pub journal: Vec<JournalEntry>,
    /// Rate-limit counters.
    pub rate: RateLimiter,
}

fn default_admin() -> Value {
    let created = time::iso_millis(time::now());
    json!({
        "id": "00uadmin0simulat0r01",
        "status": "ACTIVE",
        "created": created,
        "activated": created,
        "statusChanged": created,
        "lastLogin": created,
        "lastUpdated": created,
        "passwordChanged": created,
        "type": { "id": DEFAULT_USER_TYPE_ID },
        "profile": {
            "firstName": "Sim",
            "lastName": "Admin",
            "mobilePhone": null,
            "secondEmail": null,
            "login": "admin@example.com",
            "email": "admin@example.com",
        },
        "credentials": {
            "password": {},
            "provider": { "type": "OKTA", "name": "OKTA" },
        },
    })
}

impl SimState {
    /// Builds the initial state from a seed.
    pub fn from_seed(seed: Seed) -> anyhow::Result<SimState> {
        let mut users = UserStore::default();
        for user in seed.users {
            users.insert_seeded(user).context("invalid seeded user")?;
        }
        let me_id = match seed.me {
            Some(Value::String(id)) => {
                anyhow::ensure!(
                    users.by_id(&id).is_some(),
                    "seed `me` names unknown user {id}"
                );
                id
            }
            Some(user @ Value::Object(_)) => {
                let existing = user.get("id").and_then(Value::as_str).map(str::to_string);
                match existing {
                    Some(id) if users.by_id(&id).is_some() => id,
                    _ => users
                        .insert_seeded(user)
                        .context("invalid seed `me` user")?,
                }
            }
            Some(other) => anyhow::bail!("seed `me` must be a user object or an ID, not {other}"),
            None => users.insert_seeded(default_admin())?,
        };
        let mut log_store = LogStore::default();
        for event in seed.log_events {
            log_store.append_seeded(event);
        }
        let mut faults = FaultQueue::default();
        for fault in seed.faults {
            faults.add(fault);
        }
        Ok(SimState {
            token: seed.token,
            me_id,
            users,
            app_users: seed.app_users,
            logs: log_store,
            faults,
            journal: Vec::new(),
            rate: RateLimiter::new(seed.rate_limits),
        })
    }

    /// Appends a System Log event about the user `target_id`, performed by the token owner.
    pub fn record_user_event(
        &mut self,
        request: &ApiRequest,
        event_type: &str,
        display_message: &str,
        target_id: &str,
    ) {
        let Some(target) = self.users.by_id(target_id) else {
            return;
        };
        let fallback = serde_json::Map::new();
        let actor = self.users.by_id(&self.me_id).unwrap_or(&fallback);
        let event = logs::user_event(request, event_type, display_message, actor, target);
        self.logs.append(event, request.now);
    }
}
