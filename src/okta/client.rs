//! `OktaClient`: one method per Okta endpoint this integration calls.
//!
//! It knows HTTP and Okta JSON; it never reads the envelope or formats markdown. Every request
//! goes through one send loop that applies [`retry::decide`] after each attempt, logs each retry
//! decision into the trace, and scrubs the API token from every answer before reading it.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use ureq::Agent;
use ureq::http::HeaderMap;

use super::error::{ApiError, OktaError};
use super::expression::{id_problem, path_segment};
use super::retry::{self, Answer, Decision, Progress, RateLimitHeaders, RetryPolicy};
use crate::instance::Connection;

/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("okta-it-admin/", env!("CARGO_PKG_VERSION"));

/// Largest response body read, in bytes.
const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Longest wait for a TCP and TLS connection, within the whole-request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Most users one login search reads: any second match is an ambiguity, and reading up to a
/// page lets the error say how many users match.
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

/// Pauses between retries; production sleeps, tests record.
pub type Sleeper = Box<dyn Fn(Duration)>;

/// A client for one Okta org.
///
/// Every request goes through one send function, which retries 429s (any method) and 5xx
/// answers or dropped connections (GET only) as [`RetryPolicy`] allows, sending
/// `X-Okta-Retry-For` and `X-Okta-Retry-Count` on retries as Okta's SDKs do.
pub struct OktaClient {
    agent: Agent,
    api_root: String,
    authorization: String,
    trace: RefCell<Vec<String>>,
    policy: RetryPolicy,
    sleeper: Sleeper,
    timeout: Duration,
    connect_timeout: Duration,
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
    ///
    /// ureq's settings, each explicit:
    /// - `http_status_as_error(false)`: Okta's error bodies reach [`OktaError`].
    /// - `timeout_global`: the `timeout` parameter (default 60 s) bounds each attempt, from
    ///   connecting to the last byte of the answer; ureq sets none by default.
    /// - `timeout_connect`: 15 s, or less when `timeout` is less.
    /// - `max_redirects(0)`: Okta's API does not redirect; the token is never sent elsewhere.
    /// - proxy: the environment's `HTTPS_PROXY`/`HTTP_PROXY` (and `NO_PROXY`) only when the
    ///   `proxy` parameter is set; otherwise none, whatever the environment says.
    /// - TLS: certificates verified against the bundled web roots unless `insecure` is set.
    pub fn new(connection: &Connection) -> OktaClient {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(connection.insecure)
            .build();
        let proxy = if connection.proxy {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let connect_timeout = CONNECT_TIMEOUT.min(connection.timeout);
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(connection.timeout))
            .timeout_connect(Some(connect_timeout))
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
            policy: RetryPolicy::default(),
            sleeper: Box::new(std::thread::sleep),
            timeout: connection.timeout,
            connect_timeout,
        }
    }

    /// The same client with another retry policy and another way to pause between retries
    /// (tests record the pauses instead of sleeping).
    pub fn with_retry(mut self, policy: RetryPolicy, sleeper: Sleeper) -> OktaClient {
        self.policy = policy;
        self.sleeper = sleeper;
        self
    }

    /// The lines recorded for each request so far (method, path, status, retry decisions), then
    /// forgets them.
    pub fn take_trace(&self) -> Vec<String> {
        self.trace.take()
    }

    /// The user the API token belongs to (`GET /users/me`).
    pub fn current_user(&self) -> Result<Value, OktaError> {
        self.get("/users/me", &[])
    }

    /// A user by id or login (`GET /users/{idOrLogin}`).
    pub fn user(&self, id_or_login: &str) -> Result<Value, OktaError> {
        self.get(&format!("/users/{}", user_segment(id_or_login)?), &[])
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
                "Okta did not answer a list of users; check the 'url' parameter and any proxy",
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
        let path = format!("/users/{}", user_segment(id)?);
        let body = json!({ "profile": profile });
        self.send("POST", &path, &[], Some(&body))
            .map(|(body, _)| body)
    }

    /// Runs a lifecycle operation; Okta answers `{}` or nothing (Null).
    pub fn lifecycle(&self, id: &str, operation: Lifecycle) -> Result<Value, OktaError> {
        let path = format!(
            "/users/{}/lifecycle/{}",
            user_segment(id)?,
            operation.operation()
        );
        self.send("POST", &path, &[], None).map(|(body, _)| body)
    }

    /// A user's assignment to an application (`GET /apps/{appId}/users/{userId}`).
    pub fn app_user(&self, app_id: &str, user_id: &str) -> Result<Value, OktaError> {
        self.get(
            &format!(
                "/apps/{}/users/{}",
                segment(app_id)?,
                user_segment(user_id)?
            ),
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
        if !self.is_log_link(link) {
            return Err(OktaError::Transport(format!(
                "refusing to follow the System Log link '{link}': it does not point at the \
                 System Log of the configured Okta org; if it came from lastRun, reset the \
                 instance's last run"
            )));
        }
        let (received, note) = self.exchange("GET", link, &[], None)?;
        if !(200..300).contains(&received.status) {
            let error = match self.read("GET", api_path(link), received, true) {
                Err(error) => error,
                Ok(_) => OktaError::transport("GET", &api_path(link), "Okta answered no page"),
            };
            return Err(error.with_retry_note(note));
        }
        self.trace.borrow_mut().push(format!(
            "GET {} answered HTTP {}",
            api_path(link),
            received.status
        ));
        let next = next_link(&all_values(&received.headers, "link"));
        Ok(LogPage {
            path: api_path(link),
            status: received.status,
            body: received.text,
            next,
        })
    }

    /// Whether a link points at this org's System Log, the only place a fetch may follow a
    /// link to, so the token is never sent elsewhere.
    pub fn is_log_link(&self, link: &str) -> bool {
        match (url::Url::parse(link), url::Url::parse(&self.api_root)) {
            (Ok(link), Ok(root)) => {
                let logs = format!("{}/logs", root.path().trim_end_matches('/'));
                link.origin() == root.origin() && link.path() == logs
            }
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

    /// Sends one request to a full URL, retrying as the [`RetryPolicy`] allows, and reads its
    /// JSON answer and `Link` headers.
    fn send_to(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(Value, Vec<String>), OktaError> {
        let (received, note) = self.exchange(method, url, query, body)?;
        // A lifecycle POST (no request body) may be answered with nothing; every other call is
        // answered with JSON.
        let json_due = method == "GET" || body.is_some();
        self.read(method, api_path(url), received, json_due)
            .map_err(|error| error.with_retry_note(note))
    }

    /// Sends one request, retrying as the [`RetryPolicy`] allows, and returns the last answer
    /// with what the policy concluded when it gave up.
    fn exchange(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(Received, Option<String>), OktaError> {
        let path = api_path(url);
        let started = Instant::now();
        let mut retries = 0;
        let mut retry_for: Option<String> = None;
        loop {
            let outcome = self.attempt(method, url, query, body, retries, retry_for.as_deref());
            let answer = match &outcome {
                Ok(received) => received.retry_answer(),
                Err(failure) if failure.kind == FailureKind::Dropped => Answer::default(),
                Err(failure) => return Err(failure.to_error(method, &path)),
            };
            let progress = Progress {
                retries,
                elapsed: started.elapsed(),
                idempotent: method == "GET",
            };
            let note = match retry::decide(&answer, progress, &self.policy) {
                Decision::Deliver => None,
                Decision::GiveUp { why } => Some(why),
                Decision::Retry { after } => {
                    retries += 1;
                    self.note_retry(method, &path, &outcome, after, retries);
                    retry_for = answer.request_id.or(retry_for);
                    (self.sleeper)(after);
                    continue;
                }
            };
            return match outcome {
                Ok(received) => Ok((received, note)),
                Err(failure) => Err(failure.to_error(method, &path).with_retry_note(note)),
            };
        }
    }

    /// Sends the request once and reads the whole answer.
    fn attempt(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        retries: u32,
        retry_for: Option<&str>,
    ) -> Result<Received, Failure> {
        let outcome = match method {
            "GET" => self
                .prepare(self.agent.get(url), query, retries, retry_for)
                .call(),
            _ => {
                let request = self.prepare(self.agent.post(url), query, retries, retry_for);
                match body {
                    Some(body) => request.send_json(body),
                    None => request.send_empty(),
                }
            }
        };
        let mut response = outcome.map_err(|error| self.failure(&error))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|error| {
                let failure = self.failure(&error);
                let message = match failure.kind {
                    FailureKind::Dropped => format!(
                        "Okta's answer (HTTP {status}) broke off before its end: {}",
                        failure.message
                    ),
                    _ => format!(
                        "Okta's answer (HTTP {status}) could not be read: {}",
                        failure.message
                    ),
                };
                Failure { message, ..failure }
            })?;
        Ok(Received {
            status,
            headers: response.headers().clone(),
            text: self.scrub(&text),
        })
    }

    /// Adds the query, the `Authorization` header (set here and nowhere else) and, on a retry,
    /// `X-Okta-Retry-For` (the request id of the failed answer, when it had one) and
    /// `X-Okta-Retry-Count` (1 on the first retry).
    fn prepare<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        query: &[(&str, &str)],
        retries: u32,
        retry_for: Option<&str>,
    ) -> ureq::RequestBuilder<B> {
        let mut request = request
            .query_pairs(query.iter().copied())
            .header("Authorization", &self.authorization);
        if retries > 0 {
            request = request.header("X-Okta-Retry-Count", &retries.to_string());
            if let Some(request_id) = retry_for {
                request = request.header("X-Okta-Retry-For", request_id);
            }
        }
        request
    }

    /// Records a retry decision in the trace, such as "GET /api/v1/users/me answered HTTP 429;
    /// retrying in 2 s (retry 1 of 3)".
    fn note_retry(
        &self,
        method: &str,
        path: &str,
        outcome: &Result<Received, Failure>,
        after: Duration,
        retry: u32,
    ) {
        let what = match outcome {
            Ok(received) => {
                let mut what = format!("answered HTTP {}", received.status);
                let limits = received.retry_answer().rate_limit;
                if received.status == 429 && limits.is_concurrency_limit() {
                    what.push_str(" (concurrent-request limit)");
                }
                if let Some(id) = header(&received.headers, "x-okta-request-id") {
                    what.push_str(&format!(" (request id {})", self.scrub(&id)));
                }
                what
            }
            Err(failure) => format!("failed: {}", failure.message),
        };
        self.trace.borrow_mut().push(format!(
            "{method} {path} {what}; retrying in {} (retry {retry} of {})",
            retry::seconds(after),
            self.policy.max_retries
        ));
    }

    /// Interprets a complete answer: JSON on success, Okta's error on an error status.
    fn read(
        &self,
        method: &'static str,
        path: String,
        received: Received,
        json_due: bool,
    ) -> Result<(Value, Vec<String>), OktaError> {
        let Received {
            status,
            headers,
            text,
        } = received;
        self.trace
            .borrow_mut()
            .push(format!("{method} {path} answered HTTP {status}"));
        let request_id = header(&headers, "x-okta-request-id").map(|id| self.scrub(&id));
        let links = all_values(&headers, "link");

        let parsed = if text.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str::<Value>(&text)
        };
        match (status, parsed) {
            (200..=299, Ok(_)) if json_due && text.trim().is_empty() => {
                Err(OktaError::unexpected_body(method, &path, status, &text))
            }
            (200..=299, Ok(body)) => Ok((body, links)),
            (400..=599, Ok(body)) if body.is_null() || body.get("errorCode").is_some() => {
                Err(OktaError::Api(Box::new(ApiError::new(
                    method, path, status, body, request_id,
                ))))
            }
            (_, _) => Err(OktaError::unexpected_body(method, &path, status, &text)),
        }
    }

    /// Classifies a failure of ureq and says what to do about it.
    fn failure(&self, error: &ureq::Error) -> Failure {
        let failure = |kind, message: String| Failure { kind, message };
        let chain = error_chain(error);
        // Limitation: rustls's error type is not part of ureq's API, so a certificate problem
        // is recognised by its text ("invalid peer certificate: UnknownIssuer" and the like); a
        // TLS failure worded otherwise gets the general advice below.
        if chain.to_ascii_lowercase().contains("certificate") {
            return failure(
                FailureKind::Other,
                format!(
                    "Okta's TLS certificate was not accepted ({chain}). This is a certificate \
                     problem: check the 'url' parameter and any TLS-inspecting proxy; set \
                     'insecure' only if you trust the network"
                ),
            );
        }
        match error {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => failure(
                FailureKind::Other,
                format!(
                    "no connection to Okta within {} ({chain}); check the 'url' parameter, \
                     the network and any proxy",
                    retry::seconds(self.connect_timeout)
                ),
            ),
            ureq::Error::Timeout(_) => failure(
                FailureKind::Timeout,
                format!(
                    "Okta did not answer within the {} timeout ({chain}); raise the 'timeout' \
                     parameter (seconds, default 60) or try again later",
                    retry::seconds(self.timeout)
                ),
            ),
            ureq::Error::Io(io) if is_dropped(io.kind()) => failure(
                FailureKind::Dropped,
                format!("the connection closed before Okta's answer was complete ({chain})"),
            ),
            ureq::Error::HostNotFound => failure(
                FailureKind::Other,
                format!("{chain}: the host of the 'url' parameter could not be resolved"),
            ),
            ureq::Error::ConnectProxyFailed(_) => failure(
                FailureKind::Other,
                format!(
                    "the proxy refused the connection ({chain}); check HTTPS_PROXY/HTTP_PROXY, \
                     its credentials and NO_PROXY, or turn the 'proxy' parameter off"
                ),
            ),
            _ => failure(
                FailureKind::Other,
                format!("{chain}; check the 'url' parameter, the network and any proxy"),
            ),
        }
    }

    /// Replaces the API token wherever an answer echoes it, before anything is read from it.
    fn scrub(&self, text: &str) -> String {
        crate::redact_text(text, Some(self.token()))
    }

    fn token(&self) -> &str {
        self.authorization.strip_prefix("SSWS ").unwrap_or_default()
    }
}

/// A complete answer, its body read and the token scrubbed from it.
#[derive(Debug)]
struct Received {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Received {
    /// What the retry policy looks at.
    fn retry_answer(&self) -> Answer {
        let values = |name| all_values(&self.headers, name);
        let (limit, remaining, reset) = (
            values("x-rate-limit-limit"),
            values("x-rate-limit-remaining"),
            values("x-rate-limit-reset"),
        );
        Answer {
            status: Some(self.status),
            rate_limit: RateLimitHeaders::parse(
                limit.iter().map(String::as_str),
                remaining.iter().map(String::as_str),
                reset.iter().map(String::as_str),
            ),
            date: header(&self.headers, "date"),
            request_id: header(&self.headers, "x-okta-request-id"),
        }
    }
}

/// Why no complete answer arrived.
#[derive(Debug)]
struct Failure {
    kind: FailureKind,
    /// What went wrong and what to do, for the error message.
    message: String,
}

impl Failure {
    /// The error to report: interrupted when the request went out and its answer did not
    /// arrive whole, since Okta may then have acted on it.
    fn to_error(&self, method: &str, path: &str) -> OktaError {
        let why = format!("{method} {path} failed: {}", self.message);
        match self.kind {
            FailureKind::Dropped | FailureKind::Timeout => OktaError::Interrupted(why),
            FailureKind::Other => OktaError::Transport(why),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    /// The connection closed before the answer was complete; a GET may be retried.
    Dropped,
    /// The whole-request timeout passed; not retried, since each try could take as long.
    Timeout,
    /// Anything else: no connection, TLS, proxy, protocol; retrying will not help.
    Other,
}

/// Whether an I/O error means the connection dropped mid-exchange (as opposed to never
/// being made).
fn is_dropped(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind;
    matches!(
        kind,
        ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
    )
}

/// An error and its sources, as one line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// One page of System Log events, as Okta sent it, and the link to the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage {
    path: String,
    status: u16,
    body: String,
    /// The `rel="next"` link; a polling query always has one.
    pub next: Option<String>,
}

impl LogPage {
    /// The page's events, each exactly as Okta wrote it, in Okta's order; read without copying.
    pub fn events(&self) -> Result<Vec<&RawValue>, OktaError> {
        serde_json::from_str::<Vec<&RawValue>>(&self.body).map_err(|_| {
            if serde_json::from_str::<serde::de::IgnoredAny>(&self.body).is_ok() {
                OktaError::transport(
                    "GET",
                    &self.path,
                    "Okta did not answer a list of events; check the 'url' parameter and any proxy",
                )
            } else {
                OktaError::unexpected_body("GET", &self.path, self.status, &self.body)
            }
        })
    }
}

/// Percent-encodes a user id or login as one path segment, refusing `me` too: Okta reads
/// `/users/me` as the API token's own user, so a user named "me" would act on the admin.
fn user_segment(value: &str) -> Result<String, OktaError> {
    encoded_id(value, true)
}

/// Percent-encodes one path segment, refusing values no URL can carry.
fn segment(value: &str) -> Result<String, OktaError> {
    encoded_id(value, false)
}

fn encoded_id(value: &str, user: bool) -> Result<String, OktaError> {
    let refused = |why: &str| {
        OktaError::Transport(format!(
            "'{}' cannot be an Okta id in a URL: {why}; give the Okta id (such as 00u…)",
            value.escape_debug()
        ))
    };
    match (id_problem(value, user), path_segment(value)) {
        (None, Some(encoded)) => Ok(encoded),
        (Some(why), _) => Err(refused(why)),
        (None, None) => Err(refused("it cannot be placed in a URL")),
    }
}

/// The path of a URL, as error messages name requests.
fn api_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => url.to_string(),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// Every value of a header that may be repeated.
fn all_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_string))
        .collect()
}

/// The `rel="next"` URL among `Link` header values, if any.
pub fn next_link(links: &[String]) -> Option<String> {
    links
        .iter()
        .flat_map(|value| split_links(value))
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

/// Splits one `Link` header value into its links, at the commas outside `<…>`.
fn split_links(value: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let (mut start, mut inside) = (0, false);
    for (index, c) in value.char_indices() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            ',' if !inside => {
                links.push(&value[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    links.push(&value[start..]);
    links
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::sim::{DEFAULT_TOKEN, Fault, FaultKind, JournalEntry, OktaSim, Seed};

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

    #[test]
    fn a_comma_inside_a_link_is_part_of_the_link() {
        let value = "<https://x.okta.com/api/v1/logs?filter=a,b>; rel=\"self\", \
            <https://x.okta.com/api/v1/logs?filter=a,b&after=1_2>; rel=\"next\""
            .to_string();
        let expected = "https://x.okta.com/api/v1/logs?filter=a,b&after=1_2";
        assert_eq!(next_link(&[value]).as_deref(), Some(expected));
    }

    #[test]
    fn me_is_refused_as_a_user_id() {
        for id in ["me", "ME", "Me"] {
            let error = user_segment(id).unwrap_err().to_string();
            assert!(
                error.contains("Okta reads 'me' as the API token's own user"),
                "{error}"
            );
        }
        assert_eq!(user_segment("meg").ok().as_deref(), Some("meg"));
    }

    /// A client for a fresh simulator whose pauses are recorded, not slept.
    fn client_for(sim: &OktaSim) -> (OktaClient, Rc<RefCell<Vec<Duration>>>) {
        let params = json!({"url": sim.base_url(), "apitoken": DEFAULT_TOKEN, "timeout": 5});
        let params = params.as_object().cloned().unwrap_or_default();
        let connection = Connection::from_params(&params).expect("valid parameters");
        let pauses = Rc::new(RefCell::new(Vec::new()));
        let recorded = Rc::clone(&pauses);
        let sleeper: Sleeper = Box::new(move |pause| recorded.borrow_mut().push(pause));
        let client = OktaClient::new(&connection).with_retry(RetryPolicy::default(), sleeper);
        (client, pauses)
    }

    fn start() -> OktaSim {
        OktaSim::start(Seed::default(), 0).expect("okta-sim starts")
    }

    fn requests(sim: &OktaSim, method: &str) -> Vec<JournalEntry> {
        sim.journal()
            .into_iter()
            .filter(|entry| entry.method == method)
            .collect()
    }

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    fn millis(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// Given a 429 with a reset one second after its Date, when /users/me is read, then the
    /// client waits reset − Date + 1 = 2 s, retries once with the retry headers, and succeeds.
    #[test]
    fn a_429_is_waited_out_and_retried_with_the_retry_headers() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::RateLimit).with_reset_secs(1));
        let (client, pauses) = client_for(&sim);
        assert!(client.current_user().is_ok());
        assert_eq!(*pauses.borrow(), vec![secs(2)]);

        let journal = sim.journal();
        assert_eq!(journal.len(), 2);
        assert_eq!(journal[0].header("x-okta-retry-count"), None);
        assert_eq!(journal[0].header("x-okta-retry-for"), None);
        assert_eq!(journal[1].header("x-okta-retry-count"), Some("1"));
        let trace = client.take_trace();
        let retry_for = journal[1]
            .header("x-okta-retry-for")
            .expect("X-Okta-Retry-For");
        assert_eq!(
            trace[0],
            format!(
                "GET /api/v1/users/me answered HTTP 429 (request id {retry_for}); retrying in \
                 2 s (retry 1 of 3)"
            )
        );
        assert_eq!(trace[1], "GET /api/v1/users/me answered HTTP 200");
    }

    #[test]
    fn a_concurrency_429_is_handled_the_same_and_a_post_may_retry_it() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::ConcurrencyLimit).on_method("POST"));
        let (client, pauses) = client_for(&sim);
        let profile = json!({"login": "new@example.com", "email": "new@example.com",
            "firstName": "New", "lastName": "User"});
        let profile = profile.as_object().cloned().unwrap_or_default();
        assert!(client.create_user(&profile).is_ok());
        assert_eq!(*pauses.borrow(), vec![secs(2)]);
        assert_eq!(requests(&sim, "POST").len(), 2);
        assert!(client.take_trace()[0].contains("HTTP 429 (concurrent-request limit)"));
    }

    #[test]
    fn a_429_without_a_reset_is_not_retried() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::RateLimitNoReset));
        let (client, pauses) = client_for(&sim);
        let error = client.current_user().unwrap_err().to_string();
        assert!(
            error.contains(
                "Okta throttled the call (its rate limit) without saying when to try again"
            ),
            "{error}"
        );
        assert!(pauses.borrow().is_empty());
        assert_eq!(sim.journal().len(), 1);
    }

    #[test]
    fn a_429_asking_for_a_long_wait_gives_up_with_the_reset_time() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::RateLimit).with_reset_secs(120));
        let (client, pauses) = client_for(&sim);
        let error = client.current_user().unwrap_err().to_string();
        assert!(error.starts_with("Okta answered HTTP 429 E0000047 to GET /api/v1/users/me"));
        assert!(
            error.contains("asked for a wait of 121 s, more than the 30 s this integration waits"),
            "{error}"
        );
        let again = error.rsplit("try again after ").next().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(again).is_ok(),
            "{error}"
        );
        assert!(pauses.borrow().is_empty());
    }

    #[test]
    fn repeated_429s_give_up_after_three_retries() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::RateLimit).times(10));
        let (client, pauses) = client_for(&sim);
        let error = client.current_user().unwrap_err().to_string();
        assert!(
            error.contains("it was retried 3 time(s) without getting through; try again after"),
            "{error}"
        );
        assert_eq!(pauses.borrow().len(), 3);
        let counts: Vec<Option<String>> = sim
            .journal()
            .iter()
            .map(|entry| entry.header("x-okta-retry-count").map(str::to_string))
            .collect();
        let expected = [None, Some("1"), Some("2"), Some("3")].map(|c| c.map(str::to_string));
        assert_eq!(counts, expected);
    }

    #[test]
    fn server_errors_on_a_get_back_off_and_recover() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::Status).with_status(503).times(2));
        let (client, pauses) = client_for(&sim);
        assert!(client.current_user().is_ok());
        assert_eq!(*pauses.borrow(), vec![millis(500), millis(1000)]);
        assert_eq!(sim.journal().len(), 3);
    }

    #[test]
    fn server_errors_on_a_get_give_up_within_the_bound() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::Status).with_status(500).times(10));
        let (client, pauses) = client_for(&sim);
        let error = client.current_user().unwrap_err().to_string();
        assert!(
            error.contains(
                "Okta failed to answer. It was retried 3 time(s) without success; Okta may be \
                 having an outage, so try again later"
            ),
            "{error}"
        );
        assert_eq!(
            *pauses.borrow(),
            vec![millis(500), millis(1000), millis(2000)]
        );
        assert_eq!(sim.journal().len(), 4);
    }

    #[test]
    fn a_server_error_on_a_post_is_not_retried() {
        let sim = start();
        sim.add_fault(
            Fault::new(FaultKind::Status)
                .with_status(502)
                .on_method("POST"),
        );
        let (client, pauses) = client_for(&sim);
        let profile = json!({"login": "x@example.com"});
        let profile = profile.as_object().cloned().unwrap_or_default();
        let error = client.create_user(&profile).unwrap_err().to_string();
        assert!(
            error.contains("It was not retried, because the request may have reached Okta"),
            "{error}"
        );
        assert!(pauses.borrow().is_empty());
        assert_eq!(requests(&sim, "POST").len(), 1);
    }

    #[test]
    fn a_dropped_connection_is_retried_for_a_get_only() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::Drop).on_method("GET"));
        let (client, pauses) = client_for(&sim);
        assert!(client.current_user().is_ok());
        assert_eq!(*pauses.borrow(), vec![millis(500)]);
        let trace = client.take_trace();
        assert!(
            trace[0].starts_with("GET /api/v1/users/me failed: the connection closed before"),
            "{trace:?}"
        );
        assert!(
            trace[0].ends_with("retrying in 0.5 s (retry 1 of 3)"),
            "{trace:?}"
        );

        sim.add_fault(Fault::new(FaultKind::Drop).on_method("POST"));
        let error = client
            .lifecycle("00u8zfz6plqAdm1n00h7", Lifecycle::Unsuspend)
            .unwrap_err()
            .to_string();
        assert!(error.contains("the connection closed before"), "{error}");
        assert!(error.contains("It was not retried"), "{error}");
        assert_eq!(requests(&sim, "POST").len(), 1);
    }

    #[test]
    fn a_slow_answer_past_the_timeout_names_the_timeout_parameter() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::Slow).with_delay_ms(2500));
        let params = json!({"url": sim.base_url(), "apitoken": DEFAULT_TOKEN, "timeout": 1});
        let params = params.as_object().cloned().unwrap_or_default();
        let client = OktaClient::new(&Connection::from_params(&params).expect("valid"));
        let started = Instant::now();
        let error = client.current_user().unwrap_err().to_string();
        assert!(started.elapsed() < secs(2), "{:?}", started.elapsed());
        assert!(
            error.starts_with(
                "GET /api/v1/users/me failed: Okta did not answer within the 1 s timeout"
            ),
            "{error}"
        );
        assert!(error.contains("raise the 'timeout' parameter"), "{error}");
        assert_eq!(sim.journal().len(), 1);
    }

    #[test]
    fn an_html_answer_with_status_200_is_not_json() {
        let sim = start();
        sim.add_fault(Fault::new(FaultKind::NonJson).with_status(200));
        let (client, _) = client_for(&sim);
        let error = client.current_user().unwrap_err().to_string();
        assert!(
            error.starts_with(
                "GET /api/v1/users/me failed: Okta answered HTTP 200 with a body that is not \
                 JSON: \"<!DOCTYPE html> <html>"
            ),
            "{error}"
        );
    }
}
