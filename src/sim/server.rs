//! Request handling: the journal, faults, 411, authentication, rate limiting, routing to the
//! endpoint handlers, the common response headers, and the `/__sim` control endpoints.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde_json::{Value, json};
use tiny_http::{Header, Response};
use url::form_urlencoded;

use super::errors::OktaError;
use super::faults::{Fault, FaultKind};
use super::http::{ApiRequest, Reply};
use super::journal::JournalEntry;
use super::proxy::ConnectionTable;
use super::ratelimit::RateStatus;
use super::state::SimState;
use super::{ids, logs, time, users};

/// Default `delayMs` of a `slow` fault.
const DEFAULT_SLOW_MS: u64 = 1000;
/// Default `resetSecs` of rate-limit faults.
const DEFAULT_RESET_SECS: u64 = 1;

/// State shared by the serving threads and the [`super::OktaSim`] handle.
#[derive(Debug)]
pub struct Shared {
    /// The simulated org.
    pub state: Mutex<SimState>,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Open client connections, for `drop` faults and shutdown.
    pub connections: Arc<ConnectionTable>,
    /// Set when the simulator stops.
    pub stopping: Arc<AtomicBool>,
}

impl Shared {
    /// Locks the state; a poisoned mutex is recovered (handlers leave the state consistent
    /// before anything that could panic).
    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves requests from `server` until it is unblocked, one thread per request.
pub fn serve(server: Arc<tiny_http::Server>, shared: Arc<Shared>) {
    while let Ok(request) = server.recv() {
        let shared = Arc::clone(&shared);
        thread::spawn(move || handle(&shared, request));
    }
}

/// One received request, read off the wire.
struct Incoming {
    connection: String,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_incoming(request: &mut tiny_http::Request) -> Incoming {
    let method = request.method().as_str().to_ascii_uppercase();
    let url = request.url().to_string();
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (url, String::new()),
    };
    let headers = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    Incoming {
        connection: request
            .remote_addr()
            .map(ToString::to_string)
            .unwrap_or_default(),
        method,
        path,
        query,
        headers,
        body,
    }
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let incoming = read_incoming(&mut request);
    if incoming.path.starts_with("/__sim/") {
        let reply = control(shared, &incoming);
        send(request, reply, &[], None, time::now());
    } else if incoming.path.starts_with("/api/") {
        api(shared, request, incoming);
    } else {
        send(
            request,
            Reply::error(&OktaError::path_not_found()),
            &[],
            None,
            time::now(),
        );
    }
}

fn journal_entry(incoming: &Incoming) -> JournalEntry {
    let mut headers: IndexMap<String, String> = IndexMap::new();
    for (name, value) in &incoming.headers {
        headers
            .entry(name.clone())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    JournalEntry {
        connection: incoming.connection.clone(),
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        query: incoming.query.clone(),
        headers,
        body: String::from_utf8_lossy(&incoming.body).into_owned(),
    }
}

fn rate_headers(limit: u32, remaining: u32, reset: Option<i64>) -> Vec<(String, String)> {
    let mut headers = vec![
        ("X-Rate-Limit-Limit".to_string(), limit.to_string()),
        ("X-Rate-Limit-Remaining".to_string(), remaining.to_string()),
    ];
    if let Some(reset) = reset {
        headers.push(("X-Rate-Limit-Reset".to_string(), reset.to_string()));
    }
    headers
}

fn api(shared: &Shared, request: tiny_http::Request, incoming: Incoming) {
    let now = time::now();
    let request_id = ids::request_id();
    let (fault, rate) = {
        let mut state = shared.lock();
        state.journal.push(journal_entry(&incoming));
        let fault = state.faults.take(&incoming.method, &incoming.path);
        let rate = state
            .rate
            .consume(&incoming.method, &incoming.path, now.timestamp());
        (fault, rate)
    };
    let normal_headers = rate_headers(rate.limit, rate.remaining, Some(rate.reset_epoch));
    let Some(fault) = fault else {
        let reply = respond_normally(shared, &incoming, rate, &request_id, now);
        send(
            request,
            reply,
            &normal_headers,
            Some(&request_id),
            time::now(),
        );
        return;
    };
    let reset_secs = fault.reset_secs.unwrap_or(DEFAULT_RESET_SECS) as i64;
    let limited = Reply::error(&OktaError::rate_limited());
    match fault.kind {
        FaultKind::Drop => drop_connection(shared, request),
        FaultKind::Slow => {
            thread::sleep(Duration::from_millis(
                fault.delay_ms.unwrap_or(DEFAULT_SLOW_MS),
            ));
            let now = time::now();
            let reply = respond_normally(shared, &incoming, rate, &request_id, now);
            send(request, reply, &normal_headers, Some(&request_id), now);
        }
        FaultKind::RateLimit => {
            let headers = rate_headers(rate.limit, 0, Some(now.timestamp() + reset_secs));
            send(request, limited, &headers, Some(&request_id), now);
        }
        FaultKind::ConcurrencyLimit => {
            let headers = rate_headers(0, 0, Some(now.timestamp() + reset_secs));
            send(request, limited, &headers, Some(&request_id), now);
        }
        FaultKind::RateLimitNoReset => {
            send(
                request,
                limited,
                &rate_headers(rate.limit, 0, None),
                Some(&request_id),
                now,
            );
        }
        FaultKind::Status => {
            let error = OktaError::for_status(fault.status.unwrap_or(503));
            send(
                request,
                Reply::error(&error),
                &normal_headers,
                Some(&request_id),
                now,
            );
        }
        FaultKind::NonJson => {
            let reply = html_reply(fault.status.unwrap_or(502));
            send(request, reply, &normal_headers, Some(&request_id), now);
        }
        FaultKind::DuplicateRateLimitHeaders => {
            let reply = respond_normally(shared, &incoming, rate, &request_id, now);
            let mut headers = normal_headers.clone();
            let lower = rate.remaining / 2;
            headers.extend(rate_headers(rate.limit, lower, Some(rate.reset_epoch)));
            send(request, reply, &headers, Some(&request_id), now);
        }
    }
}

fn html_reply(status: u16) -> Reply {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{status} Error</title></head>\
         <body><h1>{status} Error</h1><p>The server encountered a temporary error.</p>\
         </body></html>\n"
    );
    Reply {
        status,
        body: body.into_bytes(),
        content_type: "text/html; charset=utf-8",
        links: Vec::new(),
    }
}

fn drop_connection(shared: &Shared, request: tiny_http::Request) {
    let peer = request.remote_addr().copied();
    // Taking the writer means tiny_http sends nothing for this request.
    let writer = request.into_writer();
    if let Some(peer) = peer {
        shared.connections.drop_connection(peer);
    }
    drop(writer);
}

fn respond_normally(
    shared: &Shared,
    incoming: &Incoming,
    rate: RateStatus,
    request_id: &str,
    now: DateTime<Utc>,
) -> Reply {
    let has_length = incoming
        .headers
        .iter()
        .any(|(name, _)| name == "content-length" || name == "transfer-encoding");
    if matches!(incoming.method.as_str(), "POST" | "PUT") && !has_length {
        let error = OktaError::new(411, "E0000003", "Length Required")
            .with_cause("A POST or PUT request needs a body or a Content-Length header");
        return Reply::error(&error);
    }
    let mut state = shared.lock();
    let authorized = incoming
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
        .and_then(|(_, value)| value.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("SSWS") && token.trim() == state.token
        });
    if !authorized {
        return Reply::error(&OktaError::invalid_token());
    }
    if rate.exceeded {
        return Reply::error(&OktaError::rate_limited());
    }
    let request = ApiRequest {
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        raw_query: incoming.query.clone(),
        params: form_urlencoded::parse(incoming.query.as_bytes())
            .into_owned()
            .collect(),
        headers: incoming.headers.clone(),
        body: incoming.body.clone(),
        base_url: shared.base_url.clone(),
        request_id: request_id.to_string(),
        now,
    };
    route(&request, &mut state).unwrap_or_else(|error| Reply::error(&error))
}

fn route(request: &ApiRequest, state: &mut SimState) -> Result<Reply, OktaError> {
    let Some(rest) = request.path.strip_prefix("/api/v1/") else {
        return Err(OktaError::path_not_found());
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let method = request.method.as_str();
    match (segments.as_slice(), method) {
        (["users"], "GET") => users::list(request, state),
        (["users"], "POST") => users::create(request, state),
        (["users", key], "GET") => users::get(request, state, key),
        (["users", key], "POST") => users::update(request, state, key, false),
        (["users", key], "PUT") => users::update(request, state, key, true),
        (["users", key], "DELETE") => users::delete(request, state, key),
        (["users", key, "lifecycle", operation], "POST") => {
            users::lifecycle(request, state, key, operation)
        }
        (["apps", app_id, "users", user_id], "GET") => {
            users::get_app_user(request, state, app_id, user_id)
        }
        (["logs"], "GET") => logs::list(request, &state.logs),
        (["users"] | ["users", _] | ["users", _, "lifecycle", _], _)
        | (["apps", _, "users", _] | ["logs"], _) => Err(OktaError::method_not_allowed()),
        _ => Err(OktaError::path_not_found()),
    }
}

fn send(
    request: tiny_http::Request,
    reply: Reply,
    extra_headers: &[(String, String)],
    request_id: Option<&str>,
    date: DateTime<Utc>,
) {
    let mut response = Response::from_data(reply.body).with_status_code(reply.status);
    let mut headers: Vec<(String, String)> = vec![
        ("Content-Type".to_string(), reply.content_type.to_string()),
        ("Date".to_string(), time::http_date(date)),
    ];
    if let Some(request_id) = request_id {
        headers.push(("X-Okta-Request-Id".to_string(), request_id.to_string()));
    }
    headers.extend(extra_headers.iter().cloned());
    headers.extend(
        reply
            .links
            .into_iter()
            .map(|link| ("Link".to_string(), link)),
    );
    for (name, value) in headers {
        if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = request.respond(response);
}

fn control_json(status: u16, body: &Value) -> Reply {
    Reply::json(status, body)
}

fn bad_control_request(message: String) -> Reply {
    control_json(400, &json!({ "error": message }))
}

fn control(shared: &Shared, incoming: &Incoming) -> Reply {
    let body: Result<Value, String> = if incoming.body.iter().all(u8::is_ascii_whitespace) {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&incoming.body).map_err(|error| error.to_string())
    };
    let mut state = shared.lock();
    match (incoming.method.as_str(), incoming.path.as_str()) {
        ("GET", "/__sim/journal") => control_json(200, &json!(state.journal)),
        ("DELETE", "/__sim/journal") => {
            state.journal.clear();
            control_json(200, &json!({}))
        }
        ("GET", "/__sim/events") => control_json(200, &Value::Array(state.logs.all())),
        ("POST", "/__sim/events") => {
            let events = match body {
                Ok(Value::Array(events)) => events,
                Ok(event @ Value::Object(_)) => vec![event],
                Ok(_) => return bad_control_request("expected an array of events".to_string()),
                Err(error) => return bad_control_request(error),
            };
            let count = events.len();
            for event in events {
                state.logs.append(event, time::now());
            }
            control_json(200, &json!({ "count": count }))
        }
        ("GET", "/__sim/faults") => control_json(200, &json!(state.faults.pending())),
        ("DELETE", "/__sim/faults") => {
            state.faults.clear();
            control_json(200, &json!({}))
        }
        ("POST", "/__sim/faults") => {
            let faults: Result<Vec<Fault>, String> = match body {
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .map(|item| serde_json::from_value(item).map_err(|e| e.to_string()))
                    .collect(),
                Ok(item) => serde_json::from_value(item)
                    .map(|f| vec![f])
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error),
            };
            match faults {
                Ok(faults) => {
                    let count = faults.len();
                    for fault in faults {
                        state.faults.add(fault);
                    }
                    control_json(200, &json!({ "count": count }))
                }
                Err(error) => bad_control_request(error),
            }
        }
        ("GET", "/__sim/state") => {
            let all_users: Vec<Value> = state
                .users
                .all()
                .iter()
                .map(|u| Value::Object(u.clone()))
                .collect();
            control_json(
                200,
                &json!({
                    "users": all_users,
                    "me": state.me_id,
                    "appUsers": state.app_users,
                    "logEventCount": state.logs.len(),
                    "pendingFaults": state.faults.pending(),
                }),
            )
        }
        _ => control_json(404, &json!({ "error": "unknown control endpoint" })),
    }
}
