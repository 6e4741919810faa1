//! `OktaClient`: one method per Okta endpoint this integration calls.
//!
//! It knows HTTP and Okta JSON; it never reads the envelope or formats markdown.

use std::cell::RefCell;
use std::time::Duration;

use serde_json::{Map, Value, json};
use ureq::http::Response;
use ureq::{Agent, Body};

use super::error::{ApiError, OktaError};
use super::expression::path_segment;
use crate::instance::Connection;

/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("okta-it-admin/", env!("CARGO_PKG_VERSION"));

/// Largest response body read, in bytes.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Longest wait for a TCP and TLS connection, within the whole-request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Most users one login search reads; more than one match is already an ambiguity.
const SEARCH_LIMIT: u32 = 200;

/// A user lifecycle operation (`POST /users/{id}/lifecycle/{operation}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Activates a STAGED or DEPROVISIONED user.
    Activate,
    /// Deactivates (deprovisions) a user.
    Deactivate,
    /// Returns a SUSPENDED user to ACTIVE.
    Unsuspend,
}

impl Lifecycle {
    fn operation(self) -> &'static str {
        match self {
            Lifecycle::Activate => "activate",
            Lifecycle::Deactivate => "deactivate",
            Lifecycle::Unsuspend => "unsuspend",
        }
    }
}

/// Users found by a search, and whether Okta holds more than were read.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// The users of the first page.
    pub users: Vec<Value>,
    /// True when Okta offered a further page.
    pub more: bool,
}

/// A client for one Okta org.
pub struct OktaClient {
    agent: Agent,
    api_root: String,
    authorization: String,
    trace: RefCell<Vec<String>>,
}

impl std::fmt::Debug for OktaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaClient")
            .field("api_root", &self.api_root)
            .finish_non_exhaustive()
    }
}

impl OktaClient {
    /// Builds a client from validated connection settings; sends nothing yet.
    pub fn new(connection: &Connection) -> OktaClient {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(connection.insecure)
            .build();
        let proxy = if connection.proxy {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(connection.timeout))
            .timeout_connect(Some(CONNECT_TIMEOUT.min(connection.timeout)))
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .build()
            .into();
        OktaClient {
            agent,
            api_root: connection.api_root.clone(),
            authorization: format!("SSWS {}", connection.token.reveal()),
            trace: RefCell::new(Vec::new()),
        }
    }

    /// The lines recorded for each request so far (method, path, status), then forgets them.
    pub fn take_trace(&self) -> Vec<String> {
        self.trace.take()
    }

    /// The user the API token belongs to (`GET /users/me`).
    pub fn current_user(&self) -> Result<Value, OktaError> {
        self.get("/users/me", &[])
    }

    /// A user by id or login (`GET /users/{idOrLogin}`).
    pub fn user(&self, id_or_login: &str) -> Result<Value, OktaError> {
        self.get(&format!("/users/{}", segment(id_or_login)?), &[])
    }

    /// Users matching a search expression, first page only (`GET /users?search=`).
    pub fn search_users(&self, expression: &str) -> Result<SearchResult, OktaError> {
        let limit = SEARCH_LIMIT.to_string();
        let query = [("search", expression), ("limit", limit.as_str())];
        let (body, links) = self.send("GET", "/users", &query, None)?;
        let Value::Array(users) = body else {
            return Err(OktaError::transport(
                "GET",
                "/users",
                "Okta did not answer a list",
            ));
        };
        Ok(SearchResult {
            users,
            more: next_link(&links).is_some(),
        })
    }

    /// Creates an active user with the given profile, without credentials.
    pub fn create_user(&self, profile: &Map<String, Value>) -> Result<Value, OktaError> {
        let query = [("activate", "true"), ("provider", "true")];
        let body = json!({ "profile": profile });
        self.send("POST", "/users", &query, Some(&body))
            .map(|(body, _)| body)
    }

    /// Changes the given profile attributes of a user, leaving the others (partial update).
    pub fn update_profile(
        &self,
        id: &str,
        profile: &Map<String, Value>,
    ) -> Result<Value, OktaError> {
        let path = format!("/users/{}", segment(id)?);
        let body = json!({ "profile": profile });
        self.send("POST", &path, &[], Some(&body))
            .map(|(body, _)| body)
    }

    /// Runs a lifecycle operation; Okta answers `{}` or nothing (Null).
    pub fn lifecycle(&self, id: &str, operation: Lifecycle) -> Result<Value, OktaError> {
        let path = format!(
            "/users/{}/lifecycle/{}",
            segment(id)?,
            operation.operation()
        );
        self.send("POST", &path, &[], None).map(|(body, _)| body)
    }

    /// A user's assignment to an application (`GET /apps/{appId}/users/{userId}`).
    pub fn app_user(&self, app_id: &str, user_id: &str) -> Result<Value, OktaError> {
        self.get(
            &format!("/apps/{}/users/{}", segment(app_id)?, segment(user_id)?),
            &[],
        )
    }

    /// The link to the first page of a System Log poll: events persisted since `since`,
    /// oldest first, `limit` per page.
    pub fn log_poll_link(&self, since: &str, filter: Option<&str>, limit: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("since", since);
        query.append_pair("sortOrder", "ASCENDING");
        query.append_pair("limit", &limit.to_string());
        if let Some(filter) = filter {
            query.append_pair("filter", filter);
        }
        format!("{}/logs?{}", self.api_root, query.finish())
    }

    /// A page of System Log events, from a poll link or a `next` link exactly as Okta gave it.
    pub fn log_events_at(&self, link: &str) -> Result<LogPage, OktaError> {
        if !self.is_own_origin(link) {
            return Err(OktaError::Transport(format!(
                "refusing to follow the System Log link '{link}': it does not point at the \
                 configured Okta org"
            )));
        }
        let (body, links) = self.send_to("GET", link, &[], None)?;
        log_page(&api_path(link), body, &links)
    }

    /// Whether a URL points at the configured org, so the token is never sent elsewhere.
    fn is_own_origin(&self, link: &str) -> bool {
        match (url::Url::parse(link), url::Url::parse(&self.api_root)) {
            (Ok(link), Ok(root)) => link.origin() == root.origin(),
            _ => false,
        }
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, OktaError> {
        self.send("GET", path, query, None).map(|(body, _)| body)
    }

    /// Sends one request under the API root and reads its JSON answer and `Link` headers.
    fn send(
        &self,
        method: &'static str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(Value, Vec<String>), OktaError> {
        self.send_to(method, &format!("{}{}", self.api_root, path), query, body)
    }

    /// Sends one request to a full URL and reads its JSON answer and `Link` headers.
    fn send_to(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(Value, Vec<String>), OktaError> {
        let full_path = api_path(url);
        let outcome = match method {
            "GET" => self
                .agent
                .get(url)
                .query_pairs(query.iter().copied())
                .header("Authorization", &self.authorization)
                .call(),
            _ => {
                let request = self
                    .agent
                    .post(url)
                    .query_pairs(query.iter().copied())
                    .header("Authorization", &self.authorization);
                match body {
                    Some(body) => request.send_json(body),
                    None => request.send_empty(),
                }
            }
        };
        let response = outcome.map_err(|err| OktaError::transport(method, &full_path, err))?;
        self.read(method, full_path, response)
    }

    fn read(
        &self,
        method: &'static str,
        path: String,
        mut response: Response<Body>,
    ) -> Result<(Value, Vec<String>), OktaError> {
        let status = response.status().as_u16();
        self.trace
            .borrow_mut()
            .push(format!("{method} {path} answered HTTP {status}"));
        let request_id = header(&response, "x-okta-request-id");
        let links = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_string))
            .collect();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|err| OktaError::transport(method, &path, err))?;

        let parsed = if text.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str::<Value>(&text)
        };
        match (status, parsed) {
            (200..=299, Ok(body)) => Ok((body, links)),
            (400..=599, Ok(body)) if body.is_null() || body.get("errorCode").is_some() => {
                Err(OktaError::Api(Box::new(ApiError::new(
                    method, path, status, body, request_id,
                ))))
            }
            (_, _) => Err(OktaError::unexpected_body(method, &path, status, &text)),
        }
    }
}

/// One page of System Log events and the link to the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    /// The events, in the order Okta gave them.
    pub events: Vec<Value>,
    /// The `rel="next"` link; a polling query always has one.
    pub next: Option<String>,
}

fn log_page(path: &str, body: Value, links: &[String]) -> Result<LogPage, OktaError> {
    match body {
        Value::Array(events) => Ok(LogPage {
            events,
            next: next_link(links),
        }),
        _ => Err(OktaError::transport(
            "GET",
            path,
            "Okta did not answer a list of events",
        )),
    }
}

/// Percent-encodes one path segment, refusing values no URL can carry.
fn segment(value: &str) -> Result<String, OktaError> {
    path_segment(value).ok_or_else(|| {
        OktaError::Transport(format!(
            "'{}' cannot be placed in an Okta URL (it is empty, a dot segment or holds control \
             characters)",
            value.escape_debug()
        ))
    })
}

/// The path of a URL, as error messages name requests.
fn api_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => url.to_string(),
    }
}

fn header(response: &Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// The `rel="next"` URL among `Link` header values, if any.
pub fn next_link(links: &[String]) -> Option<String> {
    links
        .iter()
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params.split(';').any(|param| {
                let param = param.trim().replace(' ', "");
                param == "rel=\"next\"" || param == "rel=next"
            });
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link_among_separate_or_joined_headers() {
        let separate = vec![
            "<https://x.okta.com/api/v1/users?limit=2>; rel=\"self\"".to_string(),
            "<https://x.okta.com/api/v1/users?after=00u1&limit=2>; rel=\"next\"".to_string(),
        ];
        let expected = "https://x.okta.com/api/v1/users?after=00u1&limit=2";
        assert_eq!(next_link(&separate).as_deref(), Some(expected));
        let joined = vec![separate.join(", ")];
        assert_eq!(next_link(&joined).as_deref(), Some(expected));
        assert_eq!(next_link(&separate[..1]), None);
    }
}
