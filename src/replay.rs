//! Replay of recorded Okta exchanges: serves a fixture's recorded answers on a loopback port,
//! runs the fixture's envelope against them through the real HTTP path, and reports every
//! request or output that differs from the recording.
//!
//! Usage: `okta-it-admin replay <fixture.json>...` (parsed in [`crate::cli`]); the exit status
//! is 0 only when every fixture matched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::Context as _;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Output;

/// A recorded command run: the envelope, Okta's side of it, and the expected output document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the fixture shows.
    #[serde(default)]
    pub description: String,
    /// The envelope; its `params.url` is pointed at the replay server.
    pub envelope: Value,
    /// The requests the command must send, in order, and Okta's recorded answers.
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
    /// The document the command must print.
    pub expected: Value,
}

/// One request and its recorded answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// What the integration must send.
    pub request: RecordedRequest,
    /// What Okta answered.
    pub response: RecordedResponse,
}

/// A request as recorded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path exactly as sent, percent-encoding included.
    pub path: String,
    /// Decoded query parameters.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// JSON body, or absent for none.
    #[serde(default)]
    pub body: Option<Value>,
}

/// An answer as recorded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers; a list value sends the header once per item.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// JSON body, written in the recorded key order.
    #[serde(default)]
    pub body: Option<Value>,
    /// A raw body, for answers that are not JSON.
    #[serde(default, rename = "bodyText")]
    pub body_text: Option<String>,
}

/// What a replay found.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    /// What the integration printed.
    pub output: Output,
    /// Each difference from the recording; empty when the replay matched.
    pub mismatches: Vec<String>,
}

impl Fixture {
    /// Reads a fixture file.
    pub fn from_file(path: &Path) -> anyhow::Result<Fixture> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the fixture {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid fixture", path.display()))
    }
}

/// Replays one fixture and compares requests and output with the recording.
pub fn replay(fixture: &Fixture) -> anyhow::Result<ReplayReport> {
    let server = RecordedOkta::start(fixture.exchanges.clone(), token_of(&fixture.envelope))?;

    let mut envelope_value = fixture.envelope.clone();
    if let Some(params) = envelope_value
        .get_mut("params")
        .and_then(Value::as_object_mut)
    {
        params.insert("url".into(), Value::String(server.base_url.clone()));
    }
    let input = serde_json::to_vec(&envelope_value)?;
    let output = crate::run(&input);

    let mut mismatches = server.finish();
    if let Some(difference) = first_difference(&fixture.expected, &output.document, "") {
        mismatches.push(format!(
            "the output differs from the recording at {difference}"
        ));
    }
    Ok(ReplayReport { output, mismatches })
}

/// Where two JSON documents first differ, as a JSON pointer with both values.
pub fn first_difference(expected: &Value, actual: &Value, at: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            let keys = want
                .keys()
                .chain(got.keys().filter(|key| !want.contains_key(*key)));
            keys.into_iter().find_map(|key| {
                let pointer = format!("{at}/{key}");
                match (want.get(key), got.get(key)) {
                    (Some(want), Some(got)) => first_difference(want, got, &pointer),
                    (want, got) => Some(format!("{pointer}: expected {want:?}, got {got:?}")),
                }
            })
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => want
            .iter()
            .zip(got)
            .enumerate()
            .find_map(|(index, (want, got))| first_difference(want, got, &format!("{at}/{index}"))),
        (want, got) if want == got => None,
        (want, got) => Some(format!(
            "{}: expected {want}, got {got}",
            if at.is_empty() { "/" } else { at }
        )),
    }
}

fn token_of(envelope: &Value) -> Option<String> {
    let token = envelope.get("params")?.get("apitoken")?;
    token
        .as_str()
        .or_else(|| token.get("password")?.as_str())
        .map(str::to_string)
}

/// A loopback server answering with recorded responses, in order.
struct RecordedOkta {
    base_url: String,
    server: Arc<tiny_http::Server>,
    worker: Option<JoinHandle<()>>,
    state: Arc<Mutex<ServerState>>,
}

#[derive(Default)]
struct ServerState {
    next: usize,
    total: usize,
    mismatches: Vec<String>,
}

impl RecordedOkta {
    fn start(exchanges: Vec<Exchange>, token: Option<String>) -> anyhow::Result<RecordedOkta> {
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|err| anyhow::anyhow!("cannot listen on loopback: {err}"))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|addr| addr.port())
            .unwrap_or_default();
        let server = Arc::new(server);
        let state = Arc::new(Mutex::new(ServerState {
            total: exchanges.len(),
            ..Default::default()
        }));

        let (worker_server, worker_state) = (Arc::clone(&server), Arc::clone(&state));
        let worker = std::thread::spawn(move || {
            for request in worker_server.incoming_requests() {
                answer(request, &exchanges, token.as_deref(), &worker_state);
            }
        });
        Ok(RecordedOkta {
            base_url: format!("http://127.0.0.1:{port}"),
            server,
            worker: Some(worker),
            state,
        })
    }

    /// Stops serving and returns every mismatch, including recorded requests never sent.
    fn finish(mut self) -> Vec<String> {
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        let mut state = lock(&self.state);
        if state.next < state.total {
            let missing = state.total - state.next;
            state
                .mismatches
                .push(format!("{missing} recorded request(s) were never sent"));
        }
        std::mem::take(&mut state.mismatches)
    }
}

fn lock(state: &Mutex<ServerState>) -> std::sync::MutexGuard<'_, ServerState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn answer(
    mut request: tiny_http::Request,
    exchanges: &[Exchange],
    token: Option<&str>,
    state: &Mutex<ServerState>,
) {
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let mut state = lock(state);
    let index = state.next;
    state.next += 1;

    let Some(exchange) = exchanges.get(index) else {
        state.mismatches.push(format!(
            "request {} ({} {}) was not recorded",
            index + 1,
            request.method(),
            request.url()
        ));
        let body = r#"{"errorCode":"E0000009","errorSummary":"not recorded"}"#;
        let _ = request.respond(tiny_http::Response::from_string(body).with_status_code(500));
        return;
    };
    let differences = compare(&request, &body, &exchange.request, token);
    for difference in differences {
        state
            .mismatches
            .push(format!("request {}: {difference}", index + 1));
    }
    drop(state);
    let _ = request.respond(recorded_response(&exchange.response));
}

/// How a received request differs from the recorded one.
fn compare(
    request: &tiny_http::Request,
    body: &str,
    recorded: &RecordedRequest,
    token: Option<&str>,
) -> Vec<String> {
    let mut differences = Vec::new();
    let method = request.method().as_str();
    if !method.eq_ignore_ascii_case(&recorded.method) {
        differences.push(format!("method {method}, recorded {}", recorded.method));
    }
    let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
    if path != recorded.path {
        differences.push(format!("path {path}, recorded {}", recorded.path));
    }
    let sent_query: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if sent_query != recorded.query {
        differences.push(format!(
            "query {sent_query:?}, recorded {:?}",
            recorded.query
        ));
    }
    let sent_body = if body.trim().is_empty() {
        None
    } else {
        serde_json::from_str(body).ok()
    };
    if sent_body != recorded.body {
        differences.push(format!("body {body}, recorded {:?}", recorded.body));
    }

    let header = |name: &str| {
        request
            .headers()
            .iter()
            .find(|header| header.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|header| header.value.as_str().to_string())
    };
    let expected_authorization = token.map(|token| format!("SSWS {token}"));
    if header("Authorization") != expected_authorization {
        differences.push("the Authorization header is not 'SSWS <apitoken>'".to_string());
    }
    if header("Accept").as_deref() != Some("application/json") {
        differences.push(format!(
            "Accept {:?}, expected application/json",
            header("Accept")
        ));
    }
    if !header("User-Agent").is_some_and(|agent| agent.starts_with("okta-it-admin/")) {
        differences.push(format!(
            "User-Agent {:?} does not name okta-it-admin",
            header("User-Agent")
        ));
    }
    if method == "POST"
        && header("Content-Length").is_none()
        && header("Transfer-Encoding").is_none()
    {
        differences.push("a POST without Content-Length (Okta answers 411)".to_string());
    }
    differences
}

fn recorded_response(recorded: &RecordedResponse) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let body = match (&recorded.body_text, &recorded.body) {
        (Some(text), _) => text.clone(),
        (None, Some(body)) => body.to_string(),
        (None, None) => String::new(),
    };
    let mut response = tiny_http::Response::from_string(body).with_status_code(recorded.status);
    let mut has_content_type = false;
    for (name, value) in &recorded.headers {
        let values: Vec<String> = match value {
            Value::Array(items) => items.iter().map(plain_text).collect(),
            other => vec![plain_text(other)],
        };
        has_content_type |= name.eq_ignore_ascii_case("content-type");
        for value in values {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
    }
    if !has_content_type && recorded.body_text.is_none() {
        if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
            response.add_header(header);
        }
    }
    response
}

fn plain_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The `replay` subcommand: replays each fixture file, prints its output document, reports
/// every difference on stderr, and succeeds only when every fixture matched.
pub fn replay_files(paths: &[PathBuf]) -> ExitCode {
    let mut all_matched = true;
    for path in paths {
        let report = Fixture::from_file(path).and_then(|fixture| replay(&fixture));
        match report {
            Ok(report) => {
                println!("{}", report.output.document);
                for mismatch in &report.mismatches {
                    eprintln!("{}: {mismatch}", path.display());
                }
                if report.mismatches.is_empty() {
                    eprintln!("{}: matches the recording", path.display());
                } else {
                    all_matched = false;
                }
            }
            Err(err) => {
                eprintln!("{}: {err:#}", path.display());
                all_matched = false;
            }
        }
    }
    if all_matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
