//! Okta contract check: every command, with every argument variant that changes a request, is
//! run through the real binary against a Prism mock server serving Okta's own OpenAPI
//! description (`../shared/okta-openapi/okta-subset.yaml`), and every request must be one the
//! description allows.
//!
//! `scripts/contract-check` installs and starts Prism and runs these tests with
//! `OKTA_CONTRACT=1` and `OKTA_CONTRACT_PRISM_URL` set; plain `cargo test` lists them as
//! ignored. The binary is pointed at a recorder on 127.0.0.1 that forwards each request to
//! Prism unchanged and keeps the request and Prism's verdict:
//!
//! - Prism's request violations (the `sl-violations` header entries located in `request`, or
//!   the `validation` list of its 422 "Invalid request" answer) fail the check; its warnings
//!   about the description's own example answers (located in `response`) do not.
//! - Prism ignores query parameters the description does not declare, so the recorder checks
//!   query parameter names against the operation's declared ones itself.
//! - A request that matches no operation of the description fails the check.
//! - Each command must still print a valid output document whatever Prism answered.
//!
//! Prism answers from the description's examples (the user is always `ACTIVE`, a login lookup
//! always returns another user). To reach the other paths, a scenario may have the recorder
//! change the `status` of the user a lookup returns, or add `Prefer: code=<status>` so Prism
//! answers with the description's example for that status; the integration's requests still
//! go to Prism unchanged and are judged as usual.

mod common;
mod openapi;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};

use openapi::Spec;

const TOKEN: &str = "contract-check-token-0123456789";

/// Prism's base URL, from the environment `scripts/contract-check` sets.
fn prism_url() -> String {
    let enabled = std::env::var("OKTA_CONTRACT").is_ok_and(|v| v == "1");
    let url = std::env::var("OKTA_CONTRACT_PRISM_URL").unwrap_or_default();
    if !enabled || url.is_empty() {
        panic!(
            "the Okta contract check needs a Prism mock server: run scripts/contract-check, \
             which installs Prism, starts it and sets OKTA_CONTRACT=1 and \
             OKTA_CONTRACT_PRISM_URL"
        );
    }
    url.trim_end_matches('/').to_string()
}

/// One request as the binary sent it, and Prism's verdict.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    /// Path and query exactly as sent.
    target: String,
    status: u16,
    /// Prism's complaints about the request.
    request_violations: Vec<String>,
    /// Prism's warnings about its own (example) answer.
    response_warnings: usize,
}

impl Recorded {
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    fn query_names(&self) -> Vec<String> {
        let query = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name.into_owned())
            .collect()
    }
}

/// A loopback HTTP server that forwards every request to Prism and records it.
struct Recorder {
    base_url: String,
    server: Arc<tiny_http::Server>,
    log: Arc<Mutex<Vec<Recorded>>>,
    steer: Arc<Mutex<Steer>>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    fn start(prism: &str) -> Recorder {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("the recorder starts");
        let server = Arc::new(server);
        let port = server
            .server_addr()
            .to_ip()
            .expect("the recorder listens on IP")
            .port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let steer = Arc::new(Mutex::new(Steer::NONE));
        let thread = {
            let server = Arc::clone(&server);
            let log = Arc::clone(&log);
            let steer = Arc::clone(&steer);
            let prism = prism.to_string();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .max_redirects(0)
                    .build()
                    .into();
                for request in server.incoming_requests() {
                    let steer = *steer.lock().expect("steer lock");
                    forward(&agent, &prism, request, steer, &log);
                }
            })
        };
        Recorder {
            base_url: format!("http://127.0.0.1:{port}"),
            server,
            log,
            steer,
            thread: Some(thread),
        }
    }

    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().expect("log lock"))
    }

    fn steer(&self, steer: Steer) {
        *self.steer.lock().expect("steer lock") = steer;
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

const HOP_BY_HOP: [&str; 6] = [
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
    "date",
];

/// How the recorder steers Prism's answers towards a path its examples do not reach.
#[derive(Debug, Clone, Copy, Default)]
struct Steer {
    /// The `status` given to the user a lookup (`GET /api/v1/users/{x}`) returns.
    user_status: Option<&'static str>,
    /// Requests of this method get `Prefer: code=<status>` added, so Prism answers with the
    /// description's example for that status.
    prefer: Option<(&'static str, u16)>,
}

impl Steer {
    const NONE: Steer = Steer {
        user_status: None,
        prefer: None,
    };

    const fn status(status: &'static str) -> Steer {
        Steer {
            user_status: Some(status),
            prefer: None,
        }
    }

    const fn code(method: &'static str, code: u16) -> Steer {
        Steer {
            user_status: None,
            prefer: Some((method, code)),
        }
    }
}

/// Sends one request on to Prism unchanged (but for a steering `Prefer` header), answers with
/// Prism's answer (a user lookup's `status` replaced when steered), and logs what was learnt
/// before answering, so the log is complete when the binary has its answer.
fn forward(
    agent: &ureq::Agent,
    prism: &str,
    mut request: tiny_http::Request,
    steer: Steer,
    log: &Mutex<Vec<Recorded>>,
) {
    let method = request.method().as_str().to_uppercase();
    let target = request.url().to_string();
    let mut body = Vec::new();
    request.as_reader().read_to_end(&mut body).ok();

    let mut builder = ureq::http::Request::builder()
        .method(method.as_str())
        .uri(format!("{prism}{target}"));
    for header in request.headers() {
        let name = header.field.as_str().as_str().to_string();
        if !HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            builder = builder.header(name, header.value.as_str());
        }
    }
    if let Some((prefer_method, code)) = steer.prefer {
        if prefer_method == method {
            builder = builder.header("Prefer", format!("code={code}"));
        }
    }
    let outcome = if body.is_empty() && method == "GET" {
        builder
            .body(())
            .map_err(|e| e.to_string())
            .and_then(|r| agent.run(r).map_err(|e| e.to_string()))
    } else {
        builder
            .body(body)
            .map_err(|e| e.to_string())
            .and_then(|r| agent.run(r).map_err(|e| e.to_string()))
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            let text = format!("{{\"recorder\": \"Prism did not answer: {error}\"}}");
            log.lock().expect("log lock").push(Recorded {
                method,
                target,
                status: 502,
                request_violations: vec![format!("Prism did not answer: {error}")],
                response_warnings: 0,
            });
            request
                .respond(tiny_http::Response::from_string(text).with_status_code(502))
                .ok();
            return;
        }
    };
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.as_str().to_string(), v.to_string()))
        })
        .collect();
    let mut answer = response
        .body_mut()
        .with_config()
        .limit(10 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();

    let (request_violations, response_warnings) = prism_verdict(status, &headers, &answer);

    if let Some(new_status) = steer.user_status {
        let segments: Vec<&str> = target.split('?').next().unwrap_or("").split('/').collect();
        let is_user_lookup = method == "GET" && segments.len() == 5 && segments[3] == "users";
        if let (true, Ok(mut user)) = (is_user_lookup, serde_json::from_slice::<Value>(&answer)) {
            if user.get("status").is_some() {
                user["status"] = json!(new_status);
                answer = serde_json::to_vec(&user).unwrap_or(answer);
            }
        }
    }

    let mut reply = tiny_http::Response::from_data(answer).with_status_code(status);
    for (name, value) in &headers {
        if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            reply.add_header(header);
        }
    }
    log.lock().expect("log lock").push(Recorded {
        method,
        target,
        status,
        request_violations,
        response_warnings,
    });
    request.respond(reply).ok();
}

/// Prism's request violations (as text) and the number of its response-side warnings.
fn prism_verdict(status: u16, headers: &[(String, String)], body: &[u8]) -> (Vec<String>, usize) {
    let mut violations = Vec::new();
    let mut warnings = 0;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("sl-violations") {
            continue;
        }
        let entries: Vec<Value> = serde_json::from_str(value)
            .unwrap_or_else(|_| vec![json!({ "location": ["request"], "message": value })]);
        for entry in entries {
            if entry["location"][0] == "request" {
                violations.push(entry.to_string());
            } else {
                warnings += 1;
            }
        }
    }
    let content_type = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    if content_type.starts_with("application/problem+json") {
        // Prism's own refusals: an invalid request without a 4xx in the description (422),
        // no such path (404), method not allowed (405), no credentials (401).
        let problem: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        match problem["validation"].as_array() {
            Some(entries) if !entries.is_empty() => {
                violations.extend(entries.iter().map(Value::to_string));
            }
            _ => violations.push(format!("Prism refused the request ({status}): {problem}")),
        }
    }
    (violations, warnings)
}

/// One run of the binary.
struct Scenario {
    /// What is run, as reported.
    name: &'static str,
    envelope: Value,
    /// How the recorder steers Prism's answers, to reach other paths.
    steer: Steer,
    /// Operations that must be among the requests, in this order.
    expected: &'static [&'static str],
}

fn params(url: &str, extra: Value) -> Value {
    let mut params = json!({
        "url": url,
        "apitoken": { "identifier": "", "password": TOKEN },
        "timeout": "20",
    });
    if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
        params.extend(extra.clone());
    }
    params
}

fn envelope(command: &str, url: &str, extra_params: Value, args: Value) -> Value {
    json!({
        "command": command,
        "params": params(url, extra_params),
        "args": args,
        "context": { "IntegrationInstance": "contract-check" },
    })
}

/// A SCIM user with every attribute the integration maps, the custom extension included.
fn full_scim(login: &str) -> Value {
    json!({
        "userName": login,
        "name": {
            "givenName": "Contract", "familyName": "Check", "middleName": "M",
            "honorificPrefix": "Dr.", "honorificSuffix": "PhD"
        },
        "emails": [
            { "type": "home", "value": "home@example.com" },
            { "type": "work", "primary": true, "value": login }
        ],
        "displayName": "Contract Check",
        "nickName": "cc",
        "profileUrl": "https://example.com/cc",
        "title": "Tester",
        "userType": "Employee",
        "preferredLanguage": "en",
        "locale": "en_US",
        "timezone": "America/Los_Angeles",
        "phoneNumbers": [
            { "type": "mobile", "value": "+1-555-0100" },
            { "type": "work", "value": "+1-555-0101" }
        ],
        "addresses": [{
            "primary": true, "streetAddress": "1 Main St", "locality": "Springfield",
            "region": "IL", "postalCode": "62701", "country": "US"
        }],
        "urn:scim:schemas:extension:custom:1.0:user": {
            "employeeNumber": "42", "department": "QA", "division": "R&D",
            "organization": "Example", "costCenter": "10",
            "manager": { "value": "boss@example.com" }, "managerId": "00uboss",
            "badge": "B-7"
        }
    })
}

fn scenarios(url: &str) -> Vec<Scenario> {
    let scim = |value: Value| value.to_string();
    let logs_filter = r#"eventType eq "user.session.start""#;
    let fetch_params = json!({
        "isFetch": true,
        "fetchLogsQuery": logs_filter,
        "max_fetch": "50",
        "first_fetch": "3 days",
        "fetch_events_time_minutes": "0",
        "incidentType": "Okta Event",
    });
    let okta_next_link = format!(
        "{url}/api/v1/logs?limit=50&sortOrder=ASCENDING&filter={}\
         &since=2026-01-01T00%3A00%3A00.000Z&after=1723564700353_1",
        url::form_urlencoded::byte_serialize(logs_filter.as_bytes()).collect::<String>()
    );
    vec![
        Scenario {
            name: "test-module, isFetch off",
            envelope: envelope("test-module", url, json!({}), json!({})),
            steer: Steer::NONE,
            expected: &["getUser"],
        },
        Scenario {
            name: "test-module, isFetch on with fetchLogsQuery",
            envelope: envelope("test-module", url, fetch_params.clone(), json!({})),
            steer: Steer::NONE,
            expected: &["getUser", "listLogEvents"],
        },
        Scenario {
            name: "get-user by id",
            envelope: envelope(
                "get-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })) }),
            ),
            steer: Steer::NONE,
            expected: &["getUser"],
        },
        Scenario {
            name: "get-user by login answered in the path",
            envelope: envelope(
                "get-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "isaac.brock@example.com" })) }),
            ),
            steer: Steer::NONE,
            expected: &["getUser"],
        },
        Scenario {
            name: "get-user by login answered by another user, then searched",
            envelope: envelope(
                "get-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "someone.else@example.com" })) }),
            ),
            steer: Steer::NONE,
            expected: &["getUser", "listUsers"],
        },
        Scenario {
            name: "get-user by a login with '/' (searched)",
            envelope: envelope(
                "get-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "a/b\"c@example.com" })) }),
            ),
            steer: Steer::NONE,
            expected: &["listUsers"],
        },
        Scenario {
            name: "create-user with a full SCIM and a custom mapping",
            envelope: envelope(
                "create-user",
                url,
                json!({}),
                json!({
                    "scim": scim(full_scim("new.user@example.com")),
                    "customMapping": r#"{"badge": "badgeNumber"}"#,
                }),
            ),
            steer: Steer::NONE,
            expected: &["createUser"],
        },
        Scenario {
            name: "update-user by id",
            envelope: envelope(
                "update-user",
                url,
                json!({ "customMappingUpdateUser": r#"{"badge": "badgeNumber"}"# }),
                json!({
                    "oldScim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })),
                    "newScim": scim(full_scim("isaac.brock@example.com")),
                }),
            ),
            steer: Steer::NONE,
            expected: &["updateUser"],
        },
        Scenario {
            name: "update-user by login",
            envelope: envelope(
                "update-user",
                url,
                json!({}),
                json!({
                    "oldScim": scim(json!({ "userName": "isaac.brock@example.com" })),
                    "newScim": scim(json!({ "name": { "givenName": "Isaac" }, "title": "" })),
                }),
            ),
            steer: Steer::NONE,
            expected: &["getUser", "updateUser"],
        },
        Scenario {
            name: "enable-user, user ACTIVE as Prism's example says (no call)",
            envelope: envelope(
                "enable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })) }),
            ),
            steer: Steer::NONE,
            expected: &["getUser"],
        },
        Scenario {
            name: "enable-user, lookup steered to STAGED (activate)",
            envelope: envelope(
                "enable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })) }),
            ),
            steer: Steer::status("STAGED"),
            expected: &["getUser", "activateUser"],
        },
        Scenario {
            name: "enable-user by login, lookup steered to DEPROVISIONED (activate)",
            envelope: envelope(
                "enable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "isaac.brock@example.com" })) }),
            ),
            steer: Steer::status("DEPROVISIONED"),
            expected: &["getUser", "activateUser"],
        },
        Scenario {
            name: "enable-user, lookup steered to SUSPENDED (unsuspend)",
            envelope: envelope(
                "enable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })) }),
            ),
            steer: Steer::status("SUSPENDED"),
            expected: &["getUser", "unsuspendUser"],
        },
        Scenario {
            name: "disable-user, user ACTIVE as Prism's example says (deactivate)",
            envelope: envelope(
                "disable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })) }),
            ),
            steer: Steer::NONE,
            expected: &["getUser", "deactivateUser"],
        },
        Scenario {
            name: "disable-user by login, lookup steered to DEPROVISIONED (no call)",
            envelope: envelope(
                "disable-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "isaac.brock@example.com" })) }),
            ),
            steer: Steer::status("DEPROVISIONED"),
            expected: &["getUser"],
        },
        Scenario {
            name: "okta-get-assigned-user-for-app",
            envelope: envelope(
                "okta-get-assigned-user-for-app",
                url,
                json!({}),
                json!({
                    "applicationId": "0oae6ioe81sQ64Aui0h7",
                    "userId": "00u13okQOVWZJGDOAUVR",
                }),
            ),
            steer: Steer::NONE,
            expected: &["getApplicationUser"],
        },
        Scenario {
            name: "update-user by id of a deactivated user: update answered 404 (Prism's \
                   example), then the status lookup steered to DEPROVISIONED",
            envelope: envelope(
                "update-user",
                url,
                json!({}),
                json!({
                    "oldScim": scim(json!({ "id": "00ub0oNGTSWTBKOLGLNR" })),
                    "newScim": scim(json!({ "title": "Gone" })),
                }),
            ),
            steer: Steer {
                user_status: Some("DEPROVISIONED"),
                prefer: Some(("POST", 404)),
            },
            expected: &["updateUser", "getUser"],
        },
        Scenario {
            name: "get-user by id, Prism's 404 example",
            envelope: envelope(
                "get-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "id": "00unknown" })) }),
            ),
            steer: Steer::code("GET", 404),
            expected: &["getUser"],
        },
        Scenario {
            name: "create-user, Prism's 400 example",
            envelope: envelope(
                "create-user",
                url,
                json!({}),
                json!({ "scim": scim(json!({ "userName": "dup@example.com" })) }),
            ),
            steer: Steer::code("POST", 400),
            expected: &["createUser"],
        },
        Scenario {
            name: "okta-get-assigned-user-for-app, Prism's 404 example",
            envelope: envelope(
                "okta-get-assigned-user-for-app",
                url,
                json!({}),
                json!({ "applicationId": "0oae6ioe81sQ64Aui0h7", "userId": "00unknown" }),
            ),
            steer: Steer::code("GET", 404),
            expected: &["getApplicationUser"],
        },
        Scenario {
            name: "fetch-incidents, first run, Prism's 403 example (a failed fetch)",
            envelope: envelope(
                "fetch-incidents",
                url,
                json!({ "isFetch": true }),
                json!({}),
            ),
            steer: Steer::code("GET", 403),
            expected: &["listLogEvents"],
        },
        Scenario {
            name: "fetch-incidents, first run, no filter, defaults",
            envelope: envelope(
                "fetch-incidents",
                url,
                json!({ "isFetch": true }),
                json!({}),
            ),
            steer: Steer::NONE,
            expected: &["listLogEvents"],
        },
        Scenario {
            name: "fetch-incidents, first run with fetchLogsQuery and max_fetch",
            envelope: envelope("fetch-incidents", url, fetch_params.clone(), json!({})),
            steer: Steer::NONE,
            expected: &["listLogEvents"],
        },
        Scenario {
            name: "fetch-incidents, later run from an Okta next link (after=)",
            envelope: {
                let mut envelope = envelope("fetch-incidents", url, fetch_params, json!({}));
                envelope["lastRun"] = json!({
                    "nextLink": okta_next_link,
                    "lastQueryTime": "2026-01-01T00:00:00.000Z",
                    "backlog": false,
                    "query": logs_filter,
                });
                envelope
            },
            steer: Steer::NONE,
            expected: &["listLogEvents"],
        },
    ]
}

/// Runs the binary on one envelope; returns the parsed document and the exit status.
fn run_binary(envelope: &Value) -> (Result<Value, String>, Option<i32>) {
    let run = common::run_binary(envelope.to_string().as_bytes(), &[], &[]);
    (run.document(), run.code)
}

/// What is wrong with an output document, if anything.
fn document_problems(document: &Value, exit_code: Option<i32>) -> Vec<String> {
    let mut problems = Vec::new();
    if !document.is_object() {
        return vec![format!("the output is not an object: {document}")];
    }
    if !document["results"].is_array() {
        problems.push("`results` is not a list".to_string());
    }
    if !document["logs"].is_array() {
        problems.push("`logs` is not a list".to_string());
    }
    let error = &document["error"];
    if !(error.is_null() || error.is_string()) {
        problems.push(format!("`error` is neither null nor text: {error}"));
    }
    let expected_code = if error.is_null() { 0 } else { 1 };
    if exit_code != Some(expected_code) {
        problems.push(format!(
            "exit status {exit_code:?} does not match `error` (expected {expected_code})"
        ));
    }
    problems
}

/// Checks one recorded request against the description; returns its problems.
fn request_problems(spec: &Spec, request: &Recorded) -> (Option<String>, Vec<String>) {
    let mut problems: Vec<String> = request
        .request_violations
        .iter()
        .map(|violation| format!("Prism: {violation}"))
        .collect();
    let Some(operation) = spec.operation_for(&request.method, request.path()) else {
        problems.push("no operation of the description has this method and path".to_string());
        return (None, problems);
    };
    let declared: BTreeSet<&str> = operation.query_names.iter().map(String::as_str).collect();
    for name in request.query_names() {
        if !declared.contains(name.as_str()) {
            problems.push(format!(
                "query parameter '{name}' is not declared for {} (declared: {})",
                operation.id,
                operation.query_names.join(", ")
            ));
        }
    }
    (Some(operation.id), problems)
}

/// What one scenario showed.
#[derive(Default)]
struct Report {
    /// The document the binary printed, when it printed one.
    document: Option<Value>,
    /// Everything wrong, one line each.
    failures: Vec<String>,
    /// `METHOD template (operationId)` of each request, in order.
    requests: Vec<String>,
    /// Prism's warnings about its own example answers.
    warnings: usize,
}

/// Runs one scenario through the binary and the recorder and judges it.
fn run_scenario(spec: &Spec, recorder: &Recorder, scenario: &Scenario) -> Report {
    recorder.steer(scenario.steer);
    let (document, exit_code) = run_binary(&scenario.envelope);
    let recorded = recorder.take();
    recorder.steer(Steer::NONE);
    let mut report = Report::default();
    let mut problems = Vec::new();
    let outcome = match &document {
        Ok(document) => {
            problems.extend(document_problems(document, exit_code));
            match document["error"].as_str() {
                Some(error) => format!("error: {}", error.chars().take(160).collect::<String>()),
                None => match &document["results"][0]["Contents"]["success"] {
                    Value::Bool(success) => format!("ok, success: {success}"),
                    _ => "ok".to_string(),
                },
            }
        }
        Err(why) => {
            problems.push(why.clone());
            "no document".to_string()
        }
    };

    println!("[contract] {}", scenario.name);
    let mut operations = Vec::new();
    for request in &recorded {
        let (operation, issues) = request_problems(spec, request);
        let template = operation
            .as_ref()
            .and_then(|id| spec.operations().into_iter().find(|op| &op.id == id))
            .map(|op| op.template)
            .unwrap_or_else(|| request.path().to_string());
        let label = operation
            .clone()
            .unwrap_or_else(|| "(no operation)".to_string());
        let verdict = if issues.is_empty() { "ok" } else { "VIOLATION" };
        println!(
            "    {} {} -> {label} {} [{verdict}]",
            request.method, request.target, request.status
        );
        for issue in &issues {
            println!("        {issue}");
            problems.push(format!("{} {}: {issue}", request.method, request.target));
        }
        report
            .requests
            .push(format!("{} {template} ({label})", request.method));
        operations.extend(operation);
        report.warnings += request.response_warnings;
    }
    println!("    output: {outcome}");

    let mut wanted = scenario.expected.iter().peekable();
    for operation in &operations {
        if wanted.peek().is_some_and(|want| *want == operation) {
            wanted.next();
        }
    }
    if wanted.peek().is_some() {
        problems.push(format!(
            "expected the operations {:?} in order, the binary sent {operations:?}",
            scenario.expected
        ));
    }
    report.failures = problems
        .into_iter()
        .map(|problem| format!("{}: {problem}", scenario.name))
        .collect();
    report.document = document.ok();
    report
}

#[test]
#[ignore = "needs Prism: run scripts/contract-check"]
fn every_command_sends_only_requests_okta_s_description_allows() {
    let prism = prism_url();
    let spec = Spec::load();
    let recorder = Recorder::start(&prism);
    let mut reports = Vec::new();

    let mut all = scenarios(&recorder.base_url);
    for scenario in &all {
        reports.push(run_scenario(&spec, &recorder, scenario));
    }

    // A later run from the state a first run saved, whatever Prism's answer made of it.
    let first = Scenario {
        name: "fetch-incidents, first run with max_fetch 1 (its lastRun feeds the next)",
        envelope: envelope(
            "fetch-incidents",
            &recorder.base_url,
            json!({ "isFetch": true, "fetch_events_time_minutes": "0", "max_fetch": "1" }),
            json!({}),
        ),
        steer: Steer::NONE,
        expected: &["listLogEvents"],
    };
    let first_report = run_scenario(&spec, &recorder, &first);
    let saved = first_report
        .document
        .as_ref()
        .and_then(|document| document.get("lastRun").cloned())
        .unwrap_or(Value::Null);
    assert!(
        saved["nextLink"].is_string(),
        "the first fetch run saved no nextLink: {saved}"
    );
    let mut later = first.envelope.clone();
    later["lastRun"] = saved;
    let later = Scenario {
        name: "fetch-incidents, later run from the lastRun the first run saved",
        envelope: later,
        steer: Steer::NONE,
        expected: &["listLogEvents"],
    };
    reports.push(first_report);
    reports.push(run_scenario(&spec, &recorder, &later));
    all.push(first);
    all.push(later);

    // Per command, which requests were checked.
    let mut by_command: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (scenario, report) in all.iter().zip(&reports) {
        let command = scenario.envelope["command"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        by_command
            .entry(command)
            .or_default()
            .extend(report.requests.iter().cloned());
    }
    println!("[contract] requests checked, by command:");
    for (command, requests) in &by_command {
        println!("    {command}:");
        for request in requests {
            println!("        {request}");
        }
    }
    let used: BTreeSet<String> = reports
        .iter()
        .flat_map(|report| report.requests.iter())
        .filter_map(|request| {
            request
                .rsplit_once('(')
                .map(|(_, id)| id.trim_end_matches(')'))
        })
        .map(String::from)
        .collect();
    let unused: Vec<String> = spec
        .operations()
        .into_iter()
        .map(|op| op.id)
        .filter(|id| !used.contains(id))
        .collect();
    let checked: usize = reports.iter().map(|report| report.requests.len()).sum();
    let warnings: usize = reports.iter().map(|report| report.warnings).sum();
    println!(
        "[contract] {} scenarios, {checked} requests checked against {}; operations of the \
         description no command sends: {}; {warnings} Prism warning(s) about the description's \
         own example answers ignored",
        all.len(),
        openapi::SPEC_PATH,
        if unused.is_empty() {
            "none".to_string()
        } else {
            unused.join(", ")
        },
    );
    let failures: Vec<String> = reports.into_iter().flat_map(|r| r.failures).collect();
    assert!(
        failures.is_empty(),
        "the Okta contract check failed ({}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs Prism: run scripts/contract-check"]
fn the_check_catches_a_wrong_query_parameter_and_a_wrong_body_type() {
    // Deliberately broken requests, sent through the same recorder and judged by the same
    // rules, must each be reported.
    let prism = prism_url();
    let spec = Spec::load();
    let recorder = Recorder::start(&prism);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!("SSWS {TOKEN}");
    let base = &recorder.base_url;

    // A misspelt query parameter name: Prism itself lets it through.
    agent
        .get(format!(
            "{base}/api/v1/users?serach=profile.login%20eq%20%22a%40b.c%22"
        ))
        .header("Authorization", &auth)
        .header("Accept", "application/json")
        .call()
        .expect("the recorder answers");
    // A body field of the wrong type: `profile` must be an object.
    agent
        .post(format!("{base}/api/v1/users?activate=true"))
        .header("Authorization", &auth)
        .header("Accept", "application/json")
        .send_json(json!({ "profile": "not an object" }))
        .expect("the recorder answers");
    // A query parameter of the wrong type: `limit` is an integer.
    agent
        .get(format!("{base}/api/v1/logs?limit=many"))
        .header("Authorization", &auth)
        .header("Accept", "application/json")
        .call()
        .expect("the recorder answers");
    // A path the description does not have.
    agent
        .get(format!("{base}/api/v1/userz/00u1"))
        .header("Authorization", &auth)
        .header("Accept", "application/json")
        .call()
        .expect("the recorder answers");

    // No credentials: Prism checks the description's security schemes.
    agent
        .get(format!("{base}/api/v1/users/me"))
        .header("Accept", "application/json")
        .call()
        .expect("the recorder answers");

    let requests = recorder.take();
    assert_eq!(requests.len(), 5, "{requests:?}");
    for request in &requests {
        let (_, problems) = request_problems(&spec, request);
        println!("[self-test] {} {}:", request.method, request.target);
        for problem in &problems {
            println!("    {problem}");
        }
        assert!(
            !problems.is_empty(),
            "the check let a broken request through: {} {}",
            request.method,
            request.target
        );
    }
    let (_, misspelt) = request_problems(&spec, &requests[0]);
    assert!(
        misspelt.iter().any(|p| p.contains("'serach'")),
        "{misspelt:?}"
    );
    let (_, body) = request_problems(&spec, &requests[1]);
    assert!(
        body.iter()
            .any(|p| p.contains("profile") && p.contains("request")),
        "{body:?}"
    );
    let (_, limit) = request_problems(&spec, &requests[2]);
    assert!(limit.iter().any(|p| p.contains("limit")), "{limit:?}");
}
