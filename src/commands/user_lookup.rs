//! Finding the one Okta user a SCIM user refers to, by id or by login, without ever widening the
//! lookup to another user.

use anyhow::bail;
use serde_json::Value;

use super::user_outputs::UserResult;
use crate::okta::expression::{login_fits_in_path, login_search};
use crate::okta::{ApiError, OktaClient, OktaError};
use crate::scim::UserLocator;

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Exactly one user.
    Found(Value),
    /// No user to act on.
    Failed(LookupFailure),
}

/// Why a lookup found no user to act on.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupFailure {
    /// Okta refused the lookup: not found (404), or another refusal of the operation.
    Okta(ApiError),
    /// A search by login matched nobody.
    NoMatch(String),
}

impl LookupFailure {
    /// The user command's result for a lookup that found no user.
    pub fn into_result(self) -> UserResult {
        match self {
            LookupFailure::Okta(error) => UserResult::refused(&error),
            LookupFailure::NoMatch(message) => UserResult::not_found(message),
        }
    }
}

/// Finds the user by id (`GET /users/{id}`) or by login.
///
/// A login is fetched in one request when it fits in a URL path and the answer's login is the
/// one asked for (Okta also resolves ids and short names there); otherwise it is searched for,
/// and only a single match counts. Several matches is an error: acting on any of them could
/// change the wrong person's account.
pub fn find_user(client: &OktaClient, locator: &UserLocator) -> anyhow::Result<Lookup> {
    match locator {
        UserLocator::Id(id) => classify(client.user(id)),
        UserLocator::Login(login) => {
            if login_fits_in_path(login) {
                match classify(client.user(login))? {
                    Lookup::Found(user)
                        if login_of(&user).is_some_and(|l| same_login(l, login)) =>
                    {
                        return Ok(Lookup::Found(user));
                    }
                    // Another user answered (an id or short name), or Okta could not take this
                    // login in a path after all: search for it exactly.
                    Lookup::Found(_) => {}
                    Lookup::Failed(LookupFailure::Okta(error)) if error.status == 400 => {}
                    failed => return Ok(failed),
                }
            }
            search_by_login(client, login)
        }
    }
}

/// Turns a lookup answer into a lookup outcome; failures that are not Okta refusals propagate.
pub fn classify(answer: Result<Value, OktaError>) -> anyhow::Result<Lookup> {
    match answer {
        Ok(user) => Ok(Lookup::Found(user)),
        Err(OktaError::Api(error)) if error.is_refusal() => {
            Ok(Lookup::Failed(LookupFailure::Okta(*error)))
        }
        Err(other) => Err(other.into()),
    }
}

fn search_by_login(client: &OktaClient, login: &str) -> anyhow::Result<Lookup> {
    let result = match client.search_users(&login_search(login)) {
        Ok(result) => result,
        Err(OktaError::Api(error)) if error.is_refusal() => {
            return Ok(Lookup::Failed(LookupFailure::Okta(*error)));
        }
        Err(other) => return Err(other.into()),
    };
    let mut matches: Vec<Value> = result
        .users
        .into_iter()
        .filter(|user| login_of(user).is_some_and(|found| same_login(found, login)))
        .collect();
    match (matches.len(), result.more) {
        (0, _) => Ok(Lookup::Failed(LookupFailure::NoMatch(format!(
            "User not found: no Okta user has the login '{login}'"
        )))),
        (1, false) => Ok(Lookup::Found(matches.remove(0))),
        (count, more) => {
            let count = if more {
                format!("more than {count}")
            } else {
                count.to_string()
            };
            bail!(
                "{count} Okta users match the login '{login}'; refusing to act on any of them. \
                 Give the SCIM 'id' of the intended user instead"
            )
        }
    }
}

fn login_of(user: &Value) -> Option<&str> {
    user.get("profile")?.get("login")?.as_str()
}

/// Okta treats logins as equal regardless of case.
fn same_login(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}
